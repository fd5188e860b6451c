package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Stream entry flags in a node listpack.
const (
	streamDeleted    = 1
	streamSameFields = 2
)

// streamReader reads a stream in file order: node listpacks with the
// entries, then the stream's bookkeeping, then its consumer groups.
type streamReader struct {
	d      *Decoder
	typ    byte
	nodes  uint64 // nodes not yet opened
	node   *streamNode
	live   uint64    // live entries read so far
	first  *StreamID // first live entry (RDB type 15 derives FirstID from it)
	last   StreamID  // last id read, to check the order
	any    bool
	meta   *StreamMeta
	groups uint64 // groups not yet read
	names  map[string]bool
}

// streamNode walks one node's listpack.
type streamNode struct {
	lp     *listpack
	master StreamID
	fields [][]byte
	left   int64 // entries (live and deleted) still to read
}

// NextEntry returns the next live entry of a stream; ok is false after the
// last one.
func (v *Value) NextEntry() (e StreamEntry, ok bool, err error) {
	if v.err != nil {
		return StreamEntry{}, false, v.err
	}
	if v.stream == nil || v.stream.meta != nil {
		return StreamEntry{}, false, nil
	}
	e, ok, err = v.stream.nextEntry()
	if err != nil {
		v.err = v.d.wrap(err)
		return StreamEntry{}, false, v.err
	}
	return e, ok, nil
}

// StreamMeta returns the stream's bookkeeping, skipping entries not read.
func (v *Value) StreamMeta() (StreamMeta, error) {
	if v.err != nil {
		return StreamMeta{}, v.err
	}
	s := v.stream
	if s == nil {
		return StreamMeta{}, errors.New("not a stream")
	}
	if s.meta == nil {
		for {
			_, ok, err := s.nextEntry()
			if err == nil && !ok {
				err = s.readMeta()
			}
			if err != nil {
				v.err = v.d.wrap(err)
				return StreamMeta{}, v.err
			}
			if !ok {
				break
			}
		}
	}
	return *s.meta, nil
}

// NextGroup returns the next consumer group; ok is false after the last.
func (v *Value) NextGroup() (g StreamGroup, ok bool, err error) {
	if _, err := v.StreamMeta(); err != nil {
		return StreamGroup{}, false, err
	}
	s := v.stream
	if s.groups == 0 {
		return StreamGroup{}, false, nil
	}
	s.groups--
	g, err = s.readGroup()
	if err != nil {
		v.err = v.d.wrap(err)
		return StreamGroup{}, false, v.err
	}
	return g, true, nil
}

func (s *streamReader) nextEntry() (StreamEntry, bool, error) {
	for {
		if s.node == nil {
			if s.nodes == 0 {
				return StreamEntry{}, false, nil
			}
			s.nodes--
			if err := s.openNode(); err != nil {
				return StreamEntry{}, false, err
			}
		}
		e, live, err := s.node.next()
		if err != nil {
			return StreamEntry{}, false, err
		}
		if e == nil {
			s.node = nil
			continue
		}
		if s.any && !s.last.Less(e.ID) {
			return StreamEntry{}, false, fmt.Errorf("stream entry %s out of order", e.ID)
		}
		s.any, s.last = true, e.ID
		if !live {
			continue
		}
		if s.first == nil {
			id := e.ID
			s.first = &id
		}
		return *e, true, nil
	}
}

func (s *streamReader) openNode() error {
	key, err := s.d.readString()
	if err != nil {
		return err
	}
	if len(key) != 16 {
		return fmt.Errorf("stream node key of %d bytes", len(key))
	}
	blob, err := s.d.readString()
	if err != nil {
		return err
	}
	lp, err := newListpack(blob, s.d.deep)
	if err != nil {
		return err
	}
	n := &streamNode{lp: lp, master: StreamID{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}}
	ints := make([]int64, 3)
	for i := range ints {
		if ints[i], err = n.int(); err != nil {
			return err
		}
	}
	count, deleted, nfields := ints[0], ints[1], ints[2]
	if count < 0 || deleted < 0 || nfields < 0 || count+deleted == 0 {
		return errors.New("corrupt stream node header")
	}
	for range nfields {
		f, err := n.str()
		if err != nil {
			return err
		}
		n.fields = append(n.fields, f)
	}
	if z, err := n.int(); err != nil || z != 0 {
		return errors.New("corrupt stream node master entry")
	}
	n.left = count + deleted
	s.node = n
	return nil
}

func (n *streamNode) item() (entry, error) {
	e, ok, err := n.lp.next()
	if err == nil && !ok {
		err = errors.New("stream node ends early")
	}
	return e, err
}

func (n *streamNode) int() (int64, error) {
	e, err := n.item()
	if err != nil {
		return 0, err
	}
	return e.integer()
}

func (n *streamNode) str() ([]byte, error) {
	e, err := n.item()
	return e.bytes(), err
}

// next reads the node's next entry, nil after the last.
func (n *streamNode) next() (*StreamEntry, bool, error) {
	if n.left == 0 {
		if _, ok, err := n.lp.next(); err != nil || ok {
			return nil, false, errors.New("stream node has extra entries")
		}
		return nil, false, nil
	}
	n.left--
	var h [3]int64
	for i := range h {
		v, err := n.int()
		if err != nil {
			return nil, false, err
		}
		h[i] = v
	}
	flags := h[0]
	id := StreamID{n.master.Ms + uint64(h[1]), n.master.Seq + uint64(h[2])}
	if id.Less(n.master) {
		return nil, false, errors.New("stream entry before its node's master id")
	}
	var fields [][]byte
	items := 3
	if flags&streamSameFields != 0 {
		for _, f := range n.fields {
			v, err := n.str()
			if err != nil {
				return nil, false, err
			}
			fields = append(fields, f, v)
		}
		items += len(n.fields)
	} else {
		nf, err := n.int()
		if err != nil {
			return nil, false, err
		}
		if nf < 0 || nf > int64(len(n.lp.b)) {
			return nil, false, errors.New("corrupt stream entry field count")
		}
		for range 2 * nf {
			v, err := n.str()
			if err != nil {
				return nil, false, err
			}
			fields = append(fields, v)
		}
		items += 1 + 2*int(nf)
	}
	if back, err := n.int(); err != nil || back != int64(items) {
		return nil, false, errors.New("corrupt stream entry back count")
	}
	return &StreamEntry{ID: id, Fields: fields}, flags&streamDeleted == 0, nil
}

func (s *streamReader) readID() (StreamID, error) {
	ms, err := s.d.readLen()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := s.d.readLen()
	return StreamID{ms, seq}, err
}

func (s *streamReader) readMeta() error {
	m := &StreamMeta{}
	var err error
	if m.Length, err = s.d.readLen(); err != nil {
		return err
	}
	if m.LastID, err = s.readID(); err != nil {
		return err
	}
	if s.typ == typeStreamListpacks {
		if s.first != nil {
			m.FirstID = *s.first
		}
		m.EntriesAdded = m.Length
	} else {
		if m.FirstID, err = s.readID(); err != nil {
			return err
		}
		if m.MaxDeletedID, err = s.readID(); err != nil {
			return err
		}
		if m.EntriesAdded, err = s.d.readLen(); err != nil {
			return err
		}
	}
	if s.any && m.LastID.Less(s.last) {
		return fmt.Errorf("stream entry %s after the last id %s", s.last, m.LastID)
	}
	if s.groups, err = s.d.readLen(); err != nil {
		return err
	}
	s.meta = m
	return nil
}

func (s *streamReader) readRawID() (StreamID, error) {
	var b [16]byte
	if err := s.d.in.readFixed(b[:]); err != nil {
		return StreamID{}, err
	}
	return StreamID{binary.BigEndian.Uint64(b[:]), binary.BigEndian.Uint64(b[8:])}, nil
}

func (s *streamReader) readGroup() (StreamGroup, error) {
	var g StreamGroup
	var err error
	if g.Name, err = s.d.readString(); err != nil {
		return g, err
	}
	if s.names == nil {
		s.names = map[string]bool{}
	}
	if s.names[string(g.Name)] {
		return g, fmt.Errorf("duplicate consumer group %q", g.Name)
	}
	s.names[string(g.Name)] = true
	if g.LastID, err = s.readID(); err != nil {
		return g, err
	}
	if s.typ == typeStreamListpacks {
		g.EntriesRead = s.estimateEntriesRead(g.LastID)
	} else {
		n, err := s.d.readLen()
		if err != nil {
			return g, err
		}
		g.EntriesRead = int64(n)
		if n == math.MaxUint64 || n > math.MaxInt64 {
			g.EntriesRead = UnknownEntriesRead
		}
	}
	pending, err := s.d.readLen()
	if err != nil {
		return g, err
	}
	index := map[StreamID]int{}
	for range pending {
		var p PendingEntry
		if p.ID, err = s.readRawID(); err != nil {
			return g, err
		}
		if p.DeliveryTime, err = s.d.readMillis(); err != nil {
			return g, err
		}
		if p.DeliveryCount, err = s.d.readLen(); err != nil {
			return g, err
		}
		if _, dup := index[p.ID]; dup {
			return g, fmt.Errorf("duplicate pending entry %s", p.ID)
		}
		index[p.ID] = len(g.Pending)
		g.Pending = append(g.Pending, p)
	}
	consumers, err := s.d.readLen()
	if err != nil {
		return g, err
	}
	seen := map[string]bool{}
	for range consumers {
		c := Consumer{ActiveTime: -1}
		if c.Name, err = s.d.readString(); err != nil {
			return g, err
		}
		if seen[string(c.Name)] {
			return g, fmt.Errorf("duplicate consumer %q", c.Name)
		}
		seen[string(c.Name)] = true
		if c.SeenTime, err = s.d.readMillis(); err != nil {
			return g, err
		}
		if s.typ == typeStreamListpack3 {
			if c.ActiveTime, err = s.d.readMillis(); err != nil {
				return g, err
			}
		}
		owned, err := s.d.readLen()
		if err != nil {
			return g, err
		}
		for range owned {
			id, err := s.readRawID()
			if err != nil {
				return g, err
			}
			i, ok := index[id]
			if !ok || g.Pending[i].Consumer != nil {
				return g, fmt.Errorf("consumer %q owns unknown pending entry %s", c.Name, id)
			}
			g.Pending[i].Consumer = c.Name
		}
		g.Consumers = append(g.Consumers, c)
	}
	for _, p := range g.Pending {
		if p.Consumer == nil {
			return g, fmt.Errorf("pending entry %s has no consumer", p.ID)
		}
	}
	return g, nil
}

// estimateEntriesRead derives a group's entries_read for files written
// before Redis 7.0 recorded it: known only when the group is at the end of
// the stream, or before its first entry with nothing deleted.
func (s *streamReader) estimateEntriesRead(id StreamID) int64 {
	m := s.meta
	if m.EntriesAdded == 0 {
		return 0
	}
	if m.Length == 0 && !m.LastID.Less(id) {
		return int64(m.EntriesAdded)
	}
	switch {
	case id == m.LastID:
		return int64(m.EntriesAdded)
	case m.LastID.Less(id):
		return UnknownEntriesRead
	}
	if m.MaxDeletedID == (StreamID{}) || m.MaxDeletedID.Less(m.FirstID) {
		if id.Less(m.FirstID) {
			return int64(m.EntriesAdded - m.Length)
		}
		if id == m.FirstID {
			return int64(m.EntriesAdded - m.Length + 1)
		}
	}
	return UnknownEntriesRead
}
