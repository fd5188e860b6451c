package storage

import (
	"encoding/binary"
	"hash/crc32"
)

// Key roles: the first byte of every Pebble key. ENCODING.md is the contract.
const (
	roleMeta    = 0x01 // 01 | phys db (4) | hash32(key) (4) | key
	roleElem    = 0x02 // 02 | object id (8) | subkey
	roleExpiry  = 0x03 // 03 | deadline ms (8) | phys db (4) | key
	roleCounter = 0x04 // 04 | phys db (4) | counter kind (1)
	roleSystem  = 0x05 // 05 | name
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// KeyHash is the stable 32-bit hash that orders keys inside a database (and
// so SCAN cursors) and picks lock stripes. It is part of the on-disk format.
func KeyHash(key []byte) uint32 { return crc32.Checksum(key, castagnoli) }

func metaKey(dst []byte, phys uint32, key []byte) []byte {
	dst = append(dst, roleMeta)
	dst = binary.BigEndian.AppendUint32(dst, phys)
	dst = binary.BigEndian.AppendUint32(dst, KeyHash(key))
	return append(dst, key...)
}

// metaPrefix is the first meta key of a database with hash ≥ h.
func metaPrefix(phys uint32, h uint32) []byte {
	b := make([]byte, 0, 9)
	b = append(b, roleMeta)
	b = binary.BigEndian.AppendUint32(b, phys)
	return binary.BigEndian.AppendUint32(b, h)
}

// metaDBBounds are the iterator bounds of one database's meta records.
func metaDBBounds(phys uint32) (lower, upper []byte) {
	lower = binary.BigEndian.AppendUint32([]byte{roleMeta}, phys)
	upper = binary.BigEndian.AppendUint32([]byte{roleMeta}, phys+1)
	return lower, upper
}

// splitMetaKey returns the hash and user key of a meta record key.
func splitMetaKey(k []byte) (hash uint32, key []byte) {
	return binary.BigEndian.Uint32(k[5:9]), k[9:]
}

func elemPrefix(oid uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{roleElem}, oid)
}

// ElemKey is the Pebble key of one element (subkey) of object oid.
func ElemKey(dst []byte, oid uint64, sub []byte) []byte {
	dst = append(dst, roleElem)
	dst = binary.BigEndian.AppendUint64(dst, oid)
	return append(dst, sub...)
}

func expiryKey(deadline int64, phys uint32, key []byte) []byte {
	b := make([]byte, 0, 13+len(key))
	b = append(b, roleExpiry)
	b = binary.BigEndian.AppendUint64(b, uint64(deadline))
	b = binary.BigEndian.AppendUint32(b, phys)
	return append(b, key...)
}

// Counter kinds, kept per physical database as merge operands.
const (
	counterKeys      = 'k' // number of keys
	counterExpires   = 'e' // number of keys with a deadline
	counterDeadlines = 's' // sum of deadlines in seconds (for avg_ttl)
)

func counterKey(phys uint32, kind byte) []byte {
	b := binary.BigEndian.AppendUint32([]byte{roleCounter}, phys)
	return append(b, kind)
}

func systemKey(name string) []byte { return append([]byte{roleSystem}, name...) }
