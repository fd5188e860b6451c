package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Stream commands publish the keyspace events Redis publishes, in the same
// order, the "new" key event included.
func TestStreamKeyspaceEventsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEgtn")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	d.Run(`
		xadd s 1-0 a 1
		xadd s maxlen 1 2-0 a 1
		xadd s maxlen 5 3-0 a 1
		xadd s nomkstream 4-0 a 1
		xadd gone nomkstream 1-0 a 1
		xadd s 1-0 a 1
		xgroup create s2 g $ mkstream
		xgroup create s2 g $ mkstream
		xgroup createconsumer s2 g c
		xgroup createconsumer s2 g c
		xreadgroup group g c2 streams s2 >
		xadd s2 5-0 a b
		xreadgroup group g c3 streams s2 >
		xreadgroup group g c4 streams s2 0
		xclaim s2 g c5 0 5-0
		xclaim s2 g c6 0 9-0
		xautoclaim s2 g c7 0 0
		xack s2 g 5-0
		xgroup delconsumer s2 g c
		xgroup delconsumer s2 g nobody
		xgroup setid s2 g 0
		xgroup destroy s2 g
		xgroup destroy s2 g
		xsetid s2 10-0
		xdel s2 5-0
		xdel s2 5-0
		xtrim s2 maxlen 0
		xtrim s maxlen 0
		xtrim s maxlen 0
		xread streams s 0
		xread streams missing 0
		xlen missing
		xrange missing - +
		del s s2
	`)
	got, want := drain(subC), drain(subR)
	if len(want) < 30 {
		t.Fatalf("only %d notifications from Redis: the test is not exercising anything", len(want))
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
	// Key misses of reads.
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEm")
	d.Run(`
		xread streams missing 0
		xlen missing
		xrange missing - +
		xinfo stream missing
		xpending missing g
	`)
	time.Sleep(50 * time.Millisecond)
	got, want = drain(subC), drain(subR)
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("keymiss notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
}

// Group bookkeeping does not touch the key for WATCH, as in Redis; adding,
// deleting or trimming entries does.
func TestStreamWatchDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	other := newTwin(t, d, 2)
	d.Run(`
		xadd s 1-0 a 1
		xadd s 2-0 a 1
		xgroup create s g 0
	`)
	for _, cmd := range []string{
		"xreadgroup group g c count 1 streams s >",
		"xack s g 1-0",
		"xclaim s g c2 0 2-0 force",
		"xautoclaim s g c3 0 0",
		"xgroup createconsumer s g c4",
		"xgroup delconsumer s g c4",
		"xgroup setid s g 0",
		"xgroup create s g2 0",
		"xgroup destroy s g2",
		"xsetid s 5-0",
		"xadd s 6-0 a 1",
		"xdel s 6-0",
		"xtrim s maxlen 1",
		"xtrim s maxlen 1",
	} {
		d.Do("WATCH", "s")
		other.do(strings.Fields(cmd)...)
		d.Do("MULTI")
		d.Do("PING")
		if want, got := d.Redis.Do("EXEC"), d.Cairn.Do("EXEC"); got != want {
			t.Errorf("EXEC after %s by another client: redis %q, cairn %q", cmd, want, got)
		}
	}
}
