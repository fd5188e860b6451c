package engine

func init() {
	register(
		cmdDef{name: "zrange", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeAuto, false) }},
		cmdDef{name: "zrangestore", run: func(x *Ctx) { zrangeGeneric(x, 2, true, zrangeAuto, false) }},
		cmdDef{name: "zrevrange", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeRank, true) }},
		cmdDef{name: "zrangebyscore", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeScore, false) }},
		cmdDef{name: "zrevrangebyscore", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeScore, true) }},
		cmdDef{name: "zrangebylex", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeLex, false) }},
		cmdDef{name: "zrevrangebylex", run: func(x *Ctx) { zrangeGeneric(x, 1, false, zrangeLex, true) }},
		cmdDef{name: "zremrangebyrank", run: func(x *Ctx) { zremrange(x, zrangeRank) }},
		cmdDef{name: "zremrangebyscore", run: func(x *Ctx) { zremrange(x, zrangeScore) }},
		cmdDef{name: "zremrangebylex", run: func(x *Ctx) { zremrange(x, zrangeLex) }},
	)
}

type zrangeKind int

const (
	zrangeAuto zrangeKind = iota // ZRANGE: BYSCORE/BYLEX may choose
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeGeneric is ZRANGE and its older forms. The source key is at
// args[from], its bounds follow, then options; store is ZRANGESTORE
// (destination at args[1]); kind and reverse are preset by the older forms.
func zrangeGeneric(x *Ctx, from int, store bool, kind zrangeKind, reverse bool) {
	withScores := false
	autoDirection, revGiven := kind == zrangeAuto, false
	offset, limit := int64(0), int64(-1)
	for j := from + 3; j < len(x.args); j++ {
		a := x.args[j]
		left := len(x.args) - j - 1
		switch {
		case !store && eq(a, "withscores"):
			withScores = true
		case eq(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = x.intArg(j + 1); !ok {
				return
			}
			if limit, ok = x.intArg(j + 2); !ok {
				return
			}
			j += 2
		case autoDirection && !revGiven && eq(a, "rev"):
			revGiven = true
		case kind == zrangeAuto && eq(a, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && eq(a, "byscore"):
			kind = zrangeScore
		default:
			x.fail(errSyntax)
			return
		}
	}
	reverse = reverse || revGiven
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	if limit != -1 && kind == zrangeRank {
		x.fail("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withScores && kind == zrangeLex {
		x.fail("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	minArg, maxArg := x.args[from+1], x.args[from+2]
	if reverse && kind != zrangeRank {
		minArg, maxArg = maxArg, minArg // given as max, min
	}
	var start, end int64
	var sr scoreRange
	var lr lexRange
	var ok bool
	switch kind {
	case zrangeRank:
		if start, ok = x.intArg(from + 1); !ok {
			return
		}
		if end, ok = x.intArg(from + 2); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(minArg, maxArg); !ok {
			x.fail(errZRangeFloat)
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(minArg, maxArg); !ok {
			x.fail(errZRangeLex)
			return
		}
	}
	z, ok := x.zsetRead(x.args[from])
	if !ok {
		return
	}
	var elems []zelem
	if z != nil {
		switch kind {
		case zrangeRank:
			if s, n, ok := clampRanks(start, end, z.card()); ok {
				elems = z.rankElems(s, n, reverse)
			}
		case zrangeScore:
			lo, hi := scoreSpan(sr)
			elems = z.spanRange(lo, hi, reverse, offset, limit)
		case zrangeLex:
			lo, hi := z.lexSpan(lr, reverse)
			elems = z.spanRange(lo, hi, reverse, offset, limit)
		}
	}
	if store {
		x.zsetStore(x.args[1], elems, "zrangestore")
		return
	}
	x.replyZelems(elems, withScores)
}

// spanRange applies ZRANGE's LIMIT rules to a span: a negative offset
// gives nothing, a negative limit everything.
func (z *zset) spanRange(lo, hi []byte, reverse bool, offset, limit int64) []zelem {
	if offset < 0 {
		return nil
	}
	return z.spanElems(lo, hi, reverse, offset, limit)
}

// clampRanks turns ZRANGE-style start and end (negative from the end)
// into a first rank and a count; false when the range is empty.
func clampRanks(start, end, card int64) (int64, int64, bool) {
	if start < 0 {
		start += card
	}
	if end < 0 {
		end += card
	}
	start = max(start, 0)
	if start > end || start >= card {
		return 0, 0, false
	}
	end = min(end, card-1)
	return start, end - start + 1, true
}

// replyZelems writes members, with their scores as Redis does: flat in
// RESP2, [member, score] pairs in RESP3.
func (x *Ctx) replyZelems(elems []zelem, withScores bool) {
	if !withScores {
		x.w.Array(len(elems))
		for _, e := range elems {
			x.w.Bulk(e.member)
		}
		return
	}
	pairs := x.w.Proto() == 3
	if pairs {
		x.w.Array(len(elems))
	} else {
		x.w.Array(2 * len(elems))
	}
	for _, e := range elems {
		if pairs {
			x.w.Array(2)
		}
		x.w.Bulk(e.member)
		x.w.Double(e.score)
	}
}

// zsetStore replaces dst with a sorted set of distinct elements, as the
// *STORE commands do (the old value and its TTL go); an empty result
// deletes dst. It replies the new set's size.
func (x *Ctx) zsetStore(dst []byte, elems []zelem, event string) {
	existed := x.lookup(x.db, dst) != nil
	if len(elems) == 0 {
		if existed {
			x.put(dst, nil)
			x.notify(classGeneric, "del", dst)
		}
		x.w.Int(0)
		return
	}
	var maxLen int
	for _, e := range elems {
		maxLen = max(maxLen, len(e.member))
	}
	enc := encZsetSkiplist
	if x.zsetLimits().fits(int64(len(elems)), int64(maxLen)) {
		enc = encZsetListpack
	}
	z := newZset(x.tx(), x.newOID(), enc)
	z.bulkLoad(elems)
	x.put(dst, z.meta())
	x.notify(classZSet, event, dst)
	x.w.Int(int64(len(elems)))
}

var zremrangeEvents = map[zrangeKind]string{
	zrangeRank:  "zremrangebyrank",
	zrangeScore: "zremrangebyscore",
	zrangeLex:   "zremrangebylex",
}

func zremrange(x *Ctx, kind zrangeKind) {
	var start, end int64
	var sr scoreRange
	var lr lexRange
	ok := true
	switch kind {
	case zrangeRank:
		if start, ok = x.intArg(2); ok {
			end, ok = x.intArg(3)
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(x.args[2], x.args[3]); !ok {
			x.fail(errZRangeFloat)
		}
	case zrangeLex:
		if lr, ok = parseLexRange(x.args[2], x.args[3]); !ok {
			x.fail(errZRangeLex)
		}
	}
	if !ok {
		return
	}
	key := x.args[1]
	z, ok := x.zsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	var elems []zelem
	switch kind {
	case zrangeRank:
		if s, n, ok := clampRanks(start, end, z.card()); ok {
			elems = z.rankElems(s, n, false)
		}
	case zrangeScore:
		lo, hi := scoreSpan(sr)
		elems = z.spanElems(lo, hi, false, 0, -1)
	case zrangeLex:
		lo, hi := z.lexSpan(lr, false)
		elems = z.spanElems(lo, hi, false, 0, -1)
	}
	if len(elems) > 0 {
		z.removeAll(elems)
		x.notify(classZSet, zremrangeEvents[kind], key)
		x.zsetSave(key, z)
	}
	x.w.Int(int64(len(elems)))
}

// removeAll deletes elements read from the set; emptying it drops the
// index and the records with the key instead, O(1).
func (z *zset) removeAll(elems []zelem) {
	if int64(len(elems)) == z.card() {
		z.m.Count = 0
		return
	}
	z.removeElems(elems)
}
