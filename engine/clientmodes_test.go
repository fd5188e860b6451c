package engine_test

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

func TestClientReplyDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Redis.Send("CLIENT", "REPLY", "OFF")
	d.Cairn.Send("CLIENT", "REPLY", "OFF")
	d.Redis.Send("SET", "a", "1")
	d.Cairn.Send("SET", "a", "1")
	d.Redis.Send("CLIENT", "REPLY", "SKIP")
	d.Cairn.Send("CLIENT", "REPLY", "SKIP")
	d.Do("CLIENT", "REPLY", "ON")
	d.Redis.Send("CLIENT", "REPLY", "SKIP")
	d.Cairn.Send("CLIENT", "REPLY", "SKIP")
	d.Redis.Send("GET", "a")
	d.Cairn.Send("GET", "a")
	d.Run(`
		get a
		client reply foo
		client no-evict maybe
		client no-evict on
		client pause abc
		client pause -1
		client pause 10 foo
		client unpause
	`)
}

func TestClientPause(t *testing.T) {
	s := cairntest.StartCairn(t)
	admin, other, unpauser := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	timed := func(args ...string) time.Duration {
		start := time.Now()
		other.Do(args...)
		return time.Since(start)
	}
	admin.Do("CLIENT", "PAUSE", "300", "WRITE")
	if d := timed("GET", "k"); d > 150*time.Millisecond {
		t.Errorf("GET waited %v under a WRITE pause", d)
	}
	if d := timed("SET", "k", "v"); d < 200*time.Millisecond {
		t.Errorf("SET ran after %v under a WRITE pause", d)
	}
	// A WRITE pause lets any client's CLIENT UNPAUSE through, which
	// releases the writes it held.
	admin.Do("CLIENT", "PAUSE", "5000", "WRITE")
	start := time.Now()
	other.Send("SET", "k", "v2")
	if reply, ok := other.ReadTimeout(150 * time.Millisecond); ok {
		t.Errorf("SET under a WRITE pause replied %q at once", reply)
	}
	unpauser.Do("CLIENT", "UNPAUSE")
	if reply := other.Read(); reply != "+OK\r\n" || time.Since(start) > 3*time.Second {
		t.Errorf("SET got %q after %v; want it released by the UNPAUSE", reply, time.Since(start))
	}
	// An ALL pause holds every client's commands, CLIENT UNPAUSE included
	// (Redis 7.0): only its timeout ends it.
	admin.Do("CLIENT", "PAUSE", "600", "ALL")
	start = time.Now()
	unpauser.Send("CLIENT", "UNPAUSE")
	if reply, ok := unpauser.ReadTimeout(150 * time.Millisecond); ok {
		t.Errorf("CLIENT UNPAUSE under an ALL pause replied %q at once", reply)
	}
	if d := timed("PING"); time.Since(start) < 550*time.Millisecond || d > 3*time.Second {
		t.Errorf("PING under an ALL pause returned after %v; want it held until the pause's timeout", time.Since(start))
	}
	if reply := unpauser.Read(); reply != "+OK\r\n" {
		t.Errorf("the held CLIENT UNPAUSE got %q", reply)
	}
}

// MONITOR lines have Redis's shape and quoting; passwords are redacted.
func TestMonitorFormat(t *testing.T) {
	d := cairntest.NewDiffer(t)
	monR, monC := cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)
	monR.Do("MONITOR")
	monC.Do("MONITOR")
	d.Do("SET", "a b", "x\ny\x01\"")
	d.Do("AUTH", "secret")
	d.Do("CONFIG", "GET", "maxclients") // admin: not shown
	d.Do("GET", "a b")
	// The timestamp and the client's port differ; the rest must not.
	norm := regexp.MustCompile(`^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]`)
	for i := 0; i < 3; i++ {
		r, _ := monR.ReadTimeout(time.Second)
		c, _ := monC.ReadTimeout(time.Second)
		if !norm.MatchString(c) {
			t.Errorf("MONITOR line %q does not start like Redis's", c)
		}
		if a, b := norm.ReplaceAllString(r, ""), norm.ReplaceAllString(c, ""); a != b {
			t.Errorf("MONITOR line:\n redis: %q\n cairn: %q", r, c)
		}
	}
}

// EVAL and FCALL are shown before the commands their script runs, even
// when they fail.
func TestMonitorScriptsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("FUNCTION", "LOAD", "#!lua name=mon\nredis.register_function('setfoo', function() return redis.call('set', 'foo', 'bar') end)")
	monR, monC := cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)
	monR.Do("MONITOR")
	monC.Do("MONITOR")
	d.Run(`
		fcall setfoo 0
		fcall_ro nosuch 0
		fcall setfoo abc
		eval "return redis.call('get', 'foo')" 0
	`)
	// The timestamp and the client's port differ; the rest must not.
	stamp, port := regexp.MustCompile(`^\+\d+\.\d{6} `), regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for i := 0; i < 6; i++ {
		r, _ := monR.ReadTimeout(time.Second)
		c, _ := monC.ReadTimeout(time.Second)
		r, c = port.ReplaceAllString(stamp.ReplaceAllString(r, ""), "client"), port.ReplaceAllString(stamp.ReplaceAllString(c, ""), "client")
		if r != c {
			t.Errorf("MONITOR line %d:\n redis: %q\n cairn: %q", i, r, c)
		}
	}
}

// A subscriber that does not read is cut off by client-output-buffer-limit
// pubsub instead of growing the server's memory without bound.
func TestSlowSubscriberDisconnected(t *testing.T) {
	s := cairntest.StartCairn(t, "--client-output-buffer-limit", "pubsub 1mb 256kb 1")
	slow, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte("SUBSCRIBE ch\r\n"))
	time.Sleep(100 * time.Millisecond)
	pub := cairntest.Dial(t, s.Addr)
	msg := strings.Repeat("x", 64<<10)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pub.Do("PUBLISH", "ch", msg) == ":0\r\n" {
			break // the subscriber is gone
		}
		if time.Now().After(deadline) {
			t.Fatal("the non-reading subscriber was never disconnected")
		}
	}
	if list := pub.Do("CLIENT", "LIST", "TYPE", "pubsub"); strings.Contains(list, "sub=1") {
		t.Errorf("the subscriber is still listed: %q", list)
	}
}

func TestIdleTimeout(t *testing.T) {
	s := cairntest.StartCairn(t, "--timeout", "1")
	idle, sub := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	sub.Do("SUBSCRIBE", "ch")
	time.Sleep(2500 * time.Millisecond)
	if _, open := idle.ReadTimeout(100 * time.Millisecond); open {
		t.Fatal("unexpected data on the idle connection")
	}
	idle.Send("PING")
	if reply, ok := idle.ReadTimeout(time.Second); ok {
		t.Errorf("an idle client past the timeout still got %q", reply)
	}
	if reply := sub.Do("PING"); reply != "*2\r\n$4\r\npong\r\n$0\r\n\r\n" {
		t.Errorf("a subscriber was timed out (PING got %q)", reply)
	}
}

func TestMaxClients(t *testing.T) {
	s := cairntest.StartCairn(t, "--maxclients", "2")
	a, b := cairntest.Dial(t, s.Addr), cairntest.Dial(t, s.Addr)
	a.Do("PING")
	b.Do("PING")
	c := cairntest.Dial(t, s.Addr)
	if reply, _ := c.ReadTimeout(time.Second); reply != "-ERR max number of clients reached\r\n" {
		t.Errorf("third client got %q", reply)
	}
}

// A client held by CLIENT PAUSE counts as blocked (blocked_clients, flag
// b), as Redis's postponed clients do; only waits with a timeout are in
// clients_in_timeout_table.
func TestBlockedClientsCountDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	servers := [2]*cairntest.Conn{d.Redis, d.Cairn}
	var held [2]*cairntest.Conn
	for i, srv := range []*cairntest.Server{d.RedisServer, d.CairnServer} {
		held[i] = cairntest.Dial(t, srv.Addr)
	}
	counts := func(step string, blocked, timed int64) {
		t.Helper()
		for i, c := range servers {
			deadline := time.Now().Add(5 * time.Second)
			for (infoField(t, c, "clients", "blocked_clients") != blocked || infoField(t, c, "clients", "clients_in_timeout_table") != timed) &&
				time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := infoField(t, c, "clients", "blocked_clients"); got != blocked {
				t.Errorf("%s: server %d: blocked_clients %d, want %d", step, i, got, blocked)
			}
			if got := infoField(t, c, "clients", "clients_in_timeout_table"); got != timed {
				t.Errorf("%s: server %d: clients_in_timeout_table %d, want %d", step, i, got, timed)
			}
		}
	}
	d.Do("CLIENT", "PAUSE", "60000", "WRITE")
	for _, c := range held {
		c.Send("SET", "k", "v")
	}
	counts("SET held by a pause", 1, 0)
	for _, c := range servers {
		if list := c.Do("CLIENT", "LIST"); !strings.Contains(list, "flags=b ") {
			t.Errorf("CLIENT LIST during the pause lacks flags=b: %q", list)
		}
	}
	d.Do("CLIENT", "UNPAUSE")
	for _, c := range held {
		if got := c.Read(); got != "+OK\r\n" {
			t.Errorf("SET after the pause: %q", got)
		}
		c.Send("BLPOP", "list", "0")
	}
	counts("BLPOP without a timeout", 1, 0)
	d.Do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
	for i, srv := range []*cairntest.Server{d.RedisServer, d.CairnServer} {
		held[i] = cairntest.Dial(t, srv.Addr)
		held[i].Send("BLPOP", "list", "100")
	}
	counts("BLPOP with a timeout", 1, 1)
}

// A client held by CLIENT PAUSE does not hold up SHUTDOWN (the server
// used to wait for the pause to end, an hour in Redis's pause.tcl), and
// its command is dropped when its connection goes.
func TestShutdownDuringClientPause(t *testing.T) {
	p := cairntest.StartProcess(t, t.TempDir())
	admin := cairntest.Dial(t, p.Addr)
	admin.Do("SET", "k", "before")
	admin.Do("CLIENT", "PAUSE", "3600000", "WRITE")
	gone := cairntest.Dial(t, p.Addr)
	gone.Send("SET", "k", "dropped")
	held := cairntest.Dial(t, p.Addr)
	held.Send("SET", "k2", "v")
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(admin.Do("INFO", "clients"), "blocked_clients:2\r"); {
		if time.Now().After(deadline) {
			t.Fatal("the SETs are not held by the pause")
		}
		time.Sleep(10 * time.Millisecond)
	}
	gone.Close()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(admin.Do("INFO", "clients"), "blocked_clients:1\r"); {
		if time.Now().After(deadline) {
			t.Fatal("a paused client that disconnected still counts as blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	admin.Send("SHUTDOWN", "NOSAVE")
	p.WaitExit(t, 10*time.Second) // it waited for the paused client
}
