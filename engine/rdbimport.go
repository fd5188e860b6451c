package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// ImportStats counts what an import did.
type ImportStats struct {
	Keys      int64 // keys loaded
	Expired   int64 // keys skipped because their deadline had passed
	Empty     int64 // empty collections skipped, as Redis skips them
	Functions int64 // function libraries loaded
	Bytes     int64 // bytes of the file read so far
}

// ImportOptions say how ImportRDB loads a file.
type ImportOptions struct {
	// Replace makes the file's databases take the place of the live ones;
	// otherwise its keys are added, replacing keys of the same name.
	Replace bool
	// All makes the file the whole dataset, as a replica's full sync does:
	// databases it has no keys for are emptied and its function libraries
	// replace the stored ones. It implies Replace.
	All bool
	// Publish, if set, runs the step that makes the loaded data live (the
	// load itself changes nothing visible): the caller can hold locks
	// around it and react to it.
	Publish func(publish func() error) error
	// Config is the server's configuration: its *-max-* settings decide
	// the encodings of what is loaded, as Redis converts what it loads.
	Config Config
	// Progress, if set, is called about once a second.
	Progress func(ImportStats)
	// NoFunctionReplace makes a library the store holds already an error,
	// as Redis's load without RDBFLAGS_ALLOW_DUP (DEBUG RELOAD NOFLUSH
	// without MERGE).
	NoFunctionReplace bool
}

// ImportRDB loads an RDB file into the store, streaming it through
// batches of bounded size. Keys already expired are skipped. Nothing
// changes unless the whole file is read without error: the keys are
// staged and published at the end. The store must have no other writers
// meanwhile (start-up, or the offline import).
func ImportRDB(store *storage.Store, r io.Reader, o ImportOptions) (ImportStats, error) {
	l, err := store.NewLoader()
	if err != nil {
		return ImportStats{}, err
	}
	dec := rdb.NewDecoder(r)
	im := &importer{store: store, loader: l, dec: dec, now: time.Now().UnixMilli(), progress: o.Progress, last: time.Now()}
	im.load = rdbLoadCtx{tx: l.Tx(), flush: l.Flush, cfg: o.Config}
	if o.NoFunctionReplace {
		if im.stored, err = store.FunctionLibraries(); err != nil {
			return ImportStats{}, errors.Join(err, l.Abort())
		}
	}
	if err := dec.Decode(im); err != nil {
		return im.stats, errors.Join(err, l.Abort())
	}
	im.stats.Bytes = dec.Offset()
	mode := storage.Merge
	switch {
	case o.All:
		mode = storage.ReplaceAll
	case o.Replace:
		mode = storage.Replace
	}
	publish := func() error {
		if err := l.Publish(mode); err != nil {
			return err
		}
		if err := storeFunctionLibraries(store, im.functions, o.All); err != nil {
			return fmt.Errorf("function libraries: %w", err)
		}
		return nil
	}
	if o.Publish != nil {
		err = o.Publish(publish)
	} else {
		err = publish()
	}
	im.stats.Functions = int64(len(im.functions))
	return im.stats, err
}

// importer is the decoder's handler for imports.
type importer struct {
	store     *storage.Store
	loader    *storage.Loader
	dec       *rdb.Decoder
	now       int64
	stats     ImportStats
	functions [][]byte
	stored    map[string]string // the libraries that may not be replaced (NoFunctionReplace)
	progress  func(ImportStats)
	last      time.Time
	load      rdbLoadCtx
}

func (im *importer) Aux(key, value []byte) error { return nil }

// Function keeps a library for after the keys: libraries are stored once
// the file is known to be good.
func (im *importer) Function(code []byte) error {
	_, name, _, reject := parseLibraryHeader(string(code))
	if reject != "" {
		return im.fail(nil, fmt.Errorf("function library: %s", reject))
	}
	if _, exists := im.stored[name]; exists {
		return im.fail(nil, fmt.Errorf("function library '%s' already exists", name))
	}
	im.functions = append(im.functions, code)
	return nil
}

// fail gives an engine-side error the decoder's position and the key.
func (im *importer) fail(k *rdb.Key, err error) error {
	if errors.As(err, new(*rdb.Error)) {
		return err
	}
	e := &rdb.Error{Offset: im.dec.Offset(), Err: err}
	if k != nil {
		e.DB, e.Key = k.DB, k.Name
	}
	return e
}

func (im *importer) Key(k *rdb.Key, v *rdb.Value) error {
	if k.DB >= im.store.Databases() {
		return im.fail(k, fmt.Errorf("database %d out of range: the server has %d databases", k.DB, im.store.Databases()))
	}
	if k.Expire != -1 && k.Expire <= im.now {
		im.stats.Expired++
		return nil
	}
	m, err := rdbLoad(&im.load, v)
	if err != nil {
		return im.fail(k, err)
	}
	if m == nil {
		im.stats.Empty++
		return nil
	}
	if k.Expire != -1 {
		m.Expire = k.Expire
	}
	if err := im.loader.PutKey(k.DB, k.Name, m); err != nil {
		return im.fail(k, err)
	}
	if err := im.loader.Flush(); err != nil {
		return im.fail(k, err)
	}
	im.stats.Keys++
	if im.progress != nil && time.Since(im.last) >= time.Second {
		im.last = time.Now()
		im.stats.Bytes = im.dec.Offset()
		im.progress(im.stats)
	}
	return nil
}

// LoadRDB replaces the databases the file at path holds with its content,
// as Redis loads its dump at start-up. Nothing may write meanwhile: call
// it before New, so the engine compiles the function libraries loaded.
func LoadRDB(store *storage.Store, cfg Config, path string) (ImportStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImportStats{}, err
	}
	defer f.Close()
	return ImportRDB(store, bufio.NewReaderSize(f, 1<<20), ImportOptions{Replace: true, Config: cfg})
}

// RecordLoad makes INFO report what the start-up load did.
func (s *Server) RecordLoad(st ImportStats) {
	s.persist.loaded.Store(st.Keys)
	s.persist.loadExpired.Store(st.Expired)
}

// replaceDataset loads an RDB as the whole dataset and function set, as
// a replica does after a full resynchronization. Clients go on reading the
// old data while the file is staged; the switch is one step with every
// command held off (lock: take the world lock for it; otherwise the
// caller holds it), after which watchers and tracking are told as for
// FLUSHALL (every watched key counts as touched). It returns the keys
// whose blocked clients must be told. A file that fails to load changes
// nothing.
func (s *Server) replaceDataset(rd io.Reader, lock bool) (ImportStats, []keyRef, error) {
	var ready []keyRef
	st, err := ImportRDB(s.store, rd, ImportOptions{All: true, Config: s.cfg, Publish: func(publish func() error) error {
		if lock {
			s.world.Lock()
			defer s.world.Unlock()
		}
		if err := publish(); err != nil {
			return err
		}
		ready = s.datasetLoaded()
		return nil
	}})
	return st, ready, err
}

// datasetLoaded tells the rest of the server that a load changed the
// data and functions wholesale (a replica's sync, DEBUG RELOAD): functions
// are compiled again, every watcher counts as touched, tracking clients
// flush their caches. It returns the keys whose blocked clients must look
// again. The caller holds the world lock.
func (s *Server) datasetLoaded() []keyRef {
	s.scripts.functions.loadStored()
	s.watches.touchAll()
	s.invalidateAll(nil)
	s.stats.dirty.Add(1)
	return s.blocking.keysIn(s.allDBs()...) // XREADGROUP waiters fail
}

// allDBs lists every logical database.
func (s *Server) allDBs() []int {
	all := make([]int, s.conf().databases)
	for i := range all {
		all[i] = i
	}
	return all
}
