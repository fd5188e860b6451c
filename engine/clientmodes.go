package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	register(
		cmdDef{name: "client|reply", run: cmdClientReply},
		cmdDef{name: "client|pause", run: cmdClientPause},
		cmdDef{name: "client|unpause", run: func(x *Ctx) { x.s.pause.end(); x.w.OK() }},
		cmdDef{name: "client|no-evict", run: cmdClientNoEvict},
		cmdDef{name: "monitor", run: cmdMonitor},
	)
}

// Reply modes of CLIENT REPLY.
const (
	replyOn = iota
	replyOff
	replySkip     // skip the reply of the next command
	replySkipThis // the command being run is the skipped one
)

func cmdClientReply(x *Ctx) {
	switch {
	case eq(x.args[2], "on"):
		x.c.replyMode = replyOn
		x.w.OK()
	case eq(x.args[2], "off"):
		x.c.replyMode = replyOff
	case eq(x.args[2], "skip"):
		if x.c.replyMode != replyOff {
			x.c.replyMode = replySkip
		}
	default:
		x.fail(errSyntax)
	}
}

// applyReplyMode drops the reply the last command wrote (from mark on)
// when CLIENT REPLY says so.
func (c *Client) applyReplyMode(mark int, cmd *command) {
	mark = max(mark, c.pushEnd)
	switch c.replyMode {
	case replyOff:
		c.w.Truncate(mark)
	case replySkip:
		if cmd.name != "client|reply" {
			c.w.Truncate(mark)
			c.replyMode = replyOn
		}
	}
}

func (c *Client) resetReplyMode() { c.replyMode = replyOn }

// pushed marks what x has written so far as push messages (pub/sub
// confirmations, DEBUG PROTOCOL PUSH), which Redis sends whatever CLIENT
// REPLY says, in RESP2 too.
func (x *Ctx) pushed() {
	if x.c != nil && x.w == x.c.w {
		x.c.pushEnd = x.w.Len()
	}
}

func cmdClientNoEvict(x *Ctx) {
	switch {
	case eq(x.args[2], "on"):
		x.c.noEvict.Store(true)
	case eq(x.args[2], "off"):
		x.c.noEvict.Store(false)
	default:
		x.fail(errSyntax)
		return
	}
	x.w.OK()
}

// pauseState is CLIENT PAUSE: until a deadline, commands of every client
// (ALL) or write commands (WRITE) wait; active expiry waits too.
type pauseState struct {
	mu      sync.Mutex
	until   time.Time
	all     bool
	resumed chan struct{} // closed when the pause ends
}

func cmdClientPause(x *Ctx) {
	if len(x.args) > 4 {
		// Redis checks the count before it reads the timeout.
		x.failf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLIENT HELP.", x.args[1])
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
	all := true
	if len(x.args) == 4 {
		switch {
		case eq(x.args[3], "write"):
			all = false
		case eq(x.args[3], "all"):
		default:
			x.fail("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	x.s.pause.start(time.Now().Add(time.Duration(ms)*time.Millisecond), all)
	x.w.OK()
}

func (p *pauseState) start(until time.Time, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed == nil {
		p.resumed = make(chan struct{})
	} else if until.Before(p.until) {
		until = p.until // a pause only ever extends, as in Redis
	}
	p.until = until
	p.all = all || p.all
	ch := p.resumed
	time.AfterFunc(time.Until(until), func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.resumed == ch && !time.Now().Before(p.until) {
			p.endLocked()
		}
	})
}

func (p *pauseState) end() {
	p.mu.Lock()
	p.endLocked()
	p.mu.Unlock()
}

func (p *pauseState) endLocked() {
	if p.resumed != nil {
		close(p.resumed)
		p.resumed = nil
		p.all = false
	}
}

// holding is whether a pause holds a client's command back, and if so
// the channel closed when it ends: ALL holds every command, CLIENT
// UNPAUSE included (Redis 7.0 lets only the timeout end it).
func (p *pauseState) holding(c *Client, cmd *command, args [][]byte) <-chan struct{} {
	p.mu.Lock()
	ch, all := p.resumed, p.all
	p.mu.Unlock()
	if ch != nil && (all || c.heldByWritePause(cmd, args)) {
		return ch
	}
	return nil
}

// waitPaused waits for the end of a pause, and reports false if the
// connection closed meanwhile: the command is then dropped, as Redis frees
// a paused client that goes away. SHUTDOWN closes every connection, so a
// paused client does not hold it up.
func (c *Client) waitPaused(resumed <-chan struct{}) bool {
	closed, stop := c.conn.WatchClose()
	defer stop()
	c.postponed.Store(true)
	defer c.postponed.Store(false)
	select {
	case <-resumed:
		return true
	case <-closed:
		return false
	}
}

// heldByWritePause is whether CLIENT PAUSE WRITE holds cmd: a command
// that may write or propagate, or EXEC of a transaction that queued one.
func (c *Client) heldByWritePause(cmd *command, args [][]byte) bool {
	if cmd.name == "exec" && c.multi != nil {
		for _, q := range c.multi.queue {
			if c.s.mayWriteOrPropagate(q.cmd, q.args) {
				return true
			}
		}
	}
	return c.s.mayWriteOrPropagate(cmd, args)
}

// mayWriteOrPropagate is Redis's test of a command's flags for CLIENT PAUSE
// WRITE (write or may-replicate): a script or function that declares its
// flags (a shebang) counts as a write unless it is no-writes, whatever
// the command it runs by (EVAL_RO included); without a shebang, or not
// known yet, the command's own flags count.
func (s *Server) mayWriteOrPropagate(cmd *command, args [][]byte) bool {
	if flags, ok := s.scriptFlagsOf(cmd, args); ok && flags&flagEvalCompat == 0 {
		return flags&flagNoWrites == 0
	}
	return cmd.write || cmd.pausedOnWrite
}

// active reports whether a pause is on (active expiry waits for its end).
func (p *pauseState) active() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resumed != nil
}

// pausedByWrite are commands CLIENT PAUSE WRITE holds back though they are
// not flagged write (they may write, or propagate).
var pausedByWrite = map[string]bool{"eval": true, "evalsha": true, "fcall": true, "publish": true, "spublish": true, "pfcount": true}

func cmdMonitor(x *Ctx) {
	if x.c.multi != nil { // run by EXEC, which may not leave the client waiting
		x.fail("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return
	}
	x.s.monitorsMu.Lock()
	x.s.monitors[x.c] = struct{}{}
	x.s.monitoring.Store(int32(len(x.s.monitors)))
	x.s.monitorsMu.Unlock()
	x.c.monitor.Store(true)
	x.w.OK()
}

// feedMonitors shows an executed command to MONITOR clients in Redis's
// line format.
func (s *Server) feedMonitors(x *Ctx, source string) {
	if x.cmd.skipMonitor {
		return
	}
	s.showMonitors(x, source)
}

// showMonitors is feedMonitors for any command (EVAL shows itself).
func (s *Server) showMonitors(x *Ctx, source string) {
	if s.monitoring.Load() == 0 {
		return
	}
	s.monitorsMu.Lock()
	if len(s.monitors) == 0 {
		s.monitorsMu.Unlock()
		return
	}
	targets := make([]*Client, 0, len(s.monitors))
	for c := range s.monitors {
		targets = append(targets, c)
	}
	s.monitorsMu.Unlock()
	var b strings.Builder
	now := x.start
	if now.IsZero() {
		now = time.Now()
	}
	db := x.db
	if source != "lua" && x.c != nil {
		db = x.c.dbIndex() // after the command, as Redis: SELECT 2 shows as [2 ...]
	}
	fmt.Fprintf(&b, "+%d.%06d [%d %s]", now.Unix(), now.Nanosecond()/1000, db, source)
	hidden := redacted(x.cmd.name, x.args)
	for i, a := range x.args {
		b.WriteByte(' ')
		if hidden[i] {
			b.WriteString(`"(redacted)"`)
			continue
		}
		b.WriteString(quoteRepr(a))
	}
	b.WriteString("\r\n")
	line := []byte(b.String())
	for _, c := range targets {
		c.push(line)
	}
}

// monitorSource is the [db source] part of a MONITOR line.
func (c *Client) monitorSource() string {
	addr := c.conn.RemoteAddr()
	if strings.HasPrefix(addr, "/") {
		return "unix:" + addr
	}
	return addr
}

// redacted lists the arguments MONITOR hides because they are passwords:
// AUTH's, HELLO's AUTH pair, MIGRATE's AUTH and AUTH2.
func redacted(name string, args [][]byte) map[int]bool {
	hide := map[int]bool{}
	switch name {
	case "auth":
		for i := 1; i < len(args); i++ {
			hide[i] = true
		}
	case "hello", "migrate":
		for i := 1; i < len(args); i++ {
			n := 0
			switch {
			case eq(args[i], "auth") && name == "hello":
				n = 2
			case eq(args[i], "auth"):
				n = 1
			case eq(args[i], "auth2") && name == "migrate":
				n = 2
			}
			for j := 1; j <= n && i+j < len(args); j++ {
				hide[i+j] = true
			}
			i += n
		}
	}
	return hide
}

// quoteRepr quotes bytes as Redis's sdscatrepr does.
func quoteRepr(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\a':
			sb.WriteString(`\a`)
		case '\b':
			sb.WriteString(`\b`)
		default:
			if c >= 32 && c < 127 {
				sb.WriteByte(c)
			} else {
				sb.WriteString(`\x` + strconv.FormatUint(uint64(c)|0x100, 16)[1:])
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
