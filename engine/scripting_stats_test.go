package engine_test

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestScriptingStatsDifferentialCases runs fixed command sequences of
// scripts and functions against Cairn and Redis and compares, after each,
// INFO errorstats, total_error_replies and INFO commandstats (calls,
// rejected_calls, failed_calls; the times differ): how Redis counts an
// error a command called by a script raised (once), the failed_calls of
// EVAL and FCALL for the errors they reply (redis.error_reply, error(),
// redis.pcall's error returned, ...), the rejected_calls of the commands
// a script may not call, and the errorstats name of an error code (at
// most 30 bytes, else ERR; no limit on their number in Redis 7.0). Then
// where the messages a script publishes to its own (RESP3) client go:
// among EXEC's replies where the script ran, and among the keyspace
// notifications of the script's commands.
func TestScriptingStatsDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("FUNCTION", "LOAD", `#!lua name=statlib
redis.register_function('f_incr', function(k, a) return redis.call('incr', k[1]) end)
redis.register_function('f_reply', function(k, a) return redis.error_reply('FE x') end)
redis.register_function('f_pcall', function(k, a) return redis.pcall('incr', k[1]) end)
redis.register_function('f_caught', function(k, a) local r = redis.pcall('incr', k[1]); return 'ok' end)
redis.register_function('f_set', function(k, a) return redis.call('set', k[1], 'v') end)
redis.register_function{function_name='f_get', callback=function(k, a) return redis.call('get', k[1]) end, flags={'no-writes'}}
redis.register_function{function_name='f_ro_set', callback=function(k, a) return redis.call('set', k[1], 'v') end, flags={'no-writes'}}
redis.register_function('f_error', function(k, a) error('boom') end)
redis.register_function('f_unknown', function(k, a) return redis.call('nosuch') end)
redis.register_function('f_multi', function(k, a) return redis.pcall('multi') end)`)

	cases := []struct {
		name   string
		script string
	}{
		{"redis.call errors", `
			set s abc
			eval "return redis.call('incr',KEYS[1])" 1 s
			eval "return redis.call('lpush',KEYS[1],'x')" 1 s
			eval "return redis.call('hget',KEYS[1],'f')" 1 s
			evalsha_ro 0000000000000000000000000000000000000000 0
			eval "return redis.call('get',KEYS[1])" 1 s
		`},
		{"refused calls", `
			set s abc
			eval "return redis.call('nosuch')" 0
			eval "return redis.call('get')" 0
			eval "return redis.call('set','k')" 1 k
			eval "return redis.call('multi')" 0
			eval "return redis.pcall('exec')" 0
			eval "return redis.call('client','list','x','y')" 0
			eval "return redis.call('script','load','return 1')" 0
			eval "return redis.call('config','nosuch')" 0
			eval "local r = redis.pcall('nosuch'); return 1" 0
			eval "return redis.pcall('nosuch')" 0
			eval_ro "return redis.call('set','k','v')" 1 k
			eval_ro "return redis.pcall('set','k','v')" 1 k
			eval_ro "return redis.call('publish','ch','v')" 0
			eval "#!lua flags=no-writes\nreturn redis.call('set','k','v')" 1 k
			eval_ro "return redis.call('get',KEYS[1])" 1 s
		`},
		{"errors replied", `
			set s abc
			eval "return redis.error_reply('MYERR boom')" 0
			eval "return redis.error_reply('plain')" 0
			eval "return redis.error_reply(1)" 0
			eval "return redis.status_reply('FINE')" 0
			eval "error('x')" 0
			eval "error({err='TBL y'})" 0
			eval "return {err='RAW x'}" 0
			eval "return redis.setresp(5)" 0
			eval "return redis.pcall('incr',KEYS[1])" 1 s
			eval "local r = redis.pcall('incr',KEYS[1]); return 'ok'" 1 s
			eval "local r = redis.pcall('incr',KEYS[1]); r['err'] = 'MINE ' .. r['err']; return r" 1 s
			eval "return {1, redis.pcall('incr',KEYS[1]), redis.error_reply('E2 z'), redis.pcall('lpush',KEYS[1],'x')}" 1 s
			eval "return {redis.pcall('nosuch'), redis.pcall('get')}" 0
			eval "return redis.pcall()" 0
			eval "return redis.call()" 0
			eval "return redis.call({})" 0
			eval "return redis.pcall('get', {})" 0
			evalsha 0000000000000000000000000000000000000000 0
			evalsha abc 0
			eval "return 1" x
			eval "return (" 0
		`},
		{"error tables and codes", `
			eval "return redis.error_reply('NOSPACE')" 0
			eval "return redis.error_reply('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123 x')" 0
			eval "return redis.error_reply('ABCDEFGHIJKLMNOPQRSTUVWXYZ01234 x')" 0
			eval "return redis.error_reply('')" 0
			eval "return redis.error_reply('-')" 0
			eval "return redis.error_reply(' x')" 0
			eval "error({err='NOSP'})" 0
			eval "return {err='A', ignore_error_stats_update=true}" 0
			eval "error({err='B b', ignore_error_stats_update=true})" 0
			eval "return {err='C c', ignore_error_stats_update=1}" 0
			eval "return {err='D d\\r\\nmore'}" 0
		`},
		{"functions", `
			set s abc
			fcall f_incr 1 s
			fcall f_reply 0
			fcall f_pcall 1 s
			fcall f_caught 1 s
			fcall_ro f_set 1 k
			fcall_ro f_get 1 k
			fcall_ro f_incr 1 s
			fcall f_ro_set 1 k
			fcall f_error 0
			fcall f_unknown 0
			fcall f_multi 0
			fcall nosuch 0
			fcall_ro nosuch 0
			fcall f_incr x
		`},
		{"scripts in a transaction", `
			set s abc
			multi
			eval "return redis.call('incr',KEYS[1])" 1 s
			eval "return redis.pcall('incr',KEYS[1])" 1 s
			eval "return redis.error_reply('TX e')" 0
			eval "return redis.call('multi')" 0
			fcall f_pcall 1 s
			fcall f_reply 0
			incr s
			exec
		`},
	}
	for _, c := range cases {
		d.Do("CONFIG", "RESETSTAT")
		d.Run(c.script)
		compareScriptStats(t, d, c.name)
	}

	// Redis 7.0 keeps every error code (7.2 stops at 128).
	d.Do("CONFIG", "RESETSTAT")
	for i := range 130 {
		d.Do("EVAL", fmt.Sprintf("return redis.error_reply('CODE%d x')", i), "0")
	}
	compareScriptStats(t, d, "130 error codes")

	// A command the caller's ACL user may not run, called by its script.
	d.Do("CONFIG", "RESETSTAT")
	d.Do("ACL", "SETUSER", "scriptuser", "on", "nopass", "+@all", "-set", "~*", "&*")
	d.Run(`
		auth scriptuser x
		eval "return redis.call('set','k','v')" 1 k
		eval "return redis.pcall('set','k','v')" 1 k
		eval "local r = redis.pcall('set','k','v'); return 1" 1 k
		eval "return redis.call('get','k')" 1 k
		set k v
		auth default x
	`)
	compareScriptStats(t, d, "ACL")

	// A command of another client refused (BUSY) while a script runs past
	// busy-reply-threshold, after the script's last command: Redis counts
	// the script's EVAL failed, as errors were counted while it ran.
	d.Do("CONFIG", "RESETSTAT")
	d.Do("CONFIG", "SET", "busy-reply-threshold", "10")
	// (Cairn's Lua is slower: it loops less, for about as long.)
	busy := func(srv *cairntest.Server, loops string) (string, string) {
		a, b := cairntest.Dial(t, srv.Addr), cairntest.Dial(t, srv.Addr)
		a.Send("EVAL", "redis.call('set','x','1'); local n, i = tonumber(ARGV[1]), 0; while i < n do i = i + 1 end; return 'done'", "0", loops)
		time.Sleep(100 * time.Millisecond)
		get := b.Do("GET", "x")
		eval, _ := a.ReadTimeout(time.Minute)
		return get, eval
	}
	redisGet, redisEval := busy(d.RedisServer, "40000000")
	cairnGet, cairnEval := busy(d.CairnServer, "8000000")
	d.Do("CONFIG", "SET", "busy-reply-threshold", "5000")
	if strings.HasPrefix(redisGet, "-BUSY") && strings.HasPrefix(cairnGet, "-BUSY") && redisEval == cairnEval {
		compareScriptStats(t, d, "BUSY while a script runs")
	} else {
		t.Logf("no BUSY case: redis %q %q, cairn %q %q", redisGet, redisEval, cairnGet, cairnEval)
	}

	// Messages a script publishes to its own client: among EXEC's replies
	// where the script ran, and in order with the keyspace notifications
	// of the script's commands.
	dial := func(addr string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	rc, cc := dial(d.RedisServer.Addr), dial(d.CairnServer.Addr)
	exchange := func(name string, cmds ...[]string) {
		t.Helper()
		want, got := ownExchange(t, rc, cmds), ownExchange(t, cc, cmds)
		if got != want {
			t.Errorf("%s:\n redis: %q\n cairn: %q", name, want, got)
		}
	}
	ownExchange(t, rc, [][]string{{"HELLO", "3"}}) // its reply differs (the version, the client's id)
	ownExchange(t, cc, [][]string{{"HELLO", "3"}})
	exchange("subscribe", []string{"FLUSHALL"}, []string{"SUBSCRIBE", "ch"}, []string{"PSUBSCRIBE", "c*"})
	exchange("script's publish outside EXEC",
		[]string{"EVAL", "redis.call('publish','ch','m1'); return 'r1'", "0"})
	exchange("script's publish inside EXEC",
		[]string{"MULTI"}, []string{"SET", "a", "1"},
		[]string{"EVAL", "redis.call('publish','ch','m2'); return redis.call('publish','ch','m3')", "0"},
		[]string{"PUBLISH", "ch", "m4"}, []string{"FCALL", "f_get", "1", "a"},
		[]string{"EVAL", "return redis.call('spublish','ch','m5')", "0"}, []string{"EXEC"})
	exchange("script's publish inside EXEC, replies off",
		[]string{"MULTI"}, []string{"CLIENT", "REPLY", "OFF"},
		[]string{"EVAL", "redis.call('publish','ch','m6'); return 'r6'", "0"},
		[]string{"CLIENT", "REPLY", "ON"}, []string{"EVAL", "return redis.call('publish','ch','m7')", "0"}, []string{"EXEC"})
	exchange("keyspace notifications",
		[]string{"CONFIG", "SET", "notify-keyspace-events", "KEA"}, []string{"SUBSCRIBE", "__keyspace@0__:k"})
	script := "redis.call('set','k','1'); redis.call('publish','ch','m8'); redis.call('set','k','2'); return 'r8'"
	exchange("script's publish and notifications",
		[]string{"EVAL", script, "0"}, []string{"GET", "k"})
	exchange("script's publish and notifications inside EXEC",
		[]string{"MULTI"}, []string{"EVAL", script, "0"}, []string{"SET", "k", "3"}, []string{"EXEC"})
	exchange("script's publish and notifications inside EXEC, replies off",
		[]string{"CLIENT", "REPLY", "OFF"}, []string{"MULTI"}, []string{"EVAL", script, "0"}, []string{"PUBLISH", "ch", "m9"},
		[]string{"EXEC"}, []string{"CLIENT", "REPLY", "ON"})
	d.Do("CONFIG", "SET", "notify-keyspace-events", "")
}

// compareScriptStats compares the INFO lines that count errors and calls.
func compareScriptStats(t *testing.T, d *cairntest.Differ, name string) {
	t.Helper()
	d.Do("INFO", "errorstats")
	want, got := totalErrorReplies(d.Redis.Do("INFO", "stats")), totalErrorReplies(d.Cairn.Do("INFO", "stats"))
	if got != want {
		t.Errorf("%s: redis %s, cairn %s", name, want, got)
	}
	want, got = txStatsCanon(d.Redis.Do("INFO", "commandstats")), txStatsCanon(d.Cairn.Do("INFO", "commandstats"))
	if got != want {
		t.Errorf("%s: INFO commandstats:\n redis: %s\n cairn: %s", name, want, got)
	}
}

func totalErrorReplies(info string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(line, "total_error_replies:") {
			return line
		}
	}
	return "no total_error_replies"
}

// ownExchange sends commands in one write, then PING, and returns every
// byte the server sent before the PING's +PONG: raw, as CLIENT REPLY OFF
// inside EXEC leaves EXEC's array short for a RESP reader.
func ownExchange(t *testing.T, c net.Conn, cmds [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, cmd := range append(cmds, []string{"PING"}) {
		fmt.Fprintf(&b, "*%d\r\n", len(cmd))
		for _, a := range cmd {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(out, []byte("+PONG\r\n")) {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			t.Fatalf("no PONG after %q (%v); read %q", cmds, err, out)
		}
	}
	return string(out[:len(out)-len("+PONG\r\n")])
}
