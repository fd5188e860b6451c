package engine_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// A set and a hash of a million elements each work in bounded memory:
// counts, lookups, random picks and scans touch only what they return, and
// the server's resident size does not follow the collections' size. Run
// with CAIRN_LONG_TESTS=1.
func TestHashSetMillion(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("million-element hash and set test: set CAIRN_LONG_TESTS=1 to run it")
	}
	const (
		size  = 1_000_000
		batch = 1000
	)
	// A 200 MB memory bound (caches, memtables and the Go heap's limit all
	// come from it), so that the resident size shows what the commands
	// themselves hold. Under the default 1 GB bound the hot cache (up to
	// 128 MB of elements) and the Go heap, collected at 3× its live size,
	// took 607 MB here: bounded, but by the bound, not by these commands.
	p := cairntest.StartProcess(t, t.TempDir(), "--cairn-memory-bound", "200mb")
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
		t.Logf("%-44s RSS %4d MiB, peak %4d MiB", what, kb[0]>>10, kb[1]>>10)
		return kb[1] >> 10
	}
	timed := func(what string, args ...string) string {
		start := time.Now()
		r := c.Do(args...)
		t.Logf("%-44s %v", what, time.Since(start).Round(time.Microsecond))
		if r[0] == '-' {
			t.Fatalf("%q: %q", args, r)
		}
		return r
	}
	expect := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %.100q, want %q", got, want)
		}
	}
	fill := func(cmd, key string, pair bool) {
		start := time.Now()
		for i := 0; i < size; i += batch {
			args := []string{cmd, key}
			for j := i; j < i+batch; j++ {
				n := strconv.Itoa(j)
				args = append(args, "member:"+n)
				if pair {
					args = append(args, "value:"+n)
				}
			}
			c.Send(args...)
			if i/batch%50 == 49 {
				for range 50 {
					c.Read()
				}
			}
		}
		elapsed := time.Since(start)
		t.Logf("%s %d elements, %d per command: %v (%.0f/s)", cmd, size, batch, elapsed.Round(time.Millisecond), size/elapsed.Seconds())
	}
	scan := func(cmd, key string, per, want int) {
		start := time.Now()
		seen := 0
		cursor := "0"
		for {
			leaves := hsLeaves(t, c.Do(cmd, key, cursor, "COUNT", "1000"))
			cursor = leaves[0]
			seen += (len(leaves) - 1) / per
			if cursor == "0" {
				break
			}
		}
		t.Logf("%-44s %v", cmd+" COUNT 1000, whole", time.Since(start).Round(time.Millisecond))
		if seen < want {
			t.Errorf("%s returned %d elements of %d", cmd, seen, want)
		}
	}

	rss("start")
	fill("SADD", "set", false)
	rss("after SADD of 1M members")
	expect(timed("SCARD", "SCARD", "set"), ":1000000\r\n")
	expect(timed("SISMEMBER (member)", "SISMEMBER", "set", "member:777777"), ":1\r\n")
	expect(timed("SISMEMBER (not a member)", "SISMEMBER", "set", "nope"), ":0\r\n")
	timed("SRANDMEMBER", "SRANDMEMBER", "set")
	timed("SRANDMEMBER 100", "SRANDMEMBER", "set", "100")
	timed("SRANDMEMBER -100", "SRANDMEMBER", "set", "-100")
	timed("SPOP", "SPOP", "set")
	timed("SPOP 1000", "SPOP", "set", "1000")
	c.Do("SADD", "small", "member:1", "member:2", "x")
	expect(timed("SINTERCARD small set", "SINTERCARD", "2", "set", "small"), ":2\r\n")
	timed("SINTER small set", "SINTER", "set", "small")
	timed("SDIFF small set", "SDIFF", "small", "set")
	expect(c.Do("SCARD", "set"), ":998999\r\n")
	scan("SSCAN", "set", 1, size-1001)
	rss("after set reads")

	fill("HSET", "hash", true)
	rss("after HSET of 1M fields")
	expect(timed("HLEN", "HLEN", "hash"), ":1000000\r\n")
	expect(timed("HGET", "HGET", "hash", "member:123456"), "$12\r\nvalue:123456\r\n")
	expect(timed("HEXISTS (missing)", "HEXISTS", "hash", "nope"), ":0\r\n")
	expect(timed("HINCRBY", "HINCRBY", "hash", "counter", "5"), ":5\r\n")
	timed("HRANDFIELD", "HRANDFIELD", "hash")
	timed("HRANDFIELD 100 WITHVALUES", "HRANDFIELD", "hash", "100", "WITHVALUES")
	timed("HRANDFIELD -100", "HRANDFIELD", "hash", "-100")
	expect(timed("HDEL", "HDEL", "hash", "member:5", "nope"), ":1\r\n")
	scan("HSCAN", "hash", 2, size)
	if peak := rss("after hash reads"); peak > 250 {
		t.Errorf("peak RSS %d MiB with two million-element collections: memory is not bounded", peak)
	}

	// Replies and results of a million elements are held whole, as Redis
	// holds them: memory grows with them, not with the collections.
	timed("SRANDMEMBER 300000 (one pass)", "SRANDMEMBER", "set", "300000")
	timed("SMEMBERS (1M reply)", "SMEMBERS", "set")
	timed("SUNIONSTORE copy (1M)", "SUNIONSTORE", "copy", "set", "small")
	timed("HGETALL (1M pairs)", "HGETALL", "hash")
	timed("DEL set", "DEL", "set")
	timed("DEL copy", "DEL", "copy")
	timed("DEL hash", "DEL", "hash")
	if peak := rss("after million-element replies"); peak > 1024 {
		t.Errorf("peak RSS %d MiB", peak)
	}
}
