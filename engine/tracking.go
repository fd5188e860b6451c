package engine

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cairndb/cairn/resp"
)

func init() {
	register(
		cmdDef{name: "client|tracking", run: cmdClientTracking},
		cmdDef{name: "client|caching", run: cmdClientCaching},
		cmdDef{name: "client|getredir", run: cmdClientGetRedir},
		cmdDef{name: "client|trackinginfo", run: cmdClientTrackingInfo},
	)
}

// Client-side caching (CLIENT TRACKING), as Redis 7.0 does it: in the
// default mode the server remembers which clients read which keys (by key
// name, whatever the database) and sends each an "invalidate" message when
// a key it read is written; in BCAST mode clients get invalidations for
// every written key under their prefixes. Messages go as RESP3 pushes, or
// to a redirect client (RESP2: as a message of __redis__:invalidate).

// trackState is a client's CLIENT TRACKING settings.
type trackState struct {
	on, bcast, optin, optout, noloop bool
	redirect                         uint64
	brokenRedirect                   bool // an invalidation found the redirect client gone
	prefixes                         []string
	caching                          int // CLIENT CACHING for the next command: 1 yes, -1 no
}

// endOfCommand ends the effect of CLIENT CACHING, which covers the one
// command after it (a whole MULTI/EXEC counts as one).
func (c *Client) endOfCommand(cmd *command) {
	if c.track.caching != 0 && cmd.name != "client|caching" && c.multi == nil {
		c.track.caching = 0
	}
}

// tracking is the server's tracking table.
type tracking struct {
	mu       sync.Mutex
	keys     map[string]map[uint64]struct{} // key → ids of clients that read it
	prefixes map[string]map[uint64]struct{} // BCAST prefix → client ids
	clients  map[uint64]*Client             // every client with tracking on
	later    map[*Client][]invNote          // BCAST messages to send after a writer's reply
	waiting  atomic.Int32                   // len(later)
	maxKeys  int                            // tracking-table-max-keys; 0: no limit
	over     atomic.Bool                    // keys may number more than maxKeys
}

// setMaxKeys applies tracking-table-max-keys; the next command (or the
// cron) evicts what is over it.
func (t *tracking) setMaxKeys(n int) {
	t.mu.Lock()
	t.maxKeys = n
	t.mu.Unlock()
	t.over.Store(true)
}

// invNote is one invalidation message to send.
type invNote struct {
	c        *Client
	redirect uint64
	keys     []string
}

func newTracking() *tracking {
	return &tracking{keys: map[string]map[uint64]struct{}{}, prefixes: map[string]map[uint64]struct{}{}, clients: map[uint64]*Client{}, later: map[*Client][]invNote{}}
}

const invalidateChannel = "__redis__:invalidate"

func cmdClientTracking(x *Ctx) {
	// As Redis: the options first, then ON or OFF.
	var next trackState
	var prefixes []string
	for i := 3; i < len(x.args); i++ {
		more := i+1 < len(x.args)
		switch a := x.args[i]; {
		case eq(a, "redirect") && more:
			if next.redirect != 0 {
				x.fail("ERR A client can only redirect to a single other client")
				return
			}
			// Any integer parses; 0 and negatives name no client.
			id, ok := parseInt(x.args[i+1])
			if !ok {
				x.fail(errNotInt)
				return
			}
			if id <= 0 || x.s.clientByID(uint64(id)) == nil {
				x.fail("ERR The client ID you want redirect to does not exist")
				return
			}
			next.redirect = uint64(id)
			i++
		case eq(a, "bcast"):
			next.bcast = true
		case eq(a, "optin"):
			next.optin = true
		case eq(a, "optout"):
			next.optout = true
		case eq(a, "noloop"):
			next.noloop = true
		case eq(a, "prefix") && more:
			prefixes = append(prefixes, string(x.args[i+1]))
			i++
		default:
			x.fail(errSyntax)
			return
		}
	}
	var on bool
	switch {
	case eq(x.args[2], "on"):
		on = true
	case eq(x.args[2], "off"):
	default:
		x.fail(errSyntax)
		return
	}
	t := &x.c.track
	if !on {
		x.s.tracking.disable(x.c)
		x.w.OK()
		return
	}
	// Redis's order of checks.
	switch {
	case len(prefixes) > 0 && !next.bcast:
		x.fail("ERR PREFIX option requires BCAST mode to be enabled")
		return
	case t.on && t.bcast != next.bcast:
		x.fail("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
		return
	case next.bcast && (next.optin || next.optout):
		x.fail("ERR OPTIN and OPTOUT are not compatible with BCAST")
		return
	case next.optin && next.optout:
		x.fail("ERR You can't specify both OPTIN mode and OPTOUT mode")
		return
	case t.on && (next.optin && t.optout || next.optout && t.optin):
		// Only a switch between the two is refused: OPTIN to plain
		// tracking and back is fine.
		x.fail("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
		return
	}
	if msg := prefixConflict(t.prefixes, prefixes); msg != "" {
		x.fail(msg)
		return
	}
	if next.bcast && len(prefixes) == 0 && !slices.Contains(t.prefixes, "") {
		// BCAST without a prefix tracks every key, even beside prefixes
		// given before (Redis checks no overlap then).
		prefixes = []string{""}
	}
	next.on = true
	next.prefixes = append(append([]string(nil), t.prefixes...), prefixes...)
	sort.Strings(next.prefixes) // Redis keeps them in a radix tree
	x.s.tracking.enable(x.c, next, prefixes)
	x.w.OK()
}

// prefixConflict checks that no two prefixes of a client overlap.
func prefixConflict(existing, added []string) string {
	for i, p := range added {
		for _, q := range existing {
			if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
				return "ERR Prefix '" + p + "' overlaps with an existing prefix '" + q + "'. Prefixes for a single client must not overlap."
			}
		}
		for _, q := range added[i+1:] {
			if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
				return "ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap."
			}
		}
	}
	return ""
}

func (t *tracking) enable(c *Client, st trackState, newPrefixes []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c.track = st
	t.clients[c.id] = c
	for _, p := range newPrefixes {
		if t.prefixes[p] == nil {
			t.prefixes[p] = map[uint64]struct{}{}
		}
		t.prefixes[p][c.id] = struct{}{}
	}
}

// disable turns tracking off; the keys the client read are forgotten
// lazily, when they are next invalidated.
func (t *tracking) disable(c *Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range c.track.prefixes {
		delete(t.prefixes[p], c.id)
		if len(t.prefixes[p]) == 0 {
			delete(t.prefixes, p)
		}
	}
	delete(t.clients, c.id)
	c.track = trackState{}
}

func cmdClientCaching(x *Ctx) {
	t := &x.c.track
	if !t.on {
		x.fail("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch {
	case eq(x.args[2], "yes"):
		if !t.optin {
			x.fail("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
		t.caching = 1
	case eq(x.args[2], "no"):
		if !t.optout {
			x.fail("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
		t.caching = -1
	default:
		x.fail(errSyntax)
		return
	}
	x.w.OK()
}

func cmdClientGetRedir(x *Ctx) {
	if !x.c.track.on {
		x.w.Int(-1)
		return
	}
	x.w.Int(int64(x.c.track.redirect))
}

func cmdClientTrackingInfo(x *Ctx) {
	// Under the table's lock: another client's write may flag the
	// redirect broken.
	x.s.tracking.mu.Lock()
	t := x.c.track
	x.s.tracking.mu.Unlock()
	var flags []string
	if !t.on {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		if t.bcast {
			flags = append(flags, "bcast")
		}
		if t.optin {
			flags = append(flags, "optin")
			if t.caching == 1 {
				flags = append(flags, "caching-yes")
			}
		}
		if t.optout {
			flags = append(flags, "optout")
			if t.caching == -1 {
				flags = append(flags, "caching-no")
			}
		}
		if t.noloop {
			flags = append(flags, "noloop")
		}
		if t.brokenRedirect {
			flags = append(flags, "broken_redirect")
		}
	}
	x.w.Map(3)
	x.w.BulkString("flags")
	x.w.Set(len(flags))
	for _, f := range flags {
		x.w.BulkString(f)
	}
	x.w.BulkString("redirect")
	switch {
	case !t.on:
		x.w.Int(-1)
	default:
		x.w.Int(int64(t.redirect))
	}
	x.w.BulkString("prefixes")
	x.w.Array(len(t.prefixes))
	for _, p := range t.prefixes {
		x.w.BulkString(p)
	}
}

// trackedKeys are the keys a read-only command read that its client
// tracks: in the default (non-BCAST) mode, honouring OPTIN/OPTOUT.
func trackedKeys(x *Ctx) [][]byte {
	if !tracksRead(x) {
		return nil
	}
	keys, _ := x.keyArgs()
	return keys
}

// tracksRead is whether x's client remembers what x reads. A read-only
// script command (EVAL_RO ...) does not count itself: the commands its
// script runs do, as Redis's call() decides.
func tracksRead(x *Ctx) bool {
	c := x.c
	if c == nil || !c.track.on {
		return false
	}
	t := &c.track
	return !t.bcast && x.cmd.readonly && !readOnlyScriptCommands[x.cmd.name] &&
		!(t.optin && t.caching != 1) && !(t.optout && t.caching == -1)
}

var readOnlyScriptCommands = map[string]bool{"eval_ro": true, "evalsha_ro": true, "fcall_ro": true}

// rememberReads records the keys a command read, for its client.
func (s *Server) rememberReads(x *Ctx) {
	if keys := trackedKeys(x); keys != nil {
		s.tracking.mu.Lock()
		s.tracking.remember(x.c.id, keys)
		s.tracking.mu.Unlock()
	}
}

// limitTrackedKeys keeps the tracking table within tracking-table-max-keys,
// as Redis does before each command and in its cron, once the table went
// over it: keys taken at random (Go's map order) are forgotten, and the
// clients that read them are sent an invalidation, as if the keys had
// been written.
func (s *Server) limitTrackedKeys() {
	t := s.tracking
	if !t.over.Load() {
		return
	}
	t.mu.Lock()
	t.over.Store(false)
	limit := t.maxKeys
	if limit == 0 || len(t.keys) <= limit {
		t.mu.Unlock()
		return
	}
	var notes []invNote
	for key, ids := range t.keys {
		if len(t.keys) <= limit {
			break
		}
		for id := range ids {
			if c := t.clients[id]; c != nil && !c.track.bcast {
				notes = append(notes, invNote{c, c.track.redirect, []string{key}})
			}
		}
		delete(t.keys, key)
	}
	t.mu.Unlock()
	for _, note := range notes {
		s.sendInvalidation(note.c, note.redirect, note.keys, false)
	}
}

// remember records keys read by client id. The caller holds t.mu.
func (t *tracking) remember(id uint64, keys [][]byte) {
	for _, k := range keys {
		set := t.keys[string(k)]
		if set == nil {
			set = map[uint64]struct{}{}
			t.keys[string(k)] = set
		}
		set[id] = struct{}{}
	}
	if t.maxKeys > 0 && len(t.keys) > t.maxKeys {
		t.over.Store(true)
	}
}

// trackedRead is a tracked read inside an EXEC, script or pipeline: Redis
// invalidates a key as it is written, so a read after a write of the same
// transaction is remembered after that write's invalidation, and one
// before it is invalidated by it. at is how many of the enclosing
// command's writes came first.
type trackedRead struct {
	at   int
	keys [][]byte
}

// addTrackedReads appends sub's tracked reads to reads, sub running after
// written writes of the enclosing command. A read of sub remembers the
// keys of keysOf: sub's own, or for a command a script ran, the keys the
// script command declared (KEYS), as Redis's trackingRememberKeys takes
// the script caller's command.
func addTrackedReads(reads []trackedRead, written int, sub, keysOf *Ctx) []trackedRead {
	for _, r := range sub.trackReads { // a script inside EXEC
		reads = append(reads, trackedRead{written + r.at, r.keys})
	}
	if !tracksRead(sub) {
		return reads
	}
	if keys, _ := keysOf.keyArgs(); keys != nil {
		// After the keys it expired, which it deleted before reading.
		reads = append(reads, trackedRead{written + len(sub.modified), cloneKeys(keys)})
	}
	return reads
}

func cloneKeys(keys [][]byte) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = bytes.Clone(k) // arguments live in the connection's buffer
	}
	return out
}

// invalidation tells the clients that read or watch (BCAST) the keys a
// command wrote, mods, in steps (announce): reads, if any, are the
// writer's tracked reads among the writes.
type invalidation struct {
	writer   *Client
	mods     []keyRef
	reads    []trackedRead
	done     int  // how many of mods were invalidated
	deferred bool // the writer was told of one of its own writes
	idle     bool // the last step found no client tracking
	// replying: the writer's reply waits in its writer, and inline, if
	// set, writes a message for the writer among it, where the command
	// was when it wrote the keys (another client's, redirected to it).
	replying bool
	inline   func(msg []byte)
}

// invalidateNext sends the invalidations of the next n written keys: one
// message per key to the clients that read it, as Redis does during the
// command.
func (s *Server) invalidateNext(inv *invalidation, n int) {
	t := s.tracking
	mods := inv.mods[inv.done : inv.done+n]
	inv.done += n
	t.mu.Lock()
	// With no client tracking now, written keys still lose the
	// registrations of clients that turned tracking off, as in Redis: they
	// must not come back to life when those clients turn it on again.
	inv.idle = len(t.keys) == 0 && len(t.prefixes) == 0 && len(inv.reads) == 0
	if inv.idle {
		t.mu.Unlock()
		return
	}
	var notes []invNote
	for i, m := range mods {
		for len(inv.reads) > 0 && inv.reads[0].at <= inv.done-n+i {
			t.remember(inv.writer.id, inv.reads[0].keys)
			inv.reads = inv.reads[1:]
		}
		for id := range t.keys[m.key] {
			// A client that switched to BCAST since it read the key is
			// told by prefix only.
			if c := t.clients[id]; c != nil && !c.track.bcast && !(c == inv.writer && c.track.noloop) {
				notes = append(notes, invNote{c, c.track.redirect, []string{m.key}})
			}
		}
		delete(t.keys, m.key)
	}
	t.mu.Unlock()
	for _, note := range notes {
		if note.c == inv.writer {
			// The writer hears of its own writes after its reply (Redis
			// defers them so they never split a reply).
			inv.deferred = true
			note.c.pendingInvalidations = append(note.c.pendingInvalidations, note.keys)
			continue
		}
		s.deliverInvalidation(note.c, note.redirect, note.keys, false, func(target *Client, msg []byte) {
			if target == inv.writer && inv.inline != nil {
				inv.inline(msg)
			} else {
				target.push(msg)
			}
		})
	}
}

// invalidatePrefixes ends an invalidation, all keys done: the writer's
// reads after its last write are remembered, and the BCAST clients get one
// message per prefix (in prefix order) with its written keys, sorted and
// without repeats, as Redis's radix trees give them.
func (s *Server) invalidatePrefixes(inv *invalidation) {
	if inv.idle {
		return // one lock per write, when nobody tracks
	}
	t := s.tracking
	t.mu.Lock()
	for _, r := range inv.reads {
		t.remember(inv.writer.id, r.keys)
	}
	if len(t.prefixes) == 0 {
		t.mu.Unlock()
		return
	}
	prefixes := make([]string, 0, len(t.prefixes))
	for p := range t.prefixes {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	var notes []invNote
	for _, p := range prefixes {
		var keys []string
		for _, m := range inv.mods {
			if strings.HasPrefix(m.key, p) {
				keys = append(keys, m.key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		sort.Strings(keys)
		keys = slices.Compact(keys)
		for id := range t.prefixes[p] {
			if c := t.clients[id]; c != nil && !(c == inv.writer && c.track.noloop) {
				notes = append(notes, invNote{c, c.track.redirect, keys})
			}
		}
	}
	// Redis sends them before it sleeps: after the writer's reply, and
	// behind the writer's own invalidations, when there are some.
	var later []invNote
	if inv.deferred {
		later, notes = notes, nil
	} else if inv.replying {
		rest := notes[:0]
		for _, n := range notes {
			if n.c == inv.writer || n.redirect == inv.writer.id {
				later = append(later, n)
			} else {
				rest = append(rest, n)
			}
		}
		notes = rest
	}
	if len(later) > 0 {
		if t.later[inv.writer] == nil {
			t.waiting.Add(1)
		}
		t.later[inv.writer] = append(t.later[inv.writer], later...)
	}
	t.mu.Unlock()
	for _, n := range notes {
		s.sendInvalidation(n.c, n.redirect, n.keys, false)
	}
}

// invalidateAll sends every tracking client the "everything" invalidation
// (a null key list) after FLUSHDB / FLUSHALL; the flushing client, writer,
// gets its own after its reply, as Redis defers it.
func (s *Server) invalidateAll(writer *Client) {
	t := s.tracking
	t.mu.Lock()
	clear(t.keys)
	type target struct {
		c        *Client
		redirect uint64
	}
	targets := make([]target, 0, len(t.clients))
	for _, c := range t.clients {
		targets = append(targets, target{c, c.track.redirect})
	}
	t.mu.Unlock()
	// In connection order, as Redis walks its client list.
	sort.Slice(targets, func(i, j int) bool { return targets[i].c.id < targets[j].c.id })
	for _, tg := range targets {
		if tg.c == writer {
			writer.pendingInvalidations = append(writer.pendingInvalidations, nil)
			continue
		}
		s.sendInvalidation(tg.c, tg.redirect, nil, true)
	}
}

// sendInvalidation delivers one invalidation message, through the redirect
// client if there is one.
func (s *Server) sendInvalidation(c *Client, redirect uint64, keys []string, all bool) {
	s.deliverInvalidation(c, redirect, keys, all, (*Client).push)
}

// deliverInvalidation is sendInvalidation that hands the message to send.
func (s *Server) deliverInvalidation(c *Client, redirect uint64, keys []string, all bool, send func(target *Client, msg []byte)) {
	target := c
	if id := redirect; id != 0 {
		target = s.clientByID(id)
		if target == nil {
			// Redis flags a broken redirect only once a message finds
			// it broken, and tells a RESP3 client every time.
			s.tracking.mu.Lock()
			if c.track.on && c.track.redirect == id {
				c.track.brokenRedirect = true
			}
			s.tracking.mu.Unlock()
			if c.protoVersion() == 3 {
				w := resp.NewWriter()
				w.SetProto(3)
				w.Push(2)
				w.BulkString("tracking-redir-broken")
				w.Int(int64(id))
				c.push(w.Bytes())
			}
			return
		}
	}
	w := resp.NewWriter()
	w.SetProto(target.protoVersion())
	switch {
	case target.protoVersion() == 3:
		w.Push(2)
		w.BulkString("invalidate")
	case redirect != 0 && target.subscribed():
		// Redis checks the pub/sub mode, not a subscription to the
		// channel, and a client may redirect to itself.
		w.Push(3)
		w.BulkString("message")
		w.BulkString(invalidateChannel)
	default:
		return // RESP2 without a redirect cannot receive pushes
	}
	if all {
		// Redis writes the null of the tracking client's protocol, even
		// to a redirect client speaking the other one.
		if c.protoVersion() == 3 {
			w.Raw([]byte("_\r\n"))
		} else {
			w.Raw([]byte("$-1\r\n"))
		}
	} else {
		w.Array(len(keys))
		for _, k := range keys {
			w.BulkString(k)
		}
	}
	send(target, w.Bytes())
}

func (s *Server) clientByID(id uint64) *Client {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	return s.clients[id]
}

// trackingStats are INFO's tracking_clients, tracking_total_keys and
// tracking_total_prefixes.
func (t *tracking) stats() (clients, keys, prefixes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.clients), len(t.keys), len(t.prefixes)
}

// sendPendingInvalidations delivers the invalidations of the client's own
// writes, and then the BCAST ones it waits for, once its reply is out.
func (c *Client) sendPendingInvalidations() {
	t := c.s.tracking
	if len(c.pendingInvalidations) == 0 && t.waiting.Load() == 0 {
		return
	}
	for _, keys := range c.pendingInvalidations {
		c.s.sendInvalidation(c, c.track.redirect, keys, keys == nil) // nil: a flush
	}
	c.pendingInvalidations = c.pendingInvalidations[:0]
	t.mu.Lock()
	later, ok := t.later[c]
	if ok {
		delete(t.later, c)
		t.waiting.Add(-1)
	}
	t.mu.Unlock()
	for _, n := range later {
		c.s.sendInvalidation(n.c, n.redirect, n.keys, false)
	}
}
