// Package server accepts connections (TCP on every bind address, a unix
// socket) and runs each client's read–execute–reply loop.
package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/rlog"
)

// Options are the network settings.
type Options struct {
	Binds        []string // "127.0.0.1", "-::1" (optional address)
	Port         int
	UnixSocket   string
	UnixPerm     os.FileMode
	TCPKeepAlive time.Duration
	Limits       func() (maxBulk, maxQuery int64)
	Idle         func() time.Duration // timeout directive; 0 = never
	TLSPort      int                  // tls-port: TLS connections on every bind address
	TLS          *tls.Config          // required with TLSPort (TLSConfig)
}

// Server owns the listeners.
type Server struct {
	eng *engine.Server
	log *rlog.Logger
	wg  sync.WaitGroup

	mu      sync.Mutex // guards what follows
	opts    Options    // Binds, Port and TLSPort follow CONFIG SET
	plain   []net.Listener
	secure  []net.Listener // the tls-port listeners
	unix    net.Listener
	serving bool
	conns   map[*conn]struct{}
	closing bool
}

// Listen opens every listener; an address marked optional ("-::1") that
// cannot be bound is skipped, as Redis does.
func Listen(eng *engine.Server, opts Options, log *rlog.Logger) (*Server, error) {
	s := &Server{eng: eng, opts: opts, log: log, conns: make(map[*conn]struct{})}
	var err error
	if s.plain, err = s.listenTCP(opts.Binds, opts.Port); err != nil {
		return nil, err
	}
	if s.secure, err = s.listenTCP(opts.Binds, opts.TLSPort); err != nil {
		s.Close()
		return nil, err
	}
	if opts.UnixSocket != "" {
		os.Remove(opts.UnixSocket)
		if s.unix, err = net.Listen("unix", opts.UnixSocket); err != nil {
			s.Close()
			return nil, err
		}
		if opts.UnixPerm != 0 {
			os.Chmod(opts.UnixSocket, opts.UnixPerm)
		}
	}
	if len(s.listeners()) == 0 {
		return nil, errors.New("no address to listen on")
	}
	return s, nil
}

// Settings is the configuration whose changes the listeners follow.
type Settings interface {
	OnSet(name string, apply func(value string) error)
}

// FollowConfig makes CONFIG SET port, tls-port and bind move the
// listeners, as Redis does.
func (s *Server) FollowConfig(cfg Settings) {
	cfg.OnSet("port", func(v string) error {
		port, _ := strconv.Atoi(v)
		return s.SetPort(port)
	})
	cfg.OnSet("tls-port", func(v string) error {
		port, _ := strconv.Atoi(v)
		return s.SetTLSPort(port)
	})
	cfg.OnSet("bind", func(v string) error { return s.SetBinds(strings.Fields(v)) })
}

// Redis's reasons for a CONFIG SET whose listeners cannot be opened.
var (
	errPortListen = errors.New("Unable to listen on this port. Check server logs.")
	errTLSConfig  = errors.New("Unable to update TLS configuration. Check server logs.")
	errBind       = errors.New("Failed to bind to specified addresses.")
)

// SetPort moves the plain TCP listeners to port (0: none). Connections
// already accepted stay. If the port cannot be listened on, the old
// listeners stay too.
func (s *Server) SetPort(port int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.movePort(&s.plain, &s.opts.Port, port, false)
}

// SetTLSPort is SetPort for the TLS listeners, which need the TLS
// configuration made at startup for a tls-port.
func (s *Server) SetTLSPort(port int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if port != s.opts.TLSPort && port != 0 && s.opts.TLS == nil {
		return errTLSConfig
	}
	return s.movePort(&s.secure, &s.opts.TLSPort, port, true)
}

// movePort moves the listeners lns, on port *current, to port; the
// caller holds mu. The port in use already (CONFIG SET's rollback of a
// change that failed) changes nothing.
func (s *Server) movePort(lns *[]net.Listener, current *int, port int, secure bool) error {
	if port == *current {
		return nil
	}
	opened, err := s.listenTCP(s.opts.Binds, port)
	if err != nil {
		return errPortListen
	}
	closeAll(*lns)
	*lns, *current = opened, port
	s.acceptOn(opened, secure)
	return nil
}

// SetBinds listens on other addresses (none for an empty list), on the
// same ports. As Redis, it closes the old listeners first, since the new
// addresses may include old ones: if one cannot be bound, nothing listens
// until CONFIG SET's rollback binds the old addresses again.
func (s *Server) SetBinds(binds []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	closeAll(s.plain)
	closeAll(s.secure)
	s.plain, s.secure = nil, nil
	plain, err := s.listenTCP(binds, s.opts.Port)
	if err != nil {
		return errBind
	}
	secure, err := s.listenTCP(binds, s.opts.TLSPort)
	if err != nil {
		closeAll(plain)
		return errBind
	}
	s.plain, s.secure, s.opts.Binds = plain, secure, binds
	s.acceptOn(plain, false)
	s.acceptOn(secure, true)
	return nil
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// listeners lists every open listener; the caller holds mu (or is
// Listen).
func (s *Server) listeners() []net.Listener {
	all := append(slices.Clone(s.plain), s.secure...)
	if s.unix != nil {
		all = append(all, s.unix)
	}
	return all
}

// listenTCP listens on port (none for 0) at every bind address. If a
// required address cannot be bound, it closes what it opened.
func (s *Server) listenTCP(binds []string, port int) ([]net.Listener, error) {
	if port == 0 {
		return nil, nil
	}
	var lns []net.Listener
	for _, b := range binds {
		optional := len(b) > 0 && b[0] == '-'
		if optional {
			b = b[1:]
		}
		host := b
		network := "tcp"
		switch b {
		case "*":
			host, network = "0.0.0.0", "tcp4"
		case "::*":
			host, network = "::", "tcp6"
		}
		ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			s.log.Warningf("Warning: Could not create server TCP listening socket %s:%d: %v", b, port, err)
			if optional {
				continue
			}
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// Addrs lists the bound addresses.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, ln := range s.listeners() {
		out = append(out, ln.Addr())
	}
	return out
}

// Serve accepts connections until Close.
func (s *Server) Serve() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serving = true
	s.acceptOn(s.plain, false)
	s.acceptOn(s.secure, true)
	if s.unix != nil {
		s.acceptOn([]net.Listener{s.unix}, false)
	}
}

// acceptOn accepts connections on lns, once Serve has been called, until
// they are closed; the caller holds mu.
func (s *Server) acceptOn(lns []net.Listener, secure bool) {
	if !s.serving {
		return
	}
	for _, ln := range lns {
		s.wg.Add(1)
		go s.accept(ln, secure)
	}
}

func (s *Server) accept(ln net.Listener, secure bool) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
			if s.opts.TCPKeepAlive > 0 {
				tc.SetKeepAlive(true)
				tc.SetKeepAlivePeriod(s.opts.TCPKeepAlive)
			}
		}
		if secure {
			nc = tls.Server(nc, s.opts.TLS) // the handshake happens on first use
		}
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go c.serve()
	}
}

// Close stops accepting and disconnects every client.
func (s *Server) Close() {
	s.mu.Lock()
	s.closing = true
	conns := s.conns
	s.conns = map[*conn]struct{}{}
	closeAll(s.listeners())
	if s.unix != nil {
		os.Remove(s.unix.Addr().String())
	}
	s.mu.Unlock()
	for c := range conns {
		c.nc.Close()
	}
	s.wg.Wait()
}

// conn is one client connection: it reads requests, runs them through the
// engine and flushes the replies once everything already received is done.
type conn struct {
	srv *Server
	nc  net.Conn
	rd  *resp.Reader
	cl  *engine.Client

	watchMu sync.Mutex
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{srv: s, nc: nc, rd: resp.NewReader(nc)}
}

func (c *conn) serve() {
	s := c.srv
	defer func() {
		c.nc.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	if s.eng.TooManyClients() {
		c.nc.Write([]byte("-ERR max number of clients reached\r\n"))
		return
	}
	if reason := s.protectedModeRefusal(c.nc); reason != "" {
		c.nc.Write([]byte("-" + reason + "\r\n"))
		return
	}
	c.cl = s.eng.NewClient(c)
	defer c.cl.Close()
	for {
		c.rd.Strict = c.cl.AuthRequired() // Redis's small limits before AUTH
		args, err := c.rd.Next()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				c.cl.ProtocolError(pe.Msg)
			}
			c.cl.FlushAndWait()
			return
		}
		if args == nil {
			c.cl.Flush()
			if c.cl.Closing() {
				c.cl.FlushAndWait()
				return
			}
			if err := c.fill(); err != nil {
				if errors.Is(err, resp.ErrQueryBufferLimit) {
					s.log.Warningf("Closing client that reached max query buffer length (qbuf initial bytes: %q)", "")
				}
				return
			}
			continue
		}
		c.cl.Exec(args, c.rd.Buffered() > 0)
		if c.cl.Closing() {
			c.cl.FlushAndWait()
			return
		}
	}
}

// fill reads more input, honouring the idle timeout and the current
// proto-max-bulk-len and client-query-buffer-limit.
func (c *conn) fill() error {
	if c.srv.opts.Limits != nil {
		c.rd.MaxBulk, c.rd.MaxQuery = c.srv.opts.Limits()
	}
	if c.srv.opts.Idle != nil {
		if d := c.srv.opts.Idle(); d > 0 && !c.cl.Exempt() {
			c.nc.SetReadDeadline(time.Now().Add(d))
			defer c.nc.SetReadDeadline(time.Time{})
		}
	}
	return c.readMore()
}

// readMore reads more input into the request buffer and counts it.
func (c *conn) readMore() error {
	before := c.rd.Buffered()
	err := c.rd.Fill()
	if n := c.rd.Buffered() - before; n > 0 {
		c.cl.Received(n)
	}
	return err
}

func (c *conn) Write(p []byte) (int, error) { return c.nc.Write(p) }
func (c *conn) Close() error                { return c.nc.Close() }
func (c *conn) RemoteAddr() string          { return addrString(c.nc.RemoteAddr()) }
func (c *conn) LocalAddr() string           { return addrString(c.nc.LocalAddr()) }
func (c *conn) QueryBuffer() (int64, int64) { return c.rd.QueryBuffer() }

// WatchClose reads ahead while the client is blocked so that a disconnect
// is noticed at once. What it reads stays buffered for the next command.
func (c *conn) WatchClose() (<-chan struct{}, func()) {
	closed := make(chan struct{})
	done := make(chan struct{})
	c.watchMu.Lock()
	c.rd.Trim() // the blocked command is parsed: CLIENT LIST shows what follows it
	go func() {
		defer close(done)
		for {
			if err := c.readMore(); err != nil {
				var ne net.Error
				if !(errors.As(err, &ne) && ne.Timeout()) {
					close(closed)
				}
				return
			}
		}
	}()
	return closed, func() {
		c.nc.SetReadDeadline(time.Unix(1, 0))
		<-done
		c.nc.SetReadDeadline(time.Time{})
		c.watchMu.Unlock()
	}
}

// ReadCommand reads the next command, copied out of the request buffer.
func (c *conn) ReadCommand() ([][]byte, error) {
	for {
		args, err := c.rd.Next()
		if err != nil {
			return nil, err
		}
		if args != nil {
			out := make([][]byte, len(args))
			for i, a := range args {
				out[i] = bytes.Clone(a)
			}
			return out, nil
		}
		if err := c.readMore(); err != nil {
			return nil, err
		}
	}
}

// addrString formats an address as Redis does (ip:port, or the socket path
// for unix sockets).
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	if a.Network() == "unix" {
		if a.String() == "" || a.String() == "@" {
			return "/unixsocket"
		}
		return a.String()
	}
	return a.String()
}

// FD is the socket's file descriptor, as CLIENT LIST shows it.
func (c *conn) FD() int {
	nc := c.nc
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}
