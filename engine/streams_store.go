package engine

import (
	"encoding/binary"
	"errors"

	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

// A stream keeps everything as element records under its object id, each
// kind under its own one-byte prefix (storage/ENCODING.md, "Streams"); the
// meta record's Ext holds the stream's IDs and counters.
const (
	subEntry       = 'e' // e · id → the entry's fields and values
	subNode        = 'n' // n · master id → one of Redis's listpack nodes
	subGroup       = 'g' // g · name → a consumer group
	subConsumer    = 'c' // c · gid · name → a consumer
	subPEL         = 'p' // p · gid · id → a pending entry of a group
	subConsumerPEL = 'q' // q · gid · cid · id → the same entry in its consumer's list
)

func init() {
	encodingNames[storage.TypeStream] = func(*Server, *storage.Meta) string { return "stream" }
}

// streamState is what Redis keeps in its stream struct, plus the counts
// Cairn needs to answer XINFO and size the object without a scan.
type streamState struct {
	lastID       streamID // last-generated-id
	firstID      streamID // recorded-first-entry-id
	maxDeleted   streamID // max-deleted-entry-id
	headNode     streamID // master ID of the first node: nodes before it are deleted
	entriesAdded uint64
	length       uint64
	nodes        uint64 // listpack nodes (radix-tree-keys)
	raxNodes     uint64 // nodes of Redis's radix tree over them
	groups       uint64
	groupRecords uint64 // group, consumer and pending-entry records
	nextID       uint64 // last numeric id given to a group or consumer
}

const (
	streamExtVersion = 1
	streamStateLen   = 1 + 4*16 + 7*8
)

var errCorruptStream = errors.New("corrupt stream record")

// encodeStreamExt is the meta record's Ext: the state, then the tail node
// (ENCODING.md), which lives here rather than in its node record so that
// XADD writes no record but the entry's.
func encodeStreamExt(st *streamState, tail *streamNode) []byte {
	b := make([]byte, 0, streamStateLen+64)
	b = append(b, streamExtVersion)
	b = st.lastID.encode(b)
	b = st.firstID.encode(b)
	b = st.maxDeleted.encode(b)
	b = st.headNode.encode(b)
	for _, n := range [...]uint64{st.entriesAdded, st.length, st.nodes, st.raxNodes, st.groups, st.groupRecords, st.nextID} {
		b = binary.BigEndian.AppendUint64(b, n)
	}
	if tail != nil {
		b = tail.master.encode(b)
		b = append(b, tail.encode()...)
	}
	return b
}

func decodeStreamExt(b []byte) (streamState, *streamNode, error) {
	var st streamState
	if len(b) < streamStateLen || b[0] != streamExtVersion {
		return st, nil, errCorruptStream
	}
	b = b[1:]
	st.lastID, st.firstID, st.maxDeleted, st.headNode = decodeStreamID(b), decodeStreamID(b[16:]), decodeStreamID(b[32:]), decodeStreamID(b[48:])
	b = b[64:]
	for _, p := range [...]*uint64{&st.entriesAdded, &st.length, &st.nodes, &st.raxNodes, &st.groups, &st.groupRecords, &st.nextID} {
		*p = binary.BigEndian.Uint64(b)
		b = b[8:]
	}
	if st.nodes == 0 {
		return st, nil, nil
	}
	if len(b) < 16 {
		return st, nil, errCorruptStream
	}
	tail, err := decodeNode(decodeStreamID(b), b[16:])
	return st, tail, err
}

// stream is one command's handle on a stream: its state, and the groups
// and consumers the command loaded, written back by save.
type stream struct {
	x         *Ctx
	key       []byte
	meta      *storage.Meta
	st        streamState
	saved     streamState // st as stored
	tail      *streamNode // the last node, nil if there is none
	tailDirty bool
	groups    []*streamGroup
	consumers []*streamConsumer
}

func (x *Ctx) openStream(key []byte, m *storage.Meta) *stream {
	st, tail, err := decodeStreamExt(m.Ext)
	x.must(err)
	return &stream{x: x, key: key, meta: m, st: st, saved: st, tail: tail}
}

// readStream looks a stream up for reading (counting hits and misses):
// nil if the key does not exist, false after replying WRONGTYPE.
func (x *Ctx) readStream(key []byte) (*stream, bool) {
	m, ok := x.readType(key, storage.TypeStream)
	if !ok || m == nil {
		return nil, ok
	}
	return x.openStream(key, m), true
}

// writeStream looks a stream up for writing.
func (x *Ctx) writeStream(key []byte) (*stream, bool) {
	m, ok := x.writeType(key, storage.TypeStream)
	if !ok || m == nil {
		return nil, ok
	}
	return x.openStream(key, m), true
}

// createStream makes an empty stream at key. It is stored at once, so the
// "new" key event comes before the command's own events, as in Redis.
func (x *Ctx) createStream(key []byte) *stream {
	s := &stream{x: x, key: key, meta: &storage.Meta{Type: storage.TypeStream, OID: x.newOID()}, st: streamState{raxNodes: 1}}
	s.save(true)
	return s
}

// save writes back the groups and consumers the command changed and, if
// it changed, the stream's meta. signal says whether the write counts as
// modifying the key (WATCH, blocked clients, client tracking) as Redis's
// signalModifiedKey does: group bookkeeping and XSETID do not.
func (s *stream) save(signal bool) {
	for _, g := range s.groups {
		if g.dirty {
			s.putGroup(g)
		}
	}
	for _, c := range s.consumers {
		if c.dirty {
			s.putConsumer(c)
		}
	}
	if !signal && s.st == s.saved && !s.tailDirty {
		return
	}
	s.saved, s.tailDirty = s.st, false
	n := *s.meta
	n.Ext = encodeStreamExt(&s.st, s.tail)
	n.Count = int64(s.st.length + s.st.nodes + s.st.groupRecords)
	s.meta = &n
	if signal {
		s.x.put(s.key, &n)
		return
	}
	s.x.must(s.x.tx().Put(s.x.db, s.key, &n))
	s.x.s.stats.dirty.Add(1)
}

func (s *stream) oid() uint64 { return s.meta.OID }

func (s *stream) get(sub []byte) ([]byte, bool) {
	v, ok, err := s.x.tx().Get(s.oid(), sub)
	s.x.must(err)
	return v, ok
}

func (s *stream) set(sub, v []byte) { s.x.tx().Set(s.oid(), sub, v) }
func (s *stream) del(sub []byte)    { s.x.tx().Delete(s.oid(), sub) }

// iter iterates records with subkeys in [lower, upper).
func (s *stream) iter(lower, upper []byte) *storage.Iter {
	it, err := s.x.tx().Iter(s.oid(), lower, upper)
	s.x.must(err)
	return it
}

func (s *stream) closeIter(it *storage.Iter) { s.x.must(it.Close()) }

// deleteRange removes the records in [lower, upper): point deletes when
// there are at most smallRange of them, else one range tombstone. Trims
// delete below the first entry, where reads never go, so their point
// tombstones cost nothing later; a range tombstone in the memtable makes
// every iterator opened after it fragment the memtable's range tombstones
// again, which a trim on every XADD would repeat.
func (s *stream) deleteRange(lower, upper []byte, count uint64) {
	const smallRange = 1024
	if count > smallRange {
		s.x.tx().DeleteRange(s.oid(), lower, upper)
		return
	}
	it := s.iter(lower, upper)
	var keys [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
	}
	s.closeIter(it)
	for _, k := range keys {
		s.del(k)
	}
}

// prefixEnd is the first subkey after every subkey starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func entryKey(id streamID) []byte { return id.encode([]byte{subEntry}) }

// entryBounds are the subkey bounds of the entries with IDs in [lo, hi].
func entryBounds(lo, hi streamID) (lower, upper []byte) {
	lower = entryKey(lo)
	if next, ok := hi.next(); ok {
		return lower, entryKey(next)
	}
	return lower, []byte{subEntry + 1}
}

// encodeEntry stores an entry's fields and values: their number, then
// each as a length and bytes.
func encodeEntry(items [][]byte) []byte {
	size := binary.MaxVarintLen64
	for _, it := range items {
		size += binary.MaxVarintLen64 + len(it)
	}
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, uint64(len(items)))
	for _, it := range items {
		b = binary.AppendUvarint(b, uint64(len(it)))
		b = append(b, it...)
	}
	return b
}

// decodeItems splits a length-prefixed list; the items point into b.
func decodeItems(b []byte) ([][]byte, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, errCorruptStream
	}
	b = b[k:]
	items := make([][]byte, n)
	for i := range items {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, nil, errCorruptStream
		}
		items[i] = b[k : k+int(l)]
		b = b[k+int(l):]
	}
	return items, b, nil
}

// writeEntry replies one entry: its ID and a flat array of fields and values.
func (x *Ctx) writeEntry(w *resp.Writer, id streamID, v []byte) {
	items, _, err := decodeItems(v)
	x.must(err)
	w.Array(2)
	writeID(w, id)
	w.BulkStrings(items)
}

func writeID(w *resp.Writer, id streamID) {
	var buf [48]byte
	w.Bulk(id.appendTo(buf[:0]))
}

// scanEntries calls fn for the entries with IDs in [lo, hi], in ID order or
// reversed, until fn returns false. v is valid only during the call.
func (s *stream) scanEntries(lo, hi streamID, rev bool, fn func(id streamID, v []byte) bool) {
	if s.st.length == 0 {
		return
	}
	if lo.cmp(s.st.firstID) < 0 {
		lo = s.st.firstID // nothing lives before: skip the tombstones of trimmed entries
	}
	if lo.cmp(hi) > 0 {
		return
	}
	lower, upper := entryBounds(lo, hi)
	it := s.iter(lower, upper)
	defer s.closeIter(it)
	ok := it.First()
	if rev {
		ok = it.Last()
	}
	for ; ok; ok = advance(it, rev) {
		if !fn(decodeStreamID(it.Key()[1:]), it.Value()) {
			return
		}
	}
}

func advance(it *storage.Iter, rev bool) bool {
	if rev {
		return it.Prev()
	}
	return it.Next()
}

// entry reads one entry; false if there is none with that ID.
func (s *stream) entry(id streamID) ([]byte, bool) { return s.get(entryKey(id)) }

// edgeEntry is the first (or last) entry's ID; false when the stream is empty.
func (s *stream) edgeEntry(last bool) (streamID, bool) {
	var id streamID
	found := false
	s.scanEntries(streamID{}, maxStreamID, last, func(e streamID, _ []byte) bool {
		id, found = e, true
		return false
	})
	return id, found
}

// writeRange replies the entries in [lo, hi] (count 0 = all) as an array
// and returns how many there were.
func (s *stream) writeRange(lo, hi streamID, count int64, rev bool) int64 {
	w := s.x.subWriter()
	var n int64
	s.scanEntries(lo, hi, rev, func(id streamID, v []byte) bool {
		s.x.writeEntry(w, id, v)
		n++
		return count == 0 || n < count
	})
	s.x.w.Array(int(n))
	s.x.w.Raw(w.Bytes())
	return n
}

// subWriter is a writer in the client's protocol for a reply part whose
// length is known only once it is written.
func (x *Ctx) subWriter() *resp.Writer {
	w := resp.NewWriter()
	w.SetProto(x.w.Proto())
	return w
}
