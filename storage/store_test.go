package storage

import (
	"bytes"
	"fmt"
	"testing"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, BlockCacheSize: 8 << 20, MemTableSize: 4 << 20, HotCacheSize: 1 << 20}, 16)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func commit(t *testing.T, tx *Tx) {
	t.Helper()
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	for _, m := range []*Meta{
		{Type: TypeString, Value: []byte("hello")},
		{Type: TypeString, Value: []byte{}, Expire: 1234567890123, Enc: 1},
		{Type: TypeList, OID: 99, Count: 1 << 40, Ext: []byte{1, 2, 3}},
		{Type: TypeStream, OID: 1, Expire: 5, Count: 0, Enc: 63},
	} {
		got, err := decodeMeta(encodeMeta(nil, m))
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != m.Type || got.Enc != m.Enc || got.Expire != m.Expire || got.OID != m.OID ||
			got.Count != m.Count || !bytes.Equal(got.Ext, m.Ext) || !bytes.Equal(got.Value, m.Value) {
			t.Errorf("round trip of %+v gave %+v", m, got)
		}
	}
	if _, err := decodeMeta([]byte{1}); err == nil {
		t.Error("a truncated meta record decoded without error")
	}
}

func TestCountersAndExpiryIndexSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	tx := s.Begin()
	for i := 0; i < 10; i++ {
		m := &Meta{Type: TypeString, Value: []byte("v")}
		if i < 4 {
			m.Expire = int64(1000 + i)
		}
		tx.Put(0, []byte(fmt.Sprint("k", i)), m)
	}
	commit(t, tx)
	tx = s.Begin()
	tx.Put(0, []byte("k0"), nil) // deletes a key with a deadline
	commit(t, tx)
	if keys, expires, _ := s.KeyStats(0); keys != 9 || expires != 3 {
		t.Fatalf("KeyStats = %d keys, %d expires; want 9, 3", keys, expires)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	if keys, expires, _ := s.KeyStats(0); keys != 9 || expires != 3 {
		t.Fatalf("after restart KeyStats = %d keys, %d expires; want 9, 3", keys, expires)
	}
	due, err := s.DueKeys(1002, 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range due {
		names = append(names, string(d.Key))
	}
	if fmt.Sprint(names) != "[k1 k2]" {
		t.Fatalf("due keys at 1002 = %v, want [k1 k2]", names)
	}
}

func TestDroppedObjectsLeaveNoElements(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	for _, n := range []int{3, 500} { // point deletes, then a range tombstone
		tx := s.Begin()
		oid, err := tx.NewOID()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			tx.Set(oid, []byte(fmt.Sprintf("%05d", i)), []byte("x"))
		}
		tx.Put(0, []byte("coll"), &Meta{Type: TypeSet, OID: oid, Count: int64(n)})
		commit(t, tx)

		tx = s.Begin()
		tx.Put(0, []byte("coll"), &Meta{Type: TypeString, Value: []byte("now a string")})
		commit(t, tx)

		tx = s.Begin()
		it, err := tx.Iter(oid, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for ok := it.First(); ok; ok = it.Next() {
			left++
		}
		it.Close()
		tx.Discard()
		if left != 0 {
			t.Errorf("%d of %d elements left after overwriting the collection", left, n)
		}
	}
}

func TestRenameKeepsElements(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	tx := s.Begin()
	oid, _ := tx.NewOID()
	tx.Set(oid, []byte("a"), []byte("1"))
	m := &Meta{Type: TypeHash, OID: oid, Count: 1}
	tx.Put(0, []byte("src"), m)
	commit(t, tx)

	tx = s.Begin()
	got, _ := tx.Meta(0, []byte("src"))
	tx.Put(0, []byte("src"), nil)
	tx.Put(3, []byte("dst"), got) // a MOVE-like rename across databases
	commit(t, tx)

	tx = s.Begin()
	defer tx.Discard()
	if v, ok, _ := tx.Get(oid, []byte("a")); !ok || string(v) != "1" {
		t.Fatalf("element lost by a rename: %q %v", v, ok)
	}
	if m, _ := tx.Meta(3, []byte("dst")); m == nil || m.OID != oid {
		t.Fatalf("renamed key = %+v", m)
	}
}

func TestScanVisitsEveryKeyOnce(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	tx := s.Begin()
	want := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k := fmt.Sprint("key:", i)
		want[k] = true
		tx.Put(1, []byte(k), &Meta{Type: TypeString, Value: []byte("v")})
	}
	commit(t, tx)
	seen := map[string]int{}
	cursor := uint64(0)
	for {
		next, err := s.ScanKeys(1, cursor, 7, func(key []byte, _ *Meta) { seen[string(key)]++ })
		if err != nil {
			t.Fatal(err)
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	if len(seen) != len(want) {
		t.Fatalf("scan saw %d keys, want %d", len(seen), len(want))
	}
	for k, n := range seen {
		if !want[k] || n != 1 {
			t.Fatalf("key %q seen %d times", k, n)
		}
	}
}

func TestFlushAndSwapAreRemappings(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	tx := s.Begin()
	tx.Put(0, []byte("a"), &Meta{Type: TypeString, Value: []byte("0")})
	tx.Put(1, []byte("b"), &Meta{Type: TypeString, Value: []byte("1"), Expire: 99})
	commit(t, tx)
	if err := s.SwapDBs(0, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushDBs(1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	tx = s.Begin()
	defer tx.Discard()
	if m, _ := tx.Meta(0, []byte("b")); m == nil || string(m.Value) != "1" {
		t.Fatalf("db0 after swap = %+v", m)
	}
	if m, _ := tx.Meta(1, []byte("a")); m != nil {
		t.Fatalf("db1 after flush still has a: %+v", m)
	}
	if keys, expires, _ := s.KeyStats(0); keys != 1 || expires != 1 {
		t.Fatalf("db0 stats %d %d", keys, expires)
	}
	if keys, _, _ := s.KeyStats(1); keys != 0 {
		t.Fatalf("db1 keys %d after flush", keys)
	}
}
