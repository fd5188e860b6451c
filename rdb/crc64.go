package rdb

import "hash/crc64"

// Redis checksums files and DUMP payloads with CRC-64/Jones: reflected, no
// initial or final inversion. Go's crc64 inverts on the way in and out, so
// undoing both inversions gives Redis's function with the standard
// library's fast table code.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// CRC64 extends a Redis CRC-64 (start with 0) over p.
func CRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
