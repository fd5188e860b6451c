package engine

import (
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/storage"
)

// diskCheckEvery is how often the data directory's health is probed.
const diskCheckEvery = 250 * time.Millisecond

// diskGuard refuses writes, as Redis does after an AOF write error, while
// the data directory cannot take them: too little free space, a directory
// that became read-only or unwritable, or a failed WAL sync. Reads keep
// working; writes resume once a probe succeeds again, except after a WAL
// failure, which Pebble cannot recover from without a restart.
type diskGuard struct {
	refusal atomic.Pointer[string] // the MISCONF error; nil while healthy

	// Owned by the watching goroutine.
	seenFailures uint64
	walErr       error
}

// watchDisk probes the data directory until the server stops.
func (s *Server) watchDisk() {
	defer s.bg.Done()
	s.disk.seenFailures, _ = s.store.SyncFailures()
	tick := time.NewTicker(diskCheckEvery)
	defer tick.Stop()
	for {
		s.checkDisk()
		select {
		case <-s.quit:
			return
		case <-tick.C:
		}
	}
}

// checkDisk updates the refusal from one probe.
func (s *Server) checkDisk() {
	g := &s.disk
	if n, err := s.store.SyncFailures(); g.walErr == nil && n > g.seenFailures && err != nil {
		g.walErr = err
		s.log.Warningf("Cannot sync the write-ahead log: %v. Write commands are refused until Cairn is restarted.", err)
	}
	err := g.walErr
	if err == nil && s.dataDir != "" {
		err = storage.CheckWritable(s.dataDir, s.diskReserve())
	}
	old := g.refusal.Load()
	switch {
	case err != nil:
		msg := "MISCONF Errors writing to the AOF file: " + strerror(err)
		if old == nil || *old != msg {
			s.log.Warningf("Error writing to the data directory %s: %s. Write commands are refused until it is solved.", s.dataDir, strerror(err))
		}
		g.refusal.Store(&msg)
	case old != nil:
		s.log.Warningf("Write error looks solved, Cairn can write again.")
		g.refusal.Store(nil)
	}
}

// diskReserve is the free space below which writes are refused: room for
// Pebble to flush two memtables and start new files. A full disk must never
// reach Pebble's write-ahead log.
func (s *Server) diskReserve() int64 {
	return 2*s.store.MemTableSize() + 16<<20
}

// diskRefusal is admit's MISCONF check: while the disk cannot take writes,
// what Redis's processCommand counts as a write (mayWrite: also a script
// that may write, and EXEC of a transaction holding one) and PING (as in
// Redis, so that health checks notice) are refused.
func (c *Client) diskRefusal(cmd *command, args [][]byte) string {
	msg := c.s.disk.refusal.Load()
	if msg == nil {
		return ""
	}
	if cmd.name == "ping" || c.mayWrite(cmd, args) {
		return *msg
	}
	return ""
}
