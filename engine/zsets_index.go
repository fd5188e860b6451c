package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math/bits"
	"slices"
	"sort"

	"github.com/cairndb/cairn/storage"
)

// The order-statistic index of a sorted set (storage/ENCODING.md): a
// deterministic skip list of counts kept in the same batch as the
// elements, so ZRANK, ZCOUNT and ZRANGE-by-index cost O(log n) records,
// not O(rank). Sets below zsetPersistMin elements keep its level 1 in
// memory instead (zsets_memindex.go).
//
// Each element has a level drawn from a hash of its member (seeded per
// set): level ≥ 1 with probability 1/64, and each level above 1/16 of
// the one below. Level L's nodes start at the
// elements of level ≥ L, plus a head node before the first element; a
// node's count is the number of elements from its start to the next node
// of the same level. Every node of level L+1 is also one of level L, so a
// walk descends from the top level, reading about 8 counts per level, and
// ends stepping over about 32 elements. (Stepping over an element costs a
// fraction of reading a count, hence the wider bottom level: it saves a
// level of counts to keep up on every write.)
// Levels depend only on the members, so the shape needs no rebalancing:
// adding or removing an element updates one count per level, and an
// element of level ≥ 1 (1 in 64) also splits or merges one node per level
// it reaches.
//
// A node is two records: an empty boundary marker, written once, that
// walks iterate over, and its count, rewritten by every change below it
// and only ever read by point lookup. Counts change on nearly every write
// to the set; stepping an iterator over a record with thousands of
// unflushed versions would cost thousands of steps, a point lookup costs
// one seek.

const (
	zsetBoundTag   = 'b' // 'b' · level · position → ""
	zsetBottomBits = 6   // 64 elements per level-1 node on average
	zsetFanoutBits = 4   // 16 children per higher node on average
	zsetMaxLevels  = 14
)

var errZsetIndex = errors.New("sorted set index is inconsistent")

// zlevel is the index level of member in a set with the given seed.
func zlevel(seed uint64, member []byte) int {
	h := fnv.New64a()
	h.Write(member)
	x := h.Sum64() ^ seed
	// splitmix64's finaliser: every bit of the FNV hash reaches the low bits.
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	tz := bits.TrailingZeros64(x)
	if tz < zsetBottomBits {
		return 0
	}
	return min(1+(tz-zsetBottomBits)/zsetFanoutBits, zsetMaxLevels)
}

// zcountKey appends the count of level L's node starting at pos (nil:
// head) to dst.
func zcountKey(dst []byte, level int, pos []byte) []byte {
	return append(append(dst, zsetCountTag, byte(level)), pos...)
}

// zboundKey appends the boundary marker of level L's node starting at pos
// to dst.
func zboundKey(dst []byte, level int, pos []byte) []byte {
	return append(append(dst, zsetBoundTag, byte(level)), pos...)
}

// zbounds is the index's boundaries in memory, a memo (storage/hints.go)
// of the 'b' records: [L-1] lists level L's node starts in order. Finding
// the node that holds a position is then a binary search instead of a
// reverse seek through every level of the LSM tree, which every ZADD and
// ZREM makes once per index level. Sets of up to zboundsMax elements keep
// one; a Tx that adds or deletes boundaries sets a changed copy.
type zbounds []zchunks

// zchunks is one level's boundaries in order, in chunks (never empty) of
// up to 2·zboundsChunk: a changed copy copies the list of chunks and the
// chunk it changes, not the whole level, which at level 1 holds 1 in 64
// of the set's elements (16k in a 1M-element set) and which 1 ZADD in 32
// changes.
type zchunks [][][]byte

// zboundsChunk is the size of a chunk when the memo is loaded; a chunk
// that grows to twice that splits. A variable so tests can use small ones.
var zboundsChunk = 64

const zsetBoundsMemo storage.HintKind = 'B'

// zboundsMax is the largest set that keeps its boundaries in memory: about
// 16k of them at level 1. A variable so tests can walk the records too.
var zboundsMax int64 = 1 << 20

// size is about the memory the memo holds, each chunk's boundaries taken
// to be as long as its first: a Tx that changes the memo sizes it again,
// and walking every boundary would make adding n members to a set in one
// command cost O(n²/64).
func (b zbounds) size() int64 {
	n := int64(24 * len(b))
	for _, l := range b {
		n += int64(24 * len(l))
		for _, c := range l {
			n += int64(len(c) * (24 + len(c[0])))
		}
	}
	return n
}

// find returns where pos is, or would be added, in l: chunk c, index i.
func (l zchunks) find(pos []byte) (c, i int, found bool) {
	if len(l) == 0 {
		return 0, 0, false
	}
	// The first chunk whose last boundary is not below pos, else the last.
	c = sort.Search(len(l)-1, func(c int) bool { return bytes.Compare(l[c][len(l[c])-1], pos) >= 0 })
	i, found = slices.BinarySearchFunc(l[c], pos, bytes.Compare)
	return c, i, found
}

// before is the last boundary before pos (nil: none).
func (l zchunks) before(pos []byte) []byte {
	c, i, _ := l.find(pos)
	switch {
	case len(l) == 0:
		return nil
	case i > 0:
		return l[c][i-1]
	case c > 0:
		return l[c-1][len(l[c-1])-1]
	}
	return nil
}

// after returns the boundaries after start (nil: all), one per call.
func (l zchunks) after(start []byte) func() ([]byte, bool) {
	var c, i int
	if start != nil {
		var found bool
		if c, i, found = l.find(start); found {
			i++
		}
	}
	return func() ([]byte, bool) {
		for c < len(l) && i >= len(l[c]) {
			c, i = c+1, 0
		}
		if c >= len(l) {
			return nil, false
		}
		i++
		return l[c][i-1], true
	}
}

// push adds pos after every boundary of l, which only its loader holds.
func (l zchunks) push(pos []byte) zchunks {
	if n := len(l); n > 0 && len(l[n-1]) < zboundsChunk {
		l[n-1] = append(l[n-1], pos)
		return l
	}
	return append(l, append(make([][]byte, 0, zboundsChunk), pos))
}

// with returns l with pos added (add) or removed: a copy that shares
// every chunk but the one changed, or l itself if nothing changes.
func (l zchunks) with(pos []byte, add bool) zchunks {
	c, i, found := l.find(pos)
	if found == add {
		return l
	}
	if len(l) == 0 {
		return zchunks{{bytes.Clone(pos)}}
	}
	old := l[c]
	var chunk [][]byte
	if add {
		chunk = make([][]byte, 0, len(old)+1)
		chunk = append(append(append(chunk, old[:i]...), bytes.Clone(pos)), old[i:]...)
	} else {
		chunk = append(append(make([][]byte, 0, len(old)-1), old[:i]...), old[i+1:]...)
	}
	out := slices.Clone(l)
	switch {
	case len(chunk) == 0:
		out = slices.Delete(out, c, c+1)
	case len(chunk) >= 2*zboundsChunk:
		half := len(chunk) / 2
		out[c] = chunk[:half:half]
		out = slices.Insert(out, c+1, chunk[half:])
	default:
		out[c] = chunk
	}
	return out
}

// indexReader walks the index and the 's' records of a set.
type indexReader struct {
	z      *zset
	open   *storage.Iter // nil until a walk needs records: see it
	low    []byte        // zsetLowHint: nothing live (element or boundary) is below it
	bounds zbounds       // nil until a walk needs it
}

func (z *zset) indexReader() *indexReader {
	r := &indexReader{z: z, low: z.tx.Hint(z.m.OID, zsetLowHint)}
	r.bounds, _ = z.tx.Memo(z.m.OID, zsetBoundsMemo).(zbounds)
	return r
}

// it is the reader's iterator over the set's records, opened on first use:
// with the bounds in memory and the counts in the hot cache, most inserts
// and removes read no other record.
func (r *indexReader) it() *storage.Iter {
	if r.open == nil {
		it, err := r.z.tx.Iter(r.z.m.OID, nil, nil)
		zmust(err)
		r.open = it
	}
	return r.open
}

// loadBounds reads every boundary into a memo, for a set small enough to
// keep one; false leaves the reader on its records.
func (r *indexReader) loadBounds() bool {
	z := r.z
	if z.m.Count > zboundsMax {
		return false
	}
	b := make(zbounds, z.levels())
	for ok := r.it().SeekGE([]byte{zsetBoundTag}); ok; ok = r.it().Next() {
		k := r.it().Key()
		if k[0] != zsetBoundTag {
			break
		}
		if l := int(k[1]); l >= 1 && l <= len(b) {
			b[l-1] = b[l-1].push(bytes.Clone(k[2:]))
		}
	}
	z.tx.SetMemo(z.m.OID, zsetBoundsMemo, b, b.size())
	r.bounds = b
	return true
}

// floor is where a walk from pos (nil: the head) may start: the records
// below the low hint are all deleted.
func (r *indexReader) floor(pos []byte) []byte {
	if r.low != nil && bytes.Compare(pos, r.low) < 0 {
		return r.low
	}
	return pos
}

func (r *indexReader) close() {
	if r.open != nil {
		zmust(r.open.Close())
	}
}

// count reads the count of level L's node starting at start.
func (r *indexReader) count(level int, start []byte) int64 {
	var buf [64]byte
	v, ok, err := r.z.tx.Get(r.z.m.OID, zcountKey(buf[:0], level, start))
	zmust(err)
	if !ok {
		panic(storageError{errZsetIndex})
	}
	c, _ := binary.Uvarint(v)
	return int64(c)
}

// onBound reports whether the iterator is on a boundary of level L and
// returns its position.
func (r *indexReader) onBound(ok bool, level int) ([]byte, bool) {
	if !ok {
		return nil, false
	}
	k := r.it().Key()
	if len(k) < 2 || k[0] != zsetBoundTag || int(k[1]) != level {
		return nil, false
	}
	return k[2:], true
}

// containing is the start of the last node of level L starting before pos
// (nil: the head).
func (r *indexReader) containing(level int, pos []byte) []byte {
	if r.bounds != nil || r.loadBounds() {
		if level > len(r.bounds) {
			return nil
		}
		return r.bounds[level-1].before(pos) // shared: never changed in place
	}
	var found bool
	if r.low != nil {
		found = r.it().SeekLTFloor(zboundKey(nil, level, pos), zboundKey(nil, level, r.low))
	} else {
		found = r.it().SeekLT(zboundKey(nil, level, pos))
	}
	start, ok := r.onBound(found, level)
	if !ok {
		return nil
	}
	return bytes.Clone(start)
}

// nextBound is the first boundary of level L after start (nil: head).
func (r *indexReader) nextBound(level int, start []byte) ([]byte, bool) {
	var k []byte
	if start != nil {
		k = append(zboundKey(nil, level, start), 0) // past start itself
	} else {
		k = zboundKey(nil, level, r.floor(nil))
	}
	return r.onBound(r.it().SeekGE(k), level)
}

// boundsAfter returns level L's boundaries after start (nil: from the
// head) in order, one per call: from the memo when the set keeps one,
// else from the records. A boundary is valid until the next call.
func (r *indexReader) boundsAfter(level int, start []byte) func() ([]byte, bool) {
	if r.bounds != nil || r.loadBounds() {
		var l zchunks
		if level <= len(r.bounds) {
			l = r.bounds[level-1]
		}
		return l.after(start)
	}
	first := true
	return func() ([]byte, bool) {
		if first {
			first = false
			return r.nextBound(level, start)
		}
		return r.onBound(r.it().Next(), level)
	}
}

// scoresBetween counts the 's' records in [from, to).
func (r *indexReader) scoresBetween(from, to []byte) int64 {
	var n int64
	end := zscoreKey(to)
	for ok := r.it().SeekGE(zscoreKey(r.floor(from))); ok && bytes.Compare(r.it().Key(), end) < 0; ok = r.it().Next() {
		n++
	}
	return n
}

// nodesBetween sums the counts of level L's nodes starting in [from, to).
func (r *indexReader) nodesBetween(level int, from, to []byte) int64 {
	n := r.count(level, from)
	next := r.boundsAfter(level, from)
	for b, ok := next(); ok && bytes.Compare(b, to) < 0; b, ok = next() {
		n += r.count(level, b) // a point read: the walk's place is kept
	}
	return n
}

// zindexWrite is one index change, applied once reading is done.
type zindexWrite struct {
	level int
	start []byte
	count int64
	op    byte // 's' set the count, 'n' new node, 'd' delete node
}

func (z *zset) applyIndex(writes []zindexWrite) {
	old, _ := z.tx.Memo(z.m.OID, zsetBoundsMemo).(zbounds)
	var b zbounds // old's changed copy
	var buf [64]byte
	for _, w := range writes {
		switch w.op {
		case 'd':
			z.tx.Delete(z.m.OID, zboundKey(buf[:0], w.level, w.start))
			z.tx.Delete(z.m.OID, zcountKey(buf[:0], w.level, w.start))
		case 'n':
			z.tx.Set(z.m.OID, zboundKey(buf[:0], w.level, w.start), nil)
		}
		if w.op != 'd' {
			z.tx.Set(z.m.OID, zcountKey(buf[:0], w.level, w.start), binary.AppendUvarint(nil, uint64(w.count)))
		}
		if old == nil || w.op == 's' {
			continue
		}
		if b == nil {
			b = slices.Clone(old)
		}
		for len(b) < w.level {
			b = append(b, nil)
		}
		b[w.level-1] = b[w.level-1].with(w.start, w.op == 'n')
	}
	if b != nil {
		z.tx.SetMemo(z.m.OID, zsetBoundsMemo, b, b.size())
	}
}

// indexInsert counts a new element at pos (not yet written) in every level.
func (z *zset) indexInsert(pos []byte) {
	levels := z.levels()
	if levels == 0 {
		z.memInsert(pos)
		return
	}
	lvl := zlevel(z.seed(), pos[8:])
	r := z.indexReader()
	var buf [2 * zsetMaxLevels]zindexWrite // on the stack: a ZADD's few writes
	writes := buf[:0]
	var below []byte    // start of the node split one level down
	var belowLeft int64 // its elements before pos
	for level := 1; level <= levels; level++ {
		start := r.containing(level, pos)
		c := r.count(level, start)
		if lvl < level {
			writes = append(writes, zindexWrite{level: level, start: start, count: c + 1, op: 's'})
			continue
		}
		// pos starts a node of this level: start's node keeps what is before pos.
		var left int64
		if level == 1 {
			left = r.scoresBetween(start, pos)
		} else {
			left = belowLeft
			if !bytes.Equal(start, below) {
				left += r.nodesBetween(level-1, start, below)
			}
		}
		writes = append(writes,
			zindexWrite{level: level, start: start, count: left, op: 's'},
			zindexWrite{level: level, start: pos, count: c + 1 - left, op: 'n'})
		below, belowLeft = start, left
	}
	r.close()
	z.applyIndex(writes)
}

// indexRemove uncounts the element at pos (still written) in every level.
func (z *zset) indexRemove(pos []byte) {
	levels := z.levels()
	if levels == 0 {
		z.memRemove(pos)
		return
	}
	lvl := zlevel(z.seed(), pos[8:])
	r := z.indexReader()
	// The first element (ZPOPMIN's case: it is where the low hint points)
	// has no live boundary before it: its nodes are the heads.
	first := r.low != nil && bytes.Equal(pos, r.low)
	var buf [2 * zsetMaxLevels]zindexWrite
	writes := buf[:0]
	for level := 1; level <= levels; level++ {
		var prev []byte
		if !first {
			prev = r.containing(level, pos)
		}
		c := r.count(level, prev)
		if lvl < level {
			writes = append(writes, zindexWrite{level: level, start: prev, count: c - 1, op: 's'})
			continue
		}
		// pos's node merges into the one before it.
		own := r.count(level, pos)
		writes = append(writes,
			zindexWrite{level: level, start: prev, count: c + own - 1, op: 's'},
			zindexWrite{level: level, start: pos, op: 'd'})
	}
	r.close()
	z.applyIndex(writes)
}

// growIndex builds the levels the set's size calls for: none below
// zsetPersistMin elements (the index is in memory: zsets_memindex.go),
// then level L once the set holds 64·16^(L-1) elements, so the top level
// has fewer than ~16 nodes. Building level L reads level L-1: 16 to 64
// records as a set grows, all elements for level 1.
func (z *zset) growIndex() {
	if z.levels() == 0 {
		if z.m.Count < zsetPersistMin {
			return
		}
		z.tx.DropHint(z.m.OID, zsetMemIndexMemo) // the records take over
	}
	for z.levels() < zsetMaxLevels && z.m.Count >= 1<<(zsetBottomBits+zsetFanoutBits*z.levels()) {
		z.buildLevel(z.levels() + 1)
		z.setLevels(z.levels() + 1)
	}
}

func (z *zset) buildLevel(level int) {
	seed := z.seed()
	r := z.indexReader()
	var writes []zindexWrite
	cur := zindexWrite{level: level, op: 's'} // the head
	add := func(pos []byte, n int64) {
		if len(pos) > 0 && zlevel(seed, pos[8:]) >= level {
			writes = append(writes, cur)
			cur = zindexWrite{level: level, start: bytes.Clone(pos), op: 'n'}
		}
		cur.count += n
	}
	if level == 1 {
		for ok := r.it().SeekGE(zscoreKey(r.floor(nil))); ok && r.it().Key()[0] == zsetScoreTag; ok = r.it().Next() {
			add(r.it().Key()[1:], 1)
		}
	} else {
		add(nil, r.count(level-1, nil))
		next := r.boundsAfter(level-1, nil)
		for b, ok := next(); ok; b, ok = next() {
			add(b, r.count(level-1, b))
		}
	}
	writes = append(writes, cur)
	r.close()
	z.applyIndex(writes)
}

// countBefore is the number of elements at positions before k: a rank,
// or with two bounds a range count, in O(log n).
func (z *zset) countBefore(k []byte) int64 {
	m := z.memIndex()
	r := z.indexReader()
	defer r.close()
	if m != nil {
		return m.countBefore(r, k)
	}
	var acc int64
	var lo []byte // start of the node being descended into
	for level := z.levels(); level >= 1; level-- {
		cur := lo
		next := r.boundsAfter(level, lo)
		for b, ok := next(); ok && bytes.Compare(b, k) < 0; b, ok = next() {
			acc += r.count(level, cur)
			cur = bytes.Clone(b)
		}
		lo = cur
	}
	return acc + r.scoresBetween(lo, k)
}

// posAtRank is the position of the element of rank n (0 ≤ n < card).
func (z *zset) posAtRank(n int64) []byte {
	m := z.memIndex()
	r := z.indexReader()
	defer r.close()
	var lo []byte
	if m != nil {
		var ok bool
		if lo, n, ok = m.nodeAtRank(n); !ok {
			panic(storageError{errZsetIndex})
		}
	}
	for level := z.levels(); level >= 1; level-- {
		cur := lo
		next := r.boundsAfter(level, lo)
		b, ok := next()
		for {
			c := r.count(level, cur)
			if n < c {
				break
			}
			if !ok {
				panic(storageError{errZsetIndex})
			}
			n -= c
			cur = bytes.Clone(b)
			b, ok = next()
		}
		lo = cur
	}
	ok := r.it().SeekGE(zscoreKey(r.floor(lo)))
	for ; ok && n > 0; n-- {
		ok = r.it().Next()
	}
	if !ok || r.it().Key()[0] != zsetScoreTag {
		panic(storageError{errZsetIndex})
	}
	return bytes.Clone(r.it().Key()[1:])
}
