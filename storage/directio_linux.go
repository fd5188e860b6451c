package storage

import (
	"io"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// directFS serves Pebble's point reads of sstables with O_DIRECT. Those
// reads are what a block-cache miss costs, and through the page cache
// each one also allocates a page: once the data is larger than memory
// (and always under a cgroup memory limit, which counts the page cache),
// that allocation reclaims another page first, and the kernel spent
// about 50 µs of CPU per read doing so, more than the read itself. Pebble
// opens a file for point reads with RandomReadsOption; compactions and
// long scans reopen it with SequentialReadsOption and keep the page
// cache's readahead.
type directFS struct{ vfs.FS }

// sstableFS is the file system Pebble gets: directFS when direct reads
// are asked for.
func sstableFS(direct bool) vfs.FS {
	if direct {
		return directFS{vfs.Default}
	}
	return vfs.Default
}

func (fs directFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.Open(name, opts...)
	if err != nil || len(opts) != 1 || opts[0] != vfs.RandomReadsOption {
		return f, err
	}
	d, derr := os.OpenFile(name, os.O_RDONLY|syscall.O_DIRECT, 0)
	if derr != nil {
		return f, nil // a file system without O_DIRECT (tmpfs before 6.6)
	}
	return &directFile{File: f, direct: d}, nil
}

// directFile reads through its O_DIRECT descriptor and does the rest
// (Stat, Close of both) as the file it wraps.
type directFile struct {
	vfs.File
	direct *os.File
}

// directAlign is the offset, length and buffer alignment O_DIRECT needs
// (the logical block size is 512 or 4096 bytes; 4096 covers both).
const directAlign = 4096

// directBufs recycles aligned buffers of up to 64 KiB: data blocks are
// about 4 KiB, index and filter blocks larger.
var directBufs = sync.Pool{New: func() any { b := alignedBuf(pooledSpan); return &b }}

const pooledSpan = 64 << 10

func alignedBuf(n int) []byte {
	b := make([]byte, n+directAlign)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % directAlign); r != 0 {
		skip = directAlign - r
	}
	return b[skip : skip+n : skip+n]
}

// ReadAt reads the aligned span around p and copies p's part out of it.
func (f *directFile) ReadAt(p []byte, off int64) (int, error) {
	start := off &^ (directAlign - 1)
	end := (off + int64(len(p)) + directAlign - 1) &^ (directAlign - 1)
	span := int(end - start)
	var buf []byte
	if span <= pooledSpan {
		pooled := directBufs.Get().(*[]byte)
		defer directBufs.Put(pooled)
		buf = (*pooled)[:span]
	} else {
		buf = alignedBuf(span)
	}
	n, err := f.direct.ReadAt(buf, start)
	// The file's last block is short: a read past its end is not an error
	// as long as p's bytes came.
	got := max(0, min(n-int(off-start), len(p)))
	copy(p, buf[off-start:int(off-start)+got])
	if got == len(p) {
		return got, nil
	}
	if err == nil {
		err = io.EOF
	}
	return got, err
}

// Prefetch does nothing: readahead fills the page cache, which direct
// reads skip.
func (f *directFile) Prefetch(offset, length int64) error { return nil }

func (f *directFile) Close() error {
	derr := f.direct.Close()
	if err := f.File.Close(); err != nil {
		return err
	}
	return derr
}
