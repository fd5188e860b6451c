package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cairndb/cairn/cnum"
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

// strtod reads the longest prefix of b, a C string, that C's strtod
// reads; ok is false when there is none.
func strtod(b []byte) (float64, bool) {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	f, n := cnum.Strtod(s)
	return f, n > 0
}
