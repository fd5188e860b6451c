package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairndb/cairn/engine/lualib"
	lua "github.com/yuin/gopher-lua"
)

// Redis's Lua debugger, LDB (SCRIPT DEBUG, redis-cli --ldb). After SCRIPT
// DEBUG YES or SYNC the client's next EVAL is a debugging session: the
// script stops before its first line, and then wherever a step, a
// breakpoint or redis.breakpoint() says; at each stop the session sends
// its log as an array of status replies and reads the client's debugger
// commands until one resumes the script. When the script ends the log
// ends with <endsession>, EVAL's reply follows and the connection is
// closed, as in Redis. lualib.CompileStepping makes the script call the
// line hook, which gopher-lua lacks.
//
// Redis runs a YES session in a forked child: the server goes on serving
// and the script's writes are rolled back at the end. Cairn rolls them back
// too, but runs the session as any script, under the world lock: other
// clients wait until it ends, as they do for a SYNC session in Redis.

type ldbMode int8

const (
	ldbOff      ldbMode = iota
	ldbRollback         // SCRIPT DEBUG YES
	ldbSync             // SCRIPT DEBUG SYNC: writes are kept
)

// ldbHook is the global the instrumented script calls with its line.
const ldbHook = "__cairn_ldb_line"

const (
	ldbMaxBreakpoints = 64
	ldbDefaultMaxLen  = 256
	ldbMaxDepth       = 10 // nested tables shown in a value
)

func cmdScriptDebug(x *Ctx) {
	switch {
	case eq(x.args[2], "no"):
		x.c.debugScripts = ldbOff
	case eq(x.args[2], "yes"):
		x.c.debugScripts = ldbRollback
	case eq(x.args[2], "sync"):
		x.c.debugScripts = ldbSync
	default:
		x.fail("ERR Use SCRIPT DEBUG YES/SYNC/NO")
		return
	}
	x.w.OK()
}

// ldbSession is one debugging session: the script's source and the
// debugger's state.
type ldbSession struct {
	c         *Client
	mode      ldbMode
	vm        *luaVM
	src       []string
	bps       []int
	step      bool // stop at the next line
	luabp     bool // redis.breakpoint() was called
	current   int  // the line the script is on
	maxlen    int  // trim logged values to this many bytes (0: no limit)
	hintSent  bool
	logs      []string
	resumed   time.Time     // when the script last went on
	timeLimit time.Duration // running this long without a stop stops it
	gone      bool          // the client disconnected: run to the end
}

// newLdbSession starts a session for the client's EVAL: it stops before
// the script's first line.
func newLdbSession(x *Ctx) *ldbSession {
	d := &ldbSession{c: x.c, mode: x.c.debugScripts, src: strings.Split(string(x.args[1]), "\n"),
		step: true, maxlen: ldbDefaultMaxLen}
	d.timeLimit = time.Duration(x.s.cfg.Int("busy-reply-threshold")) * time.Millisecond
	if d.timeLimit <= 0 {
		d.timeLimit = 5 * time.Second
	}
	return d
}

// compile compiles the EVAL script to stop at its lines and puts the line
// hook in vm's globals (the caller takes it out); nil after an error.
func (d *ldbSession) compile(x *Ctx, vm *luaVM) *lua.FunctionProto {
	_, code, _ := parseEvalShebang(string(x.args[1]))
	proto, msg := lualib.CompileStepping(code, "user_script", ldbHook)
	if msg != "" {
		x.fail("ERR Error compiling script (new function): " + msg)
		return nil
	}
	d.vm = vm
	vm.sb.SetGlobal(ldbHook, vm.L.NewFunction(d.lineHook))
	d.resumed = time.Now()
	return proto
}

// rollback discards a YES session's writes, as Redis's forked session
// never makes them (in MULTI they are EXEC's too, and stay).
func (d *ldbSession) rollback(x *Ctx) {
	if d.mode == ldbRollback && !x.shared && x.txn != nil {
		x.txn.Discard()
		x.txn = nil
		x.modified, x.events, x.ready = nil, nil, nil
	}
}

// end closes the session: its last log, then (after EVAL's reply) the
// connection.
func (d *ldbSession) end(x *Ctx) {
	d.log("<endsession>")
	d.send()
	x.c.debugScripts = ldbOff
	x.c.closeAfter = true
}

func (d *ldbSession) log(s string) { d.logs = append(d.logs, s) }

// logTrimmed logs s cut to maxlen, with a hint the first time.
func (d *ldbSession) logTrimmed(s string) {
	if d.maxlen == 0 || len(s) <= d.maxlen {
		d.log(s)
		return
	}
	d.log(s[:d.maxlen] + " ...")
	if !d.hintSent {
		d.hintSent = true
		d.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")
	}
}

// send writes the log to the client at once, as an array of status
// replies (line breaks become spaces).
func (d *ldbSession) send() {
	if len(d.logs) == 0 || d.gone {
		d.logs = d.logs[:0]
		return
	}
	b := fmt.Appendf(nil, "*%d\r\n", len(d.logs))
	for _, l := range d.logs {
		b = append(b, '+')
		b = append(b, strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, l)...)
		b = append(b, "\r\n"...)
	}
	d.logs = d.logs[:0]
	d.c.out.append(b, 0)
	d.c.out.flushAndWait()
}

// sourceLine is line n of the script, as the debugger lists it.
func (d *ldbSession) sourceLine(n int) string {
	if n < 1 || n > len(d.src) {
		return "<out of range source code line>"
	}
	return d.src[n-1]
}

func (d *ldbSession) logSourceLine(n int) {
	bp := slices.Contains(d.bps, n)
	prefix := "   "
	switch {
	case n == d.current && bp:
		prefix = "->#"
	case n == d.current:
		prefix = "-> "
	case bp:
		prefix = "  #"
	}
	d.log(fmt.Sprintf("%s%-3d %s", prefix, n, d.sourceLine(n)))
}

// list logs the lines within context of around (0: every line).
func (d *ldbSession) list(around, context int) {
	for n := 1; n <= len(d.src); n++ {
		if around != 0 && abs(around-n) > context {
			continue
		}
		d.logSourceLine(n)
	}
}

// lineHook is called by the instrumented script before each line runs.
func (d *ldbSession) lineHook(L *lua.LState) int {
	d.current = L.CheckInt(1)
	if d.gone {
		// Nobody can stop it any more: past the time limit it is killed,
		// or it would hold the server for ever.
		if time.Since(d.resumed) >= d.timeLimit {
			raise(L, "timeout during Lua debugging with client closing connection")
		}
		return 0
	}
	bp := d.luabp || slices.Contains(d.bps, d.current)
	timeout := !d.step && !bp && time.Since(d.resumed) >= d.timeLimit
	if !d.step && !bp && !timeout {
		return 0
	}
	reason := "step over"
	switch {
	case d.luabp:
		reason = "redis.breakpoint() called"
	case bp:
		reason = "break point"
	case timeout:
		reason = "timeout reached, infinite loop?"
	}
	d.step, d.luabp = false, false
	d.log(fmt.Sprintf("* Stopped at %d, stop reason = %s", d.current, reason))
	d.logSourceLine(d.current)
	d.send()
	d.repl(L)
	d.resumed = time.Now()
	return 0
}

// repl serves debugger commands until one resumes the script.
func (d *ldbSession) repl(L *lua.LState) {
	for {
		argv, err := d.c.conn.ReadCommand()
		if err != nil {
			// Nobody is left to debug: the script runs on without stops
			// (killed past the time limit, lineHook).
			d.gone, d.step, d.bps = true, false, nil
			return
		}
		if len(argv) == 0 {
			continue
		}
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = string(a)
		}
		switch strings.ToLower(args[0]) {
		case "h", "help":
			for _, l := range ldbHelp {
				d.log(l)
			}
		case "s", "step", "n", "next":
			d.step = true
			return
		case "c", "continue":
			return
		case "t", "trace":
			d.trace(L)
		case "m", "maxlen":
			d.setMaxlen(args)
		case "b", "break":
			d.breakpoints(args)
		case "e", "eval":
			d.eval(L, strings.Join(args[1:], " "))
		case "a", "abort":
			raise(L, "script aborted for user request")
		case "r", "redis":
			if len(args) < 2 {
				d.log(ldbUnknown)
				break
			}
			d.redis(L, args[1:])
		case "p", "print":
			if len(args) == 2 {
				d.printVar(L, args[1])
			} else {
				d.printLocals(L)
			}
		case "l", "list":
			around, context := d.current, 5
			if len(args) > 1 {
				if n := atoi(args[1]); n > 0 {
					around = n
				}
			}
			if len(args) > 2 {
				context = atoi(args[2])
			}
			d.list(around, context)
		case "w", "whole":
			d.list(1, 1000000)
		default:
			d.log(ldbUnknown)
		}
		d.send()
	}
}

const ldbUnknown = "<error> Unknown Redis Lua debugger command or wrong number of arguments."

var ldbHelp = []string{
	"Redis Lua debugger help:",
	"[h]elp               Show this help.",
	"[s]tep               Run current line and stop again.",
	"[n]ext               Alias for step.",
	"[c]ontinue           Run till next breakpoint.",
	"[l]ist               List source code around current line.",
	"[l]ist [line]        List source code around [line].",
	"                     line = 0 means: current position.",
	"[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
	"                     to show before/after [line].",
	"[w]hole              List all source code. Alias for 'list 1 1000000'.",
	"[p]rint              Show all the local variables.",
	"[p]rint <var>        Show the value of the specified variable.",
	"                     Can also show global vars KEYS and ARGV.",
	"[b]reak              Show all breakpoints.",
	"[b]reak <line>       Add a breakpoint to the specified line.",
	"[b]reak -<line>      Remove breakpoint from the specified line.",
	"[b]reak 0            Remove all breakpoints.",
	"[t]race              Show a backtrace.",
	"[e]val <code>        Execute some Lua code (in a different callframe).",
	"[r]edis <cmd>        Execute a Redis command.",
	"[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
	"                     Specifying zero as <len> means unlimited.",
	"[a]bort              Stop the execution of the script. In sync",
	"                     mode dataset changes will be retained.",
	"",
	"Debugger functions you can call from Lua scripts:",
	"redis.debug()        Produce logs in the debugger console.",
	"redis.breakpoint()   Stop execution like if there was a breakpoint in the",
	"                     next line of code.",
}

// atoi is C's: the leading integer of s, 0 if none.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

func (d *ldbSession) setMaxlen(args []string) {
	if len(args) == 2 {
		n := atoi(args[1])
		d.hintSent = true // the user knows about trimming
		if n != 0 && n <= 60 {
			n = 60
		}
		d.maxlen = n
	}
	if d.maxlen != 0 {
		d.log(fmt.Sprintf("<value> replies are truncated at %d bytes.", d.maxlen))
	} else {
		d.log("<value> replies are unlimited.")
	}
}

func (d *ldbSession) breakpoints(args []string) {
	if len(args) == 1 {
		if len(d.bps) == 0 {
			d.log("No breakpoints set.")
			return
		}
		d.log(fmt.Sprintf("%d breakpoints set:", len(d.bps)))
		for _, n := range d.bps {
			d.logSourceLine(n)
		}
		return
	}
	for _, arg := range args[1:] {
		n, err := strconv.ParseInt(arg, 10, 64)
		switch {
		case err != nil:
			d.log(fmt.Sprintf("Invalid argument:'%s'", arg))
		case n == 0:
			d.bps = d.bps[:0]
			d.log("All breakpoints removed.")
		case n > 0:
			switch {
			case len(d.bps) == ldbMaxBreakpoints:
				d.log("Too many breakpoints set.")
			case n > int64(len(d.src)) || slices.Contains(d.bps, int(n)):
				d.log("Wrong line number.")
			default:
				d.bps = append(d.bps, int(n))
				d.list(int(n), 1)
			}
		default:
			if i := slices.Index(d.bps, int(-n)); i >= 0 {
				d.bps = slices.Delete(d.bps, i, i+1)
				d.log("Breakpoint removed.")
			} else {
				d.log("No breakpoint in the specified line.")
			}
		}
	}
}

// trace logs where each function of the script on the stack is.
func (d *ldbSession) trace(L *lua.LState) {
	first := true
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Snl", dbg, lua.LNil); err != nil || !strings.Contains(dbg.Source, "user_script") {
			continue
		}
		where, name := "From", dbg.Name
		if first {
			where, first = "In", false
		}
		if name == "" || dbg.What == "main" {
			name = "top level"
		}
		d.log(fmt.Sprintf("%s %s:", where, name))
		line := dbg.CurrentLine
		if level == 1 {
			line = d.current
		}
		d.logSourceLine(line)
		if dbg.What == "main" {
			break // the first frame: gopher-lua repeats it past the end
		}
	}
}

// printLocals logs the local variables of the function stopped in.
func (d *ldbSession) printLocals(L *lua.LState) {
	dbg, ok := L.GetStack(1)
	n := 0
	for i := 1; ok; i++ {
		name, v := L.GetLocal(dbg, i)
		if name == "" {
			break
		}
		if strings.Contains(name, "(*temporary)") {
			continue
		}
		d.logTrimmed("<value> " + name + " = " + string(ldbValue(nil, v, 0)))
		n++
	}
	if n == 0 {
		d.log("No local variables in the current context.")
	}
}

// printVar logs a local variable (the innermost function's first) or
// KEYS or ARGV.
func (d *ldbSession) printVar(L *lua.LState, name string) {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		for i := 1; ; i++ {
			n, v := L.GetLocal(dbg, i)
			if n == "" {
				break
			}
			if n == name {
				d.logTrimmed("<value> " + string(ldbValue(nil, v, 0)))
				return
			}
		}
	}
	if name == "KEYS" || name == "ARGV" {
		d.logTrimmed("<value> " + string(ldbValue(nil, L.GetField(d.vm.sb.Env, name), 0)))
		return
	}
	d.log("No such variable.")
}

// eval runs code, as an expression if it is one, and logs its value.
func (d *ldbSession) eval(L *lua.LState, code string) {
	proto, msg := lualib.Compile("return "+code, "ldb_eval")
	if msg != "" {
		if proto, msg = lualib.Compile(code, "ldb_eval"); msg != "" {
			d.log("<error> " + msg)
			return
		}
	}
	fn := L.NewFunctionFromProto(proto)
	fn.Env = d.vm.sb.Env
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		msg := err.Error()
		if ae, ok := err.(*lua.ApiError); ok {
			msg = luaString(ae.Object)
		}
		d.log("<error> " + msg)
		return
	}
	d.logTrimmed("<retval> " + string(ldbValue(nil, L.Get(-1), 0)))
	L.Pop(1)
}

// redis runs a command as redis.call would, logging it and its reply.
func (d *ldbSession) redis(L *lua.LState, args []string) {
	L.Push(L.GetField(L.GetField(d.vm.sb.Env, "redis"), "call"))
	for _, a := range args {
		L.Push(lua.LString(a))
	}
	d.step = true // redis.call logs what it runs while stepping
	if L.PCall(len(args), 1, nil) == nil {
		L.Pop(1)
	}
	d.step = false
}

// logCall logs a command the script runs while stepping, and its reply or
// why it was refused.
func (d *ldbSession) logCall(args [][]byte, reply []byte, reject string) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	d.log("<redis> " + strings.Join(parts, " "))
	switch {
	case reject != "":
		d.log("<error> " + strings.TrimPrefix(reject, "-"))
	default:
		if reply[0] == '-' {
			d.log("<error> " + strings.TrimRight(string(reply), "\r\n"))
		}
		human, _ := ldbReply(nil, reply)
		d.logTrimmed("<reply> " + string(human))
	}
}

// debugLog is redis.debug(): its arguments, logged on the current line.
func (d *ldbSession) debugLog(L *lua.LState) {
	b := fmt.Appendf(nil, "<debug> line %d: ", d.current)
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b = append(b, ", "...)
		}
		b = ldbValue(b, L.Get(i), 0)
	}
	d.log(string(b))
}

// ldbValue appends the debugger's picture of a Lua value.
func ldbValue(b []byte, v lua.LValue, depth int) []byte {
	if depth == ldbMaxDepth {
		return append(b, "<max recursion level reached! Nested table?>"...)
	}
	switch v := v.(type) {
	case lua.LString:
		return appendQuoted(b, []byte(v))
	case lua.LNumber:
		return append(b, cFormatG(float64(v))...)
	case lua.LBool:
		return strconv.AppendBool(b, bool(v))
	case *lua.LNilType:
		return append(b, "nil"...)
	case *lua.LTable:
		// Shown as an array if its keys are 1, 2, 3... in iteration order.
		var array, full []byte
		isArray, want := true, 1.0
		for k, e := v.Next(lua.LNil); k != lua.LNil; k, e = v.Next(k) {
			if n, ok := k.(lua.LNumber); !ok || float64(n) != want {
				isArray = false
			}
			want++
			array = append(ldbValue(array, e, depth+1), "; "...)
			full = append(ldbValue(append(full, '['), k, depth+1), "]="...)
			full = append(ldbValue(full, e, depth+1), "; "...)
		}
		pick := full
		if isArray {
			pick = array
		}
		if len(pick) > 0 {
			pick = pick[:len(pick)-2]
		}
		return append(append(append(b, '{'), pick...), '}')
	}
	return appendQuoted(b, fmt.Appendf(nil, "%s@%p", v.Type(), v))
}

// cFormatG is C's printf("%g").
func cFormatG(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return lualib.FormatNumber(f) // glibc's spellings
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// appendQuoted appends s quoted as Redis's sdscatrepr does.
func appendQuoted(b, s []byte) []byte { return append(b, quoteRepr(s)...) }

// ldbReply appends a RESP reply in the debugger's words and returns the
// rest of the input after it.
func ldbReply(b, r []byte) ([]byte, []byte) {
	if len(r) < 3 {
		return b, nil
	}
	end := strings.Index(string(r), "\r\n")
	if end < 0 {
		return b, nil
	}
	line, rest := r[1:end], r[end+2:]
	switch r[0] {
	case '+', '-':
		return appendQuoted(b, r[:end]), rest
	case ':':
		return append(b, line...), rest
	case '$':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return append(b, "NULL"...), rest
		}
		return appendQuoted(b, rest[:n]), rest[n+2:]
	case '*', '~', '%':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return append(b, "NULL"...), rest
		}
		open, sep, close := "[", ",", "]"
		switch r[0] {
		case '~':
			open, close = "~(", ")"
		case '%':
			open, close = "{", "}"
		}
		b = append(b, open...)
		for i := range n {
			if i > 0 {
				b = append(b, sep...)
			}
			b, rest = ldbReply(b, rest)
			if r[0] == '%' {
				b = append(b, " => "...)
				b, rest = ldbReply(b, rest)
			}
		}
		return append(b, close...), rest
	case '_':
		return append(b, "(null)"...), rest
	case '#':
		if string(line) == "t" {
			return append(b, "#true"...), rest
		}
		return append(b, "#false"...), rest
	case ',':
		return append(append(b, "(double) "...), line...), rest
	}
	return append(b, line...), rest
}
