package storage

import (
	"bytes"
	"sync"
)

// Hints are in-memory facts about an object's records that let reads skip
// work Pebble cannot skip by itself: a sorted set popped from its low end
// leaves a run of deletion tombstones in front of its first live score
// record, and every scan from the start would step over all of them
// (quadratic ZPOPMIN). A hint such as "no live score record sorts before
// P" lets the next scan seek straight to P.
//
// A hint is only ever a safe bound on the records as a Tx sees them:
//   - a write that could break a hint drops it at once, for everyone
//     (DropHint), so no reader can use a stale one;
//   - a hint learnt inside a Tx (SetHint) is private to that Tx until it
//     commits, and published only if the commit succeeds: the writer still
//     holds the object's key locks then, so nobody reads in between.
//
// Hints are not persistent and may be forgotten at any time (the table is
// cleared when it grows too big); object ids are never reused, so a hint
// of a deleted object is merely garbage.

// HintKind tells the hints of one object apart.
type HintKind byte

type hintKey struct {
	oid  uint64
	kind HintKind
}

type hintTable struct {
	mu sync.Mutex
	m  map[hintKey][]byte
}

// maxHints bounds the table: past it, it starts over empty.
const maxHints = 1 << 16

func newHintTable() *hintTable { return &hintTable{m: make(map[hintKey][]byte)} }

func (s *Store) hintTable() *hintTable { return s.hints }

// Hint returns the object's hint of this kind as this Tx sees it; nil when
// there is none.
func (tx *Tx) Hint(oid uint64, kind HintKind) []byte {
	k := hintKey{oid, kind}
	if v, ok := tx.hints[k]; ok {
		return v
	}
	t := tx.s.hintTable()
	t.mu.Lock()
	v := t.m[k]
	t.mu.Unlock()
	return v
}

// SetHint records a hint true of the records as this Tx sees them now; it
// is published when the Tx commits. Writes of the same Tx that could break
// it must DropHint.
func (tx *Tx) SetHint(oid uint64, kind HintKind, v []byte) {
	k := hintKey{oid, kind}
	if cur, ok := tx.hints[k]; ok && bytes.Equal(cur, v) {
		return
	}
	if tx.hints == nil {
		tx.hints = make(map[hintKey][]byte)
	}
	tx.hints[k] = bytes.Clone(v)
}

// DropHint forgets a hint at once, for everyone and for the rest of this Tx.
func (tx *Tx) DropHint(oid uint64, kind HintKind) {
	k := hintKey{oid, kind}
	if tx.hints == nil {
		tx.hints = make(map[hintKey][]byte)
	}
	tx.hints[k] = nil
	t := tx.s.hintTable()
	t.mu.Lock()
	delete(t.m, k)
	t.mu.Unlock()
}

// publishHints makes the hints the Tx learnt visible; called once its
// writes are committed, while its locks are still held.
func (tx *Tx) publishHints() {
	if len(tx.hints) == 0 {
		return
	}
	t := tx.s.hintTable()
	t.mu.Lock()
	if len(t.m) > maxHints {
		clear(t.m)
	}
	for k, v := range tx.hints {
		if v == nil {
			delete(t.m, k)
		} else {
			t.m[k] = v
		}
	}
	t.mu.Unlock()
}
