package engine_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// twin is one client of Cairn and its double on Redis: every command goes
// to both and the replies must be the same bytes.
type twin struct {
	t    *testing.T
	c, r *cairntest.Conn
}

func newTwin(t *testing.T, d *cairntest.Differ, proto int) *twin {
	w := &twin{t: t, c: cairntest.Dial(t, d.CairnServer.Addr), r: cairntest.Dial(t, d.RedisServer.Addr)}
	if proto == 3 {
		w.c.Do("HELLO", "3") // the replies hold client ids, which differ
		w.r.Do("HELLO", "3")
	}
	return w
}

func (w *twin) send(args ...string) {
	w.c.Send(args...)
	w.r.Send(args...)
}

// reply reads one reply from both and compares them.
func (w *twin) reply() string {
	w.t.Helper()
	want, got := w.r.Read(), w.c.Read()
	if got != want {
		w.t.Errorf("replies differ:\n redis: %q\n cairn: %q", want, got)
	}
	return want
}

func (w *twin) do(args ...string) string {
	w.t.Helper()
	w.send(args...)
	return w.reply()
}

// silent checks that neither server has replied yet.
func (w *twin) silent() {
	w.t.Helper()
	if msg, ok := w.r.ReadTimeout(100 * time.Millisecond); ok {
		w.t.Fatalf("redis replied %q to a client that should be blocked", msg)
	}
	if msg, ok := w.c.ReadTimeout(100 * time.Millisecond); ok {
		w.t.Fatalf("cairn replied %q to a client that should be blocked", msg)
	}
}

// block sends a blocking command and waits until both servers count n
// blocked clients, so that clients block in a known order.
func (w *twin) block(d *cairntest.Differ, n int, args ...string) {
	w.t.Helper()
	w.send(args...)
	for _, c := range []*cairntest.Conn{d.Redis, d.Cairn} {
		deadline := time.Now().Add(5 * time.Second)
		for blockedClients(c) != n {
			if time.Now().After(deadline) {
				w.t.Fatalf("%q did not block", args)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func blockedClients(c *cairntest.Conn) int {
	info := c.Do("INFO", "clients")
	_, rest, _ := strings.Cut(info, "blocked_clients:")
	n, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(rest, "\r\n", 2)[0]))
	return n
}

func TestStreamBlockingXReadDifferential(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			d := streamDiffer(t, proto)
			a, b, c := newTwin(t, d, proto), newTwin(t, d, proto), newTwin(t, d, proto)
			writer := newTwin(t, d, proto)
			writer.do("XADD", "s", "1-0", "f", "1")
			// Three readers: two on "$", one on two streams; one XADD
			// serves all of them, in the order they blocked.
			a.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			b.block(d, 2, "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "s", "$")
			c.block(d, 3, "XREAD", "BLOCK", "0", "STREAMS", "t", "s", "$", "1-0")
			writer.do("XADD", "t", "3-0", "g", "3")
			c.reply()
			a.silent()
			writer.do("XADD", "s", "2-0", "f", "2")
			a.reply()
			b.reply()
			// "$" on a missing key waits for its first entry; XSETID and
			// a type change wake nobody; deletion and re-creation do.
			a.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "new", "$")
			b.block(d, 2, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			writer.do("XSETID", "s", "10-0")
			writer.do("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM")
			b.silent()
			a.silent()
			writer.do("XADD", "new", "1-0", "x", "y")
			a.reply()
			writer.do("DEL", "s")
			writer.do("SET", "s", "str")
			b.silent()
			writer.do("DEL", "s")
			writer.do("XADD", "s", "11-0", "f", "11")
			b.reply()
			// A timeout answers a null; so does a read inside MULTI.
			a.do("XREAD", "BLOCK", "50", "STREAMS", "s", "$")
			a.do("MULTI")
			a.do("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			a.do("EXEC")
			// A transaction that adds and deletes wakes a reader with an
			// empty list of entries, as Redis does.
			b.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			writer.do("MULTI")
			writer.do("XADD", "s", "12-0", "f", "12")
			writer.do("XDEL", "s", "12-0")
			writer.do("EXEC")
			b.reply()
			// Without COUNT a woken reader gets at most 1000 entries.
			writer.do("DEL", "s")
			b.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "0-1")
			writer.do("MULTI")
			for i := 1; i <= 1001; i++ {
				writer.do("XADD", "s", strconv.Itoa(i)+"-1", "f", "v")
			}
			writer.do("EXEC")
			if got := b.reply(); strings.Count(got, "-1\r\n") != 1000 {
				t.Errorf("woken reader got %d entries, want 1000", strings.Count(got, "-1\r\n"))
			}
			// CLIENT UNBLOCK ends the wait like a timeout, or with an error.
			id := b.c.Do("CLIENT", "ID")
			rid := b.r.Do("CLIENT", "ID")
			b.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			writer.c.Do("CLIENT", "UNBLOCK", strings.Trim(id[1:], "\r\n"))
			writer.r.Do("CLIENT", "UNBLOCK", strings.Trim(rid[1:], "\r\n"))
			b.reply()
			b.block(d, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			writer.c.Do("CLIENT", "UNBLOCK", strings.Trim(id[1:], "\r\n"), "ERROR")
			writer.r.Do("CLIENT", "UNBLOCK", strings.Trim(rid[1:], "\r\n"), "ERROR")
			b.reply()
		})
	}
}

func TestStreamBlockingXReadGroupDifferential(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("RESP"+strconv.Itoa(proto), func(t *testing.T) {
			d := streamDiffer(t, proto)
			a, b, c := newTwin(t, d, proto), newTwin(t, d, proto), newTwin(t, d, proto)
			writer := newTwin(t, d, proto)
			writer.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
			// Consumers of one group share the new entries: one XADD
			// serves the first consumer that blocked, the next one the
			// second.
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			b.block(d, 2, "XREADGROUP", "GROUP", "g", "bob", "COUNT", "10", "BLOCK", "0", "STREAMS", "s", ">")
			c.block(d, 3, "XREADGROUP", "GROUP", "g", "carol", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("XADD", "s", "1-0", "f", "1")
			a.reply()
			b.silent()
			writer.do("XADD", "s", "2-0", "f", "2")
			b.reply()
			writer.do("XADD", "s", "3-0", "f", "3")
			c.reply()
			runTimed(t, d, `
				T xpending s g - + 10
				xinfo groups s
			`)
			// XGROUP SETID wakes nobody; the next XADD serves from the
			// group's rewound position.
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("XGROUP", "SETID", "s", "g", "0")
			a.silent()
			writer.do("XADD", "s", "4-0", "f", "4")
			a.reply()
			runTimed(t, d, `
				T xpending s g - + 10
				xinfo groups s
				T xinfo consumers s g
			`)
			// Destroying the group, deleting the key or changing its type
			// ends the wait with Redis's errors.
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("XGROUP", "DESTROY", "s", "g")
			a.reply()
			writer.do("XGROUP", "CREATE", "s", "g", "$")
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("DEL", "s")
			a.reply()
			writer.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("SET", "s", "x")
			a.reply()
			// FLUSHDB and FLUSHALL end group reads; plain reads wait on.
			writer.do("DEL", "s")
			writer.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			b.block(d, 2, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
			writer.do("FLUSHDB")
			a.reply()
			b.silent()
			writer.do("XADD", "s", "1-0", "f", "1")
			b.reply()
			writer.do("XGROUP", "CREATE", "s", "g", "$")
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			writer.do("FLUSHALL")
			a.reply()
			// Consumers blocked on two streams; a consumer deleted while
			// blocked comes back when served.
			writer.do("DEL", "s")
			writer.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
			writer.do("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", "t", ">", ">")
			writer.do("XGROUP", "DELCONSUMER", "t", "g", "alice")
			writer.do("XADD", "t", "1-0", "f", "1")
			a.reply()
			runTimed(t, d, `
				T xinfo consumers t g
				T xinfo consumers s g
			`)
			// A timeout answers a null; inside MULTI there is no waiting.
			a.do("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "30", "STREAMS", "s", ">")
			a.do("MULTI")
			a.do("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
			a.do("EXEC")
			// The greatest ID means ">".
			a.block(d, 1, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", "18446744073709551615-18446744073709551615")
			writer.do("XADD", "s", "5-0", "f", "5")
			a.reply()
		})
	}
}

// A client blocked on one key does not hold up clients of other keys, and
// many readers blocked on one stream are all served by one write.
func TestStreamBlockingManyReaders(t *testing.T) {
	s := cairntest.StartCairn(t)
	writer := cairntest.Dial(t, s.Addr)
	writer.Do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	const readers = 20
	conns := make([]*cairntest.Conn, readers)
	for i := range conns {
		conns[i] = cairntest.Dial(t, s.Addr)
		if i%2 == 0 {
			conns[i].Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
		} else {
			conns[i].Send("XREADGROUP", "GROUP", "g", "c"+strconv.Itoa(i), "BLOCK", "0", "STREAMS", "s", ">")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(writer) != readers {
		if time.Now().After(deadline) {
			t.Fatal("readers did not block")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := writer.Do("SET", "other", "1"); got != "+OK\r\n" {
		t.Fatalf("SET other: %q", got)
	}
	for i := 0; i < readers/2; i++ {
		writer.Do("XADD", "s", strconv.Itoa(i+1)+"-0", "f", "v")
	}
	for i, c := range conns {
		got := c.Read()
		if !strings.Contains(got, "-0\r\n") {
			t.Errorf("reader %d got %q", i, got)
		}
	}
}
