package engine_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Random sequences of stream commands, with explicit IDs and no reliance on
// the clock, give the same replies on Cairn and Redis: node boundaries,
// trimming, deletion, groups, pending entries and lag included.
func TestStreamRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(7, 11))
	keys := []string{"s1", "s2"}
	groups := []string{"g1", "g2"}
	consumers := []string{"alice", "bob", "carol"}
	nextMs := map[string]int{}
	id := func(key string) string {
		// An ID near the stream's recent ones, sometimes below them.
		return strconv.Itoa(max(nextMs[key]-r.IntN(5), 0)) + "-" + strconv.Itoa(r.IntN(3))
	}
	value := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(100000) - 50000)
		case 1:
			return strings.Repeat("v", r.IntN(300))
		}
		return "x" + strconv.Itoa(r.IntN(10))
	}
	fieldsOf := func() []string {
		names := [][]string{{"a"}, {"a", "b"}, {"temp", "hum", "loc"}, {"a", "c"}}[r.IntN(4)]
		var out []string
		for _, n := range names {
			out = append(out, n, value())
		}
		return out
	}
	trimArgs := func(key string) []string {
		var out []string
		if r.IntN(2) == 0 {
			out = append(out, "MAXLEN")
		} else {
			out = append(out, "MINID")
		}
		approx := r.IntN(2) == 0
		if approx {
			out = append(out, "~")
		} else if r.IntN(2) == 0 {
			out = append(out, "=")
		}
		if out[0] == "MAXLEN" {
			out = append(out, strconv.Itoa(r.IntN(400)))
		} else {
			out = append(out, strconv.Itoa(max(nextMs[key]-r.IntN(300), 0)))
		}
		if approx && r.IntN(3) == 0 {
			out = append(out, "LIMIT", strconv.Itoa(r.IntN(250)))
		}
		return out
	}
	do := func(args ...string) { d.Do(args...) }
	masked := func(args ...string) {
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if maskTimes(want) != maskTimes(got) {
			t.Errorf("%q (clock masked):\n redis: %q\n cairn: %q", args, want, got)
		}
	}
	for step := 0; step < 3000 && !t.Failed(); step++ {
		key := keys[r.IntN(len(keys))]
		g := groups[r.IntN(len(groups))]
		c := consumers[r.IntN(len(consumers))]
		switch op := r.IntN(100); {
		case op < 45:
			nextMs[key] += r.IntN(3)
			args := []string{"XADD", key}
			if r.IntN(5) == 0 {
				args = append(args, trimArgs(key)...)
			}
			if r.IntN(4) == 0 {
				args = append(args, strconv.Itoa(nextMs[key])+"-*")
			} else {
				args = append(args, id(key))
			}
			do(append(args, fieldsOf()...)...)
		case op < 52:
			do("XDEL", key, id(key), id(key))
		case op < 55:
			do(append([]string{"XTRIM", key}, trimArgs(key)...)...)
		case op < 60:
			do("XRANGE", key, id(key), "+", "COUNT", strconv.Itoa(r.IntN(5)))
			do("XREVRANGE", key, "+", "("+id(key), "COUNT", strconv.Itoa(r.IntN(5)))
		case op < 62:
			do("XGROUP", "CREATE", key, g, []string{"0", "$", id(key)}[r.IntN(3)], "MKSTREAM")
		case op < 63:
			do("XGROUP", "SETID", key, g, id(key))
		case op < 75:
			args := []string{"XREADGROUP", "GROUP", g, c, "COUNT", strconv.Itoa(r.IntN(4) + 1)}
			if r.IntN(5) == 0 {
				args = append(args, "NOACK")
			}
			pos := ">"
			if r.IntN(4) == 0 {
				pos = "0"
			}
			do(append(args, "STREAMS", key, pos)...)
		case op < 80:
			do("XACK", key, g, id(key), id(key))
		case op < 83:
			do("XCLAIM", key, g, c, "0", id(key), id(key), []string{"JUSTID", "FORCE", "RETRYCOUNT", "IDLE"}[r.IntN(4)], "3")
		case op < 85:
			do("XAUTOCLAIM", key, g, c, "0", id(key), "COUNT", strconv.Itoa(r.IntN(5)+1))
		case op < 87:
			masked("XPENDING", key, g, "-", "+", "20")
			masked("XPENDING", key, g, "-", "+", "20", c)
		case op < 89:
			masked("XPENDING", key, g)
		case op < 93:
			do("XINFO", "STREAM", key)
			do("XINFO", "GROUPS", key)
		case op < 94:
			masked("XINFO", "STREAM", key, "FULL", "COUNT", "0")
		case op < 95:
			do("XSETID", key, strconv.Itoa(nextMs[key]+r.IntN(3))+"-5")
		case op < 96:
			do("XGROUP", "DELCONSUMER", key, g, c)
		case op < 97:
			do("CONFIG", "SET", "stream-node-max-entries", strconv.Itoa([]int{0, 3, 10, 100}[r.IntN(4)]))
		case op < 98:
			do("CONFIG", "SET", "stream-node-max-bytes", strconv.Itoa([]int{0, 200, 1000, 4096}[r.IntN(4)]))
		default:
			do("XLEN", key)
		}
	}
	for _, key := range keys {
		d.Do("XRANGE", key, "-", "+")
		d.Do("XINFO", "STREAM", key)
		masked("XINFO", "STREAM", key, "FULL", "COUNT", "0")
	}
}
