package engine

import (
	"bytes"
	"cmp"
	"container/heap"
	"slices"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "sinter", run: func(x *Ctx) { setInter(x, x.args[1:], nil, false, 0) }},
		cmdDef{name: "sinterstore", run: func(x *Ctx) { setInter(x, x.args[2:], x.args[1], false, 0) }},
		cmdDef{name: "sintercard", run: cmdSInterCard},
		cmdDef{name: "sunion", run: func(x *Ctx) { setUnion(x, x.args[1:], nil) }},
		cmdDef{name: "sunionstore", run: func(x *Ctx) { setUnion(x, x.args[2:], x.args[1]) }},
		cmdDef{name: "sdiff", run: func(x *Ctx) { setDiff(x, x.args[1:], nil) }},
		cmdDef{name: "sdiffstore", run: func(x *Ctx) { setDiff(x, x.args[2:], x.args[1]) }},
	)
}

// Every set keeps its members in the same order (by hash, elements.go), so
// SUNION merges them without remembering what it has seen; SINTER and SDIFF
// walk one set and look members up in the others.

// setSources reads the input sets; a missing key is nil, an empty set.
// The STORE forms read them as the others do (hit/miss statistics and
// keymiss events), as Redis 7.0 does.
func (x *Ctx) setSources(keys [][]byte) ([]*storage.Meta, bool) {
	sets := make([]*storage.Meta, len(keys))
	for i, key := range keys {
		m := x.read(key)
		if m != nil && m.Type != storage.TypeSet {
			x.fail(errWrongType)
			return nil, false
		}
		sets[i] = m
	}
	return sets, true
}

// writeSetReply replies members as a set.
func (x *Ctx) writeSetReply(members [][]byte) {
	x.w.Set(len(members))
	for _, m := range members {
		x.w.Bulk(m)
	}
}

func cmdSInterCard(x *Ctx) {
	numKeys, ok := parseInt(x.args[1])
	if !ok || numKeys <= 0 {
		x.fail("ERR numkeys should be greater than 0")
		return
	}
	if numKeys > int64(len(x.args)-2) {
		x.fail("ERR Number of keys can't be greater than number of args")
		return
	}
	keys := x.args[2 : 2+numKeys]
	var limit int64
	for i := 2 + int(numKeys); i < len(x.args); i += 2 {
		if !eq(x.args[i], "limit") || i+1 >= len(x.args) {
			x.fail(errSyntax)
			return
		}
		if limit, ok = parseInt(x.args[i+1]); !ok || limit < 0 {
			x.fail("ERR LIMIT can't be negative")
			return
		}
	}
	setInter(x, keys, nil, true, limit)
}

// setInter is SINTER, SINTERSTORE (dst set) and SINTERCARD (cardOnly, with
// limit 0 = none). It walks the smallest set and looks its members up in
// the others.
func setInter(x *Ctx, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, ok := x.setSources(keys)
	if !ok {
		return
	}
	var found [][]byte
	var card int64
	smallest := -1
	if !slices.Contains(sets, nil) {
		order := make([]int, len(sets))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sets[a].Count, sets[b].Count) })
		smallest = order[0]
		walk := sets[smallest]
		x.eachElem(walk.OID, func(member, _ []byte) bool {
			for _, i := range order[1:] {
				if sets[i].OID != walk.OID && !x.isMember(sets[i], member) {
					return true
				}
			}
			card++
			if !cardOnly {
				found = append(found, cloneBytes(member))
			}
			return limit == 0 || card < limit
		})
	}
	switch {
	case cardOnly:
		x.w.Int(card)
	case dst != nil:
		x.storeSet(dst, found, false, "sinterstore")
	default:
		// Redis replies in the order of the set it walks.
		if smallest >= 0 && sets[smallest].Enc == encSetIntset {
			sortIntset(found)
		}
		x.writeSetReply(found)
	}
}

// setUnion is SUNION and SUNIONSTORE (dst set).
func setUnion(x *Ctx, keys [][]byte, dst []byte) {
	sets, ok := x.setSources(keys)
	if !ok {
		return
	}
	members := x.mergeSets(sets)
	if dst != nil {
		x.storeSet(dst, members, false, "sunionstore")
		return
	}
	x.inResultOrder(members, false)
	x.writeSetReply(members)
}

// mergeSets returns the union of sets (nil entries are empty) in hash
// order, merging their record streams.
func (x *Ctx) mergeSets(sets []*storage.Meta) [][]byte {
	var h iterHeap
	defer func() {
		for _, it := range h.all {
			x.closeIter(it)
		}
	}()
	for _, m := range sets {
		if m == nil {
			continue
		}
		it := x.elemIter(m.OID)
		h.all = append(h.all, it)
		if it.First() {
			h.live = append(h.live, it)
		}
	}
	heap.Init(&h)
	var out [][]byte
	var last []byte
	for len(h.live) > 0 {
		it := h.live[0]
		if k := it.Key(); last == nil || !bytes.Equal(k, last) {
			last = cloneBytes(k)
			out = append(out, subkeyMember(last))
		}
		if it.Next() {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return out
}

// iterHeap orders open iterators by their current subkey.
type iterHeap struct {
	live []*storage.Iter // positioned on a record
	all  []*storage.Iter // to close
}

func (h *iterHeap) Len() int           { return len(h.live) }
func (h *iterHeap) Less(i, j int) bool { return bytes.Compare(h.live[i].Key(), h.live[j].Key()) < 0 }
func (h *iterHeap) Swap(i, j int)      { h.live[i], h.live[j] = h.live[j], h.live[i] }
func (h *iterHeap) Push(v any)         { h.live = append(h.live, v.(*storage.Iter)) }
func (h *iterHeap) Pop() any {
	it := h.live[len(h.live)-1]
	h.live = h.live[:len(h.live)-1]
	return it
}

// setDiff is SDIFF and SDIFFSTORE (dst set): the members of the first set
// in none of the others.
func setDiff(x *Ctx, keys [][]byte, dst []byte) {
	sets, ok := x.setSources(keys)
	if !ok {
		return
	}
	var members [][]byte
	hashtable := false
	// A key repeated as a later operand empties the result at once.
	if first := sets[0]; first != nil && !slices.ContainsFunc(keys[1:], func(k []byte) bool { return bytes.Equal(k, keys[0]) }) {
		firstInts := true
		x.eachElem(first.OID, func(member, _ []byte) bool {
			firstInts = firstInts && isIntsetMember(member)
			for _, m := range sets[1:] {
				if x.isMember(m, member) {
					return true
				}
			}
			members = append(members, cloneBytes(member))
			return true
		})
		// When the others are small, Redis copies the whole first set and
		// removes the others' members: that copy turns into a hashtable if
		// the first set could not be an intset, and stays one.
		hashtable = diffCopiesFirst(sets) && (first.Count > x.maxIntset() || !firstInts)
	}
	if dst != nil {
		x.storeSet(dst, members, hashtable, "sdiffstore")
		return
	}
	x.inResultOrder(members, hashtable)
	x.writeSetReply(members)
}

// diffCopiesFirst reports whether Redis 7.0 computes this SDIFF by copying
// the first set and removing the others' members, rather than by testing
// each member of the first set: it weighs half of (first set's size ×
// number of sets) against the total size of all sets.
func diffCopiesFirst(sets []*storage.Meta) bool {
	var perMember, copying int64
	for _, m := range sets {
		if m == nil {
			continue
		}
		perMember += sets[0].Count
		copying += m.Count
	}
	return perMember/2 > copying
}
