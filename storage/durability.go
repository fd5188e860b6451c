package storage

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Fsync is the appendfsync policy.
type Fsync int32

// The appendfsync policies.
const (
	FsyncNo       Fsync = iota // leave syncing to the OS
	FsyncEverySec              // sync about once a second
	FsyncAlways                // a write is synced before anyone sees it
)

// durability decides when the WAL is fsynced. Every transaction is committed
// to Pebble without a sync and numbered; a syncer goroutine then fsyncs the
// WAL (an empty synced write covers everything before it), so concurrent
// clients share one fsync (group commit) and the network loops never wait
// inside a lock.
type durability struct {
	s       *Store
	policy  atomic.Int32
	commits atomic.Uint64 // transactions committed so far
	synced  atomic.Uint64 // transactions known to be on stable storage

	mu       sync.Mutex
	cond     *sync.Cond
	err      error  // the last sync failure
	failures uint64 // how many syncs have failed

	kick chan struct{}
	quit chan struct{}
	wg   sync.WaitGroup
}

func newDurability(s *Store) *durability {
	d := &durability{s: s, kick: make(chan struct{}, 1), quit: make(chan struct{})}
	d.cond = sync.NewCond(&d.mu)
	d.policy.Store(int32(FsyncEverySec))
	d.wg.Add(1)
	go d.loop()
	return d
}

func (d *durability) committed() uint64 { return d.commits.Add(1) }

func (d *durability) loop() {
	defer d.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-d.quit:
			return
		case <-d.kick:
		case <-tick.C:
			if Fsync(d.policy.Load()) != FsyncEverySec {
				continue
			}
		}
		target := d.commits.Load()
		if target <= d.synced.Load() {
			continue
		}
		err := d.s.db.LogData(nil, pebble.Sync)
		d.mu.Lock()
		if err != nil {
			d.err = err
			d.failures++
		} else {
			d.synced.Store(target)
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

func (d *durability) stop() {
	close(d.quit)
	d.wg.Wait()
	d.mu.Lock()
	d.err = errClosed
	d.failures++
	d.cond.Broadcast()
	d.mu.Unlock()
}

// SetFsync changes the appendfsync policy.
func (s *Store) SetFsync(p Fsync) { s.durable.policy.Store(int32(p)) }

// Commits is the number of write transactions committed so far. A reply
// that reflects the store as of Commits() = n may be sent once
// WaitDurable(n) returns.
func (s *Store) Commits() uint64 { return s.durable.commits.Load() }

// WaitDurable blocks, under appendfsync always, until the first n
// transactions are on stable storage. Under the other policies it returns at
// once.
func (s *Store) WaitDurable(n uint64) error {
	d := s.durable
	if Fsync(d.policy.Load()) != FsyncAlways || d.synced.Load() >= n {
		return nil
	}
	select {
	case d.kick <- struct{}{}:
	default:
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	failures := d.failures
	for d.synced.Load() < n {
		if d.failures != failures {
			return d.err
		}
		d.cond.Wait()
	}
	return nil
}

// Reread syncs the write-ahead log and forgets every cached record, so
// that reads come from what is on disk (DEBUG LOADAOF).
func (s *Store) Reread() error {
	if err := s.db.LogData(nil, pebble.Sync); err != nil {
		return err
	}
	s.forgetCached()
	return nil
}
