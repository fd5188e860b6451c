package engine

import (
	"io"
	"strings"
	"testing"
	"time"
)

// A client's pipelines reuse one batch's storage: each reports the events
// and writes of its own commands, none of the one before.
func TestPipelinesReportOnlyTheirOwnEvents(t *testing.T) {
	s := newTestServer(t, io.Discard, "--notify-keyspace-events", "E$")
	sub := newTestClient(s)
	sub.do("SUBSCRIBE", "__keyevent@0__:set")
	w := newTestClient(s)
	for _, keys := range [][]string{{"a", "b"}, {"c"}, {"d", "e", "f"}} {
		for i, k := range keys {
			w.c.Exec([][]byte{[]byte("SET"), []byte(k), []byte("v")}, i < len(keys)-1)
		}
		w.c.FlushAndWait()
		if got, want := w.conn.take(), strings.Repeat("+OK\r\n", len(keys)); got != want {
			t.Fatalf("pipeline %v answered %q", keys, got)
		}
	}
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got += sub.conn.take(); strings.Count(got, "message") >= 6 {
			break
		}
	}
	var keys []string
	for _, m := range strings.Split(got, "*3\r\n")[1:] {
		f := strings.Split(m, "\r\n")
		keys = append(keys, f[len(f)-2])
	}
	if strings.Join(keys, " ") != "a b c d e f" {
		t.Fatalf("set events for keys %v; want a b c d e f", keys)
	}
	time.Sleep(50 * time.Millisecond)
	if extra := sub.conn.take(); extra != "" {
		t.Fatalf("more events: %q", extra)
	}
}
