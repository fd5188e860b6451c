package engine

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cairndb/cairn/engine/lualib"
	lua "github.com/yuin/gopher-lua"
)

// Lua scripting (EVAL and SCRIPT) and functions (FUNCTION, FCALL) share
// this machinery. A script runs like EXEC: under the exclusive world lock,
// every command it calls sharing the caller's storage transaction, so it
// is atomic, isolated, and all or nothing on disk. scripting_vm.go builds
// the Lua states and the redis.* API, scripting_run.go runs a script and
// turns its outcome into a reply, scripting_convert.go converts between
// Lua values and RESP, scripting_busy.go handles long scripts (BUSY,
// SCRIPT KILL, SHUTDOWN NOSAVE); functions*.go add libraries. The Lua
// libraries and the sandbox are in package lualib.

func init() {
	register(
		cmdDef{name: "eval", run: func(x *Ctx) { cmdEval(x, false, false) }, lock: lockAll},
		cmdDef{name: "evalsha", run: func(x *Ctx) { cmdEval(x, true, false) }, lock: lockAll},
		cmdDef{name: "eval_ro", run: func(x *Ctx) { cmdEval(x, false, true) }, lock: lockAll},
		cmdDef{name: "evalsha_ro", run: func(x *Ctx) { cmdEval(x, true, true) }, lock: lockAll},
		cmdDef{name: "script|load", run: cmdScriptLoad},
		cmdDef{name: "script|exists", run: cmdScriptExists},
		cmdDef{name: "script|flush", run: cmdScriptFlush, lock: lockAll},
		cmdDef{name: "script|kill", run: func(x *Ctx) { x.s.scripts.kill(x, true) }},
		cmdDef{name: "script|help", run: func(x *Ctx) { x.helpReply("script") }},
		cmdDef{name: "script|debug", run: cmdScriptDebug},
	)
}

// scriptEngine is a server's scripting state.
type scriptEngine struct {
	s    *Server
	rand *lualib.Rand48 // math.random, shared by EVAL and functions as in Redis

	mu    sync.Mutex
	cache map[string]*evalScript // EVAL scripts by SHA1: not persisted, as in Redis
	eval  *luaVM                 // made on first use; used under the world lock

	functions *functionRegistry

	running atomic.Pointer[scriptRun] // the script running now, if any
}

// newScriptEngine sets scripting up and loads the stored function
// libraries.
func newScriptEngine(s *Server) *scriptEngine {
	e := &scriptEngine{s: s, rand: lualib.NewRand48(), cache: make(map[string]*evalScript)}
	e.functions = newFunctionRegistry(e)
	return e
}

// evalScript is a compiled EVAL script.
type evalScript struct {
	sha   string
	proto *lua.FunctionProto
	flags scriptFlags
}

// scriptFlags are the flags a script declares in its shebang, or a
// function in register_function.
type scriptFlags uint8

const (
	flagNoWrites scriptFlags = 1 << iota
	flagAllowOOM
	flagAllowStale
	flagNoCluster
	flagAllowCrossSlot
	flagEvalCompat // an EVAL script without a shebang: Redis 6 rules
)

// scriptFlagNames lists the flags in the order Redis reports them.
var scriptFlagNames = []struct {
	flag scriptFlags
	name string
}{
	{flagNoWrites, "no-writes"},
	{flagAllowOOM, "allow-oom"},
	{flagAllowStale, "allow-stale"},
	{flagNoCluster, "no-cluster"},
	{flagAllowCrossSlot, "allow-cross-slot-keys"},
}

func scriptFlagByName(name string) (scriptFlags, bool) {
	for _, f := range scriptFlagNames {
		if f.name == name {
			return f.flag, true
		}
	}
	return 0, false
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// compile returns the cached script for body, compiling and caching it
// first if needed; a non-empty string is the error to reply.
func (e *scriptEngine) compile(body []byte) (*evalScript, string) {
	sha := sha1Hex(body)
	e.mu.Lock()
	sc := e.cache[sha]
	e.mu.Unlock()
	if sc != nil {
		return sc, ""
	}
	flags, code, reject := parseEvalShebang(string(body))
	if reject != "" {
		return nil, reject
	}
	proto, err := lualib.Compile(code, "user_script")
	if err != "" {
		return nil, "ERR Error compiling script (new function): " + err
	}
	sc = &evalScript{sha: sha, proto: proto, flags: flags}
	e.mu.Lock()
	e.cache[sha] = sc
	e.mu.Unlock()
	return sc, ""
}

func (e *scriptEngine) lookup(sha string) *evalScript {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cache[strings.ToLower(sha)]
}

// parseEvalShebang reads an EVAL script's optional "#!lua flags=..." first
// line. The code keeps the line's newline, so line numbers stay the same.
func parseEvalShebang(body string) (scriptFlags, string, string) {
	if !strings.HasPrefix(body, "#!") {
		return flagEvalCompat, body, ""
	}
	end := strings.IndexByte(body, '\n')
	if end < 0 {
		return 0, "", "ERR Invalid script shebang"
	}
	parts := strings.Split(body[:end], " ")
	if parts[0] != "#!lua" {
		return 0, "", "ERR Unexpected engine in script shebang: " + parts[0]
	}
	var flags scriptFlags
	for _, part := range parts[1:] {
		list, ok := strings.CutPrefix(part, "flags=")
		if !ok {
			return 0, "", "ERR Unknown lua shebang option: " + part
		}
		for _, name := range strings.Split(list, ",") {
			if name == "" {
				continue
			}
			f, ok := scriptFlagByName(name)
			if !ok {
				return 0, "", "ERR Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, body[end:], ""
}

// parseNumKeys reads the numkeys argument of EVAL or FCALL (index 2);
// notInt is the error for one that is not an integer.
func parseNumKeys(x *Ctx, notInt string) (int, bool) {
	n, ok := parseInt(x.args[2])
	switch {
	case !ok:
		x.fail(notInt)
	case n > int64(len(x.args)-3):
		x.fail("ERR Number of keys can't be greater than number of args")
	case n < 0:
		x.fail("ERR Number of keys can't be negative")
	default:
		return int(n), true
	}
	return 0, false
}

func cmdEval(x *Ctx, bySHA, readOnly bool) {
	// As in Redis, the script is shown to MONITOR before the commands it
	// runs (EVAL is skip_monitor, so the dispatcher does not show it).
	x.s.showMonitors(x, x.c.monitorSource())
	var d *ldbSession // SCRIPT DEBUG: the EVAL is a debugging session
	if x.c.debugScripts != ldbOff {
		switch {
		case bySHA && len(x.args[1]) != 40:
			x.fail("NOSCRIPT No matching script. Please use EVAL.")
			return
		case bySHA:
			x.fail("ERR Please use EVAL instead of EVALSHA for debugging")
			return
		}
		d = newLdbSession(x)
		defer d.end(x)
	}
	numKeys, ok := parseNumKeys(x, errNotInt)
	if !ok {
		return
	}
	e := x.s.scripts
	var sc *evalScript
	if bySHA {
		if sc = e.lookup(string(x.args[1])); sc == nil {
			x.fail("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
	} else {
		var reject string
		if sc, reject = e.compile(x.args[1]); reject != "" {
			x.fail(reject)
			return
		}
	}
	if !sc.flags.allowsRun(x, readOnly) {
		return
	}
	proto := sc.proto
	vm := e.evalVM()
	if d != nil {
		if proto = d.compile(x, vm); proto == nil {
			return
		}
		defer vm.sb.SetGlobal(ldbHook, lua.LNil)
	}
	fn := vm.L.NewFunctionFromProto(proto)
	fn.Env = vm.sb.Env
	vm.sb.SetGlobal("KEYS", stringsTable(vm.L, x.args[3:3+numKeys]))
	vm.sb.SetGlobal("ARGV", stringsTable(vm.L, x.args[3+numKeys:]))
	r := &scriptRun{x: x, name: sc.sha, isEval: true, readOnly: readOnly || sc.flags&flagNoWrites != 0, ldb: d}
	e.run(r, vm, fn)
	if d != nil {
		d.rollback(x)
	}
}

// allowsRun checks, before a script starts, that its flags let it run as
// called: a script that may write cannot run from EVAL_RO or FCALL_RO.
func (f scriptFlags) allowsRun(x *Ctx, readOnly bool) bool {
	if f&flagEvalCompat == 0 && f&flagNoWrites == 0 && readOnly {
		x.fail("ERR Can not execute a script with write flag using *_ro command.")
		return false
	}
	return true
}

func stringsTable(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, lua.LString(b))
	}
	return t
}

func cmdScriptLoad(x *Ctx) {
	sc, reject := x.s.scripts.compile(x.args[2])
	if reject != "" {
		x.fail(reject)
		return
	}
	x.w.BulkString(sc.sha)
}

func cmdScriptExists(x *Ctx) {
	x.w.Array(len(x.args) - 2)
	for _, sha := range x.args[2:] {
		if x.s.scripts.lookup(string(sha)) != nil {
			x.w.Int(1)
		} else {
			x.w.Int(0)
		}
	}
}

// cmdScriptFlush empties the script cache and starts a fresh Lua state.
// It holds the exclusive lock, so no script is running.
func cmdScriptFlush(x *Ctx) {
	if len(x.args) > 3 || (len(x.args) == 3 && !eq(x.args[2], "async") && !eq(x.args[2], "sync")) {
		x.fail("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	e := x.s.scripts
	e.mu.Lock()
	e.cache = make(map[string]*evalScript)
	e.eval = nil
	e.mu.Unlock()
	x.w.OK()
}
