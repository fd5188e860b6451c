package engine_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// Values that live in fragments behave like any string: the string
// commands see the same bytes Redis has, across the inline/fragment
// threshold and back.
func TestLargeStringsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	chunk := strings.Repeat("0123456789abcdef", 1024) // 16 KB
	d.Do("set", "big", chunk+"tail")
	d.Do("strlen", "big")
	d.Do("get", "big")
	d.Do("object", "encoding", "big")
	d.Do("append", "big", chunk)
	d.Do("getrange", "big", "16380", "16390")
	d.Do("getrange", "big", "-5", "-1")
	d.Do("setrange", "big", "40000", "far")
	d.Do("get", "big")
	d.Do("substr", "big", "32000", "40010")
	d.Do("incr", "big")
	d.Do("incrbyfloat", "big", "1")
	d.Do("lcs", "big", "big", "len")
	d.Do("copy", "big", "big2")
	d.Do("setrange", "big2", "0", "X")
	d.Do("mget", "big", "big2")
	d.Do("getdel", "big2")
	d.Do("exists", "big2")
	d.Do("getset", "big", "small")
	d.Do("get", "big")
	d.Do("set", "big", chunk+chunk, "get")
	d.Do("getex", "big", "px", "100000")
	d.Do("rename", "big", "moved")
	d.Do("get", "moved")
	d.Do("setrange", "grow", "20000", "x")
	d.Do("append", "grow", "y")
	d.Do("get", "grow")
	d.Do("object", "encoding", "grow")
	d.Do("setrange", "sp", "3000000", "z")
	d.Do("strlen", "sp")
	d.Do("getrange", "sp", "2999990", "3000000")
	d.Do("get", "sp")
	d.Do("msetnx", "big", "x", "sp", "y")
	d.Do("mset", "sp", "short", "m2", chunk+"!")
	d.Do("get", "sp")
	d.Do("get", "m2")
}

// A bit at offset 2^32-1 of a new key costs a few KB on disk, not the
// 512 MB Redis allocates: the WAL grows by about one fragment and the data
// directory stays small.
func TestSparseBitmapFootprint(t *testing.T) {
	s := cairntest.StartCairn(t)
	c := cairntest.Dial(t, s.Addr)
	before := walBytes(t, c)
	if got := c.Do("setbit", "sparse", "4294967295", "1"); got != ":0\r\n" {
		t.Fatalf("SETBIT: %q", got)
	}
	if got := c.Do("setbit", "sparse", "2147483648", "1"); got != ":0\r\n" {
		t.Fatalf("SETBIT: %q", got)
	}
	written := walBytes(t, c) - before
	t.Logf("two SETBITs on a 512 MB bitmap wrote %d WAL bytes", written)
	if written <= 0 || written > 64<<10 {
		t.Fatalf("%d WAL bytes written for two bits", written)
	}
	if got := c.Do("strlen", "sparse"); got != ":536870912\r\n" {
		t.Fatalf("STRLEN: %q", got)
	}
	if got := c.Do("bitcount", "sparse"); got != ":2\r\n" {
		t.Fatalf("BITCOUNT: %q", got)
	}
	if size := dirSize(t, s.Dir); size > 8<<20 {
		t.Fatalf("data directory holds %d bytes", size)
	}
}

var walBytesLine = regexp.MustCompile(`storage_wal_bytes:(\d+)`)

func walBytes(t *testing.T, c *cairntest.Conn) int64 {
	t.Helper()
	m := walBytesLine.FindStringSubmatch(c.Do("info", "storage"))
	if m == nil {
		t.Fatal("INFO has no storage_wal_bytes")
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var size int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			size += info.Size()
		}
		return nil
	})
	return size
}

// Fragmented strings, bitmaps and HLLs survive a clean restart and a
// kill -9 (with appendfsync always) byte for byte.
func TestLargeStringsRestart(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir, "--appendfsync", "always")
	c := cairntest.Dial(t, p.Addr)
	chunk := strings.Repeat("restart!", 4096) // 32 KB
	script := [][]string{
		{"setbit", "huge", "4294967295", "1"},
		{"setbit", "huge", "8", "1"},
		{"setbit", "bits", "80000000", "1"},
		{"setbit", "bits", "123456", "1"},
		{"setrange", "bits", "1000000", chunk},
		{"set", "big", chunk},
		{"append", "big", chunk},
		{"setrange", "big", "70000", "end"},
		{"bitfield", "bf", "set", "u8", "#100000", "200", "incrby", "i16", "5", "-3"},
		{"set", "small", "abc"},
		{"setbit", "small", "30", "1"},
		{"pfadd", "hll", "a", "b", "c"},
		{"expire", "big", "100000"},
	}
	dense := []string{"pfadd", "dense"}
	for i := range 2000 {
		dense = append(dense, fmt.Sprint(i))
	}
	script = append(script, dense, []string{"pfcount", "dense"}, []string{"pfadd", "dense", "x"})
	for _, cmd := range script {
		if reply := c.Do(cmd...); strings.HasPrefix(reply, "-") {
			t.Fatalf("%v: %q", cmd, reply)
		}
	}
	want := stringsDigest(c)
	c.Close()
	p.Kill()
	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	if got := stringsDigest(c); got != want {
		t.Fatalf("after kill -9:\n got %s\nwant %s", got, want)
	}
	c.Close()
	p.Terminate(t)
	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	if got := stringsDigest(c); got != want {
		t.Fatalf("after a clean restart:\n got %s\nwant %s", got, want)
	}
}

// stringsDigest summarises the keys of TestLargeStringsRestart.
func stringsDigest(c *cairntest.Conn) string {
	var b strings.Builder
	for _, key := range []string{"bits", "big", "bf", "small", "hll", "dense"} {
		fmt.Fprintf(&b, "%s %x %q %q %q|", key, sha256.Sum256([]byte(c.Do("get", key))), c.Do("strlen", key), c.Do("bitcount", key), c.Do("object", "encoding", key))
	}
	fmt.Fprintf(&b, "%q %q %q ", c.Do("bitcount", "huge"), c.Do("bitpos", "huge", "1", "1"), c.Do("getrange", "huge", "-2", "-1"))
	fmt.Fprintf(&b, "%v", c.Do("ttl", "big") != ":-1\r\n")
	return b.String()
}

// A 100 MB value: edits and range reads touch only the fragments they
// need (measured in WAL bytes and time) and answer as Redis does.
func TestHundredMegabyteString(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("set CAIRN_LONG_TESTS=1 to build and edit a 100 MB string")
	}
	d := cairntest.NewDiffer(t)
	mb := strings.Repeat("abcdefghijklmnop", 1<<16)
	start := time.Now()
	for range 100 {
		d.Do("append", "v", mb)
	}
	t.Logf("100 APPENDs of 1 MB: %v", time.Since(start))
	for _, cmd := range [][]string{
		{"setbit", "v", "400000001", "1"},
		{"setrange", "v", "52428800", "hello"},
		{"bitfield", "v", "incrby", "u32", "#10000000", "7"},
		{"append", "v", "tail"},
	} {
		before := walBytes(t, d.Cairn)
		start := time.Now()
		d.Do(cmd...)
		took := time.Since(start)
		written := walBytes(t, d.Cairn) - before
		t.Logf("%v: %d WAL bytes, %v (both servers)", cmd, written, took)
		if written > 64<<10 {
			t.Errorf("%v wrote %d bytes", cmd, written)
		}
	}
	for _, cmd := range [][]string{
		{"strlen", "v"},
		{"getrange", "v", "52428790", "52428810"},
		{"getrange", "v", "-10", "-1"},
		{"getbit", "v", "400000001"},
		{"bitcount", "v", "50000000", "50001000"},
		{"bitcount", "v", "400000000", "400000100", "bit"},
		{"bitpos", "v", "0", "52428800"},
		{"bitpos", "v", "1", "-100"},
		{"bitfield_ro", "v", "get", "u32", "#10000000"},
	} {
		start := time.Now()
		d.Do(cmd...)
		t.Logf("%v: %v (both servers)", cmd, time.Since(start))
	}
	start = time.Now()
	d.Do("bitcount", "v")
	t.Logf("BITCOUNT of 100 MB: %v (both servers)", time.Since(start))
	start = time.Now()
	if got := bulkValue(t, d.Cairn.Do("get", "v")); len(got) != 100<<20+4 {
		t.Fatalf("GET returned %d bytes", len(got))
	}
	t.Logf("GET of 100 MB from Cairn: %v", time.Since(start))
}
