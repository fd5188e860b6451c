package engine_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// A stream of millions of entries and a group with a million pending
// entries work in bounded memory: the server's resident size stays flat
// while the data grows, and range reads, trims and group deletion do not
// load what they skip or remove. Run with CAIRN_LONG_TESTS=1.
func TestStreamLarge(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("large-stream test: set CAIRN_LONG_TESTS=1 to run it")
	}
	const (
		entries = 5_000_000
		pending = 1_000_000
		batch   = 1000
	)
	p := cairntest.StartProcess(t, t.TempDir())
	c := cairntest.Dial(t, p.Addr)
	rss := func(what string) int64 {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(p.Cmd.Process.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		var kb [2]int64
		for _, line := range strings.Split(string(status), "\n") {
			for i, field := range []string{"VmRSS:", "VmHWM:"} {
				if strings.HasPrefix(line, field) {
					kb[i], _ = strconv.ParseInt(strings.Fields(line)[1], 10, 64)
				}
			}
		}
		t.Logf("%-40s RSS %4d MiB, peak %4d MiB", what, kb[0]>>10, kb[1]>>10)
		return kb[1] >> 10
	}
	timed := func(what string, args ...string) string {
		start := time.Now()
		r := c.Do(args...)
		t.Logf("%-40s %v", what, time.Since(start).Round(time.Millisecond))
		if r[0] == '-' {
			t.Fatalf("%q: %q", args, r)
		}
		return r
	}

	start := time.Now()
	for i := 0; i < entries; i += batch {
		for j := 0; j < batch; j++ {
			n := strconv.Itoa(i + j + 1)
			c.Send("XADD", "big", n+"-0", "field", "value-"+n, "n", n)
		}
		for j := 0; j < batch; j++ {
			c.Read()
		}
		if i+batch == entries/5 {
			rss("after 1M entries")
		}
	}
	elapsed := time.Since(start)
	t.Logf("XADD %d entries: %v (%.0f/s)", entries, elapsed.Round(time.Millisecond), float64(entries)/elapsed.Seconds())
	rss("after 5M entries")

	timed("XGROUP CREATE", "XGROUP", "CREATE", "big", "g", "0")
	start = time.Now()
	for i := 0; i < pending; i += 10000 {
		c.Do("XREADGROUP", "GROUP", "g", "c"+strconv.Itoa(i%7), "COUNT", "10000", "STREAMS", "big", ">")
	}
	t.Logf("XREADGROUP 1M entries into the PEL: %v", time.Since(start).Round(time.Millisecond))
	rss("after 1M pending")

	if got := timed("XLEN", "XLEN", "big"); got != ":5000000\r\n" {
		t.Errorf("XLEN = %q", got)
	}
	if got := timed("XRANGE in the middle, COUNT 10", "XRANGE", "big", "2500000", "+", "COUNT", "10"); !strings.Contains(got, "2500000-0") {
		t.Errorf("XRANGE = %q", got)
	}
	timed("XREVRANGE from the end, COUNT 10", "XREVRANGE", "big", "+", "-", "COUNT", "10")
	if got := timed("XPENDING summary", "XPENDING", "big", "g"); !strings.HasPrefix(got, "*4\r\n:1000000\r\n") {
		t.Errorf("XPENDING = %q", got)
	}
	timed("XPENDING from the middle, COUNT 10", "XPENDING", "big", "g", "500000", "+", "10")
	timed("XINFO STREAM", "XINFO", "STREAM", "big")
	timed("XINFO GROUPS", "XINFO", "GROUPS", "big")
	timed("XACK 3 entries", "XACK", "big", "g", "1-0", "500000-0", "999999-0")
	timed("XAUTOCLAIM 100", "XAUTOCLAIM", "big", "g", "other", "0", "0")
	timed("XADD with MAXLEN ~ 4000000", "XADD", "big", "MAXLEN", "~", "4000000", "*", "f", "v")
	timed("XTRIM MAXLEN 2000000 (exact)", "XTRIM", "big", "MAXLEN", "2000000")
	timed("XTRIM MINID 4000000", "XTRIM", "big", "MINID", "4000000")
	if got := timed("XLEN", "XLEN", "big"); got != ":1000002\r\n" {
		t.Errorf("XLEN after trims = %q", got)
	}
	rss("after trims")
	timed("XGROUP DESTROY (1M pending)", "XGROUP", "DESTROY", "big", "g")
	timed("DEL", "DEL", "big")
	if peak := rss("end"); peak > 1024 {
		t.Errorf("peak RSS %d MiB: memory is not bounded", peak)
	}
}
