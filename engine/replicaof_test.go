package engine_test

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Cairn and a real redis-server both replicate the same Redis master:
// after the full sync, while the stream flows, across a dropped link
// (partial resync) and after REPLICAOF NO ONE, the same reads must give
// the same replies on both replicas.
func TestReplicaOfRedisMaster(t *testing.T) {
	master := cairntest.StartRedis(t, "--repl-diskless-sync-delay", "0")
	mc := cairntest.Dial(t, master.Addr)
	host, port, _ := net.SplitHostPort(master.Addr)
	for _, cmd := range [][]string{
		{"SET", "s", "v"}, {"SET", "ttl", "v", "EX", "1000"}, {"RPUSH", "l", "a", "b", "c"},
		{"HSET", "h", "f", "v", "g", "w"}, {"ZADD", "z", "1", "a", "2.5", "b"}, {"SADD", "st", "x", "y", "1"},
		{"XADD", "x", "1-1", "f", "v"}, {"SELECT", "3"}, {"SET", "d3", "in three"}, {"SELECT", "0"},
		{"FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('one', function() return 1 end)"},
	} {
		if r := mc.Do(cmd...); strings.HasPrefix(r, "-") {
			t.Fatalf("%v on the master: %q", cmd, r)
		}
	}

	cairn := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	redis := cairntest.Dial(t, cairntest.StartRedis(t).Addr)
	for _, cmd := range [][]string{{"SET", "local", "gone after the sync"}, {"SELECT", "7"}, {"SET", "in7", "gone too"}, {"SELECT", "0"}} {
		if r := cairn.Do(cmd...); r != "+OK\r\n" {
			t.Fatalf("%v before REPLICAOF: %q", cmd, r)
		}
	}
	replicas := []*cairntest.Conn{cairn, redis}
	same := sameOn(t, cairn, redis)
	reads := func() {
		t.Helper()
		same("GET", "s")
		same("LRANGE", "l", "0", "-1")
		same("HGETALL", "h")
		same("ZRANGE", "z", "0", "-1", "WITHSCORES")
		same("SORT", "st", "ALPHA")
		same("XRANGE", "x", "-", "+")
		same("EXISTS", "local")
		same("GET", "counter")
		same("FCALL", "one", "0")
		same("DBSIZE")
		same("SELECT", "3")
		same("GET", "d3")
		same("LRANGE", "l3", "0", "-1")
		same("SELECT", "7")
		same("DBSIZE")
		same("SELECT", "0")
		for _, c := range replicas {
			if r := c.Do("TTL", "ttl"); !regexp.MustCompile(`^:(99\d|1000)\r\n$`).MatchString(r) {
				t.Errorf("TTL on a replica: %q", r)
			}
		}
	}
	same("CONFIG", "GET", "replicaof")
	same("REPLICAOF", host, port)
	same("REPLICAOF", host, port) // already following that master
	same("CONFIG", "GET", "replicaof")
	same("CONFIG", "GET", "slaveof")
	synced(t, mc, replicas)
	reads()
	same("ROLE")

	// The stream: plain writes, a transaction, a script, other databases.
	for _, cmd := range [][]string{
		{"INCR", "counter"}, {"INCRBY", "counter", "41"}, {"DEL", "s"}, {"MULTI"}, {"RPUSH", "l", "d"}, {"HSET", "h", "f", "changed"}, {"EXEC"},
		{"EVAL", "redis.call('zadd', KEYS[1], 7, 'c') return 1", "1", "z"}, {"SELECT", "3"}, {"RPUSH", "l3", "p", "q"}, {"SELECT", "0"},
	} {
		mc.Do(cmd...)
	}
	synced(t, mc, replicas)
	reads()
	same("ROLE")
	same("SET", "mine", "1") // READONLY
	same("WAIT", "0", "0")
	same("DEL", "l")
	same("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k")
	same("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "counter")
	same("EVAL", "#!lua\nreturn 1", "0")
	same("MULTI")
	same("SET", "a", "b")
	same("EXEC")
	same("CONFIG", "SET", "replica-read-only", "no") // local writes, kept across a partial resync
	same("SET", "local", "written on the replica")
	same("CONFIG", "SET", "replica-read-only", "yes")

	// A dropped link comes back with PSYNC and continues from its offset.
	mc.Do("CLIENT", "KILL", "TYPE", "replica")
	mc.Do("SET", "s", "after the drop")
	synced(t, mc, replicas)
	reads()
	if info := mc.Do("INFO", "stats"); !strings.Contains(info, "sync_partial_ok:2\r\n") || !strings.Contains(info, "sync_full:2\r\n") {
		t.Errorf("the master's sync counters: want 2 full syncs and 2 partial ones:\n%s", info)
	}

	same("REPLICAOF", "NO", "ONE")
	same("CONFIG", "GET", "replicaof")
	same("SET", "mine", "1")
	same("GET", "mine")
	mc.Do("SET", "s", "not followed any more")
	time.Sleep(200 * time.Millisecond)
	same("GET", "s")
}

// sameOn returns a function that runs a command on both replicas and
// wants the same reply.
func sameOn(t *testing.T, cairn, redis *cairntest.Conn) func(args ...string) {
	return func(args ...string) {
		t.Helper()
		want := redis.Do(args...)
		if got := cairn.Do(args...); got != want {
			t.Errorf("%v: Cairn %q, Redis %q", args, got, want)
		}
	}
}

// synced waits until every replica's link is up at the master's offset.
func synced(t *testing.T, master *cairntest.Conn, replicas []*cairntest.Conn) {
	t.Helper()
	offsetRe := regexp.MustCompile(`master_repl_offset:(\d+)`)
	want := offsetRe.FindStringSubmatch(master.Do("INFO", "replication"))[1]
	deadline := time.Now().Add(15 * time.Second)
	for _, r := range replicas {
		for {
			info := r.Do("INFO", "replication")
			if strings.Contains(info, "master_link_status:up\r\n") && strings.Contains(info, "slave_repl_offset:"+want+"\r\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a replica did not reach the master's offset %s:\n%s", want, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// The replicaof directive starts the link at start-up (here to a master
// with a password and disk-based sync, whose RDB comes with its length),
// and REPLICAOF NO ONE run by EXEC ends it (without waiting for the link,
// which may be waiting for EXEC's lock).
func TestReplicaOfDirectiveAndExec(t *testing.T) {
	master := cairntest.StartRedis(t, "--repl-diskless-sync", "no", "--enable-debug-command", "yes")
	mc := cairntest.Dial(t, master.Addr)
	mc.Do("CONFIG", "SET", "requirepass", "pw")
	mc.Do("DEBUG", "POPULATE", "20000", "key", "100")
	mc.Do("SET", "k", "from the master")
	host, port, _ := net.SplitHostPort(master.Addr)
	cairn := cairntest.Dial(t, cairntest.StartCairn(t, "--replicaof", host, port, "--masterauth", "pw").Addr)
	redis := cairntest.Dial(t, cairntest.StartRedis(t, "--replicaof", host, port, "--masterauth", "pw").Addr)
	synced(t, mc, []*cairntest.Conn{cairn, redis})
	for _, cmd := range [][]string{{"DBSIZE"}, {"GET", "key:12345"}, {"GET", "k"}, {"MULTI"}, {"SET", "k", "mine"}, {"EXEC"}, {"MULTI"}, {"REPLICAOF", "NO", "ONE"}, {"EXEC"}, {"SET", "k", "mine"}, {"GET", "k"}, {"ROLE"}} {
		want := redis.Do(cmd...)
		if cmd[0] == "ROLE" { // a former replica's offset and id are its own
			want = regexp.MustCompile(`:\d+\r\n`).ReplaceAllString(want, ":0\r\n")
		}
		if got := cairn.Do(cmd...); got != want {
			t.Errorf("%v: Cairn %q, Redis %q", cmd, got, want)
		}
	}
}

// A master whose RDB does not load leaves the replica's data as it was:
// the file is staged and only a complete load replaces the dataset.
func TestReplicaOfBadPayloadKeepsData(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // a master that answers the handshake, then sends garbage
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				rd := bufio.NewReader(conn)
				for {
					line, err := rd.ReadString('\n')
					if err != nil {
						return
					}
					if !strings.HasPrefix(line, "*") {
						continue
					}
					n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
					var args []string
					for i := 0; i < n; i++ {
						rd.ReadString('\n')
						arg, _ := rd.ReadString('\n')
						args = append(args, strings.TrimSpace(arg))
					}
					switch strings.ToUpper(args[0]) {
					case "PING":
						conn.Write([]byte("+PONG\r\n"))
					case "PSYNC":
						payload := "REDIS0011 this is not an RDB file"
						fmt.Fprintf(conn, "+FULLRESYNC %s 0\r\n$%d\r\n%s", strings.Repeat("a", 40), len(payload), payload)
					default:
						conn.Write([]byte("+OK\r\n"))
					}
				}
			}()
		}
	}()
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	c.Do("SET", "k", "kept")
	host, port, _ := net.SplitHostPort(l.Addr().String())
	if r := c.Do("REPLICAOF", host, port); r != "+OK\r\n" {
		t.Fatalf("REPLICAOF: %q", r)
	}
	time.Sleep(1500 * time.Millisecond) // a load attempt, a retry
	if r := c.Do("GET", "k"); r != "$4\r\nkept\r\n" {
		t.Errorf("GET k after a failed sync: %q", r)
	}
	if info := c.Do("INFO", "replication"); !strings.Contains(info, "master_link_status:down\r\n") {
		t.Errorf("INFO replication after a failed sync:\n%s", info)
	}
	if r := c.Do("REPLICAOF", "NO", "ONE"); r != "+OK\r\n" {
		t.Fatalf("REPLICAOF NO ONE: %q", r)
	}
}

// With replica-serve-stale-data no, a replica whose link is down refuses
// what is not flagged stale.
func TestReplicaOfStaleData(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close() // nothing listens there: the link stays down
	d := cairntest.NewDiffer(t, "--replica-serve-stale-data", "no")
	d.Do("SET", "k", "v")
	d.Do("REPLICAOF", host, port)
	d.Run(`
		get k
		ping
		config set replica-serve-stale-data yes
		get k
		replicaof no one
	`)
}

// A link cut inside a pipeline counts what was applied; one cut inside
// MULTI drops the queued commands, so that PSYNC asks for them again
// from MULTI on and nothing is applied twice.
func TestReplicaOfOffsetAcrossCuts(t *testing.T) {
	cmd := func(args ...string) string {
		s := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		return s
	}
	incr := cmd("INCR", "c")
	multi, exec := cmd("MULTI"), cmd("EXEC")
	emptyRDB := "REDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00" // no keys, no checksum
	replid := strings.Repeat("b", 40)
	type session struct {
		wantPSYNC string // the PSYNC arguments the replica must send
		reply     string // what follows the handshake
	}
	sessions := []session{
		{"? -1", "+FULLRESYNC " + replid + " 100\r\n$" + strconv.Itoa(len(emptyRDB)) + "\r\n" + emptyRDB + incr + incr},
		{replid + " " + strconv.Itoa(101+2*len(incr)), "+CONTINUE\r\n" + multi + incr},
		{replid + " " + strconv.Itoa(101+2*len(incr)), "+CONTINUE\r\n" + multi + incr + exec + incr},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	psyncs := make(chan string, len(sessions))
	go func() {
		for _, sess := range sessions {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			rd := bufio.NewReader(conn)
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					break
				}
				n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
				var args []string
				for i := 0; i < n; i++ {
					rd.ReadString('\n')
					arg, _ := rd.ReadString('\n')
					args = append(args, strings.TrimSpace(arg))
				}
				if len(args) == 0 {
					continue
				}
				if strings.EqualFold(args[0], "PSYNC") {
					psyncs <- strings.Join(args[1:], " ")
					conn.Write([]byte(sess.reply))
					time.Sleep(300 * time.Millisecond) // let it apply, then cut the link
					break
				}
				if strings.EqualFold(args[0], "PING") {
					conn.Write([]byte("+PONG\r\n"))
				} else if !strings.EqualFold(args[0], "REPLCONF") || !strings.EqualFold(args[1], "ACK") {
					conn.Write([]byte("+OK\r\n"))
				}
			}
			conn.Close()
		}
	}()
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	host, port, _ := net.SplitHostPort(l.Addr().String())
	c.Do("REPLICAOF", host, port)
	for i, sess := range sessions {
		select {
		case got := <-psyncs:
			if got != sess.wantPSYNC {
				t.Errorf("session %d: PSYNC %s, want PSYNC %s", i, got, sess.wantPSYNC)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("session %d: no PSYNC", i)
		}
	}
	want := "$1\r\n4\r\n" // 2, then 1 in the transaction, then 1
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := c.Do("GET", "c")
		if r == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET c = %q, want 4", r)
		}
	}
	c.Do("REPLICAOF", "NO", "ONE")
}

// After a clean shutdown a replica started again continues with PSYNC
// from where it stopped; the master sends only what it missed.
func TestReplicaOfContinuesAfterRestart(t *testing.T) {
	master := cairntest.StartRedis(t, "--repl-diskless-sync-delay", "0")
	mc := cairntest.Dial(t, master.Addr)
	host, port, _ := net.SplitHostPort(master.Addr)
	mc.Do("INCR", "c")
	dir := t.TempDir()
	cairn := cairntest.StartCairnIn(t, dir, "--replicaof", host, port)
	synced(t, mc, []*cairntest.Conn{cairntest.Dial(t, cairn.Addr)})
	cairn.Stop()
	mc.Do("INCR", "c") // missed while the replica is down
	cairn = cairntest.StartCairnIn(t, dir, "--replicaof", host, port)
	c := cairntest.Dial(t, cairn.Addr)
	synced(t, mc, []*cairntest.Conn{c})
	mc.Do("INCR", "c")
	synced(t, mc, []*cairntest.Conn{c})
	if r := c.Do("GET", "c"); r != "$1\r\n3\r\n" {
		t.Errorf("GET c = %q, want 3", r)
	}
	if info := mc.Do("INFO", "stats"); !strings.Contains(info, "sync_full:1\r\n") || !strings.Contains(info, "sync_partial_ok:1\r\n") {
		t.Errorf("the master's sync counters: want 1 full sync and 1 partial one:\n%s", info)
	}
}

// A replica does not expire keys itself, as in Redis: a key past its
// deadline reads as absent but stays until the master's DEL, so a late
// PERSIST or SET from the master still finds it.
func TestReplicaOfLeavesExpiryToMaster(t *testing.T) {
	master := cairntest.StartRedis(t, "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes")
	mc := cairntest.Dial(t, master.Addr)
	mc.Do("DEBUG", "SET-ACTIVE-EXPIRE", "0") // the master keeps it until it is read
	host, port, _ := net.SplitHostPort(master.Addr)
	cairn := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	redis := cairntest.Dial(t, cairntest.StartRedis(t).Addr)
	replicas := []*cairntest.Conn{cairn, redis}
	same := sameOn(t, cairn, redis)
	same("REPLICAOF", host, port)
	mc.Do("SET", "k", "v", "PX", "150")
	mc.Do("SET", "other", "v")
	synced(t, mc, replicas)
	time.Sleep(300 * time.Millisecond)
	same("GET", "k")
	same("EXISTS", "k")
	same("DBSIZE")
	same("KEYS", "*")
	mc.Do("GET", "k") // the master expires it and sends DEL
	synced(t, mc, replicas)
	same("DBSIZE")
}
