package engine_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/storage"
)

// TestBlockingRandomDifferential plays random blocking commands and the
// writes that serve them on Redis and Cairn in lockstep. Six clients, each
// a pair of connections (client i on Redis, client i on Cairn), block in
// turn on a small pool of keys with BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, XREAD and XREADGROUP; each waits
// until both servers list it as blocked (CLIENT LIST flag b) before the
// next one is sent, so the arrival order is the same. A writer then runs
// random data commands (pushes, moves, ZADD, XADD with explicit IDs,
// MULTI/EXEC, scripts, DEL, SET, RENAME, group changes, CLIENT UNBLOCK,
// CLIENT KILL, FLUSHALL, SWAPDB, SELECT, MOVE); after each, the clients
// Redis unblocked must get the same reply from Cairn, and the others must
// still be blocked on Cairn too. A step ends by unblocking everyone and
// comparing the keys left behind (lists, sorted sets, streams, groups and
// their pending entries).
//
// Every step starts from FLUSHALL, so the step's log, printed with a
// discrepancy, is a complete reproduction. After a discrepancy all clients
// are reconnected and the run goes on.
//
// Short timeouts are given only while no write can happen: the client's
// reply (a timeout or an immediate answer) is read before anything else
// is sent.
//
// 4 seeds of 40 steps by default (about 6 s); CAIRN_LONG_TESTS=1 runs 60
// seeds, CAIRN_BLOCKING_SEEDS=N runs N. Odd seeds speak RESP3.
func TestBlockingRandomDifferential(t *testing.T) {
	seeds, steps := 4, 40
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 60
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_BLOCKING_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	rs, cs := cairntest.StartRedis(t), cairntest.StartCairn(t)
	failures := 0
	for seed := range seeds {
		b := &brRun{t: t, rs: rs, cs: cs, seed: seed, failures: &failures,
			r: rand.New(rand.NewPCG(uint64(seed), 0x626c6f636b))}
		b.proto = []string{"2", "3"}[seed%2]
		b.ra, b.ca = cairntest.Dial(t, rs.Addr), cairntest.Dial(t, cs.Addr)
		b.w = b.dial("w")
		for i := range 6 {
			b.clients = append(b.clients, b.dial(fmt.Sprint("c", i)))
		}
		for b.step = range steps {
			b.runStep()
			if failures >= 20 {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		b.closeAll()
		b.ra.Close()
		b.ca.Close()
	}
}

var brKeys = []string{"k0", "k1", "k2", "k3"}

// brPeer is one client: its connection to Redis and its double to Cairn.
type brPeer struct {
	name     string
	r, c     *cairntest.Conn
	rid, cid string // CLIENT ID on each server
	db       int
	blocked  bool     // blocked on Redis, the oracle
	cmd      []string // the command it is blocked in
	killed   bool
}

func (p *brPeer) label() string {
	if p.db != 0 {
		return fmt.Sprintf("%s[db%d]", p.name, p.db)
	}
	return p.name
}

// brCmd is a writer's command; CLIENT UNBLOCK and CLIENT KILL name a
// client by its id, which differs between the servers.
type brCmd struct {
	r, c   []string
	show   string
	victim *brPeer  // for CLIENT KILL
	adds   []string // keys it pushes or adds to
	sets   []string // keys it writes otherwise
}

func brSame(args ...string) brCmd { return brCmd{r: args, c: args, show: brLine(args)} }

type brRun struct {
	t        *testing.T
	rs, cs   *cairntest.Server
	r        *rand.Rand
	seed     int
	step     int
	proto    string
	ra, ca   *cairntest.Conn // admin connections, RESP2, never blocked
	w        *brPeer
	clients  []*brPeer
	n        int // source of unique elements, members and stream IDs
	log      []string
	bad      bool // a discrepancy ended the step
	failures *int
}

func (b *brRun) dial(name string) *brPeer {
	p := &brPeer{name: name, r: cairntest.Dial(b.t, b.rs.Addr), c: cairntest.Dial(b.t, b.cs.Addr)}
	if b.proto == "3" {
		p.r.Do("HELLO", "3") // the replies hold client ids, which differ
		p.c.Do("HELLO", "3")
	}
	p.rid = strings.TrimSpace(strings.TrimPrefix(p.r.Do("CLIENT", "ID"), ":"))
	p.cid = strings.TrimSpace(strings.TrimPrefix(p.c.Do("CLIENT", "ID"), ":"))
	return p
}

// closeAll disconnects every client and waits until neither server counts
// a blocked client: a waiter left over would take the next step's data.
func (b *brRun) closeAll() {
	for _, p := range append(b.clients, b.w) {
		p.r.Close()
		p.c.Close()
	}
	for _, c := range []*cairntest.Conn{b.ra, b.ca} {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(c.Do("INFO", "clients"), "blocked_clients:0\r") {
			if time.Now().After(deadline) {
				b.t.Fatalf("closed clients still count as blocked")
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func (b *brRun) logf(format string, args ...any) {
	b.log = append(b.log, fmt.Sprintf(format, args...))
}

// fail reports a discrepancy with the step's log and ends the step.
func (b *brRun) fail(what, want, got string) {
	b.t.Helper()
	*b.failures++
	b.bad = true
	b.t.Errorf("seed %d (RESP%s), step %d: %s\n redis: %q\n cairn: %q\n the step, from an empty keyspace:\n   %s",
		b.seed, b.proto, b.step, what, want, got, strings.Join(b.log, "\n   "))
}

func (b *brRun) runStep() {
	b.log, b.bad = nil, false
	b.write(brSame("SELECT", "0"), brSame("FLUSHALL"))
	for _, p := range b.clients {
		db := 0
		if b.chance(5) {
			db = 1
		}
		if db != p.db {
			b.clientDo(p, "SELECT", strconv.Itoa(db))
			p.db = db
		}
	}
	for range b.r.IntN(4) {
		b.write(b.genWrite(true)...)
	}
	for range 1 + b.r.IntN(3) {
		for _, i := range b.r.Perm(len(b.clients)) {
			if p := b.clients[i]; !p.blocked && !b.bad && b.r.IntN(5) < 4 {
				b.block(p)
			}
		}
		for range 1 + b.r.IntN(5) {
			if !b.bad {
				b.write(b.genWrite(false)...)
			}
		}
	}
	for _, p := range b.clients {
		if p.blocked && !b.bad {
			b.write(b.unblock(p))
		}
	}
	if !b.bad {
		b.dump()
	}
	if b.bad {
		b.closeAll()
		b.w = b.dial("w")
		for i := range b.clients {
			b.clients[i] = b.dial(fmt.Sprint("c", i))
		}
	}
}

// clientDo runs a command that must not block on a client.
func (b *brRun) clientDo(p *brPeer, args ...string) {
	b.logf("%s> %s", p.label(), brLine(args))
	want := p.r.Do(args...)
	p.c.Send(args...)
	got, ok := p.c.ReadTimeout(5 * time.Second)
	b.logf("   %s", brShow(want))
	if !ok || got != want {
		b.fail(p.name+": "+brLine(args), want, got)
	}
}

// block sends a blocking command and waits until Redis has either
// answered it or blocked the client, then checks Cairn did the same.
func (b *brRun) block(p *brPeer) {
	args, short := b.genBlocking()
	b.logf("%s> %s", p.label(), brLine(args))
	p.r.Send(args...)
	p.c.Send(args...)
	if short {
		want := p.r.Read()
		got, ok := p.c.ReadTimeout(10 * time.Second)
		b.logf("   %s", brShow(want))
		if !ok || got != want {
			b.fail(p.name+": "+brLine(args), want, got)
		}
		return
	}
	blocked, want := b.redisOutcome(p)
	if !blocked {
		b.logf("   %s", brShow(want))
		if got, ok := p.c.ReadTimeout(5 * time.Second); !ok || got != want {
			b.fail(p.name+": "+brLine(args)+" (redis answered at once)", want, got)
		}
		return
	}
	b.logf("   blocked")
	p.blocked, p.cmd = true, args
	deadline := time.Now().Add(5 * time.Second)
	for polls := 0; !brBlockedIDs(b.ca)[p.cid]; polls++ {
		// Cairn may have answered instead; no answer ever comes from a
		// client that blocks, so the probe cannot be wrong.
		if polls >= 2 {
			if got, _ := p.c.ReadTimeout(20 * time.Millisecond); got != "" {
				b.fail(p.name+": "+brLine(args)+" (redis blocked)", "(blocked)", got)
				return
			}
		}
		if time.Now().After(deadline) {
			b.fail(p.name+": "+brLine(args)+" (cairn neither blocked nor answered)", "(blocked)", "")
			return
		}
	}
}

// redisOutcome tells whether Redis blocked the client, or else its reply.
// Redis reads the client's command in the same event-loop pass as the
// first CLIENT LIST sent after it, or before: at the second CLIENT LIST
// the command has run and any reply is on its way.
func (b *brRun) redisOutcome(p *brPeer) (bool, string) {
	deadline := time.Now().Add(10 * time.Second)
	for polls := 0; ; polls++ {
		if brBlockedIDs(b.ra)[p.rid] {
			return true, ""
		}
		if polls >= 1 {
			reply, ok := p.r.ReadTimeout(100 * time.Millisecond)
			if ok {
				return false, reply
			}
			if reply != "" {
				b.t.Fatalf("redis sent a partial reply %q", reply)
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("redis neither blocked nor answered %s", p.name)
		}
	}
}

// write runs the writer's commands, then reads what the clients Redis
// unblocked got and checks Cairn still blocks the others.
func (b *brRun) write(cmds ...brCmd) {
	for _, cmd := range cmds {
		if b.bad {
			return
		}
		b.logf("%s> %s", b.w.label(), cmd.show)
		b.w.r.Send(cmd.r...)
		b.w.c.Send(cmd.c...)
		want := b.w.r.Read()
		got, ok := b.w.c.ReadTimeout(5 * time.Second)
		b.logf("   %s", brShow(want))
		if !ok || got != want {
			b.fail("writer: "+cmd.show, want, got)
			return
		}
		switch {
		case strings.EqualFold(cmd.r[0], "select") && want == "+OK\r\n":
			b.w.db, _ = strconv.Atoi(cmd.r[1])
		case cmd.victim != nil && want == ":1\r\n":
			cmd.victim.killed = true
		}
	}
	b.collect()
	for i, p := range b.clients {
		if p.killed && !b.bad {
			p.r.Close()
			p.c.Close()
			b.clients[i] = b.dial(p.name)
			b.logf("%s reconnects", p.name)
		}
	}
}

// collect reads the replies of the clients Redis no longer blocks.
func (b *brRun) collect() {
	if b.bad {
		return
	}
	rb := brBlockedIDs(b.ra)
	var cb map[string]bool
	for _, p := range b.clients {
		if !p.blocked || p.killed {
			continue
		}
		if rb[p.rid] {
			if cb == nil {
				cb = brBlockedIDs(b.ca)
			}
			if !cb[p.cid] { // Cairn clears the flag only once woken
				got, _ := p.c.ReadTimeout(time.Second)
				b.fail(p.name+" is blocked on redis, not on cairn", "(blocked)", got)
				return
			}
			continue
		}
		p.blocked = false
		want := p.r.Read()
		b.logf("%s <- %s", p.name, brShow(want))
		if got, ok := p.c.ReadTimeout(5 * time.Second); !ok || got != want {
			b.fail(p.name+" woken by the writer", want, got)
			return
		}
	}
}

func (b *brRun) unblock(p *brPeer) brCmd {
	args := []string{"CLIENT", "UNBLOCK", p.rid}
	if b.chance(2) {
		args = append(args, b.pick("TIMEOUT", "ERROR"))
	}
	c := append([]string{}, args...)
	c[2] = p.cid
	show := append([]string{}, args...)
	show[2] = "<" + p.name + ">"
	return brCmd{r: args, c: c, show: brLine(show)}
}

// dump compares the keys left behind in both databases.
func (b *brRun) dump() {
	for _, db := range []string{"0", "1"} {
		b.check("SELECT", db)
		b.check("DBSIZE")
		for _, key := range brKeys {
			switch b.check("TYPE", key) {
			case "+list\r\n":
				b.check("LRANGE", key, "0", "-1")
			case "+zset\r\n":
				b.check("ZRANGE", key, "0", "-1", "WITHSCORES")
			case "+stream\r\n":
				b.check("XRANGE", key, "-", "+")
				b.check("XINFO", "GROUPS", key)
				for _, g := range []string{"g", "h"} {
					b.check("XPENDING", key, g)
				}
			}
		}
	}
}

// check runs a read on the admin connections and compares the replies.
func (b *brRun) check(args ...string) string {
	if b.bad {
		return ""
	}
	want, got := b.ra.Do(args...), b.ca.Do(args...)
	if got != want {
		b.fail("after the step: "+brLine(args), want, got)
	}
	return want
}

// brBlockedIDs lists the ids CLIENT LIST flags as blocked.
func brBlockedIDs(c *cairntest.Conn) map[string]bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(c.Do("CLIENT", "LIST"), "\n") {
		var id string
		blocked := false
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			} else if v, ok := strings.CutPrefix(f, "flags="); ok {
				blocked = strings.Contains(v, "b")
			}
		}
		if blocked {
			ids[id] = true
		}
	}
	return ids
}

func brLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"'\\") {
			q[i] = strconv.Quote(a)
		} else {
			q[i] = a
		}
	}
	return strings.Join(q, " ")
}

func brShow(reply string) string {
	if len(reply) > 300 {
		return strconv.Quote(reply[:300]) + "..."
	}
	return strconv.Quote(reply)
}

// --- generators ---

func (b *brRun) chance(n int) bool { return b.r.IntN(n) == 0 }

func (b *brRun) pick(xs ...string) string { return xs[b.r.IntN(len(xs))] }

func (b *brRun) key() string { return brKeys[b.r.IntN(len(brKeys))] }

// hot is mostly a key a blocked client names, with the command it is
// blocked in.
func (b *brRun) hot() (key, cmd string) {
	var keys, cmds []string
	for _, p := range b.clients {
		if !p.blocked {
			continue
		}
		for _, a := range p.cmd {
			if slices.Contains(brKeys, a) {
				keys, cmds = append(keys, a), append(cmds, p.cmd[0])
			}
		}
	}
	if len(keys) == 0 || b.chance(5) {
		return b.key(), ""
	}
	i := b.r.IntN(len(keys))
	return keys[i], cmds[i]
}

func (b *brRun) next(prefix string) string {
	b.n++
	return fmt.Sprint(prefix, b.n)
}

// streamID is a new ID, above every one given before in the step.
func (b *brRun) streamID() string {
	b.n++
	if b.chance(8) {
		return fmt.Sprint(b.n, "-*")
	}
	return fmt.Sprint(b.n, "-1")
}

func (b *brRun) keys() []string {
	ks := []string{b.key()}
	for b.chance(2) && len(ks) < 3 {
		ks = append(ks, b.key())
	}
	return ks
}

// genBlocking makes a blocking command; short means its reply comes
// without a write: a short timeout or an invalid one.
func (b *brRun) genBlocking() (args []string, short bool) {
	keys := b.keys()
	secs, ms := b.pick("0", "0", "0", "1000", "3600.5"), b.pick("0", "0", "1000000")
	switch {
	case b.chance(20):
		secs, ms, short = b.pick("0.05", "0.02", "0.02"), b.pick("50", "20", "20"), true
	case b.chance(40):
		secs, ms, short = b.pick("-1", "abc"), b.pick("-1", "abc"), true
	}
	n := strconv.Itoa(len(keys))
	count := func() []string {
		if b.chance(2) {
			return []string{"COUNT", b.pick("1", "2", "5")}
		}
		return nil
	}
	switch b.r.IntN(23) {
	case 0, 1, 2:
		args = append(append([]string{"BLPOP"}, keys...), secs)
	case 3, 4:
		args = append(append([]string{"BRPOP"}, keys...), secs)
	case 5, 6, 20, 21:
		dst, _ := b.hot()
		args = []string{"BLMOVE", keys[0], dst, b.pick("LEFT", "RIGHT"), b.pick("LEFT", "RIGHT"), secs}
	case 7, 22:
		dst, _ := b.hot()
		args = []string{"BRPOPLPUSH", keys[0], dst, secs}
	case 8, 9:
		args = append(append([]string{"BLMPOP", secs, n}, keys...), b.pick("LEFT", "RIGHT"))
		args = append(args, count()...)
	case 10, 11:
		args = append(append([]string{b.pick("BZPOPMIN", "BZPOPMAX")}, keys...), secs)
	case 12:
		args = append(append([]string{"BZMPOP", secs, n}, keys...), b.pick("MIN", "MAX"))
		args = append(args, count()...)
	case 13, 14, 15:
		args = append([]string{"XREAD"}, count()...)
		args = append(append(args, "BLOCK", ms, "STREAMS"), keys...)
		for range keys {
			if b.chance(2) {
				args = append(args, "$")
			} else {
				args = append(args, fmt.Sprintf("%d-%d", max(b.n-b.r.IntN(4), 0), b.r.IntN(3)))
			}
		}
	default:
		args = []string{"XREADGROUP", "GROUP", b.pick("g", "g", "h"), b.pick("alice", "bob", "carol")}
		args = append(args, count()...)
		if b.chance(4) {
			args = append(args, "NOACK")
		}
		args = append(append(args, "BLOCK", ms, "STREAMS"), keys...)
		for range keys {
			if b.chance(15) {
				args = append(args, "0") // the consumer's history: never blocks
			} else {
				args = append(args, ">")
			}
		}
	}
	return args, short
}

// genSimple is one data command, of the kinds a transaction may hold too.
func (b *brRun) genSimple(inMulti bool) brCmd {
	k, cmd := b.hot()
	other := b.key()
	op := b.r.IntN(20)
	if b.chance(2) || (inMulti && !b.chance(4)) { // what serves the waiter
		switch cmd {
		case "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP":
			op = 0
		case "BZPOPMIN", "BZPOPMAX", "BZMPOP":
			op = 5
		case "XREAD", "XREADGROUP":
			op = 8
		}
	}
	adds := func(args ...string) brCmd {
		c := brSame(args...)
		c.adds = []string{k}
		return c
	}
	sets := func(keys []string, args ...string) brCmd {
		c := brSame(args...)
		c.sets = keys
		return c
	}
	switch op {
	case 0, 1, 2, 3, 4:
		args := []string{b.pick("LPUSH", "RPUSH"), k, b.next("e")}
		for b.chance(2) && len(args) < 6 {
			args = append(args, b.next("e"))
		}
		return adds(args...)
	case 5, 6, 7:
		args := []string{"ZADD", k}
		for ok := true; ok && len(args) < 8; ok = b.chance(2) {
			args = append(args, strconv.Itoa(b.r.IntN(5)), b.next("m"))
		}
		return adds(args...)
	case 8, 9, 10, 11:
		args := []string{"XADD", k}
		if b.chance(6) {
			args = append(args, "MAXLEN", b.pick("1", "2"))
		}
		if b.chance(10) {
			args = append(args, "NOMKSTREAM")
		}
		return adds(append(args, b.streamID(), "f", b.next("v"))...)
	case 12:
		c := adds("LMOVE", other, k, b.pick("LEFT", "RIGHT"), b.pick("LEFT", "RIGHT"))
		if b.chance(2) {
			c = adds("RPOPLPUSH", other, k)
		}
		c.sets = []string{other}
		return c
	case 13:
		return sets([]string{k}, b.pick("LPOP", "RPOP", "ZPOPMIN", "ZPOPMAX"), k)
	case 14:
		if b.chance(2) {
			return sets([]string{k, other}, "DEL", k, other)
		}
		return sets([]string{k}, "DEL", k)
	case 15:
		return sets([]string{k}, "SET", k, b.next("s"))
	case 16:
		return sets([]string{k, other}, "RENAME", other, k)
	case 17:
		g := b.pick("g", "g", "h")
		switch b.r.IntN(5) {
		case 0:
			return sets([]string{k}, "XGROUP", "SETID", k, g, b.pick("$", "0"))
		case 1:
			return sets([]string{k}, "XGROUP", "DESTROY", k, g)
		case 2:
			return sets([]string{k}, "XGROUP", "DELCONSUMER", k, g, b.pick("alice", "bob"))
		}
		return sets([]string{k}, "XGROUP", "CREATE", k, g, b.pick("$", "0"), "MKSTREAM")
	case 18:
		if b.chance(2) {
			return sets([]string{k}, "XDEL", k, fmt.Sprint(max(b.n-b.r.IntN(3), 1), "-1"))
		}
		return sets([]string{k}, "XTRIM", k, "MAXLEN", b.pick("0", "1"))
	}
	switch b.r.IntN(3) {
	case 0:
		// Overwriting a key wakes nobody, even if a waiter could now be
		// served: Redis signals keys it creates.
		return sets([]string{k}, "ZUNIONSTORE", k, "1", other)
	case 1:
		return sets([]string{k}, "COPY", other, k, "REPLACE")
	}
	return adds(b.pick("LPUSHX", "RPUSHX"), k, b.next("e"))
}

var brScripts = []string{
	"redis.call('rpush', KEYS[1], ARGV[1]) return redis.call('lpush', KEYS[2], ARGV[2])",
	"redis.call('zadd', KEYS[1], 1, ARGV[1]) return redis.call('rpush', KEYS[2], ARGV[2])",
	"redis.call('xadd', KEYS[1], ARGV[3], 'f', ARGV[1]) return redis.call('rpush', KEYS[2], ARGV[2])",
	"redis.call('rpush', KEYS[1], ARGV[1], ARGV[2]) return redis.call('lpop', KEYS[1])",
	"redis.call('rpush', KEYS[1], ARGV[1]) return redis.call('del', KEYS[2])",
	"return redis.call('blpop', KEYS[1], KEYS[2], 0)",
}

// genWrite makes the writer's next move; setup leaves out what needs
// blocked clients.
func (b *brRun) genWrite(setup bool) []brCmd {
	k, _ := b.hot()
	other := b.key()
	switch b.r.IntN(40) {
	case 0, 1, 2, 11, 12, 13:
		// Keys a transaction wrote are served in the order they were
		// created (or got an entry), not first written.
		cmds := []brCmd{brSame("MULTI")}
		for range 2 + b.r.IntN(3) {
			c := b.genSimple(true)
			if b.chance(12) {
				c = brSame("BLPOP", b.key(), "0")
				c.sets = c.r[1:2]
			}
			cmds = append(cmds, c)
		}
		return append(cmds, brSame(b.pick("EXEC", "EXEC", "EXEC", "DISCARD")))
	case 3, 4:
		script := brScripts[b.r.IntN(len(brScripts))]
		return []brCmd{brSame("EVAL", script, "2", k, other, b.next("e"), b.next("e"), b.streamID())}
	case 5:
		if setup {
			break
		}
		target := b.clients[b.r.IntN(len(b.clients))]
		return []brCmd{b.unblock(target)}
	case 6:
		if setup || !b.chance(3) {
			break
		}
		target := b.clients[b.r.IntN(len(b.clients))]
		return []brCmd{{r: []string{"CLIENT", "KILL", "ID", target.rid}, c: []string{"CLIENT", "KILL", "ID", target.cid},
			show: "CLIENT KILL ID <" + target.name + ">", victim: target}}
	case 7:
		if b.chance(3) {
			return []brCmd{brSame(b.pick("FLUSHALL", "FLUSHDB"))}
		}
	case 8:
		if b.swapIsOrdered() {
			return []brCmd{brSame("SWAPDB", "0", "1")}
		}
	case 9:
		return []brCmd{brSame("SELECT", strconv.Itoa(1-b.w.db))}
	case 10:
		return []brCmd{brSame("MOVE", other, strconv.Itoa(1-b.w.db))}
	}
	return []brCmd{b.genSimple(false)}
}

// swapIsOrdered reports whether SWAPDB 0 1 makes at most one key with
// waiters ready in each database: Redis finds such keys by walking a hash
// table, so with two the order clients are served in is arbitrary.
func (b *brRun) swapIsOrdered() bool {
	for db := range 2 {
		ready := 0
		for _, key := range brKeys {
			waited := false
			for _, p := range b.clients {
				if p.blocked && p.db == db && slices.Contains(p.cmd, key) {
					waited = true
				}
			}
			if !waited {
				continue
			}
			for _, d := range []string{"0", "1"} {
				b.ra.Do("SELECT", d)
				if b.ra.Do("EXISTS", key) == ":1\r\n" {
					ready++
					break
				}
			}
		}
		if ready > 1 {
			return false
		}
	}
	return true
}

// A client served by a write (BLMOVE) writes keys in turn; their waiters
// are served after every key the first write made ready, as Redis walks
// its list of ready keys: B is served from x, not from d.
func TestBlockingServeOrder(t *testing.T) {
	d := cairntest.NewDiffer(t)
	a, b, w := newTwin(t, d, 2), newTwin(t, d, 2), newTwin(t, d, 2)
	a.block(d, 1, "BLMOVE", "s", "d", "LEFT", "LEFT", "0")
	b.block(d, 2, "BLPOP", "x", "d", "0")
	w.do("MULTI")
	w.do("RPUSH", "s", "1")
	w.do("RPUSH", "x", "2")
	w.do("EXEC")
	a.reply()
	b.reply()
	w.do("LRANGE", "d", "0", "-1")
	w.do("EXISTS", "x")
	w.do("FLUSHALL")

	// The source a served BLMOVE popped is not made ready again by the
	// pop (Redis signals a key when it is created): k1, refilled by C, is
	// served after k3, and B gets A's element from k3.
	a.block(d, 1, "BLMOVE", "k1", "k3", "LEFT", "LEFT", "0")
	c := newTwin(t, d, 2)
	c.block(d, 2, "BLMOVE", "k2", "k1", "LEFT", "LEFT", "0")
	b.block(d, 3, "BLPOP", "k1", "k3", "0")
	w.do("MULTI")
	w.do("RPUSH", "k1", "a")
	w.do("RPUSH", "k2", "b")
	w.do("EXEC")
	a.reply()
	c.reply()
	b.reply()
	w.do("LRANGE", "k1", "0", "-1")
	w.do("LRANGE", "k3", "0", "-1")
	w.do("FLUSHALL")

	// A reader of several streams is served from the one written first,
	// even when another of its streams got an entry in the same write.
	a.block(d, 1, "XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "k0", "k2", "121-2", "121-2")
	w.do("MULTI")
	w.do("XADD", "k2", "124-1", "f", "v")
	w.do("XADD", "k0", "126-1", "f", "v")
	w.do("EXEC")
	a.reply()
	w.do("FLUSHALL")

	// Keys are made ready when created, in that order: k1, written first
	// but created last, is served after k2.
	a.block(d, 1, "BLPOP", "k1", "k2", "0")
	w.do("SET", "k1", "v")
	w.do("MULTI")
	w.do("SET", "k1", "v2")
	w.do("RPUSH", "k2", "a")
	w.do("DEL", "k1")
	w.do("RPUSH", "k1", "b")
	w.do("EXEC")
	a.reply()
	w.do("FLUSHALL")

	// Overwriting a key readies nobody, even a waiter it could serve.
	a.block(d, 1, "BZPOPMIN", "k", "0")
	w.do("SET", "k", "v")
	w.do("ZADD", "src", "1", "m")
	w.do("ZUNIONSTORE", "k", "1", "src")
	a.silent()
	w.do("ZADD", "k", "2", "n")
	a.silent()
	w.do("DEL", "k")
	w.do("ZADD", "k", "3", "o")
	a.reply()
}

// A client killed while blocked is gone at once, as in Redis: CLIENT
// UNBLOCK finds nobody, and the write right after the kill goes to the
// next waiter. Over TCP Cairn notices the disconnect within microseconds,
// so this runs in process on connections whose disconnect goes unnoticed:
// only the kill itself can take the waiters out. The replies expected are
// redis-server 7.0's to the same commands.
func TestBlockingKilledWaiter(t *testing.T) {
	s := brEngine(t)
	w := &brConn{}
	w.c = s.NewClient(w)
	var waiters []*brConn
	for i := range 3 {
		c := &brConn{done: make(chan struct{})}
		c.c = s.NewClient(c)
		go func() {
			c.exec("BLPOP", "q", "0")
			close(c.done)
		}()
		waiters = append(waiters, c)
		for !strings.Contains(w.do("INFO", "clients"), fmt.Sprintf("blocked_clients:%d\r", i+1)) {
			time.Sleep(time.Millisecond)
		}
	}
	v1, v2, last := waiters[0], waiters[1], waiters[2]
	for _, step := range [][]string{
		{"CLIENT", "KILL", "ID", fmt.Sprint(v1.c.ID()), ":1\r\n"},
		{"CLIENT", "KILL", "ID", fmt.Sprint(v2.c.ID()), ":1\r\n"},
		{"CLIENT", "UNBLOCK", fmt.Sprint(v2.c.ID()), ":0\r\n"},
		{"RPUSH", "q", "x", ":1\r\n"},
	} {
		args, want := step[:len(step)-1], step[len(step)-1]
		if got := w.do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	select {
	case <-last.done:
		if got, want := last.take(), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n"; got != want {
			t.Errorf("the waiter after the killed ones got %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("the waiter after the killed ones got nothing")
		w.do("CLIENT", "UNBLOCK", fmt.Sprint(last.c.ID()))
	}
}

// brEngine runs Cairn's engine in process, without a network server.
func brEngine(t *testing.T) *engine.Server {
	dir := t.TempDir()
	cfg, err := config.Load([]string{"--dir", dir, "--save", ""}, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := rlog.New()
	log.SetOutput(io.Discard)
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data"), BlockCacheSize: 8 << 20,
		MemTableSize: 4 << 20, HotCacheSize: 8 << 20, Logger: rlog.Pebble{L: log}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(store, cfg, log, "", dir)
	s.Start()
	t.Cleanup(func() {
		s.Stop()
		store.Close()
	})
	return s
}

// brConn is an in-process client connection that keeps what the server
// writes and never reports a disconnect.
type brConn struct {
	c    *engine.Client
	done chan struct{}
	mu   sync.Mutex
	out  bytes.Buffer
}

func (b *brConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.Write(p)
}

func (b *brConn) Close() error                          { return nil }
func (b *brConn) RemoteAddr() string                    { return "127.0.0.1:40000" }
func (b *brConn) LocalAddr() string                     { return "127.0.0.1:6379" }
func (b *brConn) FD() int                               { return -1 }
func (b *brConn) QueryBuffer() (int64, int64)           { return 0, 0 }
func (b *brConn) WatchClose() (<-chan struct{}, func()) { return nil, func() {} }
func (b *brConn) ReadCommand() ([][]byte, error)        { return nil, io.EOF }

func (b *brConn) exec(args ...string) {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	b.c.Exec(argv, false)
	b.c.FlushAndWait()
}

func (b *brConn) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.out.String()
	b.out.Reset()
	return s
}

func (b *brConn) do(args ...string) string {
	b.exec(args...)
	return b.take()
}
