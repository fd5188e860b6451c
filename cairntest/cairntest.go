// Package cairntest starts Cairn and real Redis servers for tests and
// talks to them in raw RESP, so replies can be compared byte for byte.
package cairntest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/server"
	"github.com/cairndb/cairn/storage"
)

// Server is a running server under test.
type Server struct {
	Addr string
	Dir  string
	stop func()
}

// Stop shuts the server down (idempotent).
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// FreePort returns a TCP port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartCairn runs Cairn in this process on a free port with a fresh data
// directory (or dir, if given through the "dir" directive), plus any extra
// directives ("--appendfsync", "always", ...).
func StartCairn(t testing.TB, directives ...string) *Server {
	t.Helper()
	dir := t.TempDir()
	return StartCairnIn(t, dir, directives...)
}

// StartCairnIn is StartCairn on an existing directory (restart tests).
func StartCairnIn(t testing.TB, dir string, directives ...string) *Server {
	t.Helper()
	port := FreePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, directives...)
	cfg, err := config.Load(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := rlog.New()
	log.SetLevel(rlog.Warning)
	log.SetOutput(io.Discard)
	// The hot cache is on, as in cairn-server (where 0 means the bound's
	// share): most commands read through it.
	hot := cfg.Int("cairn-cache-size")
	if hot <= 0 {
		hot = 32 << 20
	}
	store, err := storage.Open(storage.Options{
		Dir:            filepath.Join(dir, cfg.String("cairn-data-subdir")),
		BlockCacheSize: 32 << 20,
		MemTableSize:   16 << 20,
		HotCacheSize:   hot,
		Logger:         rlog.Pebble{L: log},
	}, int(cfg.Int("databases")))
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(store, cfg, log, "", dir)
	srv, err := server.Listen(eng, server.Options{
		Binds: []string{"127.0.0.1"},
		Port:  port,
		Limits: func() (int64, int64) {
			return cfg.Int("proto-max-bulk-len"), cfg.Int("client-query-buffer-limit")
		},
		Idle: func() time.Duration { return time.Duration(cfg.Int("timeout")) * time.Second },
	}, log)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	srv.FollowConfig(cfg)
	eng.SetShutdown(func(bool) error { return errors.New("SHUTDOWN is disabled in tests") })
	eng.Start()
	srv.Serve()
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			srv.Close()
			eng.Stop()
			store.Close()
		})
	}
	t.Cleanup(s.Stop)
	return s
}

// HaveRedis reports whether a real redis-server is installed.
func HaveRedis() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// StartRedis runs a real redis-server (the oracle) on a free port, without
// persistence. The test is skipped, visibly, when Redis is not installed.
func StartRedis(t testing.TB, directives ...string) *Server {
	t.Helper()
	if !HaveRedis() {
		t.Skip("redis-server is not installed: differential test skipped (apt-get install redis-server)")
	}
	port := FreePort(t)
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", ""}, directives...)
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir}
	s.stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Cleanup(s.Stop)
	WaitReady(t, s.Addr)
	return s
}

// WaitReady waits until a server answers PING.
func WaitReady(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := io.ReadFull(c, buf)
			c.Close()
			if n == 7 && string(buf) == "+PONG\r\n" {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server at %s did not become ready", addr)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds cmd/cairn-server once per test process and returns its
// path, for tests that need a separate process (restarts, kill -9).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		out, err := os.MkdirTemp("", "cairn-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(out, "cairn-server")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/cairn-server")
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, msg)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// Process is Cairn running as a child process.
type Process struct {
	Addr string
	Dir  string
	Cmd  *exec.Cmd
	Log  *bytes.Buffer
}

// StartProcess runs the cairn-server binary on dir with extra directives.
func StartProcess(t testing.TB, dir string, directives ...string) *Process {
	t.Helper()
	port := FreePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, directives...)
	cmd := exec.Command(Binary(t), args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, Cmd: cmd, Log: &log}
	t.Cleanup(func() { p.Kill() })
	WaitReady(t, p.Addr)
	return p
}

// Kill sends SIGKILL and waits for the process to die.
func (p *Process) Kill() {
	if p.Cmd.ProcessState == nil {
		p.Cmd.Process.Kill()
		p.Cmd.Wait()
	}
}

// Terminate sends SIGTERM and waits for a clean exit.
func (p *Process) Terminate(t testing.TB) {
	t.Helper()
	p.Cmd.Process.Signal(os.Interrupt)
	if err := p.WaitExit(t, 30*time.Second); err != nil {
		t.Fatalf("cairn-server exited with %v\n%s", err, p.Log)
	}
}

// WaitExit waits for the process to exit (after SHUTDOWN, a signal) and
// returns how it ended; the test fails if it has not within d.
func (p *Process) WaitExit(t testing.TB, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("cairn-server did not exit within %v\n%s", d, p.Log)
		return nil
	}
}

// Conn is a raw RESP connection.
type Conn struct {
	t  testing.TB
	nc net.Conn
	rd *bufio.Reader
}

// Dial connects to addr.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	return DialFrom(t, "", addr)
}

// DialFrom connects to addr from source IP src ("" for any): 127.0.0.2 is
// on the loopback interface, but not local to Redis.
func DialFrom(t testing.TB, src, addr string) *Conn {
	t.Helper()
	var d net.Dialer
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, rd: bufio.NewReader(nc)}
}

// Close closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// Send writes a command as a multibulk request without reading the reply.
func (c *Conn) Send(args ...string) {
	c.t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.Write(b.Bytes())
}

// Write sends raw bytes.
func (c *Conn) Write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// Do sends a command and returns its raw reply.
func (c *Conn) Do(args ...string) string {
	c.t.Helper()
	c.Send(args...)
	return c.Read()
}

// Read reads one raw reply (RESP2 or RESP3), failing the test after 10s.
func (c *Conn) Read() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.nc.SetReadDeadline(time.Time{})
	var b bytes.Buffer
	if err := readReply(c.rd, &b); err != nil {
		c.t.Fatalf("reading reply: %v (got so far %q)", err, b.String())
	}
	return b.String()
}

// ReadTimeout reads one reply, or returns ok=false if none arrives in d.
func (c *Conn) ReadTimeout(d time.Duration) (string, bool) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	defer c.nc.SetReadDeadline(time.Time{})
	var b bytes.Buffer
	if err := readReply(c.rd, &b); err != nil {
		return b.String(), false
	}
	return b.String(), true
}

// readReply copies one complete RESP2/RESP3 reply from rd into b.
func readReply(rd *bufio.Reader, b *bytes.Buffer) error {
	line, err := rd.ReadString('\n')
	if err != nil {
		return err
	}
	b.WriteString(line)
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	body := strings.TrimSuffix(line[1:], "\r\n")
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return err
		}
		b.Write(buf)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readReply(rd, b); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute precedes the real reply
			return readReply(rd, b)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type in %q", line)
}
