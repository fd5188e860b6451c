package storage

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// getElem reads one element in a Tx of its own, as a command would.
func getElem(t *testing.T, s *Store, oid uint64, sub string) (string, bool) {
	t.Helper()
	tx := s.Begin()
	v, ok, err := tx.Get(oid, []byte(sub))
	if err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	return string(v), ok
}

func wantElem(t *testing.T, s *Store, oid uint64, sub, want string, present bool) {
	t.Helper()
	if v, ok := getElem(t, s, oid, sub); ok != present || v != want {
		t.Fatalf("element %q: got %q, %v; want %q, %v", sub, v, ok, want, present)
	}
}

// beginObject opens a store for the test and a Tx with a new object id.
func beginObject(t *testing.T) (*Store, *Tx, uint64) {
	t.Helper()
	s := openTest(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	tx := s.Begin()
	oid, err := tx.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	return s, tx, oid
}

func TestElementCacheFollowsCommits(t *testing.T) {
	s, tx, oid := beginObject(t)
	tx.Set(oid, []byte("a"), []byte("1"))
	tx.Set(oid, []byte("b"), []byte("2"))
	commit(t, tx)

	wantElem(t, s, oid, "a", "1", true) // read from Pebble, then cached
	hits, _ := s.ElementCacheStats()
	v, _ := getElem(t, s, oid, "a")
	if h, _ := s.ElementCacheStats(); v != "1" || h != hits+1 {
		t.Fatalf("second read of a: %q, hits %d → %d; want a cache hit", v, hits, h)
	}

	// A returned value is the caller's: changing it changes nothing cached.
	tx = s.Begin()
	got, _, _ := tx.Get(oid, []byte("a"))
	got[0] = 'x'
	commit(t, tx)
	wantElem(t, s, oid, "a", "1", true)

	// Writes a Tx never read still replace what the cache holds.
	tx = s.Begin()
	tx.Set(oid, []byte("a"), []byte("3"))
	commit(t, tx)
	wantElem(t, s, oid, "a", "3", true)
	tx = s.Begin()
	tx.Delete(oid, []byte("a"))
	commit(t, tx)
	wantElem(t, s, oid, "a", "", false)

	// A member looked up and then added is cached by the commit.
	tx = s.Begin()
	if _, ok, _ := tx.GetMember(oid, []byte("c")); ok {
		t.Fatal("c exists before it was written")
	}
	tx.Set(oid, []byte("c"), []byte("4"))
	commit(t, tx)
	hits, _ = s.ElementCacheStats()
	wantElem(t, s, oid, "c", "4", true)
	if h, _ := s.ElementCacheStats(); h != hits+1 {
		t.Fatal("a member checked and added was not cached")
	}
}

func TestElementCacheRangeDeletes(t *testing.T) {
	s, tx, oid := beginObject(t)
	pos := func(i int) string { return string(binary.BigEndian.AppendUint32(nil, uint32(i))) }
	for i := range 50 {
		tx.Set(oid, []byte(pos(i)), []byte{byte(i)})
	}
	commit(t, tx)
	for range 2 {
		for i := range 50 {
			wantElem(t, s, oid, pos(i), string([]byte{byte(i)}), true)
		}
	}
	if hits, _ := s.ElementCacheStats(); hits != 50 {
		t.Fatalf("%d of 50 elements read twice came from the cache", hits)
	}
	tx = s.Begin()
	tx.DeleteRange(oid, []byte(pos(10)), []byte(pos(40)))
	commit(t, tx)
	wantElem(t, s, oid, pos(20), "", false)
	wantElem(t, s, oid, pos(5), string([]byte{5}), true)
	wantElem(t, s, oid, pos(45), string([]byte{45}), true)
}

func TestTxReadsItsOwnElementWrites(t *testing.T) {
	s, tx, oid := beginObject(t)
	tx.Set(oid, []byte("x"), []byte("old"))
	commit(t, tx)
	wantElem(t, s, oid, "x", "old", true)

	tx = s.Begin()
	get := func(sub string) (string, bool) {
		v, ok, err := tx.Get(oid, []byte(sub))
		if err != nil {
			t.Fatal(err)
		}
		return string(v), ok
	}
	tx.Set(oid, []byte("x"), []byte("new"))
	if v, _ := get("x"); v != "new" {
		t.Fatalf("read after write in the Tx: %q", v)
	}
	large := bytes.Repeat([]byte("L"), 2*keptValue)
	tx.Set(oid, []byte("big"), large)
	if v, _ := get("big"); v != string(large) {
		t.Fatal("a large value written by the Tx did not read back")
	}
	tx.Set(oid, []byte("empty"), nil)
	if v, ok, _ := tx.Get(oid, []byte("empty")); !ok || v == nil || len(v) != 0 {
		t.Fatalf("an empty value read back as %v, %v", v, ok)
	}
	tx.DeleteRange(oid, []byte("a"), []byte("z"))
	for _, sub := range []string{"x", "big", "empty"} {
		if _, ok := get(sub); ok {
			t.Fatalf("%s survived the Tx's range delete", sub)
		}
	}
	tx.Set(oid, []byte("x"), []byte("again"))
	if v, _ := get("x"); v != "again" {
		t.Fatalf("a write after the range delete read back as %q", v)
	}
	tx.Discard()
	wantElem(t, s, oid, "x", "old", true) // the discarded Tx left nothing behind
	wantElem(t, s, oid, "big", "", false)
}

func TestGetAheadKeepsTheRunForLaterReads(t *testing.T) {
	s, tx, oid := beginObject(t)
	pos := func(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }
	for i := range 20 {
		tx.Set(oid, pos(i), []byte{byte(i)})
	}
	commit(t, tx)

	// The Tx's own writes win over what the run reads from Pebble.
	tx = s.Begin()
	tx.Set(oid, pos(1), []byte("mine"))
	tx.Delete(oid, pos(2))
	v, ok, err := tx.GetAhead(oid, pos(0), pos(0), pos(8))
	if err != nil || !ok || v[0] != 0 {
		t.Fatalf("GetAhead of 0: %v, %v, %v", v, ok, err)
	}
	if v, _, _ := tx.Get(oid, pos(1)); string(v) != "mine" {
		t.Fatalf("the Tx's write of 1 read back as %q", v)
	}
	if _, ok, _ := tx.Get(oid, pos(2)); ok {
		t.Fatal("the Tx's delete of 2 was undone by the run")
	}
	commit(t, tx)

	hits, misses := s.ElementCacheStats()
	for i := 1; i < 8; i++ {
		want, present := string([]byte{byte(i)}), true
		switch i {
		case 1:
			want = "mine"
		case 2:
			want, present = "", false
		}
		wantElem(t, s, oid, string(pos(i)), want, present)
	}
	h, m := s.ElementCacheStats()
	if h-hits != 6 || m-misses != 1 { // 2 was deleted: the one miss
		t.Fatalf("reads after the run: %d hits, %d misses; want 6 and 1", h-hits, m-misses)
	}
	wantElem(t, s, oid, string(pos(12)), string([]byte{12}), true) // beyond the run
}
