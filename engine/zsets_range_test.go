package engine_test

import "testing"

func TestZsetRangeDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z 1 a 2 b 3 c 4 d 5 e 6 f 1.5 g -1 h 2 bb 2 ba
		zrange z 0 -1
		zrange z 0 -1 withscores
		zrange z 2 4 WITHSCORES
		zrange z -3 -1
		zrange z -100 100
		zrange z 5 2
		zrange z 100 200
		zrange z -1 -5
		zrange z 0 0
		zrange z x 1
		zrange z 0 1.5
		zrange z 0 -1 rev
		zrange z 0 -1 rev withscores
		zrange z 1 3 rev
		zrange z 0 -1 limit 0 1
		zrange z 0 -1 limit 0 -1
		zrange z 0 -1 bylex withscores
		zrange z 0 -1 rev rev
		zrange z 0 -1 byscore bylex
		zrange z 0 -1 limit 0
		zrange z 0 -1 limit x 1
		zrange z 0 1 byscore foo
		zrange z 1 3 byscore
		zrange z 1 3 byscore withscores
		zrange z (1 (3 byscore
		zrange z -inf +inf byscore limit 2 3
		zrange z -inf +inf byscore limit 2 -1
		zrange z -inf +inf byscore limit -1 3
		zrange z -inf +inf byscore limit 0 0
		zrange z -inf +inf byscore limit 100 1
		zrange z -inf +inf byscore limit 9 1
		zrange z -inf +inf byscore limit 10 1
		zrange z 3 1 byscore rev
		zrange z 3 1 rev byscore withscores limit 1 2
		zrange z +inf -inf byscore rev limit 3 100
		zrange z +inf -inf byscore rev limit 9 5
		zrange z 1 3 byscore rev
		zrange z x 3 byscore
		zrevrange z 0 -1
		zrevrange z 0 2 withscores
		zrevrange z -2 -1
		zrevrange z 0 -1 limit 0 1
		zrevrange z 0 -1 rev
		zrangebyscore z 2 2
		zrangebyscore z (2 3 withscores
		zrangebyscore z 2 (3
		zrangebyscore z -inf +inf limit 1 2 withscores
		zrangebyscore z -inf +inf LIMIT 1 2 WITHSCORES
		zrangebyscore z 0 10 rev
		zrangebyscore z 0 10 byscore
		zrangebyscore z 0 10 limit -1 1
		zrangebyscore z 0 10 limit 0 -1
		zrangebyscore z 0 10 limit 5 1
		zrangebyscore z 3 1
		zrangebyscore z a b
		zrangebyscore z " 1" 2
		zrangebyscore z "	1" 2
		zrangebyscore z " (1" 2
		zrevrangebyscore z 3 1
		zrevrangebyscore z 3 1 withscores limit 1 1
		zrevrangebyscore z (3 (1
		zrevrangebyscore z +inf -inf limit 2 2
		zrevrangebyscore z 1 3
		zrangebyscore nokey 0 1
		zadd lex 0 a 0 b 0 c 0 d 0 e 0 f 0 g 0 aa 0 "" 0 bbb
		zrangebylex lex - +
		zrangebylex lex [b [e
		zrangebylex lex (b (e
		zrangebylex lex [aa +
		zrangebylex lex (a [b
		zrangebylex lex - + limit 2 3
		zrangebylex lex - + limit 2 -1
		zrangebylex lex - + limit -2 3
		zrangebylex lex [e [b
		zrangebylex lex [ +
		zrangebylex lex ( +
		zrangebylex lex - (
		zrangebylex lex - [
		zrangebylex lex a b
		zrangebylex lex - + withscores
		zrevrangebylex lex + -
		zrevrangebylex lex [e [b
		zrevrangebylex lex (e (b limit 1 2
		zrevrangebylex lex [b [e
		zrange lex [b [e bylex
		zrange lex [e [b bylex rev limit 0 2
		zrange lex - + bylex limit 1 1
		zadd mixed 1 b 2 a 3 d 4 c 5 e
		zrangebylex mixed [a [c
		zrevrangebylex mixed [c [a
		zrangebylex mixed - +
		zrangebylex mixed [b [d
		zrevrangebylex mixed [d [b
		zadd mixed inf z -inf y
		zrangebylex mixed - +
		zrevrangebylex mixed + -
		zrangebylex mixed [b +
		zlexcount mixed - +
		zadd mixed2 3 c 1 a 2 b
		zrangebylex mixed2 [a [b
		zrevrangebylex mixed2 [b [a
		zrangestore dst z 0 -1
		zrange dst 0 -1 withscores
		zrangestore dst z 2 4 rev
		zrange dst 0 -1 withscores
		zrangestore dst z 1 3 byscore limit 1 1
		zrange dst 0 -1 withscores
		zrangestore dst lex [b [d bylex
		zrange dst 0 -1 withscores
		zrangestore dst z 0 -1 withscores
		zrangestore dst z 5 1 byscore
		exists dst
		zrangestore dst z 0 -1
		zrangestore dst nokey 0 -1
		exists dst
		set str x
		zrange str 0 -1
		zrangestore dst str 0 -1
		zrangestore str z 0 1
		type str
		zrangebyscore str 0 1
		zrangebylex str - +
		zremrangebyrank z 0 1
		zrange z 0 -1 withscores
		zremrangebyrank z -2 -1
		zremrangebyrank z 5 1
		zremrangebyrank z x 1
		zremrangebyrank nokey 0 1
		zrange z 0 -1 withscores
		zremrangebyscore z (2 3
		zremrangebyscore z a b
		zremrangebyscore z 100 200
		zremrangebyscore nokey 0 1
		zrange z 0 -1 withscores
		zremrangebylex lex [b [d
		zremrangebylex lex a b
		zremrangebylex lex + -
		zremrangebylex nokey - +
		zrange lex 0 -1
		zremrangebylex mixed [b [d
		zrange mixed 0 -1
		zremrangebyrank z 0 -1
		exists z
		zremrangebyscore lex -inf +inf
		exists lex
		zremrangebyrank str 0 1
		zremrangebyscore str 0 1
		zremrangebylex str - +
	`)
}

func TestZsetPopDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z 1 a 2 b 3 c 4 d 5 e 6 f 7 g -1 h 1.1 i
		zpopmin z
		zpopmin z 2
		zpopmax z
		zpopmax z 1
		zpopmax z 2
		zpopmin z -1
		zpopmin z 0
		zpopmin z x
		zpopmin nokey
		zpopmin nokey 2
		zmpop 1 z min count 1
		zmpop 2 nokey z max count 2
		zmpop 1 z MIN COUNT 2
		zmpop 0 z min
		zmpop 1 z foo
		zmpop 1 z min count 0
		zmpop 1 z min count -1
		zmpop 1 z min count x
		zmpop 2 z min
		zmpop 1 z min count 1 count 2
		zmpop abc z min
		zmpop 99999999999999999999 z min
		zmpop 9223372036854775807 z min
		zmpop 1 nokey min
		zadd z 1 a
		bzpopmin z 0
		zadd z 2 b
		bzpopmax nokey z 0
		zadd z 3 c
		bzmpop 0 1 z min
		zadd z 1 a 2 b 3 c
		bzmpop 0 2 nokey z max count 10
		exists z
		bzpopmin z -1
		bzpopmin z x
		bzpopmin z inf
		bzpopmin z 1e30
		bzpopmin z 92233720368547758
		bzpopmin z " 1"
		bzmpop 0 0 z min
		bzmpop x 1 z min
		bzmpop x 0 z min
		bzmpop x 1 z foo
		bzmpop -1 1 z min count 0
		bzmpop -1 1 z min
		bzpopmin nokey 0.01
		bzpopmax nokey 0.001
		bzmpop 0.01 1 nokey min
		set str x
		zpopmin str
		zpopmin str 0
		zpopmin str x
		zmpop 2 nokey str min
		bzpopmin nokey str 1
		bzmpop 1 2 nokey str min
		multi
		bzpopmin nokey 0
		bzmpop 0 1 nokey min
		zadd q 5 x
		bzpopmax q 0
		exec
		exists q
	`)
}
