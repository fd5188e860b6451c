package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/resp"
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

// run keeps a session with the master going until the link is stopped.
func (l *replicaLink) run() {
	defer close(l.done)
	defer l.master.Close()
	for !l.stopped() {
		err := l.session()
		if l.stopped() {
			return
		}
		if l.getState() == linkConnected {
			l.downSince.Store(time.Now().Unix())
		}
		l.setState(linkConnect)
		l.s.log.Warningf("Connection with master %s:%d lost: %v", l.host, l.port, err)
		select {
		case <-l.stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// replTimeout bounds every wait for the master (repl-timeout).
func (l *replicaLink) replTimeout() time.Duration {
	return time.Duration(max(l.s.cfg.Int("repl-timeout"), 1)) * time.Second
}

// session is one connection: handshake, sync, stream.
func (l *replicaLink) session() error {
	l.setState(linkConnecting)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(l.host, strconv.Itoa(l.port)), l.replTimeout())
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.conn = conn
	l.mu.Unlock()
	defer conn.Close()
	if l.stopped() { // stopLink ran before the connection was published
		return errors.New("link stopped")
	}
	l.setState(linkHandshake)
	l.s.log.Noticef("MASTER <-> REPLICA sync started")
	br := bufio.NewReaderSize(conn, 64<<10)
	full, err := l.handshake(conn, br)
	if err != nil {
		return err
	}
	if full != nil {
		// The master's id and offset become the replica's only with the
		// data they describe: a sync that fails must not PSYNC from them.
		if err := l.fullSync(conn, br); err != nil {
			return err
		}
		l.setReplid(full.replid)
		l.offset.Store(full.offset)
	}
	l.setState(linkConnected)
	l.lastIO.Store(time.Now().UnixMilli())
	return l.stream(conn, br)
}

// call sends one command and reads its one-line reply.
func (l *replicaLink) call(conn net.Conn, br *bufio.Reader, args ...string) (string, error) {
	w := resp.NewWriter()
	w.Array(len(args))
	for _, a := range args {
		w.BulkString(a)
	}
	conn.SetDeadline(time.Now().Add(l.replTimeout()))
	if _, err := conn.Write(w.Bytes()); err != nil {
		return "", err
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" { // newlines keep a slow master's link alive
			return line, nil
		}
	}
}

// position is where a replica stands in its master's history.
type position struct {
	replid string
	offset int64
}

// handshake authenticates and asks for the stream; it returns the
// master's position when a full resynchronization follows.
func (l *replicaLink) handshake(conn net.Conn, br *bufio.Reader) (*position, error) {
	s := l.s
	reply, err := l.call(conn, br, "PING")
	if err != nil {
		return nil, err
	}
	// A master that wants AUTH says so to PING; that is fine.
	if reply[0] == '-' && !strings.HasPrefix(reply, "-NOAUTH") && !strings.HasPrefix(reply, "-NOPERM") && !strings.HasPrefix(reply, "-ERR operation not permitted") {
		return nil, fmt.Errorf("error reply to PING from master: '%s'", reply)
	}
	if pass := s.cfg.String("masterauth"); pass != "" {
		args := []string{"AUTH", pass}
		if user := s.cfg.String("masteruser"); user != "" {
			args = []string{"AUTH", user, pass}
		}
		if reply, err = l.call(conn, br, args...); err != nil {
			return nil, err
		}
		if reply[0] == '-' {
			return nil, fmt.Errorf("unable to AUTH to MASTER: %s", reply)
		}
	}
	if _, err = l.call(conn, br, "REPLCONF", "listening-port", strconv.FormatInt(s.cfg.Int("port"), 10)); err != nil {
		return nil, err
	}
	if _, err = l.call(conn, br, "REPLCONF", "capa", "eof", "capa", "psync2"); err != nil {
		return nil, err
	}
	replid, offset := "?", "-1"
	if l.replid != "" && l.offset.Load() >= 0 {
		replid, offset = l.replid, strconv.FormatInt(l.offset.Load()+1, 10)
	}
	if reply, err = l.call(conn, br, "PSYNC", replid, offset); err != nil {
		return nil, err
	}
	f := strings.Fields(reply)
	switch {
	case len(f) == 3 && f[0] == "+FULLRESYNC":
		at, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad FULLRESYNC reply '%s'", reply)
		}
		s.log.Noticef("Full resync from master: %s:%d", f[1], at)
		return &position{f[1], at}, nil
	case len(f) >= 1 && f[0] == "+CONTINUE":
		if len(f) == 2 {
			l.setReplid(f[1])
		}
		s.log.Noticef("Successful partial resynchronization with master.")
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected reply to PSYNC from master: %s", reply)
}

// fullSync receives the master's RDB into a file in dir, then loads it in
// place of every database.
func (l *replicaLink) fullSync(conn net.Conn, br *bufio.Reader) error {
	l.setState(linkSync)
	s := l.s
	f, err := os.CreateTemp(filepath.Dir(s.rdbPath()), fmt.Sprintf("temp-%d-*.rdb", os.Getpid()))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := l.receivePayload(conn, br, f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.log.Noticef("MASTER <-> REPLICA sync: Loading DB in memory")
	st, ready, err := s.replaceDataset(bufio.NewReaderSize(f, 1<<20), true)
	if err != nil {
		return fmt.Errorf("loading the master's RDB: %w", err)
	}
	s.blocking.signal(s, ready)
	s.log.Noticef("MASTER <-> REPLICA sync: Finished with success (%d keys)", st.Keys)
	return nil
}

// receivePayload copies "$<len>\r\n<bytes>" or "$EOF:<mark>\r\n<bytes><mark>"
// (diskless) into w.
func (l *replicaLink) receivePayload(conn net.Conn, br *bufio.Reader, w io.Writer) error {
	var head string
	for head == "" { // newlines while the master prepares the RDB
		conn.SetReadDeadline(time.Now().Add(l.replTimeout()))
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		head = strings.TrimRight(line, "\r\n")
		l.lastIO.Store(time.Now().UnixMilli())
	}
	if head[0] == '-' {
		return fmt.Errorf("master aborted replication with an error: %s", head[1:])
	}
	if head[0] != '$' {
		return fmt.Errorf("bad protocol from MASTER, the first byte is not '$' (we received '%s')", head)
	}
	l.syncRead.Store(0)
	if mark, ok := strings.CutPrefix(head, "$EOF:"); ok && len(mark) == 40 {
		l.syncBytes.Store(-1)
		return l.copyUntilMark(conn, br, w, []byte(mark))
	}
	n, err := strconv.ParseInt(head[1:], 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("bad RDB length from master: %s", head)
	}
	l.syncBytes.Store(n)
	for n > 0 {
		conn.SetReadDeadline(time.Now().Add(l.replTimeout()))
		got, err := io.CopyN(w, br, min(n, 1<<20))
		n -= got
		l.syncRead.Add(got)
		l.lastIO.Store(time.Now().UnixMilli())
		if err != nil {
			return err
		}
	}
	return nil
}

// copyUntilMark copies br to w up to the 40-byte end mark. Nothing follows
// the mark until the replica's first ACK, so reading ahead is safe.
func (l *replicaLink) copyUntilMark(conn net.Conn, br *bufio.Reader, w io.Writer, mark []byte) error {
	var tail []byte // the last len(mark) bytes seen, not yet written
	buf := make([]byte, 64<<10)
	for {
		conn.SetReadDeadline(time.Now().Add(l.replTimeout()))
		n, err := br.Read(buf)
		l.syncRead.Add(int64(n))
		l.lastIO.Store(time.Now().UnixMilli())
		tail = append(tail, buf[:n]...)
		if bytes.HasSuffix(tail, mark) {
			_, werr := w.Write(tail[:len(tail)-len(mark)])
			return werr
		}
		if keep := len(mark); len(tail) > keep {
			if _, werr := w.Write(tail[:len(tail)-keep]); werr != nil {
				return werr
			}
			tail = append(tail[:0], tail[len(tail)-keep:]...)
		}
		if err != nil {
			return err
		}
	}
}

// stream applies the master's commands, counting their bytes into the
// offset, and acknowledges it every second.
func (l *replicaLink) stream(conn net.Conn, br *bufio.Reader) error {
	var wmu sync.Mutex
	ack := func() error {
		wmu.Lock()
		defer wmu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(l.replTimeout()))
		_, err := conn.Write(fmt.Appendf(nil, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%d\r\n",
			len(strconv.FormatInt(l.offset.Load(), 10)), l.offset.Load()))
		return err
	}
	if err := ack(); err != nil { // a diskless master sends nothing before it
		return err
	}
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if ack() != nil {
					conn.Close()
					return
				}
			}
		}
	}()
	rd := resp.NewReader(br)
	rd.MaxBulk = 1 << 62
	rd.MaxQuery = 1 << 62
	// The offset covers committed commands only (the master client's
	// pipeline batch commits at Flush) and, as in Redis, not those of a
	// transaction still open: a link cut inside MULTI drops the queued
	// commands, and PSYNC has the master send them again from MULTI on.
	var applied, queued int64
	commit := func() {
		l.master.Flush()
		l.offset.Add(applied)
		applied = 0
	}
	defer func() {
		if l.master.multi != nil {
			l.master.endMulti()
		}
		commit()
	}()
	for {
		before := rd.Buffered()
		args, err := rd.Next()
		if err != nil {
			return err
		}
		if args == nil {
			commit()
			conn.SetReadDeadline(time.Now().Add(l.replTimeout()))
			if err := rd.Fill(); err != nil {
				return err
			}
			l.lastIO.Store(time.Now().UnixMilli())
			continue
		}
		if l.stopped() {
			return errors.New("link stopped")
		}
		size := int64(before - rd.Buffered())
		if len(args) == 3 && eq(args[0], "replconf") && eq(args[1], "getack") {
			commit() // the ACK's offset is the one before GETACK
			if err := ack(); err != nil {
				return err
			}
		} else {
			l.master.Exec(args, rd.Buffered() > 0)
		}
		if l.master.multi != nil {
			queued += size
		} else {
			applied += queued + size
			queued = 0
		}
	}
}

// replaceDataset loads an RDB as the whole dataset and function set, as
// a replica does after a full resynchronization. Clients go on reading the
// old data while the file is staged; the switch is one step with every
// command held off (lock: take the world lock for it; otherwise the
// caller holds it), after which watchers and tracking are told as for
// FLUSHALL (every watched key counts as touched). It returns the keys
// whose blocked clients must be told. A file that fails to load changes
// nothing.
func (s *Server) replaceDataset(rd io.Reader, lock bool) (ImportStats, []keyRef, error) {
	var ready []keyRef
	st, err := ImportRDB(s.store, rd, ImportOptions{All: true, Config: s.cfg, Publish: func(publish func() error) error {
		if lock {
			s.world.Lock()
			defer s.world.Unlock()
		}
		if err := publish(); err != nil {
			return err
		}
		s.scripts.functions.loadStored()
		s.watches.touchAll()
		all := make([]int, s.conf().databases)
		for i := range all {
			all[i] = i
		}
		ready = s.blocking.keysIn(all...) // XREADGROUP waiters fail
		s.invalidateAll()
		return nil
	}})
	if err == nil {
		s.stats.dirty.Add(1)
	}
	return st, ready, err
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
func (m masterConn) WatchClose() (<-chan struct{}, func()) { return nil, func() {} }

// readOnlyRefusal is Redis's answer to a write sent to a read-only
// replica by anyone but its master: write commands, EXEC of a transaction
// with writes, and scripts that may write (a shebang or function without
// no-writes).
func (c *Client) readOnlyRefusal(cmd *command, args [][]byte) string {
	if !c.readOnlyReplica() {
		return ""
	}
	if cmd.write || cmd.name == "exec" && c.multi != nil && c.multi.hasWrites() || c.s.scriptMayWrite(cmd, args) {
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
