package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// A string value up to StringInlineMax bytes lives inline in its meta
// record. A longer one lives in fragments: element records of the string's
// object, fragment i holding bytes [i·FragmentSize, (i+1)·FragmentSize) of
// the value with its trailing zero bytes cut off. A missing fragment is all
// zeros, so a sparse bitmap costs only the fragments it has bits in, and an
// edit touches only the fragments it covers. The meta record of a
// fragmented string keeps the value's length in Ext (u64) and the number
// of fragment slots in Count (ENCODING.md).
const (
	StringInlineMax = 16 << 10
	FragmentSize    = 4 << 10
)

var errCorruptString = errors.New("corrupt string meta record")

// StringLen is the length of the value of string meta m.
func StringLen(m *Meta) int64 {
	if m.OID == 0 {
		return int64(len(m.Value))
	}
	if len(m.Ext) != 8 {
		panic(errCorruptString)
	}
	return int64(binary.BigEndian.Uint64(m.Ext))
}

func fragmentKey(i int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

// setFragmentedLen records the length of a fragmented value in m, with
// fresh slices: m's old ones may be shared with the cache.
func setFragmentedLen(m *Meta, n int64) {
	m.Value = nil
	m.Ext = binary.BigEndian.AppendUint64(nil, uint64(n))
	m.Count = (n + FragmentSize - 1) / FragmentSize
}

// SetStringValue makes m, a meta the caller is about to Put, hold a copy
// of v: inline when short, else in the fragments of a fresh object.
func (tx *Tx) SetStringValue(m *Meta, v []byte) error {
	m.OID, m.Count, m.Ext = 0, 0, nil
	if len(v) <= StringInlineMax {
		m.Value = bytes.Clone(v)
		return nil
	}
	oid, err := tx.NewOID()
	if err != nil {
		return err
	}
	m.OID = oid
	setFragmentedLen(m, int64(len(v)))
	for i := int64(0); i < m.Count; i++ {
		lo := i * FragmentSize
		tx.putFragment(oid, i, v[lo:min(lo+FragmentSize, int64(len(v)))], false)
	}
	return nil
}

// WriteStringAt writes p at byte offset off of m's value, growing it with
// zeros to at least off+len(p) (an empty p just grows it). m is a copy the
// caller is about to Put; a value that outgrows StringInlineMax moves to
// fragments.
func (tx *Tx) WriteStringAt(m *Meta, off int64, p []byte) error {
	end := off + int64(len(p))
	size := max(StringLen(m), end)
	if m.OID == 0 && size <= StringInlineMax {
		v := make([]byte, size)
		copy(v, m.Value)
		copy(v[off:], p)
		m.Value = v
		return nil
	}
	if m.OID == 0 {
		oid, err := tx.NewOID()
		if err != nil {
			return err
		}
		old := m.Value
		m.OID = oid
		for i := int64(0); i*FragmentSize < int64(len(old)); i++ {
			lo := i * FragmentSize
			tx.putFragment(oid, i, old[lo:min(lo+FragmentSize, int64(len(old)))], false)
		}
	}
	setFragmentedLen(m, size)
	for i := off / FragmentSize; i*FragmentSize < end; i++ {
		start := i * FragmentSize
		lo, hi := max(off, start), min(end, start+FragmentSize)
		chunk := p[lo-off : hi-off]
		if lo == start && (hi == start+FragmentSize || hi == size) {
			tx.putFragment(m.OID, i, chunk, true)
			continue
		}
		old, found, err := tx.Get(m.OID, fragmentKey(i))
		if err != nil {
			return err
		}
		frag := make([]byte, max(int64(len(old)), hi-start))
		copy(frag, old)
		copy(frag[lo-start:], chunk)
		tx.putFragment(m.OID, i, frag, found)
	}
	return nil
}

// putFragment stores fragment i without its trailing zeros; an all-zero
// fragment is deleted if it may exist.
func (tx *Tx) putFragment(oid uint64, i int64, data []byte, mayExist bool) {
	data = bytes.TrimRight(data, "\x00")
	if len(data) == 0 {
		if mayExist {
			tx.Delete(oid, fragmentKey(i))
		}
		return
	}
	tx.Set(oid, fragmentKey(i), data)
}

// ReadString returns a fresh copy of bytes [off, off+n) of m's value;
// the range must lie within the value.
func (tx *Tx) ReadString(m *Meta, off, n int64) ([]byte, error) {
	out := make([]byte, n)
	err := tx.StringChunks(m, off, off+n, func(at int64, data []byte) bool {
		copy(out[at-off:], data)
		return true
	})
	return out, err
}

// StringChunks calls fn, in order, with the stored parts of bytes
// [off, end) of m's value, at their offsets; every byte of the range that
// no chunk covers is zero. fn returns false to stop. data is valid only
// during the call.
func (tx *Tx) StringChunks(m *Meta, off, end int64, fn func(at int64, data []byte) bool) error {
	end = min(end, StringLen(m))
	if off >= end {
		return nil
	}
	if m.OID == 0 {
		fn(off, m.Value[off:end])
		return nil
	}
	it, err := tx.Iter(m.OID, fragmentKey(off/FragmentSize), fragmentKey((end-1)/FragmentSize+1))
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) != 8 {
			continue
		}
		start := int64(binary.BigEndian.Uint64(k)) * FragmentSize
		data := it.Value()
		lo, hi := max(off, start), min(end, start+int64(len(data)))
		if lo < hi && !fn(lo, data[lo-start:hi-start]) {
			break
		}
	}
	return it.Close()
}
