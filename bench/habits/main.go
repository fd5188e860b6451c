// Command habits measures Cairn against a real redis-server (appendonly
// yes, appendfsync everysec, no save points) on the capped-collection
// habits Redis users have: a leaderboard trimmed to its top N, a
// sliding-window rate limiter, a capped list, a capped stream, a queue, a
// hash and a set whose members churn. Each keeps a small live collection
// while its deletes pile up in the LSM tree as tombstones, which is where a
// disk-backed store goes slow if reads step over them. Two more write and
// read whole many small hashes and sets (a user's profile, an item's tags).
//
//	go run ./bench/habits [-cairn-bin path] [-duration 8s] [-rounds 2] [-habits a,b]
//
// One connection sends 16 iterations of a habit per pipeline; the servers
// take turns, habit by habit, each on a fresh data directory. It prints a
// markdown table of iterations per second and server CPU per iteration
// (user+system, /proc/PID/stat) for both.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// A habit queues iteration n of its pattern on a pipeline.
type habit struct {
	name, what string
	queue      func(ctx context.Context, p redis.Pipeliner, n int)
}

const live = 1000 // members each habit keeps

var habits = []habit{
	{"leaderboard", "ZADD board <random score> m<n>; ZREMRANGEBYRANK board 0 -1001; ZREVRANGE board 0 9 WITHSCORES", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.ZAdd(ctx, "board", redis.Z{Score: float64(n * 7919 % 100000), Member: "m" + strconv.Itoa(n)})
		p.ZRemRangeByRank(ctx, "board", 0, -live-1)
		p.ZRevRangeWithScores(ctx, "board", 0, 9)
	}},
	{"rate-limiter", "ZADD rl <n> r<n>; ZREMRANGEBYSCORE rl -inf (<n-1000>; ZCARD rl", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.ZAdd(ctx, "rl", redis.Z{Score: float64(n), Member: "r" + strconv.Itoa(n)})
		p.ZRemRangeByScore(ctx, "rl", "-inf", "("+strconv.Itoa(n-live))
		p.ZCard(ctx, "rl")
	}},
	{"recent-list", "LPUSH recent item:<n>; LTRIM recent 0 999; LRANGE recent 0 9", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.LPush(ctx, "recent", "item:"+strconv.Itoa(n))
		p.LTrim(ctx, "recent", 0, live-1)
		p.LRange(ctx, "recent", 0, 9)
	}},
	{"queue", "RPUSH q <n>; LPOP q (1,000 waiting); LINDEX q 0", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.RPush(ctx, "q", n)
		if n >= live {
			p.LPop(ctx, "q")
		}
		p.LIndex(ctx, "q", 0)
	}},
	{"stream-approx", "XADD log MAXLEN ~ 1000 * f <n>; XREVRANGE log + - COUNT 10", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.XAdd(ctx, &redis.XAddArgs{Stream: "log", MaxLen: live, Approx: true, Values: []any{"f", n}})
		p.XRevRangeN(ctx, "log", "+", "-", 10)
	}},
	{"stream-exact", "XADD log MAXLEN 1000 * f <n>; XRANGE log - + COUNT 10", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.XAdd(ctx, &redis.XAddArgs{Stream: "log", MaxLen: live, Values: []any{"f", n}})
		p.XRangeN(ctx, "log", "-", "+", 10)
	}},
	{"hash-churn", "HSET h f<n> <n>; HDEL h f<n-1000>; HLEN h", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.HSet(ctx, "h", "f"+strconv.Itoa(n), n)
		p.HDel(ctx, "h", "f"+strconv.Itoa(n-live))
		p.HLen(ctx, "h")
	}},
	{"set-churn", "SADD s m<n>; SREM s m<n-1000>; SRANDMEMBER s", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.SAdd(ctx, "s", "m"+strconv.Itoa(n))
		p.SRem(ctx, "s", "m"+strconv.Itoa(n-live))
		p.SRandMember(ctx, "s")
	}},
	{"user-hashes", "HSET user:<n mod 10000> f<n mod 10> <n>; HGETALL user:<7919n mod 10000>", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.HSet(ctx, "user:"+strconv.Itoa(n%smallObjects), "f"+strconv.Itoa(n%10), n)
		p.HGetAll(ctx, "user:"+strconv.Itoa(n*7919%smallObjects))
	}},
	{"tag-sets", "SADD tags:<n mod 10000> t<n mod 10>; SMEMBERS tags:<7919n mod 10000>", func(ctx context.Context, p redis.Pipeliner, n int) {
		p.SAdd(ctx, "tags:"+strconv.Itoa(n%smallObjects), "t"+strconv.Itoa(n%10))
		p.SMembers(ctx, "tags:"+strconv.Itoa(n*7919%smallObjects))
	}},
}

// smallObjects is how many hashes or sets the small-object habits spread
// over: ten members each, read whole.
const smallObjects = 10000

type result struct{ rate, cpu float64 } // iterations/s, µs of server CPU per iteration

func main() {
	bin := flag.String("cairn-bin", "", "cairn-server binary (default: build ./cmd/cairn-server)")
	duration := flag.Duration("duration", 8*time.Second, "length of each measurement")
	rounds := flag.Int("rounds", 2, "measurements per habit and server, alternating (the best is kept)")
	only := flag.String("habits", "", "comma-separated habits to run (default: all)")
	flag.Parse()
	work, err := os.MkdirTemp("", "cairn-habits")
	check(err)
	defer os.RemoveAll(work)
	if *bin == "" {
		*bin = filepath.Join(work, "cairn-server")
		build := exec.Command("go", "build", "-o", *bin, "./cmd/cairn-server")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		check(build.Run())
	}
	fmt.Printf("| habit (one connection, 16 iterations per pipeline) | Redis it/s | Cairn it/s | Cairn/Redis | Redis CPU µs/it | Cairn CPU µs/it | CPU ratio |\n|---|---|---|---|---|---|---|\n")
	for _, h := range habits {
		if *only != "" && !strings.Contains(","+*only+",", ","+h.name+",") {
			continue
		}
		var best [2]result
		for range *rounds {
			for i, server := range []string{"redis-server", *bin} {
				r := measure(server, filepath.Join(work, "data"), h, *duration)
				if r.rate > best[i].rate {
					best[i] = r
				}
			}
		}
		rd, cn := best[0], best[1]
		fmt.Printf("| %s: `%s` | %.0f | %.0f | **%.2f** | %.1f | %.1f | %.2f |\n", h.name, h.what, rd.rate, cn.rate, cn.rate/rd.rate, rd.cpu, cn.cpu, cn.cpu/rd.cpu)
	}
}

// measure starts server on a fresh data directory, runs the habit for d
// after a warm-up of d/4, and stops the server.
func measure(server, dir string, h habit, d time.Duration) result {
	check(os.RemoveAll(dir))
	check(os.MkdirAll(dir, 0o755))
	port := freePort()
	cmd := exec.Command(server, "--port", strconv.Itoa(port), "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
	// A server must not outlive the tool (check exits at once): a stray
	// one would skew every later measurement on the machine.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	check(cmd.Start())
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: 2})
	defer c.Close()
	for start := time.Now(); c.Ping(ctx).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			check(fmt.Errorf("%s did not answer on port %d", server, port))
		}
	}
	n := 0
	run := func(d time.Duration) int {
		iters := 0
		for end := time.Now().Add(d); time.Now().Before(end); {
			p := c.Pipeline()
			for range 16 {
				h.queue(ctx, p, n)
				n++
			}
			_, err := p.Exec(ctx)
			check(err)
			iters += 16
		}
		return iters
	}
	run(d / 4)
	cpu0, t0 := cpuTime(cmd.Process.Pid), time.Now()
	iters := run(d)
	cpu, elapsed := cpuTime(cmd.Process.Pid)-cpu0, time.Since(t0)
	return result{rate: float64(iters) / elapsed.Seconds(), cpu: float64(cpu.Microseconds()) / float64(iters)}
}

// cpuTime is a process's user+system time so far.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15, in clock ticks
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "habits:", err)
		os.Exit(1)
	}
}
