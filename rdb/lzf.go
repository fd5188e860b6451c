package rdb

import "errors"

var errLZF = errors.New("corrupt LZF data")

// maxLZFRatio bounds how much LZF can expand: the best back reference costs
// 3 bytes and yields 264, so a claimed length above this many times the
// input is corrupt and is refused before anything is allocated.
const maxLZFRatio = 88

// lzfDecompress expands LZF data (as Redis writes it) into exactly n bytes.
func lzfDecompress(in []byte, n int) ([]byte, error) {
	if n < 0 || n > len(in)*maxLZFRatio+32 {
		return nil, errLZF
	}
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			run := ctrl + 1
			if i+run > len(in) || len(out)+run > n {
				return nil, errLZF
			}
			out = append(out, in[i:i+run]...)
			i += run
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if i >= len(in) {
				return nil, errLZF
			}
			length += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errLZF
		}
		ref := len(out) - ((ctrl&0x1f)<<8 | int(in[i])) - 1
		i++
		length += 2
		if ref < 0 || len(out)+length > n {
			return nil, errLZF
		}
		for k := 0; k < length; k++ { // byte by byte: the copy may overlap itself
			out = append(out, out[ref+k])
		}
	}
	if len(out) != n {
		return nil, errLZF
	}
	return out, nil
}

// LZF limits, as in liblzf: offsets up to 8 KiB, matches up to 264 bytes.
const (
	lzfHashBits   = 14
	lzfMaxOff     = 1 << 13
	lzfMaxRef     = (1 << 8) + (1 << 3)
	lzfMaxLiteral = 1 << 5
)

// lzfTable is the compressor's hash table of recent positions. It is
// reused across calls without clearing: an entry holds base+position, so
// entries of earlier calls (below base) read as empty.
type lzfTable struct {
	pos  [1 << lzfHashBits]int64
	base int64
}

// lzfCompress compresses in with a greedy hash-table matcher. It returns nil
// when the output would be longer than limit bytes.
func (t *lzfTable) compress(in []byte, limit int) []byte {
	if len(in) < 4 {
		return nil
	}
	base := t.base + 1
	t.base += int64(len(in)) + 1
	out := make([]byte, 0, limit)
	litStart := 0
	flush := func(end int) bool {
		for litStart < end {
			run := min(end-litStart, lzfMaxLiteral)
			if len(out)+1+run > limit {
				return false
			}
			out = append(out, byte(run-1))
			out = append(out, in[litStart:litStart+run]...)
			litStart += run
		}
		return true
	}
	i := 0
	for i+2 < len(in) {
		h := (uint32(in[i])<<16 | uint32(in[i+1])<<8 | uint32(in[i+2])) * 2654435761 >> (32 - lzfHashBits)
		ref := int(t.pos[h] - base)
		t.pos[h] = base + int64(i)
		off := i - ref - 1
		if ref >= 0 && off < lzfMaxOff && in[ref] == in[i] && in[ref+1] == in[i+1] && in[ref+2] == in[i+2] {
			length := 3
			for length < lzfMaxRef && i+length < len(in) && in[ref+length] == in[i+length] {
				length++
			}
			if !flush(i) {
				return nil
			}
			l := length - 2
			if len(out)+3 > limit {
				return nil
			}
			if l < 7 {
				out = append(out, byte(l<<5|off>>8))
			} else {
				out = append(out, byte(7<<5|off>>8), byte(l-7))
			}
			out = append(out, byte(off))
			i += length
			litStart = i
			continue
		}
		i++
	}
	if !flush(len(in)) {
		return nil
	}
	return out
}
