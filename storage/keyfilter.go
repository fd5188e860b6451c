package storage

import (
	"maps"
	"math/bits"
	"math/rand/v2"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/cockroachdb/pebble/v2"
)

// keyFilter is an in-memory Bloom filter over the meta record keys of the
// databases that existed when the store opened. Writing a key that does not
// exist yet (SET, INCR, MSET, the first push to a list...) has to learn
// that it does not exist, and a Pebble lookup of a missing key costs a seek
// in every memtable and a filter probe in every level, several µs; a
// "definitely absent" answer from here costs one cache line.
//
// It is built in the background from one scan of the meta records (keys
// created meanwhile are added by their commits), and used once the scan is
// complete; after a clean shutdown it is read back instead
// (keyfilterfile.go). A commit adds every key it creates before the
// transaction's locks are released, so nobody can look a new key up
// before it is in the filter. Keys are never removed (a deleted key only
// costs a false positive). Of the databases created later, those that
// start empty (FLUSHDB's fresh physical databases) are covered at once,
// an RDB load's staging copy is not: lookups there read Pebble until the
// next start scans it. Past its capacity (about 10 bits per key) the
// filter turns itself off until the next start, which builds a new one:
// keys deleted since are not in it.
//
// readAids are the in-memory read shortcuts a Store keeps (embedded in it).
type readAids struct {
	filter  *keyFilter     // meta keys that may exist
	hints   *hintTable     // bounds of objects' live records (hints.go)
	elems   *elemFilters   // element subkeys of big objects (elemfilter.go)
	indexes *recordIndexes // which small objects have record indexes (recordindex.go)
}

type keyFilter struct {
	seed    uint64          // random per filter, mixed into every key's hash; saved with it
	words   []atomic.Uint64 // blocked: each key sets 4 bits of one word
	mask    uint64
	limit   int64        // keys the filter may hold
	added   atomic.Int64 // keys that set new bits
	ready   atomic.Bool  // scan complete and not over capacity
	covered atomic.Pointer[map[uint32]bool]
}

const (
	filterMinWords = 1 << 18 // 2 MiB
	filterMaxWords = 1 << 25 // 256 MiB: bigger keyspaces go without
	filterBitsKey  = 10
)

// newKeyFilter sizes a filter for the store's current keys (from its
// counters) with room to grow, or returns nil when that would be too big:
// over 256 MiB, or over maxBytes, its share of the memory bound.
func newKeyFilter(s *Store, maxBytes int64) *keyFilter {
	var keys int64
	for _, phys := range *s.dbs.Load() {
		keys += s.countersOf(phys).keys.Load()
	}
	need := uint64(max(keys, 1)) * filterBitsKey * 4 / 64 // room for 4× the keys
	words := uint64(filterMinWords)
	if need > words {
		words = 1 << bits.Len64(need-1)
	}
	if words > filterMaxWords || words > filterMinWords && int64(words)*8 > maxBytes {
		return nil
	}
	return &keyFilter{
		seed:  rand.Uint64(),
		words: make([]atomic.Uint64, words),
		mask:  words - 1,
		limit: int64(words * 64 / filterBitsKey),
	}
}

func (f *keyFilter) probe(mkey []byte) (word uint64, bitsSet uint64) {
	h := mix64(xxhash.Sum64(mkey) ^ f.seed)
	word = h & f.mask
	g := h>>32 | h<<32
	for i := 0; i < 4; i++ {
		bitsSet |= 1 << (g & 63)
		g >>= 6
	}
	return word, bitsSet
}

// mix64 is splitmix64's finaliser: the seed reaches every bit of the hash.
func mix64(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// add records a meta key that exists (or may).
func (f *keyFilter) add(mkey []byte) {
	if f == nil {
		return
	}
	w, b := f.probe(mkey)
	if f.words[w].Load()&b == b {
		return // already there
	}
	f.words[w].Or(b)
	if f.added.Add(1) > f.limit {
		f.ready.Store(false)
	}
}

// cover marks a physical database that starts empty (FLUSHDB's fresh
// one): every key it will hold is added at commit, so the filter can
// answer for it at once. While the start-up scan runs, its map decides.
func (f *keyFilter) cover(phys uint32) {
	if f == nil {
		return
	}
	for {
		old := f.covered.Load()
		if old == nil {
			return
		}
		m := maps.Clone(*old)
		m[phys] = true
		if f.covered.CompareAndSwap(old, &m) {
			return
		}
	}
}

// absent reports whether the meta key of a key in physical database phys
// certainly has no record.
func (f *keyFilter) absent(phys uint32, mkey []byte) bool {
	if f == nil || !f.ready.Load() {
		return false
	}
	if c := f.covered.Load(); c == nil || !(*c)[phys] {
		return false
	}
	w, b := f.probe(mkey)
	return f.words[w].Load()&b != b
}

// startKeyFilter builds the filter in the background, from the file the
// last clean shutdown saved and a scan of the databases it did not cover
// (an RDB load's, made live since), or from a scan of them all; Open
// calls it once the database mapping is loaded.
// It also sets up the other in-memory read aids (hints.go, elemfilter.go,
// recordindex.go).
func (s *Store) startKeyFilter(maxBytes int64) {
	s.hints = newHintTable()
	s.elems = newElemFilters()
	s.indexes = newRecordIndexes()
	f, saved, err := s.takeSavedKeyFilter(maxBytes)
	if err != nil {
		s.log.Errorf("The key filter saved by the last shutdown is not used: %v", err)
	}
	if f == nil {
		f = newKeyFilter(s, maxBytes)
	}
	if f == nil {
		return
	}
	s.filter = f
	dbs := append([]uint32(nil), *s.dbs.Load()...)
	s.bgWG.Add(1)
	go func() {
		defer s.bgWG.Done()
		var loaded map[uint32]bool
		if saved != nil {
			var err error
			if loaded, err = f.loadSaved(saved); err != nil {
				s.log.Errorf("The key filter saved by the last shutdown is not used: %v", err)
			}
		}
		covered := make(map[uint32]bool, len(dbs))
		for _, phys := range dbs {
			if loaded[phys] {
				covered[phys] = true
				continue
			}
			lower, upper := metaDBBounds(phys)
			it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
			if err != nil {
				return
			}
			n := 0
			for ok := it.First(); ok; ok = it.Next() {
				f.add(it.Key())
				if n++; n%4096 == 0 {
					select {
					case <-s.done:
						it.Close()
						return
					default:
					}
				}
			}
			if err := it.Close(); err != nil {
				return
			}
			covered[phys] = true
		}
		f.covered.Store(&covered)
		f.ready.Store(f.added.Load() <= f.limit)
	}()
}
