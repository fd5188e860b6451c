package engine

import (
	"sync"
	"time"
)

// aclLogGrouping is how long a repeated refusal updates the previous entry
// rather than adding one (Redis groups for a minute).
const aclLogGrouping = 60 * time.Second

// aclLogScan is how many recent entries Redis looks through for one to
// update.
const aclLogScan = 10

type aclLogEntry struct {
	count                             int64
	reason, context, object, username string
	created                           time.Time
	clientInfo                        string
}

// aclLog is ACL LOG: refused commands and failed authentications, newest
// first, at most acllog-max-len of them.
type aclLog struct {
	mu      sync.Mutex
	entries []*aclLogEntry
}

// logACL records a refusal of client c in ACL LOG.
func (s *Server) logACL(c *Client, reason, context, object, username string) {
	now := time.Now()
	e := &aclLogEntry{count: 1, reason: reason, context: context, object: object, username: username,
		created: now, clientInfo: s.clientInfoLine(c, now)}
	maxLen := int(min(s.cfg.Int("acllog-max-len"), 1<<20))
	l := &s.access.log
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, old := range l.entries[:min(len(l.entries), aclLogScan)] {
		if old.reason == e.reason && old.context == e.context && old.object == e.object &&
			old.username == e.username && now.Sub(old.created) <= aclLogGrouping {
			old.count++
			old.created, old.clientInfo = now, e.clientInfo
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = old
			return
		}
	}
	l.entries = append([]*aclLogEntry{e}, l.entries...)
	if len(l.entries) > maxLen {
		l.entries = l.entries[:maxLen]
	}
}

func (l *aclLog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// reply writes up to n entries, newest first.
func (l *aclLog) reply(x *Ctx, n int) {
	l.mu.Lock()
	entries := l.entries[:min(n, len(l.entries))]
	entries = append([]*aclLogEntry(nil), entries...)
	l.mu.Unlock()
	now := time.Now()
	x.w.Array(len(entries))
	for _, e := range entries {
		x.w.Map(7)
		x.w.BulkString("count")
		x.w.Int(e.count)
		x.w.BulkString("reason")
		x.w.BulkString(e.reason)
		x.w.BulkString("context")
		x.w.BulkString(e.context)
		x.w.BulkString("object")
		x.w.BulkString(e.object)
		x.w.BulkString("username")
		x.w.BulkString(e.username)
		x.w.BulkString("age-seconds")
		x.w.Double(float64(now.Sub(e.created).Milliseconds()) / 1000)
		x.w.BulkString("client-info")
		x.w.BulkString(e.clientInfo)
	}
}
