package engine

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cairndb/cairn/cmdspec"
)

// command is one entry of the command table: Redis's description of it
// (arity, flags, key positions, docs) and Cairn's implementation.
type command struct {
	name  string // lower case; "config|get" for subcommands
	spec  *cmdspec.Spec
	run   func(x *Ctx)
	lock  lockMode
	subs  map[string]*command
	stats cmdStats
	hist  histogram // LATENCY HISTOGRAM and INFO latencystats

	noAuth, write, readonly, denyOOM, noMulti, blocking bool
	skipMonitor, pausedOnWrite                          bool
	fast                                                bool // LATENCY's fast-command event
	txControl                                           bool // runs at once inside MULTI (EXEC, DISCARD, ...)
	subscriberOK                                        bool // allowed in RESP2 subscriber mode
	ranByParts                                          bool // its writes are its commands' (EXEC, scripts): each tells the watchers

	protected string // the enable-*-command directive it needs, if any
}

// txControlCommands run immediately even inside MULTI.
var txControlCommands = map[string]bool{"exec": true, "discard": true, "multi": true, "watch": true, "quit": true, "reset": true}

// subscriberCommands are all a RESP2 client may send while subscribed.
var subscriberCommands = map[string]bool{"subscribe": true, "ssubscribe": true, "psubscribe": true,
	"unsubscribe": true, "sunsubscribe": true, "punsubscribe": true, "ping": true, "quit": true, "reset": true}

// cmdDef is how a command family declares its commands.
type cmdDef struct {
	name string
	run  func(x *Ctx)
	lock lockMode // lockNone unless the command needs more than its keys
}

var definitions []cmdDef

// register adds commands to the table; each family file calls it from init.
func register(defs ...cmdDef) { definitions = append(definitions, defs...) }

// buildCommands resolves every definition against Redis's command table.
func buildCommands() map[string]*command {
	table := make(map[string]*command)
	for _, d := range definitions {
		spec := cmdspec.Lookup(d.name)
		if spec == nil {
			panic("engine: no Redis spec for command " + d.name)
		}
		cmd := &command{name: d.name, spec: spec, run: d.run, lock: d.lock}
		cmd.noAuth = spec.HasFlag("no_auth")
		cmd.write = spec.HasFlag("write")
		cmd.readonly = spec.HasFlag("readonly")
		cmd.denyOOM = spec.HasFlag("denyoom")
		cmd.noMulti = spec.HasFlag("no_multi")
		cmd.blocking = spec.HasFlag("blocking")
		cmd.fast = spec.HasFlag("fast")
		cmd.skipMonitor = spec.HasFlag("skip_monitor") || spec.HasFlag("admin")
		cmd.pausedOnWrite = pausedByWrite[d.name]
		cmd.txControl = txControlCommands[d.name]
		cmd.subscriberOK = subscriberCommands[d.name]
		cmd.protected = protectedCommands[d.name]
		cmd.ranByParts = ranByParts[d.name]
		if cmd.lock == lockNone && (spec.FirstKey != 0 || len(spec.KeySpecs) > 0) {
			cmd.lock = lockKeys
		}
		parent, sub, isSub := strings.Cut(d.name, "|")
		if !isSub {
			if old := table[d.name]; old != nil {
				cmd.subs = old.subs
			}
			table[d.name] = cmd
			continue
		}
		p := table[parent]
		if p == nil {
			p = &command{name: parent, spec: cmdspec.Lookup(parent)}
			table[parent] = p
		}
		if p.subs == nil {
			p.subs = make(map[string]*command)
		}
		p.subs[sub] = cmd
	}
	return table
}

// implemented reports whether Cairn implements a Redis command (COMMAND
// lists only those).
func (s *Server) implemented(spec *cmdspec.Spec) bool {
	name := spec.Name
	if parent, sub, ok := strings.Cut(name, "|"); ok {
		p := s.commands[parent]
		return p != nil && p.subs[sub] != nil
	}
	c := s.commands[name]
	return c != nil && (c.run != nil || len(c.subs) > 0)
}

// lookupCommand finds the command (or subcommand) args name, or returns the
// error Redis rejects the call with (and the command, if it is known but
// given the wrong number of arguments).
func (s *Server) lookupCommand(args [][]byte) (*command, string) {
	var buf [32]byte
	cmd := s.commands[string(lowerInto(buf[:0], args[0]))]
	if cmd == nil {
		return nil, unknownCommand(args)
	}
	name := cmd.name
	// A container's subcommand is looked up whenever one is given (COMMAND
	// runs bare but rejects unknown subcommands before MULTI queues them).
	if cmd.subs != nil && (cmd.run == nil || len(args) >= 2) {
		if len(args) < 2 {
			// Redis counts this refusal in the container's rejected_calls.
			return cmd, fmt.Sprintf("ERR wrong number of arguments for '%s' command", name)
		}
		sub := cmd.subs[string(lowerInto(buf[:0], args[1]))]
		if sub == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%.128s'. Try %s HELP.", args[1], strings.ToUpper(string(args[0]))) // the name as called: it may be renamed
		}
		cmd = sub
	}
	if a := cmd.spec.Arity; (a > 0 && len(args) != a) || (a < 0 && len(args) < -a) {
		// The command is known: Redis counts the refusal in its
		// rejected_calls (EXEC x, WATCH with no key...).
		return cmd, fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.name)
	}
	return cmd, ""
}

// findCommand is Redis's lookupCommand: the command, or the container's
// subcommand when there is an argument after a container's name; nil if
// unknown. Unlike lookupCommand, the arity is not checked.
func (s *Server) findCommand(args [][]byte) *command {
	var buf [32]byte
	cmd := s.commands[string(lowerInto(buf[:0], args[0]))]
	if cmd == nil || cmd.subs == nil || len(args) < 2 {
		return cmd
	}
	return cmd.subs[string(lowerInto(buf[:0], args[1]))]
}

// lowerInto appends b in ASCII lower case to dst (no allocation for
// command names that fit dst's capacity).
func lowerInto(dst, b []byte) []byte {
	for _, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}

func unknownCommand(args [][]byte) string {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		fmt.Fprintf(&b, "'%.*s' ", 128-b.Len(), a)
	}
	return fmt.Sprintf("ERR unknown command '%.128s', with args beginning with: %s", args[0], b.String())
}

// Exec runs one command from the client and buffers its reply; more says
// whether further commands of the same pipeline are already buffered.
func (c *Client) Exec(args [][]byte, more bool) {
	s := c.s
	now := time.Now()
	c.pushEnd = 0
	s.limitTrackedKeys() // as Redis's processCommand, before the command
	c.lastActive.Store(now.UnixMilli())
	c.argvBytes.Store(argvLength(args))
	defer c.argvBytes.Store(0) // Redis frees a command's arguments once it has run
	s.stats.commandsProcessed.Add(1)
	cmd, reject := c.admit(args)
	if reject != "" {
		if cmd != nil {
			cmd.stats.rejected.Add(1)
		}
		if c.multi != nil {
			c.multi.aborted = true
		}
		// CLIENT REPLY OFF or SKIP silences a refusal too (and a SKIP is
		// spent on it), as Redis's replies all go through one check.
		mark := c.w.Len()
		c.w.Error(reject)
		s.stats.countError(reject)
		s.scripts.noteRejection(c)
		c.applyReplyMode(mark, notRun)
		c.emit()
		return
	}
	// As in Redis, a pause holds a command before MULTI queues it, and
	// WRITE holds an EXEC whose transaction may write.
	if resumed := s.pause.holding(c, cmd, args); resumed != nil {
		args = cloneKeys(args) // the wait reads ahead into their buffer
		if !c.waitPaused(resumed) {
			return
		}
	}
	if c.multi != nil && !cmd.txControl {
		c.queue(cmd, args)
		mark := c.w.Len()
		c.w.Simple("QUEUED")
		c.applyReplyMode(mark, notRun) // a queued CLIENT REPLY has not run
		c.emit()
		return
	}
	// EXEC of an open transaction applies CLIENT REPLY itself, as the
	// commands it runs may change it (transactions.go).
	execs := cmd.name == "exec" && c.multi != nil
	x := c.newCtx(cmd, args, now)
	// The last command of a pipeline joins the batch too (Flush commits
	// it next): one Pebble batch per read, not two. A reply CLIENT REPLY
	// may drop does not: the batch's replies can go out as it commits,
	// before the drop.
	mark := c.w.Len()
	if !((more || c.batch != nil) && c.replyMode == replyOn && c.joinBatch(x)) {
		c.commitBatch() // which sends the batch's replies: the mark moves
		mark = c.w.Len()
		s.call(x)
	}
	if !execs {
		c.applyReplyMode(mark, cmd)
	}
	c.endOfCommand(cmd)
	c.emit()
	c.sendPendingInvalidations()
}

// argvLength is the length of a command's arguments together, as Redis
// counts them for CLIENT LIST's argv-mem.
func argvLength(args [][]byte) int64 {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return int64(n)
}

// notRun stands for a command that was refused or queued, not run: the
// reply mode applies to its reply as to any command's but CLIENT REPLY's.
var notRun = &command{name: "(not run)"}

// newCtx readies the client's reusable Ctx for a command. Nothing may keep
// a pointer to it past the command (a blocking command's retry gets its own
// Ctx).
func (c *Client) newCtx(cmd *command, args [][]byte, now time.Time) *Ctx {
	x := &c.ctx
	*x = Ctx{s: c.s, c: c, cmd: cmd, args: args, w: c.w, db: c.dbIndex(), now: now.UnixMilli(), start: now,
		modified: x.modified[:0], events: x.events[:0], keys: x.keys[:0], refs: x.refs[:0], after: x.after[:0]}
	return x
}

// admit finds the command and checks, in Redis's order, whether this
// client may run it now; a non-empty string is the rejection. A refused
// EXEC discards the transaction, as in Redis.
func (c *Client) admit(args [][]byte) (*command, string) {
	cmd, reject := c.screen(args)
	if reject != "" && (cmd != nil && cmd.name == "exec" || cmd == nil && eq(args[0], "exec")) {
		if c.multi != nil {
			c.endMulti()
		}
		return cmd, "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(reject, "ERR ")
	}
	return cmd, reject
}

// screen is admit's checks, in Redis's order.
func (c *Client) screen(args [][]byte) (*command, string) {
	cmd, reject := c.s.lookupCommand(args)
	// CLIENT INFO's cmd= is what was looked up, refused or not (NULL for
	// an unknown command or subcommand), as Redis's lastcmd.
	if cmd != nil {
		c.lastCmd.Store(&cmd.name)
	} else {
		c.lastCmd.Store(new(string))
	}
	if reject != "" {
		return cmd, reject
	}
	// DEBUG and MODULE LOAD/LOADEX/UNLOAD are refused, unless their
	// enable-*-command directive allows them, before AUTH and ACL are
	// looked at (introspection.go).
	if reject := c.protectedRefusal(cmd); reject != "" {
		return cmd, reject
	}
	switch {
	case c.authRequired() && !cmd.noAuth:
		return cmd, errNoAuth
	case c.multi != nil && cmd.noMulti:
		return cmd, "ERR Command not allowed inside a transaction"
	}
	// The user's ACL permissions (acl_check.go).
	if reject := c.checkACL(cmd, args); reject != "" {
		return cmd, reject
	}
	// maxmemory: evict, or refuse what may grow the dataset (evict.go).
	if reject := c.oomRefusal(cmd, args); reject != "" {
		return cmd, reject
	}
	// Writes the disk cannot take (diskguard.go).
	if reject := c.diskRefusal(cmd, args); reject != "" {
		return cmd, reject
	}
	// Writes without enough good replicas (minreplicas.go).
	if reject := c.noReplicasRefusal(cmd, args); reject != "" {
		return cmd, reject
	}
	// Writes to a read-only replica (replicaof.go).
	if reject := c.readOnlyRefusal(cmd, args); reject != "" {
		return cmd, reject
	}
	if c.subscribedRESP2() && !cmd.subscriberOK {
		return cmd, fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.name)
	}
	// A replica whose link is down, told not to serve stale data.
	if reject := c.staleRefusal(cmd); reject != "" {
		return cmd, reject
	}
	// While a script runs other clients wait here, as Redis would not
	// read them; past busy-reply-threshold they get BUSY.
	return cmd, c.s.scripts.admit(c, cmd)
}

// call runs a command under the locks its mode asks for, commits its
// transaction, then lets the rest of the server react to its writes. A
// command that blocked parks the client until it is served.
func (s *Server) call(x *Ctx) {
	var elapsed time.Duration
	s.locked(x, func() { elapsed = s.runTimed(x) })
	s.account(x, elapsed)
	s.rememberReads(x)
	s.monitor(x)
	s.afterWrite(x)
	if x.blockedOn != nil {
		x.c.waitBlocked(x.blockedOn, x.blockTimeout)
	}
}

// runTimed runs the command's body, its locks held, and returns how long
// it took: a wait for a script or another client's locks, before, is not
// the command's time (Redis, which never waits, times only the command
// for SLOWLOG, LATENCY and commandstats).
func (s *Server) runTimed(x *Ctx) time.Duration {
	start := time.Now()
	s.runBody(x, func() { x.cmd.run(x) })
	elapsed := time.Since(start)
	if w := x.blockedOn; w != nil {
		// Its key locks are still held: nobody can serve it yet.
		w.ran = elapsed
	}
	return elapsed
}

// monitor feeds the command to MONITOR clients, if there are any (the
// source address is formatted only then).
func (s *Server) monitor(x *Ctx) {
	if !x.cmd.skipMonitor && s.monitoring.Load() > 0 {
		s.feedMonitors(x, x.c.monitorSource())
	}
}

// account records a command's statistics and slow log entry.
func (s *Server) account(x *Ctx, elapsed time.Duration) {
	st := &x.cmd.stats
	st.usec.Add(elapsed.Microseconds())
	conf := s.conf()
	// Read after the command: CONFIG SET latency-tracking yes is timed,
	// no is not, as in Redis. A command that blocked is timed when it is
	// served (accountUnblocked).
	if conf.latencyTracking && x.blockedOn == nil {
		x.cmd.hist.record(elapsed)
	}
	event := "command"
	if x.cmd.fast {
		event = "fast-command"
	}
	s.latency.record(event, elapsed.Milliseconds(), conf.latencyThreshold)
	if x.failed {
		st.failed.Add(1)
	}
	if x.blockedOn == nil {
		st.calls.Add(1)
		s.logSlow(x, elapsed)
	}
}

// locked runs body holding the locks the command's mode asks for.
func (s *Server) locked(x *Ctx, body func()) {
	switch x.cmd.lock {
	case lockNone:
		body()
	case lockKeys:
		keys, complete := x.keyArgs()
		if !complete {
			s.world.Lock()
			body()
			s.world.Unlock()
			return
		}
		var buf [8]int
		stripes := stripesOf(keys, buf[:0])
		s.world.RLock()
		s.lockStripes(stripes)
		x.after = s.ticketsOf(stripes, x.after[:0])
		body()
		s.unlockStripes(stripes)
		s.world.RUnlock()
	case lockDB:
		s.world.RLock()
		body()
		s.world.RUnlock()
	case lockAll:
		s.world.Lock()
		body()
		s.world.Unlock()
	}
}

// runBody executes a command body and commits its transaction. A panic in a
// command (a bug, or a storage failure) answers this client with an error
// and discards the command's writes; the server keeps serving.
func (s *Server) runBody(x *Ctx, body func()) {
	mark := x.w.Len()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if x.txn != nil && !x.shared {
			x.txn.Discard()
			x.txn = nil
		}
		x.modified, x.events = nil, nil
		x.w.Truncate(mark)
		if se, ok := r.(storageError); ok {
			s.log.Warningf("Storage error in '%s': %v", x.cmd.name, se.err)
			x.fail("ERR " + se.err.Error())
			return
		}
		s.log.Warningf("Panic in command '%s': %v\n%s", x.cmd.name, r, debug.Stack())
		x.fail(fmt.Sprintf("ERR internal error in '%s' command", x.cmd.name))
	}()
	body()
	if x.txn != nil && !x.shared {
		txn := x.txn
		x.txn = nil
		_, err := txn.Commit()
		x.must(err)
	}
	// Watchers are told while the locks are still held: an EXEC waiting for
	// them must find its watched keys dirty (afterWrite would be too late).
	// EXEC's and a script's commands told them each, as they ran.
	if !x.cmd.ranByParts {
		x.s.watches.touchFrom(x, x.modified)
		x.markSignalled() // its last keys, before the next command's events
	}
}

// ranByParts are the commands whose writes are their commands' (EXEC's
// queued ones, a script's redis.call), each of which tells the watchers.
var ranByParts = map[string]bool{"exec": true, "eval": true, "evalsha": true, "eval_ro": true, "evalsha_ro": true,
	"fcall": true, "fcall_ro": true}

// keyArgs returns the command's key arguments from its key specs; false
// means the command may touch keys its arguments do not name (SORT ... BY),
// so it must run alone.
func (x *Ctx) keyArgs() ([][]byte, bool) {
	found, err := x.cmd.spec.KeyPositions(x.refs, x.args)
	if err != nil || found.Incomplete {
		return nil, false
	}
	x.refs = found.Refs
	keys := x.keys[:0]
	for _, r := range found.Refs {
		keys = append(keys, x.args[r.Index])
	}
	x.keys = keys
	return keys, true
}

func (s *Server) logSlow(x *Ctx, elapsed time.Duration) {
	conf := s.conf()
	if conf.slowlogSlower < 0 || elapsed.Microseconds() < conf.slowlogSlower || x.cmd.spec.HasFlag("skip_slowlog") {
		return // (EXEC: the commands it ran are logged each)
	}
	addr := "?:0" // a script's client has no connection: Redis shows this
	if !x.script {
		addr = x.c.conn.RemoteAddr()
	}
	s.slowlog.add(slowEntry{
		time:     time.Now().Unix(),
		duration: elapsed.Microseconds(),
		args:     slowArgs(x.args),
		addr:     addr,
		name:     *x.c.name.Load(),
	}, conf.slowlogMaxLen)
}

// slowArgs copies arguments the way SLOWLOG keeps them: at most 32, each
// at most 128 bytes, with a note of what was cut.
func slowArgs(args [][]byte) [][]byte {
	n := min(len(args), 32)
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		if i == 31 && len(args) > 32 {
			out = append(out, fmt.Appendf(nil, "... (%d more arguments)", len(args)-31))
			break
		}
		a := args[i]
		if len(a) > 128 {
			out = append(out, fmt.Appendf(nil, "%s... (%d more bytes)", a[:128], len(a)-128))
			continue
		}
		out = append(out, bytes.Clone(a))
	}
	return out
}

// afterWrite runs once a command's writes are committed and its locks
// released: invalidations and keyspace notifications go out, blocked
// clients of the written keys are served. (Watchers were told under the
// locks, by runBody.)
func (s *Server) afterWrite(x *Ctx) {
	if x.shared {
		return
	}
	s.announce(x)
	if len(x.ready) > 0 {
		s.blocking.signal(s, x.ready)
	}
}
