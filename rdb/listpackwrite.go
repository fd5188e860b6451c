package rdb

import (
	"encoding/binary"
	"math"
)

// listpackBuilder builds a listpack blob.
type listpackBuilder struct {
	b []byte
	n int
}

func newListpackBuilder() *listpackBuilder {
	return &listpackBuilder{b: make([]byte, 6, 64)}
}

// size is the blob's size if finished now.
func (l *listpackBuilder) size() int { return len(l.b) + 1 }

// entrySize is how many bytes appending s would add.
func entrySize(s []byte) int {
	if v, ok := canonicalInt(s); ok {
		n := intEntrySize(v)
		return n + backlenSize(n)
	}
	var n int
	switch {
	case len(s) < 64:
		n = 1 + len(s)
	case len(s) < 4096:
		n = 2 + len(s)
	default:
		n = 5 + len(s)
	}
	return n + backlenSize(n)
}

func intEntrySize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= -1<<23 && v < 1<<23:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

// add appends a string, stored as an integer when it is one.
func (l *listpackBuilder) add(s []byte) {
	if v, ok := canonicalInt(s); ok {
		l.addInt(v)
		return
	}
	start := len(l.b)
	switch {
	case len(s) < 64:
		l.b = append(l.b, 0x80|byte(len(s)))
	case len(s) < 4096:
		l.b = append(l.b, 0xe0|byte(len(s)>>8), byte(len(s)))
	default:
		l.b = binary.LittleEndian.AppendUint32(append(l.b, 0xf0), uint32(len(s)))
	}
	l.b = append(l.b, s...)
	l.backlen(len(l.b) - start)
}

func (l *listpackBuilder) addInt(v int64) {
	start := len(l.b)
	switch n := intEntrySize(v); n {
	case 1:
		l.b = append(l.b, byte(v))
	case 2:
		u := uint64(v) & 0x1fff
		l.b = append(l.b, 0xc0|byte(u>>8), byte(u))
	default:
		width := n - 1
		l.b = append(l.b, [...]byte{0xf1, 0xf2, 0xf3, 0, 0, 0, 0xf4}[width-2])
		for i := range width {
			l.b = append(l.b, byte(uint64(v)>>(8*i)))
		}
	}
	l.backlen(len(l.b) - start)
}

// backlen appends the back-length of an n-byte entry: the most
// significant 7 bits first, every byte after the first flagged with 0x80.
func (l *listpackBuilder) backlen(n int) {
	size := backlenSize(n)
	for i := size - 1; i >= 0; i-- {
		b := byte(n>>(7*i)) & 0x7f
		if i != size-1 {
			b |= 0x80
		}
		l.b = append(l.b, b)
	}
	l.n++
}

func (l *listpackBuilder) finish() []byte {
	l.b = append(l.b, 0xff)
	binary.LittleEndian.PutUint32(l.b, uint32(len(l.b)))
	binary.LittleEndian.PutUint16(l.b[4:], uint16(min(l.n, 65535)))
	return l.b
}
