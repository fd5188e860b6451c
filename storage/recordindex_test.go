package storage

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestRecordIndexFollowsWrites churns a small object's records through
// committed and discarded Txs, range deletes included, and checks every
// member lookup against a model. The index must be built (lookups of
// missing members answered without Pebble) and must never answer "absent"
// for a record that exists.
func TestRecordIndexFollowsWrites(t *testing.T) {
	s, tx, oid := beginObject(t)
	model := map[string]bool{}
	for i := range 200 {
		sub := fmt.Sprint("m", i)
		tx.Set(oid, []byte(sub), nil)
		model[sub] = true
	}
	tx.Put(0, []byte("obj"), &Meta{Type: TypeSet, OID: oid, Count: int64(len(model))})
	commit(t, tx)

	rng := rand.New(rand.NewPCG(1, 2))
	begin := func() *Tx {
		tx := s.Begin()
		if _, err := tx.Meta(0, []byte("obj")); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	check := func(tx *Tx, sub string, want bool, step int) {
		t.Helper()
		_, ok, err := tx.GetMember(oid, []byte(sub))
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Fatalf("step %d: GetMember(%s) = %v, want %v", step, sub, ok, want)
		}
	}
	answered := 0
	for step := range 3000 {
		tx := begin()
		staged := map[string]bool{}
		for k, v := range model {
			staged[k] = v
		}
		for range 1 + rng.IntN(6) {
			sub := fmt.Sprint("m", rng.IntN(400))
			switch rng.IntN(10) {
			case 0, 1, 2, 3:
				tx.Set(oid, []byte(sub), []byte("v"))
				staged[sub] = true
			case 4, 5, 6:
				tx.Delete(oid, []byte(sub))
				delete(staged, sub)
			case 7:
				if rng.IntN(20) == 0 { // rare: a range delete drops the index
					tx.DeleteRange(oid, []byte("m3"), []byte("m4"))
					for k := range staged {
						if k >= "m3" && k < "m4" {
							delete(staged, k)
						}
					}
				}
			default:
				if absent, known := tx.indexedAbsent(oid, []byte(sub)); absent && known {
					answered++
				}
				check(tx, sub, staged[sub], step)
			}
		}
		if rng.IntN(4) == 0 {
			tx.Discard()
			continue
		}
		commit(t, tx)
		model = staged
	}
	tx = begin()
	defer tx.Discard()
	for i := range 400 {
		sub := fmt.Sprint("m", i)
		check(tx, sub, model[sub], -1)
	}
	if tx.recordIndex(oid) == nil {
		t.Error("no record index at the end")
	}
	if answered < 100 {
		t.Errorf("the index answered only %d lookups as absent", answered)
	}
}
