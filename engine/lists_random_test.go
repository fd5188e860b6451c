package engine_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestListsFamilyRandomDifferential drives a few lists (and keys of other
// types, for WRONGTYPE) through random non-blocking list commands, with
// odd indexes, counts and options, arity errors and MULTI blocks, and
// compares every reply with Redis 7.0 byte for byte: a list's order is
// defined, so nothing is compared as a multiset. The blocking commands are
// sent only when they cannot block: inside MULTI, malformed, or when one
// of their keys exists. Also compared: which keys a command touches (a
// second client runs it while the first WATCHes), the keyspace events,
// the keyspace hits and misses, TTLs kept or lost, and DUMP when Redis's
// quicklist has the nodes pushing the same elements at the tail would give
// it (Cairn's canonical ones), with no LZF involved. A difference fails
// the test with the recent commands on the keys involved, then both
// servers are flushed and the run goes on.
//
// 8 seeds by default; CAIRN_LONG_TESTS=1 runs 200, CAIRN_LISTS_SEEDS=N
// runs N, from seed CAIRN_LISTS_FIRST (0). Every seed sets its own
// list-max-listpack-size and list-compress-depth, and may change them
// midway; seeds 2 and 3 (mod 4) speak RESP3.
func TestListsFamilyRandomDifferential(t *testing.T) {
	seeds, steps := 8, 600
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 200
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_LISTS_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	first, _ := strconv.Atoi(os.Getenv("CAIRN_LISTS_FIRST"))
	d := cairntest.NewDiffer(t)
	redis2, cairn2 := cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)
	subs := [2]*cairntest.Conn{cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)}
	for _, c := range subs {
		c.Send("PSUBSCRIBE", "__key*__:*")
		c.Read()
		c.Send("SUBSCRIBE", "lr:sync")
		c.Read()
	}
	failures := 0
	for seed := first; seed < first+seeds; seed++ {
		l := &lrRun{t: t, d: d, redis2: redis2, cairn2: cairn2, subs: subs, r: rand.New(rand.NewPCG(uint64(seed), 0x6c697374)), seed: seed, failures: &failures}
		l.start()
		for i := range steps {
			l.step()
			if i%10 == 9 {
				l.events()
			}
			if failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		l.final()
	}
}

var (
	lrListKeys = []string{"l1", "l2", "l3"}
	lrAllKeys  = []string{"l1", "l2", "l3", "str", "hsh", "st", "zs", "nokey"}
)

type lrRun struct {
	t *testing.T
	d *cairntest.Differ
	// A second client on each server, for commands sent while the first
	// watches keys.
	redis2, cairn2 *cairntest.Conn
	// Subscribers to every keyspace event, Redis's then Cairn's.
	subs     [2]*cairntest.Conn
	since    int // len(hist) at the last drain
	r        *rand.Rand
	seed     int
	n        int // commands compared in this seed
	hist     [][]string
	failures *int
	depth    string // list-compress-depth now
}

func (l *lrRun) start() {
	l.raw("FLUSHALL")
	l.raw("CONFIG", "RESETSTAT")
	l.hist, l.since = nil, 0
	l.raw("HELLO", []string{"2", "3"}[l.seed/2%2])
	// Cairn's LZF output is not liblzf's: DUMP payloads are compared
	// without it.
	l.raw("CONFIG", "SET", "rdbcompression", "no")
	l.raw("CONFIG", "SET", "notify-keyspace-events", "KEAn")
	l.configure()
	l.others()
}

// others creates the keys of other types.
func (l *lrRun) others() {
	l.raw("SET", "str", "1")
	l.raw("HSET", "hsh", "f", "v")
	l.raw("SADD", "st", "a")
	l.raw("ZADD", "zs", "1", "a")
}

// configure sets the quicklist's node size and compression depth.
func (l *lrRun) configure() {
	l.do("CONFIG", "SET", "list-max-listpack-size",
		l.pick("-5", "-4", "-3", "-2", "-1", "0", "1", "2", "3", "5", "8", "128", "-6", "-100", "100000"))
	l.depth = l.pick("0", "0", "0", "1", "2", "3")
	l.do("CONFIG", "SET", "list-compress-depth", l.depth)
	if l.chance(4) {
		// Redis replies the parameters in its dict's order.
		l.cmp(func(r string) string { return hsCanon(r, hsPairMode) }, "CONFIG", "GET", "list-max-*")
	}
}

// raw sends a command to both servers without comparing the replies and
// returns Redis's: the test's own look at the state, made on both so that
// their keyspace hits and misses stay comparable.
func (l *lrRun) raw(args ...string) string {
	l.d.Cairn.Do(args...)
	return l.d.Redis.Do(args...)
}

// do runs a command on both servers and compares the replies.
func (l *lrRun) do(args ...string) (string, bool) {
	l.t.Helper()
	return l.cmp(nil, args...)
}

// cmp is do comparing the replies as canon (if not nil) makes them.
func (l *lrRun) cmp(canon func(string) string, args ...string) (string, bool) {
	l.t.Helper()
	l.n++
	l.hist = append(l.hist, args)
	want, got := l.d.Redis.Do(args...), l.d.Cairn.Do(args...)
	if want == got {
		return want, true
	}
	if canon != nil {
		if want, got = canon(want), canon(got); want == got {
			return want, true
		}
	}
	l.fail(args, want, got)
	return want, false
}

// fail reports a difference and starts again from a fresh keyspace, so
// that one difference does not cascade.
func (l *lrRun) fail(args []string, want, got string) {
	l.t.Helper()
	*l.failures++
	l.t.Errorf("seed %d, command %d: %s\n redis: %.600q\n cairn: %.600q\n recent commands on these keys:\n%s",
		l.seed, l.n, ksLine(args), want, got, l.recent(args))
	l.raw("DISCARD")
	l.raw("UNWATCH")
	l.raw("FLUSHALL")
	l.raw("CONFIG", "RESETSTAT")
	l.drain()
	l.others()
	l.hist, l.since = nil, 0
}

// recent lists the last commands since the last flush that name one of the
// keys of args (or change the configuration, or end a transaction).
func (l *lrRun) recent(args []string) string {
	keys := map[string]bool{}
	for _, a := range args[1:] {
		keys[a] = slices.Contains(lrAllKeys, a)
	}
	var lines []string
	for i := len(l.hist) - 1; i >= 0 && len(lines) < 40; i-- {
		rel := i == len(l.hist)-1 || i >= l.since && args[0] == "(keyspace events)"
		for _, a := range l.hist[i] {
			rel = rel || keys[a] || strings.EqualFold(a, "config") || strings.EqualFold(a, "exec")
		}
		if rel {
			line := ksLine(l.hist[i])
			if len(line) > 200 {
				line = line[:200] + "..."
			}
			lines = append(lines, "   "+line)
		}
	}
	slices.Reverse(lines)
	return strings.Join(lines, "\n")
}

// --- generators ---

func (l *lrRun) pick(xs ...string) string { return xs[l.r.IntN(len(xs))] }

func (l *lrRun) chance(n int) bool { return l.r.IntN(n) == 0 }

// key is mostly a list key, sometimes any key.
func (l *lrRun) key() string {
	if l.chance(10) {
		return l.pick(lrAllKeys...)
	}
	return l.pick(lrListKeys...)
}

// elem is an element: mostly from a small set, so that LREM, LPOS and
// LINSERT find matches; sometimes integers of every listpack width and
// almost-integers, binary, or strings around the node size limits.
func (l *lrRun) elem() string {
	switch l.r.IntN(16) {
	case 0:
		return l.pick("0", "-0", "+1", "01", " 1", "1.0", "127", "-128", "4095", "-4096", "32767", "8388607",
			"2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890")
	case 1:
		return l.pick("", "a\x00b", "x y", "\r\n", "ééé")
	case 2:
		return strings.Repeat(l.pick("x", "y"), []int{11, 12, 13, 63, 64, 65, 300, 4000, 8200, 20000}[l.r.IntN(10)])
	case 3, 4:
		return strconv.Itoa(l.r.IntN(6) - 1)
	}
	return l.pick("a", "b", "c", "d")
}

// index is a list index: mostly small, sometimes at the int64 edges or
// not an integer as Redis reads one.
func (l *lrRun) index() string {
	switch l.r.IntN(12) {
	case 0:
		return l.pick("9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
			"4611686018427387904", "-4611686018427387904", "2147483648", "-2147483649")
	case 1:
		return l.pick("+1", " 1", "1 ", "1.0", "-0", "00", "01", "0x1", "9223372036854775808", "-9223372036854775809",
			"18446744073709551616", "x", "", "1e3", "-")
	}
	return strconv.Itoa(l.r.IntN(31) - 15)
}

// count is a count for LPOP, RPOP, LREM or LMPOP: small, zero, negative,
// huge or malformed.
func (l *lrRun) count() string {
	switch l.r.IntN(10) {
	case 0:
		return l.pick("9223372036854775807", "-9223372036854775808", "4611686018427387904", "1000000")
	case 1:
		return l.pick("-1", "-2", "-0", "+1", " 1", "1.0", "x", "", "9223372036854775808", "2147483648")
	case 2:
		return "0"
	}
	return strconv.Itoa(1 + l.r.IntN(5))
}

func (l *lrRun) end() string {
	if l.chance(15) {
		return l.pick("MIDDLE", "", "lef", "lefts")
	}
	return l.pick("LEFT", "RIGHT", "left", "Right")
}

// --- the commands ---

// listCmd is a random list command (not a blocking one).
func (l *lrRun) listCmd() []string {
	switch l.r.IntN(24) {
	case 0, 1, 2, 3:
		args := []string{l.pick("LPUSH", "RPUSH", "RPUSH"), l.key()}
		for range 1 + l.r.IntN(4) {
			args = append(args, l.elem())
		}
		return args
	case 4:
		args := []string{l.pick("LPUSHX", "RPUSHX"), l.key()}
		for range 1 + l.r.IntN(3) {
			args = append(args, l.elem())
		}
		return args
	case 5, 6, 7:
		args := []string{l.pick("LPOP", "RPOP"), l.key()}
		if l.chance(2) {
			args = append(args, l.count())
		}
		if l.chance(30) {
			args = append(args, "1")
		}
		return args
	case 8, 9:
		return []string{"LRANGE", l.key(), l.index(), l.index()}
	case 10:
		return []string{"LINDEX", l.key(), l.index()}
	case 11:
		return []string{"LSET", l.key(), l.index(), l.elem()}
	case 12, 13:
		where := l.pick("BEFORE", "AFTER", "before", "After")
		if l.chance(20) {
			where = l.pick("BEFOR", "", "AFTERX")
		}
		return []string{"LINSERT", l.key(), where, l.elem(), l.elem()}
	case 14, 15:
		cnt := strconv.Itoa(l.r.IntN(7) - 3)
		if l.chance(4) {
			cnt = l.count()
		}
		return []string{"LREM", l.key(), cnt, l.elem()}
	case 16, 17:
		return []string{"LTRIM", l.key(), l.index(), l.index()}
	case 18, 19:
		return l.lpos()
	case 20:
		return []string{"LLEN", l.key()}
	case 21, 22:
		src, dst := l.key(), l.key()
		if l.chance(4) {
			dst = src
		}
		if l.chance(3) {
			return []string{"RPOPLPUSH", src, dst}
		}
		return []string{"LMOVE", src, dst, l.end(), l.end()}
	}
	return l.lmpop()
}

func (l *lrRun) step() {
	switch n := l.r.IntN(50); {
	case n < 26:
		l.do(l.listCmd()...)
	case n < 28:
		if args, malformed := l.blockingCmd(); l.nonBlocking(args, malformed) {
			l.do(args...)
		}
	case n < 30:
		l.multi()
	case n < 32:
		l.watched()
	case n == 32:
		key := l.pick(lrAllKeys...)
		l.do("OBJECT", "ENCODING", key)
		l.do("TYPE", key)
	case n == 33:
		// A list key holding a string stays one until deleted: rarely.
		switch l.r.IntN(6) {
		case 0, 1:
			l.do("DEL", l.pick(lrAllKeys...))
		case 2:
			if l.chance(3) {
				l.do("SET", l.pick(lrListKeys...), l.elem())
			} else {
				l.others()
			}
		case 3, 4:
			l.do("EXPIRE", l.pick(lrAllKeys...), "1000")
		default:
			// A copied or renamed list must go on behaving as Redis's.
			switch l.r.IntN(3) {
			case 0:
				l.do("COPY", l.pick(lrListKeys...), l.pick(lrListKeys...), l.pick("REPLACE", "DB", "x"), "0")
			case 1:
				l.do("COPY", l.pick(lrListKeys...), l.pick(lrListKeys...))
			default:
				l.do(l.pick("RENAME", "RENAMENX"), l.pick(lrListKeys...), l.pick(lrListKeys...))
			}
		}
	case n == 34:
		// TTLs only as none, missing or some: seconds may tick between the
		// two servers. A list emptied and pushed again has lost its TTL;
		// one rotated in place has not.
		l.cmp(ksTTLClass, "TTL", l.pick(lrAllKeys...))
	case n == 35:
		if l.chance(3) {
			l.configure()
		} else {
			l.bulk()
		}
	case n == 36:
		l.bad()
	case n == 37:
		l.dump(l.pick(lrListKeys...))
		l.counters()
	case n < 44:
		l.do("LRANGE", l.pick(lrListKeys...), "0", "-1")
	default:
		// Pushes: the lists grow across node boundaries.
		args := []string{l.pick("LPUSH", "RPUSH"), l.pick(lrListKeys...)}
		for range 1 + l.r.IntN(6) {
			args = append(args, l.elem())
		}
		l.do(args...)
	}
}

// watched runs a list command from a second client while the first
// watches one of its keys: whether EXEC then fails tells whether the
// command touched the key as Redis does (no-ops and errors do not).
func (l *lrRun) watched() {
	args := l.listCmd()
	if l.chance(4) {
		var malformed bool
		if args, malformed = l.blockingCmd(); !l.nonBlocking(args, malformed) {
			return
		}
	}
	var keys []string
	for _, a := range args[1:] {
		if slices.Contains(lrAllKeys, a) {
			keys = append(keys, a)
		}
	}
	if len(keys) == 0 {
		return
	}
	if _, ok := l.do("WATCH", l.pick(keys...)); !ok {
		return
	}
	l.n++
	l.hist = append(l.hist, append([]string{"(other client)"}, args...))
	if want, got := l.redis2.Do(args...), l.cairn2.Do(args...); want != got {
		l.fail(args, want, got)
		return
	}
	for _, c := range []string{"MULTI", "PING", "EXEC"} {
		if _, ok := l.do(c); !ok {
			return
		}
	}
}

// lpos is LPOS with options in any order, repeated, and sometimes bad.
func (l *lrRun) lpos() []string {
	args := []string{"LPOS", l.key(), l.elem()}
	for range l.r.IntN(4) {
		switch l.r.IntN(4) {
		case 0:
			args = append(args, "RANK", l.pick("1", "2", "-1", "-2", "3", "-3", "0", "9223372036854775807",
				"-9223372036854775808", "-9223372036854775807", "x", "+1"))
		case 1:
			args = append(args, "COUNT", l.pick("0", "1", "2", "5", "-1", "x", "9223372036854775807", "-0"))
		case 2:
			args = append(args, "MAXLEN", l.pick("0", "1", "2", "3", "10", "-1", "x", "9223372036854775807"))
		default:
			args = append(args, l.pick("rank", "count", "maxlen", "FOO"), l.pick("1", "2", "-1"))
		}
	}
	if l.chance(12) {
		args = append(args, l.pick("RANK", "COUNT", "MAXLEN", "FOO"))
	}
	return args
}

func (l *lrRun) lmpop() []string {
	n := 1 + l.r.IntN(3)
	num := strconv.Itoa(n)
	if l.chance(10) {
		num = l.pick("0", "-1", "x", strconv.Itoa(n+1), strconv.Itoa(n+2), "1.0", "2147483648", "4294967297",
			"9223372036854775807")
	}
	args := []string{"LMPOP", num}
	for range n {
		args = append(args, l.key())
	}
	if !l.chance(20) {
		args = append(args, l.end())
	}
	if l.chance(2) {
		args = append(args, "COUNT", l.count())
	}
	if l.chance(15) {
		args = append(args, l.pick("COUNT", "FOO"), l.pick("1", "2"))
	}
	return args
}

// blockingCmd is BLPOP, BRPOP, BLMPOP, BLMOVE or BRPOPLPUSH; malformed
// says it has a bad timeout, numkeys, count or end (Redis refuses it
// without blocking).
func (l *lrRun) blockingCmd() (args []string, malformed bool) {
	timeout := l.pick("0", "0.01", "1")
	if l.chance(6) {
		// Odd but maybe valid (strtold's syntax): sent as not malformed,
		// so only when the command cannot block anyway.
		timeout = l.pick("0x10", "1e1", ".5", "5.", "0x1p-2", "infinity", " 1", "1 ", "+1", "-0", "00", "1e-400", "0.0000001")
	}
	if l.chance(8) {
		// Not "-0.001": Redis truncates it to 0 and blocks for ever.
		timeout, malformed = l.pick("-1", "x", "", "1e400", "-0.002", "inf", "nan"), true
	}
	var keys []string
	for range 1 + l.r.IntN(3) {
		keys = append(keys, l.key())
	}
	switch l.r.IntN(4) {
	case 0:
		return append(append([]string{l.pick("BLPOP", "BRPOP")}, keys...), timeout), malformed
	case 1:
		num := strconv.Itoa(len(keys))
		if l.chance(8) {
			num, malformed = l.pick("0", "-1", "x", strconv.Itoa(len(keys)+1), "9223372036854775807"), true
		}
		args = append(append([]string{"BLMPOP", timeout, num}, keys...), l.pick("LEFT", "RIGHT"))
		if l.chance(2) {
			c := l.pick("1", "2", "3", "0", "-1")
			malformed = malformed || c[0] <= '0'
			args = append(args, "COUNT", c)
		}
		return args, malformed
	case 2:
		from, to := l.end(), l.end()
		ok := func(e string) bool { return strings.EqualFold(e, "left") || strings.EqualFold(e, "right") }
		return []string{"BLMOVE", keys[0], l.key(), from, to, timeout}, malformed || !ok(from) || !ok(to)
	}
	return []string{"BRPOPLPUSH", keys[0], l.key(), timeout}, malformed
}

// nonBlocking says whether a blocking command cannot block: it is
// malformed, or one of the keys it pops from exists (the first that does
// ends the search: a list has elements, another type is WRONGTYPE).
func (l *lrRun) nonBlocking(args []string, malformed bool) bool {
	if malformed {
		return true
	}
	keys := args[1:2] // BLMOVE, BRPOPLPUSH: the source
	switch args[0] {
	case "BLPOP", "BRPOP":
		keys = args[1 : len(args)-1]
	case "BLMPOP":
		n, _ := strconv.Atoi(args[2])
		keys = args[3 : 3+n]
	}
	return hsTree(l.raw(append([]string{"EXISTS"}, keys...)...)).s != "0"
}

// multi runs a MULTI/EXEC block: list commands, blocking ones on missing
// keys (which answer as if timed out), errors queued or not.
func (l *lrRun) multi() {
	if _, ok := l.do("MULTI"); !ok {
		return
	}
	for range 2 + l.r.IntN(4) {
		// Inside MULTI the blocking commands answer at once.
		args := l.listCmd()
		if l.chance(3) {
			args, _ = l.blockingCmd()
		} else if l.chance(10) {
			args = []string{l.pick("LPUSH", "LINDEX", "LPOS", "NOSUCH"), l.pick(lrAllKeys...)}
		}
		if _, ok := l.do(args...); !ok {
			return
		}
	}
	if l.chance(8) {
		l.do("DISCARD")
		return
	}
	l.do("EXEC")
}

// bad sends a command with a wrong arity.
func (l *lrRun) bad() {
	k := l.pick(lrAllKeys...)
	cmds := [][]string{
		{"LPUSH", k}, {"RPUSH"}, {"LPUSHX", k}, {"RPUSHX"}, {"LPOP"}, {"RPOP", k, "1", "2"}, {"LLEN"},
		{"LLEN", k, "x"}, {"LRANGE", k, "0"}, {"LRANGE", k, "0", "1", "2"}, {"LINDEX", k}, {"LSET", k, "0"},
		{"LINSERT", k, "BEFORE", "a"}, {"LREM", k, "0"}, {"LTRIM", k, "0"}, {"LPOS", k}, {"LMOVE", k, k, "LEFT"},
		{"RPOPLPUSH", k}, {"LMPOP", "1"}, {"LMPOP", "1", k}, {"LMPOP"}, {"BLPOP", k}, {"BRPOP"},
		{"BLMPOP", "0", "1"}, {"BLMOVE", k, k, "LEFT", "LEFT"}, {"BRPOPLPUSH", k, k},
	}
	l.do(cmds[l.r.IntN(len(cmds))]...)
}

// bulk fills a list with hundreds of elements, across many nodes.
func (l *lrRun) bulk() {
	args := []string{l.pick("LPUSH", "RPUSH"), l.pick(lrListKeys...)}
	for i := range 100 + l.r.IntN(500) {
		if l.chance(8) {
			args = append(args, l.elem())
		} else {
			args = append(args, strconv.Itoa(i%50))
		}
	}
	l.do(args...)
}

// dump compares DUMP of a list when Redis's nodes are the ones pushing
// its elements at the tail gives (Cairn's): Redis's payload then equals
// that of a copy made so. A compressed node's LZF is not comparable.
func (l *lrRun) dump(key string) {
	if l.depth != "0" || hsTree(l.raw("TYPE", key)).s != "list" {
		return
	}
	elems := hsTree(l.raw("LRANGE", key, "0", "-1")).leaves()
	l.raw(append([]string{"RPUSH", "lr:copy"}, elems...)...)
	same := l.raw("DUMP", "lr:copy") == l.raw("DUMP", key)
	l.raw("DEL", "lr:copy")
	if same {
		l.do("DUMP", key)
	}
}

// drain returns the keyspace events each server published since the last
// drain, Redis's then Cairn's, one "channel message" a line.
func (l *lrRun) drain() [2]string {
	l.raw("PUBLISH", "lr:sync", "")
	l.since = len(l.hist)
	var out [2]string
	for i, c := range l.subs {
		for {
			m := hsTree(c.Read()).leaves()
			if m[0] == "message" {
				break
			}
			out[i] += strings.Join(m[2:], " ") + "\n"
		}
	}
	return out
}

// events compares the keyspace events published since the last look:
// the same, in the same order.
func (l *lrRun) events() {
	since := l.since
	ev := l.drain()
	if ev[0] == ev[1] {
		return
	}
	// Both from their first difference on.
	i := 0
	for i < min(len(ev[0]), len(ev[1])) && ev[0][i] == ev[1][i] {
		i++
	}
	i = strings.LastIndex(ev[0][:i], "\n") + 1
	l.since = since // the commands that published them
	l.fail([]string{"(keyspace events)"}, ev[0][i:], ev[1][i:])
}

// counters compares the keyspace hits and misses: the list commands that
// look their keys up for reading count them, those that write do not.
func (l *lrRun) counters() {
	l.cmp(func(info string) string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(line, "keyspace_hits:") || strings.HasPrefix(line, "keyspace_misses:") {
				out = append(out, line)
			}
		}
		return strings.Join(out, " ")
	}, "INFO", "stats")
}

// final compares every key at the end of a seed.
func (l *lrRun) final() {
	l.events()
	l.counters()
	if l.chance(2) {
		// The lists must come back from an RDB as they went.
		l.do("DEBUG", "RELOAD")
		l.events()
	}
	l.do("DBSIZE")
	for _, key := range lrAllKeys {
		l.do("TYPE", key)
		l.do("OBJECT", "ENCODING", key)
		l.do("LRANGE", key, "0", "-1")
		l.dump(key)
	}
}

// Differences the random test found, one by one.
func TestListsDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		rpush l a b a c a a
		# RANK -9223372036854775808 stays negative once negated: Redis's
		# COUNT test (matches-rank+1 >= count) wraps and never stops.
		lpos l a rank -9223372036854775808 count 2
		lpos l a rank -9223372036854775808 count 1 maxlen 4
		lpos l a rank -9223372036854775808
		lpos l a rank -9223372036854775807 count 2
	`)
}
