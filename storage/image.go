package storage

import (
	"bytes"
	"slices"
)

// An image is the whole of a small object's records in memory, in subkey
// order. HGETALL, SMEMBERS, LRANGE 0 -1 of a ten-element collection made a
// Pebble iterator each (a seek in the memtable and in every level), three
// to four times Redis's cost for the command; an object read that way in
// two Txs in a row (recentIters) while it has at most imageMaxCount
// elements gets an image, and its iterators and element reads are served
// from it. Like a record index (recordindex.go) it is a memo that Tx.Set,
// Tx.Delete and Tx.DeleteRange change in place under the key lock, dropped
// if its Tx does not commit; an object whose records outgrow imageMaxRecords
// or imageMaxBytes loses it. An object that has an image needs no record
// index.
const (
	imageMemo     HintKind = '='
	imageTooLarge HintKind = '-' // a scan found the object too big for one
)

const (
	imageMaxCount   = 32 // elements, when the image is built
	imageMaxRecords = 128
	imageMaxBytes   = 8 << 10
)

type imageRecord struct{ sub, val []byte }

type objectImage struct {
	recs    []imageRecord // in subkey order
	bytes   int           // of the subkeys and values
	counted int64         // the footprint the hint table counts
	pinned  bool          // an open iterator reads recs: the next change copies them
}

func (m *objectImage) footprint() int64 { return int64(64 + m.bytes + 48*len(m.recs)) }

func (m *objectImage) search(sub []byte) (int, bool) {
	return slices.BinarySearchFunc(m.recs, sub, func(r imageRecord, s []byte) int { return bytes.Compare(r.sub, s) })
}

func (m *objectImage) unpin() {
	if m.pinned {
		m.recs = slices.Clone(m.recs)
		m.pinned = false
	}
}

// set writes a record; false means the image has outgrown its bounds.
func (m *objectImage) set(sub, val []byte) bool {
	i, found := m.search(sub)
	m.unpin()
	v := append([]byte{}, val...) // never nil: a record's value
	if found {
		m.bytes += len(v) - len(m.recs[i].val)
		m.recs[i].val = v
	} else {
		m.recs = slices.Insert(m.recs, i, imageRecord{bytes.Clone(sub), v})
		m.bytes += len(sub) + len(v)
	}
	return len(m.recs) <= imageMaxRecords && m.bytes <= imageMaxBytes
}

func (m *objectImage) delete(sub []byte) {
	if i, found := m.search(sub); found {
		m.unpin()
		m.bytes -= len(m.recs[i].sub) + len(m.recs[i].val)
		m.recs = slices.Delete(m.recs, i, i+1)
	}
}

func (m *objectImage) deleteRange(lower, upper []byte) {
	i, _ := m.search(lower)
	j, _ := m.search(upper)
	if i < j {
		m.unpin()
		for _, r := range m.recs[i:j] {
			m.bytes -= len(r.sub) + len(r.val)
		}
		m.recs = slices.Delete(m.recs, i, j)
	}
}

// iter returns an iterator over the records in [lower, upper) (nil: no
// bound), unaffected by later changes, as a Pebble iterator is.
func (m *objectImage) iter(lower, upper []byte) *Iter {
	lo, hi := 0, len(m.recs)
	if lower != nil {
		lo, _ = m.search(lower)
	}
	if upper != nil {
		hi, _ = m.search(upper)
	}
	m.pinned = true
	return &Iter{recs: m.recs, lo: lo, hi: max(lo, hi), pos: lo - 1}
}

// imageOf returns the object's image as the Tx sees it, or nil; the Tx may
// change it in place.
func (tx *Tx) imageOf(oid uint64) *objectImage {
	if tx.s.indexes == nil {
		return nil
	}
	m, _ := tx.aid(&tx.lastImage, &tx.s.indexes.imaged, oid, imageMemo).(*objectImage)
	return m
}

func (tx *Tx) dropImage(oid uint64) { tx.dropAid(&tx.lastImage, oid, imageMemo) }

// dropAids forgets the index and the image of an object being deleted.
func (tx *Tx) dropAids(oid uint64) {
	if tx.imageOf(oid) != nil {
		tx.dropImage(oid)
	}
	if tx.recordIndex(oid) != nil {
		tx.dropRecordIndex(oid)
	}
}

// imageGet reads element sub from the object's image; known is false
// without one. The value is a copy.
func (tx *Tx) imageGet(oid uint64, sub []byte) (v []byte, ok, known bool) {
	m := tx.imageOf(oid)
	if m == nil {
		return nil, false, false
	}
	i, found := m.search(sub)
	if !found {
		return nil, false, true
	}
	return bytes.Clone(m.recs[i].val), true, true
}

// imageSet and the two below keep the object's image, if it has one.
func (tx *Tx) imageSet(oid uint64, sub, val []byte) {
	m := tx.imageOf(oid)
	switch {
	case m == nil:
	case !m.set(sub, val):
		tx.dropImage(oid)
	case m.footprint() > 2*m.counted:
		tx.countImage(oid, m)
	}
}

// countImage has the hint table count the image's footprint now.
func (tx *Tx) countImage(oid uint64, m *objectImage) {
	m.counted = m.footprint()
	tx.SetMemo(oid, imageMemo, m, m.counted)
}

func (tx *Tx) imageDelete(oid uint64, sub []byte) {
	if m := tx.imageOf(oid); m != nil {
		m.delete(sub)
	}
}

func (tx *Tx) imageDeleteRange(oid uint64, lower, upper []byte) {
	if m := tx.imageOf(oid); m != nil {
		m.deleteRange(lower, upper)
	}
}

// buildImage gives the object an image if it is small and iterated in two
// Txs in a row; nil if it does not get one.
func (tx *Tx) buildImage(oid uint64) (*objectImage, error) {
	r := tx.s.indexes
	count, known := tx.objects[oid]
	if r == nil || tx.bulk || !known || count > imageMaxCount || !r.iteratedAgain(oid) {
		return nil, nil
	}
	if tx.Memo(oid, imageTooLarge) != nil {
		return nil, nil
	}
	it, err := tx.pebbleIter(oid, nil, nil)
	if err != nil {
		return nil, err
	}
	m := &objectImage{}
	fits := true
	for ok := it.First(); ok && fits; ok = it.Next() {
		fits = m.set(it.Key(), it.Value())
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	if !fits {
		tx.SetMemo(oid, imageTooLarge, true, 16)
		return nil, nil
	}
	r.imaged.add(oid)
	tx.countImage(oid, m)
	tx.lastImage = lastAid{oid, m, true}
	if tx.recordIndex(oid) != nil {
		tx.dropRecordIndex(oid)
	}
	return m, nil
}
