// Command bench runs redis-benchmark against Cairn and a real redis-server
// (appendonly yes, appendfsync everysec: the fair persistent baseline) side
// by side, interleaving the two (A B A B) so machine noise hits both, and
// prints ops/s, the Cairn/Redis ratio and each server's CPU time per
// request.
//
//	go run ./bench [-n 200000] [-rounds 3] [-tests get,set,incr,mset]
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

type server struct {
	name string
	port int
	cmd  *exec.Cmd
}

type result struct {
	rps       float64
	cpuPerReq time.Duration
	requests  int
	cpu       time.Duration
}

func main() {
	n := flag.Int("n", 200000, "requests per redis-benchmark run")
	rounds := flag.Int("rounds", 3, "interleaved rounds per scenario")
	tests := flag.String("tests", "get,set,incr,mset", "redis-benchmark tests")
	clients := flag.Int("c", 50, "parallel clients")
	keyspace := flag.Int("r", 100000, "random keyspace size (-r)")
	size := flag.Int("d", 64, "value size (-d)")
	pipelines := flag.String("P", "1,16", "pipeline depths to run")
	flag.Parse()

	work, err := os.MkdirTemp("", "cairn-bench-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "cairn-server")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cairn-server")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	check(build.Run())

	redis := start("redis", "redis-server", "--port", "0", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", mkdir(work, "redis"), "--daemonize", "no")
	defer stop(redis)
	cairn := start("cairn", bin, "--port", "0", "--appendfsync", "everysec", "--dir", mkdir(work, "cairn"))
	defer stop(cairn)

	fmt.Printf("# %s, %d cores; redis-benchmark -n %d -c %d -r %d -d %d, %d interleaved rounds\n\n",
		time.Now().Format(time.RFC3339), numCPU(), *n, *clients, *keyspace, *size, *rounds)
	fmt.Printf("| test | pipeline | Redis ops/s | Cairn ops/s | Cairn/Redis | Redis CPU µs/req | Cairn CPU µs/req | CPU ratio |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	for _, p := range strings.Split(*pipelines, ",") {
		for _, test := range strings.Split(*tests, ",") {
			var r, c []result
			for i := 0; i < *rounds; i++ {
				r = append(r, runBench(redis, test, p, *n, *clients, *keyspace, *size))
				c = append(c, runBench(cairn, test, p, *n, *clients, *keyspace, *size))
			}
			rm, cm := median(r), median(c)
			fmt.Printf("| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |\n", strings.ToUpper(test), p,
				rm.rps, cm.rps, cm.rps/rm.rps, us(rm.cpuPerReq), us(cm.cpuPerReq), float64(cm.cpuPerReq)/float64(rm.cpuPerReq))
		}
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func mkdir(base, name string) string {
	d := filepath.Join(base, name)
	check(os.MkdirAll(d, 0o755))
	return d
}

// start launches a server on a free port and waits until it answers.
func start(name, bin string, args ...string) *server {
	port := freePort()
	for i, a := range args {
		if a == "--port" {
			args[i+1] = strconv.Itoa(port)
		}
	}
	cmd := exec.Command(bin, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	check(cmd.Start())
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "%s did not start:\n%s", name, log.String())
			os.Exit(1)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &server{name: name, port: port, cmd: cmd}
}

func stop(s *server) {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runBench runs one redis-benchmark test and measures the server's CPU
// time (user+system from /proc) spent during it.
func runBench(s *server, test, pipeline string, n, clients, keyspace, size int) result {
	before := cpuTime(s.cmd.Process.Pid)
	out, err := exec.Command("redis-benchmark", "-p", strconv.Itoa(s.port), "-t", test, "-n", strconv.Itoa(n),
		"-c", strconv.Itoa(clients), "-r", strconv.Itoa(keyspace), "-d", strconv.Itoa(size), "-P", pipeline, "-q", "--csv").Output()
	check(err)
	cpu := cpuTime(s.cmd.Process.Pid) - before
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	check(err)
	if len(rows) < 2 {
		fmt.Fprintf(os.Stderr, "no result from redis-benchmark for %s on %s:\n%s", test, s.name, out)
		os.Exit(1)
	}
	rps, err := strconv.ParseFloat(rows[1][1], 64)
	check(err)
	return result{rps: rps, requests: n, cpu: cpu, cpuPerReq: cpu / time.Duration(n)}
}

// cpuTime is the process's user+system CPU time from /proc/PID/stat.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	// Fields after the command name (which may hold spaces) start after ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

func median(rs []result) result {
	sort.Slice(rs, func(i, j int) bool { return rs[i].rps < rs[j].rps })
	return rs[len(rs)/2]
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

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
