package storage

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// Snapshot is a consistent, read-only view of the whole keyspace, for
// long reads such as BGSAVE: writers go on while it is read.
type Snapshot struct {
	s    *Store
	snap *pebble.Snapshot
	dbs  []uint32 // the logical → physical mapping when it was taken
}

// Snapshot takes a snapshot. The caller makes sure the database mapping
// does not change meanwhile (the engine holds its world lock shared).
func (s *Store) Snapshot() *Snapshot {
	dbs := append([]uint32(nil), *s.dbs.Load()...)
	return &Snapshot{s: s, snap: s.db.NewSnapshot(), dbs: dbs}
}

// Close releases the snapshot.
func (sn *Snapshot) Close() error { return sn.snap.Close() }

// Databases is the number of logical databases.
func (sn *Snapshot) Databases() int { return len(sn.dbs) }

// KeyStats reports a database's number of keys and keys with a deadline.
// The counters are the live ones, so they are hints for the snapshot.
func (sn *Snapshot) KeyStats(db int) (keys, expires int64) {
	c := sn.s.countersOf(sn.dbs[db])
	return c.keys.Load(), c.expires.Load()
}

// Keys calls fn with every key of a logical database and its meta, in
// hash order, until fn returns an error.
func (sn *Snapshot) Keys(db int, fn func(key []byte, m *Meta) error) error {
	lower, upper := metaDBBounds(sn.dbs[db])
	it, err := sn.snap.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		m, err := decodeMeta(v)
		if err != nil {
			it.Close()
			return err
		}
		_, key := splitMetaKey(it.Key())
		if err := fn(key, m); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}

// Iter iterates the elements of object oid with subkeys in [lower, upper)
// as the snapshot sees them; nil bounds mean the whole object.
func (sn *Snapshot) Iter(oid uint64, lower, upper []byte) (*Iter, error) {
	prefix := elemPrefix(oid)
	o := &pebble.IterOptions{LowerBound: append(bytes.Clone(prefix), lower...)}
	if upper != nil {
		o.UpperBound = append(bytes.Clone(prefix), upper...)
	} else {
		o.UpperBound = elemPrefix(oid + 1)
	}
	it, err := sn.snap.NewIter(o)
	if err != nil {
		return nil, err
	}
	return &Iter{it: it, prefix: len(prefix), base: prefix}, nil
}

// FunctionLibraries returns the stored function libraries (functions.go)
// as the snapshot sees them, by library name.
func (sn *Snapshot) FunctionLibraries() (map[string]string, error) {
	lower, upper := functionBounds()
	it, err := sn.snap.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	libs := make(map[string]string)
	for ok := it.First(); ok; ok = it.Next() {
		libs[string(it.Key()[len(lower):])] = string(it.Value())
	}
	return libs, it.Close()
}
