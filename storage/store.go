// Package storage keeps Cairn's keyspace in Pebble: one meta record per key,
// element records per object, an expiry index ordered by deadline, exact key
// counters, and a write-through hot cache. ENCODING.md is the format contract.
package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// Options size the store. Zero values take the defaults (PlanMemory's
// shares of a 1 GB bound).
type Options struct {
	Dir            string
	BlockCacheSize int64 // Pebble's block cache
	MemTableSize   int64
	HotCacheSize   int64 // decoded meta records, small values, element records
	AccessSlots    int   // access records (LRU clock / LFU counter); 0 = 1M slots
	DirectReads    bool  // sstable point reads with O_DIRECT (directio_linux.go)
	Logger         pebble.Logger
}

// Store is the keyspace on disk.
type Store struct {
	db     *pebble.DB
	dir    string
	log    pebble.Logger
	cache  *cache
	access *accessTable

	blockCache    *pebble.Cache
	blockMu       sync.Mutex
	blockRelease  func() // gives back the block cache's shrinking reservation
	blockReserved int64
	memTableSize  int64
	plan          atomic.Pointer[MemoryPlan]

	dbs     atomic.Pointer[[]uint32] // logical db → physical db
	mapMu   sync.Mutex               // serialises changes of the mapping
	nextDB  uint32
	counted sync.Map // physical db → *dbCounters

	oidMu    sync.Mutex
	nextOID  uint64
	oidLimit uint64

	durable    *durability
	reclaim    chan struct{}
	done       chan struct{}
	closed     atomic.Bool
	bgWG       sync.WaitGroup
	reclaimErr atomic.Pointer[error]
	tombs      *tombstones
	readAids            // key and element filters, hints (keyfilter.go)
	warm       [][]byte // meta keys the hot cache held at the last clean shutdown (hotkeys.go)
}

type dbCounters struct {
	keys, expires, deadlines atomic.Int64
	bytes                    atomic.Int64 // dataset footprint (memory.go)
}

const oidBlock = 1 << 20

// Open opens (or creates) the store in opts.Dir with room for at least
// databases logical databases.
func Open(opts Options, databases int) (*Store, error) {
	def := PlanMemory(1<<30, 0, 0, 0)
	if opts.BlockCacheSize <= 0 {
		opts.BlockCacheSize = def.BlockCache
	}
	if opts.MemTableSize <= 0 {
		opts.MemTableSize = def.MemTable
	}
	if opts.HotCacheSize < 0 {
		opts.HotCacheSize = 0
	}
	if opts.AccessSlots <= 0 {
		opts.AccessSlots = 1 << 20 // 8 MB
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger{}
	}
	// Pebble takes its memtables' memory out of the block cache (it
	// reserves each memtable there), so the cache holds both: the plan's
	// block cache plus the memtables. Sized for the block cache alone, it
	// keeps no block at all once the memtables are allocated.
	pc := pebble.NewCache(pebbleCacheSize(opts.BlockCacheSize, opts.MemTableSize))
	defer pc.Unref()
	// Tuning for Cairn's workload: point reads of meta records (many of
	// them for keys that do not exist yet: every write of a new key looks
	// its key up first), short element scans, and bursts of small writes.
	//   - Bloom filters (10 bits/key, ~1% false positives) on every level:
	//     a lookup of a missing key reads no data block.
	//   - Memtables and block cache come from the memory bound (PlanMemory);
	//     at most memTableLimit memtables are alive, so their memory is
	//     bounded too (writes stall rather than memory growing).
	//   - L0 compacts from 4 sub-levels and stops writes at 32: reads check
	//     every L0 sub-level, so keep it shallow, but absorb bursts.
	//   - Compactions run 1 at a time, up to half the cores when behind, so
	//     they never starve command goroutines on small machines.
	//   - Open sstables (each keeps a reader) scale with the block cache:
	//     one per 16 KB of it, 1000..16384.
	//   - Every iterator Cairn opens has both bounds (one key role, one
	//     database or one object), so none walks into other data.
	//   - Under a memory cgroup limit, point reads of tables skip the page
	//     cache, which the limit charges to Cairn (directio_linux.go).
	compactors := max(2, runtime.NumCPU()/2)
	po := &pebble.Options{
		Cache:                       pc,
		FS:                          sstableFS(opts.DirectReads),
		MemTableSize:                uint64(opts.MemTableSize),
		MemTableStopWritesThreshold: memTableLimit,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       32,
		LBaseMaxBytes:               256 << 20,
		MaxOpenFiles:                int(min(max(opts.BlockCacheSize/(16<<10), 1000), 16384)),
		Merger:                      counterMerger,
		FormatMajorVersion:          pebble.FormatNewest,
		Logger:                      opts.Logger,
		CompactionConcurrencyRange:  func() (int, int) { return 1, compactors },
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
	}
	db, err := pebble.Open(opts.Dir, po)
	if err != nil {
		return nil, err
	}
	pc.Ref() // kept for Resize and statistics; released by Close
	s := &Store{
		db:           db,
		dir:          opts.Dir,
		log:          opts.Logger,
		cache:        newCache(opts.HotCacheSize),
		access:       newAccessTable(opts.AccessSlots),
		blockCache:   pc,
		memTableSize: opts.MemTableSize,
		reclaim:      make(chan struct{}, 1),
		done:         make(chan struct{}),
		tombs:        newTombstones(),
	}
	s.cache.access = s.access
	if err := s.access.load(opts.Dir); err != nil {
		opts.Logger.Errorf("The access records (LRU/LFU) of the last run were not restored: %v", err)
	}
	if err := s.loadHotKeys(); err != nil {
		opts.Logger.Errorf("The hot keys of the last run are not read back: %v", err)
	}
	if err := s.loadState(databases); err != nil {
		db.Close()
		pc.Unref()
		return nil, err
	}
	s.durable = newDurability(s)
	// The key filter shares the hot cache's part of the memory bound.
	s.startKeyFilter(opts.HotCacheSize)
	s.bgWG.Add(3)
	go s.reclaimLoop()
	go s.compactLoop()
	go s.trimLoop()
	return s, nil
}

// loadState reads the database mapping, the object id high-water mark and
// the key counters.
func (s *Store) loadState(databases int) error {
	var dbs []uint32
	if v, err := s.getSystem("dbmap"); err != nil {
		return err
	} else {
		for len(v) >= 4 {
			dbs = append(dbs, binary.BigEndian.Uint32(v))
			v = v[4:]
		}
	}
	if v, err := s.getSystem("nextdb"); err != nil {
		return err
	} else if len(v) == 4 {
		s.nextDB = binary.BigEndian.Uint32(v)
	}
	grown := false
	for len(dbs) < databases {
		dbs = append(dbs, s.nextDB)
		s.nextDB++
		grown = true
	}
	if grown {
		b := s.db.NewBatch()
		s.writeMapping(b, dbs)
		if err := b.Commit(pebble.Sync); err != nil {
			return err
		}
	}
	s.dbs.Store(&dbs)
	for _, phys := range dbs {
		if err := s.loadCounters(phys); err != nil {
			return err
		}
	}
	if v, err := s.getSystem("oid"); err != nil {
		return err
	} else if len(v) == 8 {
		s.nextOID = binary.BigEndian.Uint64(v)
	}
	if s.nextOID == 0 {
		s.nextOID = 1
	}
	s.oidLimit = s.nextOID // the next allocation reserves a fresh block
	return nil
}

func (s *Store) getSystem(name string) ([]byte, error) {
	v, closer, err := s.db.Get(systemKey(name))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

func (s *Store) writeMapping(b *pebble.Batch, dbs []uint32) {
	var v []byte
	for _, p := range dbs {
		v = binary.BigEndian.AppendUint32(v, p)
	}
	b.Set(systemKey("dbmap"), v, nil)
	b.Set(systemKey("nextdb"), binary.BigEndian.AppendUint32(nil, s.nextDB), nil)
}

func (s *Store) loadCounters(phys uint32) error {
	c := s.countersOf(phys)
	for kind, dst := range map[byte]*atomic.Int64{counterKeys: &c.keys, counterExpires: &c.expires, counterDeadlines: &c.deadlines} {
		v, closer, err := s.db.Get(counterKey(phys, kind))
		if errors.Is(err, pebble.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		dst.Store(decodeCounter(v))
		closer.Close()
	}
	return s.loadBytesCounter(phys, c.keys.Load())
}

func (s *Store) countersOf(phys uint32) *dbCounters {
	if c, ok := s.counted.Load(phys); ok {
		return c.(*dbCounters)
	}
	c, _ := s.counted.LoadOrStore(phys, &dbCounters{})
	return c.(*dbCounters)
}

// Databases is the number of logical databases.
func (s *Store) Databases() int { return len(*s.dbs.Load()) }

// Phys maps a logical database to its current physical id.
func (s *Store) Phys(db int) uint32 { return (*s.dbs.Load())[db] }

// Logical maps a physical id back to its logical database, or -1 when the
// physical database was flushed away.
func (s *Store) Logical(phys uint32) int {
	for i, p := range *s.dbs.Load() {
		if p == phys {
			return i
		}
	}
	return -1
}

// KeyStats reports the exact number of keys and of keys with a deadline in
// a logical database, and the sum of those deadlines in seconds.
func (s *Store) KeyStats(db int) (keys, expires, deadlineSecs int64) {
	c := s.countersOf(s.Phys(db))
	return c.keys.Load(), c.expires.Load(), c.deadlines.Load()
}

// newOID hands out an object id, reserving a new block of ids on disk (with
// a synced write) before the first id of the block is used, so an id is
// never reused after a crash.
func (s *Store) newOID() (uint64, error) {
	s.oidMu.Lock()
	defer s.oidMu.Unlock()
	if s.nextOID >= s.oidLimit {
		limit := s.nextOID + oidBlock
		if err := s.db.Set(systemKey("oid"), binary.BigEndian.AppendUint64(nil, limit), pebble.Sync); err != nil {
			return 0, err
		}
		s.oidLimit = limit
	}
	id := s.nextOID
	s.nextOID++
	return id, nil
}

// FlushDBs empties the given logical databases in O(1): each gets a fresh
// physical id, and the old ones are queued for background reclamation. The
// caller must hold off every other command (the engine's exclusive lock).
func (s *Store) FlushDBs(logical ...int) error {
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	dbs := append([]uint32(nil), *s.dbs.Load()...)
	b := s.db.NewBatch()
	var old []uint32
	for _, l := range logical {
		old = append(old, dbs[l])
		b.Set(systemKey(reclaimName(dbs[l])), nil, nil)
		dbs[l] = s.nextDB
		s.nextDB++
	}
	s.writeMapping(b, dbs)
	if err := s.commitSystem(b); err != nil {
		return err
	}
	s.dbs.Store(&dbs)
	for _, l := range logical {
		s.filter.cover(dbs[l])
	}
	for _, p := range old {
		s.cache.dropDB(p)
	}
	s.kickReclaim()
	return nil
}

// SwapDBs exchanges two logical databases (SWAPDB). The caller must hold the
// engine's exclusive lock.
func (s *Store) SwapDBs(a, b int) error {
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	dbs := append([]uint32(nil), *s.dbs.Load()...)
	dbs[a], dbs[b] = dbs[b], dbs[a]
	batch := s.db.NewBatch()
	s.writeMapping(batch, dbs)
	if err := s.commitSystem(batch); err != nil {
		return err
	}
	s.dbs.Store(&dbs)
	return nil
}

// commitSystem commits a batch and counts it as a write for durability.
func (s *Store) commitSystem(b *pebble.Batch) error {
	if err := b.Commit(pebble.NoSync); err != nil {
		return err
	}
	s.durable.committed()
	return nil
}

func reclaimName(phys uint32) string {
	return "reclaim/" + string(binary.BigEndian.AppendUint32(nil, phys))
}

// Close syncs and closes the store.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(s.done)
	s.bgWG.Wait()
	s.durable.stop()
	if err := s.access.save(s.dir); err != nil {
		s.log.Errorf("The access records (LRU/LFU) were not saved for the next start: %v", err)
	}
	if err := s.saveHotKeys(); err != nil {
		s.log.Errorf("The hot keys were not saved for the next start: %v", err)
	}
	// The last synced write: the log's end, and the token of the key
	// filter saved for the next start (keyfilterfile.go).
	b := s.db.NewBatch()
	if err := s.saveKeyFilter(b); err != nil {
		s.log.Errorf("The key filter was not saved for the next start: %v", err)
	}
	b.LogData(nil, nil)
	err := b.Commit(pebble.Sync)
	b.Close()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	s.blockMu.Lock()
	if s.blockRelease != nil {
		s.blockRelease()
		s.blockRelease = nil
	}
	s.blockMu.Unlock()
	s.blockCache.Unref()
	return err
}

// Pebble exposes the underlying database for statistics.
func (s *Store) Pebble() *pebble.DB { return s.db }

// ElementCacheStats reports the hot cache's lookups of element records.
func (s *Store) ElementCacheStats() (hits, misses int64) {
	return s.cache.elemHits.Load(), s.cache.elemMisses.Load()
}

// CacheStats reports the hot cache's figures.
func (s *Store) CacheStats() (used, budget, hits, misses, evictions int64) {
	return s.cache.usedBytes(), s.cache.budgetBytes(), s.cache.hits.Load(), s.cache.misses.Load(), s.cache.evictions.Load()
}

// Tick advances the access clocks (hot cache, access records); the engine
// calls it every server cycle.
func (s *Store) Tick() {
	now := time.Now()
	s.cache.clock.Store(uint32(now.Unix()))
	s.access.clock.Store(now.UnixMilli())
}

var errClosed = errors.New("store is closed")

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// quietLogger drops Pebble's messages when the caller gave no logger.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
