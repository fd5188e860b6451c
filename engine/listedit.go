package engine

import (
	"bytes"
	"slices"
)

// LINSERT and LREM change a list in the middle. Positions stay contiguous,
// so they move the elements on the cheaper side of the change: LINSERT
// reads up to the pivot (i elements) and moves min(i, n-i) records; LREM
// reads up to its last match and moves the fewer of the elements before
// its last match or after its first one.

func init() {
	register(
		cmdDef{name: "linsert", run: cmdLInsert},
		cmdDef{name: "lrem", run: cmdLRem},
	)
}

func cmdLInsert(x *Ctx) {
	var after bool
	switch {
	case eq(x.args[2], "after"):
		after = true
	case eq(x.args[2], "before"):
	default:
		x.fail(errSyntax)
		return
	}
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !l.exists() {
		x.w.Int(0)
		return
	}
	pivot, at := x.args[3], int64(-1)
	l.each(0, l.length()-1, false, func(i int64, v []byte) bool {
		if bytes.Equal(v, pivot) {
			at = i
			return false
		}
		return true
	})
	if at < 0 {
		x.w.Int(-1)
		return
	}
	if after {
		at++
	}
	l.insert(at, x.args[4])
	x.notify(classList, "linsert", l.key)
	x.w.Int(l.length())
}

func cmdLRem(x *Ctx) {
	count, ok := x.intArg(2)
	if !ok {
		return
	}
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !l.exists() {
		x.w.Int(0)
		return
	}
	fromTail := count < 0
	if fromTail {
		count = -count // stays negative for the smallest int64: no limit, as in Redis
	}
	elem := x.args[3]
	var found []int64
	l.each(0, l.length()-1, fromTail, func(i int64, v []byte) bool {
		if bytes.Equal(v, elem) {
			found = append(found, i)
		}
		return count <= 0 || int64(len(found)) < count
	})
	if len(found) == 0 {
		x.w.Int(0)
		return
	}
	if fromTail {
		slices.Reverse(found)
	}
	l.removeAt(found)
	x.notify(classList, "lrem", l.key)
	if !l.exists() {
		x.notify(classGeneric, "del", l.key)
	}
	x.w.Int(int64(len(found)))
}
