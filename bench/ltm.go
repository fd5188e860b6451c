package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cacheLines picks the hot and block cache lines of INFO memory.
func cacheLines(info string) string {
	var b strings.Builder
	for _, line := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(line, "hot_cache_") || strings.HasPrefix(line, "block_cache_") {
			b.WriteString(" " + line)
		}
	}
	return b.String()
}

// ltmResult is the larger-than-memory scenario.
type ltmResult struct {
	bound, capBytes int64
	scale           float64
	valueSize       int
	keys            int    // keys the load aimed at
	directive       string // how Cairn was given the bound
	notes           []string
	cgroup          bool

	disk []diskResult

	cairnLoad    loadResult
	cairnExit    string // how Cairn ended if it died
	cairnPeak    int64  // sampled VmRSS peak over load and GETs
	cairnHWM     int64  // VmHWM
	cairnFail    int64  // memory.failcnt (limit hits, reclaim)
	cairnOOM     int64  // oom_kill count
	cairnDisk    int64  // data directory size after the load
	cairnDBSize  int64
	shutdown     time.Duration // SIGINT to exit after the GETs
	settle       time.Duration // wait between load and GETs
	settled      bool          // CPU use fell before the limit
	uniform      getResult
	zipfian      getResult
	cached       getResult
	zipfHotShare float64
	zipfPick     func(*rand.Rand) int // the zipfian GETs' key draw
	// Zipfian GETs after restarts on the same data, alternating reads
	// through the page cache and O_DIRECT (cairn-direct-reads no / yes).
	buffered, direct []getResult
	hotSetGet        float64 // redis-benchmark GET -P 1 rate on Cairn from the hot-set scenario (0 if not run)

	redisMaxmem redisUnderCap // maxmemory = bound, noeviction
	redisNoMax  redisUnderCap // no maxmemory
}

type redisUnderCap struct {
	ran     bool
	load    loadResult
	peak    int64
	exit    string
	oomKill int64
	note    string
}

// bestIOPS is the highest measured disk random-read rate.
func (l *ltmResult) bestIOPS() (float64, int) {
	best, th := 0.0, 0
	for _, d := range l.disk {
		if d.iops > best {
			best, th = d.iops, d.threads
		}
	}
	return best, th
}

func (l *ltmResult) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("larger than memory: %s", msg)
	l.notes = append(l.notes, msg)
}

func runLTM(o options, bin string, hotSetGet float64) *ltmResult {
	l := &ltmResult{bound: o.ltmBound, capBytes: o.ltmCap, scale: o.ltmScale, valueSize: o.ltmValue, hotSetGet: hotSetGet}
	fmt.Printf("\n## Larger than memory (%s)\n\n", loadAvg())

	// Disk space: the data once in Pebble plus compaction headroom and
	// the WAL, and the disk-measurement file.
	want := int64(float64(o.ltmBound) * o.ltmScale)
	free := freeBytes(o.work)
	need := want*5/2 + o.diskFile + 1<<30
	if free >= 0 && free < need {
		scale := float64(free-o.diskFile-(1<<30)) / 2.5 / float64(o.ltmBound)
		l.note("only %s free under %s, %s needed for %.0f × %s: SCALED DOWN to %.1f × the bound (use -ltm-bound / -ltm-scale / -workdir)",
			mb(free), o.work, mb(need), o.ltmScale, mb(o.ltmBound), scale)
		if scale < 1 {
			l.note("not enough disk for even 1 × the bound: scenario skipped")
			return l
		}
		l.scale, want = scale, int64(float64(o.ltmBound)*scale)
	}
	l.keys = int(want / int64(o.ltmValue))
	logf("larger than memory: %d keys × %d B = %s into Cairn with a memory bound of %s, cgroup limit %s; %s free on disk",
		l.keys, o.ltmValue, mb(want), mb(o.ltmBound), mb(o.ltmCap), mb(free))

	// The disk's own random-read rate, measured first while it is quiet.
	l.disk = diskIOPS(o.work, o.diskFile, o.diskThreads, 5*time.Second)
	for _, d := range l.disk {
		logf("disk: %d goroutines: %.0f IOPS (4 KiB O_DIRECT random reads) %s", d.threads, d.iops, d.err)
	}

	if p := cgroupProblem(); p != "" {
		l.note("%s: Cairn runs WITHOUT a memory cap (peak RSS still reported); the Redis-under-the-cap runs are skipped", p)
	} else {
		l.cgroup = true
	}

	// Cairn.
	dir := mkdir(o.work, "ltm-cairn")
	group := ""
	if l.cgroup {
		var err error
		if group, err = newCgroup("cairn", o.ltmCap); err != nil {
			l.note("cannot make a cgroup (%v): Cairn runs without a memory cap", err)
			l.cgroup = false
		}
	}
	// Cairn's process memory bound is cairn-memory-bound (maxmemory is
	// Redis's dataset limit, with eviction or OOM errors); a build without
	// that directive takes the bound from maxmemory. No RDB save points,
	// as for Redis below: a periodic export of the whole dataset would
	// compete with the GETs being measured.
	start := func(directive string) (*server, error) {
		l.directive = directive
		return startIn(group, 2*time.Minute, "cairn", bin, "--port", "0", "--appendfsync", "everysec", "--save", "", "--dir", dir,
			"--"+directive, strconv.FormatInt(o.ltmBound, 10))
	}
	cairn, err := start("cairn-memory-bound")
	if err != nil && strings.Contains(err.Error(), "cairn-memory-bound") {
		cairn, err = start("maxmemory")
	}
	if err != nil {
		l.note("Cairn did not start: %v", err)
		return l
	}
	rss := sampleRSS(cairn.pid())
	l.cairnLoad = load(cairn.port, l.keys, o.ltmValue, 8, 64, o.ltmLoadTimeout, func(done int64) {
		logf("cairn load: %d/%d keys (%.0f%%), RSS %s, peak %s, disk %s", done, l.keys, 100*float64(done)/float64(l.keys),
			mb(rss.last.Load()), mb(rss.peak.Load()), mb(dirSize(dir)))
	})
	logf("cairn load: %d keys, %.1f MB/s in %s; peak RSS %s; %s %s", l.cairnLoad.keys, l.cairnLoad.mbps(), l.cairnLoad.elapsed.Round(time.Second),
		mb(rss.peak.Load()), l.cairnLoad.errReply, l.cairnLoad.connErr)
	if l.cairnLoad.timedOut {
		l.note("Cairn's load stopped at the %s limit (-ltm-load-timeout) after %d of %d keys; the GETs use the keys loaded", o.ltmLoadTimeout, l.cairnLoad.keys, l.keys)
	}
	l.cairnDisk = dirSize(dir)
	if l.cairnLoad.connErr != "" {
		select { // a broken connection: give a dying process time to be reaped
		case <-cairn.done:
		case <-time.After(3 * time.Second):
		}
	}
	if !cairn.exited() {
		if r, err := command(cairn.port, "DBSIZE"); err == nil && r.kind == ':' {
			l.cairnDBSize, _ = strconv.ParseInt(r.line, 10, 64)
		}
		// Let the compactions the load queued run down (the server's CPU
		// use falls under 15% of a core) so the GETs see a settled store.
		l.settle, l.settled = settle(cairn, o.ltmSettle)
		logf("cairn settled: %v after %s", l.settled, l.settle.Round(time.Second))
		// Loads go in the order item(i) = i·stride mod keys; a load cut
		// short holds about the first loaded indexes, so draw from those.
		n, stride, loaded := l.keys, scatterStride(l.keys), max(1, int(l.cairnLoad.keys))
		item := func(i int) int { return int(uint64(i) * uint64(stride) % uint64(n)) }
		z := newZipf(loaded, o.ltmTheta)
		l.zipfHotShare = z.hotShare()
		l.uniform = getLoad(cairn, o.clients, 3*time.Second, o.ltmDuration, func(r *rand.Rand) int { return item(r.IntN(loaded)) })
		logf("cairn uniform GET: %.0f/s (%d hits, %d misses, %d errors) %s", l.uniform.rps(), l.uniform.hits, l.uniform.misses, l.uniform.errs, l.uniform.firstErr)
		l.zipfPick = func(r *rand.Rand) int { return item(z.item(r)) }
		l.zipfian = getLoad(cairn, o.clients, 5*time.Second, o.ltmDuration, l.zipfPick)
		logf("cairn zipfian GET: %.0f/s (%d hits, %d misses); %.0f%% of draws in the hottest 10%%", l.zipfian.rps(), l.zipfian.hits, l.zipfian.misses, 100*l.zipfHotShare)
		if text, err := info(cairn.port, "memory"); err == nil {
			logf("cairn caches after the zipfian GETs:%s", cacheLines(text))
		}
		cachedKeys := min(10000, loaded)
		l.cached = getLoad(cairn, o.clients, 3*time.Second, o.ltmDuration, func(r *rand.Rand) int { return item(r.IntN(cachedKeys)) })
		logf("cairn cached GET (%d keys): %.0f/s", cachedKeys, l.cached.rps())
	}
	rss.sample()
	rss.stop()
	l.cairnPeak, l.cairnHWM = rss.peak.Load(), rss.hwm.Load()
	if group != "" {
		l.cairnFail = cgroupValue(group, "memory.failcnt", "")
		l.cairnOOM = cgroupValue(group, "memory.oom_control", "oom_kill")
	}
	if cairn.exited() {
		l.cairnExit = cairn.exitReason()
		l.note("Cairn died: %s (cgroup oom_kill count %d)", l.cairnExit, l.cairnOOM)
		logf("cairn's output:\n%s", tail(cairn.log.String(), 1500))
	}
	if !cairn.exited() {
		d, killed := cairn.stopTimed(45 * time.Second)
		l.shutdown = d
		if killed {
			l.note("Cairn had not finished its clean shutdown (SIGINT) after 45 s and was killed")
		}
		logf("cairn shutdown took %s", d.Round(time.Millisecond))
		if l.cgroup && !killed && l.zipfian.ops > 0 {
			l.compareReads(o, group, dir, bin)
		}
	}
	if group != "" {
		removeCgroup(group)
	}
	os.RemoveAll(dir)

	if l.cgroup {
		l.redisMaxmem = redisCapped(o, l.keys, "maxmem", true)
		l.redisNoMax = redisCapped(o, l.keys, "nomax", false)
	}
	return l
}

// compareReads restarts Cairn on the loaded data under the same cgroup
// limit, alternating cairn-direct-reads no and yes, and measures zipfian
// GETs after each start: what reading the tables past the page cache is
// worth in the same run. Each start reads back the hot keys the last one
// saved, the same for both.
func (l *ltmResult) compareReads(o options, group, dir, bin string) {
	for round := range 2 {
		for _, direct := range []bool{false, true} {
			mode := map[bool]string{false: "no", true: "yes"}[direct]
			s, err := startIn(group, 2*time.Minute, "cairn", bin, "--port", "0", "--appendfsync", "everysec", "--save", "", "--dir", dir,
				"--"+l.directive, strconv.FormatInt(o.ltmBound, 10), "--cairn-direct-reads", mode)
			if err != nil {
				l.note("Cairn with cairn-direct-reads %s did not start: %v", mode, err)
				return
			}
			r := getLoad(s, o.clients, 5*time.Second, o.ltmDuration, l.zipfPick)
			logf("cairn zipfian GET after a restart, round %d, cairn-direct-reads %s: %.0f/s, %.1f µs CPU/GET", round+1, mode, r.rps(), us(r.cpuPerReq))
			if direct {
				l.direct = append(l.direct, r)
			} else {
				l.buffered = append(l.buffered, r)
			}
			if _, killed := s.stopTimed(45 * time.Second); killed {
				l.note("Cairn with cairn-direct-reads %s was killed at shutdown", mode)
				return
			}
		}
	}
}

// redisCapped loads the same data into redis-server (appendonly yes,
// everysec) inside the same cgroup limit, with maxmemory = the bound
// (noeviction) or without maxmemory, and reports what happens.
func redisCapped(o options, keys int, name string, maxmem bool) redisUnderCap {
	res := redisUnderCap{ran: true}
	group, err := newCgroup("redis-"+name, o.ltmCap)
	if err != nil {
		res.note = err.Error()
		return res
	}
	defer removeCgroup(group)
	dir := mkdir(o.work, "ltm-redis-"+name)
	defer os.RemoveAll(dir)
	args := []string{"--port", "0", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir, "--daemonize", "no"}
	if maxmem {
		args = append(args, "--maxmemory", strconv.FormatInt(o.ltmBound, 10), "--maxmemory-policy", "noeviction")
	}
	s, err := startIn(group, time.Minute, "redis", "redis-server", args...)
	if err != nil {
		res.note = err.Error()
		return res
	}
	rss := sampleRSS(s.pid())
	res.load = load(s.port, keys, o.ltmValue, 8, 64, 10*time.Minute, func(done int64) {
		logf("redis (%s) load: %d/%d keys, RSS %s", name, done, keys, mb(rss.last.Load()))
	})
	time.Sleep(500 * time.Millisecond)
	rss.sample()
	rss.stop()
	res.peak = rss.peak.Load()
	if s.exited() {
		res.exit = s.exitReason()
	}
	res.oomKill = cgroupValue(group, "memory.oom_control", "oom_kill")
	s.stop()
	logf("redis (%s): %d keys acknowledged, peak RSS %s, error %q, connection %q, exit %q, oom_kill %d",
		name, res.load.keys, mb(res.peak), res.load.errReply, res.load.connErr, res.exit, res.oomKill)
	return res
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// settle waits until the server's CPU use over 2 s is under 15% of a core,
// or limit.
func settle(s *server, limit time.Duration) (time.Duration, bool) {
	t := time.Now()
	for time.Since(t) < limit && !s.exited() {
		c0 := cpuTime(s.pid())
		time.Sleep(2 * time.Second)
		if cpuTime(s.pid())-c0 < 300*time.Millisecond {
			return time.Since(t), true
		}
	}
	return time.Since(t), false
}
