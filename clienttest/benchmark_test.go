package clienttest

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// benchTests runs redis-benchmark -q with its default test list and
// returns the names of the tests it reported.
func benchTests(t *testing.T, addr string) []string {
	t.Helper()
	bin := lookTool(t, "redis-benchmark", "redis-tools")
	host, port := hostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-h", host, "-p", port, "-q", "-n", "300", "-c", "4", "-r", "1000").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	// -q prints "NAME: N requests per second, p50=..." after \r progress.
	re := regexp.MustCompile(`(?m)(?:^|\r)([A-Z][A-Z0-9_ ()]*[A-Za-z0-9)]*(?: \([^)]*\))?): [0-9.]+ requests per second`)
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		names = append(names, strings.TrimSpace(m[1]))
	}
	if strings.Contains(string(out), "Error") || strings.Contains(string(out), "ERR") {
		t.Errorf("redis-benchmark reported errors:\n%s", out)
	}
	return names
}

// TestRedisBenchmarkDefaults runs every default redis-benchmark test
// against Cairn: the same tests as against Redis complete, and Cairn
// answered none of their requests with an error.
func TestRedisBenchmarkDefaults(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	want := benchTests(t, r.Addr)
	got := benchTests(t, c.Addr)
	if len(want) < 20 {
		t.Fatalf("expected about 21 default tests from Redis, parsed %q", want)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("redis-benchmark tests:\n redis: %q\n cairn: %q", want, got)
	}
	conn := cairntest.Dial(t, c.Addr)
	stats := conn.Do("INFO", "stats")
	if !strings.Contains(stats, "total_error_replies:0\r\n") {
		t.Errorf("Cairn replied errors during redis-benchmark:\n%s\n%s", stats, conn.Do("INFO", "errorstats"))
	}
	if !strings.Contains(conn.Do("INFO", "commandstats"), "cmdstat_lrange:calls=") {
		t.Errorf("LRANGE tests did not reach Cairn")
	}
}
