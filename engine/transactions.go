package engine

import (
	"bytes"
	"sync"
	"sync/atomic"
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
// (they point into the connection's read buffer).
func (c *Client) queue(cmd *command, args [][]byte) {
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
	m := c.multi
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
	c.endMulti()
	x.w.Array(len(m.queue))
	for _, q := range m.queue {
		// Rules may have changed since the command was queued.
		if reject := c.execACLError(q.cmd, q.args); reject != "" {
			x.w.Error(reject)
			x.s.stats.countError(reject)
			q.cmd.stats.rejected.Add(1)
			continue
		}
		sub := &Ctx{s: x.s, c: c, cmd: q.cmd, args: q.args, w: x.w, db: c.dbIndex(), now: unixMilli(), txn: x.tx(), shared: true}
		x.s.runBody(sub, func() { q.cmd.run(sub) })
		x.s.feedMonitors(sub, c.monitorSource()) // as Redis: between MULTI and EXEC
		x.trackReads = addTrackedReads(x.trackReads, len(x.modified), sub)
		x.modified = append(x.modified, sub.modified...)
		x.events = append(x.events, sub.events...)
		x.ready = append(x.ready, sub.ready...)
		q.cmd.stats.calls.Add(1)
		if sub.failed {
			q.cmd.stats.failed.Add(1)
		}
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

// touch marks the watchers of written keys: their EXEC will fail. It runs
// while the writer still holds its locks, so an EXEC that gets the locks
// next sees the mark.
func (r *watchRegistry) touch(mods []keyRef) {
	if len(mods) == 0 || r.watching.Load() == 0 {
		return
	}
	r.mu.Lock()
	for _, ref := range mods {
		for c := range r.keys[ref] {
			c.watchDirty.Store(true)
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
			r.touch([]keyRef{ref})
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
