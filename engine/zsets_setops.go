package engine

import (
	"bytes"
	"math"
	"slices"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "zunion", run: func(x *Ctx) { zsetOp(x, zopUnion, false) }},
		cmdDef{name: "zinter", run: func(x *Ctx) { zsetOp(x, zopInter, false) }},
		cmdDef{name: "zdiff", run: func(x *Ctx) { zsetOp(x, zopDiff, false) }},
		cmdDef{name: "zunionstore", run: func(x *Ctx) { zsetOp(x, zopUnion, true) }},
		cmdDef{name: "zinterstore", run: func(x *Ctx) { zsetOp(x, zopInter, true) }},
		cmdDef{name: "zdiffstore", run: func(x *Ctx) { zsetOp(x, zopDiff, true) }},
		cmdDef{name: "zintercard", run: func(x *Ctx) { zsetOp(x, zopInterCard, false) }},
	)
}

// setMembersForZset reads a plain set's members, which ZUNION, ZINTER,
// ZDIFF and ZINTERCARD accept as inputs scoring 1. The set family owns
// the set layout and installs this from its init.
var setMembersForZset func(x *Ctx, m *storage.Meta) [][]byte

type zsetOpKind int

const (
	zopUnion zsetOpKind = iota
	zopInter
	zopDiff
	zopInterCard
)

var zsetOpEvents = map[zsetOpKind]string{zopUnion: "zunionstore", zopInter: "zinterstore", zopDiff: "zdiffstore"}

type zaggregate int

const (
	aggrSum zaggregate = iota
	aggrMin
	aggrMax
)

// aggregate folds v into t as Redis's zunionInterAggregate.
func (a zaggregate) aggregate(t, v float64) float64 {
	switch a {
	case aggrMin:
		if v < t {
			return v
		}
		return t
	case aggrMax:
		if v > t {
			return v
		}
		return t
	}
	t += v
	if math.IsNaN(t) { // inf + -inf
		return 0
	}
	return t
}

// zsource is one input: a sorted set, a plain set (every score 1), or
// nothing.
type zsource struct {
	z       *zset
	members map[string]bool // of a plain set
	order   [][]byte        // the plain set's members as read
	weight  float64
}

func (s *zsource) card() int64 {
	if s.z != nil {
		return s.z.card()
	}
	return int64(len(s.order))
}

// elems lists the input's elements with their unweighted scores.
func (s *zsource) elems() []zelem {
	if s.z != nil {
		return s.z.rankElems(0, s.z.card(), false)
	}
	out := make([]zelem, len(s.order))
	for i, m := range s.order {
		out[i] = zelem{member: m, score: 1}
	}
	return out
}

func (s *zsource) find(member []byte) (float64, bool) {
	if s.z != nil {
		return s.z.score(member)
	}
	return 1, s.members[string(member)]
}

// zsetOp is ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.
func zsetOp(x *Ctx, op zsetOpKind, store bool) {
	numkeysAt := 1
	if store {
		numkeysAt = 2
	}
	numkeys, ok := x.intArg(numkeysAt)
	if !ok {
		return
	}
	if numkeys < 1 {
		x.failf("ERR at least 1 input key is needed for '%s' command", x.cmd.name)
		return
	}
	if numkeys > int64(len(x.args)-numkeysAt-1) {
		x.fail(errSyntax)
		return
	}
	srcs, ok := x.zsetSources(x.args[numkeysAt+1 : numkeysAt+1+int(numkeys)])
	if !ok {
		return
	}
	aggr, withScores, limit, ok := parseZsetOpOptions(x, op, store, srcs, numkeysAt+1+int(numkeys))
	if !ok {
		return
	}
	if op != zopDiff {
		// Smallest input first, as Redis, which also fixes the order in
		// which sums are added up.
		slices.SortStableFunc(srcs, func(a, b *zsource) int { return int(a.card() - b.card()) })
	}
	var result []zelem
	switch op {
	case zopUnion:
		result = zunion(srcs, aggr)
	case zopInter:
		result = zinter(srcs, aggr, -1)
	case zopInterCard:
		x.w.Int(int64(len(zinter(srcs, aggr, limit))))
		return
	case zopDiff:
		result = zdiff(srcs)
	}
	if store {
		x.zsetStore(x.args[1], result, zsetOpEvents[op])
		return
	}
	x.replyZelems(result, withScores)
}

// zsetSources reads the input keys: sorted sets, plain sets or missing
// keys; any other type is WRONGTYPE. The STORE forms read them as the
// others do (hit/miss statistics, keymiss events), as Redis 7.0 does.
func (x *Ctx) zsetSources(keys [][]byte) ([]*zsource, bool) {
	srcs := make([]*zsource, len(keys))
	for i, key := range keys {
		m := x.read(key)
		s := &zsource{weight: 1}
		switch {
		case m == nil:
		case m.Type == storage.TypeZSet:
			s.z = openZset(x.tx(), m)
		case m.Type == storage.TypeSet:
			s.order = setMembersForZset(x, m)
			s.members = make(map[string]bool, len(s.order))
			for _, member := range s.order {
				s.members[string(member)] = true
			}
		default:
			x.fail(errWrongType)
			return nil, false
		}
		srcs[i] = s
	}
	return srcs, true
}

func parseZsetOpOptions(x *Ctx, op zsetOpKind, store bool, srcs []*zsource, j int) (aggr zaggregate, withScores bool, limit int64, ok bool) {
	scored := op != zopDiff && op != zopInterCard
	for j < len(x.args) {
		a, left := x.args[j], len(x.args)-j
		switch {
		case scored && left >= len(srcs)+1 && eq(a, "weights"):
			for i := range srcs {
				w, ok := parseScore(x.args[j+1+i])
				if !ok {
					x.fail("ERR weight value is not a float")
					return 0, false, 0, false
				}
				srcs[i].weight = w
			}
			j += len(srcs) + 1
		case scored && left >= 2 && eq(a, "aggregate"):
			switch v := x.args[j+1]; {
			case eq(v, "sum"):
				aggr = aggrSum
			case eq(v, "min"):
				aggr = aggrMin
			case eq(v, "max"):
				aggr = aggrMax
			default:
				x.fail(errSyntax)
				return 0, false, 0, false
			}
			j += 2
		case !store && op != zopInterCard && eq(a, "withscores"):
			withScores = true
			j++
		case op == zopInterCard && left >= 2 && eq(a, "limit"):
			n, ok := parseInt(x.args[j+1])
			if !ok || n < 0 {
				x.fail("ERR LIMIT can't be negative")
				return 0, false, 0, false
			}
			limit = n
			j += 2
		default:
			x.fail(errSyntax)
			return 0, false, 0, false
		}
	}
	return aggr, withScores, limit, true
}

// weighted is score times weight, a NaN (0 × inf) counting as 0.
func weighted(score, weight float64) float64 {
	v := score * weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func zunion(srcs []*zsource, aggr zaggregate) []zelem {
	acc := map[string]float64{}
	var order [][]byte
	for _, s := range srcs {
		for _, e := range s.elems() {
			v := weighted(e.score, s.weight)
			if t, ok := acc[string(e.member)]; ok {
				acc[string(e.member)] = aggr.aggregate(t, v)
				continue
			}
			acc[string(e.member)] = v
			order = append(order, e.member)
		}
	}
	out := make([]zelem, len(order))
	for i, m := range order {
		out[i] = zelem{member: m, score: acc[string(m)]}
	}
	sortZelems(out)
	return out
}

// zinter intersects the inputs (smallest first); with limit ≥ 0 it stops
// after limit members (0: no limit), for ZINTERCARD.
func zinter(srcs []*zsource, aggr zaggregate, limit int64) []zelem {
	var out []zelem
	if srcs[0].card() == 0 {
		return nil
	}
next:
	for _, e := range srcs[0].elems() {
		score := weighted(e.score, srcs[0].weight)
		for _, s := range srcs[1:] {
			v, ok := s.find(e.member)
			if !ok {
				continue next
			}
			score = aggr.aggregate(score, v*s.weight)
		}
		out = append(out, zelem{member: e.member, score: score})
		if limit > 0 && int64(len(out)) >= limit {
			break
		}
	}
	sortZelems(out)
	return out
}

func zdiff(srcs []*zsource) []zelem {
	var out []zelem
next:
	for _, e := range srcs[0].elems() {
		for _, s := range srcs[1:] {
			if _, ok := s.find(e.member); ok {
				continue next
			}
		}
		out = append(out, e)
	}
	sortZelems(out)
	return out
}

// sortZelems puts elements in sorted-set order: by score, then member.
func sortZelems(elems []zelem) {
	slices.SortFunc(elems, func(a, b zelem) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return bytes.Compare(a.member, b.member)
	})
}
