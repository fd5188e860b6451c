// Package lualib builds Lua states the way Redis 7.0 builds its scripting
// engines: Lua 5.1 (gopher-lua) with the base, table, string, math and
// coroutine libraries plus cjson, cmsgpack, bit and struct; C Lua's number
// formatting; Redis's math.random; and the sandbox — global variables and
// library tables are read-only, and reading an undefined global is an
// error, with Redis's error texts.
package lualib

import (
	"fmt"
	"math"
	"runtime/metrics"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Errors the sandbox raises, as Redis words them.
const (
	ErrReadonlyTable = "Attempt to modify a readonly table"
	errNoGlobal      = "Script attempted to access nonexistent global variable '%s'"
)

// Sandbox is one Lua state and the environment its scripts run in.
//
// gopher-lua has no read-only tables, so every protected table is an empty
// proxy whose metatable reads through to the real table and refuses
// writes; rawset, setmetatable, rawget, next and pairs know the proxies.
type Sandbox struct {
	L *lua.LState

	// Env is _G as scripts see it: reads go to the table in scope (the
	// globals, or a narrower one while a function library loads).
	Env     *lua.LTable
	globals *lua.LTable
	scope   *lua.LTable

	guarded map[*lua.LTable]*lua.LTable // proxy → the table it guards
	strMeta *lua.LTable                 // read-only view of the string metatable
	chunks  map[string]string           // loadstring chunk ids → their names
}

// New builds a sandbox. rnd is the server's math.random generator.
func New(rnd *Rand48) *Sandbox {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:     true,
		CallStackSize:    1000,
		RegistrySize:     1024,
		RegistryMaxSize:  1 << 22,
		RegistryGrowStep: 1024,
	})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	sb := &Sandbox{L: L, globals: L.NewTable(), guarded: make(map[*lua.LTable]*lua.LTable), chunks: make(map[string]string)}
	sb.scope = sb.globals
	sb.Env = L.NewTable()
	sb.protect(sb.Env, L.NewFunction(func(L *lua.LState) int {
		v := sb.scope.RawGet(L.Get(2))
		if v == lua.LNil {
			L.RaiseError(errNoGlobal, keyText(L.Get(2)))
		}
		L.Push(v)
		return 1
	}))
	sb.openBase(L.G.Global)
	sb.openLibraries(L.G.Global, rnd)
	return sb
}

// SetGlobal sets a global variable behind the read-only _G.
func (sb *Sandbox) SetGlobal(name string, v lua.LValue) { sb.globals.RawSetString(name, v) }

// ReadOnly returns a read-only view of t, to be published as a global.
func (sb *Sandbox) ReadOnly(t *lua.LTable) *lua.LTable {
	p := sb.L.NewTable()
	sb.protect(p, t)
	return p
}

// Strict is ReadOnly that also refuses to read a missing field, with the
// error of an undefined global (Redis's library API during FUNCTION LOAD).
func (sb *Sandbox) Strict(t *lua.LTable) *lua.LTable {
	p := sb.L.NewTable()
	sb.protect(p, sb.L.NewFunction(func(L *lua.LState) int {
		v := t.RawGet(L.Get(2))
		if v == lua.LNil {
			L.RaiseError(errNoGlobal, keyText(L.Get(2)))
		}
		L.Push(v)
		return 1
	}))
	sb.guarded[p] = t
	return p
}

// WithScope runs fn while global reads see only the fields of scope (Redis
// narrows them this way while a function library loads).
func (sb *Sandbox) WithScope(scope *lua.LTable, fn func()) {
	saved := sb.scope
	sb.scope = scope
	defer func() { sb.scope = saved }()
	fn()
}

// protect makes p a read-only proxy reading through index (a table or a
// function).
func (sb *Sandbox) protect(p *lua.LTable, index lua.LValue) {
	L := sb.L
	mt := L.NewTable()
	mt.RawSetString("__index", index)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(ErrReadonlyTable)
		return 0
	}))
	view := L.NewTable()
	vmt := L.NewTable()
	vmt.RawSetString("__index", mt)
	vmt.RawSetString("__newindex", mt.RawGetString("__newindex"))
	L.SetMetatable(view, vmt)
	mt.RawSetString("__metatable", view)
	L.SetMetatable(p, mt)
	if t, ok := index.(*lua.LTable); ok {
		sb.guarded[p] = t
	} else {
		sb.guarded[p] = nil // Env: resolved through scope
	}
	sb.guarded[view] = mt
}

// unguard returns the table a value stands for: the guarded table of a
// proxy, or the value itself.
func (sb *Sandbox) unguard(v lua.LValue) (lua.LValue, bool) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return v, false
	}
	real, isProxy := sb.guarded[t]
	if !isProxy {
		return v, false
	}
	if real == nil {
		return sb.scope, true
	}
	return real, true
}

func (sb *Sandbox) refuseProxy(L *lua.LState) {
	if _, isProxy := sb.unguard(L.Get(1)); isProxy {
		L.Error(lua.LString(ErrReadonlyTable), 0)
	}
}

// guardFirst wraps a function that modifies its first argument so that it
// refuses read-only tables.
func (sb *Sandbox) guardFirst(fn lua.LValue) *lua.LFunction {
	return sb.L.NewFunction(func(L *lua.LState) int {
		sb.refuseProxy(L)
		L.Insert(fn, 1)
		L.Call(L.GetTop()-1, lua.MultRet)
		return L.GetTop()
	})
}

// openBase publishes the base functions Redis keeps, with the overrides the
// sandbox needs.
func (sb *Sandbox) openBase(base *lua.LTable) {
	L := sb.L
	for _, name := range []string{"ipairs", "rawequal", "select", "type", "xpcall"} {
		sb.SetGlobal(name, base.RawGetString(name))
	}
	sb.SetGlobal("unpack", L.NewFunction(luaUnpack))
	sb.SetGlobal("_VERSION", lua.LString("Lua 5.1"))
	sb.SetGlobal("_G", sb.Env)
	sb.SetGlobal("assert", L.NewFunction(luaAssert))
	sb.SetGlobal("error", L.NewFunction(luaError))
	sb.SetGlobal("pcall", L.NewFunction(luaPCall))
	sb.SetGlobal("tonumber", L.NewFunction(luaToNumber))
	sb.SetGlobal("loadstring", L.NewFunction(func(L *lua.LState) int {
		code := checkString(L, 1)
		return sb.load(L, code, optString(L, 2, code))
	}))
	sb.SetGlobal("load", L.NewFunction(func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		var code strings.Builder
		for {
			L.Push(fn)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			s, ok := piece.(lua.LString)
			if piece == lua.LNil || (ok && s == "") {
				break
			}
			if !ok {
				L.RaiseError("reader function must return a string")
			}
			code.WriteString(string(s))
		}
		return sb.load(L, code.String(), optString(L, 2, "=(load)"))
	}))
	sb.SetGlobal("tostring", L.NewClosure(luaToString, base.RawGetString("tostring")))
	next := L.NewFunction(func(L *lua.LState) int {
		t, _ := sb.unguard(L.CheckTable(1))
		k, v := t.(*lua.LTable).Next(L.Get(2))
		if k == lua.LNil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(k)
		L.Push(v)
		return 2
	})
	sb.SetGlobal("next", next)
	sb.SetGlobal("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	sb.SetGlobal("rawget", L.NewFunction(func(L *lua.LState) int {
		t, _ := sb.unguard(L.CheckTable(1))
		L.Push(t.(*lua.LTable).RawGet(L.CheckAny(2)))
		return 1
	}))
	sb.SetGlobal("rawset", sb.guardFirst(base.RawGetString("rawset")))
	sb.SetGlobal("setmetatable", sb.guardFirst(base.RawGetString("setmetatable")))
	sb.SetGlobal("getmetatable", L.NewFunction(func(L *lua.LState) int {
		v := L.CheckAny(1)
		if _, ok := v.(lua.LString); ok {
			L.Push(sb.strMeta)
			return 1
		}
		L.Push(L.GetMetatable(v))
		return 1
	}))
	sb.SetGlobal("collectgarbage", L.NewFunction(collectGarbage))
	sb.SetGlobal("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(int64(heapKB())))
		return 1
	}))
}

// load compiles a chunk for loadstring and load: it runs in the sandbox,
// and errors name it as Lua does.
func (sb *Sandbox) load(L *lua.LState, code, name string) int {
	id := chunkID(name)
	proto, err := Compile(code, id)
	if err != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(err))
		return 2
	}
	sb.chunks[id] = name
	fn := L.NewFunctionFromProto(proto)
	fn.Env = sb.Env
	L.Push(fn)
	return 1
}

// Source is a chunk's name as Redis reports where an error happened:
// "@user_script" for a script compiled as "user_script", the name given
// to loadstring for a chunk it compiled.
func (sb *Sandbox) Source(id string) string {
	if name, ok := sb.chunks[id]; ok {
		return name
	}
	return "@" + id
}

// luaToNumber is Lua 5.1's tonumber: hexadecimal and surrounding spaces
// allowed, and any base from 2 to 36.
func luaToNumber(L *lua.LState) int {
	base := optInt(L, 2, 10)
	if base == 10 {
		f, ok := ToNumber(L.CheckAny(1))
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(f))
		return 1
	}
	s := checkString(L, 1)
	if base < 2 || base > 36 {
		argError(L, 2, "base out of range")
	}
	n, err := strconv.ParseUint(strings.ToLower(strings.TrimSpace(s)), base, 64)
	if err != nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(n))
	return 1
}

// luaMaxStack is Lua 5.1's LUAI_MAXCSTACK: a C function (unpack) may
// not grow the stack past it.
const luaMaxStack = 8000

// luaUnpack is Lua 5.1's unpack, with its limit: more than luaMaxStack
// results is an error. Without it a script asking for a hundred million
// values fills a stack in one call that SCRIPT KILL cannot interrupt.
func luaUnpack(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		typeError(L, 1, "table")
	}
	i := optInt(L, 2, 1)
	e := optInt(L, 3, t.Len())
	if i > e {
		return 0
	}
	n := int64(e) - int64(i) + 1
	if n <= 0 || n+int64(L.GetTop()) > luaMaxStack {
		raise(L, "too many results to unpack")
	}
	for k := i; ; k++ {
		L.Push(t.RawGetInt(k))
		if k == e {
			break
		}
	}
	return int(n)
}

// luaError is Lua 5.1's error: a string or number message gets the
// position of the code level levels up, unless that is a Go function.
func luaError(L *lua.LState) int {
	msg := L.Get(1)
	level := optInt(L, 2, 1)
	switch msg.(type) {
	case lua.LString, lua.LNumber:
		if level > 0 {
			msg = lua.LString(where(L, level) + luaText(msg))
		}
	}
	L.Error(msg, 0)
	return 0
}

// luaAssert is Lua 5.1's assert: the message may be a number, written as
// Lua writes numbers, and has no position under pcall, as luaL_error's.
func luaAssert(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, "value expected")
	}
	if !lua.LVAsBool(L.Get(1)) {
		raise(L, optString(L, 2, "assertion failed!"))
	}
	return L.GetTop()
}

// luaPCall is Redis's pcall: an error table with an err field is caught
// as that string.
func luaPCall(L *lua.LState) int {
	L.CheckAny(1)
	err := L.PCall(L.GetTop()-1, lua.MultRet, nil)
	if err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		if t, ok := obj.(*lua.LTable); ok {
			switch e := t.RawGetString("err").(type) {
			case lua.LString, lua.LNumber:
				obj = e
			}
		}
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// where is luaL_where: "chunk:line: " of the function level levels up the
// stack, empty for a Go function.
func where(L *lua.LState, level int) string {
	dbg, ok := GetStack(L, level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", dbg.Source, dbg.CurrentLine)
}

// luaText is lua_tostring of a string or number.
func luaText(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return FormatNumber(float64(n))
	}
	return v.String()
}

// openLibraries publishes the libraries, each read-only.
func (sb *Sandbox) openLibraries(base *lua.LTable, rnd *Rand48) {
	L := sb.L
	// gopher-lua uses the string library as the strings' metatable; Lua
	// has a metatable of its own whose __index is the library.
	str := base.RawGetString("string").(*lua.LTable)
	str.RawSetString("format", L.NewFunction(strFormat))
	str.RawSetString("rep", L.NewFunction(strRep))
	str.RawSetString("char", L.NewFunction(strChar))
	str.RawSetString("upper", L.NewFunction(func(L *lua.LState) int { return strCase(L, 'a', 'z', 'A'-'a') }))
	str.RawSetString("lower", L.NewFunction(func(L *lua.LState) int { return strCase(L, 'A', 'Z', 'a'-'A') }))
	for name, args := range map[string][]int{
		"byte": {1}, "find": {1, 2}, "gmatch": {1, 2}, "gsub": {1, 2, 3}, "len": {1}, "match": {1, 2}, "reverse": {1}, "sub": {1},
	} {
		str.RawSetString(name, numbersAsStrings(L, str.RawGetString(name).(*lua.LFunction), args))
	}
	str.RawSetString("gfind", str.RawGetString("gmatch"))
	str.RawSetString("__index", lua.LNil)
	strProxy := sb.ReadOnly(str)
	strMeta := L.NewTable()
	strMeta.RawSetString("__index", strProxy)
	L.SetMetatable(lua.LString(""), strMeta)
	sb.strMeta = sb.ReadOnly(strMeta)

	tab := base.RawGetString("table").(*lua.LTable)
	tab.RawSetString("concat", L.NewFunction(tabConcat))
	for _, name := range []string{"insert", "remove", "sort"} {
		tab.RawSetString(name, sb.guardFirst(tab.RawGetString(name)))
	}
	openTableCompat(L, tab)

	mathLib := base.RawGetString("math").(*lua.LTable)
	mathLib.RawSetString("huge", lua.LNumber(math.Inf(1))) // gopher-lua's is the largest finite number
	openRandom(L, mathLib, rnd)

	sb.SetGlobal("string", strProxy)
	for name, lib := range map[string]*lua.LTable{
		"table":     tab,
		"math":      mathLib,
		"coroutine": base.RawGetString("coroutine").(*lua.LTable),
		"bit":       openBit(L),
		"struct":    openStruct(L),
		"cjson":     openCJSON(L),
		"cmsgpack":  openCMsgpack(L),
	} {
		sb.SetGlobal(name, sb.ReadOnly(lib))
	}
}

// numbersAsStrings wraps one of gopher-lua's string functions so that a
// number given as one of its string arguments (positions args; in Lua,
// gsub's replacement may be a number too) arrives written as Lua writes
// numbers. The function runs in the wrapper's frame, with its upvalues, so
// its errors name it as before.
func numbersAsStrings(L *lua.LState, fn *lua.LFunction, args []int) *lua.LFunction {
	wrapper := L.NewFunction(func(L *lua.LState) int {
		for _, n := range args {
			if v, ok := L.Get(n).(lua.LNumber); ok {
				L.Replace(n, lua.LString(FormatNumber(float64(v))))
			}
		}
		return fn.GFunction(L)
	})
	wrapper.Upvalues = fn.Upvalues
	return wrapper
}

// strCase is string.upper or string.lower as C Lua's are in the C locale:
// only ASCII letters change, other bytes (UTF-8 or not) stay as they are.
func strCase(L *lua.LState, from, to byte, shift int) int {
	b := []byte(checkString(L, 1))
	for i, c := range b {
		if c >= from && c <= to {
			b[i] = byte(int(c) + shift)
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// openTableCompat adds Lua 5.1's deprecated table functions that Redis
// still has: foreach, foreachi and setn.
func openTableCompat(L *lua.LState, tab *lua.LTable) {
	tab.RawSetString("foreach", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		fn := L.CheckFunction(2)
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			L.Push(fn)
			L.Push(k)
			L.Push(v)
			L.Call(2, 1)
			if r := L.Get(-1); r != lua.LNil {
				return 1
			}
			L.Pop(1)
		}
		return 0
	}))
	tab.RawSetString("foreachi", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		fn := L.CheckFunction(2)
		for i := 1; i <= t.Len(); i++ {
			L.Push(fn)
			L.Push(lua.LNumber(i))
			L.Push(t.RawGetInt(i))
			L.Call(2, 1)
			if r := L.Get(-1); r != lua.LNil {
				return 1
			}
			L.Pop(1)
		}
		return 0
	}))
	tab.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
}

// collectGarbage is Lua 5.1's collectgarbage over Go's collector, which
// runs by itself: "count" reports the heap, the other options do nothing.
func collectGarbage(L *lua.LState) int {
	opt := L.OptString(1, "collect")
	switch opt {
	case "count":
		L.Push(lua.LNumber(heapKB()))
	case "step":
		L.Push(lua.LFalse)
	case "collect", "stop", "restart", "setpause", "setstepmul":
		L.Push(lua.LNumber(0))
	default:
		argError(L, 1, "invalid option '"+opt+"'")
	}
	return 1
}

// heapKB is the Go heap in use, in kilobytes.
func heapKB() float64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64()) / 1024
}

// keyText is lua_tostring of a table key, for error messages.
func keyText(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return FormatNumber(float64(n))
	}
	return v.String()
}
