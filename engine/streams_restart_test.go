package engine_test

import (
	"strconv"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Groups, consumers and pending entries survive kill -9 (with appendfsync
// always) and a clean shutdown, exactly as they were.
func TestStreamRestartKeepsGroups(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	c := cairntest.Dial(t, p.Addr)
	for i := 1; i <= 300; i++ { // one pipeline: one fsync
		c.Send("XADD", "s", strconv.Itoa(i)+"-0", "f", strconv.Itoa(i))
	}
	for i := 1; i <= 300; i++ {
		c.Read()
	}
	for _, cmd := range [][]string{
		{"XGROUP", "CREATE", "s", "g1", "0"},
		{"XGROUP", "CREATE", "s", "g2", "100-0", "ENTRIESREAD", "100"},
		{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "50", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "70", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g2", "carol", "NOACK", "COUNT", "10", "STREAMS", "s", ">"},
		{"XACK", "s", "g1", "3-0", "60-0"},
		{"XCLAIM", "s", "g1", "dave", "0", "10-0", "70-0", "RETRYCOUNT", "5"},
		{"XGROUP", "CREATECONSUMER", "s", "g2", "erin"},
		{"XDEL", "s", "20-0", "150-0"},
		{"XTRIM", "s", "MAXLEN", "~", "250"},
		{"XSETID", "s", "400-0", "ENTRIESADDED", "310"},
	} {
		if r := c.Do(cmd...); r[0] == '-' {
			t.Fatalf("%q: %q", cmd, r)
		}
	}
	queries := [][]string{
		{"XINFO", "STREAM", "s", "FULL", "COUNT", "0"},
		{"XINFO", "GROUPS", "s"},
		{"XPENDING", "s", "g1"},
		{"XRANGE", "s", "-", "+"},
		{"XLEN", "s"},
	}
	before := make([]string, len(queries))
	for i, q := range queries {
		before[i] = c.Do(q...)
	}
	check := func(addr, when string) {
		c := cairntest.Dial(t, addr)
		for i, q := range queries {
			if got := c.Do(q...); got != before[i] {
				t.Errorf("%s, %q:\n before: %q\n after:  %q", when, q, before[i], got)
			}
		}
	}
	p.Kill()
	p = cairntest.StartProcess(t, dir, "--appendfsync", "always")
	check(p.Addr, "after kill -9")
	p.Terminate(t)
	p = cairntest.StartProcess(t, dir)
	check(p.Addr, "after a clean restart")
	// The groups carry on where they were.
	c = cairntest.Dial(t, p.Addr)
	if got := c.Do("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "1", "STREAMS", "s", ">"); got != "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$5\r\n121-0\r\n*2\r\n$1\r\nf\r\n$3\r\n121\r\n" {
		t.Errorf("XREADGROUP after restart: %q", got)
	}
	if got := c.Do("XACK", "s", "g1", "1-0", "2-0", "121-0"); got != ":3\r\n" {
		t.Errorf("XACK after restart: %q", got)
	}
	if got := c.Do("XADD", "s", "*", "f", "new"); got[0] != '$' {
		t.Errorf("XADD after restart: %q", got)
	}
}
