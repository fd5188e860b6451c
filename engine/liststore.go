package engine

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/cairndb/cairn/storage"
)

// A list keeps each element in its own record under the list's object id,
// keyed by its position: a big-endian u64, so Pebble's order is list order.
// Positions are contiguous: Meta.Count is the length and Meta.Ext holds the
// position of the first element (big-endian u64), so element i lives at
// head+i. A new list starts in the middle of the range and grows both
// ways: pushes and pops at either end touch one record plus the meta, and
// any index is one point lookup. storage/ENCODING.md has the contract.

var errListCorrupt = errors.New("list element record missing")

// listStart is where a new list's first element goes.
const listStart uint64 = 1 << 63

// listEncoding is what OBJECT ENCODING says: Redis 7.0 makes every list a
// quicklist, whatever its size.
const listEncoding = "quicklist"

// listChunk bounds how many elements a shift holds in memory at once.
const listChunk = 512

func init() {
	encodingNames[storage.TypeList] = func(*Server, *storage.Meta) string { return listEncoding }
}

// list is a list key opened by a command. meta is nil while the key does
// not exist; it is replaced, never modified, since the cache shares it.
type list struct {
	x    *Ctx
	key  []byte
	meta *storage.Meta
}

// openList looks key up as a list for reading (counting keyspace hits and
// misses, as Redis's read lookups do) or for writing; false means the key
// holds another type and WRONGTYPE was replied.
func (x *Ctx) openList(key []byte, forWrite bool) (*list, bool) {
	var m *storage.Meta
	var ok bool
	if forWrite {
		m, ok = x.writeType(key, storage.TypeList)
	} else {
		m, ok = x.readType(key, storage.TypeList)
	}
	if !ok {
		return nil, false
	}
	return &list{x: x, key: key, meta: m}, true
}

func (l *list) exists() bool { return l.meta != nil }

func (l *list) length() int64 {
	if l.meta == nil {
		return 0
	}
	return l.meta.Count
}

func (l *list) head() uint64 { return binary.BigEndian.Uint64(l.meta.Ext) }

func listPos(p uint64) []byte { return binary.BigEndian.AppendUint64(nil, p) }

// sub is the subkey of element i.
func (l *list) sub(i int64) []byte { return listPos(l.head() + uint64(i)) }

// save records a new head and length; length 0 deletes the key (and, at
// commit, whatever records are left).
func (l *list) save(head uint64, length int64) {
	if length == 0 {
		l.meta = nil
		l.x.put(l.key, nil)
		return
	}
	n := *l.meta
	n.Count = length
	n.Ext = listPos(head)
	l.meta = &n
	l.x.put(l.key, &n)
}

// touch marks the list written without changing it (LTRIM, LSET, ... that
// changed nothing still count as writes for WATCH, as in Redis).
func (l *list) touch() { l.x.put(l.key, l.meta) }

// at returns element i, which must exist.
func (l *list) at(i int64) []byte {
	v, ok, err := l.x.tx().Get(l.meta.OID, l.sub(i))
	l.x.must(err)
	if !ok {
		l.x.must(errListCorrupt)
	}
	return v
}

// setAt overwrites element i.
func (l *list) setAt(i int64, v []byte) { l.x.tx().Set(l.meta.OID, l.sub(i), v) }

// push adds vals one by one at the front (each becoming the new first
// element, as LPUSH does) or the back, creating the list if needed.
func (l *list) push(front bool, vals ...[]byte) {
	if l.meta == nil {
		l.meta = &storage.Meta{Type: storage.TypeList, OID: l.x.newOID(), Ext: listPos(listStart)}
	}
	head, n := l.head(), l.meta.Count
	tx := l.x.tx()
	for _, v := range vals {
		if front {
			head--
			tx.Set(l.meta.OID, listPos(head), v)
		} else {
			tx.Set(l.meta.OID, listPos(head+uint64(n)), v)
		}
		n++
	}
	l.save(head, n)
}

// popAhead is how many records a pop reads from Pebble at once: the next
// pops of the same end then find theirs in the hot cache. Several
// pipelines' worth (redis-benchmark sends 16 pops at a time), so that most
// batches of pops need nothing from Pebble and need not wait for the
// batch before them to reach it (engine/DESIGN.md, tickets).
const popAhead = 64

// end reads the first or last element for a pop. A point read would cost a
// Pebble lookup per pop; on a miss it reads popAhead records of that end.
func (l *list) end(front bool) []byte {
	n := l.length()
	i, from, to := int64(0), int64(0), min(popAhead, n)
	if !front {
		i, from, to = n-1, max(n-popAhead, 0), n
	}
	v, ok, err := l.x.tx().GetAhead(l.meta.OID, l.sub(i), l.sub(from), l.sub(to))
	l.x.must(err)
	if !ok {
		l.x.must(errListCorrupt)
	}
	return v
}

// pop removes up to n elements from the front or the back and returns
// them in the order they were popped.
func (l *list) pop(front bool, n int64) [][]byte {
	n = min(n, l.length())
	if n <= 0 {
		return nil
	}
	length := l.meta.Count
	from, to := int64(0), n-1
	if !front {
		from, to = length-n, length-1
	}
	var vals [][]byte
	if n == 1 {
		vals = [][]byte{l.end(front)}
	} else {
		vals = l.collect(from, to, !front)
	}
	if n < length { // an emptied list's records go with its key
		l.drop(from, to)
	}
	head := l.head()
	if front {
		head += uint64(n)
	}
	l.save(head, length-n)
	return vals
}

// each calls fn on elements from..to (inclusive, valid indexes), backwards
// if reverse, until fn returns false. v is valid only during the call.
func (l *list) each(from, to int64, reverse bool, fn func(i int64, v []byte) bool) {
	it, err := l.x.tx().Iter(l.meta.OID, l.sub(from), l.sub(to+1))
	l.x.must(err)
	i, step := from, int64(1)
	ok := it.First()
	if reverse {
		i, step = to, -1
		ok = it.Last()
	}
	for ; ok; i += step {
		if !fn(i, it.Value()) {
			break
		}
		if reverse {
			ok = it.Prev()
		} else {
			ok = it.Next()
		}
	}
	l.x.must(it.Close())
}

// collect copies elements from..to, backwards if reverse.
func (l *list) collect(from, to int64, reverse bool) [][]byte {
	vals := make([][]byte, 0, to-from+1)
	l.each(from, to, reverse, func(_ int64, v []byte) bool {
		vals = append(vals, bytes.Clone(v))
		return true
	})
	return vals
}

// shift moves elements from..to (inclusive) by delta positions. It works in
// chunks, in the order that never overwrites an element not yet read:
// ascending when moving towards the head, descending towards the tail.
// The caller fixes up the head and the positions left behind.
func (l *list) shift(from, to, delta int64) {
	for from <= to {
		lo, hi := from, min(to, from+listChunk-1)
		if delta > 0 {
			lo, hi = max(from, to-listChunk+1), to
		}
		vals := l.collect(lo, hi, false)
		for k, v := range vals {
			l.setAt(lo+int64(k)+delta, v)
		}
		if delta > 0 {
			to = lo - 1
		} else {
			from = hi + 1
		}
	}
}

// insert puts v at index i (0..length), moving whichever side of it is
// shorter one position outwards.
func (l *list) insert(i int64, v []byte) {
	head, n := l.head(), l.meta.Count
	if i < n-i {
		l.shift(0, i-1, -1)
		l.setAt(i-1, v)
		head--
	} else {
		l.shift(i, n-1, 1)
		l.setAt(i, v)
	}
	l.save(head, n+1)
}

// removeAt deletes the elements at the given ascending indexes, closing
// the gaps from whichever side moves fewer elements.
func (l *list) removeAt(idx []int64) {
	k, n := int64(len(idx)), l.meta.Count
	if k == 0 {
		return
	}
	if k == n {
		l.save(0, 0)
		return
	}
	head := l.head()
	first, last := idx[0], idx[k-1]
	if last+1 < n-first {
		// Move what precedes each removed element towards the tail.
		for j := k - 1; j >= 0; j-- {
			lo := int64(0)
			if j > 0 {
				lo = idx[j-1] + 1
			}
			l.shift(lo, idx[j]-1, k-j)
		}
		l.drop(0, k-1)
		head += uint64(k)
	} else {
		// Move what follows each removed element towards the head.
		for j := int64(0); j < k; j++ {
			hi := n - 1
			if j+1 < k {
				hi = idx[j+1] - 1
			}
			l.shift(idx[j]+1, hi, -(j + 1))
		}
		l.drop(n-k, n-1)
	}
	l.save(head, n-k)
}

// trim keeps only elements start..end (valid, start <= end).
func (l *list) trim(start, end int64) {
	n := l.meta.Count
	if start == 0 && end == n-1 {
		l.touch()
		return
	}
	l.drop(0, start-1)
	l.drop(end+1, n-1)
	l.save(l.head()+uint64(start), end-start+1)
}

// listPointDeletes is how many records drop deletes one by one; more get
// one range tombstone. Many small tombstones would slow reads down
// (ENCODING.md), and capped lists (LPUSH + LTRIM) drop a few at a time.
const listPointDeletes = 32

// drop deletes the records of elements from..to (an empty range is fine).
func (l *list) drop(from, to int64) {
	if from > to {
		return
	}
	tx := l.x.tx()
	if to-from+1 > listPointDeletes {
		tx.DeleteRange(l.meta.OID, l.sub(from), l.sub(to+1))
		return
	}
	for i := from; i <= to; i++ {
		tx.Delete(l.meta.OID, l.sub(i))
	}
}
