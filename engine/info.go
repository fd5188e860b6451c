package engine

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cairndb/cairn/storage"
)

// RedisVersion is the Redis version Cairn is compatible with and reports.
const RedisVersion = "7.0.15"

// CairnVersion is Cairn's own version.
const CairnVersion = "0.1.0"

func init() {
	register(cmdDef{name: "info", run: cmdInfo})
}

// infoSections lists INFO's sections in Redis's order; the bool says
// whether the default set includes it.
var infoSections = []struct {
	name      string
	inDefault bool
	write     func(s *Server, b *strings.Builder)
}{
	{"server", true, (*Server).infoServer},
	{"clients", true, (*Server).infoClients},
	{"memory", true, (*Server).infoMemory},
	{"persistence", true, (*Server).infoPersistence},
	{"stats", true, (*Server).infoStats},
	{"replication", true, (*Server).infoReplication},
	{"cpu", true, (*Server).infoCPU},
	{"modules", true, func(*Server, *strings.Builder) {}},
	{"commandstats", false, (*Server).infoCommandStats},
	{"errorstats", true, (*Server).infoErrorStats},
	{"latencystats", false, (*Server).infoLatencyStats},
	{"cluster", true, func(_ *Server, b *strings.Builder) { b.WriteString("cluster_enabled:0\r\n") }},
	{"keyspace", true, (*Server).infoKeyspace},
	{"storage", true, (*Server).infoStorage},
}

func cmdInfo(x *Ctx) {
	want := map[string]bool{}
	all, everything := false, false
	if len(x.args) == 1 {
		want["default"] = true
	}
	for _, a := range x.args[1:] {
		switch s := strings.ToLower(string(a)); s {
		case "all":
			all = true
		case "everything":
			everything = true
		default:
			want[s] = true
		}
	}
	var b strings.Builder
	for _, sec := range infoSections {
		if !(everything || all || want[sec.name] || (want["default"] && sec.inDefault)) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		title := strings.ToUpper(sec.name[:1]) + sec.name[1:]
		if sec.name == "cpu" {
			title = "CPU" // Redis's one heading in capitals
		}
		fmt.Fprintf(&b, "# %s\r\n", title)
		sec.write(x.s, &b)
	}
	x.w.Verbatim("txt", b.String())
}

func (s *Server) infoServer(b *strings.Builder) {
	var uts syscall.Utsname
	syscall.Uname(&uts)
	exe, _ := os.Executable()
	uptime := int64(time.Since(s.started).Seconds())
	port := s.cfg.Int("port")
	fmt.Fprintf(b, "redis_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n", RedisVersion)
	fmt.Fprintf(b, "redis_mode:standalone\r\nos:%s %s %s\r\narch_bits:64\r\n", utsString(uts.Sysname[:]), utsString(uts.Release[:]), utsString(uts.Machine[:]))
	fmt.Fprintf(b, "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\n")
	fmt.Fprintf(b, "process_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\n", os.Getpid(), s.runID, port)
	fmt.Fprintf(b, "server_time_usec:%d\r\nuptime_in_seconds:%d\r\nuptime_in_days:%d\r\n", time.Now().UnixMicro(), uptime, uptime/86400)
	fmt.Fprintf(b, "hz:%d\r\nconfigured_hz:%d\r\nlru_clock:%d\r\n", s.conf().hz, s.conf().hz, time.Now().Unix()&(1<<24-1))
	fmt.Fprintf(b, "executable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n", exe, s.configFile)
	fmt.Fprintf(b, "cairn_version:%s\r\ngo_version:%s\r\ngo_maxprocs:%d\r\n", CairnVersion, runtime.Version(), runtime.GOMAXPROCS(0))
}

func utsString(a []int8) string {
	var sb strings.Builder
	for _, c := range a {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

func (s *Server) infoClients(b *strings.Builder) {
	s.clientsMu.Lock()
	n := len(s.clients)
	s.clientsMu.Unlock()
	fmt.Fprintf(b, "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\n", n, s.conf().maxClients)
	fmt.Fprintf(b, "client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n")
	tracking, _, _ := s.tracking.stats()
	blocked, timed := s.blockedClients()
	fmt.Fprintf(b, "blocked_clients:%d\r\ntracking_clients:%d\r\nclients_in_timeout_table:%d\r\n", blocked, tracking, timed)
}

// infoMemory is INFO memory. used_memory is the dataset's footprint, the
// figure maxmemory bounds (storage.KeyFootprint); the process's own memory
// is used_memory_rss and the allocator_* and cairn_* fields.
func (s *Server) infoMemory(b *strings.Builder) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	dataset := s.store.UsedMemory()
	used := s.usedMemory()
	rss := storage.ResidentBytes()
	if rss == 0 {
		rss = int64(ms.Sys - ms.HeapReleased)
	}
	peak := s.notePeak(used)
	maxmem := s.cfg.Int("maxmemory")
	cacheUsed, cacheBudget, hits, misses, evictions := s.store.CacheStats()
	blockUsed, blockCap, blockHits, blockMisses := s.store.BlockCacheStats()
	plan := s.store.MemoryPlan()
	fmt.Fprintf(b, "used_memory:%d\r\nused_memory_human:%s\r\n", used, humanBytes(used))
	fmt.Fprintf(b, "used_memory_rss:%d\r\nused_memory_rss_human:%s\r\n", rss, humanBytes(rss))
	fmt.Fprintf(b, "used_memory_peak:%d\r\nused_memory_peak_human:%s\r\nused_memory_peak_perc:%.2f%%\r\n", peak, humanBytes(peak), float64(used)*100/float64(max(peak, 1)))
	fmt.Fprintf(b, "used_memory_overhead:%d\r\nused_memory_startup:0\r\nused_memory_dataset:%d\r\nused_memory_dataset_perc:%.2f%%\r\n", used-dataset, dataset, float64(dataset)*100/float64(max(used, 1)))
	fmt.Fprintf(b, "allocator_allocated:%d\r\nallocator_active:%d\r\nallocator_resident:%d\r\n", ms.HeapAlloc, ms.HeapInuse, ms.Sys-ms.HeapReleased)
	fmt.Fprintf(b, "total_system_memory:%d\r\ntotal_system_memory_human:%s\r\n", totalSystemMemory(), humanBytes(totalSystemMemory()))
	s.infoScriptMemory(b)
	fmt.Fprintf(b, "maxmemory:%d\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n", maxmem, humanBytes(maxmem), s.cfg.String("maxmemory-policy"))
	fragBytes := int64(ms.HeapInuse) - int64(ms.HeapAlloc)
	fmt.Fprintf(b, "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%d\r\n", float64(ms.HeapInuse)/float64(max(ms.HeapAlloc, 1)), fragBytes)
	// The allocator's resident memory against what it has active, and the
	// process's RSS against that, as Redis reports jemalloc's.
	resident := int64(ms.Sys - ms.HeapReleased)
	fmt.Fprintf(b, "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%d\r\n", float64(resident)/float64(max(ms.HeapInuse, 1)), resident-int64(ms.HeapInuse))
	fmt.Fprintf(b, "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%d\r\n", float64(rss)/float64(max(resident, 1)), rss-resident)
	// Fragmentation: the process's RSS against the memory it actively uses
	// (Go heap objects, cached blocks, memtables). used_memory is a dataset
	// size on disk, so rss/used_memory would mean nothing.
	memtables := int64(s.store.Pebble().Metrics().MemTable.Size)
	inUse := int64(ms.HeapAlloc) + blockUsed + memtables
	fmt.Fprintf(b, "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%d\r\n", float64(rss)/float64(max(inUse, 1)), rss-inUse)
	fmt.Fprintf(b, "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:0\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\n")
	fmt.Fprintf(b, "mem_allocator:go-%s\r\nactive_defrag_running:0\r\n", runtime.Version())
	fmt.Fprintf(b, "lazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n")
	fmt.Fprintf(b, "cairn_memory_bound:%d\r\ncairn_memory_bound_human:%s\r\ncairn_go_memory_limit:%d\r\n", plan.Bound, humanBytes(plan.Bound), debug.SetMemoryLimit(-1))
	fmt.Fprintf(b, "cairn_go_heap_alloc:%d\r\ncairn_go_sys:%d\r\n", ms.HeapAlloc, ms.Sys)
	cHeld, cInUse, cArenas := storage.MallocStats()
	fmt.Fprintf(b, "cairn_malloc_held:%d\r\ncairn_malloc_in_use:%d\r\ncairn_malloc_arenas:%d\r\n", cHeld, cInUse, cArenas)
	elemHits, elemMisses := s.store.ElementCacheStats()
	fmt.Fprintf(b, "hot_cache_used:%d\r\nhot_cache_budget:%d\r\nhot_cache_hits:%d\r\nhot_cache_misses:%d\r\nhot_cache_element_hits:%d\r\nhot_cache_element_misses:%d\r\nhot_cache_evictions:%d\r\nhot_cache_prefetched:%d\r\n", cacheUsed, cacheBudget, hits, misses, elemHits, elemMisses, evictions, s.store.Prefetched())
	fmt.Fprintf(b, "block_cache_used:%d\r\nblock_cache_capacity:%d\r\nblock_cache_hits:%d\r\nblock_cache_misses:%d\r\n", blockUsed, blockCap, blockHits, blockMisses)
	fmt.Fprintf(b, "memtable_size:%d\r\nmemtable_used:%d\r\n", s.store.MemTableSize(), memtables)
}

// any reports whether the histogram holds a duration.
func (h *histogram) any() bool {
	for i := range h.counts {
		if h.counts[i].Load() > 0 {
			return true
		}
	}
	return false
}

// infoScriptMemory is INFO memory's Lua and functions fields. Cairn's Lua
// VMs (gopher-lua) live in Go's heap: the sizes are those of an empty
// Redis VM plus the source of what is loaded, the counts are exact.
func (s *Server) infoScriptMemory(b *strings.Builder) {
	const vmEval, vmFunctions = 32768, 33792 // Redis's empty Lua VMs
	e := s.scripts
	e.mu.Lock()
	scripts := len(e.cache)
	e.mu.Unlock()
	r := e.functions
	r.mu.RLock()
	libs, funcs := len(r.libraries), len(r.functions)
	code := 0
	for _, l := range r.libraries {
		code += len(l.code)
	}
	r.mu.RUnlock()
	// Redis counts each cached script's dict entry and body; a function
	// library its code and each function's entry.
	scriptsEval := int64(scripts) * 96
	functionsMem := int64(200 + code + 64*funcs)
	fmt.Fprintf(b, "used_memory_lua:%d\r\nused_memory_vm_eval:%d\r\nused_memory_lua_human:%s\r\n", vmEval, vmEval, humanBytes(vmEval))
	fmt.Fprintf(b, "used_memory_scripts_eval:%d\r\nnumber_of_cached_scripts:%d\r\nnumber_of_functions:%d\r\nnumber_of_libraries:%d\r\n", scriptsEval, scripts, funcs, libs)
	fmt.Fprintf(b, "used_memory_vm_functions:%d\r\nused_memory_vm_total:%d\r\nused_memory_vm_total_human:%s\r\n", vmFunctions, vmEval+vmFunctions, humanBytes(vmEval+vmFunctions))
	fmt.Fprintf(b, "used_memory_functions:%d\r\nused_memory_scripts:%d\r\nused_memory_scripts_human:%s\r\n", functionsMem, scriptsEval+functionsMem, humanBytes(scriptsEval+functionsMem))
}

// notePeak records and returns the peak of used memory.
func (s *Server) notePeak(used int64) int64 {
	for {
		p := s.peakMemory.Load()
		if used <= p {
			return p
		}
		if s.peakMemory.CompareAndSwap(p, used) {
			return used
		}
	}
}

func totalSystemMemory() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

// humanBytes formats like Redis's bytesToHuman.
func humanBytes(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", d/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", d/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", d/(1024*1024*1024*1024))
	}
	return fmt.Sprintf("%.2fP", d/(1024*1024*1024*1024*1024))
}

func (s *Server) infoPersistence(b *strings.Builder) {
	fmt.Fprintf(b, "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\n")
	s.infoRDB(b)
	// Every write goes to Pebble's write-ahead log, which plays the AOF's part.
	s.infoAOF(b)
	fmt.Fprintf(b, "module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n")
}

func (s *Server) infoStats(b *strings.Builder) {
	st := &s.stats
	fmt.Fprintf(b, "total_connections_received:%d\r\ntotal_commands_processed:%d\r\ninstantaneous_ops_per_sec:%d\r\n", st.connectionsReceived.Load(), st.commandsProcessed.Load(), s.opsPerSec())
	fmt.Fprintf(b, "total_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\n", st.netInput.Load(), st.netOutput.Load())
	fmt.Fprintf(b, "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:%d\r\ninstantaneous_input_kbps:%.2f\r\ninstantaneous_output_kbps:%.2f\r\n",
		s.repl.outBytes.Load(), float64(s.netRate[0].rate())/1024, float64(s.netRate[1].rate())/1024)
	fmt.Fprintf(b, "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n")
	fmt.Fprintf(b, "rejected_connections:%d\r\nsync_full:%d\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n", st.rejectedConns.Load(), s.repl.syncFull.Load())
	fmt.Fprintf(b, "expired_keys:%d\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:%d\r\n", st.expiredKeys.Load(), s.expireCycleTime.Load()/1000)
	exceededTotal, exceededNow := s.evict.exceededMs()
	fmt.Fprintf(b, "evicted_keys:%d\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:%d\r\ncurrent_eviction_exceeded_time:%d\r\n", st.evictedKeys.Load(), exceededTotal, exceededNow)
	fmt.Fprintf(b, "keyspace_hits:%d\r\nkeyspace_misses:%d\r\n", st.keyspaceHits.Load(), st.keyspaceMisses.Load())
	fmt.Fprintf(b, "pubsub_channels:%d\r\npubsub_patterns:%d\r\npubsubshard_channels:%d\r\n", s.pubsub.count(kindChannel), s.pubsub.count(kindPattern), s.pubsub.count(kindShard))
	fmt.Fprintf(b, "latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n")
	fmt.Fprintf(b, "active_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n")
	_, keys, prefixes := s.tracking.stats()
	fmt.Fprintf(b, "tracking_total_keys:%d\r\ntracking_total_items:%d\r\ntracking_total_prefixes:%d\r\n", keys, keys, prefixes)
	fmt.Fprintf(b, "unexpected_error_replies:0\r\ntotal_error_replies:%d\r\ndump_payload_sanitizations:0\r\n", st.errorReplies.Load())
	fmt.Fprintf(b, "total_reads_processed:%d\r\ntotal_writes_processed:%d\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n", st.totalReadsProcessed.Load(), st.totalWritesProcessed.Load())
	// Replies go out of a buffer that grows and is reused, never resized
	// by a cron: nothing to count.
	fmt.Fprintf(b, "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n")
}

func (s *Server) infoCPU(b *strings.Builder) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	sys := float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
	user := float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
	fmt.Fprintf(b, "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n", sys, user)
	fmt.Fprintf(b, "used_cpu_sys_main_thread:%.6f\r\nused_cpu_user_main_thread:%.6f\r\n", sys, user)
}

func (s *Server) infoCommandStats(b *strings.Builder) {
	var lines []string
	s.eachCommand(func(c *command) {
		st := &c.stats
		calls, rejected, failed := st.calls.Load(), st.rejected.Load(), st.failed.Load()
		if calls == 0 && rejected == 0 && failed == 0 {
			return
		}
		usec := st.usec.Load()
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		lines = append(lines, fmt.Sprintf("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
			c.name, calls, usec, perCall, rejected, failed))
	})
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l)
	}
}

// eachCommand visits every command and subcommand, and the containers
// (CONFIG, CLIENT...), which count the calls refused for want of a
// subcommand.
func (s *Server) eachCommand(fn func(*command)) {
	for _, c := range s.commands {
		fn(c)
		for _, sub := range c.subs {
			fn(sub)
		}
	}
}

// infoLatencyStats is INFO latencystats: nothing while latency-tracking
// is off, else the percentiles latency-tracking-info-percentiles names
// (none: the names alone) of every command timed since CONFIG RESETSTAT.
func (s *Server) infoLatencyStats(b *strings.Builder) {
	if !s.cfg.Bool("latency-tracking") {
		return
	}
	var names []string
	var fracs []float64
	for _, f := range strings.Fields(s.cfg.String("latency-tracking-info-percentiles")) {
		p, err := strconv.ParseFloat(f, 64)
		if err != nil {
			continue
		}
		// Redis prints the percentile with %f, trailing zeros trimmed.
		name := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%f", p), "0"), ".")
		names = append(names, name)
		fracs = append(fracs, p/100)
	}
	var lines []string
	s.eachCommand(func(c *command) {
		if !c.hist.any() {
			return
		}
		p := c.hist.percentiles(fracs...)
		var l strings.Builder
		fmt.Fprintf(&l, "latency_percentiles_usec_%s:", c.name)
		for i, name := range names {
			if i > 0 {
				l.WriteByte(',')
			}
			fmt.Fprintf(&l, "p%s=%.3f", name, p[i])
		}
		l.WriteString("\r\n")
		lines = append(lines, l.String())
	})
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l)
	}
}

func (s *Server) infoErrorStats(b *strings.Builder) {
	for _, kv := range s.stats.errorCounts() {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", kv[0], kv[1])
	}
}

func (s *Server) infoKeyspace(b *strings.Builder) {
	now := time.Now().UnixMilli()
	for db := 0; db < s.conf().databases; db++ {
		keys, expires, deadlineSecs := s.store.KeyStats(db)
		if keys == 0 {
			continue
		}
		avg := int64(0)
		if expires > 0 {
			avg = max(deadlineSecs*1000/expires-now, 0)
		}
		fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", db, keys, expires, avg)
	}
}

func (s *Server) infoStorage(b *strings.Builder) {
	m := s.store.Pebble().Metrics()
	var files int64
	var size uint64
	for _, l := range m.Levels {
		files += l.TablesCount
		size += uint64(l.TablesSize)
	}
	fmt.Fprintf(b, "storage_engine:pebble\r\nstorage_data_dir:%s\r\n", s.dataDir)
	fmt.Fprintf(b, "storage_sstables:%d\r\nstorage_sstable_bytes:%d\r\nstorage_memtable_bytes:%d\r\nstorage_wal_bytes:%d\r\n", files, size, m.MemTable.Size, m.WAL.Size)
	fmt.Fprintf(b, "storage_block_cache_bytes:%d\r\nstorage_block_cache_hits:%d\r\nstorage_block_cache_misses:%d\r\n", m.BlockCache.Size, m.BlockCache.Hits, m.BlockCache.Misses)
	fmt.Fprintf(b, "storage_compactions:%d\r\nstorage_flushes:%d\r\nstorage_read_amp:%d\r\n", m.Compact.Count, m.Flush.Count, m.ReadAmp())
	fmt.Fprintf(b, "storage_commits:%d\r\nstorage_fsync_policy:%s\r\n", s.store.Commits(), s.cfg.String("appendfsync"))
}
