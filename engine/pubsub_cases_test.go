package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestPubSubOrderCasesDifferential checks, on paired clients, the order in
// which a write's replies, keyspace notifications, invalidations and
// published messages reach every client: exactly Redis's, byte for byte,
// without the normalizations of TestPubSubRandomDifferential.
func TestPubSubOrderCasesDifferential(t *testing.T) {
	debug := []string{"--enable-debug-command", "yes"} // DEBUG SET-ACTIVE-EXPIRE
	srv := [2]*cairntest.Server{cairntest.StartRedis(t, debug...), cairntest.StartCairn(t, debug...)}
	admin := [2]*cairntest.Conn{cairntest.Dial(t, srv[0].Addr), cairntest.Dial(t, srv[1].Addr)}
	type step struct {
		client int
		cmds   string // commands separated by ";", "@id:N" is client N's id; "" waits
	}
	for _, c := range []struct {
		name  string
		flags string // notify-keyspace-events
		steps []step
	}{
		// Redis invalidates a key as the command signals it written,
		// after the "new" of its creation, before the command's own
		// event.
		{"new-invalidate-set", "KEA$n", []step{{0, "HELLO 3; CLIENT TRACKING ON; PSUBSCRIBE __key*__:*"},
			{0, "MGET k1 k2"}, {1, "SET k1 v"}, {0, "GET k1"}, {1, "APPEND k1 x"}}},
		{"rename", "KEAn", []step{{0, "HELLO 3; CLIENT TRACKING ON; PSUBSCRIBE __keyevent@0__:*"},
			{1, "SET k1 v; SET k2 w"}, {0, "MGET k1 k2"}, {1, "RENAME k1 k2"}}},
		{"mset", "KEAn", []step{{0, "HELLO 3; CLIENT TRACKING ON; PSUBSCRIBE __keyevent@0__:*"},
			{1, "SET k2 w"}, {0, "MGET k1 k2"}, {1, "MSET k1 a k2 b"}}},
		// The same when the command's own event is not wanted.
		{"new-only", "Kn", []step{{0, "HELLO 3; CLIENT TRACKING ON; PSUBSCRIBE __key*__:*"},
			{0, "MGET k1 k2"}, {1, "MSET k1 a k2 b"}}},
		// BCAST invalidations go last, after the writer's reply.
		{"bcast-last", "KEAn", []step{{0, "HELLO 3; CLIENT TRACKING ON BCAST; PSUBSCRIBE __keyevent@0__:*"},
			{1, "LPUSH l a"}, {0, "SET k1 v"}}},
		{"bcast-redirect-to-writer", "KEA", []step{{0, "HELLO 3; PSUBSCRIBE __keyevent@0__:*"},
			{1, "CLIENT TRACKING ON BCAST REDIRECT @id:0"}, {0, "SET k1 v"}}},
		// Another client's invalidation redirected to the writer comes
		// where the command wrote the key: between "new" and "set".
		{"redirect-to-writer", "KEA$n", []step{{0, "HELLO 3; PSUBSCRIBE __keyevent@0__:*"},
			{1, "CLIENT TRACKING ON REDIRECT @id:0"}, {1, "GET k1"}, {0, "SET k1 v"},
			{1, "GET k1"}, {0, "MULTI; SET k1 w; GET k1; EXEC"}}},
		// EXEC's notifications go out as its commands run: before the
		// message of a PUBLISH after them.
		{"exec-publish", "KE$", []step{{1, "SUBSCRIBE ch1; PSUBSCRIBE __keyevent@0__:*"},
			{0, "MULTI; SET k1 v; PUBLISH ch1 m; SET k2 v; EXEC"}}},
		{"exec-publish-tracking", "KE$", []step{{1, "HELLO 3; SUBSCRIBE ch1; CLIENT TRACKING ON"}, {1, "MGET k1 k2"},
			{0, "MULTI; PUBLISH ch1 m1; SET k1 v; PUBLISH ch1 m2; SET k2 v; EXEC"}}},
		// Pushes to a client itself go where the command raises them,
		// in the middle of its reply too.
		{"keymiss-in-mget", "KEAm", []step{{0, "HELLO 3; PSUBSCRIBE __keyevent@0__:*"},
			{0, "SET k1 v"}, {0, "MGET k1 nokey k1 nokey2"}, {0, "MGET nokey k1; PING"}}},
		{"exec-resp3", "KEAm", []step{{0, "HELLO 3"},
			{0, "MULTI; SUBSCRIBE ch1; PSUBSCRIBE __keyevent@0__:*; PUBLISH ch1 hi; SET k1 x; MGET k1 nokey; EXEC"}}},
		{"exec-resp2", "KEAm", []step{
			{0, "MULTI; SUBSCRIBE ch1; PSUBSCRIBE __keyevent@0__:*; PUBLISH ch1 hi; SET k1 x; PING; EXEC"}}},
		{"exec-reply-off", "KEAm", []step{{0, "HELLO 3; PSUBSCRIBE __keyevent@0__:*; SET k1 v"},
			{0, "MULTI; MGET k1 nokey; CLIENT REPLY OFF; MGET nokey3 k1; EXEC; CLIENT REPLY ON"}}},
		// A script's read-only command has its caller track the keys the
		// script declared, not those read; EVAL_RO itself tracks nothing.
		{"tracking-script-keys", "", []step{{0, "HELLO 3; CLIENT TRACKING ON"},
			{0, "EVAL redis.call('set','key3','bar') 2 key1 key2"}, {1, "MSET key2 1 key1 1"},
			{0, "EVAL redis.call('get','key3') 2 key1 key2"}, {1, "MSET key2 2 key1 2 key3 x"},
			{0, "EVAL_RO redis.call('ping') 2 key1 key2"}, {1, "MSET key2 3 key1 3"},
			{0, "EVAL_RO redis.call('get','key1') 2 key1 key2"}, {1, "MSET key2 4 key1 4"}}},
		// The flushing client's own "everything" invalidation follows its
		// reply (EXEC's too); others get theirs at once.
		{"tracking-flush-own-after-reply", "", []step{{0, "HELLO 3; CLIENT TRACKING ON; SET a 1; GET a"},
			{1, "HELLO 3; CLIENT TRACKING ON; GET a"}, {0, "MULTI; FLUSHDB; EXEC"},
			{0, "SET b 1; GET b"}, {0, "FLUSHALL"}}},
		// CLIENT REPLY OFF and SKIP silence replies, not pushes: pub/sub
		// confirmations (in RESP2 too) and DEBUG PROTOCOL PUSH's.
		{"reply-off-subscribe-resp3", "", []step{{0, "HELLO 3; CLIENT REPLY OFF; SUBSCRIBE ch1; PSUBSCRIBE ch*; CLIENT REPLY ON"},
			{1, "PUBLISH ch1 m"}, {0, "CLIENT REPLY OFF; UNSUBSCRIBE ch1; PUNSUBSCRIBE; UNSUBSCRIBE; CLIENT REPLY ON"},
			{0, "CLIENT REPLY OFF; DEBUG PROTOCOL PUSH; CLIENT REPLY ON"}}},
		{"reply-skip-subscribe-resp2", "", []step{{0, "CLIENT REPLY SKIP; SUBSCRIBE ch1 ch2"}, {1, "PUBLISH ch2 m"},
			{0, "UNSUBSCRIBE ch2 ch1"}, {0, "CLIENT REPLY SKIP; PSUBSCRIBE p*; PUNSUBSCRIBE p*"}}},
		{"reply-off-subscribe-exec", "", []step{{0, "HELLO 3; CLIENT REPLY OFF; MULTI; SUBSCRIBE ch1; PING; EXEC; CLIENT REPLY ON"},
			{1, "PUBLISH ch1 m"}, {0, "CLIENT REPLY OFF; MULTI; PING; UNSUBSCRIBE ch1; EXEC; CLIENT REPLY ON"}}},
		// A key found expired is notified, then invalidated at once.
		// (Last: active expiry stays off.)
		{"lazy-expiry", "KEAn", []step{{1, "DEBUG SET-ACTIVE-EXPIRE 0"},
			{0, "HELLO 3; CLIENT TRACKING ON; PSUBSCRIBE __keyevent@0__:*"},
			{1, "SET k1 v PX 200; SET k2 v PX 200"}, {0, "MGET k1 k2"}, {0, ""}, {1, "SET k1 w"}, {1, "GET k2"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for s := range 2 {
				admin[s].Do("FLUSHALL")
				admin[s].Do("CONFIG", "SET", "notify-keyspace-events", c.flags)
			}
			var conns [3][2]*cairntest.Conn
			var ids [3][2]string
			for i := range conns {
				for s := range 2 {
					conns[i][s] = cairntest.Dial(t, srv[s].Addr)
					defer conns[i][s].Close()
					ids[i][s] = strings.TrimSpace(strings.TrimPrefix(conns[i][s].Do("CLIENT", "ID"), ":"))
				}
			}
			tok := 0
			// sync collects what a client received up to a PING's answer.
			sync := func(i, s int) []string {
				tok++
				token := fmt.Sprintf("sync-%d", tok)
				conns[i][s].Send("PING", token)
				var got []string
				for {
					rep, ok := conns[i][s].ReadTimeout(10 * time.Second)
					if !ok {
						return append(got, "<no reply>")
					}
					if psIsToken(rep, token) {
						return got
					}
					got = append(got, rep)
				}
			}
			for n, st := range c.steps {
				if st.cmds == "" {
					time.Sleep(300 * time.Millisecond)
					continue
				}
				for s := range 2 {
					for _, cmd := range strings.Split(st.cmds, ";") {
						args := strings.Fields(cmd)
						for j, a := range args {
							if strings.HasPrefix(a, "@id:") {
								args[j] = ids[a[4]-'0'][s]
							}
						}
						conns[st.client][s].Send(args...)
					}
				}
				// The writer first, twice: Redis sends BCAST invalidations
				// at the end of the event-loop pass, maybe after the first
				// PING's answer.
				var got [3][2]string
				for s := range 2 {
					got[st.client][s] = strings.Join(append(sync(st.client, s), sync(st.client, s)...), "")
				}
				for i := range conns {
					for s := range 2 {
						if i != st.client {
							got[i][s] = strings.Join(sync(i, s), "")
						}
					}
				}
				for i := range conns {
					for s := range 2 { // HELLO's client id
						got[i][s] = psHelloID.ReplaceAllString(got[i][s], "<id>")
					}
					if got[i][0] != got[i][1] {
						t.Errorf("step %d (client %d: %s), client %d:\n redis: %q\n cairn: %q", n, st.client, st.cmds, i, got[i][0], got[i][1])
					}
				}
			}
		})
	}
}
