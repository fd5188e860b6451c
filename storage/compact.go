package storage

import "context"

// CompactAll rewrites every sstable into the bottom level: deleted and
// overwritten records are dropped and the files shrink to the live data.
// It is what BGREWRITEAOF means for an LSM tree: Redis rewrites its log
// to the shortest one that rebuilds the dataset.
func (s *Store) CompactAll(ctx context.Context) error {
	return s.db.Compact(ctx, []byte{0}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true)
}
