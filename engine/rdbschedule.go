package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// saveRetryDelay is how long Redis waits after a failed background save
// before the save schedule may try again.
const saveRetryDelay = 5 * time.Second

// savePoint is one "save <seconds> <changes>" rule.
type savePoint struct{ seconds, changes int64 }

func parseSavePoints(v string) []savePoint {
	f := strings.Fields(v)
	var out []savePoint
	for i := 0; i+1 < len(f); i += 2 {
		sec, err1 := strconv.ParseInt(f[i], 10, 64)
		ch, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, savePoint{sec, ch})
		}
	}
	return out
}

// saveCron runs the save schedule once a second, as Redis's serverCron
// does: a background save starts when some rule's number of changes
// happened over at least its number of seconds, or when one was scheduled.
func (s *Server) saveCron() {
	defer s.bg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
		}
		if s.saveDue(time.Now()) {
			s.startBackgroundSave()
		}
	}
}

func (s *Server) saveDue(now time.Time) bool {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return false
	}
	if p.scheduled {
		return true
	}
	changes := s.stats.dirty.Load() - p.dirtyAtSave
	since := now.Unix() - s.lastSave.Load()
	retryOK := !p.bgFailed || now.Sub(p.lastFailed) > saveRetryDelay
	for _, sp := range parseSavePoints(s.cfg.String("save")) {
		if changes >= sp.changes && since >= sp.seconds && retryOK {
			s.log.Noticef("%d changes in %d seconds. Saving...", sp.changes, sp.seconds)
			return true
		}
	}
	return false
}

// infoRDB writes INFO persistence's RDB fields.
func (s *Server) infoRDB(b *strings.Builder) {
	p := &s.persist
	p.mu.Lock()
	running, started, bgDone, bgFailed, lastDuration, saves, dirtyAtSave := p.running, p.started, p.bgDone, p.bgFailed, p.lastDuration, p.saves, p.dirtyAtSave
	p.mu.Unlock()
	inProgress, current, last := 0, int64(-1), int64(-1)
	if running {
		inProgress, current = 1, int64(time.Since(started).Seconds())
	}
	if bgDone {
		last = int64(lastDuration.Seconds())
	}
	status := "ok"
	if bgFailed {
		status = "err"
	}
	fmt.Fprintf(b, "current_save_keys_processed:%d\r\ncurrent_save_keys_total:%d\r\n", p.processed.Load(), p.total.Load())
	fmt.Fprintf(b, "rdb_changes_since_last_save:%d\r\nrdb_bgsave_in_progress:%d\r\nrdb_last_save_time:%d\r\n", s.stats.dirty.Load()-dirtyAtSave, inProgress, s.lastSave.Load())
	fmt.Fprintf(b, "rdb_last_bgsave_status:%s\r\nrdb_last_bgsave_time_sec:%d\r\nrdb_current_bgsave_time_sec:%d\r\nrdb_saves:%d\r\nrdb_last_cow_size:0\r\n", status, last, current, saves)
	fmt.Fprintf(b, "rdb_last_load_keys_expired:%d\r\nrdb_last_load_keys_loaded:%d\r\n", p.loadExpired.Load(), p.loaded.Load())
}
