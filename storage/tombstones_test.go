package storage

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// pointsUnder counts the internal points (live records and tombstones) an
// iterator over object oid steps through.
func pointsUnder(t *testing.T, s *Store, oid uint64) (live int, points uint64) {
	t.Helper()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: elemPrefix(oid), UpperBound: elemPrefix(oid + 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		live++
	}
	return live, it.Stats().InternalStats.PointCount
}

// An object that lost most of its elements gets its range compacted, so
// iterating what is left no longer steps over most of the deleted
// elements (those deleted after the last compaction, fewer than
// tombstoneFloor, may stay).
func TestDeletedElementsAreCompactedAway(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	const total, kept = tombstoneFloor + 4000, 1000
	tx := s.Begin()
	oid, err := tx.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	for i := range total {
		tx.Set(oid, fmt.Appendf(nil, "%06d", i), []byte("x"))
	}
	tx.Put(0, []byte("coll"), &Meta{Type: TypeSet, OID: oid, Count: total})
	commit(t, tx)

	// SPOP-like: many commits, each deleting one element.
	for i := kept; i < total; i++ {
		tx := s.Begin()
		tx.Delete(oid, fmt.Appendf(nil, "%06d", i))
		tx.Put(0, []byte("coll"), &Meta{Type: TypeSet, OID: oid, Count: int64(total - 1 - i + kept)})
		commit(t, tx)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		live, points := pointsUnder(t, s, oid)
		if live != kept {
			t.Fatalf("%d elements left, want %d", live, kept)
		}
		// A deleted element costs two points (its tombstone and the
		// record it hides) until a compaction drops both.
		if points-uint64(live) <= 2*(total-kept-tombstoneFloor) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("iterating %d elements still steps over %d points", live, points)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Deletes from an object that keeps most of its elements do not trigger
// compactions, and counts of objects that are gone are forgotten.
func TestTombstoneCounting(t *testing.T) {
	tb := newTombstones()
	tb.note(1, tombstoneFloor, 10*tombstoneFloor)
	if len(tb.kick) != 0 || tb.deletes[1] != tombstoneFloor {
		t.Fatalf("a big object's deletes triggered a compaction: kick %d, count %d", len(tb.kick), tb.deletes[1])
	}
	tb.note(2, tombstoneFloor-1, 0)
	if len(tb.kick) != 0 {
		t.Fatal("deletes below the floor triggered a compaction")
	}
	tb.note(2, 1, 0)
	if len(tb.kick) != 1 || tb.deletes[2] != 0 {
		t.Fatalf("an emptied object was not queued: kick %d, count %d", len(tb.kick), tb.deletes[2])
	}
	tb.note(3, 2*tombstoneFloor, 5)
	if tb.deletes[3] != 2*tombstoneFloor {
		t.Fatal("a deletion count was lost while a compaction was queued")
	}
	tb.note(3, 1, -1)
	if _, ok := tb.deletes[3]; ok {
		t.Fatal("a dropped object's count was kept")
	}
}
