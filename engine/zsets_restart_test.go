package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestZsetRestart writes sorted and geo sets, kills the server with
// SIGKILL (appendfsync always: every acknowledged write is durable), and
// checks that scores, ranks, ranges, encodings and TTLs come back.
func TestZsetRestart(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	c := cairntest.Dial(t, p.Addr)
	var pairs []string
	for i := range 3000 {
		pairs = append(pairs, fmt.Sprint(i%700), fmt.Sprintf("member:%05d", i))
	}
	c.Do(append([]string{"zadd", "big"}, pairs...)...)
	c.Do("zrem", "big", "member:00007", "member:02999")
	c.Do("zincrby", "big", "0.5", "member:00100")
	c.Do("zadd", "small", "-0", "negzero", "1.1", "a", "inf", "top")
	c.Do("config", "set", "zset-max-listpack-entries", "0")
	c.Do("zadd", "skip", "-0", "negzero", "2", "b")
	c.Do("geoadd", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
	c.Do("zadd", "ttl", "1", "a")
	c.Do("expire", "ttl", "1000")
	checks := [][]string{
		{"zcard", "big"},
		{"zrank", "big", "member:01500"},
		{"zrevrank", "big", "member:00100"},
		{"zscore", "big", "member:00100"},
		{"zrange", "big", "1000", "1010", "withscores"},
		{"zrange", "big", "(300", "400", "byscore", "limit", "50", "5"},
		{"zcount", "big", "100", "(200"},
		{"object", "encoding", "big"},
		{"zrange", "small", "0", "-1", "withscores"},
		{"object", "encoding", "small"},
		{"zrange", "skip", "0", "-1", "withscores"},
		{"object", "encoding", "skip"},
		{"geopos", "geo", "Palermo", "Catania"},
		{"geodist", "geo", "Palermo", "Catania", "km"},
		{"ttl", "ttl"},
	}
	before := make([]string, len(checks))
	for i, cmd := range checks {
		before[i] = c.Do(cmd...)
	}
	p.Kill()

	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	for i, cmd := range checks {
		if got := c.Do(cmd...); got != before[i] {
			t.Errorf("%s after kill -9: %q, before %q", strings.Join(cmd, " "), got, before[i])
		}
	}
	// The rank index (the records' order, rebuilt in memory for a set
	// this size) keeps answering as writes go on.
	c.Do("zadd", "big", "-1", "first")
	if got := c.Do("zrank", "big", "member:01500"); got == before[1] {
		t.Errorf("zrank did not move after a lower member was added: %q", got)
	}
	if got := c.Do("zrange", "big", "0", "0"); got != "*1\r\n$5\r\nfirst\r\n" {
		t.Errorf("zrange 0 0: %q", got)
	}
	p.Terminate(t)

	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	if got := c.Do("zrank", "big", "first"); got != ":0\r\n" {
		t.Errorf("zrank after a clean restart: %q", got)
	}
}
