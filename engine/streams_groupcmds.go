package engine

import (
	"math"
	"strings"

	"github.com/cairndb/cairn/resp"
)

func init() {
	register(
		cmdDef{name: "xgroup|create", run: cmdXGroupCreate},
		cmdDef{name: "xgroup|setid", run: cmdXGroupSetID},
		cmdDef{name: "xgroup|destroy", run: cmdXGroupDestroy},
		cmdDef{name: "xgroup|createconsumer", run: cmdXGroupCreateConsumer},
		cmdDef{name: "xgroup|delconsumer", run: cmdXGroupDelConsumer},
		cmdDef{name: "xgroup|help", run: func(x *Ctx) { x.helpReply("xgroup") }},
		cmdDef{name: "xack", run: cmdXAck},
		cmdDef{name: "xpending", run: cmdXPending},
		cmdDef{name: "xclaim", run: cmdXClaim},
		cmdDef{name: "xautoclaim", run: cmdXAutoClaim},
	)
}

// subcommandSyntaxError is Redis's reply to a subcommand called with
// arguments it does not take.
func (x *Ctx) subcommandSyntaxError() {
	x.failf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.", x.args[1], strings.ToUpper(string(x.args[0])))
}

// entriesReadArg parses ENTRIESREAD's value.
func (x *Ctx) entriesReadArg(i int) (int64, bool) {
	n, ok := x.intArg(i)
	if ok && n < 0 && n != unknownEntriesRead {
		x.fail("ERR value for ENTRIESREAD must be positive or -1")
		return 0, false
	}
	return n, ok
}

// xgroupTarget looks up the stream and, unless create, the group that
// every XGROUP subcommand works on, replying Redis's errors.
func xgroupTarget(x *Ctx, mkStream, needGroup bool) (*stream, *streamGroup, bool) {
	s, ok := x.writeStream(x.args[2])
	if !ok {
		return nil, nil, false
	}
	if s == nil && !mkStream {
		x.fail("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
		return nil, nil, false
	}
	if s == nil || !needGroup {
		return s, nil, true
	}
	g := s.group(x.args[3])
	if g == nil {
		x.failf("NOGROUP No such consumer group '%s' for key name '%s'", x.args[3], x.args[2])
		return nil, nil, false
	}
	return s, g, true
}

func cmdXGroupCreate(x *Ctx) {
	mkStream := false
	entriesRead := int64(unknownEntriesRead)
	for i := 5; i < len(x.args); {
		switch {
		case eq(x.args[i], "mkstream"):
			mkStream = true
			i++
		case eq(x.args[i], "entriesread") && i+1 < len(x.args):
			n, ok := x.entriesReadArg(i + 1)
			if !ok {
				return
			}
			entriesRead = n
			i += 2
		default:
			x.subcommandSyntaxError()
			return
		}
	}
	s, _, ok := xgroupTarget(x, mkStream, false)
	if !ok {
		return
	}
	if len(x.args) > 8 {
		x.subcommandSyntaxError()
		return
	}
	var id streamID
	if isCString(x.args[4], "$") {
		if s != nil {
			id = s.st.lastID
		}
	} else if id, ok = x.idArg(4, idSpec{strict: true}); !ok {
		return
	}
	if s == nil {
		s = x.createStream(x.args[2])
	}
	if s.createGroup(x.args[3], id, entriesRead) == nil {
		x.fail("BUSYGROUP Consumer Group name already exists")
		return
	}
	s.save(false)
	x.w.OK()
	x.notify(classStream, "xgroup-create", x.args[2])
}

func cmdXGroupSetID(x *Ctx) {
	entriesRead := int64(unknownEntriesRead)
	if len(x.args) > 5 {
		if !eq(x.args[5], "entriesread") || len(x.args) < 7 {
			x.subcommandSyntaxError()
			return
		}
		n, ok := x.entriesReadArg(6)
		if !ok {
			return
		}
		entriesRead = n
	}
	s, g, ok := xgroupTarget(x, false, true)
	if !ok {
		return
	}
	if len(x.args) != 5 && len(x.args) != 7 {
		x.subcommandSyntaxError()
		return
	}
	id := s.st.lastID
	if !isCString(x.args[4], "$") {
		if id, ok = x.idArg(4, idSpec{}); !ok {
			return
		}
	}
	g.lastID, g.entriesRead, g.dirty = id, entriesRead, true
	s.save(false)
	x.w.OK()
	x.notify(classStream, "xgroup-setid", x.args[2])
}

func cmdXGroupDestroy(x *Ctx) {
	s, _, ok := xgroupTarget(x, false, false)
	if !ok {
		return
	}
	g := s.group(x.args[3])
	if g == nil {
		x.w.Int(0)
		return
	}
	s.destroyGroup(g)
	s.save(false)
	x.w.Int(1)
	x.notify(classStream, "xgroup-destroy", x.args[2])
	// Clients blocked reading through the group get an error.
	x.ready = append(x.ready, keyRef{x.db, string(x.args[2])})
}

func cmdXGroupCreateConsumer(x *Ctx) {
	s, g, ok := xgroupTarget(x, false, true)
	if !ok {
		return
	}
	if s.consumer(g, x.args[4], false) != nil {
		x.w.Int(0)
		return
	}
	s.createConsumer(g, x.args[4])
	s.save(false)
	x.w.Int(1)
}

func cmdXGroupDelConsumer(x *Ctx) {
	s, g, ok := xgroupTarget(x, false, true)
	if !ok {
		return
	}
	c := s.consumer(g, x.args[4], false)
	if c == nil {
		x.w.Int(0)
		return
	}
	pending := s.deleteConsumer(g, c)
	s.save(false)
	x.w.Int(int64(pending))
	x.notify(classStream, "xgroup-delconsumer", x.args[2])
}

// groupForClaim finds the stream and group XACK, XPENDING, XCLAIM and
// XAUTOCLAIM work on; nil without a reply when either is missing.
func groupForClaim(x *Ctx) (*stream, *streamGroup, bool) {
	s, ok := x.readStream(x.args[1])
	if !ok || s == nil {
		return nil, nil, ok
	}
	return s, s.group(x.args[2]), true
}

func (x *Ctx) failNoGroup() {
	x.failf("NOGROUP No such key '%s' or consumer group '%s'", x.args[1], x.args[2])
}

func cmdXAck(x *Ctx) {
	s, g, ok := groupForClaim(x)
	if !ok {
		return
	}
	if g == nil {
		x.w.Int(0)
		return
	}
	ids := make([]streamID, 0, len(x.args)-3)
	for i := 3; i < len(x.args); i++ {
		id, ok := x.idArg(i, idSpec{strict: true})
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	var acked int64
	for _, id := range ids {
		if n := s.nack(g, id); n != nil {
			s.removeNACK(g, n)
			acked++
		}
	}
	if acked > 0 {
		s.save(false)
	}
	x.w.Int(acked)
}

func cmdXPending(x *Ctx) {
	n := len(x.args)
	if n != 3 && (n < 6 || n > 9) {
		x.fail(errSyntax)
		return
	}
	var minIdle, count int64
	start, end := streamID{}, maxStreamID
	var consumer []byte
	if n >= 6 {
		at := 3
		if eq(x.args[3], "idle") {
			var ok bool
			if minIdle, ok = x.intArg(4); !ok {
				return
			}
			if n < 8 {
				x.fail(errSyntax)
				return
			}
			at += 2
		}
		var ok bool
		if count, ok = x.intArg(at + 2); !ok {
			return
		}
		count = max(count, 0)
		if start, ok = x.intervalArg(at, 0, true); !ok {
			return
		}
		if end, ok = x.intervalArg(at+1, math.MaxUint64, false); !ok {
			return
		}
		if at+3 < n {
			consumer = x.args[at+3]
		}
	}
	s, g, ok := groupForClaim(x)
	if !ok {
		return
	}
	if g == nil {
		x.failNoGroup()
		return
	}
	if n == 3 {
		s.writePendingSummary(x.w, g)
		return
	}
	var c *streamConsumer
	if consumer != nil {
		if c = s.consumer(g, consumer, false); c == nil {
			x.w.Array(0)
			return
		}
	}
	w := x.subWriter()
	listed := 0
	add := func(nack *streamNACK) bool {
		if count == 0 {
			return false
		}
		idle := x.now - nack.deliveryTime
		if minIdle != 0 && idle < minIdle {
			return true
		}
		w.Array(4)
		writeID(w, nack.id)
		w.Bulk(nack.consumer)
		w.Int(max(idle, 0))
		w.Int(int64(nack.deliveryCount))
		listed++
		count--
		return true
	}
	if c == nil {
		s.eachPending(g, start, end, add)
	} else {
		s.eachConsumerPending(c, start, end, func(id streamID) bool { return add(s.nack(g, id)) })
	}
	x.w.Array(listed)
	x.w.Raw(w.Bytes())
}

// writePendingSummary is XPENDING's short form: how many entries are
// pending, the smallest and greatest, and how many each consumer has.
func (s *stream) writePendingSummary(w *resp.Writer, g *streamGroup) {
	w.Array(4)
	w.Int(int64(g.pending))
	if g.pending == 0 {
		w.Null()
		w.Null()
		w.NullArray()
		return
	}
	var first, last streamID
	s.eachPending(g, streamID{}, maxStreamID, func(n *streamNACK) bool { first = n.id; return false })
	prefix := gidPrefix(subPEL, g.gid)
	it := s.iter(prefix, prefixEnd(prefix))
	if it.Last() {
		last = decodeStreamID(it.Key()[len(prefix):])
	}
	s.closeIter(it)
	writeID(w, first)
	writeID(w, last)
	sub := s.x.subWriter()
	owners := 0
	s.eachConsumer(g, func(c *streamConsumer) {
		if c.pending > 0 {
			sub.Array(2)
			sub.Bulk(c.name)
			sub.BulkInt(int64(c.pending))
			owners++
		}
	})
	w.Array(owners)
	w.Raw(sub.Bytes())
}

// claimOptions are XCLAIM's options.
type claimOptions struct {
	deliveryTime int64 // -1: now
	retryCount   int64 // -1: count the delivery
	force        bool
	justID       bool
	lastID       streamID
}

func cmdXClaim(x *Ctx) {
	s, g, ok := groupForClaim(x)
	if !ok {
		return
	}
	if g == nil {
		x.failNoGroup()
		return
	}
	minIdle, ok := parseInt(x.args[4])
	if !ok {
		x.fail("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	var ids []streamID
	j := 5
	for ; j < len(x.args); j++ {
		p, ok := parseStreamID(x.args[j], idSpec{strict: true})
		if !ok {
			break
		}
		ids = append(ids, p.id)
	}
	o := claimOptions{deliveryTime: -1, retryCount: -1}
	for ; j < len(x.args); j++ {
		more := j+1 < len(x.args)
		opt := x.args[j]
		switch {
		case eq(opt, "force"):
			o.force = true
		case eq(opt, "justid"):
			o.justID = true
		case eq(opt, "idle") && more:
			j++
			idle, ok := parseInt(x.args[j])
			if !ok {
				x.fail("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			o.deliveryTime = x.now - idle
		case eq(opt, "time") && more:
			j++
			if o.deliveryTime, ok = parseInt(x.args[j]); !ok {
				x.fail("ERR Invalid TIME option argument for XCLAIM")
				return
			}
		case eq(opt, "retrycount") && more:
			j++
			if o.retryCount, ok = parseInt(x.args[j]); !ok {
				x.fail("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
		case eq(opt, "lastid") && more:
			j++
			if o.lastID, ok = x.idArg(j, idSpec{strict: true}); !ok {
				return
			}
		default:
			x.failf("ERR Unrecognized XCLAIM option '%s'", opt)
			return
		}
	}
	if o.lastID.cmp(g.lastID) > 0 {
		g.lastID, g.dirty = o.lastID, true
	}
	if o.deliveryTime < 0 || o.deliveryTime > x.now {
		o.deliveryTime = x.now // a bogus time means now, rather than an error
	}
	w := x.subWriter()
	claimed := 0
	var c *streamConsumer
	for _, id := range ids {
		n := s.nack(g, id)
		v, exists := s.entry(id)
		if !exists {
			if n != nil {
				s.removeNACK(g, n) // the entry is gone: so is its pending state
			}
			continue
		}
		isNew := false
		if n == nil {
			if !o.force {
				continue
			}
			n, isNew = &streamNACK{id: id, deliveryTime: x.now, deliveryCount: 1}, true
		} else if minIdle != 0 && x.now-n.deliveryTime < minIdle {
			continue
		}
		if c == nil {
			c = s.consumerOrCreate(g, x.args[3])
		}
		n.deliveryTime = o.deliveryTime
		switch {
		case o.retryCount >= 0:
			n.deliveryCount = uint64(o.retryCount)
		case !o.justID:
			n.deliveryCount++
		}
		s.putNACK(g, n, c, isNew)
		if o.justID {
			writeID(w, id)
		} else {
			x.writeEntry(w, id, v)
		}
		claimed++
	}
	s.save(false)
	x.w.Array(claimed)
	x.w.Raw(w.Bytes())
}

const (
	// autoclaimAttempts is how many pending entries XAUTOCLAIM looks at
	// per entry it may claim.
	autoclaimAttempts = 10
	// autoclaimMaxCount is the largest COUNT Redis can serve: it allocates
	// 16 bytes per entry up front, and its allocator refuses more than
	// 2^46 bytes.
	autoclaimMaxCount = 1 << 42
)

func cmdXAutoClaim(x *Ctx) {
	minIdle, ok := parseInt(x.args[4])
	if !ok {
		x.fail("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := x.intervalArg(5, 0, true)
	if !ok {
		return
	}
	count, justID := int64(100), false
	for j := 6; j < len(x.args); j++ {
		switch {
		case eq(x.args[j], "count") && j+1 < len(x.args):
			j++
			n, ok := parseInt(x.args[j])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				x.fail("ERR COUNT must be > 0")
				return
			}
			count = n
		case eq(x.args[j], "justid"):
			justID = true
		default:
			x.fail(errSyntax)
			return
		}
	}
	s, g, ok := groupForClaim(x)
	if !ok {
		return
	}
	if g == nil {
		x.failNoGroup()
		return
	}
	if count > autoclaimMaxCount {
		x.fail("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")
		return
	}
	attempts := count * autoclaimAttempts
	w := x.subWriter()
	var claimed int
	var gone []streamID
	var c *streamConsumer
	cursor := streamID{}
	s.eachPending(g, start, maxStreamID, func(n *streamNACK) bool {
		if attempts == 0 || count == 0 {
			cursor = n.id
			return false
		}
		attempts--
		v, exists := s.entry(n.id)
		if !exists {
			s.removeNACK(g, n)
			gone = append(gone, n.id)
			count--
			return true
		}
		if minIdle != 0 && x.now-n.deliveryTime < minIdle {
			return true
		}
		if c == nil {
			c = s.consumerOrCreate(g, x.args[3])
		}
		n.deliveryTime = x.now
		if !justID {
			n.deliveryCount++
		}
		s.putNACK(g, n, c, false)
		if justID {
			writeID(w, n.id)
		} else {
			x.writeEntry(w, n.id, v)
		}
		claimed++
		count--
		return true
	})
	s.save(false)
	x.w.Array(3)
	writeID(x.w, cursor)
	x.w.Array(claimed)
	x.w.Raw(w.Bytes())
	x.w.Array(len(gone))
	for _, id := range gone {
		writeID(x.w, id)
	}
}
