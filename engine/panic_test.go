package engine

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// panicky makes SCRIPT DEBUG on s stand for a command with a bug: it
// writes, then panics.
func panicky(s *Server) {
	s.commands["script"].subs["debug"].run = func(x *Ctx) {
		x.put([]byte("half-done"), nil)
		var m map[string]int
		m["boom"]++ // nil map write: a runtime panic
	}
}

// A panic in one command answers that client with an error, logs the
// stack, discards the command's writes and leaves the server serving.
func TestPanicInCommandIsRecovered(t *testing.T) {
	var logs syncBuffer
	s := newTestServer(t, &logs)
	panicky(s)
	c := newTestClient(s)
	if got := c.do("set", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("set: %q", got)
	}
	if got, want := c.do("script", "debug", "yes"), "-ERR internal error in 'script|debug' command\r\n"; got != want {
		t.Fatalf("script debug: %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), "Panic in command 'script|debug'") || !strings.Contains(logs.String(), "panic_test.go") {
		t.Fatalf("no stack in the log:\n%s", logs.String())
	}
	if got := c.do("get", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("get after the panic: %q", got)
	}
	if got := newTestClient(s).do("exists", "half-done"); got != ":0\r\n" {
		t.Fatalf("the panicking command's write survived: %q", got)
	}
	if c.c.Closing() {
		t.Fatal("the client was disconnected")
	}
	// Inside MULTI the panic is one failed command of the transaction.
	c.do("multi")
	c.do("set", "a", "1")
	c.do("script", "debug", "yes")
	if got := c.do("exec"); !strings.Contains(got, "-ERR internal error in 'script|debug' command") {
		t.Fatalf("exec: %q", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
