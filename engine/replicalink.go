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
	"time"

	"github.com/cairndb/cairn/resp"
)

// The replication link's sessions with the master (replicaof.go has the
// commands and the link's life): handshake, full sync, the stream.

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
		offset := strconv.FormatInt(l.offset.Load(), 10)
		conn.SetWriteDeadline(time.Now().Add(l.replTimeout()))
		_, err := conn.Write(fmt.Appendf(nil, "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$%d\r\n%s\r\n", len(offset), offset))
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
