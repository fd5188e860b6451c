package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cairndb/cairn/storage"
)

// TestZsetIndexMatchesModel adds and removes random members across many
// transactions and checks every rank and range count the index answers
// against a sorted slice, with the index's boundaries in memory and read
// from the records.
func TestZsetIndexMatchesModel(t *testing.T) {
	persisted := func(t *testing.T) {
		defer func(min int64) { zsetPersistMin = min }(zsetPersistMin)
		zsetPersistMin = 0 // levels from 64 elements on
		testZsetIndexMatchesModel(t, 2, false)
	}
	t.Run("memo", persisted)
	t.Run("memo of small chunks", func(t *testing.T) {
		defer func(n int) { zboundsChunk = n }(zboundsChunk)
		zboundsChunk = 2 // chunks split at 4 boundaries and empty often
		persisted(t)
	})
	t.Run("records", func(t *testing.T) {
		defer func(max int64) { zboundsMax = max }(zboundsMax)
		zboundsMax = 0
		persisted(t)
	})
	t.Run("in memory", func(t *testing.T) { testZsetIndexMatchesModel(t, 0, false) })
	t.Run("in memory, small chunks", func(t *testing.T) {
		defer func(n int) { zmemChunkLen = n }(zmemChunkLen)
		zmemChunkLen = 2
		testZsetIndexMatchesModel(t, 0, false)
	})
	t.Run("in memory, forgotten", func(t *testing.T) { testZsetIndexMatchesModel(t, 0, true) })
	t.Run("in memory, then records", func(t *testing.T) {
		defer func(min int64) { zsetPersistMin = min }(zsetPersistMin)
		zsetPersistMin = 3000 // the set grows past it half way
		testZsetIndexMatchesModel(t, 2, false)
	})
}

// testZsetIndexMatchesModel ends with a set of about 4,000 members and
// wants at least minLevels persisted levels; forget drops the memory
// index now and then, as a full hint table does.
func testZsetIndexMatchesModel(t *testing.T, minLevels int, forget bool) {
	store, err := storage.Open(storage.Options{Dir: t.TempDir()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tx := store.Begin()
	oid, err := tx.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	z := newZset(tx, oid, encZsetSkiplist)
	model := map[string]float64{}
	rng := rand.New(rand.NewPCG(1, 2))
	sorted := func() [][]byte {
		var ps [][]byte
		for m, s := range model {
			ps = append(ps, zpos(s, []byte(m)))
		}
		slices.SortFunc(ps, bytes.Compare)
		return ps
	}
	check := func() {
		t.Helper()
		ps := sorted()
		if z.card() != int64(len(ps)) {
			t.Fatalf("card %d, model %d", z.card(), len(ps))
		}
		for i := 0; i < 50 && len(ps) > 0; i++ {
			r := rng.IntN(len(ps))
			if got := z.countBefore(ps[r]); got != int64(r) {
				t.Fatalf("countBefore(rank %d) = %d (levels %d)", r, got, z.levels())
			}
			if got := z.posAtRank(int64(r)); !bytes.Equal(got, ps[r]) {
				t.Fatalf("posAtRank(%d) = %x, want %x", r, got, ps[r])
			}
		}
	}
	for round := range 40 {
		for range 300 {
			m := fmt.Appendf(nil, "m%d", rng.IntN(6000))
			old, exists := z.score(m)
			switch {
			case exists && rng.IntN(3) == 0:
				z.remove(m, old)
				delete(model, string(m))
			case exists:
				s := float64(rng.IntN(50))
				z.update(m, old, s)
				model[string(m)] = s
			default:
				s := float64(rng.IntN(50))
				z.insert(m, s)
				model[string(m)] = s
			}
		}
		if forget && round%3 == 1 {
			tx.DropHint(z.m.OID, zsetMemIndexMemo)
		}
		check()
		if minLevels == 0 && z.card() >= zsetScanMax {
			if _, ok := tx.Memo(z.m.OID, zsetMemIndexMemo).(*zmemIndex); !ok {
				t.Fatalf("no memory index after ranks of %d members", z.card())
			}
		}
		if round%5 == 4 { // commit, and go on in a fresh transaction
			meta := z.meta()
			if _, err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			tx = store.Begin()
			z = openZset(tx, meta)
		}
	}
	if z.levels() < minLevels || minLevels == 0 && z.levels() != 0 {
		t.Fatalf("%d index levels for %d members, want %d", z.levels(), z.card(), minLevels)
	}
	tx.Discard()
}
