package clienttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// run runs a binary and returns its stdout, stderr and exit status.
func run(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestServerCommandLine: cairn-server's --version, --help and refusals
// behave like redis-server's (same streams, exit statuses, formats).
func TestServerCommandLine(t *testing.T) {
	bin := cairntest.Binary(t)
	version := regexp.MustCompile(`^Redis server v=7\.0\.15 sha=[0-9a-f]{8}:[01] malloc=\S+ bits=64 build=\S+\n$`)
	for _, flag := range []string{"-v", "--version"} {
		out, _, code := run(t, bin, flag)
		if code != 0 || !version.MatchString(out) {
			t.Errorf("cairn-server %s: status %d, %q", flag, code, out)
		}
		if redis, err := exec.LookPath("redis-server"); err == nil {
			if want, _, _ := run(t, redis, flag); !version.MatchString(want) {
				t.Errorf("the pattern does not match redis-server's own %q", want)
			}
		}
	}
	for _, flag := range []string{"-h", "--help"} {
		out, errOut, code := run(t, bin, flag)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "Usage: ./cairn-server [/path/to/redis.conf] [options] [-]\n") {
			t.Errorf("cairn-server %s: status %d, stdout %q, stderr %q", flag, code, out, errOut)
		}
	}
	for _, flag := range []string{"--test-memory", "--check-system"} {
		_, errOut, code := run(t, bin, flag, "100")
		if code != 1 || !strings.Contains(errOut, flag+" is not supported by Cairn") {
			t.Errorf("cairn-server %s: status %d, %q", flag, code, errOut)
		}
	}
}

// TestServerLog: start-up lines in redis-server's format, with the
// banner naming port, pid and data directory, and "Ready to accept
// connections" last.
func TestServerLog(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Log.String(), "Ready to accept connections") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	p.Terminate(t)
	log := p.Log.String()
	pid := p.Cmd.Process.Pid
	_, port := hostPort(p.Addr)
	line := regexp.MustCompile(fmt.Sprintf(`^%d:[CM] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] \S`, pid))
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if !line.MatchString(l) {
			t.Errorf("log line not in redis-server's format: %q", l)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("%d:C ", pid) + "", "# oO0OoO0OoO0Oo Cairn is starting oO0OoO0OoO0Oo",
		fmt.Sprintf("pid=%d, just started", pid),
		fmt.Sprintf("* Running mode=standalone, port=%s.", port),
		fmt.Sprintf("(pid %d, data in %s", pid, dir),
		"* Ready to accept connections\n",
		"# Received SIGINT scheduling shutdown...",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
