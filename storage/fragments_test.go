package storage

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// stringOf reads key's whole value through ReadString and StringChunks and
// checks they agree.
func stringOf(t *testing.T, s *Store, key string) []byte {
	t.Helper()
	tx := s.Begin()
	defer tx.Discard()
	m, err := tx.Meta(0, []byte(key))
	if err != nil || m == nil {
		t.Fatalf("meta of %q: %v %v", key, m, err)
	}
	size := StringLen(m)
	whole, err := tx.ReadString(m, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	pieced := make([]byte, size)
	last := int64(-1)
	if err := tx.StringChunks(m, 0, size, func(at int64, data []byte) bool {
		if at <= last {
			t.Fatalf("chunks out of order: %d after %d", at, last)
		}
		last = at
		copy(pieced[at:], data)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole, pieced) {
		t.Fatal("ReadString and StringChunks disagree")
	}
	return whole
}

// Random SETRANGE-like edits, some small, some huge, some zero, across
// commits: the value must always equal a plain []byte model, inline or in
// fragments, and all-zero fragments must not be stored.
func TestFragmentsMatchModel(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	r := rand.New(rand.NewPCG(5, 6))
	var model []byte
	key := []byte("k")
	for i := 0; i < 300; i++ {
		tx := s.Begin()
		m, err := tx.Meta(0, key)
		if err != nil {
			t.Fatal(err)
		}
		n := &Meta{Type: TypeString}
		if m != nil {
			c := *m
			n = &c
		}
		off := int64(r.IntN(3 * StringInlineMax))
		if r.IntN(10) == 0 {
			off = int64(r.IntN(200 * FragmentSize))
		}
		p := make([]byte, r.IntN(2*FragmentSize+1))
		if r.IntN(3) > 0 {
			for j := range p {
				p[j] = byte(r.IntN(4)) // plenty of zeros
			}
		}
		if err := tx.WriteStringAt(n, off, p); err != nil {
			t.Fatal(err)
		}
		if err := tx.Put(0, key, n); err != nil {
			t.Fatal(err)
		}
		commit(t, tx)
		if end := off + int64(len(p)); int64(len(model)) < end {
			model = append(model, make([]byte, end-int64(len(model)))...)
		}
		copy(model[off:], p)
		if got := stringOf(t, s, "k"); !bytes.Equal(got, model) {
			t.Fatalf("edit %d (%d bytes at %d): value differs from the model", i, len(p), off)
		}
	}
	tx := s.Begin()
	defer tx.Discard()
	m, _ := tx.Meta(0, key)
	if m.OID == 0 || m.Count != (int64(len(model))+FragmentSize-1)/FragmentSize {
		t.Fatalf("meta %+v for a %d-byte value", m, len(model))
	}
	it, err := tx.Iter(m.OID, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if v := it.Value(); len(v) == 0 || v[len(v)-1] == 0 {
			t.Fatalf("fragment %x stored with trailing zeros or empty", it.Key())
		}
	}
}

// A bit set at the last offset of a 512 MB string writes one fragment:
// the WAL grows by a few KB, not 512 MB.
func TestSparseStringFootprint(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	before := s.Pebble().Metrics().WAL.BytesIn
	tx := s.Begin()
	m := &Meta{Type: TypeString}
	if err := tx.WriteStringAt(m, 4294967295>>3, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(0, []byte("bits"), m); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	written := s.Pebble().Metrics().WAL.BytesIn - before
	t.Logf("SETBIT-like write at offset 2^32-1 put %d bytes in the WAL", written)
	if written > 16<<10 {
		t.Fatalf("%d bytes written for one bit", written)
	}
	if got := StringLen(m); got != 512<<20 {
		t.Fatalf("length %d", got)
	}
	tx = s.Begin()
	defer tx.Discard()
	tail, err := tx.ReadString(m, 512<<20-2, 2)
	if err != nil || !bytes.Equal(tail, []byte{0, 1}) {
		t.Fatalf("tail %v %v", tail, err)
	}
}

// Overwriting and deleting fragmented strings leaves no fragment behind.
func TestFragmentsDropped(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	big := bytes.Repeat([]byte("x"), 40*FragmentSize)
	var oids []uint64
	for _, v := range [][]byte{big, big[:StringInlineMax+1], []byte("small"), nil} {
		tx := s.Begin()
		if v == nil {
			if err := tx.Put(0, []byte("k"), nil); err != nil {
				t.Fatal(err)
			}
		} else {
			m := &Meta{Type: TypeString}
			if err := tx.SetStringValue(m, v); err != nil {
				t.Fatal(err)
			}
			if m.OID != 0 {
				oids = append(oids, m.OID)
			}
			if err := tx.Put(0, []byte("k"), m); err != nil {
				t.Fatal(err)
			}
		}
		commit(t, tx)
	}
	tx := s.Begin()
	defer tx.Discard()
	for _, oid := range oids {
		it, err := tx.Iter(oid, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if it.First() {
			t.Errorf("object %d still has fragments", oid)
		}
		it.Close()
	}
}
