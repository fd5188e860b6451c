package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// followupCases pin, with Redis 7.0's replies, small differences found
// after the fact; same script syntax as scCases (servercmds_cases_test.go).
// The servers are shared: a case restores what configuration it changes.
var followupCases = []struct{ name, script string }{
	{"EXEC of a script that may write is denyoom, unless allow-oom or no-writes", `
		set k v
		multi
		eval "#!lua\nreturn redis.call('incr','x')" 0
		b: config set maxmemory 1
		exec
		b: config set maxmemory 0
		multi
		eval "#!lua flags=allow-oom\nreturn redis.call('incr','x')" 0
		eval "#!lua flags=no-writes\nreturn 1" 0
		b: config set maxmemory 1
		exec
		b: config set maxmemory 0
	`},
	{"LATENCY DOCTOR while latency monitoring is off and never recorded", `
		latency doctor
		config set latency-monitor-threshold 1000
		latency doctor
		config set latency-monitor-threshold 0
		latency doctor
	`},
	{"a refused CONFIG SET restores notify-keyspace-events from its CONFIG GET string", `
		config set notify-keyspace-events KEAn
		b: subscribe __keyevent@0__:new
		set n1 v
		b: < message
		config set notify-keyspace-events Q
		config get notify-keyspace-events
		set n2 v
		b: ? message
		config set notify-keyspace-events KEAn
		set n3 v
		b: < message
		config set notify-keyspace-events KEAn maxmemory-policy bogus
		config get maxmemory-policy
		set n4 v
		b: ? message
		config set notify-keyspace-events KEAn
		config set maxmemory-policy bogus notify-keyspace-events KEAn
		set n5 v
		b: < message
		config set notify-keyspace-events KEAn nosuch x
		set n6 v
		b: < message
		config set maxmemory 10mb notify-keyspace-events Q
		config get maxmemory
		set n7 v
		b: ? message
		config set notify-keyspace-events ""
	`},
	{"the commands a script calls are timed and logged", `
		config resetstat
		slowlog reset
		config set slowlog-log-slower-than 0
		eval "redis.call('incr','x'); return redis.pcall('hget','x','f')" 0
		config set slowlog-log-slower-than 10000
		~slow slowlog get
		~info info commandstats
		~info info latencystats
		~hist latency histogram incr hget eval
	`},
}

func TestFollowupCasesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	runSCCases(t, d, followupCases)
	// SLOWLOG shows a script's command as coming from "?:0", unnamed.
	c := cairntest.Dial(t, d.CairnServer.Addr)
	c.Do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	c.Do("EVAL", "return redis.call('ping')", "0")
	c.Do("CONFIG", "SET", "slowlog-log-slower-than", "10000")
	if got := c.Do("SLOWLOG", "GET", "3"); !strings.Contains(got, "*1\r\n$4\r\nping\r\n$3\r\n?:0\r\n$0\r\n\r\n") {
		t.Errorf("SLOWLOG GET: %q", got)
	}
}

// While the disk cannot take writes, EXEC of a transaction holding a
// script that may write is refused, as such a script is: Redis's
// processCommand counts both as writes. Redis is made to refuse writes by
// a failed BGSAVE (its dump file's name is taken by a directory), Cairn
// by a data directory it cannot write its probe file in; the MISCONF
// messages differ and are compared up to "MISCONF".
func TestFollowupMisconfDifferential(t *testing.T) {
	rs, cs := cairntest.StartRedis(t), cairntest.StartCairn(t)
	dial := func() [2]*cairntest.Conn {
		return [2]*cairntest.Conn{cairntest.Dial(t, rs.Addr), cairntest.Dial(t, cs.Addr)}
	}
	a, b, c := dial(), dial(), dial()
	misconf := func(reply string) string {
		if i := strings.Index(reply, "MISCONF "); i >= 0 {
			return reply[:i] + "MISCONF ...\r\n"
		}
		return reply
	}
	do := func(conns [2]*cairntest.Conn, args ...string) {
		t.Helper()
		want, got := misconf(conns[0].Do(args...)), misconf(conns[1].Do(args...))
		if got != want {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}
	waitPing := func(want string) {
		t.Helper()
		for _, conn := range c {
			deadline := time.Now().Add(5 * time.Second)
			for misconf(conn.Do("PING")) != want {
				if time.Now().After(deadline) {
					t.Fatalf("PING is not %q", want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	write := `#!lua
return redis.call('set','x','1')`
	read := `#!lua flags=no-writes
return 1`
	do(a, "MULTI")
	do(a, "EVAL", write, "0")
	do(b, "MULTI")
	do(b, "EVAL", read, "0")
	do(b, "GET", "x")

	dump, probe := filepath.Join(rs.Dir, "dump.rdb"), filepath.Join(cs.Dir, "cairn-write-probe")
	c[0].Do("CONFIG", "SET", "save", "3600 1") // Redis refuses writes after a failed save only with save points
	for _, dir := range []string{dump, probe} {
		// The server's own probe creates and removes that file every so
		// often: a Mkdir in between finds it there.
		err := os.Mkdir(dir, 0o755)
		for deadline := time.Now().Add(2 * time.Second); os.IsExist(err) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
			err = os.Mkdir(dir, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	c[0].Do("BGSAVE")
	waitPing("-MISCONF ...\r\n")
	do(a, "EXEC")
	do(b, "EXEC")
	do(c, "EVAL", write, "0")
	do(c, "EVAL", read, "0")
	do(c, "GET", "x")

	for _, dir := range []string{dump, probe} {
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
	}
	c[0].Do("BGSAVE")
	waitPing("+PONG\r\n")
	do(c, "EVAL", write, "0")
}
