package engine

import "encoding/binary"

// murmurHash64A is Austin Appleby's MurmurHash64A, reading 8-byte blocks
// little-endian as Redis does on the machines it runs on: HyperLogLog
// registers must be chosen exactly as Redis chooses them.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	blocks := len(key) &^ 7
	for i := 0; i < blocks; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[blocks:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}
