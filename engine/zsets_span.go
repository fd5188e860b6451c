package engine

import (
	"bytes"
	"math"
)

// Spans: the elements of a sorted set between two positions, [lo, hi),
// which is how score ranges, lex ranges and the whole set are read.

// zposEnd is a position past every element, those scoring +inf included.
var zposEnd = scoreSuccessor(math.Inf(1))

// scoreSpan is the positions a score range covers.
func scoreSpan(r scoreRange) (lo, hi []byte) { return r.lowKey(), r.highKey() }

// lexSpan is the positions a lex range covers. Lex ranges are meant for
// sets whose members all have one score, where they are two seeks. For
// mixed scores Redis's answer depends on its encoding; Cairn gives the
// listpack's (a walk from the start, or from the end when reverse: the
// first member inside the range, then on while members stay inside).
// Empty ranges return nil.
func (z *zset) lexSpan(r lexRange, reverse bool) (lo, hi []byte) {
	if z.card() == 0 {
		return nil, nil
	}
	first, last := z.firstScore(), z.lastScore()
	if first == last {
		lo, hi = r.min.keyAt(first, false), r.max.keyAt(first, true)
		if bytes.Compare(lo, hi) >= 0 {
			return nil, nil
		}
		return lo, hi
	}
	it := z.scores()
	defer it.close()
	if !it.last() || !r.aboveMin(it.member()) || !it.first() || !r.belowMax(it.member()) {
		return nil, nil
	}
	if reverse {
		ok := it.last()
		for ; ok && !r.belowMax(it.member()); ok = it.prev() {
		}
		if !ok || !r.aboveMin(it.member()) {
			return nil, nil
		}
		hi = append(bytes.Clone(it.pos()), 0)
		lo = bytes.Clone(it.pos())
		for ok = it.prev(); ok && r.aboveMin(it.member()); ok = it.prev() {
			lo = bytes.Clone(it.pos())
		}
		return lo, hi
	}
	ok := it.first()
	for ; ok && !r.aboveMin(it.member()); ok = it.next() {
	}
	if !ok || !r.belowMax(it.member()) {
		return nil, nil
	}
	lo = bytes.Clone(it.pos())
	for ok = it.next(); ok && r.belowMax(it.member()); ok = it.next() {
	}
	hi = zposEnd
	if ok {
		hi = bytes.Clone(it.pos())
	}
	return lo, hi
}

// spanElems reads the elements of [lo, hi) in order (from hi down when
// reverse), skipping offset of them and returning at most limit (limit < 0:
// no limit). A skip uses the index: O(log n) whatever the offset. A span
// from an end of the set (ZREMRANGEBYSCORE -inf ..., a sliding window's
// trim) is served from that end's run when the run holds all of it, and
// leaves the run behind otherwise, as rankElems does.
func (z *zset) spanElems(lo, hi []byte, reverse bool, offset, limit int64) []zelem {
	if lo == nil || hi == nil || limit == 0 || bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	if offset == 0 {
		if out, ok := z.spanFromRun(lo, hi, reverse, limit); ok {
			return out
		}
	}
	it := z.scores()
	defer it.close()
	var ok bool
	fromEnd := false
	switch {
	case offset > 0 && !reverse:
		r := z.countBefore(lo) + offset
		if r >= z.card() {
			return nil
		}
		ok = it.seekGE(z.posAtRank(r))
	case offset > 0:
		r := z.countBefore(hi) - 1 - offset
		if r < 0 {
			return nil
		}
		ok = it.seekGE(z.posAtRank(r))
	case reverse:
		fromEnd = bytes.Compare(hi, it.ceil) >= 0
		ok = it.seekLT(hi)
	default:
		fromEnd = bytes.Compare(lo, it.floor) <= 0
		ok = it.seekGE(lo)
	}
	step := it.next
	if reverse {
		step = it.prev
	}
	var out []zelem
	var run zrun
	for ; ok && limit != 0; limit-- {
		p := it.pos()
		if (!reverse && bytes.Compare(p, hi) >= 0) || (reverse && bytes.Compare(p, lo) < 0) {
			break
		}
		out = append(out, it.elem())
		if fromEnd && len(run) < zrunLen {
			run = append(run, zrunElem{out[len(out)-1], bytes.Clone(p)})
		}
		ok = step()
	}
	if fromEnd {
		for ; ok && len(run) < zrunLen; ok = step() {
			run = append(run, zrunElem{it.elem(), bytes.Clone(it.pos())})
		}
		z.setRun(reverse, run)
	}
	return out
}

// spanFromRun reads a span as spanElems does (offset 0) from the run of
// the end it reads from, if the run holds every element of it.
func (z *zset) spanFromRun(lo, hi []byte, reverse bool, limit int64) ([]zelem, bool) {
	r := z.run(reverse)
	if len(r) == 0 {
		return nil, false
	}
	var out []zelem
	for _, e := range r {
		near, far := bytes.Compare(e.pos, lo) < 0, bytes.Compare(e.pos, hi) >= 0
		if reverse {
			near, far = far, near
		}
		if near {
			continue // before the span, nearer the end
		}
		if far || limit == 0 {
			return out, true // past the span: the run held all of it
		}
		out = append(out, zelem{bytes.Clone(e.member), e.score})
		limit--
	}
	// The run ran out inside the span: it holds all of it only if it
	// holds the whole set.
	return out, int64(len(r)) == z.card()
}

// rankElems reads n elements from rank start on (counting from the
// highest score when reverse).
func (z *zset) rankElems(start, n int64, reverse bool) []zelem {
	if n <= 0 {
		return nil
	}
	fromRun := start == 0
	if fromRun {
		if r := z.run(reverse); int64(len(r)) >= n {
			out := make([]zelem, n)
			for i := range out {
				out[i] = zelem{member: bytes.Clone(r[i].member), score: r[i].score}
			}
			return out
		}
	}
	it := z.scores()
	defer it.close()
	step := it.next
	if reverse {
		step = it.prev
	}
	var ok bool
	switch {
	case start == 0 && reverse:
		ok = it.last()
	case start == 0:
		ok = it.first()
	case reverse:
		ok = it.seekGE(z.posAtRank(z.card() - 1 - start))
	default:
		ok = it.seekGE(z.posAtRank(start))
	}
	out := make([]zelem, 0, min(n, 1024))
	var run zrun // what was read from that end, then up to zrunLen more
	for ; ok && n > 0; n-- {
		out = append(out, it.elem())
		if fromRun && len(run) < zrunLen {
			run = append(run, zrunElem{it.elem(), bytes.Clone(it.pos())})
		}
		ok = step()
	}
	if fromRun {
		for ; ok && len(run) < zrunLen; ok = step() {
			run = append(run, zrunElem{it.elem(), bytes.Clone(it.pos())})
		}
		z.setRun(reverse, run)
	}
	return out
}

// removeElems deletes elements read from the set.
func (z *zset) removeElems(elems []zelem) {
	for _, e := range elems {
		z.remove(e.member, e.score)
	}
}
