package storage

import (
	"bytes"
	"encoding/binary"
	"slices"
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

// elements lists an object's committed records as "sub=value".
func elements(t *testing.T, s *Store, oid uint64) []string {
	t.Helper()
	tx := s.Begin()
	defer tx.Discard()
	it, err := tx.Iter(oid, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStagedWritesReachTheBatchOnce(t *testing.T) {
	s, tx, oid := beginObject(t)
	large := bytes.Repeat([]byte("L"), 2*keptValue)
	for i := range 10 { // a count a pipeline rewrites: one record in the batch
		tx.Set(oid, []byte("n"), []byte{'0' + byte(i)})
	}
	tx.Set(oid, []byte("d"), []byte("x"))
	tx.Delete(oid, []byte("d"))
	tx.Set(oid, []byte("big"), []byte("small"))
	tx.Set(oid, []byte("big"), large) // written at once: replaces the staged one
	tx.Set(oid, []byte("s"), large)
	tx.Set(oid, []byte("s"), []byte("small again"))
	// A read never undoes a staged write: GetMember records the element
	// filter's "absent" for a member the Tx may have deleted.
	tx.record(ElemKey(nil, oid, []byte("d")), elemRecord{absent: true, read: true})
	if tx.batch.Count() != 2 || tx.pending != 3 {
		t.Fatalf("before the commit: %d records in the batch, %d staged; want 2 (the large values) and 3 (n, d, s)", tx.batch.Count(), tx.pending)
	}
	tx.flush(tx.commitBatch())
	if n := tx.batch.Count(); n != 5 {
		t.Fatalf("the batch holds %d records; want 5", n)
	}
	commit(t, tx)
	want := []string{"big=" + string(large), "n=9", "s=small again"}
	if got := elements(t, s, oid); !slices.Equal(got, want) {
		t.Fatalf("committed %q; want %q", got, want)
	}
}

func TestStagedWritesReachTheBatchInKeyOrder(t *testing.T) {
	_, tx, oid := beginObject(t)
	for i := 9; i >= 0; i-- { // an LPUSH pipeline: positions downwards
		tx.Set(oid, []byte{'p', byte(i)}, []byte("v"))
	}
	tx.Delete(oid, []byte{'a'})
	b := tx.commitBatch()
	tx.flush(b)
	var keys [][]byte
	for r := b.Reader(); ; {
		_, k, _, ok, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		keys = append(keys, slices.Clone(k))
	}
	if len(keys) != 11 || !slices.IsSortedFunc(keys, bytes.Compare) {
		t.Fatalf("the batch holds %d records, sorted %v; want 11 in key order", len(keys), slices.IsSortedFunc(keys, bytes.Compare))
	}
	tx.Discard()
}

func TestStagedWritesAndIterators(t *testing.T) {
	s, tx, oid := beginObject(t)
	tx.Set(oid, []byte("a"), []byte("1"))
	commit(t, tx)

	// An iterator sees the staged writes; writes after it are staged again.
	tx = s.Begin()
	tx.Set(oid, []byte("b"), []byte("2"))
	tx.Delete(oid, []byte("a"))
	it, err := tx.Iter(oid, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !it.First() || string(it.Key()) != "b" || it.Next() {
		t.Fatal("an iterator in the Tx does not see its staged writes")
	}
	it.Close()
	tx.Set(oid, []byte("b"), []byte("3"))
	tx.Set(oid, []byte("c"), []byte("4"))
	commit(t, tx)
	if got, want := elements(t, s, oid), []string{"b=3", "c=4"}; !slices.Equal(got, want) {
		t.Fatalf("committed %q; want %q", got, want)
	}

	// Staged writes before a range delete are deleted by it; those after
	// it survive.
	tx = s.Begin()
	tx.Set(oid, []byte("d"), []byte("5"))
	tx.DeleteRange(oid, []byte("a"), []byte("z"))
	tx.Set(oid, []byte("e"), []byte("6"))
	commit(t, tx)
	if got, want := elements(t, s, oid), []string{"e=6"}; !slices.Equal(got, want) {
		t.Fatalf("after the range delete: %q; want %q", got, want)
	}
}

func TestStagedWritesOfADroppedObject(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	key := []byte("list")
	tx := s.Begin()
	oid, err := tx.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(0, key, &Meta{Type: TypeList, OID: oid, Count: 2}); err != nil {
		t.Fatal(err)
	}
	tx.Set(oid, []byte("1"), []byte("a"))
	tx.Set(oid, []byte("2"), []byte("b"))
	if err := tx.Put(0, key, nil); err != nil { // RPUSH then DEL in one MULTI
		t.Fatal(err)
	}
	commit(t, tx)
	if got := elements(t, s, oid); len(got) != 0 {
		t.Fatalf("a dropped object kept the records staged for it: %q", got)
	}
}

func TestCacheKeepsItsOwnCopies(t *testing.T) {
	c := newCache(1 << 20)
	key := []byte("\x01key")
	m := &Meta{Type: TypeString, Value: []byte("value"), Ext: []byte{1, 2}}
	c.put(7, key, m)
	// A small record is copied: the caller's buffers may be reused.
	copy(m.Value, "XXXXX")
	m.Ext[0] = 9
	key[1] = 'X'
	got, ok := c.get(7, []byte("\x01key"))
	if !ok || string(got.Value) != "value" || !bytes.Equal(got.Ext, []byte{1, 2}) {
		t.Fatalf("cached meta: %+v, %v", got, ok)
	}
	// An append to the cached value must not overwrite Ext behind it.
	_ = append(got.Value, 'Z')
	if got, _ := c.get(7, []byte("\x01key")); !bytes.Equal(got.Ext, []byte{1, 2}) {
		t.Fatalf("Ext after an append to Value: %v", got.Ext)
	}
	// A large one keeps its own buffers, and the key is still copied.
	big := &Meta{Type: TypeString, Value: bytes.Repeat([]byte("v"), sharedBufferMax)}
	c.put(8, key, big)
	key[1] = 'Y'
	if got, ok := c.get(8, []byte("\x01Xey")); !ok || got != big {
		t.Fatalf("large record: %p, %v; want %p", got, ok, big)
	}
	c.putElem(7, []byte("\x02elem"), nil, 0, true)
	if v, ok := c.getElem(7, []byte("\x02elem")); !ok || v == nil || len(v) != 0 {
		t.Fatalf("empty element: %q, %v", v, ok)
	}
}
