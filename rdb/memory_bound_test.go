package rdb

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap runs fn and reports the highest heap in use meanwhile, above
// what was in use before.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak.Load()
}

// generated is a collection of n elements made up as the encoder asks.
func generated(kind Kind, n int64) *Object {
	i := int64(0)
	obj := &Object{Kind: kind, Len: n, Next: func() (Elem, error) {
		i++
		m := []byte(fmt.Sprintf("element-%09d-%016x", i, uint64(i)*0x9e3779b97f4a7c15))
		return Elem{Member: m, Value: m[:20], Score: float64(i)}, nil
	}}
	if kind == KindStream {
		obj.Stream = &StreamObject{Meta: StreamMeta{Length: uint64(n), LastID: StreamID{Ms: uint64(n)}, EntriesAdded: uint64(n)},
			NextEntry: func() (StreamEntry, error) {
				i++
				return StreamEntry{ID: StreamID{Ms: uint64(i)}, Fields: [][]byte{[]byte("field"), []byte(fmt.Sprintf("value-%012d", i))}}, nil
			}}
	}
	return obj
}

// TestHugeValuesStream writes and reads a file of big collections of
// every kind while watching the heap: neither side holds a collection.
// CAIRN_LONG_TESTS=1 makes it ten times bigger.
func TestHugeValuesStream(t *testing.T) {
	n := int64(200_000)
	if os.Getenv("CAIRN_LONG_TESTS") != "" {
		n *= 10
	}
	path := filepath.Join(t.TempDir(), "huge.rdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []Kind{KindList, KindSet, KindHash, KindZSet, KindStream}
	encPeak := peakHeap(func() {
		e := NewEncoder(f, Options{Checksum: true, Limits: DefaultLimits()})
		err = e.Begin()
		for i, k := range kinds {
			if err == nil {
				err = e.Key(KeyHeader{Name: []byte(fmt.Sprint("big:", i)), Expire: -1, Idle: -1, Freq: -1}, generated(k, n))
			}
		}
		if err == nil {
			err = e.End()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)
	counts := map[Kind]int64{}
	decPeak := peakHeap(func() {
		r, _ := os.Open(path)
		defer r.Close()
		err = NewDecoder(r).Decode(countingHandler(counts))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if counts[k] != n {
			t.Errorf("%s: %d elements read back, want %d", k, counts[k], n)
		}
	}
	t.Logf("file %d MB; peak heap: encoding %.1f MB, decoding %.1f MB", fi.Size()>>20, float64(encPeak)/(1<<20), float64(decPeak)/(1<<20))
	if limit := uint64(fi.Size() / 4); encPeak > limit || decPeak > limit {
		t.Errorf("heap grew with the data: encoding %d, decoding %d bytes for a %d-byte file", encPeak, decPeak, fi.Size())
	}
}

// countingHandler counts the elements of each kind, keeping none.
type countingHandler map[Kind]int64

func (c countingHandler) Aux(k, v []byte) error      { return nil }
func (c countingHandler) Function(code []byte) error { return nil }
func (c countingHandler) Key(k *Key, v *Value) error {
	for {
		var ok bool
		var err error
		if k.Kind == KindStream {
			_, ok, err = v.NextEntry()
		} else {
			_, ok, err = v.Next()
		}
		if err != nil || !ok {
			return err
		}
		c[k.Kind]++
	}
}
