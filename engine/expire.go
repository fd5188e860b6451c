package engine

import (
	"time"

	"github.com/cairndb/cairn/storage"
)

// activeExpireCycle deletes keys whose deadline passed, reading them from
// the expiry index in deadline order, for at most budget. This is Redis's
// active expiry without its sampling: the index finds every due key, so
// none lingers (and INFO keyspace stays exact).
func (s *Server) activeExpireCycle(budget time.Duration) {
	start := time.Now()
	defer func() { s.expireCycleTime.Add(time.Since(start).Microseconds()) }()
	const batch = 64
	for time.Since(start) < budget {
		now := unixMilli()
		due, err := s.store.DueKeys(now, batch)
		if err != nil {
			s.log.Warningf("Active expiry: %v", err)
			return
		}
		for _, d := range due {
			if d.DB < 0 {
				if err := s.store.DropStale(d); err != nil {
					s.log.Warningf("Active expiry: %v", err)
					return
				}
				continue
			}
			if err := s.expireDue(d, now); err != nil {
				s.log.Warningf("Active expiry of a key: %v", err)
				return
			}
		}
		if len(due) < batch {
			return
		}
	}
}

// expireDue deletes one key found due in the expiry index, under its lock.
func (s *Server) expireDue(d storage.Due, now int64) error {
	db, key, deadline := d.DB, d.Key, d.Deadline
	x := &Ctx{s: s, db: db, now: now}
	var buf [1]int
	stripes := stripesOf([][]byte{key}, buf[:0])
	s.world.RLock()
	s.lockStripes(stripes)
	x.after = s.ticketsOf(stripes, nil)
	m, err := x.tx().Meta(db, key)
	if err == nil && m != nil && m.Expire == deadline && deadline <= now {
		x.expire(db, key)
		s.watches.touch(x.modified) // under the lock, as runBody does
	}
	if err == nil {
		_, err = x.txn.Commit()
	} else {
		x.txn.Discard()
	}
	s.unlockStripes(stripes)
	s.world.RUnlock()
	if err != nil {
		return err
	}
	if m == nil || m.Expire != deadline {
		// The entry outlived its key; drop it so it is not seen again.
		return s.store.DropStale(d)
	}
	s.afterWrite(x)
	return nil
}
