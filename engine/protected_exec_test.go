package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Differences from Redis 7.0 around protected commands, EXEC's client
// state, scripts' SORT patterns and DEBUG QUICKLIST-PACKED-THRESHOLD,
// fixed in Cairn.

// txClientFields are the CLIENT LIST / CLIENT INFO fields both servers
// must agree on (ids, addresses, ages and buffer sizes differ).
var txClientFields = []string{"name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "resp"}

// txCanon canonicalizes a reply: client info lines keep only
// txClientFields, and ACL LOG's age-seconds and HELLO's id are blanked.
func txCanon(reply string) string {
	n := hsTree(reply)
	if n.kind == '!' {
		return reply
	}
	return txCanonNode(n).String()
}

func txCanonNode(n hsNode) hsNode {
	if (n.kind == '$' || n.kind == '=') && strings.Contains(n.s, "id=") && strings.Contains(n.s, " addr=") {
		var lines []string
		for _, line := range strings.Split(strings.TrimRight(n.s, "\n"), "\n") {
			fields := map[string]string{}
			for _, f := range strings.Fields(line) {
				k, v, _ := strings.Cut(f, "=")
				fields[k] = v
			}
			var keep []string
			for _, k := range txClientFields {
				keep = append(keep, k+"="+fields[k])
			}
			lines = append(lines, strings.Join(keep, " "))
		}
		n.s = strings.Join(lines, "\n")
		return n
	}
	kids := make([]hsNode, len(n.kids))
	for i, k := range n.kids {
		switch {
		case i > 0 && n.kids[i-1].s == "age-seconds":
			k = hsNode{kind: '$', s: "<age>"}
		case i > 0 && n.kids[i-1].s == "id" && k.kind == ':': // HELLO's client id
			k = hsNode{kind: ':', s: "<id>"}
		}
		kids[i] = txCanonNode(k)
	}
	if n.kids != nil {
		n.kids = kids
	}
	return n
}

// Redis refuses DEBUG and MODULE LOAD/UNLOAD by enable-debug-command and
// enable-module-command right after their arity, before AUTH, MULTI and
// ACL: a user without +debug gets that error, not NOPERM, where the
// directive (no, or local to a client not from 127.0.0.1) refuses it,
// and nothing goes to ACL LOG. Where the directive allows it, ACL
// decides. Cairn refused DEBUG in the command, after ACL, and took
// 127.0.0.2 for a local client.
func TestProtectedCommandsDifferentialCases(t *testing.T) {
	for _, mode := range []string{"no", "local", "yes"} {
		d := cairntest.NewDiffer(t, "--enable-debug-command", mode, "--enable-module-command", mode, "--protected-mode", "no")
		d.Run(`
			acl setuser u on nopass +@all -debug -module|load ~* &*
			acl setuser w on >pw +@all ~* &*
		`)
		for _, src := range []string{"127.0.0.1", "127.0.0.2"} {
			r, c := cairntest.DialFrom(t, src, d.RedisServer.Addr), cairntest.DialFrom(t, src, d.CairnServer.Addr)
			for _, args := range [][]string{
				{"DEBUG"},
				{"DEBUG", "SLEEP", "0"},
				{"MODULE", "LOAD", "/nonexistent/module.so"},
				{"MODULE", "UNLOAD", "nosuch"},
				{"MODULE", "LIST"},
				{"AUTH", "u", "x"},
				{"DEBUG", "SLEEP", "0"},
				{"debug", "nosuch"},
				{"MODULE", "LOAD", "/nonexistent/module.so"},
				{"MODULE", "UNLOAD", "nosuch"},
				{"MULTI"},
				{"DEBUG", "SLEEP", "0"},
				{"PING"},
				{"EXEC"},
				{"EVAL", "return redis.pcall('debug', 'sleep', '0')", "0"},
				{"AUTH", "default", "x"},
			} {
				want, got := r.Do(args...), c.Do(args...)
				if want != got {
					t.Errorf("enable-debug-command %s, from %s, %q:\n redis: %q\n cairn: %q", mode, src, args, want, got)
				}
			}
		}
		admin := newPair(t, d)
		admin.do(normalizeLog, "ACL", "LOG")
		admin.do(nil, "ACL", "LOG", "RESET")
		// Before AUTH too: a client that must authenticate first.
		admin.do(nil, "CONFIG", "SET", "requirepass", "secret")
		for _, src := range []string{"127.0.0.1", "127.0.0.2"} {
			r, c := cairntest.DialFrom(t, src, d.RedisServer.Addr), cairntest.DialFrom(t, src, d.CairnServer.Addr)
			for _, args := range [][]string{{"DEBUG", "SLEEP", "0"}, {"MODULE", "LOAD", "/nonexistent/module.so"}, {"GET", "k"}} {
				want, got := r.Do(args...), c.Do(args...)
				if want != got {
					t.Errorf("enable-debug-command %s, from %s, unauthenticated, %q:\n redis: %q\n cairn: %q", mode, src, args, want, got)
				}
			}
		}
		d.Redis.Do("AUTH", "secret")
		d.Cairn.Do("AUTH", "secret")
		d.Do("CONFIG", "SET", "requirepass", "")
		d.RedisServer.Stop()
		d.CairnServer.Stop()
	}
}

// Redis keeps the client in MULTI while EXEC runs its commands: CLIENT
// INFO and CLIENT LIST show flags=x and multi=<queued commands>, and so
// does the client info of an ACL LOG entry made by EXEC. Cairn ended the
// transaction first.
func TestExecClientStateDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	other := newPeer(t, d)
	cmp := func(args ...string) {
		t.Helper()
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if txCanon(want) != txCanon(got) {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}
	for _, proto := range []string{"2", "3"} {
		d.Redis.Do("HELLO", proto)
		d.Cairn.Do("HELLO", proto)
		cmp("CLIENT", "INFO")
		d.Run(`
			multi
			client info
			set a 1
			client setname inexec
			client info
			select 3
			client info
			select 0
		`)
		cmp("EXEC")
		cmp("CLIENT", "INFO")
		d.Run("client setname \"\"")
		// WATCH, and an empty transaction.
		d.Run(`
			watch a
			multi
			client info
		`)
		cmp("EXEC")
		d.Run("multi")
		cmp("EXEC")
	}
	// ACL LOG's client info for a command EXEC refuses (the rules changed
	// after it was queued).
	admin := newPair(t, d)
	admin.run("acl setuser tx on nopass +@all -debug ~* &*")
	d.Run(`
		auth tx x
		multi
		get a
		set a 2
	`)
	admin.run("acl setuser tx -get")
	cmp("EXEC")
	admin.do(txCanon, "ACL", "LOG")
	// And for an AUTH that fails inside EXEC (context "multi").
	admin.run("acl setuser pwu on >pw +@all ~*")
	d.Run(`
		multi
		auth pwu bad
		hello 2 auth pwu bad
		exec
	`)
	admin.do(txCanon, "ACL", "LOG", "2")
	// Rules can still change around a transaction that WATCHes.
	d.Run(`
		auth default x
		set w 1
		watch w
		multi
		incr w
	`)
	other.Run("set w 5")
	cmp("EXEC")
	d.Run(`
		watch w
		multi
		incr w
		exec
	`)
}

// SORT's BY and GET patterns are refused to a user without full read
// access also when a script or function calls SORT: the script runs as
// its caller's user. Cairn's script client ran as nobody in particular.
func TestScriptSortPatternsDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		acl setuser s on nopass +@all ~l* &*
		acl setuser r on nopass +@all %R~* ~l* &*
		acl setuser a on nopass +@all allkeys &*
		rpush l1 3 1 2
		mset w_1 30 w_2 10 w_3 20 h_1 a h_2 b h_3 c
		function load "#!lua name=lib\nredis.register_function('f', function(k, a) return redis.call('sort', k[1], a[1], a[2]) end)\nredis.register_function('g', function(k, a) return redis.pcall('sort_ro', k[1], a[1], a[2]) end)"
	`)
	for _, user := range []string{"s", "r", "a"} {
		d.Do("AUTH", user, "x")
		d.Run(`
			sort l1 by w_*
			eval "return redis.call('sort', KEYS[1], 'by', 'w_*')" 1 l1
			eval "return redis.call('sort', KEYS[1], 'get', '#', 'get', 'h_*')" 1 l1
			eval "return redis.pcall('sort', KEYS[1], 'get', 'h_*')" 1 l1
			eval "return redis.call('sort', KEYS[1], 'by', 'nosort')" 1 l1
			eval "return redis.call('sort_ro', KEYS[1], 'by', 'w_*', 'get', '#')" 1 l1
			eval "return redis.pcall('sort', KEYS[1], 'by', 'w_*', 'store', 'l2')" 1 l1
			fcall f 1 l1 by w_*
			fcall f 1 l1 get h_*
			fcall f 1 l1 by nosort
			fcall g 1 l1 get h_*
			fcall_ro g 1 l1 by w_*
			multi
			sort l1 by w_* get h_*
			eval "return redis.pcall('sort', KEYS[1], 'get', 'h_*')" 1 l1
			exec
		`)
	}
}

// DEBUG QUICKLIST-PACKED-THRESHOLD takes a memory value (memtoull) of at
// most 4 GB - 1 MB; Cairn took anything.
func TestQuicklistPackedThresholdDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	for _, v := range []string{"0", "1", "2", "100", "1k", "1kb", "1KB", "1B", "1gb", "4095mb", "4gb",
		"4293918720", "4293918721", "4294967295", "4294967296b", "-1", "abc", "", "k", "1.5", "01", "+5", " 5", "5 ",
		"99999999999999999999999", "99999999999999999999999k", "18014398509481984kb", "18014398509481985kb",
		"1\x00x", "1kbb", "1 kb", "0x10", strings.Repeat("0", 127) + "1", strings.Repeat("0", 128) + "1", "0"} {
		d.Do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", v)
	}
	d.Do("DEBUG", "QUICKLIST-PACKED-THRESHOLD")
	d.Do("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1", "2")
}
