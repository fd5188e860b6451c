package engine

import (
	"math"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "bitfield", run: func(x *Ctx) { bitfield(x, false) }},
		cmdDef{name: "bitfield_ro", run: func(x *Ctx) { bitfield(x, true) }},
	)
}

// Overflow behaviours of BITFIELD SET and INCRBY.
const (
	overflowWrap = iota
	overflowSat
	overflowFail
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD call.
type bitfieldOp struct {
	get, incr bool
	signed    bool
	width     int64 // bits, 1..64 signed, 1..63 unsigned
	offset    int64 // bit offset of the field's most significant bit
	value     int64 // SET's value or INCRBY's increment
	overflow  int
}

const errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

// bitfieldType parses "i<bits>" or "u<bits>", up to a NUL as Redis
// reads it.
func (x *Ctx) bitfieldType(arg []byte) (signed bool, width int64, ok bool) {
	arg = cString(arg)
	if len(arg) > 0 && (arg[0] == 'i' || arg[0] == 'u') {
		signed = arg[0] == 'i'
		width, ok = parseInt(arg[1:])
		limit := int64(63)
		if signed {
			limit = 64
		}
		if ok && width >= 1 && width <= limit {
			return signed, width, true
		}
	}
	x.fail(errBitfieldType)
	return false, 0, false
}

// parseBitfield reads the subcommands; false means an error was replied.
// Subcommand and overflow names are C strings, as Redis compares them.
func parseBitfield(x *Ctx) ([]bitfieldOp, bool) {
	var ops []bitfieldOp
	overflow := overflowWrap
	for j := 2; j < len(x.args); j++ {
		left := len(x.args) - j - 1
		var op bitfieldOp
		switch sub := cString(x.args[j]); {
		case eq(sub, "get") && left >= 2:
			op.get = true
		case eq(sub, "set") && left >= 3:
		case eq(sub, "incrby") && left >= 3:
			op.incr = true
		case eq(sub, "overflow") && left >= 1:
			j++
			switch kind := cString(x.args[j]); {
			case eq(kind, "wrap"):
				overflow = overflowWrap
			case eq(kind, "sat"):
				overflow = overflowSat
			case eq(kind, "fail"):
				overflow = overflowFail
			default:
				x.fail("ERR Invalid OVERFLOW type specified")
				return nil, false
			}
			continue
		default:
			x.fail(errSyntax)
			return nil, false
		}
		var ok bool
		if op.signed, op.width, ok = x.bitfieldType(x.args[j+1]); !ok {
			return nil, false
		}
		if op.offset, ok = x.bitOffsetArg(j+2, op.width); !ok {
			return nil, false
		}
		if !op.get {
			if op.value, ok = x.intArg(j + 3); !ok {
				return nil, false
			}
			j++
		}
		op.overflow = overflow
		ops = append(ops, op)
		j += 2
	}
	return ops, true
}

func bitfield(x *Ctx, readOnly bool) {
	ops, ok := parseBitfield(x)
	if !ok {
		return
	}
	key := x.args[1]
	highest := int64(-1) // last bit any SET or INCRBY writes
	for _, op := range ops {
		if !op.get {
			highest = max(highest, op.offset+op.width-1)
		}
	}
	var m *storage.Meta
	grown := false
	if highest < 0 {
		if m, ok = x.readType(key, storage.TypeString); !ok {
			return
		}
	} else {
		if readOnly {
			x.fail("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		if m, ok = x.writeType(key, storage.TypeString); !ok {
			return
		}
		// Like Redis, make room for every write up front, even those an
		// OVERFLOW FAIL will skip.
		if size := highest>>3 + 1; m == nil || stringLen(m) < size {
			m = x.editString(key, m, size, nil)
			grown = true
		} else {
			m = x.makeRaw(key, m)
		}
	}
	x.w.Array(len(ops))
	changed := false
	for _, op := range ops {
		if op.get {
			x.w.Int(op.read(x, m))
			continue
		}
		old := op.read(x, m)
		val, reply, overflowed := op.apply(old)
		if overflowed && op.overflow == overflowFail {
			x.w.Null()
			continue
		}
		x.w.Int(reply)
		m = op.write(x, key, m, val)
		changed = changed || grown || val != old
	}
	if changed {
		x.signalModified(key)
		x.notify(classString, "setbit", key)
	}
}

// fieldBytes is the span of bytes a field covers.
func (op bitfieldOp) fieldBytes() (first, n int64) {
	first = op.offset >> 3
	return first, (op.offset+op.width-1)>>3 - first + 1
}

// read returns the field's value (sign-extended when signed); bits past
// the end of the string read as zero.
func (op bitfieldOp) read(x *Ctx, m *storage.Meta) int64 {
	if m == nil {
		return 0
	}
	first, n := op.fieldBytes()
	buf := x.stringRange(m, first, n)
	var v uint64
	for i := range op.width {
		bit := op.offset - first<<3 + i
		v = v<<1 | uint64(buf[bit>>3]>>(7-bit&7)&1)
	}
	if op.signed && op.width < 64 && v>>(op.width-1)&1 == 1 {
		v |= math.MaxUint64 << op.width
	}
	return int64(v)
}

// write stores val's low bits in the field and returns the new meta.
func (op bitfieldOp) write(x *Ctx, key []byte, m *storage.Meta, val int64) *storage.Meta {
	first, n := op.fieldBytes()
	buf := x.stringRange(m, first, n)
	for i := range op.width {
		bit := op.offset - first<<3 + i
		mask := byte(1) << (7 - bit&7)
		if uint64(val)>>(op.width-1-i)&1 == 1 {
			buf[bit>>3] |= mask
		} else {
			buf[bit>>3] &^= mask
		}
	}
	return x.editString(key, m, first, buf)
}

// apply computes a SET or INCRBY on the field's old value: the value to
// store, the value to reply (SET answers the old one) and whether it
// overflowed the field (then the value is already wrapped or saturated).
func (op bitfieldOp) apply(old int64) (val, reply int64, overflowed bool) {
	if op.signed {
		val, overflowed = op.signedResult(old)
	} else {
		val, overflowed = op.unsignedResult(uint64(old))
	}
	if op.incr {
		return val, val, overflowed
	}
	return val, old, overflowed
}

func (op bitfieldOp) unsignedResult(old uint64) (int64, bool) {
	limit := uint64(1)<<op.width - 1
	sum := uint64(op.value)
	high, low := sum > limit, false
	if op.incr {
		sum = old + uint64(op.value)
		high = op.value > 0 && uint64(op.value) > limit-old
		low = op.value < 0 && uint64(-op.value) > old
	}
	switch {
	case !high && !low:
		return int64(sum), false
	case op.overflow == overflowSat && high:
		return int64(limit), true
	case op.overflow == overflowSat:
		return 0, true
	}
	return int64(sum & limit), true
}

func (op bitfieldOp) signedResult(old int64) (int64, bool) {
	hi := int64(math.MaxInt64)
	if op.width < 64 {
		hi = 1<<(op.width-1) - 1
	}
	lo := -hi - 1
	sum := op.value
	high, low := sum > hi, sum < lo
	// For a SET Redis also tests 0 > hi-value, computed with wrapping: a
	// value far enough below a narrow field's range (hi-value past
	// MaxInt64) counts as too high, and saturates to hi.
	high = high || (op.width < 64 && int64(uint64(hi)-uint64(sum)) < 0)
	if op.incr {
		sum = int64(uint64(old) + uint64(op.value))
		// hi-old and lo-old only overflow (64-bit fields) when old has
		// the other sign, and then the sum cannot overflow.
		full := op.width == 64
		high = op.value > 0 && (!full || old >= 0) && op.value > hi-old
		low = op.value < 0 && (!full || old < 0) && op.value < lo-old
	}
	switch {
	case !high && !low:
		return sum, false
	case op.overflow == overflowSat && high:
		return hi, true
	case op.overflow == overflowSat:
		return lo, true
	}
	if op.width < 64 {
		// Keep the low bits, sign-extended from the field's top bit.
		shift := 64 - op.width
		sum = sum << shift >> shift
	}
	return sum, true
}
