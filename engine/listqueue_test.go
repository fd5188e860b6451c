package engine_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// The reliable-queue pattern: workers loop on BRPOPLPUSH inList processing
// 0 while a producer runs LPUSH inList 4 5 6 7 again and again. Every
// element reaches exactly one worker, each worker sees its elements in
// queue order, and processing records the moves in push order.
func TestListReliableQueue(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	const workers, rounds = 4, 250
	const total = 4 * rounds
	got := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for {
				v, err := rdb.BRPopLPush(ctx, "inList", "processing", 0).Result()
				if err != nil {
					t.Error(err)
					return
				}
				if v == "stop" {
					return
				}
				n, _ := strconv.Atoi(v)
				got[w] = append(got[w], n)
			}
		}()
	}
	producer := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer producer.Close()
	for r := range rounds {
		if err := producer.LPush(ctx, "inList", 4*r, 4*r+1, 4*r+2, 4*r+3).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for range workers {
		producer.LPush(ctx, "inList", "stop")
	}
	wg.Wait()

	var all []int
	for w, seq := range got {
		if !slices.IsSorted(seq) {
			t.Errorf("worker %d got elements out of queue order: %v", w, seq)
		}
		all = append(all, seq...)
	}
	slices.Sort(all)
	for i := range total {
		if i >= len(all) || all[i] != i {
			t.Fatalf("delivered %d elements, not each of 0..%d exactly once: %v", len(all), total-1, all)
		}
	}
	if len(all) != total {
		t.Fatalf("delivered %d elements, want %d", len(all), total)
	}
	moved, err := producer.LRange(ctx, "processing", int64(workers), -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(moved) != total {
		t.Fatalf("processing holds %d moved elements, want %d", len(moved), total)
	}
	for i, v := range moved {
		if v != strconv.Itoa(total-1-i) {
			t.Fatalf("processing[%d] = %q, want %d: moves out of push order", workers+i, v, total-1-i)
		}
	}
	if n := producer.Exists(ctx, "inList").Val(); n != 0 {
		t.Errorf("inList still exists after every element was delivered")
	}
}

// Many producers and many blocked consumers at once: every push wakes a
// consumer even while other writers' wake-ups are being served, so no
// element is left behind with consumers still waiting.
func TestListBlockingManyProducersConsumers(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	const producers, consumers, each = 8, 8, 250
	const total = producers * each
	var mu sync.Mutex
	seen := make(map[string]int)
	var wg sync.WaitGroup
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for {
				kv, err := rdb.BLPop(ctx, 0, "q1", "q2").Result()
				if err != nil {
					t.Error(err)
					return
				}
				if kv[1] == "stop" {
					return
				}
				mu.Lock()
				seen[kv[1]]++
				mu.Unlock()
			}
		}()
	}
	var producing sync.WaitGroup
	for p := range producers {
		producing.Add(1)
		go func() {
			defer producing.Done()
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr, PoolSize: 1})
			defer rdb.Close()
			for i := range each {
				key := []string{"q1", "q2"}[i%2]
				if err := rdb.RPush(ctx, key, strconv.Itoa(p*each+i)).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	producing.Wait()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumers got %d of %d elements; %d left in the lists while they wait", n, total, rdb.LLen(ctx, "q1").Val()+rdb.LLen(ctx, "q2").Val())
		}
	}
	for range consumers {
		rdb.RPush(ctx, "q1", "stop")
	}
	wg.Wait()
	if len(seen) != total {
		t.Errorf("consumers got %d distinct elements, want %d", len(seen), total)
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("element %s delivered %d times", v, n)
		}
	}
}
