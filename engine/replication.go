package engine

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

// Replication, as far as tools need it: SYNC and PSYNC send a full
// snapshot in RDB format, exactly as a Redis master answers a replica
// asking for a full resynchronization (redis-cli --rdb, redis-cli
// --replica, backup tools that speak the replication handshake).
//
// Cairn is not a replication master: it does not keep a backlog nor
// propagate writes. After the payload it closes the link, which is what
// Redis does for a REPLCONF rdb-only 1 client (redis-cli --rdb). A real
// replica (redis-server --replicaof, redis-cli --replica) gets one
// consistent snapshot — a way to migrate to Redis — and then, since it
// asks again as soon as the link drops, an error for replicaPause (it
// retries once a second). ROLE and INFO replication say "master" with no
// replica online (or describe the link to Cairn's own master,
// replicaof.go); WAIT answers 0, as a Redis master without replicas.
//
// The snapshot is spooled to a temporary file in dir first (Redis's
// disk-based sync), newlines keep the link alive meanwhile, then the file
// goes out as "$<len>\r\n<rdb bytes>" — no trailing CRLF, as in Redis.

func init() {
	register(
		cmdDef{name: "sync", run: cmdSync},
		cmdDef{name: "psync", run: cmdSync},
		cmdDef{name: "replconf", run: cmdReplconf},
		cmdDef{name: "role", run: cmdRole},
		cmdDef{name: "wait", run: cmdWait},
	)
}

// cmdWait is WAIT numreplicas timeout. No replica ever acknowledges
// writes, so like a Redis master without replicas it answers 0 at once
// when 0 replicas are asked for (or inside MULTI), else after the timeout
// in milliseconds (0: never, until CLIENT UNBLOCK or a disconnect). A
// replica refuses it, as Redis does.
func cmdWait(x *Ctx) {
	if x.s.replica.Load() != nil {
		x.fail("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	n, ok := parseInt(x.args[1])
	if !ok {
		x.fail("ERR value is not an integer or out of range")
		return
	}
	ms, ok := parseInt(x.args[2])
	if !ok {
		x.fail("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		x.fail("ERR timeout is negative")
		return
	}
	if n <= 0 || x.inTransaction() {
		x.w.Int(0)
		return
	}
	x.block(nil, time.Duration(ms)*time.Millisecond, func(*Ctx) bool { return false }, func(w *resp.Writer) { w.Int(0) })
}

// cmdRole is ROLE: a replica's link (replicaof.go), or a master at offset
// 0 with no replica online (a replica being sent a snapshot is not in
// sync, so Redis would not list it either).
func cmdRole(x *Ctx) {
	if l := x.s.replica.Load(); l != nil {
		x.w.Array(5)
		x.w.BulkString("slave")
		x.w.BulkString(l.host)
		x.w.Int(int64(l.port))
		state, offset := l.getState(), int64(-1)
		if state == linkConnected {
			offset = l.offset.Load()
		}
		x.w.BulkString(state)
		x.w.Int(offset)
		return
	}
	x.w.Array(3)
	x.w.BulkString("master")
	x.w.Int(0)
	x.w.Array(0)
}

// replState is what replicas announced (REPLCONF) and the replicas being
// served a snapshot right now, by client id, for INFO.
type replState struct {
	mu        sync.Mutex
	announced map[uint64]*replicaInfo
	replicas  map[uint64]*replicaInfo
	served    map[string]time.Time // last snapshot per replica (ip:port), see replicaPause
	syncFull  atomic.Int64         // full resynchronizations served
	outBytes  atomic.Int64         // bytes sent to replicas
}

// replicaPause is how long a replica that is not rdb-only (a real
// redis-server replica, redis-cli --replica) waits for its next snapshot.
// Such a replica asks again as soon as the link closes; without a pause it
// would pull full snapshots in a loop. Meanwhile it is answered an error,
// which it logs and retries once a second.
const replicaPause = time.Minute

// replicaInfo is what a replica announced with REPLCONF.
type replicaInfo struct {
	ip      string
	port    int64
	state   string // wait_bgsave, send_bulk
	rdbOnly bool
	// REPLCONF rdb-filter-only: the snapshot leaves out the keys, and the
	// functions unless "functions" is listed (redis-cli --functions-rdb;
	// redis-cli --replica asks for an empty one).
	filtered, withFunctions bool
}

// replicaOf returns the client's announced replication settings. Entries
// of clients gone are dropped on the way (SYNC drops its own).
func (c *Client) replicaOf() *replicaInfo {
	s := c.s
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if r := s.repl.announced[c.id]; r != nil {
		return r
	}
	if s.repl.announced == nil {
		s.repl.announced = map[uint64]*replicaInfo{}
	}
	s.clientsMu.Lock()
	for id := range s.repl.announced {
		if s.clients[id] == nil {
			delete(s.repl.announced, id)
		}
	}
	s.clientsMu.Unlock()
	r := &replicaInfo{}
	s.repl.announced[c.id] = r
	return r
}

func cmdReplconf(x *Ctx) {
	if len(x.args)%2 == 0 {
		x.fail(errSyntax)
		return
	}
	r := x.c.replicaOf()
	for i := 1; i < len(x.args); i += 2 {
		opt, val := strings.ToLower(string(x.args[i])), x.args[i+1]
		switch opt {
		case "listening-port":
			n, ok := parseInt(val)
			if !ok {
				x.fail("ERR value is not an integer or out of range")
				return
			}
			r.port = n
		case "ip-address":
			if len(val) >= 46 { // NET_HOST_STR_LEN
				x.fail(fmt.Sprintf("ERR REPLCONF ip-address provided by replica instance is too long: %d bytes", len(val)))
				return
			}
			r.ip = string(val)
		case "capa":
			// eof, psync2: the transfer format Cairn uses needs neither.
		case "ack", "getack":
			// Only a master's replicas send these, and they get no reply.
			return
		case "rdb-only":
			n, ok := parseInt(val)
			if !ok {
				x.fail("ERR value is not an integer or out of range")
				return
			}
			if n < 0 || n > 1 {
				x.fail("ERR value is out of range, value must between 0 and 1")
				return
			}
			r.rdbOnly = n == 1
		case "rdb-filter-only":
			filters, ok := resp.SplitArgs(val)
			if !ok {
				x.fail("ERR Missing rdb-filter-only values")
				return
			}
			r.filtered, r.withFunctions = true, false
			for _, f := range filters {
				if !eq(f, "functions") {
					x.fail(fmt.Sprintf("ERR Unsupported rdb-filter-only option: %s", f))
					return
				}
				r.withFunctions = true
			}
		default:
			x.fail(fmt.Sprintf("ERR Unrecognized REPLCONF option: %s", x.args[i]))
			return
		}
	}
	x.w.OK()
}

// cmdSync is SYNC and PSYNC: a full resynchronization every time.
func cmdSync(x *Ctx) {
	s, c := x.s, x.c
	psync := eq(x.args[0], "psync")
	r := c.replicaOf()
	s.repl.mu.Lock()
	if r.ip == "" {
		r.ip, _, _ = cutLast(c.conn.RemoteAddr(), ":")
	}
	if !r.rdbOnly {
		id := fmt.Sprintf("%s:%d", r.ip, r.port)
		if last, ok := s.repl.served[id]; ok && time.Since(last) < replicaPause {
			s.repl.mu.Unlock()
			x.fail(fmt.Sprintf("ERR Cairn does not stream writes to replicas: a snapshot was sent to this replica %d seconds ago, the next one in %d seconds (redis-cli --rdb gets one any time)",
				int(time.Since(last).Seconds()), int((replicaPause-time.Since(last)).Seconds())+1))
			return
		}
		if s.repl.served == nil {
			s.repl.served = map[string]time.Time{}
		}
		for k, t := range s.repl.served {
			if time.Since(t) >= replicaPause {
				delete(s.repl.served, k)
			}
		}
		s.repl.served[id] = time.Now()
	}
	r.state = "wait_bgsave"
	if s.repl.replicas == nil {
		s.repl.replicas = map[uint64]*replicaInfo{}
	}
	s.repl.replicas[c.id] = r
	s.repl.mu.Unlock()
	defer func() {
		s.repl.mu.Lock()
		delete(s.repl.replicas, c.id)
		delete(s.repl.announced, c.id)
		s.repl.mu.Unlock()
	}()
	// From here on the connection carries the transfer, then closes: the
	// replies so far go out, then the output buffer closes, so no push
	// (an invalidation, a pub/sub message) can land inside the payload.
	c.closeAfter = true
	c.out.flushAndWait()
	c.out.close()
	addr := c.conn.RemoteAddr()
	s.log.Noticef("Replica %s asks for synchronization", addr)
	s.repl.syncFull.Add(1)
	if psync {
		s.log.Noticef("Full resync requested by replica %s", addr)
		if !s.replWrite(c, fmt.Sprintf("+FULLRESYNC %s %d\r\n", s.runID, 0)) {
			return
		}
	}
	started := time.Now()
	path, size, err := s.spoolSnapshot(c, r)
	if path != "" {
		defer os.Remove(path)
	}
	if err != nil {
		s.log.Warningf("Snapshot for replica %s failed: %v", addr, err)
		s.replWrite(c, "-ERR snapshot failed: "+err.Error()+"\r\n")
		return
	}
	s.log.Noticef("Snapshot for replica %s written (%d bytes in %.3f seconds), sending it", addr, size, time.Since(started).Seconds())
	s.repl.mu.Lock()
	r.state = "send_bulk"
	s.repl.mu.Unlock()
	f, err := os.Open(path)
	if err != nil {
		s.log.Warningf("Snapshot for replica %s: %v", addr, err)
		return
	}
	defer f.Close()
	if !s.replWrite(c, fmt.Sprintf("$%d\r\n", size)) {
		return
	}
	n, err := io.Copy(replWriter{s, c}, f)
	if err != nil {
		s.log.Warningf("Sending the snapshot to replica %s failed after %d bytes: %v", addr, n, err)
		return
	}
	if r.rdbOnly {
		s.log.Noticef("Snapshot sent to replica %s (rdb-only): closing the link", addr)
	} else {
		s.log.Warningf("Snapshot sent to replica %s; Cairn does not stream writes to replicas, closing the link", addr)
	}
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// spoolSnapshot writes an RDB of the whole keyspace to a temporary file
// in dir, sending a newline to the replica every second meanwhile (as
// Redis does while its BGSAVE runs).
func (s *Server) spoolSnapshot(c *Client, r *replicaInfo) (string, int64, error) {
	dir := filepath.Dir(s.rdbPath())
	f, err := os.CreateTemp(dir, fmt.Sprintf("temp-repl-%d-*.rdb", os.Getpid()))
	if err != nil {
		return "", 0, err
	}
	path := f.Name()
	snap := s.snapshot()
	done := make(chan error, 1)
	go func() {
		defer snap.Close()
		bw := bufio.NewWriterSize(f, 1<<20)
		var err error
		if r.filtered {
			err = exportFiltered(snap, bw, s.rdbOptions(), r.withFunctions)
		} else {
			err = exportSnapshot(snap, bw, s.rdbOptions(), nil)
		}
		if err == nil {
			err = bw.Flush()
		}
		done <- err
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				f.Close()
				return path, 0, err
			}
			st, err := f.Stat()
			f.Close()
			if err != nil {
				return path, 0, err
			}
			return path, st.Size(), nil
		case <-tick.C:
			s.replWrite(c, "\n")
		}
	}
}

// exportFiltered writes an RDB without keys: the function libraries
// only, or nothing at all.
func exportFiltered(snap *storage.Snapshot, w io.Writer, opts rdb.Options, functions bool) error {
	enc := rdb.NewEncoder(w, opts)
	err := enc.Begin(
		[2]string{"redis-ver", RedisVersion},
		[2]string{"redis-bits", "64"},
		[2]string{"ctime", strconv.FormatInt(time.Now().Unix(), 10)},
		[2]string{"used-mem", "0"},
		[2]string{"aof-base", "0"},
	)
	if err != nil {
		return err
	}
	if functions {
		if err := exportFunctions(snap, enc); err != nil {
			return err
		}
	}
	return enc.End()
}

// replWrite writes straight to the replica's connection.
func (s *Server) replWrite(c *Client, str string) bool {
	_, err := (replWriter{s, c}).Write([]byte(str))
	return err == nil
}

// replWriter counts replication output in INFO's stats.
type replWriter struct {
	s *Server
	c *Client
}

func (w replWriter) Write(p []byte) (int, error) {
	n, err := w.c.conn.Write(p)
	w.s.stats.netOutput.Add(int64(n))
	w.s.repl.outBytes.Add(int64(n))
	return n, err
}

// infoReplication is INFO's replication section: a master with the
// replicas being sent a snapshot right now, or a replica's link.
func (s *Server) infoReplication(b *strings.Builder) {
	s.repl.mu.Lock()
	ids := make([]uint64, 0, len(s.repl.replicas))
	for id := range s.repl.replicas {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var lines []string
	for i, id := range ids {
		r := s.repl.replicas[id]
		lines = append(lines, fmt.Sprintf("slave%d:ip=%s,port=%d,state=%s,offset=0,lag=0\r\n", i, r.ip, r.port, r.state))
	}
	s.repl.mu.Unlock()
	replid, offset := s.runID, int64(0)
	if l := s.replica.Load(); l != nil {
		replid, offset = l.info(b)
	} else {
		b.WriteString("role:master\r\n")
	}
	fmt.Fprintf(b, "connected_slaves:%d\r\n", len(lines))
	if s.conf().minReplicas {
		b.WriteString("min_slaves_good_slaves:0\r\n") // none is ever online (minreplicas.go)
	}
	for _, l := range lines {
		b.WriteString(l)
	}
	fmt.Fprintf(b, "master_failover_state:no-failover\r\n")
	fmt.Fprintf(b, "master_replid:%s\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n", replid)
	fmt.Fprintf(b, "master_repl_offset:%d\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:%d\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n", offset, s.cfg.Int("repl-backlog-size"))
}
