package config

import "strings"

// C limits that appear in Redis's bounds and error texts.
const (
	intMax   = 1<<31 - 1
	intMin   = -1 << 31
	uintMax  = 1<<32 - 1
	llongMax = 1<<63 - 1
	// ullongMax is ULLONG_MAX kept in an int64, as Redis keeps it in a long
	// long; bounds of unsigned directives are compared as unsigned.
	ullongMax = -1
)

func boolT() typ               { return typ{kind: kindBool} }
func intT(min, max int64) typ  { return typ{kind: kindInt, min: min, max: max} }
func uintT(min, max int64) typ { return typ{kind: kindInt, min: min, max: max, unsigned: true} }
func memT(min, max int64) typ  { return typ{kind: kindInt, min: min, max: max, memory: true} }
func umemT(min, max int64) typ {
	return typ{kind: kindInt, min: min, max: max, memory: true, unsigned: true}
}
func strT() typ               { return typ{kind: kindString} }
func nullStrT() typ           { return typ{kind: kindString, emptyIsNull: true} }
func specialT(s *special) typ { return typ{kind: kindSpecial, special: s} }
func multiT(s *special) typ   { return typ{kind: kindSpecial, special: s, multiArg: true} }
func checked(t typ, check func(value, *state) string) typ {
	t.check = check
	return t
}

// enumT lists an enum's names; their values are their positions.
func enumT(names ...string) typ {
	t := typ{kind: kindEnum}
	for i, n := range names {
		t.enum = append(t.enum, enumOpt{n, int64(i)})
	}
	return t
}

// directives is every directive Redis 7.0.15 knows, plus Cairn's own.
// Types, bounds, defaults and flags were taken from the real server (CONFIG
// GET *, and CONFIG SET and config files with bad values). honoured marks
// what Cairn acts on; flip it when a subsystem starts using a directive.
var directives = []directive{
	// name, alias, honoured, default, flags, type
	{"acl-pubsub-default", "", true, "resetchannels", 0, enumT("allchannels", "resetchannels")},
	{"aclfile", "", true, "", immutable, strT()},
	{"acllog-max-len", "", true, "128", 0, intT(0, llongMax)},
	{"active-defrag-cycle-max", "", false, "25", 0, intT(1, 99)},
	{"active-defrag-cycle-min", "", false, "1", 0, intT(1, 99)},
	{"active-defrag-ignore-bytes", "", false, "104857600", 0, umemT(1, llongMax)},
	{"active-defrag-max-scan-fields", "", false, "1000", 0, intT(1, llongMax)},
	{"active-defrag-threshold-lower", "", false, "10", 0, intT(0, 1000)},
	{"active-defrag-threshold-upper", "", false, "100", 0, intT(0, 1000)},
	{"active-expire-effort", "", false, "1", 0, intT(1, 10)},
	{"activedefrag", "", false, "no", 0, checked(boolT(), checkActiveDefrag)},
	{"activerehashing", "", false, "yes", 0, boolT()},
	{"always-show-logo", "", false, "no", immutable, boolT()},
	{"aof-disable-auto-gc", "", false, "no", 0, boolT()},
	{"aof-load-truncated", "", false, "yes", 0, boolT()},
	{"aof-rewrite-incremental-fsync", "", false, "yes", 0, boolT()},
	{"aof-timestamp-enabled", "", false, "no", 0, boolT()},
	{"aof-use-rdb-preamble", "", false, "yes", 0, boolT()},
	{"aof_rewrite_cpulist", "", false, "", immutable, nullStrT()},
	{"appenddirname", "", false, "appendonlydir", immutable, checked(strT(), checkAOFDirname)},
	{"appendfilename", "", false, "appendonly.aof", immutable, checked(strT(), checkAOFFilename)},
	{"appendfsync", "", true, "everysec", 0, enumT("everysec", "always", "no")},
	{"appendonly", "", true, "no", 0, boolT()},
	{"auto-aof-rewrite-min-size", "", false, "67108864", 0, memT(0, llongMax)},
	{"auto-aof-rewrite-percentage", "", false, "100", 0, intT(0, intMax)},
	{"bgsave_cpulist", "", false, "", immutable, nullStrT()},
	{"bind", "", true, "* -::*", 0, multiT(bindSpecial)},
	{"bind-source-addr", "", false, "", 0, nullStrT()},
	{"bio_cpulist", "", false, "", immutable, nullStrT()},
	{"busy-reply-threshold", "lua-time-limit", true, "5000", 0, intT(0, llongMax)},
	{"client-output-buffer-limit", "", true, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0, multiT(coblSpecial)},
	{"client-query-buffer-limit", "", true, "1073741824", 0, umemT(1024*1024, llongMax)},
	{"cluster-allow-pubsubshard-when-down", "", false, "yes", 0, boolT()},
	{"cluster-allow-reads-when-down", "", false, "no", 0, boolT()},
	{"cluster-allow-replica-migration", "", false, "yes", 0, boolT()},
	{"cluster-announce-bus-port", "", false, "0", 0, intT(0, 65535)},
	{"cluster-announce-hostname", "", false, "", 0, checked(nullStrT(), checkHostname)},
	{"cluster-announce-ip", "", false, "", 0, nullStrT()},
	{"cluster-announce-port", "", false, "0", 0, intT(0, 65535)},
	{"cluster-announce-tls-port", "", false, "0", 0, intT(0, 65535)},
	{"cluster-config-file", "", false, "nodes.conf", immutable, strT()},
	{"cluster-enabled", "", false, "no", immutable, boolT()},
	{"cluster-link-sendbuf-limit", "", false, "0", 0, umemT(0, ullongMax)},
	{"cluster-migration-barrier", "", false, "1", 0, intT(0, intMax)},
	{"cluster-node-timeout", "", false, "15000", 0, intT(0, llongMax)},
	{"cluster-port", "", false, "0", immutable, intT(0, 65535)},
	{"cluster-preferred-endpoint-type", "", false, "ip", 0, enumT("ip", "hostname", "unknown-endpoint")},
	{"cluster-replica-no-failover", "cluster-slave-no-failover", false, "no", 0, boolT()},
	{"cluster-replica-validity-factor", "cluster-slave-validity-factor", false, "10", 0, intT(0, intMax)},
	{"cluster-require-full-coverage", "", false, "yes", 0, boolT()},
	{"crash-log-enabled", "", false, "yes", 0, boolT()},
	{"crash-memcheck-enabled", "", false, "yes", 0, boolT()},
	{"daemonize", "", true, "no", immutable, boolT()},
	{"databases", "", true, "16", immutable, intT(1, intMax)},
	{"dbfilename", "", true, "dump.rdb", protected, checked(strT(), checkDBFilename)},
	{"dir", "", true, ".", protected, specialT(dirSpecial)},
	{"disable-thp", "", false, "yes", immutable, boolT()},
	{"dynamic-hz", "", false, "yes", 0, boolT()},
	{"enable-debug-command", "", true, "no", immutable, enumT("no", "yes", "local")},
	{"enable-module-command", "", false, "no", immutable, enumT("no", "yes", "local")},
	{"enable-protected-configs", "", false, "no", immutable, enumT("no", "yes", "local")},
	{"hash-max-listpack-entries", "hash-max-ziplist-entries", true, "512", 0, uintT(0, llongMax)},
	{"hash-max-listpack-value", "hash-max-ziplist-value", true, "64", 0, umemT(0, llongMax)},
	{"hll-sparse-max-bytes", "", true, "3000", 0, umemT(0, llongMax)},
	{"hz", "", true, "10", 0, hzT()},
	{"ignore-warnings", "", false, "", 0, strT()},
	{"io-threads", "", false, "1", immutable, intT(1, 128)},
	{"io-threads-do-reads", "", false, "no", immutable, boolT()},
	{"jemalloc-bg-thread", "", false, "yes", 0, boolT()},
	{"key-load-delay", "", false, "0", hidden, intT(intMin, intMax)},
	{"latency-monitor-threshold", "", true, "0", 0, intT(0, llongMax)},
	{"latency-tracking", "", false, "yes", 0, boolT()},
	{"latency-tracking-info-percentiles", "", false, "50 99 99.9", 0, multiT(percentilesSpecial)},
	{"lazyfree-lazy-eviction", "", false, "no", 0, boolT()},
	{"lazyfree-lazy-expire", "", false, "no", 0, boolT()},
	{"lazyfree-lazy-server-del", "", false, "no", 0, boolT()},
	{"lazyfree-lazy-user-del", "", false, "no", 0, boolT()},
	{"lazyfree-lazy-user-flush", "", false, "no", 0, boolT()},
	{"lfu-decay-time", "", true, "1", 0, intT(0, intMax)},
	{"lfu-log-factor", "", true, "10", 0, intT(0, intMax)},
	{"list-compress-depth", "", false, "0", 0, intT(0, intMax)},
	{"list-max-listpack-size", "list-max-ziplist-size", true, "-2", 0, intT(intMin, intMax)},
	{"loading-process-events-interval-bytes", "", false, "2097152", hidden, intT(1024, intMax)},
	{"logfile", "", true, "", immutable, strT()},
	{"loglevel", "", true, "notice", 0, enumT("debug", "verbose", "notice", "warning")},
	{"masterauth", "", true, "", 0, nullStrT()},
	{"masteruser", "", true, "", 0, nullStrT()},
	{"maxclients", "", true, "10000", 0, uintT(1, uintMax)},
	{"maxmemory", "", true, "0", 0, umemT(0, ullongMax)},
	{"maxmemory-clients", "", false, "0", 0, typ{kind: kindInt, min: -100, max: llongMax, memory: true, percent: true}},
	{"maxmemory-eviction-tenacity", "", true, "10", 0, intT(0, 100)},
	{"maxmemory-policy", "", true, "noeviction", 0, enumT("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")},
	{"maxmemory-samples", "", true, "5", 0, intT(1, intMax)},
	{"min-replicas-max-lag", "min-slaves-max-lag", false, "10", 0, intT(0, intMax)},
	{"min-replicas-to-write", "min-slaves-to-write", false, "0", 0, intT(0, intMax)},
	{"no-appendfsync-on-rewrite", "", false, "no", 0, boolT()},
	{"notify-keyspace-events", "", true, "", 0, specialT(notifySpecial)},
	{"oom-score-adj", "", false, "no", 0, typ{kind: kindEnum, enum: []enumOpt{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}}},
	{"oom-score-adj-values", "", false, "0 200 800", 0, multiT(oomSpecial)},
	{"pidfile", "", true, "", immutable, nullStrT()},
	{"port", "", true, "6379", 0, intT(0, 65535)},
	{"proc-title-template", "", false, "{title} {listen-addr} {server-mode}", 0, checked(strT(), checkProcTitle)},
	{"propagation-error-behavior", "", false, "ignore", 0, enumT("ignore", "panic", "panic-on-replicas")},
	{"protected-mode", "", true, "yes", 0, boolT()},
	{"proto-max-bulk-len", "", true, "536870912", 0, memT(1024*1024, llongMax)},
	{"rdb-del-sync-files", "", false, "no", 0, boolT()},
	{"rdb-key-save-delay", "", false, "0", hidden, intT(intMin, intMax)},
	{"rdb-save-incremental-fsync", "", false, "yes", 0, boolT()},
	{"rdbchecksum", "", true, "yes", immutable, boolT()},
	{"rdbcompression", "", true, "yes", 0, boolT()},
	{"repl-backlog-size", "", false, "1048576", 0, replBacklogT()},
	{"repl-backlog-ttl", "", false, "3600", 0, intT(0, llongMax)},
	{"repl-disable-tcp-nodelay", "", false, "no", 0, boolT()},
	{"repl-diskless-load", "", false, "disabled", 0, enumT("disabled", "on-empty-db", "swapdb")},
	{"repl-diskless-sync", "", false, "yes", 0, boolT()},
	{"repl-diskless-sync-delay", "", false, "5", 0, intT(0, intMax)},
	{"repl-diskless-sync-max-replicas", "", false, "0", 0, intT(0, intMax)},
	{"repl-ping-replica-period", "repl-ping-slave-period", false, "10", 0, intT(1, intMax)},
	{"repl-timeout", "", true, "60", 0, intT(1, intMax)},
	{"replica-announce-ip", "slave-announce-ip", false, "", 0, nullStrT()},
	{"replica-announce-port", "slave-announce-port", false, "0", 0, intT(0, 65535)},
	{"replica-announced", "", false, "yes", 0, boolT()},
	{"replica-ignore-disk-write-errors", "", false, "no", 0, boolT()},
	{"replica-ignore-maxmemory", "slave-ignore-maxmemory", true, "yes", 0, boolT()},
	{"replica-lazy-flush", "slave-lazy-flush", false, "no", 0, boolT()},
	{"replica-priority", "slave-priority", false, "100", 0, intT(0, intMax)},
	{"replica-read-only", "slave-read-only", true, "yes", 0, boolT()},
	{"replica-serve-stale-data", "slave-serve-stale-data", true, "yes", 0, boolT()},
	{"replicaof", "slaveof", true, "no one", immutable, multiT(replicaofSpecial)},
	{"requirepass", "", true, "", 0, nullStrT()},
	{"sanitize-dump-payload", "", true, "no", 0, enumT("no", "yes", "clients")},
	{"save", "", true, "3600 1 300 100 60 10000", 0, multiT(saveSpecial)},
	{"server_cpulist", "", false, "", immutable, nullStrT()},
	{"set-max-intset-entries", "", true, "512", 0, uintT(0, llongMax)},
	{"set-proc-title", "", false, "yes", immutable, boolT()},
	{"shutdown-on-sigint", "", false, "default", 0, shutdownT()},
	{"shutdown-on-sigterm", "", false, "default", 0, shutdownT()},
	{"shutdown-timeout", "", false, "10", 0, intT(0, intMax)},
	{"slowlog-log-slower-than", "", true, "10000", 0, intT(-1, llongMax)},
	{"slowlog-max-len", "", true, "128", 0, intT(0, llongMax)},
	{"socket-mark-id", "", false, "0", immutable, uintT(0, uintMax)},
	{"stop-writes-on-bgsave-error", "", false, "yes", 0, boolT()},
	{"stream-node-max-bytes", "", true, "4096", 0, umemT(0, llongMax)},
	{"stream-node-max-entries", "", true, "100", 0, intT(0, llongMax)},
	{"supervised", "", false, "no", immutable, enumT("upstart", "systemd", "auto", "no")},
	{"syslog-enabled", "", false, "no", immutable, boolT()},
	{"syslog-facility", "", false, "local0", immutable, enumT("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")},
	{"syslog-ident", "", false, "redis", immutable, strT()},
	{"tcp-backlog", "", false, "511", immutable, intT(0, intMax)},
	{"tcp-keepalive", "", true, "300", 0, intT(0, intMax)},
	{"timeout", "", true, "0", 0, intT(0, intMax)},
	{"tls-auth-clients", "", true, "yes", 0, enumT("no", "yes", "optional")},
	{"tls-ca-cert-dir", "", true, "", 0, nullStrT()},
	{"tls-ca-cert-file", "", true, "", 0, nullStrT()},
	{"tls-cert-file", "", true, "", 0, nullStrT()},
	{"tls-ciphers", "", true, "", 0, nullStrT()},
	{"tls-ciphersuites", "", true, "", 0, nullStrT()},
	{"tls-client-cert-file", "", true, "", 0, nullStrT()},
	{"tls-client-key-file", "", true, "", 0, nullStrT()},
	{"tls-client-key-file-pass", "", true, "", 0, nullStrT()},
	{"tls-cluster", "", true, "no", 0, boolT()},
	{"tls-dh-params-file", "", true, "", 0, nullStrT()},
	{"tls-key-file", "", true, "", 0, nullStrT()},
	{"tls-key-file-pass", "", true, "", 0, nullStrT()},
	{"tls-port", "", true, "0", 0, intT(0, 65535)},
	{"tls-prefer-server-ciphers", "", true, "no", 0, boolT()},
	{"tls-protocols", "", true, "", 0, nullStrT()},
	{"tls-replication", "", true, "no", 0, boolT()},
	{"tls-session-cache-size", "", true, "20480", 0, intT(0, intMax)},
	{"tls-session-cache-timeout", "", true, "300", 0, intT(0, intMax)},
	{"tls-session-caching", "", true, "yes", 0, boolT()},
	{"tracking-table-max-keys", "", true, "1000000", 0, uintT(0, llongMax)},
	{"unixsocket", "", true, "", immutable, nullStrT()},
	{"unixsocketperm", "", true, "0", immutable, typ{kind: kindInt, min: 0, max: 0o777, octal: true, unsigned: true}},
	{"use-exit-on-panic", "", false, "no", hidden, boolT()},
	{"watchdog-period", "", false, "0", hidden, watchdogT()},
	{"zset-max-listpack-entries", "zset-max-ziplist-entries", true, "128", 0, uintT(0, llongMax)},
	{"zset-max-listpack-value", "zset-max-ziplist-value", true, "64", 0, umemT(0, llongMax)},

	// Cairn's own directives.
	// The process memory bound the caches are sized from; 0 derives it
	// from maxmemory (at most 3/4 of RAM), or min(1gb, RAM/2) without it.
	{"cairn-memory-bound", "", true, "0", 0, memT(0, llongMax)},
	// Explicit cache sizes; 0 takes the bound's share (storage.PlanMemory).
	{"cairn-cache-size", "", true, "0", 0, memT(0, llongMax)},
	{"cairn-block-cache-size", "", true, "0", immutable, memT(0, llongMax)},
	{"cairn-memtable-size", "", true, "0", immutable, memT(0, llongMax)},
	// Whether sstable point reads bypass the page cache; auto: under a
	// memory cgroup limit, which the page cache is charged to.
	{"cairn-direct-reads", "", true, "auto", immutable, enumT("auto", "yes", "no")},
	// The Pebble directory inside dir.
	{"cairn-data-subdir", "", true, "cairn-data", immutable, checked(strT(), checkDataSubdir)},
}

// fileOnly are the directives that only a config file or the command line
// can give, which CONFIG GET and CONFIG SET do not know.
var fileOnly = map[string]bool{ // name -> honoured
	"include":        true,
	"rename-command": true,
	"user":           true,
	"loadmodule":     false,
	"sentinel":       false,
}

// deprecated directives are accepted with one argument and dropped, as
// Redis 7.0 does.
var deprecated = map[string]bool{
	"list-max-ziplist-entries": true,
	"list-max-ziplist-value":   true,
	"lua-replicate-commands":   true,
}

// hz is accepted up to INT_MAX but kept between 1 and 500, as Redis does.
func hzT() typ {
	t := intT(0, intMax)
	t.adjust = func(n int64) int64 { return min(max(n, 1), 500) }
	return t
}

// replBacklogT is repl-backlog-size: CONFIG SET resizes the backlog, which
// raises a size under 16 KB to 16 KB, as Redis's resizeReplicationBacklog
// does (a file's smaller value is shown as given).
func replBacklogT() typ {
	t := memT(1, llongMax)
	t.setAdjust = func(n int64, _ *state) int64 { return max(n, 16*1024) }
	return t
}

// watchdogT is watchdog-period: CONFIG SET of a period shorter than two of
// the server's clock ticks raises it to that, as Redis's
// applyWatchdogPeriod does (0 turns the watchdog off).
func watchdogT() typ {
	t := intT(0, intMax)
	t.setAdjust = func(n int64, st *state) int64 {
		if n == 0 {
			return 0
		}
		return max(n, 1000/st.get("hz").n*2)
	}
	return t
}

// shutdownT is shutdown-on-sigint/sigterm: flags that combine.
func shutdownT() typ {
	return typ{kind: kindEnum, multiArg: true, bitflags: true,
		enum:  []enumOpt{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}},
		check: checkShutdownFlags}
}

// index maps every name and alias to its row in directives. It is built in
// init because validators look directives up by name.
var index map[string]int

func init() {
	index = make(map[string]int, 2*len(directives))
	for i, d := range directives {
		index[d.name] = i
		if d.alias != "" {
			index[d.alias] = i
		}
	}
	defaults = newState("/").vals
}

// lookup finds a directive by name or alias, in any case.
func lookup(name string) (int, bool) {
	if i, ok := index[name]; ok {
		return i, true
	}
	i, ok := index[strings.ToLower(name)]
	return i, ok
}

func mustIndex(name string) int {
	i, ok := lookup(name)
	if !ok {
		panic("config: unknown directive " + name)
	}
	return i
}
