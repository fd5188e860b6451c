// Package engine gives Redis commands their meaning: the command table and
// dispatcher, clients, and one file per command family. DESIGN.md explains
// how commands stay atomic while clients run in parallel.
package engine

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/storage"
)

// Config is what the engine needs of the configuration (config.Config).
type Config interface {
	Int(name string) int64
	Bool(name string) bool
	String(name string) string
	Get(patterns ...string) [][2]string
	Set(args []string) error
	Record(name string, args []string) error
	Rewrite() error
	OnSet(name string, apply func(value string) error)
}

// Server is the shared state behind every client.
type Server struct {
	store *storage.Store
	cfg   Config
	log   *rlog.Logger

	// world is held shared by every command that touches the keyspace and
	// exclusively by those that must see and change it whole (EXEC, scripts,
	// FLUSHALL, SWAPDB). Key stripes order writers of the same keys.
	world   sync.RWMutex
	stripes [lockStripes]sync.Mutex
	// tickets[i] is the last commit that released stripe i before it
	// reached Pebble (commitBatch); whoever takes the stripe follows it.
	tickets [lockStripes]*storage.Ticket

	commands map[string]*command
	access   *accessControl // ACL users and log (acl_users.go)
	disk     diskGuard      // MISCONF while the disk cannot take writes (diskguard.go)
	pubsub   *pubsub
	watches  *watchRegistry
	blocking *blocking
	scripts  *scriptEngine // Lua scripts and functions (scripting.go)
	tracking *tracking
	pause    pauseState
	latency  latencyMonitor

	activeExpire       atomic.Bool // DEBUG SET-ACTIVE-EXPIRE turns it off
	skipChecksum       atomic.Bool // DEBUG SET-SKIP-CHECKSUM-VALIDATION turns it on
	scriptsRunNoscript atomic.Bool // DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call noscript commands
	cronPaused         atomic.Bool // DEBUG PAUSE-CRON: the periodic tasks stop
	evict              evictState  // maxmemory and eviction (evict.go)

	monitorsMu sync.Mutex
	monitors   map[*Client]struct{}
	monitoring atomic.Int32 // len(monitors), read without the lock by every command
	notify     atomic.Pointer[notifyFlags]

	clientsMu   sync.Mutex
	clients     map[uint64]*Client
	clientCount atomic.Int64 // len(clients), for used_memory without the lock
	lastID      atomic.Uint64

	stats   stats
	slowlog slowlog
	started time.Time
	runID   string

	settings atomic.Pointer[settings] // config values read on hot paths

	configFile      string
	dataDir         string
	lastSave        atomic.Int64                // unix seconds of the last save
	persist         persistence                 // RDB saves (rdbsave.go)
	repl            replState                   // SYNC/PSYNC snapshots (replication.go)
	replica         atomic.Pointer[replicaLink] // REPLICAOF's link to a master (replicaof.go)
	aof             aofRewrite                  // BGREWRITEAOF compactions (aofrewrite.go)
	peakMemory      atomic.Int64
	expireCycleTime atomic.Int64 // microseconds spent in active expiry
	opsRate         opsMeter
	netRate         [2]opsMeter // network input, output bytes: INFO's instantaneous_*_kbps

	shutdownFn func(save bool) error
	quit       chan struct{}
	bg         sync.WaitGroup
}

// settings caches configuration values the hot paths read.
type settings struct {
	maxBulk          int64
	slowlogSlower    int64
	slowlogMaxLen    int64
	hz               int
	maxClients       int64
	databases        int
	outputLimits     outputLimits
	latencyThreshold int64
	latencyTracking  bool
	minReplicas      bool // min-replicas-to-write and min-replicas-max-lag both set (minreplicas.go)
}

// outputLimits is client-output-buffer-limit for the client classes Cairn
// has (no replicas).
type outputLimits struct{ normal, pubsub outputLimit }

type outputLimit struct {
	hard, soft int64
	softFor    time.Duration
}

// parseOutputLimits reads "normal 0 0 0 slave ... pubsub 33554432 8388608 60".
func parseOutputLimits(v string) outputLimits {
	var l outputLimits
	f := strings.Fields(v)
	for i := 0; i+3 < len(f); i += 4 {
		hard, _ := strconv.ParseInt(f[i+1], 10, 64)
		soft, _ := strconv.ParseInt(f[i+2], 10, 64)
		secs, _ := strconv.ParseInt(f[i+3], 10, 64)
		limit := outputLimit{hard, soft, time.Duration(secs) * time.Second}
		switch f[i] {
		case "normal":
			l.normal = limit
		case "pubsub":
			l.pubsub = limit
		}
	}
	return l
}

// New builds a server over an open store. configFile and dataDir are
// reported by INFO.
func New(store *storage.Store, cfg Config, log *rlog.Logger, configFile, dataDir string) *Server {
	s := &Server{
		store:      store,
		cfg:        cfg,
		log:        log,
		commands:   buildCommands(),
		pubsub:     newPubsub(),
		watches:    newWatchRegistry(),
		blocking:   newBlocking(),
		tracking:   newTracking(),
		monitors:   map[*Client]struct{}{},
		clients:    make(map[uint64]*Client),
		started:    time.Now(),
		runID:      newRunID(),
		quit:       make(chan struct{}),
		configFile: configFile,
		dataDir:    dataDir,
	}
	s.scripts = newScriptEngine(s)
	s.initAccess()   // ACL users (acl_users.go)
	s.applyRenames() // rename-command (renames.go)
	s.lastSave.Store(time.Now().Unix())
	s.activeExpire.Store(true)
	s.loadSettings()
	s.loadNotify()
	s.initEviction() // maxmemory (evict.go)
	cfg.OnSet("notify-keyspace-events", func(string) error { s.loadNotify(); return nil })
	s.tracking.setMaxKeys(int(cfg.Int("tracking-table-max-keys")))
	cfg.OnSet("tracking-table-max-keys", func(v string) error {
		n, _ := strconv.Atoi(v)
		s.tracking.setMaxKeys(n)
		return nil
	})
	for _, name := range []string{"proto-max-bulk-len", "slowlog-log-slower-than", "slowlog-max-len", "hz", "maxclients", "client-output-buffer-limit", "latency-monitor-threshold", "latency-tracking", "min-replicas-to-write", "min-replicas-max-lag"} {
		cfg.OnSet(name, func(string) error { s.loadSettings(); return nil })
	}
	cfg.OnSet("appendfsync", func(v string) error { store.SetFsync(parseFsync(v)); return nil })
	store.SetFsync(parseFsync(cfg.String("appendfsync")))
	return s
}

func parseFsync(v string) storage.Fsync {
	switch v {
	case "always":
		return storage.FsyncAlways
	case "no":
		return storage.FsyncNo
	}
	return storage.FsyncEverySec
}

func (s *Server) loadSettings() {
	hz := int(s.cfg.Int("hz"))
	if hz < 1 {
		hz = 1
	}
	s.settings.Store(&settings{
		maxBulk:          s.cfg.Int("proto-max-bulk-len"),
		slowlogSlower:    s.cfg.Int("slowlog-log-slower-than"),
		slowlogMaxLen:    s.cfg.Int("slowlog-max-len"),
		hz:               hz,
		maxClients:       s.cfg.Int("maxclients"),
		databases:        s.store.Databases(),
		outputLimits:     parseOutputLimits(s.cfg.String("client-output-buffer-limit")),
		latencyThreshold: s.cfg.Int("latency-monitor-threshold"),
		latencyTracking:  s.cfg.Bool("latency-tracking"),
		minReplicas:      s.cfg.Int("min-replicas-to-write") > 0 && s.cfg.Int("min-replicas-max-lag") > 0,
	})
}

func (s *Server) conf() *settings { return s.settings.Load() }

func (s *Server) loadNotify() {
	f := parseNotifyFlags(config.NotifyClasses(s.cfg.Int("notify-keyspace-events")))
	s.notify.Store(&f)
}

// SetShutdown installs what SHUTDOWN calls to stop the process.
func (s *Server) SetShutdown(fn func(save bool) error) { s.shutdownFn = fn }

// Start runs the background cycles (active expiry, cache clock).
func (s *Server) Start() {
	s.bg.Add(1)
	go s.cron()
	s.bg.Add(1)
	go s.watchDisk() // diskguard.go
	s.bg.Add(1)
	go s.saveCron()
	if keys := s.store.TakeWarmKeys(); len(keys) > 0 {
		s.bg.Add(1)
		go s.warmHotCache(keys) // warmup.go
	}
	s.startReplicaOf()
}

// Stop ends the background cycles.
func (s *Server) Stop() {
	if l := s.replica.Swap(nil); l != nil {
		l.stopLink(true)
		l.savePosition()
	}
	close(s.quit)
	s.bg.Wait()
}

// cron is Redis's serverCron: hz times a second, expire due keys and tick
// the clocks.
func (s *Server) cron() {
	defer s.bg.Done()
	for {
		hz := s.conf().hz
		select {
		case <-s.quit:
			return
		case <-time.After(time.Second / time.Duration(hz)):
		}
		if s.cronPaused.Load() {
			continue
		}
		s.store.Tick()
		s.opsRate.sample(s.stats.commandsProcessed.Load())
		s.netRate[0].sample(s.stats.netInput.Load())
		s.netRate[1].sample(s.stats.netOutput.Load())
		s.limitTrackedKeys()
		// A replica leaves expiry to its master, whose DELs it applies.
		if !s.pause.active() && s.activeExpire.Load() && s.replica.Load() == nil {
			start := time.Now()
			s.activeExpireCycle(time.Second / time.Duration(hz) / 4)
			s.latency.record("expire-cycle", time.Since(start).Milliseconds(), s.conf().latencyThreshold)
			s.evictCycle(time.Second / time.Duration(hz) / 4) // evict.go
		}
	}
}
