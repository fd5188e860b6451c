package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// load runs 8 clients sending depth PINGs per round trip until stop.
func load(rdb *redis.Client, depth int, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	ctx := context.Background()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					for range depth {
						p.Ping(ctx)
					}
					return nil
				})
			}
		}()
	}
	return &wg
}

// maxprocs is INFO's go_maxprocs.
func maxprocs(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	info, err := rdb.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "go_maxprocs:"); ok {
			return v
		}
	}
	t.Fatalf("no go_maxprocs in INFO server:\n%s", info)
	return ""
}

// waitProcs polls go_maxprocs under a load of the given depth until it
// reads want.
func waitProcs(t *testing.T, rdb *redis.Client, depth int, want string) {
	t.Helper()
	stop := make(chan struct{})
	wg := load(rdb, depth, stop)
	defer func() { close(stop); wg.Wait() }()
	var seen []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got := maxprocs(t, rdb)
		if got == want {
			return
		}
		if len(seen) == 0 || seen[len(seen)-1] != got {
			seen = append(seen, got)
		}
	}
	t.Fatalf("go_maxprocs under a load of %d commands per round trip went %v, never %s", depth, seen, want)
}

// Clients that pipeline get every core; clients that wait for each reply
// get one P (on a 2-core machine its probes of two fail, but even where
// two serve better the controller starts from one).
func TestProcsFollowPipelining(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	p := cairntest.StartProcess(t, t.TempDir())
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, PoolSize: 16})
	defer rdb.Close()
	all := maxprocs(t, rdb)
	if all == "1" {
		t.Skip("one core: nothing to adapt")
	}
	waitProcs(t, rdb, 1, "1")
	waitProcs(t, rdb, 16, all)
	waitProcs(t, rdb, 1, "1")
}

// GOMAXPROCS in the environment is the user's choice: Cairn keeps it.
func TestProcsPinnedByEnvironment(t *testing.T) {
	t.Setenv("GOMAXPROCS", "3")
	p := cairntest.StartProcess(t, t.TempDir())
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, PoolSize: 16})
	defer rdb.Close()
	stop := make(chan struct{})
	wg := load(rdb, 1, stop)
	defer func() { close(stop); wg.Wait() }()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got := maxprocs(t, rdb); got != "3" {
			t.Fatalf("go_maxprocs %s with GOMAXPROCS=3 in the environment", got)
		}
	}
}
