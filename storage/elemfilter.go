package storage

import (
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Element filters are in-memory Bloom filters over the element subkeys of
// big, busy objects. SADD, HSET, ZADD... look every member up before
// writing it, and a new member's lookup misses: a seek in every memtable
// and a filter probe in every level. With a filter, most of those misses
// cost one cache line.
//
// Only member lookups use them (Tx.GetMember: sets, hashes, sorted sets;
// lists, strings and streams read elements that exist). An object gets a
// filter the first time a Tx looks a member up while the object has
// elemFilterMin to elemFilterMax elements (bigger ones would stall the
// command that builds the filter; they are read directly): one scan of its
// records through the Tx (so the Tx's own uncommitted writes are in it,
// which at worst makes a false positive), under the key lock that keeps
// every other writer of the object out. From then on every element a Tx
// writes to the object is added as it is written (Tx.Set, CopyObject), so
// the filter holds a superset of the object's subkeys at all times.
// Deletions are never removed. A filter past its capacity is dropped and
// built again, bigger, on a later read; all filters together stay under
// elemFiltersMax bytes (past it they are all dropped and rebuilt on demand).
// Object ids are never reused, so the filter of a deleted object is merely
// garbage until the next reset.

const (
	elemFilterMin  = 1024     // smaller objects are read directly
	elemFilterMax  = 1 << 17  // elements: bigger objects are not scanned to build one
	elemFiltersMax = 16 << 20 // bytes, all filters together
)

type elemFilters struct {
	seed  maphash.Seed
	m     sync.Map // oid → *elemFilter
	mu    sync.Mutex
	bytes int64 // guarded by mu
	count int   // filters, guarded by mu
}

type elemFilter struct {
	words []atomic.Uint64
	mask  uint64
	limit int64
	added atomic.Int64
}

func newElemFilters() *elemFilters { return &elemFilters{seed: maphash.MakeSeed()} }

func (t *elemFilters) probe(f *elemFilter, sub []byte) (uint64, uint64) {
	h := maphash.Bytes(t.seed, sub)
	word := h & f.mask
	g := h>>32 | h<<32
	var b uint64
	for i := 0; i < 4; i++ {
		b |= 1 << (g & 63)
		g >>= 6
	}
	return word, b
}

// noteElem adds a subkey written to oid to its filter, if it has one.
func (t *elemFilters) noteElem(oid uint64, sub []byte) {
	if t == nil {
		return
	}
	v, ok := t.m.Load(oid)
	if !ok {
		return
	}
	f := v.(*elemFilter)
	w, b := t.probe(f, sub)
	if f.words[w].Load()&b == b {
		return // already there (rewrites of a record are the common case)
	}
	f.words[w].Or(b)
	if f.added.Add(1) > f.limit {
		t.drop(oid, f) // too full to be useful: rebuilt bigger on demand
	}
}

func (t *elemFilters) drop(oid uint64, f *elemFilter) {
	if t.m.CompareAndDelete(oid, f) {
		t.mu.Lock()
		t.bytes -= int64(len(f.words) * 8)
		t.count--
		t.mu.Unlock()
	}
}

// elemAbsent reports whether element sub of oid certainly does not exist
// as the Tx sees it, building the object's filter when it is worth it.
func (tx *Tx) elemAbsent(oid uint64, sub []byte) bool {
	t := tx.s.elems
	if t == nil {
		return false
	}
	v, ok := t.m.Load(oid)
	if !ok {
		count, known := tx.objects[oid]
		if !known || count < elemFilterMin || count > elemFilterMax {
			return false
		}
		f := tx.buildElemFilter(t, oid, count)
		if f == nil {
			return false
		}
		v = f
	}
	f := v.(*elemFilter)
	w, b := t.probe(f, sub)
	return f.words[w].Load()&b != b
}

// buildElemFilter scans the object's records through the Tx into a new
// filter sized for 4× its count (records may be several per element).
func (tx *Tx) buildElemFilter(t *elemFilters, oid uint64, count int64) *elemFilter {
	need := uint64(count) * 4 * 10 / 64
	words := uint64(1) << bits.Len64(need)
	size := int64(words * 8)
	t.mu.Lock()
	if t.bytes+size > elemFiltersMax {
		// Start over: the busy objects get theirs back on their next read.
		t.m.Range(func(k, _ any) bool { t.m.Delete(k); return true })
		t.bytes, t.count = 0, 0
	}
	t.mu.Unlock()
	f := &elemFilter{words: make([]atomic.Uint64, words), mask: words - 1, limit: int64(words * 64 / 10)}
	// Nobody else writes the object meanwhile (the key lock); this Tx's own
	// writes so far are found by the scan, later ones added by noteElem.
	it, err := tx.Iter(oid, nil, nil)
	if err != nil {
		return nil
	}
	var n int64
	for ok := it.First(); ok; ok = it.Next() {
		w, b := t.probe(f, it.Key())
		f.words[w].Or(b)
		n++
	}
	if it.Close() != nil || n > f.limit {
		return nil
	}
	f.added.Store(n)
	if _, loaded := t.m.LoadOrStore(oid, f); loaded {
		return nil
	}
	t.mu.Lock()
	t.bytes += size
	t.count++
	t.mu.Unlock()
	return f
}
