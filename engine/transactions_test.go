package engine_test

import (
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

func TestTransactionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		# queued replies and the EXEC array
		multi
		set a 1
		incr a
		get a
		exec
		multi
		exec
		exec
		discard
		multi
		set gone 1
		discard
		get gone
		discard

		# an empty argument stays empty in the queue (not missing)
		multi
		set empty ""
		append empty2 ""
		exec
		get empty
		getdel empty
		exists empty
		strlen empty2
		sadd srcset a
		multi
		sinterstore "" srcset
		exec
		smembers ""

		# a command rejected while queueing aborts EXEC
		multi
		set a
		set b 2
		exec
		get b
		multi
		nosuchcommand x
		set b 2
		exec
		get b
		multi
		command nosub
		exec
		multi
		config nosuchsub
		exec

		# runtime errors are reported per command, the rest still runs
		set s foo
		multi
		incr s
		set t 1
		incrbyfloat s 1
		append s bar
		expire s abc
		get s
		exec
		get t

		# nested MULTI and WATCH inside MULTI are errors that do not abort
		multi
		multi
		watch a
		set nested 1
		exec
		get nested

		# EXEC switches databases with SELECT like the client
		multi
		select 1
		set indb1 x
		select 0
		exec
		select 1
		get indb1
		select 0
		get indb1

		# commands that are not allowed inside MULTI
		multi
		shutdown nosave
		exec

		# UNWATCH and WATCH outside MULTI
		watch a b c
		unwatch
		multi
		unwatch
		exec
	`)
	// RESP3 replies inside EXEC.
	d.Cairn.Do("hello", "3")
	d.Redis.Do("hello", "3")
	d.Run(`
		multi
		set r3 1
		get nosuch
		incrbyfloat f 1.5
		exec
		watch r3
		set r3 2
		multi
		exec
	`)
}

// WATCH is invalidated by every kind of write from another client.
func TestWatchDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	other := newPeer(t, d)
	cases := []struct {
		name  string
		setup string // by the watching client, before WATCH
		write string // by the other client, between WATCH and EXEC
		watch string
	}{
		{"set", "set k 1", "set k 2", "watch k"},
		{"same value", "set k 1", "set k 1", "watch k"},
		{"created", "del k", "set k 1", "watch k"},
		{"deleted", "set k 1", "del k", "watch k"},
		{"untouched", "set k 1", "set other 1", "watch k"},
		{"failed write", "set k 1", "incr k", "watch k"},
		{"failed on text", "set k foo", "incr k", "watch k"},
		{"del of missing", "del k", "del k", "watch k"},
		{"expire", "set k 1", "expire k 100", "watch k"},
		{"persist", "set k 1 ex 100", "persist k", "watch k"},
		{"rename from", "set k 1", "rename k k2", "watch k"},
		{"rename to", "set k2 1", "rename k2 k", "watch k"},
		{"flushdb", "set k 1", "flushdb", "watch k"},
		{"flushdb missing", "del k", "flushdb", "watch k"},
		{"flushall", "set k 1", "flushall", "watch k"},
		{"other db", "set k 1", "select 1\nset k 2\nselect 0", "watch k"},
		{"swapdb", "set k 1", "swapdb 0 1", "watch k"},
		{"swapdb missing both", "del k", "swapdb 0 1", "watch k"},
		{"script", "set k 1", "eval \"redis.call('set', KEYS[1], 'x')\" 1 k", "watch k"},
		{"script read", "set k 1", "eval \"return redis.call('get', KEYS[1])\" 1 k", "watch k"},
		{"transaction", "set k 1", "multi\nincr k\nexec", "watch k"},
		{"move", "set k 1", "move k 1", "watch k"},
		{"copy onto", "set src 1", "copy src k", "watch k"},
		{"second key", "set k 1", "set k2 1", "watch k k2"},
	}
	for _, c := range cases {
		d.Run("flushall\n" + c.setup + "\n" + c.watch)
		other.Run(c.write)
		d.Run("multi\nping\nexec")
		if t.Failed() {
			t.Fatalf("case %q", c.name)
		}
	}
	// Watched keys are dropped by EXEC, DISCARD and UNWATCH.
	d.Run("set k 1\nwatch k\nmulti\ndiscard")
	other.Run("set k 2")
	d.Run("multi\nping\nexec")
	d.Run("watch k\nunwatch")
	other.Run("set k 3")
	d.Run("multi\nping\nexec")
}

// A watched key whose deadline passes makes EXEC fail, as in Redis 7.0,
// even when nobody touched it; a key already expired at WATCH does not.
func TestWatchExpiryDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set k 1 px 100
		watch k
	`)
	time.Sleep(200 * time.Millisecond)
	d.Run(`
		multi
		ping
		exec
		set k 1 px 1
	`)
	time.Sleep(20 * time.Millisecond)
	d.Run(`
		watch k
		multi
		ping
		exec
	`)
}
