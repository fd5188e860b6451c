package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Everything the harness must undo when it stops early: servers it
// started, cgroups it made, its temporary directory.
var cleanups struct {
	mu      sync.Mutex
	servers []*server
	cgroups []string
	dirs    []string
}

func registerServer(s *server) {
	cleanups.mu.Lock()
	cleanups.servers = append(cleanups.servers, s)
	cleanups.mu.Unlock()
}

func runCleanups() {
	cleanups.mu.Lock()
	defer cleanups.mu.Unlock()
	for _, s := range cleanups.servers {
		if !s.exited() {
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	for _, g := range cleanups.cgroups {
		removeCgroup(g)
	}
	for _, d := range cleanups.dirs {
		os.RemoveAll(d)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	runCleanups()
	os.Exit(1)
}

// cleanupOnSignal removes the work directory and stops the servers on
// SIGINT or SIGTERM.
func cleanupOnSignal(work string) {
	cleanups.mu.Lock()
	cleanups.dirs = append(cleanups.dirs, work)
	cleanups.mu.Unlock()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		fatalf("bench: %v, cleaning up", sig)
	}()
}

const cgroupRoot = "/sys/fs/cgroup/memory"

// cgroupProblem says why a cgroup v1 memory group cannot be used ("" when
// it can).
func cgroupProblem() string {
	if os.Geteuid() != 0 {
		return "not running as root"
	}
	if _, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.procs")); err != nil {
		return "no cgroup v1 memory controller at " + cgroupRoot
	}
	return ""
}

// newCgroup makes a memory group with a hard limit.
func newCgroup(name string, limit int64) (string, error) {
	g := filepath.Join(cgroupRoot, fmt.Sprintf("cairn-bench-%d-%s", os.Getpid(), name))
	if err := os.Mkdir(g, 0o755); err != nil {
		return "", err
	}
	cleanups.mu.Lock()
	cleanups.cgroups = append(cleanups.cgroups, g)
	cleanups.mu.Unlock()
	if err := os.WriteFile(filepath.Join(g, "memory.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0); err != nil {
		removeCgroup(g)
		return "", err
	}
	// No swap here, but make sure a swap-enabled machine cannot dodge it.
	os.WriteFile(filepath.Join(g, "memory.swappiness"), []byte("0"), 0)
	return g, nil
}

// cgroupValue reads a number from a cgroup file, or a "key value" line of
// memory.oom_control / memory.stat when key is given.
func cgroupValue(g, file, key string) int64 {
	b, err := os.ReadFile(filepath.Join(g, file))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		switch {
		case key == "" && len(f) == 1:
			v, _ := strconv.ParseInt(f[0], 10, 64)
			return v
		case key != "" && len(f) == 2 && f[0] == key:
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return -1
}

func removeCgroup(g string) {
	for i := 0; i < 50; i++ {
		err := os.Remove(g)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "could not remove cgroup %s\n", g)
}
