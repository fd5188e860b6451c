package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// options configure a crash run.
type options struct {
	bin        string        // the cairn-server binary
	dir        string        // its data directory
	fsync      string        // appendfsync: always or everysec
	kills      int           // rounds: write, SIGKILL, restart, verify
	cleanEvery int           // every cleanEvery-th round stops the server with SIGTERM instead: nothing acknowledged may be lost
	writers    int           // concurrent writer connections
	units      int           // units (keys or key groups) per kind and writer
	minDelay   time.Duration // how long writers run before the kill, at least
	maxDelay   time.Duration // and at most
	lossMax    time.Duration // everysec: the oldest acknowledged write that may be lost
	seed       int64
	log        func(format string, args ...any)
}

// unit is one key, or a group of keys written together, and what the model
// knows of it. A unit belongs to one writer, so it has one write in flight
// at most.
type unit struct {
	kind    *kind
	keys    []string
	acked   int         // writes acknowledged
	base    int         // acked when the round started
	pending bool        // a write was sent and not answered when the server died
	refused string      // the error a write got, which must not happen
	ackedAt []time.Time // when each acknowledged write was answered
}

// stats are what a run found.
type stats struct {
	kills, stops, acked, inFlight, inFlightApplied int
	lost                                           int           // acknowledged writes missing after restart (everysec)
	maxLossWindow                                  time.Duration // the oldest of them, before the kill
	kinds                                          []string
}

func (s stats) String() string {
	stops := ""
	if s.stops > 0 {
		stops = fmt.Sprintf(", %d clean stops", s.stops)
	}
	return fmt.Sprintf("%d kills%s, %d acknowledged writes (kinds: %s), %d in flight when the server went down (%d of them applied), %d acknowledged writes lost (oldest %v before its kill), no invariant broken",
		s.kills, stops, s.acked, strings.Join(s.kinds, " "), s.inFlight, s.inFlightApplied, s.lost, s.maxLossWindow.Round(time.Millisecond))
}

// server is a running cairn-server.
type server struct {
	cmd  *exec.Cmd
	addr string
	out  *bytes.Buffer
}

func startServer(o *options) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(o.bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", o.dir,
		"--save", "", "--appendfsync", o.fsync, "--cairn-memtable-size", "2mb")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: fmt.Sprintf("127.0.0.1:%d", port), out: &out}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := dial(s.addr); err == nil {
			r, err := c.do("PING")
			c.close()
			if err == nil && r.str == "PONG" {
				return s, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill()
	return nil, fmt.Errorf("cairn-server did not start:\n%s", out.String())
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// stop shuts the server down cleanly, as SIGTERM asks; a server that is
// still running after 30 s is killed and the stop reported as failed.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
		return errors.New("the server did not stop within 30 s of SIGTERM")
	}
}

// has reports whether the server implements a command (COMMAND INFO lists
// only those).
func (s *server) has(name string) bool {
	c, err := dial(s.addr)
	if err != nil {
		return false
	}
	defer c.close()
	r, err := c.do("COMMAND", "INFO", name)
	return err == nil && len(r.arr) == 1 && !r.arr[0].null
}

// run writes, kills and verifies o.kills times.
func run(o *options) (stats, error) {
	var st stats
	srv, err := startServer(o)
	if err != nil {
		return st, err
	}
	defer func() { srv.kill() }()
	units, err := makeUnits(o, srv, &st)
	if err != nil {
		return st, err
	}
	rnd := rand.New(rand.NewSource(o.seed))
	for round := 1; round <= o.kills; round++ {
		clean := o.cleanEvery > 0 && round%o.cleanEvery == 0
		killedAt, err := writeAndKill(o, srv, units, rnd, clean)
		if err != nil {
			return st, fmt.Errorf("round %d: %w\nserver log:\n%s", round, err, srv.out.String())
		}
		how := "SIGKILL"
		if clean {
			st.stops++
			how = "a clean stop"
		} else {
			st.kills++
		}
		srv, err = startServer(o)
		if err != nil {
			return st, fmt.Errorf("round %d: restart after %s: %w", round, how, err)
		}
		if err := verify(o, srv, units, killedAt, clean, &st); err != nil {
			return st, fmt.Errorf("round %d: %w\nserver log:\n%s", round, err, srv.out.String())
		}
		if round%20 == 0 {
			o.log("%d rounds so far: %v", round, st)
		}
	}
	return st, nil
}

// makeUnits creates the units of every kind the server supports, one set
// per writer, and runs their setup.
func makeUnits(o *options, srv *server, st *stats) ([][]*unit, error) {
	c, err := dial(srv.addr)
	if err != nil {
		return nil, err
	}
	defer c.close()
	units := make([][]*unit, o.writers)
	for _, k := range kinds {
		supported := true
		for _, name := range k.needs {
			supported = supported && srv.has(name)
		}
		if !supported {
			o.log("kind %s skipped: the server lacks %s", k.name, strings.Join(k.needs, "/"))
			continue
		}
		st.kinds = append(st.kinds, k.name)
		for w := range units {
			for i := 0; i < o.units; i++ {
				u := &unit{kind: k}
				for j := 0; j < k.keys; j++ {
					u.keys = append(u.keys, fmt.Sprintf("{%s:%d:%d}:%d", k.name, w, i, j))
				}
				if k.setup != nil {
					for _, cmd := range k.setup(u.keys) {
						if r, err := c.do(cmd...); err != nil || r.err != "" {
							return nil, fmt.Errorf("setup %q: %v %s", cmd, err, r.err)
						}
					}
				}
				units[w] = append(units[w], u)
			}
		}
	}
	if o.fsync != "always" {
		time.Sleep(1500 * time.Millisecond) // let everysec make the setup durable
	}
	return units, nil
}

// writeAndKill runs the writers until a random moment, kills the server
// with SIGKILL (or stops it cleanly) and returns when every writer has
// seen it die.
func writeAndKill(o *options, srv *server, units [][]*unit, rnd *rand.Rand, clean bool) (time.Time, error) {
	var wg sync.WaitGroup
	for w := range units {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			writer(srv.addr, units[w], rand.New(rand.NewSource(seed)))
		}(rnd.Int63())
	}
	delay := o.minDelay + time.Duration(rnd.Int63n(int64(o.maxDelay-o.minDelay)+1))
	time.Sleep(delay)
	killedAt := time.Now()
	var err error
	if clean {
		err = srv.stop()
	} else {
		srv.kill()
	}
	wg.Wait()
	return killedAt, err
}

// writer writes to its units until the connection breaks.
func writer(addr string, units []*unit, rnd *rand.Rand) {
	c, err := dial(addr)
	if err != nil {
		return
	}
	defer c.close()
	for {
		u := units[rnd.Intn(len(units))]
		cmds := u.kind.write(u.keys, u.acked+1)
		u.pending = true
		rs, err := c.pipeline(cmds)
		if err != nil {
			return
		}
		u.pending = false
		if msg := failure(rs[len(rs)-1]); msg != "" {
			u.refused = fmt.Sprintf("%q: %s", cmds, msg)
			return
		}
		u.acked++
		u.ackedAt = append(u.ackedAt, time.Now())
	}
}

// failure is the error in a write's reply (EXEC's array included).
func failure(r reply) string {
	if r.err != "" {
		return r.err
	}
	if r.null {
		return "nil reply"
	}
	for _, e := range r.arr {
		if e.err != "" {
			return e.err
		}
	}
	return ""
}

// verify compares every unit with the model after a restart and takes the
// server's state as the model's next starting point.
func verify(o *options, srv *server, units [][]*unit, killedAt time.Time, clean bool, st *stats) error {
	c, err := dial(srv.addr)
	if err != nil {
		return err
	}
	defer c.close()
	for _, us := range units {
		for _, u := range us {
			got, err := u.kind.observe(c, u.keys)
			if err != nil {
				return fmt.Errorf("%s %v: %w", u.kind.name, u.keys, err)
			}
			if err := settle(o, u, got, killedAt, clean, st); err != nil {
				return fmt.Errorf("%s %v: %w", u.kind.name, u.keys, err)
			}
		}
	}
	return nil
}

// settle checks one unit's observed count against the model; after a
// clean stop nothing acknowledged may be missing.
func settle(o *options, u *unit, got int, killedAt time.Time, clean bool, st *stats) error {
	if u.refused != "" {
		return errors.New("a write was refused: " + u.refused)
	}
	made := u.acked
	if u.pending {
		st.inFlight++
		made++
	}
	switch {
	case got > made:
		return fmt.Errorf("count %d, but only %d writes were made", got, made)
	case got == u.acked+1:
		st.inFlightApplied++
	case got < u.acked && clean:
		return fmt.Errorf("count %d: acknowledged writes lost by a clean stop (%d acknowledged)", got, u.acked)
	case got < u.acked && o.fsync == "always":
		return fmt.Errorf("count %d: acknowledged writes lost under appendfsync always (%d acknowledged)", got, u.acked)
	case got < u.acked:
		window := killedAt.Sub(u.ackedAt[got])
		if window > o.lossMax {
			return fmt.Errorf("count %d of %d acknowledged: lost a write acknowledged %v before the kill", got, u.acked, window)
		}
		st.lost += u.acked - got
		st.maxLossWindow = max(st.maxLossWindow, window)
	}
	st.acked += u.acked - u.base
	u.acked, u.base, u.pending = got, got, false
	u.ackedAt = u.ackedAt[:min(got, len(u.ackedAt))]
	for len(u.ackedAt) < got {
		u.ackedAt = append(u.ackedAt, killedAt)
	}
	return nil
}

// buildServer compiles cmd/cairn-server into dir.
func buildServer(dir string) (string, error) {
	bin := dir + "/cairn-server"
	cmd := exec.Command("go", "build", "-o", bin, "github.com/cairndb/cairn/cmd/cairn-server")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return bin, cmd.Run()
}
