package engine

import (
	"math"
	"strconv"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "get", run: cmdGet},
		cmdDef{name: "set", run: cmdSet},
		cmdDef{name: "setnx", run: cmdSetNX},
		cmdDef{name: "setex", run: cmdSetEX},
		cmdDef{name: "psetex", run: cmdPSetEX},
		cmdDef{name: "getset", run: cmdGetSet},
		cmdDef{name: "getdel", run: cmdGetDel},
		cmdDef{name: "getex", run: cmdGetEx},
		cmdDef{name: "mget", run: cmdMGet},
		cmdDef{name: "mset", run: cmdMSet},
		cmdDef{name: "msetnx", run: cmdMSetNX},
		cmdDef{name: "append", run: cmdAppend},
		cmdDef{name: "strlen", run: cmdStrlen},
		cmdDef{name: "getrange", run: cmdGetRange},
		cmdDef{name: "substr", run: cmdGetRange},
		cmdDef{name: "setrange", run: cmdSetRange},
		cmdDef{name: "incr", run: func(x *Ctx) { incrBy(x, 1) }},
		cmdDef{name: "decr", run: func(x *Ctx) { incrBy(x, -1) }},
		cmdDef{name: "incrby", run: cmdIncrBy},
		cmdDef{name: "decrby", run: cmdDecrBy},
		cmdDef{name: "incrbyfloat", run: cmdIncrByFloat},
		cmdDef{name: "lcs", run: cmdLCS},
	)
}

// String encodings OBJECT ENCODING reports: derived from the value unless a
// command that edits strings in place (APPEND, SETRANGE, SETBIT) made it raw.
const (
	encStringAuto byte = 0
	encStringRaw  byte = 1
	// encStringCopied is a value COPY duplicated: encoded like auto, but
	// never one of Redis's shared small-integer objects (OBJECT REFCOUNT 1).
	encStringCopied byte = 2
	// encStringNoInt is INCRBYFLOAT's result, which Redis keeps as a
	// string object even when it reads as an integer: embstr or raw by
	// its length, never int, never shared.
	encStringNoInt byte = 3
)

// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: no longer string
// parses as a long double.
const maxLongDoubleChars = 5 * 1024

// stringValue returns a key's string value, replying WRONGTYPE for other
// types; nil means the key does not exist.
func (x *Ctx) stringValue(key []byte) ([]byte, bool) {
	m, ok := x.readType(key, storage.TypeString)
	if !ok || m == nil {
		return nil, ok
	}
	return x.stringBytes(m), true
}

func cmdGet(x *Ctx) {
	v, ok := x.stringValue(x.args[1])
	if !ok {
		return
	}
	if v == nil {
		x.w.Null()
		return
	}
	x.w.Bulk(v)
}

// setOptions are the flags SET and GETEX share.
type setOptions struct {
	nx, xx, get, keepTTL, persist bool
	expireArg                     []byte
	unitSeconds, absolute         bool
	hasExpire                     bool
}

// parseSetOptions parses SET/GETEX options from args[from:] with Redis's
// rules for which options exclude which. Redis reads an option as a C
// string: "NX\x00junk" is NX.
func parseSetOptions(x *Ctx, from int, forSet bool) (setOptions, bool) {
	var o setOptions
	ex, px, exat, pxat := false, false, false, false
	for j := from; j < len(x.args); j++ {
		a := cString(x.args[j])
		hasNext := j+1 < len(x.args)
		noTTL := !ex && !px && !exat && !pxat
		switch {
		case forSet && eq(a, "nx") && !o.xx:
			o.nx = true
		case forSet && eq(a, "xx") && !o.nx:
			o.xx = true
		case forSet && eq(a, "get"):
			o.get = true
		case forSet && eq(a, "keepttl") && !o.persist && noTTL:
			o.keepTTL = true
		case !forSet && eq(a, "persist") && noTTL && !o.keepTTL:
			o.persist = true
		case eq(a, "ex") && !o.keepTTL && !o.persist && !exat && !px && !pxat && hasNext:
			ex = true
			o.expireArg, o.unitSeconds, o.absolute = x.args[j+1], true, false
			j++
		case eq(a, "px") && !o.keepTTL && !o.persist && !ex && !exat && !pxat && hasNext:
			px = true
			o.expireArg, o.unitSeconds, o.absolute = x.args[j+1], false, false
			j++
		case eq(a, "exat") && !o.keepTTL && !o.persist && !ex && !px && !pxat && hasNext:
			exat = true
			o.expireArg, o.unitSeconds, o.absolute = x.args[j+1], true, true
			j++
		case eq(a, "pxat") && !o.keepTTL && !o.persist && !ex && !exat && !px && hasNext:
			pxat = true
			o.expireArg, o.unitSeconds, o.absolute = x.args[j+1], false, true
			j++
		default:
			x.fail(errSyntax)
			return o, false
		}
	}
	o.hasExpire = o.expireArg != nil
	return o, true
}

// expireDeadline turns an EX/PX/EXAT/PXAT argument into a unix-ms deadline,
// replying Redis's error if it is not a valid one.
func (x *Ctx) expireDeadline(arg []byte, seconds, absolute bool) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		x.fail(errNotInt)
		return 0, false
	}
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		x.failf(errInvalidExpire, x.cmd.name)
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if !absolute {
		if n > math.MaxInt64-x.now {
			x.failf(errInvalidExpire, x.cmd.name)
			return 0, false
		}
		n += x.now
	}
	return n, true
}

func cmdSet(x *Ctx) {
	o, ok := parseSetOptions(x, 3, true)
	if !ok {
		return
	}
	setGeneric(x, o, x.args[1], x.args[2])
}

// setGeneric is SET with its options: the shared core of SET, SETNX, SETEX
// and PSETEX.
func setGeneric(x *Ctx, o setOptions, key, value []byte) {
	var deadline int64
	if o.hasExpire {
		var ok bool
		if deadline, ok = x.expireDeadline(o.expireArg, o.unitSeconds, o.absolute); !ok {
			return
		}
	}
	if o.get {
		old, ok := x.stringValue(key)
		if !ok {
			return
		}
		if old == nil {
			x.w.Null()
		} else {
			x.w.Bulk(old)
		}
	}
	cur := x.lookup(x.db, key)
	if (o.nx && cur != nil) || (o.xx && cur == nil) {
		if !o.get {
			if x.cmd.name == "setnx" {
				x.w.Int(0)
			} else {
				x.w.Null()
			}
		}
		return
	}
	if o.keepTTL && cur != nil {
		deadline = cur.Expire
	}
	x.put(key, x.newString(value, deadline, encStringAuto))
	x.notify(classString, "set", key)
	if o.hasExpire {
		x.notify(classGeneric, "expire", key)
	}
	if o.get {
		return
	}
	if x.cmd.name == "setnx" {
		x.w.Int(1)
		return
	}
	x.w.OK()
}

func cmdSetNX(x *Ctx) { setGeneric(x, setOptions{nx: true}, x.args[1], x.args[2]) }

func cmdSetEX(x *Ctx) {
	setGeneric(x, setOptions{expireArg: x.args[2], unitSeconds: true, hasExpire: true}, x.args[1], x.args[3])
}

func cmdPSetEX(x *Ctx) {
	setGeneric(x, setOptions{expireArg: x.args[2], hasExpire: true}, x.args[1], x.args[3])
}

func cmdGetSet(x *Ctx) {
	old, ok := x.stringValue(x.args[1])
	if !ok {
		return
	}
	x.put(x.args[1], x.newString(x.args[2], 0, encStringAuto))
	x.notify(classString, "set", x.args[1])
	if old == nil {
		x.w.Null()
		return
	}
	x.w.Bulk(old)
}

func cmdGetDel(x *Ctx) {
	old, ok := x.stringValue(x.args[1])
	if !ok {
		return
	}
	if old == nil {
		x.w.Null()
		return
	}
	x.put(x.args[1], nil)
	x.notify(classGeneric, "del", x.args[1])
	x.w.Bulk(old)
}

func cmdGetEx(x *Ctx) {
	o, ok := parseSetOptions(x, 2, false)
	if !ok {
		return
	}
	key := x.args[1]
	m, ok := x.readType(key, storage.TypeString)
	if !ok {
		return
	}
	if m == nil {
		x.w.Null()
		return
	}
	// The time is checked once the key is known to be a string, as Redis
	// does: a missing key answers nil whatever the time.
	var deadline int64
	if o.hasExpire {
		if deadline, ok = x.expireDeadline(o.expireArg, o.unitSeconds, o.absolute); !ok {
			return
		}
	}
	x.w.Bulk(x.stringBytes(m))
	switch {
	case o.hasExpire && deadline <= x.now:
		// A deadline already passed deletes the key, as Redis does.
		x.put(key, nil)
		x.notify(classGeneric, "del", key)
	case o.hasExpire:
		n := *m
		n.Expire = deadline
		x.put(key, &n)
		x.notify(classGeneric, "expire", key)
	case o.persist && m.Expire != 0:
		n := *m
		n.Expire = 0
		x.put(key, &n)
		x.notify(classGeneric, "persist", key)
	}
}

func cmdMGet(x *Ctx) {
	x.w.Array(len(x.args) - 1)
	for _, key := range x.args[1:] {
		m := x.read(key)
		if m == nil || m.Type != storage.TypeString {
			x.w.Null()
			continue
		}
		x.w.Bulk(x.stringBytes(m))
	}
}

func cmdMSet(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.failf("ERR wrong number of arguments for '%s' command", x.cmd.name)
		return
	}
	for i := 1; i < len(x.args); i += 2 {
		x.put(x.args[i], x.newString(x.args[i+1], 0, encStringAuto))
		x.notify(classString, "set", x.args[i])
	}
	x.w.OK()
}

func cmdMSetNX(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.failf("ERR wrong number of arguments for '%s' command", x.cmd.name)
		return
	}
	for i := 1; i < len(x.args); i += 2 {
		if x.lookup(x.db, x.args[i]) != nil {
			x.w.Int(0)
			return
		}
	}
	for i := 1; i < len(x.args); i += 2 {
		x.put(x.args[i], x.newString(x.args[i+1], 0, encStringAuto))
		x.notify(classString, "set", x.args[i])
	}
	x.w.Int(1)
}

// checkStringSize replies Redis's error when a string would outgrow
// proto-max-bulk-len.
func (x *Ctx) checkStringSize(size, grow int64) bool {
	// Compared without adding: an offset near 2^63 would overflow the sum.
	if size > x.s.conf().maxBulk-grow {
		x.fail(errStringTooLong)
		return false
	}
	return true
}

func cmdAppend(x *Ctx) {
	key := x.args[1]
	m, ok := x.writeType(key, storage.TypeString)
	if !ok {
		return
	}
	if m == nil {
		x.put(key, x.newString(x.args[2], 0, encStringAuto))
		x.notify(classString, "append", key)
		x.w.Int(int64(len(x.args[2])))
		return
	}
	size := stringLen(m)
	if !x.checkStringSize(size, int64(len(x.args[2]))) {
		return
	}
	n := x.editString(key, m, size, x.args[2])
	x.signalModified(key)
	x.notify(classString, "append", key)
	x.w.Int(stringLen(n))
}

func cmdStrlen(x *Ctx) {
	m, ok := x.readType(x.args[1], storage.TypeString)
	if !ok {
		return
	}
	if m == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(stringLen(m))
}

func cmdGetRange(x *Ctx) {
	start, ok1 := parseInt(x.args[2])
	end, ok2 := parseInt(x.args[3])
	if !ok1 || !ok2 {
		x.fail(errNotInt)
		return
	}
	m, ok := x.readType(x.args[1], storage.TypeString)
	if !ok {
		return
	}
	var size int64
	if m != nil {
		size = stringLen(m)
	}
	// Redis's rules: negative indexes count from the end; an empty string
	// or a range that is empty after clamping gives "".
	if start < 0 && end < 0 && start > end {
		x.w.BulkString("")
		return
	}
	if start < 0 {
		start += size
	}
	if end < 0 {
		end += size
	}
	start, end = max(start, 0), max(end, 0)
	if end >= size {
		end = size - 1
	}
	if size == 0 || start > end {
		x.w.BulkString("")
		return
	}
	x.w.Bulk(x.stringRange(m, start, end-start+1))
}

func cmdSetRange(x *Ctx) {
	key, value := x.args[1], x.args[3]
	offset, ok := parseInt(x.args[2])
	if !ok {
		x.fail(errNotInt)
		return
	}
	if offset < 0 {
		x.fail("ERR offset is out of range")
		return
	}
	m, ok := x.writeType(key, storage.TypeString)
	if !ok {
		return
	}
	if len(value) == 0 {
		if m == nil {
			x.w.Int(0)
		} else {
			x.w.Int(stringLen(m))
		}
		return
	}
	if !x.checkStringSize(offset, int64(len(value))) {
		return
	}
	n := x.editString(key, m, offset, value)
	x.signalModified(key)
	x.notify(classString, "setrange", key)
	x.w.Int(stringLen(n))
}

func cmdIncrBy(x *Ctx) {
	n, ok := x.intArg(2)
	if ok {
		incrBy(x, n)
	}
}

func cmdDecrBy(x *Ctx) {
	n, ok := x.intArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		x.fail("ERR decrement would overflow")
		return
	}
	incrBy(x, -n)
}

func incrBy(x *Ctx, by int64) {
	key := x.args[1]
	m, ok := x.writeType(key, storage.TypeString)
	if !ok {
		return
	}
	var cur int64
	if m != nil {
		// Longer values cannot be integers: no need to read them.
		if stringLen(m) > 20 {
			x.fail(errNotInt)
			return
		}
		if cur, ok = parseInt(x.stringBytes(m)); !ok {
			x.fail(errNotInt)
			return
		}
	}
	if (by < 0 && cur < 0 && by < math.MinInt64-cur) || (by > 0 && cur > 0 && by > math.MaxInt64-cur) {
		x.fail(errOverflow)
		return
	}
	cur += by
	var deadline int64
	if m != nil {
		deadline = m.Expire
	}
	x.put(key, x.newString(strconv.AppendInt(nil, cur, 10), deadline, encStringAuto))
	x.notify(classString, "incrby", key)
	x.w.Int(cur)
}

func cmdIncrByFloat(x *Ctx) {
	key := x.args[1]
	m, ok := x.writeType(key, storage.TypeString) // WRONGTYPE first, as in Redis
	if !ok {
		return
	}
	incr, ok := parseLongDouble(x.args[2])
	if !ok {
		x.fail(errNotFloat)
		return
	}
	cur := newLongDouble()
	if m != nil {
		// parseLongDouble rejects anything this long unread.
		if stringLen(m) >= maxLongDoubleChars {
			x.fail(errNotFloat)
			return
		}
		if cur, ok = parseLongDouble(x.stringBytes(m)); !ok {
			x.fail(errNotFloat)
			return
		}
	}
	if cur, ok = addLongDouble(cur, incr); !ok {
		x.fail("ERR increment would produce NaN or Infinity")
		return
	}
	var deadline int64
	if m != nil {
		deadline = m.Expire
	}
	v := formatLongDouble(cur)
	x.put(key, x.newString(v, deadline, encStringNoInt))
	x.notify(classString, "incrbyfloat", key)
	x.w.Bulk(v)
}

func cmdLCS(x *Ctx) {
	a, ok := x.lcsOperand(x.args[1])
	if !ok {
		return
	}
	b, ok := x.lcsOperand(x.args[2])
	if !ok {
		return
	}
	var o lcsOptions
	for i := 3; i < len(x.args); i++ {
		switch arg := cString(x.args[i]); { // a C string, as for SET
		case eq(arg, "idx"):
			o.idx = true
		case eq(arg, "len"):
			o.length = true
		case eq(arg, "withmatchlen"):
			o.withLen = true
		case eq(arg, "minmatchlen") && i+1 < len(x.args):
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			o.minLen = max(n, 0)
			i++
		default:
			x.fail(errSyntax)
			return
		}
	}
	if o.idx && o.length {
		x.fail("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	writeLCS(x, a, b, o)
}

// lcsOperand reads one LCS input: a string or a missing key (empty).
func (x *Ctx) lcsOperand(key []byte) ([]byte, bool) {
	m := x.read(key)
	if m == nil {
		return nil, true
	}
	if m.Type != storage.TypeString {
		x.fail("ERR The specified keys must contain string values")
		return nil, false
	}
	return x.stringBytes(m), true
}
