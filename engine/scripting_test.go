package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Lua values a script returns, as RESP2 replies.
func TestScriptRepliesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return 1" 0
		eval "return 3.99" 0
		eval "return -3.99" 0
		eval "return 1e30" 0
		eval "return -1e30" 0
		eval "return 0/0" 0
		eval "return 'text'" 0
		eval "return ''" 0
		eval "return true" 0
		eval "return false" 0
		eval "return nil" 0
		eval "return" 0
		eval "return {}" 0
		eval "return {1, 2, {3, {4}}, 'x'}" 0
		eval "return {1, nil, 3}" 0
		eval "return {nil, 1}" 0
		eval "return {1, 2, x = 3}" 0
		eval "return {true, false, 'a'}" 0
		eval "return {ok = 'fine'}" 0
		eval "return {ok = 'a\\r\\nb'}" 0
		eval "return {err = 'bad'}" 0
		eval "return {err = 'ERR x\\r\\ny\\r\\n'}" 0
		eval "return {err = ''}" 0
		eval "return {ok = 'a', err = 'b'}" 0
		eval "return {err = 3}" 0
		eval "return {ok = 3}" 0
		eval "return {1, {err = 'nested'}, {ok = 'fine'}}" 0
		eval "return {double = 3.5}" 0
		eval "return {double = 1/0}" 0
		eval "return {double = 'x'}" 0
		eval "return {big_number = '123456789012345678901234567890'}" 0
		eval "return {map = {a = 1}}" 0
		eval "return {set = {a = true}}" 0
		eval "return {verbatim_string = {format = 'txt', string = 'hi'}}" 0
		eval "return {verbatim_string = {format = 'txt'}}" 0
		eval "return function() end" 0
		eval "return coroutine.create(function() end)" 0
		eval "return cjson.null" 0
		eval "return {1, 2, 3}, 4" 0
		eval "local t = {} t[1] = 1 t[2] = 2 t[4] = 4 return t" 0
		eval "return redis.error_reply('My error')" 0
		eval "return redis.error_reply('oops')" 0
		eval "return redis.error_reply('-X y')" 0
		eval "return redis.error_reply('')" 0
		eval "return redis.error_reply(1)" 0
		eval "return redis.status_reply('OK')" 0
		eval "return redis.status_reply('a\\nb')" 0
		eval "return redis.status_reply()" 0
	`)
}

// The same values with setresp(3), to a RESP2 and then a RESP3 client.
func TestScriptRESP3RepliesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	script := `
		eval "redis.setresp(3) return true" 0
		eval "redis.setresp(3) return false" 0
		eval "redis.setresp(3) return nil" 0
		eval "redis.setresp(3) return {true, false}" 0
		eval "redis.setresp(3) return {double = 3.5}" 0
		eval "redis.setresp(3) return {double = 1e300 * 1e300}" 0
		eval "redis.setresp(3) return {double = -(1e300 * 1e300)}" 0
		eval "redis.setresp(3) return {big_number = '123'}" 0
		eval "redis.setresp(3) return {map = {a = 1}}" 0
		eval "redis.setresp(3) return {map = {a = {1, 2}}}" 0
		eval "redis.setresp(3) return {set = {a = true}}" 0
		eval "redis.setresp(3) return {verbatim_string = {format = 'txt', string = 'hi'}}" 0
		eval "redis.setresp(3) return {verbatim_string = {format = 'markdown', string = 'hi'}}" 0
		eval "redis.setresp(3) return {verbatim_string = {format = 'x', string = 'hi'}}" 0
		eval "redis.setresp(3) return {verbatim_string = {format = '', string = 'hi'}}" 0
		eval "redis.setresp(3) return {double = 0/0}" 0
		eval "redis.setresp(3) return {double = -(0/0)}" 0
		eval "return {err = 'ERR a\0b'}" 0
		eval "return {ok = 'a\0b'}" 0
		eval "return redis.status_reply('x\0y')" 0
		eval "error('a\0b')" 0
		eval "return {map = {}}" 0
		eval "return {set = {}}" 0
		eval "return {true, false}" 0
		eval "return nil" 0
		eval "return false" 0
		eval "redis.setresp(2) return false" 0
		eval "return redis.setresp(4)" 0
		eval "return redis.setresp()" 0
	`
	d.Run(script)
	d.Cairn.Do("HELLO", "3")
	d.Redis.Do("HELLO", "3")
	d.Run(script)
}

// Replies of commands as redis.call hands them to the script, in RESP2 and
// RESP3.
func TestScriptCallRepliesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set str hello
		rpush list a b c
		hset hash f v
		sadd set m
		zadd zset 1.5 m
		eval "return redis.call('set', 'k', 'v')" 0
		eval "local r = redis.call('set', 'k', 'v') return type(r) .. ':' .. r.ok" 0
		eval "return redis.call('get', 'str')" 0
		eval "return redis.call('get', 'nokey')" 0
		eval "return type(redis.call('get', 'nokey'))" 0
		eval "return redis.call('incr', 'n')" 0
		eval "return type(redis.call('incr', 'n'))" 0
		eval "return redis.call('lrange', 'list', 0, -1)" 0
		eval "return redis.call('hgetall', 'hash')" 0
		eval "return redis.call('smembers', 'set')" 0
		eval "return redis.call('zrange', 'zset', 0, -1, 'withscores')" 0
		eval "return redis.call('blpop', 'nolist', 0)" 0
		eval "return type(redis.call('blpop', 'nolist', 0))" 0
		eval "return redis.call('ping')" 0
		eval "return redis.call('echo', 'x')" 0
		eval "return redis.pcall('incr', 'str')" 0
		eval "local e = redis.pcall('incr', 'str') return {e.err, tostring(e.ignore_error_stats_update)}" 0
		eval "return redis.pcall('lpush', 'str', 'x')" 0
		eval "return redis.call('lpush', 'str', 'x')" 0
		eval "return redis.call('set', 'num', 1.5)" 0
		eval "return redis.call('get', 'num')" 0
		eval "redis.call('set', 'num', 0.1) return redis.call('get', 'num')" 0
		eval "redis.call('set', 'num', 1e15) return redis.call('get', 'num')" 0
		eval "redis.call('set', 'num', 2^60) return redis.call('get', 'num')" 0
		eval "redis.call('set', 'num', -0.0) return redis.call('get', 'num')" 0
		eval "return redis.call('set', 'k', true)" 0
		eval "return redis.call('set', 'k', {})" 0
		eval "return redis.pcall('set', 'k', nil)" 0
		eval "return redis.call()" 0
		eval "return redis.pcall()" 0
		eval "return redis.call('nosuch')" 0
		eval "return redis.pcall('nosuch')" 0
		eval "return redis.call('get')" 0
		eval "return redis.pcall('get', 'a', 'b')" 0
		eval "return redis.call('config')" 0
		eval "return redis.call('config', 'nosuch')" 0
		eval "return redis.call('eval', 'return 1', 0)" 0
		eval "return redis.call('multi')" 0
		eval "return redis.call('subscribe', 'c')" 0
		eval "return redis.call('client', 'id')" 0
		eval "return redis.call('client', 'help')" 0
		eval "return redis.call('watch', 'k')" 0
		eval "return redis.call('command', 'count') > 0" 0
		eval "return redis.call('select', 1)" 0
		eval "redis.call('select', 1) redis.call('set', 'indb1', 'x') return redis.call('get', 'indb1')" 0
		get indb1
		select 1
		get indb1
		select 0
		eval "redis.call('select', 99)" 0
	`)
	d.Cairn.Do("HELLO", "3")
	d.Redis.Do("HELLO", "3")
	d.Run(`
		eval "redis.setresp(3) return redis.call('get', 'nokey')" 0
		eval "redis.setresp(3) return type(redis.call('get', 'nokey'))" 0
		eval "redis.setresp(3) return redis.call('hgetall', 'hash')" 0
		eval "redis.setresp(3) local r = redis.call('hgetall', 'hash') return r.map.f" 0
		eval "redis.setresp(3) local r = redis.call('smembers', 'set') return tostring(r.set.m)" 0
		eval "redis.setresp(3) local r = redis.call('zscore', 'zset', 'm') return r.double * 2" 0
		eval "redis.setresp(3) return redis.call('zscore', 'zset', 'm')" 0
		eval "redis.setresp(3) return redis.call('zrange', 'zset', 0, -1, 'withscores')" 0
		eval "redis.setresp(3) return redis.call('smembers', 'set')" 0
		eval "redis.setresp(3) local r = redis.call('exists', 'str') return type(r)" 0
		eval "redis.setresp(3) return redis.call('ping')" 0
	`)
}

// Errors and the script: ..., on @user_script:N suffix.
func TestScriptErrorsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return x" 0
		eval "\n\nreturn x" 0
		eval "x = 1" 0
		eval "local function f() return y end\nreturn f()" 0
		eval "error('boom')" 0
		eval "error('boom', 0)" 0
		eval "error('a\\nb\\r\\n')" 0
		eval "error({err = 'My Error'})" 0
		eval "error({err = 'ERR x'})" 0
		# error({}) crashes Redis 7.0.15 itself.
		eval "error()" 0
		eval "error(5)" 0
		eval "local function f()\n error({err = 'deep'})\nend\n\nf()" 0
		eval "redis.call('nosuch')" 0
		eval "\nredis.call('incr', 'a', 'b')" 0
		eval "local ok, e = pcall(redis.call, 'nosuch') return e.err" 0
		eval "local ok, e = pcall(error, 'x') return {tostring(ok), e}" 0
		eval "local ok, e = pcall(error, {err = 'y'}) return e.err" 0
		eval "return pcall(function() return x end)" 0
		eval "local function f() return 1 + f() end return f()" 0
		eval "assert(false)" 0
		eval "assert(false, 'assertion')" 0
		eval "assert(1 == 1) return 'ok'" 0
		eval "return 1" -1
		eval "return 1" 5
		eval "return 1" abc
		eval "return 1" 1
		eval "return 1"
		evalsha abc 0
		evalsha ffffffffffffffffffffffffffffffffffffffff 0
		eval_ro "return redis.call('set', 'a', 'b')" 0
		eval_ro "return redis.pcall('set', 'a', 'b')" 0
		eval_ro "return redis.call('publish', 'c', 'm')" 0
		eval_ro "return redis.call('get', 'a')" 0
		eval_ro "return redis.call('select', 1)" 0
		# Lua 5.1's unpack limit (a script cannot hang the server on it),
		# C Lua's math.huge and ASCII-only case mapping, argument errors
		# raised under pcall (no name, no position)
		eval "return unpack({}, 1, 1e8)" 0
		eval "return select('#', unpack({}, 1, 7997))" 0
		eval "return select('#', unpack({}, 1, 7998))" 0
		eval "return {unpack({1, 2, 3}, 2)}" 0
		eval "return {pcall(unpack, 1)}" 0
		eval "return {tostring(math.huge), tostring(-math.huge)}" 0
		eval "return {string.upper('\195\169a'), string.len(string.lower('\255')), string.lower('AbC')}" 0
		eval "return {pcall(bit.band, 'x')}" 0
		eval "return {pcall(struct.pack, 'i', 'x')}" 0
		eval "return bit.band('x')" 0
		# table.concat makes strings, numbers as Lua formats them;
		# string.char takes bytes only
		eval "return {type(table.concat({5})), table.concat({1, 'a', 2.5, 2^53}, '-'), table.concat({1, 2, 3}, ',', 2)}" 0
		eval "return table.concat({1, {}, 3})" 0
		eval "return {pcall(table.concat, {1, true})}" 0
		eval "return {pcall(string.char, 256)}" 0
		eval "return string.char(104, 105)" 0
		# numbers passed to commands: C's %.17g, glibc's inf and nan
		eval "return {redis.call('echo', 1/0), redis.call('echo', -1/0), redis.call('echo', 0/0), redis.call('echo', -(0/0)), redis.call('echo', 0.1)}" 0
	`)
}

// Script flags in a shebang.
func TestScriptShebangDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "#!lua\nreturn 1" 0
		eval "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')" 0
		eval "#!lua flags=no-writes\nreturn redis.call('get', 'a')" 0
		eval "#!lua flags=bad\nreturn 1" 0
		eval "#!foo\nreturn 1" 0
		eval "#!lua name=x\nreturn 1" 0
		eval_ro "#!lua\nreturn 1" 0
		eval_ro "#!lua flags=no-writes\nreturn 1" 0
		eval "#!lua flags=no-writes,allow-oom\nreturn 1" 0
		eval "#!lua flags=allow-cross-slot-keys,no-cluster,allow-stale\nreturn 1" 0
		eval "#!lua flags=\nreturn 1" 0
		eval "#!lua\nreturn x" 0
		eval "#!lua" 0
		eval "#! lua\nreturn 1" 0
		eval "#!lua flags=no-writes foo=bar\nreturn 1" 0
		eval "#!lua\nerror('x')" 0
	`)
}

// SCRIPT LOAD, EXISTS, FLUSH and HELP; EVALSHA of loaded and evaluated
// scripts.
func TestScriptCommandsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		script load "return 'loaded'"
		evalsha 3b69d6f2d7ee9b31d0ed2e7ffc4cc3d73c26b25c 0
		evalsha 3B69D6F2D7EE9B31D0ED2E7FFC4CC3D73C26B25C 0
		evalsha_ro 3b69d6f2d7ee9b31d0ed2e7ffc4cc3d73c26b25c 0
		eval "return 'evaluated'" 0
		script exists 3b69d6f2d7ee9b31d0ed2e7ffc4cc3d73c26b25c ffffffffffffffffffffffffffffffffffffffff
		script exists 3B69D6F2D7EE9B31D0ED2E7FFC4CC3D73C26B25C
		script load "return +"
		script load "#!lua flags=bad\nreturn 1"
		script load
		script flush
		script exists 3b69d6f2d7ee9b31d0ed2e7ffc4cc3d73c26b25c
		evalsha 3b69d6f2d7ee9b31d0ed2e7ffc4cc3d73c26b25c 0
		script flush async
		script flush sync
		script flush bad
		script flush sync async
		script help
		script kill
		script nosuch
		function kill
	`)
}

// Scripts inside MULTI, scripts and WATCH, scripts and blocked clients.
func TestScriptTransactionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		multi
		eval "return redis.call('incr', 'c')" 0
		eval "return redis.call('incr', 'c')" 0
		evalsha nosuchsha 0
		exec
		multi
		eval "return redis.call('incr', 'c')" 0
		eval "error('in exec')" 0
		incr c
		exec
		get c
		multi
		eval "return redis.call('incr', 'c')"
		exec
	`)
	other := newPeer(t, d)
	d.Run("watch w")
	other.Run(`eval "redis.call('set', 'w', 1)" 0`)
	d.Run("multi\nping\nexec")
	d.Run("watch w")
	other.Run(`eval "return redis.call('get', 'w')" 0`)
	d.Run("multi\nping\nexec")

	// A script's push wakes a blocked client once the script is over.
	other.send("blpop", "queue", "0")
	d.Run(`eval "redis.call('rpush', 'queue', 'a', 'b') return redis.call('llen', 'queue')" 0`)
	other.read("blpop after the script")
	d.Run("lrange queue 0 -1")
}

// The rest of the redis.* API.
func TestScriptAPIDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {redis.sha1hex(''), redis.sha1hex('abc'), redis.sha1hex(12)}" 0
		eval "return redis.sha1hex()" 0
		eval "return redis.sha1hex('a', 'b')" 0
		eval "redis.log(redis.LOG_WARNING, 'from a script', 1, {}, 2.5) return 'logged'" 0
		eval "redis.log(redis.LOG_DEBUG, 'quiet') return 'logged'" 0
		eval "redis.log(redis.LOG_WARNING)" 0
		eval "redis.log('x', 'y')" 0
		eval "redis.log(7, 'y')" 0
		eval "redis.set_repl(redis.REPL_ALL) redis.set_repl(redis.REPL_NONE) return 'ok'" 0
		eval "redis.set_repl(99)" 0
		eval "redis.set_repl()" 0
		eval "return {redis.replicate_commands(), redis.breakpoint(), redis.debug('x')}" 0
		eval "return redis.acl_check_cmd('set', 'k', 'v')" 0
		eval "return redis.acl_check_cmd('nosuch')" 0
		eval "return redis.acl_check_cmd()" 0
		eval "return redis.acl_check_cmd('get', {})" 0
	`)
}

// redis.acl_check_cmd answers for the user running the script.
func TestScriptACLCheckDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		acl setuser bob on >123 +@scripting +set +config|get ~x* ~1e+20
		eval "return redis.acl_check_cmd('get')" 0
		eval "return redis.acl_check_cmd('config')" 0
		eval "return redis.acl_check_cmd('config', 'nosuch')" 0
		auth bob 123
		eval "return redis.acl_check_cmd('set', 'xx', 1)" 1 xx
		eval "return redis.acl_check_cmd('hset', 'xx', 'f', 1)" 1 xx
		eval "return redis.acl_check_cmd('set', 'yy', 1)" 0
		eval "return redis.acl_check_cmd('set', 1e20, 1)" 0
		eval "return redis.acl_check_cmd('set')" 0
		eval "return redis.acl_check_cmd('config', 'get', 'x')" 0
		eval "return redis.acl_check_cmd('config', 'set', 'x', 'y')" 0
		eval "return redis.acl_check_cmd('invalid-cmd', 'arg')" 0
		acl log
	`)
}

// KEYS and ARGV, and what scripts see of them.
func TestScriptKeysArgvDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		eval "return {KEYS, ARGV}" 2 a b c d
		eval "return {#KEYS, #ARGV}" 0
		eval "return {#KEYS, #ARGV}" 0 x y
		eval "KEYS[1] = 'changed' return KEYS" 1 a
		eval "return KEYS" 0
		eval "return ARGV[1] .. ARGV[2]" 0 "a b" c
		eval "return type(KEYS)" 0
	`)
}

// What Redis would run out of memory or C stack on must not bring Cairn
// down: a huge string.rep fails, a table containing itself stops nesting.
func TestScriptLimits(t *testing.T) {
	s := cairntest.StartCairn(t)
	c := cairntest.Dial(t, s.Addr)
	if got := c.Do("eval", "return ('x'):rep(1e9)", "0"); !strings.HasPrefix(got, "-ERR user_script:1: not enough memory") {
		t.Errorf("huge string.rep: %q", got)
	}
	if got := c.Do("eval", "local t = {} t[1] = t return t", "0"); !strings.Contains(got, "-ERR reached lua stack limit\r\n") {
		t.Errorf("self-containing table: %.100q", got)
	}
	if got := c.Do("ping"); got != "+PONG\r\n" {
		t.Errorf("PING after: %q", got)
	}
}

// Commands that behave differently when a script calls them: blocking
// stream reads are refused, SORT of a set without order sorts anyway.
func TestScriptCalledCommandsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		xadd s 1-1 f v
		eval "return redis.call('xread','block','0','streams','s','$')" 0
		eval "return redis.call('XREAD','BLOCK','x','streams','s','0')" 0
		eval "return redis.call('xread','count','1','streams','s','0')" 0
		xgroup create s g 0
		eval "return redis.call('xreadgroup','group','g','c','block','10','streams','s','>')" 0
		sadd st c b a e d
		eval "return redis.call('sort','st','by','nosort')" 0
		eval "return redis.call('sort','st','by','nosort','desc','limit','1','2')" 0
		rpush l c b a
		eval "return redis.call('sort','l','by','nosort')" 0
	`)
}
