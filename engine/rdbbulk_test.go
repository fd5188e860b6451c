package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// TestBulkImportBoundedMemory imports a file with many keys and huge
// collections and checks the live heap stays under a bound that does not
// grow with the file; it reports the import's and a SAVE's speed. Its size is CAIRN_LONG_TESTS'
// business: a small run otherwise.
func TestBulkImportBoundedMemory(t *testing.T) {
	keys, elems := 5_000, int64(40_000)
	if os.Getenv("CAIRN_LONG_TESTS") != "" {
		keys, elems = 1_000_000, 2_000_000
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.rdb")
	writeBigRDB(t, path, keys, elems)
	fi, _ := os.Stat(path)

	cfg, err := config.Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "cairn-data"), BlockCacheSize: 32 << 20, MemTableSize: 16 << 20, HotCacheSize: 16 << 20}, 16)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	start := time.Now()
	var stats engine.ImportStats
	peak := heapPeak(func() {
		stats, err = engine.ImportRDB(store, f, engine.ImportOptions{Replace: true, Config: cfg})
	})
	f.Close()
	took := time.Since(start)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Keys != int64(keys)+4 {
		t.Errorf("%d keys imported, want %d", stats.Keys, keys+4)
	}
	t.Logf("import: %d MB file, %d keys + 4 collections of %d in %v (%.0f keys/s, %.1f MB/s), peak live heap %.1f MB",
		fi.Size()>>20, keys, elems, took.Round(time.Millisecond), float64(keys)/took.Seconds(), float64(fi.Size())/(1<<20)/took.Seconds(), float64(peak)/(1<<20))
	if limit := uint64(128 << 20); peak > limit {
		t.Errorf("import live heap peak %d bytes for a %d-byte file", peak, fi.Size())
	}

	srv := cairntest.StartCairnIn(t, dir)
	c := cairntest.Dial(t, srv.Addr)
	if got, want := c.Do("hlen", "big:hash"), fmt.Sprintf(":%d\r\n", elems); got != want {
		t.Errorf("HLEN = %q, want %q", got, want)
	}
	os.Remove(filepath.Join(dir, "dump.rdb"))
	start = time.Now()
	c.Send("save")
	if got, ok := c.ReadTimeout(5 * time.Minute); got != "+OK\r\n" || !ok {
		t.Fatalf("SAVE: %q", got)
	}
	took = time.Since(start)
	out, _ := os.Stat(filepath.Join(dir, "dump.rdb"))
	t.Logf("SAVE: %d MB in %v (%.1f MB/s)", out.Size()>>20, took.Round(time.Millisecond), float64(out.Size())/(1<<20)/took.Seconds())
}

// writeBigRDB writes n small strings and one huge collection of each kind.
func writeBigRDB(t *testing.T, path string, n int, elems int64) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := rdb.NewEncoder(f, rdb.Options{Checksum: true, Limits: rdb.DefaultLimits()})
	if err := e.Begin(); err != nil {
		t.Fatal(err)
	}
	e.SelectDB(0, uint64(n+4), 0)
	for i := range n {
		h := rdb.KeyHeader{Name: []byte(fmt.Sprint("key:", i)), Expire: -1, Idle: -1, Freq: -1}
		if err := e.Key(h, &rdb.Object{Kind: rdb.KindString, String: []byte(fmt.Sprint("value-", i))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []rdb.Kind{rdb.KindList, rdb.KindSet, rdb.KindHash, rdb.KindZSet} {
		i := int64(0)
		obj := &rdb.Object{Kind: k, Len: elems, Next: func() (rdb.Elem, error) {
			i++
			m := []byte(fmt.Sprintf("member-%012d", i))
			return rdb.Elem{Member: m, Value: m, Score: float64(i)}, nil
		}}
		if err := e.Key(rdb.KeyHeader{Name: []byte("big:" + k.String()), Expire: -1, Idle: -1, Freq: -1}, obj); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.End(); err != nil {
		t.Fatal(err)
	}
}

// heapPeak runs fn and reports the highest live heap (as of each garbage
// collection) meanwhile, above what was live before.
func heapPeak(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := live()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if l := live(); l > base && l-base > peak.Load() {
				peak.Store(l - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}
