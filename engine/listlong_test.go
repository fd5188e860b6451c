package engine_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// A list of a million 512-byte elements (half a gigabyte) works in memory
// bounded by the caches, not by its size, and the commands that touch one end or one index
// stay fast at that size. Run with CAIRN_LONG_TESTS=1.
func TestListMillion(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("million-element list test: set CAIRN_LONG_TESTS=1 to run it")
	}
	const (
		elements = 1_000_000
		batch    = 1000
		maxRSS   = 250 // MiB; the data alone is 512 MiB
	)
	// A 200 MB memory bound (caches, memtables and the Go heap's limit all
	// come from it): the list's 512 MB must not show in the resident size.
	p := cairntest.StartProcess(t, t.TempDir(), "--cairn-memory-bound", "200mb")
	c := cairntest.Dial(t, p.Addr)
	peak := func(what string) int64 {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(p.Cmd.Process.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		var rss, hwm int64
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "VmRSS:" {
				rss, _ = strconv.ParseInt(f[1], 10, 64)
			} else if len(f) > 1 && f[0] == "VmHWM:" {
				hwm, _ = strconv.ParseInt(f[1], 10, 64)
			}
		}
		t.Logf("%-36s RSS %4d MiB, peak %4d MiB", what, rss>>10, hwm>>10)
		return hwm >> 10
	}
	expect := func(what, want string, args ...string) {
		start := time.Now()
		got := c.Do(args...)
		t.Logf("%-36s %v", what, time.Since(start).Round(time.Microsecond))
		if want != "" && got != want {
			t.Errorf("%q = %.200q, want %.200q", args, got, want)
		}
		if got[0] == '-' {
			t.Fatalf("%q: %q", args, got)
		}
	}
	elem := func(i int) string {
		s := strconv.Itoa(i)
		return s + strings.Repeat(".", 512-len(s))
	}
	bulk := func(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

	start := time.Now()
	for i := 0; i < elements; i += batch {
		args := []string{"RPUSH", "big"}
		for j := 0; j < batch; j++ {
			args = append(args, elem(i+j))
		}
		c.Send(args...)
		if i/batch%50 == 49 { // keep some replies in flight, not all
			for k := 0; k < 50; k++ {
				c.Read()
			}
		}
	}
	t.Logf("RPUSH of %d elements: %v", elements, time.Since(start).Round(time.Millisecond))
	peak("after filling")
	expect("LLEN", ":"+strconv.Itoa(elements)+"\r\n", "LLEN", "big")
	expect("LINDEX middle", bulk(elem(elements/2)), "LINDEX", "big", strconv.Itoa(elements/2))
	expect("LINDEX -1", bulk(elem(elements-1)), "LINDEX", "big", "-1")
	expect("LSET middle", "+OK\r\n", "LSET", "big", "500001", "changed")
	expect("LRANGE 100 in the middle", "", "LRANGE", "big", "499950", "500049")
	expect("LPOS with MAXLEN 1000 from the tail", "$-1\r\n", "LPOS", "big", "changed", "RANK", "-1", "MAXLEN", "1000")
	expect("LPOS found in the middle", ":500001\r\n", "LPOS", "big", "changed")
	expect("LPOP", bulk(elem(0)), "LPOP", "big")
	expect("RPOP 1000", "", "RPOP", "big", "1000")
	expect("LPUSH", ":999000\r\n", "LPUSH", "big", "head")
	expect("LINSERT 10 from the head", ":999001\r\n", "LINSERT", "big", "BEFORE", elem(10), "ins")
	expect("LREM near the tail, from the tail", ":1\r\n", "LREM", "big", "-1", elem(998990))
	expect("LTRIM 100000 off each end", "+OK\r\n", "LTRIM", "big", "100000", "-100001")
	expect("LLEN after LTRIM", ":799000\r\n", "LLEN", "big")
	expect("LINDEX 0 after LTRIM", bulk(elem(99999)), "LINDEX", "big", "0")
	expect("LMOVE", bulk(elem(99999)), "LMOVE", "big", "other", "LEFT", "LEFT")
	expect("DEL", ":1\r\n", "DEL", "big")
	if hwm := peak("at the end"); hwm > maxRSS {
		t.Errorf("peak RSS %d MiB for a %d MiB list, want under %d MiB", hwm, elements*512>>20, maxRSS)
	}
}
