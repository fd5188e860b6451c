package storage

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// ScanKeys walks the keys of a logical database in hash order from cursor
// (0 = the beginning), calling fn with each key and its meta until fn has
// been called at least count times (count ≤ 0: no limit). It stops only at
// a hash boundary, so a cursor never splits keys that share a hash, and
// returns the cursor to continue from (0 when the walk is complete). A key
// present for the whole walk is returned at least once, whatever is written
// meanwhile. The iterator sees one consistent state of the store.
func (s *Store) ScanKeys(db int, cursor uint64, count int, fn func(key []byte, m *Meta)) (uint64, error) {
	if cursor > 1<<32 {
		return 0, nil
	}
	phys := s.Phys(db)
	lower, upper := metaDBBounds(phys)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	start := uint32(0)
	if cursor > 0 {
		start = uint32(cursor - 1)
	}
	seen := 0
	var lastHash uint32
	for ok := it.SeekGE(metaPrefix(phys, start)); ok; ok = it.Next() {
		h, key := splitMetaKey(it.Key())
		if count > 0 && seen >= count && h != lastHash {
			return uint64(h) + 1, nil
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return 0, err
		}
		m, err := decodeMeta(v)
		if err != nil {
			return 0, err
		}
		fn(key, m)
		seen++
		lastHash = h
	}
	return 0, it.Error()
}

// KeyAt returns the first key at or after hash h in the database, wrapping
// around to the start; ok is false when the database is empty. Used to pick
// random keys.
func (s *Store) KeyAt(db int, h uint32, skip func(key []byte, m *Meta) bool) (key []byte, ok bool, err error) {
	phys := s.Phys(db)
	lower, upper := metaDBBounds(phys)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	try := func(valid bool, stop []byte) ([]byte, bool, error) {
		for ; valid; valid = it.Next() {
			if stop != nil && bytes.Compare(it.Key(), stop) >= 0 {
				break
			}
			_, k := splitMetaKey(it.Key())
			v, err := it.ValueAndErr()
			if err != nil {
				return nil, false, err
			}
			m, err := decodeMeta(v)
			if err != nil {
				return nil, false, err
			}
			if !skip(k, m) {
				return bytes.Clone(k), true, nil
			}
		}
		return nil, false, it.Error()
	}
	from := metaPrefix(phys, h)
	if key, ok, err := try(it.SeekGE(from), nil); ok || err != nil {
		return key, ok, err
	}
	return try(it.First(), from)
}

// Due is a key whose deadline has passed, from the expiry index.
type Due struct {
	DB       int // logical database, -1 if its database was flushed
	Key      []byte
	Deadline int64
	phys     uint32
}

// DueKeys returns up to limit keys whose deadline is ≤ now, earliest first,
// reading only the expiry index.
func (s *Store) DueKeys(now int64, limit int) ([]Due, error) {
	upper := binary.BigEndian.AppendUint64([]byte{roleExpiry}, uint64(now)+1)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{roleExpiry}, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []Due
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		k := it.Key()
		if len(k) < 13 {
			continue
		}
		phys := binary.BigEndian.Uint32(k[9:13])
		out = append(out, Due{
			DB:       s.Logical(phys),
			Key:      bytes.Clone(k[13:]),
			Deadline: int64(binary.BigEndian.Uint64(k[1:9])),
			phys:     phys,
		})
	}
	return out, it.Error()
}

// DropStale removes an expiry index entry that points into a flushed
// database (the reclaimer removes them too; this keeps active expiry from
// seeing them again meanwhile).
func (s *Store) DropStale(d Due) error {
	b := s.db.NewBatch()
	b.Delete(expiryKey(d.Deadline, d.phys, d.Key), nil)
	return s.commitSystem(b)
}

func (s *Store) kickReclaim() {
	select {
	case s.reclaim <- struct{}{}:
	default:
	}
}

// reclaimLoop deletes the records of flushed physical databases in the
// background: their keys' elements, expiry index entries, meta records and
// counters, in bounded batches.
func (s *Store) reclaimLoop() {
	defer s.bgWG.Done()
	s.kickReclaim()
	for {
		select {
		case <-s.done:
			return
		case <-s.reclaim:
		}
		for {
			phys, ok, err := s.nextReclaim()
			if err != nil || !ok {
				break
			}
			if err := s.reclaimDB(phys); err != nil {
				break
			}
		}
	}
}

func (s *Store) nextReclaim() (uint32, bool, error) {
	prefix := systemKey("reclaim/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: systemKey("reclaim0")})
	if err != nil {
		return 0, false, err
	}
	defer it.Close()
	if !it.First() {
		return 0, false, it.Error()
	}
	k := it.Key()[len(prefix):]
	if len(k) != 4 {
		return 0, false, nil
	}
	return binary.BigEndian.Uint32(k), true, nil
}

func (s *Store) reclaimDB(phys uint32) error {
	lower, upper := metaDBBounds(phys)
	for {
		select {
		case <-s.done:
			return errClosed
		default:
		}
		b := s.db.NewIndexedBatch()
		n, next, err := s.reclaimChunk(b, phys, lower, upper)
		if err != nil {
			b.Close()
			return err
		}
		if n == 0 {
			for _, kind := range []byte{counterKeys, counterExpires, counterDeadlines, counterBytes} {
				b.Delete(counterKey(phys, kind), nil)
			}
			b.Delete(systemKey(reclaimName(phys)), nil)
			s.counted.Delete(phys)
			return s.commitSystem(b)
		}
		if err := s.commitSystem(b); err != nil {
			return err
		}
		lower = next                 // never walk over our own tombstones again
		time.Sleep(time.Millisecond) // leave room for foreground work
	}
}

// reclaimChunk deletes up to 1000 keys of a flushed database with all their
// records, and returns how many it found and where the next chunk starts.
func (s *Store) reclaimChunk(b *pebble.Batch, phys uint32, lower, upper []byte) (int, []byte, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, nil, err
	}
	n := 0
	var next []byte
	for ok := it.First(); ok && n < 1000; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return 0, nil, err
		}
		if m, err := decodeMeta(v); err == nil {
			_, key := splitMetaKey(it.Key())
			if m.Expire != 0 {
				b.Delete(expiryKey(m.Expire, phys, key), nil)
			}
			if m.OID != 0 {
				tx := &Tx{s: s, batch: b, indexed: true}
				if err := tx.dropObject(m.OID, m.Count); err != nil {
					it.Close()
					return 0, nil, err
				}
			}
		}
		b.Delete(it.Key(), nil)
		next = append(append(next[:0], it.Key()...), 0)
		n++
	}
	return n, next, it.Close()
}
