package engine

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "memory|usage", run: cmdMemoryUsage},
		cmdDef{name: "memory|stats", run: cmdMemoryStats},
		cmdDef{name: "memory|doctor", run: cmdMemoryDoctor},
		cmdDef{name: "memory|malloc-stats", run: func(x *Ctx) { x.w.Verbatim("txt", "Stats not supported for the current allocator\n") }},
		cmdDef{name: "memory|purge", run: func(x *Ctx) { debug.FreeOSMemory(); x.w.OK() }},
		cmdDef{name: "memory|help", run: func(x *Ctx) { x.helpReply("memory") }},
		cmdDef{name: "debug", run: cmdDebug},
	)
}

// cmdMemoryUsage estimates what a key costs in memory were it all loaded:
// its key, meta record and, for collections, its elements as counted.
// Cairn keeps collections on disk, so this is what Redis would report more
// than what Cairn holds.
func cmdMemoryUsage(x *Ctx) {
	// SAMPLES may come again (the last one counts, and the estimate does
	// not sample); its options are checked in order, as Redis does.
	for i := 3; i < len(x.args); i += 2 {
		if !eq(x.args[i], "samples") || i+1 == len(x.args) {
			x.fail(errSyntax)
			return
		}
		n, ok := x.intArg(i + 1)
		if !ok {
			return
		}
		if n < 0 {
			x.fail(errSyntax)
			return
		}
	}
	m := x.lookup(x.db, x.args[2])
	if m == nil {
		x.w.Null()
		return
	}
	x.w.Int(memoryUsage(x.args[2], m))
}

func memoryUsage(key []byte, m *storage.Meta) int64 {
	size := int64(len(key)) + 56 // dict entry, key header, object header
	switch m.Type {
	case storage.TypeString:
		return size + storage.StringLen(m) + 8
	default:
		return size + 64 + m.Count*32 + int64(len(m.Ext))
	}
}

func cmdMemoryStats(x *Ctx) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := int64(ms.HeapAlloc + ms.StackInuse)
	cacheUsed, _, _, _, _ := x.s.store.CacheStats()
	keys := int64(0)
	for db := 0; db < x.s.conf().databases; db++ {
		n, _, _ := x.s.store.KeyStats(db)
		keys += n
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = cacheUsed / keys
	}
	type kv struct {
		k string
		v any
	}
	fields := []kv{
		{"peak.allocated", x.s.notePeak(used)}, {"total.allocated", used}, {"startup.allocated", int64(0)},
		{"replication.backlog", int64(0)}, {"clients.slaves", int64(0)}, {"clients.normal", int64(0)},
		{"cluster.links", int64(0)}, {"aof.buffer", int64(0)}, {"lua.caches", int64(0)}, {"functions.caches", int64(0)},
		{"overhead.total", used - cacheUsed}, {"keys.count", keys}, {"keys.bytes-per-key", perKey},
		{"dataset.bytes", cacheUsed}, {"dataset.percentage", float64(cacheUsed) * 100 / float64(max(used, 1))},
		{"peak.percentage", float64(used) * 100 / float64(max(x.s.peakMemory.Load(), 1))},
		{"fragmentation", float64(ms.Sys-ms.HeapReleased) / float64(max(used, 1))},
	}
	x.w.Map(len(fields))
	for _, f := range fields {
		x.w.BulkString(f.k)
		switch v := f.v.(type) {
		case int64:
			x.w.Int(v)
		case float64:
			x.w.Double(v)
		}
	}
}

func cmdMemoryDoctor(x *Ctx) {
	// The process always holds Pebble's buffers; what Redis measures here is
	// the dataset in memory, which for Cairn is the hot cache.
	if used, _, _, _, _ := x.s.store.CacheStats(); used < 5<<20 {
		x.w.Verbatim("txt", "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
		return
	}
	x.w.Verbatim("txt", "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n")
}

// enabledBy reads an enable-*-command directive: yes, no, or local (only
// from a loopback address or the unix socket).
func (x *Ctx) enabledBy(directive string) bool { return x.c.enabledBy(directive) }

func (c *Client) enabledBy(directive string) bool {
	switch c.s.cfg.String(directive) {
	case "yes":
		return true
	case "local":
		return localClient(c.conn.RemoteAddr())
	}
	return false
}

// localClient is Redis's islocalClient: a unix socket, or a peer whose
// address is exactly 127.0.0.1 or ::1 (127.0.0.2 is not local).
func localClient(addr string) bool {
	return strings.HasPrefix(addr, "127.0.0.1:") || strings.HasPrefix(addr, "[::1]:") || strings.HasPrefix(addr, "/")
}

// protectedCommands are the commands Redis 7.0 flags protected (a flag
// COMMAND does not show), with the directive that allows each
// (command.protected).
var protectedCommands = map[string]string{
	"debug":         "enable-debug-command",
	"module|load":   "enable-module-command",
	"module|loadex": "enable-module-command",
	"module|unload": "enable-module-command",
}

// protectedRefusal is Redis's refusal of a protected command its directive
// does not allow this client, or "". Redis checks it right after the
// command's name and arity, before AUTH, MULTI and ACL: a user without
// +debug gets this error, not NOPERM, and nothing is logged.
func (c *Client) protectedRefusal(cmd *command) string {
	switch {
	case cmd.protected == "" || c.enabledBy(cmd.protected):
		return ""
	case cmd.protected == "enable-module-command":
		return errModuleRefused
	}
	return debugRefused
}

// cmdDebug implements the DEBUG subcommands tests and tools rely on, when
// enable-debug-command allows it (Redis 7.0's default refuses DEBUG).
func cmdDebug(x *Ctx) {
	if !x.enabledBy("enable-debug-command") {
		x.fail(debugRefused)
		return
	}
	sub := strings.ToLower(string(x.args[1]))
	switch {
	case sub == "help":
		x.helpReply("debug")
	case sub == "sleep" && len(x.args) == 3:
		secs, ok := parseFloat(x.args[2])
		if !ok {
			x.fail(errNotFloat)
			return
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		x.w.OK()
	case sub == "object" && len(x.args) == 3:
		// As in Redis, the key is read as stored: a key past its deadline
		// is not expired, its access not counted.
		m, err := x.tx().Peek(x.db, x.args[2])
		x.must(err)
		if m == nil {
			x.fail(errNoSuchKey)
			return
		}
		idle := x.s.store.IdleSeconds(x.db, x.args[2])
		x.w.Simple(fmt.Sprintf("Value at:0x%012x refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
			m.OID, x.s.encodingOf(m), memoryUsage(x.args[2], m), (time.Now().Unix()-idle)&(1<<24-1), idle))
	case sub == "digest" && len(x.args) == 2:
		debugDigest(x)
	case sub == "digest-value":
		debugDigestValue(x)
	case sub == "populate" && len(x.args) >= 3 && len(x.args) <= 5:
		debugPopulate(x)
	case sub == "reload":
		debugReload(x)
	case sub == "loadaof":
		debugLoadAOF(x)
	case sub == "set-active-expire" && len(x.args) == 3:
		on, ok := parseInt(x.args[2])
		if !ok {
			x.fail(errNotInt)
			return
		}
		x.s.activeExpire.Store(on != 0)
		x.w.OK()
	case sub == "set-disable-deny-scripts" && len(x.args) == 3:
		// Redis's tests use it to call DEBUG, CLIENT LIST... from scripts.
		x.s.scriptsRunNoscript.Store(atoi(string(x.args[2])) != 0)
		x.w.OK()
	case sub == "pause-cron" && len(x.args) == 3:
		x.s.cronPaused.Store(atoi(string(x.args[2])) != 0)
		x.w.OK()
	case sub == "log" && len(x.args) == 3:
		x.s.log.Warningf("DEBUG LOG: %s", x.args[2])
		x.w.OK()
	case sub == "error" && len(x.args) == 3:
		x.fail(string(x.args[2]))
	case sub == "protocol" && len(x.args) == 3:
		debugProtocol(x, strings.ToLower(string(x.args[2])))
	case sub == "set-skip-checksum-validation" && len(x.args) == 3:
		on, ok := parseInt(x.args[2])
		if !ok {
			x.fail(errNotInt)
			return
		}
		x.s.skipChecksum.Store(on != 0)
		x.w.OK()
	case sub == "quicklist-packed-threshold" && len(x.args) == 3:
		// In Redis an element of at least this size gets a quicklist node
		// of its own ("plain"), which only DUMP and DEBUG OBJECT's ql_nodes
		// show. Cairn's lists are element records, and DUMP builds its
		// nodes from them with packed nodes only: what is observable here
		// is which arguments Redis takes.
		if v, ok := config.ParseMemory(string(cString(x.args[2]))); !ok || v > 1<<32-1<<20 {
			x.fail("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
			return
		}
		x.w.OK()
	default:
		x.failf("ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", x.args[1])
	}
}

// debugLoadAOF is DEBUG LOADAOF. Redis flushes its AOF and loads the
// dataset back from it; Cairn's log is Pebble's write-ahead log, so it
// syncs that and forgets every cached record: what the next commands read
// comes from the disk. Every other command waits meanwhile.
func debugLoadAOF(x *Ctx) {
	if x.shared {
		x.fail("ERR DEBUG LOADAOF is not supported inside MULTI/EXEC or scripts")
		return
	}
	s := x.s
	s.world.Lock()
	defer s.world.Unlock()
	if err := s.store.Reread(); err != nil {
		s.log.Warningf("DEBUG LOADAOF: %v", err)
		x.fail("ERR " + err.Error())
		return
	}
	s.stats.dirty.Store(0)
	s.log.Warningf("Dataset read back from disk by DEBUG LOADAOF")
	x.w.OK()
}

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the RDB,
// then load it back in place of the dataset (or, with NOFLUSH, into it,
// a key of the same name replaced, as MERGE asks), as a restart of Redis
// would, encodings converted as Redis converts what it loads. NOFLUSH
// without MERGE fails, as in Redis, on a function library the server
// has already (on a key, Redis exits: Cairn replaces it). Every
// other command waits meanwhile, so no write falls between the save and
// the load.
func debugReload(x *Ctx) {
	flush, save, merge := true, true, false
	for _, opt := range x.args[2:] {
		switch {
		case eq(opt, "merge"): // keys of the same name are replaced anyway
			merge = true
		case eq(opt, "noflush"):
			flush = false
		case eq(opt, "nosave"):
			save = false
		default:
			x.fail("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	s := x.s
	if x.shared {
		// EXEC's and scripts' writes are not committed yet: the dataset
		// cannot be saved and replaced under them.
		x.fail("ERR DEBUG RELOAD is not supported inside MULTI/EXEC or scripts")
		return
	}
	s.world.Lock()
	defer s.world.Unlock()
	if save {
		if err := s.saveNow(s.store.Snapshot); err != nil {
			x.fail("ERR")
			return
		}
	}
	f, err := os.Open(s.rdbPath())
	if err != nil {
		x.fail("ERR Error trying to load the RDB dump")
		return
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<20)
	if flush {
		_, x.ready, err = s.replaceDataset(rd, false)
	} else {
		_, err = ImportRDB(s.store, rd, ImportOptions{Config: s.cfg, NoFunctionReplace: !merge})
		if err == nil {
			x.ready = s.datasetLoaded()
		}
	}
	if err != nil {
		s.log.Warningf("DEBUG RELOAD: %v", err)
		x.fail("ERR Error trying to load the RDB dump")
		return
	}
	s.log.Warningf("DB reloaded by DEBUG RELOAD")
	x.w.OK()
}

const debugRefused = `ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`

// debugProtocol replies a sample of each RESP3 type (DEBUG PROTOCOL), for
// client library tests.
func debugProtocol(x *Ctx, name string) {
	w := x.w
	switch name {
	case "string":
		w.BulkString("Hello World")
	case "integer":
		w.Int(12345)
	case "double":
		w.Double(3.141)
	case "bignum":
		w.BigNumber("1234567999999999999999999999999999999")
	case "null":
		w.Null()
	case "array":
		w.Array(3)
		for i := int64(0); i < 3; i++ {
			w.Int(i)
		}
	case "set":
		w.Set(3)
		for i := int64(0); i < 3; i++ {
			w.Int(i)
		}
	case "map":
		w.Map(3)
		for i := int64(0); i < 3; i++ {
			w.Int(i)
			w.Bool(i == 1)
		}
	case "attrib":
		if w.Proto() == 3 {
			w.Attribute(1)
			w.BulkString("key-popularity")
			w.Array(2)
			w.BulkString("key:123")
			w.Int(90)
		}
		w.BulkString("Some real reply following the attribute")
	case "push":
		if w.Proto() < 3 {
			x.fail("ERR RESP2 is not supported by this command")
			return
		}
		w.Push(2)
		w.BulkString("server-cpu-usage")
		w.Int(42)
		x.pushed()
		w.BulkString("Some real reply following the push reply")
	case "verbatim":
		w.Verbatim("txt", "This is a verbatim\nstring")
	case "true":
		w.Bool(true)
	case "false":
		w.Bool(false)
	default:
		x.fail("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}
