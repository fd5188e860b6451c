package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// populate writes keys of every type into db 0, 3 and 15 (commands of
// families Cairn does not have yet are skipped) and returns how many
// commands ran.
func populate(t *testing.T, addr string) int {
	ctx := context.Background()
	big := strings.Repeat("0123456789abcdef", 2000) // fragmented, LZF-compressible
	ran := 0
	for _, db := range []int{0, 3, 15} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		cmds := [][]any{
			{"set", "s:int", "12345"}, {"set", "s:neg", "-2147483648"}, {"set", "s:big", big},
			{"set", "s:bin", "\x00\xff\r\n"}, {"set", "s:empty", ""}, {"set", "s:ttl", "x", "px", 3600000},
			{"setbit", "s:bits", 100000, 1}, {"pfadd", "s:hll", "a", "b", "c"},
			{"rpush", "l:small", "a", "1", "-3"}, {"rpush", "l:ttl", "x"}, {"pexpire", "l:ttl", 7200000},
			{"sadd", "set:ints", 1, 2, 3}, {"sadd", "set:strs", "a", "b"},
			{"hset", "h:small", "f", "v", "n", "1"},
			{"zadd", "z:small", 1, "a", 2.5, "b", "-inf", "c"},
			{"xadd", "x:s", "1-1", "f", "v"}, {"xadd", "x:s", "2-1", "g", "w", "f", "z"},
			{"xgroup", "create", "x:s", "grp", "0"}, {"xreadgroup", "group", "grp", "alice", "count", 1, "streams", "x:s", ">"},
		}
		for i := range 300 {
			cmds = append(cmds, []any{"rpush", "l:big", fmt.Sprint("element-", i)}, []any{"sadd", "set:big", fmt.Sprint("m", i)},
				[]any{"hset", "h:big", fmt.Sprint("f", i), strings.Repeat("v", i)}, []any{"zadd", "z:big", i, fmt.Sprint("m", i)})
		}
		for _, cmd := range cmds {
			err := c.Do(ctx, cmd...).Err()
			if err != nil && strings.Contains(err.Error(), "unknown command") {
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", cmd, err)
			}
			ran++
		}
		c.Close()
	}
	return ran
}

// keyViews reads every key of every database: type, value, deadline.
func keyViews(t *testing.T, addr string) map[string][]string {
	ctx := context.Background()
	out := map[string][]string{}
	for db := range 16 {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			view, err := serverView(ctx, c, k, typ)
			if err != nil {
				t.Fatalf("db %d key %q: %v", db, k, err)
			}
			exp, _ := c.Do(ctx, "pexpiretime", k).Int64()
			out[fmt.Sprintf("%d/%s", db, k)] = append([]string{typ, fmt.Sprint(exp)}, view...)
		}
		c.Close()
	}
	return out
}

func compareViews(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: key %s missing", what, k)
		} else if !slices.Equal(g, w) {
			t.Errorf("%s: key %s differs:\n%s", what, k, firstDiff(g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key %s", what, k)
		}
	}
}

// startRedisOn runs a real redis-server on an RDB file Cairn wrote.
func startRedisOn(t *testing.T, path string) *cairntest.Server {
	return cairntest.StartRedis(t, "--dir", filepath.Dir(path), "--dbfilename", filepath.Base(path), "--sanitize-dump-payload", "yes")
}

func redisCheck(t *testing.T, path string) {
	t.Helper()
	checker, err := exec.LookPath("redis-check-rdb")
	if err != nil {
		t.Log("redis-check-rdb not installed: check skipped")
		return
	}
	out, err := exec.Command(checker, path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Errorf("redis-check-rdb %s: %v\n%s", path, err, out)
	}
}

// TestSaveLoadsInRedis: what SAVE writes passes redis-check-rdb, and a
// real redis-server loading it holds exactly Cairn's keys, values and TTLs;
// importing it into a fresh Cairn gives them back too.
func TestSaveLoadsInRedis(t *testing.T) {
	if !cairntest.HaveRedis() {
		t.Skip("redis-server is not installed")
	}
	srv := cairntest.StartCairn(t)
	populate(t, srv.Addr)
	c := cairntest.Dial(t, srv.Addr)
	if got := c.Do("save"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	if info := c.Do("info", "persistence"); !strings.Contains(info, "rdb_changes_since_last_save:0\r\n") || !strings.Contains(info, "rdb_saves:1\r\n") {
		t.Errorf("INFO after SAVE:\n%s", info)
	}
	path := filepath.Join(srv.Dir, "dump.rdb")
	redisCheck(t, path)
	want := keyViews(t, srv.Addr)
	r := startRedisOn(t, path)
	compareViews(t, "redis-server loading Cairn's file", keyViews(t, r.Addr), want)

	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := importInto(t, file, true, dir); err != nil {
		t.Fatal(err)
	}
	again := cairntest.StartCairnIn(t, dir)
	compareViews(t, "Cairn re-importing its own file", keyViews(t, again.Addr), want)
}

// TestBGSaveConsistentWhileWriting: BGSAVE answers at once and writes a
// consistent snapshot while clients keep writing: every MSET pair (one
// atomic command) is either wholly in the file or wholly absent.
func TestBGSaveConsistentWhileWriting(t *testing.T) {
	srv := cairntest.StartCairn(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	defer c.Close()
	for i := range 20000 {
		c.Set(ctx, fmt.Sprint("fill:", i), strings.Repeat("x", 100), 0)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var worst time.Duration
	var mu sync.Mutex
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cw := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
			defer cw.Close()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := fmt.Sprint(w, ":", i)
				start := time.Now()
				if err := cw.MSet(ctx, fmt.Sprint("a:", w), v, fmt.Sprint("b:", w), v).Err(); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				worst = max(worst, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if got := c.Do(ctx, "bgsave").Val(); got != "Background saving started" {
		t.Fatalf("BGSAVE: %v", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("BGSAVE took %v to answer", d)
	}
	for {
		info := c.Info(ctx, "persistence").Val()
		if strings.Contains(info, "rdb_bgsave_in_progress:0") {
			if !strings.Contains(info, "rdb_last_bgsave_status:ok") {
				t.Fatalf("BGSAVE failed:\n%s", info)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("BGSAVE of 20000 keys took %v; slowest MSET meanwhile %v", time.Since(start), worst)

	file, err := os.ReadFile(filepath.Join(srv.Dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stats, err := importInto(t, file, true, dir)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Keys < 20000 {
		t.Errorf("only %d keys saved", stats.Keys)
	}
	again := cairntest.StartCairnIn(t, dir)
	c2 := redis.NewClient(&redis.Options{Addr: again.Addr, Protocol: 2})
	defer c2.Close()
	for w := range 4 {
		a, b := c2.Get(ctx, fmt.Sprint("a:", w)).Val(), c2.Get(ctx, fmt.Sprint("b:", w)).Val()
		if a != b {
			t.Errorf("writer %d: the snapshot holds half an MSET: %q vs %q", w, a, b)
		}
	}
}

// TestSaveCommandsDifferential compares the replies of the persistence
// commands that do not depend on timing.
func TestSaveCommandsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		bgsave foo
		bgsave schedule extra
		save extra
		lastsave extra
		multi
		save
		exec
		multi
		bgsave
		exec
	`)
}

// TestSaveSchedule: a "save 1 1" rule saves by itself after a change.
func TestSaveSchedule(t *testing.T) {
	srv := cairntest.StartCairn(t, "--save", "1 1")
	c := cairntest.Dial(t, srv.Addr)
	before := c.Do("lastsave")
	c.Do("set", "k", "v")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(srv.Dir, "dump.rdb")); err == nil && c.Do("lastsave") != before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no save after a change with 'save 1 1':\n%s", c.Do("info", "persistence"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
