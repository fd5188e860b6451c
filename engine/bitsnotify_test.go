package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Bit, HyperLogLog and SORT commands publish the keyspace events Redis
// publishes, in the same order, including none when nothing changed.
func TestBitsNotificationsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	d.Run(`
		setbit b 7 1
		setbit b 7 1
		setbit b 100 0
		bitfield b set u8 0 1
		bitfield b set u8 0 1
		bitfield f overflow fail incrby u2 0 8
		bitfield b get u8 0
		bitop or d b f
		bitop and d nokey
		bitop and d nokey
		setrange b 1 x
		append b y
		pfadd h a
		pfadd h a
		pfcount h
		pfmerge m h
		pfmerge m
		rpush l 2 1
		sort l store s
		sort nokey store s
		sort nokey store s
		sort l
	`)
	got, want := drain(subC), drain(subR)
	if len(want) < 20 {
		t.Fatalf("only %d notifications from Redis", len(want))
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
}

// A write that changes nothing (SETBIT to the same value, BITFIELD whose
// only write fails, PFADD of a known element) leaves WATCH alone in Redis;
// a real change, or PFCOUNT caching a new count, aborts the transaction.
func TestBitsWatchDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	otherC, otherR := cairntest.Dial(t, d.CairnServer.Addr), cairntest.Dial(t, d.RedisServer.Addr)
	for _, tc := range []struct{ setup, cmd string }{
		{"set w abc", "setbit w 0 0"},
		{"set w abc", "setbit w 1 0"},
		{"set w abc", "setbit w 100 0"},
		{"set w abc", "bitfield w set u8 0 97"},
		{"set w abc", "bitfield w set u8 0 98"},
		{"set w abc", "bitfield w set u8 100 0"},
		{"del w", "bitfield w overflow fail incrby u2 0 8"},
		{"del w", "bitfield w get u8 0"},
		{"pfadd w a", "pfadd w a"},
		{"pfadd w a", "pfadd w b"},
		{"pfadd w a", "pfcount w"},
		{"pfadd w a", "pfdebug todense w"},
		{"set w abc", "setrange w 0 a"},
		{"set w abc", "bitop and w w"},
	} {
		d.Run("del w\n" + tc.setup + "\nwatch w")
		args := strings.Fields(tc.cmd)
		if got, want := otherC.Do(args...), otherR.Do(args...); got != want {
			t.Errorf("%s: cairn %q, redis %q", tc.cmd, got, want)
		}
		d.Run("multi\nping\nexec")
	}
}
