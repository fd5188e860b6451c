package engine

import (
	"maps"
	"slices"
	"time"

	"github.com/cairndb/cairn/glob"
)

// Redis 7 functions: FCALL and FUNCTION. Libraries live in
// functions_lib.go, their DUMP format in functions_dump.go.

func init() {
	register(
		cmdDef{name: "fcall", run: func(x *Ctx) { cmdFCall(x, false) }, lock: lockAll},
		cmdDef{name: "fcall_ro", run: func(x *Ctx) { cmdFCall(x, true) }, lock: lockAll},
		cmdDef{name: "function|load", run: cmdFunctionLoad, lock: lockAll},
		cmdDef{name: "function|delete", run: cmdFunctionDelete, lock: lockAll},
		cmdDef{name: "function|flush", run: cmdFunctionFlush, lock: lockAll},
		cmdDef{name: "function|restore", run: cmdFunctionRestore, lock: lockAll},
		cmdDef{name: "function|list", run: cmdFunctionList},
		cmdDef{name: "function|dump", run: cmdFunctionDump},
		cmdDef{name: "function|stats", run: cmdFunctionStats},
		cmdDef{name: "function|kill", run: func(x *Ctx) { x.s.scripts.kill(x, false) }},
		cmdDef{name: "function|help", run: func(x *Ctx) { x.helpReply("function") }},
	)
}

func cmdFCall(x *Ctx, readOnly bool) {
	// As in Redis, the call is shown to MONITOR before the commands the
	// function runs, even when it fails (FCALL is skip_monitor, so the
	// dispatcher does not show it).
	x.s.showMonitors(x, x.c.monitorSource())
	fr := x.s.scripts.functions
	f := fr.function(string(x.args[1]))
	if f == nil {
		x.fail("ERR Function not found")
		return
	}
	numKeys, ok := parseNumKeys(x, "ERR Bad number of keys provided")
	if !ok || !f.flags.allowsRun(x, readOnly) {
		return
	}
	vm := fr.functionVM()
	keys := stringsTable(vm.L, x.args[3:3+numKeys])
	argv := stringsTable(vm.L, x.args[3+numKeys:])
	r := &scriptRun{x: x, name: f.name, readOnly: readOnly || f.flags&flagNoWrites != 0}
	x.s.scripts.run(r, vm, f.fn, keys, argv)
}

func cmdFunctionLoad(x *Ctx) {
	replace := false
	for _, opt := range x.args[2 : len(x.args)-1] {
		if !eq(opt, "replace") {
			x.failf("ERR Unknown option given: %s", opt)
			return
		}
		replace = true
	}
	code := x.args[len(x.args)-1]
	fr := x.s.scripts.functions
	var existing map[string]*functionLibrary
	if !replace {
		existing = fr.libraries
	}
	lib, reject := fr.create(string(code), existing)
	if reject == "" {
		reject = fr.change(x, func() string { return fr.link([]*functionLibrary{lib}, replace, "Library '%s' already exists") })
	}
	if reject != "" {
		x.fail(reject)
		return
	}
	x.w.BulkString(lib.name)
}

func cmdFunctionDelete(x *Ctx) {
	fr := x.s.scripts.functions
	name := string(x.args[2])
	reject := fr.change(x, func() string {
		fr.mu.Lock()
		defer fr.mu.Unlock()
		if fr.libraries[name] == nil {
			return "ERR Library not found"
		}
		fr.unlinkLocked(name)
		return ""
	})
	if reject != "" {
		x.fail(reject)
		return
	}
	x.w.OK()
}

func cmdFunctionFlush(x *Ctx) {
	if len(x.args) > 3 {
		x.subcommandSyntaxError()
		return
	}
	if len(x.args) == 3 && !eq(x.args[2], "async") && !eq(x.args[2], "sync") {
		x.fail("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	fr := x.s.scripts.functions
	fr.change(x, func() string {
		fr.clear()
		return ""
	})
	x.w.OK()
}

// change applies a change to the libraries and stores the result; if the
// store fails, the libraries are put back and the command fails.
func (fr *functionRegistry) change(x *Ctx, apply func() string) string {
	fr.mu.Lock()
	savedLibs, savedFuncs := maps.Clone(fr.libraries), maps.Clone(fr.functions)
	fr.mu.Unlock()
	if reject := apply(); reject != "" {
		return reject
	}
	if err := fr.e.s.store.SetFunctionLibraries(fr.codes()); err != nil {
		fr.mu.Lock()
		fr.libraries, fr.functions = savedLibs, savedFuncs
		fr.mu.Unlock()
		return "ERR " + err.Error()
	}
	x.s.stats.dirty.Add(1)
	return ""
}

func (fr *functionRegistry) clear() {
	fr.mu.Lock()
	fr.libraries = make(map[string]*functionLibrary)
	fr.functions = make(map[string]*luaFunction)
	fr.mu.Unlock()
}

func cmdFunctionList(x *Ctx) {
	withCode := false
	var pattern []byte
	for i := 2; i < len(x.args); i++ {
		switch a := x.args[i]; {
		case !withCode && eq(a, "withcode"):
			withCode = true
		case pattern == nil && eq(a, "libraryname"):
			if i == len(x.args)-1 {
				x.fail("ERR library name argument was not given")
				return
			}
			i++
			pattern = x.args[i]
		default:
			x.failf("ERR Unknown argument %s", a)
			return
		}
	}
	var libs []*functionLibrary
	for _, lib := range x.s.scripts.functions.sortedLibraries() {
		if pattern == nil || glob.MatchFold(string(pattern), lib.name) {
			libs = append(libs, lib)
		}
	}
	w := x.w
	w.Array(len(libs))
	for _, lib := range libs {
		if withCode {
			w.Map(4)
		} else {
			w.Map(3)
		}
		w.BulkString("library_name")
		w.BulkString(lib.name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		w.Array(len(lib.functions))
		for _, name := range slices.Sorted(maps.Keys(lib.functions)) {
			f := lib.functions[name]
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.name)
			w.BulkString("description")
			if f.hasDesc {
				w.BulkString(f.desc)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			writeScriptFlags(x, f.flags)
		}
		if withCode {
			w.BulkString("library_code")
			w.BulkString(lib.code)
		}
	}
}

// writeScriptFlags writes flags as a set of status strings.
func writeScriptFlags(x *Ctx, flags scriptFlags) {
	n := 0
	for _, f := range scriptFlagNames {
		if flags&f.flag != 0 {
			n++
		}
	}
	x.w.Set(n)
	for _, f := range scriptFlagNames {
		if flags&f.flag != 0 {
			x.w.Simple(f.name)
		}
	}
}

func cmdFunctionStats(x *Ctx) {
	e := x.s.scripts
	r := e.running.Load()
	if r != nil && r.isEval {
		x.fail(errBusyEval)
		return
	}
	w := x.w
	w.Map(2)
	w.BulkString("running_script")
	if r == nil {
		w.Null()
	} else {
		w.Map(3)
		w.BulkString("name")
		w.BulkString(r.name)
		w.BulkString("command")
		w.BulkStrings(r.command)
		w.BulkString("duration_ms")
		w.Int(time.Since(r.start).Milliseconds())
	}
	libs := e.functions.sortedLibraries()
	functions := 0
	for _, lib := range libs {
		functions += len(lib.functions)
	}
	w.BulkString("engines")
	w.Map(1)
	w.BulkString("LUA")
	w.Map(2)
	w.BulkString("libraries_count")
	w.Int(int64(len(libs)))
	w.BulkString("functions_count")
	w.Int(int64(functions))
}
