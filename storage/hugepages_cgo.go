//go:build cgo && linux

package storage

// Pebble's memtables are skiplists in one large calloc'd block each (up
// to 64 MB). Every insert descends the skiplist through nodes spread over
// the block, each a cache miss and, with 4 KB pages, a TLB miss too: the
// largest cost of a write. Cairn's calloc is glibc's with transparent huge
// pages asked for on blocks of 4 MB and more, which only memtables are (a
// memtable fills its block, so huge pages cost no extra memory). The
// program's own definition of calloc is the one every caller in it gets.

/*
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

extern void *__libc_calloc(size_t, size_t);

void *calloc(size_t n, size_t size) {
	void *p = __libc_calloc(n, size);
	size_t len = n * size;
	if (p != NULL && len >= ((size_t)4 << 20) && len / n == size) {
		uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
		uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)4095;
		madvise((void *)start, end - start, MADV_HUGEPAGE);
	}
	return p;
}
*/
import "C"
