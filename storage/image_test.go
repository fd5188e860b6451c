package storage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestImageFollowsWrites writes, deletes and range-deletes a small object's
// records through committed and discarded Txs, and checks every read and
// iterator (bounds, seeks, both directions, writes made while one is open)
// against a model. The object must get an image, and an image must answer
// exactly as Pebble does.
func TestImageFollowsWrites(t *testing.T) {
	s, tx, oid := beginObject(t)
	tx.Put(0, []byte("obj"), &Meta{Type: TypeHash, OID: oid, Count: 10})
	commit(t, tx)

	rng := rand.New(rand.NewPCG(3, 4))
	model := map[string]string{}
	sub := func() string { return fmt.Sprintf("k%02d", rng.IntN(40)) }
	sorted := func(m map[string]string, lower, upper string) []string {
		var out []string
		for k, v := range m {
			if k >= lower && (upper == "" || k < upper) {
				out = append(out, k+"="+v)
			}
		}
		slices.Sort(out)
		return out
	}
	served := 0
	for step := range 2000 {
		tx := s.Begin()
		if _, err := tx.Meta(0, []byte("obj")); err != nil {
			t.Fatal(err)
		}
		staged := map[string]string{}
		for k, v := range model {
			staged[k] = v
		}
		for range 1 + rng.IntN(5) {
			switch op := rng.IntN(12); {
			case op < 4:
				k, v := sub(), strings.Repeat("v", rng.IntN(3))+fmt.Sprint(step)
				tx.Set(oid, []byte(k), []byte(v))
				staged[k] = v
			case op < 6:
				k := sub()
				tx.Delete(oid, []byte(k))
				delete(staged, k)
			case op == 6 && rng.IntN(10) == 0:
				lo, hi := sub(), sub()
				if lo > hi {
					lo, hi = hi, lo
				}
				tx.DeleteRange(oid, []byte(lo), []byte(hi))
				for k := range staged {
					if k >= lo && k < hi {
						delete(staged, k)
					}
				}
			case op < 9:
				k := sub()
				v, ok, err := tx.Get(oid, []byte(k))
				if want, wok := staged[k]; err != nil || ok != wok || string(v) != want {
					t.Fatalf("step %d: Get(%s) = %q %v %v, want %q %v", step, k, v, ok, err, want, wok)
				}
			default:
				lower, upper := "", ""
				if rng.IntN(2) == 0 {
					lower, upper = sub(), sub()
					if lower > upper {
						lower, upper = upper, lower
					}
				}
				var lb, ub []byte
				if upper != "" {
					lb, ub = []byte(lower), []byte(upper)
				}
				if tx.imageOf(oid) != nil {
					served++
				}
				it, err := tx.Iter(oid, lb, ub)
				if err != nil {
					t.Fatal(err)
				}
				want := sorted(staged, lower, upper)
				var got []string
				for ok := it.First(); ok; ok = it.Next() {
					got = append(got, string(it.Key())+"="+string(it.Value()))
					if rng.IntN(4) == 0 { // a write the open iterator must not see
						k := sub()
						tx.Set(oid, []byte(k), []byte("w"))
						staged[k] = "w"
					}
				}
				var back []string
				for ok := it.Last(); ok; ok = it.Prev() {
					back = append(back, string(it.Key())+"="+string(it.Value()))
				}
				slices.Reverse(back)
				if !slices.Equal(got, want) || !slices.Equal(back, want) {
					t.Fatalf("step %d: iterating [%q, %q) gave %v forward, %v backward, want %v", step, lower, upper, got, back, want)
				}
				seek := sub()
				if it.SeekGE([]byte(seek)) {
					if k := string(it.Key()); k < seek || k < lower || (upper != "" && k >= upper) {
						t.Fatalf("step %d: SeekGE(%s) = %s in [%q, %q)", step, seek, k, lower, upper)
					}
				}
				if it.SeekLT([]byte(seek)) {
					if k := string(it.Key()); k >= seek || k < lower {
						t.Fatalf("step %d: SeekLT(%s) = %s", step, seek, k)
					}
				}
				if err := it.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if rng.IntN(5) == 0 {
			tx.Discard()
			continue
		}
		commit(t, tx)
		model = staged
	}
	if served < 200 {
		t.Errorf("an image served only %d iterators", served)
	}
}
