package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// 50 clients × 1,000 INCRs on one key must end at exactly 50,000: each
// INCR is atomic although clients run in parallel.
func TestConcurrentIncr(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// No retries: a retried INCR after a slow reply would count twice.
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1, MaxRetries: -1, ReadTimeout: time.Minute})
			defer rdb.Close()
			for j := 0; j < 1000; j++ {
				if err := rdb.Incr(ctx, "counter").Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	if n, err := rdb.Get(ctx, "counter").Int(); err != nil || n != 50000 {
		t.Fatalf("counter = %d (%v), want 50000", n, err)
	}
}

// MSET of the same keys from many clients, each writing its own value to
// every key, must never let an MGET see a mix of two MSETs.
func TestMSetIsAllOrNothing(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	keys := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}
	done := make(chan struct{})
	var writers sync.WaitGroup
	for w := 0; w < 8; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for i := 0; i < 500; i++ {
				var pairs []any
				v := fmt.Sprintf("w%d-%d", w, i)
				for _, k := range keys {
					pairs = append(pairs, k, v)
				}
				if err := rdb.MSet(ctx, pairs...).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for {
				select {
				case <-done:
					return
				default:
				}
				vals, err := rdb.MGet(ctx, keys...).Result()
				if err != nil {
					t.Error(err)
					return
				}
				for _, v := range vals[1:] {
					if v != vals[0] {
						t.Errorf("MGET saw a mix of MSETs: %v", vals)
						return
					}
				}
			}
		}()
	}
	writers.Wait()
	close(done)
	readers.Wait()
}
