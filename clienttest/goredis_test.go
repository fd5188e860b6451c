package clienttest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cairndb/cairn/cairntest"
)

// check fails the test when got != want.
func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestGoRedis is the go-redis v9 scenario, in RESP3 (its default) and
// RESP2, against Redis and Cairn.
func TestGoRedis(t *testing.T) {
	for _, proto := range []int{3, 2} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			bothServers(t, func(t *testing.T, addr string) { goRedisScenario(t, addr, proto) })
		})
	}
}

func goRedisScenario(t *testing.T, addr string, proto int) {
	ctx := context.Background()
	conn := cairntest.Dial(t, addr)
	conn.Do("ACL", "SETUSER", "app", "on", ">secret", "~*", "&*", "+@all")
	opt := &redis.Options{Addr: addr, Protocol: proto, Username: "app", Password: "secret", ClientName: "scenario-go", DB: 0}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	other := redis.NewClient(opt)
	defer other.Close()

	// Handshake: HELLO 3 AUTH app secret SETNAME (RESP3) or AUTH + SETNAME,
	// then CLIENT SETINFO, which Redis 7.0 refuses and go-redis ignores.
	check(t, "PING", must[string](t, "PING")(rdb.Ping(ctx).Result()), "PONG")
	check(t, "CLIENT GETNAME", must[string](t, "CLIENT GETNAME")(rdb.ClientGetName(ctx).Result()), "scenario-go")
	check(t, "ACL WHOAMI", must[any](t, "ACL WHOAMI")(rdb.Do(ctx, "ACL", "WHOAMI").Result()), any("app"))
	info := must[map[string]map[string]string](t, "INFO")(rdb.InfoMap(ctx, "server", "replication").Result())
	check(t, "INFO redis_version", info["Server"]["redis_version"], "7.0.15")
	check(t, "INFO role", info["Replication"]["role"], "master")
	check(t, "CONFIG GET", must[map[string]string](t, "CONFIG GET")(rdb.ConfigGet(ctx, "maxmemory").Result()), map[string]string{"maxmemory": "0"})
	cmds := must[map[string]*redis.CommandInfo](t, "COMMAND")(rdb.Command(ctx).Result())
	check(t, "COMMAND get arity", cmds["get"].Arity, int8(2))
	docs := must[any](t, "COMMAND DOCS")(rdb.Do(ctx, "COMMAND", "DOCS", "get").Result())
	if !strings.Contains(fmt.Sprint(docs), "Get the value of a key") {
		t.Errorf("COMMAND DOCS get: %v", docs)
	}
	rdb.FlushAll(ctx)

	// Strings.
	check(t, "SET", rdb.Set(ctx, "s", "hello", time.Minute).Val(), "OK")
	check(t, "GET", rdb.Get(ctx, "s").Val(), "hello")
	check(t, "INCRBYFLOAT", rdb.IncrByFloat(ctx, "f", 2.5).Val(), 2.5)
	check(t, "SETNX", rdb.SetNX(ctx, "s", "x", 0).Val(), false)
	check(t, "MGET", rdb.MGet(ctx, "s", "nope").Val(), []any{"hello", nil})
	check(t, "GET missing", rdb.Get(ctx, "nope").Err(), redis.Nil)
	if ttl := rdb.TTL(ctx, "s").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL %v", ttl)
	}

	// Collections.
	check(t, "RPUSH", rdb.RPush(ctx, "l", "a", "b", "c").Val(), int64(3))
	check(t, "LRANGE", rdb.LRange(ctx, "l", 0, -1).Val(), []string{"a", "b", "c"})
	check(t, "LPOS", rdb.LPos(ctx, "l", "c", redis.LPosArgs{}).Val(), int64(2))
	check(t, "HSET", rdb.HSet(ctx, "h", "f1", "v1", "f2", "v2").Val(), int64(2))
	check(t, "HGETALL", rdb.HGetAll(ctx, "h").Val(), map[string]string{"f1": "v1", "f2": "v2"})
	check(t, "HRANDFIELD", len(rdb.HRandField(ctx, "h", 5).Val()), 2)
	check(t, "SADD", rdb.SAdd(ctx, "set", "x", "y").Val(), int64(2))
	check(t, "SMISMEMBER", rdb.SMIsMember(ctx, "set", "x", "z").Val(), []bool{true, false})
	check(t, "ZADD", rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2.5, Member: "b"}).Val(), int64(2))
	check(t, "ZRANGE WITHSCORES", rdb.ZRangeWithScores(ctx, "z", 0, -1).Val(), []redis.Z{{Score: 1, Member: "a"}, {Score: 2.5, Member: "b"}})
	check(t, "ZSCORE", rdb.ZScore(ctx, "z", "b").Val(), 2.5)
	check(t, "ZMSCORE", rdb.ZMScore(ctx, "z", "a", "b").Val(), []float64{1, 2.5})
	check(t, "ZRANDMEMBER", len(rdb.ZRandMemberWithScores(ctx, "z", 2).Val()), 2)
	id := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "st", ID: "1-1", Values: []string{"f", "v"}}).Val()
	check(t, "XADD", id, "1-1")
	check(t, "XRANGE", rdb.XRange(ctx, "st", "-", "+").Val(), []redis.XMessage{{ID: "1-1", Values: map[string]any{"f": "v"}}})
	check(t, "XINFO STREAM length", rdb.XInfoStream(ctx, "st").Val().Length, int64(1))
	check(t, "GEOADD", rdb.GeoAdd(ctx, "geo", &redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556}, &redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669}).Val(), int64(2))
	check(t, "GEODIST", rdb.GeoDist(ctx, "geo", "Palermo", "Catania", "km").Val(), 166.2742)
	check(t, "GEOSEARCH", rdb.GeoSearch(ctx, "geo", &redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km", Sort: "ASC"}).Val(), []string{"Catania", "Palermo"})
	check(t, "PFADD", rdb.PFAdd(ctx, "hll", "a", "b", "c").Val(), int64(1))
	check(t, "PFCOUNT", rdb.PFCount(ctx, "hll").Val(), int64(3))

	// Pipeline and MULTI.
	cmdsOut, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 100 {
			p.Incr(ctx, fmt.Sprintf("p:%d", i%10))
		}
		return nil
	})
	check(t, "pipeline", err, nil)
	check(t, "pipeline last", cmdsOut[99].(*redis.IntCmd).Val(), int64(10))
	tx, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "m")
		p.Get(ctx, "m")
		return nil
	})
	check(t, "MULTI/EXEC", err, nil)
	check(t, "MULTI/EXEC GET", tx[1].(*redis.StringCmd).Val(), "1")

	// WATCH retry loop.
	rdb.Set(ctx, "bal", 100, 0)
	attempts := 0
	for {
		attempts++
		err := rdb.Watch(ctx, func(txn *redis.Tx) error {
			bal, err := txn.Get(ctx, "bal").Int()
			if err != nil {
				return err
			}
			if attempts == 1 {
				other.IncrBy(ctx, "bal", 1)
			}
			_, err = txn.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "bal", bal-30, 0)
				return nil
			})
			return err
		}, "bal")
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		check(t, "WATCH", err, nil)
		break
	}
	check(t, "WATCH attempts", attempts, 2)
	check(t, "WATCH result", rdb.Get(ctx, "bal").Val(), "71")

	// Pub/sub.
	ps := rdb.Subscribe(ctx, "news")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	ps.PSubscribe(ctx, "ev.*")
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "PUBLISH", rdb.Publish(ctx, "news", "n1").Val(), int64(1))
	check(t, "PUBLISH pattern", rdb.Publish(ctx, "ev.x", "e1").Val(), int64(1))
	for _, want := range []redis.Message{{Channel: "news", Payload: "n1"}, {Channel: "ev.x", Pattern: "ev.*", Payload: "e1"}} {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		m, err := ps.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			t.Fatalf("pub/sub: %v", err)
		}
		check(t, "pub/sub message", *m, want)
	}

	// Lua.
	check(t, "EVAL", rdb.Eval(ctx, "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}", []string{"lua"}, "x").Val(), []any{"lua", "x", int64(1)})
	sc := redis.NewScript("return redis.call('GET', KEYS[1]) .. ARGV[1]")
	rdb.ScriptFlush(ctx)
	check(t, "Script.Run (EVALSHA, NOSCRIPT, EVAL)", sc.Run(ctx, rdb, []string{"s"}, "!").Val(), "hello!")
	check(t, "EVALSHA", rdb.EvalSha(ctx, sc.Hash(), []string{"s"}, "?").Val(), "hello?")

	// Blocking pops and streams.
	later := func(f func()) { time.AfterFunc(200*time.Millisecond, f) }
	later(func() { other.RPush(ctx, "q", "job") })
	check(t, "BLPOP", rdb.BLPop(ctx, 5*time.Second, "q").Val(), []string{"q", "job"})
	later(func() { other.ZAdd(ctx, "bz", redis.Z{Score: 3, Member: "m"}) })
	check(t, "BZPOPMIN", rdb.BZPopMin(ctx, 5*time.Second, "bz").Val(), &redis.ZWithKey{Z: redis.Z{Score: 3, Member: "m"}, Key: "bz"})
	check(t, "BLPOP timeout", rdb.BLPop(ctx, time.Second, "never").Err(), redis.Nil)
	check(t, "XGROUP CREATE", rdb.XGroupCreate(ctx, "st", "g", "$").Val(), "OK")
	later(func() { other.XAdd(ctx, &redis.XAddArgs{Stream: "st", ID: "2-1", Values: []string{"f", "w"}}) })
	streams := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"st", ">"}, Block: 5 * time.Second}).Val()
	check(t, "XREADGROUP BLOCK", streams, []redis.XStream{{Stream: "st", Messages: []redis.XMessage{{ID: "2-1", Values: map[string]any{"f": "w"}}}}})
	check(t, "XACK", rdb.XAck(ctx, "st", "g", "2-1").Val(), int64(1))
	check(t, "XPENDING", rdb.XPending(ctx, "st", "g").Val().Count, int64(0))
}
