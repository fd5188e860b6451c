package storage

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const cacheShards = 256

// maxCachedValue keeps huge strings out of the hot cache: they would evict
// thousands of small keys for one read.
const maxCachedValue = 1 << 20

// cache holds decoded Meta records (and so small string values) of hot keys,
// including "known absent" entries, and the element records Txs look up.
// It is write-through: a Tx updates it at commit while still holding the
// key locks, so it never disagrees with Pebble.
// Eviction samples a few entries and drops the least recently used, as
// Redis's approximated LRU does.
type cache struct {
	shards      [cacheShards]cacheShard
	shardBudget atomic.Int64
	clock       atomic.Uint32 // coarse access clock, bumped by the owner
	access      *accessTable  // every lookup counts as an access there too
	sketch      atomic.Pointer[freqSketch]
	full        atomic.Bool // a new key has met a full shard: admission is on

	hits, misses, evictions atomic.Int64
	prefetched              atomic.Int64 // keys read back after a restart (hotkeys.go)

	// Element records (role 0x02) share the budget: members, fields,
	// scores and sorted-set index counts, written through by Tx.Commit.
	// A commit that deletes a range of a live object's elements bumps the
	// epoch, which retires every element entry at once: a range's keys
	// cannot be found in a hash map. Such commits drop over 32 elements
	// in one go (LTRIM, XTRIM), so they are rare.
	elemEpoch            atomic.Uint32
	elemHits, elemMisses atomic.Int64

	// LFU tracking, on when maxmemory-policy is an LFU policy.
	lfu       atomic.Bool
	logFactor atomic.Int64
	decayTime atomic.Int64 // minutes per halving step
}

type cacheShard struct {
	mu    sync.Mutex
	m     map[string]*cacheEntry
	bytes int64
}

type cacheEntry struct {
	meta   *Meta  // nil = the key is known to be absent
	elem   []byte // an element record's value (never changed in place)
	epoch  uint32 // elemEpoch when an element entry was read or written
	hash   uint32 // KeyHash of the key
	access uint32 // cache clock (unix seconds) of the last access
	freq   uint8  // LFU counter, as Redis keeps it (logarithmic, decaying)
	size   int64
}

// lfuInit is the counter a new key starts with (Redis's LFU_INIT_VAL).
const lfuInit = 5

func newCache(budget int64) *cache {
	c := &cache{}
	sk := newFreqSketch(budget / typicalEntry)
	c.sketch.Store(sk)
	c.shardBudget.Store((budget - sk.bytes()) / cacheShards)
	c.clock.Store(uint32(time.Now().Unix()))
	c.logFactor.Store(10)
	c.decayTime.Store(1)
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

// typicalEntry sizes the admission sketch: about the size of a small
// string's entry. Larger entries only make the sketch roomier.
const typicalEntry = 128

func (c *cache) shard(hash uint32) *cacheShard { return &c.shards[hash%cacheShards] }

// get returns the cached meta (nil if known absent) and whether it was
// found. Every Tx's first lookup of a key comes here, so a cached key's
// access (LRU clock, LFU counter) is recorded here, for eviction and
// OBJECT; the caller records that of a key it finds in Pebble. A key that
// does not exist records none: its slot may be an existing key's.
func (c *cache) get(hash uint32, k []byte) (*Meta, bool) {
	s, e := c.find(hash, k)
	if s == nil {
		return nil, false
	}
	touch := c.access != nil && e != nil && e.meta != nil
	if e != nil {
		now := c.clock.Load()
		if c.lfu.Load() {
			e.freq = c.lfuIncr(c.lfuDecay(e, now))
		} else if e.access == now {
			// Accessed this second already, so the access table's slot
			// says so (Redis's LRU clock has the same resolution): spare
			// its cache miss.
			touch = false
		}
		e.access = now
	}
	s.mu.Unlock()
	if touch {
		c.access.touch(hash)
	}
	if e != nil {
		c.hits.Add(1)
		return e.meta, true
	}
	c.misses.Add(1)
	return nil, false
}

// find looks k up and returns its shard locked (the caller unlocks it);
// a nil shard means the cache is off. Once the cache is full, the lookup
// counts for admission.
func (c *cache) find(hash uint32, k []byte) (*cacheShard, *cacheEntry) {
	if c.shardBudget.Load() <= 0 {
		return nil, nil
	}
	if c.full.Load() {
		// Until the cache fills, every key is admitted and counting
		// lookups would only cost a cache line per command.
		c.sketch.Load().add(hash)
	}
	s := c.shard(hash)
	s.mu.Lock()
	return s, s.m[string(k)]
}

// peek is get without the access: no LRU stamp, no LFU count, nothing in
// the access table (Redis's LOOKUP_NOTOUCH).
func (c *cache) peek(hash uint32, k []byte) (*Meta, bool) {
	s, e := c.find(hash, k)
	if s == nil {
		return nil, false
	}
	s.mu.Unlock()
	if e != nil {
		c.hits.Add(1)
		return e.meta, true
	}
	c.misses.Add(1)
	return nil, false
}

// has reports whether k is cached, without counting a lookup.
func (c *cache) has(hash uint32, k []byte) bool {
	s := c.shard(hash)
	s.mu.Lock()
	_, ok := s.m[string(k)]
	s.mu.Unlock()
	return ok
}

// unstamp makes the next lookup of k record an access in the access
// table again (get skips it for an entry stamped this second), once the
// table was given an older access than the stamp says (RESTORE IDLETIME).
func (c *cache) unstamp(hash uint32, k []byte) {
	s := c.shard(hash)
	s.mu.Lock()
	if e := s.m[string(k)]; e != nil {
		e.access = 0
	}
	s.mu.Unlock()
}

func (c *cache) put(hash uint32, k []byte, m *Meta) {
	size := int64(len(k) + 64)
	if m != nil {
		if len(m.Value) > maxCachedValue {
			c.remove(hash, k)
			return
		}
		size += m.size()
	}
	c.store(hash, k, cacheEntry{meta: m, size: size}, true)
}

// store replaces an entry or, with insert, adds it, making room as the
// admission rule allows. An element value is copied only when stored.
func (c *cache) store(hash uint32, k []byte, e cacheEntry, insert bool) {
	budget := c.shardBudget.Load()
	if budget <= 0 {
		return
	}
	e.hash, e.access = hash, c.clock.Load()
	s := c.shard(hash)
	s.mu.Lock()
	old, ok := s.m[string(k)]
	if !ok && (!insert || s.bytes+e.size > budget && !c.admit(s, hash, e.size, budget)) {
		s.mu.Unlock()
		return
	}
	if ok {
		s.bytes += e.size - old.size
		e.freq = old.freq
	} else {
		e.freq = lfuInit
		s.bytes += e.size
	}
	// Assigning over an existing key stores the new key string too, so
	// the replaced entry's buffer is freed with it.
	key, ne := newCacheEntry(k, e)
	s.m[key] = ne
	for s.bytes > budget && len(s.m) > 1 {
		c.evictOne(s)
	}
	s.mu.Unlock()
}

// cachedEntry is a cache entry together with its copy of the meta record,
// so that reading a cached key's meta costs one cache miss, not two.
type cachedEntry struct {
	cacheEntry
	record Meta
}

// newCacheEntry makes e's map key and entry. A small record is copied:
// the entry and the meta into one allocation, the key, the value and Ext
// into another, which the map key points into. A lookup then touches the
// key's bytes, the value right after them, and the entry, where a
// separate key, entry, meta and value would be four cache misses. A large
// record's meta is kept as the Tx made it, as its value is: copying it
// would cost more than the miss saved. Nothing writes to a cached meta
// record or its bytes: a Tx replaces a meta record, never changes one in
// place. Element values are always copied (a Tx keeps its records in an
// arena it reuses).
func newCacheEntry(k []byte, e cacheEntry) (string, *cacheEntry) {
	n := len(k) + len(e.elem)
	if e.meta != nil {
		n += len(e.meta.Value) + len(e.meta.Ext)
	}
	if n > sharedBufferMax {
		ne := &cacheEntry{}
		*ne = e
		ne.elem = bytes.Clone(e.elem) // nil stays nil: a meta entry's
		return string(k), ne
	}
	buf := append(make([]byte, 0, n), k...)
	key := unsafe.String(unsafe.SliceData(buf), len(k))
	if e.meta == nil {
		// An element's value is never nil (putElem); a known-absent
		// key's entry keeps nil for both.
		ne := &cacheEntry{}
		*ne = e
		ne.elem, _ = appendCopy(buf, e.elem)
		return key, ne
	}
	ce := &cachedEntry{cacheEntry: e, record: *e.meta}
	ce.record.Value, buf = appendCopy(buf, e.meta.Value)
	ce.record.Ext, _ = appendCopy(buf, e.meta.Ext)
	ce.meta = &ce.record
	return key, &ce.cacheEntry
}

// sharedBufferMax bounds the records newCacheEntry copies into one buffer
// with their key. Above it, a value and its key would also often need the
// next allocation size class (a 4 KB value and its key take 4864 bytes).
const sharedBufferMax = 512

// appendCopy appends b to buf, whose capacity must hold it, and returns
// the copy (nil for nil, capped so an append cannot reach past it) and buf.
func appendCopy(buf, b []byte) ([]byte, []byte) {
	if b == nil {
		return nil, buf
	}
	start := len(buf)
	buf = append(buf, b...)
	return buf[start:len(buf):len(buf)], buf
}

// getElem returns a copy of a cached element record's value.
func (c *cache) getElem(hash uint32, k []byte) ([]byte, bool) {
	s, e := c.find(hash, k)
	if s == nil {
		return nil, false
	}
	var v []byte
	if e != nil {
		if e.epoch == c.elemEpoch.Load() {
			e.access = c.clock.Load()
			v = e.elem
		} else {
			s.forget(string(k), e)
			e = nil
		}
	}
	s.mu.Unlock()
	if e == nil {
		c.elemMisses.Add(1)
		return nil, false
	}
	c.elemHits.Add(1)
	return bytes.Clone(v), true
}

// putElem caches an element record's value or, without insert, only
// replaces the one cached.
func (c *cache) putElem(hash uint32, k, v []byte, epoch uint32, insert bool) {
	if len(v) > maxCachedValue {
		c.remove(hash, k)
		return
	}
	if v == nil {
		v = []byte{}
	}
	c.store(hash, k, cacheEntry{elem: v, epoch: epoch, size: int64(len(k) + len(v) + 64)}, insert)
}

func (c *cache) remove(hash uint32, k []byte) {
	s := c.shard(hash)
	s.mu.Lock()
	if old, ok := s.m[string(k)]; ok {
		s.forget(string(k), old)
	}
	s.mu.Unlock()
}

// admit makes room in a full shard for a new key if the key was looked
// up more often lately than each entry it displaces, and reports whether
// it did. A key read once, as every key of a scan or of a uniform load
// over a large dataset is, then leaves the hot keys in place (TinyLFU
// admission). The caller holds s.mu.
func (c *cache) admit(s *cacheShard, hash uint32, size, budget int64) bool {
	if !c.full.Load() {
		c.full.Store(true)
	}
	sk := c.sketch.Load()
	want := sk.estimate(hash)
	if want == 0 {
		return false // no entry is looked up less than never
	}
	for s.bytes+size > budget && len(s.m) > 0 {
		k, victim := c.victim(s)
		if want <= sk.estimate(victim.hash) {
			return false
		}
		c.drop(s, k, victim)
	}
	return true
}

// victim picks what to evict from a handful of sampled entries: the one
// looked up least often lately, the least recently used among equals.
// The caller holds s.mu.
func (c *cache) victim(s *cacheShard) (string, *cacheEntry) {
	sk := c.sketch.Load()
	var victim string
	var least *cacheEntry
	var leastFreq uint32
	n := 0
	for k, e := range s.m { // map iteration starts at a random entry
		f := sk.estimate(e.hash)
		if least == nil || f < leastFreq || f == leastFreq && e.access < least.access {
			victim, least, leastFreq = k, e, f
		}
		if n++; n == 5 {
			break
		}
	}
	return victim, least
}

// evictOne evicts a sample's victim. The caller holds s.mu.
func (c *cache) evictOne(s *cacheShard) {
	k, e := c.victim(s)
	c.drop(s, k, e)
}

// drop evicts an entry. The caller holds s.mu.
func (c *cache) drop(s *cacheShard, k string, e *cacheEntry) {
	s.forget(k, e)
	c.evictions.Add(1)
}

// forget removes entry e of key k. The caller holds s.mu.
func (s *cacheShard) forget(k string, e *cacheEntry) {
	s.bytes -= e.size
	delete(s.m, k)
}

// clear forgets every entry.
func (c *cache) clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.bytes = 0
		s.mu.Unlock()
	}
}

// dropDB forgets every entry of a physical database that was flushed.
func (c *cache) dropDB(phys uint32) {
	prefix := string(metaPrefix(phys, 0)[:5])
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if len(k) >= 5 && k[:5] == prefix {
				s.forget(k, e)
			}
		}
		s.mu.Unlock()
	}
}

// budgetBytes is the memory the cache may hold, its sketch included.
func (c *cache) budgetBytes() int64 {
	shard := c.shardBudget.Load()
	if shard <= 0 {
		return 0
	}
	return shard*cacheShards + c.sketch.Load().bytes()
}

// usedBytes is the estimated memory the cache holds, its sketch included.
func (c *cache) usedBytes() int64 {
	if c.shardBudget.Load() <= 0 {
		return 0
	}
	n := c.sketch.Load().bytes()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.bytes
		s.mu.Unlock()
	}
	return n
}

// lfuDecay is the entry's counter after the decay of the minutes since its
// last access (Redis's LFUDecrAndReturn).
func (c *cache) lfuDecay(e *cacheEntry, now uint32) uint8 {
	decay := c.decayTime.Load()
	if decay <= 0 || now <= e.access {
		return e.freq
	}
	periods := int64(now-e.access) / 60 / decay
	if periods >= int64(e.freq) {
		return 0
	}
	return e.freq - uint8(periods)
}

// lfuIncr increments a counter with probability falling as it grows
// (Redis's LFULogIncr).
func (c *cache) lfuIncr(counter uint8) uint8 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInit
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1/(base*float64(c.logFactor.Load())+1) {
		counter++
	}
	return counter
}

// setBudget changes the cache's budget, evicting at once what no longer
// fits.
func (c *cache) setBudget(budget int64) {
	// The admission sketch is paid for from the budget.
	sk := newFreqSketch(budget / typicalEntry)
	shard := (budget - sk.bytes()) / cacheShards
	// A disabled cache is not written through: entries a put raced in
	// while it was being disabled are stale, so enabling starts empty.
	enabling := c.shardBudget.Load() <= 0 && shard > 0
	if shard > 0 {
		c.sketch.Store(sk)
		c.full.Store(false)
	}
	if !enabling {
		c.shardBudget.Store(shard)
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		if shard <= 0 || enabling {
			clear(s.m)
			s.bytes = 0
		}
		for s.bytes > shard && len(s.m) > 0 {
			c.evictOne(s)
		}
		s.mu.Unlock()
	}
	if enabling {
		c.shardBudget.Store(shard)
	}
}
