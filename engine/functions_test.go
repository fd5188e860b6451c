package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

const testLibrary = "#!lua name=lib\n" +
	"redis.register_function('echo', function(keys, args) return {keys, args} end)\n" +
	"redis.register_function{function_name = 'get', callback = function(keys) return redis.call('get', keys[1]) end, flags = {'no-writes'}, description = 'reads a key'}\n" +
	"redis.register_function('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
	"redis.register_function('fail', function() error('boom') end)\n" +
	"redis.register_function('sneaky', function(keys) return redis.call('set', keys[1], 'x') end)\n"

func TestFunctionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("function", "load", testLibrary)
	d.Run(`
		fcall echo 2 a b c
		fcall echo 0
		fcall ECHO 0
		fcall nosuch 0
		fcall echo abc
		fcall echo -1
		fcall echo 5
		fcall set 1 k v
		fcall get 1 k
		fcall_ro get 1 k
		fcall_ro set 1 k v
		fcall_ro echo 0
		fcall fail 0
		fcall get 0
		function stats
		function delete nosuch
		function delete LIB
		function delete lib
		function list
		fcall echo 0
		function stats
	`)
	d.Do("function", "load", testLibrary)
	d.Do("function", "load", testLibrary)
	d.Do("function", "load", "replace", testLibrary)
	d.Do("function", "load", "REPLACE", "replace", testLibrary)
	d.Do("function", "load", "bad", testLibrary)
	d.Run(`
		function load
		function flush bad
		function flush sync extra
		function flush async
		function list
		function flush sync
		function flush
		function stats
		function help
		function kill
		function nosuch
	`)
}

// FUNCTION LIST. Redis lists libraries and functions in its hash tables'
// order; Cairn sorts them by name, so the cases hold one library with one
// function.
func TestFunctionListDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	script := `
		function list
		function load "#!lua name=one\nredis.register_function{function_name = 'f1', callback = function() end, description = 'the one', flags = {'allow-oom', 'no-writes'}}"
		function list
		function list withcode
		function list libraryname ONE
		function list libraryname o*
		function list libraryname nomatch
		function list withcode libraryname one
		function list libraryname
		function list bad
		function list withcode withcode
		function list libraryname one libraryname one
		function stats
		function flush
	`
	d.Run(script)
	d.Cairn.Do("HELLO", "3")
	d.Redis.Do("HELLO", "3")
	d.Run(script)
}

// FUNCTION LOAD's errors: metadata, names, compilation, registration.
func TestFunctionLoadErrorsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	for _, code := range []string{
		"return 1",
		"#!lua name=x",
		"#!lua\nredis.register_function('f', function() end)",
		"#!lua name=a name=b\nredis.register_function('f', function() end)",
		"#!lua foo=bar\nredis.register_function('f', function() end)",
		"#!lua NAME=up\nredis.register_function('f_up', function() end)",
		"#!lua name=\"quoted\"\nredis.register_function('f_q', function() end)",
		"#!foo name=x\nredis.register_function('f', function() end)",
		"#!LUA name=upper\nredis.register_function('f_upper', function() end)",
		"#!lua name=bad-name\nredis.register_function('f', function() end)",
		"#!lua name=x\nreturn y",
		"#!lua name=x\nx = 1",
		"#!lua name=x\nredis.call('ping')",
		"#!lua name=x\nlocal t = {} for k in pairs(_G) do end",
		"#!lua name=x\nredis.log(redis.LOG_NOTICE, 'loading')",
		"#!lua name=x\nreturn redis.REDIS_VERSION",
		"#!lua name=x\n",
		"#!lua name=x\nerror('at load')",
		"#!lua name=x\nerror({err = 'MYERR at load'})",
		"#!lua name=x\nredis.register_function()",
		"#!lua name=x\nredis.register_function('f')",
		"#!lua name=x\nredis.register_function('f', 1)",
		"#!lua name=x\nredis.register_function({}, function() end)",
		"#!lua name=x\nredis.register_function('f', function() end, 3)",
		"#!lua name=x\nredis.register_function{function_name = 'f'}",
		"#!lua name=x\nredis.register_function{callback = function() end}",
		"#!lua name=x\nredis.register_function{function_name = {}, callback = function() end}",
		"#!lua name=x\nredis.register_function{function_name = 'f', callback = 1}",
		"#!lua name=x\nredis.register_function{function_name = 'f', callback = function() end, flags = 'no-writes'}",
		"#!lua name=x\nredis.register_function{function_name = 'f', callback = function() end, flags = {'bad'}}",
		"#!lua name=x\nredis.register_function{function_name = 'f', callback = function() end, description = 1}",
		"#!lua name=x\nredis.register_function{function_name = 'f', callback = function() end, foo = 1}",
		"#!lua name=x\nredis.register_function('bad-name', function() end)",
		"#!lua name=x\nredis.register_function('', function() end)",
		"#!lua name=x\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)",
		"#!lua name=num\nredis.register_function(12, function() return 'twelve' end)",
		"#!lua name=first\nredis.register_function('shared', function() return 1 end)",
		"#!lua name=second\nredis.register_function('shared', function() return 2 end)",
		"#!lua name=first\nredis.register_function('other', function() return 1 end)",
		"#!lua name=timeout\nwhile true do end",
	} {
		d.Do("function", "load", code)
	}
	d.Run(`
		fcall 12 0
		fcall shared 0
		function list libraryname first
		function load "#!lua name=Cased\nredis.register_function('MyFunc', function() return 1 end)"
		function load "#!lua name=cased\nredis.register_function('myfunc', function() return 1 end)"
		function load "#!lua name=cased\nredis.register_function('other', function() return 1 end)"
		fcall MYFUNC 0
		function load "#!lua name=both\nredis.register_function('ab', function() return 1 end) redis.register_function('AB', function() return 1 end)"
	`)
	d.Do("function", "load", "replace", "#!lua name=first\nredis.register_function('shared', function() return 'replaced' end)")
	d.Run("fcall shared 0")
	d.Do("function", "load", "replace", "#!lua name=first\nreturn nosuch")
	d.Run("fcall shared 0")
	// Redis words a bad function name as a bad library name.
	for _, name := range []string{"bad-name", "", "nul\\0byte"} {
		d.Do("function", "load", "replace", "#!lua name=badfn\nredis.register_function('"+name+"', function() end)")
	}
}

// What functions see when they run.
func TestFunctionRuntimeDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("function", "load", "#!lua name=rt\n"+
		"local function pairsOf(t) local r = {} for k in pairs(t) do r[#r + 1] = k end table.sort(r) return r end\n"+
		"redis.register_function('globals', function() return pairsOf(_G) end)\n"+
		"redis.register_function('api', function() return pairsOf(redis) end)\n"+
		"redis.register_function('keys', function() return KEYS end)\n"+
		"redis.register_function('newglobal', function() y = 1 end)\n"+
		"redis.register_function('resp3', function() redis.setresp(3) return {redis.call('hgetall', 'h'), true} end)\n"+
		"redis.register_function('err', function() return redis.call('nosuch') end)\n"+
		"redis.register_function{function_name = 'ro', callback = function(keys) return redis.call('set', keys[1], 1) end, flags = {'no-writes'}}\n"+
		"redis.register_function{function_name = 'flags', callback = function() return 1 end, flags = {'allow-oom', 'no-writes', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}\n")
	d.Run(`
		hset h f v
		fcall globals 0
		fcall api 0
		fcall keys 0
		fcall newglobal 0
		fcall resp3 0
		fcall err 0
		fcall ro 1 k
		fcall_ro ro 1 k
		fcall flags 0
		fcall_ro flags 0
	`)
	d.Cairn.Do("HELLO", "3")
	d.Redis.Do("HELLO", "3")
	d.Run(`
		fcall resp3 0
		function stats
	`)
}

// FUNCTION DUMP and RESTORE: Cairn's payload is Redis's, both ways.
func TestFunctionDumpRestoreDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("function", "load", "#!lua name=other\nredis.register_function('other', function() return 'other' end)")
	single := bulkBody(t, d.Do("function", "dump"))
	d.Do("function", "load", testLibrary)
	// Libraries come in Redis's hash table order: restore what Redis dumped.
	payload := bulkBody(t, d.Redis.Do("function", "dump"))
	d.Run(`
		function flush
		fcall echo 0
	`)
	d.Do("function", "restore", payload)
	d.Run(`
		fcall echo 1 a
		fcall other 0
		function delete other
	`)
	// One library clashes (with two, Redis names the first in hash order).
	d.Do("function", "restore", payload)
	d.Do("function", "restore", payload, "append")
	d.Do("function", "restore", payload, "replace")
	d.Do("function", "restore", payload, "bad")
	d.Do("function", "restore", payload, "flush", "extra")
	d.Run(`
		function delete other
		function load "#!lua name=clash\nredis.register_function('other', function() return 'clash' end)"
	`)
	d.Do("function", "restore", payload, "replace")
	d.Do("function", "restore", payload, "flush")
	d.Run(`
		function list libraryname clash
		fcall other 0
		set k v
		function flush
	`)
	d.Do("function", "restore", single)
	d.Run("function list withcode")
	keyDump := bulkBody(t, d.Do("dump", "k"))
	d.Do("function", "restore", keyDump)
	d.Do("function", "restore", "garbage")
	d.Do("function", "restore", single[:len(single)-1]+"x")
	d.Do("function", "restore", "")
	d.Run(`
		function flush
		function dump
	`)
	d.Do("function", "restore", bulkBody(t, d.Do("function", "dump")))
	d.Run("function list")
}

// bulkBody is the content of a raw bulk string reply.
func bulkBody(t *testing.T, reply string) string {
	t.Helper()
	_, rest, ok := strings.Cut(reply, "\r\n")
	if !ok || reply[0] != '$' {
		t.Fatalf("not a bulk string: %q", reply)
	}
	return strings.TrimSuffix(rest, "\r\n")
}

// Libraries survive a restart; the script cache does not.
func TestFunctionsPersist(t *testing.T) {
	s := cairntest.StartCairn(t)
	c := cairntest.Dial(t, s.Addr)
	if got := c.Do("function", "load", testLibrary); got != "$3\r\nlib\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	c.Do("function", "load", "#!lua name=gone\nredis.register_function('gone', function() return 1 end)")
	c.Do("function", "delete", "gone")
	sha := c.Do("script", "load", "return 1")
	list := c.Do("function", "list", "withcode")
	s.Stop()

	s = cairntest.StartCairnIn(t, s.Dir)
	c = cairntest.Dial(t, s.Addr)
	if got := c.Do("function", "list", "withcode"); got != list {
		t.Fatalf("after restart FUNCTION LIST is\n%q\nwant\n%q", got, list)
	}
	if got := c.Do("fcall", "echo", "1", "a", "b"); got != "*2\r\n*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n" {
		t.Fatalf("FCALL after restart: %q", got)
	}
	if got := c.Do("fcall", "gone", "0"); got != "-ERR Function not found\r\n" {
		t.Fatalf("a deleted library came back: %q", got)
	}
	if got := c.Do("script", "exists", bulkBody(t, sha)); got != "*1\r\n:0\r\n" {
		t.Fatalf("the script cache survived a restart: %q", got)
	}
	c.Do("function", "flush")
	s.Stop()
	s = cairntest.StartCairnIn(t, s.Dir)
	c = cairntest.Dial(t, s.Addr)
	if got := c.Do("function", "list"); got != "*0\r\n" {
		t.Fatalf("FUNCTION FLUSH did not persist: %q", got)
	}
}
