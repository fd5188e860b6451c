package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

func TestIntrospectionDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		debug sleep 0
		debug object k
		latency latest
		latency history command
		latency reset
		latency reset command
		latency foo
		latency help
		memory usage nokey
		memory usage k samples abc
		memory usage k foo
		memory foo
		memory doctor
	`)
}

func TestDebugProtocolDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	for _, proto := range []string{"2", "3"} {
		d.Redis.Do("HELLO", proto)
		d.Cairn.Do("HELLO", proto)
		for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "verbatim", "true", "false", "foo"} {
			d.Do("DEBUG", "PROTOCOL", typ)
		}
		if proto == "3" {
			d.Do("DEBUG", "PROTOCOL", "attrib")
			d.Do("DEBUG", "PROTOCOL", "push")
			d.Do("PING") // the reply following the push
		} else {
			d.Do("DEBUG", "PROTOCOL", "attrib")
			d.Do("DEBUG", "PROTOCOL", "push")
		}
	}
	d.Run(`
		set k v
		debug error "ERR custom"
		debug log hello
		debug set-active-expire 1
	`)
}

// DEBUG OBJECT shows a key past its deadline that nothing expired yet
// (Redis's "Script delete the expired key" relies on it).
func TestDebugObjectExpiredKey(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		debug set-active-expire 0
		set key value px 1
	`)
	time.Sleep(5 * time.Millisecond)
	for _, c := range []*cairntest.Conn{d.Redis, d.Cairn} {
		if got := c.Do("DEBUG", "OBJECT", "key"); !strings.HasPrefix(got, "+Value at:") {
			t.Errorf("DEBUG OBJECT of a key past its deadline: %q", got)
		}
	}
	d.Run(`
		eval "return redis.call('exists', 'key')" 0
		debug object key
		debug set-active-expire 1
	`)
}

// DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts call noscript commands.
func TestDebugDisableDenyScriptsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		eval "return redis.call('debug', 'protocol', 'bignum')" 0
		debug set-disable-deny-scripts 1
		eval "return redis.call('debug', 'protocol', 'bignum')" 0
		eval "redis.setresp(3) return redis.call('debug', 'protocol', 'map')" 0
		eval "return redis.call('function', 'flush')" 0
		debug set-disable-deny-scripts abc
		eval "return redis.call('debug', 'protocol', 'bignum')" 0
		debug set-disable-deny-scripts 1 2
		debug set-disable-deny-scripts
	`)
}

// DEBUG RELOAD saves and loads the dataset back, converting encodings as
// Redis does on load; NOSAVE loads the last file, NOFLUSH merges it in.
func TestDebugReloadDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		hset h a 1
		config set hash-max-listpack-entries 1
		hset h b 2
		object encoding h
		hdel h b
		config set hash-max-listpack-entries 128
		rpush l x y z
		zadd z 1 a 2 b
		set ttl v ex 1000
		select 4
		set in4 four
		select 0
		function load "#!lua name=lib\nredis.register_function('one', function() return 1 end)"
		debug reload
		object encoding h
		hgetall h
		lrange l 0 -1
		zrange z 0 -1 withscores
		fcall one 0
		select 4
		get in4
		select 0
		set k v
		debug reload nosave
		get k
		set k2 v
		debug reload noflush nosave merge
		get k2
		dbsize
		debug reload bogus
		# The library comes before the keys in the file: Redis stops there
		# (at a key of the same name it would exit).
		debug reload noflush
		fcall one 0
		debug reload noflush nosave
		dbsize
		debug reload nosave noflush merge
		fcall one 0
	`)
	if r := d.Cairn.Do("TTL", "ttl"); r != ":1000\r\n" && r != ":999\r\n" {
		t.Errorf("TTL after DEBUG RELOAD: %q", r)
	}
}

func TestLatencyMonitor(t *testing.T) {
	s := cairntest.StartCairn(t, "--latency-monitor-threshold", "50", "--enable-debug-command", "yes")
	c := cairntest.Dial(t, s.Addr)
	c.Do("DEBUG", "SLEEP", "0.1")
	latest := c.Do("LATENCY", "LATEST")
	if !strings.Contains(latest, "$7\r\ncommand\r\n") {
		t.Fatalf("LATENCY LATEST after a 100ms command = %q", latest)
	}
	if h := c.Do("LATENCY", "HISTORY", "command"); !strings.HasPrefix(h, "*1\r\n*2\r\n:") {
		t.Errorf("LATENCY HISTORY command = %q", h)
	}
	if r := c.Do("LATENCY", "RESET"); r != ":1\r\n" {
		t.Errorf("LATENCY RESET = %q", r)
	}
	c.Do("SET", "a", "1")
	if h := c.Do("LATENCY", "HISTOGRAM", "set"); !strings.HasPrefix(h, "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n*2\r\n:") {
		t.Errorf("LATENCY HISTOGRAM set = %q", h)
	}
	if info := c.Do("INFO", "latencystats"); !strings.Contains(info, "latency_percentiles_usec_set:p50=") {
		t.Errorf("INFO latencystats = %q", info)
	}
	time.Sleep(10 * time.Millisecond)
}

// SLOWLOG times the command, not its wait for a script another client
// runs (Redis would not even read it meanwhile): only the script is slow.
func TestSlowlogTimesTheCommandNotItsWait(t *testing.T) {
	s := cairntest.StartCairn(t, "--slowlog-log-slower-than", "50000")
	a, b, c := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	a.Send("EVAL", `local t0 = redis.call('TIME')
		repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 200000
		return 1`, "0")
	time.Sleep(30 * time.Millisecond)
	// One GET on its own, two in a pipeline.
	b.Send("GET", "k")
	c.Write([]byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
	if r := a.Read(); r != ":1\r\n" {
		t.Fatalf("EVAL = %q", r)
	}
	for _, r := range []string{b.Read(), c.Read(), c.Read()} {
		if r != "$-1\r\n" {
			t.Fatalf("GET = %q", r)
		}
	}
	if n := a.Do("SLOWLOG", "LEN"); n != ":1\r\n" {
		t.Fatalf("SLOWLOG LEN = %q, want only the script: %q", n, a.Do("SLOWLOG", "GET"))
	}
}

// DEBUG PAUSE-CRON stops the periodic tasks, active expiry among them,
// until it is turned off again.
func TestDebugPauseCron(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		debug pause-cron 1
		debug pause-cron
	`)
	c := d.Cairn
	c.Do("SET", "k", "v", "PX", "50")
	time.Sleep(400 * time.Millisecond)
	if got := c.Do("DBSIZE"); got != ":1\r\n" {
		t.Fatalf("DBSIZE with the cron paused, after the key's deadline: %q (active expiry ran)", got)
	}
	d.Do("DEBUG", "PAUSE-CRON", "0")
	for deadline := time.Now().Add(3 * time.Second); c.Do("DBSIZE") != ":0\r\n"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the key did not expire once the cron ran again")
		}
	}
}
