package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

func TestIntrospectionDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		debug sleep 0
		debug object k
		latency latest
		latency history command
		latency reset
		latency reset command
		latency foo
		latency help
		memory usage nokey
		memory usage k samples abc
		memory usage k foo
		memory foo
		memory doctor
	`)
}

func TestDebugProtocolDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	for _, proto := range []string{"2", "3"} {
		d.Redis.Do("HELLO", proto)
		d.Cairn.Do("HELLO", proto)
		for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "verbatim", "true", "false", "foo"} {
			d.Do("DEBUG", "PROTOCOL", typ)
		}
		if proto == "3" {
			d.Do("DEBUG", "PROTOCOL", "attrib")
			d.Do("DEBUG", "PROTOCOL", "push")
			d.Do("PING") // the reply following the push
		} else {
			d.Do("DEBUG", "PROTOCOL", "attrib")
			d.Do("DEBUG", "PROTOCOL", "push")
		}
	}
	d.Run(`
		set k v
		debug error "ERR custom"
		debug log hello
		debug set-active-expire 1
	`)
}

func TestLatencyMonitor(t *testing.T) {
	s := cairntest.StartCairn(t, "--latency-monitor-threshold", "50", "--enable-debug-command", "yes")
	c := cairntest.Dial(t, s.Addr)
	c.Do("DEBUG", "SLEEP", "0.1")
	latest := c.Do("LATENCY", "LATEST")
	if !strings.Contains(latest, "$7\r\ncommand\r\n") {
		t.Fatalf("LATENCY LATEST after a 100ms command = %q", latest)
	}
	if h := c.Do("LATENCY", "HISTORY", "command"); !strings.HasPrefix(h, "*1\r\n*2\r\n:") {
		t.Errorf("LATENCY HISTORY command = %q", h)
	}
	if r := c.Do("LATENCY", "RESET"); r != ":1\r\n" {
		t.Errorf("LATENCY RESET = %q", r)
	}
	c.Do("SET", "a", "1")
	if h := c.Do("LATENCY", "HISTOGRAM", "set"); !strings.HasPrefix(h, "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n*2\r\n:") {
		t.Errorf("LATENCY HISTOGRAM set = %q", h)
	}
	if info := c.Do("INFO", "latencystats"); !strings.Contains(info, "latency_percentiles_usec_set:p50=") {
		t.Errorf("INFO latencystats = %q", info)
	}
	time.Sleep(10 * time.Millisecond)
}
