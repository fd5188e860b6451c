package engine

// Redis modules are native shared libraries written against Redis's C
// API; Cairn cannot load them. MODULE answers as Redis does with no module
// loaded, and a permitted LOAD fails the way a library that does not load
// fails in Redis, with the reason in the log.

func init() {
	register(
		cmdDef{name: "module|list", run: func(x *Ctx) { x.w.Array(0) }},
		cmdDef{name: "module|load", run: cmdModuleLoad},
		cmdDef{name: "module|loadex", run: cmdModuleLoad},
		cmdDef{name: "module|unload", run: cmdModuleUnload},
		cmdDef{name: "module|help", run: func(x *Ctx) { x.helpReply("module") }},
	)
}

const errModuleRefused = `ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`

func cmdModuleLoad(x *Ctx) {
	if !x.enabledBy("enable-module-command") {
		x.fail(errModuleRefused)
		return
	}
	x.s.log.Warningf("Module %s failed to load: Cairn cannot load native Redis modules", x.args[2])
	x.fail("ERR Error loading the extension. Please check the server logs.")
}

func cmdModuleUnload(x *Ctx) {
	if !x.enabledBy("enable-module-command") {
		x.fail(errModuleRefused)
		return
	}
	x.fail("ERR Error unloading module: no such module with that name")
}
