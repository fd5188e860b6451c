package engine

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// REPLICAOF host port makes Cairn a replica of a Redis master (or of
// another Cairn), as redis-server does: the handshake (PING, AUTH with
// masterauth/masteruser, REPLCONF, PSYNC), a full resynchronization from
// the master's RDB (spooled to a file in dir, staged while clients read
// the old data, then swapped in for every database at once; a file that
// does not load changes nothing), then the master's command stream
// applied by a master client whose replies go nowhere, with REPLCONF ACK
// every second. A lost link is retried once a second with PSYNC replid
// offset, so a master that still has the backlog answers +CONTINUE and
// no data moves again. A clean shutdown keeps the position, so the next
// start continues with PSYNC too (Redis keeps it in its RDB); after a
// crash the next start syncs in full.
// While a replica, clients cannot write (replica-read-only), and ROLE and
// INFO replication say what the link is doing. REPLICAOF NO ONE ends it;
// the data stays.
//
// FAILOVER, which needs replicas of this server, answers as a Redis
// without one.

func init() {
	register(
		cmdDef{name: "replicaof", run: cmdReplicaOf},
		cmdDef{name: "slaveof", run: cmdReplicaOf},
		cmdDef{name: "failover", run: cmdFailover},
	)
}

// Link states, as ROLE names them.
const (
	linkConnect    = "connect"    // waiting to dial
	linkConnecting = "connecting" // dialling
	linkHandshake  = "handshake"  // PING, AUTH, REPLCONF, PSYNC
	linkSync       = "sync"       // receiving the RDB
	linkConnected  = "connected"  // applying the stream
)

// replicaLink follows one master until stopped.
type replicaLink struct {
	s          *Server
	host       string
	port       int
	master     *Client // applies the stream; its replies are dropped
	stop       chan struct{}
	done       chan struct{}
	state      atomic.Pointer[string]
	offset     atomic.Int64 // replication offset applied; -1 before the first sync
	lastIO     atomic.Int64 // unix ms of the last byte from the master
	downSince  atomic.Int64 // unix s an established link went down; 0: none did
	syncBytes  atomic.Int64 // RDB bytes expected (-1: EOF-marked) and read
	syncRead   atomic.Int64
	replid     string                 // the master's replication id (link goroutine only)
	replidSeen atomic.Pointer[string] // the same, for INFO
	mu         sync.Mutex
	conn       net.Conn // the live connection, closed by stopLink
}

func cmdReplicaOf(x *Ctx) {
	s := x.s
	if eq(x.args[1], "no") && eq(x.args[2], "one") {
		s.recordReplicaOf("no", "one")
		if l := s.replica.Swap(nil); l != nil {
			l.stopLink(!x.shared)
			s.log.Noticef("MASTER MODE enabled (user request from '%s')", s.clientInfoLine(x.c, time.Now()))
		}
		x.w.OK()
		return
	}
	port, ok := parseInt(x.args[2])
	if !ok || port < 0 || port > 65535 {
		x.fail("ERR Invalid master port")
		return
	}
	host := string(x.args[1])
	if l := s.replica.Load(); l != nil && strings.EqualFold(l.host, host) && l.port == int(port) {
		s.log.Noticef("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		x.w.Simple("OK Already connected to specified master")
		return
	}
	s.recordReplicaOf(host, strconv.FormatInt(port, 10))
	s.startReplica(host, int(port), !x.shared, nil)
	s.log.Noticef("REPLICAOF %s:%d enabled (user request from '%s')", host, port, s.clientInfoLine(x.c, time.Now()))
	x.w.OK()
}

// startReplica replaces any link with one to host:port, starting from
// the position from (nil: a full sync). wait says whether to wait for the
// old link to end, which a command run by EXEC must not: it holds the
// lock the link may be waiting for.
func (s *Server) startReplica(host string, port int, wait bool, from *position) {
	l := &replicaLink{s: s, host: host, port: port, stop: make(chan struct{}), done: make(chan struct{})}
	l.offset.Store(-1)
	if from != nil {
		l.setReplid(from.replid)
		l.offset.Store(from.offset)
	}
	l.setState(linkConnect)
	l.master = s.NewClient(masterConn{addr: net.JoinHostPort(host, strconv.Itoa(port))})
	l.master.aclUser.Store(nil) // the master may run anything
	l.master.authenticated = true
	l.master.fromMaster.Store(true)
	if old := s.replica.Swap(l); old != nil {
		old.stopLink(wait)
	}
	go l.run()
}

// recordReplicaOf makes the replicaof directive say what REPLICAOF set,
// for CONFIG GET and CONFIG REWRITE, as in Redis.
func (s *Server) recordReplicaOf(host, port string) {
	if err := s.cfg.Record("replicaof", []string{host, port}); err != nil {
		s.log.Warningf("Recording replicaof %s %s: %v", host, port, err)
	}
}

// startReplicaOf follows the master the replicaof directive names, if
// any; called once at start-up. A position a clean shutdown kept lets the
// link start with PSYNC instead of a full sync.
func (s *Server) startReplicaOf() {
	pos, err := s.store.TakeReplicaPosition()
	if err != nil {
		s.log.Warningf("Reading the replica position: %v", err)
	}
	f := strings.Fields(s.cfg.String("replicaof"))
	if len(f) != 2 || strings.EqualFold(f[0], "no") {
		return
	}
	port, err := strconv.Atoi(f[1])
	if err != nil {
		return
	}
	var from *position
	if id, off, ok := strings.Cut(pos, " "); ok {
		if n, err := strconv.ParseInt(off, 10, 64); err == nil {
			from = &position{id, n}
			s.log.Noticef("Using the position a clean shutdown kept to continue replication: %s:%d", id, n)
		}
	}
	s.startReplica(f[0], port, true, from)
}

// savePosition keeps where a stopped link's data stands, for the next
// start (a clean shutdown).
func (l *replicaLink) savePosition() {
	if l.replid == "" || l.offset.Load() < 0 {
		return
	}
	if err := l.s.store.SaveReplicaPosition(fmt.Sprintf("%s %d", l.replid, l.offset.Load())); err != nil {
		l.s.log.Warningf("Saving the replica position: %v", err)
	}
}

// stopLink ends the link and, if wait, waits for its goroutine; one that
// is not waited for applies no command it has not started.
func (l *replicaLink) stopLink(wait bool) {
	close(l.stop)
	l.mu.Lock()
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
	if wait {
		<-l.done
	}
}

func (l *replicaLink) setReplid(id string) {
	l.replid = id
	l.replidSeen.Store(&id)
}

func (l *replicaLink) setState(st string) { l.state.Store(&st) }
func (l *replicaLink) getState() string   { return *l.state.Load() }

func (l *replicaLink) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// info writes INFO replication's replica lines and returns the
// replication id and offset the section ends with.
func (l *replicaLink) info(b *strings.Builder) (string, int64) {
	now := time.Now()
	state := l.getState()
	status, lastIO := "down", int64(-1)
	if state == linkConnected {
		status, lastIO = "up", (now.UnixMilli()-l.lastIO.Load())/1000
	}
	syncing := 0
	if state == linkSync {
		syncing = 1
	}
	offset := max(l.offset.Load(), 0)
	fmt.Fprintf(b, "role:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\nmaster_link_status:%s\r\nmaster_last_io_seconds_ago:%d\r\nmaster_sync_in_progress:%d\r\nslave_read_repl_offset:%d\r\nslave_repl_offset:%d\r\n",
		l.host, l.port, status, lastIO, syncing, offset, offset)
	if syncing == 1 {
		total, read := l.syncBytes.Load(), l.syncRead.Load()
		left, perc := int64(-1), 0.0
		if total > 0 {
			left, perc = total-read, float64(read)*100/float64(total)
		}
		fmt.Fprintf(b, "master_sync_total_bytes:%d\r\nmaster_sync_read_bytes:%d\r\nmaster_sync_left_bytes:%d\r\nmaster_sync_perc:%.2f\r\nmaster_sync_last_io_seconds_ago:%d\r\n",
			total, read, left, perc, (now.UnixMilli()-l.lastIO.Load())/1000)
	}
	if state != linkConnected {
		down := int64(-1)
		if t := l.downSince.Load(); t != 0 {
			down = now.Unix() - t
		}
		fmt.Fprintf(b, "master_link_down_since_seconds:%d\r\n", down)
	}
	fmt.Fprintf(b, "slave_priority:%d\r\nslave_read_only:%d\r\nreplica_announced:%d\r\n",
		l.s.cfg.Int("replica-priority"), boolInt(l.s.cfg.Bool("replica-read-only")), boolInt(l.s.cfg.Bool("replica-announced")))
	replid := l.s.runID
	if id := l.replidSeen.Load(); id != nil {
		replid = *id
	}
	return replid, offset
}

// masterConn is the master client's side of the link: its replies are
// not sent (the ACKs are written by the link itself).
type masterConn struct{ addr string }

func (m masterConn) Write(p []byte) (int, error)           { return len(p), nil }
func (m masterConn) Close() error                          { return nil }
func (m masterConn) RemoteAddr() string                    { return m.addr }
func (m masterConn) LocalAddr() string                     { return "" }
func (m masterConn) FD() int                               { return -1 }
func (m masterConn) QueryBuffer() (int64, int64)           { return 0, 0 }
func (m masterConn) WatchClose() (<-chan struct{}, func()) { return nil, func() {} }
func (m masterConn) ReadCommand() ([][]byte, error)        { return nil, io.EOF }

// readOnlyRefusal is Redis's answer to a write sent to a read-only
// replica by anyone but its master: what mayWrite says is a write
// (minreplicas.go).
func (c *Client) readOnlyRefusal(cmd *command, args [][]byte) string {
	if !c.readOnlyReplica() {
		return ""
	}
	if c.mayWrite(cmd, args) {
		return errReadOnlyReplica
	}
	return ""
}

const errReadOnlyReplica = "READONLY You can't write against a read only replica."

// staleRefusal is Redis's answer, with replica-serve-stale-data no, to
// commands not flagged stale while the link to the master is not up.
func (c *Client) staleRefusal(cmd *command) string {
	l := c.s.replica.Load()
	if l == nil || c.fromMaster.Load() || l.getState() == linkConnected || c.s.cfg.Bool("replica-serve-stale-data") || cmd.spec.HasFlag("stale") {
		return ""
	}
	return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
}

// readOnlyReplica is whether this client's writes are refused: the server
// follows a master with replica-read-only, and the client is not that
// master.
func (c *Client) readOnlyReplica() bool {
	return !c.fromMaster.Load() && c.s.replica.Load() != nil && c.s.cfg.Bool("replica-read-only")
}

func cmdFailover(x *Ctx) {
	if len(x.args) == 2 && eq(x.args[1], "abort") {
		x.fail("ERR No failover in progress.")
		return
	}
	var host bool
	var timeout int64
	force := false
	for i := 1; i < len(x.args); i++ {
		more := len(x.args) - i - 1
		switch a := x.args[i]; {
		case eq(a, "to") && more >= 2 && !host:
			if _, ok := x.intArg(i + 2); !ok {
				return
			}
			host = true
			i += 2
		case eq(a, "timeout") && more >= 1 && timeout == 0:
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			if n <= 0 {
				x.fail("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = n
			i++
		case eq(a, "force") && !force:
			force = true
		default:
			x.fail(errSyntax)
			return
		}
	}
	// Redis checks for replicas before FORCE's requirements: with none,
	// that is the answer to every well-formed FAILOVER.
	x.fail("ERR FAILOVER requires connected replicas.")
}
