package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// streamBuffer bounds the entry bytes held to split a stream as XADD
// would, which needs every node before the node count is written. The
// entries of a longer stream past it go in nodes of
// stream-node-max-entries entries (100 when that is unbounded), which
// Redis loads as well.
const streamBuffer = 1 << 20

// streamListpackMax is the largest node XADD makes.
const streamListpackMax = 1 << 30

// writeStream writes a STREAM_LISTPACKS_2 value (Redis 7.0's): the nodes,
// the bookkeeping, then the groups.
func writeStream(o *output, head func(byte), s *StreamObject, opts Options) error {
	if s == nil {
		return errors.New("stream without content")
	}
	var prev StreamID
	read := uint64(0)
	next := func() (StreamEntry, error) {
		e, err := s.NextEntry()
		if err != nil {
			return e, err
		}
		if len(e.Fields)%2 != 0 || len(e.Fields) == 0 {
			return e, fmt.Errorf("stream entry %s has %d fields and values", e.ID, len(e.Fields))
		}
		if read > 0 && !prev.Less(e.ID) {
			return e, fmt.Errorf("stream entry %s out of order", e.ID)
		}
		prev = e.ID
		read++
		return e, nil
	}
	nodes, err := xaddNodes(s.Meta.Length, next, opts.Limits)
	if err != nil {
		return err
	}
	perNode := uint64(100)
	if opts.Limits.StreamNodeEntries > 0 {
		perNode = uint64(opts.Limits.StreamNodeEntries)
	}
	rest := s.Meta.Length - read
	head(typeStreamListpack2)
	o.length(uint64(len(nodes)) + (rest+perNode-1)/perNode)
	for _, n := range nodes {
		writeNode(o, n, opts)
	}
	for rest > 0 {
		n := &nodeWriter{}
		for range min(rest, perNode) {
			e, err := next()
			if err != nil {
				return err
			}
			n.add(e)
		}
		rest -= uint64(n.n)
		writeNode(o, n, opts)
	}
	m := s.Meta
	o.length(m.Length)
	writeID(o, m.LastID)
	writeID(o, m.FirstID)
	writeID(o, m.MaxDeletedID)
	o.length(m.EntriesAdded)
	o.length(uint64(len(s.Groups)))
	for _, g := range s.Groups {
		writeGroup(o, g, opts)
	}
	return o.err
}

// xaddNodes reads up to length entries into the nodes XADD makes under
// stream-node-max-bytes and stream-node-max-entries (0: unbounded),
// stopping once their fields and values hold streamBuffer bytes.
func xaddNodes(length uint64, next func() (StreamEntry, error), limits Limits) ([]*nodeWriter, error) {
	maxBytes := limits.StreamNodeBytes
	if maxBytes <= 0 || maxBytes > streamListpackMax {
		maxBytes = streamListpackMax
	}
	var nodes []*nodeWriter
	var cur *nodeWriter
	held := 0
	for i := uint64(0); i < length && held < streamBuffer; i++ {
		e, err := next()
		if err != nil {
			return nil, err
		}
		size := 0
		for _, f := range e.Fields {
			size += len(f)
		}
		if cur != nil && (cur.size()+size >= maxBytes || limits.StreamNodeEntries > 0 && cur.n >= limits.StreamNodeEntries) {
			cur = nil
		}
		if cur == nil {
			cur = &nodeWriter{}
			nodes = append(nodes, cur)
		}
		cur.add(e)
		held += size
	}
	return nodes, nil
}

func writeNode(o *output, n *nodeWriter, opts Options) {
	o.str(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, n.master.Ms), n.master.Seq), opts.Compress)
	o.str(n.listpack(), opts.Compress)
}

func writeID(o *output, id StreamID) {
	o.length(id.Ms)
	o.length(id.Seq)
}

// nodeWriter builds a node's listpack as XADD appends to it: the master
// entry (live count, deleted count, the first entry's field names, 0),
// then each entry as flags, id deltas from the master, its fields (values
// only when they have the master's field names), and its item count.
type nodeWriter struct {
	master  StreamID
	names   [][]byte
	entries *listpackBuilder // all but the master entry
	n       int
}

func (n *nodeWriter) add(e StreamEntry) {
	if n.entries == nil {
		n.master, n.entries = e.ID, newListpackBuilder()
		for i := 0; i < len(e.Fields); i += 2 {
			n.names = append(n.names, e.Fields[i])
		}
	}
	lp := n.entries
	same := len(e.Fields) == 2*len(n.names)
	for i := 0; same && i < len(n.names); i++ {
		same = bytes.Equal(e.Fields[2*i], n.names[i])
	}
	flags := int64(0)
	if same {
		flags = streamSameFields
	}
	lp.addInt(flags)
	lp.addInt(int64(e.ID.Ms - n.master.Ms))
	lp.addInt(int64(e.ID.Seq - n.master.Seq))
	items := 3
	if same {
		for i := 1; i < len(e.Fields); i += 2 {
			lp.add(e.Fields[i])
		}
		items += len(n.names)
	} else {
		lp.addInt(int64(len(e.Fields) / 2))
		for _, f := range e.Fields {
			lp.add(f)
		}
		items += 1 + len(e.Fields)
	}
	lp.addInt(int64(items))
	n.n++
}

// masterEntry is a listpack of the master entry alone.
func (n *nodeWriter) masterEntry() *listpackBuilder {
	lp := newListpackBuilder()
	lp.addInt(int64(n.n))
	lp.addInt(0)
	lp.addInt(int64(len(n.names)))
	for _, f := range n.names {
		lp.add(f)
	}
	lp.addInt(0)
	return lp
}

// size is the listpack's size as Redis's lpBytes reports it.
func (n *nodeWriter) size() int {
	return n.masterEntry().size() + len(n.entries.b) - 6
}

func (n *nodeWriter) listpack() []byte {
	lp := n.masterEntry()
	lp.b = append(lp.b, n.entries.b[6:]...)
	lp.n += n.entries.n
	return lp.finish()
}

func writeGroup(o *output, g StreamGroup, opts Options) {
	o.str(g.Name, opts.Compress)
	writeID(o, g.LastID)
	if g.EntriesRead < 0 {
		o.length(math.MaxUint64)
	} else {
		o.length(uint64(g.EntriesRead))
	}
	pel := slices.Clone(g.Pending)
	slices.SortFunc(pel, func(a, b PendingEntry) int { return compareIDs(a.ID, b.ID) })
	o.length(uint64(len(pel)))
	for _, p := range pel {
		o.rawID(p.ID)
		o.millis(p.DeliveryTime)
		o.length(p.DeliveryCount)
	}
	consumers := slices.Clone(g.Consumers)
	slices.SortFunc(consumers, func(a, b Consumer) int { return bytes.Compare(a.Name, b.Name) })
	o.length(uint64(len(consumers)))
	for _, c := range consumers {
		o.str(c.Name, opts.Compress)
		o.millis(c.SeenTime)
		var owned []StreamID
		for _, p := range pel {
			if bytes.Equal(p.Consumer, c.Name) {
				owned = append(owned, p.ID)
			}
		}
		o.length(uint64(len(owned)))
		for _, id := range owned {
			o.rawID(id)
		}
	}
}

func compareIDs(a, b StreamID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}
