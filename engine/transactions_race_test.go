package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// No command of another client interleaves with EXEC: readers never see
// one of two keys a transaction increments without the other.
func TestExecIsIsolated(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
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
				v, err := rdb.MGet(ctx, "a", "b").Result()
				if err != nil {
					t.Error(err)
					return
				}
				if v[0] != v[1] {
					t.Errorf("MGET saw half a transaction: a=%v b=%v", v[0], v[1])
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := 0; w < 8; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for i := 0; i < 300; i++ {
				_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Incr(ctx, "a")
					p.Incr(ctx, "b")
					return nil
				})
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
	if v, _ := rdb.MGet(ctx, "a", "b").Result(); v[0] != "2400" || v[1] != "2400" {
		t.Fatalf("a, b = %v, want 2400 each", v)
	}
}

// Optimistic locking with WATCH: concurrent read-modify-write loops that
// retry when EXEC fails lose no increment.
func TestWatchOptimisticLocking(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	const clients, each = 8, 100
	var retries atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for done := 0; done < each; {
				err := rdb.Watch(ctx, func(tx *redis.Tx) error {
					n, err := tx.Get(ctx, "counter").Int()
					if err != nil && !errors.Is(err, redis.Nil) {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, "counter", n+1, 0)
						return nil
					})
					return err
				}, "counter")
				switch {
				case err == nil:
					done++
				case errors.Is(err, redis.TxFailedErr):
					retries.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	if n, err := rdb.Get(ctx, "counter").Int(); err != nil || n != clients*each {
		t.Fatalf("counter = %d (%v), want %d (retries %d)", n, err, clients*each, retries.Load())
	}
}

// A transaction's and a script's writes reach the disk all or nothing:
// writers set every one of their keys to the same value in one EXEC or one
// EVAL; after kill -9 and a restart each writer's keys still agree, at a
// value no older than the last one acknowledged (appendfsync always).
// Several rounds, many writers and big transactions make it likely that
// the kill lands in the middle of one.
func TestAtomicAcrossKill9(t *testing.T) {
	dir := t.TempDir()
	const writers, keys, rounds = 12, 200, 3
	names := make([][]string, writers)
	for w := range names {
		for k := 0; k < keys; k++ {
			names[w] = append(names[w], fmt.Sprintf("w%d:k%d", w, k))
		}
	}
	for round := 0; round < rounds; round++ {
		p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
		acked := make([]atomic.Int64, writers)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeUntilKilled(p.Addr, w, names[w], &acked[w], stop)
			}()
		}
		time.Sleep(time.Duration(300+100*round) * time.Millisecond)
		p.Kill()
		close(stop)
		wg.Wait()

		p = cairntest.StartProcess(t, dir)
		checkAllOrNothing(t, p.Addr, names, acked)
		p.Kill()
	}
}

// writeUntilKilled sets all of a writer's keys to 1, 2, 3... in one EXEC
// (even writers) or one EVAL (odd ones) each time, recording what the
// server acknowledged.
func writeUntilKilled(addr string, w int, names []string, acked *atomic.Int64, stop chan struct{}) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1, MaxRetries: -1})
	defer rdb.Close()
	base, _ := rdb.Get(ctx, names[0]).Int64()
	for n := base + 1; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		var err error
		if w%2 == 0 {
			_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				for _, k := range names {
					pipe.Set(ctx, k, n, 0)
				}
				return nil
			})
		} else {
			err = rdb.Eval(ctx, "for _, k in ipairs(KEYS) do redis.call('set', k, ARGV[1]) end", names, n).Err()
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			return // the server is gone
		}
		acked.Store(n)
	}
}

func checkAllOrNothing(t *testing.T, addr string, names [][]string, acked []atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for w, keys := range names {
		vals, err := rdb.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatal(err)
		}
		first, _ := vals[0].(string)
		for k, v := range vals {
			if s, _ := v.(string); s != first {
				t.Fatalf("writer %d: key %s = %v but key %s = %v: half a transaction survived", w, keys[k], v, keys[0], vals[0])
			}
		}
		n, _ := strconv.ParseInt(first, 10, 64)
		if n < acked[w].Load() {
			t.Fatalf("writer %d: value %d on disk but %d was acknowledged", w, n, acked[w].Load())
		}
	}
}
