package engine

import (
	"bytes"
	"math/rand/v2"
	"slices"

	"github.com/cairndb/cairn/storage"
)

// A set of exactSample to keptMax members that SRANDMEMBER draws from
// again keeps its members in memory (a memo, storage/hints.go), and
// SRANDMEMBER draws from there, uniformly. Drawing from the records
// instead seeks to a random hash and steps over the tombstones of every
// member removed since the object's last compaction: on a set whose
// members churn (SADD one, SREM another) that was up to 16 tombstones per
// live member. Every write of a set member goes through setEdit's add and
// drop, which keep the memo in place.
const setKeptMemo storage.HintKind = 'k'

// setKeptWanted marks a set SRANDMEMBER has drawn from once: only a set
// drawn from again loads its members, as one draw from each of many sets
// costs a seek each, and loading every one of them a scan.
const setKeptWanted storage.HintKind = 'K'

const (
	keptMax    = 4096
	keptChunks = 64
)

// keptMembers is the memo.
type keptMembers struct {
	chunks [keptChunks][][]byte
	count  int64
}

func keptChunk(member []byte) int { return int(storage.KeyHash(member) % keptChunks) }

// keptSet returns the members of the set oid of size members, loading them
// if needed; nil for a set outside exactSample..keptMax or drawn from for
// the first time.
func (x *Ctx) keptSet(oid uint64, size int64) *keptMembers {
	if size <= exactSample || size > keptMax {
		return nil
	}
	tx := x.tx()
	if k, ok := tx.Memo(oid, setKeptMemo).(*keptMembers); ok && k.count == size {
		return k
	}
	if _, again := tx.Memo(oid, setKeptWanted).(bool); !again {
		tx.SetMemo(oid, setKeptWanted, true, 16)
		return nil
	}
	k := &keptMembers{count: size}
	for _, e := range x.countedElems(oid, size) {
		c := keptChunk(e.member)
		k.chunks[c] = append(k.chunks[c], e.member)
	}
	tx.SetMemo(oid, setKeptMemo, k, k.bytes())
	return k
}

// bytes is about the memory the memo holds, for the hint table's bound,
// counted again each time the set doubles.
func (k *keptMembers) bytes() int64 {
	n := int64(keptChunks * 24)
	for _, c := range k.chunks {
		n += memoBytes(c)
	}
	return n
}

// at returns member i, 0 ≤ i < count, in chunk order.
func (k *keptMembers) at(i int64) []byte {
	for _, c := range k.chunks {
		if i < int64(len(c)) {
			return c[i]
		}
		i -= int64(len(c))
	}
	panic("keptMembers: index out of range")
}

// distinct returns n < count distinct members drawn uniformly, in random
// order, copied.
func (k *keptMembers) distinct(n int64) [][]byte {
	picked := make(map[int64]bool, n)
	out := make([][]byte, 0, n)
	for int64(len(out)) < n {
		i := rand.Int64N(k.count)
		if !picked[i] {
			picked[i] = true
			out = append(out, bytes.Clone(k.at(i)))
		}
	}
	return out
}

// keep updates the set's kept members, if it has them, for a member about
// to be added or dropped (s.m.Count not yet changed), in place
// (storage.Tx.ChangeMemo). A memo that does not match the set is dropped,
// and read again by the next random read.
func (s *setEdit) keep(member []byte, added bool) {
	tx := s.x.tx()
	k, ok := tx.ChangeMemo(s.m.OID, setKeptMemo).(*keptMembers)
	if !ok {
		return
	}
	c := keptChunk(member)
	i := slices.IndexFunc(k.chunks[c], func(m []byte) bool { return bytes.Equal(m, member) })
	switch {
	case k.count != s.m.Count, added == (i >= 0), added && k.count >= keptMax:
		tx.DropHint(s.m.OID, setKeptMemo)
	case added:
		k.chunks[c] = append(k.chunks[c], bytes.Clone(member))
		if k.count++; k.count&(k.count-1) == 0 {
			tx.SetMemo(s.m.OID, setKeptMemo, k, k.bytes())
		}
	default:
		k.chunks[c] = slices.Delete(k.chunks[c], i, i+1)
		k.count--
	}
}
