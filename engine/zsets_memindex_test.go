package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// Writers pipelining ZADD, ZREM and ZPOPMIN into one set while readers
// ask for ranks (which keep a memory index alive) must leave an index
// that agrees with the set's order: every member's ZRANK and ZREVRANK,
// and ZRANGE by index, checked against ZRANGE 0 -1, before and after a
// restart (which forgets the index).
func TestZsetMemoryIndexUnderConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	s := cairntest.StartCairnIn(t, dir)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1, ReadTimeout: time.Minute})
			defer rdb.Close()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 60 {
				p := rdb.Pipeline()
				for range 16 {
					m := fmt.Sprintf("m%d", r.IntN(3000))
					switch r.IntN(8) {
					case 0:
						p.ZRem(ctx, "z", m)
					case 1:
						p.ZPopMin(ctx, "z")
					default:
						p.ZAdd(ctx, "z", redis.Z{Score: float64(r.IntN(100)), Member: m})
					}
				}
				if _, err := p.Exec(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
		defer rdb.Close()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			rdb.ZRank(ctx, "z", fmt.Sprintf("m%d", i%3000))
			rdb.ZRange(ctx, "z", int64(i%500), int64(i%500)+3)
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()

	check := func(addr string) {
		t.Helper()
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		all, err := rdb.ZRange(ctx, "z", 0, -1).Result()
		if err != nil || len(all) < 500 {
			t.Fatalf("ZRANGE z 0 -1: %d members, %v", len(all), err)
		}
		for i, m := range all {
			if r, err := rdb.ZRank(ctx, "z", m).Result(); err != nil || r != int64(i) {
				t.Fatalf("ZRANK z %s = %d (%v), want %d", m, r, err, i)
			}
			if r, err := rdb.ZRevRank(ctx, "z", m).Result(); err != nil || r != int64(len(all)-1-i) {
				t.Fatalf("ZREVRANK z %s = %d (%v), want %d", m, r, err, len(all)-1-i)
			}
		}
		for i := 0; i < len(all); i += 37 {
			got, err := rdb.ZRange(ctx, "z", int64(i), int64(i+4)).Result()
			if err != nil || fmt.Sprint(got) != fmt.Sprint(all[i:min(i+5, len(all))]) {
				t.Fatalf("ZRANGE z %d %d = %v (%v), want %v", i, i+4, got, err, all[i:min(i+5, len(all))])
			}
		}
	}
	check(s.Addr)
	s.Stop()
	s = cairntest.StartCairnIn(t, dir)
	check(s.Addr)
}
