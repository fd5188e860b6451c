package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/rueidis"
)

// The invalidation messages of client-side caching are byte for byte
// Redis's: default mode over RESP3, BCAST with prefixes, NOLOOP, OPTIN with
// CLIENT CACHING, redirection to a RESP2 subscriber, and FLUSHALL.
func TestTrackingDifferential(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	type pair struct{ redis, cairn *cairntest.Conn }
	dial := func() pair { return pair{cairntest.Dial(t, r.Addr), cairntest.Dial(t, c.Addr)} }
	do := func(p pair, args ...string) {
		t.Helper()
		want, got := p.redis.Do(args...), p.cairn.Do(args...)
		if want != got {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}
	expect := func(p pair) {
		t.Helper()
		want, wok := p.redis.ReadTimeout(time.Second)
		got, gok := p.cairn.ReadTimeout(time.Second)
		if want != got || wok != gok {
			t.Errorf("push:\n redis: %q (%v)\n cairn: %q (%v)", want, wok, got, gok)
		}
	}
	quiet := func(p pair) {
		t.Helper()
		if msg, ok := p.cairn.ReadTimeout(200 * time.Millisecond); ok {
			t.Errorf("unexpected message from Cairn: %q", msg)
		}
	}
	reader, writer := dial(), dial()
	reader.redis.Do("HELLO", "3")
	reader.cairn.Do("HELLO", "3")
	do(reader, "CLIENT", "TRACKING", "on")
	do(reader, "GET", "k1")
	do(reader, "MGET", "k2", "k3")
	do(writer, "SET", "k1", "v")
	expect(reader)
	do(writer, "MSET", "k2", "v", "k3", "v")
	expect(reader)
	expect(reader)
	do(writer, "SET", "k1", "again") // not read since: no message
	quiet(reader)
	do(reader, "GET", "k1")
	do(reader, "SET", "k1", "mine") // the reader's own write invalidates too
	expect(reader)
	do(reader, "CLIENT", "TRACKINGINFO")
	do(reader, "CLIENT", "TRACKING", "off")

	do(reader, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "NOLOOP")
	do(writer, "SET", "user:1", "x")
	expect(reader)
	do(writer, "SET", "other", "x")
	do(reader, "SET", "user:2", "x") // NOLOOP: not told of its own writes
	quiet(reader)
	do(reader, "CLIENT", "TRACKINGINFO")
	do(reader, "CLIENT", "TRACKING", "off")

	do(reader, "CLIENT", "TRACKING", "on", "OPTIN")
	do(reader, "GET", "a")
	do(reader, "CLIENT", "CACHING", "yes")
	do(reader, "GET", "b")
	do(writer, "MSET", "a", "1", "b", "1")
	expect(reader) // only b was cached
	quiet(reader)
	do(reader, "CLIENT", "TRACKING", "off")

	// A RESP2 client redirecting to a subscriber of __redis__:invalidate.
	sub := dial()
	sub.redis.Send("SUBSCRIBE", "__redis__:invalidate")
	sub.cairn.Send("SUBSCRIBE", "__redis__:invalidate")
	expect(sub)
	rid, cid := idOf(t, sub.redis, r.Addr), idOf(t, sub.cairn, c.Addr)
	p2 := dial()
	if w, g := p2.redis.Do("CLIENT", "TRACKING", "on", "REDIRECT", rid), p2.cairn.Do("CLIENT", "TRACKING", "on", "REDIRECT", cid); w != g {
		t.Fatalf("redirect: %q vs %q", w, g)
	}
	do(p2, "GET", "r")
	do(writer, "SET", "r", "1")
	expect(sub)
	do(p2, "GET", "r")
	do(writer, "FLUSHALL")
	expect(sub)
}

// idOf finds the CLIENT ID of a subscribed connection through CLIENT LIST
// (a subscribed RESP2 connection cannot run CLIENT ID itself).
func idOf(t *testing.T, sub *cairntest.Conn, addr string) string {
	t.Helper()
	admin := cairntest.Dial(t, addr)
	list := admin.Do("CLIENT", "LIST", "TYPE", "pubsub")
	var id string
	for i := 0; i+3 < len(list); i++ {
		if list[i:i+3] == "id=" {
			j := i + 3
			for j < len(list) && list[j] != ' ' {
				j++
			}
			id = list[i+3 : j]
			break
		}
	}
	if id == "" {
		t.Fatalf("no pubsub client in %q", list)
	}
	return id
}

// rueidis's client-side caching (RESP3 tracking) sees invalidations made
// by other clients.
func TestRueidisClientSideCaching(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	other, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Do(ctx, other.B().Set().Key("k").Value("v1").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	get := func() (string, bool) {
		resp := client.DoCache(ctx, client.B().Get().Key("k").Cache(), time.Minute)
		v, err := resp.ToString()
		if err != nil {
			t.Fatal(err)
		}
		return v, resp.IsCacheHit()
	}
	if v, hit := get(); v != "v1" || hit {
		t.Fatalf("first read = %q (cache hit %v)", v, hit)
	}
	if v, hit := get(); v != "v1" || !hit {
		t.Fatalf("second read = %q (cache hit %v), want a cache hit", v, hit)
	}
	if err := other.Do(ctx, other.B().Set().Key("k").Value("v2").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		v, _ := get()
		if v == "v2" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cached value stayed %q after another client's SET", v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Redis invalidates a key as it is written: in a pipeline or EXEC, a read
// after the write stays tracked and gets no invalidation, and a read
// before it gets one.
func TestTrackingReadsAndWritesInOrder(t *testing.T) {
	var replies [2][]string
	for i, srv := range []*cairntest.Server{cairntest.StartRedis(t), cairntest.StartCairn(t)} {
		c := cairntest.Dial(t, srv.Addr)
		c.Do("HELLO", "3")
		c.Do("CLIENT", "TRACKING", "ON")
		run := func(cmds ...[]string) {
			for _, cmd := range cmds {
				c.Send(cmd...)
			}
			for range cmds {
				replies[i] = append(replies[i], c.Read())
			}
			for {
				r, ok := c.ReadTimeout(150 * time.Millisecond)
				if !ok {
					break
				}
				replies[i] = append(replies[i], r)
			}
		}
		run([]string{"SET", "a", "1"}, []string{"GET", "a"})                            // a stays tracked
		run([]string{"GET", "b"}, []string{"SET", "b", "1"})                            // b invalidated
		run([]string{"SET", "c", "1"}, []string{"GET", "c"}, []string{"SET", "c", "2"}) // c invalidated
		run([]string{"MULTI"}, []string{"SET", "d", "1"}, []string{"GET", "d"}, []string{"EXEC"})
		run([]string{"MULTI"}, []string{"GET", "e"}, []string{"SET", "e", "1"}, []string{"GET", "e"}, []string{"EXEC"})
		cairntest.Dial(t, srv.Addr).Do("MSET", "a", "x", "d", "x", "e", "x") // one message each
		run()
	}
	if strings.Join(replies[0], "") != strings.Join(replies[1], "") {
		t.Errorf("replies and invalidations:\n redis: %q\n cairn: %q", replies[0], replies[1])
	}
}

// A written key loses every client's registration, even when no client
// tracks at that moment, so a client that turns tracking off and on again
// is not told of keys it read before; and a redirect client that went away
// is reported broken (TRACKINGINFO, a RESP3 push each time) only once an
// invalidation finds it gone.
func TestTrackingOffOnAndBrokenRedirect(t *testing.T) {
	var replies [2][]string
	for i, srv := range []*cairntest.Server{cairntest.StartRedis(t), cairntest.StartCairn(t)} {
		reader, writer := cairntest.Dial(t, srv.Addr), cairntest.Dial(t, srv.Addr)
		do := func(c *cairntest.Conn, args ...string) { replies[i] = append(replies[i], c.Do(args...)) }
		reader.Do("HELLO", "3") // its reply holds the connection's id
		do(reader, "CLIENT", "TRACKING", "ON")
		do(reader, "GET", "k")
		do(reader, "CLIENT", "TRACKING", "OFF")
		do(writer, "SET", "k", "1") // nobody tracks: k is forgotten all the same
		do(reader, "CLIENT", "TRACKING", "ON")
		do(writer, "SET", "k", "2")
		do(reader, "PING") // an invalidation of k would come first

		gone := cairntest.Dial(t, srv.Addr)
		id := gone.Do("CLIENT", "ID")[1:]
		id = id[:len(id)-2]
		do(reader, "CLIENT", "TRACKING", "ON", "REDIRECT", id)
		gone.Close()
		time.Sleep(100 * time.Millisecond)
		info := func() {
			replies[i] = append(replies[i], strings.ReplaceAll(reader.Do("CLIENT", "TRACKINGINFO"), ":"+id+"\r\n", ":<id>\r\n"))
		}
		info() // not broken yet
		for range 2 {
			do(reader, "GET", "k")
			do(writer, "SET", "k", "3")
			replies[i] = append(replies[i], strings.ReplaceAll(reader.Read(), ":"+id+"\r\n", ":<id>\r\n"))
			info()
		}
	}
	if strings.Join(replies[0], "") != strings.Join(replies[1], "") {
		t.Errorf("replies:\n redis: %q\n cairn: %q", replies[0], replies[1])
	}
}

// Over tracking-table-max-keys, keys leave the table at random and their
// readers get an invalidation, as if they had been written.
func TestTrackingTableMaxKeys(t *testing.T) {
	srv := cairntest.StartCairn(t)
	c := cairntest.Dial(t, srv.Addr)
	redir := cairntest.Dial(t, srv.Addr)
	id := strings.Trim(redir.Do("CLIENT", "ID"), ":\r\n")
	redir.Do("SUBSCRIBE", "__redis__:invalidate")
	c.Do("CLIENT", "TRACKING", "on", "REDIRECT", id)
	c.Do("MSET", "k1", "1", "k2", "2", "k3", "3")
	c.Do("MGET", "k1", "k2", "k3")
	if n := infoField(t, c, "stats", "tracking_total_keys"); n != 3 {
		t.Fatalf("tracking_total_keys %d, want 3", n)
	}
	c.Do("CONFIG", "SET", "tracking-table-max-keys", "1")
	gone := map[string]bool{}
	for len(gone) < 2 {
		msg, ok := redir.ReadTimeout(2 * time.Second)
		if !ok {
			t.Fatalf("invalidations so far %v, want two of k1 k2 k3", gone)
		}
		for _, k := range []string{"k1", "k2", "k3"} {
			if strings.Contains(msg, "$2\r\n"+k+"\r\n") {
				gone[k] = true
			}
		}
	}
	if n := infoField(t, c, "stats", "tracking_total_keys"); n != 1 {
		t.Errorf("tracking_total_keys %d, want 1", n)
	}
	// The key left in the table still gets its invalidation when written.
	for _, k := range []string{"k1", "k2", "k3"} {
		if !gone[k] {
			c.Do("SET", k, "x")
			if msg, ok := redir.ReadTimeout(2 * time.Second); !ok || !strings.Contains(msg, "$2\r\n"+k+"\r\n") {
				t.Errorf("write of the key still tracked: %q", msg)
			}
		}
	}
}
