package engine

import (
	"fmt"
	"github.com/cairndb/cairn/cmdspec"
	"sort"
	"strings"
	"time"
)

func init() {
	register(
		cmdDef{name: "time", run: cmdTime},
		cmdDef{name: "lastsave", run: func(x *Ctx) { x.w.Int(x.s.lastSave.Load()) }},
		cmdDef{name: "shutdown", run: cmdShutdown},
		cmdDef{name: "slowlog|get", run: cmdSlowlogGet},
		cmdDef{name: "slowlog|len", run: func(x *Ctx) { x.w.Int(int64(x.s.slowlog.len())) }},
		cmdDef{name: "slowlog|reset", run: func(x *Ctx) { x.s.slowlog.reset(); x.w.OK() }},
		cmdDef{name: "slowlog|help", run: func(x *Ctx) { x.helpReply("slowlog") }},
		cmdDef{name: "config|get", run: cmdConfigGet},
		cmdDef{name: "config|set", run: cmdConfigSet},
		cmdDef{name: "config|rewrite", run: cmdConfigRewrite},
		cmdDef{name: "config|resetstat", run: cmdConfigResetStat},
		cmdDef{name: "config|help", run: func(x *Ctx) { x.helpReply("config") }},
		cmdDef{name: "command", run: cmdCommand},
		cmdDef{name: "command|count", run: cmdCommand},
		cmdDef{name: "command|docs", run: cmdCommand},
		cmdDef{name: "command|getkeys", run: cmdCommand},
		cmdDef{name: "command|getkeysandflags", run: cmdCommand},
		cmdDef{name: "command|help", run: cmdCommand},
		cmdDef{name: "command|info", run: cmdCommand},
		cmdDef{name: "command|list", run: cmdCommand},
	)
}

func cmdTime(x *Ctx) {
	now := time.Now()
	x.w.Array(2)
	x.w.BulkInt(now.Unix())
	x.w.BulkInt(int64(now.Nanosecond() / 1000))
}

func cmdShutdown(x *Ctx) {
	save := x.s.cfg.String("save") != ""
	for _, a := range x.args[1:] {
		switch {
		case eq(a, "nosave"):
			save = false
		case eq(a, "save"):
			save = true
		case eq(a, "now"), eq(a, "force"), eq(a, "abort"):
		default:
			x.fail(errSyntax)
			return
		}
	}
	if reject := x.s.scripts.beforeShutdown(x.args); reject != "" {
		x.fail(reject) // a script is running: only SHUTDOWN NOSAVE, which stops it
		return
	}
	if x.s.shutdownFn == nil {
		x.fail("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	if save {
		if err := x.s.saveForShutdown(); err != nil {
			x.s.log.Warningf("Error trying to save the DB, can't exit: %v", err)
			x.fail("ERR Errors trying to SHUTDOWN. Check logs.")
			return
		}
	}
	if err := x.s.shutdownFn(save); err != nil {
		x.s.log.Warningf("Error trying to shut down: %v", err)
		x.fail("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	// The process exits; like Redis the client sees the connection close
	// without a reply.
	x.c.closeAfter = true
}

func cmdSlowlogGet(x *Ctx) {
	count := int64(10)
	if len(x.args) == 3 {
		n, ok := parseInt(x.args[2])
		if !ok || n < -1 {
			x.fail("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	} else if len(x.args) > 3 {
		x.unknownSubcommand()
		return
	}
	entries := x.s.slowlog.snapshot()
	if count >= 0 && int64(len(entries)) > count {
		entries = entries[:count]
	}
	x.w.Array(len(entries))
	for _, e := range entries {
		x.w.Array(6)
		x.w.Int(e.id)
		x.w.Int(e.time)
		x.w.Int(e.duration)
		x.w.BulkStrings(e.args)
		x.w.BulkString(e.addr)
		x.w.BulkString(e.name)
	}
}

func (l *slowlog) snapshot() []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]slowEntry(nil), l.entries...)
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *slowlog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

func cmdConfigGet(x *Ctx) {
	patterns := make([]string, 0, len(x.args)-2)
	for _, a := range x.args[2:] {
		patterns = append(patterns, string(a))
	}
	pairs := x.s.cfg.Get(patterns...)
	x.w.Map(len(pairs))
	for _, p := range pairs {
		x.w.BulkString(p[0])
		x.w.BulkString(p[1])
	}
}

func cmdConfigSet(x *Ctx) {
	args := make([]string, 0, len(x.args)-2)
	for _, a := range x.args[2:] {
		args = append(args, string(a))
	}
	if err := x.s.cfg.Set(args); err != nil {
		x.fail(err.Error())
		return
	}
	x.w.OK()
}

func cmdConfigRewrite(x *Ctx) {
	if err := x.s.cfg.Rewrite(); err != nil {
		x.s.log.Warningf("CONFIG REWRITE failed: %v", err)
		x.fail(err.Error())
		return
	}
	x.s.log.Noticef("CONFIG REWRITE executed with success.")
	x.w.OK()
}

func cmdConfigResetStat(x *Ctx) {
	x.s.stats.reset()
	x.s.eachCommand(func(c *command) {
		c.stats.calls.Store(0)
		c.stats.usec.Store(0)
		c.stats.rejected.Store(0)
		c.stats.failed.Store(0)
		c.hist.reset()
	})
	x.s.peakMemory.Store(0)
	x.w.OK()
}

func cmdCommand(x *Ctx) {
	mark := x.w.Len()
	cmdspec.Command(x.w, x.args, x.s.implemented)
	// An error reply counts in INFO errorstats and failed_calls, as every
	// other command's does.
	if out := x.w.Bytes()[mark:]; len(out) > 0 && out[0] == '-' {
		x.failed = true
		x.s.stats.countError(strings.TrimSuffix(string(out[1:]), "\r\n"))
	}
}

// clientInfoLine formats one CLIENT LIST / CLIENT INFO line with Redis
// 7.0's fields.
func (s *Server) clientInfoLine(c *Client, now time.Time) string {
	// Another client's tracking state changes under the table's lock.
	// (Not CLIENT CACHING's field, which its own client changes unlocked.)
	s.tracking.mu.Lock()
	track := trackState{on: c.track.on, bcast: c.track.bcast, redirect: c.track.redirect, brokenRedirect: c.track.brokenRedirect}
	s.tracking.mu.Unlock()
	flags := c.flagString(track)
	lastCmd := *c.lastCmd.Load()
	if lastCmd == "" {
		lastCmd = "NULL"
	}
	s.pubsub.mu.RLock()
	sub, psub, ssub := len(c.subs[kindChannel]), len(c.subs[kindPattern]), len(c.subs[kindShard])
	s.pubsub.mu.RUnlock()
	obl := c.out.pending()
	qbuf, qbufFree := c.conn.QueryBuffer()
	// redir is the tracking redirection: 0 for none, -1 without tracking.
	redir := int64(-1)
	if track.on {
		redir = int64(track.redirect)
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=0 rbs=%d rbp=0 obl=%d oll=0 omem=%d tot-mem=%d events=r cmd=%s user=%s redir=%d resp=%d",
		c.id, c.conn.RemoteAddr(), c.conn.LocalAddr(), c.conn.FD(), *c.name.Load(),
		int64(now.Sub(c.created).Seconds()), (now.UnixMilli()-c.lastActive.Load())/1000,
		flags, c.dbIndex(), sub, psub, ssub, c.multiLen.Load(), qbuf, qbufFree, c.argvBytes.Load(), clientBufferBytes, obl, obl, obl+clientBufferBytes, lastCmd, *c.user.Load(), redir, c.protoVersion())
}

// flagString is CLIENT LIST's flags field, its letters in Redis 7.0's
// order; track is the client's tracking state.
func (c *Client) flagString(track trackState) string {
	var f strings.Builder
	if c.monitor.Load() {
		f.WriteByte('O')
	}
	if c.fromMaster.Load() {
		f.WriteByte('M')
	}
	if c.subscribed() {
		f.WriteByte('P')
	}
	if c.multiLen.Load() >= 0 {
		f.WriteByte('x')
	}
	if c.isBlocked() {
		f.WriteByte('b')
	}
	if track.on {
		f.WriteByte('t')
		if track.brokenRedirect {
			f.WriteByte('R')
		}
		if track.bcast {
			f.WriteByte('B')
		}
	}
	if c.watchDirty.Load() {
		f.WriteByte('d')
	}
	if c.killed.Load() {
		f.WriteByte('c')
	}
	if c.noEvict.Load() {
		f.WriteByte('e')
	}
	if f.Len() == 0 {
		return "N"
	}
	return f.String()
}

func (s *Server) sortedClients() []*Client {
	s.clientsMu.Lock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	s.clientsMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// clientType is the TYPE a client has for CLIENT LIST/KILL filters.
func (c *Client) clientType() string {
	if c.subscribed() {
		return "pubsub"
	}
	return "normal"
}

func validClientType(t string) bool {
	switch t {
	case "normal", "master", "replica", "slave", "pubsub":
		return true
	}
	return false
}

// parseClientID reads a client id as Redis reads a long long (string2ll:
// no '+', no leading zeros); a negative one, which no client has, is 0.
func parseClientID(b []byte) (uint64, bool) {
	n, ok := parseInt(b)
	if !ok {
		return 0, false
	}
	return uint64(max(n, 0)), true
}

// blockedClients counts clients waiting in a blocking command or held by
// CLIENT PAUSE, and those of them whose wait has a timeout.
func (s *Server) blockedClients() (blocked, timed int) {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	for _, c := range s.clients {
		if c.isBlocked() {
			blocked++
		}
		if c.timedBlock.Load() {
			timed++
		}
	}
	return blocked, timed
}
