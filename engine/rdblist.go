package engine

import (
	"bytes"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Lists are read in position order and loaded at consecutive positions
// from listStart (liststore.go).
func init() {
	registerRDB(storage.TypeList, rdb.KindList, &rdbCodec{object: listObject, load: loadList})
}

func listObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	cur, err := newElemCursor(r, m.OID, nil, nil, func(_, val []byte) (rdb.Elem, error) {
		return rdb.Elem{Member: bytes.Clone(val)}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &rdb.Object{Kind: rdb.KindList, Len: m.Count, Next: cur.next}, cur, nil
}

func loadList(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	var m *storage.Meta
	for {
		e, ok, err := v.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return m, nil
		}
		if m == nil {
			oid, err := l.tx.NewOID()
			if err != nil {
				return nil, err
			}
			m = &storage.Meta{Type: storage.TypeList, OID: oid, Ext: listPos(listStart)}
		}
		l.tx.Set(m.OID, listPos(listStart+uint64(m.Count)), e.Member)
		m.Count++
		if err := l.flush(); err != nil {
			return nil, err
		}
	}
}
