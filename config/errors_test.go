package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// badFiles are config files redis-server refuses; {D} is a scratch
// directory. Each one's error block must be Redis's, byte for byte.
var badFiles = []string{
	"port 99999",
	"foo bar",
	"daemonize maybe",
	"loglevel foo",
	"loglevel",
	"loglevel a b",
	"appendfsync sometimes",
	"maxmemory-policy lru",
	"maxmemory 1x",
	"maxmemory -1",
	"maxmemory 1.5gb",
	"client-query-buffer-limit 1k",
	"proto-max-bulk-len 0",
	"maxmemory-clients 101%",
	"maxmemory-clients -5%",
	"save \"abc",
	"save \"abc\"x",
	"requirepass 'a\\'b' x",
	"port 6379 # a comment",
	"# comment\n\n  \t\n\tport   99999   ",
	"port 0100",
	"port -0",
	"port +1",
	"port 9x9",
	"databases 0",
	"hz -1",
	"timeout 99999999999999999999",
	"slowlog-log-slower-than -2",
	"list-max-listpack-size 9223372036854775807",
	"maxclients 0",
	"unixsocketperm 8",
	"unixsocketperm 01000",
	"tcp-keepalive x",
	"save 300",
	"save 0 1",
	"save 1 -1",
	"save 09 0x10",
	"save \"\" \"\"",
	"save 900 1 300",
	"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
	"replicaof a",
	"replicaof a b",
	"replicaof a 70000",
	"slaveof a -1",
	"oom-score-adj-values 1 2",
	"oom-score-adj-values 1 2 x",
	"oom-score-adj-values 1 2 2001",
	"oom-score-adj relative2",
	"client-output-buffer-limit normal 1 2",
	"client-output-buffer-limit foo 1 2 3",
	"client-output-buffer-limit master 1 2 3",
	"client-output-buffer-limit normal 1x 2 3",
	"client-output-buffer-limit normal 1 2 -3",
	"client-output-buffer-limit normal -1 2 3",
	"client-output-buffer-limit pubsub 1 2 3 normal 1 2 3x",
	"latency-tracking-info-percentiles 1 x",
	"latency-tracking-info-percentiles 101",
	"latency-tracking-info-percentiles \" 5\" 5",
	"latency-tracking-info-percentiles 1e400",
	"latency-tracking-info-percentiles nan",
	"shutdown-on-sigint save nosave",
	"shutdown-on-sigterm",
	"shutdown-on-sigint sometimes",
	"notify-keyspace-events",
	"notify-keyspace-events KEk",
	"dir {D}/nonexistent",
	"dir {D}/file.txt",
	"dir \"\"",
	"dir",
	"dbfilename /tmp/x.rdb",
	"appendfilename \"\"",
	"appendfilename a/b",
	"appenddirname a\\\\b",
	"cluster-announce-hostname a_b",
	"proc-title-template \"{foo}\"",
	"proc-title-template \"{title}\"",
	"proc-title-template \"{\"",
	"activedefrag yes",
	"requirepass a b",
	"requirepass",
	"rename-command",
	"rename-command foo bar",
	"rename-command get",
	"rename-command get set",
	"rename-command GET x\nrename-command x y\nrename-command get z",
	"user",
	"user bob on >pw badrule",
	"user bob badrule",
	"user bob on\nuser bob off",
	"user bob #abc",
	"user bob allkeys ~foo",
	"user bob allkeys %R~x",
	"user bob allchannels &foo",
	"user bob resetchannels &x allchannels &y",
	"user bob <nopw",
	"user bob nopass <x",
	"user bob >a >a <a <a",
	"user bob on (~x +get",
	"user bob (",
	"user bob (~x badrule)",
	"user bob ((~x))",
	"user bob %X~x",
	"user bob %RRW~x",
	"user bob %~x",
	"user bob +get|",
	"user bob +config|get|x",
	"user bob x)",
	"user bob #30C952FAB122C3F9759F02A6D95C3758B246B4FEE239957B2D4FEE46E26170C4",
	"acl-pubsub-default allchannels\nuser bob &x",
	"acl-pubsub-default allchannels\nuser bob reset &x",
	"acl-pubsub-default allchannels\nuser bob (&x)",
	"user bob ~* ~x",
	"user bob &* &x",
	"user bob (+config|get|x)",
	"user bob +config|GET|x",
	"user bob on >a <b",
	"user bob ) (",
	"user bob \"(~x\" y)",
	"sentinel monitor",
	"foo.bar",
	"list-max-ziplist-entries",
	"include",
	"include {D}/a.conf {D}/b.conf",
	"include {D}/inc.conf",
	"include {D}/inc*.conf",
	"logfile {D}/nonexistent/x.log",
	"cluster-enabled yes\nreplicaof 127.0.0.1 6380",
	"include {D}/empty.conf\nport 99999",
	"\x0bport 99999",
	"port \"\\x39\\x39\\x39\\x39\\x39\"",
	"'port' '99999'",
	"PORT 99999",
	"hash-max-ziplist-entries -1",
	"slave-read-only maybe",
	"io-threads 129",
	"tls-port 65536",
	"socket-mark-id -1",
}

// acceptedFiles are config files redis-server accepts; followed by a bad
// line, they must fail at that line in both.
var acceptedFiles = []string{
	"user bob %r~x",
	"user bob %Rw~x",
	"user bob %RW~* ~x",
	"user bob %R~* ~x",
	"user bob ~x allkeys",
	"user bob allkeys resetkeys ~x",
	"user bob allkeys reset ~x",
	"user bob \"\"",
	"user bob (~x +nosuch)",
	"user bob -config|get|x",
	"user bob +CONFIG|GET",
	"user bob +get|foo|bar +select|0 -get|x +| + - +@ +@nosuchcat",
	"user bob (~x) (+get) () \"( ~x )\" allkeys (~x)",
	"user bob >pw !30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4",
	"user bob >pw <pw #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4",
	"user default on nopass ~* &* +@all\nuser alice off",
	"user bob on resetchannels &a* ON skip-sanitize-payload clearselectors",
	"rename-command get \"\"\nrename-command set get",
	"rename-command get get2\nrename-command GET2 get",
	"sentinel\nloadmodule /nonexist.so a b\nfoo.bar 1\nlist-max-ziplist-value 5",
	"include {D}/none*.conf\ninclude {D}/empty.conf",
	"save 1 1\nsave\nsave \"\"",
	"bind \"\"\nbind\nreplicaof no one",
	"latency-tracking-info-percentiles \" 5\"",
	"latency-tracking-info-percentiles \"5 \"",
	"proc-title-template \"{{title}} x\"",
	"proc-title-template \"a}b\"",
	"unixsocketperm \" 7\"\nunixsocketperm -0",
	"dir {D}\ndir .",
	"maxmemory k\nmaxmemory \"\"",
	"'port' \"6\"'379'",
	"tls-port 1\ntls-auth-clients optional",
}

// scratch makes a directory with the files the bad configs refer to.
func scratch(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "file.txt"), "")
	writeFile(t, filepath.Join(d, "empty.conf"), "")
	writeFile(t, filepath.Join(d, "inc.conf"), "# included\n\nloglevel notice\nmaxmemory 10x\n")
	return d
}

func TestErrorBlocksMatchRedis(t *testing.T) {
	needRedis(t)
	d := scratch(t)
	for i, text := range badFiles {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			text = strings.ReplaceAll(text, "{D}", d)
			file := writeFile(t, filepath.Join(d, "bad"+strconv.Itoa(i)+".conf"), text+"\n")
			_, stderr := runRedisServer(t, d, "", file)
			_, err := load([]string{file}, nil, nil)
			if !strings.Contains(stderr, "FATAL") {
				t.Fatalf("%q: redis-server printed no fatal error: %q", text, stderr)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("%q: got %v, want a *LoadError", text, err)
			}
			if got := "\n" + err.Error() + "\n"; got != stderr {
				t.Errorf("%q:\ngot  %q\nwant %q", text, got, stderr)
			}
		})
	}
}

func TestAcceptedFilesMatchRedis(t *testing.T) {
	needRedis(t)
	d := scratch(t)
	for i, text := range acceptedFiles {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			text = strings.ReplaceAll(text, "{D}", d)
			file := writeFile(t, filepath.Join(d, "ok"+strconv.Itoa(i)+".conf"), text+"\nzzz-not-a-directive x\n")
			_, stderr := runRedisServer(t, d, "", file)
			_, err := load([]string{file}, nil, nil)
			if err == nil {
				t.Fatalf("%q: no error", text)
			}
			if got := "\n" + err.Error() + "\n"; got != stderr {
				t.Errorf("%q:\ngot  %q\nwant %q", text, got, stderr)
			}
		})
	}
}

func TestCommandLineErrorsMatchRedis(t *testing.T) {
	needRedis(t)
	d := scratch(t)
	twoLines := writeFile(t, filepath.Join(d, "two.conf"), "port 7400\nloglevel notice\n")
	noNewline := writeFile(t, filepath.Join(d, "nonl.conf"), "port 7400\nloglevel notice")
	cases := []struct {
		stdin string
		args  []string
	}{
		{"", []string{"--port", "99999"}},
		{"", []string{"--foo", "bar"}},
		{"", []string{"--port"}},
		{"", []string{"--port", "--foo"}},
		{"", []string{"--save", "--port", "99999"}},
		{"", []string{"--port", "1", "2"}},
		{"", []string{"--save", "10", "10", "--port", "a"}},
		{"", []string{"--port", "1", "--daemonize", "ye s"}},
		{"", []string{"--port 99999"}},
		{"", []string{"--maxmemory", "1\n\"x"}},
		{"", []string{"--save", "1 x"}},
		{"", []string{"--loglevel", "x", "--save"}},
		{"", []string{"--save", "--loglevel", "x"}},
		{"", []string{"--save", "1", "1", "--save", "--daemonize", "x"}},
		{"", []string{"-x"}},
		{"", []string{twoLines, "--port", "99999"}},
		{"", []string{noNewline, "--port", "99999"}},
		{"", []string{twoLines, "-", "--port", "99999"}},
		{"port 99999\n", []string{"-"}},
		{"port 7400\n", []string{"-", "--port", "99999"}},
		{"port 7400", []string{twoLines, "--port", "99999", "-"}},
		{"port 99999", []string{twoLines, "-"}},
	}
	for _, c := range cases {
		_, stderr := runRedisServer(t, d, c.stdin, c.args...)
		_, err := load(c.args, nil, strings.NewReader(c.stdin))
		if err == nil {
			t.Errorf("%q: no error, redis-server printed %q", c.args, stderr)
			continue
		}
		if got := "\n" + err.Error() + "\n"; got != stderr {
			t.Errorf("%q:\ngot  %q\nwant %q", c.args, got, stderr)
		}
	}
}

func TestMissingFileMatchesRedis(t *testing.T) {
	needRedis(t)
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "inc.conf"), "include nothere.conf\n")
	for _, args := range [][]string{{"nothere.conf"}, {"./sub/../nothere.conf"}, {"../nothere.conf"}, {"inc.conf"}} {
		stdout, _ := runRedisServer(t, d, "", args...)
		// Load resolves relative names against the process's directory.
		wd, _ := os.Getwd()
		if err := os.Chdir(d); err != nil {
			t.Fatal(err)
		}
		_, err := load(args, nil, nil)
		os.Chdir(wd)
		var oe *OpenError
		if !errors.As(err, &oe) {
			t.Fatalf("%q: got %v, want an *OpenError", args, err)
		}
		// Redis logs the text as a warning: "pid:C date # <text>".
		if !strings.HasSuffix(stdout, " # "+err.Error()+"\n") {
			t.Errorf("%q: got %q, redis-server logged %q", args, err, stdout)
		}
	}
}

func TestErrorTexts(t *testing.T) {
	d := scratch(t)
	cases := []struct{ args, want string }{
		{"port 99999", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'port 99999'\nargument must be between 0 and 65535 inclusive"},
		{"--port 99999", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"99999\"'\nargument must be between 0 and 65535 inclusive"},
		{"--foo bar", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo \"bar\"'\nBad directive or wrong number of arguments"},
		{"logfile " + d + "/no/x.log", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory"},
		{"include " + d + "/inc.conf", "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 4\n>>> 'maxmemory 10x'\nargument must be a memory value"},
		{"daemonize maybe", "argument must be 'yes' or 'no'"},
		{"loglevel foo", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"maxmemory 5y", "argument must be a memory value"},
		{"user bob on >pw badrule", "Error in user declaration 'on': Syntax error"},
	}
	for _, c := range cases {
		var args []string
		if strings.HasPrefix(c.args, "--") {
			args = strings.Fields(c.args)
		} else {
			args = []string{writeFile(t, filepath.Join(d, "x.conf"), c.args+"\n")}
		}
		_, err := load(args, nil, nil)
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
	_, err := load([]string{d + "/missing.conf"}, nil, nil)
	if want := "Fatal error, can't open config file '" + d + "/missing.conf': No such file or directory"; err == nil || err.Error() != want {
		t.Errorf("missing file: got %v, want %q", err, want)
	}
}
