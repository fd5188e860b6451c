package config

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These helpers run the real redis-server, the oracle for this package.

func needRedis(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skip("SKIP: " + bin + " is not on PATH, so this comparison with real Redis cannot run")
		}
	}
}

// runRedisServer runs redis-server in dir with args and stdin, expecting it
// to exit at once on a configuration error. It returns standard output and
// standard error.
func runRedisServer(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "redis-server", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); ctx.Err() != nil {
		t.Fatalf("redis-server %q did not exit (it accepted the configuration): %v", args, err)
	}
	return out.String(), errb.String()
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis starts a redis-server in dir on a free port, with the config
// file (if not "") and args, and stops it when the test ends.
func startRedis(t *testing.T, dir, file string, args ...string) int {
	t.Helper()
	port := freePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)
	if file != "" {
		all = append([]string{file}, all...)
	}
	cmd := exec.Command("redis-server", all...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for range 100 {
		if out, err := exec.Command("redis-cli", "-p", strconv.Itoa(port), "ping").Output(); err == nil && strings.TrimSpace(string(out)) == "PONG" {
			return port
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("redis-server %q did not start", args)
	return 0
}

// cli runs redis-cli against port and returns its output, without the
// final newline.
func cli(t *testing.T, port int, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %q: %v: %s", args, err, out)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// cliPairs runs a CONFIG GET through redis-cli and returns name -> value.
func cliPairs(t *testing.T, port int, args ...string) map[string]string {
	t.Helper()
	lines := strings.Split(cli(t, port, args...), "\n")
	m := map[string]string{}
	for i := 0; i+1 < len(lines); i += 2 {
		m[lines[i]] = lines[i+1]
	}
	return m
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
