package engine

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(
		cmdDef{name: "latency|latest", run: cmdLatencyLatest},
		cmdDef{name: "latency|history", run: cmdLatencyHistory},
		cmdDef{name: "latency|reset", run: cmdLatencyReset},
		cmdDef{name: "latency|doctor", run: cmdLatencyDoctor},
		cmdDef{name: "latency|histogram", run: cmdLatencyHistogram},
		cmdDef{name: "latency|help", run: func(x *Ctx) { x.helpReply("latency") }},
	)
}

// latencyMonitor keeps, per event ("command", "fast-command",
// "expire-cycle"), the last 160 seconds with a spike above
// latency-monitor-threshold, as Redis's latency monitor does.
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencySeries
}

type latencySeries struct {
	samples []latencySample // oldest first, at most 160
	max     int64
}

type latencySample struct {
	time int64 // unix seconds
	ms   int64
}

const latencySamples = 160

// record notes a spike of ms milliseconds for event if it crosses the
// threshold; samples in the same second keep the largest.
func (m *latencyMonitor) record(event string, ms, threshold int64) {
	if threshold <= 0 || ms < threshold {
		return
	}
	now := time.Now().Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = map[string]*latencySeries{}
	}
	s := m.events[event]
	if s == nil {
		s = &latencySeries{}
		m.events[event] = s
	}
	if n := len(s.samples); n > 0 && s.samples[n-1].time == now {
		s.samples[n-1].ms = max(s.samples[n-1].ms, ms)
	} else {
		s.samples = append(s.samples, latencySample{now, ms})
		if len(s.samples) > latencySamples {
			s.samples = s.samples[1:]
		}
	}
	s.max = max(s.max, ms)
}

func (m *latencyMonitor) names() []string {
	var names []string
	for n := range m.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func cmdLatencyLatest(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.names()
	x.w.Array(len(names))
	for _, n := range names {
		s := m.events[n]
		last := s.samples[len(s.samples)-1]
		x.w.Array(4)
		x.w.BulkString(n)
		x.w.Int(last.time)
		x.w.Int(last.ms)
		x.w.Int(s.max)
	}
}

func cmdLatencyHistory(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.events[string(x.args[2])]
	if s == nil {
		x.w.Array(0)
		return
	}
	x.w.Array(len(s.samples))
	for _, sm := range s.samples {
		x.w.Array(2)
		x.w.Int(sm.time)
		x.w.Int(sm.ms)
	}
}

func cmdLatencyReset(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if len(x.args) == 2 {
		n = len(m.events)
		m.events = nil
	} else {
		for _, e := range x.args[2:] {
			if _, ok := m.events[string(e)]; ok {
				delete(m.events, string(e))
				n++
			}
		}
	}
	x.w.Int(int64(n))
}

func cmdLatencyDoctor(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 && x.s.conf().latencyThreshold == 0 {
		x.w.Verbatim("txt", "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
		return
	}
	if len(m.events) == 0 {
		x.w.Verbatim("txt", "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
		return
	}
	var b strings.Builder
	b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
	for i, n := range m.names() {
		s := m.events[n]
		var sum int64
		for _, sm := range s.samples {
			sum += sm.ms
		}
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation 0ms, period %d sec). Worst all time event %dms.\n",
			i+1, n, len(s.samples), sum/int64(len(s.samples)), 0, s.max)
	}
	b.WriteString("\nI have a few advices for you:\n\n- Check your system for slow commands with SLOWLOG GET; on Cairn, slow spikes may also come from the disk: see INFO storage.\n")
	x.w.Verbatim("txt", b.String())
}

// cmdLatencyHistogram reports each timed command's latency distribution
// in power-of-two microsecond buckets, cumulative, as Redis does: every
// command's (Redis: in dict order; sorted here), or the named ones' in
// the arguments' order, a container's timed subcommands with it.
func cmdLatencyHistogram(x *Ctx) {
	type timedCmd struct {
		name    string
		buckets [][2]int64
	}
	var cmds []timedCmd
	timed := func(c *command) {
		if b := c.hist.cumulative(); len(b) > 0 {
			cmds = append(cmds, timedCmd{c.name, b})
		}
	}
	if len(x.args) == 2 {
		x.s.eachCommand(timed)
		sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	}
	for _, a := range x.args[2:] {
		c := x.s.commandByName(strings.ToLower(string(a)))
		if c == nil {
			continue
		}
		timed(c)
		subs := make([]string, 0, len(c.subs))
		for name := range c.subs {
			subs = append(subs, name)
		}
		sort.Strings(subs)
		for _, name := range subs {
			timed(c.subs[name])
		}
	}
	x.w.Map(len(cmds))
	for _, c := range cmds {
		x.w.BulkString(c.name)
		x.w.Map(2)
		x.w.BulkString("calls")
		x.w.Int(c.buckets[len(c.buckets)-1][1]) // the timed calls: not those while latency-tracking was off
		x.w.BulkString("histogram_usec")
		x.w.Map(len(c.buckets))
		for _, b := range c.buckets {
			x.w.Int(b[0])
			x.w.Int(b[1])
		}
	}
}

// commandByName finds a command or a "parent|sub" subcommand.
func (s *Server) commandByName(name string) *command {
	parent, sub, ok := strings.Cut(name, "|")
	c := s.commands[parent]
	if c == nil || !ok {
		return c
	}
	return c.subs[sub]
}

// histogram counts command durations in power-of-two microsecond buckets,
// each split in eight, which is enough for INFO latencystats percentiles.
type histogram struct {
	counts [64 * 8]atomic.Int64
}

func (h *histogram) record(d time.Duration) {
	us := uint64(max(d.Microseconds(), 1))
	exp := bits.Len64(us) - 1 // us is in [2^exp, 2^(exp+1))
	sub := 0
	if exp >= 3 {
		sub = int((us >> (exp - 3)) & 7)
	}
	h.counts[exp*8+sub].Add(1)
}

// bucketUpper is the largest duration (µs) bucket i holds.
func bucketUpper(i int) float64 {
	exp, sub := i/8, i%8
	if exp < 3 {
		return float64(uint64(1)<<(exp+1)) - 1
	}
	base := float64(uint64(1) << exp)
	return base + base*float64(sub+1)/8
}

// percentiles returns the durations (µs) below which the given fractions
// of recorded calls fall.
func (h *histogram) percentiles(ps ...float64) []float64 {
	var total int64
	var counts [64 * 8]int64
	for i := range counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	out := make([]float64, len(ps))
	for j, p := range ps {
		want := int64(float64(total)*p + 0.5)
		var seen int64
		for i, c := range counts {
			seen += c
			if seen >= want && seen > 0 {
				out[j] = bucketUpper(i)
				break
			}
		}
	}
	return out
}

// cumulative lists (bucket upper bound in µs, calls up to it) for the
// power-of-two buckets where the count grows, the shape LATENCY HISTOGRAM
// replies with.
func (h *histogram) cumulative() [][2]int64 {
	var out [][2]int64
	var seen int64
	for exp := 0; exp < 64; exp++ {
		var n int64
		for sub := 0; sub < 8; sub++ {
			n += h.counts[exp*8+sub].Load()
		}
		if n == 0 {
			continue
		}
		seen += n
		bound := int64(1) << exp
		if exp >= 5 {
			bound += int64(1) << (exp - 5) // Redis's buckets read 1 2 4 8 16 33 66 132 ...
		}
		out = append(out, [2]int64{bound, seen})
	}
	return out
}

func (h *histogram) reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
}
