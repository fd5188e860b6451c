package engine

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "xread", run: func(x *Ctx) { xread(x, false) }},
		cmdDef{name: "xreadgroup", run: func(x *Ctx) { xread(x, true) }},
	)
}

// readArgs are XREAD's and XREADGROUP's arguments.
type readArgs struct {
	group, consumer []byte // XREADGROUP's GROUP
	noAck           bool
	count           int64 // 0 = no limit
	block           int64 // milliseconds, -1 = no BLOCK
	keys, ids       [][]byte
}

// blockedReadCount is how many entries a blocked read without COUNT gets,
// so that a low ID cannot make one reply huge (XREAD_BLOCKED_DEFAULT_COUNT).
const blockedReadCount = 1000

func parseReadArgs(x *Ctx, group bool) (readArgs, bool) {
	a := readArgs{block: -1}
	streamsAt := 0
	for i := 1; i < len(x.args) && streamsAt == 0; i++ {
		more := len(x.args) - i - 1
		opt := x.args[i]
		switch {
		case eq(opt, "block") && more > 0:
			if x.script {
				x.fail(fmt.Sprintf("ERR %s command is not allowed with BLOCK option from scripts", x.args[0]))
				return a, false
			}
			i++
			ms, ok := parseInt(x.args[i])
			if !ok {
				x.fail("ERR timeout is not an integer or out of range")
				return a, false
			}
			if ms < 0 {
				x.fail("ERR timeout is negative")
				return a, false
			}
			a.block = ms
		case eq(opt, "count") && more > 0:
			i++
			n, ok := x.intArg(i)
			if !ok {
				return a, false
			}
			a.count = max(n, 0)
		case eq(opt, "streams") && more > 0:
			streamsAt = i + 1
			n := len(x.args) - streamsAt
			if n%2 != 0 {
				x.fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return a, false
			}
			a.keys, a.ids = x.args[streamsAt:streamsAt+n/2], x.args[streamsAt+n/2:]
		case eq(opt, "group") && more >= 2:
			if !group {
				x.fail("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.group, a.consumer = x.args[i+1], x.args[i+2]
			i += 2
		case eq(opt, "noack"):
			if !group {
				x.fail("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.noAck = true
		default:
			x.fail(errSyntax)
			return a, false
		}
	}
	switch {
	case streamsAt == 0:
		x.fail(errSyntax)
		return a, false
	case group && a.group == nil:
		x.fail("ERR Missing GROUP option for XREADGROUP")
		return a, false
	}
	return a, true
}

// readPos is where a read starts on one stream: after id, or, for ">",
// after the group's last delivered entry.
type readPos struct {
	id  streamID
	new bool // ">"
}

func xread(x *Ctx, group bool) {
	a, ok := parseReadArgs(x, group)
	if !ok {
		return
	}
	streams := make(map[string]*stream, len(a.keys))
	pos := make([]readPos, len(a.keys))
	for i, key := range a.keys {
		s, ok := x.readStream(key)
		if !ok {
			return
		}
		if prev := streams[string(key)]; prev != nil {
			s = prev // one handle per key: the same stream may be named twice
		}
		streams[string(key)] = s
		if group && (s == nil || s.group(a.group) == nil) {
			x.failf("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option", key, a.group)
			return
		}
		arg := a.ids[i]
		switch {
		case isCString(arg, "$"):
			if group {
				x.fail("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if s != nil {
				pos[i].id = s.st.lastID
			}
		case isCString(arg, ">"):
			if !group {
				x.fail("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			pos[i].new = true
		default:
			if pos[i].id, ok = x.parseID(arg, idSpec{strict: true}); !ok {
				return
			}
			// Redis marks ">" with the greatest ID: giving that ID means ">".
			pos[i].new = group && pos[i].id == maxStreamID
		}
	}
	w := x.subWriter()
	served := 0
	for i, key := range a.keys {
		if x.read(key) == nil {
			continue
		}
		s := streams[string(key)]
		if x.serveRead(w, s, &a, pos[i]) {
			served++
		}
	}
	for _, s := range streams {
		if s != nil && group {
			s.save(false)
		}
	}
	if served > 0 {
		if x.w.Proto() == 3 {
			x.w.Map(served)
		} else {
			x.w.Array(served)
		}
		x.w.Raw(w.Bytes())
		return
	}
	if a.block < 0 || x.inTransaction() {
		x.w.NullArray()
		return
	}
	x.blockRead(&a, pos, streams)
}

// serveRead replies a stream's part of XREAD or XREADGROUP into w if it has
// something to give: entries after the position, or (XREADGROUP with an
// ID) the consumer's pending history. It reports whether it replied.
func (x *Ctx) serveRead(w *resp.Writer, s *stream, a *readArgs, p readPos) bool {
	var g *streamGroup
	var c *streamConsumer
	serve, history := false, false
	after := p.id
	if a.group != nil {
		g = s.group(a.group)
		switch {
		case !p.new:
			serve, history = true, true
		case s.st.length > 0:
			if top, _ := s.edgeEntry(true); top.cmp(g.lastID) > 0 {
				serve, after = true, g.lastID
			}
		}
	} else if s.st.length > 0 {
		top, _ := s.edgeEntry(true)
		serve = top.cmp(after) > 0
	}
	if !serve {
		return false
	}
	if g != nil {
		c = s.consumerOrCreate(g, a.consumer)
	}
	if w.Proto() == 2 {
		w.Array(2)
	}
	w.Bulk(s.key)
	start, _ := after.next() // after the last ID comes 0-0, as in Redis
	switch {
	case history:
		s.writeHistory(w, g, c, start, a.count)
	default:
		s.writeNew(w, g, c, start, a.count, a.noAck)
	}
	return true
}

// writeNew replies the entries from start on (count 0 = all); for a group
// it delivers them: the group's last ID advances and, unless NOACK, they
// become pending for the consumer.
func (s *stream) writeNew(w *resp.Writer, g *streamGroup, c *streamConsumer, start streamID, count int64, noAck bool) {
	sub := s.x.subWriter()
	var n int64
	s.scanEntries(start, maxStreamID, false, func(id streamID, v []byte) bool {
		if g != nil {
			s.deliver(g, c, id, noAck)
		}
		s.x.writeEntry(sub, id, v)
		n++
		return count == 0 || n < count
	})
	w.Array(int(n))
	w.Raw(sub.Bytes())
}

// deliver records that entry id went to consumer c of group g.
func (s *stream) deliver(g *streamGroup, c *streamConsumer, id streamID, noAck bool) {
	if id.cmp(g.lastID) > 0 {
		switch {
		case g.entriesRead != unknownEntriesRead && !s.st.tombstonesFrom(id):
			g.entriesRead++
		case s.st.entriesAdded != 0:
			g.entriesRead = s.st.estimateEntriesRead(id)
		}
		g.lastID = id
		g.dirty = true
	}
	if noAck {
		return
	}
	var n *streamNACK
	if id.cmp(g.pelMax) <= 0 { // else it cannot be pending: no lookup
		n = s.nack(g, id)
	}
	isNew := n == nil
	if isNew {
		n = &streamNACK{id: id}
	}
	n.deliveryTime, n.deliveryCount = s.x.now, 1
	s.putNACK(g, n, c, isNew)
}

// writeHistory replies the entries consumer c has pending from start on
// (count 0 = all), counting a new delivery of each; an entry deleted
// since is replied as its ID with a null.
func (s *stream) writeHistory(w *resp.Writer, g *streamGroup, c *streamConsumer, start streamID, count int64) {
	sub := s.x.subWriter()
	var n int64
	s.eachConsumerPending(c, start, maxStreamID, func(id streamID) bool {
		if v, ok := s.entry(id); ok {
			s.x.writeEntry(sub, id, v)
			nack := s.nack(g, id)
			nack.deliveryTime = s.x.now
			nack.deliveryCount++
			s.putNACK(g, nack, c, false)
		} else {
			sub.Array(2)
			writeID(sub, id)
			sub.NullArray()
		}
		n++
		return count == 0 || n < count
	})
	w.Array(int(n))
	w.Raw(sub.Bytes())
}

// blockSeen is what a blocked read saw of one stream, to tell the writes
// Redis wakes blocked readers for (a new entry, a new object under the
// key, a group destroyed) from the others.
type blockSeen struct {
	oid, added, gid uint64
}

func (x *Ctx) seenOf(s *stream, group []byte) blockSeen {
	if s == nil {
		return blockSeen{}
	}
	seen := blockSeen{oid: s.oid(), added: s.st.entriesAdded}
	if group != nil {
		if g := s.group(group); g != nil {
			seen.gid = g.gid
		}
	}
	return seen
}

// blockRead parks the client until a stream it reads gets entries after
// its position; "$" stays what it was when the client blocked.
func (x *Ctx) blockRead(a *readArgs, pos []readPos, streams map[string]*stream) {
	var keys [][]byte
	var at []readPos
	var seen []blockSeen
	named := map[string]bool{}
	for i, key := range a.keys {
		if named[string(key)] {
			continue // the first ID given for a key is the one that counts
		}
		named[string(key)] = true
		keys = append(keys, bytes.Clone(key)) // arguments live in the connection's buffer
		at = append(at, pos[i])
		seen = append(seen, x.seenOf(streams[string(key)], a.group))
	}
	args := readArgs{group: bytes.Clone(a.group), consumer: bytes.Clone(a.consumer), noAck: a.noAck, count: a.count}
	if args.count == 0 {
		args.count = blockedReadCount
	}
	retry := func(y *Ctx, written []byte) bool { return y.retryRead(keys, at, seen, &args, written) }
	timeout := time.Duration(a.block) * time.Millisecond
	if a.block > math.MaxInt64/int64(time.Millisecond) {
		timeout = 0 // beyond any deadline Redis can keep: forever
	}
	x.blockOn(keys, timeout, retry, func(w *resp.Writer) { w.NullArray() })
}

// retryRead serves a blocked read after a write to one of its keys, the
// way Redis serves it: only for a new entry (or a group or stream gone),
// from the stream written, even if another of its keys got an entry too.
func (y *Ctx) retryRead(keys [][]byte, at []readPos, seen []blockSeen, a *readArgs, written []byte) bool {
	for i, key := range keys {
		if !bytes.Equal(key, written) {
			continue
		}
		m := y.lookup(y.db, key)
		if m == nil || m.Type != storage.TypeStream {
			if a.group != nil {
				y.fail("UNBLOCKED the stream key no longer exists")
				return true
			}
			seen[i] = blockSeen{}
			continue
		}
		s := y.openStream(key, m)
		var g *streamGroup
		if a.group != nil {
			if g = s.group(a.group); g == nil {
				y.fail("NOGROUP the consumer group this client was blocked on no longer exists")
				return true
			}
		}
		now := y.seenOf(s, a.group)
		woken := now != seen[i]
		seen[i] = now
		after := at[i].id
		if g != nil {
			after = g.lastID
		}
		if !woken || s.st.lastID.cmp(after) <= 0 {
			continue
		}
		var c *streamConsumer
		if g != nil {
			c = s.consumerOrCreate(g, a.consumer)
		}
		if y.w.Proto() == 3 {
			y.w.Map(1)
		} else {
			y.w.Array(1)
			y.w.Array(2)
		}
		y.w.Bulk(key)
		start, _ := after.next()
		s.writeNew(y.w, g, c, start, a.count, a.noAck)
		if g != nil {
			s.save(false)
		}
		return true
	}
	return false
}

// tombstonesFrom reports whether entries at or after start may have been
// deleted (Redis's streamRangeHasTombstones with an open end).
func (st *streamState) tombstonesFrom(start streamID) bool {
	if st.length == 0 || st.maxDeleted.isZero() || st.firstID.cmp(st.maxDeleted) > 0 {
		return false
	}
	return start.cmp(st.maxDeleted) <= 0
}

// estimateEntriesRead is the number of entries added up to id, when the
// stream's counters allow knowing it, else unknownEntriesRead (Redis's
// streamEstimateDistanceFromFirstEverEntry).
func (st *streamState) estimateEntriesRead(id streamID) int64 {
	if st.entriesAdded == 0 {
		return 0
	}
	if st.length == 0 && id.cmp(st.lastID) <= 0 {
		return int64(st.entriesAdded)
	}
	switch id.cmp(st.lastID) {
	case 0:
		return int64(st.entriesAdded)
	case 1:
		return unknownEntriesRead
	}
	if st.maxDeleted.isZero() || st.maxDeleted.cmp(st.firstID) < 0 {
		switch id.cmp(st.firstID) {
		case -1:
			return int64(st.entriesAdded - st.length)
		case 0:
			return int64(st.entriesAdded - st.length + 1)
		}
	}
	return unknownEntriesRead
}

// lag is a group's lag, false when it cannot be known.
func (st *streamState) lag(g *streamGroup) (int64, bool) {
	if st.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != unknownEntriesRead && !st.tombstonesFrom(g.lastID) {
		return int64(st.entriesAdded) - g.entriesRead, true
	}
	if read := st.estimateEntriesRead(g.lastID); read != unknownEntriesRead {
		return int64(st.entriesAdded) - read, true
	}
	return 0, false
}
