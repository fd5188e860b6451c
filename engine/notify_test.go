package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// subscriberOf opens a connection that pattern-subscribes to every
// keyspace and keyevent channel.
func subscriberOf(t *testing.T, addr string) *cairntest.Conn {
	c := cairntest.Dial(t, addr)
	c.Send("PSUBSCRIBE", "__key*__:*")
	c.Read()
	return c
}

// drain reads messages until none arrives for a while.
func drain(c *cairntest.Conn) []string {
	var out []string
	for {
		msg, ok := c.ReadTimeout(300 * time.Millisecond)
		if !ok {
			return out
		}
		out = append(out, msg)
	}
}

// The notifications Cairn and Redis publish for the same command sequence
// are the same messages in the same order.
func TestKeyspaceNotificationsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	d.Run(`
		set a 1
		set a 2
		setex e 100 v
		set b x keepttl
		incr n
		incrby n 5
		incrbyfloat f 1.5
		append a more
		setrange a 1 zz
		getset a g
		getdel a
		mset m1 1 m2 2
		expire m1 100
		persist m1
		pexpire m2 0
		rename m1 m3
		copy m3 m4
		move m4 1
		del m3 e
		getex b ex 10
		set x 1 px 1
	`)
	time.Sleep(50 * time.Millisecond)
	d.Run(`
		get x
		get nokey
		flushdb
	`)
	got, want := drain(subC), drain(subR)
	if len(want) < 40 {
		t.Fatalf("only %d notifications from Redis: the test is not exercising anything", len(want))
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
	// The key-miss and new-key classes are outside "A".
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEmn")
	d.Run(`
		get missing
		set brandnew 1
	`)
	got, want = drain(subC), drain(subR)
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("m/n notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
	// Next to A, n survives although CONFIG GET spells the value "AKE".
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEAn")
	d.Do("CONFIG", "GET", "notify-keyspace-events")
	d.Run(`
		set newer 1
	`)
	got, want = drain(subC), drain(subR)
	if !strings.Contains(strings.Join(want, ""), "new") {
		t.Fatalf("Redis sent no new-key event: %q", want)
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("An notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
	// Redis decides while each command runs: a transaction's write before
	// notifications are turned off still raises its events, one after does
	// not, and one after they are turned on again does.
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	d.Run(`
		multi
		set t1 1
		config set notify-keyspace-events ""
		set t2 1
		exec
		multi
		config set notify-keyspace-events KEA
		set t3 1
		exec
	`)
	got, want = drain(subC), drain(subR)
	if !strings.Contains(strings.Join(want, ""), "t1") || strings.Contains(strings.Join(want, ""), "t2") {
		t.Fatalf("Redis's notifications are not what this test expects: %q", want)
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications around CONFIG SET in a transaction differ:\n redis: %q\n cairn: %q", want, got)
	}
}
