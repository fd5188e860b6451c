package engine

import "github.com/cairndb/cairn/storage"

// What SORT reads from the types it sorts and looks up, and how it stores
// its result, through each type's own helpers.

// sortElems reads n elements from index start of a list or sorted set, in
// its order or from the end when desc, or all the members of a set in the
// order the set keeps them.
func (x *Ctx) sortElems(m *storage.Meta, start, n int64, desc bool) [][]byte {
	switch m.Type {
	case storage.TypeZSet:
		elems := openZset(x.tx(), m).rankElems(start, n, desc)
		out := make([][]byte, len(elems))
		for i, e := range elems {
			out[i] = e.member
		}
		return out
	case storage.TypeList:
		l := &list{x: x, meta: m}
		if desc {
			return l.collect(m.Count-start-n, m.Count-1-start, true)
		}
		return l.collect(start, start+n-1, false)
	}
	return x.setMembers(m)
}

// sortPrepare does what sorting does to the source in Redis: a sorted set
// is converted to a skiplist, which OBJECT ENCODING shows afterwards.
// That is no change to the data: nobody is told.
func (x *Ctx) sortPrepare(key []byte, m *storage.Meta) {
	if m.Type == storage.TypeZSet && m.Enc != encZsetSkiplist {
		n := *m
		n.Enc = encZsetSkiplist
		x.must(x.tx().Put(x.db, key, &n))
	}
}

// storeSortedList replaces key with a new list of elems (SORT ... STORE):
// the old value, whatever its type, and its TTL go.
func (x *Ctx) storeSortedList(key []byte, elems [][]byte) {
	(&list{x: x, key: key}).push(false, elems...)
}
