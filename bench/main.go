// Command bench measures Cairn against a real redis-server (appendonly
// yes, appendfsync everysec: the fair persistent baseline) in the same run,
// interleaving the two so machine noise hits both, and prints ratios.
//
//	go run ./bench -all          every scenario; writes bench/RESULTS.md and bench/ratios.svg
//	go run ./bench [-n 200000] [-rounds 3] [-tests get,set,incr,mset] [-P 1,16]
//	go run ./bench -scenarios hot,ltm,restart [scale flags]
//
// Scenarios:
//
//   - hot: redis-benchmark -c 50 -n 200000 -r 100000 -d 64 per test and
//     pipeline depth, ops/s and server CPU time per request for both.
//   - ltm (larger than memory): scale × maxmemory of 1 KB values loaded
//     into Cairn running inside a cgroup v1 memory limit; peak RSS, uniform
//     and zipfian GET rates, the disk's O_DIRECT random-read rate; then
//     Redis under the same limit.
//   - restart: a dataset of -restart-keys keys (Redis DEBUG POPULATE, SAVE,
//     cairn-server --import), time from process start to PONG for Cairn and
//     for Redis loading its RDB.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type result struct {
	rps       float64
	cpuPerReq time.Duration
	requests  int
	cpu       time.Duration
	elapsed   time.Duration
	capped    bool // stopped at -run-cap: rps is the rate until then
}

// allTests are the redis-benchmark tests of the issue-10 hot-set scenario.
const allTests = "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset"

type options struct {
	n, rounds, clients, keyspace, size int
	tests, pipelines                   []string

	ltmBound, ltmCap int64
	ltmScale         float64
	ltmValue         int
	ltmDuration      time.Duration
	ltmLoadTimeout   time.Duration
	ltmSettle        time.Duration
	ltmTheta         float64
	diskThreads      []int
	diskFile         int64

	runCap, slow time.Duration

	restartKeys, restartValue, restartRounds int
	cacheDir                                 string
	cold                                     bool

	work string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200000, "requests per redis-benchmark run")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds per hot-set test (the median is reported)")
	tests := flag.String("tests", "get,set,incr,mset", "redis-benchmark tests (-all: "+allTests+")")
	flag.IntVar(&o.clients, "c", 50, "parallel clients")
	flag.IntVar(&o.keyspace, "r", 100000, "random keyspace size (-r)")
	flag.IntVar(&o.size, "d", 64, "value size (-d)")
	pipelines := flag.String("P", "1,16", "pipeline depths to run")
	flag.DurationVar(&o.runCap, "run-cap", 30*time.Second, "stop a redis-benchmark run after this long and use its rate so far")
	flag.DurationVar(&o.slow, "slow", 10*time.Second, "a test whose first Cairn run takes longer gets one round only")
	all := flag.Bool("all", false, "run every scenario with the full test list and write bench/RESULTS.md and bench/ratios.svg")
	scenarios := flag.String("scenarios", "hot", "scenarios to run: hot,ltm,restart (-all: all three)")
	write := flag.Bool("write", false, "write the results into bench/RESULTS.md and bench/ratios.svg (implied by -all)")
	bound := flag.String("ltm-bound", "200mb", "larger than memory: Cairn's memory bound (cairn-memory-bound; 400mb with -ltm-scale 10 loads 4 GB, about 15 minutes more)")
	capFlag := flag.String("ltm-cap", "", "larger than memory: cgroup memory limit (default 1.5 × ltm-bound)")
	flag.Float64Var(&o.ltmScale, "ltm-scale", 10, "larger than memory: data loaded = ltm-scale × ltm-bound (scaled down if the disk is short)")
	flag.IntVar(&o.ltmValue, "ltm-value", 1024, "larger than memory: value size in bytes")
	flag.DurationVar(&o.ltmDuration, "ltm-duration", 12*time.Second, "larger than memory: length of each GET measurement")
	flag.DurationVar(&o.ltmLoadTimeout, "ltm-load-timeout", 8*time.Minute, "larger than memory: stop loading after this long and measure what was loaded")
	flag.DurationVar(&o.ltmSettle, "ltm-settle", 90*time.Second, "larger than memory: longest wait after the load for Cairn's compactions to run down before the GETs")
	flag.Float64Var(&o.ltmTheta, "ltm-theta", 0.99, "larger than memory: zipfian skew (YCSB's constant is 0.99)")
	threads := flag.String("disk-threads", "1,8,50", "goroutines for the O_DIRECT random-read measurement")
	diskFile := flag.String("disk-file", "1gb", "size of the file the disk measurement reads")
	flag.IntVar(&o.restartKeys, "restart-keys", 10000000, "restart: keys in the dataset")
	flag.IntVar(&o.restartValue, "restart-value", 64, "restart: value size (DEBUG POPULATE size)")
	flag.IntVar(&o.restartRounds, "restart-rounds", 2, "restart: starts per server and page-cache state")
	defCache := ""
	if d, err := os.UserCacheDir(); err == nil {
		defCache = filepath.Join(d, "cairn-bench")
	}
	flag.StringVar(&o.cacheDir, "cache-dir", defCache, "restart: where the dataset (dump.rdb and the imported Cairn directory) is kept between runs; empty: built in a temporary directory every run")
	flag.BoolVar(&o.cold, "cold", true, "restart: also measure with the page cache dropped (needs root)")
	workDir := flag.String("workdir", "", "directory for temporary data directories (default $TMPDIR)")
	cairnBin := flag.String("cairn-bin", "", "use this cairn-server binary instead of building ./cmd/cairn-server")
	flag.Parse()

	explicit := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if *all {
		*write = true
		if !explicit["tests"] {
			*tests = allTests
		}
		if !explicit["scenarios"] {
			*scenarios = "hot,ltm,restart"
		}
	}
	o.tests = splitList(*tests)
	o.pipelines = splitList(*pipelines)
	var err error
	o.ltmBound, err = parseSize(*bound)
	check(err)
	o.ltmCap = o.ltmBound * 3 / 2
	if *capFlag != "" {
		o.ltmCap, err = parseSize(*capFlag)
		check(err)
	}
	o.diskFile, err = parseSize(*diskFile)
	check(err)
	for _, t := range splitList(*threads) {
		v, err := strconv.Atoi(t)
		check(err)
		o.diskThreads = append(o.diskThreads, v)
	}
	run := map[string]bool{}
	for _, s := range splitList(*scenarios) {
		switch s {
		case "hot", "ltm", "restart":
			run[s] = true
		default:
			check(fmt.Errorf("unknown scenario %q (hot, ltm, restart)", s))
		}
	}

	o.work, err = os.MkdirTemp(*workDir, "cairn-bench-")
	check(err)
	defer os.RemoveAll(o.work)
	cleanupOnSignal(o.work)

	rep := &report{started: time.Now(), opts: o, machine: describeMachine(o.work)}
	fmt.Printf("# %s\n", rep.machine.oneLine())

	bin := *cairnBin
	if bin == "" {
		bin = filepath.Join(o.work, "cairn-server")
		build := exec.Command("go", "build", "-o", bin, "./cmd/cairn-server")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		check(build.Run())
	}

	rep.loads = map[string]string{}
	if run["hot"] {
		rep.loads["hot"] = loadAvg()
		rep.hot = runHot(o, bin)
	}
	if run["ltm"] {
		rep.loads["ltm"] = loadAvg()
		rep.ltm = runLTM(o, bin, rep.hotGet())
	}
	if run["restart"] {
		rep.loads["restart"] = loadAvg()
		rep.restart = runRestart(o, bin)
	}
	rep.finished = time.Now()
	rep.loadEnd = loadAvg()
	md := rep.markdown()
	fmt.Println()
	fmt.Println(md)
	if *write {
		check(os.WriteFile("bench/ratios.svg", []byte(rep.svg()), 0o644))
		check(updateResults("bench/RESULTS.md", md))
		fmt.Println("wrote bench/RESULTS.md (section \"Speed and memory (issue 10)\") and bench/ratios.svg")
	}
}

// hotRow is one hot-set test at one pipeline depth.
type hotRow struct {
	test, pipeline string
	redis, cairn   result
	rounds         int
}

func runHot(o options, bin string) []hotRow {
	redis := start("redis", "redis-server", "--port", "0", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", mkdir(o.work, "hot-redis"), "--daemonize", "no")
	defer stop(redis)
	cairn := start("cairn", bin, "--port", "0", "--appendfsync", "everysec", "--dir", mkdir(o.work, "hot-cairn"))
	defer stop(cairn)

	fmt.Printf("\n## Hot set: redis-benchmark -n %d -c %d -r %d -d %d, %d interleaved rounds (%s)\n\n",
		o.n, o.clients, o.keyspace, o.size, o.rounds, loadAvg())
	fmt.Printf("| test | pipeline | Redis ops/s | Cairn ops/s | Cairn/Redis | Redis CPU µs/req | Cairn CPU µs/req | CPU ratio | note\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|\n")
	var rows []hotRow
	for _, p := range o.pipelines {
		// Each pipeline depth starts from empty servers, so the pops meet
		// what the pushes of the same depth left, on both alike.
		for _, s := range []*server{redis, cairn} {
			if rep, err := command(s.port, "FLUSHALL"); err != nil || rep.isErr() {
				fatalf("FLUSHALL on %s: %v %v", s.name, rep, err)
			}
		}
		for _, test := range o.tests {
			var r, c []result
			for i := 0; i < o.rounds; i++ {
				r = append(r, runBench(redis, test, p, o, o.runCap))
				c = append(c, runBench(cairn, test, p, o, o.runCap))
				if last := c[len(c)-1]; last.capped || last.elapsed > o.slow {
					break // one round of a slow test is enough to see it is slow
				}
			}
			row := hotRow{test: strings.ToUpper(test), pipeline: p, redis: median(r), cairn: median(c), rounds: len(r)}
			rows = append(rows, row)
			rm, cm := row.redis, row.cairn
			fmt.Printf("| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |%s\n", row.test, p,
				rm.rps, cm.rps, cm.rps/rm.rps, us(rm.cpuPerReq), us(cm.cpuPerReq), float64(cm.cpuPerReq)/float64(rm.cpuPerReq), row.note())
		}
	}
	return rows
}

// note flags a row measured in fewer rounds or cut at the time cap.
func (h hotRow) note() string {
	var n []string
	if h.cairn.capped {
		n = append(n, fmt.Sprintf("Cairn cut at %.0f s after %d requests", h.cairn.elapsed.Seconds(), h.cairn.requests))
	}
	if h.redis.capped {
		n = append(n, fmt.Sprintf("Redis cut at %.0f s after %d requests", h.redis.elapsed.Seconds(), h.redis.requests))
	}
	if h.rounds == 1 {
		n = append(n, "1 round")
	}
	if len(n) == 0 {
		return ""
	}
	return " " + strings.Join(n, ", ")
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func mkdir(base, name string) string {
	d := filepath.Join(base, name)
	check(os.MkdirAll(d, 0o755))
	return d
}

// popFillers refill what a pop test empties before each of its rounds,
// untimed: the first round of SPOP or ZPOPMIN empties the set, and later
// rounds would time pops of a missing key.
var popFillers = map[string]string{"spop": "sadd", "zpopmin": "zadd"}

// runBench runs one redis-benchmark test and measures the server's CPU
// time (user+system from /proc) spent during it. LRANGE_100 is run as
// redis-benchmark runs it (an LPUSH of n elements to mylist, then LRANGE
// mylist 0 99), but only the LRANGE part is timed and charged; SPOP and
// ZPOPMIN get their set refilled first (popFillers). A run still going
// after runCap is stopped and its rate so far is used.
func runBench(s *server, test, pipeline string, o options, runCap time.Duration) result {
	common := []string{"-p", strconv.Itoa(s.port), "-n", strconv.Itoa(o.n), "-c", strconv.Itoa(o.clients),
		"-r", strconv.Itoa(o.keyspace), "-d", strconv.Itoa(o.size), "-P", pipeline, "-q"}
	var args []string
	if strings.EqualFold(test, "lrange_100") {
		benchmark(s, append(common, "-t", "lpush"), runCap)
		args = append(common, "LRANGE", "mylist", "0", "99")
	} else {
		if fill := popFillers[strings.ToLower(test)]; fill != "" {
			benchmark(s, append(common, "-t", fill), runCap)
		}
		args = append(common, "-t", test)
	}
	before := cpuTime(s.pid())
	t0 := time.Now()
	rps, capped := benchmark(s, args, runCap)
	elapsed := time.Since(t0)
	cpu := cpuTime(s.pid()) - before
	requests := o.n
	if capped {
		requests = int(rps * elapsed.Seconds())
	}
	res := result{rps: rps, requests: requests, cpu: cpu, elapsed: elapsed, capped: capped}
	if requests > 0 {
		res.cpuPerReq = cpu / time.Duration(requests)
	}
	return res
}

var (
	finalRate   = regexp.MustCompile(`: ([0-9.]+) requests per second`)
	overallRate = regexp.MustCompile(`overall: ([0-9.]+)\)`)
)

// benchmark runs redis-benchmark -q and returns the requests per second
// it reports; past runCap it is killed and the last "overall" rate of its
// progress lines is returned with capped set.
func benchmark(s *server, args []string, runCap time.Duration) (rps float64, capped bool) {
	cmd := exec.Command("redis-benchmark", args...)
	out, err := cmd.StdoutPipe()
	check(err)
	var errBuf syncBuffer
	cmd.Stderr = &errBuf
	check(cmd.Start())
	var killed atomic.Bool
	timer := time.AfterFunc(runCap, func() {
		killed.Store(true)
		cmd.Process.Kill()
	})
	var last, final float64
	var text strings.Builder
	sc := bufio.NewScanner(out)
	sc.Split(scanCRLF)
	for sc.Scan() {
		line := sc.Text()
		if m := finalRate.FindStringSubmatch(line); m != nil {
			final, _ = strconv.ParseFloat(m[1], 64)
		} else if m := overallRate.FindStringSubmatch(line); m != nil {
			last, _ = strconv.ParseFloat(m[1], 64)
		}
		if text.Len() < 4096 {
			text.WriteString(line + "\n")
		}
	}
	err = cmd.Wait()
	timer.Stop()
	capped = killed.Load()
	switch {
	case s.exited():
		fatalf("%s died during redis-benchmark %s: %s\n%s", s.name, strings.Join(args, " "), s.exitReason(), tail(s.log.String(), 2000))
	case final > 0:
		return final, false
	case capped && last > 0:
		return last, true
	}
	fatalf("redis-benchmark %s against %s gave no rate: %v\n%s%s", strings.Join(args, " "), s.name, err, tail(text.String(), 2000), errBuf.String())
	return 0, false
}

// scanCRLF splits redis-benchmark's output at \r (progress lines) and \n.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		if b == '\r' || b == '\n' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func median(rs []result) result {
	sort.Slice(rs, func(i, j int) bool { return rs[i].rps < rs[j].rps })
	return rs[len(rs)/2]
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseSize reads 400mb, 4gb, 1024 (bytes), like redis.conf.
func parseSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			mult, s = u.m, strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(v * float64(mult)), nil
}

func numCPU() int {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "processor") {
			n++
		}
	}
	return n
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(b))
	return "load average " + strings.Join(f[:3], " ")
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}
