package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// restartResult is the restart scenario: time from process start to the
// first +PONG, Cairn opening its data directory against Redis loading its
// RDB, with the page cache dropped (cold) and not (warm).
type restartResult struct {
	keys, value    int
	dir            string
	notes          []string
	populate, save time.Duration // Redis building the RDB (0 if reused)
	importTime     time.Duration // Cairn loading that RDB at start-up
	firstStart     time.Duration // first start of this build on a reused dataset
	reusedRDB      bool
	reusedCairn    bool
	rdbSize        int64
	cairnSize      int64
	modes          []string // "cold", "warm"
	redis, cairn   map[string][]time.Duration
	redisDB        int64
	cairnDB        int64
}

func (r *restartResult) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("restart: %s", msg)
	r.notes = append(r.notes, msg)
}

// medianDur is the median of a mode's start times (0 if none).
func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func runRestart(o options, bin string) *restartResult {
	r := &restartResult{keys: o.restartKeys, value: o.restartValue, redis: map[string][]time.Duration{}, cairn: map[string][]time.Duration{}}
	fmt.Printf("\n## Restart (%s)\n\n", loadAvg())
	base := o.cacheDir
	if base == "" {
		base = o.work
	}
	r.dir = filepath.Join(base, fmt.Sprintf("restart-%d-%d", o.restartKeys, o.restartValue))
	check(os.MkdirAll(r.dir, 0o755))
	rdb := filepath.Join(r.dir, "dump.rdb")
	cairnDir := filepath.Join(r.dir, "cairn")

	// About 40 bytes of RDB and 300 bytes of Pebble (WAL included) per
	// key on top of the value, generously.
	need := int64(o.restartKeys) * int64(o.restartValue+400)
	if !exists(filepath.Join(r.dir, "dump.ok")) || !exists(filepath.Join(r.dir, "cairn.ok")) {
		if free := freeBytes(r.dir); free >= 0 && free < need {
			scaled := int(free / int64(o.restartValue+400) * 3 / 4)
			r.note("only %s free under %s, about %s needed for %d keys: SCALED DOWN to %d keys (use -restart-keys)", mb(free), r.dir, mb(need), o.restartKeys, scaled)
			if scaled < 1000 {
				r.note("not enough disk: scenario skipped")
				return r
			}
			r.keys = scaled
			r.dir = filepath.Join(base, fmt.Sprintf("restart-%d-%d", r.keys, o.restartValue))
			check(os.MkdirAll(r.dir, 0o755))
			rdb, cairnDir = filepath.Join(r.dir, "dump.rdb"), filepath.Join(r.dir, "cairn")
		}
	}

	if exists(filepath.Join(r.dir, "dump.ok")) && exists(rdb) {
		r.reusedRDB = true
		logf("restart: reusing %s", rdb)
	} else if err := r.buildRDB(rdb); err != nil {
		r.note("could not build the RDB: %v", err)
		return r
	}
	r.rdbSize = fileSize(rdb)
	if !r.loadCairnMarker() {
		if err := r.importCairn(bin, rdb, cairnDir); err != nil {
			r.note("Cairn could not load the RDB: %v", err)
			return r
		}
	}

	// One untimed start first: a build newer than the dataset may do
	// one-time work (a format upgrade) on its first open.
	if r.reusedCairn {
		d, n, err := timeStart("cairn", bin, "--port", "0", "--save", "", "--appendfsync", "everysec", "--dir", cairnDir)
		if err != nil || n != int64(r.keys) {
			r.note("the reused Cairn dataset did not start or had %d keys (%v): imported again", n, err)
			if err := r.importCairn(bin, rdb, cairnDir); err != nil {
				r.note("Cairn could not load the RDB: %v", err)
				return r
			}
		} else {
			r.firstStart = d
			logf("restart: first (untimed) start of this build on the reused dataset: %s", d.Round(time.Millisecond))
		}
	}
	r.modes = []string{"warm"}
	if o.cold {
		if err := dropCaches(); err != nil {
			r.note("cannot drop the page cache (%v): warm starts only", err)
		} else {
			r.modes = []string{"cold", "warm"}
		}
	}
	rebuilt := false
	for _, mode := range r.modes {
		for i := 0; i < o.restartRounds; i++ {
			if mode == "cold" {
				dropCaches()
			}
			d, n, err := timeStart("redis", "redis-server", "--port", "0", "--save", "", "--appendonly", "no", "--dir", r.dir, "--dbfilename", "dump.rdb", "--daemonize", "no")
			if err != nil {
				r.note("Redis start: %v", err)
				return r
			}
			r.redis[mode] = append(r.redis[mode], d)
			r.redisDB = n
			logf("restart %s: redis ready in %s, %d keys", mode, d.Round(time.Millisecond), n)

			if mode == "cold" {
				dropCaches()
			}
			d, n, err = timeStart("cairn", bin, "--port", "0", "--save", "", "--appendfsync", "everysec", "--dir", cairnDir)
			if (err != nil || n != int64(r.keys)) && r.reusedCairn && !rebuilt {
				// A dataset from an older build the current one cannot
				// read: import it again.
				r.note("the reused Cairn dataset did not start or had %d keys (%v): imported again", n, err)
				rebuilt = true
				if err := r.importCairn(bin, rdb, cairnDir); err != nil {
					r.note("Cairn could not load the RDB: %v", err)
					return r
				}
				d, n, err = timeStart("cairn", bin, "--port", "0", "--save", "", "--appendfsync", "everysec", "--dir", cairnDir)
			}
			if err != nil {
				r.note("Cairn start: %v", err)
				return r
			}
			r.cairn[mode] = append(r.cairn[mode], d)
			r.cairnDB = n
			logf("restart %s: cairn ready in %s, %d keys", mode, d.Round(time.Millisecond), n)
		}
	}
	r.cairnSize = dirSize(cairnDir)
	if o.cacheDir == "" {
		os.RemoveAll(r.dir)
	}
	return r
}

func (r *restartResult) buildRDB(rdb string) error {
	os.Remove(filepath.Join(r.dir, "dump.ok"))
	os.Remove(filepath.Join(r.dir, "cairn.ok"))
	logf("restart: building %s: Redis DEBUG POPULATE %d key %d, SAVE", rdb, r.keys, r.value)
	s, err := startIn("", time.Minute, "redis", "redis-server", "--port", "0", "--save", "", "--appendonly", "no", "--dir", r.dir,
		"--dbfilename", "dump.rdb", "--enable-debug-command", "yes", "--daemonize", "no")
	if err != nil {
		return err
	}
	defer s.stop()
	if rep, err := command(s.port, "FLUSHALL"); err != nil || rep.isErr() {
		return fmt.Errorf("FLUSHALL: %v %v", rep, err)
	}
	t := time.Now()
	if rep, err := command(s.port, "DEBUG", "POPULATE", strconv.Itoa(r.keys), "key", strconv.Itoa(r.value)); err != nil || rep.isErr() {
		return fmt.Errorf("DEBUG POPULATE: %v %v", rep, err)
	}
	r.populate = time.Since(t)
	t = time.Now()
	if rep, err := command(s.port, "SAVE"); err != nil || rep.isErr() {
		return fmt.Errorf("SAVE: %v %v", rep, err)
	}
	r.save = time.Since(t)
	logf("restart: populate %s, save %s", r.populate.Round(time.Millisecond), r.save.Round(time.Millisecond))
	return os.WriteFile(filepath.Join(r.dir, "dump.ok"), []byte(fmt.Sprintf("keys=%d value=%d\n", r.keys, r.value)), 0o644)
}

// importCairn builds Cairn's copy of the dataset as a user moving from
// Redis would: the RDB placed in a fresh data directory's dir, loaded by
// cairn-server at start-up (cairn-server --import, which merges into a
// live dataset, is much slower on millions of keys). The time to the first
// PONG of that start is the RDB load time.
func (r *restartResult) importCairn(bin, rdb, cairnDir string) error {
	os.Remove(filepath.Join(r.dir, "cairn.ok"))
	os.RemoveAll(cairnDir)
	check(os.MkdirAll(cairnDir, 0o755))
	if free := freeBytes(r.dir); free >= 0 && free < int64(r.keys)*int64(r.value+300) {
		return fmt.Errorf("only %s free", mb(free))
	}
	link := filepath.Join(cairnDir, "dump.rdb")
	if err := os.Link(rdb, link); err != nil {
		return err
	}
	defer os.Remove(link)
	logf("restart: cairn-server loading %s at start-up (%d keys)", rdb, r.keys)
	d, n, err := timeStart("cairn", bin, "--port", "0", "--save", "", "--appendfsync", "everysec", "--dir", cairnDir)
	if err != nil {
		return err
	}
	if n != int64(r.keys) {
		return fmt.Errorf("cairn loaded %d keys, want %d", n, r.keys)
	}
	r.importTime = d
	r.reusedCairn = false
	logf("restart: cairn loaded the RDB in %s", r.importTime.Round(time.Millisecond))
	return os.WriteFile(filepath.Join(r.dir, "cairn.ok"), []byte(fmt.Sprintf("keys=%d import_seconds=%.3f\n", r.keys, r.importTime.Seconds())), 0o644)
}

// loadCairnMarker reports whether an imported Cairn dataset is there to
// reuse, with the import time recorded when it was built.
func (r *restartResult) loadCairnMarker() bool {
	b, err := os.ReadFile(filepath.Join(r.dir, "cairn.ok"))
	if err != nil || !exists(filepath.Join(r.dir, "cairn")) {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, "import_seconds="); ok {
			s, _ := strconv.ParseFloat(v, 64)
			r.importTime = time.Duration(s * float64(time.Second))
		}
	}
	r.reusedCairn = true
	logf("restart: reusing the imported Cairn dataset in %s", r.dir)
	return true
}

// timeStart starts a server, returns the time to its first +PONG and its
// DBSIZE, and stops it.
func timeStart(name, bin string, args ...string) (time.Duration, int64, error) {
	s, err := startIn("", 15*time.Minute, name, bin, args...)
	if err != nil {
		return 0, 0, err
	}
	defer s.stop()
	rep, err := command(s.port, "DBSIZE")
	if err != nil {
		return 0, 0, err
	}
	n, _ := strconv.ParseInt(rep.line, 10, 64)
	return s.ready, n, nil
}

func dropCaches() error {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}
