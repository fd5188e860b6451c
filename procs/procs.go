// Package procs adapts the number of Go scheduler Ps (GOMAXPROCS) to the
// load a server sees.
//
// Clients that send one command and wait for its reply (no pipelining)
// wake one connection goroutine per request. While a second P is idle,
// the runtime wakes a thread to run it (a futex wake-up: an
// inter-processor interrupt, dear on a VM), and the thread spins and
// sleeps again. In 12 alternating pairs on a 2-core VM, one P served
// such clients with 6-48% less CPU per request and 3-73% more requests
// per second than two (bench/RESULTS.md): it runs the ready connections
// back to back, as Redis's event loop does. Pipelining clients bring many
// commands per wake-up, and the cores are worth it: SET -P 16 runs twice
// as fast on two Ps as on one.
//
// So a pipelined load gets every P, and an unpipelined one the fewest
// Ps that serve it: it starts from the count that last served such a load
// (one at first), and now and then the controller tries, for a moment,
// twice as many (keeping them only if throughput grows by a quarter) or
// half as many (keeping them unless throughput falls by a tenth). A
// probe that fails waits twice as long for the next one.
package procs

import (
	"runtime"
	"syscall"
	"time"
)

// Tuning. A window is one tick (short, so that a pipelined load gets
// every P within one); rates are compared over measureTicks.
const (
	tick         = 50 * time.Millisecond
	measureTicks = 8
	// Commands per read from which a load counts as pipelined, and below
	// which it counts as unpipelined again: the gap keeps a mixed load
	// from flapping between the two.
	pipelinedDepth   = 4
	unpipelinedDepth = 2
	// Fewer reads a window say nothing about the load (a few
	// administrative commands): at that rate the P count does not matter.
	minReads  = 25
	goneTicks = 4    // quiet windows in a row that mean the load went away
	busy      = 0.85 // CPU per P from which more Ps may help
	// What a probe of more Ps must add to throughput to stay, and what one
	// of fewer may lose and stay: wide of the VM's noise between 400 ms
	// measures (±10-20%), or probes are kept by chance and the count swings.
	gain       = 1.25
	loss       = 0.90
	minBackoff = 2 * time.Second
	maxBackoff = 60 * time.Second
)

// Work is a server's cumulative work: commands run and socket reads that
// brought them.
type Work func() (commands, reads int64)

// Controller decides the P count from windows of work and CPU time.
type Controller struct {
	max     int
	p       int
	setP    func(int)
	work    Work
	cpuTime func() time.Duration

	last       sample
	settling   bool // the P count just changed: the next window is a transient
	quietRun   int  // consecutive windows with too few reads to tell the load
	started    bool
	load       loadKind
	history    []window // the last windows at p, unpipelined
	probe      *probe
	backoff    time.Duration
	quietUntil time.Time
	unpipedP   int // the count an unpipelined load last settled on
}

type loadKind int

const (
	unknownLoad loadKind = iota
	pipelinedLoad
	unpipelinedLoad
)

type sample struct {
	at              time.Time
	commands, reads int64
	cpu             time.Duration
}

type window struct {
	commands, reads int64
	cpu, wall       time.Duration
}

// probe is a trial of another P count: from is the count before it, base
// the throughput measured there.
type probe struct {
	from    int
	base    float64
	windows []window
}

// New returns a controller that may use up to max Ps. It changes
// nothing until it sees load.
func New(max int, work Work) *Controller {
	return newController(max, work, processCPU, func(n int) { runtime.GOMAXPROCS(n) })
}

func newController(max int, work Work, cpuTime func() time.Duration, setP func(int)) *Controller {
	return &Controller{max: max, p: max, setP: setP, work: work, cpuTime: cpuTime, backoff: minBackoff, unpipedP: 1}
}

// Run adjusts the P count every tick until stop is closed.
func (c *Controller) Run(stop <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			c.Tick(now)
		}
	}
}

// Tick takes the window since the last tick into account.
func (c *Controller) Tick(now time.Time) {
	commands, reads := c.work()
	s := sample{at: now, commands: commands, reads: reads, cpu: c.cpuTime()}
	if !c.started {
		c.last, c.started = s, true
		return
	}
	w := window{commands: s.commands - c.last.commands, reads: s.reads - c.last.reads, cpu: s.cpu - c.last.cpu, wall: s.at.Sub(c.last.at)}
	c.last = s
	if w.wall <= 0 {
		return
	}
	if w.reads >= minReads { // enough to tell what load this is
		depth := float64(w.commands) / float64(w.reads)
		switch {
		case c.load != pipelinedLoad && depth >= pipelinedDepth:
			settled := c.p
			if c.probe != nil { // abandoned: the count before it is the settled one
				settled = c.probe.from
				c.probe = nil
			}
			if c.load == unpipelinedLoad {
				c.unpipedP = settled
			}
			c.load = pipelinedLoad
			c.set(c.max)
			return
		case c.load != unpipelinedLoad && depth < unpipelinedDepth:
			c.load = unpipelinedLoad
			c.history = c.history[:0]
			c.set(c.unpipedP)
			return
		}
	}
	if c.load != unpipelinedLoad {
		return
	}
	// Quiet windows count in the measures: a P count under which the
	// server stalls (its Ps held by threads blocked in page faults) must
	// pay for it. A run of them is the load gone, not a stall: the
	// measures start over when it comes back.
	if w.reads < minReads {
		c.quietRun++
	} else {
		c.quietRun = 0
	}
	if c.quietRun >= goneTicks {
		if c.probe != nil {
			c.set(c.probe.from) // nothing learnt
			c.probe = nil
		}
		c.history = c.history[:0]
		c.settling = true // the load's first window back is partly quiet
		return
	}
	if c.settling {
		// Right after a change the new Ps drain (or the old ones leave)
		// a backlog of runnable goroutines: a burst, not the new rate.
		c.settling = false
		return
	}
	if c.probe != nil {
		c.probe.windows = append(c.probe.windows, w)
		if len(c.probe.windows) == measureTicks {
			c.endProbe(now)
		}
		return
	}
	c.history = append(c.history, w)
	if len(c.history) > measureTicks {
		c.history = c.history[1:]
	}
	if len(c.history) < measureTicks || now.Before(c.quietUntil) {
		return
	}
	// Try more Ps while the ones there are stay busy (or there is only
	// one: a load waiting on the disk keeps no P busy, and more may still
	// serve it faster), fewer otherwise: a count kept by a lucky measure
	// is undone by the next probe.
	switch {
	case c.p < c.max && (c.p == 1 || cpuShare(c.history)/float64(c.p) >= busy):
		c.startProbe(min(2*c.p, c.max))
	case c.p > 1:
		c.startProbe(max(c.p/2, 1))
	}
}

func (c *Controller) startProbe(n int) {
	c.probe = &probe{from: c.p, base: rate(c.history)}
	c.history = c.history[:0]
	c.set(n)
}

// endProbe keeps the probed P count if throughput grew enough with more
// Ps, or did not shrink much with fewer, and is then free to probe again
// at once; else it goes back to the count before, and waits before the
// next probe, each time twice as long.
func (c *Controller) endProbe(now time.Time) {
	pr := c.probe
	c.probe = nil
	r := rate(pr.windows)
	if c.p > pr.from && r >= pr.base*gain || c.p < pr.from && r >= pr.base*loss {
		c.history = append(c.history[:0], pr.windows...)
		c.unpipedP = c.p
		c.backoff = minBackoff
		c.quietUntil = now
		return
	}
	c.set(pr.from)
	c.quietUntil = now.Add(c.backoff)
	c.backoff = min(2*c.backoff, maxBackoff)
}

func (c *Controller) set(n int) {
	if n != c.p {
		c.p = n
		c.setP(n)
		c.settling = true
	}
}

// rate is the windows' commands per second.
func rate(ws []window) float64 {
	var n int64
	var d time.Duration
	for _, w := range ws {
		n += w.commands
		d += w.wall
	}
	return float64(n) / d.Seconds()
}

// cpuShare is the CPU time the windows used per second of wall time.
func cpuShare(ws []window) float64 {
	var cpu, wall time.Duration
	for _, w := range ws {
		cpu += w.cpu
		wall += w.wall
	}
	return cpu.Seconds() / wall.Seconds()
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
