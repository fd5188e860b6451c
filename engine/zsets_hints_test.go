package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestZsetPopHints pops a sorted set from both ends (which teaches the
// store where its live records start and end) while adding members beyond
// those ends, inside and outside transactions, comparing with Redis.
func TestZsetPopHints(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(7, 11))
	var script strings.Builder
	add := func(format string, a ...any) { fmt.Fprintf(&script, format+"\n", a...) }
	for i := 0; i < 3000; i += 100 {
		var pairs []string
		for j := i; j < i+100; j++ {
			pairs = append(pairs, fmt.Sprint(j%7), fmt.Sprintf("m%05d", j))
		}
		add("zadd z %s", strings.Join(pairs, " "))
	}
	for range 1500 {
		switch r.IntN(9) {
		case 0, 1:
			add("zpopmin z %d", 1+r.IntN(3))
		case 2, 3:
			add("zpopmax z")
		case 4:
			add("zadd z %d n%05d", r.IntN(9)-1, r.IntN(5000))
		case 5:
			add("multi")
			add("zpopmin z")
			add("zadd z -5 low%d", r.IntN(100))
			add("zpopmax z 2")
			add("zadd z 50 high%d", r.IntN(100))
			add("zrange z 0 2 withscores")
			add("exec")
		case 6:
			add("zrange z 0 3 withscores")
			add("zrange z -3 -1 withscores")
		case 7:
			add("zrank z m%05d", r.IntN(3000))
			add("zcard z")
		case 8:
			add("zrangebyscore z -inf +inf limit 0 2")
			add("zrevrangebyscore z +inf -inf limit 0 2")
		}
	}
	add("zrange z 0 -1 withscores")
	d.Run(script.String())
}
