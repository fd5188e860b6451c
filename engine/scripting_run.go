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
	if err != nil {
		x.fail(r.errorText(err))
		return
	}
	luaToReply(x.w, L.Get(-1), r.resp, 0)
	L.Pop(1)
}

// errorText is the reply to a script that raised an error, as Redis words
// it: the error ("ERR " and the message, or a raised error table's err
// field) and where it happened.
func (r *scriptRun) errorText(err error) string {
	var msg string
	ae, ok := err.(*lua.ApiError)
	switch {
	case r.killed.Load() == killedByUser:
		msg = "ERR Script killed by user with SCRIPT KILL..."
	case !ok:
		msg = "ERR " + err.Error()
	default:
		if t, isTable := ae.Object.(*lua.LTable); isTable {
			msg = luaString(t.RawGetString("err"))
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
	return oneLine.Replace(msg)
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
	cmd, reject := s.lookupCommand(args)
	switch {
	case reject != "" && strings.HasPrefix(reject, "ERR wrong number"):
		return nil, "Wrong number of args calling Redis command from script"
	case reject != "":
		return nil, "Unknown Redis command called from script"
	case cmd.spec.HasFlag("noscript"):
		return nil, "This Redis command is not allowed from script"
	}
	// Then Redis's order: the caller's ACL permissions, then whether the
	// script may write at all.
	if reject := x.c.scriptACLError(cmd, args); reject != "" {
		return nil, reject
	}
	if r.readOnly && (cmd.write || mayReplicate[cmd.name]) {
		return nil, "Write commands are not allowed from read-only scripts."
	}
	if cmd.write && x.c.readOnlyReplica() {
		return nil, "-" + errReadOnlyReplica
	}
	if msg := s.disk.refusal.Load(); msg != nil && cmd.write {
		return nil, "-" + *msg
	}
	if msg := s.scriptOOM(r, cmd); msg != "" { // maxmemory (evict.go)
		return nil, msg
	}
	if cmd.write {
		r.wrote.Store(true)
	}
	w := r.replyWriter()
	sub := &Ctx{s: s, c: r.client, cmd: cmd, args: args, w: w, db: r.client.dbIndex(), now: x.now,
		start: time.Now(), txn: x.tx(), shared: true, script: true}
	s.runBody(sub, func() { cmd.run(sub) })
	cmd.stats.usec.Add(time.Since(sub.start).Microseconds())
	cmd.stats.calls.Add(1)
	if sub.failed {
		cmd.stats.failed.Add(1)
	}
	s.feedMonitors(sub, "lua")
	sub.c = x.c // the caller tracks the keys its script read (CLIENT TRACKING)
	x.trackReads = addTrackedReads(x.trackReads, len(x.modified), sub)
	x.modified = append(x.modified, sub.modified...)
	x.events = append(x.events, sub.events...)
	x.ready = append(x.ready, sub.ready...)
	return w.Bytes(), ""
}
