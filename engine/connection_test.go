package engine_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/resp"
)

func TestConnectionDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		ping
		ping hello
		ping a b
		echo "x y"
		echo
		foo
		foo bar baz
		GET
		hello 4
		hello abc
		hello 3 foo
		auth foo
		auth a b
		auth a b c
		client setname "bad name"
		client setname good
		client getname
		client foo
		client kill 1.2.3.4:5
		client kill id 999999
		client kill type foo
		client kill id abc
		client kill foo bar
		client kill skipme maybe
		client list type foo
		client list id abc
		client list id 9999
		client list foo
		client unblock 9999
		client unblock abc
		config foo
		command foo
		object
		slowlog get abc
		slowlog foo
		info nosuchsection
		select 1
		set k v
		reset
		get k
		unsubscribe
		punsubscribe
		sunsubscribe
		pubsub numsub a b
		pubsub numpat
		pubsub channels
		publish ch msg
	`)
	// RESP3 replies after HELLO 3.
	d.Redis.Do("hello", "3") // the replies carry different client ids
	d.Cairn.Do("hello", "3")
	d.Run(`
		ping
		echo hi
		get nokey
		mget a nokey
		pubsub numsub a
	`)
}

func TestHelloReply(t *testing.T) {
	c := cairntest.StartCairn(t)
	conn := cairntest.Dial(t, c.Addr)
	got := conn.Do("HELLO", "3")
	for _, want := range []string{"%7\r\n", "$6\r\nserver\r\n$5\r\nredis\r\n", "$7\r\nversion\r\n$6\r\n7.0.15\r\n", "$5\r\nproto\r\n:3\r\n", "$4\r\nmode\r\n$10\r\nstandalone\r\n", "$4\r\nrole\r\n$6\r\nmaster\r\n", "$7\r\nmodules\r\n*0\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("HELLO 3 reply %q lacks %q", got, want)
		}
	}
	if r := conn.Do("GET", "nokey"); r != "_\r\n" {
		t.Errorf("RESP3 null = %q", r)
	}
}

func TestProtocolErrorsCloseTheConnection(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	for _, input := range []string{
		"*x\r\n",
		"*1\r\nfoo\r\n",
		"*1\r\n$-5\r\n",
		"*1\r\n$600000000\r\n",
		"set \"a\r\n",
	} {
		var replies [2]string
		for i, addr := range []string{r.Addr, c.Addr} {
			conn := cairntest.Dial(t, addr)
			conn.Write([]byte(input))
			reply, _ := conn.ReadTimeout(2e9)
			_, open := conn.ReadTimeout(2e8)
			if open {
				t.Errorf("%q: connection to %s left open", input, addr)
			}
			replies[i] = reply
		}
		if replies[0] != replies[1] {
			t.Errorf("%q:\n redis: %q\n cairn: %q", input, replies[0], replies[1])
		}
	}
}

// TestClientListQueryBuffer compares CLIENT LIST's qbuf and argv-mem with
// Redis's: the calling client's query buffer still holds its command, what
// came before it in the same read and what was pipelined after it; a
// blocked client's holds what follows its blocking command, whose
// arguments it keeps; an idle client's is empty.
func TestClientListQueryBuffer(t *testing.T) {
	d := cairntest.NewDiffer(t)
	want := queryBufferFigures(t, d.RedisServer.Addr)
	got := queryBufferFigures(t, d.CairnServer.Addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("redis:\n%s\ncairn:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// queryBufferFigures runs the test's requests on one server and returns
// the qbuf and argv-mem fields CLIENT INFO / LIST report.
func queryBufferFigures(t *testing.T, addr string) []string {
	a, b, idle := cairntest.Dial(t, addr), cairntest.Dial(t, addr), cairntest.Dial(t, addr)
	idle.Do("ping")
	var out []string
	a.Write(oneWrite([]string{"client", "info"}))
	out = append(out, "alone: "+clientFields(a.Read(), "qbuf", "argv-mem"))
	a.Write(oneWrite([]string{"ping"}, []string{"client", "info"}, []string{"echo", "after"}))
	a.Read()
	out = append(out, "pipelined: "+clientFields(a.Read(), "qbuf", "argv-mem"))
	a.Read()
	idleID := strings.TrimPrefix(strings.TrimSpace(idle.Do("client", "id")), ":")
	out = append(out, "idle: "+clientFields(a.Do("client", "list", "id", idleID), "qbuf", "argv-mem"))

	bID := strings.TrimPrefix(strings.TrimSpace(b.Do("client", "id")), ":")
	b.Write(oneWrite([]string{"blpop", "qbuf-list", "0"}, []string{"ping"}))
	var blocked string
	for i := 0; i < 100 && !strings.Contains(blocked, " flags=b "); i++ {
		time.Sleep(10 * time.Millisecond)
		blocked = a.Do("client", "list", "id", bID)
	}
	out = append(out, "blocked: "+clientFields(blocked, "flags", "qbuf", "argv-mem"))
	a.Do("rpush", "qbuf-list", "x")
	b.Read()
	b.Read()
	return out
}

// oneWrite encodes commands as one write's worth of requests.
func oneWrite(cmds ...[]string) []byte {
	w := resp.NewWriter()
	for _, args := range cmds {
		w.Array(len(args))
		for _, a := range args {
			w.BulkString(a)
		}
	}
	return w.Bytes()
}

// clientFields picks the named fields out of a CLIENT INFO / LIST reply.
func clientFields(reply string, names ...string) string {
	var picked []string
	for _, f := range strings.Fields(reply) {
		k, _, _ := strings.Cut(f, "=")
		if slices.Contains(names, k) {
			picked = append(picked, f)
		}
	}
	return strings.Join(picked, " ")
}

// TestQueryBufferShrinksAfterBigRequest checks, on both servers, that a
// client's query buffer grows for a big request and gives the room back
// once smaller requests follow (Redis shrinks it in its clients cron).
func TestQueryBufferShrinksAfterBigRequest(t *testing.T) {
	d := cairntest.NewDiffer(t)
	for _, addr := range []string{d.RedisServer.Addr, d.CairnServer.Addr} {
		a, b := cairntest.Dial(t, addr), cairntest.Dial(t, addr)
		b.Do("client", "setname", "big")
		b.Do("set", "x", strings.Repeat("A", 400000))
		grown := queryBufferSize(t, a, "big")
		if grown <= 32768 {
			t.Errorf("%s: query buffer %d after a 400 KB request; want more than 32 KiB", addr, grown)
		}
		size := grown
		for deadline := time.Now().Add(3 * time.Second); size >= grown && time.Now().Before(deadline); {
			b.Do("set", "x", "small")
			size = queryBufferSize(t, a, "big")
			time.Sleep(10 * time.Millisecond)
		}
		if size <= 0 || size > 32768 {
			t.Errorf("%s: query buffer %d after small requests; want it back under 32 KiB", addr, size)
		}
	}
}

// queryBufferSize is the qbuf plus qbuf-free of the client named name.
func queryBufferSize(t *testing.T, c *cairntest.Conn, name string) int {
	for _, line := range strings.Split(c.Do("client", "list"), "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		var size int
		for _, f := range strings.Fields(clientFields(line, "qbuf", "qbuf-free")) {
			_, v, _ := strings.Cut(f, "=")
			n, _ := strconv.Atoi(v)
			size += n
		}
		return size
	}
	t.Fatalf("no client named %s", name)
	return 0
}
