package engine

import (
	"bytes"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/resp"
)

func init() {
	register(cmdDef{name: "client|unblock", run: cmdClientUnblock})
}

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...) park their
// client in per-key wait queues. A write to a key with waiters serves them
// after the writing command (or EXEC, or script) has committed and released
// its locks: the waiters of each key are retried in the order they blocked,
// each under its own command's locks, until one finds nothing.

type waiterState int

const (
	waiting waiterState = iota
	served
	cancelled
)

// waiter is one blocked command.
type waiter struct {
	c     *Client
	cmd   *command
	args  [][]byte // owned copy
	db    int
	keys  []string
	retry func(y *Ctx, key []byte) bool // the attempt after key was written; true = it replied

	ran time.Duration // how long the command ran before it blocked

	mu           sync.Mutex // held while serving or cancelling
	state        waiterState
	reply        []byte // what the client gets when woken
	done         chan struct{}
	timeoutReply func(w *resp.Writer)
}

// blocking holds the wait queues.
type blocking struct {
	mu      sync.Mutex
	queues  map[keyRef][]*waiter
	waiters atomic.Int64 // how many are blocked; 0 lets writers skip the lock
	byID    map[uint64]*waiter
}

func newBlocking() *blocking {
	return &blocking{queues: make(map[keyRef][]*waiter), byID: make(map[uint64]*waiter)}
}

// inTransaction reports whether blocking is off for this command: inside
// MULTI/EXEC or a script, blocking commands behave like their non-blocking
// forms, as in Redis.
func (x *Ctx) inTransaction() bool { return x.shared || x.c == nil }

// block parks the command on keys until retry serves it or the timeout
// (0 = forever) passes, when timeoutReply answers instead. It must be
// called while the command still holds its key locks, right after finding
// nothing to do, so no write can slip in between.
func (x *Ctx) block(keys [][]byte, timeout time.Duration, retry func(y *Ctx) bool, timeoutReply func(w *resp.Writer)) {
	x.blockOn(keys, timeout, func(y *Ctx, _ []byte) bool { return retry(y) }, timeoutReply)
}

// blockOn is block for commands that are served from the key that was
// written, not from the first of their keys that holds something: a
// BLPOP on k1 k2 woken by a write to k2 pops from k2, as in Redis, even
// if k1 got an element in the same transaction.
func (x *Ctx) blockOn(keys [][]byte, timeout time.Duration, retry func(y *Ctx, key []byte) bool, timeoutReply func(w *resp.Writer)) {
	args := make([][]byte, len(x.args))
	for i, a := range x.args {
		args[i] = bytes.Clone(a) // empty stays empty, not nil
	}
	w := &waiter{c: x.c, cmd: x.cmd, args: args, db: x.db, retry: retry, done: make(chan struct{}), timeoutReply: timeoutReply}
	b := x.s.blocking
	b.mu.Lock()
	for _, k := range keys {
		if slices.Contains(w.keys, string(k)) {
			continue // one place in a key's queue, however often it is named
		}
		ref := keyRef{x.db, string(k)}
		w.keys = append(w.keys, ref.key)
		b.queues[ref] = append(b.queues[ref], w)
	}
	b.byID[x.c.id] = w
	b.waiters.Add(1)
	b.mu.Unlock()
	x.blockedOn = w
	x.blockTimeout = timeout
}

// remove takes a waiter out of every queue; the caller holds w.mu.
func (b *blocking) remove(w *waiter) {
	b.mu.Lock()
	for _, k := range w.keys {
		ref := keyRef{w.db, k}
		q := b.queues[ref]
		for i, o := range q {
			if o == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(b.queues, ref)
		} else {
			b.queues[ref] = q
		}
	}
	if b.byID[w.c.id] == w {
		delete(b.byID, w.c.id)
	}
	b.waiters.Add(-1)
	b.mu.Unlock()
}

// cancel ends a wait that was not served; false means it was served.
func (b *blocking) cancel(w *waiter, reply func(rw *resp.Writer)) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != waiting {
		return false
	}
	w.state = cancelled
	b.remove(w)
	rw := resp.NewWriter()
	rw.SetProto(w.c.protoVersion())
	reply(rw)
	w.reply = rw.Bytes()
	close(w.done)
	return true
}

// waitBlocked parks the client's goroutine until its command is served,
// times out, is unblocked, or the client disconnects.
func (c *Client) waitBlocked(w *waiter, timeout time.Duration) {
	// The read-ahead starts first: it trims the query buffer, which CLIENT
	// LIST shows as Redis does for a blocked client once it is flagged.
	closed, stop := c.conn.WatchClose()
	c.blocked.Store(true)
	defer c.blocked.Store(false)
	c.emit()
	c.Flush()
	var timer <-chan time.Time
	if timeout > 0 {
		c.timedBlock.Store(true)
		defer c.timedBlock.Store(false)
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-w.done:
	case <-timer:
		c.s.blocking.cancel(w, w.timeoutReply)
	case <-closed:
		c.s.blocking.cancel(w, func(*resp.Writer) {})
		c.closeAfter = true
	}
	<-w.done
	stop()
	if w.state == cancelled && !c.closeAfter && !c.killed.Load() {
		w.cmd.stats.calls.Add(1) // Redis counts a timed-out or unblocked call
	}
	c.w.Raw(w.reply)
}

// signal serves the waiters of keys that were just written, first come
// first served. A key's queue is served until the key is gone: a waiter
// the key cannot serve (it wants another type, or a stream entry not yet
// written) is passed over, and one that left the queue meanwhile (timed
// out, disconnected, served by a concurrent signal) is no reason to stop.
// Keys are served in rounds, as Redis walks its list of ready keys: the
// keys a served command writes (BLMOVE's destination) wait for the next
// round, unless this round has yet to reach them.
func (b *blocking) signal(s *Server, mods []keyRef) {
	if b.waiters.Load() == 0 {
		return
	}
	queued := make(map[keyRef]bool)
	var next []keyRef
	enqueue := func(refs []keyRef) {
		for _, ref := range refs {
			if !queued[ref] {
				queued[ref] = true
				next = append(next, ref)
			}
		}
	}
	enqueue(mods)
	for len(next) > 0 {
		round := next
		next = nil
		for _, ref := range round {
			delete(queued, ref)
			var passed map[*waiter]bool
			for {
				b.mu.Lock()
				var w *waiter
				for _, o := range b.queues[ref] {
					if !passed[o] {
						w = o
						break
					}
				}
				b.mu.Unlock()
				if w == nil {
					break
				}
				outcome, wrote := s.serveWaiter(w, ref)
				enqueue(wrote)
				if outcome == keyGone {
					break
				}
				if outcome == passedOver {
					if passed == nil {
						passed = make(map[*waiter]bool)
					}
					passed[w] = true
				}
			}
		}
	}
}

// keysIn lists the keys of the given databases that have waiters: after
// SWAPDB they may have become ready.
func (b *blocking) keysIn(dbs ...int) []keyRef {
	var refs []keyRef
	b.mu.Lock()
	for ref := range b.queues {
		for _, db := range dbs {
			if ref.db == db {
				refs = append(refs, ref)
			}
		}
	}
	b.mu.Unlock()
	return refs
}

// serveOutcome is what retrying a waiter after a write found.
type serveOutcome int

const (
	servedNow  serveOutcome = iota // the waiter was served
	notWaiting                     // it had already left: timed out, unblocked, served
	passedOver                     // the key exists but does not serve this waiter
	keyGone                        // the key does not exist: nobody behind can be served
)

// serveWaiter retries a blocked command under its locks after a write to
// ref, and then lets the server react to what the command wrote. It
// returns the keys the command may have made ready, for signal to serve:
// not ref, which it only popped from (Redis signals a key when it is
// created, or gets a stream entry).
func (s *Server) serveWaiter(w *waiter, ref keyRef) (serveOutcome, []keyRef) {
	y := &Ctx{s: s, c: w.c, cmd: w.cmd, args: w.args, w: resp.NewWriter(), db: w.db, now: unixMilli()}
	y.w.SetProto(w.c.protoVersion())
	outcome := notWaiting
	var serving time.Duration
	key := []byte(ref.key)
	s.locked(y, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.state != waiting {
			return
		}
		if w.c.killed.Load() {
			// CLIENT KILL freed it in Redis at once; here its goroutine
			// may not have noticed yet.
			w.state = cancelled
			s.blocking.remove(w)
			close(w.done)
			return
		}
		ok := false
		outcome = keyGone // also if the retry fails on a storage error
		start := time.Now()
		s.runBody(y, func() {
			if ok = w.retry(y, key); !ok {
				if m, err := y.tx().Meta(ref.db, key); err == nil && m != nil && y.alive(m) {
					outcome = passedOver
				}
			}
		})
		serving = time.Since(start)
		if !ok {
			return
		}
		outcome = servedNow
		w.state = served
		s.blocking.remove(w)
		w.reply = y.w.Bytes()
		close(w.done)
	})
	if outcome == servedNow {
		w.cmd.stats.calls.Add(1)
		s.accountUnblocked(y, w, serving, y.failed)
	}
	// Also when not served: the retry may have expired a key.
	var wrote []keyRef
	for _, k := range y.ready {
		if k != ref {
			wrote = append(wrote, k)
		}
	}
	y.ready = nil
	s.afterWrite(y)
	return outcome, wrote
}

// accountUnblocked records the statistics of a blocked command that was
// served (y ran it again, serving long) or unblocked by CLIENT UNBLOCK, as
// Redis's updateStatsOnUnblock: its time is that before it blocked plus
// that of serving it, counted in commandstats again (as Redis does), in
// its latency histogram and for SLOWLOG, with the arguments it was called
// with.
func (s *Server) accountUnblocked(y *Ctx, w *waiter, serving time.Duration, failed bool) {
	total := w.ran + serving
	y.cmd.stats.usec.Add(total.Microseconds())
	if failed {
		y.cmd.stats.failed.Add(1)
	}
	conf := s.conf()
	if conf.latencyTracking {
		y.cmd.hist.record(total)
	}
	s.logSlow(y, total)
	s.latency.record("command-unblocking", serving.Milliseconds(), conf.latencyThreshold)
}

func cmdClientUnblock(x *Ctx) {
	// As Redis: the argument count, then the reason, then the id.
	if len(x.args) > 4 {
		x.failf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLIENT HELP.", x.args[1])
		return
	}
	withError := false
	if len(x.args) == 4 {
		switch {
		case eq(x.args[3], "timeout"):
		case eq(x.args[3], "error"):
			withError = true
		default:
			x.fail("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := parseClientID(x.args[2])
	if !ok {
		x.fail(errNotInt)
		return
	}
	b := x.s.blocking
	b.mu.Lock()
	w := b.byID[id]
	b.mu.Unlock()
	if w == nil || w.c.killed.Load() { // a killed client is gone, as in Redis
		x.w.Int(0)
		return
	}
	reply := w.timeoutReply
	if withError {
		reply = func(rw *resp.Writer) {
			const msg = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
			rw.Error(msg)
			x.s.stats.countError(msg)
		}
	}
	if b.cancel(w, reply) {
		// As in Redis 7.0: the error reply fails CLIENT UNBLOCK too (it is
		// the command running when the error is counted); the blocked
		// command counts as failed whatever the reason, and its SLOWLOG
		// entry, made once its arguments are freed, has none.
		x.failed = withError
		x.s.accountUnblocked(&Ctx{s: x.s, c: w.c, cmd: w.cmd}, w, 0, true)
		x.w.Int(1)
		return
	}
	x.w.Int(0)
}
