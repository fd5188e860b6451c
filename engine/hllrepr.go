package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// A HyperLogLog is a string in Redis's own HYLL format, so GET, SET,
// DUMP and RESTORE move HLLs between Redis and Cairn unchanged, and the
// same PFADDs leave the same bytes.
//
// Header, 16 bytes: "HYLL"; the encoding (0 dense, 1 sparse); 3 unused
// bytes; the cached cardinality, a little-endian u64 whose top bit marks
// it stale. Then 2^14 registers of 6 bits, either
//
//   - dense: packed from the least significant bit of the first byte up,
//     register i in bits [6i, 6i+6), 12288 bytes; or
//   - sparse: run-length opcodes, each covering consecutive registers:
//     00xxxxxx (ZERO: xxxxxx+1 zero registers), 01xxxxxx yyyyyyyy (XZERO:
//     the 14-bit count plus one of zero registers), 1vvvvvxx (VAL: xx+1
//     registers holding vvvvv+1).
//
// Sparse HLLs turn dense when a register exceeds 32 or when the string
// would outgrow hll-sparse-max-bytes.
const (
	hllP         = 14
	hllQ         = 64 - hllP
	hllRegisters = 1 << hllP
	hllBits      = 6
	hllRegMax    = 1<<hllBits - 1
	hllHdrSize   = 16
	hllDenseSize = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense     = 0
	hllSparse    = 1
	hllSeed      = 0xadc83b19

	sparseValMax      = 32
	sparseValMaxLen   = 4
	sparseZeroMaxLen  = 64
	sparseXZeroMaxLen = 16384

	// hllAlphaInf is 0.5/ln(2), the constant of Ertl's estimator.
	hllAlphaInf = 0.721347520444481703680
)

const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errCorruptHLL = "INVALIDOBJ Corrupted HLL object detected"
)

// hll is a HYLL string being read or changed in memory.
type hll struct{ b []byte }

// newHLL is an empty HLL: sparse, one XZERO over every register.
func newHLL() *hll {
	b := make([]byte, hllHdrSize, hllHdrSize+2)
	copy(b, "HYLL")
	b[4] = hllSparse
	return &hll{appendZeros(b, hllRegisters)}
}

// validHLL checks what Redis checks before using a string of size bytes
// starting with header as an HLL.
func validHLL(header []byte, size int64) bool {
	return size >= hllHdrSize && string(header[:4]) == "HYLL" && header[4] <= hllSparse &&
		(header[4] != hllDense || size == hllDenseSize)
}

func (h *hll) encoding() byte         { return h.b[4] }
func (h *hll) cacheValid() bool       { return h.b[15]&0x80 == 0 }
func (h *hll) invalidateCache()       { h.b[15] |= 0x80 }
func (h *hll) cachedCard() uint64     { return binary.LittleEndian.Uint64(h.b[8:hllHdrSize]) }
func (h *hll) setCachedCard(n uint64) { binary.LittleEndian.PutUint64(h.b[8:hllHdrSize], n) }

// Sparse opcodes.
func isZeroOp(c byte) bool  { return c&0xc0 == 0 }
func isXZeroOp(c byte) bool { return c&0xc0 == 0x40 }
func isValOp(c byte) bool   { return c&0x80 != 0 }
func zeroLen(c byte) int    { return int(c&0x3f) + 1 }
func valValue(c byte) int   { return int(c>>2&0x1f) + 1 }
func valLen(c byte) int     { return int(c&3) + 1 }
func valOp(value, n int) byte {
	return byte((value-1)<<2|(n-1)) | 0x80
}

// xzeroLen reads the XZERO at b[p]; a second byte cut off by the end of
// the string reads as zero, as it does in Redis (its strings end in NUL).
func xzeroLen(b []byte, p int) int {
	var low byte
	if p+1 < len(b) {
		low = b[p+1]
	}
	return (int(b[p]&0x3f)<<8 | int(low)) + 1
}

// appendZeros appends the opcode for n zero registers (n ≤ XZERO's max).
func appendZeros(b []byte, n int) []byte {
	if n > sparseZeroMaxLen {
		return append(b, byte((n-1)>>8)|0x40, byte(n-1))
	}
	return append(b, byte(n-1))
}

// sparseOp decodes the opcode at b[p]: registers covered, value, length.
func sparseOp(b []byte, p int) (span, value, size int) {
	switch c := b[p]; {
	case isZeroOp(c):
		return zeroLen(c), 0, 1
	case isValOp(c):
		return valLen(c), valValue(c), 1
	default:
		return xzeroLen(b, p), 0, 2
	}
}

// Dense registers. The last register's second byte lies past the end; it
// reads as zero and is never written, as in Redis.
func denseGet(r []byte, i int) uint8 {
	at, shift := i*hllBits/8, uint(i*hllBits)&7
	v := uint(r[at]) >> shift
	if at+1 < len(r) {
		v |= uint(r[at+1]) << (8 - shift)
	}
	return uint8(v & hllRegMax)
}

func denseSet(r []byte, i int, value uint8) {
	at, shift := i*hllBits/8, uint(i*hllBits)&7
	v := uint(value)
	r[at] = byte(uint(r[at])&^(hllRegMax<<shift) | v<<shift)
	if at+1 < len(r) {
		r[at+1] = byte(uint(r[at+1])&^(hllRegMax>>(8-shift)) | v>>(8-shift))
	}
}

// denseRaise sets register i to count if that is higher; true if it was.
func denseRaise(r []byte, i int, count uint8) bool {
	if count <= denseGet(r, i) {
		return false
	}
	denseSet(r, i, count)
	return true
}

// hllHash picks the register an element goes to and the value it offers:
// one plus the number of trailing zeros of the hash's other 50 bits.
func hllHash(elem []byte) (index int, count uint8) {
	h := murmurHash64A(elem, hllSeed)
	index = int(h & (hllRegisters - 1))
	h = h>>hllP | 1<<hllQ
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// add adds an element: 1 if a register changed, 0 if not, -1 if the HLL
// is corrupt. maxSparse is hll-sparse-max-bytes.
func (h *hll) add(elem []byte, maxSparse int64) int {
	index, count := hllHash(elem)
	return h.set(index, count, maxSparse)
}

// set raises register index to count.
func (h *hll) set(index int, count uint8, maxSparse int64) int {
	if h.encoding() == hllDense {
		if denseRaise(h.b[hllHdrSize:], index, count) {
			return 1
		}
		return 0
	}
	return h.sparseSet(index, count, maxSparse)
}

// sparseSet raises register index to count in a sparse HLL, splitting
// the opcode that covers it and merging equal neighbours exactly as Redis
// does, so the bytes stay identical; it turns the HLL dense when the
// value or the length no longer fits.
func (h *hll) sparseSet(index int, count uint8, maxSparse int64) int {
	if count > sparseValMax {
		return h.promoteAndSet(index, count)
	}
	b := h.b
	// Find the opcode covering index.
	p, prev, first, span := hllHdrSize, -1, 0, 0
	size := 1
	for p < len(b) {
		span, _, size = sparseOp(b, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += size
		first += span
	}
	if span == 0 || p >= len(b) {
		return -1
	}
	op := b[p]
	switch {
	case isValOp(op) && valValue(op) >= int(count):
		return 0
	case isValOp(op) && span == 1, isZeroOp(op) && span == 1:
		b[p] = valOp(int(count), 1)
	default:
		// Split the opcode into up to three: before, the register, after.
		last := first + span - 1
		seq := make([]byte, 0, 5)
		if isValOp(op) {
			if index != first {
				seq = append(seq, valOp(valValue(op), index-first))
			}
			seq = append(seq, valOp(int(count), 1))
			if index != last {
				seq = append(seq, valOp(valValue(op), last-index))
			}
		} else {
			if index != first {
				seq = appendZeros(seq, index-first)
			}
			seq = append(seq, valOp(int(count), 1))
			if index != last {
				seq = appendZeros(seq, last-index)
			}
		}
		if grow := len(seq) - size; grow > 0 && int64(len(b)+grow) > maxSparse {
			return h.promoteAndSet(index, count)
		}
		// An XZERO cut off by the end of the string still counts as two
		// bytes: Redis writes the sequence over it and the string's length
		// grows by len(seq)-2, so the sequence's last byte falls past the
		// end.
		tail := p + size
		if tail > len(b) {
			seq = seq[:len(seq)-(tail-len(b))]
			tail = len(b)
		}
		nb := make([]byte, 0, p+len(seq)+len(b)-tail)
		nb = append(append(append(nb, b[:p]...), seq...), b[tail:]...)
		b = nb
	}
	h.b = mergeValRuns(b, prev)
	h.invalidateCache()
	return 1
}

// mergeValRuns merges adjacent VAL opcodes of equal value, looking at up
// to five opcodes from the one before the change (from, -1 for the
// first), as Redis does.
func mergeValRuns(b []byte, from int) []byte {
	p := from
	if p < 0 {
		p = hllHdrSize
	}
	for scan := 5; p < len(b) && scan > 0; scan-- {
		switch {
		case isXZeroOp(b[p]):
			p += 2
			continue
		case isZeroOp(b[p]):
			p++
			continue
		}
		if p+1 < len(b) && isValOp(b[p+1]) && valValue(b[p]) == valValue(b[p+1]) {
			if n := valLen(b[p]) + valLen(b[p+1]); n <= sparseValMaxLen {
				b[p+1] = valOp(valValue(b[p]), n)
				b = append(b[:p], b[p+1:]...)
				continue // try again with the next one, without moving
			}
		}
		p++
	}
	return b
}

func (h *hll) promoteAndSet(index int, count uint8) int {
	if !h.toDense() {
		return -1
	}
	denseRaise(h.b[hllHdrSize:], index, count)
	return 1
}

// toDense turns a sparse HLL dense, keeping its header; false if the
// sparse data is corrupt. A VAL past the last register is corrupt even
// when the registers before it add up, as in Redis since the fix for
// CVE-2025-32023.
func (h *hll) toDense() bool {
	if h.encoding() == hllDense {
		return true
	}
	dense := make([]byte, hllDenseSize)
	copy(dense, h.b[:hllHdrSize])
	dense[4] = hllDense
	r := dense[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(h.b); {
		span, value, size := sparseOp(h.b, p)
		p += size
		if value == 0 {
			idx += span
			continue
		}
		if idx+span > hllRegisters {
			return false
		}
		for range span {
			denseSet(r, idx, uint8(value))
			idx++
		}
	}
	if idx != hllRegisters {
		return false
	}
	h.b = dense
	return true
}

// mergeInto raises max[i] to each register of h; false if h is corrupt.
func (h *hll) mergeInto(max *[hllRegisters]uint8) bool {
	if h.encoding() == hllDense {
		r := h.b[hllHdrSize:]
		for i := range max {
			if v := denseGet(r, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	idx := 0
	for p := hllHdrSize; p < len(h.b); {
		span, value, size := sparseOp(h.b, p)
		p += size
		if value == 0 {
			idx += span
			continue
		}
		if idx+span > hllRegisters {
			return false
		}
		for range span {
			if uint8(value) > max[idx] {
				max[idx] = uint8(value)
			}
			idx++
		}
	}
	return idx == hllRegisters
}

// histogram counts the registers holding each value; false if corrupt.
func (h *hll) histogram() (histo [64]int, ok bool) {
	if h.encoding() == hllDense {
		r := h.b[hllHdrSize:]
		for i := range hllRegisters {
			histo[denseGet(r, i)]++
		}
		return histo, true
	}
	idx := 0
	for p := hllHdrSize; p < len(h.b); {
		span, value, size := sparseOp(h.b, p)
		p += size
		idx += span
		histo[value] += span
	}
	return histo, idx == hllRegisters
}

// rawHistogram is histogram for registers held one per byte.
func rawHistogram(regs *[hllRegisters]uint8) (histo [64]int) {
	for _, v := range regs {
		histo[v]++
	}
	return histo
}

// estimate is Otmar Ertl's improved raw estimator ("New cardinality
// estimation algorithms for HyperLogLog sketches", 2017), the one Redis
// uses, evaluated in the same order so the result is the same integer.
// The float64 conversions keep the compiler from fusing multiply-adds.
func estimate(histo [64]int) uint64 {
	m := float64(hllRegisters)
	z := m * hllTau((m-float64(histo[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(histo[0])/m))
	return uint64(math.Round(float64(float64(hllAlphaInf*m)*m) / z))
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == prev {
			return z / 3
		}
	}
}
