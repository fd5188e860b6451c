package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

const spin = "local i = 0 while true do i = i + 1 end"

// A script past busy-reply-threshold: other clients get BUSY, SCRIPT KILL
// stops it, and the commands allowed while busy behave as in Redis.
func TestScriptBusyDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run("config set busy-reply-threshold 200")
	runner, other := newPeer(t, d), newPeer(t, d)
	runner.send("eval", spin, "0")
	time.Sleep(50 * time.Millisecond)
	// Sent before the threshold: it waits, then gets BUSY.
	other.Run("get x")
	other.Run(`
		ping
		set x 1
		multi
		get x
		exec
		discard
		watch
		unwatch
		function stats
		function kill
		script flush
		eval "return 1" 0
		script kill
	`)
	runner.read("the killed script")
	other.Run(`
		script kill
		function kill
		get x
	`)

	// A script that wrote cannot be killed.
	runner.send("eval", "redis.call('set', 'w', 1) "+spin, "0")
	time.Sleep(300 * time.Millisecond)
	other.Run(`
		script kill
		function kill
		shutdown
		shutdown save
		get w
	`)
	// Only SHUTDOWN NOSAVE ends it: Redis exits (the test server goes),
	// Cairn stops the script, then refuses to exit inside tests.
	d.Redis.Send("shutdown", "nosave")
	d.Cairn.Send("shutdown", "nosave")
	if reply, ok := runner.redis.ReadTimeout(5 * time.Second); ok {
		t.Errorf("redis answered the script's client: %q", reply)
	}
	if reply, ok := runner.cairn.ReadTimeout(5 * time.Second); ok {
		t.Errorf("cairn answered the script's client: %q", reply)
	}
	cairn := cairntest.Dial(t, d.CairnServer.Addr)
	if got := cairn.Do("get", "w"); got != "$-1\r\n" {
		t.Errorf("the stopped script's write was kept: %q", got)
	}
}

// A long function: FUNCTION KILL, SCRIPT KILL's refusal, FUNCTION STATS.
func TestFunctionBusyDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run("config set busy-reply-threshold 200")
	d.Do("function", "load", "#!lua name=busy\nredis.register_function('spin', function(keys, args) "+spin+" end)")
	runner, other := newPeer(t, d), newPeer(t, d)
	runner.send("fcall", "spin", "1", "k", "arg")
	time.Sleep(300 * time.Millisecond)
	other.Run(`
		get x
		script kill
	`)
	for _, c := range []*cairntest.Conn{other.redis, other.cairn} {
		stats := c.Do("function", "stats")
		want := "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*5\r\n$5\r\nfcall\r\n$4\r\nspin\r\n$1\r\n1\r\n$1\r\nk\r\n$3\r\narg\r\n$11\r\nduration_ms\r\n:"
		if !strings.HasPrefix(stats, want) {
			t.Errorf("FUNCTION STATS while busy: %q", stats)
		}
	}
	other.Run("function kill")
	runner.read("the killed function")
	other.Run(`
		function kill
		function stats
	`)
}

// A command that arrives while a short script runs waits for it, as
// Redis would not read it before the script ends.
func TestScriptHoldsOtherClients(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	a := redis.NewClient(&redis.Options{Addr: s.Addr})
	b := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer a.Close()
	defer b.Close()
	b.ConfigSet(ctx, "busy-reply-threshold", "60000") // slow machines, -race
	done := make(chan error, 1)
	go func() {
		done <- a.Eval(ctx, "redis.call('set', 'k', 'before') for i = 1, 1000000 do end redis.call('set', 'k', 'after')", nil).Err()
	}()
	time.Sleep(20 * time.Millisecond)
	got, err := b.Get(ctx, "k").Result()
	if err := <-done; err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	if err != nil || got != "after" {
		t.Fatalf("GET during the script = %q, %v; want the script's final value", got, err)
	}
}

// SHUTDOWN NOSAVE stops a running script and the server exits; the
// script's writes are not kept.
func TestShutdownNosaveDuringScript(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--busy-reply-threshold", "100", "--appendfsync", "always")
	runner := cairntest.Dial(t, p.Addr)
	runner.Do("set", "before", "1")
	runner.Send("eval", "redis.call('set', 'during', 1) "+spin, "0")
	time.Sleep(300 * time.Millisecond)
	other := cairntest.Dial(t, p.Addr)
	if got := other.Do("shutdown"); !strings.HasPrefix(got, "-BUSY") {
		t.Fatalf("SHUTDOWN without NOSAVE while busy: %q", got)
	}
	other.Send("shutdown", "nosave")
	p.WaitExit(t, 10*time.Second)
	p = cairntest.StartProcess(t, dir)
	c := cairntest.Dial(t, p.Addr)
	if got := c.Do("mget", "before", "during"); got != "*2\r\n$1\r\n1\r\n$-1\r\n" {
		t.Fatalf("after restart MGET before during = %q", got)
	}
}
