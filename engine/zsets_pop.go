package engine

import (
	"time"

	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "zpopmin", run: func(x *Ctx) { zpop(x, false) }},
		cmdDef{name: "zpopmax", run: func(x *Ctx) { zpop(x, true) }},
		cmdDef{name: "zmpop", run: func(x *Ctx) { zmpop(x, 1, false) }},
		cmdDef{name: "bzpopmin", run: func(x *Ctx) { bzpop(x, false) }},
		cmdDef{name: "bzpopmax", run: func(x *Ctx) { bzpop(x, true) }},
		cmdDef{name: "bzmpop", run: func(x *Ctx) { zmpop(x, 2, true) }},
	)
}

// zpopFrom removes up to count elements from the low (or high) end of a
// non-empty set and returns them in popping order.
func (x *Ctx) zpopFrom(key []byte, z *zset, high bool, count int64) []zelem {
	elems := z.rankElems(0, count, high)
	z.removeAll(elems)
	event := "zpopmin"
	if high {
		event = "zpopmax"
	}
	x.notify(classZSet, event, key)
	x.zsetSave(key, z)
	return elems
}

// firstZset finds the first of keys that exists; false after replying
// WRONGTYPE for a key of another type met first.
func (x *Ctx) firstZset(keys [][]byte) ([]byte, *zset, bool) {
	for _, key := range keys {
		z, ok := x.zsetWrite(key)
		if !ok {
			return nil, nil, false
		}
		if z != nil {
			return key, z, true
		}
	}
	return nil, nil, true
}

func zpop(x *Ctx, high bool) {
	count, hasCount := int64(1), len(x.args) == 3
	if hasCount {
		n, ok := parseInt(x.args[2])
		if !ok || n < 0 {
			x.fail("ERR value is out of range, must be positive")
			return
		}
		count = n
	}
	key, z, ok := x.firstZset(x.args[1:2])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		x.w.Array(0)
		return
	}
	elems := x.zpopFrom(key, z, high, count)
	if hasCount {
		x.replyZelems(elems, true)
		return
	}
	x.w.Array(2)
	x.w.Bulk(elems[0].member)
	x.w.Double(elems[0].score)
}

// zmpop is ZMPOP (numkeys at args[1]) and BZMPOP (timeout at args[1],
// numkeys at args[2]).
func zmpop(x *Ctx, numkeysAt int, blocking bool) {
	numkeys, ok := parseInt(x.args[numkeysAt])
	if !ok || numkeys < 1 {
		x.fail("ERR numkeys should be greater than 0")
		return
	}
	if numkeys >= int64(len(x.args)-numkeysAt-1) {
		x.fail(errSyntax)
		return
	}
	whereAt := numkeysAt + int(numkeys) + 1
	var high bool
	switch w := x.args[whereAt]; {
	case eq(w, "min"):
	case eq(w, "max"):
		high = true
	default:
		x.fail(errSyntax)
		return
	}
	count := int64(-1)
	for j := whereAt + 1; j < len(x.args); j++ {
		if count != -1 || !eq(x.args[j], "count") || j+1 >= len(x.args) {
			x.fail(errSyntax)
			return
		}
		n, ok := parseInt(x.args[j+1])
		if !ok || n < 1 {
			x.fail("ERR count should be greater than 0")
			return
		}
		count = n
		j++
	}
	count = max(count, 1)
	var timeout time.Duration
	if blocking {
		if timeout, ok = x.timeoutArg(x.args[1]); !ok {
			return
		}
	}
	serve := func(y *Ctx, keys [][]byte) bool {
		key, z, ok := y.firstZset(keys)
		if !ok || z == nil {
			return !ok
		}
		elems := y.zpopFrom(key, z, high, count)
		y.w.Array(2)
		y.w.Bulk(key)
		y.w.Array(len(elems))
		for _, e := range elems {
			y.w.Array(2)
			y.w.Bulk(e.member)
			y.w.Double(e.score)
		}
		return true
	}
	if serve(x, x.args[numkeysAt+1:whereAt]) {
		return
	}
	if !blocking || x.inTransaction() {
		x.w.NullArray()
		return
	}
	x.blockOn(x.args[numkeysAt+1:whereAt], timeout, func(y *Ctx, key []byte) bool {
		return serve(y, readyZset(y, key))
	}, func(w *resp.Writer) { w.NullArray() })
}

func bzpop(x *Ctx, high bool) {
	timeout, ok := x.timeoutArg(x.args[len(x.args)-1])
	if !ok {
		return
	}
	serve := func(y *Ctx, keys [][]byte) bool {
		key, z, ok := y.firstZset(keys)
		if !ok || z == nil {
			return !ok
		}
		e := y.zpopFrom(key, z, high, 1)[0]
		y.w.Array(3)
		y.w.Bulk(key)
		y.w.Bulk(e.member)
		y.w.Double(e.score)
		return true
	}
	if serve(x, x.args[1:len(x.args)-1]) {
		return
	}
	if x.inTransaction() {
		x.w.NullArray()
		return
	}
	x.blockOn(x.args[1:len(x.args)-1], timeout, func(y *Ctx, key []byte) bool {
		return serve(y, readyZset(y, key))
	}, func(w *resp.Writer) { w.NullArray() })
}

// readyZset is what a blocked pop woken by a write to key may pop from:
// that key, if it holds a sorted set. As in Redis, a key that became
// another type is passed over, not answered with WRONGTYPE.
func readyZset(y *Ctx, key []byte) [][]byte {
	if m := y.lookup(y.db, key); m != nil && m.Type == storage.TypeZSet {
		return [][]byte{key}
	}
	return nil
}
