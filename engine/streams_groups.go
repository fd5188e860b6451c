package engine

import (
	"encoding/binary"
	"slices"
)

// Consumer groups, their consumers and pending entries are records too, so
// a group with millions of pending entries costs memory only for what one
// command touches. Groups and consumers get numeric ids (from the stream's
// nextID counter) that prefix their records.

// streamGroup is a consumer group.
type streamGroup struct {
	name        []byte
	gid         uint64
	lastID      streamID // last-delivered-id
	entriesRead int64    // -1 when unknown
	pending     uint64
	consumers   uint64
	pelMax      streamID // no pending entry was ever greater
	dirty       bool
}

// streamConsumer is a consumer of a group.
type streamConsumer struct {
	gid     uint64
	name    []byte
	cid     uint64
	seen    int64 // unix ms of its last command
	pending uint64
	dirty   bool
}

// streamNACK is a pending entry: delivered to a consumer, not yet acked.
type streamNACK struct {
	id            streamID
	deliveryTime  int64
	deliveryCount uint64
	cid           uint64
	consumer      []byte
}

const unknownEntriesRead = -1

func groupKey(name []byte) []byte { return append([]byte{subGroup}, name...) }

func gidPrefix(kind byte, gid uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{kind}, gid)
}

func consumerKey(gid uint64, name []byte) []byte { return append(gidPrefix(subConsumer, gid), name...) }
func pelKey(gid uint64, id streamID) []byte      { return id.encode(gidPrefix(subPEL, gid)) }

func consumerPELPrefix(gid, cid uint64) []byte {
	return binary.BigEndian.AppendUint64(gidPrefix(subConsumerPEL, gid), cid)
}

func consumerPELKey(gid, cid uint64, id streamID) []byte {
	return id.encode(consumerPELPrefix(gid, cid))
}

func (g *streamGroup) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, g.gid)
	b = g.lastID.encode(b)
	b = binary.BigEndian.AppendUint64(b, uint64(g.entriesRead))
	b = binary.BigEndian.AppendUint64(b, g.pending)
	b = binary.BigEndian.AppendUint64(b, g.consumers)
	return g.pelMax.encode(b)
}

func decodeGroup(name, v []byte) (*streamGroup, error) {
	if len(v) != 64 {
		return nil, errCorruptStream
	}
	return &streamGroup{
		name:        append([]byte(nil), name...),
		gid:         binary.BigEndian.Uint64(v),
		lastID:      decodeStreamID(v[8:]),
		entriesRead: int64(binary.BigEndian.Uint64(v[24:])),
		pending:     binary.BigEndian.Uint64(v[32:]),
		consumers:   binary.BigEndian.Uint64(v[40:]),
		pelMax:      decodeStreamID(v[48:]),
	}, nil
}

func (c *streamConsumer) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, c.cid)
	b = binary.BigEndian.AppendUint64(b, uint64(c.seen))
	return binary.BigEndian.AppendUint64(b, c.pending)
}

func decodeConsumer(gid uint64, name, v []byte) (*streamConsumer, error) {
	if len(v) != 24 {
		return nil, errCorruptStream
	}
	return &streamConsumer{
		gid:     gid,
		name:    append([]byte(nil), name...),
		cid:     binary.BigEndian.Uint64(v),
		seen:    int64(binary.BigEndian.Uint64(v[8:])),
		pending: binary.BigEndian.Uint64(v[16:]),
	}, nil
}

func (n *streamNACK) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(n.deliveryTime))
	b = binary.BigEndian.AppendUint64(b, n.deliveryCount)
	b = binary.BigEndian.AppendUint64(b, n.cid)
	return append(b, n.consumer...)
}

func decodeNACK(id streamID, v []byte) (*streamNACK, error) {
	if len(v) < 24 {
		return nil, errCorruptStream
	}
	return &streamNACK{
		id:            id,
		deliveryTime:  int64(binary.BigEndian.Uint64(v)),
		deliveryCount: binary.BigEndian.Uint64(v[8:]),
		cid:           binary.BigEndian.Uint64(v[16:]),
		consumer:      append([]byte(nil), v[24:]...),
	}, nil
}

func (s *stream) putGroup(g *streamGroup) {
	s.set(groupKey(g.name), g.encode())
	g.dirty = false
}

func (s *stream) putConsumer(c *streamConsumer) {
	s.set(consumerKey(c.gid, c.name), c.encode())
	c.dirty = false
}

// group finds a consumer group; nil if there is none by that name.
func (s *stream) group(name []byte) *streamGroup {
	for _, g := range s.groups {
		if string(g.name) == string(name) {
			return g
		}
	}
	v, ok := s.get(groupKey(name))
	if !ok {
		return nil
	}
	g, err := decodeGroup(name, v)
	s.x.must(err)
	s.groups = append(s.groups, g)
	return g
}

// createGroup adds a group; nil if one by that name exists.
func (s *stream) createGroup(name []byte, lastID streamID, entriesRead int64) *streamGroup {
	if s.group(name) != nil {
		return nil
	}
	s.st.nextID++
	g := &streamGroup{name: append([]byte(nil), name...), gid: s.st.nextID, lastID: lastID, entriesRead: entriesRead, dirty: true}
	s.groups = append(s.groups, g)
	s.st.groups++
	s.st.groupRecords++
	return g
}

// destroyGroup deletes a group with its consumers and pending entries,
// each kind with one range deletion.
func (s *stream) destroyGroup(g *streamGroup) {
	for _, r := range []struct {
		kind  byte
		count uint64
	}{{subConsumer, g.consumers}, {subPEL, g.pending}, {subConsumerPEL, g.pending}} {
		p := gidPrefix(r.kind, g.gid)
		s.deleteRange(p, prefixEnd(p), r.count)
	}
	s.del(groupKey(g.name))
	s.st.groups--
	s.st.groupRecords -= 1 + g.consumers + 2*g.pending
	s.groups = slices.DeleteFunc(s.groups, func(o *streamGroup) bool { return o == g })
	s.consumers = slices.DeleteFunc(s.consumers, func(c *streamConsumer) bool { return c.gid == g.gid })
}

// consumer finds a consumer of g; nil if there is none by that name.
// refresh marks it as seen now, as Redis's lookups do unless told not to.
func (s *stream) consumer(g *streamGroup, name []byte, refresh bool) *streamConsumer {
	var c *streamConsumer
	for _, o := range s.consumers {
		if o.gid == g.gid && string(o.name) == string(name) {
			c = o
			break
		}
	}
	if c == nil {
		v, ok := s.get(consumerKey(g.gid, name))
		if !ok {
			return nil
		}
		var err error
		c, err = decodeConsumer(g.gid, name, v)
		s.x.must(err)
		s.consumers = append(s.consumers, c)
	}
	if refresh {
		c.seen = s.x.now
		c.dirty = true
	}
	return c
}

// createConsumer adds a consumer to g and tells keyspace listeners.
func (s *stream) createConsumer(g *streamGroup, name []byte) *streamConsumer {
	s.st.nextID++
	c := &streamConsumer{gid: g.gid, name: append([]byte(nil), name...), cid: s.st.nextID, seen: s.x.now, dirty: true}
	s.consumers = append(s.consumers, c)
	g.consumers++
	g.dirty = true
	s.st.groupRecords++
	s.x.notify(classStream, "xgroup-createconsumer", s.key)
	return c
}

// consumerOrCreate finds (refreshing) or creates a consumer.
func (s *stream) consumerOrCreate(g *streamGroup, name []byte) *streamConsumer {
	if c := s.consumer(g, name, true); c != nil {
		return c
	}
	return s.createConsumer(g, name)
}

// deleteConsumer removes a consumer and its pending entries, and returns
// how many it had.
func (s *stream) deleteConsumer(g *streamGroup, c *streamConsumer) uint64 {
	prefix := consumerPELPrefix(g.gid, c.cid)
	s.eachKey(prefix, prefixEnd(prefix), func(sub []byte) {
		s.del(pelKey(g.gid, decodeStreamID(sub[len(prefix):])))
	})
	s.deleteRange(prefix, prefixEnd(prefix), c.pending)
	s.del(consumerKey(g.gid, c.name))
	pending := c.pending
	g.pending -= pending
	g.consumers--
	g.dirty = true
	s.st.groupRecords -= 1 + 2*pending
	s.consumers = slices.DeleteFunc(s.consumers, func(o *streamConsumer) bool { return o == c })
	return pending
}

// eachKey calls fn with every subkey in [lower, upper); fn may write (an
// iterator does not see later writes of its transaction).
func (s *stream) eachKey(lower, upper []byte, fn func(sub []byte)) {
	it := s.iter(lower, upper)
	defer s.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		fn(it.Key())
	}
}

// nack finds the pending entry id of g; nil if it is not pending.
func (s *stream) nack(g *streamGroup, id streamID) *streamNACK {
	v, ok := s.get(pelKey(g.gid, id))
	if !ok {
		return nil
	}
	n, err := decodeNACK(id, v)
	s.x.must(err)
	return n
}

// putNACK stores a pending entry owned by consumer to; isNew says it was
// not pending before, otherwise it may move from another consumer.
func (s *stream) putNACK(g *streamGroup, n *streamNACK, to *streamConsumer, isNew bool) {
	if isNew {
		g.pending++
		g.dirty = true
		s.st.groupRecords += 2
		if n.id.cmp(g.pelMax) > 0 {
			g.pelMax = n.id
		}
	} else if n.cid != to.cid {
		s.del(consumerPELKey(g.gid, n.cid, n.id))
		if old := s.consumer(g, n.consumer, false); old != nil {
			old.pending--
			old.dirty = true
		}
	}
	if isNew || n.cid != to.cid {
		s.set(consumerPELKey(g.gid, to.cid, n.id), nil)
		to.pending++
		to.dirty = true
		n.cid, n.consumer = to.cid, to.name
	}
	s.set(pelKey(g.gid, n.id), n.encode())
}

// removeNACK deletes a pending entry (XACK, or its entry is gone).
func (s *stream) removeNACK(g *streamGroup, n *streamNACK) {
	s.del(pelKey(g.gid, n.id))
	s.del(consumerPELKey(g.gid, n.cid, n.id))
	g.pending--
	g.dirty = true
	if owner := s.consumer(g, n.consumer, false); owner != nil {
		owner.pending--
		owner.dirty = true
	}
	s.st.groupRecords -= 2
}

// eachGroup calls fn with every group in name order.
func (s *stream) eachGroup(fn func(g *streamGroup)) {
	it := s.iter([]byte{subGroup}, []byte{subGroup + 1})
	defer s.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		g, err := decodeGroup(it.Key()[1:], it.Value())
		s.x.must(err)
		fn(g)
	}
}

// eachConsumer calls fn with every consumer of g in name order.
func (s *stream) eachConsumer(g *streamGroup, fn func(c *streamConsumer)) {
	prefix := gidPrefix(subConsumer, g.gid)
	it := s.iter(prefix, prefixEnd(prefix))
	defer s.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		c, err := decodeConsumer(g.gid, it.Key()[len(prefix):], it.Value())
		s.x.must(err)
		fn(c)
	}
}

// eachPending calls fn with g's pending entries in [lo, hi] in ID order
// until it returns false.
func (s *stream) eachPending(g *streamGroup, lo, hi streamID, fn func(n *streamNACK) bool) {
	prefix := gidPrefix(subPEL, g.gid)
	lower := lo.encode(append([]byte(nil), prefix...))
	upper := prefixEnd(prefix)
	if next, ok := hi.next(); ok {
		upper = next.encode(append([]byte(nil), prefix...))
	}
	it := s.iter(lower, upper)
	defer s.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		n, err := decodeNACK(decodeStreamID(it.Key()[len(prefix):]), it.Value())
		s.x.must(err)
		if !fn(n) {
			return
		}
	}
}

// eachConsumerPending calls fn with the IDs c has pending in [lo, hi] in
// order until it returns false.
func (s *stream) eachConsumerPending(c *streamConsumer, lo, hi streamID, fn func(id streamID) bool) {
	prefix := consumerPELPrefix(c.gid, c.cid)
	lower := lo.encode(append([]byte(nil), prefix...))
	upper := prefixEnd(prefix)
	if next, ok := hi.next(); ok {
		upper = next.encode(append([]byte(nil), prefix...))
	}
	it := s.iter(lower, upper)
	defer s.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(decodeStreamID(it.Key()[len(prefix):])) {
			return
		}
	}
}
