package engine

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/storage"
)

// Eviction: Redis's maxmemory for a disk store.
//
// used_memory is the dataset's footprint (storage.KeyFootprint, kept by
// counters at commit). Before every command, while maxmemory is set and
// used_memory exceeds it, keys are evicted by maxmemory-policy, through the
// normal delete path (WATCH, `evicted` notifications, tracking
// invalidation, evicted_keys). If nothing can be evicted, commands flagged
// denyoom (and anything queued in MULTI, and EXEC of a transaction with
// such commands) get Redis's OOM error. DESIGN.md has the details.

const errOOM = "OOM command not allowed when used memory > 'maxmemory'."

type evictPolicy int32

const (
	noEviction evictPolicy = iota
	allkeysLRU
	allkeysLFU
	allkeysRandom
	volatileLRU
	volatileLFU
	volatileRandom
	volatileTTL
)

var policyNames = map[string]evictPolicy{
	"noeviction": noEviction, "allkeys-lru": allkeysLRU, "allkeys-lfu": allkeysLFU,
	"allkeys-random": allkeysRandom, "volatile-lru": volatileLRU, "volatile-lfu": volatileLFU,
	"volatile-random": volatileRandom, "volatile-ttl": volatileTTL,
}

func (p evictPolicy) volatile() bool { return p >= volatileLRU }

// evictPoolSize is Redis's EVPOOL_SIZE: the best candidates kept across
// samplings.
const evictPoolSize = 16

type evictState struct {
	maxmemory atomic.Int64
	policy    atomic.Int32
	samples   atomic.Int32
	timeLimit atomic.Int64 // ns per performEvictions call (tenacity)

	oom       atomic.Bool  // the last command found nothing to evict (scriptOOM)
	overSince atomic.Int64 // unix ms used_memory went over maxmemory, 0 when under
	overTotal atomic.Int64 // ms spent over maxmemory before overSince

	mu   sync.Mutex  // one evictor at a time; the others wait for its result
	pool []poolEntry // guarded by mu
	next int         // round-robin database of allkeys-random
}

type poolEntry struct {
	db     int
	key    []byte
	expire int64
	score  int64 // higher = better to evict
}

type evictResult int

const (
	evictOK evictResult = iota
	evictRunning
	evictFail
)

// initEviction reads the eviction settings and follows their changes.
func (s *Server) initEviction() {
	s.loadEviction()
	for _, name := range []string{"maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor", "lfu-decay-time"} {
		s.cfg.OnSet(name, func(string) error { s.loadEviction(); return nil })
	}
}

func (s *Server) loadEviction() {
	ev := &s.evict
	ev.maxmemory.Store(s.cfg.Int("maxmemory"))
	policy := policyNames[s.cfg.String("maxmemory-policy")]
	ev.policy.Store(int32(policy))
	ev.samples.Store(int32(min(max(s.cfg.Int("maxmemory-samples"), 1), 64)))
	ev.timeLimit.Store(int64(evictionTimeLimit(s.cfg.Int("maxmemory-eviction-tenacity"))))
	s.store.SetLFU(policy == allkeysLFU || policy == volatileLFU, s.cfg.Int("lfu-log-factor"), s.cfg.Int("lfu-decay-time"))
	ev.mu.Lock()
	ev.pool = ev.pool[:0] // scores of another policy mean nothing
	ev.mu.Unlock()
}

// evictionTimeLimit is how long one command may spend evicting, from
// maxmemory-eviction-tenacity as Redis computes it (500 µs at the default
// 10), but at least 2 ms: a Pebble delete costs more than a free().
func evictionTimeLimit(tenacity int64) time.Duration {
	var us float64
	switch {
	case tenacity <= 10:
		us = 50 * float64(tenacity)
	case tenacity < 100:
		us = 500 * math.Pow(1.15, float64(tenacity)-10)
	default:
		return time.Duration(math.MaxInt64)
	}
	return max(time.Duration(us)*time.Microsecond, 2*time.Millisecond)
}

// clientBufferBytes is the read buffer each connection holds (CLIENT
// LIST's rbs).
const clientBufferBytes = 16384

// usedMemory is used_memory as maxmemory compares it: the dataset's
// footprint plus the clients' buffers, which Redis counts too; so a tiny
// maxmemory refuses writes on an empty dataset, as in Redis.
func (s *Server) usedMemory() int64 {
	return s.store.UsedMemory() + s.clientCount.Load()*clientBufferBytes
}

// oomRefusal is admit's maxmemory check (Redis's processCommand): evict
// while over maxmemory, and refuse with OOM what may grow the dataset when
// nothing can be evicted.
func (c *Client) oomRefusal(cmd *command, args [][]byte) string {
	s := c.s
	maxmem := s.activeMaxmemory()
	if maxmem <= 0 || s.usedMemory() <= maxmem {
		s.evict.under()
		if s.evict.oom.Load() {
			s.evict.oom.Store(false)
		}
		return ""
	}
	if evictPolicy(s.evict.policy.Load()) != noEviction {
		// The client's open pipeline batch holds key locks that eviction
		// may need, and its writes are not counted yet.
		c.commitBatch()
	}
	oom := s.performEvictions() == evictFail
	if cmd.name != "multi" {
		s.evict.oom.Store(oom) // Redis's pre_command_oom_state, for scripts
	}
	if !oom {
		return ""
	}
	reject := cmd.denyOOM || s.scriptDenyOOM(cmd, args)
	if cmd.name == "exec" && c.multi != nil {
		for _, q := range c.multi.queue {
			reject = reject || q.cmd.denyOOM || s.scriptDenyOOM(q.cmd, q.args)
		}
	}
	// Queueing in MULTI may take any amount of memory: Redis refuses
	// everything there but EXEC, DISCARD, QUIT and RESET.
	if c.multi != nil && cmd.name != "exec" && cmd.name != "discard" && cmd.name != "quit" && cmd.name != "reset" {
		reject = true
	}
	if reject {
		return errOOM
	}
	return ""
}

// scriptDenyOOM is whether a script call counts as denyoom, as Redis's
// evalGetCommandFlags/fcallGetCommandFlags decide: a script with a
// shebang (or a function) that declares neither no-writes nor allow-oom.
// EVAL scripts without a shebang are checked per call inside (scriptOOM).
func (s *Server) scriptDenyOOM(cmd *command, args [][]byte) bool {
	flags, ok := s.scriptFlagsOf(cmd, args)
	return ok && flags&flagEvalCompat == 0 && flags&(flagNoWrites|flagAllowOOM) == 0
}

// scriptMayWrite is whether a script call counts as a write command, as
// Redis's evalGetCommandFlags/fcallGetCommandFlags decide: a script with a
// shebang (or a function) that does not declare no-writes.
func (s *Server) scriptMayWrite(cmd *command, args [][]byte) bool {
	flags, ok := s.scriptFlagsOf(cmd, args)
	return ok && flags&(flagEvalCompat|flagNoWrites) == 0
}

// scriptFlagsOf returns the flags of the script or function a command
// would run; false when it runs none (or an unknown one).
func (s *Server) scriptFlagsOf(cmd *command, args [][]byte) (scriptFlags, bool) {
	switch cmd.name {
	case "eval", "eval_ro":
		if sc := s.scripts.lookup(sha1Hex(args[1])); sc != nil {
			return sc.flags, true
		}
		f, _, reject := parseEvalShebang(string(args[1]))
		return f, reject == ""
	case "evalsha", "evalsha_ro":
		if sc := s.scripts.lookup(string(args[1])); sc != nil {
			return sc.flags, true
		}
	case "fcall", "fcall_ro":
		if f := s.scripts.functions.function(string(args[1])); f != nil {
			return f.flags, true
		}
	}
	return 0, false
}

// scriptOOM is the check of a command a script calls (Redis's
// scriptVerifyOOM): a denyoom command is refused if the script started
// out of memory and has not written yet (it cannot stop halfway).
func (s *Server) scriptOOM(r *scriptRun, cmd *command) string {
	if !cmd.denyOOM || r.wrote.Load() || s.activeMaxmemory() <= 0 || !s.evict.oom.Load() {
		return ""
	}
	var flags scriptFlags
	if r.isEval {
		if sc := s.scripts.lookup(r.name); sc != nil {
			flags = sc.flags
		}
	} else if f := s.scripts.functions.function(r.name); f != nil {
		flags = f.flags
	}
	if flags&flagAllowOOM != 0 {
		return ""
	}
	return "-" + errOOM
}

// under notes that used_memory is within maxmemory (for INFO's
// eviction-exceeded times).
func (ev *evictState) under() {
	if since := ev.overSince.Load(); since != 0 && ev.overSince.CompareAndSwap(since, 0) {
		ev.overTotal.Add(max(unixMilli()-since, 0))
	}
}

// exceededMs returns INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time.
func (ev *evictState) exceededMs() (total, current int64) {
	if since := ev.overSince.Load(); since != 0 {
		current = max(unixMilli()-since, 0)
	}
	return ev.overTotal.Load() + current, current
}

// performEvictions evicts keys until used_memory is within maxmemory or
// the time limit is reached (evictRunning: the next commands go on), and
// reports evictFail when it is over the limit with nothing to evict.
func (s *Server) performEvictions() evictResult {
	ev := &s.evict
	maxmem := ev.maxmemory.Load()
	if maxmem <= 0 || s.pause.active() { // CLIENT PAUSE stops evictions too
		return evictOK
	}
	policy := evictPolicy(ev.policy.Load())
	if policy == noEviction { // no need to queue behind other evictors
		if s.usedMemory() <= maxmem {
			ev.under()
			return evictOK
		}
		ev.overSince.CompareAndSwap(0, unixMilli())
		return evictFail
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if s.usedMemory() <= maxmem {
		ev.under()
		return evictOK
	}
	ev.overSince.CompareAndSwap(0, unixMilli())
	deadline := time.Now().Add(time.Duration(ev.timeLimit.Load()))
	// Evict a little below maxmemory (1/64 of it, at most 1 MB), so that
	// one pass, with one set of iterators, serves many writes.
	target := maxmem - min(maxmem/64, 1<<20)
	sp := s.store.NewSampler()
	defer func() { sp.Close() }()
	fresh := true // sp was opened after the last eviction
	gone := map[string]bool{}
	evicted, misses := 0, 0
	for {
		used := s.usedMemory()
		if used <= target {
			break
		}
		if evicted > 0 && time.Now().After(deadline) {
			if used <= maxmem {
				break
			}
			return evictRunning
		}
		c, ok, err := s.pickVictim(policy, sp, gone)
		if err != nil {
			s.log.Warningf("Eviction: %v", err)
			return evictFail
		}
		if !ok && !fresh { // the sampler's view may hold only evicted keys
			sp.Close()
			sp, fresh = s.store.NewSampler(), true
			continue
		}
		if !ok {
			if used <= maxmem {
				break
			}
			return evictFail
		}
		done, err := s.evictKey(c, policy.volatile())
		if err != nil {
			s.log.Warningf("Eviction of a key: %v", err)
			return evictFail
		}
		gone[poolKey(c.db, c.key)] = true
		if done {
			evicted++
			misses = 0
			fresh = false
		} else if misses++; misses > 100 {
			return evictFail // candidates keep vanishing: give up for now
		}
	}
	ev.under()
	return evictOK
}

func poolKey(db int, key []byte) string { return strconv.Itoa(db) + ":" + string(key) }

// activeMaxmemory is maxmemory as it applies now: none on a replica with
// replica-ignore-maxmemory, whose master bounds the data.
func (s *Server) activeMaxmemory() int64 {
	if s.replica.Load() != nil && s.cfg.Bool("replica-ignore-maxmemory") {
		return 0
	}
	return s.evict.maxmemory.Load()
}

// evictCycle is the cron's share of eviction (Redis's evictionTimeProc):
// when commands stopped evicting at their time limit, or maxmemory was
// lowered, it goes on for at most budget per cycle.
func (s *Server) evictCycle(budget time.Duration) {
	maxmem := s.activeMaxmemory()
	if maxmem <= 0 || evictPolicy(s.evict.policy.Load()) == noEviction || s.usedMemory() <= maxmem {
		return
	}
	start := time.Now()
	for time.Since(start) < budget && s.performEvictions() == evictRunning {
	}
}

// pickVictim chooses the key to evict next. Called with ev.mu held.
func (s *Server) pickVictim(policy evictPolicy, sp *storage.Sampler, gone map[string]bool) (poolEntry, bool, error) {
	ev := &s.evict
	n := int(ev.samples.Load())
	dbs := s.store.Databases()
	switch policy {
	case allkeysRandom:
		for i := 0; i < dbs; i++ {
			db := (ev.next + i) % dbs
			if keys, _, _ := s.store.KeyStats(db); keys == 0 {
				continue
			}
			ev.next = db + 1
			cs, err := sp.SampleKeys(db, 1)
			if err != nil || len(cs) == 0 || gone[poolKey(db, cs[0].Key)] {
				return poolEntry{}, false, err
			}
			return poolEntry{db: db, key: cs[0].Key}, true, nil
		}
		return poolEntry{}, false, nil
	case volatileRandom:
		cs, err := sp.SampleVolatile(1, false)
		if err != nil || len(cs) == 0 || gone[poolKey(cs[0].DB, cs[0].Key)] {
			return poolEntry{}, false, err
		}
		return poolEntry{db: cs[0].DB, key: cs[0].Key, expire: cs[0].Expire}, true, nil
	}
	// LRU, LFU, TTL: sample into the pool, rescore it (a pooled key may
	// have been read since), take the best.
	var samples []storage.Candidate
	if policy.volatile() {
		cs, err := sp.SampleVolatile(n, policy == volatileTTL)
		if err != nil {
			return poolEntry{}, false, err
		}
		samples = cs
	} else {
		for db := 0; db < dbs; db++ {
			if keys, _, _ := s.store.KeyStats(db); keys == 0 {
				continue
			}
			cs, err := sp.SampleKeys(db, n)
			if err != nil {
				return poolEntry{}, false, err
			}
			samples = append(samples, cs...)
		}
	}
	for _, c := range samples {
		if gone[poolKey(c.DB, c.Key)] {
			continue
		}
		e := poolEntry{db: c.DB, key: c.Key, expire: c.Expire}
		e.score = s.evictScore(policy, &e)
		ev.addToPool(e)
	}
	if len(ev.pool) == 0 {
		return poolEntry{}, false, nil
	}
	best := 0
	for i := range ev.pool {
		e := &ev.pool[i]
		e.score = s.evictScore(policy, e)
		if e.score > ev.pool[best].score {
			best = i
		}
	}
	victim := ev.pool[best]
	ev.pool = append(ev.pool[:best], ev.pool[best+1:]...)
	return victim, true, nil
}

// evictScore ranks a candidate: idle time (LRU), 255 − LFU counter (LFU),
// or the nearness of its deadline (TTL).
func (s *Server) evictScore(policy evictPolicy, e *poolEntry) int64 {
	idle, freq := s.store.Touched(e.key)
	switch policy {
	case allkeysLFU, volatileLFU:
		return (255-int64(freq))<<40 | min(idle, 1<<40-1) // ties: the idlest
	case volatileTTL:
		return math.MaxInt64 - e.expire
	}
	return idle
}

// addToPool adds a scored candidate unless it is already there; a full
// pool takes it in place of its worst entry if it is better.
func (ev *evictState) addToPool(e poolEntry) {
	for _, p := range ev.pool {
		if p.db == e.db && string(p.key) == string(e.key) {
			return
		}
	}
	if len(ev.pool) < evictPoolSize {
		ev.pool = append(ev.pool, e)
		return
	}
	worst := 0
	for i := range ev.pool {
		if ev.pool[i].score < ev.pool[worst].score {
			worst = i
		}
	}
	if e.score > ev.pool[worst].score {
		ev.pool[worst] = e
	}
}

// evictKey deletes a candidate, if it still exists (and for a volatile
// policy still has a deadline), as any delete: under its key lock, in one
// transaction, then notifications, watchers, tracking, blocked clients.
func (s *Server) evictKey(c poolEntry, volatile bool) (bool, error) {
	x := &Ctx{s: s, db: c.db, now: unixMilli()}
	var buf [1]int
	stripes := stripesOf([][]byte{c.key}, buf[:0])
	s.world.RLock()
	s.lockStripes(stripes)
	x.after = s.ticketsOf(stripes, nil)
	m, err := x.tx().Meta(c.db, c.key)
	evicted := err == nil && m != nil && (!volatile || m.Expire != 0)
	if evicted {
		err = x.txn.Put(c.db, c.key, nil)
	}
	if err == nil {
		_, err = x.txn.Commit()
	} else {
		x.txn.Discard()
	}
	if err == nil && evicted {
		x.modified = append(x.modified, keyRef{c.db, string(c.key)})
		x.readyKey(c.db, c.key) // a stream's group readers fail
		x.notifyIn(c.db, classEvicted, "evicted", c.key)
		s.watches.touch(x.modified) // under the lock, as runBody does
	}
	x.txn = nil
	s.unlockStripes(stripes)
	s.world.RUnlock()
	if err != nil || !evicted {
		return false, err
	}
	s.stats.evictedKeys.Add(1)
	s.afterWrite(x)
	return true, nil
}
