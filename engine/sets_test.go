package engine_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Intsets are sorted in Redis, and set operations whose result is an
// intset reply in that order: these replies are compared byte for byte.
// Lines starting with "~" have a hashtable's order, which Redis does not
// define.
func TestSetsDifferential(t *testing.T) {
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			set str x
			sadd s 3 1 2
			sadd s 2 4
			sadd s
			smembers s
			scard s
			scard nokey
			scard str
			sismember s 1
			sismember s 9
			sismember nokey 1
			sismember str 1
			smismember s 1 9 2
			smismember nokey 1 2
			smismember str 1
			smembers nokey
			smembers str
			sadd str a
			srem s 9
			srem s 1 9 1
			srem nokey 1
			srem str 1
			smembers s
			srem s 2 3 4
			exists s
			sadd n 10 -5 3 0 -9223372036854775808 9223372036854775807
			smembers n
			object encoding n
			sadd n2 01 1
			object encoding n2
			~ smembers n2
			sadd n3 " 1"
			object encoding n3
			sadd n4 9223372036854775808
			object encoding n4
			sadd n5 1.0
			object encoding n5
			sadd hs b a 1
			object encoding hs
			srem hs a b
			object encoding hs
			smembers hs
			sadd e ""
			smembers e
			sismember e ""
			srem e ""
			exists e
			sscan n 0
			sscan n 99 count 1
			sscan n 0 match 1*
			sscan n 0 match -*
			sscan n -1
			sscan n x
			sscan n 18446744073709551616
			sscan n 0 count 0
			sscan n 0 type set
			sscan n 0 match
			sscan nokey 0
			sscan nokey 0 count 0
			sscan nokey x
			sscan str 0
			sscan str x
			sscan hs 0
			sadd src 1 2
			sadd dst 5
			smove src dst 1
			smove src dst 9
			smove src dst 2
			exists src
			smembers dst
			smove dst dst 5
			smove dst dst 6
			smove nokey dst 1
			smove nokey str 1
			smove str dst 1
			smove dst str 5
			smove dst str 6
			smove dst newdst 5
			smembers newdst
			smove newdst dst2 a
			object encoding dst2
			sadd x 1
			smove x hs 1
			smembers hs
			exists x
		`)
		d.Run(`
			sadd a 5 3 1 7
			sadd b 3 1 9
			sadd c 1 x 3
			sadd d 8
			sinter a b
			sinter b a
			~ sinter a c
			~ sinter c a
			sinter a b c
			sinter a d
			sinter a nokey
			sinter nokey a
			sinter a a
			sinter str a
			sinter a str
			sinter nokey str
			sinterstore out a b
			smembers out
			object encoding out
			sinterstore out a d
			exists out
			sinterstore out a nokey
			sinterstore out c c
			object encoding out
			~ smembers out
			sinterstore out str a
			sinterstore str a b
			type str
			set str x
			sintercard 1 a
			sintercard 2 a b
			sintercard 2 a b limit 1
			sintercard 2 a b limit 0
			sintercard 2 a b limit 100
			sintercard 3 a b nokey
			sintercard 2 a b limit 1 limit 0
			sintercard 0 a
			sintercard -1 a
			sintercard x a
			sintercard 3 a b
			sintercard 1 a limit -1
			sintercard 1 a limit x
			sintercard 1 a foo
			sintercard 1 a limit
			sintercard 1 str
			sintercard 2 nokey str
			sunion a b
			~ sunion a c
			sunion a nokey
			sunion nokey
			sunion a a
			sunion str a
			sunion nokey str
			sunionstore u a b d
			smembers u
			object encoding u
			sunionstore u c b
			object encoding u
			~ smembers u
			sunionstore u nokey
			exists u
			sunionstore u str
			sdiff a b
			sdiff b a
			~ sdiff c a
			sdiff a c d
			sdiff a nokey
			sdiff nokey a
			sdiff a a
			sdiff a b a
			sdiff a nokey a
			sdiff str a
			sdiff a str
			sdiffstore df a b
			smembers df
			object encoding df
			sdiffstore df a a
			exists df
			sdiffstore df nokey a
			sdiffstore df c a
			object encoding df
			~ smembers df
			sdiffstore df str
		`)
		// *STORE replaces the destination whatever it was, TTL included;
		// SMOVE keeps the source's TTL and creates the destination without.
		d.Run(`
			sadd t1 1 2
			sadd t2 2 3
			set sdst x ex 100
			sunionstore sdst t1 t2
			ttl sdst
			type sdst
			expire sdst 100
			sinterstore sdst t1 t2
			ttl sdst
			expire sdst 100
			sdiffstore sdst t1 t2
			ttl sdst
			expire t1 100
			sadd t1 5
			srem t1 5
			spop t1 0
			ttl t1
			smove t1 newkey 1
			ttl t1
			ttl newkey
			sadd t1 7
			srem t1 2
			ttl t1
			spop t1
			ttl t1
			sunionstore t1 t1 t2
			ttl t1
			sadd gone 1
			pexpire gone 1
		`)
		time.Sleep(20 * time.Millisecond)
		d.Run(`
			smembers gone
			exists gone
		`)
	})
}

// Redis 7.0 builds SDIFF's result by copying the first set when the others
// are small, and that copy's encoding sticks; conversions follow
// set-max-intset-entries, whatever it is set to.
func TestSetEncodingsDifferential(t *testing.T) {
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			config set set-max-intset-entries 4
			sadd c 1 2 3 4 5 6
			object encoding c
			sadd four 1 2 3 4
			object encoding four
			sadd four 5
			object encoding four
			srem four 5
			object encoding four
			sadd g1 5
			sadd g2 6
			sadd g3 100
			sadd g4 101
			sadd g5 102
			sadd f 6 7 8 9 10 11 12 13 14 15
			sdiffstore d c g1 g2 g3 g4 g5
			object encoding d
			sdiffstore d c g1 g2
			object encoding d
			sdiffstore d c g1
			object encoding d
			sdiffstore d c f
			object encoding d
			sadd small 1 2 3
			sdiffstore d small g1 g2 g3 g4 g5
			object encoding d
			sdiff small g1 g2 g3 g4 g5
			sadd words a 1 2
			srem words a
			sdiffstore d words g1 g2 g3 g4 g5
			object encoding d
			sunionstore d g1 g2 g3 g4
			object encoding d
			sunionstore d g1 g2 g3 g4 g5
			object encoding d
			sinterstore d c c
			object encoding d
			sinterstore d four c
			object encoding d
			~ sinter four c
			~ spop c 10
			config set set-max-intset-entries 512
		`)
		d.Run(hsCommand("sadd ints", 512, func(i int) string { return strconv.Itoa(i * 3) }))
		d.Run(`
			object encoding ints
			smembers ints
			sscan ints 0
			sadd ints 1
			object encoding ints
			srem ints 1
			object encoding ints
		`)
	})
}

// A set bigger than the intset limit, or with non-integers, is a hashtable
// with no defined order: replies are compared as sets.
func TestSetsHashtableDifferential(t *testing.T) {
	hsBothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(hsCommand("sadd big", 700, func(i int) string { return "m" + strconv.Itoa(i) }))
		d.Run(hsCommand("sadd nums", 600, func(i int) string { return strconv.Itoa(i * 2) }))
		d.Run(hsCommand("sadd odd", 300, func(i int) string { return "m" + strconv.Itoa(i*2+1) }))
		d.Run(`
			object encoding big
			object encoding nums
			scard big
			sismember big m5
			smismember big m1 nope m699
			srem big m0 m1 nope
			scard big
			sintercard 2 big odd
			sintercard 2 big odd limit 10
			sinterstore i big odd
			scard i
			object encoding i
			sunionstore u big nums
			scard u
			sdiffstore df big odd
			scard df
			object encoding df
			sdiffstore dn nums odd
			scard dn
			object encoding dn
		`)
		for _, args := range [][]string{
			{"SMEMBERS", "big"}, {"SINTER", "big", "odd"}, {"SINTER", "odd", "big"}, {"SUNION", "big", "nums", "odd"},
			{"SDIFF", "big", "odd"}, {"SDIFF", "nums", "big"}, {"SMEMBERS", "i"}, {"SMEMBERS", "u"}, {"SMEMBERS", "df"},
			{"SRANDMEMBER", "big", "1000"},
		} {
			hsSameUnordered(t, d, false, args...)
		}
		for _, opts := range [][]string{nil, {"COUNT", "3"}, {"COUNT", "5000"}, {"MATCH", "m1*"}} {
			want, _ := hsFullScan(t, d.Redis, "SSCAN", "big", opts...)
			got, calls := hsFullScan(t, d.Cairn, "SSCAN", "big", opts...)
			if !slices.Equal(hsSorted(want), hsSorted(got)) {
				t.Errorf("SSCAN big %q: redis %d items, cairn %d", opts, len(want), len(got))
			}
			if len(opts) == 0 && calls < 20 {
				t.Errorf("SSCAN of 700 members with COUNT 10 took %d calls: not incremental", calls)
			}
		}
		hsSameUnordered(t, d, false, "SPOP", "odd", "1000")
		d.Run(`
			exists odd
			spop big 0
		`)
	})
}

// SPOP and SRANDMEMBER are random: their replies are checked for their
// properties on an intset sampled exactly and on bigger sets, sampled by
// random seeks or by one pass over the whole set.
func TestSetRandomMembers(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	for _, size := range []int{6, 900, 5000} {
		key := "s" + strconv.Itoa(size)
		members := map[string]bool{}
		for i := 0; i < size; i += 1000 {
			args := []string{"SADD", key}
			for j := i; j < min(i+1000, size); j++ {
				m := "m" + strconv.Itoa(j)
				if size < 10 {
					m = strconv.Itoa(j * 11)
				}
				members[m] = true
				args = append(args, m)
			}
			c.Do(args...)
		}
		for _, proto := range []string{"2", "3"} {
			c.Do("HELLO", proto)
			for _, count := range []int{1, 2, size / 3, size - 1, size, size * 2, -1, -5, -size * 2} {
				args := []string{"SRANDMEMBER", key, strconv.Itoa(count)}
				checkRandomPick(t, args, hsLeaves(t, c.Do(args...)), members, count, size)
			}
		}
		c.Do("HELLO", "2")
		checkSpread(t, "SRANDMEMBER "+key, size, members, func(n int) []string {
			return hsLeaves(t, c.Do("SRANDMEMBER", key, strconv.Itoa(-n)))
		})
		// SPOP drains the set in random bites without losing or repeating
		// anything; the last bite takes what is left and deletes the key.
		popped := map[string]bool{}
		left := size
		for _, count := range []int{1, 0, size / 10, size / 3, 1, size} {
			var got []string
			if count == 1 {
				got = hsLeaves(t, c.Do("SPOP", key))
			} else {
				got = hsLeaves(t, c.Do("SPOP", key, strconv.Itoa(count)))
			}
			checkRandomPick(t, []string{"SPOP", key, strconv.Itoa(count)}, got, members, count, left)
			for _, m := range got {
				if popped[m] {
					t.Fatalf("SPOP returned %q twice", m)
				}
				popped[m] = true
			}
			left -= len(got)
			if card := c.Do("SCARD", key); card != fmt.Sprintf(":%d\r\n", left) {
				t.Fatalf("SCARD after popping %d of %d = %q", len(popped), size, card)
			}
		}
		if len(popped) != size || c.Do("EXISTS", key) != ":0\r\n" {
			t.Errorf("after draining %s: %d popped, EXISTS %q", key, len(popped), c.Do("EXISTS", key))
		}
		if got := c.Do("SPOP", key); got != "$-1\r\n" {
			t.Errorf("SPOP of a drained set = %q", got)
		}
	}
}

// SSCAN of a hashtable returns every member present from the start to the
// end of the scan at least once, however the set changes meanwhile.
func TestSetScanConcurrentWrites(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	const stable = 2000
	args := []string{"SADD", "s"}
	for i := range stable {
		args = append(args, "s"+strconv.Itoa(i))
	}
	c.Do(args...)
	seen := map[string]bool{}
	cursor := "0"
	for step := 0; ; step++ {
		leaves := hsLeaves(t, c.Do("SSCAN", "s", cursor, "COUNT", "40"))
		cursor = leaves[0]
		for _, m := range leaves[1:] {
			seen[m] = true
		}
		c.Do("SADD", "s", "c"+strconv.Itoa(step), "d"+strconv.Itoa(step*5))
		c.Do("SREM", "s", "c"+strconv.Itoa(step/2))
		if cursor == "0" {
			break
		}
	}
	for i := range stable {
		if !seen["s"+strconv.Itoa(i)] {
			t.Fatalf("member s%d, present throughout, was not returned", i)
		}
	}
}
