package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func infoInt(t *testing.T, c *cairntest.Conn, section, name string) int64 {
	t.Helper()
	reply := c.Do("INFO", section)
	for _, line := range strings.Split(reply, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", name, v)
			}
			return n
		}
	}
	t.Fatalf("INFO %s lacks %s", section, name)
	return 0
}

// rssOf is a process's resident memory in bytes, from /proc.
func rssOf(t *testing.T, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// A dataset several times the memory bound loads with the process's RSS
// within the bound plus a fixed overhead, and CONFIG SET maxmemory resizes
// the caches at once.
func TestMemoryBound(t *testing.T) {
	const bound = 48 << 20
	p := cairntest.StartProcess(t, t.TempDir(), "--cairn-memory-bound", "48mb")
	c := cairntest.Dial(t, p.Addr)
	if got := infoInt(t, c, "memory", "cairn_memory_bound"); got != bound {
		t.Fatalf("cairn_memory_bound %d", got)
	}
	if got := infoInt(t, c, "memory", "hot_cache_budget"); got != bound/8 {
		t.Errorf("hot_cache_budget %d, want %d", got, bound/8)
	}
	value := strings.Repeat("v", 1000)
	n := 60000 // 60 MB of values, more than the bound
	if testing.Short() {
		n = 20000
	}
	var peak int64
	for i := 0; i < n; i += 500 {
		var b strings.Builder
		for j := i; j < i+500; j++ {
			key := fmt.Sprintf("key:%d", j)
			fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
		}
		c.Write([]byte(b.String()))
		for j := 0; j < 500; j++ {
			if r := c.Read(); r != "+OK\r\n" {
				t.Fatalf("SET: %q", r)
			}
		}
		if i%10000 == 0 {
			peak = max(peak, rssOf(t, p.Cmd.Process.Pid))
		}
	}
	peak = max(peak, rssOf(t, p.Cmd.Process.Pid))
	used := infoInt(t, c, "memory", "used_memory")
	t.Logf("%d keys, used_memory %d MB, peak RSS %d MB with a %d MB bound", n, used>>20, peak>>20, bound>>20)
	if used < int64(n)*1000 {
		t.Errorf("used_memory %d for %d keys of 1000 bytes", used, n)
	}
	// Fixed overhead: the binary's code (~25 MB resident) and the runtime's.
	if limit := int64(bound + 64<<20); peak > limit {
		t.Errorf("peak RSS %d MB over the bound %d MB + 64 MB", peak>>20, bound>>20)
	}
	// The hot cache and the block cache follow maxmemory when no explicit
	// bound is given: drop the bound and set maxmemory.
	c.Do("CONFIG", "SET", "cairn-memory-bound", "0", "maxmemory", "32mb")
	if got := infoInt(t, c, "memory", "hot_cache_budget"); got != 4<<20 {
		t.Errorf("hot_cache_budget %d after CONFIG SET maxmemory 32mb, want 4 MB", got)
	}
	if got := infoInt(t, c, "memory", "block_cache_capacity"); got != 8<<20 {
		t.Errorf("block_cache_capacity %d after CONFIG SET maxmemory 32mb, want 8 MB", got)
	}
	if got := infoInt(t, c, "memory", "cairn_go_memory_limit"); got <= 0 || got > 40<<20 {
		t.Errorf("cairn_go_memory_limit %d after CONFIG SET maxmemory 32mb", got)
	}
}
