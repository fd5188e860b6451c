package engine_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// ldbCase is a Lua debugger session: SCRIPT DEBUG mode, then commands
// (the first is usually the EVAL), each answered with the debugger's log.
type ldbCase struct {
	name string
	mode string
	cmds [][]string
}

func ldbSteps(n int, cmd ...string) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = cmd
	}
	return out
}

func ldbEval(script string, rest ...[]string) [][]string {
	return append([][]string{{"EVAL", script, "0"}}, rest...)
}

var ldbCases = []ldbCase{
	{"commands", "SYNC", ldbEval("local a = 1\nlocal t = {1,'x',{y=2}}\nlocal b = redis.call('ping')\nredis.debug('hello', a, t)\nreturn b",
		[]string{"help"}, []string{"list"}, []string{"print"}, []string{"step"}, []string{"next"}, []string{"print"},
		[]string{"print", "t"}, []string{"print", "a", "b"}, []string{"eval", "return 1+1"}, []string{"e", "1+1"},
		[]string{"redis", "set", "k", "v"}, []string{"trace"}, []string{"break", "5"}, []string{"break"}, []string{"whole"},
		[]string{"maxlen", "5"}, []string{"continue"}, []string{"ping"}, []string{"step"})},
	{"loops and branches", "SYNC", ldbEval("local function f(x)\n  local y = x * 2\n  return y\nend\nfor i = 1, 2 do\n  local z = f(i)\nend\n"+
		"local t = {}\nfor k, v in ipairs({10, 20}) do\n  t[k] = v\nend\nlocal n = 0\nwhile n < 2 do\n  n = n + 1\nend\n"+
		"repeat\n  n = n - 1\nuntil n == 0\nif n == 1 then\n  n = 5\nelseif n == 0 then\n  n = 6\nelse\n  n = 7\nend\nreturn n",
		append(ldbSteps(3, "s"), append([][]string{{"print"}, {"trace"}}, ldbSteps(40, "s")...)...)...)},
	{"one-line loops", "YES", ldbEval("local i = 0\nwhile i < 3 do i = i + 1 end\nfor j=1,3 do i = i + j end\n"+
		"if i > 0 then i = 1 else i = 2 end\nfor k=1,2 do\nend\nlocal a = 1; local b = 2; return a + b", ldbSteps(20, "s")...)},
	{"break and return", "YES", ldbEval("local n = 0\nwhile true do\n  n = n + 1\n  if n > 1 then\n    break\n  end\nend\n"+
		"for i=1,3 do\n  if i == 2 then return i end\nend", ldbSteps(16, "s")...)},
	{"functions", "YES", ldbEval("local function a(x)\n  return x + 1\nend\nlocal function b(y)\n  local r = a(y)\n  return r\nend\n"+
		"local g = function(q)\n  return q\nend\nlocal v = b(g(1))\nreturn v",
		[]string{"b", "2"}, []string{"c"}, []string{"t"}, []string{"p"}, []string{"p", "y"}, []string{"p", "r"},
		[]string{"p", "nosuch"}, []string{"s"}, []string{"s"}, []string{"t"}, []string{"s"}, []string{"s"}, []string{"s"},
		[]string{"s"}, []string{"s"})},
	{"redis.breakpoint", "YES", ldbEval("local a = 1\nredis.breakpoint()\nlocal b = redis.call('ping')\nlocal c = redis.call('incr', 'n')\n"+
		"if a == 1 then\n  return {b, c, 'x'}\nend",
		[]string{"continue"}, []string{"step"}, []string{"step"}, []string{"eval", "error('boom')"}, []string{"list", "3", "1"},
		[]string{"maxlen"}, []string{"maxlen", "0"}, []string{"step"}, []string{"step"}, []string{"step"})},
	{"breakpoints", "SYNC", ldbEval("local g = function(a)\n  return a\nend\nfor i = 1, 1 do\n  local q = g(i)\nend\nreturn 1",
		[]string{"step"}, []string{"step"}, []string{"print"}, []string{"break", "3", "3", "x", "-3", "-3", "99"},
		[]string{"break", "6"}, []string{"b"}, []string{"break", "0"}, []string{"list", "x"}, []string{"maxlen", "5", "6"},
		[]string{"redis"}, []string{"eval"}, []string{"redis", "nosuch"}, []string{"redis", "get"}, []string{"eval", "local x = 1"},
		[]string{"print", "KEYS"}, []string{"print", "ARGV"}, []string{"bogus"}, []string{"abort"})},
	{"replies", "YES", ldbEval("redis.call('del','L')\nredis.call('rpush','L','a','b\\n', string.rep('y', 100))\n"+
		"local a = redis.call('lrange','L',0,-1)\nlocal b = redis.call('get','nokey')\nlocal c = redis.pcall('incr','L')\n"+
		"local d = redis.call('hgetall','nohash')\nredis.setresp(3)\nredis.call('hset','H','f','v')\nlocal e = redis.call('hgetall','H')\n"+
		"local f = redis.call('get','nokey')\nlocal g = redis.call('exists','H')\nreturn 1",
		append([][]string{{"maxlen", "60"}}, append(ldbSteps(12, "s"), []string{"redis", "lrange", "L", "0", "-1"}, []string{"abort"})...)...)},
	{"values and trimming", "YES", ldbEval("local s = 'a\\nb' .. string.rep('x', 300)\nlocal t = {}\nfor i=1,20 do t[i] = {i, {i}} end\n"+
		"redis.debug(s, 1.5, nil, true, {1,{2}}, 12345678901)\nreturn 1",
		[]string{"step"}, []string{"print"}, []string{"print"}, []string{"step"}, []string{"step"}, []string{"print", "t"},
		[]string{"eval", "{{{{{{{{{{{{1}}}}}}}}}}}}"}, []string{"maxlen", "0"}, []string{"eval", "{{{{{{{{{{{{1}}}}}}}}}}}}"},
		[]string{"eval", "{a=1}"}, []string{"eval", "0/0"}, []string{"eval", "1/0"}, []string{"eval", "-1/0"},
		[]string{"eval", "0.1"}, []string{"eval", "1234567"}, []string{"eval", "1e-5"}, []string{"eval", "'\\0\\1\\255é'"},
		[]string{"eval", "true, false"}, []string{"eval", "print"}, []string{"continue"})},
	{"errors", "YES", [][]string{{"EVAL", "return 1", "x"}}},
	{"compile error", "YES", [][]string{{"EVAL", "return +", "0"}}},
	{"script error", "SYNC", ldbEval("error('x')", []string{"s"})},
	{"refused command", "SYNC", ldbEval("return redis.call('nosuch')", []string{"step"})},
	{"evalsha", "YES", [][]string{{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, {"EVALSHA", "abc", "0"},
		{"EVAL_RO", "return 1", "0"}, {"c"}}},
	{"in MULTI", "YES", [][]string{{"MULTI"}, {"EVAL", "return 1", "0"}, {"EXEC"}, {"PING"}, {"step"}}},
	{"bad mode", "NO", [][]string{{"SCRIPT", "DEBUG", "yes", "x"}, {"SCRIPT", "DEBUG", "maybe"}, {"EVAL", "return 1", "0"}}},
	{"infinite loop", "YES", ldbEval("local i = 0\nwhile true do\n  i = i + 1\nend", []string{"c"}, []string{"a"})},
}

var ldbPointer = regexp.MustCompile(`@0x[0-9a-f]+`)

// ldbSession runs a session on a fresh connection and returns every reply
// (a command after the session ended gets "<closed>").
func ldbSession(t *testing.T, addr string, c ldbCase) []string {
	conn := cairntest.Dial(t, addr)
	defer conn.Close()
	out := []string{conn.Do("SCRIPT", "DEBUG", c.mode)}
	for _, cmd := range c.cmds {
		conn.Send(cmd...)
		r, ok := conn.ReadTimeout(10 * time.Second)
		if !ok {
			out = append(out, "<closed>")
			break
		}
		if strings.Contains(r, "+<endsession>\r\n") {
			r += conn.Read() // then EVAL's reply, then the connection closes
			if _, ok := conn.ReadTimeout(time.Second); ok {
				t.Errorf("%s: the connection stayed open after the session", c.name)
			}
		}
		out = append(out, ldbPointer.ReplaceAllString(r, "@0x"))
	}
	return out
}

// The debugger's replies, step by step, are Redis's for the same sessions.
func TestLuaDebuggerDifferential(t *testing.T) {
	// A stop for a script running too long comes after this (5 s by default).
	redis := cairntest.StartRedis(t, "--busy-reply-threshold", "300")
	cairn := cairntest.StartCairn(t, "--busy-reply-threshold", "300")
	for _, c := range ldbCases {
		want := ldbSession(t, redis.Addr, c)
		got := ldbSession(t, cairn.Addr, c)
		for i := range max(len(want), len(got)) {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				cmd := []string{"SCRIPT", "DEBUG", c.mode}
				if i > 0 {
					cmd = c.cmds[i-1]
				}
				t.Errorf("%s, %q:\n redis: %q\n cairn: %q", c.name, cmd, w, g)
				break
			}
		}
	}
}

// A YES session's writes are rolled back, a SYNC session's kept, and a
// SYNC session whose client goes away runs the script to its end.
func TestLuaDebuggerWrites(t *testing.T) {
	d := cairntest.NewDiffer(t)
	for _, s := range []struct{ srv *cairntest.Server }{{d.RedisServer}, {d.CairnServer}} {
		ldbSession(t, s.srv.Addr, ldbCase{"rollback", "YES", ldbEval("redis.call('set','rolled','1')\nreturn 1", []string{"c"})})
		ldbSession(t, s.srv.Addr, ldbCase{"kept", "SYNC", ldbEval("redis.call('set','kept','1')\nreturn 1", []string{"c"})})
		conn := cairntest.Dial(t, s.srv.Addr)
		conn.Do("SCRIPT", "DEBUG", "SYNC")
		if r := conn.Do("EVAL", "local a = 1\nredis.call('set','left','1')\nreturn a", "0"); !strings.Contains(r, "Stopped at 1") {
			t.Fatalf("no stop: %q", r)
		}
		conn.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.Cairn.Do("EXISTS", "left") != ":1\r\n" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for d.Redis.Do("EXISTS", "left") != ":1\r\n" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	d.Do("MGET", "rolled", "kept", "left")
	d.Do("SCRIPT", "EXISTS", "4a4a3fcbd9a1f9c1fb4b58df3d23f4d07c1cbb4a")
}

// A session whose client left runs on without stops, but one running past
// busy-reply-threshold is killed: nobody could stop it otherwise.
func TestLuaDebuggerLeftScriptIsKilled(t *testing.T) {
	for _, srv := range []*cairntest.Server{
		cairntest.StartRedis(t, "--busy-reply-threshold", "200"),
		cairntest.StartCairn(t, "--busy-reply-threshold", "200"),
	} {
		conn := cairntest.Dial(t, srv.Addr)
		conn.Do("SCRIPT", "DEBUG", "SYNC")
		script := "redis.call('set','before','1')\nwhile true do\n  redis.call('incr','n')\nend"
		if r := conn.Do("EVAL", script, "0"); !strings.Contains(r, "Stopped at 1") {
			t.Fatalf("no stop: %q", r)
		}
		conn.Close()
		other := cairntest.Dial(t, srv.Addr)
		start := time.Now()
		if r := other.Do("GET", "before"); r != "$1\r\n1\r\n" {
			t.Fatalf("%s: the write before the loop: %q", srv.Addr, r)
		}
		if waited := time.Since(start); waited < 150*time.Millisecond {
			t.Fatalf("%s: answered after %v, while the script looped", srv.Addr, waited)
		}
	}
}
