package engine

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats are the counters INFO reports.
type stats struct {
	connectionsReceived  atomic.Int64
	rejectedConns        atomic.Int64
	commandsProcessed    atomic.Int64
	expiredKeys          atomic.Int64
	evictedKeys          atomic.Int64
	expiredStalePerc     atomic.Int64
	keyspaceHits         atomic.Int64
	keyspaceMisses       atomic.Int64
	totalReadsProcessed  atomic.Int64
	totalWritesProcessed atomic.Int64
	netInput             atomic.Int64
	netOutput            atomic.Int64
	dirty                atomic.Int64 // changes since the last save
	errorReplies         atomic.Int64

	errMu  sync.Mutex
	errors map[string]int64 // error code → count (errorstats)
}

func (st *stats) countError(msg string) {
	st.errorReplies.Add(1)
	code := errorCode(msg)
	st.errMu.Lock()
	if st.errors == nil {
		st.errors = make(map[string]int64)
	}
	// Redis 7.0 keeps every error code it sees (7.2 stops at 128).
	st.errors[code]++
	st.errMu.Unlock()
}

// errorCode is the errorstats name of an error reply (msg without its
// "-"), as Redis reads it: what precedes a space among the reply's first
// 32 bytes ("-" included), else ERR.
func errorCode(msg string) string {
	if i := strings.IndexByte(msg[:min(len(msg), 31)], ' '); i >= 0 {
		return msg[:i]
	}
	return "ERR"
}

func (st *stats) errorCounts() [][2]any {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	var out [][2]any
	for k, v := range st.errors {
		out = append(out, [2]any{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].(string) < out[j][0].(string) })
	return out
}

func (st *stats) reset() {
	for _, c := range []*atomic.Int64{&st.connectionsReceived, &st.rejectedConns, &st.commandsProcessed,
		&st.expiredKeys, &st.evictedKeys, &st.expiredStalePerc, &st.keyspaceHits, &st.keyspaceMisses,
		&st.totalReadsProcessed, &st.totalWritesProcessed, &st.netInput, &st.netOutput, &st.errorReplies} {
		c.Store(0)
	}
	st.errMu.Lock()
	st.errors = nil
	st.errMu.Unlock()
}

// cmdStats are one command's commandstats line.
type cmdStats struct {
	calls, usec, rejected, failed atomic.Int64
}

// slowlog is SLOWLOG's ring of slow commands.
type slowlog struct {
	mu      sync.Mutex
	nextID  int64
	entries []slowEntry // newest first
}

type slowEntry struct {
	id       int64
	time     int64 // unix seconds
	duration int64 // microseconds
	args     [][]byte
	addr     string
	name     string
}

func (l *slowlog) add(e slowEntry, maxLen int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append([]slowEntry{e}, l.entries...)
	if int64(len(l.entries)) > maxLen {
		l.entries = l.entries[:max(maxLen, 0)]
	}
}

func newRunID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func unixMilli() int64 { return time.Now().UnixMilli() }

// opsMeter estimates instantaneous_ops_per_sec from samples of the command
// counter taken by the cron, over the last few seconds as Redis does.
type opsMeter struct {
	mu      sync.Mutex
	samples [16]struct {
		at    time.Time
		count int64
	}
	next int
}

func (m *opsMeter) sample(count int64) {
	m.mu.Lock()
	m.samples[m.next%len(m.samples)] = struct {
		at    time.Time
		count int64
	}{time.Now(), count}
	m.next++
	m.mu.Unlock()
}

func (m *opsMeter) rate() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.next < 2 {
		return 0
	}
	newest := m.samples[(m.next-1)%len(m.samples)]
	oldest := m.samples[max(m.next-len(m.samples), 0)%len(m.samples)]
	secs := newest.at.Sub(oldest.at).Seconds()
	if secs <= 0 {
		return 0
	}
	return int64(float64(newest.count-oldest.count) / secs)
}

func (s *Server) opsPerSec() int64 { return s.opsRate.rate() }

// Work is the commands run and the socket reads that brought them so far:
// their ratio tells pipelining clients from the others (package procs).
func (s *Server) Work() (commands, reads int64) {
	return s.stats.commandsProcessed.Load(), s.stats.totalReadsProcessed.Load()
}
