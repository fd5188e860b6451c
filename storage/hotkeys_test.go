package storage

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A clean shutdown saves the hot cache's keys, most recently used first;
// the next start takes them once, and Prefetch reads them back into the
// cache without counting lookups or accesses.
func TestHotKeysOutliveCleanRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	s.cache.clock.Store(100)
	putKeys(t, s, "old", 30)
	s.cache.clock.Store(200)
	putKeys(t, s, "new", 30)
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, hotKeysFile)); !os.IsNotExist(err) {
		t.Errorf("the hot keys file is still there: %v", err)
	}
	keys := s.TakeWarmKeys()
	if len(keys) != 60 {
		t.Fatalf("%d keys came back, want 60", len(keys))
	}
	for i, k := range keys {
		prefix := "new"
		if i >= 30 {
			prefix = "old"
		}
		n, err := strconv.Atoi(strings.TrimPrefix(string(k.Key), prefix))
		if err != nil || k.DB != n%3 {
			t.Fatalf("key %d is %q in db %d: want %s<n> in db n%%3, most recent first", i, k.Key, k.DB, prefix)
		}
	}
	if again := s.TakeWarmKeys(); again != nil {
		t.Errorf("the keys came back twice: %d", len(again))
	}

	s.access.set(KeyHash([]byte("new0")), 60000, 5) // idle a minute
	hits, misses := s.cache.hits.Load(), s.cache.misses.Load()
	for _, k := range keys {
		tx := s.Begin()
		if err := tx.Prefetch(k.DB, k.Key); err != nil {
			t.Fatal(err)
		}
		tx.Discard()
	}
	if got := s.Prefetched(); got != 60 {
		t.Errorf("%d keys prefetched, want 60", got)
	}
	if s.cache.hits.Load() != hits || s.cache.misses.Load() != misses {
		t.Errorf("prefetching counted lookups: hits %d → %d, misses %d → %d", hits, s.cache.hits.Load(), misses, s.cache.misses.Load())
	}
	if idle, _ := s.access.peek(KeyHash([]byte("new0"))); idle < 60000 {
		t.Errorf("prefetching made new0 look accessed: idle %d ms, want a minute or more", idle)
	}
	tx := s.Begin()
	defer tx.Discard()
	for _, k := range keys {
		if m, err := tx.Meta(k.DB, k.Key); err != nil || m == nil {
			t.Fatalf("%s: %v, %v", k.Key, m, err)
		}
	}
	if got := s.cache.hits.Load() - hits; got != 60 {
		t.Errorf("%d of 60 prefetched keys were cache hits", got)
	}
}

// A damaged list is ignored (and removed): nothing to read back.
func TestHotKeysDamagedFile(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	putKeys(t, s, "k", 10)
	s.Close()
	path := filepath.Join(dir, hotKeysFile)
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	defer s.Close()
	if keys := s.TakeWarmKeys(); keys != nil {
		t.Errorf("%d keys from a damaged file", len(keys))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the damaged file is still there: %v", err)
	}
}
