package config

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// loadFile writes text to a config file in a fresh directory and loads it
// with the extra arguments and environment.
func loadFile(t *testing.T, text string, environ []string, args ...string) (*Config, error) {
	t.Helper()
	file := writeFile(t, filepath.Join(t.TempDir(), "redis.conf"), text)
	return load(append([]string{file}, args...), environ, nil)
}

func mustLoadFile(t *testing.T, text string, environ []string, args ...string) *Config {
	t.Helper()
	c, err := loadFile(t, text, environ, args...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLaterLinesOverride(t *testing.T) {
	c := mustLoadFile(t, "port 1\n# port 9\nport 2\nmaxmemory 1mb\nMAXMEMORY 2MB\nhash-max-ziplist-entries 5\nhash-max-listpack-entries 6\n", nil)
	for name, want := range map[string]string{"port": "2", "maxmemory": "2097152", "hash-max-listpack-entries": "6"} {
		if got := c.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestSaveLines(t *testing.T) {
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.conf"), "")
	cases := []struct {
		text string
		args []string
		want string
	}{
		{"", nil, "3600 1 300 100 60 10000"},
		{"save 900 1\nsave 300 10\n", nil, "900 1 300 10"},
		{"save \"\"\nsave 300 10\n", nil, "300 10"},
		{"save 300 10\nsave \"\"\n", nil, ""},
		{"save 1 1\nsave\n", nil, "1 1"},
		{"save 300 10 20 5\nsave \"\"\nsave 1 1\n", nil, "1 1"},
		{"save \"900 1 300 10\"\n", nil, "900 1 300 10"},
		{"save \" 1\" \"+2\"\n", nil, "1 2"},
		{"save 1 4294967297\n", nil, "1 1"},
		{"save 900 1\n", []string{"--save", "300", "10"}, "900 1 300 10"},
		{"save 900 1\n", []string{"--save"}, ""},
		{"", []string{"--save", "300 10", "--save", "60 5"}, "300 10 60 5"},
		// After an include, each save line replaces the previous ones, as
		// Redis 7.0 does.
		{"include " + empty + "\nsave 900 1\nsave 300 10\n", nil, "300 10"},
	}
	for _, tc := range cases {
		c := mustLoadFile(t, tc.text, nil, tc.args...)
		if got := c.String("save"); got != tc.want {
			t.Errorf("%q %q: save = %q, want %q", tc.text, tc.args, got, tc.want)
		}
	}
}

// loadsLikeRedis are config files Redis accepts; the values Cairn reads
// from them must be Redis's.
var loadsLikeRedis = []string{
	"bind 127.0.0.1 -::1\nreplicaof 127.0.0.1 7000\noom-score-adj-values 1 2 3\n",
	"client-output-buffer-limit normal 1mb 2k 10 replica 3gb 1 0\nclient-output-buffer-limit pubsub 1 2 3\n",
	"client-output-buffer-limit \"normal 1 2 3 pubsub 4 5 6\"\nclient-output-buffer-limit SLAVE 7 8 9\n",
	"latency-tracking-info-percentiles 50.0 99.99 0.1234567 100\nmaxmemory-clients 10%\n",
	"shutdown-on-sigint nosave now force\nshutdown-on-sigterm \"force now\"\nunixsocketperm 0775\nhz 1000\nlist-max-ziplist-size -5\n",
	"save 900 1\nsave 300 10\nnotify-keyspace-events KEA\nmaxmemory 99999999999999999999\n",
	"notify-keyspace-events \"g$lshzxetdn\"\nmaxmemory-clients 99999999999999999999\nslaveof no one\n",
	"masterauth 'it\\'s'\nmasteruser \"a\\x41\\tb\"\nbind \"\"\noom-score-adj relative\n",
	"logfile \"\"\nlatency-tracking-info-percentiles \"\"\nappendfsync ALWAYS\nrdbcompression NO\nloglevel Warning\n",
	"save \"\"\ncluster-link-sendbuf-limit 1GB\nproto-max-bulk-len 1g\nauto-aof-rewrite-min-size 0\nlist-max-ziplist-entries 5\nlua-replicate-commands yes\n",
	"user bob on >pw ~x +get\nrename-command flushall \"\"\nsentinel\nacl-pubsub-default allchannels\ntimeout 100\n",
	"proc-title-template \"{{title}} {port}\"\nunixsocketperm \"\"\ntcp-backlog 0\nreplicaof h \" 1\"\n",
}

func TestLoadedValuesMatchRedis(t *testing.T) {
	needRedis(t)
	for _, text := range loadsLikeRedis {
		dir := t.TempDir()
		file := writeFile(t, filepath.Join(dir, "redis.conf"), text)
		port := startRedis(t, dir, file, "--dir", dir)
		c, err := load([]string{file, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir}, nil, nil)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		diffMaps(t, text, withoutCairn(getMap(c, "*")), cliPairs(t, port, "config", "get", "*"))
	}
}

func TestEnvironmentLayering(t *testing.T) {
	env := []string{
		"CAIRN_PORT=2", "CAIRN_MAXMEMORY=1gb", "CAIRN_LOGLEVEL=warning",
		"CAIRN_SLAVE_READ_ONLY=no", "CAIRN_SERVER_CPULIST=0-3", "CAIRN_SAVE=900 1 300 10",
		"CAIRN_CAIRN_CACHE_SIZE=64mb", "CAIRN_SOMETHING_ELSE=1", "PORT=5", "CAIRN_NOEQUALS",
	}
	c := mustLoadFile(t, "port 1\nmaxmemory 1mb\nloglevel debug\nhz 20\n", env, "--port", "3")
	for name, want := range map[string]string{
		"port": "3", "maxmemory": "1073741824", "loglevel": "warning", "hz": "20",
		"replica-read-only": "no", "server_cpulist": "0-3", "save": "900 1 300 10",
		"cairn-cache-size": "67108864", "timeout": "0",
	} {
		if got := c.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// viper holds the same values, in its layers.
	for _, d := range directives {
		if got, want := c.v.GetString(d.name), c.String(d.name); got != want {
			t.Errorf("viper has %s = %q, want %q", d.name, got, want)
		}
	}
	if !c.v.InConfig("hz") || c.v.InConfig("timeout") {
		t.Error("the config file layer does not hold the file's directives only")
	}

	_, err := loadFile(t, "", []string{"CAIRN_PORT=99999"})
	want := "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the environment variable CAIRN_PORT\n>>> 'CAIRN_PORT=99999'\nargument must be between 0 and 65535 inclusive"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if _, err := loadFile(t, "", []string{"CAIRN_MAXMEMORY=1x"}); err == nil || !strings.HasSuffix(err.Error(), "argument must be a memory value") {
		t.Errorf("CAIRN_MAXMEMORY=1x: got %v", err)
	}
}

func TestIgnoredDirectives(t *testing.T) {
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.conf"), "")
	c := mustLoadFile(t, "tcp-backlog 511\nport 1\nslaveof no one\nloadmodule /x.so a\n"+
		"rename-command flushall \"\"\nlist-max-ziplist-entries 5\ntcp-backlog 100\ninclude "+empty+"\n"+
		"user bob on\nmaxmemory 1mb\n", []string{"CAIRN_ACTIVE_DEFRAG_CYCLE_MAX=30"}, "--io-threads", "2", "--port", "3")
	want := []string{"tcp-backlog", "loadmodule", "list-max-ziplist-entries", "active-defrag-cycle-max", "io-threads"}
	if got := c.IgnoredDirectives(); !slices.Equal(got, want) {
		t.Errorf("IgnoredDirectives() = %q, want %q", got, want)
	}
	if got := c.Renames(); !slices.Equal(got, [][2]string{{"flushall", ""}}) {
		t.Errorf("Renames() = %q", got)
	}
	if got := c.Users(); len(got) != 1 || !slices.Equal(got[0], []string{"bob", "on"}) {
		t.Errorf("Users() = %q", got)
	}
}

func TestTypedGetters(t *testing.T) {
	c := mustLoadFile(t, "maxmemory 1gb\nappendonly yes\nappendfsync always\nbind 127.0.0.1 -::1\n"+
		"unixsocketperm 0755\nhz 1000\nlua-time-limit 42\nmaxmemory-clients 10%\n"+
		"client-output-buffer-limit pubsub 1mb 2 3\n", nil)
	ints := map[string]int64{"maxmemory": 1 << 30, "unixsocketperm": 0o755, "hz": 500,
		"busy-reply-threshold": 42, "lua-time-limit": 42, "maxmemory-clients": -10, "port": 6379,
		"cairn-block-cache-size": 0, "appendonly": 1}
	for name, want := range ints {
		if got := c.Int(name); got != want {
			t.Errorf("Int(%s) = %d, want %d", name, got, want)
		}
	}
	if !c.Bool("appendonly") || c.Bool("daemonize") || !c.Bool("PROTECTED-MODE") {
		t.Error("Bool is wrong")
	}
	if got := c.String("appendfsync"); got != "always" {
		t.Errorf("String(appendfsync) = %q", got)
	}
	if got := c.String("unixsocketperm"); got != "755" {
		t.Errorf("String(unixsocketperm) = %q", got)
	}
	if got := c.Strings("bind"); !slices.Equal(got, []string{"127.0.0.1", "-::1"}) {
		t.Errorf("Strings(bind) = %q", got)
	}
	if got := c.Strings("client-output-buffer-limit"); !slices.Equal(got[8:], []string{"pubsub", "1048576", "2", "3"}) {
		t.Errorf("Strings(client-output-buffer-limit) = %q", got)
	}
	big := mustLoadFile(t, "maxmemory 99999999999999999999\n", nil)
	if got := big.Int("maxmemory"); got != math.MaxInt64 {
		t.Errorf("Int(maxmemory) = %d, want MaxInt64", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Int of an unknown name did not panic")
		}
	}()
	c.Int("no-such-directive")
}

func TestDirAndIncludePaths(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/b", "c"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "a/b/inc.conf"), "maxmemory 7mb\n")
	writeFile(t, filepath.Join(root, "c/1.conf"), "hz 11\n")
	writeFile(t, filepath.Join(root, "c/2.conf"), "hz 12\n")
	writeFile(t, filepath.Join(root, "c/.3.conf"), "hz 13\n")
	// Relative paths follow dir, as they follow Redis's chdir.
	c := mustLoadFile(t, "dir "+root+"\ndir a\ndir b\ninclude inc.conf\ninclude "+root+"/c/*.conf\ninclude "+root+"/none*.conf\n", nil)
	if got, want := c.String("dir"), filepath.Join(root, "a/b"); got != want {
		t.Errorf("dir = %q, want %q", got, want)
	}
	if c.Int("maxmemory") != 7<<20 || c.Int("hz") != 12 {
		t.Errorf("includes not applied: maxmemory %d, hz %d", c.Int("maxmemory"), c.Int("hz"))
	}
	wd, _ := os.Getwd()
	if got := mustLoad(t, nil).String("dir"); got != wd {
		t.Errorf("default dir = %q, want %q", got, wd)
	}
}

func TestConfigFileAndStdin(t *testing.T) {
	c := mustLoadFile(t, "port 1\n", nil)
	if !filepath.IsAbs(c.ConfigFile()) || filepath.Base(c.ConfigFile()) != "redis.conf" {
		t.Errorf("ConfigFile() = %q", c.ConfigFile())
	}
	c, err := load([]string{"-", "--hz", "30"}, nil, strings.NewReader("port 4\nhz 20\n"))
	if err != nil || c.String("port") != "4" || c.String("hz") != "30" || c.ConfigFile() != "" {
		t.Errorf("stdin: %v, port %s, hz %s, file %q", err, c.String("port"), c.String("hz"), c.ConfigFile())
	}
}

func TestDebianConfLoads(t *testing.T) {
	const conf = "/etc/redis/redis.conf"
	for _, p := range []string{conf, "/var/lib/redis", "/var/log/redis"} {
		if _, err := os.Stat(p); err != nil {
			t.Skip("SKIP: " + p + " is missing, so Debian's redis.conf cannot be loaded as shipped")
		}
	}
	c, err := load([]string{conf}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.String("bind") != "127.0.0.1 -::1" || !c.Bool("daemonize") || c.String("dir") != "/var/lib/redis" ||
		c.String("client-output-buffer-limit") != "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" {
		t.Errorf("unexpected values: %q", c.Get("bind", "daemonize", "dir", "client-output-buffer-limit"))
	}
}
