package storage

import (
	"encoding/binary"
	"errors"
)

// Type is a Redis value type.
type Type byte

// The Redis types. Bitmaps and HyperLogLogs are strings, geo sets are zsets.
const (
	TypeString Type = 1
	TypeList   Type = 2
	TypeSet    Type = 3
	TypeZSet   Type = 4
	TypeHash   Type = 5
	TypeStream Type = 6
)

// String is the name TYPE reports.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	case TypeStream:
		return "stream"
	}
	return "none"
}

// Meta is the one record every key has: its type, deadline, the object id
// its elements live under, their count, type-specific fields and, for small
// strings, the value itself.
//
// A Meta handed out by a Tx is shared with the hot cache and must never be
// modified: copy it, change the copy, and Put the copy.
type Meta struct {
	Type   Type
	Enc    byte   // type-specific encoding flag (0..63)
	Expire int64  // unix ms deadline, 0 = none
	OID    uint64 // object id of the elements, 0 = none
	Count  int64  // number of elements (fragment slots of a fragmented string)
	Ext    []byte // type-specific fixed fields
	Value  []byte // inline value of a string
}

const (
	flagExpire = 1 << 0
	flagOID    = 1 << 1
	encShift   = 2
)

func encodeMeta(dst []byte, m *Meta) []byte {
	flags := m.Enc << encShift
	if m.Expire != 0 {
		flags |= flagExpire
	}
	if m.OID != 0 {
		flags |= flagOID
	}
	dst = append(dst, byte(m.Type), flags)
	if m.Expire != 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Expire))
	}
	if m.OID != 0 {
		dst = binary.BigEndian.AppendUint64(dst, m.OID)
	}
	dst = binary.AppendUvarint(dst, uint64(m.Count))
	dst = binary.AppendUvarint(dst, uint64(len(m.Ext)))
	dst = append(dst, m.Ext...)
	return append(dst, m.Value...)
}

var errCorruptMeta = errors.New("corrupt meta record")

// decodeMeta decodes a meta record; the Meta keeps no reference to b.
func decodeMeta(b []byte) (*Meta, error) {
	if len(b) < 4 {
		return nil, errCorruptMeta
	}
	m := &Meta{Type: Type(b[0]), Enc: b[1] >> encShift}
	flags := b[1]
	b = b[2:]
	if flags&flagExpire != 0 {
		if len(b) < 8 {
			return nil, errCorruptMeta
		}
		m.Expire = int64(binary.BigEndian.Uint64(b))
		b = b[8:]
	}
	if flags&flagOID != 0 {
		if len(b) < 8 {
			return nil, errCorruptMeta
		}
		m.OID = binary.BigEndian.Uint64(b)
		b = b[8:]
	}
	count, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, errCorruptMeta
	}
	m.Count = int64(count)
	b = b[n:]
	extLen, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < extLen {
		return nil, errCorruptMeta
	}
	b = b[n:]
	if extLen > 0 {
		m.Ext = append([]byte(nil), b[:extLen]...)
	}
	b = b[extLen:]
	m.Value = append(make([]byte, 0, len(b)), b...) // non-nil: an empty string exists
	return m, nil
}

// size estimates the memory a cached Meta holds.
func (m *Meta) size() int64 {
	return int64(len(m.Ext) + len(m.Value) + 80)
}
