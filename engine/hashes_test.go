package engine_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Small hashes are listpacks in Redis, whose order (insertion order) is
// what clients see: these replies are compared byte for byte, in order.
func TestHashesDifferential(t *testing.T) {
	long := strings.Repeat("x", 65)
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			set str x
			hset h a
			hset h a 1 b
			hmset h a 1 b
			hset h z 26 a 1 m 13
			hset h a 2 b 2 a 3
			hgetall h
			hkeys h
			hvals h
			hlen h
			hmset h n 5 "" empty
			hget h ""
			hget h n
			hget h nope
			hget nokey a
			hget str a
			hmget h a zz n ""
			hmget nokey a b
			hmget str a
			hexists h a
			hexists h zz
			hexists nokey a
			hexists str a
			hstrlen h a
			hstrlen h ""
			hstrlen h nope
			hstrlen nokey a
			hstrlen str a
			hlen nokey
			hlen str
			hgetall nokey
			hkeys nokey
			hvals nokey
			hgetall str
			hkeys str
			hvals str
			hsetnx h a other
			hsetnx h new v
			hsetnx fresh f v
			hsetnx str f v
			hgetall h
			hgetall fresh
			hdel h a zz a
			hdel h nope
			hdel nokey a
			hdel str a
			hgetall h
			hset h a again
			hkeys h
			hdel fresh f
			exists fresh
			hset str f v
			hmset str f v
			hincrby h n 10
			hincrby h n -20
			hincrby h n x
			hincrby h n 1.5
			hincrby h fresh 7
			hincrby h a 1
			hincrby nokey2 f 3
			hincrby str f 1
			hset h max 9223372036854775807 min -9223372036854775808 sp " 1" lead 01
			hincrby h max 1
			hincrby h min -1
			hincrby h max -9223372036854775808
			hincrby h sp 1
			hincrby h lead 1
			hincrbyfloat h f 1.5
			hincrbyfloat h f 1.5e3
			hincrbyfloat h f -0.1
			hincrbyfloat h f abc
			hincrbyfloat h f inf
			hincrbyfloat h f -inf
			hincrbyfloat h f nan
			hincrbyfloat h f ""
			hincrbyfloat h a 1
			hincrbyfloat h n 0.1
			hincrbyfloat str f 1
			hincrbyfloat str f inf
			hset h big 1e4932 tiny 0.1
			hincrbyfloat h big 1e4932
			hincrbyfloat h tiny 0.2
			hincrbyfloat h sp 1
			hincrbyfloat h int 5.0e3
			hgetall h
			hlen h
			object encoding h
			hrandfield h 0
			hrandfield h 0 withvalues
			hrandfield h 100
			hrandfield h 100 withvalues
			hrandfield h 1 withvalue
			hrandfield h x
			hrandfield h x withvalues
			hrandfield h 1 withvalues extra
			hrandfield h -9223372036854775808
			hrandfield h -4611686018427387904 withvalues
			hrandfield h 4611686018427387904 withvalues
			hrandfield nokey
			hrandfield nokey 3
			hrandfield nokey 0 withvalues
			hrandfield nokey x
			hrandfield str
			hrandfield str 1
			hrandfield str x
			hscan h 0
			hscan h 12345 count 1
			hscan h 0 match m*
			hscan h 0 match *a* count 1000
			hscan h -1
			hscan h x
			hscan h 18446744073709551616
			hscan h 0 count 0
			hscan h 0 count -1
			hscan h 0 type string
			hscan h 0 match
			hscan h 0 novalues
			hscan nokey 0
			hscan nokey 0 count 0
			hscan nokey x
			hscan str 0
			hscan str x
			hscan str 0 count 0
			hset e "" ""
			hgetall e
			hstrlen e ""
			hdel e ""
			exists e
		`)
		// Encoding conversions, and what they do to the order clients see.
		d.Run(fmt.Sprintf(`
			hset lp a 1
			object encoding lp
			hsetnx lp a %[1]s
			object encoding lp
			hsetnx lp %[1]s 1
			object encoding lp
			hset byval a %[1]s
			object encoding byval
			hset byfield %[1]s 1
			hdel byfield %[1]s
			hset byfield a 1
			object encoding byfield
			hset incr a 1
			hincrby incr %[1]s 1
			object encoding incr
			hset incrf a 1
			hincrbyfloat incrf %[1]s 1
			object encoding incrf
			hset fval a 1
			hincrbyfloat fval a 1e100
			object encoding fval
			hget fval a
			hset mixed a 1 %[1]s x b 2
			object encoding mixed
			config set hash-max-listpack-entries 3
			hset few a 1 b 2 c 3
			object encoding few
			hgetall few
			hset few d 4
			object encoding few
			hdel few a b c
			object encoding few
			hset few2 a 1 b 2 c 3 d 4
			object encoding few2
			config set hash-max-listpack-entries 512
			config set hash-max-listpack-value 2
			hset short ab cd
			object encoding short
			hset short abc d
			object encoding short
			hset short2 a 1
			hincrby short2 a 100
			object encoding short2
			config set hash-max-listpack-value 64
			object encoding nokey
		`, long))
		// TTLs: every hash write keeps the key's TTL.
		d.Run(`
			hset t a 1 b 2
			expire t 100
			hset t c 3
			ttl t
			hsetnx t d 4
			hincrby t a 1
			hincrbyfloat t b 1
			hdel t a
			ttl t
			hmset t e 5
			ttl t
			hdel t b c d e
			exists t
			ttl t
			hset gone a 1
			pexpire gone 1
		`)
		time.Sleep(20 * time.Millisecond)
		d.Run(`
			hget gone a
			exists gone
		`)
	})
}

// A hash bigger than hash-max-listpack-entries is a hashtable, whose order
// Redis does not define: replies are compared as sets of fields or pairs.
func TestHashesHashtableDifferential(t *testing.T) {
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(hsCommand("hset big", 600, func(i int) string { return fmt.Sprintf("f%d v%d", i, i) }))
		d.Run(`
			object encoding big
			hlen big
			hget big f0
			hget big f599
			hget big f600
			hmget big f1 f2 nope f3
			hexists big f42
			hstrlen big f123
			hincrby big f5 1
			hincrby big counter 5
			hincrbyfloat big fl 2.5
			hsetnx big f7 x
			hsetnx big n7 x
			hdel big f0 f1 nope
			hlen big
			hrandfield big 0
		`)
		hsSameUnordered(t, d, false, "HKEYS", "big")
		hsSameUnordered(t, d, false, "HVALS", "big")
		hsSameUnordered(t, d, true, "HGETALL", "big")
		hsSameUnordered(t, d, true, "HRANDFIELD", "big", "1000", "WITHVALUES")
		for _, opts := range [][]string{nil, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "f1*"}, {"MATCH", "*9", "COUNT", "3"}} {
			want, _ := hsFullScan(t, d.Redis, "HSCAN", "big", opts...)
			got, calls := hsFullScan(t, d.Cairn, "HSCAN", "big", opts...)
			if !slices.Equal(hsPairs(want), hsPairs(got)) {
				t.Errorf("HSCAN big %q: redis %d items, cairn %d", opts, len(want), len(got))
			}
			if len(opts) == 0 && calls < 20 {
				t.Errorf("HSCAN of 600 fields with COUNT 10 took %d calls: not incremental", calls)
			}
		}
		// A hashtable stays one however small it gets.
		d.Run(hsCommand("hdel big", 600, func(i int) string { return fmt.Sprintf("f%d", i) }))
		d.Run(`
			hlen big
			object encoding big
		`)
		hsSameUnordered(t, d, true, "HGETALL", "big")
		want, _ := hsFullScan(t, d.Redis, "HSCAN", "big")
		got, _ := hsFullScan(t, d.Cairn, "HSCAN", "big")
		if !slices.Equal(hsPairs(want), hsPairs(got)) {
			t.Errorf("HSCAN of the shrunk hashtable:\n redis: %q\n cairn: %q", want, got)
		}
	})
}

// HRANDFIELD's replies are random: they are checked for their properties
// on a hash small enough to be sampled exactly and on bigger ones, sampled
// by random seeks or by one pass over the whole hash.
func TestHashRandomFields(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	for _, size := range []int{5, 700, 3000} {
		key := "h" + strconv.Itoa(size)
		fields := map[string]string{}
		for i := 0; i < size; i += 500 {
			args := []string{"HSET", key}
			for j := i; j < min(i+500, size); j++ {
				f := "field:" + strconv.Itoa(j)
				fields[f] = "value:" + strconv.Itoa(j*7)
				args = append(args, f, fields[f])
			}
			c.Do(args...)
		}
		for _, proto := range []string{"2", "3"} {
			c.Do("HELLO", proto)
			for _, count := range []int{1, 3, size / 2, size - 1, size, size + 10, -1, -7, -size * 3} {
				for _, withValues := range []bool{false, true} {
					args := []string{"HRANDFIELD", key, strconv.Itoa(count)}
					if withValues {
						args = append(args, "WITHVALUES")
					}
					leaves := hsLeaves(t, c.Do(args...))
					var got []string
					if withValues {
						for i := 0; i+1 < len(leaves); i += 2 {
							if fields[leaves[i]] != leaves[i+1] {
								t.Fatalf("%q: field %q has value %q", args, leaves[i], leaves[i+1])
							}
							got = append(got, leaves[i])
						}
					} else {
						got = leaves
					}
					checkRandomPick(t, args, got, fields, count, size)
				}
			}
		}
		c.Do("HELLO", "2")
		single := hsLeaves(t, c.Do("HRANDFIELD", key))
		if _, ok := fields[single[0]]; len(single) != 1 || !ok {
			t.Errorf("HRANDFIELD %s = %q", key, single)
		}
		checkSpread(t, "HRANDFIELD "+key, size, fields, func(n int) []string {
			return hsLeaves(t, c.Do("HRANDFIELD", key, strconv.Itoa(-n)))
		})
	}
}

// checkSpread draws about 30 picks per element, in requests of half the
// collection's size (so big collections are sampled by seeking, not read
// whole), and checks that the picks reach nearly every element and favour
// none of them much.
func checkSpread[V any](t *testing.T, what string, size int, elems map[string]V, draw func(n int) []string) {
	t.Helper()
	counts := map[string]int{}
	draws := 0
	for draws < size*30 {
		for _, e := range draw(size/2 + 1) {
			counts[e]++
			draws++
		}
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	if len(counts) < size*99/100 || most > 4*draws/size {
		t.Errorf("%s: %d draws reached %d of %d elements, the most drawn %d times", what, draws, len(counts), size, most)
	}
}

// checkRandomPick checks what a random command (HRANDFIELD, SRANDMEMBER,
// SPOP) returned for count: positive counts give min(count, size) distinct
// elements, negative ones exactly -count, repeats allowed; all exist.
func checkRandomPick[V any](t *testing.T, args, got []string, elems map[string]V, count, size int) {
	t.Helper()
	want := min(count, size)
	if count < 0 {
		want = -count
	}
	if len(got) != want {
		t.Fatalf("%q: %d elements, want %d", args, len(got), want)
	}
	distinct := map[string]bool{}
	for _, e := range got {
		if _, ok := elems[e]; !ok {
			t.Fatalf("%q: %q is not an element", args, e)
		}
		distinct[e] = true
	}
	if count > 0 && len(distinct) != len(got) {
		t.Fatalf("%q: %d repeats in a positive count", args, len(got)-len(distinct))
	}
}

// HSCAN of a hashtable returns every field present from the start to the
// end of the scan at least once, however the hash changes meanwhile.
func TestHashScanConcurrentWrites(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	const stable, churn = 2000, 2000
	args := []string{"HSET", "h"}
	for i := range stable {
		args = append(args, "s"+strconv.Itoa(i), "v")
	}
	c.Do(args...)
	seen := map[string]bool{}
	cursor := "0"
	for step := 0; ; step++ {
		leaves := hsLeaves(t, c.Do("HSCAN", "h", cursor, "COUNT", "50"))
		cursor = leaves[0]
		for i := 1; i < len(leaves); i += 2 {
			seen[leaves[i]] = true
		}
		// Grow and shrink the hash between calls.
		c.Do("HSET", "h", "c"+strconv.Itoa(step%churn), "v", "c"+strconv.Itoa(step*7%churn), "w")
		c.Do("HDEL", "h", "c"+strconv.Itoa(step*3%churn))
		if cursor == "0" {
			break
		}
	}
	for i := range stable {
		if !seen["s"+strconv.Itoa(i)] {
			t.Fatalf("field s%d, present throughout, was not returned", i)
		}
	}
}
