package storage

import (
	"fmt"
	"testing"
)

func TestPosIndexFindsEveryPositionThroughCollisions(t *testing.T) {
	var x posIndex
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("key", i)
		x.add(uint32(i%7), i) // seven hashes: long probe chains
	}
	for i, k := range keys {
		got, ok := x.find(uint32(i%7), func(pos int) bool { return keys[pos] == k })
		if !ok || got != i {
			t.Fatalf("find(%q) = %d, %v; want %d", k, got, ok, i)
		}
	}
	if _, ok := x.find(3, func(pos int) bool { return keys[pos] == "absent" }); ok {
		t.Fatal("found a key never added")
	}
	x.reset()
	if x.used != 0 {
		t.Fatalf("reset left %d positions in use", x.used)
	}
	x.add(5, 0)
	if _, ok := x.find(3, func(int) bool { return true }); ok {
		t.Fatal("reset left an old position behind")
	}
}

// A Tx with more keys and elements than it scans indexes them; the pooled
// Tx's next life must not see the last one's.
func TestTxFindsItsOwnWritesAcrossLives(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	const n = 300
	for life := 0; life < 3; life++ {
		tx := s.Begin()
		for i := 0; i < n; i++ {
			for db := 0; db < 2; db++ {
				v := fmt.Sprintf("%d-%d-%d", life, db, i)
				if err := tx.Put(db, []byte(fmt.Sprint("k", i)), &Meta{Type: TypeString, Value: []byte(v)}); err != nil {
					t.Fatal(err)
				}
			}
			tx.Set(7, []byte(fmt.Sprint("e", i)), []byte(fmt.Sprint(life, i)))
		}
		for i := 0; i < n; i++ {
			for db := 0; db < 2; db++ {
				m, err := tx.Meta(db, []byte(fmt.Sprint("k", i)))
				if want := fmt.Sprintf("%d-%d-%d", life, db, i); err != nil || m == nil || string(m.Value) != want {
					t.Fatalf("life %d: k%d in db %d read %v, %v; want %q", life, i, db, m, err, want)
				}
			}
			v, ok, err := tx.Get(7, []byte(fmt.Sprint("e", i)))
			if want := fmt.Sprint(life, i); err != nil || !ok || string(v) != want {
				t.Fatalf("life %d: element e%d read %q, %v, %v; want %q", life, i, v, ok, err, want)
			}
		}
		commit(t, tx)
	}
}
