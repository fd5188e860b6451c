package storage

import (
	"os"
	"path/filepath"
	"syscall"
)

// probeName is the file CheckWritable creates and removes in the data
// directory; Pebble ignores files it does not know.
const probeName = "cairn-write-probe"

// CheckWritable reports whether the data directory can take more writes:
// it fails with ENOSPC when the file system has less than reserve bytes
// free, and with the OS error when a file cannot be created and written
// there (a read-only or unwritable directory). Pebble treats a failed WAL
// write as fatal, so the engine must stop writing before that happens.
func CheckWritable(dir string, reserve int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err
	}
	if int64(st.Bavail)*int64(st.Bsize) < reserve {
		return syscall.ENOSPC
	}
	path := filepath.Join(dir, probeName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write([]byte("probe"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(path); err == nil {
		err = rerr
	}
	return err
}

// SyncFailures returns how many WAL syncs have failed since the store was
// opened, and the last failure. Pebble cannot reopen a failed WAL in place:
// once this grows, nothing more can be made durable until a restart.
func (s *Store) SyncFailures() (uint64, error) {
	d := s.durable
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == errClosed {
		return 0, nil // closing the store is not a failure
	}
	return d.failures, d.err
}
