package storage

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

func TestFootprintCounterFollowsWritesAndRestarts(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	tx := s.Begin()
	var want int64
	for i := 0; i < 100; i++ {
		key := []byte(fmt.Sprintf("k%d", i))
		m := &Meta{Type: TypeString, Value: []byte("value")}
		if i%3 == 0 {
			m.Expire = 1 << 50
		}
		tx.Put(0, key, m)
		want += KeyFootprint(key, m)
	}
	list := &Meta{Type: TypeList, OID: 7, Count: 10, Ext: make([]byte, 8)}
	tx.Put(1, []byte("list"), list)
	want += KeyFootprint([]byte("list"), list)
	commit(t, tx)
	if got := s.UsedMemory(); got != want {
		t.Fatalf("UsedMemory %d, want %d", got, want)
	}
	// Overwrite and delete.
	tx = s.Begin()
	tx.Put(0, []byte("k1"), &Meta{Type: TypeString, Value: make([]byte, 1000)})
	tx.Put(0, []byte("k2"), nil)
	commit(t, tx)
	want += 1000 - 5 - KeyFootprint([]byte("k2"), &Meta{Type: TypeString, Value: []byte("value")})
	if got := s.UsedMemory(); got != want {
		t.Fatalf("UsedMemory %d after overwrite and delete, want %d", got, want)
	}
	s.Close()
	s = openTest(t, dir)
	if got := s.UsedMemory(); got != want {
		t.Fatalf("UsedMemory %d after a restart, want %d", got, want)
	}
	// A store from before the counter: it is rebuilt by a scan.
	for _, phys := range *s.dbs.Load() {
		if err := s.db.Delete(counterKey(phys, counterBytes), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	if got := s.UsedMemory(); got != want {
		t.Fatalf("UsedMemory %d after rebuilding the counter, want %d", got, want)
	}
	if err := s.FlushDBs(0, 1); err != nil {
		t.Fatal(err)
	}
	if got := s.UsedMemory(); got != 0 {
		t.Fatalf("UsedMemory %d after flushing everything", got)
	}
}

func TestAccessTable(t *testing.T) {
	a := newAccessTable(1000)
	if len(a.slots) != 1<<16 {
		t.Fatalf("%d slots", len(a.slots))
	}
	now := a.clock.Load()
	a.clock.Store(now + 5000)
	if idle, freq := a.peek(42); idle != 5000 || freq != lfuInit {
		t.Errorf("untouched slot: idle %d freq %d", idle, freq)
	}
	a.touch(42)
	a.clock.Store(now + 7000)
	if idle, _ := a.peek(42); idle != 2000 {
		t.Errorf("idle %d after a touch 2s ago", idle)
	}
	a.lfu.Store(true)
	for i := 0; i < 100; i++ {
		a.touch(43)
	}
	if _, freq := a.peek(43); freq <= lfuInit {
		t.Errorf("LFU counter %d after 100 accesses", freq)
	}
	a.created(43)
	if _, freq := a.peek(43); freq != lfuInit {
		t.Errorf("LFU counter %d of a new key", freq)
	}
	a.clock.Store(now + 7000 + 3*60000) // 3 minutes: 3 decrements
	a.slot(44).Store(pack(now+7000, 10))
	if _, freq := a.peek(44); freq != 7 {
		t.Errorf("decayed LFU counter %d, want 7", freq)
	}
}

func TestPlanMemoryAndResize(t *testing.T) {
	p := PlanMemory(1<<30, 0, 0, 0)
	if p.HotCache != 128<<20 || p.BlockCache != 256<<20 || p.MemTable != 64<<20 {
		t.Errorf("1 GB plan: %+v", p)
	}
	if total := p.BlockCache + memTableLimit*p.MemTable + p.GoMemLimit; pebbleOffHeap && total != p.Bound {
		t.Errorf("plan adds up to %d, bound %d", total, p.Bound)
	}
	small := PlanMemory(1, 0, 0, 0)
	if small.Bound != MinMemoryBound || small.MemTable != 4<<20 {
		t.Errorf("tiny plan: %+v", small)
	}
	if p := PlanMemory(1<<30, 5, 6, 7); p.HotCache != 5 || p.BlockCache != 6 || p.MemTable != 7 {
		t.Errorf("explicit sizes ignored: %+v", p)
	}
	s := openTest(t, t.TempDir())
	defer s.Close()
	s.Resize(PlanMemory(16<<20, 1<<20, 2<<20, 0))
	if _, capacity, _, _ := s.BlockCacheStats(); capacity != 2<<20 {
		t.Errorf("block cache capacity %d after shrinking to 2 MB", capacity)
	}
	s.Resize(PlanMemory(1<<30, 0, 0, 0))
	if _, capacity, _, _ := s.BlockCacheStats(); capacity != 8<<20 {
		t.Errorf("block cache capacity %d: cannot grow past its first 8 MB", capacity)
	}
	if _, budget, _, _, _ := s.CacheStats(); budget != (128<<20)/cacheShards*cacheShards {
		t.Errorf("hot cache budget %d", budget)
	}
}

// Pebble reserves its memtables from the block cache: a cache sized for
// blocks alone keeps none once the memtables are allocated.
func TestBlockCacheKeepsBlocks(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	key := func(i int) []byte { return []byte(fmt.Sprintf("\x02block-cache-test/%06d", i)) }
	for i := range 20000 {
		if err := s.db.Set(key(i), make([]byte, 1000), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Compact(context.Background(), key(0), key(20000), true); err != nil {
		t.Fatal(err)
	}
	read := func() (used, hits, misses int64) {
		for i := 0; i < 1000; i += 7 {
			_, closer, err := s.db.Get(key(i))
			if err != nil {
				t.Fatal(err)
			}
			closer.Close()
		}
		used, _, hits, misses = s.BlockCacheStats()
		return used, hits, misses
	}
	_, hits0, misses0 := read()
	used, hits1, misses1 := read()
	if used == 0 || misses1 > misses0 || hits1 == hits0 {
		t.Errorf("block cache: %d bytes used; the second pass over the same blocks had %d hits and %d misses", used, hits1-hits0, misses1-misses0)
	}
}

// A lookup records an access for a key that exists, found in the hot
// cache or in Pebble, and none for a key that does not: its access slot
// may be an existing key's, whose idle time must not reset.
func TestOnlyExistingKeysRecordAccesses(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	present := []byte("present")
	tx := s.Begin()
	tx.Put(0, present, &Meta{Type: TypeString, Value: []byte("v")})
	commit(t, tx)
	slot := s.access.slot(KeyHash(present))
	var missing []byte
	for i := 0; missing == nil; i++ {
		if k := fmt.Appendf(nil, "missing:%d", i); s.access.slot(KeyHash(k)) == slot {
			missing = k
		}
	}
	lookup := func(key []byte, fromPebble bool) {
		t.Helper()
		if fromPebble {
			s.cache.clear()
		}
		tx := s.Begin()
		defer tx.Discard()
		if _, err := tx.Meta(0, key); err != nil {
			t.Fatal(err)
		}
	}
	const long = 100_000
	for _, fromPebble := range []bool{true, false} {
		// As RESTORE IDLETIME ages a key: the cached entry must not
		// think this second's access recorded already.
		s.access.set(KeyHash(present), long, -1)
		s.cache.unstamp(KeyHash(present), metaKey(nil, s.Phys(0), present))
		lookup(missing, fromPebble)
		lookup(missing, false) // now known absent in the hot cache
		if idle, _ := s.access.peek(KeyHash(present)); idle < long {
			t.Fatalf("looking up a missing key (from Pebble: %v) reset its slot's idle time to %d ms", fromPebble, idle)
		}
		lookup(present, fromPebble)
		if idle, _ := s.access.peek(KeyHash(present)); idle >= long {
			t.Fatalf("looking up the key (from Pebble: %v) left its idle time at %d ms", fromPebble, idle)
		}
	}
}

// Blocks read by many threads at once are allocated and freed by C's
// malloc in one arena: with an arena per thread, each arena kept the
// blocks freed into it while the others grew (malloc_cgo.go,
// engine/DESIGN.md).
func TestBlockReadsShareOneMallocArena(t *testing.T) {
	if _, _, arenas := MallocStats(); arenas == 0 {
		t.Skip("no C allocator statistics (built without cgo)")
	}
	s := openTest(t, t.TempDir())
	defer s.Close()
	key := func(i int) []byte { return []byte(fmt.Sprintf("\x02arena-test/%06d", i)) }
	const keys = 30000
	for i := range keys {
		if err := s.db.Set(key(i), make([]byte, 1000), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Compact(context.Background(), key(0), key(keys), true); err != nil {
		t.Fatal(err)
	}
	// 30 MB of blocks through a smaller block cache (8 MB, plus the room
	// of memtables not yet allocated), from 8 threads: every miss
	// allocates a block, every eviction frees one.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := range 20000 {
				_, closer, err := s.db.Get(key((i*7919 + g*3571) % keys))
				if err != nil {
					t.Error(err)
					return
				}
				closer.Close()
			}
		}()
	}
	wg.Wait()
	held, inUse, arenas := MallocStats()
	if arenas != 1 {
		t.Errorf("C's allocator has %d arenas (%d bytes held, %d in use), want 1", arenas, held, inUse)
	}
}
