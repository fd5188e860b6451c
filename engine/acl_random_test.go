package engine_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestACLRandomDifferential drives the ACL table through random ACL SETUSER
// rule sequences (valid and not), and compares with Redis 7.0 what follows:
// ACL GETUSER, LIST, USERS, DELUSER, CAT, DRYRUN of random commands, AUTH
// as the users on a second connection that then runs random commands
// (alone, in MULTI, in scripts, SUBSCRIBE), the ACL LOG this produces, and
// ACL GENPASS's length. Rule lists are compared with their runs of single
// command rules sorted (Redis lists them in its hash table's order); ACL
// LOG without its age and client info. A difference fails the test with the
// recent commands, then both servers are reset and the run goes on.
//
// The test's own admin user sends the ACL commands, so that the default
// user's rules may change too. 10 seeds by default; CAIRN_LONG_TESTS=1 runs
// 200, CAIRN_ACL_SEEDS=N runs N, from seed CAIRN_ACL_FIRST (0). Odd seeds
// speak RESP3 on the admin connection, seeds 2 and 3 (mod 4) on the
// user's.
func TestACLRandomDifferential(t *testing.T) {
	seeds, steps := 10, 700
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 200
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_ACL_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	first, _ := strconv.Atoi(os.Getenv("CAIRN_ACL_FIRST"))
	d := cairntest.NewDiffer(t)
	failures := 0
	for seed := first; seed < first+seeds; seed++ {
		a := &aclRun{t: t, d: d, r: rand.New(rand.NewPCG(uint64(seed), 0x61636c)), seed: seed, failures: &failures}
		a.start()
		for range steps {
			a.step()
			if failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		a.end()
	}
}

var (
	aclUsers     = []string{"u1", "u2", "u3"}
	aclPasswords = []string{"p1", "p2", "", "p 3"}
	aclKeys      = []string{"a", "a1", "ab", "b", "b1", "r1", "w1", "rw1", "k:x", "{t}a", "a*"}
	aclKeyPats   = []string{"a*", "b?", "*1", "r*", "w*", "rw*", "[ab]*", "k:*", "*", "", "{t}*", "a", "A*", `a\*`, "[^a]*"}
	aclChannels  = []string{"ch", "ch1", "chx", "news", "n.1", "*"}
	aclChanPats  = []string{"ch*", "ch?", "ch", "news", "*", "n.*", "", "ch1"}
	aclRuleCmds  = []string{"get", "set", "del", "mget", "mset", "copy", "rename", "incr", "append", "exists",
		"type", "publish", "subscribe", "psubscribe", "spublish", "ping", "echo", "select", "multi", "exec",
		"discard", "eval", "config", "client", "acl", "flushall", "keys", "lpush", "lrange", "sadd", "hset",
		"zadd", "sort", "object", "debug", "auth", "hello", "xadd", "unsubscribe", "getdel", "strlen", "dbsize"}
	aclRuleSubs = []string{"config|get", "config|set", "config|resetstat", "client|list", "client|setname",
		"client|getname", "client|kill", "acl|whoami", "acl|dryrun", "acl|cat", "acl|log", "object|encoding",
		"object|freq", "debug|object", "select|0", "select|1", "get|a", "set|x", "config|GET", "ACL|WhoAmI"}
	aclCats = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
		"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
		"connection", "transaction", "scripting", "all", "READ", "Write"}
	// Rules Redis refuses, each for its own reason.
	aclBadRules = []string{"foo", "+nosuch", "-nosuch", "+@nosuch", "-@nosuch", "+", "-", "+config|nosuch",
		"+config|get|x", "-select|0", "-config|", "+select|", "+get|", "<nosuch", "!" + strings.Repeat("0", 64),
		"#abc", "!abc", "#" + strings.Repeat("A", 64), "#" + strings.Repeat("g", 64), "%", "%~x", "%X~x",
		"%RR~x", "%R", "%Rx", "~a b", "&a b", "~a\tb", "(", "(~x", "+get)", "(foo)", "(on)", "(nopass)",
		"(>p)", "((~x)", "(~x))", "(reset)", "(clearselectors)", "(+@nosuch)", "ON OFF", "+@all(", "-@"}
)

// aclLibrary's functions run commands on the key they are given, as the
// calling user.
const aclLibrary = `#!lua name=acllib
redis.register_function('aclget', function(keys) return redis.pcall('get', keys[1]) end)
redis.register_function('aclset', function(keys) return redis.call('set', keys[1], 'f') end)`

type aclRun struct {
	t        *testing.T
	d        *cairntest.Differ
	r        *rand.Rand
	seed     int
	n        int // commands compared in this seed
	hist     []string
	failures *int
	user     *pair  // the second connection
	authed   string // the user it is authenticated as
}

func (a *aclRun) start() {
	a.hist = nil
	for _, c := range []*cairntest.Conn{a.d.Redis, a.d.Cairn} {
		c.Do("HELLO", []string{"2", "3"}[a.seed%2])
		c.Do("ACL", "SETUSER", "admin", "on", ">adm", "~*", "&*", "+@all")
		c.Do("AUTH", "admin", "adm")
	}
	a.reset()
}

// reset deletes the test's users, restores the default user, empties ACL
// LOG and the keyspace, and opens a new second connection.
func (a *aclRun) reset() {
	for _, c := range []*cairntest.Conn{a.d.Redis, a.d.Cairn} {
		c.Do(append([]string{"ACL", "DELUSER"}, aclUsers...)...)
		c.Do("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
		c.Do("CONFIG", "SET", "acllog-max-len", "128")
		c.Do("CONFIG", "SET", "acl-pubsub-default", "resetchannels")
		c.Do("FUNCTION", "LOAD", "REPLACE", aclLibrary)
		c.Do("ACL", "LOG", "RESET")
		c.Do("FLUSHALL")
	}
	a.redial()
}

func (a *aclRun) redial() {
	if a.user != nil {
		a.user.redis.Close()
		a.user.cairn.Close()
	}
	tb := aclUserTB{a.t}
	a.user = &pair{tb, cairntest.Dial(tb, a.d.RedisServer.Addr), cairntest.Dial(tb, a.d.CairnServer.Addr)}
	a.authed = "default"
	// A round trip, so that both servers have accepted the connection (as
	// the default user now is) before the next change of the default user.
	// HELLO needs no AUTH; a difference is only reported, as a reset would
	// come back here.
	hello := []string{"HELLO", []string{"2", "3"}[a.seed/2%2]}
	want, got := aclDo(a.user.redis, hello), aclDo(a.user.cairn, hello)
	if want != got && (want[0] == '-' || got[0] == '-') {
		*a.failures++
		a.t.Errorf("seed %d: %s on a new connection:\n redis: %q\n cairn: %q", a.seed, ksLine(hello), want, got)
	}
}

func (a *aclRun) end() {
	a.admin(normalizeRules, "ACL", "LIST")
	a.admin(normalizeLog, "ACL", "LOG")
}

// admin runs a command as the admin user and compares the replies once
// normalized by norm (nil: byte for byte).
func (a *aclRun) admin(norm func(string) string, args ...string) (string, bool) {
	return a.compare("admin", a.d.Redis, a.d.Cairn, norm, args)
}

// as runs a command on the second connection. Its user may have been
// deleted or killed since: if both servers closed it, a new one is opened.
func (a *aclRun) as(args ...string) (string, bool) {
	a.t.Helper()
	a.n++
	a.hist = append(a.hist, "user : "+ksLine(args))
	want, got := aclDo(a.user.redis, args), aclDo(a.user.cairn, args)
	if want != got {
		a.fail(args, want, got)
		return want, false
	}
	if aclIsClosed(want) {
		a.redial()
	}
	return want, true
}

// aclUserTB lets a write to the second connection fail without ending the
// test: a server may have closed it (the user was deleted or killed, its
// channels revoked), which the read that follows reports.
type aclUserTB struct{ *testing.T }

func (aclUserTB) Fatal(...any) {}

const aclClosed = "<closed>"

func aclIsClosed(reply string) bool { return strings.HasSuffix(reply, aclClosed) }

// aclDo sends a command and reads its reply, or aclClosed.
func aclDo(c *cairntest.Conn, args []string) string {
	c.Send(args...)
	return aclRead(c)
}

// aclRead reads a reply, or aclClosed. A closed connection answers at once;
// the timeout is for a loaded machine. A message pushed to a RESP3
// subscriber (its own PUBLISH) comes with the reply that follows it.
func aclRead(c *cairntest.Conn) string {
	var pushed string
	for {
		reply, ok := c.ReadTimeout(10 * time.Second)
		if !ok {
			return pushed + aclClosed
		}
		if n := hsTree(reply); n.kind == '>' && len(n.kids) > 0 && strings.HasSuffix(n.kids[0].s, "message") {
			pushed += reply
			continue
		}
		return pushed + reply
	}
}

func (a *aclRun) compare(who string, redis, cairn *cairntest.Conn, norm func(string) string, args []string) (string, bool) {
	a.t.Helper()
	a.n++
	a.hist = append(a.hist, who+": "+ksLine(args))
	want, got := redis.Do(args...), cairn.Do(args...)
	if norm == nil && want == got || norm != nil && norm(want) == norm(got) {
		return want, true
	}
	a.fail(args, want, got)
	return want, false
}

// fail reports a difference and starts again from no users, so that one
// difference does not cascade.
func (a *aclRun) fail(args []string, want, got string) {
	a.t.Helper()
	*a.failures++
	recent := a.hist[max(0, len(a.hist)-40):]
	a.t.Errorf("seed %d, command %d: %s\n redis: %.800q\n cairn: %.800q\n recent commands:\n   %s",
		a.seed, a.n, ksLine(args), want, got, strings.Join(recent, "\n   "))
	a.hist = nil
	a.reset()
}

// --- generators ---

func (a *aclRun) pick(xs ...string) string { return xs[a.r.IntN(len(xs))] }

func (a *aclRun) chance(n int) bool { return a.r.IntN(n) == 0 }

func (a *aclRun) userName() string {
	if a.chance(15) {
		return a.pick("default", "nosuch", "u4")
	}
	return a.pick(aclUsers...)
}

// cased is s, sometimes in upper case: Redis takes rule words in any case.
func (a *aclRun) cased(s string) string {
	if a.chance(8) {
		return strings.ToUpper(s)
	}
	return s
}

func aclHash(pass string) string {
	h := sha256.Sum256([]byte(pass))
	return hex.EncodeToString(h[:])
}

// rule is one ACL SETUSER argument; inSelector leaves out what only the
// root of a user may hold.
func (a *aclRun) rule(inSelector bool) string {
	if a.chance(25) {
		return a.pick(aclBadRules...)
	}
	switch a.r.IntN(13) {
	case 0:
		if inSelector {
			return a.cased(a.pick("allkeys", "resetkeys", "allchannels", "resetchannels", "allcommands", "nocommands"))
		}
		return a.cased(a.pick("on", "off", "nopass", "resetpass", "reset", "allkeys", "resetkeys",
			"allchannels", "resetchannels", "allcommands", "nocommands", "clearselectors",
			"skip-sanitize-payload", "sanitize-payload", "on"))
	case 1:
		if inSelector {
			return "~" + a.pick(aclKeyPats...)
		}
		pass := a.pick(aclPasswords...)
		switch a.r.IntN(4) {
		case 0:
			return "<" + pass
		case 1:
			return "#" + aclHash(pass)
		case 2:
			return "!" + aclHash(pass)
		}
		return ">" + pass
	case 2, 3:
		return a.pick("~", "%R~", "%W~", "%RW~", "%WR~", "%r~", "%w~", "~", "~") + a.pick(aclKeyPats...)
	case 4:
		return "&" + a.pick(aclChanPats...)
	case 5, 6:
		return a.pick("+", "-", "+") + a.cased(a.pick(aclRuleCmds...))
	case 7, 8:
		return a.pick("+@", "-@") + a.pick(aclCats...)
	case 9:
		return "+" + a.pick(aclRuleSubs...)
	case 10:
		return "-" + a.pick(aclRuleSubs[:14]...)
	}
	if inSelector {
		return a.pick("+@all", "-@all", "allkeys")
	}
	var inner []string
	for range a.r.IntN(4) {
		inner = append(inner, a.rule(true))
	}
	return "(" + strings.Join(inner, " ") + ")"
}

// setuser sends ACL SETUSER with random rules; a selector is sometimes
// split over several arguments, as redis-cli users write it.
func (a *aclRun) setuser(name string) {
	args := []string{"ACL", "SETUSER", name}
	if a.chance(4) {
		args = append(args, "reset")
	}
	for range a.r.IntN(6) {
		r := a.rule(false)
		// Only a well-formed selector: "(+get) +set|x)" split would leave
		// "+set|x)" at the root, whose ")" the rule normalizer takes for
		// the end of a selector.
		if strings.Count(r, "(") == 1 && strings.Count(r, ")") == 1 && strings.Contains(r, " ") && a.chance(2) {
			args = append(args, strings.Split(r, " ")...)
			continue
		}
		args = append(args, r)
	}
	if a.chance(3) {
		args = append(args, "on", ">"+a.pick(aclPasswords...))
	}
	if _, ok := a.admin(nil, args...); ok && a.chance(2) {
		a.admin(normalizeRules, "ACL", "GETUSER", name)
	}
}

func (a *aclRun) key() string { return a.pick(aclKeys...) }

// command is a random command whose reply does not depend on the server
// (no ids, addresses, times), with keys and channels from the test's pools.
func (a *aclRun) command() []string {
	k, v := a.key(), a.pick("v", "1", "x")
	switch a.r.IntN(34) {
	case 0, 1:
		return []string{"GET", k}
	case 2, 3:
		return []string{"SET", k, v}
	case 4:
		return []string{"DEL", k, a.key()}
	case 5:
		return []string{"MGET", k, a.key(), a.key()}
	case 6:
		return []string{"MSET", k, v, a.key(), v}
	case 7:
		return []string{"COPY", k, a.key()}
	case 8:
		return []string{"RENAME", k, a.key()}
	case 9:
		return []string{a.pick("INCR", "STRLEN", "GETDEL", "TYPE", "EXISTS", "TTL"), k}
	case 10:
		return []string{"APPEND", k, v}
	case 11:
		return []string{"LPUSH", k, v}
	case 12:
		return []string{a.pick("LRANGE", "ZRANGE"), k, "0", "-1"}
	case 13:
		return []string{"SADD", k, v}
	case 14:
		return []string{"HSET", k, "f", v}
	case 15:
		// BY and GET need read access to all keys.
		return a.pickArgs([]string{"SORT", k}, []string{"SORT", k, "LIMIT"}, []string{"SORT", k, "BY", "x*", "ALPHA"},
			[]string{"SORT", k, "BY", "nosort"}, []string{"SORT_RO", k, "GET", "#", "ALPHA"},
			[]string{"SORT", k, "GET", "x*", "ALPHA"})
	case 16:
		return []string{"PUBLISH", a.pick(aclChannels...), "m"}
	case 17:
		return []string{"SPUBLISH", a.pick(aclChannels...), "m"}
	case 18:
		return []string{a.pick("PING", "DBSIZE", "ACL")}
	case 19:
		return []string{"ECHO", "e"}
	case 20:
		return []string{"SELECT", a.pick("0", "1", "0")}
	case 21:
		return []string{"CONFIG", "GET", a.pick("maxmemory", "acllog-max-len", "ACLLOG-max-len")}
	case 22:
		return []string{"CONFIG", a.pick("GET", "RESETSTAT", "nosuch", "help")}
	case 23:
		return a.pickArgs([]string{"CLIENT", "GETNAME"}, []string{"CLIENT", "SETNAME", "me"}, []string{"CLIENT", "SETNAME"})
	case 24:
		return []string{"ACL", a.pick("WHOAMI", "CAT")}
	case 25:
		return []string{"ACL", "DRYRUN", a.userName(), "GET", k}
	case 26:
		return []string{"OBJECT", a.pick("ENCODING", "FREQ", "REFCOUNT"), k}
	case 27:
		return []string{"EVAL", "return redis.call('get', KEYS[1])", "1", k}
	case 28:
		return []string{"EVAL", "return redis.pcall('set', ARGV[1], 'v')", "0", k}
	case 29:
		return []string{"EVAL", "return redis.pcall('publish', ARGV[1], 'm')", "0", a.pick(aclChannels...)}
	case 30:
		return []string{a.pick("nosuch", "GET", "SET", "CONFIG", "OBJECT")}
	case 31:
		return []string{"ZADD", k, "1", v}
	case 32:
		return []string{"EXISTS", k, a.key()}
	}
	return []string{"SINTERCARD", "2", k, a.key()}
}

// dryCommand is a command for ACL DRYRUN, which does not run it: anything
// goes.
func (a *aclRun) dryCommand() []string {
	k, k2 := a.key(), a.key()
	switch a.r.IntN(30) {
	case 0:
		return []string{"FLUSHALL"}
	case 1:
		return []string{"KEYS", "*"}
	case 2:
		return []string{"DEBUG", "OBJECT", k}
	case 3:
		return []string{"CONFIG", "SET", "maxmemory", "0"}
	case 4:
		return []string{"CLIENT", a.pick("LIST", "KILL", "INFO", "ID")}
	case 5:
		return []string{"SUBSCRIBE", a.pick(aclChannels...), a.pick(aclChannels...)}
	case 6:
		return []string{"PSUBSCRIBE", a.pick(aclChanPats...)}
	case 7:
		return []string{"SSUBSCRIBE", a.pick(aclChannels...)}
	case 8:
		return []string{a.pick("UNSUBSCRIBE", "PUNSUBSCRIBE"), a.pick(aclChannels...)}
	case 9:
		return []string{"SORT", k, "BY", "x*", "STORE", k2}
	case 10:
		return []string{"ZUNIONSTORE", k, "2", k2, a.key()}
	case 11:
		return []string{"XREAD", "STREAMS", k, k2, "0", "0"}
	case 12:
		return []string{"GEORADIUS", k, "0", "0", "1", "km", "STORE", k2}
	case 13:
		return []string{"EVAL", "return 1", "2", k, k2}
	case 14:
		return []string{"LMOVE", k, k2, "LEFT", "RIGHT"}
	case 15:
		return []string{"BITOP", "AND", k, k2, a.key()}
	case 16:
		return []string{"MIGRATE", "h", "1", "", "0", "0", "KEYS", k, k2}
	case 17:
		return []string{"PUBSUB", a.pick("CHANNELS", "NUMSUB", "NUMPAT"), a.pick(aclChannels...)}
	case 18:
		return []string{"SET", k, "v", "GET"}
	case 19:
		return []string{"AUTH", "x"}
	case 20:
		return []string{"HELLO"}
	case 21:
		return []string{"ACL", a.pick("SETUSER", "GETUSER", "LOG", "WHOAMI", "nosuch"), "u1"}
	case 22:
		return []string{"OBJECT"}
	case 23, 24, 25, 26, 27:
		return a.pickArgs([]string{"TOUCH", k, k2}, []string{"GETEX", k}, []string{"SETRANGE", k, "0", "v"},
			[]string{"SMOVE", k, k2, "m"}, []string{"RPOPLPUSH", k, k2}, []string{"SINTERSTORE", k, k2},
			[]string{"ZRANGESTORE", k, k2, "0", "1"}, []string{"PFMERGE", k, k2}, []string{"BLPOP", k, k2, "0"},
			[]string{"XADD", k, "*", "f", "v"}, []string{"LCS", k, k2}, []string{"EXPIRE", k, "10"},
			[]string{"RENAMENX", k, k2}, []string{"MSETNX", k, "1", k2, "2"}, []string{"FCALL", "f", "2", k, k2},
			[]string{"EVAL_RO", "return 1", "1", k}, []string{"MEMORY", "USAGE", k}, []string{"WATCH", k, k2},
			[]string{"DUMP", k}, []string{"RESTORE", k, "0", "x"}, []string{"SORT_RO", k, "GET", "#"},
			[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", k, ">"}, []string{"PFCOUNT", k, k2},
			[]string{"GEOSEARCHSTORE", k, k2, "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"},
			[]string{"SUNSUBSCRIBE", a.pick(aclChannels...)}, []string{"PUBSUB", "SHARDNUMSUB", "ch"},
			[]string{"OBJECT", "HELP"}, []string{"SCAN", "0"}, []string{"RANDOMKEY"}, []string{"LPOS", k, "x"},
			[]string{"SELECT", a.pick("0", "1", "00", "x")}, []string{"BITFIELD", k, "GET", "u8", "0"},
			[]string{"BITFIELD_RO", k, "GET", "u8", "0"}, []string{"SINTERCARD", "2", k, k2, "LIMIT", "1"},
			[]string{"ZUNION", "2", k, k2}, []string{"LMPOP", "2", k, k2, "LEFT"}, []string{"XINFO", "STREAM", k},
			[]string{"CLIENT", "NO-EVICT", "on"}, []string{"CONFIG", "GET", "x"}, []string{"ACL", "LOG", "RESET"})
	}
	return a.command()
}

// --- steps ---

func (a *aclRun) step() {
	switch a.r.IntN(46) {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		a.setuser(a.pick(aclUsers...))
	case 8:
		switch a.r.IntN(3) {
		case 0:
			a.setuser(a.pick("a b", "", "u\x00", "u4"))
		case 1:
			a.setuser("default")
		default:
			a.setuser(a.pick(aclUsers...))
		}
	case 9, 10:
		a.admin(normalizeRules, "ACL", "GETUSER", a.userName())
	case 11:
		a.admin(normalizeRules, "ACL", "LIST")
	case 12:
		a.admin(nil, "ACL", "USERS")
	case 13:
		a.deluser()
	case 14, 15, 16, 17, 18:
		a.admin(nil, append([]string{"ACL", "DRYRUN", a.userName()}, a.dryCommand()...)...)
	case 19, 20:
		a.auth()
	case 21, 22, 23, 24, 25, 26, 27:
		a.as(a.command()...)
	case 28:
		a.multi()
	case 29:
		a.subscribe()
	case 30, 31:
		args := []string{"ACL", "LOG"}
		if a.chance(3) {
			args = append(args, a.pick("0", "1", "3", "-1", "x"))
		}
		a.admin(normalizeLog, args...)
	case 32:
		if a.chance(3) {
			a.admin(nil, "ACL", "LOG", "RESET")
		} else {
			a.as("ACL", "WHOAMI")
		}
	case 33:
		if a.chance(3) {
			a.admin(nil, "ACL", "CAT")
		} else {
			a.cat()
		}
	case 34:
		a.genpass()
	case 35:
		a.as("EVAL", "return redis.call('set', ARGV[1], 'v')", "0", a.key())
	case 36:
		a.as(a.storeCommand()...)
	case 37:
		a.refused()
	case 38:
		// A user with the right may change the rules or kill clients too,
		// its own included.
		switch a.r.IntN(3) {
		case 0:
			a.as("ACL", "DELUSER", a.userName())
		case 1:
			a.as("CLIENT", "KILL", "USER", a.userName())
		default:
			a.as("ACL", "SETUSER", a.pick(aclUsers...), a.rule(false), a.rule(false))
		}
		a.as("PING")
	case 39:
		a.admin(nil, "CLIENT", "KILL", "USER", a.userName())
		a.as("PING")
	case 40:
		a.admin(nil, "CONFIG", "SET", "acllog-max-len", a.pick("0", "1", "2", "5", "128"))
	case 41:
		a.admin(nil, "CONFIG", "SET", "requirepass", a.pick(aclPasswords...))
		a.admin(nil, "CONFIG", "GET", "requirepass")
	case 42:
		a.admin(normalizeRules, a.badACL()...)
	case 43:
		a.admin(nil, "CONFIG", "SET", "acl-pubsub-default", a.pick("allchannels", "resetchannels"))
	case 44:
		if _, ok := a.as("RESET"); ok {
			a.authed = "default"
		}
	default:
		a.as("FCALL", a.pick("aclget", "aclset"), "1", a.key())
	}
}

// refused runs a random command on the second connection if Redis's ACL
// DRYRUN says its user may not: whatever the command, the reply is then an
// error that does not depend on the server.
func (a *aclRun) refused() {
	args := a.dryCommand()
	if a.d.Redis.Do(append([]string{"ACL", "DRYRUN", a.authed}, args...)...) != "+OK\r\n" {
		a.as(args...)
	}
}

// badACL is an ACL command with too few or too many arguments, or an
// unknown subcommand.
func (a *aclRun) badACL() []string {
	u := a.userName()
	return a.pickArgs([]string{"ACL"}, []string{"ACL", "nosuch"}, []string{"ACL", "SETUSER"},
		[]string{"ACL", "GETUSER"}, []string{"ACL", "GETUSER", u, "x"}, []string{"ACL", "DELUSER"},
		[]string{"ACL", "DRYRUN"}, []string{"ACL", "DRYRUN", u}, []string{"ACL", "WHOAMI", "x"},
		[]string{"ACL", "USERS", "x"}, []string{"ACL", "LIST", "x"}, []string{"ACL", "CAT", "read", "x"},
		[]string{"ACL", "LOG", "1", "2"}, []string{"ACL", "LOG", "RESET", "x"}, []string{"ACL", "GENPASS", "1", "2"},
		[]string{"ACL", "DRYRUN", u, "nosuch"}, []string{"ACL", "DRYRUN", u, "CONFIG"},
		[]string{"ACL", "DRYRUN", u, "CONFIG", "nosuch"}, []string{"ACL", "DRYRUN", u, "GET"},
		[]string{"ACL", "DRYRUN", u, "CONFIG", "GET"}, []string{"ACL", "HELP", "x"}, []string{"acl", "Help"})
}

func (a *aclRun) pickArgs(xs ...[]string) []string { return xs[a.r.IntN(len(xs))] }

// storeCommand is a command that reads some keys and writes others, or
// one whose key count is wrong: Redis then finds no keys to check.
func (a *aclRun) storeCommand() []string {
	k, k2 := a.key(), a.key()
	switch a.r.IntN(6) {
	case 0:
		return []string{"SORT", k, "ALPHA", "STORE", k2}
	case 1:
		return []string{"SET", k, "v", "GET"}
	case 2:
		return []string{"EVAL", "return 1", "2", k, k2}
	case 3:
		return a.pickArgs([]string{"ZUNIONSTORE", k, "2", k2, a.key()}, []string{"SINTERSTORE", k, k2},
			[]string{"XREAD", "COUNT", "1", "STREAMS", k, k2, "0", "0"}, []string{"SMOVE", k, k2, "m"},
			[]string{"GETEX", k, "PERSIST"}, []string{"RPOPLPUSH", k, k2}, []string{"SETRANGE", k, "1", "x"},
			[]string{"PFCOUNT", k, k2}, []string{"RENAMENX", k, k2}, []string{"MSETNX", k, "1", k2, "2"})
	case 4:
		return a.pickArgs([]string{"ZUNIONSTORE", k, "5", k2}, []string{"EVAL", "return 1", "5", k},
			[]string{"EVAL", "return 1", "-1"}, []string{"XREAD", "STREAMS", k}, []string{"SINTERCARD", "0", k},
			[]string{"LMPOP", "3", k, "LEFT"}, []string{"ZUNION", "x", k}, []string{"SORT", k, "STORE"},
			[]string{"FCALL", "aclget", "2", k}, []string{"GEORADIUS", k, "0", "0", "1", "km", "STORE"})
	}
	return []string{"LMOVE", k, k2, "LEFT", "RIGHT"}
}

func (a *aclRun) deluser() {
	args := []string{"ACL", "DELUSER"}
	for range 1 + a.r.IntN(2) {
		args = append(args, a.userName())
	}
	a.admin(nil, args...)
	a.as("PING") // closed if its user is gone
}

// auth authenticates the second connection, by AUTH or HELLO AUTH.
func (a *aclRun) auth() {
	name, pass := a.userName(), a.pick(aclPasswords...)
	if a.chance(5) {
		pass = "wrong"
	}
	var args []string
	switch a.r.IntN(6) {
	case 0:
		args = []string{"AUTH", pass}
		name = "default"
	case 1:
		// HELLO's reply holds the client id: only errors are compared.
		proto := []string{"2", "3"}[a.seed/2%2]
		args = []string{"HELLO", proto, "AUTH", name, pass}
		a.n++
		a.hist = append(a.hist, "user : "+ksLine(args))
		want, got := aclDo(a.user.redis, args), aclDo(a.user.cairn, args)
		if want != got && (want[0] == '-' || got[0] == '-' || aclIsClosed(want) || aclIsClosed(got)) {
			a.fail(args, want, got)
			return
		}
		if want[0] != '-' && !aclIsClosed(want) {
			a.authed = name
		}
		return
	default:
		args = []string{"AUTH", name, pass}
	}
	if reply, ok := a.as(args...); ok && reply == "+OK\r\n" {
		a.authed = name
	}
}

// multi runs a transaction on the second connection; the admin sometimes
// changes the user's rules before EXEC.
func (a *aclRun) multi() {
	a.as("MULTI")
	var queued [][]string
	for range 1 + a.r.IntN(3) {
		args := a.command()
		if a.chance(6) {
			args = []string{"AUTH", a.userName(), a.pick(aclPasswords...)}
		}
		switch reply, _ := a.as(args...); {
		case reply == "+QUEUED\r\n":
			queued = append(queued, args)
		case reply == "+OK\r\n" && args[0] == "AUTH": // MULTI was refused
			a.authed = args[1]
		}
	}
	if a.chance(3) {
		a.setuser(a.authed)
	}
	reply, ok := a.as(a.pick("EXEC", "EXEC", "DISCARD"))
	if !ok {
		return
	}
	// An AUTH that EXEC ran changed the connection's user.
	for i, r := range hsTree(reply).kids {
		if i < len(queued) && queued[i][0] == "AUTH" && r.kind == '+' {
			a.authed = queued[i][1]
		}
	}
}

// subscribe subscribes the second connection to channels or patterns and
// unsubscribes it. A change of the user's rules in between may disconnect
// it.
func (a *aclRun) subscribe() {
	cmd, pats := "SUBSCRIBE", aclChannels
	switch a.r.IntN(3) {
	case 0:
		cmd, pats = "PSUBSCRIBE", aclChanPats
	case 1:
		cmd = "SSUBSCRIBE"
	}
	args := []string{cmd, a.pick(pats...)}
	if cmd != "SSUBSCRIBE" && a.chance(2) {
		args = append(args, a.pick(pats...))
	}
	if !a.multiReply(args) {
		return
	}
	if a.chance(3) {
		a.setuser(a.authed)
	}
	a.multiReply(append([]string{strings.Replace(cmd, "SUB", "UNSUB", 1)}, args[1:]...))
}

// multiReply sends a (un)subscribe command and compares its replies, one a
// channel (one error if refused); false if the connection is gone.
func (a *aclRun) multiReply(args []string) bool {
	a.n++
	a.hist = append(a.hist, "user : "+ksLine(args))
	var all [2]string
	for i, c := range []*cairntest.Conn{a.user.redis, a.user.cairn} {
		c.Send(args...)
		for j := 1; j < len(args); j++ {
			reply := aclRead(c)
			all[i] += reply
			if reply[0] != '*' && reply[0] != '>' {
				break
			}
		}
	}
	if all[0] != all[1] {
		a.fail(args, all[0], all[1])
		return false
	}
	if aclIsClosed(all[0]) {
		a.redial()
		return false
	}
	return true
}

func (a *aclRun) cat() {
	cat := a.pick(aclCats...)
	if a.chance(6) {
		cat = a.pick("nosuch", "")
	}
	a.admin(func(s string) string { return hsCanon(s, hsUnordered) }, "ACL", "CAT", cat)
}

func (a *aclRun) genpass() {
	args := []string{"ACL", "GENPASS"}
	if a.chance(4) {
		args = append(args, a.pick("0", "-1", "4097", "x", "1.5"))
		a.admin(nil, args...)
		return
	}
	if !a.chance(4) {
		args = append(args, strconv.Itoa(1+a.r.IntN(4096)))
	}
	// The password is random: only its length is compared.
	a.admin(func(s string) string { return fmt.Sprint(len(s), s[:1]) }, args...)
}

// Differences the random test found, fixed in Cairn.
func TestACLDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	admin, u := newPair(t, d), newPair(t, d)
	admin.run(`
		acl setuser cu on >pw +@all ~* resetchannels
		# An argument opening a selector drops the one still open.
		acl setuser cs (~a (~x +get))
		acl setuser cs ( +copy (-client|kill -HELLO)
		acl getuser cs
	`)
	// ACL LOG names the failed AUTH or HELLO as typed, and a failed AUTH
	// run by EXEC in the "multi" context.
	u.run(`
		AUTH cu bad
		Hello 2 AUTH cu bad
		MULTI
		auth cu bad
		EXEC
	`)
	admin.do(normalizeLog, "ACL", "LOG")
	// Changed channel rules disconnect the user's subscribers only if the
	// old rules named a channel (or allowed all), then even if unchanged.
	u.run(`
		!HELLO 3
		SUBSCRIBE zz
		AUTH cu pw
	`)
	admin.run(`acl setuser cu resetchannels &ch*`)
	u.run(`PING`)
	admin.run(`acl setuser cu &ch*`)
	expectClosed(t, u)
}
