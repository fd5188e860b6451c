package engine

import (
	"bytes"
	"math/rand/v2"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "spop", run: cmdSPop},
		cmdDef{name: "srandmember", run: cmdSRandMember},
	)
}

// randomMember picks one member of a set at random (elements.go).
func (x *Ctx) randomMember(oid uint64, size int64) []byte {
	var member []byte
	x.randomElems(oid, size, 1, func(e elem) { member = e.member })
	return member
}

// A pop from a big set chooses among the spopWindow records after a
// random seek, as randomMember does among pickSpread, and keeps the others
// in a memo (and, read with the seek, in the hot cache) for the pops that
// follow: most pops then make no seek and step over no tombstones of
// earlier pops. A member from the memo is checked before it is popped, as
// another command may have removed it since. Records are in hash order, so
// a window is a random sample of the set; the wider it is, the closer to
// uniform (see pickSpread) and the fewer seeks over the tombstones a
// popped-out set piles up. The memo shrinks in place (storage.Tx.ChangeMemo).
const spopWindowMemo storage.HintKind = 'p'

const spopWindow = 128

// popWindow is the memo: subkeys of records not popped yet.
type popWindow struct{ subs [][]byte }

// popMember picks the member SPOP removes.
func (x *Ctx) popMember(oid uint64, size int64) []byte {
	if size <= exactSample {
		return x.popSmall(oid, size)
	}
	tx := x.tx()
	w, _ := tx.ChangeMemo(oid, spopWindowMemo).(*popWindow)
	if w == nil || len(w.subs) == 0 {
		w = &popWindow{}
		p := x.newPicker(oid)
		p.seek()
		for range min(spopWindow, size) {
			tx.Remember(p.it)
			w.subs = append(w.subs, bytes.Clone(p.it.Key()))
			p.next()
		}
		p.close()
		tx.SetMemo(oid, spopWindowMemo, w, memoBytes(w.subs))
	}
	for len(w.subs) > 0 {
		i, last := rand.IntN(len(w.subs)), len(w.subs)-1
		sub := w.subs[i]
		w.subs[i], w.subs[last] = w.subs[last], nil
		w.subs = w.subs[:last]
		_, ok, err := tx.Get(oid, sub)
		x.must(err)
		if ok {
			return subkeyMember(sub)
		}
	}
	tx.DropHint(oid, spopWindowMemo)
	return x.popMember(oid, size)
}

// A small set's pops choose among all its members, read once into a memo
// and kept for the pops that follow: reading them again for every pop
// would step over the tombstones of every member popped before, which for
// the last 64 members of a popped-out set of 100k is 100k steps a pop.
const setMembersMemo storage.HintKind = 'a'

// memberList is the memo: the members, as of when the set had count of
// them. It is used only while the set's size and its length both still
// equal count, so another command's write makes the next pop reread the
// members. Writes that add as many members as they remove keep the size:
// each member is checked before it is popped, and the first removed one
// drawn makes the memo one short, so the pop after it rereads.
type memberList struct {
	members [][]byte
	count   int64
}

// popSmall picks the member SPOP removes from a set of at most
// exactSample members, uniformly.
func (x *Ctx) popSmall(oid uint64, size int64) []byte {
	tx := x.tx()
	var members [][]byte
	if l, ok := tx.Memo(oid, setMembersMemo).(*memberList); ok && l.count == size && int64(len(l.members)) == size {
		members = l.members
	}
	for read := false; ; {
		if len(members) == 0 {
			if read {
				x.must(errCountMismatch)
			}
			for _, e := range x.countedElems(oid, size) {
				members = append(members, e.member)
			}
			read = true
		}
		i := rand.IntN(len(members))
		member := members[i]
		members = append(members[:i:i], members[i+1:]...) // the memo is shared
		if _, ok := x.elemGet(oid, member); ok {
			tx.SetMemo(oid, setMembersMemo, &memberList{members: members, count: size - 1}, memoBytes(members))
			return member
		}
	}
}

// memoBytes is about the memory a memo of byte strings holds.
func memoBytes(list [][]byte) int64 {
	n := int64(24 * len(list))
	for _, b := range list {
		n += int64(len(b))
	}
	return n
}

func cmdSPop(x *Ctx) {
	switch {
	case len(x.args) == 3:
		spopCount(x)
		return
	case len(x.args) > 3:
		x.fail(errSyntax)
		return
	}
	key := x.args[1]
	s, ok := x.setForWrite(key)
	if !ok {
		return
	}
	if !s.existed {
		x.w.Null()
		return
	}
	member := x.popMember(s.m.OID, s.m.Count)
	s.drop(member)
	s.save()
	x.notify(classSet, "spop", key)
	if s.m.Count == 0 {
		x.notify(classGeneric, "del", key)
	}
	x.w.Bulk(member)
}

func spopCount(x *Ctx) {
	count, ok := parseInt(x.args[2])
	if !ok || count < 0 {
		x.fail("ERR value is out of range, must be positive")
		return
	}
	key := x.args[1]
	s, ok := x.setForWrite(key)
	if !ok {
		return
	}
	if !s.existed || count == 0 {
		x.w.Set(0)
		return
	}
	var popped [][]byte
	if count >= s.m.Count {
		// The whole set: Redis replies it as SUNION would and deletes it.
		popped = x.setMembers(s.m)
		x.inResultOrder(popped, false)
		x.put(key, nil)
		x.notify(classSet, "spop", key)
		x.notify(classGeneric, "del", key)
	} else {
		for _, e := range x.distinctElems(s.m.OID, s.m.Count, count) {
			s.drop(e.member)
			popped = append(popped, e.member)
		}
		// When few members stay (a fifth of those popped or less), Redis
		// 7.0 moves them to a new set, an intset if they fit one.
		if s.m.Count*5 <= count {
			s.m.Enc = encSetHashtable
			if x.intsetEligible(x.setMembers(s.m)) {
				s.m.Enc = encSetIntset
			}
		}
		s.save()
		x.notify(classSet, "spop", key)
	}
	x.w.Set(len(popped))
	for _, member := range popped {
		x.w.Bulk(member)
	}
}

func cmdSRandMember(x *Ctx) {
	switch {
	case len(x.args) == 3:
		srandmemberCount(x)
		return
	case len(x.args) > 3:
		x.fail(errSyntax)
		return
	}
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		x.w.Null()
		return
	}
	if k := x.keptSet(m.OID, m.Count); k != nil {
		x.w.Bulk(k.at(rand.Int64N(k.count)))
		return
	}
	x.w.Bulk(x.randomMember(m.OID, m.Count))
}

func srandmemberCount(x *Ctx) {
	count, ok := x.randCountArg(2)
	if !ok {
		return
	}
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	if m == nil || count == 0 {
		x.w.Array(0)
		return
	}
	switch {
	case count < 0:
		// Repeats allowed: streamed, the reply may be far larger than the set.
		x.w.Array(int(-count))
		if k := x.keptSet(m.OID, m.Count); k != nil {
			for range -count {
				x.w.Bulk(k.at(rand.Int64N(k.count)))
			}
			return
		}
		x.randomElems(m.OID, m.Count, -count, func(e elem) { x.w.Bulk(e.member) })
	case count >= m.Count:
		members := x.setMembers(m)
		x.inResultOrder(members, false)
		x.w.BulkStrings(members)
	default:
		if k := x.keptSet(m.OID, m.Count); k != nil {
			x.w.BulkStrings(k.distinct(count))
			return
		}
		picked := x.distinctElems(m.OID, m.Count, count)
		x.w.Array(len(picked))
		for _, e := range picked {
			x.w.Bulk(e.member)
		}
	}
}
