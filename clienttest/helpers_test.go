package clienttest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// requireClients says whether missing tools fail the tests (CI) instead of
// skipping them.
func requireClients() bool { return os.Getenv("CAIRN_REQUIRE_CLIENTS") == "1" }

// missing skips the test — or fails it under CAIRN_REQUIRE_CLIENTS=1 —
// because what it needs is not installed.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if requireClients() {
		t.Fatalf("%s (CAIRN_REQUIRE_CLIENTS=1: clients must be installed)", msg)
	}
	t.Skip(msg)
}

// lookTool returns the path of an executable, or skips/fails the test.
func lookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "%s is not installed: test skipped (apt-get install %s)", name, pkg)
	}
	return p
}

func hostPort(addr string) (string, string) {
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}

// cli runs redis-cli against addr and returns its stdout; stderr goes to
// the failure message.
func cli(t *testing.T, addr string, stdin []byte, args ...string) string {
	t.Helper()
	out, errOut, err := cliRun(t, addr, stdin, args...)
	if err != nil {
		t.Fatalf("redis-cli %q: %v\nstdout: %s\nstderr: %s", args, err, out, errOut)
	}
	return out
}

func cliRun(t *testing.T, addr string, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	bin := lookTool(t, "redis-cli", "redis-tools")
	host, port := hostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", host, "-p", port}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// ptyProc is a program running on a pseudo-terminal (redis-cli's
// interactive mode and --stat only behave like that on a terminal).
type ptyProc struct {
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer
}

func ioctl(fd uintptr, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// startPTY runs name with args on a new 200x50 pseudo-terminal.
func startPTY(t *testing.T, name string, args ...string) *ptyProc {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(m.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(m.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := [4]uint16{50, 200, 0, 0} // rows, cols: linenoise then needs no cursor queries
	if err := ioctl(slave.Fd(), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(os.Environ(), "TERM=xterm")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &ptyProc{cmd: cmd, master: m}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		m.Close()
	})
	return p
}

// output is everything the program wrote so far.
func (p *ptyProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// reset forgets the output so far.
func (p *ptyProc) reset() {
	p.mu.Lock()
	p.out.Reset()
	p.mu.Unlock()
}

func (p *ptyProc) write(s string) { p.master.Write([]byte(s)) }

// waitFor waits until the output satisfies ok, failing after d.
func (p *ptyProc) waitFor(t *testing.T, d time.Duration, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		out := p.output()
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; output so far:\n%q", what, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle waits until the output stops changing for quiet.
func (p *ptyProc) settle(quiet, max time.Duration) string {
	deadline := time.Now().Add(max)
	last, since := p.output(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if o := p.output(); o != last {
			last, since = o, time.Now()
		} else if time.Since(since) >= quiet {
			break
		}
	}
	return last
}
