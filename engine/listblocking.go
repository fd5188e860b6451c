package engine

import (
	"time"

	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

// The blocking list commands try their non-blocking form first; finding
// nothing, they park the client (blocking.go) on their keys. A write that
// creates one of those keys retries the waiter on that key, so a client
// blocked on several keys is served from the one that was written, like
// in Redis. Inside MULTI or a script they answer as if timed out.

func init() {
	register(
		cmdDef{name: "blpop", run: func(x *Ctx) { blockingPop(x, true) }},
		cmdDef{name: "brpop", run: func(x *Ctx) { blockingPop(x, false) }},
		cmdDef{name: "blmpop", run: cmdBLMPop},
		cmdDef{name: "brpoplpush", run: func(x *Ctx) { blockingMove(x, false, true, x.args[3]) }},
		cmdDef{name: "blmove", run: cmdBLMove},
	)
}

// timedOut is what a blocked list command answers when its time is up:
// a null array for all of them, BLMOVE and BRPOPLPUSH included.
func timedOut(w *resp.Writer) { w.NullArray() }

// readyList opens key for a waiter being served: nil unless it holds a
// list. A key that became another type is passed over, not answered with
// WRONGTYPE, as in Redis.
func (x *Ctx) readyList(key []byte) *list {
	m := x.lookup(x.db, key)
	if m == nil || m.Type != storage.TypeList {
		return nil
	}
	return &list{x: x, key: key, meta: m}
}

func blockingPop(x *Ctx, front bool) {
	timeout, ok := x.timeoutArg(x.args[len(x.args)-1])
	if !ok {
		return
	}
	popOrBlock(x, x.args[1:len(x.args)-1], front, -1, timeout)
}

func cmdBLMPop(x *Ctx) {
	a, ok := parseMPop(x, 2)
	if !ok {
		return
	}
	timeout, ok := x.timeoutArg(x.args[1])
	if !ok {
		return
	}
	popOrBlock(x, a.keys, a.front, a.count, timeout)
}

// popOrBlock pops from the first of keys holding a list, or blocks on all
// of them; count < 0 is BLPOP's reply shape, otherwise BLMPOP's.
func popOrBlock(x *Ctx, keys [][]byte, front bool, count int64, timeout time.Duration) {
	l, ok := x.firstList(keys)
	if !ok {
		return
	}
	if l != nil {
		l.popWithKey(front, count)
		return
	}
	if x.inTransaction() {
		x.w.NullArray()
		return
	}
	x.blockOn(keys, timeout, func(y *Ctx, key []byte) bool {
		l := y.readyList(key)
		if l != nil {
			l.popWithKey(front, count)
		}
		return l != nil
	}, timedOut)
}

func cmdBLMove(x *Ctx) {
	from, ok1 := parseEnd(x.args[3])
	to, ok2 := parseEnd(x.args[4])
	if !ok1 || !ok2 {
		x.fail(errSyntax)
		return
	}
	blockingMove(x, from, to, x.args[5])
}

// blockingMove is BLMOVE and BRPOPLPUSH: it blocks on the source only.
func blockingMove(x *Ctx, from, to bool, timeoutArg []byte) {
	timeout, ok := x.timeoutArg(timeoutArg)
	if !ok {
		return
	}
	src, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if src.exists() {
		x.moveFrom(src, x.args[2], from, to)
		return
	}
	if x.inTransaction() {
		x.w.Null()
		return
	}
	x.blockOn(x.args[1:2], timeout, func(y *Ctx, key []byte) bool {
		src := y.readyList(key)
		if src != nil {
			y.moveFrom(src, y.args[2], from, to)
		}
		return src != nil
	}, timedOut)
}
