package engine_test

import (
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestStreamGroupAdminDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		runTimed(t, d, `
			xgroup create nokey g $
			xgroup create nokey g $ mkstream
			xinfo stream nokey
			xgroup create nokey g $ mkstream
			xgroup create s g 0
			xadd s 1-0 a 1
			xadd s 2-0 b 2
			xadd s 3-0 c 3
			xgroup create s g1 $
			xgroup create s g2 0
			xgroup create s g3 2-0
			xgroup create s g4 0 entriesread 1
			xgroup create s g5 $ entriesread 7
			xgroup create s g6 - 
			xgroup create s g6 +
			xgroup create s g6 x
			xgroup create s g6 1-0 entriesread -2
			xgroup create s g6 1-0 entriesread -1
			xgroup create s g7 1-0 entriesread x
			xgroup create s g7 1-0 entriesread
			xgroup create s g7 1-0 foo
			xgroup create s g7 1-0 mkstream mkstream mkstream mkstream
			xgroup create s g7 1
			xgroup create s g1 0
			xinfo groups s
			xgroup setid s g1 0
			xgroup setid s g2 $
			xgroup setid s g3 - 
			xgroup setid s g4 + 
			xgroup setid s g5 2 entriesread 2
			xgroup setid s g6 2 entriesread -3
			xgroup setid s g6 2 entriesread
			xgroup setid s g6 2 foo 1
			xgroup setid s g6 2 entriesread 1 x
			xgroup setid s nogroup 0
			xgroup setid nokey2 g 0
			xgroup setid s g6 x
			xinfo groups s
			xgroup createconsumer s g1 alice
			xgroup createconsumer s g1 alice
			xgroup createconsumer s g1 bob
			xgroup createconsumer s nogroup alice
			xgroup createconsumer nokey2 g alice
			T xinfo consumers s g1
			xgroup delconsumer s g1 bob
			xgroup delconsumer s g1 bob
			xgroup delconsumer s nogroup bob
			T xinfo consumers s g1
			xgroup destroy s g1
			xgroup destroy s g1
			xgroup destroy nokey2 g1
			xinfo groups s
			xinfo consumers s g1
			xinfo consumers nokey2 g1
			xinfo groups nokey2
			set str x
			xgroup create str g $
			xinfo groups str
			xgroup create s g8 $ foo
		`)
	})
}

func TestStreamReadGroupDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		runTimed(t, d, `
			xadd s 1-0 a 1
			xadd s 2-0 b 2
			xadd s 3-0 c 3
			xadd s 4-0 d 4
			xgroup create s g 0
			xreadgroup group g alice count 1 streams s >
			xreadgroup group g bob count 2 streams s >
			xreadgroup group g alice streams s >
			xreadgroup group g carol noack streams s >
			xreadgroup group g alice streams s 0
			xreadgroup group g bob streams s 0
			xreadgroup group g bob count 1 streams s 0
			xreadgroup group g bob streams s 2-0
			xreadgroup group g carol streams s 0
			xreadgroup group g alice streams s 18446744073709551615-18446744073709551615
			T xpending s g
			T xpending s g - + 10
			T xpending s g - + 10 bob
			T xpending s g - + 10 nobody
			T xpending s g (1-0 + 10
			T xpending s g - (3-0 1
			T xpending s g idle 0 - + 10
			T xpending s g - + 0
			T xpending s g - + -5
			xpending s g - +
			xpending s g idle 5 - +
			xpending s g x + 10
			xpending s g - + x
			xpending s g idle x - + 10
			xpending s g (18446744073709551615-18446744073709551615 + 10
			xpending s g - (0-0 10
			xpending s nogroup
			xpending nokey g
			T xpending s g - + 10 bob extra
			xack s g 1-0 1-0 9-0
			xack s g bad
			xack s nogroup 2-0
			xack nokey g 2-0
			xack nokey g bad
			T xpending s g
			T xinfo consumers s g
			xinfo groups s
			xdel s 2-0
			xreadgroup group g bob streams s 0
			xinfo groups s
			xadd s 5-0 e 5
			xreadgroup group g alice streams s >
			xinfo groups s
			xgroup setid s g 0
			xreadgroup group g dave count 2 streams s >
			T xpending s g - + 10
			T xinfo consumers s g
			xinfo groups s
			xreadgroup group g alice streams s $
			xreadgroup group nogroup alice streams s >
			xreadgroup group g alice streams nokey >
			xreadgroup group g alice streams s
			xreadgroup group g alice streams s > 0
			xreadgroup group g alice count x streams s >
			xreadgroup group g alice count -1 streams s 0
			xreadgroup group g alice block x streams s >
			xreadgroup group g alice block -1 streams s >
			xreadgroup group g alice streams s bad
			xreadgroup streams s >
			xreadgroup group g streams s >
			xreadgroup group g alice foo streams s >
			xread group g alice streams s >
			xread noack streams s 0
			xread streams s >
			set str x
			xreadgroup group g alice streams str >
		`)
	})
}

func TestStreamReadDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			xadd s 1-0 a 1
			xadd s 2-0 b 2
			xadd t 5-0 x y
			xread streams s 0
			xread count 1 streams s 0
			xread count 1 streams s t 0 0
			xread streams s t 1-0 5-0
			xread streams s t $ $
			xread streams s nokey 0 0
			xread streams nokey 0
			xread streams s s 0 1
			xread count -3 streams s 0
			xread streams s -
			xread streams s +
			xread streams s 18446744073709551615-18446744073709551615
			xread streams s 1
			xread block 0
			xread streams
			xread streams s
			xread streams s t 0
			xread count 1
			xread foo streams s 0
			xread block 10 streams s 0
			xread count 1 block 0 streams s 1-0
			xread block 99999999999999999999 streams s 0
			xread block 9223372036854775807 streams s 0
			set str x
			xread streams str 0
			xread streams s str 0 0
			multi
			xread block 0 streams s $
			xreadgroup group g c block 0 streams s >
			exec
		`)
	})
}

func TestStreamClaimDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		runTimed(t, d, `
			xadd s 1-0 a 1
			xadd s 2-0 b 2
			xadd s 3-0 c 3
			xadd s 4-0 d 4
			xadd s 5-0 e 5
			xgroup create s g 0
			xreadgroup group g alice streams s >
			xclaim s g bob 0 1-0
			xclaim s g bob 0 2-0 justid
			xclaim s g bob 0 3-0 retrycount 7
			xclaim s g bob 0 4-0 idle 100000
			T xpending s g - + 10
			xclaim s g carol 50000 1-0 4-0
			xclaim s g carol 50000 4-0 justid
			xclaim s g carol 0 9-0
			xclaim s g carol 0 9-0 force
			xclaim s g carol 0 1-0 time 1000 justid
			T xpending s g - + 10
			xadd s 6-0 f 6
			xclaim s g carol 0 6-0
			xclaim s g carol 0 6-0 force
			T xpending s g - + 10
			xclaim s g carol 0 6-0 force lastid 7-0
			xinfo groups s
			xclaim s g carol 0 6-0 lastid 1-0
			xdel s 5-0
			xclaim s g dave 0 5-0 2-0
			T xpending s g - + 10
			xclaim s g dave x 1-0
			xclaim s g dave -5 1-0 justid
			xclaim s g dave 0 1-0 idle x
			xclaim s g dave 0 1-0 time x
			xclaim s g dave 0 1-0 retrycount x
			xclaim s g dave 0 1-0 lastid x
			xclaim s g dave 0 1-0 foo
			xclaim s g dave 0 1-0 idle
			xclaim s g dave 0 bad 1-0
			xclaim s nogroup dave 0 1-0
			xclaim nokey g dave 0 1-0
			T xinfo consumers s g
			xautoclaim s g eve 0 0
			T xpending s g - + 10
			xautoclaim s g eve 0 0 count 2
			xautoclaim s g eve 0 3-0 count 2 justid
			xautoclaim s g eve 0 (3-0 justid
			xautoclaim s g eve 100000 0
			xdel s 3-0 4-0
			xautoclaim s g frank 0 0 count 1
			xautoclaim s g frank 0 0 count 1
			T xpending s g - + 10
			xautoclaim s g frank x 0
			xautoclaim s g frank 0 x
			xautoclaim s g frank 0 (18446744073709551615-18446744073709551615
			xautoclaim s g frank 0 0 count 0
			xautoclaim s g frank 0 0 count x
			xautoclaim s g frank 0 0 count 576460752303423488
			xautoclaim s g frank 0 0 count 576460752303423487 justid
			xautoclaim s g frank 0 0 foo
			xautoclaim s g frank 0 0 count
			xautoclaim s nogroup frank 0 0
			xautoclaim nokey g frank 0 0
			T xinfo consumers s g
			xinfo groups s
		`)
		// XAUTOCLAIM looks at 10 pending entries per entry it may claim.
		for i := 10; i < 60; i++ {
			d.Do("XADD", "big", itoa(i)+"-0", "f", "v")
		}
		runTimed(t, d, `
			xgroup create big g 0
			xreadgroup group g a streams big >
			xclaim big g a 0 30-0 idle 100000 justid
			xautoclaim big g b 50000 0 count 1 justid
			xautoclaim big g b 50000 0 count 2 justid
			xautoclaim big g b 0 0 count 3 justid
			xautoclaim big g b 0 25-0 count 100 justid
		`)
	})
}

func TestStreamInfoDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		runTimed(t, d, `
			xadd s 1-0 a 1
			xadd s 2-0 b 2
			xadd s 3-0 c 3
			T xinfo stream s full
			xgroup create s g1 0
			xgroup create s g2 $
			xreadgroup group g1 alice count 2 streams s >
			xreadgroup group g1 bob streams s >
			xgroup createconsumer s g2 zed
			T xinfo stream s full
			T xinfo stream s full count 1
			T xinfo stream s full count 0
			T xinfo stream s full count -1
			xinfo stream s full count x
			xinfo stream s full count
			xinfo stream s full foo 1
			xinfo stream s foo
			xinfo stream s full count 1 x
			xinfo stream nokey full
			xinfo stream nokey foo
			xinfo groups s
			xinfo groups s x
			xinfo consumers s
			set str x
			xinfo stream str
			xinfo groups str
			xinfo consumers str g
		`)
	})
}

// The lag and entries-read of groups follow Redis's estimates as entries
// are added, deleted and trimmed.
func TestStreamLagDifferential(t *testing.T) {
	bothProtocols(t, func(t *testing.T, d *cairntest.Differ) {
		d.Run(`
			xgroup create s g0 $ mkstream
			xinfo groups s
			xadd s 1-0 a 1
			xadd s 2-0 a 1
			xadd s 3-0 a 1
			xadd s 4-0 a 1
			xadd s 5-0 a 1
			xgroup create s g1 0
			xgroup create s g2 1-0
			xgroup create s g3 0 entriesread 0
			xinfo groups s
			xreadgroup group g1 c count 2 streams s >
			xreadgroup group g2 c count 1 streams s >
			xreadgroup group g3 c count 3 streams s >
			xinfo groups s
			xdel s 4-0
			xinfo groups s
			xreadgroup group g1 c count 1 streams s >
			xreadgroup group g3 c streams s >
			xinfo groups s
			xdel s 1-0 2-0
			xgroup setid s g2 1-0
			xgroup create s g4 0
			xinfo groups s
			xtrim s maxlen 1
			xinfo groups s
			xreadgroup group g4 c streams s >
			xinfo groups s
			xadd s 6-0 a 1
			xinfo groups s
			xsetid s 9-0 entriesadded 20
			xinfo groups s
			xgroup setid s g1 9-0
			xgroup setid s g2 $ entriesread 3
			xinfo groups s
			xadd l 1-0 a 1
			xadd l 2-0 a 1
			xadd l 3-0 a 1
			xadd l 4-0 a 1
			xadd l 5-0 a 1
			xdel l 1-0 2-0
			xgroup create l g 1-0
			xgroup create l h 0
			xgroup create l i 3-0
			xinfo groups l
			xreadgroup group g c count 1 streams l >
			xreadgroup group h c count 1 streams l >
			xinfo groups l
		`)
	})
}
