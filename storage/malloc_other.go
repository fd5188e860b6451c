//go:build !cgo || !linux

package storage

// releaseFreedMemory has nothing to do without glibc's allocator: Pebble
// then allocates in the Go heap, which the Go runtime returns itself.
func releaseFreedMemory() {}

// MallocStats reports nothing: without cgo there is no C allocator.
func MallocStats() (held, inUse int64, arenas int) { return 0, 0, 0 }
