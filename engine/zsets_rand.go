package engine

import (
	"math"
	"math/rand/v2"
)

func init() {
	register(cmdDef{name: "zrandmember", run: cmdZRandMember})
}

func cmdZRandMember(x *Ctx) {
	if len(x.args) == 2 {
		z, ok := x.zsetRead(x.args[1])
		if !ok {
			return
		}
		if z == nil {
			x.w.Null()
			return
		}
		x.w.Bulk(z.elemAtRank(rand.Int64N(z.card())).member)
		return
	}
	count, ok := x.randCountArg(2)
	if !ok {
		return
	}
	withScores := false
	if len(x.args) > 4 || (len(x.args) == 4 && !eq(x.args[3], "withscores")) {
		x.fail(errSyntax)
		return
	}
	if len(x.args) == 4 {
		withScores = true
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			x.fail("ERR value is out of range")
			return
		}
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		x.w.Array(0)
		return
	}
	if count < 0 || count == 1 { // negative: repeats allowed
		zrandRepeated(x, z, max(count, -count), withScores)
		return
	}
	x.replyZelems(z.randomDistinct(count), withScores)
}

// zrandRepeated replies n random elements, repeats allowed, streaming
// them: the reply may be far larger than the set.
func zrandRepeated(x *Ctx, z *zset, n int64, withScores bool) {
	pairs := withScores && x.w.Proto() == 3
	if withScores && !pairs {
		x.w.Array(int(2 * n))
	} else {
		x.w.Array(int(n))
	}
	var all []zelem
	if n*16 >= z.card() { // many draws: read the set once
		all = z.rankElems(0, z.card(), false)
	}
	for ; n > 0; n-- {
		var e zelem
		if all != nil {
			e = all[rand.IntN(len(all))]
		} else {
			e = z.elemAtRank(rand.Int64N(z.card()))
		}
		if pairs {
			x.w.Array(2)
		}
		x.w.Bulk(e.member)
		if withScores {
			x.w.Double(e.score)
		}
	}
}

// randomDistinct picks min(count, card) distinct elements at random.
func (z *zset) randomDistinct(count int64) []zelem {
	card := z.card()
	if count >= card || count*3 > card {
		all := z.rankElems(0, card, false)
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:min(count, card)]
	}
	picked := make(map[int64]bool, count)
	out := make([]zelem, 0, count)
	for int64(len(out)) < count {
		r := rand.Int64N(card)
		if picked[r] {
			continue
		}
		picked[r] = true
		out = append(out, z.elemAtRank(r))
	}
	return out
}

// elemAtRank reads the element of rank r.
func (z *zset) elemAtRank(r int64) zelem {
	pos := z.posAtRank(r)
	it := z.scores()
	defer it.close()
	it.seekGE(pos)
	return it.elem()
}
