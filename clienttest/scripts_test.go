package clienttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// python returns the interpreter that sees Debian's python3-* packages
// (/usr/bin/python3 first: a pyenv or venv python3 on PATH would not).
func python(t *testing.T, modules ...string) string {
	t.Helper()
	var candidates []string
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		candidates = append(candidates, "/usr/bin/python3")
	}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	if len(candidates) == 0 {
		missing(t, "python3 is not installed: test skipped (apt-get install python3)")
	}
	check := "import " + strings.Join(modules, ", ")
	for _, py := range candidates {
		if exec.Command(py, "-c", check).Run() == nil {
			return py
		}
	}
	missing(t, "python3 cannot %q: test skipped (apt-get install %s)", check, debianPackages(modules))
	return ""
}

func debianPackages(modules []string) string {
	var p []string
	for _, m := range modules {
		p = append(p, "python3-"+m)
	}
	return strings.Join(p, " ")
}

// runScenario runs a scenario script against addr and fails the test with
// its output unless it exits 0 and prints "OK".
func runScenario(t *testing.T, name string, env []string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK ") {
		t.Fatalf("%s scenario failed: %v\n%s", name, err, out)
	}
	t.Logf("%s: %s", name, strings.TrimSpace(string(out)))
	return string(out)
}

// bothServers runs fn against a real Redis (so a broken scenario shows up
// as such) and then against Cairn.
func bothServers(t *testing.T, fn func(t *testing.T, addr string)) {
	t.Run("redis", func(t *testing.T) { fn(t, cairntest.StartRedis(t).Addr) })
	t.Run("cairn", func(t *testing.T) { fn(t, cairntest.StartCairn(t).Addr) })
}

// TestRedisPy runs the redis-py scenario (RESP2) with hiredis's parser
// and with the pure-Python one.
func TestRedisPy(t *testing.T) {
	py := python(t, "redis")
	parsers := []string{"python"}
	if exec.Command(py, "-c", "import hiredis").Run() == nil {
		parsers = append(parsers, "hiredis")
	} else if requireClients() {
		t.Errorf("python3-hiredis is not installed (CAIRN_REQUIRE_CLIENTS=1)")
	}
	bothServers(t, func(t *testing.T, addr string) {
		host, port := hostPort(addr)
		for _, parser := range parsers {
			runScenario(t, "redis-py/"+parser, nil, py, "testdata/redispy_scenario.py", host, port, parser)
		}
	})
}

// TestAioredis runs the aioredis 1.3 scenario: a BRPOPLPUSH worker and a
// producer of timestamped ZADDs, through create_redis/create_redis_pool.
func TestAioredis(t *testing.T) {
	py := python(t, "aioredis")
	bothServers(t, func(t *testing.T, addr string) {
		host, port := hostPort(addr)
		runScenario(t, "aioredis", nil, py, "testdata/aioredis_scenario.py", host, port)
	})
}

var (
	npmOnce sync.Once
	npmDir  string
	npmErr  string
)

// nodeModules installs testdata/package.json's dependencies once per test
// run into a cache directory keyed by the file's hash (reused by later
// runs), and returns the node_modules path.
func nodeModules(t *testing.T) string {
	t.Helper()
	lookTool(t, "node", "nodejs")
	npm := lookTool(t, "npm", "npm")
	npmOnce.Do(func() {
		manifest, err := os.ReadFile("testdata/package.json")
		if err != nil {
			npmErr = err.Error()
			return
		}
		sum := sha256.Sum256(manifest)
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "cairn-clienttest", "npm-"+hex.EncodeToString(sum[:8]))
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "ioredis", "package.json")); err == nil {
			npmDir = filepath.Join(dir, "node_modules")
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			npmErr = err.Error()
			return
		}
		os.WriteFile(filepath.Join(dir, "package.json"), manifest, 0o644)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			os.RemoveAll(filepath.Join(dir, "node_modules"))
			npmErr = "npm install: " + err.Error() + "\n" + string(out)
			return
		}
		npmDir = filepath.Join(dir, "node_modules")
	})
	if npmErr != "" {
		missing(t, "cannot install ioredis from npm: %s", npmErr)
	}
	return npmDir
}

func TestIoredis(t *testing.T) {
	modules := nodeModules(t)
	bothServers(t, func(t *testing.T, addr string) {
		host, port := hostPort(addr)
		runScenario(t, "ioredis", []string{"NODE_PATH=" + modules}, "node", "testdata/ioredis_scenario.js", host, port)
	})
}
