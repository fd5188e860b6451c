package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestZsetCappedDifferential drives the capped-set habits (a leaderboard
// kept to its top N by ZADD then ZREMRANGEBYRANK 0 -N-1, a sliding window
// trimmed by ZREMRANGEBYSCORE, a queue drained by ZPOPMIN) in pipelines,
// with reads from both ends between the writes, and compares every reply
// with Redis. Those ends are served from the runs and hints kept in memory
// (zsets_store.go), which every write near an end updates in place. It
// runs with the rank index in memory and in records.
func TestZsetCappedDifferential(t *testing.T) { withBothRankIndexes(t, zsetCappedDifferential) }

func zsetCappedDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	for seed := range 6 {
		r := rand.New(rand.NewPCG(uint64(seed), 0x7a636170))
		key := "board" + strconv.Itoa(seed)
		keep := []int{20, 100, 300}[seed%3] // listpack and skiplist sizes
		pick := func(s ...string) string { return s[r.IntN(len(s))] }
		score := func() string {
			switch r.IntN(12) {
			case 0:
				return pick("-inf", "+inf", "0", "-0")
			case 1, 2:
				return strconv.Itoa(r.IntN(5)) // ties
			case 3:
				return fmt.Sprintf("%.2f", r.Float64()*1000)
			}
			return strconv.Itoa(r.IntN(2000) - 200)
		}
		member := func() string { return "m" + strconv.Itoa(r.IntN(4*keep)) }
		var cmds [][]string
		for range 3000 {
			var c []string
			switch n := r.IntN(22); {
			case n < 6:
				c = []string{"ZADD", key, score(), member()}
				if r.IntN(4) == 0 {
					c = []string{"ZADD", key, pick("GT", "LT", "NX", "XX", "CH", "INCR"), score(), member()}
				}
			case n < 9:
				c = []string{"ZREMRANGEBYRANK", key, "0", strconv.Itoa(-keep - 1)}
			case n < 10:
				c = []string{"ZREMRANGEBYRANK", key, strconv.Itoa(keep), "-1"}
			case n < 11:
				c = []string{"ZREMRANGEBYSCORE", key, "-inf", "(" + score()}
			case n < 12:
				c = []string{"ZREM", key, member(), member()}
			case n < 13:
				c = []string{pick("ZPOPMIN", "ZPOPMAX"), key, strconv.Itoa(r.IntN(3))}
			case n < 16:
				c = []string{"ZRANGE", key, "0", strconv.Itoa(r.IntN(12)), "WITHSCORES"}
			case n < 18:
				c = []string{"ZREVRANGE", key, "0", strconv.Itoa(r.IntN(12)), "WITHSCORES"}
			case n < 19:
				c = []string{"ZRANGE", key, "0", "-1", "WITHSCORES"}
			case n < 20:
				c = []string{"ZCARD", key}
			case n < 21:
				c = []string{"ZRANGEBYSCORE", key, pick("-inf", "("+score(), score()), score(), "WITHSCORES", "LIMIT", "0", strconv.Itoa(r.IntN(90) - 10)}
			default:
				c = []string{"ZREVRANGEBYSCORE", key, pick("+inf", score()), pick("-inf", "("+score()), "WITHSCORES"}
			}
			cmds = append(cmds, c)
			if r.IntN(8) == 0 {
				cappedFlush(t, d, cmds)
				cmds = cmds[:0]
			}
		}
		cappedFlush(t, d, cmds)
		d.Do("ZRANGE", key, "0", "-1", "WITHSCORES")
	}
}

// TestStreamCappedDifferential does the same for streams kept to a length
// or an age (XADD with MAXLEN or MINID, exact and ~, XTRIM), with XDEL
// punching holes, on small nodes so that trims end inside nodes and remove
// whole ones; XINFO STREAM shows the first entry each trim leaves.
func TestStreamCappedDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	for seed := range 6 {
		r := rand.New(rand.NewPCG(uint64(seed), 0x73636170))
		key := "log" + strconv.Itoa(seed)
		d.Do("CONFIG", "SET", "stream-node-max-entries", strconv.Itoa(2+seed*3))
		keep := 10 + r.IntN(40)
		next := 1
		id := func(n int) string { return strconv.Itoa(n) + "-" + strconv.Itoa(n%3) }
		var cmds [][]string
		for range 1500 {
			var c []string
			switch n := r.IntN(16); {
			case n < 7:
				next += 1 + r.IntN(3)
				c = []string{"XADD", key}
				switch r.IntN(4) {
				case 0:
					c = append(c, "MAXLEN", strconv.Itoa(keep))
				case 1:
					c = append(c, "MAXLEN", "~", strconv.Itoa(keep))
				case 2:
					c = append(c, "MINID", id(max(0, next-2*keep)))
				}
				c = append(c, id(next), "f", strconv.Itoa(next))
			case n < 9:
				c = []string{"XDEL", key, id(next - r.IntN(3*keep)), id(next - r.IntN(3*keep))}
			case n < 10:
				c = []string{"XTRIM", key, "MAXLEN", strconv.Itoa(r.IntN(2 * keep))}
			case n < 11:
				c = []string{"XTRIM", key, "MINID", "~", id(next - r.IntN(2*keep))}
			case n < 13:
				c = []string{"XRANGE", key, "-", "+", "COUNT", strconv.Itoa(1 + r.IntN(5))}
			case n < 14:
				c = []string{"XREVRANGE", key, "+", "-", "COUNT", strconv.Itoa(1 + r.IntN(5))}
			case n < 15:
				c = []string{"XINFO", "STREAM", key}
			default:
				c = []string{"XLEN", key}
			}
			cmds = append(cmds, c)
			if r.IntN(8) == 0 {
				cappedFlush(t, d, cmds)
				cmds = cmds[:0]
			}
		}
		cappedFlush(t, d, cmds)
		d.Do("XRANGE", key, "-", "+")
	}
}

// cappedFlush sends cmds as one pipeline to both servers and compares the
// replies one by one.
func cappedFlush(t *testing.T, d *cairntest.Differ, cmds [][]string) {
	t.Helper()
	for _, c := range cmds {
		d.Redis.Send(c...)
		d.Cairn.Send(c...)
	}
	for _, c := range cmds {
		if want, got := d.Redis.Read(), d.Cairn.Read(); want != got {
			t.Fatalf("%q:\n redis: %q\n cairn: %q", c, want, got)
		}
	}
}
