package clienttest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

// TestRueidis is the rueidis scenario: RESP3 with client-side caching
// (CLIENT TRACKING, OPTIN by default and BCAST), whose invalidation
// messages must arrive when another client writes a cached key.
func TestRueidis(t *testing.T) {
	bothServers(t, rueidisScenario)
}

func rueidisOK(t *testing.T, what string, r rueidis.RedisResult) rueidis.RedisResult {
	t.Helper()
	if err := r.Error(); err != nil && !rueidis.IsRedisNil(err) {
		t.Fatalf("%s: %v", what, err)
	}
	return r
}

// waitCached polls a cached read until it returns want (the invalidation
// arrived and the cache was refilled), failing after 5s.
func waitCached(t *testing.T, c rueidis.Client, key string, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := c.DoCache(context.Background(), c.B().Get().Key(key).Cache(), time.Minute).ToString() // a command is used once
		if v == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cached value still %q, want %q: no invalidation arrived", v, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rueidisScenario(t *testing.T, addr string) {
	ctx := context.Background()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, ClientName: "scenario-rueidis", DisableRetry: true})
	if err != nil {
		t.Fatalf("rueidis handshake: %v", err)
	}
	defer c.Close()
	o, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b := c.B()
	rueidisOK(t, "FLUSHALL", c.Do(ctx, b.Flushall().Build()))
	name, _ := c.Do(ctx, b.ClientGetname().Build()).ToString()
	check(t, "CLIENT GETNAME", name, "scenario-rueidis")

	// Client-side caching: a miss, then hits served locally, then the
	// invalidation after another client's write.
	rueidisOK(t, "SET", c.Do(ctx, b.Set().Key("k").Value("v1").Build()))
	get := b.Get().Key("k").Cache()
	r := rueidisOK(t, "GET cached", c.DoCache(ctx, get, time.Minute))
	v, _ := r.ToString()
	check(t, "first cached GET", v, "v1")
	check(t, "first cached GET is a miss", r.IsCacheHit(), false)
	r = c.DoCache(ctx, b.Get().Key("k").Cache(), time.Minute)
	v, _ = r.ToString()
	check(t, "second cached GET", v, "v1")
	check(t, "second cached GET is a hit", r.IsCacheHit(), true)
	if ttl := r.CachePTTL(); ttl <= 0 || ttl > 60000 {
		t.Errorf("cache PTTL %d", ttl)
	}
	rueidisOK(t, "SET by another client", o.Do(ctx, o.B().Set().Key("k").Value("v2").Build()))
	waitCached(t, c, "k", "v2")
	// A hash, and several keys at once (DoMultiCache).
	rueidisOK(t, "HSET", c.Do(ctx, b.Hset().Key("h").FieldValue().FieldValue("f", "1").Build()))
	m, _ := rueidisOK(t, "HGETALL cached", c.DoCache(ctx, b.Hgetall().Key("h").Cache(), time.Minute)).AsStrMap()
	check(t, "HGETALL cached", m, map[string]string{"f": "1"})
	o.Do(ctx, o.B().Hset().Key("h").FieldValue().FieldValue("f", "2").Build())
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, _ = c.DoCache(ctx, b.Hgetall().Key("h").Cache(), time.Minute).AsStrMap()
		if m["f"] == "2" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	check(t, "HGETALL after invalidation", m, map[string]string{"f": "2"})
	multi := c.DoMultiCache(ctx,
		rueidis.CT(b.Get().Key("k").Cache(), time.Minute),
		rueidis.CT(b.Get().Key("missing").Cache(), time.Minute))
	v, _ = multi[0].ToString()
	check(t, "DoMultiCache k", v, "v2")
	check(t, "DoMultiCache missing", rueidis.IsRedisNil(multi[1].Error()), true)
	o.Do(ctx, o.B().Del().Key("k").Build())
	deadline = time.Now().Add(5 * time.Second)
	for !rueidis.IsRedisNil(c.DoCache(ctx, b.Get().Key("k").Cache(), time.Minute).Error()) {
		if time.Now().After(deadline) {
			t.Fatal("DEL did not invalidate the cached GET")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Broadcasting mode: invalidations by prefix.
	bc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, ClientTrackingOptions: []string{"PREFIX", "bc:", "BCAST"}})
	if err != nil {
		t.Fatalf("rueidis BCAST: %v", err)
	}
	defer bc.Close()
	o.Do(ctx, o.B().Set().Key("bc:1").Value("a").Build())
	v, _ = bc.DoCache(ctx, bc.B().Get().Key("bc:1").Cache(), time.Minute).ToString()
	check(t, "BCAST cached GET", v, "a")
	o.Do(ctx, o.B().Set().Key("bc:1").Value("b").Build())
	waitCached(t, bc, "bc:1", "b")

	// Plain commands over every type.
	check(t, "RPUSH", must[int64](t, "RPUSH")(c.Do(ctx, b.Rpush().Key("l").Element("a", "b").Build()).AsInt64()), int64(2))
	check(t, "LRANGE", must[[]string](t, "LRANGE")(c.Do(ctx, b.Lrange().Key("l").Start(0).Stop(-1).Build()).AsStrSlice()), []string{"a", "b"})
	check(t, "SADD", must[int64](t, "SADD")(c.Do(ctx, b.Sadd().Key("s").Member("x", "y").Build()).AsInt64()), int64(2))
	check(t, "ZADD", must[int64](t, "ZADD")(c.Do(ctx, b.Zadd().Key("z").ScoreMember().ScoreMember(1.5, "a").Build()).AsInt64()), int64(1))
	check(t, "ZSCORE", must[float64](t, "ZSCORE")(c.Do(ctx, b.Zscore().Key("z").Member("a").Build()).AsFloat64()), 1.5)
	check(t, "GEOADD", must[int64](t, "GEOADD")(c.Do(ctx, b.Geoadd().Key("g").LongitudeLatitudeMember().LongitudeLatitudeMember(13.361389, 38.115556, "Palermo").Build()).AsInt64()), int64(1))
	check(t, "PFADD", must[int64](t, "PFADD")(c.Do(ctx, b.Pfadd().Key("hll").Element("a", "b").Build()).AsInt64()), int64(1))

	// Pipelining: DoMulti, and implicit pipelining of concurrent Do calls.
	cmds := make(rueidis.Commands, 0, 100)
	for range 100 {
		cmds = append(cmds, b.Incr().Key("cnt").Build())
	}
	res := c.DoMulti(ctx, cmds...)
	check(t, "DoMulti last", must[int64](t, "INCR")(res[99].AsInt64()), int64(100))

	// MULTI/WATCH retry loop on a dedicated connection.
	c.Do(ctx, b.Set().Key("bal").Value("100").Build())
	attempts := 0
	for {
		attempts++
		var execRes []rueidis.RedisResult
		err := c.Dedicated(func(d rueidis.DedicatedClient) error {
			d.Do(ctx, d.B().Watch().Key("bal").Build())
			bal, _ := d.Do(ctx, d.B().Get().Key("bal").Build()).AsInt64()
			if attempts == 1 {
				o.Do(ctx, o.B().Incrby().Key("bal").Increment(1).Build())
			}
			execRes = d.DoMulti(ctx,
				d.B().Multi().Build(),
				d.B().Set().Key("bal").Value(strconv.FormatInt(bal-30, 10)).Build(),
				d.B().Exec().Build())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rueidis.IsRedisNil(execRes[2].Error()) {
			continue // EXEC aborted: the watched key changed
		}
		rueidisOK(t, "EXEC", execRes[2])
		break
	}
	check(t, "WATCH attempts", attempts, 2)
	bal, _ := c.Do(ctx, b.Get().Key("bal").Build()).ToString()
	check(t, "WATCH result", bal, "71")

	// Pub/sub.
	got := make(chan rueidis.PubSubMessage, 2)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	subscribed := make(chan struct{})
	go c.Receive(subCtx, b.Subscribe().Channel("news").Build(), func(m rueidis.PubSubMessage) { got <- m })
	go func() {
		for {
			n, _ := o.Do(ctx, o.B().PubsubNumsub().Channel("news").Build()).AsIntMap()
			if n["news"] == 1 {
				close(subscribed)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	select {
	case <-subscribed:
	case <-time.After(5 * time.Second):
		t.Fatal("SUBSCRIBE did not register")
	}
	o.Do(ctx, o.B().Publish().Channel("news").Message("hello").Build())
	select {
	case m := <-got:
		check(t, "pub/sub message", m, rueidis.PubSubMessage{Channel: "news", Message: "hello"})
	case <-time.After(5 * time.Second):
		t.Fatal("no pub/sub message")
	}

	// Lua: EVALSHA, falling back to EVAL on NOSCRIPT.
	script := rueidis.NewLuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
	c.Do(ctx, b.ScriptFlush().Build())
	check(t, "Lua Exec", must[int64](t, "Lua")(script.Exec(ctx, c, []string{"lua"}, []string{"5"}).AsInt64()), int64(5))
	check(t, "Lua Exec again", must[int64](t, "Lua")(script.Exec(ctx, c, []string{"lua"}, []string{"5"}).AsInt64()), int64(10))

	// Blocking commands (rueidis moves them to their own connections).
	time.AfterFunc(200*time.Millisecond, func() { o.Do(ctx, o.B().Rpush().Key("q").Element("job").Build()) })
	check(t, "BLPOP", must[[]string](t, "BLPOP")(c.Do(ctx, b.Blpop().Key("q").Timeout(5).Build()).AsStrSlice()), []string{"q", "job"})
	rueidisOK(t, "XGROUP", c.Do(ctx, b.XgroupCreate().Key("st").Group("g").Id("$").Mkstream().Build()))
	time.AfterFunc(200*time.Millisecond, func() {
		o.Do(ctx, o.B().Xadd().Key("st").Id("5-1").FieldValue().FieldValue("f", "v").Build())
	})
	xr := must[map[string][]rueidis.XRangeEntry](t, "XREADGROUP")(c.Do(ctx, b.Xreadgroup().Group("g", "c").Block(5000).Streams().Key("st").Id(">").Build()).AsXRead())
	check(t, "XREADGROUP BLOCK", xr, map[string][]rueidis.XRangeEntry{"st": {{ID: "5-1", FieldValues: map[string]string{"f": "v"}}}})
	check(t, "XACK", must[int64](t, "XACK")(c.Do(ctx, b.Xack().Key("st").Group("g").Id("5-1").Build()).AsInt64()), int64(1))
}
