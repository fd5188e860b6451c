package engine_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestTransactionsRandomDifferential has three clients on each server run
// random transactions against each other and compares every reply with
// Redis 7.0 byte for byte (CLIENT INFO lines to the fields that do not
// depend on the server: see txCanon). A transaction may WATCH keys (in
// either database, before or after another client's writes), UNWATCH,
// queue commands of every family (strings, keys, lists, hashes, sets,
// sorted sets, scripts, pub/sub, SELECT, SWAPDB, FLUSHDB, blocking
// commands, which do not block inside MULTI) and commands refused while
// queueing (arity, unknown command or subcommand, SAVE: EXECABORT) or
// failing when run (WRONGTYPE, syntax, not an integer), nest MULTI, WATCH
// inside MULTI, end with EXEC, DISCARD or EXEC/DISCARD with arguments, or
// RESET. Other clients write between WATCH and EXEC, between the queued
// commands, or run whole transactions meanwhile; watched keys are
// touched by writes, FLUSHDB/FLUSHALL/SWAPDB, RENAME/MOVE/COPY, EXPIRE,
// by a deadline that passes (a short PEXPIRE, then a wait or another
// client's DEBUG SLEEP), before or after WATCH, or are not; a deadline
// that passes during EXEC (DEBUG SLEEP inside it) does not expire the key
// before EXEC ends. Each seed ends comparing the datasets of both
// databases, DBSIZE, INFO errorstats and INFO commandstats (without the
// times). A difference fails the test with the recent commands, then the
// clients reconnect and the run goes on from a flushed dataset.
//
// 6 seeds by default; CAIRN_LONG_TESTS=1 runs 100, CAIRN_TX_SEEDS=N runs
// N, from seed CAIRN_TX_FIRST (0). Client i speaks RESP3 in seeds where
// bit i of the seed is set.
//
// Stepped around (nondeterminism, or the limits of a RESP reader):
//   - client ids, addresses and ages: HELLO's reply is not compared,
//     CLIENT INFO lines are reduced to txClientFields;
//   - TTL values: only whether a key has one (PERSIST's reply);
//   - an expired key Redis has not deleted yet, which its DBSIZE still
//     counts: the expiry action reads the key after its EXEC, and the
//     final check lists the keys (deleting expired ones) before DBSIZE;
//   - replies whose order is Redis's hash table's (HGETALL, SMEMBERS) are
//     compared as multisets, and only outside EXEC;
//   - CLIENT REPLY OFF and SKIP inside MULTI, and a PUBLISH to a channel
//     the same EXEC subscribed to: they leave EXEC's array with fewer or
//     more replies than it says (in Redis too), which a reply reader
//     cannot follow; TestTransactionsDifferentialCases compares them raw;
//   - OBJECT with no subcommand is not sent: Redis counts the refusal in
//     cmdstat_object, which Cairn does not list (a container).
func TestTransactionsRandomDifferential(t *testing.T) {
	seeds, steps := 6, 250
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 100
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_TX_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	first, _ := strconv.Atoi(os.Getenv("CAIRN_TX_FIRST"))
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	x := &txRun{t: t, d: d}
	for i := range x.cl {
		x.cl[i] = &txClient{}
	}
	for seed := first; seed < first+seeds; seed++ {
		x.seed, x.r = seed, rand.New(rand.NewPCG(uint64(seed), 0x74786e73))
		x.start()
		for range steps {
			x.step()
			if x.failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		x.final()
	}
}

// txClient is one client, connected to both servers.
type txClient struct {
	redis, cairn *cairntest.Conn
	resp3        bool
}

type txRun struct {
	t        *testing.T
	d        *cairntest.Differ
	cl       [3]*txClient
	r        *rand.Rand
	seed     int
	n        int      // commands compared in this seed
	hist     []string // recent commands, with their client
	failed   bool     // a difference in the current action
	failures int
}

// txTrace prints every command compared (CAIRN_TX_TRACE=1).
var txTrace = os.Getenv("CAIRN_TX_TRACE") == "1"

var (
	txStrKeys = []string{"s1", "s2", "n"}
	txAllKeys = []string{"s1", "s2", "n", "l", "l2", "h", "st", "z", "no"}
)

// start connects the clients afresh and sets the dataset up.
func (x *txRun) start() {
	x.connect()
	x.raw(0, "FLUSHALL")
	x.raw(0, "CONFIG", "RESETSTAT")
	x.hist = nil
	x.n = 0
	x.populate()
}

func (x *txRun) connect() {
	for i, c := range x.cl {
		if c.redis != nil {
			c.redis.Close()
			c.cairn.Close()
		}
		c.redis, c.cairn = cairntest.Dial(x.t, x.d.RedisServer.Addr), cairntest.Dial(x.t, x.d.CairnServer.Addr)
		c.resp3 = x.seed>>i&1 == 1
		if c.resp3 {
			x.raw(i, "HELLO", "3")
		}
	}
}

func (x *txRun) populate() {
	for _, db := range []string{"1", "0"} {
		x.raw(0, "SELECT", db)
		x.raw(0, "MSET", "s1", "a", "s2", "b", "n", "10")
		x.raw(0, "RPUSH", "l", "a", "b", "c")
		x.raw(0, "HSET", "h", "f", "1", "g", "x")
		x.raw(0, "SADD", "st", "a", "b")
		x.raw(0, "ZADD", "z", "1", "a", "2", "b")
	}
}

// raw sends a command to both servers without comparing the replies, and
// returns Redis's.
func (x *txRun) raw(i int, args ...string) string {
	c := x.cl[i]
	c.redis.Send(args...)
	c.cairn.Send(args...)
	c.cairn.Read()
	return c.redis.Read()
}

// do sends a command from client i to both servers at once (so that
// their clocks stay together) and compares the replies.
func (x *txRun) do(i int, args ...string) (string, bool) {
	x.t.Helper()
	c := x.cl[i]
	x.n++
	x.hist = append(x.hist, fmt.Sprintf("c%d: %s", i, ksLine(args)))
	if txTrace {
		fmt.Println(x.hist[len(x.hist)-1])
	}
	c.redis.Send(args...)
	c.cairn.Send(args...)
	want, got := c.redis.Read(), c.cairn.Read()
	if txTrace {
		fmt.Printf("   -> %.200q\n", want)
	}
	if txCanon(want) == txCanon(got) {
		return want, true
	}
	x.fail(args, want, got)
	return want, false
}

// cmp is do for replies compared once canon makes them.
func (x *txRun) cmp(i int, canon func(string) string, args ...string) string {
	x.t.Helper()
	c := x.cl[i]
	x.n++
	x.hist = append(x.hist, fmt.Sprintf("c%d: %s", i, ksLine(args)))
	want, got := c.redis.Do(args...), c.cairn.Do(args...)
	if canon(want) != canon(got) {
		x.fail(args, want, got)
	}
	return want
}

// fail reports a difference; the current action stops and the run goes
// on from fresh connections and dataset.
func (x *txRun) fail(args []string, want, got string) {
	x.t.Helper()
	x.failures++
	x.failed = true
	from := max(0, len(x.hist)-40)
	x.t.Errorf("seed %d, command %d: %s\n redis: %.800q\n cairn: %.800q\n recent commands:\n   %s",
		x.seed, x.n, ksLine(args), want, got, strings.Join(x.hist[from:], "\n   "))
}

func (x *txRun) resync() {
	x.failed = false
	x.start()
}

func (x *txRun) pick(xs ...string) string { return xs[x.r.IntN(len(xs))] }
func (x *txRun) chance(n int) bool        { return x.r.IntN(n) == 0 }
func (x *txRun) key() string              { return x.pick(txAllKeys...) }
func (x *txRun) val() string              { return x.pick("1", "2", "a", "", "-3", "10") }

// --- actions ---

func (x *txRun) step() {
	if x.failed {
		x.resync()
	}
	switch n := x.r.IntN(100); {
	case n < 40:
		x.transaction(x.r.IntN(3), false)
	case n < 55:
		x.transaction(x.r.IntN(3), true)
	case n < 80:
		x.do(x.r.IntN(3), x.command(false)...)
	case n < 85:
		x.expiry()
	case n < 88:
		x.stray()
	case n < 93:
		x.overlapping()
	case n < 95:
		x.do(x.r.IntN(3), "SELECT", x.pick("0", "0", "1"))
	default:
		x.checkKey(x.r.IntN(3), x.key())
	}
}

// transaction runs one transaction on client i; watched ones WATCH keys
// first and let another client touch some of them, or not.
func (x *txRun) transaction(i int, watched bool) {
	other := (i + 1 + x.r.IntN(2)) % 3
	if watched {
		for range 1 + x.r.IntN(2) {
			args := []string{"WATCH"}
			for range 1 + x.r.IntN(3) {
				args = append(args, x.key())
			}
			x.do(i, args...)
		}
		if x.chance(6) {
			x.do(i, "UNWATCH")
		}
		for range x.r.IntN(3) {
			x.do(other, x.disrupt()...)
		}
		if x.chance(5) {
			x.do(i, x.command(false)...) // the watcher's own write counts too
		}
	}
	if x.failed {
		return
	}
	x.do(i, "MULTI")
	var subs []string // UNSUBSCRIBE commands to send after EXEC
	for range x.r.IntN(7) {
		args := x.command(true)
		switch strings.ToUpper(args[0]) {
		case "PUBLISH":
			if len(subs) > 0 {
				// A message to itself would be one more element in EXEC's
				// array than it says (TestTransactionsDifferentialCases).
				args[1] = "txother"
			}
		case "SUBSCRIBE":
			subs = append(subs, "UNSUBSCRIBE")
		case "PSUBSCRIBE":
			subs = append(subs, "PUNSUBSCRIBE")
		}
		x.do(i, args...)
		if x.chance(5) {
			x.do(other, x.disrupt()...)
		}
		if x.failed {
			return
		}
	}
	var end []string
	switch n := x.r.IntN(40); {
	case n < 32:
		end = []string{"EXEC"}
	case n < 37:
		end = []string{"DISCARD"}
	case n < 38:
		end = []string{"EXEC", "x"}
	case n < 39:
		end = []string{"DISCARD", "x"} // refused: the transaction stays open, and aborts
	default:
		end = []string{"RESET"}
	}
	x.do(i, end...)
	if x.failed {
		return
	}
	switch {
	case len(end) == 2 && end[0] == "DISCARD":
		x.do(i, "EXEC")
	case end[0] == "RESET":
		if x.cl[i].resp3 {
			x.raw(i, "HELLO", "3")
		}
		return
	}
	for _, s := range subs {
		x.do(i, s)
	}
}

// overlapping has two clients queue transactions at once, EXEC in either
// order, one WATCHing what the other writes.
func (x *txRun) overlapping() {
	a, b := x.r.IntN(3), 0
	b = (a + 1 + x.r.IntN(2)) % 3
	k := x.key()
	x.do(b, "WATCH", k)
	x.do(a, "MULTI")
	x.do(b, "MULTI")
	for range 1 + x.r.IntN(3) {
		who := x.pick(strconv.Itoa(a), strconv.Itoa(b))
		c, _ := strconv.Atoi(who)
		args := x.command(true)
		if strings.EqualFold(args[0], "client") || strings.HasSuffix(strings.ToLower(args[0]), "subscribe") {
			args = []string{"SET", k, x.val()}
		}
		x.do(c, args...)
	}
	x.do(a, "SET", k, x.val())
	if x.failed {
		x.do(a, "DISCARD")
		x.do(b, "DISCARD")
		return
	}
	first, second := a, b
	if x.chance(2) {
		first, second = b, a
	}
	x.do(first, "EXEC")
	x.do(second, "EXEC")
}

// expiry WATCHes a key with a short deadline: the deadline passes before
// EXEC (EXEC fails), or had passed before WATCH (it does not); the time
// passes in the test or in another client's DEBUG SLEEP. Or the deadline
// passes while EXEC runs (a DEBUG SLEEP inside it), which the key
// survives: the clock stops at EXEC.
func (x *txRun) expiry() {
	i := x.r.IntN(3)
	k := x.pick(txStrKeys...)
	wait := func() {
		if x.chance(2) {
			time.Sleep(90 * time.Millisecond)
		} else {
			x.do((i+1)%3, "DEBUG", "SLEEP", "0.09")
		}
	}
	x.do(i, "SET", k, x.val(), "PX", "50")
	switch x.r.IntN(3) {
	case 0:
		wait()
		x.do(i, "WATCH", k, x.key())
	case 1:
		x.do(i, "WATCH", k, x.key())
		wait()
	default:
		x.do(i, "MULTI")
		x.do(i, "DEBUG", "SLEEP", "0.09")
		x.do(i, "GET", k)
		x.do(i, "EXEC")
	}
	x.do(i, "MULTI")
	x.do(i, "EXISTS", k)
	x.do(i, "SET", k, "after")
	x.do(i, "EXEC")
	// Redis's DBSIZE counts an expired key until something deletes it:
	// nothing else must depend on when its active expiry gets to it.
	x.do(i, "EXISTS", k)
}

// stray sends transaction commands out of place.
func (x *txRun) stray() {
	i := x.r.IntN(3)
	for range 1 + x.r.IntN(3) {
		x.do(i, x.pickArgs([]string{"EXEC"}, []string{"DISCARD"}, []string{"UNWATCH"}, []string{"WATCH"},
			[]string{"EXEC", "x"}, []string{"MULTI", "x"}, []string{"UNWATCH", "x"}, []string{"exec"}, []string{"Discard"})...)
	}
}

func (x *txRun) pickArgs(xs ...[]string) []string { return xs[x.r.IntN(len(xs))] }

// disrupt is what another client does between WATCH and EXEC: a write to
// a key that may be watched, a read, or a whole-database operation.
func (x *txRun) disrupt() []string {
	k, k2 := x.key(), x.key()
	switch x.r.IntN(16) {
	case 0:
		return []string{"FLUSHDB"}
	case 1:
		if x.chance(3) {
			return []string{"FLUSHALL"}
		}
		return []string{"SWAPDB", "0", "1"}
	case 2:
		return []string{"RENAME", k, k2}
	case 3:
		return []string{"MOVE", k, "1"}
	case 4:
		return []string{"COPY", k, k2, x.pick("REPLACE", "DB", "REPLACE")}
	case 5:
		return []string{"EXPIRE", k, "1000"}
	case 6:
		return []string{"PERSIST", k}
	case 7:
		return []string{"GET", k}
	case 8:
		return []string{"DEL", k}
	case 9:
		return []string{"EXISTS", k, k2}
	case 10:
		return []string{"SELECT", x.pick("0", "1")}
	}
	return x.command(false)
}

// command is a random command of any family; queued ones may be refused
// while queueing or be blocking, transaction or connection commands.
func (x *txRun) command(queued bool) []string {
	k, k2, v := x.key(), x.key(), x.val()
	if queued {
		switch x.r.IntN(30) {
		case 0:
			return x.pickArgs([]string{"GET"}, []string{"SET", k}, []string{"NOSUCH", k}, []string{"CONFIG", "NOSUCH"},
				[]string{"OBJECT", "nosuch"}, []string{"SAVE"}, []string{"HSET", k, "f"}, []string{"client", "nosuch"})
		case 1:
			return x.pickArgs([]string{"MULTI"}, []string{"WATCH", k}, []string{"UNWATCH"}, []string{"WATCH"})
		case 2:
			return x.pickArgs([]string{"BLPOP", k, "0"}, []string{"BRPOP", k, k2, "1"}, []string{"BLMOVE", k, k2, "LEFT", "RIGHT", "0"},
				[]string{"BZPOPMIN", k, "0"}, []string{"BZPOPMAX", k, "0.5"}, []string{"BLMPOP", "0", "2", k, k2, "LEFT"},
				[]string{"BRPOPLPUSH", k, k2, "0"}, []string{"BZMPOP", "0", "1", k, "MAX"}, []string{"XREAD", "BLOCK", "0", "STREAMS", k, "$"},
				[]string{"WAIT", "0", "0"})
		case 3:
			return x.pickArgs([]string{"SUBSCRIBE", "txch"}, []string{"PSUBSCRIBE", "txp*"}, []string{"SSUBSCRIBE", "txs"},
				[]string{"PUBLISH", "txch", v}, []string{"CLIENT", "REPLY", "ON"})
		case 4:
			return x.pickArgs([]string{"CLIENT", "INFO"}, []string{"CLIENT", "SETNAME", x.pick("tx", "")}, []string{"SELECT", x.pick("0", "1", "0")},
				[]string{"SWAPDB", "0", "1"}, []string{"DBSIZE"}, []string{"ECHO", v}, []string{"PING"}, []string{"DEBUG", "SLEEP", "0"},
				[]string{"AUTH", "x"}, []string{"FLUSHDB"})
		case 5:
			return x.pickArgs([]string{"EVAL", "return redis.pcall('incr', KEYS[1])", "1", k},
				[]string{"EVAL", "return redis.pcall('get', KEYS[1])", "1", k},
				[]string{"EVAL", "redis.call('del', KEYS[1]); return redis.call('exists', KEYS[1])", "1", k},
				[]string{"EVAL", "return redis.pcall('lpush', KEYS[1], 'e')", "1", k},
				[]string{"EVAL", "return redis.pcall('set', KEYS[1], 'e', 'nx', 'xx')", "1", k},
				[]string{"EVAL", "return redis.call('incr', KEYS[1])", "1", k},
				[]string{"EVAL", "return redis.error_reply('MYERR ' .. KEYS[1])", "1", k},
				[]string{"EVAL", "return redis.call('multi')", "0"})
		}
	}
	switch x.r.IntN(34) {
	case 0:
		args := []string{"SET", k, v}
		if x.chance(3) {
			args = append(args, x.pick("NX", "XX", "GET", "KEEPTTL", "EX", "PX"))
			switch args[3] {
			case "EX":
				args = append(args, x.pick("1000", "0", "x"))
			case "PX":
				args = append(args, "100000")
			}
		}
		return args
	case 1:
		return []string{"GET", k}
	case 2:
		return []string{x.pick("INCR", "DECR"), k}
	case 3:
		return []string{"INCRBY", k, x.pick("5", "-2", "x", "9223372036854775807")}
	case 4:
		return []string{"INCRBYFLOAT", k, x.pick("1.5", "x", "-0.5")}
	case 5:
		return []string{"APPEND", k, v}
	case 6:
		return []string{x.pick("GETDEL", "STRLEN", "TYPE", "PERSIST"), k}
	case 7:
		return []string{"MSET", k, v, k2, x.val()}
	case 8:
		return []string{"MGET", k, k2}
	case 9:
		return []string{"SETNX", k, v}
	case 10:
		return []string{x.pick("DEL", "UNLINK", "EXISTS", "TOUCH"), k, k2}
	case 11:
		return []string{x.pick("RENAME", "RENAMENX"), k, k2}
	case 12:
		return []string{"COPY", k, k2, x.pick("REPLACE", "DB", "REPLACE", "DB")}[:3+x.r.IntN(2)]
	case 13:
		return []string{"MOVE", k, x.pick("1", "0")}
	case 14:
		return []string{x.pick("EXPIRE", "PEXPIRE"), k, x.pick("100000", "abc", "-1")}
	case 15:
		return []string{x.pick("LPUSH", "RPUSH"), k, v, x.val()}
	case 16:
		return []string{x.pick("LPOP", "RPOP"), k, x.pick("1", "2", "0")}[:2+x.r.IntN(2)]
	case 17:
		return []string{"LRANGE", k, "0", "-1"}
	case 18:
		return []string{"LMOVE", k, k2, x.pick("LEFT", "RIGHT"), x.pick("LEFT", "RIGHT")}
	case 19:
		return []string{"HSET", k, x.pick("f", "g"), v}
	case 20:
		return []string{x.pick("HGET", "HDEL", "HEXISTS"), k, x.pick("f", "g")}
	case 21:
		return []string{"HINCRBY", k, x.pick("f", "g"), "1"}
	case 22:
		return []string{"SADD", k, v, x.val()}
	case 23:
		return []string{x.pick("SREM", "SISMEMBER"), k, v}
	case 24:
		return []string{x.pick("SCARD", "LLEN", "HLEN", "ZCARD"), k}
	case 25:
		return []string{"SMOVE", k, k2, v}
	case 26:
		return []string{"ZADD", k, x.pick("1", "2.5", "-1", "x"), v}
	case 27:
		return []string{"ZINCRBY", k, "1", v}
	case 28:
		return []string{"ZRANGE", k, "0", "-1", "WITHSCORES"}
	case 29:
		return []string{"ZPOPMIN", k}
	case 30:
		return []string{"SINTERCARD", "2", k, k2}
	case 31:
		return []string{"SET", k, v, "NX", "XX"}
	case 32:
		return []string{"LINDEX", k, "0"}
	}
	return []string{"ZSCORE", k, v}
}

// checkKey compares what client i sees of a key: type, value, and whether
// it has a TTL (PERSIST, then the TTL is given back by EXPIRE on both).
func (x *txRun) checkKey(i int, k string) {
	reply, ok := x.do(i, "TYPE", k)
	if !ok {
		return
	}
	switch strings.TrimSpace(strings.TrimPrefix(reply, "+")) {
	case "string":
		x.do(i, "GET", k)
	case "list":
		x.do(i, "LRANGE", k, "0", "-1")
	case "hash":
		x.cmp(i, func(s string) string { return hsCanon(s, hsPairMode) }, "HGETALL", k)
	case "set":
		x.cmp(i, func(s string) string { return hsCanon(s, hsUnordered) }, "SMEMBERS", k)
	case "zset":
		x.do(i, "ZRANGE", k, "0", "-1", "WITHSCORES")
	}
}

// final compares both databases, the error and command statistics.
func (x *txRun) final() {
	if x.failed {
		x.resync()
	}
	for i := range x.cl {
		x.raw(i, "RESET")
		if x.cl[i].resp3 {
			x.raw(i, "HELLO", "3")
		}
	}
	for _, db := range []string{"1", "0"} {
		x.raw(0, "SELECT", db)
		keys := hsTree(x.raw(0, "KEYS", "*")).leaves() // which deletes expired keys
		x.do(0, "DBSIZE")
		slices.Sort(keys)
		for _, k := range keys {
			x.checkKey(0, k)
		}
	}
	x.cmp(0, func(s string) string { return s }, "INFO", "errorstats")
	x.cmp(0, txStatsCanon, "INFO", "commandstats")
	if x.failed {
		want, got := x.cl[0].redis.Do("INFO", "commandstats"), x.cl[0].cairn.Do("INFO", "commandstats")
		w, g := strings.Split(txStatsCanon(want), "\n"), strings.Split(txStatsCanon(got), "\n")
		for _, l := range w {
			if !slices.Contains(g, l) {
				x.t.Logf("redis only: %s", l)
			}
		}
		for _, l := range g {
			if !slices.Contains(w, l) {
				x.t.Logf("cairn only: %s", l)
			}
		}
	}
}

// txStatsCanon keeps INFO commandstats' counts, without the times.
func txStatsCanon(reply string) string {
	var out []string
	for _, line := range strings.Split(reply, "\r\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var keep []string
		for _, f := range strings.Split(rest, ",") {
			if !strings.HasPrefix(f, "usec") {
				keep = append(keep, f)
			}
		}
		out = append(out, name+":"+strings.Join(keep, ","))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// --- fixed cases ---

// rawExchange sends commands in one write, then CLIENT REPLY ON and an
// ECHO, and returns every byte the server sent up to the ECHO's reply:
// for replies a RESP reader cannot follow (CLIENT REPLY OFF inside EXEC
// leaves EXEC's array short).
func rawExchange(t testing.TB, addr string, cmds [][]string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b bytes.Buffer
	for _, args := range append(cmds, []string{"CLIENT", "REPLY", "ON"}, []string{"ECHO", "txend"}) {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := nc.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.HasSuffix(out, []byte("$5\r\ntxend\r\n")) {
		n, err := nc.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			t.Fatalf("%q: %v after %q", cmds, err, out)
		}
	}
	return string(out)
}

// parallel sends a command to both servers before reading either reply,
// so that time passes alike on both (DEBUG SLEEP inside EXEC).
func parallel(t *testing.T, d *cairntest.Differ, args ...string) string {
	t.Helper()
	d.Redis.Send(args...)
	d.Cairn.Send(args...)
	want, got := d.Redis.Read(), d.Cairn.Read()
	if want != got {
		t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
	}
	return want
}

// Differences the random test and its preparation found, fixed in Cairn.
func TestTransactionsDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")

	// The clock stops at EXEC: a key alive when EXEC starts stays alive
	// to the end of it, watched or not. (Redis computes TTLs inside EXEC
	// with the running clock, Cairn with EXEC's: PTTL after a DEBUG SLEEP
	// inside EXEC is not compared.)
	for _, watch := range []bool{false, true} {
		parallel(t, d, "SET", "k", "v", "PX", "100")
		if watch {
			parallel(t, d, "WATCH", "k")
		}
		for _, args := range [][]string{{"MULTI"}, {"DEBUG", "SLEEP", "0.2"}, {"GET", "k"}, {"EXISTS", "k"}, {"SET", "k2", "x", "GET"}, {"EXEC"}, {"EXISTS", "k"}} {
			parallel(t, d, args...)
		}
	}

	// A key already past its deadline at WATCH changes nothing by being
	// deleted, by active expiry or by a command that finds it expired (in
	// EXEC or a script too): only a write of the key after that fails the
	// EXEC. Cairn failed it when active expiry or another client's read
	// deleted the key.
	other := newPeer(t, d)
	for _, disturb := range [][]string{nil, {"GET", "k"}, {"EXISTS", "k"}, {"DEL", "k"}, {"SET", "k", "2"}, {"FLUSHDB"},
		{"EVAL", "return redis.call('exists', KEYS[1])", "1", "k"}, {"EVAL", "return redis.call('set', KEYS[1], 'z')", "1", "k"},
		{"SET", "k", "v", "PX", "30"}} {
		parallel(t, d, "SET", "k", "v", "PX", "30")
		time.Sleep(60 * time.Millisecond)
		parallel(t, d, "WATCH", "k")
		time.Sleep(150 * time.Millisecond) // active expiry deletes it meanwhile
		if disturb != nil {
			other.Do(disturb...)
		}
		if disturb != nil && disturb[0] == "SET" && len(disturb) == 5 {
			time.Sleep(60 * time.Millisecond) // the new key's deadline passes too
		}
		parallel(t, d, "MULTI")
		parallel(t, d, "EXEC")
	}
	for _, queued := range [][]string{{"GET", "k"}, {"EXISTS", "k"}, {"SET", "k", "3"}} {
		parallel(t, d, "SET", "k", "v", "PX", "30")
		time.Sleep(60 * time.Millisecond)
		parallel(t, d, "WATCH", "k")
		other.Do("MULTI")
		other.Do(queued...)
		other.Do("EXEC")
		parallel(t, d, "MULTI")
		parallel(t, d, "EXEC")
	}

	// MONITOR is queued, and refused when EXEC runs it, as EXEC's client
	// may not wait (Cairn gave an error of its own).
	for _, args := range [][]string{{"MULTI"}, {"MONITOR"}, {"EXEC"}, {"PING"}} {
		parallel(t, d, args...)
	}

	// CLIENT REPLY inside MULTI and EXEC: OFF silences the rest of EXEC's
	// replies (its array stays short), SKIP the command after EXEC, ON
	// speaks again but does not cancel a SKIP. Refused and queued
	// commands follow CLIENT REPLY too. Before, EXEC's whole reply was
	// skipped instead, QUEUED and refusals ignored OFF and SKIP, and a
	// pipeline's CLIENT REPLY OFF or SKIP after a write crashed the
	// server (its batch's replies had gone out before the drop).
	sets := [][]string{{"CLIENT", "REPLY", "SKIP"}}
	for i := range 70 {
		sets = append(sets, []string{"SET", "w" + strconv.Itoa(i), "1"})
	}
	for _, cmds := range [][][]string{
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"SET", "a", "1"}, {"GET", "a"}, {"EXEC"}, {"PING", "after1"}, {"PING", "after2"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "OFF"}, {"SET", "a", "1"}, {"GET", "a"}, {"EXEC"}, {"PING", "after1"}, {"CLIENT", "REPLY", "ON"}, {"PING", "after2"}},
		{{"MULTI"}, {"SET", "a", "1"}, {"CLIENT", "REPLY", "OFF"}, {"EXEC"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}},
		{{"CLIENT", "REPLY", "SKIP"}, {"MULTI"}, {"SET", "a", "1"}, {"EXEC"}, {"PING", "x"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"EXEC"}, {"PING", "x"}, {"PING", "y"}},
		{{"CLIENT", "REPLY", "OFF"}, {"MULTI"}, {"PING"}, {"EXEC"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "SKIP"}, {"EXEC"}, {"PING", "x"}, {"PING", "y"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"DISCARD"}, {"PING", "x"}, {"PING", "y"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"EXEC"}, {"PING", "x"}, {"PING", "y"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "OFF"}, {"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"EXEC"}, {"PING", "x"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "OFF"}, {"CLIENT", "REPLY", "bad"}, {"EXEC"}, {"CLIENT", "REPLY", "ON"}, {"PING", "y"}},
		{{"CLIENT", "REPLY", "OFF"}, {"MULTI"}, {"CLIENT", "REPLY", "ON"}, {"PING", "a"}, {"EXEC"}, {"PING", "x"}},
		{{"CLIENT", "REPLY", "OFF"}, {"MULTI"}, {"NOSUCH"}, {"EXEC"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}},
		{{"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "OFF"}, {"EXEC"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}, {"PING", "y"}},
		{{"CLIENT", "REPLY", "SKIP"}, {"MULTI"}, {"CLIENT", "REPLY", "SKIP"}, {"EXEC"}, {"PING", "x"}, {"PING", "y"}},
		{{"CLIENT", "REPLY", "OFF"}, {"NOSUCH"}, {"GET"}, {"EXEC"}, {"DISCARD"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}},
		{{"CLIENT", "REPLY", "SKIP"}, {"NOSUCH"}, {"PING", "x"}},
		{{"CLIENT", "REPLY", "SKIP"}, {"GET"}, {"PING", "x"}},
		{{"CLIENT", "REPLY", "SKIP"}, {"EXEC"}, {"PING", "y"}},
		{{"SET", "w", "1"}, {"WATCH", "w"}, {"CLIENT", "REPLY", "OFF"}, {"MULTI"}, {"PING"}, {"CLIENT", "REPLY", "ON"}, {"EXEC"}, {"PING", "y"}},
		{{"SET", "w", "1"}, {"CLIENT", "REPLY", "OFF"}, {"PING", "y"}, {"CLIENT", "REPLY", "ON"}, {"PING", "z"}},
		{{"SET", "w", "1"}, {"CLIENT", "REPLY", "SKIP"}, {"SET", "w", "2"}, {"GET", "w"}},
		sets,
		append([][]string{{"CLIENT", "REPLY", "OFF"}}, sets[1:]...),
	} {
		want, got := rawExchange(t, d.RedisServer.Addr, cmds), rawExchange(t, d.CairnServer.Addr, cmds)
		if want != got {
			t.Errorf("%q:\n redis: %q\n cairn: %q", cmds, want, got)
		}
	}

	d.Run(`
		flushall
		# pub/sub inside MULTI: SUBSCRIBE runs, SSUBSCRIBE is refused to
		# a client that cannot block (a PUBLISH to itself is below: its
		# message inside EXEC's array is one reply too many for Run)
		multi
		subscribe txch
		psubscribe txp*
		ssubscribe txs
		publish other m
		exec
		unsubscribe txch
		punsubscribe txp*

		# blocking commands do not block inside MULTI
		multi
		blpop nol 0
		brpop nol 1
		blmove a b left left 0
		bzpopmin z 0
		bzmpop 0 1 z min
		blmpop 0 1 l left
		xread block 0 streams xs $
		xreadgroup group g c block 0 streams xs >
		wait 0 0
		brpoplpush a b 0
		exec

		# refused while queueing: the transaction aborts
		multi
		save
		set a 1
		exec
		multi
		sync
		exec
		multi
		psync x 1
		exec
		multi
		get
		exec
		multi
		exec x
		exec
		multi
		discard x
		set a 1
		exec
		get a
		multi
		multi
		watch a
		unwatch
		exec
		exec
		discard
		multi
		set a 2
		reset
		get a
		exec

		# run-time errors inside EXEC, scripts, AUTH
		set s text
		multi
		incr s
		lpush s x
		set s v nx xx
		eval "return redis.call('incr', KEYS[1])" 1 s
		eval "return redis.call('multi')" 0
		auth x
		auth a b
		client setname "x y"
		exec
	`)
	// Messages to the client itself go among EXEC's replies, where Redis
	// writes them while the command runs: its keyspace notifications
	// before the reply of the command that raised them (a script's too),
	// and what it PUBLISHes to itself, even under CLIENT REPLY OFF. Cairn
	// sent them all before EXEC's reply.
	d.Run("config set notify-keyspace-events KEA")
	helloID := regexp.MustCompile(`\$2\r\nid\r\n:[0-9]+\r\n`)
	for _, cmds := range [][][]string{
		{{"HELLO", "3"}, {"PSUBSCRIBE", "__keyspace@0__:*"}, {"MULTI"}, {"SET", "kk", "1"}, {"GET", "kk"}, {"DEL", "kk"}, {"EXEC"}},
		{{"HELLO", "3"}, {"PSUBSCRIBE", "__keyspace@0__:*"}, {"MULTI"}, {"EVAL", "redis.call('set', 'kk', '2'); return redis.call('del', 'kk')", "0"},
			{"SET", "kk", "3"}, {"CLIENT", "REPLY", "OFF"}, {"SET", "kk", "4"}, {"EXEC"}},
		{{"HELLO", "3"}, {"SUBSCRIBE", "ch"}, {"MULTI"}, {"PUBLISH", "ch", "m"}, {"PING"}, {"EXEC"}},
		{{"HELLO", "3"}, {"SUBSCRIBE", "ch"}, {"MULTI"}, {"CLIENT", "REPLY", "OFF"}, {"PUBLISH", "ch", "m"}, {"PING"}, {"EXEC"}},
		{{"MULTI"}, {"SUBSCRIBE", "ch"}, {"PUBLISH", "ch", "m"}, {"SET", "kk", "1"}, {"EXEC"}, {"UNSUBSCRIBE", "ch"}},
		{{"MULTI"}, {"PSUBSCRIBE", "__keyspace@0__:*"}, {"SET", "kk", "1"}, {"PUBLISH", "__keyspace@0__:x", "m"}, {"EXEC"}, {"PUNSUBSCRIBE"}},
	} {
		want, got := rawExchange(t, d.RedisServer.Addr, cmds), rawExchange(t, d.CairnServer.Addr, cmds)
		if helloID.ReplaceAllString(want, "id") != helloID.ReplaceAllString(got, "id") {
			t.Errorf("%q:\n redis: %q\n cairn: %q", cmds, want, got)
		}
	}
	d.Run("config set notify-keyspace-events \"\"")

	// A command given the wrong number of arguments counts in its
	// rejected_calls (EXEC x, DISCARD x, WATCH...), as in Redis.
	d.Run("config resetstat")
	d.Run(`
		exec x
		multi x
		watch
		unwatch x
		multi
		discard x
		get
		exec
		exec
	`)
	for _, args := range [][]string{{"INFO", "commandstats"}, {"INFO", "errorstats"}} {
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if txStatsCanon(want) != txStatsCanon(got) || args[1] == "errorstats" && want != got {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}

	// HELLO inside EXEC switches the protocol of the rest of its replies.
	for _, args := range [][]string{{"MULTI"}, {"HELLO", "3"}, {"GET", "nokey"}, {"HGETALL", "nokey"}, {"EXEC"}, {"PING"},
		{"MULTI"}, {"HELLO", "2"}, {"GET", "nokey"}, {"EXEC"}} {
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if txCanon(want) != txCanon(got) {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}
}
