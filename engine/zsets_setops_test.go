package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestZsetSetOpsDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z1 1 a 2 b 3 c 1.5 e
		zadd z2 10 b 20 c 30 d 0.1 a
		zadd z3 -1 c 5 e inf f
		zunion 2 z1 z2
		zunion 2 z1 z2 withscores
		zunion 3 z1 z2 z3 withscores
		zunion 2 z1 z2 weights 2 0.5 withscores
		zunion 2 z1 z2 weights 1 -1 withscores
		zunion 2 z1 z2 weights 0 0 withscores
		zunion 2 z1 z3 weights inf 0 withscores
		zunion 2 z1 z3 weights inf -inf withscores
		zunion 2 z1 z2 aggregate min withscores
		zunion 2 z1 z2 aggregate max weights -1 -1 withscores
		zunion 2 z1 z2 aggregate sum withscores withscores
		zunion 3 z1 nokey z2 withscores
		zunion 1 nokey
		zunion 1 z1 weights 0.1 withscores
		zunion 2 z1 z1 weights 0.1 0.2 withscores
		zinter 2 z1 z2 withscores
		zinter 3 z1 z2 z3 withscores
		zinter 2 z1 z2 weights 2 3 aggregate max withscores
		zinter 2 z1 z2 aggregate min withscores
		zinter 2 z1 z3 weights 0 inf withscores
		zinter 2 z3 z3 weights inf -inf withscores
		zinter 2 z1 nokey withscores
		zinter 2 z1 z1
		zdiff 2 z1 z2
		zdiff 2 z1 z3 withscores
		zdiff 3 z1 z2 z3 withscores
		zdiff 1 z1 withscores
		zdiff 2 nokey z1
		zdiff 2 z1 z1
		zintercard 2 z1 z2
		zintercard 3 z1 z2 z3
		zintercard 2 z1 z2 limit 1
		zintercard 2 z1 z2 limit 0
		zintercard 2 z1 z2 limit 100
		zintercard 1 z1 limit 1 limit 2
		zintercard 2 z1 nokey
		zunionstore dst 2 z1 z2 weights 1 2
		zrange dst 0 -1 withscores
		zinterstore dst 2 z1 z2 aggregate max
		zrange dst 0 -1 withscores
		zdiffstore dst 2 z1 z2
		zrange dst 0 -1 withscores
		zunionstore z1 2 z1 z2
		zrange z1 0 -1 withscores
		zinterstore dst 2 z1 nokey
		exists dst
		zdiffstore dst 2 z1 z1
		zunionstore dst 1 nokey
		zunionstore dst 0 z1
		zunionstore dst -1 z1
		zunionstore dst 2 z1
		zunionstore dst abc z1
		zunion 0 z1
		zinter 0 z1
		zdiff 0 z1
		zdiffstore dst 0 z1
		zinterstore dst 0 z1
		zunion 1 z1 weights
		zunion 1 z1 weights x
		zunion 1 z1 weights 1 2
		zunion 1 z1 aggregate foo
		zunion 1 z1 aggregate
		zunionstore dst 1 z1 withscores
		zdiff 1 z1 weights 1
		zdiff 1 z1 aggregate sum
		zdiffstore dst 1 z1 withscores
		zintercard 0 z1
		zintercard -1 z1
		zintercard 2 z1
		zintercard 1 z1 limit -1
		zintercard 1 z1 limit x
		zintercard 1 z1 limit
		zintercard 1 z1 foo
		zintercard 1 z1 withscores
		set str x
		zunion 2 z1 str
		zinter 2 str z1 weights x
		zdiff 2 z1 str
		zunionstore dst 2 z1 str
		zintercard 2 z1 str
		zunionstore str 1 z1
		type str
	`)
}

// TestZsetSetInputsDifferential feeds plain sets to the set operations,
// which score their members 1.
func TestZsetSetInputsDifferential(t *testing.T) {
	runZsetScript(t, `
		zadd z 1 a 2 b 3 c 1.5 e
		sadd s a b x
		zunion 2 z s withscores
		zinter 2 z s withscores
		zinter 2 s z withscores
		zinterstore is 2 z s weights 2 3 aggregate max
		zrange is 0 -1 withscores
		zunion 2 z s weights 1 -1 withscores
		zunion 1 s weights -0 withscores
		zunionstore u 1 s weights -0
		zrange u 0 -1 withscores
		zdiff 2 z s withscores
		zdiff 2 s z withscores
		zintercard 2 s z
		zunion 2 s s aggregate min weights -1 0 withscores
	`)
}

// TestZsetStoreTTLDifferential: a *STORE destination is replaced, TTL
// included; writes to a set keep its TTL.
func TestZsetStoreTTLDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		zadd src 1 a 2 b
		zadd dst 5 x
		expire dst 1000
		zunionstore dst 1 src
		ttl dst
		expire dst 1000
		zrangestore dst src 0 0
		ttl dst
		expire dst 1000
		zinterstore dst 1 src
		ttl dst
		expire dst 1000
		zdiffstore dst 1 src
		ttl dst
		expire dst 1000
		geoadd g 13.36 38.11 p
		georadius g 13 38 100 km store dst
		ttl dst
		expire dst 1000
		geosearchstore dst g fromlonlat 13 38 byradius 100 km
		ttl dst
		expire src 1000
		zadd src 3 c
		zrem src a
		zincrby src 1 b
		zpopmin src
		ttl src
		set dst y
		expire dst 1000
		zunionstore dst 1 src
		type dst
		ttl dst
	`)
}

// TestZsetKeyspaceEvents compares the notifications of every sorted-set
// and geo write with Redis's, in order.
func TestZsetKeyspaceEvents(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run("config set notify-keyspace-events KEA")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	script := `
		zadd z 1 a 2 b 3 c
		zadd z 1 a
		zadd z ch 5 a
		zadd z incr 1 a
		zincrby z 1 b
		zadd z nx 9 a
		zrem z nokey
		zrem z a
		zremrangebyrank z 0 0
		zadd z 1 a 2 b 3 c 4 d
		zremrangebyscore z 1 1
		zremrangebyscore z 100 200
		zremrangebylex z - +
		zadd z 1 a 2 b 3 c
		zpopmin z
		zpopmax z 5
		zadd z 1 a 2 b
		zmpop 1 z min count 5
		zadd z 1 a
		bzpopmax z 0
		zadd z 1 a 2 b
		bzmpop 0 1 z max
		zadd z2 1 x
		zunionstore dst 2 z z2
		zinterstore dst 2 z z2
		zdiffstore dst 1 z
		zadd dst 1 q
		zdiffstore dst 2 z z
		zrangestore dst z 0 -1
		zrangestore dst z 5 10
		zrangestore dst z 0 -1
		geoadd g 13.36 38.11 p 15.08 37.50 q
		geoadd g xx 13.36 38.11 p
		georadius g 13 38 300 km store dst
		georadius g 13 38 300 km storedist dst
		geosearchstore dst g fromlonlat 13 38 byradius 300 km
		geosearchstore dst g fromlonlat 0 0 byradius 1 km
		geosearchstore dst g fromlonlat 0 0 byradius 1 km
		del z2
	`
	d.Run(script)
	d.Run("ping")
	want, got := drain(subR), drain(subC)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notifications differ:\nredis: %q\ncairn: %q", want, got)
	}
	if len(want) < 40 {
		t.Errorf("only %d notifications", len(want))
	}
}
