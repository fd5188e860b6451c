package engine

import (
	"fmt"
	"strings"

	"github.com/cairndb/cairn/engine/lualib"
	"github.com/cairndb/cairn/resp"
	lua "github.com/yuin/gopher-lua"
)

// luaVM is a Lua state with Redis's environment: EVAL scripts run in one,
// function libraries in another (as in Redis). Scripts run one at a time
// under the world lock, so a VM is never used by two goroutines at once.
type luaVM struct {
	e     *scriptEngine
	sb    *lualib.Sandbox
	L     *lua.LState
	errFn *lua.LFunction // the error handler scripts run under
	run   *scriptRun     // the script running in this VM
}

func newLuaVM(e *scriptEngine) *luaVM {
	sb := lualib.New(e.rand)
	vm := &luaVM{e: e, sb: sb, L: sb.L}
	vm.errFn = vm.errorHandler()
	return vm
}

// evalVM returns the Lua state for EVAL scripts, making it on first use.
func (e *scriptEngine) evalVM() *luaVM {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.eval == nil {
		vm := newLuaVM(e)
		api := vm.redisAPI()
		for name, fn := range map[string]lua.LGFunction{
			"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
			"breakpoint":         vm.breakpoint,
			"debug":              vm.debug,
		} {
			api.RawSetString(name, vm.L.NewFunction(fn))
		}
		vm.sb.SetGlobal("redis", vm.sb.ReadOnly(api))
		vm.sb.SetGlobal("__redis__err__handler", vm.errFn)
		e.eval = vm
	}
	return e.eval
}

// redisAPI builds the redis table scripts and functions share.
func (vm *luaVM) redisAPI() *lua.LTable {
	L := vm.L
	t := L.NewTable()
	for name, fn := range map[string]lua.LGFunction{
		"call":          func(L *lua.LState) int { return vm.call(L, true) },
		"pcall":         func(L *lua.LState) int { return vm.call(L, false) },
		"log":           vm.log,
		"setresp":       vm.setResp,
		"set_repl":      vm.setRepl,
		"sha1hex":       luaSHA1Hex,
		"error_reply":   luaErrorReply,
		"status_reply":  luaStatusReply,
		"acl_check_cmd": vm.aclCheckCmd,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	setVersionConstants(t)
	for name, n := range map[string]int{"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3} {
		t.RawSetString(name, lua.LNumber(n))
	}
	return t
}

// setVersionConstants adds the version and log level constants to a redis
// table.
func setVersionConstants(t *lua.LTable) {
	t.RawSetString("REDIS_VERSION", lua.LString(RedisVersion))
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum()))
	for name, n := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3} {
		t.RawSetString(name, lua.LNumber(n))
	}
}

// redisVersionNum is REDIS_VERSION_NUM: 0x00MMmmpp.
func redisVersionNum() int {
	var major, minor, patch int
	fmt.Sscanf(RedisVersion, "%d.%d.%d", &major, &minor, &patch)
	return major<<16 | minor<<8 | patch
}

// raise raises a Redis error table, as Redis's luaPushError and luaError.
func raise(L *lua.LState, msg string) {
	L.Error(errorTable(L, msg), 1)
}

// errorTable is the table Redis represents an error with: {err = "CODE
// message"}. msg is "-CODE message", or a bare message that gets ERR.
func errorTable(L *lua.LState, msg string) *lua.LTable {
	code, text := "ERR", msg
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		if c, m, found := strings.Cut(rest, " "); found {
			code, text = c, m
		} else {
			text = rest
		}
	}
	t := L.NewTable()
	t.RawSetString("err", lua.LString(code+" "+strings.TrimRight(text, "\r\n")))
	return t
}

// call is redis.call (raiseErrors) and redis.pcall: the command goes
// through the lookup, arity and flag checks of client commands, with the
// errors Redis gives scripts, then runs in the script's transaction.
func (vm *luaVM) call(L *lua.LState, raiseErrors bool) int {
	r := vm.run
	if r == nil {
		raise(L, "redis.call/pcall can only be called inside a script invocation")
	}
	// counted: errorstats counted the error already (a refused command),
	// so the script's reply will not count it again. Redis counts the
	// errors of the call's arguments only if the script's reply is one.
	fail := func(msg string, counted bool) int {
		t := errorTable(L, msg)
		if counted {
			t.RawSetString("ignore_error_stats_update", lua.LTrue)
		}
		if raiseErrors {
			L.Error(t, 1)
		}
		L.Push(t)
		return 1
	}
	args, bad := commandArgs(L)
	if bad != "" {
		return fail(bad, false)
	}
	reply, reject := r.exec(args)
	if r.ldb != nil && r.ldb.step {
		r.ldb.logCall(args, reply, reject)
	}
	if reject != "" {
		stat := "ERR " + reject
		if withCode, ok := strings.CutPrefix(reject, "-"); ok {
			stat = withCode
		}
		r.x.s.stats.countError(stat)
		return fail(reject, true)
	}
	v := respToLua(L, reply)
	if raiseErrors && reply[0] == '-' {
		L.Error(v, 1)
	}
	L.Push(v)
	return 1
}

// commandArgs reads the command a script passes to redis.call, pcall or
// acl_check_cmd, or returns the error Redis gives for its arguments.
func commandArgs(L *lua.LState) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, "Please specify at least one argument for this redis lib call"
	}
	args := make([][]byte, n)
	for i := range args {
		switch v := L.Get(i + 1).(type) {
		case lua.LString:
			args[i] = []byte(v)
		case lua.LNumber:
			args[i] = []byte(lualib.FormatArgNumber(float64(v)))
		default:
			return nil, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return args, ""
}

// breakpoint is redis.breakpoint(): in a debugging session it stops the
// script at its next line.
func (vm *luaVM) breakpoint(L *lua.LState) int {
	if r := vm.run; r != nil && r.ldb != nil {
		r.ldb.luabp = true
		L.Push(lua.LTrue)
		return 1
	}
	L.Push(lua.LFalse)
	return 1
}

// debug is redis.debug(): in a debugging session it logs its arguments.
func (vm *luaVM) debug(L *lua.LState) int {
	if r := vm.run; r != nil && r.ldb != nil {
		r.ldb.debugLog(L)
	}
	return 0
}

func (vm *luaVM) log(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		raise(L, "redis.log() requires two arguments or more.")
	}
	level, ok := lualib.ToNumber(L.Get(1))
	if !ok {
		raise(L, "First argument must be a number (log level).")
	}
	if level < 0 || level > 3 {
		raise(L, "Invalid debug level.")
	}
	var parts []string
	for i := 2; i <= n; i++ {
		if s, ok := luaStringArg(L.Get(i)); ok {
			parts = append(parts, s)
		}
	}
	vm.e.s.log.Logf(int(level), "%s", strings.Join(parts, " "))
	return 0
}

func (vm *luaVM) setResp(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "redis.setresp() requires one argument.")
	}
	v, _ := lualib.ToNumber(L.Get(1))
	if v != 2 && v != 3 {
		raise(L, "RESP version must be 2 or 3.")
	}
	if vm.run != nil {
		vm.run.resp = int(v)
	}
	return 0
}

func (vm *luaVM) setRepl(L *lua.LState) int {
	if vm.run == nil {
		raise(L, "set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		raise(L, "redis.set_repl() requires two arguments.")
	}
	flags, _ := lualib.ToNumber(L.Get(1))
	if int(flags)&^3 != 0 {
		raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	return 0
}

// aclCheckCmd is redis.acl_check_cmd: whether the user of the client
// running the script may run the command with these arguments. As in
// Redis, the command is looked up without an arity check, and nothing is
// logged.
func (vm *luaVM) aclCheckCmd(L *lua.LState) int {
	r := vm.run
	if r == nil {
		raise(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	args, bad := commandArgs(L)
	if bad != "" {
		raise(L, bad)
	}
	cmd := vm.e.s.findCommand(args)
	if cmd == nil {
		raise(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	u := r.x.c.aclUser.Load()
	L.Push(lua.LBool(u == nil || u.get().check(cmd, args).denial == aclAllowed))
	return 1
}

func luaSHA1Hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "wrong number of arguments")
	}
	s, _ := luaStringArg(L.Get(1))
	L.Push(lua.LString(sha1Hex([]byte(s))))
	return 1
}

func luaErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errorTable(L, msg))
	return 1
}

func luaStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.NewTable()
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

// luaStringArg accepts what lua_isstring does: strings, and numbers in
// Lua's format.
func luaStringArg(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return lualib.FormatNumber(float64(v)), true
	}
	return "", false
}

// errorHandler is Redis's __redis__err__handler: it notes where the error
// happened (the Lua code that raised it, or that called the Go function
// that did) for the reply's "script: ..., on @user_script:1.".
func (vm *luaVM) errorHandler() *lua.LFunction {
	return vm.L.NewFunction(func(L *lua.LState) int {
		if r := vm.run; r != nil {
			for level := 1; level <= 2; level++ {
				dbg, ok := lualib.GetStack(L, level)
				if !ok {
					break
				}
				if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" {
					continue
				}
				r.errSource, r.errLine = vm.sb.Source(dbg.Source), dbg.CurrentLine
				break
			}
		}
		L.Push(L.Get(1))
		return 1
	})
}

// replyWriter returns the writer commands called by the script reply into,
// in the script's RESP version.
func (r *scriptRun) replyWriter() *resp.Writer {
	if r.w == nil {
		r.w = resp.NewWriter()
	}
	r.w.Reset()
	r.w.SetProto(r.resp)
	return r.w
}
