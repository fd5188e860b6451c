package storage

import (
	"context"
	"sync"
	"time"
)

// Deleting an element leaves a tombstone that every iterator over the
// object steps past until a compaction drops it. A set emptied by SPOP, or
// a hash that lost most of its fields, would make each random pick or scan
// cost as much as everything it ever held. So the store counts each
// object's element deletes, and once they reach its live count (and
// tombstoneFloor), compacts the object's key range in the background,
// which flushes the memtable first and drops the tombstones.

const (
	// tombstoneFloor keeps small objects from triggering compactions,
	// each of which flushes a memtable.
	tombstoneFloor = 16384
	// tombstoneObjects bounds the counting: past it the counts restart,
	// so an object may wait longer for its compaction, never forever.
	tombstoneObjects = 1 << 16
	// compactPause spaces the compactions out: a workload churning many
	// objects must not flush a memtable after every few deletes.
	compactPause = time.Second
)

type tombstones struct {
	mu      sync.Mutex
	deletes map[uint64]int64 // object id → element deletes since its last compaction
	kick    chan uint64      // objects to compact: one waits while one runs
}

func newTombstones() *tombstones {
	return &tombstones{deletes: map[uint64]int64{}, kick: make(chan uint64, 1)}
}

// note records n committed deletes of object oid, which now holds live
// elements (live < 0: the object is gone).
func (t *tombstones) note(oid uint64, n, live int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if live < 0 {
		delete(t.deletes, oid)
		return
	}
	if len(t.deletes) >= tombstoneObjects {
		clear(t.deletes)
	}
	d := t.deletes[oid] + n
	if d < tombstoneFloor || d < live {
		t.deletes[oid] = d
		return
	}
	select {
	case t.kick <- oid:
		delete(t.deletes, oid)
	default:
		t.deletes[oid] = d // a compaction is running: retry on the next delete
	}
}

// compactLoop compacts the objects note asks for, one at a time.
func (s *Store) compactLoop() {
	defer s.bgWG.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.done
		cancel()
	}()
	for {
		select {
		case <-s.done:
			return
		case oid := <-s.tombs.kick:
			// An error (the store closing, a cancelled compaction) only
			// leaves the tombstones where they were.
			_ = s.db.Compact(ctx, elemPrefix(oid), elemPrefix(oid+1), false)
			select {
			case <-s.done:
				return
			case <-time.After(compactPause):
			}
		}
	}
}
