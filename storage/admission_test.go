package storage

import (
	"fmt"
	"testing"
)

func TestFreqSketchCountsAndAges(t *testing.T) {
	f := newFreqSketch(1000)
	hot, cold, unseen := KeyHash([]byte("hot")), KeyHash([]byte("cold")), KeyHash([]byte("unseen"))
	for range 9 {
		f.add(hot)
	}
	f.add(cold)
	if got := f.estimate(hot); got != 9 {
		t.Errorf("hot estimate %d, want 9", got)
	}
	if got := f.estimate(cold); got != 1 {
		t.Errorf("cold estimate %d, want 1", got)
	}
	if got := f.estimate(unseen); got != 0 {
		t.Errorf("unseen estimate %d, want 0", got)
	}
	for range 40 {
		f.add(hot)
	}
	if got := f.estimate(hot); got != 15 {
		t.Errorf("hot estimate %d after 49 adds, want the ceiling 15", got)
	}
	f.halve()
	if got := f.estimate(hot); got != 7 {
		t.Errorf("hot estimate %d after halving 15, want 7", got)
	}
	if got := f.estimate(cold); got != 0 {
		t.Errorf("cold estimate %d after halving 1, want 0", got)
	}
}

// A full cache keeps keys read often when keys read once pass through it,
// and lets a key in once it is read more often than what it displaces.
func TestCacheAdmitsOnlyKeysWantedMore(t *testing.T) {
	const hotKeys = 200
	c := newCache(cacheShards * 4096) // room for about 24 entries per shard
	key := func(prefix string, i int) ([]byte, uint32) {
		k := []byte(fmt.Sprintf("%s:%d", prefix, i))
		return k, KeyHash(k)
	}
	m := &Meta{Type: TypeString, Value: make([]byte, 16)}
	read := func(k []byte, h uint32) {
		if _, ok := c.get(h, k); !ok {
			c.put(h, k, m)
		}
	}
	for round := range 100 {
		for i := range hotKeys {
			read(key("hot", i))
		}
		for i := range 1000 {
			read(key("cold", round*1000+i))
		}
	}
	kept := 0
	for i := range hotKeys {
		k, h := key("hot", i)
		if _, ok := c.get(h, k); ok {
			kept++
		}
	}
	if kept < hotKeys*9/10 {
		t.Errorf("%d of %d hot keys still cached after 100000 keys read once", kept, hotKeys)
	}

	k, h := key("cold", 1)
	for range 8 {
		read(k, h)
	}
	if _, ok := c.get(h, k); !ok {
		t.Error("a key read 8 times is still refused by the cache")
	}
}
