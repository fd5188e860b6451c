package engine

import (
	"errors"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Sets keep one empty record per member (setstore.go), read in hash order.
func init() {
	registerRDB(storage.TypeSet, rdb.KindSet, &rdbCodec{object: setObject, load: loadSet})
}

func setObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	cur, err := newElemCursor(r, m.OID, nil, nil, func(sub, _ []byte) (rdb.Elem, error) {
		return rdb.Elem{Member: cloneBytes(subkeyMember(sub))}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &rdb.Object{Kind: rdb.KindSet, Len: m.Count, Next: cur.next}, cur, nil
}

var errDuplicateMemberSet = errors.New("duplicate set member")

// loadSet makes an intset when Redis would (every member an integer, at
// most set-max-intset-entries), else a hashtable. Duplicate members are
// refused, as Redis refuses them: the set's records are counted at the end.
func loadSet(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	var m *storage.Meta
	intset := true
	maxIntset := int64(l.limits().SetIntsetEntries)
	for {
		e, ok, err := v.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if m == nil {
			oid, err := l.tx.NewOID()
			if err != nil {
				return nil, err
			}
			m = &storage.Meta{Type: storage.TypeSet, OID: oid}
		}
		l.tx.Set(m.OID, elemSubkey(nil, e.Member), nil)
		m.Count++
		intset = intset && isIntsetMember(e.Member) && m.Count <= maxIntset
		if err := l.flush(); err != nil {
			return nil, err
		}
	}
	if m == nil {
		return nil, nil
	}
	if !intset {
		m.Enc = encSetHashtable
	}
	return m, checkCount(l.tx, m.OID, nil, nil, m.Count, errDuplicateMemberSet)
}
