package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// After a clean restart the keys the hot cache held are read back into it
// before any client asks: the first GETs of them are cache hits.
func TestHotCacheWarmsUpAfterCleanRestart(t *testing.T) {
	dir := t.TempDir()
	srv := cairntest.StartCairnIn(t, dir, "--cairn-cache-size", "8mb")
	c := cairntest.Dial(t, srv.Addr)
	for i := 0; i < 200; i++ {
		c.Do("SET", fmt.Sprint("key:", i), fmt.Sprint("value:", i))
	}
	c.Do("SELECT", "5")
	c.Do("SET", "other", "db5")
	c.Close()
	srv.Stop()

	srv = cairntest.StartCairnIn(t, dir, "--cairn-cache-size", "8mb")
	c = cairntest.Dial(t, srv.Addr)
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "memory", "hot_cache_prefetched") < 201 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 201 keys were read back", infoField(t, c, "memory", "hot_cache_prefetched"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	hits, misses := infoField(t, c, "memory", "hot_cache_hits"), infoField(t, c, "memory", "hot_cache_misses")
	for i := 0; i < 200; i++ {
		if got, want := c.Do("GET", fmt.Sprint("key:", i)), fmt.Sprintf("$%d\r\nvalue:%d\r\n", len(fmt.Sprint("value:", i)), i); got != want {
			t.Fatalf("GET key:%d: %q, want %q", i, got, want)
		}
	}
	c.Do("SELECT", "5")
	if got := c.Do("GET", "other"); got != "$3\r\ndb5\r\n" {
		t.Fatalf("GET other in db 5: %q", got)
	}
	if h, m := infoField(t, c, "memory", "hot_cache_hits")-hits, infoField(t, c, "memory", "hot_cache_misses")-misses; h != 201 || m != 0 {
		t.Errorf("the first GETs after the restart: %d cache hits, %d misses; want 201 and 0", h, m)
	}
}
