package procs

import (
	"slices"
	"testing"
	"time"
)

// sim feeds a controller windows of made-up load on a made-up clock.
type sim struct {
	t               *testing.T
	c               *Controller
	now             time.Time
	commands, reads int64
	cpu             time.Duration
	sets            []int // every P count the controller set
}

func newSim(t *testing.T, max int) *sim {
	s := &sim{t: t, now: time.Unix(1000, 0)}
	s.c = newController(max,
		func() (int64, int64) { return s.commands, s.reads },
		func() time.Duration { return s.cpu },
		func(n int) { s.sets = append(s.sets, n) })
	s.c.Tick(s.now)
	return s
}

// run advances n ticks of a load of rate commands/s, depth commands per
// read, keeping each P busy share of the time. rate may depend on the P
// count the controller has set, as a closed-loop benchmark's does.
func (s *sim) run(n int, depth float64, rate func(p int) float64, share float64) {
	for range n {
		cmds := int64(rate(s.c.p) * tick.Seconds())
		s.commands += cmds
		s.reads += int64(float64(cmds) / depth)
		s.cpu += time.Duration(share * float64(s.c.p) * float64(tick))
		s.now = s.now.Add(tick)
		s.c.Tick(s.now)
	}
}

func (s *sim) wantSets(sets ...int) {
	s.t.Helper()
	if !slices.Equal(s.sets, sets) {
		s.t.Fatalf("P counts set %v, want %v", s.sets, sets)
	}
}

func (s *sim) wantP(p int) {
	s.t.Helper()
	if s.c.p != p {
		s.t.Fatalf("P count %d, want %d (set so far: %v)", s.c.p, p, s.sets)
	}
}

func flat(r float64) func(int) float64 { return func(int) float64 { return r } }

// probeTicks is a probe's length, or a measure's after a change: one
// window to settle, then measureTicks.
const probeTicks = 1 + measureTicks

func TestPipelinedLoadKeepsEveryP(t *testing.T) {
	s := newSim(t, 4)
	s.run(40, 16, flat(200000), 3.5)
	s.wantP(4)
	if len(s.sets) != 0 {
		t.Fatalf("set %v, want nothing: Go's default is every P", s.sets)
	}
}

func TestUnpipelinedLoadStartsAtOneP(t *testing.T) {
	s := newSim(t, 4)
	s.run(1, 1, flat(30000), 0.5)
	s.wantP(1)
	// Pipelining clients take every P back within one window.
	s.run(1, 16, flat(200000), 1)
	s.wantP(4)
	// A mixed load between the two thresholds changes nothing.
	s.run(10, 3, flat(100000), 1)
	s.wantP(4)
	s.run(1, 1, flat(30000), 0.5)
	s.wantP(1)
}

func TestIdleWindowsChangeNothing(t *testing.T) {
	s := newSim(t, 2)
	s.run(20, 1, flat(100), 0.01) // 5 reads a window: a few admin commands
	s.wantP(2)
}

func TestProbeKeptWhenThroughputGrows(t *testing.T) {
	s := newSim(t, 4)
	scales := func(p int) float64 { return 40000 * float64(p) }
	// One tick to see the load, a measure at 1 P, then probes: 2 and 4
	// kept (the rate doubles each time; each next probe starts on the
	// tick after, from the probe's own windows), then 2 again from the
	// top, which halves it, so 4 is back.
	s.run(1+probeTicks+probeTicks+2*(1+probeTicks), 1, scales, 0.95)
	s.wantSets(1, 2, 4, 2, 4)
	// An unpipelined load comes back to the count it settled on.
	s.run(1, 16, flat(500000), 0.95)
	s.run(1, 1, scales, 0.95)
	s.wantP(4)
}

func TestLightLoadGivesPsBack(t *testing.T) {
	s := newSim(t, 4)
	scales := func(p int) float64 { return 40000 * float64(p) }
	s.run(1+probeTicks+probeTicks+1+probeTicks, 1, scales, 0.95)
	s.wantSets(1, 2, 4)
	// The clients slow down: as many requests with half the Ps, then
	// with one.
	s.run(200, 1, flat(20000), 0.1)
	s.wantMostlyOneP(200)
}

// wantMostlyOneP checks that one P served most of the next n ticks of the
// last load: probes of more Ps that bring nothing come ever less often.
func (s *sim) wantMostlyOneP(n int) {
	s.t.Helper()
	at1 := 0
	for range n {
		s.run(1, 1, flat(20000), 0.1)
		if s.c.p == 1 {
			at1++
		}
	}
	if at1 < n*9/10 {
		s.t.Fatalf("one P for %d of %d ticks, want 90%%", at1, n)
	}
}

func TestLuckyProbeIsUndone(t *testing.T) {
	s := newSim(t, 2)
	lucky := true
	worse := func(p int) float64 {
		if p == 2 && lucky {
			return 80000 // a measure spoilt by the machine's noise
		}
		return 50000 / float64(p)
	}
	s.run(1+2*probeTicks, 1, worse, 0.95)
	s.wantSets(1, 2) // kept
	lucky = false
	s.run(200, 1, worse, 0.95)
	if n := slices.Index(s.sets[2:], 1); n < 0 {
		t.Fatalf("P counts set %v: never back to 1", s.sets)
	}
	s.wantMostlyOneP(200)
}

func TestProbeRevertedAndBacksOff(t *testing.T) {
	s := newSim(t, 2)
	worse := func(p int) float64 { return 50000 / float64(p) } // as on a 2-core VM
	s.run(1, 1, worse, 0.95)
	s.run(probeTicks, 1, worse, 0.95)
	s.wantP(2) // probing
	s.run(probeTicks, 1, worse, 1.0)
	s.wantP(1) // reverted
	// No probe before the back-off (2s = 40 ticks) is over.
	s.run(int(minBackoff/tick)-1, 1, worse, 0.95)
	s.wantP(1)
	s.run(1, 1, worse, 0.95)
	s.wantP(2)
	s.run(probeTicks, 1, worse, 1.0)
	s.wantP(1)
	// The second failure doubles the wait.
	s.run(int(2*minBackoff/tick)-1, 1, worse, 0.95)
	s.wantP(1)
	s.run(1, 1, worse, 0.95)
	s.wantP(2)
}

func TestLoadGoneDuringProbeGoesBack(t *testing.T) {
	s := newSim(t, 2)
	s.run(1+probeTicks, 1, flat(40000), 0.95)
	s.wantP(2) // probing
	s.run(probeTicks, 1, flat(100), 0.01)
	s.wantP(1)
	if s.c.backoff != minBackoff {
		t.Fatalf("back-off %v after an inconclusive probe, want %v", s.c.backoff, minBackoff)
	}
}

func TestStallsCountAgainstTheirPCount(t *testing.T) {
	s := newSim(t, 2)
	tick := 0
	stalling := func(p int) float64 {
		tick++
		if p == 1 && tick%2 == 0 {
			return 0 // the only P is held by a thread blocked in a page fault
		}
		return 40000
	}
	s.run(1+2*probeTicks, 1, stalling, 0.5)
	s.wantSets(1, 2) // kept: 40k against 20k
}

func TestProbeIgnoresTheBurstAfterASwitch(t *testing.T) {
	s := newSim(t, 2)
	last := 0
	drains := func(p int) float64 {
		defer func() { last = p }()
		switch {
		case p == 1:
			return 50000
		case last == 1:
			return 400000 // the new P drains what queued up behind the one
		}
		return 40000
	}
	s.run(1+2*probeTicks, 1, drains, 0.95)
	s.wantSets(1, 2, 1) // reverted: 40k against 50k, the burst aside
	if s.c.probe != nil || s.c.backoff != 2*minBackoff {
		t.Fatalf("the probe of 2 Ps was kept (a probe of 1 under way: %v; back-off %v)", s.c.probe != nil, s.c.backoff)
	}
}

// Spinning makes processCPU advance by what it spun. The spin ends once
// 20ms are counted, or fails after 5s: on a loaded machine the goroutine
// gets only part of a core, so a fixed wall-clock spin proves nothing.
func TestProcessCPUAdvances(t *testing.T) {
	start := processCPU()
	for deadline := time.Now().Add(5 * time.Second); processCPU()-start < 20*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("process CPU advanced %v over 5s of spinning", processCPU()-start)
		}
	}
}

// A benchmark that alternates servers leaves gaps: the measure after one
// must not count the gap, or any probe beats it.
func TestGapsStartTheMeasureOver(t *testing.T) {
	s := newSim(t, 2)
	worse := func(p int) float64 { return 50000 / float64(p) }
	s.run(1+2*probeTicks, 1, worse, 0.95)
	s.wantSets(1, 2, 1)
	s.run(60, 1, flat(0), 0) // 3 s of nothing: the back-off is over
	s.run(2*probeTicks, 1, worse, 0.95)
	s.wantSets(1, 2, 1, 2, 1)
	if s.c.backoff != 4*minBackoff {
		t.Fatalf("back-off %v after two failed probes, want %v", s.c.backoff, 4*minBackoff)
	}
}

// A pipelined load that arrives during a probe gets every P at once (no
// stop-the-world to the count before the probe first), and the
// unpipelined load that follows goes back to the count it had settled on.
func TestPipelinedLoadEndsAProbe(t *testing.T) {
	s := newSim(t, 2)
	s.run(1+probeTicks, 1, flat(40000), 0.95)
	s.wantSets(1, 2) // probing 2
	s.run(1, 16, flat(500000), 0.95)
	s.wantSets(1, 2)
	s.run(1, 1, flat(40000), 0.95)
	s.wantSets(1, 2, 1)
}
