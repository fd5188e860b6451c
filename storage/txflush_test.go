package storage

import (
	"fmt"
	"testing"
)

// An iterator sees a Tx's staged writes, each key once with its last
// write, also when a key was written again or deleted after being staged,
// and over several flushes; the commit then holds the same.
func TestIteratorsSeeRestagedWrites(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	const oid = 9
	want := map[string]string{}
	check := func(tx *Tx, when string) {
		t.Helper()
		it, err := tx.Iter(oid, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for ok := it.First(); ok; ok = it.Next() {
			got[string(it.Key())] = string(it.Value())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: iterator saw %v, want %v", when, got, want)
		}
	}
	tx := s.Begin()
	for round := range 3 {
		for i := range 50 {
			k := fmt.Sprint("e", i)
			tx.Set(oid, []byte(k), []byte(fmt.Sprint(round, "a", i)))
			switch i % 3 {
			case 0: // written again
				tx.Set(oid, []byte(k), []byte(fmt.Sprint(round, "b", i)))
				want[k] = fmt.Sprint(round, "b", i)
			case 1: // deleted
				tx.Delete(oid, []byte(k))
				delete(want, k)
			default:
				want[k] = fmt.Sprint(round, "a", i)
			}
		}
		check(tx, fmt.Sprint("round ", round))
	}
	commit(t, tx)
	tx = s.Begin()
	defer tx.Discard()
	check(tx, "after the commit")
}
