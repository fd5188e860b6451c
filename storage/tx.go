package storage

import (
	"bytes"
	"errors"
	"sync"

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
// are written to the batch directly.
type Tx struct {
	s       *Store
	batch   *pebble.Batch
	indexed bool // batch is indexed: reads must go through it
	entries []*entry
	index   map[string]*entry  // by meta key, once entries outgrow a scan
	objects map[uint64]int64   // object ids this Tx has seen → largest count
	hints   map[hintKey][]byte // hints learnt or dropped (nil) by this Tx (hints.go)
	access  []accessSet        // access data keys arrive with, set after commit
	deletes []objectDeletes    // element deletes by object (tombstones.go)

	// Reused across the Tx's lives (it is pooled): entry structs and the
	// bytes of their keys, so a command allocates nothing for them.
	spare   []*entry
	arena   []byte
	scratch []byte
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

var txPool = sync.Pool{New: func() any { return new(Tx) }}

// Begin starts a transaction.
func (s *Store) Begin() *Tx {
	tx := txPool.Get().(*Tx)
	tx.s = s
	return tx
}

func (tx *Tx) release() {
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
	*tx = Tx{entries: tx.entries[:0], spare: spare, arena: tx.arena[:0], scratch: tx.scratch[:0], deletes: tx.deletes[:0]}
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

func (tx *Tx) find(mkey []byte) *entry {
	if tx.index != nil {
		return tx.index[string(mkey)]
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
	case tx.index != nil:
		tx.index[string(e.mkey)] = e
	case len(tx.entries) > indexAfter:
		tx.index = make(map[string]*entry, 2*len(tx.entries))
		for _, x := range tx.entries {
			tx.index[string(x.mkey)] = x
		}
	}
}

// load returns the entry of a key, reading its meta from the cache or Pebble
// on first use.
func (tx *Tx) load(db int, key []byte) (*entry, error) {
	phys := tx.s.Phys(db)
	var buf [64]byte
	mkey := metaKey(buf[:0], phys, key)
	if e := tx.find(mkey); e != nil {
		return e, nil
	}
	hash := KeyHash(key)
	m, ok := tx.s.cache.get(hash, mkey)
	if !ok && !tx.s.filter.absent(phys, mkey) {
		var err error
		if m, err = tx.s.readMeta(mkey); err != nil {
			return nil, err
		}
		tx.s.cache.put(hash, mkey, m)
	}
	e := tx.newEntry()
	*e = entry{db: db, phys: phys, hash: hash, key: tx.keep(key), mkey: tx.keep(mkey), orig: m, cur: m}
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

// NewOID allocates an object id for a new collection.
func (tx *Tx) NewOID() (uint64, error) { return tx.s.newOID() }

// writeBatch is the batch element writes go to: indexed, so the Tx reads
// its own writes.
func (tx *Tx) writeBatch() *pebble.Batch {
	if tx.batch == nil {
		tx.batch = tx.s.db.NewIndexedBatch()
		tx.indexed = true
	}
	return tx.batch
}

// commitBatch is the batch Commit adds meta records to: a plain batch when
// the Tx wrote no elements (strings, TTLs), which is cheaper to build.
func (tx *Tx) commitBatch() *pebble.Batch {
	if tx.batch == nil {
		tx.batch = tx.s.db.NewBatch()
	}
	return tx.batch
}

// Get reads element sub of object oid. The returned slice is a copy.
func (tx *Tx) Get(oid uint64, sub []byte) ([]byte, bool, error) {
	var buf [64]byte
	k := ElemKey(buf[:0], oid, sub)
	var v []byte
	var closer interface{ Close() error }
	var err error
	if tx.indexed {
		v, closer, err = tx.batch.Get(k)
	} else {
		v, closer, err = tx.s.db.Get(k)
	}
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

// GetMember is Get for lookups that often miss: a member or field of a
// set, hash or sorted set about to be added. A big object's misses are
// answered from its element filter (elemfilter.go) without reading Pebble.
func (tx *Tx) GetMember(oid uint64, sub []byte) ([]byte, bool, error) {
	if tx.elemAbsent(oid, sub) {
		return nil, false, nil
	}
	return tx.Get(oid, sub)
}

// Set writes element sub of object oid.
func (tx *Tx) Set(oid uint64, sub, value []byte) {
	tx.s.elems.noteElem(oid, sub)
	var buf [64]byte
	tx.writeBatch().Set(ElemKey(buf[:0], oid, sub), value, nil)
}

// Delete removes element sub of object oid.
func (tx *Tx) Delete(oid uint64, sub []byte) {
	var buf [64]byte
	tx.writeBatch().Delete(ElemKey(buf[:0], oid, sub), nil)
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
	tx.writeBatch().DeleteRange(ElemKey(nil, oid, lower), ElemKey(nil, oid, upper), nil)
}

// Iter iterates the elements of object oid with subkeys in [lower, upper);
// nil bounds mean the whole object.
func (tx *Tx) Iter(oid uint64, lower, upper []byte) (*Iter, error) {
	prefix := elemPrefix(oid)
	o := &pebble.IterOptions{LowerBound: append(bytes.Clone(prefix), lower...)}
	if upper != nil {
		o.UpperBound = append(bytes.Clone(prefix), upper...)
	} else {
		o.UpperBound = elemPrefix(oid + 1)
	}
	var it *pebble.Iterator
	var err error
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
	defer tx.release()
	s := tx.s
	var deltas []counterDelta
	live := map[uint64]bool{}
	wrote := false
	for _, e := range tx.entries {
		if e.cur != nil && e.cur.OID != 0 {
			live[e.cur.OID] = true
		}
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
		deltas = addDelta(deltas, d)
	}
	for oid, count := range tx.objects {
		if !live[oid] {
			wrote = true
			if err := tx.dropObject(oid, count); err != nil {
				return false, err
			}
		}
	}
	if tx.batch != nil && !tx.batch.Empty() {
		wrote = true
	}
	if !wrote {
		tx.publishHints() // what the Tx saw is what is committed
		return false, nil
	}
	b := tx.commitBatch()
	for _, d := range deltas {
		for _, kv := range [...]struct {
			kind byte
			n    int64
		}{{counterKeys, d.keys}, {counterExpires, d.expires}, {counterDeadlines, d.deadlines}, {counterBytes, d.bytes}} {
			if kv.n != 0 {
				b.Merge(counterKey(d.phys, kv.kind), encodeCounter(kv.n), nil)
			}
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return false, err
	}
	for _, e := range tx.entries {
		if e.dirty {
			s.cache.put(e.hash, e.mkey, e.cur)
		}
	}
	for _, d := range deltas {
		c := s.countersOf(d.phys)
		c.keys.Add(d.keys)
		c.expires.Add(d.expires)
		c.deadlines.Add(d.deadlines)
		c.bytes.Add(d.bytes)
	}
	s.durable.committed()
	tx.publishHints()
	tx.noteDeletes()
	for _, a := range tx.access {
		s.access.set(a.hash, a.idleMs, a.freq)
	}
	return true, nil
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
	idleMs int64
	freq   int
}

// SetAccess gives key the idle time and LFU counter it arrives with
// (RESTORE IDLETIME/FREQ), replacing the fresh record a created key gets
// at commit; idleMs < 0 or freq < 0 leave that part alone.
func (tx *Tx) SetAccess(key []byte, idleMs int64, freq int) {
	tx.access = append(tx.access, accessSet{KeyHash(key), idleMs, freq})
}

// smallObject is the element count up to which a dropped object's records
// are deleted one by one; larger ones get a single range tombstone, which
// Pebble reclaims with delete-only compactions. Many small range tombstones
// would slow reads down (ENCODING.md).
const smallObject = 32

func (tx *Tx) dropObject(oid uint64, count int64) error {
	if count > smallObject {
		return tx.commitBatch().DeleteRange(elemPrefix(oid), elemPrefix(oid+1), nil)
	}
	it, err := tx.Iter(oid, nil, nil)
	if err != nil {
		return err
	}
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, bytes.Clone(it.it.Key()))
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

// Iter walks the elements of one object in subkey order.
type Iter struct {
	it     *pebble.Iterator
	prefix int
	base   []byte
	buf    []byte
}

func (i *Iter) First() bool { return i.it.First() }
func (i *Iter) Last() bool  { return i.it.Last() }
func (i *Iter) Next() bool  { return i.it.Next() }
func (i *Iter) Prev() bool  { return i.it.Prev() }
func (i *Iter) Valid() bool { return i.it.Valid() }

// SeekGE positions at the first subkey ≥ sub.
func (i *Iter) SeekGE(sub []byte) bool {
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	return i.it.SeekGE(i.buf)
}

// SeekLT positions at the last subkey < sub.
func (i *Iter) SeekLT(sub []byte) bool {
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	return i.it.SeekLT(i.buf)
}

// SeekLTFloor positions at the last subkey < sub, looking no further back
// than floor: false when no subkey in [floor, sub) exists. Unlike SeekLT it
// does not step over the deleted records below floor.
func (i *Iter) SeekLTFloor(sub, floor []byte) bool {
	i.buf = append(append(i.buf[:0], i.base...), sub...)
	limit := append(append(make([]byte, 0, len(i.base)+len(floor)), i.base...), floor...)
	if i.it.SeekLTWithLimit(i.buf, limit) != pebble.IterValid {
		return false
	}
	return bytes.Compare(i.it.Key(), limit) >= 0 // the limit is best-effort
}

// Key is the current subkey; valid until the iterator moves.
func (i *Iter) Key() []byte { return i.it.Key()[i.prefix:] }

// Value is the current element value; valid until the iterator moves.
func (i *Iter) Value() []byte {
	v, _ := i.it.ValueAndErr()
	return v
}

// Close releases the iterator and reports any error it met.
func (i *Iter) Close() error { return i.it.Close() }

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
	}
	return nil
}
