package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Blocked list commands are served as Redis serves them: which client,
// from which key, with which reply, after which writes.
func TestListBlockingDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		proto := 2
		if strings.HasSuffix(t.Name(), "3") {
			proto = 3
		}
		a, b, c := newTwin(t, d, proto), newTwin(t, d, proto), newTwin(t, d, proto)
		writer := newTwin(t, d, proto)

		// Each blocking command, woken by a push.
		a.block(d, 1, "BLPOP", "k1", "k2", "0")
		writer.do("RPUSH", "k2", "x", "y")
		a.reply()
		a.block(d, 1, "BRPOP", "k1", "k3", "0")
		writer.do("LPUSH", "k3", "x", "y")
		a.reply()
		a.block(d, 1, "BLMPOP", "0", "2", "k1", "k4", "RIGHT", "COUNT", "5")
		writer.do("RPUSH", "k4", "a", "b", "c")
		a.reply()
		a.block(d, 1, "BRPOPLPUSH", "k5", "dst", "0")
		writer.do("RPUSH", "k5", "a", "b")
		a.reply()
		a.block(d, 1, "BLMOVE", "k6", "dst", "LEFT", "RIGHT", "0")
		writer.do("RPUSH", "k6", "c", "d")
		a.reply()
		writer.do("LRANGE", "dst", "0", "-1")
		writer.do("FLUSHALL")

		// First come, first served, one element each.
		a.block(d, 1, "BLPOP", "q", "0")
		b.block(d, 2, "BRPOP", "other", "q", "0")
		c.block(d, 3, "BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2")
		writer.do("RPUSH", "q", "1")
		a.reply()
		b.silent()
		writer.do("RPUSH", "q", "2", "3", "4", "5")
		b.reply()
		c.reply()
		writer.do("LRANGE", "q", "0", "-1")
		writer.do("FLUSHALL")

		// A transaction writing two keys serves from the one written
		// first, and only after EXEC.
		a.block(d, 1, "BLPOP", "k1", "k2", "0")
		writer.do("MULTI")
		writer.do("RPUSH", "k2", "from-k2")
		writer.do("RPUSH", "k1", "from-k1")
		a.silent()
		writer.do("EXEC")
		a.reply()
		// A transaction that pushes and pops wakes nobody.
		a.block(d, 1, "BLPOP", "k3", "0")
		writer.do("MULTI")
		writer.do("RPUSH", "k3", "x")
		writer.do("LPOP", "k3")
		writer.do("EXEC")
		a.silent()
		writer.do("RPUSH", "k3", "z")
		a.reply()
		writer.do("FLUSHALL")

		// A move serves a chain: the mover, then a client on its target.
		a.block(d, 1, "BLMOVE", "s", "d", "RIGHT", "LEFT", "0")
		b.block(d, 2, "BLPOP", "d", "0")
		writer.do("RPUSH", "s", "x")
		a.reply()
		b.reply()
		writer.do("EXISTS", "s", "d")

		// A destination of the wrong type answers WRONGTYPE; nothing moves.
		writer.do("SET", "str", "v")
		a.block(d, 1, "BRPOPLPUSH", "s", "str", "0")
		writer.do("RPUSH", "s", "x")
		a.reply()
		writer.do("LRANGE", "s", "0", "-1")
		writer.do("FLUSHALL")

		// A key that becomes another type wakes nobody; once it is a
		// list again the client is served.
		a.block(d, 1, "BLPOP", "k", "k", "0")
		writer.do("SET", "k", "v")
		a.silent()
		writer.do("DEL", "k")
		writer.do("RPUSH", "k", "z")
		a.reply()

		// A client waiting on the same key for another type is passed
		// over, not a reason to stop serving the queue.
		writer.do("DEL", "k")
		a.block(d, 1, "BZPOPMIN", "k", "0")
		b.block(d, 2, "BLPOP", "k", "0")
		writer.do("RPUSH", "k", "for-b")
		b.reply()
		a.silent()
		writer.do("ZADD", "other", "1", "m")
		writer.do("RENAME", "other", "k")
		a.reply()

		// Writes that bring a list to a key: LMOVE, RENAME, MOVE, SWAPDB.
		a.block(d, 1, "BLPOP", "t1", "0")
		writer.do("RPUSH", "src", "a", "b", "c", "d")
		writer.do("LMOVE", "src", "t1", "LEFT", "LEFT")
		a.reply()
		a.block(d, 1, "BLPOP", "t2", "0")
		writer.do("RENAME", "src", "t2")
		a.reply()
		a.block(d, 1, "BLPOP", "t3", "0")
		writer.do("SELECT", "1")
		writer.do("RPUSH", "t3", "in-db1")
		writer.do("MOVE", "t3", "0")
		a.reply()
		a.block(d, 1, "BLPOP", "t4", "0")
		writer.do("RPUSH", "t4", "swapped")
		writer.do("SWAPDB", "0", "1")
		a.reply()
		writer.do("SWAPDB", "0", "1")
		writer.do("SELECT", "0")
		writer.do("FLUSHALL")

		// Timeouts answer a null (an array, even for BLMOVE).
		a.do("BLPOP", "none", "0.05")
		a.do("BLMPOP", "0.05", "1", "none", "LEFT")
		a.do("BRPOPLPUSH", "none", "dst", "0.05")
		a.do("BLMOVE", "none", "dst", "LEFT", "LEFT", "0.05")

		// CLIENT UNBLOCK ends the wait like a timeout, or with an error.
		id, rid := a.c.Do("CLIENT", "ID"), a.r.Do("CLIENT", "ID")
		for _, how := range []string{"TIMEOUT", "ERROR"} {
			a.block(d, 1, "BLMOVE", "none", "dst", "LEFT", "LEFT", "0")
			writer.c.Do("CLIENT", "UNBLOCK", strings.Trim(id[1:], "\r\n"), how)
			writer.r.Do("CLIENT", "UNBLOCK", strings.Trim(rid[1:], "\r\n"), how)
			a.reply()
		}
		writer.c.Do("CLIENT", "UNBLOCK", strings.Trim(id[1:], "\r\n"))
		writer.do("RPUSH", "none", "still-there")
		writer.do("LRANGE", "none", "0", "-1")
	})
}

// A fractional timeout ends the wait on time, and INFO counts the client
// as blocked meanwhile.
func TestListBlockingTimeout(t *testing.T) {
	s := cairntest.StartCairn(t)
	c, admin := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	start := time.Now()
	c.Send("BRPOP", "none", "0.3")
	time.Sleep(100 * time.Millisecond)
	if n := blockedClients(admin); n != 1 {
		t.Errorf("blocked_clients = %d while BRPOP waits, want 1", n)
	}
	if got := c.Read(); got != "*-1\r\n" {
		t.Errorf("BRPOP timed out with %q", got)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("BRPOP with timeout 0.3 returned after %v", took)
	}
	if n := blockedClients(admin); n != 0 {
		t.Errorf("blocked_clients = %d after the timeout, want 0", n)
	}
}

// A blocked client that disconnects is forgotten: the next push stays in
// the list instead of going to it.
func TestListBlockingDisconnect(t *testing.T) {
	s := cairntest.StartCairn(t)
	c, admin := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	c.Send("BLPOP", "q", "0")
	for deadline := time.Now().Add(5 * time.Second); blockedClients(admin) != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP did not block")
		}
	}
	c.Close()
	for deadline := time.Now().Add(5 * time.Second); blockedClients(admin) != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the closed client still counts as blocked")
		}
	}
	admin.Do("RPUSH", "q", "kept")
	if got := admin.Do("LRANGE", "q", "0", "-1"); got != "*1\r\n$4\r\nkept\r\n" {
		t.Errorf("after the blocked client left, q = %q", got)
	}
}
