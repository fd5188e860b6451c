package engine

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// persistence is the state of RDB saves: at most one runs at a time, from
// a consistent storage snapshot, so clients never wait for it.
type persistence struct {
	mu           sync.Mutex
	running      bool
	started      time.Time
	scheduled    bool // BGSAVE inside EXEC: start when possible
	bgDone       bool // a background save has finished
	bgFailed     bool // the last background save failed
	lastFailed   time.Time
	lastDuration time.Duration // of the last background save
	saves        int64         // successful saves
	dirtyAtSave  int64         // stats.dirty when the last successful save started
	seq          atomic.Int64
	processed    atomic.Int64 // keys written by the running save
	total        atomic.Int64 // keys it will write
	loaded       atomic.Int64 // keys loaded by the last import
	loadExpired  atomic.Int64 // keys it skipped as expired
}

func init() {
	register(
		cmdDef{name: "save", run: cmdSave},
		cmdDef{name: "bgsave", run: cmdBGSave},
	)
}

var errSaveRunning = errors.New("Background save already in progress")

// rdbPath is where saves go and imports come from: dbfilename in dir.
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.String("dir"), s.cfg.String("dbfilename"))
}

// beginSave claims the right to save; false when a save is running.
func (s *Server) beginSave() bool {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return false
	}
	p.running, p.started, p.scheduled = true, time.Now(), false
	return true
}

// endSave records the outcome of a save that started when dirty was
// dirtyAtStart.
func (s *Server) endSave(background bool, dirtyAtStart int64, err error) {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = false
	p.processed.Store(0)
	p.total.Store(0)
	if background {
		p.bgDone, p.bgFailed = true, err != nil
		p.lastDuration = time.Since(p.started)
	}
	if err != nil {
		p.lastFailed = time.Now()
		s.log.Warningf("Failed saving the DB: %v", err)
		return
	}
	p.saves++
	p.dirtyAtSave = dirtyAtStart
	s.lastSave.Store(time.Now().Unix())
}

// saveNow is SAVE: a synchronous save (other clients go on meanwhile) of
// the snapshot take returns: s.snapshot, or the store's own for a caller
// that holds the world lock.
func (s *Server) saveNow(take func() *storage.Snapshot) error {
	if !s.beginSave() {
		return errSaveRunning
	}
	dirty := s.stats.dirty.Load()
	err := s.writeRDB(take())
	s.endSave(false, dirty, err)
	if err == nil {
		s.log.Noticef("DB saved on disk")
	}
	return err
}

// startBackgroundSave is BGSAVE: the snapshot is taken now, the file is
// written by a goroutine.
func (s *Server) startBackgroundSave() error {
	if !s.beginSave() {
		return errSaveRunning
	}
	dirty := s.stats.dirty.Load()
	snap := s.snapshot()
	s.log.Noticef("Background saving started")
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		err := s.writeRDB(snap)
		s.endSave(true, dirty, err)
		if err == nil {
			s.log.Noticef("Background saving terminated with success")
		}
	}()
	return nil
}

// snapshot takes a storage snapshot while no command is changing the
// database mapping (FLUSHALL, SWAPDB hold the world lock exclusively).
func (s *Server) snapshot() *storage.Snapshot {
	s.world.RLock()
	defer s.world.RUnlock()
	return s.store.Snapshot()
}

// writeRDB writes a snapshot to a temporary file in dir, syncs it and
// renames it into place, so the file is always either the old complete
// one or the new complete one.
func (s *Server) writeRDB(snap *storage.Snapshot) (err error) {
	defer snap.Close()
	path := s.rdbPath()
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), s.persist.seq.Add(1)))
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := exportSnapshot(snap, f, s.rdbOptions(), &s.persist); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// exportSnapshot writes the whole keyspace of snap as an RDB file: the
// header, function libraries, then each non-empty database. Keys whose
// deadline has passed are left out.
func exportSnapshot(snap *storage.Snapshot, w interface{ Write([]byte) (int, error) }, opts rdb.Options, p *persistence) error {
	now := time.Now()
	enc := rdb.NewEncoder(w, opts)
	var total int64
	for db := range snap.Databases() {
		keys, _ := snap.KeyStats(db)
		total += keys
	}
	if p != nil {
		p.total.Store(total)
	}
	err := enc.Begin(
		[2]string{"redis-ver", RedisVersion},
		[2]string{"redis-bits", "64"},
		[2]string{"ctime", strconv.FormatInt(now.Unix(), 10)},
		[2]string{"used-mem", "0"},
		[2]string{"aof-base", "0"},
	)
	if err != nil {
		return err
	}
	if err := exportFunctions(snap, enc); err != nil {
		return err
	}
	err = walkLiveKeys(snap, now.UnixMilli(), func(db int, first bool, key []byte, m *storage.Meta) error {
		if first {
			keys, expires := snap.KeyStats(db)
			if err := enc.SelectDB(db, uint64(max(keys, 0)), uint64(max(expires, 0))); err != nil {
				return err
			}
		}
		obj, cur, err := rdbObject(snap, m)
		if err == nil {
			h := rdb.KeyHeader{Name: key, Expire: -1, Idle: -1, Freq: -1}
			if m.Expire != 0 {
				h.Expire = m.Expire
			}
			err = errors.Join(enc.Key(h, obj), cur.close())
		}
		if err != nil {
			return fmt.Errorf("db %d key %q: %w", db, key, err)
		}
		if p != nil {
			p.processed.Add(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return enc.End()
}

// walkLiveKeys calls fn with every key of snap whose deadline has not
// passed at now (unix ms), database by database, until fn returns an
// error; first marks a database's first such key.
func walkLiveKeys(snap *storage.Snapshot, now int64, fn func(db int, first bool, key []byte, m *storage.Meta) error) error {
	for db := range snap.Databases() {
		first := true
		err := snap.Keys(db, func(key []byte, m *storage.Meta) error {
			if m.Expire != 0 && m.Expire <= now {
				return nil
			}
			err := fn(db, first, key, m)
			first = false
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// exportFunctions writes the function libraries, by name.
func exportFunctions(snap *storage.Snapshot, enc *rdb.Encoder) error {
	libs, err := snap.FunctionLibraries()
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(libs)) {
		if err := enc.Function([]byte(libs[name])); err != nil {
			return err
		}
	}
	return nil
}

func cmdSave(x *Ctx) {
	if err := x.s.saveNow(x.s.snapshot); err != nil {
		if errors.Is(err, errSaveRunning) {
			x.fail("ERR " + err.Error())
			return
		}
		x.fail("ERR")
		return
	}
	x.w.OK()
}

// cmdBGSave is BGSAVE [SCHEDULE]. SCHEDULE only matters to Redis while
// another child process runs, which never happens here; inside EXEC the
// save is scheduled, as in Redis.
func cmdBGSave(x *Ctx) {
	if len(x.args) > 1 && (len(x.args) > 2 || !eq(x.args[1], "schedule")) {
		x.fail(errSyntax)
		return
	}
	p := &x.s.persist
	p.mu.Lock()
	running := p.running
	if x.shared && !running {
		// Inside EXEC the save starts once the transaction is over.
		p.scheduled = true
	}
	p.mu.Unlock()
	switch {
	case running:
		x.fail("ERR " + errSaveRunning.Error())
	case x.shared:
		x.w.Simple("Background saving scheduled")
	default:
		if err := x.s.startBackgroundSave(); err != nil {
			x.fail("ERR " + err.Error())
			return
		}
		x.w.Simple("Background saving started")
	}
}

// saveForShutdown saves synchronously, after any save already running.
func (s *Server) saveForShutdown() error {
	for {
		err := s.saveNow(s.snapshot)
		if !errors.Is(err, errSaveRunning) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ShutdownSave is what a shutdown by signal saves: the dataset, when save
// points are configured, as Redis does on SIGTERM.
func (s *Server) ShutdownSave() error {
	if s.cfg.String("save") == "" {
		return nil
	}
	s.log.Noticef("Saving the final RDB snapshot before exiting.")
	return s.saveForShutdown()
}
