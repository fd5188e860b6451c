package engine

import "github.com/cairndb/cairn/resp"

func init() {
	register(
		cmdDef{name: "xinfo|stream", run: cmdXInfoStream},
		cmdDef{name: "xinfo|groups", run: cmdXInfoGroups},
		cmdDef{name: "xinfo|consumers", run: cmdXInfoConsumers},
		cmdDef{name: "xinfo|help", run: func(x *Ctx) { x.helpReply("xinfo") }},
	)
}

// xinfoStream looks up the stream every XINFO subcommand but HELP needs.
func xinfoStream(x *Ctx) *stream {
	s, ok := x.readStream(x.args[2])
	if ok && s == nil {
		x.fail(errNoSuchKey)
	}
	return s
}

func cmdXInfoConsumers(x *Ctx) {
	s := xinfoStream(x)
	if s == nil {
		return
	}
	g := s.group(x.args[3])
	if g == nil {
		x.failf("NOGROUP No such consumer group '%s' for key name '%s'", x.args[3], x.args[2])
		return
	}
	x.w.Array(int(g.consumers))
	s.eachConsumer(g, func(c *streamConsumer) {
		x.w.Map(3)
		x.w.BulkString("name")
		x.w.Bulk(c.name)
		x.w.BulkString("pending")
		x.w.Int(int64(c.pending))
		x.w.BulkString("idle")
		x.w.Int(max(x.now-c.seen, 0))
	})
}

func cmdXInfoGroups(x *Ctx) {
	s := xinfoStream(x)
	if s == nil {
		return
	}
	x.w.Array(int(s.st.groups))
	s.eachGroup(func(g *streamGroup) {
		x.w.Map(6)
		x.w.BulkString("name")
		x.w.Bulk(g.name)
		x.w.BulkString("consumers")
		x.w.Int(int64(g.consumers))
		x.w.BulkString("pending")
		x.w.Int(int64(g.pending))
		x.w.BulkString("last-delivered-id")
		writeID(x.w, g.lastID)
		s.writeReadCounters(x.w, g)
	})
}

// writeReadCounters writes a group's entries-read and lag fields.
func (s *stream) writeReadCounters(w *resp.Writer, g *streamGroup) {
	w.BulkString("entries-read")
	if g.entriesRead == unknownEntriesRead {
		w.Null()
	} else {
		w.Int(g.entriesRead)
	}
	w.BulkString("lag")
	if lag, ok := s.st.lag(g); ok {
		w.Int(lag)
	} else {
		w.Null()
	}
}

func cmdXInfoStream(x *Ctx) {
	s := xinfoStream(x)
	if s == nil {
		return
	}
	full, count := false, int64(10)
	if n := len(x.args); n > 3 {
		if (n != 4 && n != 6) || !eq(x.args[3], "full") || (n == 6 && !eq(x.args[4], "count")) {
			x.subcommandSyntaxError()
			return
		}
		full = true
		if n == 6 {
			var ok bool
			if count, ok = x.intArg(5); !ok {
				return
			}
			if count < 0 {
				count = 10
			}
		}
	}
	if full {
		s.writeFullInfo(count)
		return
	}
	w := x.w
	w.Map(10)
	s.writeInfoHeader()
	w.BulkString("groups")
	w.Int(int64(s.st.groups))
	for _, last := range []bool{false, true} {
		if last {
			w.BulkString("last-entry")
		} else {
			w.BulkString("first-entry")
		}
		id, ok := s.edgeEntry(last)
		if !ok {
			w.Null()
			continue
		}
		v, _ := s.entry(id)
		x.writeEntry(w, id, v)
	}
}

// writeInfoHeader writes the fields XINFO STREAM starts with, FULL or not.
func (s *stream) writeInfoHeader() {
	w := s.x.w
	w.BulkString("length")
	w.Int(int64(s.st.length))
	w.BulkString("radix-tree-keys")
	w.Int(int64(s.st.nodes))
	w.BulkString("radix-tree-nodes")
	w.Int(int64(s.st.raxNodes))
	w.BulkString("last-generated-id")
	writeID(w, s.st.lastID)
	w.BulkString("max-deleted-entry-id")
	writeID(w, s.st.maxDeleted)
	w.BulkString("entries-added")
	w.Int(int64(s.st.entriesAdded))
	w.BulkString("recorded-first-entry-id")
	writeID(w, s.st.firstID)
}

// writeFullInfo is XINFO STREAM FULL: the entries and every group with its
// pending entries and consumers, lists cut at count (0 = all).
func (s *stream) writeFullInfo(count int64) {
	w := s.x.w
	w.Map(9)
	s.writeInfoHeader()
	w.BulkString("entries")
	s.writeRange(streamID{}, maxStreamID, count, false)
	w.BulkString("groups")
	w.Array(int(s.st.groups))
	s.eachGroup(func(g *streamGroup) {
		w.Map(7)
		w.BulkString("name")
		w.Bulk(g.name)
		w.BulkString("last-delivered-id")
		writeID(w, g.lastID)
		s.writeReadCounters(w, g)
		w.BulkString("pel-count")
		w.Int(int64(g.pending))
		w.BulkString("pending")
		sub := s.x.subWriter()
		var n int64
		s.eachPending(g, streamID{}, maxStreamID, func(nack *streamNACK) bool {
			if count != 0 && n == count {
				return false
			}
			sub.Array(4)
			writeID(sub, nack.id)
			sub.Bulk(nack.consumer)
			sub.Int(nack.deliveryTime)
			sub.Int(int64(nack.deliveryCount))
			n++
			return true
		})
		w.Array(int(n))
		w.Raw(sub.Bytes())
		w.BulkString("consumers")
		w.Array(int(g.consumers))
		s.eachConsumer(g, func(c *streamConsumer) { s.writeFullConsumer(g, c, count) })
	})
}

func (s *stream) writeFullConsumer(g *streamGroup, c *streamConsumer, count int64) {
	w := s.x.w
	w.Map(4)
	w.BulkString("name")
	w.Bulk(c.name)
	w.BulkString("seen-time")
	w.Int(c.seen)
	w.BulkString("pel-count")
	w.Int(int64(c.pending))
	w.BulkString("pending")
	sub := s.x.subWriter()
	var n int64
	s.eachConsumerPending(c, streamID{}, maxStreamID, func(id streamID) bool {
		if count != 0 && n == count {
			return false
		}
		nack := s.nack(g, id)
		sub.Array(3)
		writeID(sub, id)
		sub.Int(nack.deliveryTime)
		sub.Int(int64(nack.deliveryCount))
		n++
		return true
	})
	w.Array(int(n))
	w.Raw(sub.Bytes())
}
