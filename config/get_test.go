package config

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// startBoth starts real Redis and loads Cairn's configuration with the
// same arguments (after --port and --bind, which startRedis adds).
func startBoth(t *testing.T, args ...string) (*Config, int) {
	t.Helper()
	needRedis(t)
	port := startRedis(t, t.TempDir(), "", args...)
	c, err := load(append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, port
}

func getMap(c *Config, patterns ...string) map[string]string {
	m := map[string]string{}
	for _, kv := range c.Get(patterns...) {
		m[kv[0]] = kv[1]
	}
	return m
}

// withoutCairn drops Cairn's own directives, which Redis does not have.
func withoutCairn(m map[string]string) map[string]string {
	maps.DeleteFunc(m, func(k, _ string) bool { return strings.HasPrefix(k, "cairn-") })
	return m
}

func diffMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %s = %q (present %v), Redis has %q", what, k, g, ok, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s = %q, which Redis does not return", what, k, g)
		}
	}
}

func TestDefaultsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	c, port := startBoth(t, "--save", "", "--dir", dir)
	diffMaps(t, "CONFIG GET *", withoutCairn(getMap(c, "*")), cliPairs(t, port, "config", "get", "*"))
	var hiddenNames []string
	for _, d := range directives {
		if d.flags&hidden != 0 {
			hiddenNames = append(hiddenNames, d.name)
		}
	}
	args := append([]string{"config", "get"}, hiddenNames...)
	diffMaps(t, "hidden", getMap(c, hiddenNames...), cliPairs(t, port, args...))
}

func TestGetPatternsMatchRedis(t *testing.T) {
	c, port := startBoth(t, "--save", "")
	for _, patterns := range [][]string{
		{"hash-max-*-entries"},
		{"hash-max-ziplist-entries"},
		{"port", "PORT", "Port"},
		{"PORT", "p*"},
		{"p?rt", "port"},
		{"*delay*"},
		{"rdb-key-save-delay", "*save*"},
		{"slave*"},
		{"repl-ping*", "repl-ping-slave-period"},
		{"[a-c]*"},
		{"[c-a]?"},
		{"*[^a-z-]*"},
		{"\\p*"},
		{"maxmemory*", "*policy", "MAXMEMORY"},
		{"nonexistent"},
		{"*-ziplist-*", "*-listpack-*"},
		{"["},
		{"[^"},
		{"tls-*[e]"},
		{"*\\"},
		{"HZ", "h?"},
		{"*MAX*LEN"},
		{"lua-time-limit", "busy-reply-threshold"},
	} {
		got, want := getMap(c, patterns...), cliPairs(t, port, append([]string{"config", "get"}, patterns...)...)
		diffMaps(t, strings.Join(patterns, " "), withoutCairn(got), want)
	}
}

func TestConfigSetMatchesRedis(t *testing.T) {
	c, port := startBoth(t, "--save", "", "--dir", t.TempDir())
	for _, args := range [][]string{
		{"port"},
		{"port", "1", "hz"},
		{"port", "abc"},
		{"foo", "1"},
		{"FOO", "1"},
		{"daemonize", "yes"},
		{"DAEMONIZE", "yes"},
		{"dir", "/tmp"},
		{"dbfilename", "x.rdb"},
		{"port", "1", "PORT", "2"},
		{"port", "99999", "foo", "1"},
		{"daemonize", "yes", "foo", "1"},
		{"foo", "1", "daemonize", "yes"},
		{"daemonize", "yes", "databases", "2"},
		{"hz", "1", "hz", "abc", "port", "1", "port", "2"},
		{"hz", "5", "maxmemory", "5x"},
		{"maxmemory", "1x"},
		{"save", "900 1  300 10"},
		{"save", "900"},
		{"Slave-Read-Only", "maybe"},
		{"Lua-Time-Limit", "abc"},
		{"maxmemory-clients", "101%"},
		{"maxmemory-clients", "x%"},
		{"client-output-buffer-limit", "normal 1 2"},
		{"client-output-buffer-limit", "master 1 2 3"},
		{"oom-score-adj-values", "1 2"},
		{"oom-score-adj-values", ""},
		{"notify-keyspace-events", "k"},
		{"appendonly", "maybe"},
		{"loglevel", "x"},
		{"loglevel", "debug verbose"},
		{"shutdown-on-sigint", "save nosave"},
		{"shutdown-on-sigint", ""},
		{"latency-tracking-info-percentiles", " 5"},
		{"latency-tracking-info-percentiles", "101"},
		{"unixsocketperm", "777"},
		{"replicaof", "no one"},
		{"cluster-announce-hostname", "a_b"},
		{"proc-title-template", "{bad}"},
		{"activedefrag", "yes"},
		{"busy-reply-threshold", "-1"},
		{"list-max-listpack-size", "2147483648"},
		{"slowlog-log-slower-than", "-2"},
		{"tracking-table-max-keys", "-1"},
		{"maxclients", "0"},
		// These succeed; the CONFIG GET * comparison below checks them.
		{"hz", "1000"},
		{"maxmemory", "1K"},
		{"maxmemory-policy", "ALLKEYS-LRU"},
		{"notify-keyspace-events", "Exg"},
		{"save", "1 2 3 4"},
		{"client-output-buffer-limit", "pubsub 1mb 2 3 replica 1gb 0 0"},
		{"oom-score-adj", "relative"},
		{"maxmemory-clients", "1%"},
		{"lua-time-limit", "1", "busy-reply-threshold", "2"},
		{"shutdown-on-sigterm", "force now"},
		{"latency-tracking-info-percentiles", "0x10 .5 5. 1e-300"},
		{"hash-max-ziplist-entries", "100", "set-max-intset-entries", "7"},
		{"proto-max-bulk-len", "2gb"},
		{"requirepass", ""},
		{"slowlog-log-slower-than", "-1"},
		{"appendfsync", "no", "tcp-keepalive", "0", "timeout", "30"},
		{"port", strconv.Itoa(port)},
	} {
		want := cli(t, port, append([]string{"config", "set"}, args...)...)
		var got string
		if err := c.Set(args); err != nil {
			got = err.Error()
		} else {
			got = "OK"
		}
		if got != strings.TrimSpace(want) {
			t.Errorf("CONFIG SET %q: got %q, Redis says %q", args, got, want)
		}
	}
	diffMaps(t, "after CONFIG SET", withoutCairn(getMap(c, "*")), cliPairs(t, port, "config", "get", "*"))
}

func TestGet(t *testing.T) {
	c := mustLoad(t, nil, "--maxmemory", "2mb", "--save", "1 2", "--bind", "127.0.0.1 -::1")
	cases := []struct {
		patterns []string
		want     [][2]string
	}{
		{[]string{"maxmemory"}, [][2]string{{"maxmemory", "2097152"}}},
		{[]string{"MaxMemory"}, [][2]string{{"MaxMemory", "2097152"}}},
		{[]string{"save", "SAVE", "s?ve"}, [][2]string{{"save", "1 2"}}},
		{[]string{"bind"}, [][2]string{{"bind", "127.0.0.1 -::1"}}},
		{[]string{"zset-max-*-value"}, [][2]string{{"zset-max-listpack-value", "64"}, {"zset-max-ziplist-value", "64"}}},
		{[]string{"watchdog-period"}, [][2]string{{"watchdog-period", "0"}}},
		{[]string{"watchdog-*"}, [][2]string{}},
		{[]string{"client-output-buffer-limit"}, [][2]string{{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}}},
		{[]string{"cairn-*"}, [][2]string{{"cairn-block-cache-size", "0"}, {"cairn-cache-size", "0"}, {"cairn-data-subdir", "cairn-data"}, {"cairn-direct-reads", "auto"}, {"cairn-memory-bound", "0"}, {"cairn-memtable-size", "0"}}},
		{[]string{"nope"}, [][2]string{}},
	}
	for _, tc := range cases {
		if got := c.Get(tc.patterns...); !slices.Equal(got, tc.want) {
			t.Errorf("Get(%q) = %q, want %q", tc.patterns, got, tc.want)
		}
	}
	all := c.Get("*")
	if !slices.IsSortedFunc(all, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) }) {
		t.Error("Get(*) is not sorted by name")
	}
}
