package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// writeStream writes a STREAM_LISTPACKS_2 value (Redis 7.0's): nodes of up
// to stream-node-max-entries entries, the bookkeeping, then the groups.
func writeStream(o *output, head func(byte), s *StreamObject, opts Options) error {
	if s == nil {
		return errors.New("stream without content")
	}
	perNode := uint64(max(opts.Limits.StreamNodeEntries, 1))
	head(typeStreamListpack2)
	o.length((s.Meta.Length + perNode - 1) / perNode)
	var prev StreamID
	first := true
	for left := s.Meta.Length; left > 0; {
		n := min(left, perNode)
		left -= n
		entries := make([]StreamEntry, 0, n)
		for range n {
			e, err := s.NextEntry()
			if err != nil {
				return err
			}
			if len(e.Fields)%2 != 0 || len(e.Fields) == 0 {
				return fmt.Errorf("stream entry %s has %d fields and values", e.ID, len(e.Fields))
			}
			if !first && !prev.Less(e.ID) {
				return fmt.Errorf("stream entry %s out of order", e.ID)
			}
			prev, first = e.ID, false
			entries = append(entries, e)
		}
		master := entries[0].ID
		o.str(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, master.Ms), master.Seq), opts.Compress)
		o.str(nodeListpack(entries), opts.Compress)
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

func writeID(o *output, id StreamID) {
	o.length(id.Ms)
	o.length(id.Seq)
}

// nodeListpack builds a node's listpack: the master entry (live count,
// deleted count, the first entry's field names, 0), then each entry as
// flags, id deltas from the master, its fields (values only when they
// have the master's field names), and its item count.
func nodeListpack(entries []StreamEntry) []byte {
	lp := newListpackBuilder()
	master := entries[0]
	var names [][]byte
	for i := 0; i < len(master.Fields); i += 2 {
		names = append(names, master.Fields[i])
	}
	lp.addInt(int64(len(entries)))
	lp.addInt(0)
	lp.addInt(int64(len(names)))
	for _, f := range names {
		lp.add(f)
	}
	lp.addInt(0)
	for _, e := range entries {
		same := len(e.Fields) == 2*len(names)
		for i := 0; same && i < len(names); i++ {
			same = bytes.Equal(e.Fields[2*i], names[i])
		}
		flags := int64(0)
		if same {
			flags = streamSameFields
		}
		lp.addInt(flags)
		lp.addInt(int64(e.ID.Ms - master.ID.Ms))
		lp.addInt(int64(e.ID.Seq - master.ID.Seq))
		items := 3
		if same {
			for i := 1; i < len(e.Fields); i += 2 {
				lp.add(e.Fields[i])
			}
			items += len(names)
		} else {
			lp.addInt(int64(len(e.Fields) / 2))
			for _, f := range e.Fields {
				lp.add(f)
			}
			items += 1 + len(e.Fields)
		}
		lp.addInt(int64(items))
	}
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
