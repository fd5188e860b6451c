//go:build cgo && linux

package storage

// Pebble allocates its block cache and memtables with C's malloc from
// many threads. glibc then grows one arena per thread (up to 8 per core),
// each holding freed memory it does not give back: tens of MB of resident
// memory above what Pebble uses. Two arenas are plenty for Pebble's few,
// large allocations.

/*
#include <malloc.h>
static void cairnTrim(void) { malloc_trim(0); }
static void cairnLimitArenas(void) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 2);
#endif
}
*/
import "C"

func init() { C.cairnLimitArenas() }

// releaseFreedMemory returns the free pages inside glibc's heaps to the
// system (malloc_trim: free chunks in the middle of a heap too, not only at
// its top).
func releaseFreedMemory() { C.cairnTrim() }
