package storage

import (
	"fmt"
	"testing"
	"time"
)

// TestKeyFilter checks that keys written before a restart, during the
// filter's scan and after it are all found, and that absent keys are
// (mostly) answered without reading Pebble.
func TestKeyFilter(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	tx := s.Begin()
	for i := 0; i < 5000; i++ {
		tx.Put(i%3, []byte(fmt.Sprint("old", i)), &Meta{Type: TypeString, Value: []byte("v")})
	}
	commit(t, tx)
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	for i := 0; i < 200; i++ { // while the scan may be running
		tx := s.Begin()
		tx.Put(i%3, []byte(fmt.Sprint("new", i)), &Meta{Type: TypeString, Value: []byte("v")})
		commit(t, tx)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !s.filter.ready.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the key filter never became ready")
		}
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 200; i++ {
		tx := s.Begin()
		tx.Put(i%3, []byte(fmt.Sprint("late", i)), &Meta{Type: TypeString, Value: []byte("v")})
		commit(t, tx)
	}
	s.cache.dropDB(s.Phys(0)) // make lookups miss the hot cache
	s.cache.dropDB(s.Phys(1))
	s.cache.dropDB(s.Phys(2))
	tx = s.Begin()
	defer tx.Discard()
	check := func(prefix string, n int) {
		for i := 0; i < n; i++ {
			m, err := tx.Meta(i%3, []byte(fmt.Sprint(prefix, i)))
			if err != nil || m == nil {
				t.Fatalf("%s%d: got %v, %v", prefix, i, m, err)
			}
		}
	}
	check("old", 5000)
	check("new", 200)
	check("late", 200)
	absent := 0
	for i := 0; i < 1000; i++ {
		key := []byte(fmt.Sprint("missing", i))
		if s.filter.absent(s.Phys(0), metaKey(nil, s.Phys(0), key)) {
			absent++
		}
		if m, _ := tx.Meta(0, key); m != nil {
			t.Fatalf("missing%d exists", i)
		}
	}
	if absent < 950 {
		t.Errorf("the filter ruled out only %d of 1000 missing keys", absent)
	}
}

// A database FLUSHDB empties is covered by the filter at once: keys
// written into it afterwards are found, missing ones answered from memory.
func TestKeyFilterCoversFlushedDB(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !s.filter.ready.Load() || s.filter.covered.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the key filter never became ready")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.FlushDBs(0); err != nil {
		t.Fatal(err)
	}
	tx := s.Begin()
	tx.Put(0, []byte("after"), &Meta{Type: TypeString, Value: []byte("v")})
	commit(t, tx)
	s.cache.dropDB(s.Phys(0))
	tx = s.Begin()
	defer tx.Discard()
	if m, err := tx.Meta(0, []byte("after")); err != nil || m == nil {
		t.Fatalf("after: got %v, %v", m, err)
	}
	if !s.filter.absent(s.Phys(0), metaKey(nil, s.Phys(0), []byte("missing"))) {
		t.Error("a missing key of the flushed database is not answered by the filter")
	}
}
