package engine

import (
	"cmp"
	"slices"

	"github.com/cairndb/cairn/storage"
)

// A set is a meta record (count = members) and one empty record per
// member, subkey elemHash(member) · member (elements.go).

// Set encodings (meta Enc), as OBJECT ENCODING names them in Redis 7.0: an
// intset while every member is an integer and there are at most
// set-max-intset-entries of them, a hashtable once either fails. As in
// Redis, a hashtable goes back to an intset only when SPOP moves the few
// members it leaves to a new set (setrandom.go).
const (
	encSetIntset    byte = 0
	encSetHashtable byte = 1
)

func init() {
	encodingNames[storage.TypeSet] = func(_ *Server, m *storage.Meta) string {
		if m.Enc == encSetHashtable {
			return "hashtable"
		}
		return "intset"
	}
	setMembersForZset = func(x *Ctx, m *storage.Meta) [][]byte { return x.setMembers(m) }
}

// isIntsetMember reports whether an intset can hold member: Redis's
// string2ll accepts it.
func isIntsetMember(member []byte) bool {
	_, ok := parseInt(member)
	return ok
}

func (x *Ctx) maxIntset() int64 { return x.s.cfg.Int("set-max-intset-entries") }

// intsetEligible reports whether Redis would build members into an intset.
func (x *Ctx) intsetEligible(members [][]byte) bool {
	if int64(len(members)) > x.maxIntset() {
		return false
	}
	for _, m := range members {
		if !isIntsetMember(m) {
			return false
		}
	}
	return true
}

// sortIntset puts integer members in numeric order, an intset's order.
func sortIntset(members [][]byte) {
	slices.SortFunc(members, func(a, b []byte) int {
		na, _ := parseInt(a)
		nb, _ := parseInt(b)
		return cmp.Compare(na, nb)
	})
}

// setMembers returns every member of a set in the order Redis walks it:
// numeric for an intset, hash order (Cairn's choice) for a hashtable.
func (x *Ctx) setMembers(m *storage.Meta) [][]byte {
	out := make([][]byte, 0, m.Count)
	x.eachElem(m.OID, func(member, _ []byte) bool {
		out = append(out, cloneBytes(member))
		return true
	})
	if m.Enc == encSetIntset {
		sortIntset(out)
	}
	return out
}

// inResultOrder orders the members of a set Redis builds anew (SUNION,
// SDIFF, whole-set SPOP and SRANDMEMBER): it walks the new set, an intset
// when the members allow, else a hashtable (hash order here).
func (x *Ctx) inResultOrder(members [][]byte, hashtable bool) {
	if !hashtable && x.intsetEligible(members) {
		sortIntset(members)
	}
}

// setEdit is a set being changed by a command: a private copy of its meta,
// stored by save.
type setEdit struct {
	x       *Ctx
	key     []byte
	m       *storage.Meta
	existed bool
}

// setForWrite opens key's set for writing, a new empty one if the key does
// not exist; false after a WRONGTYPE reply.
func (x *Ctx) setForWrite(key []byte) (*setEdit, bool) {
	m, ok := x.writeType(key, storage.TypeSet)
	if !ok {
		return nil, false
	}
	return x.editSet(key, m), true
}

// editSet opens the set m (nil: a new one) stored at key.
func (x *Ctx) editSet(key []byte, m *storage.Meta) *setEdit {
	if m == nil {
		return &setEdit{x: x, key: key, m: &storage.Meta{Type: storage.TypeSet}}
	}
	n := *m
	return &setEdit{x: x, key: key, m: &n, existed: true}
}

func (s *setEdit) has(member []byte) bool {
	if s.m.OID == 0 {
		return false
	}
	_, ok := s.x.elemGet(s.m.OID, member)
	return ok
}

// add adds a member and reports whether it is new, converting an intset to
// a hashtable when Redis would.
func (s *setEdit) add(member []byte) bool {
	x, m := s.x, s.m
	if m.OID == 0 {
		m.OID = x.newOID()
	}
	if s.has(member) {
		return false
	}
	s.keep(member, true)
	x.elemSet(m.OID, member, nil)
	m.Count++
	if m.Enc == encSetIntset && (!isIntsetMember(member) || m.Count > x.maxIntset()) {
		m.Enc = encSetHashtable
	}
	return true
}

// remove removes a member and reports whether it was there.
func (s *setEdit) remove(member []byte) bool {
	if !s.has(member) {
		return false
	}
	s.drop(member)
	return true
}

// drop removes a member known to be there (just picked by SPOP).
func (s *setEdit) drop(member []byte) {
	s.keep(member, false)
	s.x.elemDelete(s.m.OID, member)
	s.m.Count--
}

// save stores the set; an empty set is deleted, as Redis never keeps one.
func (s *setEdit) save() {
	if s.m.Count == 0 {
		s.x.put(s.key, nil)
		return
	}
	s.x.put(s.key, s.m)
}

// storeSet replaces dst with a new set of the given distinct members (the
// *STORE commands: any old value and its TTL go) and replies its size. An
// empty result deletes dst. hashtable forces that encoding where Redis's
// way of building the set converts it on the way.
func (x *Ctx) storeSet(dst []byte, members [][]byte, hashtable bool, event string) {
	if len(members) == 0 {
		if x.lookup(x.db, dst) != nil {
			x.put(dst, nil)
			x.notify(classGeneric, "del", dst)
		}
		x.w.Int(0)
		return
	}
	m := &storage.Meta{Type: storage.TypeSet, OID: x.newOID(), Count: int64(len(members)), Enc: encSetHashtable}
	if !hashtable && x.intsetEligible(members) {
		m.Enc = encSetIntset
	}
	for _, member := range members {
		x.elemSet(m.OID, member, nil)
	}
	x.put(dst, m)
	x.notify(classSet, event, dst)
	x.w.Int(m.Count)
}
