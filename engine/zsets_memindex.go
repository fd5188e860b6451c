package engine

import (
	"bytes"
	"slices"
	"sort"

	"github.com/cairndb/cairn/storage"
)

// Sets smaller than zsetPersistMin keep their rank index in memory only
// (storage/ENCODING.md, "Rank index"): a memo of level 1's nodes and
// counts, built by one scan of the 's' records the first time a rank is
// asked for, and kept up by every insert and remove while it lives. The
// records then hold no index at all, so a ZADD writes its member and
// position records and nothing else: the persisted counts cost a
// write-heavy set four more records per ZADD and more than half of its
// CPU. Like every memo it may be forgotten at any time (hints.go); a
// write to a set without one changes nothing but the records, and the
// next rank query scans them again: O(n) once, then O(log n).
//
// From zsetPersistMin elements on, a set builds the persisted levels, as
// the scan to rebuild a lost memo would become a noticeable stall; it
// keeps them while the key lives.

const zsetMemIndexMemo storage.HintKind = 'I'

// zsetPersistMin is the size at which a set's index moves into records.
// A variable so tests can move it.
var zsetPersistMin int64 = 1 << 17

// zsetScanMax is the size below which ranks are answered by a scan of
// the 's' records, without any index.
const zsetScanMax = 1 << zsetBottomBits

// zmemChunkLen is the number of nodes a chunk gets when the memo is built;
// a chunk that grows to twice that splits. A variable so tests can use
// small ones.
var zmemChunkLen = 64

// zmemIndex is level 1 of the index in memory: nodes start at the head
// (nil) and at every element of level ≥ 1, and count the elements from
// their start to the next node's. The nodes are held in chunks, each
// with its total, so a change copies one chunk's counts rather than every
// node's. Shared once set as a memo: changes make a copy.
type zmemIndex struct {
	chunks []zmemChunk
	size   int64 // about the bytes it holds
}

type zmemChunk struct {
	starts [][]byte // in order; the first chunk's first is the head, nil
	counts []int64
	total  int64
}

// zmemNodeSize is about what a node costs beyond its start's bytes.
const zmemNodeSize = 24 + 8

// memIndex is the set's index memo, built if it has none; nil for a set
// with persisted levels or too small to need one.
func (z *zset) memIndex() *zmemIndex {
	if z.levels() > 0 || z.m.Count < zsetScanMax {
		return nil
	}
	if m, ok := z.tx.Memo(z.m.OID, zsetMemIndexMemo).(*zmemIndex); ok {
		return m
	}
	m := &zmemIndex{chunks: []zmemChunk{{starts: [][]byte{nil}, counts: []int64{0}}}}
	seed := z.seed()
	r := z.indexReader()
	defer r.close()
	for ok := r.it().SeekGE(zscoreKey(r.floor(nil))); ok && r.it().Key()[0] == zsetScoreTag; ok = r.it().Next() {
		pos := r.it().Key()[1:]
		if zlevel(seed, pos[8:]) >= 1 {
			m.push(bytes.Clone(pos))
		}
		last := &m.chunks[len(m.chunks)-1]
		last.counts[len(last.counts)-1]++
		last.total++
	}
	z.tx.SetMemo(z.m.OID, zsetMemIndexMemo, m, m.size)
	return m
}

// push adds a node after every other, while the memo is being built.
func (m *zmemIndex) push(start []byte) {
	m.size += zmemNodeSize + int64(len(start))
	last := &m.chunks[len(m.chunks)-1]
	if len(last.starts) < zmemChunkLen {
		last.starts = append(last.starts, start)
		last.counts = append(last.counts, 0)
		return
	}
	m.chunks = append(m.chunks, zmemChunk{starts: [][]byte{start}, counts: []int64{0}})
}

// locate is the last node starting before pos: chunk c, index i.
func (m *zmemIndex) locate(pos []byte) (c, i int) {
	c = sort.Search(len(m.chunks), func(c int) bool { return bytes.Compare(m.chunks[c].starts[0], pos) >= 0 }) - 1
	starts := m.chunks[c].starts
	i = sort.Search(len(starts), func(i int) bool { return bytes.Compare(starts[i], pos) >= 0 }) - 1
	return c, i
}

// next is the node after node i of chunk c, and whether there is one.
func (m *zmemIndex) next(c, i int) (int, int, bool) {
	if i+1 < len(m.chunks[c].starts) {
		return c, i + 1, true
	}
	if c+1 < len(m.chunks) {
		return c + 1, 0, true
	}
	return 0, 0, false
}

// with returns a copy of m whose chunk c is ch and whose size is off by
// size (the other chunks are shared).
func (m *zmemIndex) with(c int, ch zmemChunk, size int64) *zmemIndex {
	out := &zmemIndex{chunks: slices.Clone(m.chunks), size: m.size + size}
	out.chunks[c] = ch
	return out
}

// counted is chunk c with node i's count changed by d; its starts are
// shared.
func (m *zmemIndex) counted(c, i int, d int64) zmemChunk {
	ch := m.chunks[c]
	ch.counts = slices.Clone(ch.counts)
	ch.counts[i] += d
	ch.total += d
	return ch
}

// countBefore is the number of elements before k: the nodes before k's
// and a scan of k's node up to k.
func (m *zmemIndex) countBefore(r *indexReader, k []byte) int64 {
	c, i := m.locate(k)
	var n int64
	for _, ch := range m.chunks[:c] {
		n += ch.total
	}
	for _, cnt := range m.chunks[c].counts[:i] {
		n += cnt
	}
	return n + r.scoresBetween(m.chunks[c].starts[i], k)
}

// nodeAtRank is the start of the node holding the element of rank n, and
// that element's rank within it.
func (m *zmemIndex) nodeAtRank(n int64) ([]byte, int64, bool) {
	for _, ch := range m.chunks {
		if n >= ch.total {
			n -= ch.total
			continue
		}
		for i, cnt := range ch.counts {
			if n < cnt {
				return ch.starts[i], n, true
			}
			n -= cnt
		}
	}
	return nil, 0, false
}

// memInsert counts a new element at pos (not yet written) in the memo,
// if the set has one.
func (z *zset) memInsert(pos []byte) {
	m, ok := z.tx.Memo(z.m.OID, zsetMemIndexMemo).(*zmemIndex)
	if !ok {
		return
	}
	c, i := m.locate(pos)
	if zlevel(z.seed(), pos[8:]) == 0 {
		z.setMemIndex(m.with(c, m.counted(c, i, 1), 0))
		return
	}
	// pos starts a node: the one before keeps what is before pos.
	r := z.indexReader()
	left := r.scoresBetween(m.chunks[c].starts[i], pos)
	r.close()
	old := m.chunks[c]
	ch := zmemChunk{
		starts: slices.Insert(slices.Clone(old.starts), i+1, bytes.Clone(pos)),
		counts: slices.Insert(slices.Clone(old.counts), i+1, old.counts[i]+1-left),
		total:  old.total + 1,
	}
	ch.counts[i] = left
	out := m.with(c, ch, zmemNodeSize+int64(len(pos)))
	if len(ch.starts) >= 2*zmemChunkLen {
		half := len(ch.starts) / 2
		lo := zmemChunk{starts: ch.starts[:half:half], counts: ch.counts[:half:half]}
		hi := zmemChunk{starts: ch.starts[half:], counts: ch.counts[half:]}
		for _, n := range lo.counts {
			lo.total += n
		}
		hi.total = ch.total - lo.total
		out.chunks[c] = lo
		out.chunks = slices.Insert(out.chunks, c+1, hi)
	}
	z.setMemIndex(out)
}

// memRemove uncounts the element at pos (still written) in the memo, if
// the set has one.
func (z *zset) memRemove(pos []byte) {
	m, ok := z.tx.Memo(z.m.OID, zsetMemIndexMemo).(*zmemIndex)
	if !ok {
		return
	}
	c, i := m.locate(pos)
	if zlevel(z.seed(), pos[8:]) == 0 {
		z.setMemIndex(m.with(c, m.counted(c, i, -1), 0))
		return
	}
	// pos's node merges into the one before it.
	nc, ni, ok := m.next(c, i)
	if !ok || !bytes.Equal(m.chunks[nc].starts[ni], pos) {
		z.tx.DropHint(z.m.OID, zsetMemIndexMemo) // cannot be: let a scan rebuild it
		return
	}
	own := m.chunks[nc].counts[ni]
	out := m.with(c, m.counted(c, i, own-1), -zmemNodeSize-int64(len(pos)))
	gone := out.chunks[nc]
	if nc == c {
		gone = out.chunks[c] // already a copy
	} else {
		gone.counts = slices.Clone(gone.counts)
	}
	gone.starts = slices.Delete(slices.Clone(gone.starts), ni, ni+1)
	gone.counts = slices.Delete(gone.counts, ni, ni+1)
	gone.total -= own
	if len(gone.starts) == 0 {
		out.chunks = slices.Delete(out.chunks, nc, nc+1)
	} else {
		out.chunks[nc] = gone
	}
	z.setMemIndex(out)
}

func (z *zset) setMemIndex(m *zmemIndex) {
	z.tx.SetMemo(z.m.OID, zsetMemIndexMemo, m, m.size)
}
