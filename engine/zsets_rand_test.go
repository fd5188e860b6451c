package engine_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// fillZset gives key size members "m<i>" scoring i/4 and returns them.
func fillZset(t *testing.T, c *cairntest.Conn, key string, size int) map[string]string {
	t.Helper()
	members := map[string]string{}
	args := []string{"zadd", key}
	for i := range size {
		m, s := fmt.Sprintf("m%d", i), strconv.FormatFloat(float64(i)/4, 'g', -1, 64)
		members[m] = s
		args = append(args, s, m)
	}
	c.Do(args...)
	return members
}

// ZRANDMEMBER's replies are random: their shape is compared with Redis
// (errors, empty and single forms), their content checked by property.
func TestZsetRandMember(t *testing.T) {
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			zrandmember nokey
			zrandmember nokey 5
			zrandmember nokey -5 withscores
			zadd one 1.5 only
			zrandmember one
			zrandmember one 1
			zrandmember one -3 withscores
			zrandmember one 7 withscores
			zrandmember one 0
			zrandmember one x
			zrandmember one 1 foo
			zrandmember one 1 withscores foo
			zrandmember one -9223372036854775808
			zrandmember one -9223372036854775807 withscores
			zrandmember one 4611686018427387904 withscores
			zrandmember one 9223372036854775807
			set str x
			zrandmember str
			zrandmember str 0
		`)
		for _, size := range []int{10, 129, 3000} { // listpack, skiplist, indexed
			key := fmt.Sprintf("z%d", size)
			members := fillZset(t, d.Cairn, key, size)
			for _, count := range []int{1, 5, size / 2, size / 3 * 2, size, size + 5, -1, -7, -size * 2} {
				for _, withScores := range []bool{false, true} {
					args := []string{"zrandmember", key, strconv.Itoa(count)}
					if withScores {
						args = append(args, "withscores")
					}
					leaves := hsLeaves(t, d.Cairn.Do(args...))
					picked := leaves
					if withScores {
						picked = nil
						for i := 0; i+1 < len(leaves); i += 2 {
							if members[leaves[i]] != leaves[i+1] {
								t.Fatalf("%q: %s has score %s, ZADD gave %s", args, leaves[i], leaves[i+1], members[leaves[i]])
							}
							picked = append(picked, leaves[i])
						}
					}
					checkRandomPick(t, args, picked, members, count, size)
				}
			}
			if single := hsLeaves(t, d.Cairn.Do("zrandmember", key)); len(single) != 1 || members[single[0]] == "" {
				t.Errorf("zrandmember %s = %q", key, single)
			}
			checkSpread(t, "ZRANDMEMBER "+key, size, members, func(n int) []string {
				return hsLeaves(t, d.Cairn.Do("zrandmember", key, strconv.Itoa(-n)))
			})
			checkSpread(t, "ZRANDMEMBER distinct "+key, size, members, func(n int) []string {
				return hsLeaves(t, d.Cairn.Do("zrandmember", key, strconv.Itoa(n)))
			})
		}
	})
}

// ZSCAN: a listpack set comes whole in Redis's order (compared with
// Redis); a bigger one is walked by cursor and must yield every member
// once with its score, MATCH filtering, COUNT respected loosely.
func TestZsetScan(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		zadd small 1.1 a 100 b -0 c 1e20 d 12345678901234567890 e 0.1 f inf g 3e-5 h
		zscan small 0
		zscan small 0 match *a*
		zscan small 123 count 1
		zscan nokey 0
		zscan nokey 0 count 0
		zscan small 0 count 0
		zscan small x
		zscan small 0 match
		zscan small 0 novalues
		zscan small 0 type zset
		set str x
		zscan str 0
	`)
	c := d.Cairn
	members := fillZset(t, c, "big", 2500)
	c.Do("zadd", "big", "-0", "negzero")
	members["negzero"] = "-0"
	for _, opts := range [][]string{nil, {"count", "3"}, {"count", "1000"}, {"match", "m1*"}} {
		items, calls := hsFullScan(t, c, "zscan", "big", opts...)
		seen := map[string]bool{}
		for i := 0; i+1 < len(items); i += 2 {
			m, s := items[i], items[i+1]
			if seen[m] {
				t.Fatalf("zscan %q returned %s twice", opts, m)
			}
			seen[m] = true
			if members[m] != s {
				t.Fatalf("zscan %q: %s scored %s, want %s", opts, m, s, members[m])
			}
		}
		want := 0
		for m := range members {
			if len(opts) == 0 || opts[0] != "match" || (len(m) >= 2 && m[:2] == "m1") {
				want++
			}
		}
		if len(seen) != want {
			t.Errorf("zscan %q saw %d members, want %d", opts, len(seen), want)
		}
		if len(opts) == 2 && opts[1] == "3" && calls < 500 {
			t.Errorf("zscan count 3 took only %d calls", calls)
		}
	}
	if got := c.Do("zscan", "big", "99999999999"); got != "*2\r\n$1\r\n0\r\n*0\r\n" {
		t.Errorf("zscan past the last cursor: %q", got)
	}
}

// Members present for a whole ZSCAN are returned although the set changes
// between calls.
func TestZsetScanConcurrentWrites(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	stable := fillZset(t, c, "z", 1000)
	cursor, n := "0", 0
	seen := map[string]bool{}
	for {
		leaves := hsLeaves(t, c.Do("zscan", "z", cursor, "count", "20"))
		cursor = leaves[0]
		for i := 1; i < len(leaves); i += 2 {
			seen[leaves[i]] = true
		}
		c.Do("zadd", "z", strconv.Itoa(n), fmt.Sprintf("churn%d", n))
		c.Do("zrem", "z", fmt.Sprintf("churn%d", n-3))
		n++
		if cursor == "0" {
			break
		}
	}
	for m := range stable {
		if !seen[m] {
			t.Fatalf("zscan missed %s", m)
		}
	}
}
