package engine_test

import (
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// A master without replicas and min-replicas-to-write 1 refuses writes
// exactly as Redis 7.0 does: write commands, scripts and functions that may
// write (up front), redis.call of a write from an EVAL without a shebang,
// MULTI/EXEC (at queue time, or at EXEC when the directive was set
// meanwhile); reads, may-replicate commands and no-writes scripts run.
// INFO replication shows min_slaves_good_slaves only while both directives
// are set, errorstats and commandstats count the refusals, and a replica
// does not apply the check.
func TestMinReplicasDifferentialCases(t *testing.T) {
	d := cairntest.NewDiffer(t)
	other := sameOn(t, cairntest.Dial(t, d.CairnServer.Addr), cairntest.Dial(t, d.RedisServer.Addr))
	d.Run(`
FUNCTION LOAD "#!lua name=lib\nredis.register_function('w', function() return 1 end)\nredis.register_function{function_name='r', callback=function() return 2 end, flags={'no-writes'}}"
SET a 1
CONFIG RESETSTAT
CONFIG SET min-replicas-to-write 1
CONFIG GET min-slaves-to-write
SET a 2
INCR n
DEL a
GET a
PUBLISH ch m
EVAL "return redis.call('set','a','2')" 0
EVAL "return redis.pcall('incr','n')" 0
EVAL "return redis.call('get','a')" 0
EVAL "#!lua\nreturn redis.call('get','a')" 0
EVAL_RO "#!lua\nreturn 1" 0
EVAL "#!lua flags=no-writes\nreturn redis.call('get','a')" 0
EVAL "#!lua flags=no-writes\nreturn redis.call('set','a',3)" 0
FCALL w 0
FCALL_RO w 0
FCALL r 0
MULTI
SET a 1
GET a
EXEC
MULTI
GET a
EVAL "return redis.call('del','a')" 0
EXEC
MULTI
EVAL "#!lua\nreturn 1" 0
EXEC
CONFIG SET min-replicas-max-lag 0
SET a 4
CONFIG SET min-replicas-max-lag 10
SET a 5
CONFIG SET min-slaves-to-write 0
SET a 6
`)
	infoRepl := func() {
		t.Helper()
		mask := regexp.MustCompile(`(master_replid):\w+`)
		want := mask.ReplaceAllString(d.Redis.Do("INFO", "replication"), "$1:x")
		if got := mask.ReplaceAllString(d.Cairn.Do("INFO", "replication"), "$1:x"); got != want {
			t.Errorf("INFO replication:\n redis: %q\n cairn: %q", want, got)
		}
	}
	infoRepl() // no min_slaves_good_slaves line: min-replicas-to-write is 0
	d.Do("CONFIG", "SET", "min-replicas-to-write", "2")
	infoRepl()
	d.Do("CONFIG", "SET", "min-replicas-max-lag", "0")
	infoRepl()
	d.Do("CONFIG", "SET", "min-replicas-max-lag", "10")

	// A transaction queued before the directive was set is refused at EXEC.
	d.Run(`
CONFIG SET min-replicas-to-write 0
MULTI
SET a 7
`)
	other("CONFIG", "SET", "min-replicas-to-write", "1")
	d.Do("EXEC")
	d.Do("CONFIG", "SET", "min-replicas-to-write", "0")
	d.Run(`
MULTI
GET a
EVAL "#!lua\nreturn 1" 0
`)
	other("CONFIG", "SET", "min-replicas-to-write", "1")
	d.Do("EXEC")
	d.Do("GET", "a")

	d.Do("INFO", "errorstats")
	if want, got := txStatsCanon(d.Redis.Do("INFO", "commandstats")), txStatsCanon(d.Cairn.Do("INFO", "commandstats")); got != want {
		t.Errorf("INFO commandstats:\n redis: %s\n cairn: %s", want, got)
	}

	// A replica does not apply the check: it refuses writes as read-only,
	// and takes them when writable (the master is never reached here).
	d.Run(`
REPLICAOF 127.0.0.1 1
SET a 8
CONFIG SET replica-read-only no
SET a 9
EVAL "#!lua\nreturn redis.call('set','a',10)" 0
GET a
REPLICAOF NO ONE
SET a 11
CONFIG SET replica-read-only yes
CONFIG SET min-replicas-to-write 0
MULTI
EVAL "#!lua\nreturn 1" 0
`)
	// EXEC of a script that may write, queued before the server became a
	// read-only replica, is refused like a write command.
	other("REPLICAOF", "127.0.0.1", "1")
	d.Do("EXEC")
	other("REPLICAOF", "NO", "ONE")
}

// A Cairn replica acknowledges its offset every second, so a Redis master
// with min-replicas-to-write 1 counts it as a good replica once attached,
// past min-replicas-max-lag, and takes writes; once the replica leaves,
// writes are refused again. The Cairn replica, configured with the same
// directives, applies the master's stream and its own clients' writes.
func TestMinReplicasCairnReplicaOfRedis(t *testing.T) {
	master := cairntest.StartRedis(t, "--repl-diskless-sync-delay", "0", "--min-replicas-to-write", "1", "--min-replicas-max-lag", "2")
	mc := cairntest.Dial(t, master.Addr)
	const refused = "-NOREPLICAS Not enough good replicas to write.\r\n"
	if r := mc.Do("SET", "k", "v"); r != refused {
		t.Fatalf("SET on a master without replicas: %q", r)
	}
	cairn := cairntest.Dial(t, cairntest.StartCairn(t, "--min-replicas-to-write", "1", "--min-replicas-max-lag", "2").Addr)
	host, port, _ := net.SplitHostPort(master.Addr)
	cairn.Do("REPLICAOF", host, port)
	good := regexp.MustCompile(`min_slaves_good_slaves:(\d+)`)
	waitGood := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			info := mc.Do("INFO", "replication")
			if m := good.FindStringSubmatch(info); m != nil && m[1] == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the master never counted %s good replicas:\n%s", want, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitGood("1")
	if r := mc.Do("SET", "k", "v"); r != "+OK\r\n" {
		t.Fatalf("SET with a good replica: %q", r)
	}
	// Past the lag the replica is still good: its ACKs keep it so.
	time.Sleep(4 * time.Second)
	if r := mc.Do("INCR", "n"); r != ":1\r\n" {
		t.Fatalf("INCR after 4 s: %q", r)
	}
	synced(t, mc, []*cairntest.Conn{cairn})
	if r := cairn.Do("MGET", "k", "n"); r != "*2\r\n$1\r\nv\r\n$1\r\n1\r\n" {
		t.Errorf("the replica's data: %q", r)
	}
	if info := cairn.Do("INFO", "replication"); !strings.Contains(info, "min_slaves_good_slaves:0\r\n") {
		t.Errorf("the replica's INFO replication:\n%s", info)
	}
	cairn.Do("CONFIG", "SET", "replica-read-only", "no")
	if r := cairn.Do("SET", "local", "1"); r != "+OK\r\n" {
		t.Errorf("a write to a writable replica: %q", r)
	}

	cairn.Do("REPLICAOF", "NO", "ONE")
	waitGood("0")
	if r := mc.Do("SET", "k", "w"); r != refused {
		t.Errorf("SET on the master once the replica left: %q", r)
	}
	if r := cairn.Do("SET", "k", "w"); r != refused {
		t.Errorf("SET on the former replica, now a master: %q", r)
	}
}

// A Cairn master sends a replica one snapshot and closes the link: the
// replica gets the data but is never online, so it is never a good
// replica and writes stay refused (Redis does not count a replica that is
// not online either).
func TestMinReplicasCairnMaster(t *testing.T) {
	ms := cairntest.StartCairn(t)
	mc := cairntest.Dial(t, ms.Addr)
	mc.Do("SET", "k", "before")
	mc.Do("CONFIG", "SET", "min-replicas-to-write", "1")
	replica := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	host, port, _ := net.SplitHostPort(ms.Addr)
	replica.Do("REPLICAOF", host, port)
	deadline := time.Now().Add(15 * time.Second)
	for replica.Do("GET", "k") != "$6\r\nbefore\r\n" {
		if time.Now().After(deadline) {
			t.Fatal("the replica never got the snapshot")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := mc.Do("SET", "k", "after"); r != "-NOREPLICAS Not enough good replicas to write.\r\n" {
		t.Errorf("SET on a Cairn master with a snapshot replica: %q", r)
	}
	if info := mc.Do("INFO", "replication"); !strings.Contains(info, "min_slaves_good_slaves:0\r\n") {
		t.Errorf("INFO replication:\n%s", info)
	}
}
