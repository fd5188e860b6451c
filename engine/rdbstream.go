package engine

import (
	"bytes"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Streams are read from their records (streams_store.go: entries, groups,
// consumers, pending entries) and loaded through the family's own helpers,
// so a loaded stream has the nodes Redis would have built by XADDing its
// entries under the current stream-node-max-* settings.
func init() {
	registerRDB(storage.TypeStream, rdb.KindStream, &rdbCodec{object: streamObject, load: loadStream})
}

func streamObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	st, _, err := decodeStreamExt(m.Ext)
	if err != nil {
		return nil, nil, err
	}
	groups, err := streamGroups(r, m.OID)
	if err != nil {
		return nil, nil, err
	}
	cur, err := newElemCursor(r, m.OID, []byte{subEntry}, []byte{subEntry + 1}, func(sub, val []byte) (rdb.Elem, error) {
		if len(sub) != 17 {
			return rdb.Elem{}, errCorruptStream
		}
		return rdb.Elem{Member: bytes.Clone(sub[1:]), Value: bytes.Clone(val)}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	obj := &rdb.Object{Kind: rdb.KindStream, Stream: &rdb.StreamObject{
		Meta: rdb.StreamMeta{
			Length:       st.length,
			LastID:       rdbID(st.lastID),
			FirstID:      rdbID(st.firstID),
			MaxDeletedID: rdbID(st.maxDeleted),
			EntriesAdded: st.entriesAdded,
		},
		Groups: groups,
		NextEntry: func() (rdb.StreamEntry, error) {
			e, err := cur.next()
			if err != nil {
				return rdb.StreamEntry{}, err
			}
			items, _, err := decodeItems(e.Value)
			return rdb.StreamEntry{ID: rdbID(decodeStreamID(e.Member)), Fields: items}, err
		},
	}}
	return obj, cur, nil
}

func rdbID(id streamID) rdb.StreamID   { return rdb.StreamID{Ms: id.ms, Seq: id.seq} }
func cairnID(id rdb.StreamID) streamID { return streamID{id.Ms, id.Seq} }

// streamGroups reads every consumer group with its consumers and pending
// entries.
func streamGroups(r elemReader, oid uint64) ([]rdb.StreamGroup, error) {
	var groups []rdb.StreamGroup
	err := iterRange(r, oid, []byte{subGroup}, []byte{subGroup + 1}, func(sub, val []byte) error {
		g, err := decodeGroup(sub[1:], val)
		if err != nil {
			return err
		}
		rg := rdb.StreamGroup{Name: g.name, LastID: rdbID(g.lastID), EntriesRead: g.entriesRead}
		if g.entriesRead < 0 {
			rg.EntriesRead = rdb.UnknownEntriesRead
		}
		prefix := gidPrefix(subConsumer, g.gid)
		err = iterRange(r, oid, prefix, prefixEnd(prefix), func(sub, val []byte) error {
			c, err := decodeConsumer(g.gid, sub[len(prefix):], val)
			if err == nil {
				rg.Consumers = append(rg.Consumers, rdb.Consumer{Name: c.name, SeenTime: c.seen, ActiveTime: -1})
			}
			return err
		})
		if err != nil {
			return err
		}
		prefix = gidPrefix(subPEL, g.gid)
		err = iterRange(r, oid, prefix, prefixEnd(prefix), func(sub, val []byte) error {
			if len(sub) != len(prefix)+16 {
				return errCorruptStream
			}
			n, err := decodeNACK(decodeStreamID(sub[len(prefix):]), val)
			if err == nil {
				rg.Pending = append(rg.Pending, rdb.PendingEntry{ID: rdbID(n.id), DeliveryTime: n.deliveryTime, DeliveryCount: n.deliveryCount, Consumer: n.consumer})
			}
			return err
		})
		groups = append(groups, rg)
		return err
	})
	return groups, err
}

// loadStream appends the entries as XADD would, then sets the stream's
// bookkeeping and groups as the file records them.
func loadStream(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	x := l.cmdCtx()
	events := len(x.events)
	defer func() { x.events = x.events[:events] }() // loading notifies nobody
	var failed error
	var s *stream
	err := catchStorage(func() {
		s = &stream{x: x, meta: &storage.Meta{Type: storage.TypeStream, OID: x.newOID()}, st: streamState{raxNodes: 1}}
		for {
			e, ok, err := v.NextEntry()
			if err != nil || !ok {
				failed = err
				break
			}
			s.appendEntry(cairnID(e.ID), e.Fields)
			if failed = l.flush(); failed != nil {
				return
			}
		}
		if failed != nil {
			return
		}
		meta, err := v.StreamMeta()
		if failed = err; err != nil {
			return
		}
		s.st.lastID, s.st.firstID, s.st.maxDeleted = cairnID(meta.LastID), cairnID(meta.FirstID), cairnID(meta.MaxDeletedID)
		s.st.entriesAdded = meta.EntriesAdded
		for {
			g, ok, err := v.NextGroup()
			if err != nil || !ok {
				failed = err
				break
			}
			loadGroup(s, g)
			if failed = l.flush(); failed != nil {
				return
			}
		}
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return nil, err
	}
	// The meta record as the family's save would store it.
	m := *s.meta
	m.Ext = encodeStreamExt(&s.st, s.tail)
	m.Count = int64(s.st.length + s.st.nodes + s.st.groupRecords)
	return &m, nil
}

// loadGroup adds a group, its consumers and its pending entries.
func loadGroup(s *stream, g rdb.StreamGroup) {
	read := g.EntriesRead
	if read < 0 {
		read = unknownEntriesRead
	}
	sg := s.createGroup(g.Name, cairnID(g.LastID), read)
	owners := map[string]*streamConsumer{}
	for _, c := range g.Consumers {
		sc := s.createConsumer(sg, c.Name)
		sc.seen = c.SeenTime
		owners[string(c.Name)] = sc
	}
	for _, p := range g.Pending {
		n := &streamNACK{id: cairnID(p.ID), deliveryTime: p.DeliveryTime, deliveryCount: p.DeliveryCount}
		s.putNACK(sg, n, owners[string(p.Consumer)], true)
	}
	for _, sc := range owners {
		s.putConsumer(sc)
	}
	s.putGroup(sg)
}
