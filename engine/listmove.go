package engine

import "bytes"

func init() {
	register(
		cmdDef{name: "lmove", run: cmdLMove},
		cmdDef{name: "rpoplpush", run: func(x *Ctx) { lmove(x, false, true) }},
		cmdDef{name: "lmpop", run: cmdLMPop},
	)
}

func cmdLMove(x *Ctx) {
	from, ok1 := parseEnd(x.args[3])
	to, ok2 := parseEnd(x.args[4])
	if !ok1 || !ok2 {
		x.fail(errSyntax)
		return
	}
	lmove(x, from, to)
}

// lmove is LMOVE and RPOPLPUSH: source x.args[1], destination x.args[2].
func lmove(x *Ctx, from, to bool) {
	src, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !src.exists() {
		x.w.Null()
		return
	}
	x.moveFrom(src, x.args[2], from, to)
}

// moveFrom pops one element off src, which has some, pushes it onto
// dstKey and replies it; pop and push are one transaction. If dstKey holds
// another type, nothing moves and WRONGTYPE is replied.
func (x *Ctx) moveFrom(src *list, dstKey []byte, from, to bool) {
	dst := src // a rotation must see its own pop
	if !bytes.Equal(src.key, dstKey) {
		var ok bool
		if dst, ok = x.openList(dstKey, true); !ok {
			return
		}
	}
	if dst == src && src.length() == 1 {
		// Rotating a one-element list leaves it as it is. Popping first
		// would delete the key, and its TTL, before the push made it
		// anew; Redis pushes before it looks at the emptied source.
		v := src.end(from)
		src.touch()
		x.notify(classList, pushEvent(to), dst.key)
		src.popped(from)
		x.w.Bulk(v)
		return
	}
	v := src.pop(from, 1)[0]
	dst.push(to, v)
	x.notify(classList, pushEvent(to), dst.key)
	src.popped(from)
	x.w.Bulk(v)
}

// mpopArgs are the keys, end and count of LMPOP and BLMPOP.
type mpopArgs struct {
	keys  [][]byte
	front bool
	count int64
}

// parseMPop parses numkeys (at x.args[at]), the keys, LEFT|RIGHT and an
// optional COUNT, with Redis's errors.
func parseMPop(x *Ctx, at int) (mpopArgs, bool) {
	a := mpopArgs{count: 1}
	numKeys, ok := parseInt(x.args[at])
	if !ok || numKeys < 1 {
		x.fail("ERR numkeys should be greater than 0")
		return a, false
	}
	if numKeys > int64(len(x.args)-at-2) {
		x.fail(errSyntax)
		return a, false
	}
	endAt := at + 1 + int(numKeys)
	a.keys = x.args[at+1 : endAt]
	if a.front, ok = parseEnd(x.args[endAt]); !ok {
		x.fail(errSyntax)
		return a, false
	}
	counted := false
	for i := endAt + 1; i < len(x.args); i++ {
		if counted || !eq(x.args[i], "count") || i+1 >= len(x.args) {
			x.fail(errSyntax)
			return a, false
		}
		i++
		if a.count, ok = parseInt(x.args[i]); !ok || a.count < 1 {
			x.fail("ERR count should be greater than 0")
			return a, false
		}
		counted = true
	}
	return a, true
}

// firstList opens the first of keys that holds a list; nil if none does,
// false if a key before it holds another type (WRONGTYPE replied).
func (x *Ctx) firstList(keys [][]byte) (*list, bool) {
	for _, key := range keys {
		l, ok := x.openList(key, true)
		if !ok || l.exists() {
			return l, ok
		}
	}
	return nil, true
}

// popWithKey pops from a list that has elements and replies with its key:
// [key, element] when count < 0 (BLPOP), [key, [elements]] otherwise.
func (l *list) popWithKey(front bool, count int64) {
	vals := l.pop(front, max(count, 1))
	l.popped(front)
	w := l.x.w
	w.Array(2)
	w.Bulk(l.key)
	if count < 0 {
		w.Bulk(vals[0])
	} else {
		w.BulkStrings(vals)
	}
}

func cmdLMPop(x *Ctx) {
	a, ok := parseMPop(x, 1)
	if !ok {
		return
	}
	l, ok := x.firstList(a.keys)
	if !ok {
		return
	}
	if l == nil {
		x.w.NullArray()
		return
	}
	l.popWithKey(a.front, a.count)
}
