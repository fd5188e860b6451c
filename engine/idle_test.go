package engine

import (
	"io"
	"strings"
	"testing"
)

// A key looked up twice in the same second records one access in the
// access table (the hot cache spares the second), so the table must not
// keep an older access than the cache entry's stamp claims: after RESTORE
// IDLETIME, a GET makes the key idle from now, as in Redis. In this
// process the server's clock does not advance, so every lookup falls in
// the same second.
func TestAccessAfterRestoreIdleTime(t *testing.T) {
	s := newTestServer(t, io.Discard)
	c := newTestClient(s)
	c.do("SET", "src", "v")
	dump := c.do("DUMP", "src")
	payload := dump[strings.Index(dump, "\r\n")+2 : len(dump)-2]
	if got := c.do("RESTORE", "k", "0", payload, "IDLETIME", "1000"); got != "+OK\r\n" {
		t.Fatalf("RESTORE: %q", got)
	}
	if got := c.do("OBJECT", "IDLETIME", "k"); got != ":1000\r\n" {
		t.Fatalf("OBJECT IDLETIME after RESTORE: %q", got)
	}
	c.do("GET", "k")
	if got := c.do("OBJECT", "IDLETIME", "k"); got != ":0\r\n" {
		t.Fatalf("OBJECT IDLETIME after a GET: %q; want 0", got)
	}
}

// The commands Redis runs with LOOKUP_NOTOUCH (EXISTS, TYPE, the TTL
// family, OBJECT) leave a key's idle time alone; TOUCH and a read reset
// it.
func TestNoTouchLookups(t *testing.T) {
	s := newTestServer(t, io.Discard)
	c := newTestClient(s)
	c.do("SET", "src", "v")
	dump := c.do("DUMP", "src")
	payload := dump[strings.Index(dump, "\r\n")+2 : len(dump)-2]
	for _, k := range []string{"k", "k2"} {
		if got := c.do("RESTORE", k, "0", payload, "IDLETIME", "1000"); got != "+OK\r\n" {
			t.Fatalf("RESTORE: %q", got)
		}
	}
	for _, cmd := range [][]string{{"EXISTS", "k"}, {"TYPE", "k"}, {"TTL", "k"}, {"PTTL", "k"}, {"EXPIRETIME", "k"},
		{"OBJECT", "ENCODING", "k"}, {"OBJECT", "REFCOUNT", "k"}, {"OBJECT", "IDLETIME", "k"}} {
		c.do(cmd...)
		if got := c.do("OBJECT", "IDLETIME", "k"); got != ":1000\r\n" {
			t.Fatalf("OBJECT IDLETIME after %v: %q; want 1000", cmd, got)
		}
	}
	c.do("TOUCH", "k")
	if got := c.do("OBJECT", "IDLETIME", "k"); got != ":0\r\n" {
		t.Fatalf("OBJECT IDLETIME after TOUCH: %q; want 0", got)
	}
	c.do("EXISTS", "k2")
	c.do("GET", "k2")
	if got := c.do("OBJECT", "IDLETIME", "k2"); got != ":0\r\n" {
		t.Fatalf("OBJECT IDLETIME after EXISTS then GET: %q; want 0", got)
	}
}
