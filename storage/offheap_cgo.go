//go:build cgo

package storage

// pebbleOffHeap: with cgo, Pebble allocates its block cache and memtables
// with C's allocator, outside the Go heap (and so outside GOMEMLIMIT).
const pebbleOffHeap = true
