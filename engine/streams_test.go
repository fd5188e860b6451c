package engine_test

import (
	"strconv"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestStreamAddRangeDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			xadd s 1-1 a 1
			xadd s 1-1 a 1
			xadd s 1-0 a 1
			xadd s 1-* b 2
			xadd s 2-* c 3 d 4
			xadd s 2 e 5
			xadd s 5-18446744073709551615 f 6
			xadd s 5-* g 7
			xadd s 0-* h 8
			xadd s 0-0 a 1
			xadd s 0 a 1
			xadd s nomkstream 7-0 i 9
			xadd nokey nomkstream 1-0 a 1
			exists nokey
			xadd s 8 a
			xadd s 8-0 a 1 b
			xadd s
			xadd s 8-0
			xadd s x a 1
			xadd s - a 1
			xadd s + a 1
			xadd s 8-x a 1
			xadd s -1 a 1
			xadd s 8-- a 1
			xadd s 00009 a 1
			xadd s " 10-1" a 1
			xadd s +11 a 1
			xadd s 12-+3 a 1
			xadd s 18446744073709551616 a 1
			xadd s 99999999999999999999 a 1
			xadd s 13-" 4" a 1
			xadd s "14-0\x00junk" a 1
			xadd s maxlen 5
			xadd s maxlen -1 15-0 a 1
			xadd s maxlen x 15-0 a 1
			xadd s maxlen 1.5 15-0 a 1
			xadd s maxlen 01 15-0 a 1
			xadd s minid 5 maxlen 3 15-0 a 1
			xadd s maxlen 1 maxlen 2 15-0 a 1
			xadd s minid - 15-0 a 1
			xadd s minid + 15-0 a 1
			xadd s minid 5-* 15-0 a 1
			xadd s limit 5 15-0 a 1
			xadd s limit 0 15-0 a 1
			xadd s maxlen 5 limit 2 15-0 a 1
			xadd s maxlen = 5 limit 2 15-0 a 1
			xadd s limit -1 maxlen 1 15-0 a 1
			xadd s limit x maxlen 1 15-0 a 1
			xadd s foo 15-0 a 1
			set str x
			xadd str 1-0 a 1
			xlen str
			xrange str - +
			xlen s
			xlen nokey
			xrange s - +
			xrevrange s + -
			xrange s - + count 2
			xrevrange s + - count 2
			xrange s - + count 0
			xrange s - + count -1
			xrange s - + count 1 count 3
			xrange s - + count
			xrange s - + limit 1
			xrange s - + count x
			xrange s 2 2
			xrange s 2-1 5
			xrange s (1-1 (5-18446744073709551615
			xrevrange s (5-18446744073709551615 (1-1
			xrange s ( +
			xrange s (- +
			xrange s - (+
			xrange s (18446744073709551615-18446744073709551615 +
			xrange s - (0-0
			xrange s 5 2
			xrange s x +
			xrange s - y
			xrange s 18446744073709551615 +
			xrange nokey - +
			xrevrange nokey + -
			xrange s 1 1-0
			xrange s 1-1 1-1
		`)
	})
}

func TestStreamDeleteTrimDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		for i := 1; i <= 30; i++ {
			d.Do("XADD", "s", itoa(i)+"-1", "f", itoa(i), "g", "x")
		}
		d.Run(`
			xdel s 1-1 1-1 2-1 99-1
			xdel s 1-1
			xdel s bad
			xdel s 3-1 bad
			xdel nokey bad
			xdel nokey 1-1
			set str x
			xdel str 1-1
			xinfo stream s
			xdel s 3-1 30-1
			xinfo stream s
			xtrim s
			xtrim s maxlen
			xtrim s maxlen 1 limit 3
			xtrim s foo 1
			xtrim s maxlen 1 foo
			xtrim s limit 5 maxlen
			xtrim s maxlen ~ 1 limit -1
			xtrim s minid 5-1 limit 1
			xtrim nokey maxlen 0
			xtrim str maxlen 0
			xtrim s maxlen 25
			xlen s
			xtrim s maxlen = 23
			xtrim s minid 8
			xtrim s minid = 9-1
			xtrim s minid ~ 20
			xtrim s maxlen ~ 0
			xrange s - +
			xinfo stream s
			xtrim s maxlen 0
			xinfo stream s
			xadd s maxlen 0 40-0 a 1
			xinfo stream s
			xadd s 41-0 a 1
			xdel s 41-0
			xinfo stream s
			xdel s 40-0 41-0
			exists s
		`)
	})
}

// Approximate trimming removes whole nodes, so what it leaves depends on
// where Redis's listpack nodes end: by entry count and by size.
func TestStreamNodesDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		for i := 1; i <= 250; i++ {
			d.Do("XADD", "s", itoa(i)+"-0", "field", itoa(i))
		}
		d.Run(`
			xinfo stream s
			xtrim s maxlen ~ 180
			xlen s
			xtrim s maxlen ~ 149
			xinfo stream s
			xtrim s maxlen ~ 50 limit 30
			xtrim s maxlen ~ 50 limit 100
			xtrim s minid ~ 230
			xinfo stream s
			xdel s 201-0 250-0
			xinfo stream s
			xtrim s maxlen ~ 10 limit 0
			xinfo stream s
		`)
		// Entries of varied shapes: different fields (no compression),
		// integers, long values that fill a node by bytes.
		long := make([]byte, 5000)
		for i := range long {
			long[i] = 'a' + byte(i%26)
		}
		for i := 1; i <= 120; i++ {
			switch i % 4 {
			case 0:
				d.Do("XADD", "v", itoa(i*1000)+"-"+itoa(i), "field", string(long[:i*2]))
			case 1:
				d.Do("XADD", "v", itoa(i*1000)+"-0", "n", itoa(-i*1000000), "m", "99999999999")
			case 2:
				d.Do("XADD", "v", itoa(i*1000)+"-5", "field", itoa(i), "other", string(long[:70]))
			default:
				d.Do("XADD", "v", itoa(i*1000)+"-3", "x", string(long[:4100/(i%7+1)]))
			}
		}
		d.Run(`
			xinfo stream v
			xtrim v maxlen ~ 100
			xinfo stream v
			xtrim v minid ~ 90000
			xinfo stream v
			xtrim v minid 95000-4
			xinfo stream v
			xadd v maxlen ~ 5 200000-0 a b
			xinfo stream v
		`)
		d.Run(`
			config set stream-node-max-entries 3
			xadd w 1-0 a 1
			xadd w 2-0 a 1
			xadd w 3-0 a 1
			xadd w 4-0 a 1
			xadd w 5-0 a 1
			xadd w 6-0 a 1
			xadd w 7-0 a 1
			xinfo stream w
			xdel w 2-0 3-0
			xtrim w minid 3-0
			xinfo stream w
			xtrim w minid 4-0
			xinfo stream w
			xadd w 8-0 a 1
			xtrim w minid ~ 5-0
			xinfo stream w
			config set stream-node-max-entries 0
			config set stream-node-max-bytes 60
			xadd w 9-0 a 1
			xadd w 10-0 a 1
			xadd w 11-0 a 1
			xadd w 12-0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1
			xadd w 13-0 a 1
			xinfo stream w
			xtrim w maxlen ~ 2
			xinfo stream w
			config set stream-node-max-bytes 4096
			config set stream-node-max-entries 100
		`)
	})
}

func TestStreamSetIDDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			xsetid nokey 1-0
			xadd s 5-0 a 1
			xadd s 6-0 a 1
			xsetid s 4-0
			xsetid s 6-0
			xsetid s 10-0
			xinfo stream s
			xsetid s x
			xsetid s 11-0 entriesadded
			xsetid s 11-0 entriesadded -1
			xsetid s 11-0 entriesadded x
			xsetid s 11-0 entriesadded 1
			xsetid s 11-0 entriesadded 2
			xsetid s 11-0 maxdeletedid 12-0
			xsetid s 11-0 maxdeletedid 7-0
			xsetid s 11-0 maxdeletedid x
			xsetid s 11-0 foo 1
			xinfo stream s
			xsetid s 11-0 maxdeletedid 0-0 entriesadded 100
			xinfo stream s
			xsetid s 10-0
			xsetid s 18446744073709551615-18446744073709551615
			xadd s * a 1
			xadd s 1-* a 1
			xdel s 5-0 6-0
			xsetid s 1-0 entriesadded 0
			xsetid s 1-0 maxdeletedid 0-5
			xinfo stream s
			set str x
			xsetid str 1-0
		`)
	})
}

func TestStreamMiscDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			xadd s 1-0 a 1
			type s
			object encoding s
			xgroup create s g 0
			copy s s2
			xinfo groups s2
			rename s s3
			xrange s3 - +
			xinfo stream s3
			del s3
			exists s3
			xadd e 1-0 a 1
			expire e 100
			ttl e
			xadd e 2-0 b 2
			ttl e
			xinfo help
			xgroup help
			xinfo stream
			xinfo foo s
			xgroup foo s
			xgroup create s
		`)
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
