package engine

import (
	"math"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "zadd", run: cmdZAdd},
		cmdDef{name: "zincrby", run: cmdZIncrBy},
		cmdDef{name: "zrem", run: cmdZRem},
		cmdDef{name: "zcard", run: cmdZCard},
		cmdDef{name: "zscore", run: cmdZScore},
		cmdDef{name: "zmscore", run: cmdZMScore},
		cmdDef{name: "zrank", run: func(x *Ctx) { zrank(x, false) }},
		cmdDef{name: "zrevrank", run: func(x *Ctx) { zrank(x, true) }},
		cmdDef{name: "zcount", run: cmdZCount},
		cmdDef{name: "zlexcount", run: cmdZLexCount},
	)
}

// zsetRead opens a sorted set for reading (counting a keyspace hit or
// miss); nil means it does not exist, false that WRONGTYPE was replied.
func (x *Ctx) zsetRead(key []byte) (*zset, bool) {
	m, ok := x.readType(key, storage.TypeZSet)
	if !ok || m == nil {
		return nil, ok
	}
	return openZset(x.tx(), m), true
}

// zsetWrite opens a sorted set for writing, like zsetRead.
func (x *Ctx) zsetWrite(key []byte) (*zset, bool) {
	m, ok := x.writeType(key, storage.TypeZSet)
	if !ok || m == nil {
		return nil, ok
	}
	return openZset(x.tx(), m), true
}

// zsetSave stores a changed set, deleting the key (with a "del" event)
// when it has become empty.
func (x *Ctx) zsetSave(key []byte, z *zset) {
	if z.card() == 0 {
		x.put(key, nil)
		x.notify(classGeneric, "del", key)
		return
	}
	x.put(key, z.meta())
}

// zsetLimits are the listpack thresholds Redis converts sets past.
type zsetLimits struct{ entries, value int64 }

func (x *Ctx) zsetLimits() zsetLimits {
	return zsetLimits{x.s.cfg.Int("zset-max-listpack-entries"), x.s.cfg.Int("zset-max-listpack-value")}
}

// fits reports whether a set of n members, the longest maxLen bytes, is a
// listpack in Redis.
func (l zsetLimits) fits(n, maxLen int64) bool { return n <= l.entries && maxLen <= l.value }

// createZset makes a new set for key whose first member is first: a
// listpack unless that member or the limits rule it out, as ZADD does.
func (x *Ctx) createZset(first []byte) *zset {
	lim := x.zsetLimits()
	enc := encZsetListpack
	if lim.entries == 0 || int64(len(first)) > lim.value {
		enc = encZsetSkiplist
	}
	return newZset(x.tx(), x.newOID(), enc)
}

// add inserts a new member, first converting a listpack that the member
// would overflow, as Redis's zsetAdd does.
func (z *zset) add(member []byte, score float64, lim zsetLimits) {
	if z.listpack() && (z.card()+1 > lim.entries || int64(len(member)) > lim.value) {
		z.m.Enc = encZsetSkiplist
	}
	z.insert(member, score)
}

// zaddFlags are ZADD's options.
type zaddFlags struct{ nx, xx, gt, lt, ch, incr bool }

// zaddOutcome is what zsetAdd did to one element.
type zaddOutcome int

const (
	zaddNop zaddOutcome = iota
	zaddAdded
	zaddUpdated
	zaddSame // existed with that score already
	zaddNaN
)

// zaddOne applies one score/member pair under the flags and returns what
// happened and the element's resulting score.
func (z *zset) zaddOne(f zaddFlags, score float64, member []byte, lim zsetLimits) (zaddOutcome, float64) {
	cur, exists := z.score(member)
	if !exists {
		if f.xx {
			return zaddNop, 0
		}
		z.add(member, score, lim)
		return zaddAdded, score
	}
	if f.nx {
		return zaddNop, 0
	}
	if f.incr {
		score += cur
		if math.IsNaN(score) {
			return zaddNaN, 0
		}
	}
	if (f.lt && score >= cur) || (f.gt && score <= cur) {
		return zaddNop, 0
	}
	if score == cur {
		return zaddSame, score
	}
	z.update(member, cur, score)
	return zaddUpdated, score
}

func cmdZAdd(x *Ctx) {
	var f zaddFlags
	i := 2
options:
	for ; i < len(x.args); i++ {
		switch a := x.args[i]; {
		case eq(a, "nx"):
			f.nx = true
		case eq(a, "xx"):
			f.xx = true
		case eq(a, "gt"):
			f.gt = true
		case eq(a, "lt"):
			f.lt = true
		case eq(a, "ch"):
			f.ch = true
		case eq(a, "incr"):
			f.incr = true
		default:
			break options
		}
	}
	zadd(x, f, x.args[i:])
}

func cmdZIncrBy(x *Ctx) { zadd(x, zaddFlags{incr: true}, x.args[2:]) }

// zadd is ZADD (and ZINCRBY, GEOADD) after the options: pairs holds
// score, member, score, member...
func zadd(x *Ctx, f zaddFlags, pairs [][]byte) {
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		x.fail(errSyntax)
		return
	}
	switch {
	case f.nx && f.xx:
		x.fail("ERR XX and NX options at the same time are not compatible")
		return
	case (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt):
		x.fail("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	case f.incr && len(pairs) > 2:
		x.fail("ERR INCR option supports a single increment-element pair")
		return
	}
	scores := make([]float64, len(pairs)/2)
	for j := range scores {
		s, ok := parseScore(pairs[2*j])
		if !ok {
			x.fail(errNotFloat)
			return
		}
		scores[j] = s
	}
	key := x.args[1]
	z, ok := x.zsetWrite(key)
	if !ok {
		return
	}
	if z == nil && !f.xx {
		z = x.createZset(pairs[1])
	}
	var added, updated, processed int64
	var last float64
	if z != nil {
		lim := x.zsetLimits()
		for j, score := range scores {
			outcome, s := z.zaddOne(f, score, pairs[2*j+1], lim)
			switch outcome {
			case zaddNaN:
				x.fail(errZIncrNaN)
				return
			case zaddAdded:
				added++
			case zaddUpdated:
				updated++
			}
			if outcome != zaddNop {
				processed++
				last = s
			}
		}
	}
	if added+updated > 0 {
		x.zsetSave(key, z)
		event := "zadd"
		if f.incr {
			event = "zincr"
		}
		x.notify(classZSet, event, key)
	}
	switch {
	case !f.incr && f.ch:
		x.w.Int(added + updated)
	case !f.incr:
		x.w.Int(added)
	case processed > 0:
		x.w.Double(last)
	default:
		x.w.Null()
	}
}

func cmdZRem(x *Ctx) {
	key := x.args[1]
	z, ok := x.zsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	var removed int64
	for _, member := range x.args[2:] {
		if score, ok := z.score(member); ok {
			z.remove(member, score)
			removed++
		}
	}
	if removed > 0 {
		x.notify(classZSet, "zrem", key)
		x.zsetSave(key, z)
	}
	x.w.Int(removed)
}

func cmdZCard(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(z.card())
}

func cmdZScore(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Null()
		return
	}
	score, found := z.score(x.args[2])
	if !found {
		x.w.Null()
		return
	}
	x.w.Double(score)
}

func cmdZMScore(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	members := x.args[2:]
	x.w.Array(len(members))
	for _, m := range members {
		if z == nil {
			x.w.Null()
			continue
		}
		if score, found := z.score(m); found {
			x.w.Double(score)
		} else {
			x.w.Null()
		}
	}
}

func zrank(x *Ctx, reverse bool) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Null()
		return
	}
	member := x.args[2]
	score, found := z.score(member)
	if !found {
		x.w.Null()
		return
	}
	rank := z.countBefore(zpos(score, member))
	if reverse {
		rank = z.card() - 1 - rank
	}
	x.w.Int(rank)
}

func cmdZCount(x *Ctx) {
	r, ok := parseScoreRange(x.args[2], x.args[3])
	if !ok {
		x.fail(errZRangeFloat)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(z.countSpan(r.lowKey(), r.highKey()))
}

func cmdZLexCount(x *Ctx) {
	r, ok := parseLexRange(x.args[2], x.args[3])
	if !ok {
		x.fail(errZRangeLex)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	lo, hi := z.lexSpan(r, false)
	x.w.Int(z.countSpan(lo, hi))
}

// countSpan counts the elements at positions in [lo, hi).
func (z *zset) countSpan(lo, hi []byte) int64 {
	if lo == nil || hi == nil {
		return 0
	}
	return max(z.countBefore(hi)-z.countBefore(lo), 0)
}
