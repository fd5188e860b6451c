package engine_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestServerCmdsRandomDifferential drives the server-administration
// commands with random arguments against Cairn and a real Redis 7.0 and
// compares every reply: CONFIG GET/SET/RESETSTAT/HELP (patterns, aliases,
// several pairs, duplicates, immutable directives, units, percentages,
// enums, booleans, ranges), CLIENT (SETNAME/GETNAME/ID/INFO/LIST, NO-EVICT,
// PAUSE/UNPAUSE against a second client's writes, KILL filters, TRACKING,
// TRACKINGINFO, CACHING, GETREDIR, REPLY, UNBLOCK), OBJECT under changing
// maxmemory-policy, DBSIZE, SELECT, SWAPDB, FLUSHDB, COMMAND (COUNT, INFO,
// DOCS, GETKEYS, GETKEYSANDFLAGS, LIST FILTERBY), LATENCY HELP, MEMORY
// USAGE, ECHO, PING (subscribed, in MULTI, RESP2/3), TIME, LASTSAVE, INFO
// and RESET. A differing reply fails the test with the recent commands;
// both servers are then reset and the run goes on.
//
// Stepped around, because Redis itself is not deterministic there, or
// the two servers' environments differ:
//   - CONFIG GET and COMMAND/COMMAND INFO/DOCS/LIST replies come in the
//     order of a dict with a random hash seed: compared as sets (of pairs,
//     and of the subcommands nested in COMMAND's entries and DOCS's maps);
//     so are INFO commandstats' and latencystats' lines.
//   - CONFIG GET values of port, dir, logfile and pidfile name each
//     server's own; Cairn's own cairn-* directives are left out.
//   - CLIENT INFO/LIST fields id, addr, laddr, fd, age, idle and the
//     buffer and memory sizes (qbuf, qbuf-free, argv-mem, multi-mem, rbs,
//     rbp, obl, oll, omem, tot-mem) are masked; names, flags, db, sub,
//     psub, ssub, multi, events, cmd, user, redir and resp are compared.
//     CLIENT ID, HELLO's id, TIME and LASTSAVE are compared by shape; the
//     ids and addresses KILL and LIST filter on are each server's own.
//   - OBJECT IDLETIME and OBJECT FREQ (a clock and a probabilistic counter)
//     are compared as integer/error/null, their errors exactly.
//   - MEMORY USAGE sizes are Cairn's estimates of Redis's allocations:
//     compared by shape (errors and nulls exactly).
//   - INFO: section headers and field names in order, values masked except
//     errorstats, commandstats' calls, rejected_calls and failed_calls and
//     the keyspace's keys= and expires=; Cairn's own fields (cairn_*, go_*, hot_cache_*,
//     block_cache_*, memtable_*) and its Storage section are left out.
//   - maxmemory is never set below what the dataset takes: the servers
//     measure memory differently, and one would evict where the other
//     does not.
//   - Tracking is turned off after each tracking step: invalidation pushes
//     for another client's writes arrive at times that depend on
//     scheduling.
//   - An ALL pause holds the pausing client too, CLIENT UNPAUSE included
//     in Redis 7.0: it is short and left to expire.
//
// Stepped around, because Cairn differs there in code this test's fixes
// did not touch (each one listed with its cause; remove the step-around
// with the fix):
//   - OBJECT REFCOUNT of a small integer is compared by shape once
//     maxmemory or maxmemory-policy changed after the key was written:
//     Redis chose the shared object when it wrote the value, Cairn
//     applies the rule of the moment.
//   - CLIENT TRACKING with two overlapping prefixes in one command is not
//     sent: Redis 7.0 replies an error and then +OK to it (fixed in 7.2).
//
// 4 seeds by default; CAIRN_LONG_TESTS=1 runs 40, CAIRN_SERVERCMDS_SEEDS=N
// runs N (CAIRN_SERVERCMDS_FIRST=K starts at seed K).
func TestServerCmdsRandomDifferential(t *testing.T) {
	seeds, steps := 4, 400
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 40
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_SERVERCMDS_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	first, _ := strconv.Atoi(os.Getenv("CAIRN_SERVERCMDS_FIRST"))
	d := cairntest.NewDiffer(t)
	failures := 0
	for seed := first; seed < first+seeds; seed++ {
		s := &scRun{t: t, d: d, r: rand.New(rand.NewPCG(uint64(seed), 0x73727663)), seed: seed, failures: &failures}
		s.start()
		for range steps {
			s.step()
			if failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		s.finish()
	}
}

type scRun struct {
	t        *testing.T
	d        *cairntest.Differ
	r        *rand.Rand
	seed     int
	n        int
	hist     []string
	failures *int
	// A second client on each server (Redis's, Cairn's), the target of
	// CLIENT KILL and the writer under CLIENT PAUSE; nil once killed.
	b     [2]*cairntest.Conn
	proto string   // RESP version of the main connections
	inSub bool     // the main connections are subscribed
	chans []string // channels and patterns they are subscribed to
	// maxmemory or its policy changed since the keys were written: Redis
	// decided then whether a small integer value is its shared object
	// (OBJECT REFCOUNT 2147483647), Cairn decides when asked.
	sharingChanged bool
	// Every directive Redis's CONFIG GET * names, for CONFIG SETs of any.
	names []string
	multi bool // the main connections are in MULTI
}

// scDirectives are the directives CONFIG SET is tried on, with values
// that make sense for them; any directive also gets values from scValues.
var scDirectives = map[string][]string{
	"maxmemory-policy":                  {"noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lfu", "volatile-lru", "allkeys-random", "volatile-ttl", "volatile-random", "bogus", "ALLKEYS-LFU", ""},
	"maxmemory-samples":                 {"1", "5", "10", "64", "0", "-1"},
	"maxmemory-eviction-tenacity":       {"0", "10", "100", "101"},
	"maxmemory-clients":                 {"0", "10%", "100%", "101%", "0%", "1gb", "100mb", "5%x", "-1%"},
	"hz":                                {"1", "10", "100", "500", "501", "0", "-1", "1000000"},
	"lfu-log-factor":                    {"0", "10", "-1"},
	"lfu-decay-time":                    {"0", "1", "-1"},
	"hash-max-ziplist-entries":          {"0", "128", "512", "-1"},
	"hash-max-listpack-entries":         {"0", "128", "512"},
	"hash-max-ziplist-value":            {"64", "0", "1kb"},
	"zset-max-ziplist-entries":          {"128", "7"},
	"zset-max-listpack-value":           {"64", "1mb", "1gb"},
	"set-max-intset-entries":            {"512", "1", "1gb"},
	"list-max-ziplist-size":             {"-2", "-5", "-6", "0", "128", "-65536", "32768"},
	"list-max-listpack-size":            {"-2", "-1", "8"},
	"list-compress-depth":               {"0", "1", "-1"},
	"notify-keyspace-events":            {"", "KEA", "AKE", "Kx", "Eg$", "KEAn", "z", "KA", "Ed", "nK", "Kt", "Km"},
	"slowlog-max-len":                   {"128", "0", "-1", "1000000"},
	"slowlog-log-slower-than":           {"10000", "0", "-1", "-2"},
	"latency-monitor-threshold":         {"0", "100", "-1"},
	"latency-tracking":                  {"yes", "no", "YES", "maybe"},
	"latency-tracking-info-percentiles": {"50 99 99.9", "", "0 100", "50 101", "abc", "99.99", "-1", "50 50"},
	"lazyfree-lazy-user-del":            {"yes", "no", "1", "true"},
	"lazyfree-lazy-user-flush":          {"yes", "no"},
	"activerehashing":                   {"yes", "no", "Yes"},
	"appendfsync":                       {"everysec", "always", "no", "sometimes"},
	"loglevel":                          {"notice", "warning", "verbose", "debug", "nothing"},
	"save":                              {"", "3600 1", "100 10 20 30", "100 x", "100", "-1 1", "0 0"},
	"client-output-buffer-limit":        {"normal 0 0 0", "pubsub 32mb 8mb 60", "normal 1 2", "bogus 0 0 0", "normal 1mb 2mb 3 slave 1 2 3", "normal -1 0 0", "replica 256mb 64mb 60", "master 0 0 0"},
	"oom-score-adj-values":              {"0 200 800", "0 200", "0 -2000 800", "a b c"},
	"busy-reply-threshold":              {"5000", "0", "-1"},
	"lua-time-limit":                    {"5000", "10000"},
	"stream-node-max-bytes":             {"4kb", "4096", "0", "1gb"},
	"stream-node-max-entries":           {"100", "0", "-1"},
	"hll-sparse-max-bytes":              {"3000", "0", "1mb"},
	"tracking-table-max-keys":           {"1000000", "0", "-1"},
	"acllog-max-len":                    {"128", "0", "-1"},
	"active-expire-effort":              {"1", "10", "11", "0"},
	"sanitize-dump-payload":             {"no", "yes", "clients", "maybe"},
	"repl-backlog-size":                 {"1mb", "1", "16383", "16384", "100000", "0", "-1"},
	"repl-backlog-ttl":                  {"3600", "0"},
	"min-replicas-max-lag":              {"10", "0"},
	"replica-read-only":                 {"yes", "no"},
	"slave-read-only":                   {"yes", "no"},
	"rdbcompression":                    {"yes", "no"},
	"activedefrag":                      {"no", "yes"},
	"watchdog-period":                   {"0", "1", "150", "500", "-1"},
	"propagation-error-behavior":        {"ignore", "panic", "panic-on-replicas", "x"},
	"shutdown-on-sigterm":               {"default", "save", "nosave now", "force", "now force", "bogus", "save nosave"},
	"enable-debug-command":              {"yes", "no"},
	"daemonize":                         {"yes", "no"},
	"databases":                         {"16", "3"},
	"io-threads":                        {"1"},
	"dir":                               {"/tmp"},
	"dbfilename":                        {"x.rdb"},
	"appendfilename":                    {"x.aof"},
	"unixsocket":                        {"/tmp/x.sock"},
	"proto-max-bulk-len":                {"512mb", "100", "1gb"},
	"client-query-buffer-limit":         {"1gb", "100", "2gb"},
	"tcp-keepalive":                     {"300", "0", "-1"},
	"cluster-node-timeout":              {"15000"},
	"HZ":                                {"10"},
	"Maxmemory-Policy":                  {"noeviction"},
	"nosuch-directive":                  {"1"},
	"ignore-warnings":                   {"", "ARM64-COW-BUG"},
	"set-proc-title":                    {"yes", "no"},
	"proc-title-template":               {"{title} {listen-addr} {server-mode}", "{bogus}", "", "x"},
	// Not below what the dataset takes: Redis and Cairn measure it
	// differently, and one would evict where the other does not.
	"maxmemory": {"0", "1gb", "100mb", "1GB", "1g", "-1", "abc", "10%", "9223372036854775807", "18446744073709551616", "1.5gb"},
}

// scUnsafe are directives the random CONFIG SETs of any directive leave
// alone: they change the servers' environment (ports, files, TLS,
// persistence, passwords, client limits, timeouts).
var scUnsafe = regexp.MustCompile(`^(port|bind|dir|logfile|unixsocket|unixsocketperm|requirepass|masterauth|masteruser|timeout|maxclients|appendonly|oom-score-adj.*|pidfile|replicaof|slaveof|tls-.*|dbfilename|appendfilename|appenddirname|bind-source-addr|aclfile|client-query-buffer-limit|proto-max-bulk-len|maxmemory|maxmemory-clients|watchdog-period|busy-reply-threshold|lua-time-limit|client-output-buffer-limit|latency-tracking|cairn-.*)$`)

var scValues = []string{"yes", "no", "0", "1", "-1", "100", "1gb", "100mb", "10%", "abc", "", "2147483648", "-2147483649", "1.5", "99999999999999999999", "5kb", "1 2", "0x10"}

var scConfigPatterns = []string{"*", "hash-max-*", "*max-*-entries*", "maxmemory*", "hz", "HZ", "Hash-Max-Ziplist-Entries", "[hz]z", "?z", "nosuch", "nosuch*", "save", "client-output-buffer-limit", "notify-keyspace-events", "*policy*", "list-*", "*lazy*", "slave-*", "replica-*", "lua-time-limit", "busy-reply-threshold", "*-ziplist-*", "zset-max-ziplist-value", "daemonize", "databases", "[", "*[", "\\*", "maxmemory-policy", "latency-tracking*", "*cairn*", "cairn-cache-size", "dir", "port", "repl-backlog-size", "oom-score-adj*", "shutdown-on-*"}

var scKeys = []string{"s1", "s2", "h1", "n1", "nokey"}

func (s *scRun) pick(xs ...string) string { return xs[s.r.IntN(len(xs))] }
func (s *scRun) chance(n int) bool        { return s.r.IntN(n) == 0 }

func (s *scRun) start() {
	s.hist = nil
	s.raw("CLIENT", "UNPAUSE")
	s.raw("DISCARD")
	s.raw("RESET")
	// A seed's min-replicas-to-write would refuse the next seeds' writes
	// on both servers (FLUSHALL's first).
	s.raw("CONFIG", "SET", "min-replicas-to-write", "0")
	s.raw("FLUSHALL")
	s.sharingChanged = false // (not after a FLUSHDB: SWAPDB brings keys back)
	s.raw("CONFIG", "RESETSTAT")
	s.raw("CONFIG", "SET", "maxmemory-policy", "noeviction")
	s.raw("CONFIG", "SET", "maxmemory", "0")
	s.proto, s.inSub, s.multi, s.chans = "2", false, false, nil
	if s.seed%2 == 1 {
		s.proto = "3"
		s.raw("HELLO", "3")
	}
	s.redialB()
	s.populate()
	if s.names == nil {
		all := scParse(s.raw("CONFIG", "GET", "*")) // on both: commandstats count it
		for i := 0; i+1 < len(all.kids); i += 2 {
			if name := all.kids[i].body; !scUnsafe.MatchString(name) {
				s.names = append(s.names, name)
			}
		}
		sort.Strings(s.names)
	}
}

// redialB connects a fresh second client to each server.
func (s *scRun) redialB() {
	for i, addr := range []string{s.d.RedisServer.Addr, s.d.CairnServer.Addr} {
		if s.b[i] != nil {
			s.b[i].Close()
		}
		s.b[i] = cairntest.Dial(s.t, addr)
	}
	s.bDo("CLIENT", "SETNAME", "second")
}

// bDo runs a command on the second clients and compares the replies.
func (s *scRun) bDo(args ...string) string {
	s.t.Helper()
	if s.b[0] == nil {
		s.redialB()
	}
	s.note("B: " + scLine(args))
	want, got := s.b[0].Do(args...), s.b[1].Do(args...)
	s.check(args, want, got, nil)
	return want
}

func (s *scRun) populate() {
	s.raw("SET", "s1", "hello")
	s.raw("SET", "s2", "123")
	s.raw("SET", "n1", "123456")
	s.raw("HSET", "h1", "f", "v")
	s.raw("SET", "x1", "v", "EX", "100000")
}

func (s *scRun) note(line string) {
	s.hist = append(s.hist, line)
	if len(s.hist) > 40 {
		s.hist = s.hist[len(s.hist)-40:]
	}
}

// raw sends a command to both main connections without comparing.
func (s *scRun) raw(args ...string) string {
	s.note("(raw) " + scLine(args))
	s.d.Cairn.Do(args...)
	return s.d.Redis.Do(args...)
}

// do sends a command to both main connections and compares the replies
// exactly (canon nil) or as canon makes them.
func (s *scRun) do(canon func(string) string, args ...string) string {
	s.t.Helper()
	return s.doEach(canon, args, args)
}

// doEach sends rargs to Redis and cargs to Cairn (which differ by ids or
// addresses) and compares the replies.
func (s *scRun) doEach(canon func(string) string, rargs, cargs []string) string {
	s.t.Helper()
	s.n++
	s.note(scLine(rargs))
	want := s.d.Redis.Do(rargs...)
	got := s.d.Cairn.Do(cargs...)
	if s.check(rargs, want, got, canon) {
		s.track(rargs, want)
	}
	return want
}

// check compares two replies; on a difference it reports it and resets the
// servers' state.
func (s *scRun) check(args []string, want, got string, canon func(string) string) bool {
	s.t.Helper()
	w, g := want, got
	if canon != nil {
		w, g = canon(want), canon(got)
	}
	if w == g {
		return true
	}
	*s.failures++
	s.t.Errorf("seed %d, command %d: %s\n redis: %q\n cairn: %q\n recent commands:\n  %s",
		s.seed, s.n, scLine(args), w, g, strings.Join(s.hist, "\n  "))
	s.recover()
	return false
}

// track follows the state the replies change.
func (s *scRun) track(args []string, reply string) {
	name := strings.ToLower(args[0])
	switch {
	case name == "multi" && reply == "+OK\r\n":
		s.multi = true
	case name == "exec" || name == "discard":
		s.multi = false
	case name == "reset" && len(args) == 1:
		s.multi, s.inSub, s.proto, s.chans = false, false, "2", nil
	case name == "hello" && len(args) > 1 && !strings.HasPrefix(reply, "-"):
		s.proto = args[1]
	case (name == "subscribe" || name == "psubscribe") && !s.multi:
		s.inSub = true
		for _, c := range args[1:] {
			if !slicesContainsFold(s.chans, c) {
				s.chans = append(s.chans, c)
			}
		}
	}
}

// recover brings both servers back to a known state after a difference.
func (s *scRun) recover() {
	s.raw("CLIENT", "UNPAUSE")
	s.raw("RESET")
	s.proto, s.inSub, s.multi, s.chans = "2", false, false, nil
	if s.seed%2 == 1 {
		s.proto = "3"
		s.raw("HELLO", "3")
	}
	s.raw("FLUSHALL")
	s.sharingChanged = false
	s.raw("CONFIG", "SET", "maxmemory-policy", "noeviction", "maxmemory", "0")
	s.redialB()
	s.populate()
}

func (s *scRun) finish() {
	s.do(scInfoCanon, "INFO", "everything")
	s.raw("CLIENT", "UNPAUSE")
	s.raw("RESET")
	for _, b := range s.b {
		if b != nil {
			b.Close()
		}
	}
	s.b = [2]*cairntest.Conn{}
}

func (s *scRun) step() {
	if s.inSub {
		s.subscribedStep()
		return
	}
	switch s.r.IntN(20) {
	case 0, 1, 2:
		s.configSet()
	case 3, 4:
		s.configGet()
	case 5:
		s.do(nil, scWords("CONFIG", s.pick("RESETSTAT", "HELP", "resetstat", "help", "bogus", "RESETSTAT x", "HELP x"))...)
	case 6, 7:
		s.clientStep()
	case 8:
		s.clientKill()
	case 9:
		s.pauseStep()
	case 10:
		s.trackingStep()
	case 11:
		s.objectStep()
	case 12:
		s.dbStep()
	case 13:
		s.commandStep()
	case 14:
		s.miscStep()
	case 15:
		s.infoStep()
	case 16:
		s.multiStep()
	case 17:
		s.keysStep()
	case 18:
		s.protoStep()
	default:
		s.clientListStep()
	}
}

func (s *scRun) configSet() {
	names := make([]string, 0, len(scDirectives))
	for k := range scDirectives {
		names = append(names, k)
	}
	sort.Strings(names)
	var args []string
	n := 1
	if s.chance(3) {
		n = 2 + s.r.IntN(3)
	}
	for range n {
		name := names[s.r.IntN(len(names))]
		if s.chance(4) && len(s.names) > 0 {
			name = s.names[s.r.IntN(len(s.names))] // any directive, any value
		}
		if s.chance(6) && len(args) > 0 {
			name = args[2*s.r.IntN(len(args)/2)] // a duplicate
			if s.chance(2) {
				name = strings.ToUpper(name)
			}
		}
		vals := scDirectives[name]
		if vals == nil {
			vals = scDirectives[strings.ToLower(name)]
		}
		if vals == nil {
			vals = scValues
		}
		v := s.pick(vals...)
		// Any value but for the memory limits, where a small one would
		// evict keys or clients.
		if l := strings.ToLower(name); s.chance(5) && l != "maxmemory" && l != "maxmemory-clients" {
			v = s.pick(scValues...)
		}
		args = append(args, name, v)
	}
	if s.chance(20) {
		args = args[:len(args)-1] // odd: syntax error or arity
	}
	full := append([]string{"CONFIG", "SET"}, args...)
	s.do(nil, full...)
	if slicesContainsFold(args, "maxmemory-policy") {
		s.sharingChanged = true
	}
	if slicesContainsFold(args, "latency-tracking") {
		// Nothing is timed while it is off; turned on again, the
		// histograms from before are back.
		s.do(scInfoCanon, "INFO", "latencystats")
		if s.chance(2) {
			s.do(nil, "CONFIG", "SET", "latency-tracking", "yes")
		}
	}
	// Values that must not stay: they break the other commands.
	for i := 0; i+1 < len(args); i += 2 {
		switch strings.ToLower(args[i]) {
		case "maxmemory":
			s.raw("CONFIG", "SET", "maxmemory", "0")
			s.sharingChanged = true
		case "client-output-buffer-limit":
			s.raw("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
		case "busy-reply-threshold", "lua-time-limit":
			s.raw("CONFIG", "SET", "busy-reply-threshold", "5000")
		case "watchdog-period":
			if s.chance(2) {
				s.do(nil, "CONFIG", "GET", "watchdog-period")
			}
			s.raw("CONFIG", "SET", "watchdog-period", "0")
		}
	}
	if s.chance(2) {
		for i := 0; i+1 < len(args); i += 2 {
			if _, ok := scDirectives[strings.ToLower(args[i])]; ok {
				s.do(scConfigCanon, "CONFIG", "GET", args[i])
			}
		}
	}
}

func (s *scRun) configGet() {
	n := 1
	if s.chance(3) {
		n = 2 + s.r.IntN(3)
	}
	args := []string{"CONFIG", "GET"}
	for range n {
		args = append(args, s.pick(scConfigPatterns...))
	}
	if s.chance(20) {
		args = args[:2]
	}
	s.do(scConfigCanon, args...)
}

// clientStep runs the CLIENT subcommands on the main connections.
func (s *scRun) clientStep() {
	switch s.r.IntN(14) {
	case 0:
		s.do(nil, "CLIENT", "SETNAME", s.pick("foo", "bar", "", "a b", "x\ny", "caf\xc3\xa9", "~!@", "long-name-"+strings.Repeat("x", 40)))
	case 1:
		s.do(nil, "CLIENT", "GETNAME")
	case 2:
		s.do(scShape, "CLIENT", "ID")
	case 3:
		s.do(scClientCanon, "CLIENT", "INFO")
	case 4:
		s.do(nil, "CLIENT", "NO-EVICT", s.pick("on", "off", "ON", "maybe", ""))
	case 5:
		s.do(nil, "CLIENT", "NO-TOUCH", s.pick("on", "off"))
	case 6:
		s.do(nil, scWords("CLIENT", s.pick("HELP", "help", "bogus", "setinfo", "id x", "info x", "getname x", "setname", "no-evict", "list id", "reply", "pause", "pause 10 write x", "PAUSE 10 WRITE x y", "unblock 1 error x", "kill", "tracking", "caching", "getredir x", "trackinginfo x"))...)
	case 7:
		s.do(nil, "CLIENT", "REPLY", s.pick("maybe", "on", "ON"))
	case 8:
		s.do(nil, "CLIENT", "UNBLOCK", s.pick("0", "-1", "abc", "99999", "007", "+1"), s.pick("timeout", "error", "foo", "TIMEOUT"))
	case 9:
		s.do(nil, "CLIENT", "GETREDIR")
	case 10:
		s.do(nil, "CLIENT", "SETNAME", s.pick("a", "b"), "extra")
	case 11:
		s.do(nil, "CLIENT")
	case 12:
		s.do(nil, "CLIENT", "UNPAUSE", s.pick("x", "now"))
	default:
		s.do(nil, scWords("CLIENT PAUSE", s.pick("abc", "-1", "1.5", "10 bogus", "99999999999999999999", "", "10 all x"))...)
	}
}

// ids returns the second client's id, address and local address on each
// server.
func (s *scRun) ids() (ids, addrs, laddrs [2]string) {
	for i, b := range s.b {
		line := b.Do("CLIENT", "INFO")
		for _, f := range strings.Fields(scBody(line)) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "id":
				ids[i] = v
			case "addr":
				addrs[i] = v
			case "laddr":
				laddrs[i] = v
			}
		}
	}
	return
}

func (s *scRun) clientListStep() {
	if s.b[0] == nil {
		s.redialB()
	}
	ids, _, _ := s.ids()
	switch s.r.IntN(8) {
	case 0:
		s.do(scClientCanon, "CLIENT", "LIST")
	case 1:
		s.do(scClientCanon, "CLIENT", "LIST", "TYPE", s.pick("normal", "pubsub", "master", "replica", "slave", "bogus", "NORMAL"))
	case 2:
		extra := s.pick("0", "-5", "99999", "abc", "+5", "18446744073709551616", "")
		r := []string{"CLIENT", "LIST", "ID", ids[0]}
		c := []string{"CLIENT", "LIST", "ID", ids[1]}
		if extra != "" {
			r, c = append(r, extra), append(c, extra)
		}
		s.doEach(scClientCanon, r, c)
	case 3:
		s.do(scClientCanon, "CLIENT", "LIST", "ID", s.pick("0", "-1", "99999", "abc", "1.5"))
	case 4:
		s.do(nil, "CLIENT", "LIST", s.pick("TYPE", "foo", "ID"), s.pick("normal", "1"), s.pick("TYPE", "x"))
	case 5:
		// The second client's state as the first sees it.
		s.bDo(scWords(s.pick("SELECT 2", "SELECT 0", "CLIENT NO-EVICT on", "CLIENT NO-EVICT off", "CLIENT SETNAME other"))...)
		s.bDo("WATCH", "s1")
		dirty := s.chance(2)
		if dirty {
			s.do(nil, "SET", "s1", "changed")
		}
		if s.chance(2) {
			s.bDo("MULTI")
			// Once a watched key changed, Redis replies QUEUED but
			// queues nothing (multi=0).
			s.bDo("GET", "s1")
		}
		s.do(scClientCanon, "CLIENT", "LIST")
		s.bDo("DISCARD")
		s.bDo("UNWATCH")
	case 6:
		// A monitor (flags=O) is a normal client to TYPE filters.
		s.bDo("MONITOR")
		s.do(scClientCanon, "CLIENT", "LIST")
		s.do(scClientCanon, "CLIENT", "LIST", "TYPE", s.pick("normal", "replica", "pubsub"))
		s.redialB()
	default:
		s.bDo("CLIENT", "TRACKING", "on", s.pick("BCAST", "OPTIN", "NOLOOP", "OPTOUT"))
		s.do(scClientCanon, "CLIENT", "LIST")
		s.bDo("CLIENT", "TRACKING", "off")
	}
}

func (s *scRun) clientKill() {
	if s.b[0] == nil {
		s.redialB()
	}
	ids, addrs, laddrs := s.ids()
	var r, c []string
	r = []string{"CLIENT", "KILL"}
	c = []string{"CLIENT", "KILL"}
	filters := 1 + s.r.IntN(3)
	for range filters {
		switch s.r.IntN(12) {
		case 0:
			r, c = append(r, "ID", ids[0]), append(c, "ID", ids[1])
		case 1:
			v := s.pick("0", "-1", "abc", "99999", "18446744073709551616", "007", "9223372036854775808", "+1")
			r, c = append(r, "ID", v), append(c, "ID", v)
		case 2:
			v := s.pick("normal", "pubsub", "master", "replica", "slave", "bogus")
			r, c = append(r, "TYPE", v), append(c, "TYPE", v)
		case 3:
			r, c = append(r, "ADDR", addrs[0]), append(c, "ADDR", addrs[1])
		case 4:
			r, c = append(r, "LADDR", laddrs[0]), append(c, "LADDR", laddrs[1])
		case 5:
			v := s.pick("default", "nobody")
			r, c = append(r, "USER", v), append(c, "USER", v)
		case 6:
			v := s.pick("yes", "no", "maybe", "YES")
			r, c = append(r, "SKIPME", v), append(c, "SKIPME", v)
		case 7:
			v := s.pick("1.2.3.4:5", "nohost")
			r, c = append(r, "ADDR", v), append(c, "ADDR", v)
		case 8:
			r, c = append(r, "MAXAGE"), append(c, "MAXAGE")
		case 9:
			v := s.pick("ID", "TYPE", "USER", "bogus")
			r, c = append(r, v), append(c, v)
		case 10:
			// The old form: CLIENT KILL addr.
			if len(r) == 2 {
				r, c = append(r, addrs[0]), append(c, addrs[1])
				filters = 0
			}
		default:
			v := s.pick("1.2.3.4:5", "", "x")
			r, c = append(r, v), append(c, v)
		}
		if filters == 0 {
			break
		}
	}
	// SKIPME no would kill the main connections too.
	for i := 2; i+1 < len(r); i++ {
		if strings.EqualFold(r[i], "skipme") && !strings.EqualFold(r[i+1], "yes") {
			r[i+1], c[i+1] = "yes", "yes"
		}
	}
	s.doEach(nil, r, c)
	// Was the second client killed? A PING tells (both or neither).
	for i, b := range s.b {
		if _, ok := scPingAlive(b); !ok {
			b.Close()
			s.b[i] = nil
		}
	}
	if (s.b[0] == nil) != (s.b[1] == nil) {
		*s.failures++
		s.t.Errorf("seed %d, command %d: %s killed the second client on one server only (redis killed: %v)\n recent commands:\n  %s",
			s.seed, s.n, scLine(r), s.b[0] == nil, strings.Join(s.hist, "\n  "))
		s.recover()
		return
	}
	if s.b[0] == nil {
		s.redialB()
	}
}

// scPingAlive pings a connection; ok is false once the server closed it.
func scPingAlive(b *cairntest.Conn) (string, bool) {
	b.Send("PING")
	return b.ReadTimeout(2 * time.Second)
}

// pauseStep pauses the servers and checks which of the second client's
// commands wait for the end of the pause and which run at once. A WRITE
// pause is long and ended by CLIENT UNPAUSE; an ALL pause holds every
// client, the second client's CLIENT UNPAUSE too (as in Redis 7.0), so it
// is short and left to expire. The second client may be in MULTI: a
// pause holds a command before it is queued, and WRITE holds an EXEC
// whose transaction may write.
func (s *scRun) pauseStep() {
	if s.b[0] == nil {
		s.redialB()
	}
	multi := s.chance(4)
	if multi {
		s.bDo("MULTI")
		if s.chance(2) {
			s.bDo(scWords(s.pick("SET s1 queued", "GET s1", "PUBLISH ch m", "PING"))...)
		}
	}
	all := s.chance(4)
	args := []string{"CLIENT", "PAUSE", "100000", s.pick("WRITE", "write")}
	if all {
		// Long enough for both servers' 100 ms checks, one after the other.
		args = []string{"CLIENT", "PAUSE", "500"}
		if s.chance(2) {
			args = append(args, s.pick("ALL", "all"))
		}
	}
	if s.do(nil, args...) != "+OK\r\n" {
		return
	}
	if !all && s.chance(3) {
		// A second pause keeps the first's end, the later of the two.
		s.do(nil, "CLIENT", "PAUSE", "100000", "WRITE")
	}
	cmds := [][]string{
		{"SET", "s1", "paused"}, {"GET", "s1"}, {"PING"}, {"INCR", "n1"}, {"DEL", "nokey"},
		{"PUBLISH", "ch", "m"}, {"EVAL", "return 1", "0"}, {"EVAL_RO", "return 1", "0"},
		{"DBSIZE"}, {"FLUSHDB"}, {"EXPIRE", "nokey", "10"}, {"CONFIG", "GET", "hz"},
		{"MULTI"}, {"CLIENT", "ID"}, {"PFCOUNT", "s1"}, {"SETRANGE", "s1", "0", "x"},
		{"CLIENT", "UNPAUSE"}, {"OBJECT", "ENCODING", "s1"}, {"SELECT", "0"},
	}
	if multi {
		cmds = append(cmds, []string{"EXEC"}, []string{"EXEC"}, []string{"DISCARD"})
	}
	cmd := cmds[s.r.IntN(len(cmds))]
	s.note("B (paused): " + scLine(cmd))
	for _, b := range s.b {
		b.Send(cmd...)
	}
	var got [2]string
	var done [2]bool
	for i, b := range s.b {
		got[i], done[i] = b.ReadTimeout(100 * time.Millisecond)
	}
	if done[0] != done[1] {
		*s.failures++
		s.t.Errorf("seed %d, command %d: under %s, %s ran at once on one server only (redis ran: %v; replies %q, %q)\n recent commands:\n  %s",
			s.seed, s.n, scLine(args), scLine(cmd), done[0], got[0], got[1], strings.Join(s.hist, "\n  "))
	}
	if !all {
		if s.chance(3) {
			s.do(nil, "CLIENT", "UNPAUSE")
		} else {
			s.raw("CLIENT", "UNPAUSE")
		}
	}
	for i, b := range s.b {
		if !done[i] {
			got[i] = b.Read()
		}
	}
	if strings.EqualFold(cmd[0], "client") {
		got[0], got[1] = scShape(got[0]), scShape(got[1])
	}
	s.check(cmd, got[0], got[1], nil)
	switch name := strings.ToLower(cmd[0]); {
	case name == "exec" || name == "discard":
		multi = false
	case name == "multi":
		multi = true
	}
	if multi {
		// (EXEC would show the second client's id if CLIENT ID was queued.)
		if strings.EqualFold(cmd[0], "client") || s.chance(2) {
			s.bDo("DISCARD")
		} else {
			s.bDo("EXEC")
		}
	}
	if strings.EqualFold(cmd[0], "flushdb") {
		s.raw("FLUSHALL")
		s.populate()
	}
}

func (s *scRun) trackingStep() {
	// Invalidation pushes would come between later replies.
	defer s.raw("CLIENT", "TRACKING", "off")
	switch s.r.IntN(6) {
	case 0, 1:
		args := []string{"CLIENT", "TRACKING", s.pick("on", "off", "ON", "maybe")}
		for range s.r.IntN(4) {
			switch o := s.pick("BCAST", "OPTIN", "OPTOUT", "NOLOOP", "PREFIX", "REDIRECT", "bogus"); o {
			case "PREFIX":
				// Two overlapping prefixes in one command: Redis 7.0
				// replies twice (see above). One at a time only.
				if !slicesContainsFold(args, "prefix") {
					args = append(args, o, s.pick("a", "b", "ab", "", "user:"))
				}
			case "REDIRECT":
				args = append(args, o, s.pick("0", "-1", "99999", "abc"))
			default:
				args = append(args, o)
			}
		}
		s.do(nil, args...)
	case 2:
		s.do(nil, "CLIENT", "TRACKINGINFO")
	case 3:
		s.do(nil, "CLIENT", "CACHING", s.pick("yes", "no", "maybe", "YES"))
	case 4:
		s.do(nil, "CLIENT", "GETREDIR")
	default:
		s.do(nil, "GET", "s1")
		s.do(nil, "CLIENT", "TRACKINGINFO")
	}
}

func slicesContainsFold(xs []string, v string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func (s *scRun) objectStep() {
	key := s.pick(scKeys...)
	switch s.r.IntN(8) {
	case 0:
		s.do(nil, "CONFIG", "SET", "maxmemory-policy", s.pick("noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lfu", "volatile-lru", "allkeys-random", "volatile-ttl"),
			"maxmemory", s.pick("0", "1gb"))
		s.sharingChanged = true
	case 1:
		s.do(nil, "OBJECT", "ENCODING", key)
	case 2:
		s.do(scShape, "OBJECT", "FREQ", key)
	case 3:
		s.do(scShape, "OBJECT", "IDLETIME", key)
	case 4:
		if s.sharingChanged {
			s.do(scShape, "OBJECT", "REFCOUNT", key)
		} else {
			s.do(nil, "OBJECT", "REFCOUNT", key)
		}
	case 5:
		s.do(scShape, "OBJECT", s.pick("HELP", "help", "bogus", "encoding", "freq"), s.pick("", "x", "s1"))
	case 6:
		s.do(nil, "OBJECT", s.pick("HELP", "ENCODING", "FREQ", "IDLETIME", "REFCOUNT"))
	default:
		s.do(nil, "SET", key, s.pick("1", "9999", "10000", "-5", "hello", strings.Repeat("y", 50), "01", "1.5", "9223372036854775807"))
	}
}

func (s *scRun) dbStep() {
	switch s.r.IntN(9) {
	case 0:
		s.do(nil, "DBSIZE")
	case 1:
		s.do(nil, "SELECT", s.pick("0", "1", "15", "16", "-1", "abc", "1.5", "", "9"))
	case 2:
		s.do(nil, "SWAPDB", s.pick("0", "1", "16", "a", "-1"), s.pick("0", "1", "15", "b", ""))
	case 3:
		s.do(nil, scWords("FLUSHDB", s.pick("ASYNC", "SYNC", "async", "bogus", "ASYNC SYNC"))...)
		s.populate()
	case 4:
		s.do(nil, "DBSIZE", "x")
	case 5:
		s.do(nil, "SELECT")
	case 6:
		s.do(nil, "FLUSHDB")
		s.populate()
	case 7:
		s.do(nil, "SWAPDB", "0", "1", "2")
	default:
		s.do(nil, "SELECT", "0")
	}
}

var scCommandNames = []string{"get", "set", "config", "client", "config|get", "CONFIG|GET", "client|kill", "object|freq", "command", "migrate", "georadius", "xread", "nosuch", "config|nosuch", "eval", "sort", "zunionstore", "lmpop", "memory|usage", "", "GET", "blmpop", "xreadgroup"}

var scGetKeys = [][]string{
	{"get", "a"}, {"set", "a", "b"}, {"mset", "a", "1", "b", "2"}, {"nosuch", "a"}, {"ping"}, {"get"},
	{"eval", "return 1", "0"}, {"eval", "return 1", "2", "a", "b"}, {"eval", "return 1", "3", "a"},
	{"sort", "a", "by", "x", "get", "y", "store", "d"}, {"zunionstore", "d", "2", "a", "b"},
	{"zunionstore", "d", "0", "a"}, {"xread", "streams", "a", "b", "0", "0"}, {"xread", "streams", "a", "0", "0"},
	{"lmpop", "2", "a", "b", "left"}, {"lmpop", "-1", "a"}, {"migrate", "h", "p", "", "0", "5", "keys", "a", "b"},
	{"georadius", "k", "0", "0", "1", "km", "store", "d"}, {"object", "encoding", "k"}, {"memory", "usage", "k"},
	{"client", "kill", "id", "1"}, {"config", "get", "x"}, {"lmove", "a", "b", "left", "right"},
	{"bitop", "and", "d", "a", "b"}, {"rename", "a", "b"}, {"set", "a"}, {"getex", "a", "persist"},
	{"fcall", "f", "1", "a"}, {"blmpop", "0", "1", "a", "left"}, {"zadd", "z", "1", "m"},
}

func (s *scRun) commandStep() {
	switch s.r.IntN(9) {
	case 0:
		s.do(nil, "COMMAND", "COUNT")
	case 1:
		args := []string{"COMMAND", "INFO"}
		for range s.r.IntN(4) {
			args = append(args, s.pick(scCommandNames...))
		}
		if len(args) == 2 && !s.chance(4) {
			args = append(args, "get")
		}
		s.do(scCommandCanon, args...)
	case 2:
		args := []string{"COMMAND", "DOCS"}
		for range 1 + s.r.IntN(3) {
			args = append(args, s.pick(scCommandNames...))
		}
		s.do(scCommandCanon, args...)
	case 3:
		g := scGetKeys[s.r.IntN(len(scGetKeys))]
		s.do(nil, append([]string{"COMMAND", s.pick("GETKEYS", "GETKEYSANDFLAGS")}, g...)...)
	case 4:
		args := []string{"COMMAND", "LIST"}
		switch s.r.IntN(4) {
		case 0:
			args = append(args, "FILTERBY", "ACLCAT", s.pick("hyperloglog", "keyspace", "admin", "nosuch", "pubsub", "connection", "scripting"))
		case 1:
			args = append(args, "FILTERBY", "PATTERN", s.pick("xa*", "config*", "*|*", "client|*", "get", "nosuch*", "*"))
		case 2:
			args = append(args, "FILTERBY", s.pick("MODULE", "bogus"), "x")
		default:
			args = scWords(strings.Join(args, " "), s.pick("FILTERBY", "x", "FILTERBY ACLCAT", "FILTERBY PATTERN a b"))
		}
		s.do(scCommandCanon, args...)
	case 5:
		s.do(scCommandCanon, scWords("COMMAND", s.pick("HELP", "bogus", "COUNT x", "GETKEYS", "help x", "INFO", "DOCS"))...)
	case 6:
		s.do(nil, "COMMAND", "INFO", "config|get", "client|list", "get")
	case 7:
		if s.chance(5) {
			s.do(scCommandCanon, "COMMAND")
		}
	default:
		s.do(nil, "COMMAND", "GETKEYSANDFLAGS", s.pick("set", "getdel", "lmove", "copy", "sort_ro"), "a", "b", "c")
	}
}

func (s *scRun) miscStep() {
	switch s.r.IntN(14) {
	case 0:
		s.do(nil, scWords("LATENCY", s.pick("HELP", "help", "bogus", "HELP x"))...)
	case 1:
		// Sizes are Cairn's estimates: compared by shape.
		args := []string{"MEMORY", "USAGE", s.pick(scKeys...)}
		for range s.r.IntN(3) {
			args = append(args, s.pick("SAMPLES", "samples", "SAMPLES", "foo", ""), s.pick("5", "x", "0", "-1", ""))
		}
		s.do(scShape, args...)
	case 2:
		s.do(nil, scWords("MEMORY", s.pick("USAGE", "bogus", "HELP", "", "HELP x"))...)
	case 3:
		s.do(nil, "ECHO", s.pick("hello", "", "a b", "\x00"))
	case 4:
		s.do(nil, "ECHO")
	case 5:
		s.do(nil, "PING")
	case 6:
		s.do(nil, "PING", s.pick("hi", ""))
	case 7:
		s.do(nil, "PING", "a", "b")
	case 8:
		s.do(scShape, "TIME")
	case 9:
		s.do(scShape, "LASTSAVE")
	case 10:
		s.do(nil, s.pick("TIME", "LASTSAVE", "RESET", "DBSIZE"), "x")
	case 11:
		if s.chance(3) {
			s.do(nil, "RESET")
			if s.seed%2 == 1 {
				s.do(scHelloCanon, "HELLO", "3")
			}
		}
	case 12:
		s.do(nil, "MEMORY", "USAGE")
	default:
		s.do(nil, "LATENCY")
	}
}

func (s *scRun) infoStep() {
	sec := s.pick("", "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "CPU", "modules",
		"commandstats", "errorstats", "latencystats", "cluster", "keyspace", "bogus", "all", "everything", "default",
		"server clients", "keyspace keyspace", "Memory Stats")
	args := []string{"INFO"}
	if sec != "" {
		args = append(args, strings.Fields(sec)...)
	}
	s.do(scInfoCanon, args...)
}

func (s *scRun) multiStep() {
	s.do(nil, "MULTI")
	for range 1 + s.r.IntN(3) {
		var args []string
		switch s.r.IntN(8) {
		case 0:
			args = []string{"CLIENT", "INFO"}
		case 1:
			args = []string{"CONFIG", "SET", "hz", s.pick("10", "abc")}
		case 2:
			args = []string{"CONFIG", "GET", "hz"}
		case 3:
			args = []string{"PING"}
		case 4:
			args = []string{"SELECT", s.pick("1", "0", "16")}
		case 5:
			args = []string{"DBSIZE"}
		case 6:
			args = []string{"OBJECT", "ENCODING", "s1"}
		default:
			args = []string{"ECHO", "in multi"}
		}
		s.do(nil, args...)
	}
	if s.chance(4) {
		s.do(nil, "DISCARD")
		return
	}
	s.do(scExecCanon, "EXEC")
	s.do(nil, "SELECT", "0")
}

func (s *scRun) keysStep() {
	switch s.r.IntN(3) {
	case 0:
		s.do(nil, "SET", s.pick(scKeys...), s.pick("1", "abc", "123456"))
	case 1:
		s.do(nil, "GET", s.pick(scKeys...))
	default:
		s.do(nil, "DEL", s.pick(scKeys...))
	}
}

// protoStep switches RESP versions and subscribes.
func (s *scRun) protoStep() {
	switch s.r.IntN(3) {
	case 0:
		s.do(scHelloCanon, "HELLO", s.pick("2", "3", "4", "x"))
	case 1:
		s.do(nil, "SUBSCRIBE", "ch1")
	default:
		s.do(nil, "PSUBSCRIBE", "p*")
	}
}

func (s *scRun) subscribedStep() {
	switch s.r.IntN(10) {
	case 0:
		s.do(nil, "PING")
	case 1:
		s.do(nil, "PING", "x")
	case 2:
		// One name at a time: a bare UNSUBSCRIBE replies once per channel.
		for _, c := range s.chans {
			if strings.HasSuffix(c, "*") {
				s.do(nil, "PUNSUBSCRIBE", c)
			} else {
				s.do(nil, "UNSUBSCRIBE", c)
			}
		}
		s.do(nil, s.pick("UNSUBSCRIBE", "PUNSUBSCRIBE")) // none left: one reply
		s.inSub, s.chans = false, nil
	case 3:
		s.do(scClientCanon, "CLIENT", "INFO")
	case 4:
		s.do(nil, "CONFIG", "GET", "hz")
	case 5:
		s.do(nil, "RESET")
		if s.seed%2 == 1 {
			s.do(scHelloCanon, "HELLO", "3")
		}
	case 6:
		s.do(nil, "ECHO", "x")
	case 7:
		// RESP3 runs any command while subscribed; RESP2 refuses.
		s.do(scClientCanon, "CLIENT", "LIST", "TYPE", s.pick("pubsub", "normal"))
	case 8:
		s.do(nil, "CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes")
	default:
		s.do(nil, "SUBSCRIBE", "ch2")
	}
}

// scWords splits its arguments at spaces: a command and its arguments.
func scWords(parts ...string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, strings.Fields(p)...)
	}
	return out
}

func scLine(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"\n\r\t\\") || !strconv.CanBackquote(a) {
			a = strconv.Quote(a)
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// --- reply trees ---------------------------------------------------------

// scNode is a parsed RESP reply: head is its first line (type and length
// or value), kids its elements.
type scNode struct {
	head string
	body string // a bulk or verbatim string's bytes
	kids []*scNode
}

func scParse(reply string) *scNode {
	rd := bufio.NewReader(strings.NewReader(reply))
	n, err := scRead(rd)
	if err != nil {
		return &scNode{head: reply}
	}
	return n
}

func scRead(rd *bufio.Reader) (*scNode, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n := &scNode{head: line}
	if len(line) < 3 {
		return n, fmt.Errorf("short line")
	}
	cnt, _ := strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
	switch line[0] {
	case '$', '=', '!':
		if cnt < 0 {
			return n, nil
		}
		buf := make([]byte, cnt+2)
		if _, err := ioReadFull(rd, buf); err != nil {
			return nil, err
		}
		n.body = string(buf[:cnt])
	case '*', '~', '%', '>', '|':
		if line[0] == '%' || line[0] == '|' {
			cnt *= 2
		}
		for range max(cnt, 0) {
			k, err := scRead(rd)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, k)
		}
	}
	return n, nil
}

func ioReadFull(rd *bufio.Reader, buf []byte) (int, error) {
	got := 0
	for got < len(buf) {
		m, err := rd.Read(buf[got:])
		got += m
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

func (n *scNode) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *scNode) write(b *strings.Builder) {
	b.WriteString(n.head)
	if n.head != "" && strings.ContainsRune("$=!", rune(n.head[0])) && !strings.HasPrefix(n.head[1:], "-") {
		b.WriteString(n.body)
		b.WriteString("\r\n")
	}
	for _, k := range n.kids {
		k.write(b)
	}
}

func (n *scNode) isMap() bool { return n.head != "" && n.head[0] == '%' }

// sortKids sorts n's elements, taken in pairs (a map's, or a flat
// field/value array's when pairs is true) or one by one.
func (n *scNode) sortKids(pairs bool) {
	step := 1
	if pairs || n.isMap() {
		step = 2
	}
	var groups [][]*scNode
	for i := 0; i+step <= len(n.kids); i += step {
		groups = append(groups, n.kids[i:i+step])
	}
	key := func(g []*scNode) string {
		var b strings.Builder
		for _, k := range g {
			k.write(&b)
		}
		return b.String()
	}
	sort.SliceStable(groups, func(i, j int) bool { return key(groups[i]) < key(groups[j]) })
	var kids []*scNode
	for _, g := range groups {
		kids = append(kids, g...)
	}
	n.kids = kids
}

// scBody is the text of a bulk or verbatim reply (without "txt:").
func scBody(reply string) string {
	n := scParse(reply)
	if n.head != "" && n.head[0] == '=' {
		return strings.TrimPrefix(n.body, "txt:")
	}
	return n.body
}

// scShape keeps a reply's types and structure, not its values: integers,
// bulk strings holding integers, and nulls become placeholders; errors
// stay as they are.
func scShape(reply string) string {
	n := scParse(reply)
	var walk func(n *scNode)
	walk = func(n *scNode) {
		switch n.head[0] {
		case ':':
			n.head = ":N\r\n"
		case '$':
			if _, err := strconv.ParseInt(n.body, 10, 64); err == nil {
				n.head, n.body = "$N\r\n", "N"
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return n.String()
}

// scEnvConfigs are the directives whose values name each server's own
// environment.
var scEnvConfigs = map[string]bool{"port": true, "dir": true, "logfile": true, "pidfile": true}

// scConfigCanon sorts CONFIG GET's pairs, masks environment values and
// drops Cairn's own directives.
func scConfigCanon(reply string) string {
	n := scParse(reply)
	if n.head == "" || !strings.ContainsRune("*%", rune(n.head[0])) {
		return reply
	}
	var kids []*scNode
	for i := 0; i+1 < len(n.kids); i += 2 {
		name := strings.ToLower(n.kids[i].body)
		if strings.HasPrefix(name, "cairn-") {
			continue
		}
		v := n.kids[i+1]
		if scEnvConfigs[name] {
			v = &scNode{head: "$3\r\n", body: "ENV"}
		}
		kids = append(kids, n.kids[i], v)
	}
	n.kids = kids
	if n.head[0] == '%' {
		n.head = fmt.Sprintf("%%%d\r\n", len(kids)/2)
	} else {
		n.head = fmt.Sprintf("*%d\r\n", len(kids))
	}
	n.sortKids(true)
	return n.String()
}

// scCommandCanon sorts COMMAND's and COMMAND INFO's entries and their
// subcommands, COMMAND DOCS's maps and their subcommands, and COMMAND
// LIST's names: all in dict order in Redis.
func scCommandCanon(reply string) string {
	n := scParse(reply)
	if n.head == "" || !strings.ContainsRune("*%", rune(n.head[0])) {
		return reply
	}
	var info func(n *scNode)
	info = func(n *scNode) { // a COMMAND INFO entry
		if len(n.kids) >= 10 {
			for _, k := range n.kids[9].kids {
				info(k)
			}
			n.kids[9].sortKids(false)
		}
	}
	var docs func(n *scNode)
	docs = func(m *scNode) { // a COMMAND DOCS map (or RESP2 flat array)
		for i := 0; i+1 < len(m.kids); i += 2 {
			if m.kids[i].body == "subcommands" {
				sub := m.kids[i+1]
				for j := 1; j < len(sub.kids); j += 2 {
					docs(sub.kids[j])
				}
				sub.sortKids(true)
			}
		}
	}
	isDocs := n.isMap() || (len(n.kids) > 1 && n.kids[1].head != "" && strings.ContainsRune("*%", rune(n.kids[1].head[0])) && n.kids[0].head[0] == '$' && len(n.kids[1].kids) > 0 && n.kids[1].kids[0].body == "summary")
	if isDocs {
		for j := 1; j < len(n.kids); j += 2 {
			docs(n.kids[j])
		}
		n.sortKids(true)
		return n.String()
	}
	for _, k := range n.kids {
		info(k)
	}
	n.sortKids(false)
	return n.String()
}

// scClientMasked are CLIENT LIST fields that differ from run to run or
// measure Redis's own buffers.
var scClientMasked = map[string]bool{"id": true, "addr": true, "laddr": true, "fd": true, "age": true, "idle": true,
	"qbuf": true, "qbuf-free": true, "argv-mem": true, "multi-mem": true, "rbs": true, "rbp": true, "obl": true,
	"oll": true, "omem": true, "tot-mem": true}

func scClientText(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		fields := strings.Split(l, " ")
		for j, f := range fields {
			k, _, ok := strings.Cut(f, "=")
			if ok && scClientMasked[k] {
				fields[j] = k + "=?"
			}
		}
		lines[i] = strings.Join(fields, " ")
	}
	return strings.Join(lines, "\n")
}

// scClientCanon masks CLIENT INFO/LIST's nondeterministic fields.
func scClientCanon(reply string) string {
	n := scParse(reply)
	if n.head == "" || (n.head[0] != '$' && n.head[0] != '=') {
		return reply
	}
	if n.head[0] == '=' {
		n.body = "txt:" + scClientText(strings.TrimPrefix(n.body, "txt:"))
	} else {
		n.body = scClientText(n.body)
	}
	n.head = n.head[:1] + "?\r\n"
	return n.String()
}

// scExecCanon masks CLIENT INFO lines in EXEC's replies.
func scExecCanon(reply string) string {
	n := scParse(reply)
	for _, k := range n.kids {
		if k.head != "" && (k.head[0] == '$' || k.head[0] == '=') && strings.HasPrefix(strings.TrimPrefix(k.body, "txt:"), "id=") {
			*k = *scParse(scClientCanon(k.String()))
		}
	}
	return n.String()
}

// scHelloCanon masks HELLO's client id.
func scHelloCanon(reply string) string {
	n := scParse(reply)
	for i := 0; i+1 < len(n.kids); i += 2 {
		if n.kids[i].body == "id" {
			n.kids[i+1] = &scNode{head: ":N\r\n"}
		}
	}
	return n.String()
}

var scCairnInfoField = regexp.MustCompile(`^(cairn_|go_|hot_cache_|block_cache_|memtable_)`)

// scInfoCanon reduces an INFO reply to its section headers and field
// names (see the test's comment for the values kept).
func scInfoCanon(reply string) string {
	n := scParse(reply)
	if n.head == "" || (n.head[0] != '$' && n.head[0] != '=') {
		return reply
	}
	text := strings.TrimPrefix(n.body, "txt:")
	var out []string
	var section string
	var sorted []string
	flush := func() {
		sort.Strings(sorted)
		out = append(out, sorted...)
		sorted = nil
	}
	for _, line := range strings.Split(text, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			flush()
			section = line[2:]
			if section != "Storage" {
				out = append(out, line)
			}
			continue
		}
		if line == "" || section == "Storage" {
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		if scCairnInfoField.MatchString(k) {
			continue
		}
		switch section {
		case "Errorstats":
			out = append(out, line)
		case "Commandstats":
			// calls, rejected_calls and failed_calls (not the times).
			var kept []string
			for _, f := range strings.Split(v, ",") {
				if !strings.HasPrefix(f, "usec") {
					kept = append(kept, f)
				}
			}
			if k != "cmdstat_info" {
				sorted = append(sorted, k+":"+strings.Join(kept, ","))
			}
		case "Latencystats":
			sorted = append(sorted, k)
		case "Keyspace":
			parts := strings.Split(v, ",")
			out = append(out, k+":"+strings.Join(parts[:min(2, len(parts))], ","))
		default:
			out = append(out, k)
		}
	}
	flush()
	return n.head[:1] + "\r\n" + strings.Join(out, "\n")
}

// TestServerCmdsDifferentialCases pins the differences the random test
// found, each with Redis 7.0's reply.
func TestServerCmdsDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		# CLIENT LIST ID takes any integer (an id no client has lists
		# nothing); only a non-integer is refused.
		client list id 0
		client list id -5
		client list id 99999 -1
		client list id abc
		client list id +5
		# CLIENT KILL reads its filters in order: an earlier bad value is
		# reported before a missing one.
		client kill type bogus id
		client kill id 0 type
		client kill user nobody id
		client kill skipme no type
		client kill id abc skipme
		client kill type normal skipme maybe addr
		# An empty address matches nobody (the old form, ADDR, LADDR).
		client kill ""
		client kill addr "" skipme yes
		client kill laddr "" skipme yes
		# repl-backlog-size never goes below 16 KB.
		config set repl-backlog-size 1
		config get repl-backlog-size
		config set repl-backlog-size 16383
		config get repl-backlog-size
		config set repl-backlog-size 100000
		config get repl-backlog-size
		config set repl-backlog-size 1mb
		# watchdog-period is at least two clock ticks (1000/hz*2 ms).
		config set watchdog-period 1
		config get watchdog-period
		config set hz 100
		config set watchdog-period 1
		config get watchdog-period
		config set hz 11 watchdog-period 150
		config get watchdog-period
		config set watchdog-period 0
		config get watchdog-period
		config set hz 10
		# CLIENT PAUSE and CLIENT UNBLOCK check their argument count
		# first, UNBLOCK its reason before its id.
		client pause 10 write x
		client PAUSE abc all x
		client unblock 1 error x
		client unblock abc foo
		client unblock 007 timeout
		client unblock -1
		# CLIENT KILL ID reads a long long: no leading zeros, no '+'.
		client kill id 007
		client kill id +1
		client kill id 9223372036854775808
		# CLIENT TRACKING reads its options before ON/OFF.
		client tracking maybe redirect abc
		client tracking maybe redirect 99999
		client tracking maybe bogus
		client tracking on redirect 0 prefix a
		# COMMAND's errors count in errorstats like any other.
		config resetstat
		command list filterby bogus x
		command getkeys nosuch a
		command getkeysandflags get
		command docs nosuch
		info errorstats
		# latencystats: nothing while latency-tracking is off; the
		# percentiles as latency-tracking-info-percentiles names them.
		config resetstat
		config set latency-tracking no
		ping
		info latencystats
		config set latency-tracking yes
	`)
	canon := func(args ...string) {
		t.Helper()
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if w, g := scInfoCanon(want), scInfoCanon(got); w != g {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, w, g)
		}
	}
	// INFO's CPU section is "# CPU"; the memory section has the Lua and
	// functions fields and the allocator's RSS ratios.
	canon("INFO", "cpu")
	canon("INFO", "memory")
	canon("INFO")
	lat := func(percentiles string) {
		t.Helper()
		d.Do("CONFIG", "SET", "latency-tracking-info-percentiles", percentiles)
		d.Do("CONFIG", "RESETSTAT")
		d.Do("PING")
		// The values are timings: the names and the percentiles' labels
		// are compared.
		re := regexp.MustCompile(`=[0-9.]+`)
		// (Lines in Redis's dict order: sorted.)
		lines := func(r string) string {
			l := strings.Split(re.ReplaceAllString(scBody(r), "="), "\r\n")
			sort.Strings(l)
			return strings.Join(l, "\n")
		}
		want, got := d.Redis.Do("INFO", "latencystats"), d.Cairn.Do("INFO", "latencystats")
		if w, g := lines(want), lines(got); w != g {
			t.Errorf("INFO latencystats with percentiles %q:\n redis: %q\n cairn: %q", percentiles, w, g)
		}
	}
	lat("")
	lat("50")
	lat("0 99.99 100 12.5")
	lat("50 99 99.9")

	// CLIENT LIST's flags and redir as Redis shows them.
	b := [2]*cairntest.Conn{cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)}
	both := func(args ...string) {
		t.Helper()
		if w, g := b[0].Do(args...), b[1].Do(args...); w != g {
			t.Errorf("second client %q:\n redis: %q\n cairn: %q", args, w, g)
		}
	}
	list := func(what string) {
		t.Helper()
		want, got := d.Redis.Do("CLIENT", "LIST"), d.Cairn.Do("CLIENT", "LIST")
		if w, g := scClientCanon(want), scClientCanon(got); w != g {
			t.Errorf("CLIENT LIST (%s):\n redis: %q\n cairn: %q", what, w, g)
		}
	}
	both("CLIENT", "NO-EVICT", "on")
	list("no-evict: e")
	both("CLIENT", "NO-EVICT", "off")
	both("CLIENT", "TRACKING", "on")
	list("tracking: t, redir=0")
	both("CLIENT", "TRACKING", "on", "BCAST")
	list("bcast: tB")
	both("CLIENT", "TRACKING", "off")
	both("CLIENT", "TRACKING", "on", "OPTIN")
	list("optin: t")
	both("CLIENT", "TRACKING", "off")
	both("WATCH", "k")
	d.Do("SET", "k", "v")
	list("dirty watch: d")
	both("MULTI")
	list("dirty watch in multi: xd")
	both("DISCARD")
	both("SUBSCRIBE", "c")
	list("subscribed: P")
	for _, c := range b {
		c.Close()
	}
}
