package engine_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestZsetMillionMembers builds a 1,000,000-member sorted set in random
// order in a separate server process and times rank, range and count
// queries on it; the process's peak memory must stay far below what the
// set would take in memory. Run with CAIRN_LONG_TESTS=1.
func TestZsetMillionMembers(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("1M-member sorted set: set CAIRN_LONG_TESTS=1 to run")
	}
	const n = 1_000_000
	p := cairntest.StartProcess(t, t.TempDir())
	c := cairntest.Dial(t, p.Addr)
	r := rand.New(rand.NewPCG(1, 1))
	order := r.Perm(n)
	member := func(i int) string { return fmt.Sprintf("member:%07d", i) }

	start := time.Now()
	const batch = 1000
	for i := 0; i < n; i += batch {
		args := []string{"zadd", "big"}
		for _, v := range order[i : i+batch] {
			args = append(args, strconv.Itoa(v), member(v)) // score i: rank i
		}
		c.Send(args...)
		if i/batch%16 == 15 { // keep a bounded pipeline
			for range 16 {
				c.Read()
			}
		}
	}
	for range (n / batch) % 16 {
		c.Read()
	}
	t.Logf("ZADD %d members (random order, %d per command): %v", n, batch, time.Since(start))
	if got := c.Do("zcard", "big"); got != fmt.Sprintf(":%d\r\n", n) {
		t.Fatalf("zcard: %q", got)
	}

	timeIt := func(what string, reps int, fn func(i int)) time.Duration {
		t.Helper()
		start := time.Now()
		for i := range reps {
			fn(i)
		}
		per := time.Since(start) / time.Duration(reps)
		t.Logf("%-44s %v per call", what, per)
		return per
	}
	probes := r.Perm(n)[:1000]
	rankTime := timeIt("ZRANK random member", len(probes), func(i int) {
		v := probes[i]
		if got := c.Do("zrank", "big", member(v)); got != fmt.Sprintf(":%d\r\n", v) {
			t.Fatalf("zrank %s: %q", member(v), got)
		}
	})
	timeIt("ZREVRANK random member", len(probes), func(i int) {
		v := probes[i]
		if got := c.Do("zrevrank", "big", member(v)); got != fmt.Sprintf(":%d\r\n", n-1-v) {
			t.Fatalf("zrevrank %s: %q", member(v), got)
		}
	})
	rangeTime := timeIt("ZRANGE big i i+9 (random i)", len(probes), func(i int) {
		v := min(probes[i], n-10)
		got := c.Do("zrange", "big", strconv.Itoa(v), strconv.Itoa(v+9))
		if !strings.HasPrefix(got, "*10\r\n") || !strings.Contains(got, member(v)+"\r\n") {
			t.Fatalf("zrange %d: %q", v, got)
		}
	})
	timeIt("ZRANGEBYSCORE -inf +inf LIMIT i 10", len(probes), func(i int) {
		v := min(probes[i], n-10)
		got := c.Do("zrangebyscore", "big", "-inf", "+inf", "limit", strconv.Itoa(v), "10")
		if !strings.Contains(got, member(v)+"\r\n") {
			t.Fatalf("zrangebyscore limit %d: %q", v, got)
		}
	})
	timeIt("ZCOUNT big a b (random bounds)", len(probes), func(i int) {
		lo, hi := min(probes[i], probes[(i+1)%len(probes)]), max(probes[i], probes[(i+1)%len(probes)])
		if got := c.Do("zcount", "big", strconv.Itoa(lo), "("+strconv.Itoa(hi)); got != fmt.Sprintf(":%d\r\n", hi-lo) {
			t.Fatalf("zcount %d %d: %q", lo, hi, got)
		}
	})
	timeIt("ZSCORE random member", len(probes), func(i int) {
		c.Do("zscore", "big", member(probes[i]))
	})
	timeIt("ZREVRANGE big i i+9 (random i)", len(probes), func(i int) {
		c.Do("zrevrange", "big", strconv.Itoa(probes[i]), strconv.Itoa(probes[i]+9))
	})
	timeIt("ZADD new member / ZREM it", len(probes), func(i int) {
		c.Do("zadd", "big", strconv.Itoa(probes[i])+".5", "extra")
		c.Do("zrem", "big", "extra")
	})
	start = time.Now()
	got := c.Do("zrange", "big", "0", "-1")
	t.Logf("ZRANGE big 0 -1 (1M members, %d MB reply): %v", len(got)>>20, time.Since(start))

	if rankTime > 20*time.Millisecond || rangeTime > 20*time.Millisecond {
		t.Errorf("rank/range queries are too slow: %v, %v", rankTime, rangeTime)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
				t.Log(strings.Join(strings.Fields(line), " "))
			}
		}
	}
	start = time.Now()
	if got := c.Do("del", "big"); got != ":1\r\n" {
		t.Fatalf("del: %q", got)
	}
	t.Logf("DEL of the 1M-member set: %v", time.Since(start))
}
