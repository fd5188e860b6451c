package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/resp"
)

// Conn is the network side of a client, provided by the server package.
type Conn interface {
	Write(p []byte) (int, error)
	Close() error
	RemoteAddr() string
	LocalAddr() string
	FD() int
	// QueryBuffer is CLIENT LIST's qbuf and qbuf-free: the bytes the
	// connection holds of the requests being run or not yet run, and the
	// room left to read into. Any goroutine may call it.
	QueryBuffer() (length, free int64)
	// WatchClose reads ahead while the client is blocked in a command, so a
	// disconnect is noticed; stop ends the read-ahead.
	WatchClose() (closed <-chan struct{}, stop func())
	// ReadCommand reads the client's next command while one of its own
	// runs: the Lua debugger's commands (SCRIPT DEBUG).
	ReadCommand() ([][]byte, error)
}

// Client is one connection's session: selected database, protocol,
// authentication, transaction state and its output buffer. Fields other
// goroutines read (CLIENT LIST, pub/sub, KILL) are atomics; the rest belong
// to the connection's goroutine.
type Client struct {
	s    *Server
	id   uint64
	conn Conn
	w    *resp.Writer // the reply of the command being executed

	db      atomic.Int32
	proto   atomic.Int32
	name    atomic.Pointer[string]
	user    atomic.Pointer[string]
	aclUser atomic.Pointer[aclUser] // the ACL user; nil lets internal clients run anything
	lastCmd atomic.Pointer[string]

	authenticated bool
	libName       string
	libVer        string
	created       time.Time
	lastActive    atomic.Int64 // unix ms of the last command
	argvBytes     atomic.Int64 // the running command's arguments' length (CLIENT LIST's argv-mem)
	closeAfter    bool         // QUIT, protocol errors: close once replies are out
	debugScripts  ldbMode      // SCRIPT DEBUG: how the next EVAL runs
	killed        atomic.Bool

	multi      *multiState
	multiLen   atomic.Int32 // queued commands, -1 outside MULTI
	watched    map[keyRef]struct{}
	watchDirty atomic.Bool
	blocked    atomic.Bool
	timedBlock atomic.Bool // blocked with a timeout (clients_in_timeout_table)
	postponed  atomic.Bool // held by CLIENT PAUSE: blocked too, as in Redis

	subs  clientSubs // guarded by the server's pubsub lock
	nsubs atomic.Int32

	ctx Ctx // reused by every command the client runs itself

	track                trackState // CLIENT TRACKING; guarded by the tracking table's lock
	pendingInvalidations [][]string // of the client's own writes, sent after its reply; nil: a flush

	replyMode int // CLIENT REPLY
	// pushEnd is where in w the push messages the running command wrote
	// end: CLIENT REPLY OFF and SKIP do not silence them (Ctx.pushed).
	pushEnd int
	noEvict atomic.Bool // CLIENT NO-EVICT
	// fromMaster marks the replication link's master client (replicaof.go).
	fromMaster atomic.Bool
	monitor    atomic.Bool // MONITOR

	batch     *openBatch // uncommitted commands of the current pipeline
	lastBatch *openBatch // a committed batch, kept for its storage

	out output
}

// NewClient registers a connection. The caller feeds it commands with Exec
// and calls Flush when no more input is buffered, then Close at the end.
func (s *Server) NewClient(conn Conn) *Client {
	c := &Client{
		s:       s,
		id:      s.lastID.Add(1),
		conn:    conn,
		w:       resp.NewWriter(),
		created: time.Now(),
	}
	c.out.c = c
	c.out.idle.L = &c.out.mu
	c.authenticated = s.access.dflt.get().openDoor()
	empty := ""
	c.name.Store(&empty)
	c.lastCmd.Store(&empty)
	c.setUser(s.access.dflt)
	c.proto.Store(2)
	c.multiLen.Store(-1)
	c.lastActive.Store(time.Now().UnixMilli())
	s.clientsMu.Lock()
	s.clients[c.id] = c
	s.clientCount.Store(int64(len(s.clients)))
	s.clientsMu.Unlock()
	s.stats.connectionsReceived.Add(1)
	return c
}

// TooManyClients reports whether maxclients is reached; the network layer
// answers such connections with an error and closes them.
func (s *Server) TooManyClients() bool {
	s.clientsMu.Lock()
	n := len(s.clients)
	s.clientsMu.Unlock()
	if int64(n) >= s.conf().maxClients {
		s.stats.rejectedConns.Add(1)
		return true
	}
	return false
}

// ProtectedMode reports whether remote clients must be refused: protected
// mode on and no password for the default user.
func (s *Server) ProtectedMode() bool {
	return s.cfg.Bool("protected-mode") && s.access.dflt.get().nopass
}

// ID is the client id CLIENT ID reports.
func (c *Client) ID() uint64 { return c.id }

func (c *Client) dbIndex() int        { return int(c.db.Load()) }
func (c *Client) protoVersion() int   { return int(c.proto.Load()) }
func (c *Client) isBlocked() bool     { return c.blocked.Load() || c.postponed.Load() }
func (c *Client) setProto(v int)      { c.w.SetProto(v); c.proto.Store(int32(v)) }
func (c *Client) setUser(au *aclUser) { c.aclUser.Store(au); c.user.Store(&au.name) }

// Closing reports whether the connection must be closed after the replies
// are flushed (QUIT, protocol error, CLIENT KILL).
func (c *Client) Closing() bool { return c.closeAfter || c.killed.Load() }

// ProtocolError answers a malformed request the way Redis does before
// closing the connection.
func (c *Client) ProtocolError(msg string) {
	c.s.log.Verbosef("Protocol error (%s) from client: id=%d addr=%s", msg, c.id, c.conn.RemoteAddr())
	c.w.Error("ERR Protocol error: " + msg)
	c.s.stats.countError("ERR")
	c.emit()
	c.closeAfter = true
}

// resetState drops transaction, watch and subscription state (RESET,
// disconnect).
func (c *Client) resetState() {
	if c.multi != nil {
		c.multi = nil
		c.multiLen.Store(-1)
	}
	c.s.watches.unwatchAll(c)
	c.s.pubsub.dropClient(c)
	c.s.tracking.disable(c)
	if c.monitor.Swap(false) {
		c.s.monitorsMu.Lock()
		delete(c.s.monitors, c)
		c.s.monitoring.Store(int32(len(c.s.monitors)))
		c.s.monitorsMu.Unlock()
	}
}

// Close unregisters the client. Commands it already ran stay done, even if
// their replies can no longer be sent.
func (c *Client) Close() {
	c.commitBatch()
	c.resetState()
	c.s.clientsMu.Lock()
	delete(c.s.clients, c.id)
	c.s.clientCount.Store(int64(len(c.s.clients)))
	c.s.clientsMu.Unlock()
	c.out.close()
}

// kill disconnects the client from another goroutine (CLIENT KILL).
func (c *Client) kill() {
	c.killed.Store(true)
	c.conn.Close()
}

// emit moves the reply of the command just executed to the output buffer.
// It does not write to the connection: Flush does, once the pipeline read
// so far is answered.
func (c *Client) emit() {
	if c.w.Len() == 0 || c.batch != nil {
		return // a batch's replies wait for its commit
	}
	c.out.move(c.w, c.s.store.Commits())
}

// Received counts n bytes the connection read from the client (INFO's
// total_net_input_bytes and total_reads_processed).
func (c *Client) Received(n int) {
	c.s.stats.totalReadsProcessed.Add(1)
	c.s.stats.netInput.Add(int64(n))
}

// Flush commits the pipeline's batch and writes buffered replies to the
// connection. Between the two it lets the other connections whose
// commands are ready run first, so that their replies leave together with
// this one, as Redis writes the replies of a whole event-loop pass at
// once: a client process reading many connections is then woken once for
// several replies, not once for each (each wake-up is an inter-processor
// interrupt, which a VM pays dearly for). It cost little at -P 16 and
// saved 5–20% of the CPU per request at -P 1 (bench/RESULTS.md).
func (c *Client) Flush() {
	c.commitBatch()
	runtime.Gosched()
	c.out.flush()
}

// FlushAndWait is Flush that waits until the replies are written.
func (c *Client) FlushAndWait() {
	c.commitBatch()
	c.out.flushAndWait()
}

// push delivers an out-of-band message (pub/sub, a served blocked command)
// from another goroutine, in order with the client's replies.
func (c *Client) push(b []byte) {
	c.out.append(b, 0)
	c.out.flushAsync()
}

// output is a client's outgoing bytes. Replies and pushes are appended in
// order under mu; whoever holds the flushing token writes until the buffer
// is empty, so replies never interleave and a slow socket never blocks a
// publisher. Under appendfsync always the writer first waits until every
// write the buffered replies may reflect is on disk.
type output struct {
	c         *Client
	mu        sync.Mutex
	buf       []byte
	spare     []byte
	need      uint64 // commits the buffered replies may reflect
	flushing  bool
	idle      sync.Cond // signalled when a flush ends
	closed    bool
	softSince time.Time // since when the soft output limit is exceeded
}

// append copies b (a push from another goroutine) to the buffer.
func (o *output) append(b []byte, need uint64) {
	o.mu.Lock()
	if !o.closed {
		o.buf = append(o.buf, b...)
	}
	o.added(need)
}

// move takes the writer's bytes: when nothing else waits to be written,
// by swapping buffers, so a large reply is not copied. The writer goes on
// in the storage the buffer had, or, after a large reply, in a recycled
// large buffer, so that the next large reply need not grow one again and
// the garbage collector need not take back one per pipeline.
func (o *output) move(w *resp.Writer, need uint64) {
	o.mu.Lock()
	switch {
	case o.closed:
		w.Reset()
	case len(o.buf) == 0:
		next := o.buf
		if w.Len() > keptReplyBuf {
			if b, ok := largeReplyBufs.Get().(*[]byte); ok {
				next = *b
			}
		}
		o.buf = w.Swap(next)
	default:
		o.buf = append(o.buf, w.Bytes()...)
		if cap(w.Bytes()) > largeReplyBuf {
			w.Swap(nil) // one huge reply must not pin its memory
		} else {
			w.Reset()
		}
	}
	o.added(need)
}

// added ends an append: the caller holds o.mu, which added releases.
func (o *output) added(need uint64) {
	if o.closed {
		o.mu.Unlock()
		return
	}
	if need > o.need {
		o.need = need
	}
	if o.overLimit() {
		o.closed, o.buf = true, nil
		o.mu.Unlock()
		o.c.s.log.Warningf("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", o.c.id, o.c.conn.RemoteAddr())
		o.c.kill()
		return
	}
	o.mu.Unlock()
}

// A client keeps one written buffer of up to keptReplyBuf for its next
// replies. Larger ones, up to largeReplyBuf, are shared through
// largeReplyBufs: pipelines of large replies (LRANGE, HGETALL) reuse them
// instead of allocating (and collecting) a new one per pipeline, and idle
// clients pin none of them.
const (
	keptReplyBuf  = 64 << 10
	largeReplyBuf = 1 << 20
)

var largeReplyBufs sync.Pool // *[]byte

// overLimit applies client-output-buffer-limit to the bytes waiting: over
// the hard limit at once, over the soft limit for too long. The caller
// holds o.mu.
func (o *output) overLimit() bool {
	limits := o.c.s.conf().outputLimits
	l := limits.normal
	if o.c.subscribed() {
		l = limits.pubsub
	}
	n := int64(len(o.buf))
	if l.hard > 0 && n > l.hard {
		return true
	}
	if l.soft > 0 && n > l.soft {
		now := time.Now()
		if o.softSince.IsZero() {
			o.softSince = now
		}
		return now.Sub(o.softSince) >= l.softFor
	}
	o.softSince = time.Time{}
	return false
}

// pending is the number of bytes waiting to be written.
func (o *output) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf)
}

// flushAndWait writes everything buffered and returns once it is written,
// even if another goroutine holds the flushing token (before a close).
func (o *output) flushAndWait() {
	o.flush()
	o.mu.Lock()
	for o.flushing {
		o.idle.Wait()
	}
	o.mu.Unlock()
}

// flush writes in the calling goroutine unless another flush is running,
// which will then write our bytes too.
func (o *output) flush() {
	if o.take() {
		o.drain()
	}
}

func (o *output) flushAsync() {
	if o.take() {
		go o.drain()
	}
}

// take acquires the flushing token if there is something to write.
func (o *output) take() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.flushing || len(o.buf) == 0 {
		return false
	}
	o.flushing = true
	return true
}

// drain writes until the buffer is empty; the caller holds the token.
func (o *output) drain() {
	for {
		o.mu.Lock()
		if len(o.buf) == 0 || o.closed {
			o.flushing = false
			o.idle.Broadcast()
			o.mu.Unlock()
			return
		}
		data, need := o.buf, o.need
		o.buf, o.spare = o.spare[:0], nil
		o.mu.Unlock()
		failed := o.c.s.store.WaitDurable(need) != nil
		if !failed {
			// Counted first: a client that got its reply may ask INFO at once.
			o.c.s.stats.netOutput.Add(int64(len(data)))
			o.c.s.stats.totalWritesProcessed.Add(1)
			_, err := o.c.conn.Write(data)
			failed = err != nil
		}
		if failed {
			o.c.conn.Close()
		}
		o.mu.Lock()
		switch n := cap(data); {
		case n <= keptReplyBuf:
			o.spare = data[:0]
		case n <= largeReplyBuf:
			b := data[:0]
			largeReplyBufs.Put(&b)
		}
		o.mu.Unlock()
	}
}

func (o *output) close() {
	o.mu.Lock()
	o.closed = true
	o.buf = nil
	o.mu.Unlock()
}
