package storage

// Iteration as a transaction sees the keyspace: inside MULTI/EXEC or a
// script, KEYS, SCAN and RANDOMKEY must see the keys the transaction has
// written but not yet committed, as Redis does.

// staged returns the keys this Tx changed in db's current physical
// database (one a FLUSHDB earlier in the transaction replaced is gone).
func (tx *Tx) staged(db int) map[string]*entry {
	phys := tx.s.Phys(db)
	var out map[string]*entry
	for _, e := range tx.entries {
		if e.phys != phys || e.cur == e.orig {
			continue
		}
		if out == nil {
			out = make(map[string]*entry)
		}
		out[string(e.key)] = e
	}
	return out
}

// ScanKeys is Store.ScanKeys with this Tx's changes applied: keys it
// deleted are skipped, keys it changed show their new meta, and keys it
// created are visited with the cursor range their hash falls in.
func (tx *Tx) ScanKeys(db int, cursor uint64, count int, fn func(key []byte, m *Meta)) (uint64, error) {
	staged := tx.staged(db)
	if staged == nil {
		return tx.s.ScanKeys(db, cursor, count, fn)
	}
	next, err := tx.s.ScanKeys(db, cursor, count, func(key []byte, m *Meta) {
		if e, ok := staged[string(key)]; ok {
			m = e.cur
		}
		if m != nil {
			fn(key, m)
		}
	})
	if err != nil || cursor > 1<<32 {
		return next, err
	}
	start := uint32(0)
	if cursor > 0 {
		start = uint32(cursor - 1)
	}
	for _, e := range staged {
		created := e.orig == nil && e.cur != nil
		if created && e.hash >= start && (next == 0 || uint64(e.hash) < next-1) {
			fn(e.key, e.cur)
		}
	}
	return next, nil
}

// KeyAt is Store.KeyAt with this Tx's changes applied; a key the Tx
// created is picked only when no committed key qualifies.
func (tx *Tx) KeyAt(db int, h uint32, skip func(key []byte, m *Meta) bool) ([]byte, bool, error) {
	staged := tx.staged(db)
	key, ok, err := tx.s.KeyAt(db, h, func(key []byte, m *Meta) bool {
		if e, ok := staged[string(key)]; ok {
			m = e.cur
		}
		return m == nil || skip(key, m)
	})
	if ok || err != nil {
		return key, ok, err
	}
	for _, e := range staged {
		if e.orig == nil && e.cur != nil && !skip(e.key, e.cur) {
			return append([]byte(nil), e.key...), true, nil
		}
	}
	return nil, false, nil
}

// KeyDelta is how many keys this Tx adds to db's count (negative when it
// deletes more than it creates); DBSIZE adds it to the committed count.
func (tx *Tx) KeyDelta(db int) int64 {
	var n int64
	for _, e := range tx.staged(db) {
		switch {
		case e.orig == nil && e.cur != nil:
			n++
		case e.orig != nil && e.cur == nil:
			n--
		}
	}
	return n
}
