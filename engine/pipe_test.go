package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/redis/go-redis/v9"
)

// redis-cli --pipe mass insertion (the bulk-loading protocol Redis
// documents) of 100,000 SETs ends with redis-cli's exact summary.
func TestRedisCLIPipe(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed: mass-insertion test skipped (apt-get install redis-tools)")
	}
	s := cairntest.StartCairn(t)
	var in bytes.Buffer
	const n = 100000
	for i := 0; i < n; i++ {
		k, v := fmt.Sprint("key:", i), fmt.Sprint("value:", i)
		fmt.Fprintf(&in, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	host, port, _ := strings.Cut(s.Addr, ":")
	cmd := exec.Command("redis-cli", "-h", host, "-p", port, "--pipe")
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --pipe: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Fatalf("redis-cli --pipe output:\n%s", out)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx := context.Background()
	if size := rdb.DBSize(ctx).Val(); size != n {
		t.Fatalf("DBSIZE = %d after the pipe, want %d", size, n)
	}
	if v := rdb.Get(ctx, "key:99999").Val(); v != "value:99999" {
		t.Fatalf("key:99999 = %q", v)
	}
}
