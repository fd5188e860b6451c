// Command cairn-server is a drop-in redis-server that keeps its data on
// disk: cairn-server [/path/to/redis.conf] [--directive value ...].
package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/procs"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/server"
	"github.com/cairndb/cairn/storage"
)

const usage = `Usage: ./cairn-server [/path/to/redis.conf] [options] [-]
       ./cairn-server - (read config from stdin)
       ./cairn-server -v or --version
       ./cairn-server -h or --help
       ./cairn-server --test-memory <megabytes> (refused: nothing to test)
       ./cairn-server --check-system (refused: nothing to check)

Examples:
       ./cairn-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./cairn-server -
       ./cairn-server /etc/redis/6379.conf
       ./cairn-server --port 7777
       ./cairn-server /etc/myredis.conf --loglevel verbose
`

func main() {
	args := os.Args[1:]
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Printf("Redis server v=%s sha=00000000:0 malloc=go bits=64 build=cairn-%s\n", engine.RedisVersion, engine.CairnVersion)
			return
		case "-h", "--help": // as redis-server: on stderr, exit status 1
			fmt.Fprint(os.Stderr, usage)
			os.Exit(1)
		}
	}
	if len(args) > 0 && (args[0] == "--test-memory" || args[0] == "--check-system") {
		fmt.Fprintf(os.Stderr, "%s is not supported by Cairn: Go manages its own memory, there is no allocator to test.\n", args[0])
		os.Exit(1)
	}
	importFile, args, err := importFlag(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := config.Load(args, os.Environ())
	if err != nil {
		printConfigError(err)
		os.Exit(1)
	}
	if importFile != "" {
		if err := runImport(cfg, importFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if cfg.Bool("daemonize") && os.Getenv(daemonChild) == "" {
		if err := daemonize(); err != nil {
			fmt.Fprintln(os.Stderr, "Can't daemonize:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv("GOGC") == "" {
		// Commands allocate short-lived garbage at a high rate; collecting
		// half as often costs little memory next to the caches.
		debug.SetGCPercent(200)
	}
	if err := run(cfg); err != nil {
		os.Exit(1)
	}
}

// run starts the server and blocks until it shuts down.
func run(cfg *config.Config) error {
	log := rlog.New()
	if level, ok := rlog.ParseLevel(cfg.String("loglevel")); ok {
		log.SetLevel(level)
	}
	if err := log.SetFile(cfg.String("logfile")); err != nil {
		fmt.Fprintf(os.Stderr, "Can't open the log file: %v\n", err)
		return err
	}
	cfg.OnSet("loglevel", func(v string) error {
		level, _ := rlog.ParseLevel(v)
		log.SetLevel(level)
		return nil
	})
	log.SetRole('C') // as redis-server until the server is set up
	log.Warningf("oO0OoO0OoO0Oo Cairn is starting oO0OoO0OoO0Oo")
	log.Warningf("Cairn version=%s (Redis %s compatible), bits=64, pid=%d, just started", engine.CairnVersion, engine.RedisVersion, os.Getpid())
	if f := cfg.ConfigFile(); f != "" {
		log.Warningf("Configuration loaded from %s", f)
	} else {
		log.Warningf("Warning: no config file specified, using the default config. In order to specify a config file use cairn-server /path/to/redis.conf")
	}
	log.SetRole('M')
	log.Noticef("Running mode=standalone, port=%d.", cfg.Int("port"))
	for _, d := range cfg.IgnoredDirectives() {
		log.Noticef("Directive '%s' is accepted for compatibility and ignored by Cairn", d)
	}

	// Like Redis, work from dir, so relative paths (logfile, pidfile,
	// unixsocket, dbfilename) mean what they mean to a redis.conf user.
	dir := cfg.String("dir")
	if err := os.Chdir(dir); err != nil {
		log.Warningf("Can't chdir to '%s': %v", dir, err)
		return err
	}
	dataDir, _ := filepath.Abs(cfg.String("cairn-data-subdir"))
	started := time.Now()
	fresh := freshDataDir(dataDir)
	plan := memoryPlan(cfg, 0, 0)
	store, err := storage.Open(storage.Options{
		Dir:            dataDir,
		BlockCacheSize: plan.BlockCache,
		MemTableSize:   plan.MemTable,
		HotCacheSize:   plan.HotCache,
		AccessSlots:    plan.AccessSlots,
		DirectReads:    directReads(cfg, log),
		Logger:         rlog.Pebble{L: log},
	}, int(cfg.Int("databases")))
	if err != nil {
		log.Warningf("Can't open the data directory %s: %v", dataDir, err)
		return err
	}
	applyMemoryPlan(store, plan, log)
	resize := func(string) error {
		applyMemoryPlan(store, memoryPlan(cfg, plan.BlockCache, plan.MemTable), log)
		return nil
	}
	for _, name := range []string{"maxmemory", "cairn-memory-bound", "cairn-cache-size"} {
		cfg.OnSet(name, resize)
	}
	log.Noticef("Data directory %s opened in %.3f seconds", dataDir, time.Since(started).Seconds())

	loaded, err := loadAtStartup(cfg, store, log, fresh)
	if err != nil {
		store.Close()
		return err
	}
	eng := engine.New(store, cfg, log, cfg.ConfigFile(), dataDir)
	if err := eng.ACLError(); err != nil { // users from "user" lines and aclfile
		log.Warningf("%v", err)
		store.Close()
		return err
	}
	eng.RecordLoad(loaded)
	tlsConfig, err := tlsSetup(cfg)
	if err != nil {
		log.Warningf("%v", err)
		log.Warningf("Failed to configure TLS. Check logs for more info.")
		store.Close()
		return err
	}
	maxBulk, maxQuery := cfg.IntReader("proto-max-bulk-len"), cfg.IntReader("client-query-buffer-limit")
	idle := cfg.IntReader("timeout")
	srv, err := server.Listen(eng, server.Options{
		Binds:        cfg.Strings("bind"),
		Port:         int(cfg.Int("port")),
		UnixSocket:   cfg.String("unixsocket"),
		UnixPerm:     os.FileMode(cfg.Int("unixsocketperm")),
		TCPKeepAlive: time.Duration(cfg.Int("tcp-keepalive")) * time.Second,
		Limits: func() (int64, int64) {
			return maxBulk(), maxQuery()
		},
		Idle:    func() time.Duration { return time.Duration(idle()) * time.Second },
		TLSPort: int(cfg.Int("tls-port")),
		TLS:     tlsConfig,
	}, log)
	if err != nil {
		log.Warningf("Failed listening on port %d (tcp), aborting: %v", cfg.Int("port"), err)
		store.Close()
		return err
	}
	srv.FollowConfig(cfg)
	pidfile := cfg.String("pidfile")
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			log.Warningf("Failed to write PID file: %v", err)
		}
	}

	if path := os.Getenv("CAIRN_CPUPROFILE"); path != "" {
		// For performance work: a CPU profile of the whole run.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var once sync.Once
	done := make(chan struct{})
	shutdown := func(reason string) {
		once.Do(func() {
			log.Warningf("%s", reason)
			srv.Close()
			eng.Stop()
			if err := store.Close(); err != nil {
				log.Warningf("Error closing the data directory: %v", err)
			}
			if pidfile != "" {
				os.Remove(pidfile)
			}
			log.Warningf("Cairn is now ready to exit, bye bye...")
			close(done)
		})
	}
	eng.SetShutdown(func(save bool) error {
		go shutdown("User requested shutdown...")
		return nil
	})
	// Before the ready line: a supervisor may signal as soon as it sees it.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	eng.Start()
	if os.Getenv("GOMAXPROCS") == "" { // if set, the user chose the count: leave it
		stop := make(chan struct{})
		defer close(stop)
		go procs.New(runtime.GOMAXPROCS(0), eng.Work).Run(stop)
	}
	srv.Serve()
	var addrs []string
	for _, a := range srv.Addrs() {
		addrs = append(addrs, a.String())
	}
	log.Noticef("Cairn %s listening on %s (pid %d, data in %s)", engine.CairnVersion, strings.Join(addrs, ", "), os.Getpid(), dataDir)
	log.Noticef("Ready to accept connections") // the line supervisors and test harnesses wait for
	select {
	case sig := <-sigs:
		name := "SIGTERM"
		if sig == syscall.SIGINT {
			name = "SIGINT"
		}
		if err := eng.ShutdownSave(); err != nil {
			log.Warningf("Error trying to save the DB: %v", err)
		}
		shutdown(fmt.Sprintf("Received %s scheduling shutdown...", name))
	case <-done:
	}
	<-done
	return nil
}

// tlsSetup builds the tls-port listener's TLS configuration from the tls-*
// directives; nil when tls-port is 0.
func tlsSetup(cfg *config.Config) (*tls.Config, error) {
	if cfg.Int("tls-port") == 0 {
		return nil, nil
	}
	return server.TLSConfig(server.TLSSettings{
		CertFile:    cfg.String("tls-cert-file"),
		KeyFile:     cfg.String("tls-key-file"),
		CACertFile:  cfg.String("tls-ca-cert-file"),
		CACertDir:   cfg.String("tls-ca-cert-dir"),
		AuthClients: cfg.String("tls-auth-clients"),
		Protocols:   cfg.String("tls-protocols"),
	})
}

// printConfigError reports a configuration error the way redis-server
// does: the FATAL CONFIG FILE ERROR block on stderr, or a warning log line
// for a file that cannot be opened.
func printConfigError(err error) {
	var open *config.OpenError
	if errors.As(err, &open) {
		rlog.New().Warningf("%s", err)
		return
	}
	fmt.Fprintf(os.Stderr, "\n%s\n", err)
}

// Memory sizing. The process memory bound is cairn-memory-bound, or when
// 0 maxmemory (a Redis with that maxmemory would use about that much RAM;
// capped at 3/4 of the machine's RAM, since a disk store's dataset may be
// far larger than RAM), or min(1 GB, RAM/2) when neither is set. Under a
// memory cgroup limit below the RAM, the limit counts as the RAM.
// storage.PlanMemory splits it between the hot cache, Pebble's block cache
// and memtables (explicit cairn-cache-size, cairn-block-cache-size and
// cairn-memtable-size win over their shares), and the Go heap's soft limit
// (GOMEMLIMIT, unless the environment sets it) is what Pebble's off-heap
// memory leaves of the bound.

// memoryPlan sizes the caches from the configuration. While running,
// blockCap and memTable are the sizes the store was opened with: the block
// cache can only shrink below its first size, memtables keep theirs.
func memoryPlan(cfg *config.Config, blockCap, memTable int64) storage.MemoryPlan {
	ram := availableMemory()
	bound := cfg.Int("cairn-memory-bound")
	if bound <= 0 {
		if m := cfg.Int("maxmemory"); m > 0 {
			bound = m
			if ram > 0 {
				bound = min(bound, ram*3/4)
			}
		} else {
			bound = 1 << 30
			if ram > 0 {
				bound = min(bound, ram/2)
			}
		}
	}
	if memTable == 0 {
		memTable = cfg.Int("cairn-memtable-size")
	}
	p := storage.PlanMemory(bound, cfg.Int("cairn-cache-size"), cfg.Int("cairn-block-cache-size"), memTable)
	if blockCap > 0 {
		p.BlockCache = min(p.BlockCache, blockCap)
		p.Recompute()
	}
	return p
}

// applyMemoryPlan resizes what can be resized and sets the Go heap's soft
// limit, unless GOMEMLIMIT is set in the environment.
func applyMemoryPlan(store *storage.Store, p storage.MemoryPlan, log *rlog.Logger) {
	store.Resize(p)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(p.GoMemLimit)
	}
	log.Noticef("Memory bound %s: hot cache %s, block cache %s, memtables %d x %s, Go heap limit %s",
		mb(p.Bound), mb(p.HotCache), mb(p.BlockCache), 4, mb(p.MemTable), mb(debug.SetMemoryLimit(-1)))
}

func mb(n int64) string { return fmt.Sprintf("%.1fMB", float64(n)/(1<<20)) }

// availableMemory is the RAM the process may use: the machine's, or its
// memory cgroup's limit when that is lower.
func availableMemory() int64 {
	ram := systemMemory()
	if limit := cgroupMemoryLimit(); limit > 0 && (ram <= 0 || limit < ram) {
		return limit
	}
	return ram
}

// systemMemory is the machine's RAM in bytes (0 if unknown).
func systemMemory() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}

const daemonChild = "CAIRN_DAEMON_CHILD"

// daemonize re-runs the binary detached from the terminal (Go cannot fork),
// which is what daemonize yes means to a redis.conf user.
func daemonize() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	p, err := os.StartProcess(exe, os.Args, &os.ProcAttr{
		Env:   append(os.Environ(), daemonChild+"=1"),
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return err
	}
	return errors.Join(p.Release())
}
