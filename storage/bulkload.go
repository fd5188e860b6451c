package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Loader writes many keys at once (an RDB import) with bounded memory:
// records go to Pebble in batches of about loaderBatch bytes, into staging
// databases that no client sees. Publish then makes them live in one step
// (replacing the databases) or moves their keys in (merging); Abort throws
// them away. Either way a failed import leaves the live data untouched.
//
// A staging database is marked by a system record staging/<phys u32>; one
// left by a crash is reclaimed by the next Loader.
type Loader struct {
	s      *Store
	tx     *Tx            // element writes; its batch is committed as it grows
	staged map[int]uint32 // logical db → staging physical db
	deltas map[uint32]*dbCounters
	puts   map[uint32]int64 // keys put per staging database
	oid    uint64           // the first object id the load may use
}

// loaderBatch is the batch size at which Flush commits.
const loaderBatch = 4 << 20

// ErrDuplicateKey reports a key loaded twice into one database.
var ErrDuplicateKey = errors.New("duplicate key")

func stagingName(phys uint32) string {
	return "staging/" + string(binary.BigEndian.AppendUint32(nil, phys))
}

// NewLoader starts a bulk load.
func (s *Store) NewLoader() (*Loader, error) {
	if err := s.reclaimStaging(); err != nil {
		return nil, err
	}
	s.oidMu.Lock()
	first := s.nextOID
	s.oidMu.Unlock()
	return &Loader{
		s:      s,
		oid:    first,
		tx:     &Tx{s: s, batch: s.db.NewIndexedBatch(), indexed: true, bulk: true},
		staged: map[int]uint32{},
		deltas: map[uint32]*dbCounters{},
		puts:   map[uint32]int64{},
	}, nil
}

// reclaimStaging hands staging databases left by an interrupted load to
// the reclaimer.
func (s *Store) reclaimStaging() error {
	prefix := systemKey("staging/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: systemKey("staging0")})
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	for ok := it.First(); ok; ok = it.Next() {
		if phys := it.Key()[len(prefix):]; len(phys) == 4 {
			b.Delete(it.Key(), nil)
			b.Set(systemKey(reclaimName(binary.BigEndian.Uint32(phys))), nil, nil)
		}
	}
	if err := it.Close(); err != nil {
		b.Close()
		return err
	}
	if b.Empty() {
		return b.Close()
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	s.kickReclaim()
	return nil
}

// Tx is where the loaded keys' elements are written (Set, NewOID, and
// helpers such as SetStringValue). Never Put or Commit it.
func (l *Loader) Tx() *Tx { return l.tx }

// Flush commits the pending records once they outgrow a batch.
func (l *Loader) Flush() error {
	if l.tx.batch.Len() < loaderBatch {
		return nil
	}
	return l.commit(pebble.NoSync)
}

func (l *Loader) commit(sync *pebble.WriteOptions) error {
	b := l.tx.batch
	for phys, d := range l.deltas {
		for kind, n := range map[byte]int64{counterKeys: d.keys.Load(), counterExpires: d.expires.Load(), counterDeadlines: d.deadlines.Load(), counterBytes: d.bytes.Load()} {
			if n != 0 {
				b.Merge(counterKey(phys, kind), encodeCounter(n), nil)
			}
		}
	}
	if err := b.Commit(sync); err != nil {
		return err
	}
	b.Close()
	for phys, d := range l.deltas {
		c := l.s.countersOf(phys)
		c.keys.Add(d.keys.Load())
		c.expires.Add(d.expires.Load())
		c.deadlines.Add(d.deadlines.Load())
		c.bytes.Add(d.bytes.Load())
	}
	clear(l.deltas)
	l.tx.batch = l.s.db.NewIndexedBatch()
	l.s.durable.committed()
	return nil
}

// stagingDB returns the staging database of logical db, creating it.
func (l *Loader) stagingDB(db int) (uint32, error) {
	if phys, ok := l.staged[db]; ok {
		return phys, nil
	}
	s := l.s
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	phys := s.nextDB
	s.nextDB++
	b := s.db.NewBatch()
	b.Set(systemKey(stagingName(phys)), nil, nil)
	b.Set(systemKey("nextdb"), binary.BigEndian.AppendUint32(nil, s.nextDB), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, err
	}
	l.staged[db] = phys
	return phys, nil
}

// PutKey stores a loaded key's meta record in the staging copy of
// logical database db. Its elements must already be written. A key put
// twice is found by Publish, which counts each database's keys: a lookup
// per key would cost a random read each.
func (l *Loader) PutKey(db int, key []byte, m *Meta) error {
	if db < 0 || db >= l.s.Databases() {
		return fmt.Errorf("database %d out of range", db)
	}
	phys, err := l.stagingDB(db)
	if err != nil {
		return err
	}
	b := l.tx.batch
	b.Set(metaKey(nil, phys, key), encodeMeta(nil, m), nil)
	l.puts[phys]++
	d := l.deltas[phys]
	if d == nil {
		d = &dbCounters{}
		l.deltas[phys] = d
	}
	d.keys.Add(1)
	d.bytes.Add(KeyFootprint(key, m))
	if m.Expire != 0 {
		b.Set(expiryKey(m.Expire, phys, key), nil, nil)
		d.expires.Add(1)
		d.deadlines.Add(m.Expire / 1000)
	}
	return nil
}

// Abort throws away everything loaded, including the elements of a key
// whose meta record was never written: every object the load created,
// which is why nobody else may write to the store during a load.
func (l *Loader) Abort() error {
	l.tx.batch.Close()
	l.s.oidMu.Lock()
	last := l.s.nextOID
	l.s.oidMu.Unlock()
	b := l.s.db.NewBatch()
	if last > l.oid {
		b.DeleteRange(elemPrefix(l.oid), elemPrefix(last), nil)
	}
	for _, phys := range l.staged {
		b.Delete(systemKey(stagingName(phys)), nil)
		b.Set(systemKey(reclaimName(phys)), nil, nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	l.s.kickReclaim()
	return nil
}

// PublishMode says how Publish makes a load live.
type PublishMode int

const (
	// Merge moves the loaded keys into the live databases, replacing keys
	// of the same name.
	Merge PublishMode = iota
	// Replace makes each loaded database take the place of the live one,
	// all in one atomic step (the old ones are reclaimed).
	Replace
	// ReplaceAll is Replace, and in the same step the databases the load
	// has no keys for are emptied: the load becomes the whole dataset.
	ReplaceAll
)

// Publish makes the loaded keys live, or aborts the load if a key came
// twice.
func (l *Loader) Publish(mode PublishMode) error {
	if err := l.commit(pebble.Sync); err != nil {
		return err
	}
	l.tx.batch.Close()
	for db, phys := range l.staged {
		if err := l.checkKeys(db, phys); err != nil {
			l.tx.batch = l.s.db.NewIndexedBatch() // for Abort to close
			return errors.Join(err, l.Abort())
		}
	}
	if mode != Merge {
		return l.adopt(mode == ReplaceAll)
	}
	for db, phys := range l.staged {
		if err := l.merge(db, phys); err != nil {
			return err
		}
	}
	return nil
}

// checkKeys counts the keys of a staging database: fewer than were put
// means a key came twice.
func (l *Loader) checkKeys(db int, phys uint32) error {
	lower, upper := metaDBBounds(phys)
	it, err := l.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	var n int64
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if err := it.Close(); err != nil {
		return err
	}
	if n != l.puts[phys] {
		return fmt.Errorf("%w in database %d", ErrDuplicateKey, db)
	}
	return nil
}

// adopt makes the staged databases live; all also replaces the others
// with new empty ones, as FlushDBs does.
func (l *Loader) adopt(all bool) error {
	s := l.s
	s.mapMu.Lock()
	defer s.mapMu.Unlock()
	dbs := append([]uint32(nil), *s.dbs.Load()...)
	b := s.db.NewBatch()
	var old, emptied []uint32
	for db := range dbs {
		phys, staged := l.staged[db]
		if !staged && !all {
			continue
		}
		old = append(old, dbs[db])
		b.Set(systemKey(reclaimName(dbs[db])), nil, nil)
		if staged {
			b.Delete(systemKey(stagingName(phys)), nil)
		} else {
			phys = s.nextDB
			s.nextDB++
			emptied = append(emptied, phys)
		}
		dbs[db] = phys
	}
	s.writeMapping(b, dbs)
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	s.dbs.Store(&dbs)
	for _, p := range emptied {
		s.filter.cover(p)
	}
	for _, p := range old {
		s.cache.dropDB(p)
	}
	s.kickReclaim()
	return nil
}

// merge moves the keys of a staging database into the live database db,
// a chunk of keys per transaction; the staging database is gone at the
// end. Each key moves with its meta record only: its elements stay.
func (l *Loader) merge(db int, phys uint32) error {
	s := l.s
	lower, upper := metaDBBounds(phys)
	for {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return err
		}
		tx := s.Begin()
		n := 0
		var last []byte
		for ok := it.First(); ok && n < 1000; ok = it.Next() {
			last = append(last[:0], it.Key()...)
			v, err := it.ValueAndErr()
			if err == nil {
				var m *Meta
				if m, err = decodeMeta(v); err == nil {
					_, key := splitMetaKey(it.Key())
					err = tx.Put(db, key, m)
					b := tx.commitBatch()
					b.Delete(it.Key(), nil)
					if m.Expire != 0 {
						b.Delete(expiryKey(m.Expire, phys, key), nil)
					}
				}
			}
			if err != nil {
				it.Close()
				tx.Discard()
				return err
			}
			n++
		}
		if err := it.Close(); err != nil {
			tx.Discard()
			return err
		}
		if n == 0 {
			tx.Discard()
			break
		}
		if _, err := tx.Commit(); err != nil {
			return err
		}
		// The next chunk starts after this one: from the lower bound it
		// would step over every tombstone just written (quadratic).
		lower = append(last, 0)
	}
	b := s.db.NewBatch()
	for _, kind := range []byte{counterKeys, counterExpires, counterDeadlines, counterBytes} {
		b.Delete(counterKey(phys, kind), nil)
	}
	b.Delete(systemKey(stagingName(phys)), nil)
	s.counted.Delete(phys)
	return b.Commit(pebble.Sync)
}
