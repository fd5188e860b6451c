//go:build !cgo || !linux

package storage

// releaseFreedMemory has nothing to do without glibc's allocator: Pebble
// then allocates in the Go heap, which the Go runtime returns itself.
func releaseFreedMemory() {}
