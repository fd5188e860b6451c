package engine

import (
	"math"

	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "hset", run: cmdHSet},
		cmdDef{name: "hmset", run: cmdHSet},
		cmdDef{name: "hsetnx", run: cmdHSetNX},
		cmdDef{name: "hget", run: cmdHGet},
		cmdDef{name: "hmget", run: cmdHMGet},
		cmdDef{name: "hgetall", run: func(x *Ctx) { hashReadAll(x, true, true) }},
		cmdDef{name: "hkeys", run: func(x *Ctx) { hashReadAll(x, true, false) }},
		cmdDef{name: "hvals", run: func(x *Ctx) { hashReadAll(x, false, true) }},
		cmdDef{name: "hlen", run: cmdHLen},
		cmdDef{name: "hexists", run: cmdHExists},
		cmdDef{name: "hstrlen", run: cmdHStrlen},
		cmdDef{name: "hdel", run: cmdHDel},
		cmdDef{name: "hincrby", run: cmdHIncrBy},
		cmdDef{name: "hincrbyfloat", run: cmdHIncrByFloat},
		cmdDef{name: "hrandfield", run: cmdHRandField},
		cmdDef{name: "hscan", run: cmdHScan},
	)
}

// cmdHSet is HSET and HMSET, which differ only in their reply.
func cmdHSet(x *Ctx) {
	if len(x.args)%2 != 0 {
		x.failf("ERR wrong number of arguments for '%s' command", x.cmd.name)
		return
	}
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	var created int64
	for i := 2; i < len(x.args); i += 2 {
		if h.set(x.args[i], x.args[i+1]) {
			created++
		}
	}
	h.save()
	x.notify(classHash, "hset", key)
	if x.cmd.name == "hmset" {
		x.w.OK()
		return
	}
	x.w.Int(created)
}

func cmdHSetNX(x *Ctx) {
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	if _, exists := h.get(x.args[2]); exists {
		x.w.Int(0)
		return
	}
	h.set(x.args[2], x.args[3])
	h.save()
	x.notify(classHash, "hset", key)
	x.w.Int(1)
}

// hashRead looks a hash up for reading; nil, true if it does not exist.
func (x *Ctx) hashRead(key []byte) (*storage.Meta, bool) {
	return x.readType(key, storage.TypeHash)
}

func cmdHGet(x *Ctx) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		x.w.Null()
		return
	}
	v, ok := x.hashField(m, x.args[2])
	if !ok {
		x.w.Null()
		return
	}
	x.w.Bulk(v)
}

func cmdHMGet(x *Ctx) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	fields := x.args[2:]
	x.w.Array(len(fields))
	for _, f := range fields {
		var v []byte
		if m != nil {
			v, ok = x.hashField(m, f)
		}
		if m == nil || !ok {
			x.w.Null()
			continue
		}
		x.w.Bulk(v)
	}
}

// hashReadAll is HGETALL (fields and values), HKEYS and HVALS.
func hashReadAll(x *Ctx, fields, values bool) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	n := 0
	if m != nil {
		n = int(m.Count)
	}
	if fields && values {
		x.w.Map(n)
	} else {
		x.w.Array(n)
	}
	if m == nil {
		return
	}
	write := func(f, v []byte) {
		if fields {
			x.w.Bulk(f)
		}
		if values {
			x.w.Bulk(v)
		}
	}
	if m.Enc == encHashListpack {
		for _, e := range x.hashElems(m) {
			write(e.member, e.value)
		}
		return
	}
	// A hashtable may be huge: stream it instead of copying it first.
	written := 0
	x.eachElem(m.OID, func(f, rec []byte) bool {
		write(f, hashRecordValue(rec))
		written++
		return true
	})
	if written != n {
		x.must(errCountMismatch)
	}
}

func cmdHLen(x *Ctx) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(m.Count)
}

func cmdHExists(x *Ctx) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	exists := false
	if m != nil {
		_, exists = x.hashField(m, x.args[2])
	}
	x.w.Int(boolInt(exists))
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func cmdHStrlen(x *Ctx) {
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	var v []byte
	if m != nil {
		v, _ = x.hashField(m, x.args[2])
	}
	x.w.Int(int64(len(v)))
}

func cmdHDel(x *Ctx) {
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	if !h.existed {
		x.w.Int(0)
		return
	}
	var deleted int64
	for _, f := range x.args[2:] {
		if h.del(f) {
			deleted++
			if h.m.Count == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		h.save()
		x.notify(classHash, "hdel", key)
		if h.m.Count == 0 {
			x.notify(classGeneric, "del", key)
		}
	}
	x.w.Int(deleted)
}

func cmdHIncrBy(x *Ctx) {
	incr, ok := x.intArg(3)
	if !ok {
		return
	}
	key, field := x.args[1], x.args[2]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	var cur int64
	if v, exists := h.get(field); exists {
		if cur, ok = parseInt(v); !ok {
			x.fail("ERR hash value is not an integer")
			return
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		x.fail(errOverflow)
		return
	}
	cur += incr
	h.set(field, formatInt(cur))
	h.save()
	x.notify(classHash, "hincrby", key)
	x.w.Int(cur)
}

func cmdHIncrByFloat(x *Ctx) {
	incr, ok := parseLongDouble(x.args[3])
	if !ok {
		x.fail(errNotFloat)
		return
	}
	if incr.IsInf() {
		x.fail("ERR value is NaN or Infinity")
		return
	}
	key, field := x.args[1], x.args[2]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	cur := newLongDouble()
	if v, exists := h.get(field); exists {
		if cur, ok = parseLongDouble(v); !ok {
			x.fail("ERR hash value is not a float")
			return
		}
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		x.fail("ERR increment would produce NaN or Infinity")
		return
	}
	v := formatLongDouble(sum)
	h.set(field, v)
	h.save()
	x.notify(classHash, "hincrbyfloat", key)
	x.w.Bulk(v)
}

func cmdHRandField(x *Ctx) {
	if len(x.args) == 2 {
		m, ok := x.hashRead(x.args[1])
		if !ok {
			return
		}
		if m == nil {
			x.w.Null()
			return
		}
		x.randomElems(m.OID, m.Count, 1, func(e elem) { x.w.Bulk(e.member) })
		return
	}
	count, ok := x.randCountArg(2)
	if !ok {
		return
	}
	if len(x.args) > 4 || (len(x.args) == 4 && !eq(x.args[3], "withvalues")) {
		x.fail(errSyntax)
		return
	}
	withValues := len(x.args) == 4
	// Redis doubles the count for the values and refuses what would overflow.
	if withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2) {
		x.fail("ERR value is out of range")
		return
	}
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	if m == nil || count == 0 {
		x.w.Array(0)
		return
	}
	pairs := withValues && x.w.Proto() == 3
	header := func(n int64) {
		if withValues && !pairs {
			n *= 2
		}
		x.w.Array(int(n))
	}
	write := func(field, value []byte) {
		if pairs {
			x.w.Array(2)
		}
		x.w.Bulk(field)
		if withValues {
			x.w.Bulk(value)
		}
	}
	switch {
	case count < 0:
		header(-count)
		x.randomElems(m.OID, m.Count, -count, func(e elem) { write(e.member, hashRecordValue(e.value)) })
	case count >= m.Count:
		header(m.Count)
		for _, e := range x.hashElems(m) {
			write(e.member, e.value)
		}
	default:
		header(count)
		for _, e := range x.distinctElems(m.OID, m.Count, count) {
			write(e.member, hashRecordValue(e.value))
		}
	}
}

func cmdHScan(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.fail(errCursor)
		return
	}
	m, ok := x.hashRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		writeScanReply(x, 0, nil)
		return
	}
	o, ok := parseScanOptions(x, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	add := func(field, value []byte) {
		if o.pattern == nil || glob.Match(o.pattern, field) {
			items = append(items, cloneBytes(field), cloneBytes(value))
		}
	}
	// A listpack is returned whole, in its order, with cursor 0, as Redis
	// does whatever the cursor and COUNT.
	if m.Enc == encHashListpack {
		for _, e := range x.hashElems(m) {
			add(e.member, e.value)
		}
		writeScanReply(x, 0, items)
		return
	}
	next := x.scanElems(m.OID, cursor, o.count, func(field, rec []byte) { add(field, hashRecordValue(rec)) })
	writeScanReply(x, next, items)
}
