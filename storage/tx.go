package storage

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Tx is the unit of atomicity: the writes of one command, or of a whole
// MULTI/EXEC or script, applied to Pebble as one batch. The caller holds the
// locks of every key it touches, so reads through a Tx see the committed
// state plus the Tx's own writes and nothing else changes underneath.
//
// Meta records are staged in the Tx and written at Commit, which derives
// the expiry-index updates, counter deltas and element deletions from the
// difference between each key's original and final meta. Element records
// are staged too (see pending), so a record a pipeline rewrites, such as
// a sorted-set index count, reaches the memtable once.
type Tx struct {
	s       *Store
	batch   *pebble.Batch
	indexed bool // batch is indexed: reads must go through it
	entries []*entry
	index   posIndex         // entries by meta key, once they outgrow a scan
	objects map[uint64]int64 // object ids this Tx has seen → largest count
	hints   map[hintKey]hint // hints learnt or dropped (nil) by this Tx (hints.go)
	// memosChanged are the memos the Tx changed in place (ChangeMemo):
	// dropped if it ends without committing.
	memosChanged []hintKey
	missed       uint64  // the object this Tx counted a member miss of (recordindex.go)
	lastIndex    lastAid // recordindex.go
	lastImage    lastAid // image.go
	// fresh are the objects this Tx created (the first maxFresh): all
	// their records are the Tx's own, so a lookup the Tx's records do not
	// answer need not read Pebble.
	fresh   []uint64
	access  []accessSet     // access data keys arrive with, set after commit
	deletes []objectDeletes // element deletes by object (tombstones.go)

	// The element records the Tx read from Pebble or wrote: its reads see
	// them without asking the batch (whose Get also reads Pebble), and
	// Commit writes them through to the hot cache. A bulk load's Tx keeps
	// none: it commits its batch itself.
	elems     []elemRecord
	elemIndex posIndex   // by key, once elems outgrow a scan
	dropped   []keyRange // element ranges this Tx deleted
	bulk      bool

	// pending counts the staged element writes not yet in the batch:
	// Commit adds them, and so does an iterator, which must see the batch
	// whole; a range delete drops those in its range. Each memtable
	// insert is a skiplist descent of cache misses, the largest cost of a
	// write, and a batch that is never iterated need not be indexed.
	pending  int
	stagedAt []int32 // positions in elems of staged writes (some since unstaged), for flush
	order    []int32 // flush's scratch

	after  []*Ticket // commits this Tx follows (Follow)
	ticket *Ticket   // this Tx's commit, once Prepare has shown it
	wrote  bool      // Prepare found something to write
	deltas []counterDelta

	// Reused across the Tx's lives (it is pooled): entry structs and the
	// bytes of their keys, so a command allocates nothing for them.
	spare   []*entry
	arena   []byte
	scratch []byte
	ekey    []byte // elemKey's buffer
}

type entry struct {
	db    int
	phys  uint32
	hash  uint32
	key   []byte // user key
	mkey  []byte // meta record key
	orig  *Meta  // as committed before this Tx (nil = absent)
	cur   *Meta  // as this Tx leaves it
	dirty bool
}

const indexAfter = 8

type elemRecord struct {
	key     []byte // element key, in the arena
	val     []byte // in the arena
	absent  bool   // not found, or deleted
	large   bool   // written, but its value was not kept: read the batch
	read    bool   // the Tx looked it up (Get, or GetMember's filter)
	written bool
	pending bool // written, but not yet added to the batch
}

// keptValue is the largest element value a Tx copies for its reads and
// the hot cache; larger ones are read back from the batch.
const keptValue = 1 << 10

type keyRange struct{ lower, upper []byte }

var txPool = sync.Pool{New: func() any { return new(Tx) }}

// Begin starts a transaction.
func (s *Store) Begin() *Tx {
	tx := txPool.Get().(*Tx)
	tx.s = s
	return tx
}

func (tx *Tx) release() {
	tx.dropChangedMemos()
	if tx.batch != nil {
		tx.batch.Close()
	}
	spare := append(tx.spare, tx.entries...)
	spare = spare[:min(len(spare), 256)] // a huge MSET should not pin its entries
	for _, e := range spare {
		*e = entry{}
	}
	if cap(tx.arena) > 64<<10 {
		tx.arena = nil // a huge MSET should not pin its memory forever
	}
	if cap(tx.ekey) > 64<<10 {
		tx.ekey = nil // nor a huge member
	}
	clear(tx.elems) // they point into arenas the next life must not pin
	tx.index.reset()
	tx.elemIndex.reset()
	clear(tx.after)
	if cap(tx.elems) > 1024 {
		tx.elems, tx.stagedAt, tx.order = nil, nil, nil
	}
	objects := tx.objects
	if len(objects) > 64 {
		objects = nil
	}
	clear(objects)
	*tx = Tx{entries: tx.entries[:0], index: tx.index, elemIndex: tx.elemIndex, spare: spare, arena: tx.arena[:0], scratch: tx.scratch[:0], deletes: tx.deletes[:0], elems: tx.elems[:0], stagedAt: tx.stagedAt[:0], order: tx.order[:0], objects: objects, ekey: tx.ekey[:0], after: tx.after[:0], deltas: tx.deltas[:0], memosChanged: tx.memosChanged[:0], fresh: tx.fresh[:0]}
	txPool.Put(tx)
}

// newEntry takes an entry struct from the spares.
func (tx *Tx) newEntry() *entry {
	if n := len(tx.spare); n > 0 {
		e := tx.spare[n-1]
		tx.spare = tx.spare[:n-1]
		return e
	}
	return &entry{}
}

// keep copies b into the Tx's arena. Earlier copies stay valid when the
// arena grows: append moves it, it never overwrites.
func (tx *Tx) keep(b []byte) []byte {
	start := len(tx.arena)
	tx.arena = append(tx.arena, b...)
	return tx.arena[start:len(tx.arena):len(tx.arena)]
}

// Discard drops everything the Tx staged.
func (tx *Tx) Discard() { tx.release() }

func (tx *Tx) find(hash uint32, mkey []byte) *entry {
	if tx.index.used > 0 {
		i, ok := tx.index.find(hash, func(i int) bool { return bytes.Equal(tx.entries[i].mkey, mkey) })
		if !ok {
			return nil
		}
		return tx.entries[i]
	}
	for _, e := range tx.entries {
		if bytes.Equal(e.mkey, mkey) {
			return e
		}
	}
	return nil
}

func (tx *Tx) add(e *entry) {
	tx.entries = append(tx.entries, e)
	switch {
	case tx.index.used > 0:
		tx.index.add(e.hash, len(tx.entries)-1)
	case len(tx.entries) > indexAfter:
		for i, x := range tx.entries {
			tx.index.add(x.hash, i)
		}
	}
}

// load returns the entry of a key, reading its meta from the cache or Pebble
// on first use.
func (tx *Tx) load(db int, key []byte) (*entry, error) {
	phys := tx.s.Phys(db)
	// The meta key is built in the arena, where the entry keeps it (a
	// stack buffer would escape to the heap through Pebble's Get).
	start := len(tx.arena)
	tx.arena = metaKey(tx.arena, phys, key)
	mkey := tx.arena[start:len(tx.arena):len(tx.arena)]
	hash, _ := splitMetaKey(mkey) // metaKey hashed the key already
	if e := tx.find(hash, mkey); e != nil {
		tx.arena = tx.arena[:start]
		return e, nil
	}
	m, ok := tx.s.cache.get(hash, mkey)
	if !ok && !tx.s.filter.absent(phys, mkey) {
		if err := tx.settle(); err != nil {
			return nil, err
		}
		var err error
		if m, err = tx.s.readMeta(mkey); err != nil {
			return nil, err
		}
		tx.s.cache.put(hash, mkey, m)
		if m != nil {
			tx.s.access.touch(hash) // see cache.get
		}
	}
	e := tx.newEntry()
	*e = entry{db: db, phys: phys, hash: hash, key: tx.keep(key), mkey: mkey, orig: m, cur: m}
	tx.add(e)
	if m != nil && m.OID != 0 {
		tx.noteObject(m)
	}
	return e, nil
}

func (s *Store) readMeta(mkey []byte) (*Meta, error) {
	v, closer, err := s.db.Get(mkey)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return decodeMeta(v)
}

// Meta returns the key's meta record as this Tx sees it, nil if the key does
// not exist. Deadlines are not checked here: expiry is the engine's call.
func (tx *Tx) Meta(db int, key []byte) (*Meta, error) {
	e, err := tx.load(db, key)
	if err != nil {
		return nil, err
	}
	return e.cur, nil
}

// Peek is Meta without counting an access (Redis's LOOKUP_NOTOUCH, for
// TYPE, EXISTS, TTL and OBJECT): a key the Tx has not loaded is read
// without being loaded, so a later command of the Tx that does load it
// counts its access.
func (tx *Tx) Peek(db int, key []byte) (*Meta, error) {
	phys := tx.s.Phys(db)
	mkey := metaKey(nil, phys, key)
	hash, _ := splitMetaKey(mkey)
	if e := tx.find(hash, mkey); e != nil {
		return e.cur, nil
	}
	if m, ok := tx.s.cache.peek(hash, mkey); ok || tx.s.filter.absent(phys, mkey) {
		return m, nil
	}
	if err := tx.settle(); err != nil {
		return nil, err
	}
	return tx.s.readMeta(mkey)
}

// Put stages the key's new meta record; nil deletes the key. Objects the
// key stops referring to are deleted at Commit unless another key took them
// over (RENAME, MOVE).
func (tx *Tx) Put(db int, key []byte, m *Meta) error {
	e, err := tx.load(db, key)
	if err != nil {
		return err
	}
	e.cur = m
	e.dirty = true
	if m != nil && m.OID != 0 {
		tx.noteObject(m)
	}
	return nil
}

func (tx *Tx) noteObject(m *Meta) {
	if tx.objects == nil {
		tx.objects = make(map[uint64]int64)
	}
	if c, ok := tx.objects[m.OID]; !ok || m.Count > c {
		tx.objects[m.OID] = m.Count
	}
}

const maxFresh = 16

// NewOID allocates an object id for a new collection.
func (tx *Tx) NewOID() (uint64, error) {
	oid, err := tx.s.newOID()
	if err == nil && !tx.bulk && len(tx.fresh) < maxFresh {
		tx.fresh = append(tx.fresh, oid)
	}
	return oid, err
}

// writeBatch is the batch for element writes the Tx may iterate over:
// indexed, so its iterators see them.
func (tx *Tx) writeBatch() *pebble.Batch {
	if tx.batch == nil {
		tx.batch = tx.s.db.NewIndexedBatch()
		tx.indexed = true
	}
	return tx.batch
}

// commitBatch is the batch Commit adds meta records and staged writes to:
// a plain batch when nothing needed an indexed one, which is cheaper to
// build.
func (tx *Tx) commitBatch() *pebble.Batch {
	if tx.batch == nil {
		tx.batch = tx.s.db.NewBatch()
	}
	return tx.batch
}

// elemKey builds the key of element sub of object oid in the Tx's reusable
// buffer, valid until the next call (a stack buffer would escape to the
// heap through Pebble's Get and Batch.Set).
func (tx *Tx) elemKey(oid uint64, sub []byte) []byte {
	tx.ekey = ElemKey(tx.ekey[:0], oid, sub)
	return tx.ekey
}

// Get reads element sub of object oid: the Tx's own records, then the hot
// cache, then Pebble. The returned slice is a copy.
func (tx *Tx) Get(oid uint64, sub []byte) ([]byte, bool, error) {
	k := tx.elemKey(oid, sub)
	if v, ok, known, err := tx.lookup(k); known {
		return v, ok, err
	}
	if v, ok, known := tx.imageGet(oid, sub); known {
		if ok && len(v) <= keptValue {
			tx.record(k, elemRecord{val: v, read: true}) // for the hot cache, after the commit
		}
		return v, ok, nil
	}
	if slices.Contains(tx.fresh, oid) {
		return nil, false, nil
	}
	return tx.fetch(k)
}

// GetAhead is Get for the first of a run of records that later commands
// will read one by one, such as the end of a list being popped: when sub
// has to come from Pebble, the records in [lower, upper), which hold sub,
// are read with it in one pass and kept for the hot cache.
func (tx *Tx) GetAhead(oid uint64, sub, lower, upper []byte) ([]byte, bool, error) {
	k := tx.elemKey(oid, sub)
	if v, ok, known, err := tx.lookup(k); known {
		return v, ok, err
	}
	if v, ok, known := tx.imageGet(oid, sub); known {
		return v, ok, nil
	}
	it, err := tx.Iter(oid, lower, upper)
	if err != nil {
		return nil, false, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		tx.Remember(it)
	}
	if err := it.Close(); err != nil {
		return nil, false, err
	}
	if v, ok, known, err := tx.lookup(k); known {
		return v, ok, err
	}
	return tx.fetch(k) // absent, or too large to keep
}

// Remember records the element it is on as read, so that later reads in
// the Tx and, after the commit, the hot cache have it: for a run of
// records that later commands will read one by one.
func (tx *Tx) Remember(it *Iter) {
	// A record the Tx wrote is recorded already; the rest are committed,
	// or the iterator (which sees the Tx's writes) would not find them
	// outside the Tx's records.
	if it.it == nil {
		return // an image's iterator: the image answers the reads
	}
	rk := it.it.Key()
	if _, seen := tx.recorded(rk); !seen && !tx.bulk && len(it.Value()) <= keptValue {
		tx.record(rk, elemRecord{val: it.Value(), read: true})
	}
}

// lookup answers a read of element key k from the Tx's records or the hot
// cache; known is false when only Pebble can tell.
func (tx *Tx) lookup(k []byte) (v []byte, ok, known bool, err error) {
	if tx.bulk {
		v, ok, err = tx.read(tx.batch, k)
		return v, ok, true, err
	}
	if i, found := tx.recorded(k); found {
		r := &tx.elems[i]
		r.read = true
		switch {
		case r.absent:
			return nil, false, true, nil
		case r.large:
			v, ok, err = tx.read(tx.batch, k)
			return v, ok, true, err
		}
		return append([]byte{}, r.val...), true, true, nil
	}
	for _, r := range tx.dropped {
		if bytes.Compare(k, r.lower) >= 0 && bytes.Compare(k, r.upper) < 0 {
			return nil, false, true, nil
		}
	}
	// Nothing in the batch holds k: Pebble's committed state is the answer.
	if v, found := tx.s.cache.getElem(KeyHash(k), k); found {
		return v, true, true, nil
	}
	return nil, false, false, nil
}

// fetch reads element key k, which the Tx has not written, from Pebble
// and records it.
func (tx *Tx) fetch(k []byte) ([]byte, bool, error) {
	v, ok, err := tx.read(tx.s.db, k)
	if err == nil && len(v) <= keptValue {
		tx.record(k, elemRecord{val: v, absent: !ok, read: true})
	}
	return v, ok, err
}

// read gets k from r (the batch or the database) and copies it out.
func (tx *Tx) read(r pebble.Reader, k []byte) ([]byte, bool, error) {
	if err := tx.settle(); err != nil {
		return nil, false, err
	}
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	closer.Close()
	return out, true, nil
}

// recorded finds the Tx's record of element key k.
func (tx *Tx) recorded(k []byte) (int, bool) {
	if tx.elemIndex.used > 0 {
		return tx.elemIndex.find(KeyHash(k), func(i int) bool { return bytes.Equal(tx.elems[i].key, k) })
	}
	for i := range tx.elems {
		if bytes.Equal(tx.elems[i].key, k) {
			return i, true
		}
	}
	return -1, false
}

// record keeps what the Tx read or wrote of element key k, replacing an
// earlier record of k unless that is a write and r only a read (the Tx's
// own write is what its reads see); a key once read stays marked as read.
func (tx *Tx) record(k []byte, r elemRecord) {
	if i, ok := tx.recorded(k); ok {
		old := &tx.elems[i]
		if old.written && !r.written {
			old.read = true
			return
		}
		if r.val != nil {
			r.val = tx.keep(r.val)
		}
		r.key, r.read = old.key, r.read || old.read
		*old = r
		if r.pending {
			tx.stagedAt = append(tx.stagedAt, int32(i))
		}
		return
	}
	if r.val != nil {
		r.val = tx.keep(r.val)
	}
	r.key = tx.keep(k)
	tx.elems = append(tx.elems, r)
	if r.pending {
		tx.stagedAt = append(tx.stagedAt, int32(len(tx.elems)-1))
	}
	switch {
	case tx.elemIndex.used > 0:
		tx.elemIndex.add(KeyHash(r.key), len(tx.elems)-1)
	case len(tx.elems) > 4*indexAfter:
		for i, r := range tx.elems {
			tx.elemIndex.add(KeyHash(r.key), i)
		}
	}
}

// recordWrite records an element write (a delete when deleted); staged
// means the batch has not received it yet (see flush).
func (tx *Tx) recordWrite(k, val []byte, deleted, staged bool) {
	if tx.bulk {
		return
	}
	r := elemRecord{absent: deleted, written: true, pending: staged}
	switch {
	case deleted:
	case len(val) > keptValue:
		r.large = true
	default:
		r.val = val
		if r.val == nil {
			r.val = []byte{}
		}
	}
	tx.unstage(k)
	if staged {
		tx.pending++
	}
	tx.record(k, r)
}

// unstage forgets the staged write of k, which a newer write replaces.
func (tx *Tx) unstage(k []byte) {
	if tx.pending == 0 {
		return
	}
	if i, ok := tx.recorded(k); ok && tx.elems[i].pending {
		tx.elems[i].pending = false
		tx.pending--
	}
}

// flush adds the staged writes to b in key order: each key has at most
// one, newer than anything b holds for it. The memtable applies a batch in
// its order and starts each insert from where the previous one went in, so
// keys that end up next to each other there, such as the positions an
// LPUSH pipeline fills or an RPOP pipeline deletes, cost one skiplist
// descent together instead of one each.
func (tx *Tx) flush(b *pebble.Batch) {
	if tx.pending == 0 {
		return
	}
	// Only the staged positions, not every record: a command that adds a
	// million members flushes once per sorted-set node it splits.
	order := tx.order[:0]
	for _, i := range tx.stagedAt {
		if tx.elems[i].pending {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(i, j int32) int { return bytes.Compare(tx.elems[i].key, tx.elems[j].key) })
	for _, i := range order {
		r := &tx.elems[i]
		if !r.pending {
			continue // staged twice: written already
		}
		if r.absent {
			b.Delete(r.key, nil)
		} else {
			b.Set(r.key, r.val, nil)
		}
		r.pending = false
	}
	tx.order = order
	tx.stagedAt = tx.stagedAt[:0]
	tx.pending = 0
}

// writeThrough brings the hot cache up to date with the commit, still
// under the keys' locks. Records the Tx looked up are cached (a member
// SADD checked, a score ZADD read); written records it never read, such
// as a pushed list element, only refresh an entry already cached, so a
// stream of writes does not flood the cache.
func (tx *Tx) writeThrough() {
	c := tx.s.cache
	if len(tx.dropped) > 0 {
		c.elemEpoch.Add(1)
	}
	epoch := c.elemEpoch.Load()
	for i := range tx.elems {
		r := &tx.elems[i]
		hash := KeyHash(r.key)
		switch {
		case r.absent && r.written, r.large:
			c.remove(hash, r.key)
		case r.absent:
		case r.read:
			c.putElem(hash, r.key, r.val, epoch, true)
		default:
			c.putElem(hash, r.key, r.val, epoch, false)
		}
	}
}

// GetMember is Get for lookups that often miss: a member or field of a
// set, hash or sorted set about to be added. A big object's misses are
// answered from its element filter (elemfilter.go) without reading Pebble.
func (tx *Tx) GetMember(oid uint64, sub []byte) ([]byte, bool, error) {
	absent, known := tx.indexedAbsent(oid, sub)
	if !known {
		absent = tx.elemAbsent(oid, sub)
	}
	if absent {
		if !tx.bulk {
			var buf [64]byte
			tx.record(ElemKey(buf[:0], oid, sub), elemRecord{absent: true, read: true})
		}
		return nil, false, nil
	}
	v, ok, err := tx.Get(oid, sub)
	if err == nil && !ok && !known {
		tx.noteMemberMiss(oid)
	}
	return v, ok, err
}

// Set writes element sub of object oid: staged, unless its value is too
// large to keep (then it goes to the batch at once) or the Tx is a bulk
// load's.
func (tx *Tx) Set(oid uint64, sub, value []byte) {
	tx.s.elems.noteElem(oid, sub)
	tx.indexRecord(oid, sub, true)
	tx.imageSet(oid, sub, value)
	k := tx.elemKey(oid, sub)
	if tx.bulk || len(value) > keptValue {
		tx.writeBatch().Set(k, value, nil)
		tx.recordWrite(k, value, false, false)
		return
	}
	tx.recordWrite(k, value, false, true)
}

// Delete removes element sub of object oid.
func (tx *Tx) Delete(oid uint64, sub []byte) {
	tx.indexRecord(oid, sub, false)
	tx.imageDelete(oid, sub)
	k := tx.elemKey(oid, sub)
	if tx.bulk {
		tx.writeBatch().Delete(k, nil)
	} else {
		tx.recordWrite(k, nil, true, true)
	}
	if n := len(tx.deletes); n > 0 && tx.deletes[n-1].oid == oid {
		tx.deletes[n-1].n++
	} else {
		tx.deletes = append(tx.deletes, objectDeletes{oid, 1})
	}
}

type objectDeletes struct {
	oid uint64
	n   int64
}

// DeleteRange removes the elements of object oid with subkeys in
// [lower, upper) with one range tombstone, whatever their number.
func (tx *Tx) DeleteRange(oid uint64, lower, upper []byte) {
	r := keyRange{ElemKey(nil, oid, lower), ElemKey(nil, oid, upper)}
	tx.writeBatch().DeleteRange(r.lower, r.upper, nil)
	if tx.bulk {
		return
	}
	if tx.recordIndex(oid) != nil {
		tx.dropRecordIndex(oid)
	}
	tx.imageDeleteRange(oid, lower, upper)
	tx.dropped = append(tx.dropped, r)
	for i := range tx.elems {
		e := &tx.elems[i]
		if bytes.Compare(e.key, r.lower) >= 0 && bytes.Compare(e.key, r.upper) < 0 {
			if e.pending {
				tx.pending-- // a staged write the range deletes need not be written
			}
			*e = elemRecord{key: e.key, absent: true, read: e.read, written: true}
		}
	}
}

// Iter iterates the elements of object oid with subkeys in [lower, upper);
// nil bounds mean the whole object.
func (tx *Tx) Iter(oid uint64, lower, upper []byte) (*Iter, error) {
	m := tx.imageOf(oid)
	if m == nil {
		var err error
		if m, err = tx.buildImage(oid); err != nil {
			return nil, err
		}
	}
	if m != nil {
		return m.iter(lower, upper), nil
	}
	return tx.pebbleIter(oid, lower, upper)
}

// pebbleIter is Iter reading Pebble (through the Tx's batch).
func (tx *Tx) pebbleIter(oid uint64, lower, upper []byte) (*Iter, error) {
	if err := tx.settle(); err != nil {
		return nil, err
	}
	prefix := elemPrefix(oid)
	o := &pebble.IterOptions{LowerBound: append(bytes.Clone(prefix), lower...)}
	if upper != nil {
		o.UpperBound = append(bytes.Clone(prefix), upper...)
	} else {
		o.UpperBound = elemPrefix(oid + 1)
	}
	var it *pebble.Iterator
	var err error
	if tx.pending > 0 {
		tx.flush(tx.writeBatch())
	}
	if tx.indexed {
		it, err = tx.batch.NewIter(o)
	} else {
		it, err = tx.s.db.NewIter(o)
	}
	if err != nil {
		return nil, err
	}
	return &Iter{it: it, prefix: len(prefix), base: prefix}, nil
}

// Commit applies the Tx atomically. It returns whether anything was written.
func (tx *Tx) Commit() (bool, error) {
	wrote, err := tx.Prepare()
	if err != nil {
		return false, err
	}
	return wrote, tx.Finish()
}

// Prepare does the part of a commit that must happen under the keys'
// locks: it builds the batch and makes the hot cache, the hints and the
// filters show the state the commit leaves. Finish writes the batch to
// Pebble. Between the two the caller may release the locks, once it has
// handed Ticket to whoever takes them next (their Txs Follow it), so the
// next command on a busy key runs while this one's batch goes into the
// memtable. Prepare reports whether anything is written; after an error
// the Tx is gone and Finish must not be called.
func (tx *Tx) Prepare() (bool, error) {
	s := tx.s
	live := map[uint64]bool{}
	for _, e := range tx.entries {
		if e.cur != nil && e.cur.OID != 0 {
			live[e.cur.OID] = true
		}
	}
	if tx.pending > 0 {
		// dropObject iterates the objects it deletes, which must show
		// the staged writes to them.
		b := tx.commitBatch
		for oid := range tx.objects {
			if !live[oid] {
				b = tx.writeBatch
				break
			}
		}
		tx.flush(b())
	}
	wrote := false
	for _, e := range tx.entries {
		if !e.dirty || e.cur == e.orig {
			continue
		}
		wrote = true
		b := tx.commitBatch()
		if e.cur == nil {
			b.Delete(e.mkey, nil)
		} else {
			if e.orig == nil {
				s.filter.add(e.mkey) // before anyone may look the key up
			}
			tx.scratch = encodeMeta(tx.scratch[:0], e.cur)
			b.Set(e.mkey, tx.scratch, nil) // Set copies the value
		}
		oldExp, newExp := deadline(e.orig), deadline(e.cur)
		if oldExp != newExp {
			if oldExp != 0 {
				b.Delete(expiryKey(oldExp, e.phys, e.key), nil)
			}
			if newExp != 0 {
				b.Set(expiryKey(newExp, e.phys, e.key), nil, nil)
			}
		}
		d := counterDelta{phys: e.phys, bytes: s.noteWrite(e.hash, e.key, e.orig, e.cur)}
		if e.orig != nil {
			d.keys--
		}
		if e.cur != nil {
			d.keys++
		}
		if oldExp != 0 {
			d.expires--
			d.deadlines -= oldExp / 1000
		}
		if newExp != 0 {
			d.expires++
			d.deadlines += newExp / 1000
		}
		tx.deltas = addDelta(tx.deltas, d)
	}
	for oid, count := range tx.objects {
		if !live[oid] {
			wrote = true
			if err := tx.dropObject(oid, count); err != nil {
				tx.release()
				return false, err
			}
		}
	}
	if tx.batch != nil && !tx.batch.Empty() {
		wrote = true
	}
	if wrote {
		b := tx.commitBatch()
		for _, d := range tx.deltas {
			for _, kv := range [...]struct {
				kind byte
				n    int64
			}{{counterKeys, d.keys}, {counterExpires, d.expires}, {counterDeadlines, d.deadlines}, {counterBytes, d.bytes}} {
				if kv.n != 0 {
					b.Merge(counterKey(d.phys, kv.kind), encodeCounter(kv.n), nil)
				}
			}
		}
		for _, e := range tx.entries {
			if e.dirty {
				s.cache.put(e.hash, e.mkey, e.cur)
			}
		}
	}
	tx.wrote = wrote
	tx.writeThrough()
	tx.publishHints()                     // what the Tx saw or left is what is committed
	tx.memosChanged = tx.memosChanged[:0] // committed (or dropped with every hint if Finish fails)
	return wrote, nil
}

// Ticket is the commit Prepare started, for the next holders of the
// keys' locks to follow; nil if it writes nothing.
func (tx *Tx) Ticket() *Ticket {
	if tx.wrote && tx.ticket == nil {
		tx.ticket = &Ticket{done: make(chan struct{})}
	}
	return tx.ticket
}

// Finish ends a prepared Tx: once the commits it follows are in, it
// writes its batch to Pebble. If that fails, the hot cache and the hints,
// which already show the Tx's writes, are emptied, and every Tx that
// follows this one fails too: it may have read what was lost.
func (tx *Tx) Finish() error {
	defer tx.release()
	s := tx.s
	err := tx.settle()
	if err == nil && tx.wrote {
		err = tx.batch.Commit(pebble.NoSync)
	}
	if err != nil {
		s.forgetCached()
	}
	if t := tx.ticket; t != nil {
		t.err = err
		t.finished.Store(true)
		close(t.done)
	}
	if err != nil || !tx.wrote {
		return err
	}
	for _, d := range tx.deltas {
		c := s.countersOf(d.phys)
		c.keys.Add(d.keys)
		c.expires.Add(d.expires)
		c.deadlines.Add(d.deadlines)
		c.bytes.Add(d.bytes)
	}
	s.durable.committed()
	tx.noteDeletes()
	for _, a := range tx.access {
		s.access.set(a.hash, a.idleMs, a.freq)
		s.cache.unstamp(a.hash, a.mkey)
	}
	return nil
}

// A Ticket is a commit whose Tx released its keys' locks before writing
// to Pebble (see Prepare). The next Tx on those keys follows it: it reads
// the hot cache at once, but waits for the ticket before reading Pebble,
// which may not have the batch yet, and before its own commit, so that
// commits on a key reach Pebble, and replies reach clients, in the order
// the lock was held.
type Ticket struct {
	done     chan struct{}
	finished atomic.Bool // done is closed, or about to be: Pending reads this, one cache line fewer than the channel
	err      error
}

// Pending reports whether the commit is still on its way into Pebble.
func (t *Ticket) Pending() bool { return !t.finished.Load() }

// Follow makes the Tx wait for t before it reads Pebble or commits.
func (tx *Tx) Follow(t *Ticket) {
	if t != nil && t.Pending() {
		tx.after = append(tx.after, t)
	}
}

// settle waits for the commits the Tx follows; their failure is its own.
func (tx *Tx) settle() error {
	for _, t := range tx.after {
		<-t.done
		if t.err != nil {
			return t.err
		}
	}
	tx.after = tx.after[:0]
	return nil
}

// noteDeletes hands the committed element deletes to the tombstone
// counts, with each object's live count.
func (tx *Tx) noteDeletes() {
	for _, d := range tx.deletes {
		live := int64(-1)
		for _, e := range tx.entries {
			if e.cur != nil && e.cur.OID == d.oid {
				live = e.cur.Count
				break
			}
		}
		tx.s.tombs.note(d.oid, d.n, live)
	}
}

type accessSet struct {
	hash   uint32
	mkey   []byte
	idleMs int64
	freq   int
}

// SetAccess gives key the idle time and LFU counter it arrives with
// (RESTORE IDLETIME/FREQ), replacing the fresh record a created key gets
// at commit; idleMs < 0 or freq < 0 leave that part alone.
func (tx *Tx) SetAccess(db int, key []byte, idleMs int64, freq int) error {
	e, err := tx.load(db, key)
	if err != nil {
		return err
	}
	tx.access = append(tx.access, accessSet{e.hash, e.mkey, idleMs, freq})
	return nil
}

// smallObject is the element count up to which a dropped object's records
// are deleted one by one; larger ones get a single range tombstone, which
// Pebble reclaims with delete-only compactions. Many small range tombstones
// would slow reads down (ENCODING.md).
const smallObject = 32

func (tx *Tx) dropObject(oid uint64, count int64) error {
	defer tx.dropAids(oid)
	if count > smallObject {
		return tx.commitBatch().DeleteRange(elemPrefix(oid), elemPrefix(oid+1), nil)
	}
	it, err := tx.Iter(oid, nil, nil)
	if err != nil {
		return err
	}
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, ElemKey(nil, oid, it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	b := tx.commitBatch()
	for _, k := range keys {
		b.Delete(k, nil)
	}
	return nil
}

func deadline(m *Meta) int64 {
	if m == nil {
		return 0
	}
	return m.Expire
}

type counterDelta struct {
	phys                     uint32
	keys, expires, deadlines int64
	bytes                    int64 // dataset footprint (memory.go)
}

func addDelta(ds []counterDelta, d counterDelta) []counterDelta {
	for i := range ds {
		if ds[i].phys == d.phys {
			ds[i].keys += d.keys
			ds[i].expires += d.expires
			ds[i].deadlines += d.deadlines
			ds[i].bytes += d.bytes
			return ds
		}
	}
	return append(ds, d)
}

// Iter walks the elements of one object in subkey order: a Pebble
// iterator, or one over an object's image (image.go), when it is nil.
type Iter struct {
	it     *pebble.Iterator
	prefix int
	base   []byte
	buf    []byte

	recs        []imageRecord
	lo, hi, pos int // recs[lo:hi] are in bounds; pos is lo-1 or hi off them
}

func (i *Iter) valid() bool { return i.pos >= i.lo && i.pos < i.hi }

// at moves an image iterator to pos, kept within one step of the bounds.
func (i *Iter) at(pos int) bool {
	i.pos = min(max(pos, i.lo-1), i.hi)
	return i.valid()
}

func (i *Iter) First() bool {
	if i.it == nil {
		return i.at(i.lo)
	}
	return i.it.First()
}

func (i *Iter) Last() bool {
	if i.it == nil {
		return i.at(i.hi - 1)
	}
	return i.it.Last()
}

func (i *Iter) Next() bool {
	if i.it == nil {
		return i.at(i.pos + 1)
	}
	return i.it.Next()
}

func (i *Iter) Prev() bool {
	if i.it == nil {
		return i.at(i.pos - 1)
	}
	return i.it.Prev()
}

func (i *Iter) Valid() bool {
	if i.it == nil {
		return i.valid()
	}
	return i.it.Valid()
}

func (i *Iter) search(sub []byte) int {
	n, _ := slices.BinarySearchFunc(i.recs, sub, func(r imageRecord, s []byte) int { return bytes.Compare(r.sub, s) })
	return n
}

// SeekGE positions at the first subkey ≥ sub.
func (i *Iter) SeekGE(sub []byte) bool {
	if i.it == nil {
		return i.at(max(i.search(sub), i.lo))
	}
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	return i.it.SeekGE(i.buf)
}

// SeekLT positions at the last subkey < sub.
func (i *Iter) SeekLT(sub []byte) bool {
	if i.it == nil {
		return i.at(min(i.search(sub), i.hi) - 1)
	}
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	return i.it.SeekLT(i.buf)
}

// SeekLTFloor positions at the last subkey < sub, looking no further back
// than floor: false when no subkey in [floor, sub) exists. Unlike SeekLT it
// does not step over the deleted records below floor.
func (i *Iter) SeekLTFloor(sub, floor []byte) bool {
	if i.it == nil {
		return i.SeekLT(sub) && bytes.Compare(i.Key(), floor) >= 0
	}
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	limit := append(append(make([]byte, 0, len(i.base)+len(floor)), i.base...), floor...)
	if i.it.SeekLTWithLimit(i.buf, limit) != pebble.IterValid {
		return false
	}
	return bytes.Compare(i.it.Key(), limit) >= 0 // the limit is best-effort
}

// Key is the current subkey; valid until the iterator moves.
func (i *Iter) Key() []byte {
	if i.it == nil {
		if !i.valid() {
			return nil
		}
		return i.recs[i.pos].sub
	}
	return i.it.Key()[i.prefix:]
}

// Value is the current element value; valid until the iterator moves.
func (i *Iter) Value() []byte {
	if i.it == nil {
		if !i.valid() {
			return nil
		}
		return i.recs[i.pos].val
	}
	v, _ := i.it.ValueAndErr()
	return v
}

// Close releases the iterator and reports any error it met.
func (i *Iter) Close() error {
	if i.it == nil {
		return nil
	}
	return i.it.Close()
}

// CopyObject copies every element of object from into object to (COPY).
func (tx *Tx) CopyObject(from, to uint64) error {
	it, err := tx.Iter(from, nil, nil)
	if err != nil {
		return err
	}
	var keys, vals [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		tx.s.elems.noteElem(to, it.Key())
		keys = append(keys, ElemKey(nil, to, it.Key()))
		vals = append(vals, bytes.Clone(it.Value()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	b := tx.writeBatch()
	for i := range keys {
		b.Set(keys[i], vals[i], nil)
		tx.recordWrite(keys[i], vals[i], false, false)
	}
	return nil
}
