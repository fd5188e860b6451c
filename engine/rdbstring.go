package engine

import (
	"encoding/binary"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Strings (and so bitmaps and HyperLogLogs) are RDB strings. A long value
// lives in fragments (storage/fragments.go): element records keyed by the
// fragment's index, trailing zeros cut, missing ones all zeros.
func init() {
	registerRDB(storage.TypeString, rdb.KindString, &rdbCodec{object: stringObject, load: loadString})
}

func stringObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	if m.OID == 0 {
		return &rdb.Object{Kind: rdb.KindString, String: m.Value}, nil, nil
	}
	v := make([]byte, storage.StringLen(m))
	err := iterRange(r, m.OID, nil, nil, func(sub, val []byte) error {
		if len(sub) == 8 {
			if at := binary.BigEndian.Uint64(sub) * storage.FragmentSize; at < uint64(len(v)) {
				copy(v[at:], val)
			}
		}
		return nil
	})
	return &rdb.Object{Kind: rdb.KindString, String: v}, nil, err
}

func loadString(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	m := &storage.Meta{Type: storage.TypeString}
	if err := l.tx.SetStringValue(m, v.Bytes()); err != nil {
		return nil, err
	}
	if m.OID != 0 {
		m.Enc = encStringRaw // as Redis reports a value too long for embstr
	}
	return m, nil
}
