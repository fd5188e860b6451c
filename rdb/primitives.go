package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Length encodings: the top two bits of the first byte.
const (
	len6     = 0
	len14    = 1
	len32    = 0x80
	len64    = 0x81
	lenSpec  = 3 // a specially encoded string follows
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// maxString bounds a single string: Redis strings and blobs are at most
// 4 GiB, and a larger length is corruption.
const maxString = 1 << 32

// readLength reads a length; special is true when the byte announced a
// specially encoded string, whose kind is then returned as the value.
func (d *Decoder) readLength() (n uint64, special bool, err error) {
	b, err := d.in.readByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case len6:
		return uint64(b & 0x3f), false, nil
	case len14:
		b2, err := d.in.readByte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case lenSpec:
		return uint64(b & 0x3f), true, nil
	}
	var buf [8]byte
	switch b {
	case len32:
		if err := d.in.readFixed(buf[:4]); err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(buf[:4])), false, nil
	case len64:
		if err := d.in.readFixed(buf[:]); err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(buf[:]), false, nil
	}
	return 0, false, fmt.Errorf("unknown length encoding 0x%02x", b)
}

// readLen reads a length. Like Redis's rdbLoadLen, it takes the byte of a
// special string encoding for a length of its low 6 bits.
func (d *Decoder) readLen() (uint64, error) {
	n, _, err := d.readLength()
	return n, err
}

// readString reads a string in any of its encodings.
func (d *Decoder) readString() ([]byte, error) {
	n, special, err := d.readLength()
	if err != nil {
		return nil, err
	}
	if !special {
		if n > maxString {
			return nil, fmt.Errorf("string length %d is too large", n)
		}
		return d.in.readBytes(n)
	}
	var buf [4]byte
	switch n {
	case encInt8:
		if err := d.in.readFixed(buf[:1]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(buf[0])), 10), nil
	case encInt16:
		if err := d.in.readFixed(buf[:2]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(buf[:2]))), 10), nil
	case encInt32:
		if err := d.in.readFixed(buf[:4]); err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(buf[:4]))), 10), nil
	case encLZF:
		clen, err := d.readLen()
		if err != nil {
			return nil, err
		}
		ulen, err := d.readLen()
		if err != nil {
			return nil, err
		}
		if clen > maxString || ulen > maxString {
			return nil, fmt.Errorf("LZF string length %d/%d is too large", clen, ulen)
		}
		packed, err := d.in.readBytes(clen)
		if err != nil {
			return nil, err
		}
		return lzfDecompress(packed, int(ulen))
	}
	return nil, fmt.Errorf("unknown string encoding %d", n)
}

// readMillis reads an 8-byte millisecond time (little-endian since RDB 9,
// host order before, which was little-endian on every platform that wrote
// RDB files in practice).
func (d *Decoder) readMillis() (int64, error) {
	var buf [8]byte
	if err := d.in.readFixed(buf[:]); err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(buf[:])), nil
}

// readBinaryDouble reads an 8-byte little-endian IEEE double (ZSET_2).
func (d *Decoder) readBinaryDouble() (float64, error) {
	var buf [8]byte
	if err := d.in.readFixed(buf[:]); err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(buf[:])), nil
}

// readTextDouble reads the old ZSET double: a length byte with special
// values for NaN and the infinities, then ASCII.
func (d *Decoder) readTextDouble() (float64, error) {
	n, err := d.in.readByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	buf := make([]byte, n)
	if err := d.in.readFixed(buf); err != nil {
		return 0, err
	}
	return parseScore(buf)
}

// parseScore parses an old zset's score as Redis does (sscanf's %lg): the
// longest prefix strtod reads, which must not be empty.
func parseScore(b []byte) (float64, error) {
	f, ok := strtod(b)
	if !ok {
		return 0, fmt.Errorf("bad score %q", b)
	}
	return f, nil
}

// listpackScore is a score stored as text in a listpack or ziplist, as
// Redis's zzlStrtod reads it: strtod over its first 127 bytes, 0 when
// they hold no number.
func listpackScore(b []byte) float64 {
	f, _ := strtod(b[:min(len(b), 127)])
	return f
}

// strtod reads the longest prefix of b that C's strtod reads: after white
// space, a sign and a decimal or hexadecimal number, inf, infinity or nan
// (whatever follows them). ok is false when there is no such prefix. Out of
// range, it gives the infinity or zero strtod gives.
func strtod(b []byte) (f float64, ok bool) {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // a C string
	}
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "inf"):
		f = math.Inf(1)
	case strings.HasPrefix(lower, "nan"):
		f = math.NaN()
	default:
		num, hex := number(s)
		if num == "" {
			return 0, false
		}
		if hex && !strings.ContainsAny(num, "pP") {
			num += "p0"
		}
		f, _ = strconv.ParseFloat(num, 64)
	}
	if sign == "-" {
		f = -f
	}
	return f, true
}

// number is the longest unsigned number at the start of s: decimal
// digits with a point and an exponent, or 0x and hexadecimal ones with a
// binary exponent. A point or exponent without digits is left out.
func number(s string) (num string, hex bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		if i := mantissa(s, 2, true); i > 2 {
			return exponent(s, i, 'p'), true
		}
	}
	if i := mantissa(s, 0, false); i > 0 {
		return exponent(s, i, 'e'), false
	}
	return "", false
}

// mantissa is the end of the digits from i, with at most one point; i
// when there are none.
func mantissa(s string, i int, hex bool) int {
	j := digits(s, i, hex)
	n := j - i
	if j < len(s) && s[j] == '.' {
		k := digits(s, j+1, hex)
		n, j = n+k-j-1, k
	}
	if n == 0 {
		return i
	}
	return j
}

// exponent extends the number s[:i] with an exponent (e or p, a sign,
// decimal digits) when one follows.
func exponent(s string, i int, e byte) string {
	if i < len(s) && (s[i] == e || s[i] == e-'a'+'A') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if k := digits(s, j, false); k > j {
			i = k
		}
	}
	return s[:i]
}

// digits is the end of the run of digits from i.
func digits(s string, i int, hex bool) int {
	for ; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || hex && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			break
		}
	}
	return i
}
