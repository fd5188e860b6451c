package engine

import "github.com/cairndb/cairn/storage"

// Every read and write of a string value goes through these helpers: a
// value is inline in its meta record or, when large, in fragments
// (storage/fragments.go), and callers never need to know which.

// stringLen is the length of a string value.
func stringLen(m *storage.Meta) int64 { return storage.StringLen(m) }

// stringBytes is the whole value of a string meta. Do not modify it: an
// inline value is shared with the cache.
func (x *Ctx) stringBytes(m *storage.Meta) []byte {
	if m.OID == 0 {
		return m.Value
	}
	return x.stringRange(m, 0, stringLen(m))
}

// stringRange is a fresh copy of bytes [off, off+n) of a string value,
// zero-filled past its end.
func (x *Ctx) stringRange(m *storage.Meta, off, n int64) []byte {
	if n <= 0 {
		return []byte{}
	}
	out := make([]byte, n)
	x.stringChunks(m, off, off+n, func(at int64, data []byte) bool {
		copy(out[at-off:], data)
		return true
	})
	return out
}

// stringChunks calls fn with the stored parts of bytes [off, end) of a
// string value in order; bytes no chunk covers are zero. Large sparse
// values are walked without reading their zero fragments.
func (x *Ctx) stringChunks(m *storage.Meta, off, end int64, fn func(at int64, data []byte) bool) {
	x.must(x.tx().StringChunks(m, off, end, fn))
}

// newString builds the meta of a new string holding a copy of v.
func (x *Ctx) newString(v []byte, expire int64, enc byte) *storage.Meta {
	m := &storage.Meta{Type: storage.TypeString, Expire: expire, Enc: enc}
	x.must(x.tx().SetStringValue(m, v))
	if m.OID != 0 {
		m.Enc = encStringRaw // as Redis reports any value too long for embstr
	}
	return m
}

// editString writes p at offset off of key's string (m nil: a new key),
// growing it with zeros, as the in-place edits (APPEND, SETRANGE, SETBIT,
// BITFIELD) do, which leave the value raw. It stages and returns the new
// meta; the caller reports a change with signalModified, as Redis does
// only when the value really changed.
func (x *Ctx) editString(key []byte, m *storage.Meta, off int64, p []byte) *storage.Meta {
	n := &storage.Meta{Type: storage.TypeString}
	if m != nil {
		c := *m
		n = &c
	}
	n.Enc = encStringRaw
	x.must(x.tx().WriteStringAt(n, off, p))
	if m == nil {
		x.notify(classNew, "new", key)
	}
	x.must(x.tx().Put(x.db, key, n))
	return n
}

// signalModified reports a write to key staged without x.put: WATCHers
// and blocked clients are told, and it counts as a change.
func (x *Ctx) signalModified(key []byte) {
	x.modified = append(x.modified, keyRef{x.db, string(key)})
	x.s.stats.dirty.Add(1)
}

// makeRaw marks a string raw without touching its value, as Redis's
// dbUnshareStringValue does when a bit command leaves the value unchanged.
// It is not a modification: watchers and blocked clients are not told.
func (x *Ctx) makeRaw(key []byte, m *storage.Meta) *storage.Meta {
	if m.Enc == encStringRaw {
		return m
	}
	n := *m
	n.Enc = encStringRaw
	x.must(x.tx().Put(x.db, key, &n))
	return &n
}
