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
// Hints are not persistent and may be forgotten at any time (the table
// sheds them when it grows too big); object ids are never reused, so a hint
// of a deleted object is merely garbage.
//
// A memo is a hint that is a structure rather than bytes: the copy of an
// object's records kept in memory in the form its readers want (a sorted
// set's index boundaries, the members SPOP picks from next), under the
// same rules. The Tx that changes the records sets a new memo, or changes
// the one it read in place through ChangeMemo: it holds the object's key
// lock, so nobody else reads the memo meanwhile, and if it ends without
// committing, the memos it changed are dropped.

// HintKind tells the hints of one object apart.
type HintKind byte

type hintKey struct {
	oid  uint64
	kind HintKind
}

// hint is a hint's value ([]byte) or a memo, with its size in bytes.
type hint struct {
	v    any // nil: dropped
	size int64
}

type hintTable struct {
	mu    sync.Mutex
	m     map[hintKey]hint
	bytes int64
}

// maxHints and maxHintBytes bound the table: past either, it sheds what
// is cheap to learn again.
const (
	maxHints     = 1 << 16
	maxHintBytes = 32 << 20
)

func newHintTable() *hintTable { return &hintTable{m: make(map[hintKey]hint)} }

func (s *Store) hintTable() *hintTable { return s.hints }

func (tx *Tx) hint(k hintKey) any {
	if h, ok := tx.hints[k]; ok {
		return h.v
	}
	t := tx.s.hintTable()
	t.mu.Lock()
	h := t.m[k]
	t.mu.Unlock()
	return h.v
}

// Hint returns the object's hint of this kind as this Tx sees it; nil when
// there is none.
func (tx *Tx) Hint(oid uint64, kind HintKind) []byte {
	v, _ := tx.hint(hintKey{oid, kind}).([]byte)
	return v
}

// SetHint records a hint true of the records as this Tx sees them now; it
// is published when the Tx commits. Writes of the same Tx that could break
// it must DropHint.
func (tx *Tx) SetHint(oid uint64, kind HintKind, v []byte) {
	k := hintKey{oid, kind}
	if cur, ok := tx.hints[k].v.([]byte); ok && bytes.Equal(cur, v) {
		return
	}
	tx.setHint(k, hint{bytes.Clone(v), int64(len(v))})
}

func (tx *Tx) setHint(k hintKey, h hint) {
	if tx.hints == nil {
		tx.hints = make(map[hintKey]hint)
	}
	tx.hints[k] = h
}

// Memo returns the object's memo of this kind as this Tx sees it; nil when
// there is none. The memo is shared: it must not be changed.
func (tx *Tx) Memo(oid uint64, kind HintKind) any {
	if tx.bulk {
		return nil
	}
	return tx.hint(hintKey{oid, kind})
}

// SetMemo records a memo of about size bytes, true of the records as this
// Tx sees them now, published when the Tx commits. A bulk load keeps none:
// its Tx never commits.
func (tx *Tx) SetMemo(oid uint64, kind HintKind, v any, size int64) {
	if !tx.bulk {
		tx.setHint(hintKey{oid, kind}, hint{v, size})
	}
}

// ChangeMemo is Memo for a Tx about to change the memo in place, holding
// the object's key lock; the memo is dropped if the Tx does not commit.
func (tx *Tx) ChangeMemo(oid uint64, kind HintKind) any {
	v := tx.Memo(oid, kind)
	// Only a repeat of the last key is skipped: a script touching
	// thousands of objects must not make this quadratic, and a key listed
	// twice is merely dropped twice.
	k := hintKey{oid, kind}
	if n := len(tx.memosChanged); v != nil && (n == 0 || tx.memosChanged[n-1] != k) {
		tx.memosChanged = append(tx.memosChanged, k)
	}
	return v
}

// dropChangedMemos forgets the memos a Tx changed in place and does not
// commit.
func (tx *Tx) dropChangedMemos() {
	for _, k := range tx.memosChanged {
		tx.DropHint(k.oid, k.kind)
	}
}

// DropHint forgets a hint at once, for everyone and for the rest of this Tx.
func (tx *Tx) DropHint(oid uint64, kind HintKind) {
	k := hintKey{oid, kind}
	tx.setHint(k, hint{})
	t := tx.s.hintTable()
	t.mu.Lock()
	t.bytes -= t.m[k].size
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
	if len(t.m) > maxHints || t.bytes > maxHintBytes {
		t.shed()
	}
	for k, h := range tx.hints {
		t.bytes -= t.m[k].size
		if h.v == nil {
			delete(t.m, k)
		} else {
			t.m[k] = h
			t.bytes += h.size
		}
	}
	t.mu.Unlock()
}

// shed empties a full table but for its large memos while they fit in
// half the byte budget: a small hint is learnt again by the next scan
// that passes, a large memo (a big sorted set's index) costs a scan of
// the whole object.
func (t *hintTable) shed() {
	for k, h := range t.m {
		if h.size < largeHint || t.bytes > maxHintBytes/2 {
			t.bytes -= h.size
			delete(t.m, k)
		}
	}
}

// largeHint is the size from which shed keeps a memo.
const largeHint = 4 << 10

// forgetCached empties the hot cache and the hints, which showed the
// writes of a commit that then failed: Pebble is the truth again.
func (s *Store) forgetCached() {
	s.cache.clear()
	t := s.hintTable()
	t.mu.Lock()
	clear(t.m)
	t.bytes = 0
	t.mu.Unlock()
}
