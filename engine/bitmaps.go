package engine

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "setbit", run: cmdSetBit},
		cmdDef{name: "getbit", run: cmdGetBit},
		cmdDef{name: "bitcount", run: cmdBitCount},
		cmdDef{name: "bitpos", run: cmdBitPos},
		cmdDef{name: "bitop", run: cmdBitOp},
	)
}

const errBitOffset = "ERR bit offset is not an integer or out of range"

// bitOffsetArg parses argument i as a bit offset. With width > 0 the
// "#n" form means n·width (BITFIELD). Offsets must address a byte below
// proto-max-bulk-len.
func (x *Ctx) bitOffsetArg(i int, width int64) (int64, bool) {
	arg := x.args[i]
	hash := width > 0 && len(arg) > 1 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if hash {
		n *= width // wraps, as the multiplication does in Redis
	}
	if !ok || n < 0 || n>>3 >= x.s.conf().maxBulk {
		x.fail(errBitOffset)
		return 0, false
	}
	return n, true
}

func cmdSetBit(x *Ctx) {
	key := x.args[1]
	offset, ok := x.bitOffsetArg(2, 0)
	if !ok {
		return
	}
	on, ok := parseInt(x.args[3])
	if !ok || on&^1 != 0 {
		x.fail("ERR bit is not an integer or out of range")
		return
	}
	m, ok := x.writeType(key, storage.TypeString)
	if !ok {
		return
	}
	at := offset >> 3
	grows := m == nil || stringLen(m) <= at
	var old byte
	if !grows {
		old = x.stringRange(m, at, 1)[0]
	}
	shift := 7 - offset&7
	was := int64(old>>shift) & 1
	if !grows && was == on {
		x.makeRaw(key, m)
		x.w.Int(was)
		return
	}
	x.editString(key, m, at, []byte{old&^(1<<shift) | byte(on)<<shift})
	x.signalModified(key)
	x.notify(classString, "setbit", key)
	x.w.Int(was)
}

func cmdGetBit(x *Ctx) {
	offset, ok := x.bitOffsetArg(2, 0)
	if !ok {
		return
	}
	m, ok := x.readType(x.args[1], storage.TypeString)
	if !ok {
		return
	}
	at := offset >> 3
	if m == nil || at >= stringLen(m) {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(x.stringRange(m, at, 1)[0]>>(7-offset&7)) & 1)
}

// bitRange is an inclusive range of bit positions of a string.
type bitRange struct{ first, last int64 }

// bitRangeOf turns start and end (bytes, or bits with isBit; negative
// counts from the end) into the bits they cover in a string of size
// bytes, as BITCOUNT and BITPOS clamp them; false means no bit.
func bitRangeOf(start, end int64, isBit bool, size int64) (bitRange, bool) {
	total := size
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	end = min(end, total-1)
	if start > end {
		return bitRange{}, false
	}
	if isBit {
		return bitRange{start, end}, true
	}
	return bitRange{start << 3, end<<3 | 7}, true
}

// unitArg parses an optional BYTE|BIT argument (a C string, as Redis
// compares it): true for BIT.
func (x *Ctx) unitArg(i int) (isBit, ok bool) {
	if i >= len(x.args) || eq(cString(x.args[i]), "byte") {
		return false, true
	}
	if eq(cString(x.args[i]), "bit") {
		return true, true
	}
	x.fail(errSyntax)
	return false, false
}

func cmdBitCount(x *Ctx) {
	// Redis 7.0 looks the key up before it parses the range.
	m, ok := x.readType(x.args[1], storage.TypeString)
	if !ok {
		return
	}
	if m == nil {
		x.w.Int(0)
		return
	}
	size := stringLen(m)
	r := bitRange{0, size<<3 - 1}
	switch len(x.args) {
	case 2:
	case 4, 5:
		start, ok := x.intArg(2)
		if !ok {
			return
		}
		end, ok := x.intArg(3)
		if !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			x.w.Int(0)
			return
		}
		isBit, ok := x.unitArg(4)
		if !ok {
			return
		}
		if r, ok = bitRangeOf(start, end, isBit, size); !ok {
			x.w.Int(0)
			return
		}
	default:
		x.fail(errSyntax)
		return
	}
	x.w.Int(x.countBits(m, r))
}

// countBits counts the set bits of a string in r, reading only the
// stored parts of the range.
func (x *Ctx) countBits(m *storage.Meta, r bitRange) int64 {
	if r.first > r.last {
		return 0
	}
	firstByte, lastByte := r.first>>3, r.last>>3
	var n int64
	x.stringChunks(m, firstByte, lastByte+1, func(at int64, data []byte) bool {
		n += popcount(data)
		// The edge bytes count only their bits inside the range.
		if i := firstByte - at; i >= 0 && i < int64(len(data)) {
			n -= int64(bits.OnesCount8(data[i] &^ rangeMask(firstByte, r)))
		}
		if i := lastByte - at; lastByte != firstByte && i >= 0 && i < int64(len(data)) {
			n -= int64(bits.OnesCount8(data[i] &^ rangeMask(lastByte, r)))
		}
		return true
	})
	return n
}

func popcount(b []byte) int64 {
	var n int
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n += bits.OnesCount8(c)
	}
	return int64(n)
}

// rangeMask has the bits of byte i that lie inside r.
func rangeMask(i int64, r bitRange) byte {
	mask := byte(0xff)
	if i == r.first>>3 {
		mask &= 0xff >> (r.first & 7)
	}
	if i == r.last>>3 {
		mask &= 0xff << (7 - r.last&7)
	}
	return mask
}

func cmdBitPos(x *Ctx) {
	bit, ok := x.intArg(2)
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		x.fail("ERR The bit argument must be 1 or 0.")
		return
	}
	// A missing key is an endless run of zeros.
	m := x.read(x.args[1])
	if m == nil {
		x.w.Int(-bit)
		return
	}
	if m.Type != storage.TypeString {
		x.fail(errWrongType)
		return
	}
	size := stringLen(m)
	r := bitRange{0, size<<3 - 1}
	endGiven := len(x.args) >= 5
	switch len(x.args) {
	case 3:
	case 4, 5, 6:
		start, ok := x.intArg(3)
		if !ok {
			return
		}
		isBit, ok := x.unitArg(5)
		if !ok {
			return
		}
		end := int64(-1)
		if endGiven {
			if end, ok = x.intArg(4); !ok {
				return
			}
		}
		if r, ok = bitRangeOf(start, end, isBit, size); !ok {
			x.w.Int(-1)
			return
		}
	default:
		x.fail(errSyntax)
		return
	}
	if r.first > r.last {
		x.w.Int(-1)
		return
	}
	pos := x.findBit(m, r, byte(bit))
	if pos < 0 && bit == 0 && !endGiven {
		// Without an explicit end the string is taken as zero-padded: the
		// first clear bit is the one right after the range.
		pos = (r.last>>3 + 1) << 3
	}
	x.w.Int(pos)
}

// findBit is the position of the first bit equal to bit in r, -1 if none.
func (x *Ctx) findBit(m *storage.Meta, r bitRange, bit byte) int64 {
	firstByte, lastByte := r.first>>3, r.last>>3
	next := firstByte // first byte no chunk has covered yet: zeros before a chunk
	found := int64(-1)
	// firstIn finds the wanted bit in byte b at index i, -1 if absent.
	firstIn := func(i int64, b byte) int64 {
		mask := rangeMask(i, r)
		if bit == 0 {
			b = ^b
		}
		if b &= mask; b == 0 {
			return -1
		}
		return i<<3 + int64(bits.LeadingZeros8(b))
	}
	x.stringChunks(m, firstByte, lastByte+1, func(at int64, data []byte) bool {
		if bit == 0 && at > next {
			found = firstIn(next, 0)
			return false
		}
		for j, b := range data {
			if (bit == 1 && b == 0) || (bit == 0 && b == 0xff) {
				continue
			}
			if found = firstIn(at+int64(j), b); found >= 0 {
				return false
			}
		}
		next = at + int64(len(data))
		return true
	})
	if found < 0 && bit == 0 && next <= lastByte {
		found = firstIn(next, 0)
	}
	return found
}

// Bit operations of BITOP.
const (
	bitAnd = iota
	bitOr
	bitXor
	bitNot
)

func cmdBitOp(x *Ctx) {
	var op int
	switch name := cString(x.args[1]); { // a C string, as Redis compares it
	case eq(name, "and"):
		op = bitAnd
	case eq(name, "or"):
		op = bitOr
	case eq(name, "xor"):
		op = bitXor
	case eq(name, "not"):
		op = bitNot
	default:
		x.fail(errSyntax)
		return
	}
	if op == bitNot && len(x.args) != 4 {
		x.fail("ERR BITOP NOT must be called with a single source key.")
		return
	}
	dest := x.args[2]
	// Missing keys are empty strings; nil entries stand for them.
	srcs := make([]*storage.Meta, 0, len(x.args)-3)
	var size int64
	for _, key := range x.args[3:] {
		m := x.read(key)
		if m != nil && m.Type != storage.TypeString {
			x.fail(errWrongType)
			return
		}
		srcs = append(srcs, m)
		if m != nil {
			size = max(size, stringLen(m))
		}
	}
	if size == 0 {
		if x.lookup(x.db, dest) != nil {
			x.put(dest, nil)
			x.notify(classGeneric, "del", dest)
		}
		x.w.Int(0)
		return
	}
	result := x.newString(nil, 0, encStringRaw)
	x.must(x.tx().WriteStringAt(result, size, nil))
	for _, w := range x.bitOpWindows(op, srcs, size) {
		lo := w * bitOpWindow
		out := x.bitOpRange(op, srcs, lo, min(bitOpWindow, size-lo))
		// The result is a fresh value: its zero fragments need no writing.
		for i := 0; i < len(out); i += storage.FragmentSize {
			frag := out[i:min(i+storage.FragmentSize, len(out))]
			if len(bytes.TrimRight(frag, "\x00")) > 0 {
				x.must(x.tx().WriteStringAt(result, lo+int64(i), frag))
			}
		}
	}
	x.put(dest, result)
	x.notify(classString, "set", dest)
	x.w.Int(size)
}

// bitOpWindow is how many bytes of BITOP's result are computed at a time:
// whole fragments, and enough of them to read each source sequentially.
const bitOpWindow = 256 * storage.FragmentSize

// bitOpWindows lists the windows of the result that may be non-zero: all
// of them for NOT, else those where a source has data.
func (x *Ctx) bitOpWindows(op int, srcs []*storage.Meta, size int64) []int64 {
	var ws []int64
	if op == bitNot {
		for w := int64(0); w*bitOpWindow < size; w++ {
			ws = append(ws, w)
		}
		return ws
	}
	for _, m := range srcs {
		if m == nil {
			continue
		}
		x.stringChunks(m, 0, stringLen(m), func(at int64, data []byte) bool {
			for w := at / bitOpWindow; w <= (at+int64(len(data))-1)/bitOpWindow; w++ {
				ws = append(ws, w)
			}
			return true
		})
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// bitOpRange computes n bytes of the result from offset lo.
func (x *Ctx) bitOpRange(op int, srcs []*storage.Meta, lo, n int64) []byte {
	var out []byte
	for i, m := range srcs {
		var v []byte
		if m == nil {
			v = make([]byte, n)
		} else {
			v = x.stringRange(m, lo, n)
		}
		if i == 0 {
			out = v
			if op == bitNot {
				for j := range out {
					out[j] = ^out[j]
				}
			}
			continue
		}
		for j := range out {
			switch op {
			case bitAnd:
				out[j] &= v[j]
			case bitOr:
				out[j] |= v[j]
			case bitXor:
				out[j] ^= v[j]
			}
		}
	}
	return out
}
