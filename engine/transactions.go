package engine

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/cairndb/cairn/resp"
)

func init() {
	register(
		cmdDef{name: "multi", run: cmdMulti},
		cmdDef{name: "exec", run: cmdExec, lock: lockAll},
		cmdDef{name: "discard", run: cmdDiscard},
		cmdDef{name: "watch", run: cmdWatch},
		cmdDef{name: "unwatch", run: func(x *Ctx) { x.s.watches.unwatchAll(x.c); x.w.OK() }},
	)
}

// multiState is a client's open MULTI: the queued commands and whether one
// was rejected while queueing (EXEC then aborts).
type multiState struct {
	queue   []queuedCommand
	aborted bool

	// ownMessage, while EXEC runs, writes a message a queued command
	// sends this client itself (its PUBLISH or keyspace notification, a
	// script's PUBLISH: scripting_run.go) among EXEC's replies.
	ownMessage func(msg []byte)
}

type queuedCommand struct {
	cmd  *command
	args [][]byte
}

func cmdMulti(x *Ctx) {
	if x.c.multi != nil {
		x.fail("ERR MULTI calls can not be nested")
		return
	}
	x.c.multi = &multiState{}
	x.c.multiLen.Store(0)
	x.w.OK()
}

func cmdDiscard(x *Ctx) {
	if x.c.multi == nil {
		x.fail("ERR DISCARD without MULTI")
		return
	}
	x.c.endMulti()
	x.w.OK()
}

func (c *Client) endMulti() {
	c.multi = nil
	c.multiLen.Store(-1)
	c.s.watches.unwatchAll(c)
}

// queue adds a command to the open transaction, copying its arguments
// (they point into the connection's read buffer). A transaction EXEC will
// refuse (a command was refused, a watched key changed) queues nothing
// more, as in Redis: CLIENT LIST's multi= stays where it was.
func (c *Client) queue(cmd *command, args [][]byte) {
	if c.multi.aborted || c.watchDirty.Load() {
		return
	}
	owned := make([][]byte, len(args))
	for i, a := range args {
		owned[i] = bytes.Clone(a) // an empty argument stays empty, not nil (missing)
	}
	c.multi.queue = append(c.multi.queue, queuedCommand{cmd, owned})
	c.multiLen.Store(int32(len(c.multi.queue)))
}

// cmdExec runs the queued commands under the exclusive world lock, in one
// storage transaction: no other client's command interleaves, and a crash
// leaves all of the transaction's writes or none.
func cmdExec(x *Ctx) {
	c := x.c
	if c.multi == nil {
		x.fail("ERR EXEC without MULTI")
		return
	}
	// Redis reads the clock when it runs EXEC, which here may be after a
	// wait for the world lock.
	x.now = unixMilli()
	m := c.multi
	// CLIENT REPLY: EXEC's replies are silenced while it is OFF (or SKIP
	// when EXEC starts), and the commands EXEC runs may change it.
	replies := execReplies{c: c, w: x.w, mark: x.w.Len(), silent: c.replyMode != replyOn}
	defer replies.end()
	if m.aborted {
		c.endMulti()
		x.fail("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	if c.watchDirty.Load() || x.s.watches.expiredSinceWatch(x, c) {
		c.endMulti()
		x.w.NullArray()
		return
	}
	// As Redis: the keys are unwatched before the commands run, and the
	// client stays in MULTI while they run (CLIENT INFO shows flags=x and
	// multi=<queued>, as does ACL LOG's client info); the transaction ends
	// after the last one.
	defer c.endMulti()
	x.s.watches.unwatchAll(c)
	x.w.Array(len(m.queue))
	for _, q := range m.queue {
		// Rules may have changed since the command was queued.
		if reject := c.execACLError(q.cmd, q.args); reject != "" {
			replies.next()
			x.w.Error(reject)
			replies.ran(notRun)
			x.s.stats.countError(reject)
			q.cmd.stats.rejected.Add(1)
			continue
		}
		// The clock stops at EXEC, as Redis's does for key expiry: a key
		// alive when EXEC starts stays alive until it ends.
		sub := &Ctx{s: x.s, c: c, cmd: q.cmd, args: q.args, w: x.w, db: c.dbIndex(), now: x.now, txn: x.tx(), shared: true}
		replies.next()
		// Redis writes a message to the client itself as the command
		// raises it (a PUBLISH, a script's, a keyspace notification), among
		// EXEC's replies, in the middle of one too (even under CLIENT REPLY
		// OFF: before the reply it drops).
		m.ownMessage = func(msg []byte) {
			if replies.silent {
				sub.w.Insert(replies.mark, msg)
				replies.mark += len(msg)
				return
			}
			sub.w.Raw(msg)
			replies.mark = sub.w.Len()
		}
		sub.selfTo, sub.selfKeep = c, m.ownMessage
		elapsed := x.s.runTimed(sub)
		replies.ran(q.cmd)
		// Where a dropped reply stood, for the invalidations that other
		// clients redirect to this one (announce, notify.go).
		for i := range sub.events {
			sub.events[i].signalAt = min(sub.events[i].signalAt, x.w.Len())
		}
		x.s.feedMonitors(sub, c.monitorSource()) // as Redis: between MULTI and EXEC
		x.trackReads = addTrackedReads(x.trackReads, len(x.modified), sub, sub)
		x.modified = append(x.modified, sub.modified...)
		x.events = append(x.events, sub.events...)
		x.ready = append(x.ready, sub.ready...)
		x.s.account(sub, elapsed)
	}
	x.batch = len(x.events) > 0 // EXEC's reply waits in c.w, as a batch's do
}

// execReplies applies CLIENT REPLY to EXEC's replies as Redis does, whose
// reply flags change only between commands read from the client: OFF
// silences every reply written after it, EXEC's own included; ON speaks
// again from its own +OK on; a SKIP run by EXEC silences the command
// after EXEC, not the rest of EXEC (nor does an ON after it undo it).
type execReplies struct {
	c        *Client
	w        *resp.Writer
	mark     int  // where the reply being written starts
	silent   bool // replies are dropped now (OFF, or SKIP at EXEC's start)
	skipNext bool // a SKIP ran: the next command's reply is dropped
	// The client killed itself: as Redis's close-after-reply, no reply
	// after the kill's is sent, whatever CLIENT REPLY says.
	closed bool
}

func (r *execReplies) next() {
	if r.silent || r.closed {
		r.w.Truncate(r.mark) // EXEC's array header
	}
	r.mark = r.w.Len()
	r.c.pushEnd = 0
}

// ran follows a command EXEC ran (or refused) and drops its reply if
// replies are silenced.
func (r *execReplies) ran(cmd *command) {
	if cmd.name == "client|reply" {
		switch r.c.replyMode {
		case replyOn:
			r.silent = false
		case replyOff:
			r.silent = true
		case replySkip:
			r.skipNext = true
			r.c.replyMode = replyOn
		}
	}
	switch {
	case r.closed:
		r.w.Truncate(r.mark)
	case r.silent:
		r.w.Truncate(max(r.mark, r.c.pushEnd)) // pushes stay
	}
	r.mark = r.w.Len()
	r.closed = r.closed || cmd.name == "client|kill" && r.c.closeAfter
}

// end drops what EXEC wrote last if silenced, and leaves the mode for the
// commands after EXEC.
func (r *execReplies) end() {
	if r.silent || r.closed {
		r.w.Truncate(r.mark)
	}
	switch {
	case r.c.replyMode == replyOff:
	case r.skipNext:
		r.c.replyMode = replySkip
	default:
		r.c.replyMode = replyOn // a SKIP in force at EXEC is spent
	}
}

// watchRegistry maps watched keys to the clients watching them.
type watchRegistry struct {
	mu       sync.Mutex
	keys     map[keyRef]map[*Client]bool // client → key was already expired at WATCH
	watching atomic.Int64                // len(keys): every write asks, most find 0
}

func newWatchRegistry() *watchRegistry {
	return &watchRegistry{keys: make(map[keyRef]map[*Client]bool)}
}

func cmdWatch(x *Ctx) {
	if x.c.multi != nil {
		x.fail("ERR WATCH inside MULTI is not allowed")
		return
	}
	r := x.s.watches
	for _, key := range x.args[1:] {
		m, err := x.tx().Meta(x.db, key)
		x.must(err)
		expired := m != nil && m.Expire != 0 && m.Expire <= x.now
		ref := keyRef{x.db, string(key)}
		r.mu.Lock()
		if _, ok := x.c.watched[ref]; !ok {
			if x.c.watched == nil {
				x.c.watched = make(map[keyRef]struct{})
			}
			x.c.watched[ref] = struct{}{}
			if r.keys[ref] == nil {
				r.keys[ref] = make(map[*Client]bool)
				r.watching.Add(1)
			}
			r.keys[ref][x.c] = expired
		}
		r.mu.Unlock()
	}
	x.w.OK()
}

func (r *watchRegistry) unwatchAll(c *Client) {
	r.mu.Lock()
	for ref := range c.watched {
		if set := r.keys[ref]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(r.keys, ref)
				r.watching.Add(-1)
			}
		}
	}
	c.watched = nil
	r.mu.Unlock()
	c.watchDirty.Store(false)
}

// touch marks the watchers of keys deleted because their deadline passed
// (active expiry) or evicted: their EXEC will fail, unless the key was
// already past its deadline when they watched it. It runs while the
// deleter still holds its locks, so an EXEC that gets the locks next sees
// the mark.
func (r *watchRegistry) touch(mods []keyRef) {
	r.mark(mods, func(keyRef) bool { return false })
}

// touchFrom marks the watchers of the keys command x wrote (runBody calls
// it, the locks held): their EXEC will fail. As in Redis, a key already
// past its deadline at WATCH changes nothing by being deleted (its
// expiry, a lazy one included): the watcher only forgets it was expired,
// and the next write of the key marks it. x's view of the keys (its
// shared Tx inside EXEC, a script or a pipeline's batch; else what it
// committed) tells a deletion from a write.
func (r *watchRegistry) touchFrom(x *Ctx, mods []keyRef) {
	r.mark(mods, func(ref keyRef) bool {
		txn := x.txn
		if txn == nil {
			txn = x.s.store.Begin()
			defer txn.Discard()
		}
		m, err := txn.Peek(ref.db, []byte(ref.key))
		return err != nil || m != nil && (m.Expire == 0 || m.Expire > x.now)
	})
}

// mark marks the watchers of mods; present says whether a key exists
// after the write, for watchers that found it already expired.
func (r *watchRegistry) mark(mods []keyRef, present func(keyRef) bool) {
	if len(mods) == 0 || r.watching.Load() == 0 {
		return
	}
	var expired []keyRef // keys some watcher found already expired
	r.mu.Lock()
	for _, ref := range mods {
		for c, exp := range r.keys[ref] {
			if exp {
				expired = append(expired, ref)
				continue
			}
			c.watchDirty.Store(true)
		}
	}
	r.mu.Unlock()
	if len(expired) == 0 {
		return
	}
	gone := make(map[keyRef]bool, len(expired))
	for _, ref := range expired {
		if _, seen := gone[ref]; !seen {
			gone[ref] = !present(ref)
		}
	}
	r.mu.Lock()
	for ref, deleted := range gone {
		for c, exp := range r.keys[ref] {
			switch {
			case !exp:
			case deleted:
				r.keys[ref][c] = false // deleted keys are not flagged as expired
			default:
				c.watchDirty.Store(true)
			}
		}
	}
	r.mu.Unlock()
}

// touchAll marks every watcher: a replica's full sync replaced the whole
// dataset.
func (r *watchRegistry) touchAll() {
	r.mu.Lock()
	for _, clients := range r.keys {
		for c := range clients {
			c.watchDirty.Store(true)
		}
	}
	r.mu.Unlock()
}

// touchDB marks watchers of keys in db that exist in db or in other (-1:
// none), as Redis does for FLUSHDB, FLUSHALL and SWAPDB. It runs before the
// databases change.
func (r *watchRegistry) touchDB(x *Ctx, db, other int) {
	r.mu.Lock()
	var refs []keyRef
	for ref := range r.keys {
		if ref.db == db {
			refs = append(refs, ref)
		}
	}
	r.mu.Unlock()
	for _, ref := range refs {
		exists := x.lookup(db, []byte(ref.key)) != nil
		if !exists && other >= 0 {
			exists = x.lookup(other, []byte(ref.key)) != nil
		}
		if exists {
			r.mark([]keyRef{ref}, func(keyRef) bool { return true })
		}
	}
}

// expiredSinceWatch reports whether a key the client watches has passed
// its deadline since WATCH, which makes EXEC fail even if nobody touched
// the key yet (Redis 7.0).
func (r *watchRegistry) expiredSinceWatch(x *Ctx, c *Client) bool {
	r.mu.Lock()
	var check []keyRef
	for ref := range c.watched {
		if !r.keys[ref][c] {
			check = append(check, ref)
		}
	}
	r.mu.Unlock()
	for _, ref := range check {
		m, err := x.tx().Meta(ref.db, []byte(ref.key))
		x.must(err)
		if m != nil && m.Expire != 0 && m.Expire <= x.now {
			return true
		}
	}
	return false
}
