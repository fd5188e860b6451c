package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/resp"
)

// peer is one more client on each of a Differ's servers, so a differential
// test can play several clients in lockstep (WATCH races, BUSY scripts).
type peer struct {
	t            testing.TB
	cairn, redis *cairntest.Conn
}

func newPeer(t testing.TB, d *cairntest.Differ) *peer {
	return &peer{t: t, cairn: cairntest.Dial(t, d.CairnServer.Addr), redis: cairntest.Dial(t, d.RedisServer.Addr)}
}

// Do runs one command on both servers and fails the test if the replies
// differ.
func (w *peer) Do(args ...string) string {
	w.t.Helper()
	want := w.redis.Do(args...)
	got := w.cairn.Do(args...)
	if got != want {
		w.t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
	}
	return want
}

// Run is Differ.Run for this pair of connections.
func (w *peer) Run(script string) {
	w.t.Helper()
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts, ok := resp.SplitArgs([]byte(line))
		if !ok {
			w.t.Fatalf("bad script line %q", line)
		}
		args := make([]string, len(parts))
		for i, p := range parts {
			args[i] = string(p)
		}
		w.Do(args...)
	}
}

// send writes a command to both servers without waiting for the replies.
func (w *peer) send(args ...string) {
	w.t.Helper()
	w.redis.Send(args...)
	w.cairn.Send(args...)
}

// read reads one reply from each server and compares them.
func (w *peer) read(what string) string {
	w.t.Helper()
	want := w.redis.Read()
	got := w.cairn.Read()
	if got != want {
		w.t.Errorf("%s:\n redis: %q\n cairn: %q", what, want, got)
	}
	return want
}
