package storage

import (
	"fmt"
	"testing"
)

// TestElemFilter checks that member lookups of a big object find every
// element, whether written before its filter was built, by the Tx that
// built it, or later, and that misses are answered by the filter.
func TestElemFilter(t *testing.T) {
	s, tx, oid := beginObject(t)
	const n = 3000
	for i := 0; i < n; i++ {
		tx.Set(oid, []byte(fmt.Sprint("m", i)), nil)
	}
	tx.Put(0, []byte("set"), &Meta{Type: TypeSet, OID: oid, Count: n})
	commit(t, tx)

	get := func(tx *Tx, sub string) bool {
		_, ok, err := tx.GetMember(oid, []byte(sub))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	tx = s.Begin()
	tx.Set(oid, []byte("before"), nil) // in the Tx, before the filter exists
	if _, err := tx.Meta(0, []byte("set")); err != nil {
		t.Fatal(err)
	}
	if get(tx, "absent") {
		t.Fatal("absent member found")
	}
	if _, ok := s.elems.m.Load(oid); !ok {
		t.Fatal("no filter built")
	}
	tx.Set(oid, []byte("after"), nil)
	for _, m := range []string{"m0", "m2999", "before", "after"} {
		if !get(tx, m) {
			t.Fatalf("%s not found in the Tx", m)
		}
	}
	commit(t, tx)
	tx = s.Begin()
	defer tx.Discard()
	tx.Meta(0, []byte("set"))
	for i := 0; i < n; i++ {
		if !get(tx, fmt.Sprint("m", i)) {
			t.Fatalf("m%d not found", i)
		}
	}
	if !get(tx, "before") || !get(tx, "after") {
		t.Fatal("members written around the filter's build are lost")
	}
	ruled := 0
	for i := 0; i < 1000; i++ {
		if tx.elemAbsent(oid, []byte(fmt.Sprint("x", i))) {
			ruled++
		}
	}
	if ruled < 900 {
		t.Errorf("the filter ruled out only %d of 1000 missing members", ruled)
	}
}
