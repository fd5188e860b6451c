package engine

import (
	"fmt"
	"time"

	"github.com/cairndb/cairn/cmdspec"
	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

// Ctx is one command's execution: its client, arguments, reply writer and
// the storage transaction its reads and writes go through.
type Ctx struct {
	s    *Server
	c    *Client
	cmd  *command
	args [][]byte
	w    *resp.Writer
	db   int
	now  int64 // unix ms, fixed for the whole command as in Redis

	start time.Time        // when the command was read: MONITOR's timestamp (statistics time the body alone)
	keys  [][]byte         // its key arguments (scratch for the dispatcher)
	refs  []cmdspec.KeyRef // their positions (scratch for the dispatcher)

	txn    *storage.Tx
	after  []*storage.Ticket // commits the keys' locks were taken over from: txn follows them
	shared bool              // txn belongs to an enclosing EXEC or script
	batch  bool              // a pipeline's batch: its replies wait in c.w for its events (commitBatch)
	script bool              // called by a script's redis.call
	// A PUBLISH run by EXEC or a script hands a message to its own
	// caller, selfTo, to selfKeep, which writes it among the caller's
	// replies where Redis does (unset: pushed as to any subscriber).
	selfTo   *Client
	selfKeep func([]byte)

	failed       bool
	blockedOn    *waiter // set when the command blocked its client
	blockTimeout time.Duration
	modified     []keyRef // keys written, for WATCH and blocked clients
	ready        []keyRef // keys blocked clients should retry though not written (SWAPDB)
	events       []event  // what its writes tell other clients, after commit
	signalled    int      // how many of modified an entry of events covers
	// Reads by the commands run for this one (EXEC, a script, a
	// pipeline's batch) that its client tracks, placed among modified.
	trackReads []trackedRead
}

type keyRef struct {
	db  int
	key string
}

// event is what a command's writes tell other clients, kept in the order
// the command raised it for afterWrite to send (announce, notify.go): a
// keyspace notification, with the channels the configuration named when
// the command raised it; or a message a PUBLISH run by EXEC or a script
// delivers (to, msg); or, with signal, the point where the next signal
// keys of the command's modified were written, and where its client's
// reply then stood (signalAt; -1: not in the client's writer).
type event struct {
	keyspace, keyevent bool
	name               string
	db                 int
	key                []byte
	replyAt            int     // where a script's caller gets its own copy (scripting_run.go)
	skip               *Client // got its copy as the command raised it (ownKeep)

	to  *Client
	msg []byte

	signal, signalAt int
}

// Notification classes (notify-keyspace-events flags).
const (
	classGeneric = 'g'
	classString  = '$'
	classList    = 'l'
	classSet     = 's'
	classHash    = 'h'
	classZSet    = 'z'
	classExpired = 'x'
	classEvicted = 'e'
	classStream  = 't'
	classKeyMiss = 'm'
	classNew     = 'n'
)

// storageError aborts a command whose storage access failed; the dispatcher
// turns it into an error reply and discards the command's writes.
type storageError struct{ err error }

// must aborts the command on a storage error.
func (x *Ctx) must(err error) {
	if err != nil {
		panic(storageError{err})
	}
}

// fail replies with an error and counts it.
func (x *Ctx) fail(msg string) {
	x.failed = true
	x.w.Error(msg)
	x.s.stats.countError(msg)
}

func (x *Ctx) failf(format string, a ...any) { x.fail(fmt.Sprintf(format, a...)) }

// tx returns the command's storage transaction, starting it on first use.
func (x *Ctx) tx() *storage.Tx {
	if x.txn == nil {
		x.txn = x.s.store.Begin()
		for _, t := range x.after {
			x.txn.Follow(t)
		}
	}
	return x.txn
}

// lookup returns a key's meta in database db, nil if it does not exist. A
// key past its deadline is deleted on the spot (lazy expiry) and reported
// as absent. A replica deletes nothing itself, as in Redis: its master's
// DEL follows, its master's commands still see the key, and other clients
// do not. Nor does a server under CLIENT PAUSE, which must not write.
func (x *Ctx) lookup(db int, key []byte) *storage.Meta {
	m, err := x.tx().Meta(db, key)
	x.must(err)
	if m != nil && m.Expire != 0 && m.Expire <= x.now {
		if x.s.replica.Load() != nil {
			if x.c != nil && x.c.fromMaster.Load() {
				return m
			}
			return nil
		}
		if !x.s.pause.active() {
			x.expire(db, key)
		}
		return nil
	}
	return m
}

// readyKey tells the clients blocked on key to try again once the command
// ends. As in Redis, that is when a key is created (nobody waits on one
// that exists), gets a stream entry, or stops being a stream (its group
// readers fail): not when a key is overwritten.
func (x *Ctx) readyKey(db int, key []byte) {
	x.ready = append(x.ready, keyRef{db, string(key)})
}

// expire deletes a key whose deadline passed and tells everyone.
func (x *Ctx) expire(db int, key []byte) {
	x.readyKey(db, key)
	x.must(x.tx().Put(db, key, nil))
	x.s.stats.expiredKeys.Add(1)
	// Redis notifies the expiry, then invalidates the key at once.
	x.notifyIn(db, classExpired, "expired", key)
	x.modified = append(x.modified, keyRef{db, string(key)})
	x.markSignalled()
}

// read looks a key up for reading, counting keyspace hits and misses.
func (x *Ctx) read(key []byte) *storage.Meta { return x.counted(key, x.lookup(x.db, key)) }

// peek is read without counting an access, for the commands Redis runs
// with LOOKUP_NOTOUCH (TYPE, EXISTS, TTL...): OBJECT IDLETIME goes on
// growing.
func (x *Ctx) peek(key []byte) *storage.Meta { return x.counted(key, x.peekIn(x.db, key)) }

// peekIn is lookup without counting an access. A key past its deadline
// is expired, as lookup expires it.
func (x *Ctx) peekIn(db int, key []byte) *storage.Meta {
	m, err := x.tx().Peek(db, key)
	x.must(err)
	if m != nil && m.Expire != 0 && m.Expire <= x.now {
		return x.lookup(db, key)
	}
	return m
}

// counted records a read's hit or miss (statistics, keymiss event).
func (x *Ctx) counted(key []byte, m *storage.Meta) *storage.Meta {
	x.countLookup(m)
	if m == nil {
		x.notify(classKeyMiss, "keymiss", key)
	}
	return m
}

// countLookup counts a keyspace hit or miss.
func (x *Ctx) countLookup(m *storage.Meta) {
	if m == nil {
		x.s.stats.keyspaceMisses.Add(1)
	} else {
		x.s.stats.keyspaceHits.Add(1)
	}
}

// objectLookup is OBJECT's lookup, as Redis's (LOOKUP_NOTOUCH |
// LOOKUP_NONOTIFY): counted in the statistics, but no access and no
// keymiss event.
func (x *Ctx) objectLookup(key []byte) *storage.Meta {
	m := x.peekIn(x.db, key)
	x.countLookup(m)
	return m
}

// readType is read that also checks the type, replying WRONGTYPE.
func (x *Ctx) readType(key []byte, t storage.Type) (*storage.Meta, bool) {
	m := x.read(key)
	if m != nil && m.Type != t {
		x.fail(errWrongType)
		return nil, false
	}
	return m, true
}

// writeType looks a key up for writing and checks its type.
func (x *Ctx) writeType(key []byte, t storage.Type) (*storage.Meta, bool) {
	m := x.lookup(x.db, key)
	if m != nil && m.Type != t {
		x.fail(errWrongType)
		return nil, false
	}
	return m, true
}

// put stores a key's new meta (nil deletes it) in the current database.
func (x *Ctx) put(key []byte, m *storage.Meta) { x.putIn(x.db, key, m) }

func (x *Ctx) putIn(db int, key []byte, m *storage.Meta) {
	if m != nil {
		prev, err := x.tx().Meta(db, key)
		x.must(err)
		switch {
		case prev == nil:
			x.notifyIn(db, classNew, "new", key)
			x.readyKey(db, key)
		case prev.Type == storage.TypeStream && m.Type != storage.TypeStream:
			x.readyKey(db, key) // the stream is gone for its readers
		}
	} else {
		x.readyKey(db, key)
	}
	x.must(x.tx().Put(db, key, m))
	x.modified = append(x.modified, keyRef{db, string(key)})
	x.s.stats.dirty.Add(1)
}

// putAnew stores m as a key made anew, replacing any key of that name:
// Redis deletes the old key and adds the new one (RENAME, COPY REPLACE,
// RESTORE REPLACE), so a new-key event goes out either way.
func (x *Ctx) putAnew(db int, key []byte, m *storage.Meta) {
	x.must(x.tx().Put(db, key, nil))
	x.putIn(db, key, m)
}

// newOID allocates an object id for a new collection.
func (x *Ctx) newOID() uint64 {
	id, err := x.tx().NewOID()
	x.must(err)
	return id
}

// notify queues a keyspace notification for the current database.
func (x *Ctx) notify(class byte, name string, key []byte) { x.notifyIn(x.db, class, name, key) }

// Redis publishes a notification while the command runs, under the
// configuration of that moment; Cairn publishes after the commit (but for
// the client's own copy), so the decision is taken here. Events nobody is
// configured to receive are not queued: most servers run without
// notifications, and each event copies its key.
func (x *Ctx) notifyIn(db int, class byte, name string, key []byte) {
	f := x.s.notify.Load()
	// Redis invalidates the keys a command wrote (signalModifiedKey) just
	// before the command's notification, after the "new" of the key's
	// creation: that order matters to subscribers of other events too.
	if class != classNew && f != nil && (f.keyspace || f.keyevent) {
		x.markSignalled()
	}
	if !f.wants(class) {
		return
	}
	e := event{keyspace: f.keyspace, keyevent: f.keyevent, name: name, db: db, key: append([]byte(nil), key...)}
	if keep := x.ownKeep(); keep != nil {
		e.skip = x.c
		x.s.publishOwn(x.c, &e, keep)
	}
	x.events = append(x.events, e)
}

// markSignalled marks the keys written since the last mark as
// invalidated here, among the command's notifications. runBody marks the
// rest at the end of each command: EXEC, scripts and pipelines join their
// commands' lists.
func (x *Ctx) markSignalled() {
	if n := len(x.modified) - x.signalled; n > 0 {
		at := -1
		if x.ownsReply() {
			at = x.w.Len()
		}
		x.events = append(x.events, event{signal: n, signalAt: at})
		x.signalled = len(x.modified)
	}
}

// ownKeep returns where the client's own notifications go, as the command
// raises them, which is where Redis writes them: among its replies, in the
// middle of a reply too. nil leaves them to afterWrite: a script's (its
// caller's: scripting_run.go), a served blocked command's, and those of a
// command whose reply CLIENT REPLY drops (they go before it).
func (x *Ctx) ownKeep() func([]byte) {
	switch {
	case !x.ownsReply():
		return nil
	case x.selfKeep != nil: // EXEC's commands
		return x.selfKeep
	}
	return x.w.Raw
}

// ownsReply reports whether the command writes its client's reply where
// the client's messages may go as they are raised (ownKeep).
func (x *Ctx) ownsReply() bool {
	return x.c != nil && !x.script && (x.selfKeep != nil || x.w == x.c.w && x.c.replyMode == replyOn)
}

// intArg parses argument i as an integer, replying the Redis error if it
// is not one.
func (x *Ctx) intArg(i int) (int64, bool) {
	n, ok := parseInt(x.args[i])
	if !ok {
		x.fail(errNotInt)
	}
	return n, ok
}
