package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// waitBlockedClients waits until both servers report n blocked clients.
func waitBlockedClients(t *testing.T, d *cairntest.Differ, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r", n)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(d.Cairn.Do("info", "clients"), want) && strings.Contains(d.Redis.Do("info", "clients"), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d blocked clients", n)
}

// TestZsetBlockingDifferential plays blocked poppers and the writers that
// wake them against both servers in lockstep.
func TestZsetBlockingDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	a, b := newPeer(t, d), newPeer(t, d)

	// A write wakes a BZPOPMIN; the writer's reply comes first.
	a.send("bzpopmin", "z1", "z2", "0")
	waitBlockedClients(t, d, 1)
	d.Run("zadd z2 3 c 1 a 2 b")
	a.read("bzpopmin woken by zadd")
	d.Run("zrange z2 0 -1 withscores")

	// Waiters are served first come, first served, one element each.
	a.send("bzpopmax", "q", "0")
	waitBlockedClients(t, d, 1)
	b.send("bzpopmax", "q", "0")
	waitBlockedClients(t, d, 2)
	d.Run("zadd q 1 x 2 y 3 z")
	a.read("first waiter")
	b.read("second waiter")
	d.Run("zrange q 0 -1 withscores")

	// BZMPOP with COUNT, woken by a *STORE into its key.
	a.send("bzmpop", "0", "2", "m1", "m2", "min", "count", "10")
	waitBlockedClients(t, d, 1)
	d.Run("zunionstore m2 1 z2")
	a.read("bzmpop woken by zunionstore")
	d.Run("exists m2")

	// A key written as another type does not wake a sorted-set pop.
	a.send("bzpopmin", "s", "0")
	waitBlockedClients(t, d, 1)
	d.Run("set s notazset")
	d.Run("del s")
	d.Run("zadd s 7 seven")
	a.read("bzpopmin after a string came and went")

	// Woken by the second of its keys, it pops from that key.
	a.send("bzpopmin", "k1", "k2", "0")
	waitBlockedClients(t, d, 1)
	d.Run("zadd k2 5 five")
	a.read("bzpopmin on k1 k2 woken by k2")

	// Writes inside MULTI serve waiters after EXEC, seeing its whole effect.
	a.send("bzpopmax", "t", "0")
	waitBlockedClients(t, d, 1)
	d.Run(`
		multi
		zadd t 1 one
		zadd t 2 two
		zrem t two
		exec
	`)
	a.read("bzpopmax after exec")

	// Timeouts answer a null array, in both protocols.
	a.Do("bzpopmin", "nothing", "0.05")
	a.Do("bzmpop", "0.05", "1", "nothing", "max")
	a.redis.Do("hello", "3") // the HELLO replies themselves differ
	a.cairn.Do("hello", "3")
	a.Do("bzpopmin", "nothing", "0.05")
	a.Do("bzmpop", "0.05", "1", "nothing", "max")
	a.send("bzpopmin", "r3", "0")
	waitBlockedClients(t, d, 1)
	d.Run("zadd r3 1.5 x")
	a.read("RESP3 bzpopmin")
	a.send("bzmpop", "0", "1", "r3", "max")
	waitBlockedClients(t, d, 1)
	d.Run("zadd r3 2.5 y 3.5 z")
	a.read("RESP3 bzmpop")
}

// TestZsetBlockingUnblock checks CLIENT UNBLOCK and a client that
// disconnects while blocked.
func TestZsetBlockingUnblock(t *testing.T) {
	c := cairntest.StartCairn(t)
	waiter := cairntest.Dial(t, c.Addr)
	ctl := cairntest.Dial(t, c.Addr)
	id := strings.TrimSpace(strings.TrimPrefix(waiter.Do("client", "id"), ":"))
	waiter.Send("bzpopmin", "z", "0")
	waitFor(t, ctl, "blocked_clients:1\r")
	if got := ctl.Do("client", "unblock", id); got != ":1\r\n" {
		t.Fatalf("client unblock: %q", got)
	}
	if got := waiter.Read(); got != "*-1\r\n" {
		t.Fatalf("unblocked bzpopmin replied %q", got)
	}
	waiter.Send("bzmpop", "0", "1", "z", "min")
	waitFor(t, ctl, "blocked_clients:1\r")
	ctl.Do("client", "unblock", id, "error")
	if got := waiter.Read(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("unblocked bzmpop replied %q", got)
	}
	// A waiter that goes away takes nothing.
	gone := cairntest.Dial(t, c.Addr)
	gone.Send("bzpopmin", "z", "0")
	waitFor(t, ctl, "blocked_clients:1\r")
	gone.Close()
	waitFor(t, ctl, "blocked_clients:0\r")
	ctl.Do("zadd", "z", "1", "a")
	if got := ctl.Do("zcard", "z"); got != ":1\r\n" {
		t.Fatalf("zcard after the waiter left: %q", got)
	}
}

func waitFor(t *testing.T, c *cairntest.Conn, infoLine string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(c.Do("info", "clients"), infoLine) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %q", infoLine)
}
