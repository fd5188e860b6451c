package engine

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/engine/lualib"
	"github.com/cairndb/cairn/resp"
	lua "github.com/yuin/gopher-lua"
)

// scriptRun is one running script: an EVAL script or a function.
type scriptRun struct {
	x        *Ctx // the EVAL or FCALL command (its goroutine's alone)
	caller   *Client
	command  [][]byte // a copy of x.args, for FUNCTION STATS
	name     string   // the script's SHA1, or the function's name
	isEval   bool
	readOnly bool // EVAL_RO, FCALL_RO or the no-writes flag
	start    time.Time

	resp   int          // redis.setresp: the protocol of replies the script reads
	client *Client      // runs the script's commands, with its own SELECTed database
	w      *resp.Writer // their replies

	ldb *ldbSession // the debugging session it runs in (SCRIPT DEBUG), if any

	errSource string // where the error that ended the script was raised
	errLine   int

	// strayError: another client's command was refused (BUSY...) while
	// the script ran past busy-reply-threshold, after the script's last
	// command. Redis, which counts a command failed if errors were counted
	// since the last command began, then counts the script's command
	// failed.
	strayError atomic.Bool

	wrote  atomic.Bool  // a write command ran: SCRIPT KILL may not stop it
	killed atomic.Int32 // killedByUser or killedByShutdown
	cancel context.CancelFunc
	busy   chan struct{} // closed once the script runs past busy-reply-threshold
	done   chan struct{} // closed when it ends
	timer  *time.Timer
}

const (
	killedByUser = iota + 1
	killedByShutdown
)

// run calls fn with args in vm as script r, and replies to r.x with its
// result or its error.
func (e *scriptEngine) run(r *scriptRun, vm *luaVM, fn *lua.LFunction, args ...lua.LValue) {
	x := r.x
	r.caller = x.c
	if !r.isEval {
		r.command = make([][]byte, len(x.args))
		for i, a := range x.args {
			r.command[i] = bytes.Clone(a)
		}
	}
	r.resp = 2
	r.client = newScriptClient(x)
	L := vm.L
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	L.SetContext(ctx)
	vm.run = r
	e.begin(r)
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, vm.errFn)
	e.end(r)
	vm.run = nil
	L.RemoveContext()
	cancel()
	if r.killed.Load() == killedByShutdown {
		// SHUTDOWN NOSAVE: nothing of the script reaches the disk.
		if x.txn != nil && !x.shared {
			x.txn.Discard()
			x.txn = nil
		}
		x.modified, x.events, x.ready = nil, nil, nil
		x.c.closeAfter = true
		return
	}
	if r.strayError.Load() {
		x.failed = true
	}
	if err != nil {
		msg, counted := r.errorText(err)
		scriptError(x, msg, counted)
		return
	}
	luaToReply(x, L.Get(-1), r.resp, 0)
	L.Pop(1)
}

// scriptError writes an error reply of a script (the error it raised, or
// one in its result) and counts it as Redis does: an error a command the
// script called already counted in errorstats (its table has
// ignore_error_stats_update) is not counted again, but each makes the
// script's command failed; any other error is counted, and the command
// failed once.
func scriptError(x *Ctx, msg string, counted bool) {
	x.w.Error(msg)
	if counted {
		x.cmd.stats.failed.Add(1)
		return
	}
	x.s.stats.countError(msg)
	x.failed = true
}

// errorText is the reply to a script that raised an error, as Redis words
// it: the error ("ERR " and the message, or a raised error table's err
// field) and where it happened; counted says whether errorstats counted
// it already (an error of a command the script called).
func (r *scriptRun) errorText(err error) (msg string, counted bool) {
	ae, ok := err.(*lua.ApiError)
	switch {
	case r.killed.Load() == killedByUser:
		msg = "ERR Script killed by user with SCRIPT KILL..."
	case !ok:
		msg = "ERR " + err.Error()
	default:
		if t, isTable := ae.Object.(*lua.LTable); isTable {
			msg = luaString(t.RawGetString("err"))
			counted = statsCounted(t)
		} else {
			msg = "ERR " + luaString(ae.Object)
		}
		msg = cText(msg)
	}
	if r.errSource == "" {
		// The handler could not run (a stack overflow): the message still
		// says where.
		r.errSource, r.errLine = positionOf(msg)
	}
	if r.errSource != "" {
		msg += fmt.Sprintf(" script: %s, on %s:%d.", r.name, r.errSource, r.errLine)
	}
	return oneLine.Replace(msg), counted
}

// statsCounted reads an error table's ignore_error_stats_update field:
// true (a boolean, as Redis reads it) when errorstats already counted
// the error.
func statsCounted(t *lua.LTable) bool {
	return t.RawGetString("ignore_error_stats_update") == lua.LTrue
}

// positionOf reads "ERR user_script:12: ..." as ("@user_script", 12).
func positionOf(msg string) (string, int) {
	rest, _ := strings.CutPrefix(msg, "ERR ")
	for _, chunk := range []string{"user_script", "user_function"} {
		if after, ok := strings.CutPrefix(rest, chunk+":"); ok {
			digits, _, found := strings.Cut(after, ":")
			if line, err := strconv.Atoi(digits); found && err == nil {
				return "@" + chunk, line
			}
		}
	}
	return "", 0
}

// luaString is lua_tostring, for error messages.
func luaString(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return lualib.FormatNumber(float64(n))
	}
	return v.String()
}

// newScriptClient is the client a script's commands run as: its database
// starts as the caller's, and a SELECT in the script changes only it. It
// runs as the caller's ACL user, as Redis's script client does: what a
// command checks of the user itself (SORT's BY and GET patterns, RESTORE's
// skip-sanitize-payload) is the caller's.
func newScriptClient(x *Ctx) *Client {
	c := &Client{s: x.s, id: x.c.id, w: resp.NewWriter(), authenticated: true, created: x.c.created}
	empty, user := "", "default"
	c.name.Store(&empty)
	c.lastCmd.Store(&empty)
	if u := x.c.aclUser.Load(); u != nil {
		c.aclUser.Store(u)
		user = u.name
	}
	c.user.Store(&user)
	c.proto.Store(2)
	c.multiLen.Store(-1)
	c.db.Store(int32(x.db))
	return c
}

// mayReplicate are the commands Redis flags may-replicate (a flag COMMAND
// does not show): read-only scripts may not call them.
var mayReplicate = map[string]bool{"publish": true, "spublish": true, "pfcount": true}

// exec runs one command the script called and returns its reply, or the
// error Redis gives a script for a call it refuses.
func (r *scriptRun) exec(args [][]byte) ([]byte, string) {
	x := r.x
	s := x.s
	defer r.strayError.Store(false) // as Redis: errors before this call are its business
	cmd, reject := r.admit(args)
	if reject != "" {
		// Redis counts the refusal in the command's rejected_calls (the
		// caller counts the error in errorstats).
		if cmd != nil {
			cmd.stats.rejected.Add(1)
		}
		return nil, reject
	}
	if cmd.write {
		r.wrote.Store(true)
	}
	w := r.replyWriter()
	sub := &Ctx{s: s, c: r.client, cmd: cmd, args: args, w: w, db: r.client.dbIndex(), now: x.now,
		start: time.Now(), txn: x.tx(), shared: true, script: true}
	// A message to the caller itself goes among its replies as the script
	// publishes it, before the script's reply (inside EXEC, among EXEC's,
	// as for a PUBLISH EXEC runs: transactions.go).
	if keep := r.ownMessages(); keep != nil {
		sub.selfTo, sub.selfKeep = x.c, keep
	}
	// Timed and logged as a client's command, as Redis's call() does:
	// commandstats, latencystats, the latency monitor and SLOWLOG.
	s.account(sub, s.runTimed(sub))
	s.feedMonitors(sub, "lua")
	sub.c = x.c // the caller tracks its script's keys (CLIENT TRACKING)
	x.trackReads = addTrackedReads(x.trackReads, len(x.modified), sub, x)
	x.modified = append(x.modified, sub.modified...)
	// The keyspace notifications of the caller's own subscriptions go
	// among its replies where the command ran, after the messages the
	// script published before it (inside EXEC, or when ownMessages sets
	// x.batch; transactions.go leaves these places alone).
	for i := range sub.events {
		sub.events[i].replyAt = x.w.Len()
	}
	x.events = append(x.events, sub.events...)
	x.ready = append(x.ready, sub.ready...)
	return w.Bytes(), ""
}

// noteRejection follows the refusal of a command of client c (dispatch.go)
// for the running script's failed_calls: see scriptRun.strayError.
func (e *scriptEngine) noteRejection(c *Client) {
	r := e.running.Load()
	if r == nil || r.caller == c {
		return
	}
	select {
	case <-r.busy:
		r.strayError.Store(true)
	default:
	}
}

// admit finds the command a script called and checks, in Redis's order,
// that the script may run it: the command (nil if unknown) and the error
// Redis gives the script if not.
func (r *scriptRun) admit(args [][]byte) (*command, string) {
	x := r.x
	s := x.s
	cmd, reject := s.lookupCommand(args)
	switch {
	case reject != "" && strings.HasPrefix(reject, "ERR wrong number"):
		return cmd, "Wrong number of args calling Redis command from script"
	case reject != "":
		return nil, "Unknown Redis command called from script"
	case cmd.spec.HasFlag("noscript") && !s.scriptsRunNoscript.Load():
		return cmd, "This Redis command is not allowed from script"
	}
	// Then Redis's order: the caller's ACL permissions, then whether the
	// script may write at all.
	if reject := x.c.scriptACLError(cmd, args); reject != "" {
		return cmd, reject
	}
	if r.readOnly && (cmd.write || mayReplicate[cmd.name]) {
		return cmd, "Write commands are not allowed from read-only scripts."
	}
	if cmd.write && x.c.readOnlyReplica() {
		return cmd, "-" + errReadOnlyReplica
	}
	if msg := s.disk.refusal.Load(); msg != nil && cmd.write {
		return cmd, "-" + *msg
	}
	if cmd.write && !s.enoughReplicas() { // reached by EVAL without a shebang only (minreplicas.go)
		return cmd, "-" + errNoReplicas
	}
	if msg := s.scriptOOM(r, cmd); msg != "" { // maxmemory (evict.go)
		return cmd, msg
	}
	return cmd, ""
}

// ownMessages returns where the messages a script publishes to its
// subscribed caller go, so that they come, as in Redis, where the script
// published them among the caller's replies and the keyspace
// notifications of the script's commands: inside EXEC among EXEC's
// replies (transactions.go); else before the script's reply, in the
// caller's reply buffer. nil when they are sent as any client's: the
// caller is not subscribed, or its replies are off (CLIENT REPLY, whose
// truncation must spare them), or it debugs the script.
func (r *scriptRun) ownMessages() func([]byte) {
	x := r.x
	switch {
	case !x.c.subscribed():
		return nil
	case x.shared:
		if x.c.multi == nil {
			return nil
		}
		return x.c.multi.ownMessage
	case r.ldb == nil && x.c.replyMode == replyOn:
		// afterWrite puts the notifications to the caller among them (a
		// batch's way: their replyAt).
		x.batch = true
		return func(msg []byte) { x.w.Raw(msg) }
	}
	return nil
}
