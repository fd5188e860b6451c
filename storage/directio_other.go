//go:build !linux

package storage

import "github.com/cockroachdb/pebble/v2/vfs"

// sstableFS is Pebble's own file system: O_DIRECT is Linux's.
func sstableFS(bool) vfs.FS { return vfs.Default }
