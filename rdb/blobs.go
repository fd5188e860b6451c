package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// entry is one element of a listpack or ziplist: a string or an integer.
type entry struct {
	str   []byte
	num   int64
	isInt bool
}

// bytes is the entry as Redis reports it: integers in decimal.
func (e entry) bytes() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.num, 10)
	}
	return e.str
}

// integer is the entry as an integer, for stream fields that must be one.
func (e entry) integer() (int64, error) {
	if e.isInt {
		return e.num, nil
	}
	n, err := strconv.ParseInt(string(e.str), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expected an integer entry, got %q", e.str)
	}
	return n, nil
}

// blobReader walks the entries of a compact blob.
type blobReader interface {
	next() (entry, bool, error)
}

var (
	errListpack = errors.New("corrupt listpack")
	errZiplist  = errors.New("corrupt ziplist")
	errIntset   = errors.New("corrupt intset")
	errZipmap   = errors.New("corrupt zipmap")
)

// listpack: u32 total bytes, u16 count, entries, 0xFF. Each entry is its
// encoding and data followed by a back-length of 1 to 5 bytes.
type listpack struct {
	b     []byte
	pos   int
	count int // from the header; -1 when unknown (65535)
	seen  int
	deep  bool // check back-lengths
}

func newListpack(b []byte, deep bool) (*listpack, error) {
	if len(b) < 7 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return nil, errListpack
	}
	count := int(binary.LittleEndian.Uint16(b[4:]))
	if count == 65535 {
		count = -1
	}
	return &listpack{b: b, pos: 6, count: count, deep: deep}, nil
}

// backlenSize is the size of the back-length that follows an entry of n
// bytes (the thresholds are the format's, one below each power of 128).
func backlenSize(n int) int {
	switch {
	case n <= 127:
		return 1
	case n < 16383:
		return 2
	case n < 2097151:
		return 3
	case n < 268435455:
		return 4
	}
	return 5
}

// decodeBacklen reads the back-length that ends b as Redis's
// lpDecodeBacklen does, from its last byte back, which its deep check
// requires to equal the entry's size.
func decodeBacklen(b []byte) uint64 {
	var v uint64
	for shift, i := 0, len(b)-1; i >= 0; shift, i = shift+7, i-1 {
		v |= uint64(b[i]&127) << shift
		if b[i]&128 == 0 {
			return v
		}
		if shift+7 > 28 {
			break
		}
	}
	return math.MaxUint64
}

func (lp *listpack) next() (entry, bool, error) {
	b := lp.b[:len(lp.b)-1] // entries end before the terminator
	p := lp.pos
	if p >= len(b) {
		if p != len(b) || (lp.count >= 0 && lp.seen != lp.count) {
			return entry{}, false, errListpack
		}
		return entry{}, false, nil
	}
	c := b[p]
	var e entry
	var size int // encoding + data
	need := func(n int) bool { return p+n <= len(b) }
	switch {
	case c&0x80 == 0:
		e, size = entry{num: int64(c), isInt: true}, 1
	case c&0xc0 == 0x80:
		n := int(c & 0x3f)
		if !need(1 + n) {
			return entry{}, false, errListpack
		}
		e, size = entry{str: b[p+1 : p+1+n]}, 1+n
	case c&0xe0 == 0xc0:
		if !need(2) {
			return entry{}, false, errListpack
		}
		v := int64(c&0x1f)<<8 | int64(b[p+1])
		if v >= 1<<12 {
			v -= 1 << 13
		}
		e, size = entry{num: v, isInt: true}, 2
	case c&0xf0 == 0xe0:
		if !need(2) {
			return entry{}, false, errListpack
		}
		n := int(c&0x0f)<<8 | int(b[p+1])
		if !need(2 + n) {
			return entry{}, false, errListpack
		}
		e, size = entry{str: b[p+2 : p+2+n]}, 2+n
	case c == 0xf0:
		if !need(5) {
			return entry{}, false, errListpack
		}
		n := uint64(binary.LittleEndian.Uint32(b[p+1:]))
		if uint64(p)+5+n > uint64(len(b)) {
			return entry{}, false, errListpack
		}
		e, size = entry{str: b[p+5 : p+5+int(n)]}, 5+int(n)
	case c >= 0xf1 && c <= 0xf4:
		width := [...]int{2, 3, 4, 8}[c-0xf1]
		if !need(1 + width) {
			return entry{}, false, errListpack
		}
		var u uint64
		for i := width - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[p+1+i])
		}
		shift := 64 - 8*width
		e, size = entry{num: int64(u<<shift) >> shift, isInt: true}, 1+width
	default:
		return entry{}, false, errListpack
	}
	bl := backlenSize(size)
	if !need(size+bl) || lp.deep && decodeBacklen(b[:p+size+bl]) != uint64(size) {
		return entry{}, false, errListpack
	}
	lp.pos = p + size + bl
	lp.seen++
	if lp.count >= 0 && lp.seen > lp.count {
		return entry{}, false, errListpack
	}
	return e, true, nil
}

// ziplist: u32 total bytes, u32 tail offset, u16 count, entries, 0xFF. Each
// entry is the previous entry's length, an encoding and data.
type ziplist struct {
	b     []byte
	pos   int
	count int // -1 when unknown (65535)
	seen  int
}

func newZiplist(b []byte) (*ziplist, error) {
	if len(b) < 11 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return nil, errZiplist
	}
	count := int(binary.LittleEndian.Uint16(b[8:]))
	if count == 65535 {
		count = -1
	}
	return &ziplist{b: b, pos: 10, count: count}, nil
}

func (z *ziplist) next() (entry, bool, error) {
	b := z.b[:len(z.b)-1]
	p := z.pos
	if p >= len(b) {
		if p != len(b) || (z.count >= 0 && z.seen != z.count) {
			return entry{}, false, errZiplist
		}
		return entry{}, false, nil
	}
	if b[p] == 0xfe {
		p += 5
	} else {
		p++
	}
	if p >= len(b) {
		return entry{}, false, errZiplist
	}
	need := func(n int) bool { return p+n <= len(b) }
	c := b[p]
	var e entry
	var size int
	switch c >> 6 {
	case 0:
		n := int(c & 0x3f)
		if !need(1 + n) {
			return entry{}, false, errZiplist
		}
		e, size = entry{str: b[p+1 : p+1+n]}, 1+n
	case 1:
		if !need(2) {
			return entry{}, false, errZiplist
		}
		n := int(c&0x3f)<<8 | int(b[p+1])
		if !need(2 + n) {
			return entry{}, false, errZiplist
		}
		e, size = entry{str: b[p+2 : p+2+n]}, 2+n
	case 2:
		if c != 0x80 || !need(5) {
			return entry{}, false, errZiplist
		}
		n := uint64(binary.BigEndian.Uint32(b[p+1:]))
		if uint64(p)+5+n > uint64(len(b)) {
			return entry{}, false, errZiplist
		}
		e, size = entry{str: b[p+5 : p+5+int(n)]}, 5+int(n)
	default:
		var width int
		switch c {
		case 0xc0:
			width = 2
		case 0xd0:
			width = 4
		case 0xe0:
			width = 8
		case 0xf0:
			width = 3
		case 0xfe:
			width = 1
		default:
			if c < 0xf1 || c > 0xfd {
				return entry{}, false, errZiplist
			}
			e, size = entry{num: int64(c&0x0f) - 1, isInt: true}, 1
		}
		if width > 0 {
			if !need(1 + width) {
				return entry{}, false, errZiplist
			}
			var u uint64
			for i := width - 1; i >= 0; i-- {
				u = u<<8 | uint64(b[p+1+i])
			}
			shift := 64 - 8*width
			e, size = entry{num: int64(u<<shift) >> shift, isInt: true}, 1+width
		}
	}
	z.pos = p + size
	z.seen++
	if z.count >= 0 && z.seen > z.count {
		return entry{}, false, errZiplist
	}
	return e, true, nil
}

// intset: u32 width (2, 4 or 8), u32 count, sorted little-endian integers.
type intset struct {
	b     []byte
	width int
	i, n  int
	prev  int64
	deep  bool // check the order
}

func newIntset(b []byte, deep bool) (*intset, error) {
	if len(b) < 8 {
		return nil, errIntset
	}
	width := int(binary.LittleEndian.Uint32(b))
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if (width != 2 && width != 4 && width != 8) || uint64(len(b)) != 8+n*uint64(width) {
		return nil, errIntset
	}
	return &intset{b: b[8:], width: width, n: int(n), deep: deep}, nil
}

// next refuses members out of order under deep checks, as Redis does.
func (s *intset) next() (entry, bool, error) {
	if s.i == s.n {
		return entry{}, false, nil
	}
	p := s.b[s.i*s.width:]
	var v int64
	switch s.width {
	case 2:
		v = int64(int16(binary.LittleEndian.Uint16(p)))
	case 4:
		v = int64(int32(binary.LittleEndian.Uint32(p)))
	default:
		v = int64(binary.LittleEndian.Uint64(p))
	}
	if s.deep && s.i > 0 && v <= s.prev {
		return entry{}, false, errIntset
	}
	s.i++
	s.prev = v
	return entry{num: v, isInt: true}, true, nil
}

// zipmap (Redis ≤ 2.4 hashes): u8 count, then key/value pairs with their
// lengths (and free space after each value), then 0xFF.
type zipmap struct {
	b         []byte
	pos       int
	wantValue bool
}

func newZipmap(b []byte) (*zipmap, error) {
	if len(b) < 2 || b[len(b)-1] != 0xff {
		return nil, errZipmap
	}
	return &zipmap{b: b, pos: 1}, nil
}

func (z *zipmap) length() (int, error) {
	if z.pos >= len(z.b) {
		return 0, errZipmap
	}
	c := z.b[z.pos]
	switch {
	case c < 254:
		z.pos++
		return int(c), nil
	case c == 254:
		if z.pos+5 > len(z.b) {
			return 0, errZipmap
		}
		n := binary.LittleEndian.Uint32(z.b[z.pos+1:])
		z.pos += 5
		if uint64(n) > uint64(len(z.b)) {
			return 0, errZipmap
		}
		return int(n), nil
	}
	return 0, errZipmap
}

func (z *zipmap) next() (entry, bool, error) {
	if z.pos >= len(z.b) {
		return entry{}, false, errZipmap
	}
	if z.b[z.pos] == 0xff {
		if z.wantValue || z.pos != len(z.b)-1 {
			return entry{}, false, errZipmap
		}
		return entry{}, false, nil
	}
	n, err := z.length()
	if err != nil {
		return entry{}, false, err
	}
	free := 0
	if z.wantValue {
		if z.pos >= len(z.b) {
			return entry{}, false, errZipmap
		}
		free = int(z.b[z.pos])
		z.pos++
	}
	if z.pos+n+free > len(z.b)-1 {
		return entry{}, false, errZipmap
	}
	e := entry{str: z.b[z.pos : z.pos+n]}
	z.pos += n + free
	z.wantValue = !z.wantValue
	return e, true, nil
}
