package engine

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Hashes keep one record per field (hashstore.go). A listpack-encoded hash
// is read in insertion order, which Redis keeps and clients see; a
// hashtable in hash order.
func init() {
	registerRDB(storage.TypeHash, rdb.KindHash, &rdbCodec{object: hashObject, load: loadHash})
}

func hashObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	decode := func(sub, val []byte) (rdb.Elem, error) {
		return rdb.Elem{Member: cloneBytes(subkeyMember(sub)), Value: cloneBytes(hashRecordValue(val))}, nil
	}
	if m.Enc == encHashListpack {
		type field struct {
			seq uint64
			e   rdb.Elem
		}
		var fields []field
		err := iterRange(r, m.OID, nil, nil, func(sub, val []byte) error {
			seq, _ := splitHashRecord(val)
			e, _ := decode(sub, val)
			fields = append(fields, field{seq, e})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		slices.SortFunc(fields, func(a, b field) int { return cmp.Compare(a.seq, b.seq) })
		i := 0
		return &rdb.Object{Kind: rdb.KindHash, Len: int64(len(fields)), Next: func() (rdb.Elem, error) {
			if i >= len(fields) {
				return rdb.Elem{}, errObjectShort
			}
			i++
			return fields[i-1].e, nil
		}}, nil, nil
	}
	cur, err := newElemCursor(r, m.OID, nil, nil, decode)
	if err != nil {
		return nil, nil, err
	}
	return &rdb.Object{Kind: rdb.KindHash, Len: m.Count, Next: cur.next}, cur, nil
}

var errDuplicateField = errors.New("duplicate hash field")

// loadHash keeps a hash small enough for a listpack (under the limits) in
// the file's order, as Redis does; a bigger one becomes a hashtable.
// Duplicate fields are refused, as Redis refuses them: named while the
// fields are few, counted at the end of a big hash.
func loadHash(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	limits := l.limits()
	small, more, err := readHead(v, limits.HashListpackEntries, errDuplicateField)
	if err != nil || len(small) == 0 {
		return nil, err
	}
	fits := true
	for _, e := range small {
		fits = fits && len(e.Member) <= limits.HashListpackValue && len(e.Value) <= limits.HashListpackValue
	}
	oid, err := l.tx.NewOID()
	if err != nil {
		return nil, err
	}
	m := &storage.Meta{Type: storage.TypeHash, OID: oid, Count: int64(len(small))}
	if !more && fits && len(small) <= limits.HashListpackEntries {
		for i, e := range small {
			l.tx.Set(oid, elemSubkey(nil, e.Member), hashRecord(uint64(i), e.Value))
		}
		m.Enc, m.Ext = encHashListpack, binary.AppendUvarint(nil, uint64(len(small)))
		return m, nil
	}
	m.Enc = encHashHashtable
	for _, e := range small {
		l.tx.Set(oid, elemSubkey(nil, e.Member), hashRecord(0, e.Value))
	}
	if more {
		err := l.readRest(v, func(e rdb.Elem) {
			l.tx.Set(oid, elemSubkey(nil, e.Member), hashRecord(0, e.Value))
			m.Count++
		})
		if err != nil {
			return nil, err
		}
	}
	return m, checkCount(l.tx, oid, nil, nil, m.Count, errDuplicateField)
}
