package engine_test

import (
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// runZsetScript runs a differential script in RESP2, then again from an
// empty database in RESP3 (replies with doubles, pairs and nulls differ).
func runZsetScript(t *testing.T, script string) {
	t.Helper()
	d := cairntest.NewDiffer(t)
	d.Run(script)
	d.Run("flushall")
	d.Redis.Do("HELLO", "3") // the HELLO replies themselves differ (ids, versions)
	d.Cairn.Do("HELLO", "3")
	d.Run(script)
}

func TestZsetBasicsDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z 1 a 2 b 3 c
		zadd z 1.1 d -0 e 0 f 1e20 g 12345678901234567890 h 0.1 i inf j -inf k 3e-5 l 4e-320 m
		zrange z 0 -1 withscores
		zscore z d
		zscore z e
		zscore z nokey
		zscore nokey a
		zmscore z a d nokey e j k
		zmscore nokey a b
		zcard z
		zcard nokey
		zadd z 0x1e n 0x1p-3 o +5 p .5 q 5. r infinity s -Infinity t
		zrange z 0 -1 withscores
		zadd z nan x
		zadd z abc x
		zadd z "" x
		zadd z " 1" x
		zadd z "1 " x
		zadd z 1e400 x
		zadd z 1e-400 x
		zadd z 1_0 x
		zadd z 0x x
		zadd z 1 a 2
		zadd z xx nx 1 a
		zadd z gt lt 1 a
		zadd z nx gt 1 a
		zadd z nx lt 1 a
		zadd z incr 1 a 2 b
		zadd z
		zadd z nx
		zadd z nx ch
		zadd z NX CH 5 a 6 newone
		zadd z XX CH 5 a 6 newtwo
		zadd z xx 7 a
		zadd z gt 1 a 100 newthree
		zadd z gt ch 100 a
		zadd z lt ch 200 a 50 b
		zadd z ch 2 b 3 c 4 c
		zadd z incr 1 a
		zadd z incr nx 1 a
		zadd z incr xx 1 nobody
		zadd z incr gt -1 a
		zadd z incr lt -1 a
		zadd z incr +inf j
		zadd z incr -inf j
		zadd z incr -inf k
		zadd z incr -0 e
		zadd z incr 0.1 i
		zadd z incr 0.2 i
		zincrby z 0.2 i
		zincrby z abc i
		zincrby z 1e400 i
		zincrby z 5 fresh
		zincrby z -inf j
		zincrby z 1
		zrange z 0 -1 withscores
		zadd xxkey xx 1 a
		exists xxkey
		zadd xxkey xx incr 1 a
		zrem z a b nokey c
		zrem z nokey
		zrem nokey a
		zrem z
		zrank z d
		zrank z nokey
		zrevrank z d
		zrank nokey a
		zrevrank z k
		zrank z k
		zcount z -inf +inf
		zcount z (0 (1
		zcount z 0 1
		zcount z " 1" 2
		zcount z "" 2
		zcount z ( 2
		zcount z 1e400 2
		zcount z -1e400 2
		zcount z "1 " 2
		zcount z nan 2
		zcount z (nan 2
		zcount z 0x1 3
		zcount z abc 2
		zcount z ((1 2
		zcount z (-inf (+inf
		zcount z 5 1
		zcount z (1 1
		zcount nokey 0 1
		set str x
		zadd str 1 a
		zadd str abc a
		zincrby str 1 a
		zrem str a
		zcard str
		zscore str a
		zmscore str a
		zrank str a
		zcount str 0 1
		zcount str a b
		zlexcount str - +
		type z
		object encoding z
		zadd lex 0 a 0 b 0 c 0 d 0 e 0 f 0 g
		zlexcount lex - +
		zlexcount lex [b [f
		zlexcount lex (b (f
		zlexcount lex (b +
		zlexcount lex - (c
		zlexcount lex [f [b
		zlexcount lex + -
		zlexcount lex - -
		zlexcount lex [a [a
		zlexcount lex (a (a
		zlexcount lex a b
		zlexcount lex "" +
		zlexcount lex -a +
		zlexcount lex [ +
		zlexcount lex ( +
		zlexcount nokey - +
		zadd mixed 1 b 2 a 3 d 4 c
		zlexcount mixed [a [c
		zlexcount mixed - +
		zlexcount mixed [b [b
	`)
}

// TestZsetEncodingDifferential follows OBJECT ENCODING through Redis's
// conversions: listpack until the entries or value limit is passed, never
// back, and *STORE results chosen by their size.
func TestZsetEncodingDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z 1 a
		object encoding z
		zadd big 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
		object encoding big
		zadd big 2 x
		zrem big aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
		object encoding big
		zunionstore u 1 big
		object encoding u
		zrangestore r big 0 -1
		object encoding r
		zdiffstore d 1 big
		object encoding d
		zinterstore i 1 big
		object encoding i
		zadd z 2 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
		object encoding z
		config set zset-max-listpack-entries 2
		zadd n 1 a 2 b 3 c
		object encoding n
		del n
		zadd n nx 1 a 1 a 1 a
		object encoding n
		zadd n 1 a 2 b
		object encoding n
		zadd n 3 c
		object encoding n
		zrem n c b
		object encoding n
		zunionstore u2 1 n
		object encoding u2
		zadd three 1 a 2 b 3 c
		zunionstore u3 1 three
		object encoding u3
		zrangestore r3 three 0 -1
		object encoding r3
		zrangestore r2 three 0 1
		object encoding r2
		config set zset-max-listpack-entries 0
		zadd zero 1 a
		object encoding zero
		zadd zero -0 negzero
		zscore zero negzero
		zincrby zero -0 negzero
		zadd zero incr -0 a
		zrange zero 0 -1 withscores
		config set zset-max-listpack-entries 128
		zadd lp -0 negzero
		zscore lp negzero
		zincrby lp -0 negzero
		zadd lp incr -0 fresh
		zrange lp 0 -1 withscores
		zunionstore u4 1 zero weights -1
		zrange u4 0 -1 withscores
		zunion 1 zero weights -0 withscores
		zunionstore u5 1 zero weights -0
		zrange u5 0 -1 withscores
		config set zset-max-listpack-value 1
		zadd v 1 ab
		object encoding v
		zadd v2 1 a
		zadd v2 1 bc
		object encoding v2
		config set zset-max-listpack-value 64
	`)
}
