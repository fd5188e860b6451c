package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/engine"
)

// TestZsetRandomDifferential drives sets big enough to be skiplists with a
// rank index through random writes and reads, comparing every reply with
// Redis: once with the index in memory (sets this size), once with it in
// records of several levels.
func TestZsetRandomDifferential(t *testing.T) { withBothRankIndexes(t, zsetRandomDifferential) }

// withBothRankIndexes runs test with sorted sets' rank index in memory,
// then in records.
func withBothRankIndexes(t *testing.T, test func(*testing.T)) {
	t.Run("memory index", test)
	t.Run("persisted index", func(t *testing.T) {
		defer engine.SetZsetPersistMin(engine.SetZsetPersistMin(0))
		test(t)
	})
}

func zsetRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(3, 5))
	member := func() string { return fmt.Sprintf("m%04d", r.IntN(1500)) }
	score := func() string {
		switch r.IntN(6) {
		case 0:
			return fmt.Sprint(r.IntN(20)) // many ties
		case 1:
			return fmt.Sprintf("%.3f", r.Float64()*100-50)
		case 2:
			return fmt.Sprintf("%g", r.NormFloat64()*1e6)
		}
		return fmt.Sprint(r.IntN(1000) - 500)
	}
	bound := func() string {
		b := score()
		if r.IntN(3) == 0 {
			b = "(" + b
		}
		switch r.IntN(10) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		}
		return b
	}
	lexBound := func() string {
		switch r.IntN(8) {
		case 0:
			return "-"
		case 1:
			return "+"
		}
		return []string{"[", "("}[r.IntN(2)] + member()
	}
	var script strings.Builder
	add := func(format string, a ...any) { fmt.Fprintf(&script, format+"\n", a...) }
	for range 4 {
		var pairs []string
		for range 400 {
			pairs = append(pairs, score(), member())
		}
		add("zadd z %s", strings.Join(pairs, " "))
	}
	for range 300 {
		add("zadd lex 0 %s", member())
	}
	for range 2500 {
		switch r.IntN(22) {
		case 0:
			opts := []string{"", "nx", "xx", "gt", "lt", "ch", "xx ch", "gt ch"}[r.IntN(8)]
			add("zadd z %s %s %s %s %s", opts, score(), member(), score(), member())
		case 1:
			add("zincrby z %s %s", score(), member())
		case 2:
			add("zrem z %s %s", member(), member())
		case 3:
			add("zrank z %s", member())
		case 4:
			add("zrevrank z %s", member())
		case 5:
			s := r.IntN(1400) - 700
			add("zrange z %d %d withscores", s, s+r.IntN(30))
		case 6:
			s := r.IntN(1400) - 700
			add("zrevrange z %d %d", s, s+r.IntN(30))
		case 7:
			add("zrangebyscore z %s %s withscores limit %d %d", bound(), bound(), r.IntN(600), r.IntN(20))
		case 8:
			add("zrevrangebyscore z %s %s limit %d %d", bound(), bound(), r.IntN(600), r.IntN(20))
		case 9:
			add("zcount z %s %s", bound(), bound())
		case 10:
			add("zmscore z %s %s %s", member(), member(), member())
		case 11:
			s := r.IntN(1000)
			add("zremrangebyrank z %d %d", s, s+r.IntN(5))
		case 12:
			add("zpopmin z %d", r.IntN(4))
		case 13:
			add("zpopmax z %d", r.IntN(4))
		case 14:
			add("zrangebylex lex %s %s limit %d %d", lexBound(), lexBound(), r.IntN(200), r.IntN(20))
		case 15:
			add("zrevrangebylex lex %s %s", lexBound(), lexBound())
		case 16:
			add("zlexcount lex %s %s", lexBound(), lexBound())
		case 17:
			add("zrank lex %s", member())
		case 18:
			add("zremrangebyscore z %s %s", bound(), bound())
		case 19:
			add("zremrangebylex lex %s %s", lexBound(), lexBound())
			add("zadd lex 0 %s 0 %s 0 %s", member(), member(), member())
		case 20:
			add("zrange z %s %s byscore rev limit %d %d withscores", bound(), bound(), r.IntN(100), r.IntN(10)-1)
		case 21:
			add("zcard z")
			add("object encoding z")
		}
	}
	add("zrange z 0 -1 withscores")
	add("zrange lex 0 -1")
	// A copy has its own records and index.
	add("copy z zc")
	add("zadd zc -1000 first 1e9 last")
	for range 50 {
		add("zrank zc %s", member())
		add("zrank z %s", member())
		s := r.IntN(1200)
		add("zrange zc %d %d withscores", s, s+3)
	}
	add("zrange zc 0 -1 withscores")
	d.Run(script.String())
}
