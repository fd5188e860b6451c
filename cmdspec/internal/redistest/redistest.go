// Package redistest runs the real Redis 7.0 that cmdspec's tests compare
// with: one redis-server per test binary, started on a free port on first
// use. Tests skip, visibly, where redis-server is not installed.
package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/cmdspec/internal/value"
)

var (
	once     sync.Once
	server   *exec.Cmd
	addr     string
	startErr error
)

// Addr returns the address of the server, starting it if need be.
func Addr(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not on PATH: skipping the comparison with real Redis")
	}
	once.Do(start)
	if startErr != nil {
		t.Fatal(startErr)
	}
	return addr
}

// Stop ends the server; TestMain calls it after the tests.
func Stop() {
	if server != nil {
		_ = server.Process.Kill()
		_ = server.Wait()
	}
}

func start() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		startErr = err
		return
	}
	addr = l.Addr().String()
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	server = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	dieWithParent(server)
	if startErr = server.Start(); startErr != nil {
		return
	}
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	startErr = fmt.Errorf("redis-server did not start on %s", addr)
}

// Conn is a connection to the server.
type Conn struct {
	c net.Conn
	r *value.Reader
}

// Dial connects to the server speaking RESP proto (2 or 3).
func Dial(t testing.TB, proto int) *Conn {
	t.Helper()
	c, err := net.Dial("tcp", Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &Conn{c: c, r: value.NewReader(c)}
	if proto == 3 {
		if v, _ := rc.Do(t, "HELLO", "3"); v.Kind != value.Map {
			t.Fatalf("HELLO 3: %+v", v)
		}
	}
	return rc
}

// Do sends one command and returns the reply, decoded and as raw bytes.
func (rc *Conn) Do(t testing.TB, args ...string) (value.Value, []byte) {
	t.Helper()
	if err := rc.c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	req := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		req = fmt.Appendf(req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write(req); err != nil {
		t.Fatal(err)
	}
	v, raw, err := rc.r.Next()
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v, append([]byte(nil), raw...)
}
