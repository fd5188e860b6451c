package engine

import (
	"encoding/binary"
	"slices"

	"github.com/cairndb/cairn/storage"
)

// Redis stores a stream's entries in listpacks ("nodes") of at most
// stream-node-max-entries entries and stream-node-max-bytes bytes, and
// approximate trimming (MAXLEN ~, MINID ~) removes only whole nodes. So
// that XADD and XTRIM remove exactly what Redis would, Cairn keeps the
// bookkeeping of each node, with the listpack's size as Redis computes
// it: in a node record, except for the last node, which lives in the
// meta record so that XADD rewrites no other record. The entries
// themselves are separate records.

// streamNode is the bookkeeping of one listpack node.
type streamNode struct {
	master  streamID // ID of the node's first entry, its radix tree key
	count   uint64   // live entries
	deleted uint64   // entries marked deleted but still in the listpack
	base    uint64   // listpack bytes, but for the count and deleted fields
	last    streamID // ID of the last entry appended, deleted or not
	fields  [][]byte // the master entry's fields
}

const (
	lpFlagSameFields  = 2       // an entry's flag: it has the master entry's fields
	streamListpackMax = 1 << 30 // largest listpack Redis makes
)

func nodeKey(master streamID) []byte { return master.encode([]byte{subNode}) }

func (n *streamNode) encode() []byte {
	b := binary.AppendUvarint(nil, n.count)
	b = binary.AppendUvarint(b, n.deleted)
	b = binary.AppendUvarint(b, n.base)
	b = n.last.encode(b)
	return append(b, encodeEntry(n.fields)...)
}

func decodeNode(master streamID, v []byte) (*streamNode, error) {
	n := &streamNode{master: master}
	for _, p := range []*uint64{&n.count, &n.deleted, &n.base} {
		u, k := binary.Uvarint(v)
		if k <= 0 {
			return nil, errCorruptStream
		}
		*p, v = u, v[k:]
	}
	if len(v) < 16 {
		return nil, errCorruptStream
	}
	n.last = decodeStreamID(v)
	fields, _, err := decodeItems(v[16:])
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		n.fields = append(n.fields, append([]byte(nil), f...))
	}
	return n, nil
}

// lpBytes is the node's listpack size as Redis's lpBytes reports it.
func (n *streamNode) lpBytes() uint64 {
	return n.base + lpIntSize(int64(n.count)) + lpIntSize(int64(n.deleted))
}

// lpBacklen is the size of a listpack element's back-length field.
func lpBacklen(l uint64) uint64 {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpIntSize is the size of an integer element.
func lpIntSize(v int64) uint64 {
	var enc uint64
	switch {
	case v >= 0 && v <= 127:
		enc = 1
	case v >= -4096 && v <= 4095:
		enc = 2
	case v >= -32768 && v <= 32767:
		enc = 3
	case v >= -8388608 && v <= 8388607:
		enc = 4
	case v >= -2147483648 && v <= 2147483647:
		enc = 5
	default:
		enc = 9
	}
	return enc + lpBacklen(enc)
}

// lpStringSize is the size of a string element; strings that read as
// integers are stored as integers.
func lpStringSize(s []byte) uint64 {
	if v, ok := parseInt(s); ok {
		return lpIntSize(v)
	}
	l := uint64(len(s))
	var enc uint64
	switch {
	case l < 64:
		enc = 1 + l
	case l < 4096:
		enc = 2 + l
	default:
		enc = 5 + l
	}
	return enc + lpBacklen(enc)
}

// nodeLimits are stream-node-max-bytes and stream-node-max-entries.
func (x *Ctx) nodeLimits() (maxBytes, maxEntries uint64) {
	maxBytes = uint64(x.s.cfg.Int("stream-node-max-bytes"))
	if maxBytes == 0 || maxBytes > streamListpackMax {
		maxBytes = streamListpackMax
	}
	return maxBytes, uint64(x.s.cfg.Int("stream-node-max-entries"))
}

// nodeIter iterates the node records; nothing before the head node is
// live, so the iterator never walks over the tombstones of trimmed nodes.
func (s *stream) nodeIter() *storage.Iter {
	lower := []byte{subNode}
	if s.st.nodes > 0 {
		lower = nodeKey(s.st.headNode)
	}
	return s.iter(lower, []byte{subNode + 1})
}

// nodeAt decodes the node the iterator is on.
func (s *stream) nodeAt(it *storage.Iter) *streamNode {
	n, err := decodeNode(decodeStreamID(it.Key()[1:]), it.Value())
	s.x.must(err)
	return n
}

// loadNode reads the node with the given master ID.
func (s *stream) loadNode(master streamID) *streamNode {
	if s.tail != nil && master == s.tail.master {
		return s.tail
	}
	v, ok := s.get(nodeKey(master))
	if !ok {
		s.x.must(errCorruptStream)
	}
	n, err := decodeNode(master, v)
	s.x.must(err)
	return n
}

// putNode stores a changed node: the tail in the meta record, others in
// their node record.
func (s *stream) putNode(n *streamNode) {
	if n == s.tail {
		s.tailDirty = true
		return
	}
	s.set(nodeKey(n.master), n.encode())
}

// headNode is the first node, nil if there is none.
func (s *stream) headNode() *streamNode {
	if s.st.nodes == 0 {
		return nil
	}
	return s.loadNode(s.st.headNode)
}

// nodeOf is the node holding entry id.
func (s *stream) nodeOf(id streamID) *streamNode {
	if s.tail != nil && id.cmp(s.tail.master) >= 0 {
		return s.tail
	}
	it := s.nodeIter()
	defer s.closeIter(it)
	upper, _ := id.next() // id is below the tail's master: it has a next
	if !it.SeekLT(nodeKey(upper)) {
		s.x.must(errCorruptStream)
	}
	return s.nodeAt(it)
}

// addNode starts a new node at the tail, sealing the previous tail into
// its record, and keeps the radix tree's size.
func (s *stream) addNode(n *streamNode) {
	delta := raxInsertDelta(s.nodeKeys(), s.st.nodes, n.master.encode(nil))
	if s.tail != nil {
		s.set(nodeKey(s.tail.master), s.tail.encode())
	} else {
		s.st.headNode = n.master
	}
	// The tail's record holds nothing until the node is sealed; its key
	// is there for searches.
	s.set(nodeKey(n.master), nil)
	s.tail, s.tailDirty = n, true
	s.st.nodes++
	s.st.raxNodes = uint64(int64(s.st.raxNodes) + delta)
}

// removeNode deletes a node's record (not its entries).
func (s *stream) removeNode(n *streamNode) {
	s.del(nodeKey(n.master))
	s.st.nodes--
	if n == s.tail {
		s.tail, s.tailDirty = nil, true
		if s.st.nodes > 0 {
			it := s.nodeIter()
			if !it.Last() {
				s.x.must(errCorruptStream)
			}
			s.tail = s.nodeAt(it)
			s.closeIter(it)
		}
	}
	if n.master == s.st.headNode {
		next := streamID{}
		if s.st.nodes > 0 {
			it := s.nodeIter()
			if !it.First() {
				s.x.must(errCorruptStream)
			}
			next = decodeStreamID(it.Key()[1:])
			s.closeIter(it)
		}
		s.st.headNode = next
	}
	s.st.raxNodes = uint64(int64(s.st.raxNodes) - raxInsertDelta(s.nodeKeys(), s.st.nodes, n.master.encode(nil)))
}

// appendEntry adds an entry with the next ID as Redis's streamAppendItem
// does, choosing its node the same way.
func (s *stream) appendEntry(id streamID, items [][]byte) {
	var size uint64
	for _, it := range items {
		size += uint64(len(it))
	}
	numFields := int64(len(items) / 2)
	maxBytes, maxEntries := s.x.nodeLimits()
	n := s.tail
	if n != nil && (n.lpBytes()+size >= maxBytes || (maxEntries != 0 && n.count+n.deleted >= maxEntries)) {
		n = nil
	}
	same := true
	if n == nil {
		n = &streamNode{master: id, base: 7 + lpIntSize(numFields) + lpIntSize(0)}
		for i := 0; i < len(items); i += 2 {
			n.fields = append(n.fields, append([]byte(nil), items[i]...))
			n.base += lpStringSize(items[i])
		}
		s.addNode(n)
	} else {
		same = len(n.fields) == int(numFields)
		for i := 0; same && i < len(n.fields); i++ {
			same = string(n.fields[i]) == string(items[2*i])
		}
	}
	flags, lpCount := int64(0), numFields+3
	if same {
		flags = lpFlagSameFields
	} else {
		lpCount += numFields + 1
		n.base += lpIntSize(numFields)
	}
	n.base += lpIntSize(flags) + lpIntSize(int64(id.ms-n.master.ms)) + lpIntSize(int64(id.seq-n.master.seq)) + lpIntSize(lpCount)
	for i, it := range items {
		if i%2 == 1 || !same {
			n.base += lpStringSize(it)
		}
	}
	n.count++
	n.last = id
	s.putNode(n)
	s.set(entryKey(id), encodeEntry(items))
	s.st.length++
	s.st.entriesAdded++
	s.st.lastID = id
	if s.st.length == 1 {
		s.st.firstID = id
	}
}

// deleteEntry removes one entry (XDEL); false if there is none with that ID.
func (s *stream) deleteEntry(id streamID) bool {
	if _, ok := s.entry(id); !ok {
		return false
	}
	s.del(entryKey(id))
	n := s.nodeOf(id)
	if n.count == 1 {
		s.removeNode(n)
	} else {
		n.count--
		n.deleted++
		s.putNode(n)
	}
	s.st.length--
	return true
}

// trimArgs are XADD's and XTRIM's trimming options.
type trimArgs struct {
	strategy int // trimNone, trimMaxLen or trimMinID
	maxLen   uint64
	minID    streamID
	approx   bool
	limit    uint64 // most entries to remove, 0 = no limit
}

const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// trim removes entries from the head as Redis's streamTrim does: whole
// nodes while they can go, then (unless approximate) single entries of
// the next node. The removed entries form one span at the head, deleted
// with one range deletion, so a big trim never reads the entries.
func (s *stream) trim(a *trimArgs) uint64 {
	if a.strategy == trimNone {
		return 0
	}
	var deleted uint64
	var spanFrom, spanTo, kept streamID
	spanning := false
	for {
		if a.strategy == trimMaxLen && s.st.length <= a.maxLen {
			break
		}
		n := s.headNode()
		if n == nil {
			break
		}
		if a.limit != 0 && deleted+n.count > a.limit {
			break
		}
		remove := n.last.cmp(a.minID) < 0
		if a.strategy == trimMaxLen {
			remove = s.st.length-n.count >= a.maxLen
		}
		if remove {
			if !spanning {
				spanFrom, spanning = n.master, true
			}
			spanTo = n.last
			s.removeNode(n)
			s.st.length -= n.count
			deleted += n.count
			continue
		}
		if !a.approx {
			if k, last, next := s.trimWithin(n, a); k > 0 {
				if !spanning {
					spanFrom, spanning = n.master, true
				}
				spanTo, kept = last, next
				deleted += k
			}
		}
		break
	}
	if !spanning {
		return 0 // the first entry stays: no need to look for it
	}
	// Nothing before the first entry lives: the deletes start there, past
	// the tombstones of earlier trims.
	if spanFrom.cmp(s.st.firstID) < 0 {
		spanFrom = s.st.firstID
	}
	lower, upper := entryBounds(spanFrom, spanTo)
	s.deleteRange(lower, upper, deleted)
	if !kept.isZero() {
		s.st.firstID = kept
		return deleted
	}
	s.st.firstID = streamID{}
	// The first entry left is past the last one removed.
	s.scanEntries(spanTo, maxStreamID, false, func(id streamID, _ []byte) bool {
		s.st.firstID = id
		return false
	})
	return deleted
}

// trimWithin marks deleted the entries at the start of node n that the
// trim condition condemns, and returns how many, the last one, and the
// first entry it keeps (0-0 if the node keeps none); the caller deletes
// their records.
func (s *stream) trimWithin(n *streamNode, a *trimArgs) (uint64, streamID, streamID) {
	var k uint64
	var last, next streamID
	s.scanEntries(n.master, n.last, false, func(id streamID, _ []byte) bool {
		if (a.strategy == trimMaxLen && s.st.length-k <= a.maxLen) || (a.strategy == trimMinID && id.cmp(a.minID) >= 0) {
			next = id
			return false
		}
		k++
		last = id
		return true
	})
	if k > 0 {
		n.count -= k
		n.deleted += k
		s.st.length -= k
		s.putNode(n)
	}
	return k, last, next
}

// nodeKeys is the set of node keys (master IDs) as the tx sees it now.
// The head and tail are known, which answers most searches without one.
func (s *stream) nodeKeys() raxKeySet { return &nodeKeySet{s: s} }

type nodeKeySet struct{ s *stream }

func (k *nodeKeySet) first() []byte { return k.s.st.headNode.encode(nil) }
func (k *nodeKeySet) last() []byte  { return k.s.tail.master.encode(nil) }

func (k *nodeKeySet) seekGE(key []byte) []byte {
	switch {
	case string(key) <= string(k.first()):
		return k.first()
	case string(key) > string(k.last()):
		return nil
	}
	return k.seek(key, false)
}

func (k *nodeKeySet) seekLT(key []byte) []byte {
	switch {
	case string(key) <= string(k.first()):
		return nil
	case string(key) > string(k.last()):
		return k.last()
	}
	return k.seek(key, true)
}

func (k *nodeKeySet) seek(key []byte, below bool) []byte {
	it := k.s.nodeIter()
	defer k.s.closeIter(it)
	sub := append([]byte{subNode}, key...)
	ok := it.SeekGE(sub)
	if below {
		ok = it.SeekLT(sub)
	}
	if !ok {
		return nil
	}
	return slices.Clone(it.Key()[1:])
}
