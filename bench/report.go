package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type report struct {
	started, finished time.Time
	opts              options
	machine           machine
	loadEnd           string
	loads             map[string]string // scenario → load average at its start
	hot               []hotRow
	ltm               *ltmResult
	restart           *restartResult
}

// hotGet is Cairn's redis-benchmark GET rate at -P 1 (0 if not measured).
func (r *report) hotGet() float64 {
	for _, h := range r.hot {
		if h.test == "GET" && h.pipeline == "1" {
			return h.cairn.rps
		}
	}
	return 0
}

type machine struct {
	cpu, ram, disk, kernel, loadStart, goVersion, redis, tree string
	cores                                                     int
}

func describeMachine(work string) machine {
	m := machine{cores: numCPU(), kernel: strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")), loadStart: loadAvg(), goVersion: runtime.Version()}
	for _, line := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			m.cpu = strings.TrimSpace(v)
			break
		}
	}
	for _, line := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			m.ram = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	m.disk = describeDisk(work)
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		m.redis = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.tree = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			m.tree += " with uncommitted changes"
		}
	}
	return m
}

// describeDisk names the filesystem and block device holding dir.
func describeDisk(dir string) string {
	abs, _ := filepath.Abs(dir)
	var dev, mnt, fstype string
	for _, line := range strings.Split(readFile("/proc/mounts"), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		if (abs == f[1] || strings.HasPrefix(abs, strings.TrimSuffix(f[1], "/")+"/")) && len(f[1]) >= len(mnt) {
			dev, mnt, fstype = f[0], f[1], f[2]
		}
	}
	desc := fmt.Sprintf("%s (%s on %s)", dev, fstype, mnt)
	name := filepath.Base(dev)
	sys := "/sys/block/" + name
	if !exists(sys) {
		// A partition: its disk is the parent directory in /sys/class/block.
		if p, err := filepath.EvalSymlinks("/sys/class/block/" + name); err == nil {
			sys = filepath.Dir(p)
		}
	}
	if s := strings.TrimSpace(readFile(sys + "/size")); s != "" {
		sectors, _ := strconv.ParseInt(s, 10, 64)
		desc += fmt.Sprintf(", %.0f GiB", float64(sectors*512)/(1<<30))
	}
	if strings.HasPrefix(filepath.Base(sys), "vd") {
		desc += ", virtio block device"
	}
	if model := strings.TrimSpace(readFile(sys + "/device/model")); model != "" {
		desc += ", " + model
	}
	switch strings.TrimSpace(readFile(sys + "/queue/rotational")) {
	case "0":
		desc += ", queue/rotational 0"
	case "1":
		desc += ", queue/rotational 1"
	}
	if free := freeBytes(dir); free >= 0 {
		desc += fmt.Sprintf(", %.1f GiB free at start", float64(free)/(1<<30))
	}
	return desc
}

func (m machine) oneLine() string {
	return fmt.Sprintf("%s, %d cores, %s RAM, kernel %s, %s; %s", m.cpu, m.cores, m.ram, m.kernel, m.disk, m.loadStart)
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// ratioRow is one bar of the chart.
type ratioRow struct {
	group, label string
	value        float64
	target       float64 // 0: no target
	higher       bool    // higher is better
}

func (r ratioRow) met() bool {
	if r.higher {
		return r.value >= r.target
	}
	return r.value <= r.target
}

func hotTarget(p string) float64 {
	if p == "1" {
		return 0.9
	}
	return 0.6
}

func (r *report) ratios() []ratioRow {
	var rows []ratioRow
	for _, p := range r.opts.pipelines {
		for _, h := range r.hot {
			if h.pipeline == p && h.redis.rps > 0 {
				rows = append(rows, ratioRow{group: fmt.Sprintf("Hot set ops/s, Cairn/Redis, -P %s (target ≥ %.1f)", p, hotTarget(p)),
					label: h.test, value: h.cairn.rps / h.redis.rps, target: hotTarget(p), higher: true})
			}
		}
	}
	for _, p := range r.opts.pipelines {
		for _, h := range r.hot {
			if h.pipeline == p && h.redis.cpuPerReq > 0 {
				rows = append(rows, ratioRow{group: fmt.Sprintf("Hot set server CPU per request, Cairn/Redis, -P %s (target ≤ 1.5)", p),
					label: h.test, value: float64(h.cairn.cpuPerReq) / float64(h.redis.cpuPerReq), target: 1.5})
			}
		}
	}
	if l := r.ltm; l != nil && l.zipfian.ops > 0 {
		g := "Larger than memory (zipfian target ≥ 0.5; RSS must stay under the cap)"
		if l.hotSetGet > 0 {
			rows = append(rows, ratioRow{group: g, label: "zipfian GET / hot-set GET", value: l.zipfian.rps() / l.hotSetGet, target: 0.5, higher: true})
		}
		if l.cached.ops > 0 {
			rows = append(rows, ratioRow{group: g, label: "zipfian GET / cached GET", value: l.zipfian.rps() / l.cached.rps(), target: 0.5, higher: true})
		}
		if iops, _ := l.bestIOPS(); iops > 0 {
			rows = append(rows, ratioRow{group: g, label: "uniform GET / disk IOPS", value: l.uniform.rps() / iops})
		}
		if l.capBytes > 0 && l.cgroup {
			rows = append(rows, ratioRow{group: g, label: "peak RSS / cgroup cap", value: float64(max(l.cairnPeak, l.cairnHWM)) / float64(l.capBytes), target: 1})
		}
	}
	if rs := r.restart; rs != nil {
		for _, mode := range rs.modes {
			c, d := medianDur(rs.cairn[mode]), medianDur(rs.redis[mode])
			if c > 0 && d > 0 {
				rows = append(rows, ratioRow{group: fmt.Sprintf("Restart with %d keys: time to first PONG, Cairn/Redis (lower is better)", rs.keys), label: fmt.Sprintf("%s page cache", mode), value: c.Seconds() / d.Seconds(), target: 1})
			}
		}
	}
	return rows
}

// svg draws the ratios as horizontal bars, green where the target is met,
// red where not, grey where there is no target; the target is a dashed
// line.
func (r *report) svg() string {
	rows := r.ratios()
	const (
		left, barW, right = 250, 420, 70
		rowH, groupH, top = 16, 26, 46
	)
	scale := 2.0
	for _, row := range rows {
		scale = math.Max(scale, math.Min(4, math.Ceil(row.value)))
	}
	height := top + 30
	prev := ""
	for _, row := range rows {
		if row.group != prev {
			height += groupH
			prev = row.group
		}
		height += rowH
	}
	x := func(v float64) float64 { return left + math.Min(v, scale)/scale*barW }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", left+barW+right, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="14" font-weight="bold">Cairn vs Redis 7.0 (appendonly everysec), %s</text>`+"\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, `<text x="10" y="34" fill="#555">%s</text>`+"\n", esc(fmt.Sprintf("%s, %d cores; %s; %s", r.machine.cpu, r.machine.cores, r.machine.loadStart, "green: target met, red: missed, dashed: target")))
	y := top
	prev = ""
	for _, row := range rows {
		if row.group != prev {
			y += groupH
			fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y-8, esc(row.group))
			prev = row.group
		}
		color := "#999"
		if row.target > 0 {
			color = "#2a9d4a"
			if !row.met() {
				color = "#d1453b"
			}
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+rowH-5, esc(row.label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+2, x(row.value)-left, rowH-4, color)
		label := fmt.Sprintf("%.2f", row.value)
		if row.value > scale {
			label += " →"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x(row.value)+4, y+rowH-5, label)
		if row.target > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black" stroke-dasharray="2,2"/>`+"\n", x(row.target), x(row.target), y, y+rowH)
		}
		y += rowH
	}
	// Axis.
	y += 4
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`+"\n", left, left+barW, y, y)
	for v := 0.0; v <= scale+1e-9; v += 0.5 {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/>`+"\n", x(v), x(v), y, y+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%.1f×</text>`+"\n", x(v), y+16, v)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// markdown is the "Speed and memory (issue 10)" section.
func (r *report) markdown() string {
	var b strings.Builder
	o := r.opts
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("## Speed and memory (issue 10)\n\n")
	w("`%s`, run %s, took %s; Cairn tree %s, %s, %s.\n\n", strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "),
		r.started.UTC().Format("2006-01-02 15:04 MST"), r.finished.Sub(r.started).Round(time.Second), r.machine.tree, r.machine.goVersion, r.machine.redis)
	w("Machine: %s, %d cores, %s RAM, kernel %s; disk %s. %s at the start, %s at the end (other work was running on the machine: the two servers alternate so it hits both).\n\n",
		r.machine.cpu, r.machine.cores, r.machine.ram, r.machine.kernel, r.machine.disk, capitalize(r.machine.loadStart), r.loadEnd)
	w("![ratios](ratios.svg)\n\n")

	if len(r.hot) > 0 {
		w("### Hot set\n\n(%s when it started.)\n\n", capitalize(r.loads["hot"]))
		w("`redis-benchmark -c %d -n %d -r %d -d %d -t <test> -P <p>`, Cairn and Redis (appendonly yes, appendfsync everysec) alternating, median of %d rounds. ",
			o.clients, o.n, o.keyspace, o.size, o.rounds)
		w("CPU is the server's user+system time (all threads, plus reaped children: Redis's AOF rewrites) from /proc/PID/stat over the run, per request. ")
		w("LRANGE_100 is run as redis-benchmark runs it (an LPUSH of n elements to mylist first), only the LRANGE part timed. Every SPOP and ZPOPMIN round starts with an untimed SADD or ZADD run of the same size, so each round pops what the first one pops (about 86k members, then pops of the emptied key). Targets: ops ≥ 0.9 × Redis at -P 1, ≥ 0.6 × at -P 16, CPU ≤ 1.5 × Redis's.\n\n")
		w("A run still going after %s is stopped and its rate so far used (\"cut\"); a test whose first Cairn run takes over %s gets one round.\n\n", o.runCap, o.slow)
		w("| test | -P | Redis ops/s | Cairn ops/s | Cairn/Redis | Redis CPU µs/req | Cairn CPU µs/req | CPU ratio | note |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, h := range r.hot {
			t := hotTarget(h.pipeline)
			ratio := h.cairn.rps / h.redis.rps
			cpuCell := "n/a (under a clock tick)"
			if h.redis.cpuPerReq > 0 {
				cpu := float64(h.cairn.cpuPerReq) / float64(h.redis.cpuPerReq)
				cpuCell = mark(cpu, cpu <= 1.5)
			}
			w("| %s | %s | %.0f | %.0f | %s | %.2f | %.2f | %s | %s |\n", h.test, h.pipeline, h.redis.rps, h.cairn.rps,
				mark(ratio, ratio >= t), us(h.redis.cpuPerReq), us(h.cairn.cpuPerReq), cpuCell, strings.TrimSpace(h.note()))
		}
		w("\n")
		for _, p := range o.pipelines {
			met, cpuMet, n := 0, 0, 0
			for _, h := range r.hot {
				if h.pipeline != p {
					continue
				}
				n++
				if h.cairn.rps/h.redis.rps >= hotTarget(p) {
					met++
				}
				if h.redis.cpuPerReq > 0 && float64(h.cairn.cpuPerReq)/float64(h.redis.cpuPerReq) <= 1.5 {
					cpuMet++
				}
			}
			w("-P %s: %d of %d tests meet the ops target (≥ %.1f), %d of %d the CPU target (≤ 1.5).\n", p, met, n, hotTarget(p), cpuMet, n)
		}
		w("\n")
	}

	if l := r.ltm; l != nil {
		w("### Larger than memory\n\n(%s when it started.)\n\n", capitalize(r.loads["ltm"]))
		loaded := float64(l.keys) * float64(l.valueSize)
		capNote := fmt.Sprintf("inside a cgroup v1 memory limit of %s (memory.limit_in_bytes; page cache counts against it too)", mb(l.capBytes))
		if !l.cgroup {
			capNote = "WITHOUT a memory cap (no cgroup v1 memory controller or not root)"
		}
		w("Cairn with `%s %s`, appendfsync everysec, no RDB save points (`save \"\"`, as for Redis below), %s; %d keys × %d B random (incompressible) values = %s, %.1f × the bound, SET in a scattered order over 8 connections pipelining 64 each.\n\n",
			l.directive, mb(l.bound), capNote, l.keys, l.valueSize, mb(int64(loaded)), l.scale)
		for _, n := range l.notes {
			w("* **%s**\n", strings.ReplaceAll(n, "\n", " "))
		}
		if len(l.notes) > 0 {
			w("\n")
		}
		w("| measure | value |\n|---|---|\n")
		for _, d := range l.disk {
			if d.err != "" {
				w("| disk 4 KiB O_DIRECT random reads, %d goroutines | error: %s |\n", d.threads, d.err)
			} else {
				w("| disk 4 KiB O_DIRECT random reads, %d goroutines (%s file) | %.0f IOPS |\n", d.threads, mb(o.diskFile), d.iops)
			}
		}
		ld := l.cairnLoad
		if ld.elapsed > 0 {
			w("| load | %d of %d keys acknowledged in %s, %.1f MB/s, %.0f keys/s%s |\n", ld.keys, l.keys, ld.elapsed.Round(time.Second), ld.mbps(),
				float64(ld.keys)/ld.elapsed.Seconds(), errNote(ld))
			w("| DBSIZE after the load; data directory size | %d; %s |\n", l.cairnDBSize, mb(l.cairnDisk))
			capRatio := ""
			if l.cgroup {
				capRatio = fmt.Sprintf(" = %.2f × the cap", float64(max(l.cairnPeak, l.cairnHWM))/float64(l.capBytes))
			}
			w("| peak RSS (VmRSS sampled every 50 ms; VmHWM), load and GETs | %s; %s%s |\n", mb(l.cairnPeak), mb(l.cairnHWM), capRatio)
			if l.cgroup {
				w("| cgroup limit hits (memory.failcnt: reclaim, mostly page cache); OOM kills | %d; %d |\n", l.cairnFail, l.cairnOOM)
			}
			if l.settle > 0 {
				st := "CPU use fell under 15% of a core"
				if !l.settled {
					st = "still compacting at the -ltm-settle limit; GETs measured anyway"
				}
				w("| wait after the load before the GETs | %.0f s (%s) |\n", l.settle.Seconds(), st)
			}
			if l.shutdown > 0 {
				w("| clean shutdown (SIGINT to exit) after the GETs | %.1f s |\n", l.shutdown.Seconds())
			}
			if l.cairnExit != "" {
				w("| **Cairn died** | %s |\n", l.cairnExit)
			}
		}
		iops, th := l.bestIOPS()
		for _, g := range []struct {
			name string
			res  getResult
		}{{"uniform random GET", l.uniform}, {fmt.Sprintf("zipfian GET (θ %.2f, scrambled; %.0f%% of GETs hit the hottest 10%% of keys)", o.ltmTheta, 100*l.zipfHotShare), l.zipfian}, {"cached GET (10,000 keys, same client)", l.cached}} {
			if g.res.elapsed == 0 {
				continue
			}
			hitRate := ""
			if g.res.cacheHitRate >= 0 {
				hitRate = fmt.Sprintf(", %.0f%% hot cache hits", 100*g.res.cacheHitRate)
			}
			w("| %s, %d clients × 1 request | %.0f GET/s, %.1f µs server CPU/GET%s, %d misses, %d errors |\n", g.name, o.clients, g.res.rps(), us(g.res.cpuPerReq), hitRate, g.res.misses, g.res.errs)
		}
		if l.uniform.ops > 0 && iops > 0 {
			w("| uniform GET / disk random-read IOPS (%d goroutines) | **%.2f** |\n", th, l.uniform.rps()/iops)
		}
		if l.zipfian.ops > 0 {
			if l.hotSetGet > 0 {
				z := l.zipfian.rps() / l.hotSetGet
				w("| zipfian GET / hot-set GET (redis-benchmark -P 1, %.0f/s; target ≥ 0.5) | %s |\n", l.hotSetGet, mark(z, z >= 0.5))
			}
			if l.cached.ops > 0 {
				z := l.zipfian.rps() / l.cached.rps()
				w("| zipfian GET / cached GET, same Go client (target ≥ 0.5) | %s |\n", mark(z, z >= 0.5))
			}
		}
		w("\n")
		if len(l.direct) > 0 {
			w("Zipfian GETs after restarts on the same data under the same limit, alternating how tables are read (`cairn-direct-reads`): through the page cache, which the cgroup charges to Cairn, or with O_DIRECT (the default, `auto`, under a memory cgroup limit):\n\n")
			w("| round | page cache: GET/s | µs CPU/GET | O_DIRECT: GET/s | µs CPU/GET |\n|---|---|---|---|---|\n")
			for i := range l.direct {
				if i < len(l.buffered) {
					b, d := l.buffered[i], l.direct[i]
					w("| %d | %.0f | %.1f | %.0f | %.1f |\n", i+1, b.rps(), us(b.cpuPerReq), d.rps(), us(d.cpuPerReq))
				}
			}
			w("\n")
		}
		if l.redisMaxmem.ran || l.redisNoMax.ran {
			w("Redis (appendonly yes, everysec, `save \"\"`) loading the same keys the same way inside the same %s cgroup limit:\n\n", mb(l.capBytes))
			w("| Redis | keys acknowledged | peak RSS | what happened |\n|---|---|---|---|\n")
			for _, x := range []struct {
				name string
				r    redisUnderCap
			}{{fmt.Sprintf("maxmemory %s, noeviction", mb(l.bound)), l.redisMaxmem}, {"no maxmemory", l.redisNoMax}} {
				if !x.r.ran {
					continue
				}
				w("| %s | %d of %d | %s | %s |\n", x.name, x.r.load.keys, l.keys, mb(x.r.peak), redisOutcome(x.r))
			}
			w("\n")
		}
		w("The zipfian and uniform GETs come from a Go client (50 goroutines, one request in flight each) on the same 2 cores, which costs more CPU per request than redis-benchmark; the cached-GET row is the same client on keys Cairn holds in memory, for an apples-to-apples ratio.\n\n")
	}

	if rs := r.restart; rs != nil {
		w("### Restart\n\n(%s when it started.)\n\n", capitalize(r.loads["restart"]))
		w("%d keys (Redis `DEBUG POPULATE %d key %d`, `SAVE`: a %s RDB; Cairn's copy made by starting cairn-server on a fresh data directory holding that dump.rdb, %s on disk). ",
			rs.keys, rs.keys, rs.value, mb(rs.rdbSize), mb(rs.cairnSize))
		w("Time from process start to the first `+PONG` (PING polled every 2 ms; Redis answers -LOADING until its RDB is in), median (mean of the middle two for an even count) of %d starts each; cold = `sync; echo 3 > /proc/sys/vm/drop_caches` before each start. Redis runs with appendonly no so it loads the RDB.\n\n", o.restartRounds)
		for _, n := range rs.notes {
			w("* **%s**\n", n)
		}
		if len(rs.notes) > 0 {
			w("\n")
		}
		w("| page cache | Redis RDB load | Cairn start | Cairn/Redis |\n|---|---|---|---|\n")
		for _, mode := range rs.modes {
			c, d := medianDur(rs.cairn[mode]), medianDur(rs.redis[mode])
			if c > 0 && d > 0 {
				w("| %s | %.3f s | %.3f s | %.3f |\n", mode, d.Seconds(), c.Seconds(), c.Seconds()/d.Seconds())
			}
		}
		w("\nDBSIZE after start: Redis %d, Cairn %d. ", rs.redisDB, rs.cairnDB)
		if rs.populate > 0 {
			w("Building the RDB: DEBUG POPULATE %.1f s, SAVE %.1f s. ", rs.populate.Seconds(), rs.save.Seconds())
		}
		if rs.importTime > 0 {
			reuse := ""
			if rs.reusedCairn {
				reuse = " (when the dataset was built; this run reused it from -cache-dir)"
			}
			w("Cairn loading that RDB at start-up (process start to PONG) took %.1f s, %.0f keys/s%s.", rs.importTime.Seconds(), float64(rs.keys)/rs.importTime.Seconds(), reuse)
		}
		if rs.firstStart > 0 {
			w(" The dataset was built by an earlier run; this build's first, untimed start on it took %.3f s.", rs.firstStart.Seconds())
		}
		w("\n\n")
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func mark(v float64, ok bool) string {
	if ok {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("**%.2f** ✗", v)
}

func errNote(l loadResult) string {
	s := ""
	if l.errReply != "" {
		s += "; first error: " + l.errReply
	}
	if l.connErr != "" {
		s += "; connection: " + l.connErr
	}
	if l.timedOut {
		s += "; stopped at the time limit"
	}
	return s
}

func redisOutcome(r redisUnderCap) string {
	var parts []string
	if r.note != "" {
		parts = append(parts, r.note)
	}
	if r.load.errReply != "" {
		parts = append(parts, "refused writes: `-"+r.load.errReply+"`")
	}
	if r.exit != "" {
		parts = append(parts, fmt.Sprintf("process ended: %s (cgroup oom_kill count %d)", r.exit, r.oomKill))
	} else if r.load.connErr != "" {
		parts = append(parts, "connection lost: "+r.load.connErr)
	}
	if len(parts) == 0 {
		parts = append(parts, "loaded everything")
	}
	return strings.Join(parts, "; ")
}

const (
	beginMarker = "<!-- issue10:begin (generated by go run ./bench -all; edits inside are overwritten) -->"
	endMarker   = "<!-- issue10:end -->"
)

// updateResults replaces the generated section of RESULTS.md, or appends
// it, leaving the other sections alone.
func updateResults(path, section string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s := string(b)
	block := beginMarker + "\n" + section + endMarker
	i := strings.Index(s, "<!-- issue10:begin")
	j := strings.Index(s, endMarker)
	if i >= 0 && j > i {
		s = s[:i] + block + s[j+len(endMarker):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + block + "\n"
	}
	return writeFileAtomic(path, []byte(s))
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
