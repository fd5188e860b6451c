package engine

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairndb/cairn/engine/lualib"
	"github.com/cairndb/cairn/resp"
	lua "github.com/yuin/gopher-lua"
)

// functionRegistry holds the function libraries. Their code is stored (so
// they survive restarts, as Redis keeps them in RDB and AOF); their
// functions are compiled in the functions Lua state. Changes happen under
// the exclusive world lock and mu; FUNCTION LIST, STATS and DUMP read
// under mu alone.
type functionRegistry struct {
	e         *scriptEngine
	mu        sync.RWMutex
	libraries map[string]*functionLibrary
	functions map[string]*luaFunction // by lower-case name
	vm        *luaVM
	loadScope *lua.LTable      // what library code sees while it loads
	loading   *functionLibrary // the library registering its functions
}

type functionLibrary struct {
	name      string
	code      string
	functions map[string]*luaFunction
}

type luaFunction struct {
	name    string
	desc    string
	hasDesc bool
	flags   scriptFlags
	fn      *lua.LFunction
	lib     *functionLibrary
}

// libraryLoadTimeout bounds the time a library's code may take to
// register its functions, as in Redis.
const libraryLoadTimeout = 500 * time.Millisecond

func newFunctionRegistry(e *scriptEngine) *functionRegistry {
	fr := &functionRegistry{e: e}
	fr.loadStored()
	return fr
}

// loadStored replaces the registry's libraries with the stored ones,
// compiled (at start-up, and after a replica's full sync replaced them).
// A library that fails is logged and left out.
func (fr *functionRegistry) loadStored() {
	e := fr.e
	fr.clear()
	stored, err := e.s.store.FunctionLibraries()
	if err != nil {
		e.s.log.Warningf("Failed loading the function libraries: %v", err)
		return
	}
	names := make([]string, 0, len(stored))
	for name := range stored {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lib, reject := fr.create(stored[name], nil)
		if reject == "" {
			reject = fr.link([]*functionLibrary{lib}, false, "Library %s already exists")
		}
		if reject != "" {
			e.s.log.Warningf("Failed loading the function library '%s': %s", name, reject)
		}
	}
}

// functionVM returns the functions' Lua state, creating it on first use.
func (fr *functionRegistry) functionVM() *luaVM {
	if fr.vm != nil {
		return fr.vm
	}
	vm := newLuaVM(fr.e)
	vm.sb.SetGlobal("redis", vm.sb.ReadOnly(vm.redisAPI()))
	api := vm.L.NewTable()
	api.RawSetString("register_function", vm.L.NewFunction(fr.registerFunction))
	api.RawSetString("log", vm.L.NewFunction(vm.log))
	setVersionConstants(api)
	fr.loadScope = vm.L.NewTable()
	fr.loadScope.RawSetString("redis", vm.sb.Strict(api))
	fr.vm = vm
	return vm
}

// parseLibraryHeader reads a library's "#!<engine> name=<name>" line;
// the code keeps the line's newline so line numbers stay the same.
func parseLibraryHeader(code string) (engine, name, body, reject string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "", "ERR Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "", "ERR Invalid library metadata"
	}
	parts, ok := resp.SplitArgs([]byte(code[:end]))
	if !ok || len(parts) == 0 {
		return "", "", "", "ERR Invalid library metadata"
	}
	engine = string(parts[0][2:])
	hasName := false
	for _, p := range parts[1:] {
		if len(p) < 5 || !strings.EqualFold(string(p[:5]), "name=") {
			return "", "", "", "ERR Invalid metadata value given: " + string(p)
		}
		if hasName {
			return "", "", "", "ERR Invalid metadata value, name argument was given multiple times"
		}
		name, hasName = string(p[5:]), true
	}
	if !hasName {
		return "", "", "", "ERR Library name was not given"
	}
	return engine, name, code[end:], ""
}

// errLibraryName is Redis's error for a bad library or function name.
const errLibraryName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// validName checks a library or function name: letters, digits and
// underscores, at least one.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// create compiles a library and runs its code so it registers its
// functions. existing, when not nil, holds the libraries a new one may not
// share a name with (FUNCTION LOAD without REPLACE). The library is not
// linked yet.
func (fr *functionRegistry) create(code string, existing map[string]*functionLibrary) (*functionLibrary, string) {
	engine, name, body, reject := parseLibraryHeader(code)
	switch {
	case reject != "":
		return nil, reject
	case !validName(name):
		return nil, "ERR " + errLibraryName
	case !strings.EqualFold(engine, "lua"):
		return nil, "ERR Engine '" + engine + "' not found"
	case existing[name] != nil:
		return nil, "ERR Library '" + name + "' already exists"
	}
	proto, err := lualib.Compile(body, "user_function")
	if err != "" {
		return nil, "ERR Error compiling function: " + err
	}
	vm := fr.functionVM()
	lib := &functionLibrary{name: name, code: code, functions: make(map[string]*luaFunction)}
	fn := vm.L.NewFunctionFromProto(proto)
	fn.Env = vm.sb.Env
	ctx, cancel := context.WithTimeout(context.Background(), libraryLoadTimeout)
	defer cancel()
	vm.L.SetContext(ctx)
	fr.loading = lib
	var callErr error
	vm.sb.WithScope(fr.loadScope, func() {
		vm.L.Push(fn)
		callErr = vm.L.PCall(0, 0, nil)
	})
	fr.loading = nil
	vm.L.RemoveContext()
	if callErr != nil {
		msg := "ERR " + callErr.Error()
		var ae *lua.ApiError
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			msg = "ERR FUNCTION LOAD timeout"
		case errors.As(callErr, &ae):
			if t, ok := ae.Object.(*lua.LTable); ok {
				msg = luaString(t.RawGetString("err"))
			} else {
				msg = "ERR " + luaString(ae.Object)
			}
		}
		return nil, "ERR Error registering functions: " + msg
	}
	if len(lib.functions) == 0 {
		return nil, "ERR No functions registered"
	}
	return lib, ""
}

// registerFunction is redis.register_function, available while a
// library loads: (name, callback) or a table of named arguments.
func (fr *functionRegistry) registerFunction(L *lua.LState) int {
	lib := fr.loading
	if lib == nil {
		raise(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	f := &luaFunction{lib: lib}
	switch L.GetTop() {
	case 1:
		readNamedFunctionArgs(L, f)
	case 2:
		name, ok := luaStringArg(L.Get(1))
		if !ok {
			raise(L, "first argument to redis.register_function must be a string")
		}
		fn, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			raise(L, "second argument to redis.register_function must be a function")
		}
		f.name, f.fn = name, fn
	default:
		raise(L, "wrong number of arguments to redis.register_function")
	}
	switch {
	case !validName(f.name):
		raise(L, errLibraryName) // sic: Redis words a bad function name so
	case lib.functions[f.name] != nil:
		raise(L, "Function already exists in the library")
	}
	lib.functions[f.name] = f
	return 0
}

// readNamedFunctionArgs reads register_function's table form.
func readNamedFunctionArgs(L *lua.LState, f *luaFunction) {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		raise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
	}
	var problem string
	t.ForEach(func(k, v lua.LValue) {
		if problem != "" {
			return
		}
		key, ok := luaStringArg(k)
		if !ok {
			problem = "named argument key given to redis.register_function is not a string"
			return
		}
		switch strings.ToLower(key) {
		case "function_name":
			if f.name, ok = luaStringArg(v); !ok {
				problem = "function_name argument given to redis.register_function must be a string"
			}
		case "description":
			if f.desc, ok = luaStringArg(v); !ok {
				problem = "description argument given to redis.register_function must be a string"
			}
			f.hasDesc = true
		case "callback":
			if f.fn, ok = v.(*lua.LFunction); !ok {
				problem = "callback argument given to redis.register_function must be a function"
			}
		case "flags":
			flags, isTable := v.(*lua.LTable)
			if !isTable {
				problem = "flags argument to redis.register_function must be a table representing function flags"
				return
			}
			for i := 1; flags.RawGetInt(i) != lua.LNil; i++ {
				name, _ := flags.RawGetInt(i).(lua.LString)
				flag, known := scriptFlagByName(string(name))
				if !known {
					problem = "unknown flag given"
					return
				}
				f.flags |= flag
			}
		default:
			problem = "unknown argument given to redis.register_function"
		}
	})
	switch {
	case problem != "":
		raise(L, problem)
	case f.name == "":
		raise(L, "redis.register_function must get a function name argument")
	case f.fn == nil:
		raise(L, "redis.register_function must get a callback argument")
	}
}

// link adds libs to the registry. With replace, libraries of the same
// names are replaced; without, they are an error (exists is its format).
// A function name already used by another library is an error. On error
// nothing changes.
func (fr *functionRegistry) link(libs []*functionLibrary, replace bool, exists string) string {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	replaced := make(map[string]bool)
	for _, lib := range libs {
		if fr.libraries[lib.name] != nil {
			if !replace {
				return "ERR " + strings.Replace(exists, "%s", lib.name, 1)
			}
			replaced[lib.name] = true
		}
	}
	added := make(map[string]string) // function key → library
	for _, lib := range libs {
		for name := range lib.functions {
			key := strings.ToLower(name)
			old := fr.functions[key]
			if (old != nil && !replaced[old.lib.name]) || (added[key] != "" && added[key] != lib.name) {
				return "ERR Function " + name + " already exists"
			}
			added[key] = lib.name
		}
	}
	for name := range replaced {
		fr.unlinkLocked(name)
	}
	for _, lib := range libs {
		fr.libraries[lib.name] = lib
		for name, f := range lib.functions {
			fr.functions[strings.ToLower(name)] = f
		}
	}
	return ""
}

func (fr *functionRegistry) unlinkLocked(name string) {
	lib := fr.libraries[name]
	for fname := range lib.functions {
		delete(fr.functions, strings.ToLower(fname))
	}
	delete(fr.libraries, name)
}

// codes returns every library's code by name, for the store.
func (fr *functionRegistry) codes() map[string]string {
	fr.mu.RLock()
	defer fr.mu.RUnlock()
	out := make(map[string]string, len(fr.libraries))
	for name, lib := range fr.libraries {
		out[name] = lib.code
	}
	return out
}

// sortedLibraries lists the libraries by name.
func (fr *functionRegistry) sortedLibraries() []*functionLibrary {
	fr.mu.RLock()
	defer fr.mu.RUnlock()
	libs := make([]*functionLibrary, 0, len(fr.libraries))
	for _, lib := range fr.libraries {
		libs = append(libs, lib)
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	return libs
}

// function finds a function by name, in any case (as Redis does; a
// library's own names are case sensitive).
func (fr *functionRegistry) function(name string) *luaFunction {
	fr.mu.RLock()
	defer fr.mu.RUnlock()
	return fr.functions[strings.ToLower(name)]
}
