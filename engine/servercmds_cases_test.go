package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/resp"
)

// scCases pin, each with Redis 7.0's replies, differences the random
// test (TestServerCmdsRandomDifferential) used to step around. A line is
// a command run by client a (the default) or b, written "b: cmd"; a mark
// before the command changes what is done with it: ">" sends it without
// reading, "<" reads (and compares) the reply of one sent, "?" checks
// that neither server has replied to one sent (the client is held), "#"
// checks that both servers closed the connection, after the same bytes. "~info", "~client",
// "~shape", "~hist" or "~slow" compares the replies as the canonical
// function of that name makes them. $aid and $bid stand for the clients'
// ids on each server.
var scCases = []struct{ name, script string }{
	{"container named alone counts a rejected call", `
		config resetstat
		config
		object
		client
		latency
		memory
		~info info commandstats
		info errorstats
		multi
		config
		exec
		eval "return redis.pcall('client')" 0
		~info info commandstats
		info errorstats
	`},
	{"latency-tracking off times nothing, on again keeps the histograms", `
		config resetstat
		ping
		config set latency-tracking no
		get x
		info latencystats
		config set latency-tracking yes
		~info info latencystats
		client getname
		~hist latency histogram ping get config|set nosuch PING client
	`},
	{"the commands EXEC runs are timed and logged, EXEC is not logged", `
		config resetstat
		slowlog reset
		config set slowlog-log-slower-than 0
		multi
		incr n
		hget h f
		exec
		config set slowlog-log-slower-than 10000
		~info info latencystats
		~hist latency histogram incr hget exec
		~slow slowlog get
		~info info commandstats
	`},
	{"nothing is queued once a watched key changed or a command was refused", `
		watch k
		b: set k changed
		multi
		set a 1
		get a
		b: ~client client list id $aid
		exec
		multi
		set a 1
		bogus
		set b 2
		b: ~client client list id $aid
		exec
		watch k
		multi
		get k
		b: set k again
		get k
		b: ~client client list id $aid
		exec
	`},
	{"MEMORY USAGE SAMPLES", `
		set s1 hello
		memory usage s1 samples -1
		~shape memory usage s1 samples 0
		~shape memory usage s1 samples 5 samples 3
		memory usage s1 samples 5 samples -1
		memory usage s1 samples -1 samples x
		memory usage s1 samples x samples -1
		memory usage s1 samples 5 samples
		memory usage s1 samples 5 foo 1
		memory usage nokey samples -1
		memory usage nokey samples 1 samples 2
		memory usage s1 samples -9223372036854775808
		~shape memory usage s1 samples 9223372036854775807
	`},
	{"an ALL pause holds another client's CLIENT UNPAUSE", `
		client pause 600 all
		b: > client unpause
		b: ? client unpause
		b: < client unpause
		ping
	`},
	{"a WRITE pause holds a write before MULTI queues it, and EXEC of writes", `
		b: multi
		b: set k v
		client pause 100000 write
		b: get k
		b: > exec
		b: ? exec
		client unpause
		b: < exec
		b: multi
		client pause 100000 write
		b: > set k v2
		b: ? set k v2
		b: > exec
		client unpause
		b: < set k v2
		b: < exec
		client pause 100000 write
		b: multi
		b: get k
		b: ping
		b: exec
		b: multi
		b: > publish ch m
		b: ? publish ch m
		client unpause
		b: < publish ch m
		b: exec
	`},
	{"CLIENT KILL of the caller sends the replies before it", `
		b: > ping
		b: > client kill id $bid skipme no
		b: > ping
		b: < ping
		b: < client kill id $bid skipme no
		b: # closed
	`},
	{"CLIENT KILL of the caller inside EXEC sends nothing after its reply", `
		b: multi
		b: client kill id $bid skipme no
		b: set killed 1
		b: ping
		b: > exec
		b: # closed
		get killed
		del killed
	`},
	{"CLIENT PAUSE WRITE holds scripts by their declared flags", `
		function load replace "#!lua name=pauselib\nredis.register_function{function_name='ro', callback=function() return 'hello' end, flags={'no-writes'}}\nredis.register_function('rw', function() return 'rw' end)"
		script load "#!lua flags=no-writes\nreturn 2"
		set x y
		client pause 60000 write
		b: eval "#!lua flags=no-writes\nreturn 'unique'" 0
		b: evalsha ae33f9227913b24d053a555637f98260b23bd3a3 0
		b: eval_ro "return redis.call('get', KEYS[1])" 1 x
		b: fcall ro 0
		b: fcall_ro ro 0
		b: eval_ro "return redis.call('publish', 'ch', 'm')" 0
		b: multi
		b: eval "#!lua flags=no-writes\nreturn 12" 0
		b: exec
		b: > eval "#!lua\nreturn 13" 0
		b: ?
		client unpause
		b: < eval "#!lua\nreturn 13" 0
		client pause 60000 write
		b: > fcall rw 0
		b: ?
		client unpause
		b: < fcall rw 0
		client pause 60000 write
		b: > eval "return 14" 0
		b: ?
		client unpause
		b: < eval "return 14" 0
		function delete pauselib
	`},
	{"no key expires under CLIENT PAUSE, not even one read past its deadline", `
		set k v px 50
		client pause 60000 write
		wait 1 200
		get k
		exists k
		dbsize
		client unpause
		dbsize
		get k
		dbsize
	`},
	{"CLIENT KILL USER SKIPME no closes the caller after its reply", `
		acl setuser victim on nopass +@all ~*
		b: auth victim x
		b: > client kill user victim skipme no
		b: > ping
		b: < client kill user victim skipme no
		b: # closed
		acl deluser victim
	`},
	{"cmd= names a refused command, NULL if unknown", `
		get x
		bogus
		b: ~client client list id $aid
		get
		b: ~client client list id $aid
		config
		b: ~client client list id $aid
		config bogus
		b: ~client client list id $aid
		object encoding
		b: ~client client list id $aid
		acl setuser limited on nopass +@all -get ~*
		auth limited x
		get x
		b: ~client client list id $aid
		multi
		nosuch
		b: ~client client list id $aid
		discard
		auth default x
		acl deluser limited
	`},
	{"a blocked command is timed, logged as called and failed when served or unblocked", `
		config resetstat
		slowlog reset
		config set slowlog-log-slower-than 0
		b: > blpop l 0
		b: ? blpop l 0
		lpush l foo
		b: < blpop l 0
		b: > blpop l 0
		b: ? blpop l 0
		client unblock $bid error
		b: < blpop l 0
		b: > blmove src dst left right 0
		b: ? blmove src dst left right 0
		client unblock $bid timeout
		b: < blmove src dst left right 0
		b: blpop l 0.01
		config set slowlog-log-slower-than 10000
		~slow slowlog get
		~info info commandstats
		info errorstats
		~hist latency histogram blpop blmove lpush
	`},
}

func TestServerCmdsFixedCases(t *testing.T) {
	runSCCases(t, cairntest.NewDiffer(t), scCases)
}

// runSCCases runs each case with two fresh clients a and b, after a
// FLUSHALL.
func runSCCases(t *testing.T, d *cairntest.Differ, cases []struct{ name, script string }) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := newPeer(t, d), newPeer(t, d)
			a.Do("FLUSHALL")
			runSCCase(t, map[string]*peer{"a": a, "b": b}, c.script)
		})
	}
}

var scCanons = map[string]func(string) string{"info": scInfoCanon, "client": scClientCanon, "shape": scShape,
	"hist": scHistCanon, "slow": scSlowCanon}

func runSCCase(t *testing.T, clients map[string]*peer, script string) {
	t.Helper()
	// Each client's id on each server (Redis's, Cairn's).
	vars := map[string][2]string{}
	for name, p := range clients {
		vars["$"+name+"id"] = [2]string{strings.Trim(p.redis.Do("CLIENT", "ID"), ":\r\n"), strings.Trim(p.cairn.Do("CLIENT", "ID"), ":\r\n")}
	}
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p := clients["a"]
		if who, rest, ok := strings.Cut(line, ": "); ok && clients[who] != nil {
			p, line = clients[who], rest
		}
		mark := ""
		if strings.ContainsAny(line[:1], "><?#") {
			mark, line = line[:1], strings.TrimSpace(line[1:])
		}
		canon := func(s string) string { return s }
		if strings.HasPrefix(line, "~") {
			name, rest, _ := strings.Cut(line[1:], " ")
			canon, line = scCanons[name], rest
		}
		parts, ok := resp.SplitArgs([]byte(line))
		if !ok {
			t.Fatalf("bad script line %q", line)
		}
		var args [2][]string
		for _, part := range parts {
			for i := range args {
				a := string(part)
				if v, ok := vars[a]; ok {
					a = v[i]
				}
				args[i] = append(args[i], a)
			}
		}
		conns := [2]*cairntest.Conn{p.redis, p.cairn}
		var got [2]string
		switch mark {
		case ">":
			for i, c := range conns {
				c.Send(args[i]...)
			}
			continue
		case "?":
			for i, c := range conns {
				if r, ok := c.ReadTimeout(150 * time.Millisecond); ok {
					t.Errorf("%s: server %d replied %q at once; want it held", line, i, r)
				}
			}
			continue
		case "#":
			for i, c := range conns {
				start := time.Now()
				var ok bool
				if got[i], ok = c.ReadTimeout(2 * time.Second); ok || time.Since(start) > time.Second {
					t.Errorf("server %d did not close the connection (read %q)", i, got[i])
				}
			}
		case "<":
			for i, c := range conns {
				got[i] = c.Read()
			}
		default:
			for i, c := range conns {
				got[i] = c.Do(args[i]...)
			}
		}
		if w, g := canon(got[0]), canon(got[1]); w != g {
			t.Errorf("%s:\n redis: %q\n cairn: %q", line, w, g)
		}
	}
}

// scHistCanon keeps LATENCY HISTOGRAM's names and calls, not the buckets
// (timings).
func scHistCanon(reply string) string {
	n := scParse(reply)
	for i := 1; i < len(n.kids); i += 2 {
		if m := n.kids[i]; len(m.kids) == 4 {
			m.kids[3] = &scNode{head: "*?\r\n"}
		}
	}
	return n.String()
}

// scSlowCanon keeps SLOWLOG GET's commands, not the ids, times,
// durations and addresses, nor their numeric arguments (a client id
// differs between the servers).
func scSlowCanon(reply string) string {
	n := scParse(reply)
	for i, e := range n.kids {
		if len(e.kids) == 6 {
			n.kids[i] = scParse(scShape(e.kids[3].String()))
		}
	}
	return n.String()
}
