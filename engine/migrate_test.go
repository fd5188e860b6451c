package engine_test

import (
	"net"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// MIGRATE from Cairn and from Redis to the same target Redis: the replies,
// what the target holds afterwards and what the source keeps must match.
// Each step runs against one source at a time, the target flushed between.
func TestMigrateDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	target := cairntest.StartRedis(t)
	tc := cairntest.Dial(t, target.Addr)
	host, port, _ := net.SplitHostPort(target.Addr)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closedPort, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	p := newPair(t, d)
	p.run(`set s v
		expire s 100
		rpush l a b c
		hset h f v
		zadd z 1 a 2 b
		sadd st x y
		set busy mine
		set c copied
		config set notify-keyspace-events KEA`)
	steps := []string{
		"migrate " + host + " " + port + " s 3 1000",
		"migrate " + host + " " + port + " l 0 1000",
		"migrate " + host + " " + port + ` "" 0 1000 keys h z nokey st`,
		"migrate " + host + " " + port + " nokey 0 1000",
		"migrate " + host + " " + port + " busy 0 1000",
		"migrate " + host + " " + port + " c 0 1000 copy",
		"migrate " + host + " " + port + " busy 0 1000 replace auth pw",
		"migrate " + host + " " + port + " busy 0 1000 copy replace",
		"migrate " + host + " " + port + " busy 0 1000 bogus",
		"migrate " + host + " " + port + " busy 0 1000 keys busy",
		"migrate " + host + " " + port + " busy x 1000",
		"migrate " + host + " " + port + " busy 0 x",
		"migrate " + host + " " + closedPort + " busy 0 1000",
	}
	targetState := func() string {
		var b strings.Builder
		for db := range 4 {
			tc.Do("SELECT", string(rune('0'+db)))
			for _, k := range []string{"s", "l", "h", "z", "st", "busy", "c"} {
				if k == "st" {
					// A hashtable set's DUMP order follows Redis's per-process
					// hash seed, so compare the members instead.
					b.WriteString(tc.Do("TYPE", k) + tc.Do("SORT", k, "ALPHA"))
				} else {
					b.WriteString(tc.Do("DUMP", k))
				}
				ttl := tc.Do("TTL", k)
				if ttl != ":-1\r\n" && ttl != ":-2\r\n" {
					ttl = "ttl>0"
				}
				b.WriteString(ttl)
			}
		}
		tc.Do("SELECT", "0")
		return b.String()
	}
	for _, step := range steps {
		args := splitLine(t, step)
		tc.Do("FLUSHALL")
		tc.Do("SET", "busy", "theirs")
		want := p.redis.Do(args...)
		wantTarget := targetState()
		tc.Do("FLUSHALL")
		tc.Do("SET", "busy", "theirs")
		got := p.cairn.Do(args...)
		gotTarget := targetState()
		if got != want {
			t.Errorf("%s:\n redis: %q\n cairn: %q", step, want, got)
		}
		if gotTarget != wantTarget {
			t.Errorf("%s: the target differs:\n after redis: %q\n after cairn: %q", step, wantTarget, gotTarget)
		}
	}
	p.run(`dbsize
		get busy
		get c`)
}
