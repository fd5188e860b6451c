package engine_test

import (
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Hash and set commands publish the same keyspace notifications as Redis,
// in the same order, "new" key events included.
func TestHashSetKeyspaceEventsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	// Not "KEAn": CONFIG GET shows that as "AKE" in Redis 7.0, and Cairn
	// rereads the value as shown.
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEghsn")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	d.Run(`
		hset h a 1 b 2
		hset h a 1
		hmset h c 3
		hsetnx h a 9
		hsetnx h d 4
		hsetnx h2 a 1
		hincrby h n 5
		hincrby h3 n 5
		hincrbyfloat h f 1.5
		hincrbyfloat h4 f 1.5
		hincrby h a x
		hdel h nope
		hdel h a b
		hdel h c d n f
		hdel h2 a
		hget h3 n
		hgetall h4
		hrandfield h3
		hscan h3 0
		sadd s 1 2 3
		sadd s 1
		srem s 9
		srem s 1
		spop s 0
		srem s 2
		spop s 1
		sadd s 1 2 3
		spop s 5
		sadd s 1 2 3 4 5
		srem s 1 2 3 4
		spop s
		sadd s 1 2 3
		srem s 1 2 3
		sadd a 1 2
		smove a b 1
		smove a b 9
		smove a b 2
		sadd a 2
		smove a b 2
		smove b b 2
		sadd c 5 6
		sinterstore d b c
		sunionstore d b c
		sunionstore d b c
		sinterstore d b c
		sinterstore d nokey c
		sdiffstore d c b
		sdiffstore d c c
		sdiffstore c c b
		sinter b c
		sunion b c
		sdiff b c
		srandmember nokey
		smembers b
		sscan b 0
		sismember b 1
		smismember b 1
		scard b
		sintercard 1 b
		del b h3 h4 c
	`)
	got, want := drain(subC), drain(subR)
	if len(want) < 80 {
		t.Fatalf("only %d notifications from Redis: the test is not exercising anything", len(want))
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
}
