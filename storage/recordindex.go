package storage

import (
	"bytes"
	"hash/maphash"
	"sync/atomic"
)

// Record indexes are exact in-memory lists of the element subkeys of small
// objects whose member lookups keep missing. A set, hash or sorted set
// whose members churn (a rate limiter's window, a hash of recent fields)
// looks up every new member before adding it, and below elemFilterMin
// elements it has no element filter: each lookup was a Pebble Get, a
// memtable seek and a filter probe in every level, often a third of the
// command. With an index, a new member's lookup is a hash and a few
// compares.
//
// Unlike an element filter an index must know deletions. It is a memo
// (hints.go) that the Tx holding the object's key lock changes in place:
// nobody else reads it meanwhile, and a Tx that ends without committing
// (Discard, a failed Prepare) drops the indexes it changed, as a failed
// commit drops every hint. Every element write goes through Tx.Set and
// Tx.Delete, which keep it; a range delete drops it. An object gets one
// when member lookups miss on it in two Txs in a row (recentMisses) while
// it has fewer than elemFilterMin elements; one scan of its records
// through the Tx builds it, under the key lock. Bigger objects use their
// element filter instead; an object with an image (image.go) needs none.
const recordIndexMemo HintKind = '#' // the engine's kinds are letters

const (
	indexMaxRecords = 4 * elemFilterMin // a sorted set's records are two per member
	indexMaxChunks  = 64
	indexChunkSize  = 32 // records per chunk before the chunks double
	missSlots       = 1024
	iterSlots       = 1 << 14 // more: a small object read twice in a row is common
	objectBitsLen   = 1 << 16
)

type recordIndex struct {
	chunks []indexChunk // a power of two of them; records spread by hash
	n      int
}

type indexChunk struct {
	hashes []uint64
	subs   [][]byte
}

// recordIndexes holds what decides which objects get an index, apart from
// the memos themselves.
type recordIndexes struct {
	seed maphash.Seed
	// recentMisses is the object whose member lookup last missed, per slot
	// (by object id): a second miss in a row on the same object builds its
	// index. recentIters is the same for iterators and images (image.go).
	recentMisses [missSlots]atomic.Uint64
	recentIters  [iterSlots]atomic.Uint64
	// indexed and imaged have the bit of every object id that got an
	// index or an image, so that the element writes of other objects skip
	// the memo lookups. Bits are never cleared: a stale one costs a lookup.
	indexed, imaged objectBits
}

type objectBits [objectBitsLen / 64]atomic.Uint64

func (b *objectBits) has(oid uint64) bool {
	i := oidSpread(oid) >> 48
	return b[i/64].Load()&(1<<(i%64)) != 0
}

func (b *objectBits) add(oid uint64) {
	i := oidSpread(oid) >> 48
	b[i/64].Or(1 << (i % 64))
}

func newRecordIndexes() *recordIndexes { return &recordIndexes{seed: maphash.MakeSeed()} }

func oidSpread(oid uint64) uint64 { return oid * 0x9e3779b97f4a7c15 }

func (r *recordIndexes) missedAgain(oid uint64) bool {
	return r.recentMisses[oidSpread(oid)>>54].Swap(oid) == oid
}

func (r *recordIndexes) iteratedAgain(oid uint64) bool {
	return r.recentIters[oidSpread(oid)>>50].Swap(oid) == oid
}

func (x *recordIndex) find(h uint64, sub []byte) int {
	c := x.chunk(h)
	for i, ch := range c.hashes {
		if ch == h && bytes.Equal(c.subs[i], sub) {
			return i
		}
	}
	return -1
}

func (x *recordIndex) chunk(h uint64) *indexChunk { return &x.chunks[h&uint64(len(x.chunks)-1)] }

func (x *recordIndex) add(h uint64, sub []byte) {
	if x.n >= indexChunkSize*len(x.chunks) && len(x.chunks) < indexMaxChunks {
		x.spread(2 * len(x.chunks))
	}
	c := x.chunk(h)
	c.hashes = append(c.hashes, h)
	c.subs = append(c.subs, bytes.Clone(sub))
	x.n++
}

// spread redistributes the records over n chunks.
func (x *recordIndex) spread(n int) {
	old := x.chunks
	x.chunks = make([]indexChunk, n)
	for _, c := range old {
		for i, h := range c.hashes {
			nc := x.chunk(h)
			nc.hashes = append(nc.hashes, h)
			nc.subs = append(nc.subs, c.subs[i])
		}
	}
}

func (x *recordIndex) remove(h uint64, at int) {
	c := x.chunk(h)
	last := len(c.hashes) - 1
	c.hashes[at], c.subs[at] = c.hashes[last], c.subs[last]
	c.subs[last] = nil
	c.hashes, c.subs = c.hashes[:last], c.subs[:last]
	x.n--
}

// bytes is about the memory the index holds, for the hint table's bound,
// counted again each time the index doubles.
func (x *recordIndex) bytes() int64 {
	n := int64(64 + len(x.chunks)*48)
	for _, c := range x.chunks {
		for _, sub := range c.subs {
			n += int64(8 + 24 + len(sub))
		}
	}
	return n
}

// lastAid is the answer a Tx got for the last object it asked about for
// one kind of read aid (a record index, an image), absent included: a big
// object that once had an index keeps its bit, and each of its writes
// would otherwise look the memo up again.
type lastAid struct {
	oid   uint64
	v     any
	known bool
}

// aid returns the object's read aid of this kind as the Tx sees it, or
// nil, for the Tx to read or change in place (it holds the object's key
// lock); bits say which objects may have one.
func (tx *Tx) aid(last *lastAid, bits *objectBits, oid uint64, kind HintKind) any {
	if last.known && last.oid == oid {
		return last.v
	}
	if !bits.has(oid) {
		return nil
	}
	v := tx.ChangeMemo(oid, kind)
	*last = lastAid{oid, v, true}
	return v
}

// dropAid forgets the object's read aid of this kind.
func (tx *Tx) dropAid(last *lastAid, oid uint64, kind HintKind) {
	tx.DropHint(oid, kind)
	if last.oid == oid {
		last.v = nil
	}
}

// recordIndex returns the object's index as the Tx sees it, or nil.
func (tx *Tx) recordIndex(oid uint64) *recordIndex {
	if tx.s.indexes == nil {
		return nil
	}
	x, _ := tx.aid(&tx.lastIndex, &tx.s.indexes.indexed, oid, recordIndexMemo).(*recordIndex)
	return x
}

func (tx *Tx) dropRecordIndex(oid uint64) { tx.dropAid(&tx.lastIndex, oid, recordIndexMemo) }

// indexRecord keeps the object's index, if it has one, for a record
// written (present) or deleted.
func (tx *Tx) indexRecord(oid uint64, sub []byte, present bool) {
	x := tx.recordIndex(oid)
	if x == nil {
		return
	}
	h := maphash.Bytes(tx.s.indexes.seed, sub)
	at := x.find(h, sub)
	switch {
	case (at >= 0) == present:
	case !present:
		x.remove(h, at)
	case x.n == indexMaxRecords:
		tx.dropRecordIndex(oid)
	default:
		x.add(h, sub)
		if x.n&(x.n-1) == 0 {
			tx.SetMemo(oid, recordIndexMemo, x, x.bytes()) // the table counts its growth
		}
	}
}

// indexedAbsent answers whether member subkey sub of oid certainly does not
// exist, from the object's index; known is false without one.
func (tx *Tx) indexedAbsent(oid uint64, sub []byte) (absent, known bool) {
	x := tx.recordIndex(oid)
	if x == nil {
		return false, false
	}
	return x.find(maphash.Bytes(tx.s.indexes.seed, sub), sub) < 0, true
}

// noteMemberMiss counts a member lookup of oid that found nothing, once
// per Tx (HSET of several new fields is one miss), and builds the object's
// index on the second miss in a row.
func (tx *Tx) noteMemberMiss(oid uint64) {
	r := tx.s.indexes
	count, known := tx.objects[oid]
	if r == nil || tx.bulk || !known || count >= elemFilterMin || tx.missed == oid {
		return
	}
	tx.missed = oid
	if tx.imageOf(oid) != nil || !r.missedAgain(oid) {
		return // an image answers lookups already
	}
	it, err := tx.pebbleIter(oid, nil, nil)
	if err != nil {
		return
	}
	x := &recordIndex{chunks: make([]indexChunk, 1)}
	for ok := it.First(); ok; ok = it.Next() {
		if x.n == indexMaxRecords {
			it.Close()
			return
		}
		x.add(maphash.Bytes(r.seed, it.Key()), it.Key())
	}
	if it.Close() != nil {
		return
	}
	r.indexed.add(oid)
	tx.SetMemo(oid, recordIndexMemo, x, x.bytes())
	tx.lastIndex = lastAid{oid, x, true}
}
