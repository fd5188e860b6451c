//go:build !cgo

package storage

// pebbleOffHeap: without cgo, Pebble's block cache and memtables are
// ordinary Go allocations, which GOMEMLIMIT covers.
const pebbleOffHeap = false
