package engine_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// hsRestartScript fills hashes and sets of every encoding; hsRestartChecks
// are commands whose replies must be the same before and after a restart.
const hsRestartScript = `
HSET small z 26 a 1 m 13
HSET small a 2 q 17
HDEL small m
PEXPIRE small 100000000
SADD ints 30 -4 7 1000
SADD words pear apple 7
SREM words 7
`

var hsRestartChecks = [][]string{
	{"HGETALL", "small"}, {"HSCAN", "small", "0"}, {"OBJECT", "ENCODING", "small"},
	{"HLEN", "big"}, {"HGET", "big", "f123"}, {"OBJECT", "ENCODING", "big"}, {"HSTRLEN", "big", "f7"},
	{"SMEMBERS", "ints"}, {"SSCAN", "ints", "0"}, {"OBJECT", "ENCODING", "ints"},
	{"SCARD", "words"}, {"SISMEMBER", "words", "pear"}, {"SISMEMBER", "words", "7"}, {"OBJECT", "ENCODING", "words"},
	{"SCARD", "bigset"}, {"SMISMEMBER", "bigset", "m1", "m999", "nope"}, {"OBJECT", "ENCODING", "bigset"},
	{"TYPE", "small"}, {"TYPE", "ints"}, {"DBSIZE"},
}

// hsFill runs the restart script and adds a big hash and set.
func hsFill(t *testing.T, c *cairntest.Conn) {
	for _, line := range strings.Split(strings.TrimSpace(hsRestartScript), "\n") {
		if r := c.Do(strings.Fields(line)...); r[0] == '-' {
			t.Fatalf("%s: %q", line, r)
		}
	}
	hset, sadd := []string{"HSET", "big"}, []string{"SADD", "bigset"}
	for i := range 1000 {
		hset = append(hset, "f"+strconv.Itoa(i), strings.Repeat("v", i%50))
		sadd = append(sadd, "m"+strconv.Itoa(i))
	}
	c.Do(hset...)
	c.Do(sadd...)
}

// hsSnapshot records the replies to hsRestartChecks, plus whole-collection
// reads compared as sets.
func hsSnapshot(t *testing.T, c *cairntest.Conn) []string {
	var out []string
	for _, args := range hsRestartChecks {
		out = append(out, c.Do(args...))
	}
	out = append(out, strings.Join(hsPairs(hsLeaves(t, c.Do("HGETALL", "big"))), ","))
	out = append(out, strings.Join(hsSorted(hsLeaves(t, c.Do("SMEMBERS", "bigset"))), ","))
	return out
}

// Hashes and sets, their order, encodings and TTLs survive a clean
// restart.
func TestHashSetRestart(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir)
	c := cairntest.Dial(t, p.Addr)
	hsFill(t, c)
	before := hsSnapshot(t, c)
	p.Terminate(t)

	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	after := hsSnapshot(t, c)
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("check %d changed across the restart:\n before: %.200q\n after:  %.200q", i, before[i], after[i])
		}
	}
	if ttl, _ := strconv.Atoi(strings.Trim(c.Do("TTL", "small"), ":\r\n")); ttl < 99000 || ttl > 100000 {
		t.Errorf("TTL after restart = %d", ttl)
	}
	// The collections keep working where they left off.
	for _, cmd := range [][]string{{"HSET", "small", "new", "1"}, {"SADD", "ints", "5"}, {"SREM", "bigset", "m5"}} {
		c.Do(cmd...)
	}
	if got := c.Do("HKEYS", "small"); got != "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nq\r\n$3\r\nnew\r\n" {
		t.Errorf("HKEYS after restart and HSET = %q", got)
	}
	if got := c.Do("SMEMBERS", "ints"); got != "*5\r\n$2\r\n-4\r\n$1\r\n5\r\n$1\r\n7\r\n$2\r\n30\r\n$4\r\n1000\r\n" {
		t.Errorf("SMEMBERS after restart and SADD = %q", got)
	}
}

// With appendfsync always, what a client was told is on disk survives
// kill -9, and every command is all or nothing.
func TestHashSetKill9(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	c := cairntest.Dial(t, p.Addr)
	hsFill(t, c)
	before := hsSnapshot(t, c)
	c.Do("SINTERSTORE", "inter", "bigset", "words")
	c.Do("SUNIONSTORE", "union", "bigset", "ints")
	p.Kill()

	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	after := hsSnapshot(t, c)
	for i := range before {
		if i == len(hsRestartChecks)-1 {
			continue // DBSIZE: the stored results were added since
		}
		if before[i] != after[i] {
			t.Errorf("check %d changed across kill -9:\n before: %.200q\n after:  %.200q", i, before[i], after[i])
		}
	}
	if got := c.Do("SCARD", "union"); got != ":1004\r\n" {
		t.Errorf("SCARD union after kill -9 = %q", got)
	}
	if got := c.Do("EXISTS", "inter"); got != ":0\r\n" {
		t.Errorf("EXISTS inter (an empty intersection) = %q", got)
	}
}
