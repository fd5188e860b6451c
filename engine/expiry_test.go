package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// Active expiry deletes due keys nobody touches, reports them as expired
// keyspace events, and keeps DBSIZE and INFO keyspace exact.
func TestActiveExpiry(t *testing.T) {
	s := cairntest.StartCairn(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "Ex").Err(); err != nil {
		t.Fatal(err)
	}
	sub := rdb.PSubscribe(ctx, "__keyevent@0__:expired")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		rdb.Set(ctx, fmt.Sprint("short:", i), "x", 100*time.Millisecond)
	}
	rdb.Set(ctx, "long", "x", time.Hour)
	rdb.Set(ctx, "forever", "x", 0)

	expired := map[string]bool{}
	deadline := time.After(5 * time.Second)
	for len(expired) < 50 {
		select {
		case msg := <-sub.Channel():
			expired[msg.Payload] = true
		case <-deadline:
			t.Fatalf("only %d of 50 expired events arrived", len(expired))
		}
	}
	if n := rdb.DBSize(ctx).Val(); n != 2 {
		t.Errorf("DBSIZE = %d after expiry, want 2", n)
	}
	info := rdb.Info(ctx, "keyspace").Val()
	if want := "db0:keys=2,expires=1,avg_ttl="; !strings.Contains(info, want) {
		t.Errorf("INFO keyspace = %q, want a line starting %q", info, want)
	}
}

// Lazy expiry: a key past its deadline is never visible, even before the
// active cycle removes it.
func TestExpiredKeyNeverVisible(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set k v px 50
		pexpire k 1
	`)
	time.Sleep(20 * time.Millisecond)
	d.Run(`
		get k
		exists k
		ttl k
		type k
		~ keys *
	`)
}
