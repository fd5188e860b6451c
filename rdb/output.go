package rdb

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"
)

// output writes bytes, keeping their CRC-64 and the first error.
type output struct {
	w   io.Writer
	crc uint64
	n   int64
	err error
	buf []byte
	lzf *lzfTable
}

func (o *output) write(p []byte) {
	if o.err != nil {
		return
	}
	o.crc = CRC64(o.crc, p)
	n, err := o.w.Write(p)
	o.n += int64(n)
	o.err = err
}

func (o *output) byte(b byte) {
	o.buf = append(o.buf[:0], b)
	o.write(o.buf)
}

// length writes a length in its smallest form.
func (o *output) length(n uint64) {
	b := o.buf[:0]
	switch {
	case n < 1<<6:
		b = append(b, byte(n))
	case n < 1<<14:
		b = append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		b = binary.BigEndian.AppendUint32(append(b, len32), uint32(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, len64), n)
	}
	o.buf = b
	o.write(b)
}

func (o *output) millis(ms int64) {
	o.buf = binary.LittleEndian.AppendUint64(o.buf[:0], uint64(ms))
	o.write(o.buf)
}

func (o *output) rawID(id StreamID) {
	b := binary.BigEndian.AppendUint64(o.buf[:0], id.Ms)
	o.buf = binary.BigEndian.AppendUint64(b, id.Seq)
	o.write(o.buf)
}

// str writes a string as Redis does: small canonical integers in an int
// encoding, long strings LZF-compressed when that saves at least 4 bytes,
// the rest raw.
func (o *output) str(s []byte, compress bool) {
	if len(s) <= 11 {
		if v, ok := canonicalInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			b := o.buf[:0]
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				b = append(b, 0xc0|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				b = binary.LittleEndian.AppendUint16(append(b, 0xc0|encInt16), uint16(v))
			default:
				b = binary.LittleEndian.AppendUint32(append(b, 0xc0|encInt32), uint32(v))
			}
			o.buf = b
			o.write(b)
			return
		}
	}
	if compress && len(s) > 20 {
		if o.lzf == nil {
			o.lzf = new(lzfTable)
		}
		if packed := o.lzf.compress(s, len(s)-4); packed != nil {
			o.byte(0xc0 | encLZF)
			o.length(uint64(len(packed)))
			o.length(uint64(len(s)))
			o.write(packed)
			return
		}
	}
	o.length(uint64(len(s)))
	o.write(s)
}

// canonicalInt parses s when it is exactly how an int64 prints: no sign
// but '-', no leading zeros, no "-0".
func canonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 || s[0] == '+' || (s[0] == '0' && len(s) > 1) ||
		(s[0] == '-' && (len(s) == 1 || s[1] == '0')) {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	return v, err == nil
}
