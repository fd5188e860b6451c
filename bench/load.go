package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// keyName is the key of item i: fixed width, so key order is item order.
func keyName(buf []byte, i int) []byte {
	buf = append(buf[:0], "k:"...)
	digits := 1
	for v := i; v >= 10; v /= 10 {
		digits++
	}
	for ; digits < 12; digits++ {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, int64(i), 10)
}

// loadResult is what a bulk load did.
type loadResult struct {
	keys     int64 // SETs acknowledged with +OK
	bytes    int64 // value bytes acknowledged
	elapsed  time.Duration
	errReply string // first error reply, if any
	connErr  string // first connection error, if any
	timedOut bool
}

func (l loadResult) mbps() float64 { return float64(l.bytes) / (1 << 20) / l.elapsed.Seconds() }

// load SETs items 0..n-1 (values of size bytes, incompressible) in a
// scattered order (item i*stride mod n) over conns pipelined connections.
// It stops at the first error reply or broken connection, or at timeout.
func load(port, n, size, conns, depth int, timeout time.Duration, progress func(done int64)) loadResult {
	random := make([]byte, 4<<20)
	for i := range random {
		random[i] = byte(rand.Uint32())
	}
	stride := scatterStride(n)
	var (
		acked, bytes atomic.Int64
		stopFlag     atomic.Bool
		mu           sync.Mutex
		res          loadResult
		wg           sync.WaitGroup
	)
	fail := func(set *string, msg string) {
		mu.Lock()
		if *set == "" {
			*set = msg
		}
		mu.Unlock()
		stopFlag.Store(true)
	}
	started := time.Now()
	deadline := started.Add(timeout)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := dial(port)
			if err != nil {
				fail(&res.connErr, err.Error())
				return
			}
			defer c.close()
			set := []byte("SET")
			var key []byte
			for i := w; i < n && !stopFlag.Load(); {
				batch := 0
				for ; batch < depth && i < n; i += conns {
					item := int((uint64(i) * uint64(stride)) % uint64(n))
					key = keyName(key, item)
					off := (item * 4099) % (len(random) - size)
					c.send(set, key, random[off:off+size])
					batch++
				}
				c.c.SetDeadline(time.Now().Add(2 * time.Minute))
				if err := c.flush(); err != nil {
					fail(&res.connErr, err.Error())
					return
				}
				for j := 0; j < batch; j++ {
					r, err := c.read()
					if err != nil {
						fail(&res.connErr, err.Error())
						return
					}
					if r.isErr() {
						fail(&res.errReply, r.line)
						continue
					}
					acked.Add(1)
					bytes.Add(int64(size))
				}
				if time.Now().After(deadline) {
					mu.Lock()
					res.timedOut = true
					mu.Unlock()
					stopFlag.Store(true)
				}
			}
		}(w)
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				progress(acked.Load())
			}
		}
	}()
	wg.Wait()
	close(done)
	res.keys, res.bytes, res.elapsed = acked.Load(), bytes.Load(), time.Since(started)
	return res
}

// scatterStride is a multiplier coprime with n near n·0.618, so that
// i·stride mod n visits every item once in a scattered order.
func scatterStride(n int) int {
	if n < 3 {
		return 1
	}
	s := int(float64(n)*0.6180339887) | 1
	for gcd(s, n) != 1 {
		s += 2
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// zipf is YCSB's zipfian generator over ranks 0..n-1 (Gray et al., "Quickly
// generating billion-record synthetic databases"); ranks are scrambled into
// items with FNV-1a so the hot items are spread over the key space.
type zipf struct {
	n                               int
	theta, alpha, zetan, eta, zeta2 float64
	half                            float64
	hotRank                         int // ranks below are the hottest 10%
}

func newZipf(n int, theta float64) *zipf {
	z := &zipf{n: n, theta: theta, hotRank: n / 10}
	for i := 1; i <= n; i++ {
		z.zetan += 1 / math.Pow(float64(i), theta)
	}
	z.zeta2 = 1 + math.Pow(0.5, theta)
	z.alpha = 1 / (1 - theta)
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - z.zeta2/z.zetan)
	z.half = 1 + math.Pow(0.5, theta)
	return z
}

func (z *zipf) rank(u float64) int {
	uz := u * z.zetan
	switch {
	case uz < 1:
		return 0
	case uz < z.half:
		return 1
	}
	r := int(float64(z.n) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	if r >= z.n {
		r = z.n - 1
	}
	return r
}

func (z *zipf) item(rng *rand.Rand) int {
	r := z.rank(rng.Float64())
	h := uint64(14695981039346656037)
	for k := 0; k < 8; k++ {
		h ^= uint64(r>>(8*k)) & 0xff
		h *= 1099511628211
	}
	return int(h % uint64(z.n))
}

// hotShare is the share of the hottest 10% of items in the distribution,
// by sampling.
func (z *zipf) hotShare() float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	hot := 0
	const samples = 1000000
	for i := 0; i < samples; i++ {
		if z.rank(rng.Float64()) < z.hotRank {
			hot++
		}
	}
	return float64(hot) / samples
}

// getResult is a GET measurement.
type getResult struct {
	ops, hits, misses, errs int64
	elapsed                 time.Duration
	cpuPerReq               time.Duration
	cacheHitRate            float64 // Cairn's hot cache over the measured part, -1 if unknown
	firstErr                string
}

func (g getResult) rps() float64 { return float64(g.ops) / g.elapsed.Seconds() }

// getLoad runs conns connections doing one GET at a time (like
// redis-benchmark -P 1) on items from pick, for warmup then d, and reports
// the measured part with the server's CPU time per GET.
func getLoad(s *server, conns int, warmup, d time.Duration, pick func(*rand.Rand) int) getResult {
	var (
		measuring, stopFlag atomic.Bool
		ops, hits, misses   atomic.Int64
		errs                atomic.Int64
		mu                  sync.Mutex
		res                 getResult
		wg                  sync.WaitGroup
	)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			c, err := dial(s.port)
			if err != nil {
				mu.Lock()
				res.firstErr = err.Error()
				mu.Unlock()
				return
			}
			defer c.close()
			get := []byte("GET")
			var key []byte
			for !stopFlag.Load() {
				key = keyName(key, pick(rng))
				c.send(get, key)
				c.c.SetDeadline(time.Now().Add(time.Minute))
				if err := c.flush(); err != nil {
					errs.Add(1)
					mu.Lock()
					res.firstErr = err.Error()
					mu.Unlock()
					return
				}
				r, err := c.read()
				if err != nil {
					errs.Add(1)
					mu.Lock()
					res.firstErr = err.Error()
					mu.Unlock()
					return
				}
				if !measuring.Load() {
					continue
				}
				ops.Add(1)
				switch {
				case r.isErr():
					errs.Add(1)
				case r.kind == '$' && r.n >= 0:
					hits.Add(1)
				default:
					misses.Add(1)
				}
			}
		}(w)
	}
	time.Sleep(warmup)
	hits0, misses0, known0 := hotCacheCounts(s)
	cpu0 := cpuTime(s.pid())
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(d)
	measuring.Store(false)
	res.elapsed = time.Since(t0)
	res.cacheHitRate = -1
	if hits1, misses1, known1 := hotCacheCounts(s); known0 && known1 && hits1+misses1 > hits0+misses0 {
		res.cacheHitRate = float64(hits1-hits0) / float64(hits1-hits0+misses1-misses0)
	}
	res.ops, res.hits, res.misses, res.errs = ops.Load(), hits.Load(), misses.Load(), errs.Load()
	if cpu1 := cpuTime(s.pid()); !s.exited() && res.ops > 0 && cpu1 > 0 {
		res.cpuPerReq = (cpu1 - cpu0) / time.Duration(res.ops)
	}
	stopFlag.Store(true)
	wg.Wait()
	return res
}

// hotCacheCounts reads Cairn's hot cache hits and misses from INFO memory;
// known is false for Redis or on an error.
func hotCacheCounts(s *server) (hits, misses int64, known bool) {
	text, err := info(s.port, "memory")
	if err != nil {
		return 0, 0, false
	}
	found := 0
	for _, line := range strings.Split(text, "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "hot_cache_hits":
			hits, found = n, found+1
		case "hot_cache_misses":
			misses, found = n, found+1
		}
	}
	return hits, misses, found == 2
}

// rssSampler records a process's peak resident set size: VmRSS sampled
// every 50 ms and the kernel's own high-water mark VmHWM.
type rssSampler struct {
	pid          int
	peak, hwm    atomic.Int64
	last         atomic.Int64
	stopCh, done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	r := &rssSampler{pid: pid, stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			r.sample()
			select {
			case <-r.stopCh:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) sample() {
	if v := procStatus(r.pid, "VmRSS"); v > 0 {
		r.last.Store(v)
		if v > r.peak.Load() {
			r.peak.Store(v)
		}
	}
	if v := procStatus(r.pid, "VmHWM"); v > r.hwm.Load() {
		r.hwm.Store(v)
	}
}

func (r *rssSampler) stop() {
	close(r.stopCh)
	<-r.done
}

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}
