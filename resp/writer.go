// Package resp encodes replies and decodes requests of the Redis protocol
// (RESP2 and RESP3).
package resp

import (
	"math"
	"slices"
	"strconv"

	"github.com/tidwall/redcon"
)

// Writer appends replies to a buffer. It knows the RESP3 types and writes
// their RESP2 forms when the connection speaks RESP2, so command code
// describes a reply once and both protocols get Redis's exact bytes.
type Writer struct {
	buf   []byte
	proto int
}

// NewWriter returns a writer for protocol version 2.
func NewWriter() *Writer { return &Writer{proto: 2} }

// SetProto switches between RESP2 and RESP3 (HELLO).
func (w *Writer) SetProto(v int) { w.proto = v }

// Proto reports the protocol version in use.
func (w *Writer) Proto() int { return w.proto }

// Bytes returns what has been written since the last Reset.
func (w *Writer) Bytes() []byte { return w.buf }

// Len is the number of bytes buffered.
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the buffer, keeping its storage.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Swap hands the buffered bytes to the caller and continues in buf's
// storage, emptied: a large reply moves without a copy.
func (w *Writer) Swap(buf []byte) []byte {
	b := w.buf
	w.buf = buf[:0]
	return b
}

// Truncate drops everything after the first n bytes (undo of a partial reply).
func (w *Writer) Truncate(n int) { w.buf = w.buf[:n] }

// Raw appends bytes that are already encoded.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Insert puts encoded bytes at offset at, before what was written since.
func (w *Writer) Insert(at int, b []byte) { w.buf = slices.Insert(w.buf, at, b...) }

// OK writes +OK.
func (w *Writer) OK() { w.buf = redcon.AppendOK(w.buf) }

// Simple writes a status reply (+...).
func (w *Writer) Simple(s string) { w.buf = redcon.AppendString(w.buf, s) }

// Error writes an error reply; msg carries its own code ("ERR ...", "WRONGTYPE ...").
func (w *Writer) Error(msg string) { w.buf = redcon.AppendError(w.buf, msg) }

// Int writes an integer reply.
func (w *Writer) Int(n int64) { w.buf = redcon.AppendInt(w.buf, n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) { w.buf = redcon.AppendBulk(w.buf, b) }

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) { w.buf = redcon.AppendBulkString(w.buf, s) }

// BulkInt writes an integer as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.buf = redcon.AppendBulk(w.buf, strconv.AppendInt(tmp[:0], n, 10))
}

// Null writes the null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes the null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array starts an array of n elements.
func (w *Writer) Array(n int) { w.buf = redcon.AppendArray(w.buf, n) }

// Map starts a map of n pairs (a flat array of 2n in RESP2).
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '%', int64(n))
		return
	}
	w.buf = redcon.AppendArray(w.buf, 2*n)
}

// Set starts a set of n elements (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '~', int64(n))
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// Push starts an out-of-band push message (an array in RESP2).
func (w *Writer) Push(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '>', int64(n))
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// Attribute starts an attribute of n pairs that precedes a reply; RESP2
// has no attributes, so there the caller must not write its pairs either.
func (w *Writer) Attribute(n int) { w.buf = appendHeader(w.buf, '|', int64(n)) }

// Bool writes a boolean (:1 / :0 in RESP2).
func (w *Writer) Bool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.buf = append(w.buf, ":1\r\n"...)
	} else {
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// Double writes a double the way Redis 7.0 formats it (%.17g, inf/-inf):
// a bulk string in RESP2, a RESP3 double otherwise.
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	s := AppendDouble(tmp[:0], f)
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendBulk(w.buf, s)
}

// BigNumber writes a big number (a bulk string in RESP2).
func (w *Writer) BigNumber(s string) {
	if w.proto == 3 {
		w.buf = append(w.buf, '(')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendBulkString(w.buf, s)
}

// Verbatim writes verbatim text with a three-letter format such as "txt"
// (a bulk string in RESP2).
func (w *Writer) Verbatim(format, s string) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '=', int64(len(s)+4))
		w.buf = append(w.buf, format...)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = redcon.AppendBulkString(w.buf, s)
}

// BulkStrings writes an array of bulk strings.
func (w *Writer) BulkStrings(items [][]byte) {
	w.Array(len(items))
	for _, b := range items {
		w.Bulk(b)
	}
}

// AppendDouble formats f as Redis 7.0 replies with doubles: %.17g, with
// "inf", "-inf" and "nan" spelled out.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f) && math.Signbit(f):
		return append(dst, "-nan"...) // C's printf, as Redis writes a script's 0/0
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	// Go's %.17g matches C's printf byte for byte, two-digit exponents included.
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

func appendHeader(b []byte, c byte, n int64) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, n, 10)
	return append(b, '\r', '\n')
}
