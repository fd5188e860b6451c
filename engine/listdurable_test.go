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

// Lists, edited every way, come back the same after kill -9 (with
// appendfsync always) and after a clean restart, and carry on from there.
func TestListsRestart(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	c := cairntest.Dial(t, p.Addr)
	for i := 0; i < 200; i++ { // one pipeline: one fsync
		c.Send("RPUSH", "l", strconv.Itoa(i))
	}
	for i := 0; i < 200; i++ {
		c.Read()
	}
	for _, cmd := range [][]string{
		{"LPUSH", "l", "h1", "h2"},
		{"LINSERT", "l", "BEFORE", "50", "ins"},
		{"LREM", "l", "1", "120"},
		{"LSET", "l", "-1", "last"},
		{"LTRIM", "l", "1", "-2"},
		{"LMOVE", "l", "m", "LEFT", "RIGHT"},
		{"RPOP", "l", "3"},
		{"EXPIRE", "m", "1000"},
		{"RPUSH", "gone", "x"},
		{"LPOP", "gone"},
	} {
		if r := c.Do(cmd...); r[0] == '-' {
			t.Fatalf("%q: %q", cmd, r)
		}
	}
	queries := [][]string{
		{"LRANGE", "l", "0", "-1"},
		{"LRANGE", "m", "0", "-1"},
		{"LINDEX", "l", "100"},
		{"LLEN", "l"},
		{"EXISTS", "gone"},
		{"OBJECT", "ENCODING", "l"},
		{"DBSIZE"},
	}
	before := make([]string, len(queries))
	for i, q := range queries {
		before[i] = c.Do(q...)
	}
	check := func(addr, when string) *cairntest.Conn {
		c := cairntest.Dial(t, addr)
		for i, q := range queries {
			if got := c.Do(q...); got != before[i] {
				t.Errorf("%s, %q:\n before: %q\n after:  %q", when, q, before[i], got)
			}
		}
		if ttl := c.Do("TTL", "m"); ttl == ":-1\r\n" || ttl == ":-2\r\n" {
			t.Errorf("%s, the TTL of m is lost: %q", when, ttl)
		}
		return c
	}
	p.Kill()
	p = cairntest.StartProcess(t, dir, "--appendfsync", "always")
	check(p.Addr, "after kill -9")
	p.Terminate(t)
	p = cairntest.StartProcess(t, dir)
	c = check(p.Addr, "after a clean restart")
	// Both ends and the middle carry on where they were.
	c.Do("LPUSH", "l", "front")
	c.Do("RPUSH", "l", "back")
	if got := c.Do("LINDEX", "l", "0"); got != "$5\r\nfront\r\n" {
		t.Errorf("LINDEX 0 after restart and LPUSH: %q", got)
	}
	if got := c.Do("LINDEX", "l", "-1"); got != "$4\r\nback\r\n" {
		t.Errorf("LINDEX -1 after restart and RPUSH: %q", got)
	}
	if got := c.Do("LINDEX", "l", "101"); got != before[2] {
		t.Errorf("LINDEX 101 after LPUSH = %q, want the old LINDEX 100 %q", got, before[2])
	}
}

// BRPOPLPUSH pops and pushes in one transaction: a server killed while
// workers move elements, blocked and not, loses and duplicates nothing,
// and every move a worker was told about is on disk.
func TestListBlockingMoveSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	ctx := context.Background()
	var mu sync.Mutex
	var pushed int // elements 0..pushed-1 were acknowledged
	var moved []int
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: p.Addr, PoolSize: 1, MaxRetries: -1})
			defer rdb.Close()
			for {
				v, err := rdb.BRPopLPush(ctx, "src", "dst", 0).Result()
				if err != nil {
					return // killed
				}
				n, _ := strconv.Atoi(v)
				mu.Lock()
				moved = append(moved, n)
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rdb := redis.NewClient(&redis.Options{Addr: p.Addr, PoolSize: 1, MaxRetries: -1})
		defer rdb.Close()
		next := 0
		for round := 0; ; round++ {
			burst := 1
			if round%10 == 0 { // now and then a burst, so workers find elements waiting
				burst = 20
			}
			var args []any
			for range burst {
				args = append(args, next)
				next++
			}
			if err := rdb.LPush(ctx, "src", args...).Err(); err != nil {
				return
			}
			mu.Lock()
			pushed = next
			mu.Unlock()
		}
	}()
	time.Sleep(500 * time.Millisecond)
	p.Kill()
	wg.Wait()

	p = cairntest.StartProcess(t, dir, "--appendfsync", "always")
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr})
	defer rdb.Close()
	src, err := rdb.LRange(ctx, "src", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	dst, err := rdb.LRange(ctx, "dst", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	// Pushed on the left, moved from the right onto the left of dst: dst
	// then src, each read backwards, is every element once, in order.
	slices.Reverse(src)
	slices.Reverse(dst)
	all := append(dst, src...)
	for i, v := range all {
		if v != strconv.Itoa(i) {
			t.Fatalf("after kill -9, element %d of dst+src is %q: lost or duplicated (dst %d, src %d elements)", i, v, len(dst), len(src))
		}
	}
	if len(all) < pushed {
		t.Errorf("after kill -9, %d elements left of %d acknowledged pushes", len(all), pushed)
	}
	for _, n := range moved {
		if n >= len(dst) {
			t.Fatalf("element %d was moved and acknowledged, but dst holds only 0..%d", n, len(dst)-1)
		}
	}
	if len(moved) == 0 || pushed == 0 {
		t.Fatalf("nothing happened before the kill: %d pushed, %d moved", pushed, len(moved))
	}
	t.Logf("killed after %d acknowledged pushes and %d acknowledged moves; found %d moved, %d waiting", pushed, len(moved), len(dst), len(src))
}
