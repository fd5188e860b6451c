package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

type server struct {
	name    string
	port    int
	cmd     *exec.Cmd
	log     *syncBuffer
	started time.Time
	ready   time.Duration // process start to first +PONG
	done    chan struct{} // closed when the process has exited
	state   *os.ProcessState
}

// syncBuffer collects a server's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		s.b.Reset()
		s.b.WriteString("[earlier output dropped]\n")
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start launches a server on a free port (the value after "--port" is
// replaced) and waits until it answers PING with PONG.
func start(name, bin string, args ...string) *server {
	s, err := startIn("", 2*time.Minute, name, bin, args...)
	check(err)
	return s
}

// startIn is start with the process placed in a cgroup v1 memory group
// before it execs (so every byte it allocates is charged there) and an
// error instead of an exit.
func startIn(cgroup string, timeout time.Duration, name, bin string, args ...string) (*server, error) {
	port := freePort()
	args = append([]string(nil), args...)
	for i, a := range args {
		if a == "--port" {
			args[i+1] = strconv.Itoa(port)
		}
	}
	var cmd *exec.Cmd
	if cgroup != "" {
		sh := `echo $$ > "$CAIRN_BENCH_CGROUP/cgroup.procs" && exec "$0" "$@"`
		cmd = exec.Command("sh", append([]string{"-c", sh, bin}, args...)...)
		cmd.Env = append(os.Environ(), "CAIRN_BENCH_CGROUP="+cgroup)
	} else {
		cmd = exec.Command(bin, args...)
	}
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	s := &server{name: name, port: port, cmd: cmd, log: log, done: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	registerServer(s)
	go func() {
		cmd.Wait()
		s.state = cmd.ProcessState
		close(s.done)
	}()
	ready, err := waitPong(port, s.started, timeout, s.exited)
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("%s did not start: %v\n%s", name, err, tail(log.String(), 2000))
	}
	s.ready = ready
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// exitReason describes how the process ended ("" while it runs).
func (s *server) exitReason() string {
	if !s.exited() {
		return ""
	}
	return s.state.String()
}

// stop asks the server to shut down (SIGINT, a clean shutdown for both
// servers) and kills it if it has not exited within two minutes.
func (s *server) stop() { s.stopTimed(2 * time.Minute) }

// stopTimed is stop with a time limit, reporting how long the shutdown
// took and whether it had to be killed.
func (s *server) stopTimed(limit time.Duration) (time.Duration, bool) {
	if s.exited() {
		return 0, false
	}
	t := time.Now()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
		return time.Since(t), false
	case <-time.After(limit):
		s.cmd.Process.Kill()
		<-s.done
		return time.Since(t), true
	}
}

func stop(s *server) { s.stop() }

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// cpuTime is the process's CPU time from /proc/PID/stat: user+system of
// all its threads plus that of reaped children (Redis's AOF rewrite).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0 // the process is gone; callers check for that
	}
	// Fields after the command name (which may hold spaces) start after ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	var ticks int64
	for _, f := range fields[11:15] { // utime stime cutime cstime
		v, _ := strconv.ParseInt(f, 10, 64)
		ticks += v
	}
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ticks) * time.Second / hz
}

// procStatus reads a "Name: N kB" field of /proc/PID/status in bytes.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line[len(field)+1:])
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v << 10
			}
		}
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
