package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Dataset accounting: Cairn's used_memory_dataset (used_memory adds the
// connections' buffers, engine/evict.go).
//
// Redis's used_memory is what its allocator holds, and maxmemory bounds it.
// Cairn's data lives on disk, so the figure maxmemory bounds is a logical
// dataset size: the footprint of every key, a pure function of the key and
// its meta record (KeyFootprint). Tx.Commit adds footprint(new) −
// footprint(old) of every key it writes to a per-database counter (kind
// 'b', a merge operand in the same batch, like the key counters), so the
// total is exact with respect to that definition, costs nothing to read
// and survives restarts and crashes.

// counterBytes is the counter kind of a database's dataset footprint.
const counterBytes = 'b'

// Footprint constants: roughly what Redis spends per key (dictEntry, robj,
// sds headers) and per element of a collection (listpack/hashtable entry
// with a short field or member).
const (
	keyOverhead    = 48
	expireOverhead = 16
	elemEstimate   = 48
)

// KeyFootprint is the bytes a key counts for in used_memory: the key, a
// fixed per-key overhead, the value of a string (exact, inline or
// fragmented), and for a collection elemEstimate bytes per element
// (element records are not read or sized on delete, so their real sizes
// cannot be tracked without extra reads). nil counts 0.
func KeyFootprint(key []byte, m *Meta) int64 {
	if m == nil {
		return 0
	}
	n := int64(keyOverhead + len(key) + len(m.Ext))
	if m.Expire != 0 {
		n += expireOverhead
	}
	if m.Type == TypeString {
		if m.OID == 0 {
			n += int64(len(m.Value))
		} else if len(m.Ext) == 8 {
			n += int64(binary.BigEndian.Uint64(m.Ext))
		}
		return n
	}
	return n + int64(len(m.Value)) + m.Count*elemEstimate
}

// noteWrite is Tx.Commit's accounting for one key going from orig to cur:
// the change of used_memory, and a fresh access record for a created key.
func (s *Store) noteWrite(hash uint32, key []byte, orig, cur *Meta) int64 {
	if orig == nil && cur != nil {
		s.access.created(hash)
	}
	return KeyFootprint(key, cur) - KeyFootprint(key, orig)
}

// UsedMemory is the dataset size of every live logical database (the sum
// of their footprint counters).
func (s *Store) UsedMemory() int64 {
	var n int64
	for _, phys := range *s.dbs.Load() {
		n += s.countersOf(phys).bytes.Load()
	}
	return n
}

// rebuildBytes computes a database's footprint counter by a scan, for a
// store written before the counter existed, and records it.
func (s *Store) rebuildBytes(phys uint32) error {
	lower, upper := metaDBBounds(phys)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	var total int64
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		if m, err := decodeMeta(v); err == nil {
			_, key := splitMetaKey(it.Key())
			total += KeyFootprint(key, m)
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if err := s.db.Merge(counterKey(phys, counterBytes), encodeCounter(total), pebble.Sync); err != nil {
		return err
	}
	s.countersOf(phys).bytes.Store(total)
	return nil
}

// loadBytesCounter reads a database's footprint counter, rebuilding it
// when the database has keys but no counter (an older store).
func (s *Store) loadBytesCounter(phys uint32, keys int64) error {
	v, closer, err := s.db.Get(counterKey(phys, counterBytes))
	if errors.Is(err, pebble.ErrNotFound) {
		if keys > 0 {
			return s.rebuildBytes(phys)
		}
		return nil
	}
	if err != nil {
		return err
	}
	s.countersOf(phys).bytes.Store(decodeCounter(v))
	return closer.Close()
}

// Access records: LRU clock and LFU counter of every key, cached or not.
//
// Redis keeps 24 bits of access data in every object. Keeping it in the
// meta record would turn every read into a write, so Cairn keeps it in a
// fixed table of slots indexed by the key's hash: low 48 bits the unix ms
// of the last access (at the cron's clock resolution), bits 48-55 the LFU
// counter. Keys whose hashes share a slot share their access data — an
// approximation, like Redis's sampling; the table is sized from the memory
// bound (about one slot per 256 bytes of it). A clean restart keeps it
// (accessfile.go); after a crash every key looks idle since the start.
type accessTable struct {
	slots  []atomic.Uint64
	mask   uint32
	clock  atomic.Int64 // coarse unix ms, advanced by Tick
	opened int64        // unix ms the store opened: the access time of untouched slots

	lfu       atomic.Bool
	logFactor atomic.Int64
	decayTime atomic.Int64 // minutes per counter decrement
}

const (
	accessTimeBits = 48
	accessTimeMask = 1<<accessTimeBits - 1
)

func newAccessTable(slots int) *accessTable {
	n := 1 << 16
	for n < slots && n < 1<<24 {
		n <<= 1
	}
	t := &accessTable{slots: make([]atomic.Uint64, n), mask: uint32(n - 1), opened: time.Now().UnixMilli()}
	t.clock.Store(t.opened)
	t.logFactor.Store(10)
	t.decayTime.Store(1)
	return t
}

func (t *accessTable) slot(hash uint32) *atomic.Uint64 {
	return &t.slots[fmix32(hash)&t.mask]
}

// fmix32 spreads a key's CRC-32C over all bits (MurmurHash3's finalizer):
// the CRCs of similar keys differ in few bits, so table indexes taken
// from their low bits would collide.
func fmix32(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// read returns a slot's access time and LFU counter.
func (t *accessTable) read(v uint64) (at int64, freq uint8) {
	if v == 0 {
		return t.opened, lfuInit
	}
	return int64(v & accessTimeMask), uint8(v >> accessTimeBits)
}

func pack(at int64, freq uint8) uint64 {
	return uint64(at)&accessTimeMask | uint64(freq)<<accessTimeBits
}

// touch records an access (Redis's updateLFU / LRU clock update).
func (t *accessTable) touch(hash uint32) {
	p := t.slot(hash)
	now := t.clock.Load()
	old := p.Load()
	at, freq := t.read(old)
	if t.lfu.Load() {
		freq = t.lfuIncr(t.lfuDecay(at, freq, now))
	} else if old != 0 && at == now {
		return // nothing changes: spare the cache line
	}
	p.Store(pack(now, freq))
}

// created gives a new key a fresh record (LFU_INIT_VAL, accessed now).
func (t *accessTable) created(hash uint32) {
	t.slot(hash).Store(pack(t.clock.Load(), lfuInit))
}

// set gives a key the access data it arrives with (RESTORE IDLETIME or
// FREQ); idleMs < 0 or freq < 0 keep what the slot holds.
func (t *accessTable) set(hash uint32, idleMs int64, freq int) {
	p := t.slot(hash)
	now := t.clock.Load()
	at, f := t.read(p.Load())
	if idleMs >= 0 {
		at = now - idleMs
	}
	if freq >= 0 {
		f = uint8(min(freq, 255))
	}
	p.Store(pack(at, f))
}

// peek returns a key's idle time in ms and decayed LFU counter without
// counting an access.
func (t *accessTable) peek(hash uint32) (idleMs int64, freq uint8) {
	now := t.clock.Load()
	at, f := t.read(t.slot(hash).Load())
	return max(now-at, 0), t.lfuDecay(at, f, now)
}

// lfuDecay is the counter after the decay of the minutes since the last
// access (Redis's LFUDecrAndReturn).
func (t *accessTable) lfuDecay(at int64, freq uint8, now int64) uint8 {
	decay := t.decayTime.Load()
	if decay <= 0 || now <= at {
		return freq
	}
	periods := (now - at) / 60000 / decay
	if periods >= int64(freq) {
		return 0
	}
	return freq - uint8(periods)
}

// lfuIncr increments a counter with a probability falling as it grows
// (Redis's LFULogIncr).
func (t *accessTable) lfuIncr(counter uint8) uint8 {
	if counter == 255 {
		return 255
	}
	base := max(float64(counter)-lfuInit, 0)
	if rand.Float64() < 1/(base*float64(t.logFactor.Load())+1) {
		counter++
	}
	return counter
}

// Candidate is a key sampled for eviction, with its access data.
type Candidate struct {
	DB     int
	Key    []byte
	IdleMs int64 // since the last access
	Freq   uint8 // LFU counter, decayed
	Expire int64 // deadline, 0 = none
}

// Touched reports a candidate's current access data (a sampled key may
// have been read since).
func (s *Store) Touched(key []byte) (idleMs int64, freq uint8) {
	return s.access.peek(KeyHash(key))
}

// Sampler draws eviction candidates. It keeps its iterators (one view of
// the store, taken at the first use) for its whole life, so one eviction
// pass pays for opening them once; keys deleted since are still seen, and
// the caller checks candidates before deleting them. Close it.
type Sampler struct {
	s      *Store
	meta   map[int]*pebble.Iterator // by logical database
	expiry *pebble.Iterator
	after  []byte // volatile-ttl: the expiry entry after the last one taken
}

// NewSampler starts a sampler.
func (s *Store) NewSampler() *Sampler { return &Sampler{s: s, meta: map[int]*pebble.Iterator{}} }

// Close releases the sampler's iterators.
func (sp *Sampler) Close() {
	for _, it := range sp.meta {
		it.Close()
	}
	if sp.expiry != nil {
		sp.expiry.Close()
	}
}

// SampleKeys returns up to n keys of logical database db that follow a
// random hash: meta records are in hash order, so consecutive records are
// random keys, and one seek serves the whole sample.
func (sp *Sampler) SampleKeys(db int, n int) ([]Candidate, error) {
	s := sp.s
	phys := s.Phys(db)
	it := sp.meta[db]
	if it == nil {
		lower, upper := metaDBBounds(phys)
		var err error
		if it, err = s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper}); err != nil {
			return nil, err
		}
		sp.meta[db] = it
	}
	from := metaPrefix(phys, rand.Uint32())
	var out []Candidate
	take := func(ok bool, stop []byte) {
		for ; ok && len(out) < n; ok = it.Next() {
			if stop != nil && bytes.Compare(it.Key(), stop) >= 0 {
				return
			}
			_, key := splitMetaKey(it.Key())
			c := Candidate{DB: db, Key: bytes.Clone(key)}
			if v := it.Value(); len(v) >= 10 && v[1]&flagExpire != 0 {
				c.Expire = int64(binary.BigEndian.Uint64(v[2:10]))
			}
			c.IdleMs, c.Freq = s.access.peek(KeyHash(key))
			out = append(out, c)
		}
	}
	take(it.SeekGE(from), nil)
	if len(out) < n {
		take(it.First(), from)
	}
	return out, it.Error()
}

// SampleVolatile returns up to n keys with a deadline from the expiry
// index: the soonest deadlines (volatile-ttl: exact, better than Redis's
// sample), or those following a random deadline in the index's range.
// Entries of flushed databases are skipped; the caller checks that a
// candidate still has a deadline.
func (sp *Sampler) SampleVolatile(n int, soonest bool) ([]Candidate, error) {
	s := sp.s
	if sp.expiry == nil {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{roleExpiry}, UpperBound: []byte{roleExpiry + 1}})
		if err != nil {
			return nil, err
		}
		sp.expiry = it
	}
	it := sp.expiry
	var out []Candidate
	take := func(ok bool, stop []byte) {
		for ; ok && len(out) < n; ok = it.Next() {
			k := it.Key()
			if stop != nil && bytes.Compare(k, stop) >= 0 {
				return
			}
			if len(k) < 13 {
				continue
			}
			db := s.Logical(binary.BigEndian.Uint32(k[9:13]))
			if db < 0 {
				continue
			}
			c := Candidate{DB: db, Key: bytes.Clone(k[13:]), Expire: int64(binary.BigEndian.Uint64(k[1:9]))}
			c.IdleMs, c.Freq = s.access.peek(KeyHash(c.Key))
			out = append(out, c)
		}
	}
	if !it.First() {
		return nil, it.Error()
	}
	if soonest {
		// The view does not see the keys evicted meanwhile: go on from the
		// last entry taken.
		ok := true
		if sp.after != nil {
			ok = it.SeekGE(sp.after)
		}
		take(ok, nil)
		if ok && it.Valid() {
			sp.after = append(sp.after[:0], it.Key()...)
		} else if len(out) > 0 {
			sp.after = append(append(sp.after[:0], roleExpiry), 0xff) // exhausted
		}
		return out, it.Error()
	}
	first := binary.BigEndian.Uint64(it.Key()[1:9])
	if !it.Last() {
		return nil, it.Error()
	}
	last := binary.BigEndian.Uint64(it.Key()[1:9])
	from := binary.BigEndian.AppendUint64([]byte{roleExpiry}, first+rand.Uint64N(last-first+1))
	take(it.SeekGE(from), nil)
	if len(out) < n {
		take(it.First(), from)
	}
	return out, it.Error()
}

// Memory sizing.

// MemoryPlan splits a process memory bound between Cairn's memory users.
type MemoryPlan struct {
	Bound        int64 // everything below, plus the Go runtime's share
	HotCache     int64 // decoded meta records and element records
	BlockCache   int64 // Pebble's block cache
	MemTable     int64 // one Pebble memtable; up to memTableLimit are alive
	AccessSlots  int   // access records (8 bytes each)
	GoMemLimit   int64 // soft limit for the Go heap (debug.SetMemoryLimit)
	OffHeapBytes int64 // what Pebble allocates outside the Go heap at most
}

// memTableLimit is how many memtables may be alive (one being filled,
// the others being flushed) before writes stall.
const memTableLimit = 4

// MinMemoryBound is the smallest bound Cairn sizes itself for.
const MinMemoryBound = 32 << 20

// PlanMemory sizes the caches for a process memory bound. Explicit sizes
// (> 0) win over the bound's shares. The shares: block cache 1/4, hot
// cache 1/8, memtables up to 1/4 (4 × bound/16, each 4..64 MB), access
// records 1/32, and the rest (about 11/32) for the Go runtime,
// connections and command garbage: the Go heap's soft limit is the hot
// cache, the access records and that rest, so the collector has room and
// does not run back to back.
func PlanMemory(bound, hot, block, memtable int64) MemoryPlan {
	bound = max(bound, MinMemoryBound)
	p := MemoryPlan{Bound: bound, HotCache: hot, BlockCache: block, MemTable: memtable}
	if p.HotCache <= 0 {
		p.HotCache = bound / 8
	}
	if p.BlockCache <= 0 {
		p.BlockCache = bound / 4
	}
	if p.MemTable <= 0 {
		p.MemTable = min(max(bound/16, 4<<20), 64<<20)
	}
	p.AccessSlots = int(bound / 256)
	p.Recompute()
	return p
}

// goBaseline is the Go heap Cairn needs besides its caches (command
// table, Lua states, connections) plus room for garbage, so that a small
// bound does not make the collector run back to back.
const goBaseline = 24 << 20

// Recompute derives OffHeapBytes and GoMemLimit again after a change of
// the sizes: the Go heap gets what Pebble's off-heap memory leaves of the
// bound, and never less than the hot cache and access records plus
// goBaseline.
func (p *MemoryPlan) Recompute() {
	p.OffHeapBytes = p.BlockCache + memTableLimit*p.MemTable
	if !pebbleOffHeap {
		p.OffHeapBytes = 0
	}
	p.GoMemLimit = max(p.Bound-p.OffHeapBytes, p.HotCache+int64(p.AccessSlots)*8+goBaseline)
}

// Resize applies a new plan to what can change while running: the hot
// cache budget and the block cache (which can shrink below, and grow back
// to, the size it was opened with). Memtables keep their size.
func (s *Store) Resize(p MemoryPlan) {
	s.plan.Store(&p)
	s.cache.setBudget(p.HotCache)
	s.blockMu.Lock()
	defer s.blockMu.Unlock()
	if s.blockRelease != nil {
		s.blockRelease()
		s.blockRelease = nil
	}
	s.blockReserved = 0
	if shrink := s.blockCache.MaxSize() - pebbleCacheSize(p.BlockCache, s.memTableSize); shrink > 0 {
		s.blockRelease = s.blockCache.Reserve(int(shrink))
		s.blockReserved = shrink
	}
}

// pebbleCacheSize is the size of a Pebble cache that keeps blockCache
// bytes for blocks: Pebble reserves every memtable it allocates from its
// block cache, so the cache must hold the memtables too.
func pebbleCacheSize(blockCache, memTable int64) int64 {
	return blockCache + memTableLimit*memTable
}

// trimLoop hands the C allocator's free pages back to the system when the
// process's resident memory passes the bound by more than trimSlack.
// Pebble's block cache allocates and frees blocks with C's malloc in random
// order, and free pages between live blocks stay resident. With one arena
// (malloc_cgo.go) they are reused and few stay free (1% of the blocks'
// memory in a 200 MB-bound run); the trim is the backstop. It walks the
// heap with its lock held (100 ms with 400 MB of blocks), so it runs only
// when the bound is at stake, and at most every trimGap.
func (s *Store) trimLoop() {
	defer s.bgWG.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			p := s.plan.Load()
			if p == nil || now.Sub(last) < trimGap || ResidentBytes() <= p.Bound+trimSlack {
				continue
			}
			releaseFreedMemory()
			last = now
		}
	}
}

const (
	trimGap   = 10 * time.Second
	trimSlack = 48 << 20 // the binary's code and the runtime's own
)

// ResidentBytes is the process's resident set size from /proc (0 when
// unavailable): Pebble's block cache and memtables live outside the Go
// heap, so the Go runtime's figures miss them.
func ResidentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// BlockCacheStats reports the block cache's bytes in use, capacity, hits
// and misses. The capacity is what blocks keep however many memtables
// are alive; while fewer are, blocks also use the memtables' room.
func (s *Store) BlockCacheStats() (used, capacity, hits, misses int64) {
	m := s.blockCache.Metrics()
	s.blockMu.Lock()
	capacity = s.blockCache.MaxSize() - s.blockReserved - memTableLimit*s.memTableSize
	s.blockMu.Unlock()
	return m.Size, capacity, m.Hits, m.Misses
}

// MemoryPlan is the plan last given to Resize (zero before).
func (s *Store) MemoryPlan() MemoryPlan {
	if p := s.plan.Load(); p != nil {
		return *p
	}
	return MemoryPlan{}
}

// MemTableSize is the size of one memtable.
func (s *Store) MemTableSize() int64 { return s.memTableSize }

// SetLFU turns LFU access counting on or off and sets lfu-log-factor and
// lfu-decay-time.
func (s *Store) SetLFU(on bool, logFactor, decayMinutes int64) {
	s.access.logFactor.Store(logFactor)
	s.access.decayTime.Store(decayMinutes)
	s.access.lfu.Store(on)
	s.cache.logFactor.Store(logFactor)
	s.cache.decayTime.Store(decayMinutes)
	s.cache.lfu.Store(on)
}

// IdleSeconds is OBJECT IDLETIME: seconds since the key was last accessed
// (since the start for a key not accessed since). It does not count as an
// access.
func (s *Store) IdleSeconds(db int, key []byte) int64 {
	idle, _ := s.access.peek(KeyHash(key))
	return idle / 1000
}

// AccessFreq is OBJECT FREQ: the key's LFU counter.
func (s *Store) AccessFreq(db int, key []byte) uint8 {
	_, freq := s.access.peek(KeyHash(key))
	return freq
}
