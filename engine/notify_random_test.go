package engine_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestKeyspaceEventsRandomDifferential drives the random cross-type command
// generator of TestKeyspaceRandomDifferential (ksRun), plus commands of its
// own (LMPOP, ZMPOP, ZPOP*, ZREMRANGEBY*, SPOP of a whole set, emptying
// HDEL/SREM/LREM, BITOP, BITFIELD, PFADD/PFMERGE, GEOADD, GEOSEARCHSTORE,
// XADD/XDEL/XTRIM/XGROUP, RESTORE, expiry times in the past, SORT BY nosort
// STORE, FLUSHDB, SWAPDB, small Lua scripts, MULTI blocks with the blocking
// pops, which do not block there), on both servers with keyspace
// notifications on, and compares the events a pattern subscriber
// (PSUBSCRIBE __key*__:*) receives from each: channel and message, in
// order, after every step. Two kinds of steps involve time: a blocking pop
// on another connection followed by a command that may serve it (Redis
// serves it, events included, before running any other command), and a
// 20 ms time to live followed, once it has passed, by a command that looks
// the key up ("expired" comes first, lazily or from Redis's expiry cycle).
// Every other time to live is far in the future.
//
// Delivery is asynchronous, so after each step the command connection
// publishes a marker on __keyevent@99__:marker (which the pattern matches)
// and each subscriber is read up to the marker: everything before it was
// raised by the step.
//
// Seeds cycle through notify-keyspace-events KEA, KEAm (key misses),
// KEg$lshzxetdmn (new keys too), KA or EAm, and two random subsets of the
// classes with K, E or both (so that each event's class is checked); seeds
// 2 and 3 (mod 4) use RESP3 on the command and subscriber connections, odd
// seeds low encoding thresholds (see ksRun.start). 6 seeds of 1000 steps
// by default (about 5 s); CAIRN_LONG_TESTS=1 runs 60, CAIRN_NOTIFY_SEEDS=N runs N,
// CAIRN_NOTIFY_STEPS=N makes N steps a seed; the run stops after
// CAIRN_NOTIFY_MAXFAIL (10) differing steps.
func TestKeyspaceEventsRandomDifferential(t *testing.T) {
	seeds, steps := 6, 1000
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 60
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_NOTIFY_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_NOTIFY_STEPS")); err == nil && s > 0 {
		steps = s
	}
	maxFail := 10
	if s, err := strconv.Atoi(os.Getenv("CAIRN_NOTIFY_MAXFAIL")); err == nil && s > 0 {
		maxFail = s
	}
	d := cairntest.NewDiffer(t)
	failures, evFailures := 0, 0
	counts := map[string]int{}
	for seed := range seeds {
		k := &ksRun{t: t, d: d, r: rand.New(rand.NewPCG(uint64(seed), 0x6e6f7469)), seed: seed, failures: &failures}
		k.start()
		flags := evFlags(seed, k.r)
		k.do(ksExact, "CONFIG", "SET", "notify-keyspace-events", flags)
		w := &evWatch{t: t, k: k, flags: flags, failures: &evFailures, counts: counts}
		w.subscribe(k.seed/2%2 == 1)
		w.check("start")
		for i := range steps {
			switch {
			case k.chance(4):
				w.extra()
			case k.chance(25):
				w.blocked()
			case k.chance(100):
				w.expiry()
			default:
				k.step()
			}
			w.check(fmt.Sprint("step ", i))
			if evFailures >= maxFail || failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		k.dump()
		w.check("dump")
		w.close()
	}
	// The run must have raised events of the main kinds (counted on both
	// channels).
	t.Logf("events seen, by name: %v", counts)
	for _, name := range []string{"set", "del", "keymiss", "new", "expired", "rename_to", "lpush", "lpop", "sadd", "zadd", "hset", "expire"} {
		if counts[name] == 0 {
			t.Errorf("no %q event in the whole run: the test is not exercising what it should", name)
		}
	}
}

// evWatch holds one pattern subscriber on each server.
type evWatch struct {
	t          *testing.T
	k          *ksRun
	flags      string
	subR, subC *cairntest.Conn
	from       int // k.hist index of the first command of the current step
	marks      int
	failures   *int
	counts     map[string]int // events seen from Redis, by name
	xid        int            // last stream entry id used by extra
	// blocking clients, one on each server (opened when first needed)
	blkR, blkC     *cairntest.Conn
	blkIDR, blkIDC string
}

// evFlags chooses a seed's notify-keyspace-events: every class (with key
// misses and new keys or not) for most seeds, a random subset of the
// classes for others, so that the class of each event is checked too.
func evFlags(seed int, r *rand.Rand) string {
	switch seed % 6 {
	case 0:
		return "KEA"
	case 1:
		return "KEAm"
	case 2:
		return "KEg$lshzxetdmn"
	case 3:
		return []string{"KA", "EAm"}[seed/6%2]
	}
	var b strings.Builder
	b.WriteString([]string{"K", "E", "KE"}[r.IntN(3)])
	for _, c := range "g$lshzxtmn" {
		if r.IntN(3) == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (w *evWatch) close() {
	for _, c := range []*cairntest.Conn{w.subR, w.subC, w.blkR, w.blkC} {
		if c != nil {
			c.Close()
		}
	}
}

func (w *evWatch) subscribe(resp3 bool) {
	open := func(addr string) *cairntest.Conn {
		c := cairntest.Dial(w.t, addr)
		if resp3 {
			c.Do("HELLO", "3")
		}
		c.Send("PSUBSCRIBE", "__key*__:*")
		c.Read()
		return c
	}
	w.subR = open(w.k.d.RedisServer.Addr)
	w.subC = open(w.k.d.CairnServer.Addr)
}

// events reads the subscriber up to the marker, returning "channel message"
// lines.
func (w *evWatch) events(c *cairntest.Conn, mark string) ([]string, bool) {
	var out []string
	for {
		msg, ok := c.ReadTimeout(5 * time.Second)
		if !ok {
			return append(out, fmt.Sprintf("<no marker, got %q>", msg)), false
		}
		parts := evParts(msg)
		if len(parts) != 4 || parts[0] != "pmessage" {
			out = append(out, fmt.Sprintf("<unexpected %q>", msg))
			continue
		}
		if parts[2] == "__keyevent@99__:marker" && parts[3] == mark {
			return out, true
		}
		out = append(out, parts[2]+" "+strconv.Quote(parts[3]))
	}
}

// evParts splits a RESP2/RESP3 array of bulk strings.
func evParts(msg string) []string {
	var parts []string
	nl := strings.Index(msg, "\r\n")
	if nl < 0 || (msg[0] != '*' && msg[0] != '>') {
		return nil
	}
	for i := nl + 2; i < len(msg); {
		if msg[i] != '$' {
			return nil
		}
		e := strings.Index(msg[i:], "\r\n") + i
		n, err := strconv.Atoi(msg[i+1 : e])
		if err != nil || e+2+n > len(msg) {
			return nil
		}
		parts = append(parts, msg[e+2:e+2+n])
		i = e + 2 + n + 2
	}
	return parts
}

// check publishes a marker on both servers and compares what the two
// subscribers received before it.
func (w *evWatch) check(what string) {
	k := w.k
	if k.inMulti {
		k.raw("DISCARD")
		k.inMulti = false
	}
	w.marks++
	mark := fmt.Sprint(k.seed, ":", w.marks)
	k.d.Redis.Do("PUBLISH", "__keyevent@99__:marker", mark)
	k.d.Cairn.Do("PUBLISH", "__keyevent@99__:marker", mark)
	want, ok1 := w.events(w.subR, mark)
	got, ok2 := w.events(w.subC, mark)
	from := w.from
	if from > len(k.hist) { // a flush (or a reply difference) reset the history
		from = 0
	}
	w.from = len(k.hist)
	for _, e := range want {
		name, _, _ := strings.Cut(evKey(e), " ")
		w.counts[name]++
	}
	if ok1 && ok2 && slices.Equal(want, got) {
		return
	}
	*w.failures++
	var cmds []string
	for _, h := range k.hist[from:] {
		tag := ""
		if h.db != 0 {
			tag += fmt.Sprintf("[db %d] ", h.db)
		}
		if h.multi {
			tag += "[in MULTI] "
		}
		cmds = append(cmds, "   "+tag+ksLine(h.args))
	}
	w.t.Errorf("seed %d (%s), %s: events differ\n commands:\n%s\n redis:\n   %s\n cairn:\n   %s",
		k.seed, w.flags, what, strings.Join(cmds, "\n"), strings.Join(want, "\n   "), strings.Join(got, "\n   "))
	if !ok1 || !ok2 {
		w.t.Fatalf("a subscriber lost its marker")
	}
}

// both runs a RESTORE whose payload differs between the servers (each
// server's own DUMP) and compares the replies.
func (w *evWatch) both(redisArgs, cairnArgs []string) {
	k := w.k
	k.n++
	shown := append([]string(nil), redisArgs...)
	shown[3] = "<payload>"
	k.hist = append(k.hist, ksHist{shown, k.db, k.inMulti})
	want := k.d.Redis.Do(redisArgs...)
	got := k.d.Cairn.Do(cairnArgs...)
	if want != got {
		*k.failures++
		k.t.Errorf("seed %d, command %d: %s\n redis: %q\n cairn: %q", k.seed, k.n, ksLine(shown), want, got)
	}
}

// extra sends one command the ksRun generator does not (or seldom) make.
func (w *evWatch) extra() {
	k := w.k
	a, b, c := k.key(), k.key(), k.key()
	count := func() []string {
		if k.chance(2) {
			return []string{"COUNT", k.pick("1", "2", "5", "100")}
		}
		return nil
	}
	switch k.r.IntN(34) {
	case 0:
		args := append([]string{"LMPOP", "2", a, b, k.pick("LEFT", "RIGHT")}, count()...)
		k.do(ksExact, args...)
	case 1:
		args := append([]string{"ZMPOP", "2", a, b, k.pick("MIN", "MAX")}, count()...)
		k.do(ksExact, args...)
	case 2:
		args := []string{k.pick("ZPOPMIN", "ZPOPMAX"), a}
		if k.chance(2) {
			args = append(args, k.pick("0", "1", "3", "100"))
		}
		k.do(ksExact, args...)
	case 3:
		switch k.r.IntN(3) {
		case 0:
			k.do(ksExact, "ZREMRANGEBYSCORE", a, k.pick("-inf", "0", "(1", "-5"), k.pick("+inf", "2", "(3", "-10"))
		case 1:
			k.do(ksExact, "ZREMRANGEBYRANK", a, k.index(), k.index())
		default:
			// Only on equal scores: otherwise the result depends on the
			// random levels of Redis's skiplist.
			k.do(ksExact, "UNLINK", a)
			k.do(ksExact, "ZADD", a, "0", "m1", "0", "m2", "0", "m3", "0", "m4", "0", "m5", "0", "m6")
			k.do(ksExact, "ZREMRANGEBYLEX", a, k.pick("-", "[m1", "(m3"), k.pick("+", "[m5", "(m2"))
		}
	case 4:
		// A whole set popped: the reply's order is random, the events are not.
		k.do(ksUnordered, "SPOP", a, k.pick("100000", "0"))
	case 5:
		k.do(ksExact, "HDEL", a, "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7")
	case 6:
		k.do(ksExact, "SREM", a, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "a", "b", "c", "d")
	case 7:
		k.do(ksExact, "LREM", a, k.pick("0", "1", "-2"), k.elem())
	case 8:
		if k.chance(3) {
			k.do(ksExact, "BITOP", "NOT", c, a)
		} else {
			k.do(ksExact, "BITOP", k.pick("AND", "OR", "XOR"), c, a, b)
		}
	case 9:
		switch k.r.IntN(3) {
		case 0:
			k.do(ksExact, "BITFIELD", a, "SET", "u8", fmt.Sprint(8*k.r.IntN(4)), fmt.Sprint(k.r.IntN(256)))
		case 1:
			k.do(ksExact, "BITFIELD", a, "OVERFLOW", k.pick("WRAP", "SAT", "FAIL"), "INCRBY", "u4", "0", k.pick("1", "15", "-1"))
		default:
			k.do(ksExact, "BITFIELD", a, "GET", "u8", "0")
		}
	case 10:
		if k.chance(2) {
			k.do(ksExact, "PFADD", a, k.pick("x", "y", "z"), k.pick("x", "w"))
		} else {
			k.do(ksExact, "PFMERGE", c, a, b)
		}
	case 11:
		k.do(ksExact, "GEOADD", a, fmt.Sprint(k.r.IntN(5)), fmt.Sprint(k.r.IntN(5)), k.zmember())
	case 12:
		args := []string{"GEOSEARCHSTORE", c, a, "FROMLONLAT", "0", "0", "BYRADIUS", k.pick("1", "300", "1000"), "km"}
		if k.chance(2) {
			args = append(args, "STOREDIST")
		}
		k.do(ksExact, args...)
	case 13:
		w.xid++
		args := []string{"XADD", a}
		if k.chance(4) {
			args = append(args, "NOMKSTREAM")
		}
		if k.chance(4) {
			args = append(args, "MAXLEN", k.pick("0", "1", "3"))
		}
		id := fmt.Sprint(w.xid, "-1")
		if k.chance(10) {
			id = "1-1" // too small, most of the time
		}
		k.do(ksExact, append(args, id, "f", "v")...)
	case 14:
		switch k.r.IntN(4) {
		case 0:
			k.do(ksExact, "XDEL", a, fmt.Sprint(k.r.IntN(w.xid+1), "-1"))
		case 1:
			k.do(ksExact, "XTRIM", a, "MAXLEN", k.pick("0", "1", "2"))
		case 2:
			args := []string{"XGROUP", "CREATE", a, "g", "$"}
			if k.chance(2) {
				args = append(args, "MKSTREAM")
			}
			k.do(ksExact, args...)
		default:
			k.do(ksExact, "XGROUP", k.pick("DESTROY", "CREATECONSUMER"), a, "g", "c")
		}
	case 15:
		// RESTORE of each server's own DUMP of a (payloads may differ).
		pr, pc := k.d.Redis.Do("DUMP", a), k.d.Cairn.Do("DUMP", a)
		if !strings.HasPrefix(pr, "$") || !strings.HasPrefix(pc, "$") || strings.HasPrefix(pr, "$-1") || strings.HasPrefix(pc, "$-1") {
			k.do(ksExact, "RESTORE", b, "0", "bogus")
			return
		}
		body := func(s string) string { return s[strings.Index(s, "\r\n")+2 : len(s)-2] }
		ra := []string{"RESTORE", b, "0", body(pr)}
		ca := []string{"RESTORE", b, "0", body(pc)}
		if k.chance(2) {
			ra, ca = append(ra, "REPLACE"), append(ca, "REPLACE")
		}
		w.both(ra, ca)
	case 16:
		// Expiry times in the past delete the key at once.
		switch k.r.IntN(4) {
		case 0:
			k.do(ksExact, "EXPIRE", a, k.pick("0", "-1"))
		case 1:
			k.do(ksExact, "PEXPIREAT", a, "1")
		case 2:
			k.do(ksExact, "EXPIREAT", a, "1", k.pick("NX", "XX", "GT", "LT"))
		default:
			k.do(ksExact, "GETEX", a, k.pick("EXAT", "PXAT"), "1")
		}
	case 17:
		k.do(ksExact, "SORT", a, "BY", "nosort", "STORE", c)
	case 18:
		if k.chance(6) {
			k.do(ksExact, "FLUSHDB")
		} else {
			k.do(ksExact, "SWAPDB", "0", "1")
		}
	case 19, 20, 21:
		w.multi()
	case 22:
		k.do(ksExact, "SET", a, k.strVal(), "GET", k.pick("KEEPTTL", "EX", "NX", "XX"), k.pick("100000", "KEEPTTL", "GET"))
	case 23:
		k.do(ksExact, "HSET", a, "f0", "1")
		k.do(ksExact, "HINCRBYFLOAT", a, "f0", k.pick("1.5", "0", "-1", "x"))
	case 24:
		k.do(ksExact, "LINSERT", a, k.pick("BEFORE", "AFTER"), k.elem(), k.elem())
	case 25:
		k.do(ksExact, k.pick("GETDEL", "GET", "GETEX"), a)
	case 26:
		k.do(ksExact, "MGET", a, b, c)
	case 27:
		k.do(ksExact, "SMOVE", a, b, k.member())
	case 28:
		k.do(ksExact, "RENAME", a, k.pick(b, a))
	case 29:
		w.script(a, b)
	case 30, 31, 32:
		// A fresh collection: most keys end up strings otherwise.
		k.do(ksExact, "UNLINK", a)
		switch k.r.IntN(5) {
		case 0:
			k.do(ksExact, "RPUSH", a, "a", "b", "c", "1")
		case 1:
			k.do(ksExact, "SADD", a, "1", "2", "a")
		case 2:
			k.do(ksExact, "ZADD", a, "1", "m1", "2", "m2", "3", "m3")
		case 3:
			k.do(ksExact, "HSET", a, "f1", "1", "f2", "x")
		default:
			w.xid++
			k.do(ksExact, "XADD", a, fmt.Sprint(w.xid, "-1"), "f", "v")
		}
	default:
		k.do(ksExact, k.pick("LSET", "LINDEX"), a, k.index(), k.elem())
	}
}

// script runs a small Lua script on two keys.
func (w *evWatch) script(a, b string) {
	k := w.k
	body := k.pick(
		"redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[2])",
		"return redis.pcall('lpush', KEYS[1], ARGV[1])",
		"redis.call('del', KEYS[1]); return redis.call('exists', KEYS[1], KEYS[2])",
		"return redis.pcall('rename', KEYS[1], KEYS[2])",
		"local v = redis.pcall('incr', KEYS[1]); redis.call('expire', KEYS[1], 100000); return v",
		"redis.call('sadd', KEYS[1], ARGV[1]); redis.call('srem', KEYS[1], ARGV[1]); return redis.call('type', KEYS[1])",
		"return redis.pcall('lmove', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')",
		"return redis.pcall('zadd', KEYS[2], 1, ARGV[1])",
		"redis.call('set', KEYS[1], ARGV[1]); redis.call('lpush', KEYS[1], 'y')", // fails after the SET
	)
	k.do(ksExact, "EVAL", body, "2", a, b, k.pick("1", "x", "m1"))
}

// multi runs a transaction that mixes moves between types, deletes, the
// blocking pops (which do not block in MULTI) and key-miss reads.
func (w *evWatch) multi() {
	k := w.k
	if _, ok := k.do(ksExact, "MULTI"); !ok {
		return
	}
	for range 2 + k.r.IntN(4) {
		a, b := k.key(), k.key()
		var args []string
		switch k.r.IntN(16) {
		case 0:
			args = []string{"BLPOP", a, b, "0"}
		case 1:
			args = []string{"BLMOVE", a, b, k.pick("LEFT", "RIGHT"), k.pick("LEFT", "RIGHT"), "0"}
		case 2:
			args = []string{"BZPOPMIN", a, b, "0"}
		case 3:
			args = []string{"BLMPOP", "0", "2", a, b, "LEFT", "COUNT", "2"}
		case 4:
			args = []string{"BZMPOP", "0", "1", a, "MAX"}
		case 5:
			args = []string{"RPUSH", a, k.elem()}
		case 6:
			args = []string{"ZADD", a, k.score(), k.zmember()}
		case 7:
			args = []string{"GET", a}
		case 8:
			args = []string{"DEL", a, b}
		case 9:
			args = []string{"RENAME", a, b}
		case 10:
			args = []string{"COPY", a, b, "REPLACE"}
		case 11:
			args = []string{"EXPIRE", a, k.secs()}
		case 12:
			args = []string{"SET", a, k.strVal(), "GET"}
		case 13:
			args = []string{"LMOVE", a, b, "LEFT", "RIGHT"}
		case 14:
			args = []string{"MOVE", a, "1"}
		default:
			args = []string{"SUNIONSTORE", b, a, b}
		}
		if _, ok := k.do(ksExact, args...); !ok {
			return
		}
	}
	k.do(ksExact, "EXEC")
}

// blockState waits until the blocking command sent on blk has replied
// (returning its reply) or is blocked (returning "").
func blockState(t *testing.T, main, blk *cairntest.Conn) string {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r, ok := blk.ReadTimeout(time.Millisecond); ok {
			return r
		} else if r != "" {
			t.Fatalf("partial reply %q", r)
		}
		if infoField(t, main, "clients", "blocked_clients") == 1 {
			return ""
		}
	}
	t.Fatalf("the blocking command neither replied nor blocked")
	return ""
}

// blocked sends a blocking pop on an extra connection to each server, then
// (if it blocked) one random step, which may serve it: the events of the
// served command come before the next marker in Redis, as the client is
// served before any other command runs. A client still blocked after the
// step is unblocked (CLIENT UNBLOCK: a timeout, no events).
func (w *evWatch) blocked() {
	k := w.k
	if k.inMulti || k.db != 0 {
		return
	}
	if w.blkR == nil {
		w.blkR, w.blkC = cairntest.Dial(w.t, k.d.RedisServer.Addr), cairntest.Dial(w.t, k.d.CairnServer.Addr)
		w.blkIDR = strings.TrimSpace(strings.TrimPrefix(w.blkR.Do("CLIENT", "ID"), ":"))
		w.blkIDC = strings.TrimSpace(strings.TrimPrefix(w.blkC.Do("CLIENT", "ID"), ":"))
	}
	a, b := k.key(), k.key()
	var args []string
	switch k.r.IntN(9) {
	case 0:
		args = []string{"BLPOP", a, b, "0"}
	case 1:
		args = []string{"BRPOP", a, "0"}
	case 2:
		args = []string{"BLMOVE", a, b, k.pick("LEFT", "RIGHT"), k.pick("LEFT", "RIGHT"), "0"}
	case 3:
		args = []string{"BRPOPLPUSH", a, b, "0"}
	case 4:
		args = []string{"BLMPOP", "0", "2", a, b, k.pick("LEFT", "RIGHT"), "COUNT", k.pick("1", "3")}
	case 5:
		args = []string{k.pick("BZPOPMIN", "BZPOPMAX"), a, b, "0"}
	case 6:
		args = []string{"BZMPOP", "0", "2", a, b, k.pick("MIN", "MAX"), "COUNT", k.pick("1", "3")}
	default:
		args = []string{"XREAD", "BLOCK", "0", "STREAMS", a, "$"}
	}
	if k.chance(2) {
		k.do(ksExact, "UNLINK", a, b)
	}
	k.n++
	k.hist = append(k.hist, ksHist{append([]string{"(blocking client)"}, args...), 0, false})
	w.blkR.Send(args...)
	w.blkC.Send(args...)
	want, got := blockState(w.t, k.d.Redis, w.blkR), blockState(w.t, k.d.Cairn, w.blkC)
	if want != got {
		*k.failures++
		k.t.Errorf("seed %d, command %d: %s (on another connection)\n redis: %q\n cairn: %q", k.seed, k.n, ksLine(args), want, got)
	}
	if want != "" || got != "" {
		if want == "" {
			k.d.Redis.Do("CLIENT", "UNBLOCK", w.blkIDR)
			w.blkR.Read()
		}
		if got == "" {
			k.d.Cairn.Do("CLIENT", "UNBLOCK", w.blkIDC)
			w.blkC.Read()
		}
		return
	}
	c, dst := k.key(), k.pick(a, b)
	list := strings.HasPrefix(args[0], "BL") || strings.HasPrefix(args[0], "BR")
	zset := strings.HasPrefix(args[0], "BZ")
	switch k.r.IntN(12) {
	case 0, 1:
		switch {
		case list:
			k.do(ksExact, k.pick("RPUSH", "LPUSH"), dst, k.elem(), k.elem())
		case zset:
			k.do(ksExact, "ZADD", dst, k.score(), k.zmember(), k.score(), k.zmember())
		default:
			w.xid++
			k.do(ksExact, "XADD", a, fmt.Sprint(w.xid, "-1"), "f", "v")
		}
	case 2:
		if list {
			k.do(ksExact, "LMOVE", c, dst, k.pick("LEFT", "RIGHT"), k.pick("LEFT", "RIGHT"))
		} else {
			k.do(ksExact, "ZUNIONSTORE", dst, "2", c, dst)
		}
	case 3:
		k.do(ksExact, "RENAME", c, dst)
	case 4:
		k.do(ksExact, "COPY", c, dst, "REPLACE")
	case 5:
		push := []string{"RPUSH", dst, "x", "y"}
		if zset {
			push = []string{"ZADD", dst, "1", "m1", "2", "m2"}
		} else if !list {
			w.xid++
			push = []string{"XADD", dst, fmt.Sprint(w.xid, "-1"), "f", "v"}
		}
		k.do(ksExact, "MULTI")
		k.do(ksExact, push...)
		k.do(ksExact, k.pick("DEL", "LPOP", "ZPOPMIN", "SET", "EXPIRE"), dst, "100000")
		if k.chance(2) {
			k.do(ksExact, push...)
		}
		k.do(ksExact, "EXEC")
	case 6:
		k.do(ksExact, "SORT", c, "STORE", dst)
	case 7:
		k.do(ksExact, "EVAL", "redis.call('rpush', KEYS[1], 'x'); return redis.pcall('zadd', KEYS[2], 1, 'm')", "2", a, b)
	case 8:
		k.do(ksExact, "SWAPDB", "0", "1")
	case 9:
		w.extra()
	default:
		k.step()
	}
	if k.inMulti {
		k.raw("DISCARD")
		k.inMulti = false
	}
	// Redis has served the client (or not) by the time the step's last
	// reply came.
	served := infoField(w.t, k.d.Redis, "clients", "blocked_clients") == 0
	w.counts[fmt.Sprint("(blocking client served: ", served, ")")]++
	if served {
		want = w.blkR.Read()
		var ok bool
		if got, ok = w.blkC.ReadTimeout(5 * time.Second); !ok {
			k.d.Cairn.Do("CLIENT", "UNBLOCK", w.blkIDC)
			got = "(not served in 5 s) " + w.blkC.Read()
		}
	} else {
		time.Sleep(5 * time.Millisecond)
		if infoField(w.t, k.d.Cairn, "clients", "blocked_clients") == 1 {
			k.d.Cairn.Do("CLIENT", "UNBLOCK", w.blkIDC)
		}
		k.d.Redis.Do("CLIENT", "UNBLOCK", w.blkIDR)
		want, got = w.blkR.Read(), w.blkC.Read()
	}
	k.hist = append(k.hist, ksHist{[]string{"(blocking client replied)"}, 0, false})
	if want != got {
		*k.failures++
		k.t.Errorf("seed %d, command %d: the blocked %s\n redis: %q\n cairn: %q\n after:\n%s", k.seed, k.n, ksLine(args), want, got, k.recent(args))
	}
}

// expiry gives a key a 1 ms time to live, waits for it to pass and then
// runs a command that looks the key up, so that Redis publishes its
// "expired" event (lazily, or earlier from its expiry cycle) before the
// command's own events, as Cairn must.
func (w *evWatch) expiry() {
	k := w.k
	a, b := k.key(), k.key()
	// 20 ms, not 1: Redis deletes the key at once ("del", not "expire")
	// when the deadline has passed by the end of PEXPIRE, which a 1 ms
	// time to live can.
	switch k.r.IntN(4) {
	case 0:
		k.do(ksExact, "PEXPIRE", a, "20")
	case 1:
		k.do(ksExact, "SET", a, k.strVal(), "PX", "20")
	case 2:
		k.do(ksExact, "GETEX", a, "PX", "20")
	default:
		k.do(ksExact, "PSETEX", a, "20", k.strVal())
	}
	time.Sleep(25 * time.Millisecond)
	// The command must look the key up in Redis (which COPY a a, DBSIZE...
	// do not): otherwise the expiry cycle publishes "expired" whenever it
	// finds the key.
	for b == a {
		b = k.key()
	}
	switch k.r.IntN(13) {
	case 0:
		k.do(ksExact, "GET", a)
	case 1:
		k.do(ksExact, "TYPE", a)
	case 2:
		k.do(ksExact, "EXISTS", a)
	case 3:
		k.do(ksExact, "RPUSH", a, "x")
	case 4:
		k.do(ksExact, "SET", a, "v")
	case 5:
		k.do(ksExact, "DEL", a)
	case 6:
		k.do(ksExact, "RENAME", a, b)
	case 7:
		k.do(ksExact, "COPY", a, b, "REPLACE")
	case 8:
		k.do(ksExact, "SADD", a, "1")
	case 9:
		k.do(ksExact, "TTL", a)
	case 10:
		k.do(ksExact, "OBJECT", "ENCODING", a)
	case 11:
		k.do(ksExact, "EVAL", "return redis.call('get', KEYS[1])", "1", a)
	default:
		k.do(ksExact, "EXPIRE", a, "100000")
	}
}

// evKey turns `__keyspace@0__:k1 "new"` and `__keyevent@0__:new "k1"` into
// "new k1".
func evKey(line string) string {
	ch, msg, _ := strings.Cut(line, " ")
	msg, _ = strconv.Unquote(msg)
	_, rest, _ := strings.Cut(ch, "__:")
	if strings.HasPrefix(ch, "__keyspace@") {
		return msg + " " + rest
	}
	return rest + " " + msg
}
