package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// Scripts are isolated like EXEC: readers never see one of two keys a
// script increments without the other, and no increment is lost among
// scripts, transactions and plain commands running together.
func TestScriptIsIsolated(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	const both = "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[2])"
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := rdb.EvalRO(ctx, "return redis.call('mget', KEYS[1], KEYS[2])", []string{"a", "b"}).Slice()
				if err != nil && err != redis.Nil {
					t.Error(err)
					return
				}
				if len(v) == 2 && v[0] != v[1] {
					t.Errorf("a script saw half of another: a=%v b=%v", v[0], v[1])
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := 0; w < 6; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for i := 0; i < 200; i++ {
				var err error
				switch (w + i) % 3 {
				case 0:
					err = rdb.Eval(ctx, both, []string{"a", "b"}).Err()
				case 1:
					_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Incr(ctx, "a")
						p.Incr(ctx, "b")
						return nil
					})
				default:
					err = rdb.Eval(ctx, "return redis.call('incr', KEYS[1])", []string{"c"}).Err()
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	v, _ := rdb.MGet(ctx, "a", "b", "c").Result()
	if v[0] != "800" || v[1] != "800" || v[2] != "400" {
		t.Fatalf("a, b, c = %v; want 800, 800, 400", v)
	}
}
