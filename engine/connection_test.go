package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
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
