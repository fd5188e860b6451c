package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/storage"
)

// importFlag takes "--import FILE" out of the command line: the offline
// import of an RDB file into the data directory the configuration names.
func importFlag(args []string) (file string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		if args[i] != "--import" {
			rest = append(rest, args[i])
			continue
		}
		if i+1 >= len(args) || file != "" {
			return "", nil, errors.New("--import takes one RDB file")
		}
		file = args[i+1]
		i++
	}
	return file, rest, nil
}

// dataDirOf is the data directory of a configuration, as run opens it.
func dataDirOf(cfg *config.Config) string {
	dir, _ := filepath.Abs(filepath.Join(cfg.String("dir"), cfg.String("cairn-data-subdir")))
	return dir
}

// freshDataDir reports whether a data directory has nothing in it yet.
func freshDataDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0)
}

// runImport is cairn-server --import FILE: the file's keys are added to
// the data directory (same-named keys replaced), with a progress line, and
// nothing changes if the file turns out bad. The server must not be
// running on that directory.
func runImport(cfg *config.Config, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	plan := memoryPlan(cfg, 0, 0)
	store, err := storage.Open(storage.Options{
		Dir:            dataDirOf(cfg),
		BlockCacheSize: plan.BlockCache,
		MemTableSize:   plan.MemTable,
		HotCacheSize:   plan.HotCache,
		AccessSlots:    plan.AccessSlots,
	}, int(cfg.Int("databases")))
	if err != nil {
		return err
	}
	started := time.Now()
	stats, err := engine.ImportRDB(store, bufio.NewReaderSize(f, 1<<20), engine.ImportOptions{Config: cfg, Progress: func(st engine.ImportStats) {
		fmt.Println(progressLine(st, size, time.Since(started)))
	}})
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("import of %s failed, nothing was changed: %w", file, err)
	}
	fmt.Printf("Imported %d keys from %s in %.1f seconds (%d expired and %d empty keys skipped, %d function libraries)\n",
		stats.Keys, file, time.Since(started).Seconds(), stats.Expired, stats.Empty, stats.Functions)
	return nil
}

// progressLine reports an import's rate, position and expected end.
func progressLine(st engine.ImportStats, size int64, elapsed time.Duration) string {
	secs := max(elapsed.Seconds(), 0.001)
	line := fmt.Sprintf("imported %d keys (%.0f keys/s), %s", st.Keys, float64(st.Keys)/secs, mib(st.Bytes))
	if size > 0 && st.Bytes > 0 {
		eta := time.Duration(float64(size-st.Bytes) / (float64(st.Bytes) / secs) * float64(time.Second))
		line += fmt.Sprintf(" of %s (%.0f%%), ETA %s", mib(size), 100*float64(st.Bytes)/float64(size), eta.Round(time.Second))
	}
	return line
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// loadAtStartup imports dbfilename from dir into a data directory that was
// empty before the store opened, as Redis loads its dump when it starts.
// It runs before the engine starts, which then compiles the function
// libraries the file held.
func loadAtStartup(cfg *config.Config, store *storage.Store, log *rlog.Logger, wasFresh bool) (engine.ImportStats, error) {
	path := filepath.Join(cfg.String("dir"), cfg.String("dbfilename"))
	if !wasFresh {
		if _, err := os.Stat(path); err == nil {
			log.Noticef("Not loading %s: the data directory already holds the dataset (cairn-server --import adds a file's keys)", path)
		}
		return engine.ImportStats{}, nil
	}
	started := time.Now()
	stats, err := engine.LoadRDB(store, cfg, path)
	if errors.Is(err, os.ErrNotExist) {
		return stats, nil
	}
	if err != nil {
		log.Warningf("Fatal error loading the DB from %s: %v. Exiting.", path, err)
		return stats, err
	}
	log.Noticef("DB loaded from disk: %.3f seconds (keys loaded: %d, keys expired: %d, empty keys skipped: %d, function libraries: %d)",
		time.Since(started).Seconds(), stats.Keys, stats.Expired, stats.Empty, stats.Functions)
	return stats, nil
}
