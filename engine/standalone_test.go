package engine_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Cluster and module commands answer as a standalone Redis without
// modules does.
func TestClusterAndModuleCommandsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		cluster info
		cluster nodes
		cluster keyslot a
		cluster help
		cluster foo
		cluster
		cluster info x
		readonly
		readwrite
		asking
		readonly x
		module list
		module help
		module list x
		module
		module load /tmp/x.so
		module loadex /tmp/x.so
		module unload x
		module foo
	`)
	// Where MODULE is allowed, a library still cannot load into Cairn.
	allowed := cairntest.NewDiffer(t, "--enable-module-command", "yes")
	allowed.Run(`
		module load /tmp/nonexistent.so
		module loadex /tmp/nonexistent.so
		module unload x
		module list
	`)
}

// BGREWRITEAOF compacts the store in the background; the data is intact
// and INFO persistence counts the rewrite.
func TestBGRewriteAOF(t *testing.T) {
	s := cairntest.StartCairn(t)
	c := cairntest.Dial(t, s.Addr)
	for i := 0; i < 200; i++ {
		c.Do("SET", "k", strings.Repeat("v", i))
		c.Do("RPUSH", "l", "x")
	}
	c.Do("DEL", "l")
	if got := c.Do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF = %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.Do("INFO", "persistence"), "aof_rewrites:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no finished rewrite in INFO: %q", c.Do("INFO", "persistence"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.Do("STRLEN", "k"); got != ":199\r\n" {
		t.Errorf("STRLEN k after the rewrite = %q", got)
	}
	if got := c.Do("EXISTS", "l"); got != ":0\r\n" {
		t.Errorf("EXISTS l after the rewrite = %q", got)
	}
}

// LOLWUT: the version line, and Schotter's first two rows of squares,
// which are drawn without randomness.
func TestLolwutDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		lolwut
		lolwut version 7
		lolwut version 6x
		lolwut version 5 20 3 2
		lolwut version 5 1 1 1
		lolwut version 5 x
		lolwut version 5 0 0 0
		lolwut version 5 66 8 1
		lolwut foo
	`)
}

// LATENCY GRAPH draws the same sparkline as Redis (the millisecond figures
// of the header may differ by scheduling).
func TestLatencyGraphDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes", "--latency-monitor-threshold", "1")
	p := newPair(t, d)
	digits := regexp.MustCompile(`[0-9]+ ms`)
	// The column's label is the sample's age ("0s", "1s", printed
	// downwards): the two servers may sample on either side of a second.
	age := regexp.MustCompile(`\n[0-9]\ns\n`)
	norm := func(s string) string {
		return age.ReplaceAllString(digits.ReplaceAllString(s, "N ms"), "\nN\ns\n")
	}
	p.do(nil, "latency", "graph", "command")
	p.do(nil, "debug", "sleep", "0.02")
	p.do(norm, "latency", "graph", "command")
	p.do(nil, "latency", "graph")
	p.do(nil, "latency", "graph", "nosuch")
}

// Iterating commands inside MULTI and scripts see the transaction's own
// writes.
func TestIterationSeesOwnWritesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set old 1
		multi
		set new 1
		del old
		keys *
		scan 0
		randomkey
		set new2 1
		set new3 1
		dbsize
		exec
		eval "redis.call('set','s1','x'); redis.call('del','new'); return {redis.call('dbsize'), #redis.call('keys','*'), redis.call('exists', redis.call('randomkey'))}" 0
		flushall
		multi
		set a 1
		flushdb
		dbsize
		set b 2
		keys *
		exec
		dbsize
	`)
}

// DEBUG POPULATE creates the keys Redis creates, skipping existing ones.
func TestDebugPopulateDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		set key:3 mine
		debug populate 10
		dbsize
		get key:3
		get key:9
		debug populate 5 p 3
		get p:4
		debug populate 3 q 12
		get q:2
		strlen q:2
		debug populate -1
		debug populate 1 x -1
		debug populate 1 x y
		multi
		debug populate 2 m
		exec
		get m:1
		dbsize
	`)
	d.Do("DEBUG", "POPULATE", "10000", "big")
	d.Run(`
		dbsize
		get big:9999
	`)
}

// Replication commands of a standalone server without replicas.
func TestReplicaOfAndFailoverDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		replicaof no one
		slaveof NO ONE
		replicaof localhost 70000
		replicaof localhost x
		failover
		failover abort
		failover to localhost 1
		failover to localhost x
		failover timeout 0
		failover timeout x
		failover force
		failover timeout 10 force
		failover to h 1 timeout 10 force
		failover bogus
		failover abort x
		failover to h 1 to h 2
	`)
}
