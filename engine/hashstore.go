package engine

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/cairndb/cairn/storage"
)

// A hash is a meta record (count = fields) and one record per field,
// subkey elemHash(field) · field (elements.go), value uvarint(seq) · value.
// seq is the field's insertion number while the hash is a listpack: Redis
// keeps a listpack's fields in insertion order and clients see it (HGETALL,
// HSCAN), so small hashes are read whole and sorted by seq. A hashtable's
// order is Redis's to choose; new fields there get seq 0. The meta's ext is
// uvarint(next seq) while the hash is a listpack.

// Hash encodings (meta Enc), as OBJECT ENCODING names them. A listpack
// becomes a hashtable when Redis 7.0 would convert it; like Redis, it
// never goes back.
const (
	encHashListpack  byte = 0
	encHashHashtable byte = 1
)

func init() {
	encodingNames[storage.TypeHash] = func(_ *Server, m *storage.Meta) string {
		if m.Enc == encHashHashtable {
			return "hashtable"
		}
		return "listpack"
	}
}

func hashRecord(seq uint64, value []byte) []byte {
	rec := binary.AppendUvarint(make([]byte, 0, len(value)+3), seq)
	return append(rec, value...)
}

// splitHashRecord returns a field record's insertion number and value.
func splitHashRecord(rec []byte) (uint64, []byte) {
	seq, n := binary.Uvarint(rec)
	if n <= 0 {
		return 0, rec[len(rec):]
	}
	return seq, rec[n:]
}

func hashRecordValue(rec []byte) []byte {
	_, v := splitHashRecord(rec)
	return v
}

// hashField reads one field's value.
func (x *Ctx) hashField(m *storage.Meta, field []byte) ([]byte, bool) {
	rec, ok := x.elemGet(m.OID, field)
	if !ok {
		return nil, false
	}
	return hashRecordValue(rec), true
}

// hashElems returns the fields of a hash in the order Redis would walk
// them: insertion order for a listpack, hash order (Cairn's choice) for a
// hashtable. Values are the records' values, without seq.
func (x *Ctx) hashElems(m *storage.Meta) []elem {
	all := x.allElems(m.OID, m.Count)
	if m.Enc == encHashListpack {
		slices.SortFunc(all, func(a, b elem) int {
			sa, _ := splitHashRecord(a.value)
			sb, _ := splitHashRecord(b.value)
			return cmp.Compare(sa, sb)
		})
	}
	for i := range all {
		all[i].value = hashRecordValue(all[i].value)
	}
	return all
}

// hashEdit is a hash being changed by a command: a private copy of its
// meta, stored by save.
type hashEdit struct {
	x       *Ctx
	key     []byte
	m       *storage.Meta
	existed bool
}

// hashForWrite opens key's hash for writing, a new empty one if the key
// does not exist; false after a WRONGTYPE reply.
func (x *Ctx) hashForWrite(key []byte) (*hashEdit, bool) {
	m, ok := x.writeType(key, storage.TypeHash)
	if !ok {
		return nil, false
	}
	if m == nil {
		return &hashEdit{x: x, key: key, m: &storage.Meta{Type: storage.TypeHash}}, true
	}
	n := *m
	return &hashEdit{x: x, key: key, m: &n, existed: true}, true
}

func (h *hashEdit) get(field []byte) ([]byte, bool) {
	if h.m.OID == 0 {
		return nil, false // a new hash: nothing stored yet
	}
	return h.x.hashField(h.m, field)
}

// set writes a field and reports whether it is new. It converts a listpack
// to a hashtable when Redis would: a field or value longer than
// hash-max-listpack-value, or more fields than hash-max-listpack-entries.
func (h *hashEdit) set(field, value []byte) bool {
	x, m := h.x, h.m
	if m.OID == 0 {
		m.OID = x.newOID()
	}
	if m.Enc == encHashListpack {
		limit := x.s.cfg.Int("hash-max-listpack-value")
		if int64(len(field)) > limit || int64(len(value)) > limit {
			h.convert()
		}
	}
	old, exists := x.elemGet(m.OID, field)
	var seq uint64
	switch {
	case exists:
		seq, _ = splitHashRecord(old)
	case m.Enc == encHashListpack:
		seq = h.nextSeq()
		m.Ext = binary.AppendUvarint(nil, seq+1)
	}
	x.elemSet(m.OID, field, hashRecord(seq, value))
	if !exists {
		m.Count++
	}
	// Redis checks the size after every write, an update too: a listpack
	// over a limit lowered since converts on its next write.
	if m.Enc == encHashListpack && m.Count > x.s.cfg.Int("hash-max-listpack-entries") {
		h.convert()
	}
	return !exists
}

func (h *hashEdit) nextSeq() uint64 {
	seq, _ := binary.Uvarint(h.m.Ext)
	return seq
}

func (h *hashEdit) convert() {
	h.m.Enc = encHashHashtable
	h.m.Ext = nil
}

// del removes a field and reports whether it existed.
func (h *hashEdit) del(field []byte) bool {
	if _, ok := h.x.elemGet(h.m.OID, field); !ok {
		return false
	}
	h.x.elemDelete(h.m.OID, field)
	h.m.Count--
	return true
}

// save stores the hash; an empty hash is deleted, as Redis never keeps one.
func (h *hashEdit) save() {
	if h.m.Count == 0 {
		h.x.put(h.key, nil)
		return
	}
	h.x.put(h.key, h.m)
}
