package engine_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// infoField reads one numeric field of INFO.
func infoField(t *testing.T, c *cairntest.Conn, section, name string) int64 {
	t.Helper()
	reply := c.Do("INFO", section)
	for _, line := range strings.Split(reply, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %s is %q", section, name, v)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s field:\n%s", section, name, reply)
	return 0
}

// withClients is the maxmemory that leaves dataset bytes to the keys
// while conns connections are open: used_memory counts each one's buffer.
func withClients(dataset int64, conns int) int64 { return dataset + int64(conns)*16384 }

// settle waits until evictions brought used_memory within maxmemory (a
// command evicts for a bounded time, the cron finishes the job).
func settle(t *testing.T, c *cairntest.Conn, maxmem int64) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		used := infoField(t, c, "memory", "used_memory")
		if used <= maxmem {
			return used
		}
		if time.Now().After(deadline) {
			t.Fatalf("used_memory %d stays over maxmemory %d", used, maxmem)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pipeline sends every command, then reads every reply.
func pipeline(t *testing.T, c *cairntest.Conn, cmds [][]string) []string {
	t.Helper()
	for _, cmd := range cmds {
		c.Send(cmd...)
	}
	out := make([]string, len(cmds))
	for i := range cmds {
		out[i] = c.Read()
	}
	return out
}

func setCmds(prefix string, n int, value string, extra ...string) [][]string {
	var cmds [][]string
	for i := 0; i < n; i++ {
		cmds = append(cmds, append([]string{"SET", fmt.Sprintf("%s:%d", prefix, i), value}, extra...))
	}
	return cmds
}

func exists(t *testing.T, c *cairntest.Conn, key string) bool {
	t.Helper()
	return c.Do("EXISTS", key) == ":1\r\n"
}

// footprint of a "prefix:i" key with a 100-byte value: 48 + key + value.
const value100 = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"

// With allkeys-lru under a small maxmemory, the dataset stays within the
// bound, and the keys evicted are the old ones nobody read, not the old
// ones read recently nor the new ones.
func TestEvictionAllkeysLRU(t *testing.T) {
	maxmem := withClients(100000, 1)
	srv := cairntest.StartCairn(t, "--maxmemory", strconv.FormatInt(maxmem, 10), "--maxmemory-policy", "allkeys-lru", "--maxmemory-samples", "10")
	c := cairntest.Dial(t, srv.Addr)
	pipeline(t, c, setCmds("old", 500, value100)) // ~80 KB
	if n := infoField(t, c, "stats", "evicted_keys"); n != 0 {
		t.Fatalf("evicted %d keys under the bound", n)
	}
	// Access times count in seconds, as Redis's LRU clock does (a key the
	// hot cache saw this second already is not stamped again): the reads
	// and the new keys come a second later each.
	time.Sleep(1100 * time.Millisecond)
	var gets [][]string
	for i := 0; i < 100; i++ {
		gets = append(gets, []string{"GET", fmt.Sprintf("old:%d", i)})
	}
	pipeline(t, c, gets)
	time.Sleep(1100 * time.Millisecond)
	for _, r := range pipeline(t, c, setCmds("new", 300, value100)) {
		if r != "+OK\r\n" {
			t.Fatalf("SET under allkeys-lru: %q", r)
		}
	}
	settle(t, c, maxmem)
	evicted := infoField(t, c, "stats", "evicted_keys")
	if evicted < 100 {
		t.Errorf("evicted_keys %d, want the ~150 keys over the bound", evicted)
	}
	hot, cold, fresh := 0, 0, 0
	for i := 0; i < 100; i++ {
		if exists(t, c, fmt.Sprintf("old:%d", i)) {
			hot++
		}
	}
	for i := 100; i < 500; i++ {
		if exists(t, c, fmt.Sprintf("old:%d", i)) {
			cold++
		}
	}
	for i := 0; i < 300; i++ {
		if exists(t, c, fmt.Sprintf("new:%d", i)) {
			fresh++
		}
	}
	t.Logf("evicted %d: survivors hot %d/100, cold %d/400, new %d/300", evicted, hot, cold, fresh)
	if hot < 95 || fresh < 285 || int64(400-cold) < evicted*9/10 {
		t.Errorf("LRU evicted the wrong keys: survivors hot %d/100, cold %d/400, new %d/300 (evicted %d)", hot, cold, fresh, evicted)
	}
	if keys := c.Do("DBSIZE"); keys != fmt.Sprintf(":%d\r\n", hot+cold+fresh) {
		t.Errorf("DBSIZE %q, counted %d", keys, hot+cold+fresh)
	}
}

// Every policy keeps the dataset bounded; the volatile ones evict only
// keys with a deadline.
func TestEvictionPolicies(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			maxmem := withClients(60000, 1)
			srv := cairntest.StartCairn(t, "--maxmemory", strconv.FormatInt(maxmem, 10), "--maxmemory-policy", policy)
			c := cairntest.Dial(t, srv.Addr)
			pipeline(t, c, setCmds("p", 100, value100))               // no deadline: ~16 KB
			pipeline(t, c, setCmds("v", 300, value100, "EX", "1000")) // ~53 KB with deadlines
			pipeline(t, c, setCmds("q", 100, value100))
			settle(t, c, maxmem)
			if n := infoField(t, c, "stats", "evicted_keys"); n == 0 {
				t.Errorf("nothing evicted")
			}
			if strings.HasPrefix(policy, "volatile") {
				for _, prefix := range []string{"p", "q"} {
					for i := 0; i < 100; i++ {
						if !exists(t, c, fmt.Sprintf("%s:%d", prefix, i)) {
							t.Fatalf("%s evicted %s:%d, which has no deadline", policy, prefix, i)
						}
					}
				}
			}
		})
	}
}

// volatile-ttl evicts the keys closest to their deadline first; once no
// key has a deadline, writes get Redis's OOM error.
func TestEvictionVolatileTTL(t *testing.T) {
	maxmem := withClients(40000, 1)
	srv := cairntest.StartCairn(t, "--maxmemory", strconv.FormatInt(maxmem, 10), "--maxmemory-policy", "volatile-ttl")
	c := cairntest.Dial(t, srv.Addr)
	var cmds [][]string
	for i := 0; i < 200; i++ {
		cmds = append(cmds, []string{"SET", fmt.Sprintf("t:%d", i), value100, "EX", strconv.Itoa(1000 + i)})
	}
	pipeline(t, c, cmds) // ~35 KB
	pipeline(t, c, setCmds("p", 50, value100))
	settle(t, c, maxmem)
	evicted := int(infoField(t, c, "stats", "evicted_keys"))
	if evicted == 0 {
		t.Fatal("nothing evicted")
	}
	for i := 0; i < 200; i++ {
		if got, want := exists(t, c, fmt.Sprintf("t:%d", i)), i >= evicted; got != want {
			t.Fatalf("t:%d exists=%v after %d evictions: not the shortest TTLs first", i, got, evicted)
		}
	}
	// Fill with keys that have no deadline until none is left to evict.
	var last string
	for i := 50; i < 400 && !strings.HasPrefix(last, "-"); i++ {
		last = c.Do("SET", fmt.Sprintf("p:%d", i), value100)
	}
	if last != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
		t.Fatalf("SET with nothing evictable: %q", last)
	}
	if got := c.Do("GET", "p:0"); got != "$100\r\n"+value100+"\r\n" {
		t.Errorf("GET (not denyoom) over the limit: %q", got)
	}
	if got := c.Do("DEL", "p:0"); got != ":1\r\n" {
		t.Errorf("DEL over the limit: %q", got)
	}
}

// Evictions are deletes like any other: `evicted` notifications, WATCH,
// evicted_keys.
func TestEvictionNotifiesAndTouchesWatchers(t *testing.T) {
	maxmem := withClients(20000, 3)
	srv := cairntest.StartCairn(t, "--maxmemory", strconv.FormatInt(maxmem, 10), "--maxmemory-policy", "volatile-ttl", "--notify-keyspace-events", "KEe")
	c := cairntest.Dial(t, srv.Addr)
	sub := cairntest.Dial(t, srv.Addr)
	sub.Send("PSUBSCRIBE", "__key*__:*")
	sub.Read()
	c.Do("SET", "victim", value100, "EX", "100")
	watcher := cairntest.Dial(t, srv.Addr)
	watcher.Do("WATCH", "victim")
	watcher.Do("MULTI")
	watcher.Do("SET", "other", "x")
	pipeline(t, c, setCmds("p", 150, value100, "EX", "100000")) // over 20000: victim, the soonest deadline, goes first
	settle(t, c, maxmem)
	if exists(t, c, "victim") {
		t.Fatal("victim not evicted")
	}
	if got := watcher.Do("EXEC"); got != "*-1\r\n" {
		t.Errorf("EXEC after the watched key was evicted: %q", got)
	}
	want := []string{
		"*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$21\r\n__keyspace@0__:victim\r\n$7\r\nevicted\r\n",
		"*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$22\r\n__keyevent@0__:evicted\r\n$6\r\nvictim\r\n",
	}
	for _, w := range want {
		got, ok := sub.ReadTimeout(2 * time.Second)
		if !ok || got != w {
			t.Fatalf("notification: %q, want %q", got, w)
		}
	}
	if n := infoField(t, c, "stats", "evicted_keys"); n < 1 {
		t.Errorf("evicted_keys %d", n)
	}
}

// With noeviction, what Redis refuses over maxmemory Cairn refuses with
// the same error, and what Redis lets through goes through.
func TestEvictionNoevictionOOMDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set a hello
		rpush l x y
		config set maxmemory 1
		set b world
		get a
		append a more
		lpush l z
		lpop l
		del l
		exists l
		incr n
		strlen a
		multi
		get a
		exec
		multi
		exec
		eval "return redis.call('set','x','y')" 0
		eval "return redis.pcall('set','x','y')" 0
		eval "redis.call('del','nothing') return redis.call('get','a')" 0
		eval "#!lua\nreturn redis.call('get','a')" 0
		eval "#!lua flags=no-writes\nreturn redis.call('get','a')" 0
		eval "#!lua flags=allow-oom\nreturn redis.call('set','x','y')" 0
		function load "#!lua name=lib\nredis.register_function('f', function() return 1 end)"
		config set maxmemory 0
		set b world
		get b
	`)
}

// INFO memory and stats report the dataset, the bound and the caches.
func TestEvictionInfoFields(t *testing.T) {
	srv := cairntest.StartCairn(t, "--maxmemory", "10mb", "--maxmemory-policy", "allkeys-lfu")
	c := cairntest.Dial(t, srv.Addr)
	c.Do("SET", "k", "v")
	mem := c.Do("INFO", "memory")
	for _, f := range []string{"used_memory:", "used_memory_human:", "used_memory_rss:", "used_memory_rss_human:",
		"used_memory_peak:", "used_memory_peak_human:", "used_memory_dataset:", "used_memory_overhead:",
		"maxmemory:10485760\r\n", "maxmemory_human:10.00M\r\n", "maxmemory_policy:allkeys-lfu\r\n", "mem_fragmentation_ratio:",
		"hot_cache_used:", "hot_cache_budget:", "hot_cache_hits:", "hot_cache_misses:", "hot_cache_evictions:",
		"block_cache_used:", "block_cache_capacity:", "cairn_memory_bound:", "cairn_go_memory_limit:", "memtable_size:"} {
		if !strings.Contains(mem, "\n"+f) {
			t.Errorf("INFO memory lacks %q", f)
		}
	}
	if used := infoField(t, c, "memory", "used_memory_dataset"); used != 48+1+1 {
		t.Errorf("used_memory_dataset %d for one key of 1 byte with a 1-byte value, want 50", used)
	}
	// Plus the buffer of the one connection, as Redis counts its clients'.
	if used := infoField(t, c, "memory", "used_memory"); used != 48+1+1+16384 {
		t.Errorf("used_memory %d for that key and one connection, want 16434", used)
	}
	stats := c.Do("INFO", "stats")
	for _, f := range []string{"evicted_keys:0\r\n", "keyspace_hits:", "keyspace_misses:", "total_eviction_exceeded_time:"} {
		if !strings.Contains(stats, "\n"+f) {
			t.Errorf("INFO stats lacks %q", f)
		}
	}
	// OBJECT FREQ works under an LFU policy, for any key.
	if got := c.Do("OBJECT", "FREQ", "k"); !strings.HasPrefix(got, ":") {
		t.Errorf("OBJECT FREQ: %q", got)
	}
}

// The dataset's share of used_memory follows every kind of write back to zero, and a restart
// finds it where it was.
func TestEvictionAccountingSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := cairntest.StartCairnIn(t, dir)
	c := cairntest.Dial(t, srv.Addr)
	pipeline(t, c, setCmds("s", 100, value100))
	c.Do("HSET", "h", "f1", "v1", "f2", "v2")
	c.Do("RPUSH", "l", "a", "b", "c")
	c.Do("SET", "big", strings.Repeat("x", 40000)) // fragmented
	c.Do("APPEND", "s:1", "more")
	c.Do("EXPIRE", "s:2", "1000")
	c.Do("RENAME", "s:3", "renamed-s3")
	c.Do("SELECT", "1")
	c.Do("SET", "db1", "v")
	c.Do("SELECT", "0")
	used := infoField(t, c, "memory", "used_memory_dataset")
	if used < 100*150+40000 {
		t.Fatalf("used_memory_dataset %d too small", used)
	}
	srv.Stop()
	srv = cairntest.StartCairnIn(t, dir)
	c = cairntest.Dial(t, srv.Addr)
	if got := infoField(t, c, "memory", "used_memory_dataset"); got != used {
		t.Fatalf("used_memory_dataset %d after a restart, %d before", got, used)
	}
	c.Do("FLUSHDB")
	if got := infoField(t, c, "memory", "used_memory_dataset"); got != 48+3+1 {
		t.Errorf("used_memory_dataset %d after FLUSHDB, want db1's key alone (52)", got)
	}
	c.Do("SELECT", "1")
	c.Do("DEL", "db1")
	if got := infoField(t, c, "memory", "used_memory_dataset"); got != 0 {
		t.Errorf("used_memory_dataset %d with no keys", got)
	}
}

// allkeys-lfu keeps the keys read often.
func TestEvictionAllkeysLFU(t *testing.T) {
	maxmem := withClients(60000, 1)
	srv := cairntest.StartCairn(t, "--maxmemory", strconv.FormatInt(maxmem, 10), "--maxmemory-policy", "allkeys-lfu", "--maxmemory-samples", "10")
	c := cairntest.Dial(t, srv.Addr)
	pipeline(t, c, setCmds("k", 300, value100)) // ~47 KB
	var gets [][]string
	for round := 0; round < 10; round++ {
		for i := 0; i < 50; i++ {
			gets = append(gets, []string{"GET", fmt.Sprintf("k:%d", i)})
		}
	}
	pipeline(t, c, gets)
	pipeline(t, c, setCmds("n", 200, value100))
	settle(t, c, maxmem)
	hot := 0
	for i := 0; i < 50; i++ {
		if exists(t, c, fmt.Sprintf("k:%d", i)) {
			hot++
		}
	}
	if evicted := infoField(t, c, "stats", "evicted_keys"); evicted < 50 || hot < 48 {
		t.Errorf("evicted %d keys, %d/50 frequently read keys survived", evicted, hot)
	}
	if got := c.Do("OBJECT", "FREQ", "k:0"); got == ":5\r\n" || !strings.HasPrefix(got, ":") {
		t.Errorf("OBJECT FREQ of a key read 10 times: %q", got)
	}
}

// INFO stats counts the bytes and the reads and writes of the sockets.
func TestInfoNetCounters(t *testing.T) {
	srv := cairntest.StartCairn(t)
	c := cairntest.Dial(t, srv.Addr)
	stats := func() map[string]int64 {
		out := map[string]int64{}
		for _, line := range strings.Split(c.Do("INFO", "stats"), "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				out[k], _ = strconv.ParseInt(v, 10, 64)
			}
		}
		return out
	}
	before := stats()
	c.Do("SET", "k", "v")
	after := stats()
	grew := func(name string) int64 { return after[name] - before[name] }
	// Between the two INFO replies: the SET and the second INFO were read,
	// the first INFO's reply and the SET's were written.
	if got, want := grew("total_net_input_bytes"), int64(len("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n")); got != want {
		t.Errorf("total_net_input_bytes grew by %d, want %d", got, want)
	}
	if got := grew("total_reads_processed"); got != 2 {
		t.Errorf("total_reads_processed grew by %d, want 2", got)
	}
	if got := grew("total_writes_processed"); got != 2 {
		t.Errorf("total_writes_processed grew by %d, want 2", got)
	}
	if got := grew("total_net_output_bytes"); got <= int64(len("+OK\r\n")) {
		t.Errorf("total_net_output_bytes grew by %d", got)
	}
}

// Idle times and LFU counters outlive a clean restart, as Redis's do in
// its RDB.
func TestAccessRecordsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := cairntest.StartCairnIn(t, dir)
	c := cairntest.Dial(t, s.Addr)
	c.Do("SET", "k", "v")
	payload := c.Do("DUMP", "k")
	dump := strings.SplitN(payload, "\r\n", 3)[1]
	// As in Redis, IDLETIME counts under an LRU policy, FREQ under LFU.
	if r := c.Do("RESTORE", "idle", "0", dump, "IDLETIME", "5000"); r != "+OK\r\n" {
		t.Fatalf("RESTORE IDLETIME: %q", r)
	}
	c.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	if r := c.Do("RESTORE", "hot", "0", dump, "FREQ", "100"); r != "+OK\r\n" {
		t.Fatalf("RESTORE FREQ: %q", r)
	}
	c.Close()
	s.Stop()
	s = cairntest.StartCairnIn(t, dir, "--maxmemory-policy", "allkeys-lfu")
	c = cairntest.Dial(t, s.Addr)
	if r := c.Do("OBJECT", "FREQ", "hot"); r != ":100\r\n" {
		t.Errorf("OBJECT FREQ after a restart: %q, want 100", r)
	}
	c.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	if r := c.Do("OBJECT", "IDLETIME", "idle"); r != ":5000\r\n" && r != ":5001\r\n" {
		t.Errorf("OBJECT IDLETIME after a restart: %q, want 5000", r)
	}
}
