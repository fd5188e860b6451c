package engine

import (
	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "sadd", run: cmdSAdd},
		cmdDef{name: "srem", run: cmdSRem},
		cmdDef{name: "scard", run: cmdSCard},
		cmdDef{name: "sismember", run: cmdSIsMember},
		cmdDef{name: "smismember", run: cmdSMIsMember},
		cmdDef{name: "smembers", run: cmdSMembers},
		cmdDef{name: "smove", run: cmdSMove},
		cmdDef{name: "sscan", run: cmdSScan},
	)
}

// setRead looks a set up for reading; nil, true if it does not exist.
func (x *Ctx) setRead(key []byte) (*storage.Meta, bool) {
	return x.readType(key, storage.TypeSet)
}

func cmdSAdd(x *Ctx) {
	key := x.args[1]
	s, ok := x.setForWrite(key)
	if !ok {
		return
	}
	var added int64
	for _, member := range x.args[2:] {
		if s.add(member) {
			added++
		}
	}
	if added > 0 {
		s.save()
		x.notify(classSet, "sadd", key)
	}
	x.w.Int(added)
}

func cmdSRem(x *Ctx) {
	key := x.args[1]
	s, ok := x.setForWrite(key)
	if !ok {
		return
	}
	var removed int64
	if s.existed {
		for _, member := range x.args[2:] {
			if s.remove(member) {
				removed++
				if s.m.Count == 0 {
					break
				}
			}
		}
	}
	if removed > 0 {
		s.save()
		x.notify(classSet, "srem", key)
		if s.m.Count == 0 {
			x.notify(classGeneric, "del", key)
		}
	}
	x.w.Int(removed)
}

func cmdSCard(x *Ctx) {
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(m.Count)
}

// isMember reports whether the set m (nil: missing) holds member.
func (x *Ctx) isMember(m *storage.Meta, member []byte) bool {
	if m == nil {
		return false
	}
	_, ok := x.elemGet(m.OID, member)
	return ok
}

func cmdSIsMember(x *Ctx) {
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	x.w.Int(boolInt(x.isMember(m, x.args[2])))
}

func cmdSMIsMember(x *Ctx) {
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	members := x.args[2:]
	x.w.Array(len(members))
	for _, member := range members {
		x.w.Int(boolInt(x.isMember(m, member)))
	}
}

func cmdSMembers(x *Ctx) {
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		x.w.Set(0)
		return
	}
	if m.Enc == encSetIntset {
		members := x.setMembers(m)
		x.w.Set(len(members))
		for _, member := range members {
			x.w.Bulk(member)
		}
		return
	}
	// A hashtable may be huge: stream it instead of copying it first.
	x.w.Set(int(m.Count))
	var written int64
	x.eachElem(m.OID, func(member, _ []byte) bool {
		x.w.Bulk(member)
		written++
		return true
	})
	if written != m.Count {
		x.must(errCountMismatch)
	}
}

func cmdSMove(x *Ctx) {
	srcKey, dstKey, member := x.args[1], x.args[2], x.args[3]
	src := x.lookup(x.db, srcKey)
	dst := x.lookup(x.db, dstKey)
	if src == nil {
		x.w.Int(0)
		return
	}
	if src.Type != storage.TypeSet || (dst != nil && dst.Type != storage.TypeSet) {
		x.fail(errWrongType)
		return
	}
	if string(srcKey) == string(dstKey) {
		x.w.Int(boolInt(x.isMember(src, member)))
		return
	}
	s := x.editSet(srcKey, src)
	if !s.remove(member) {
		x.w.Int(0)
		return
	}
	s.save()
	x.notify(classSet, "srem", srcKey)
	if s.m.Count == 0 {
		x.notify(classGeneric, "del", srcKey)
	}
	d := x.editSet(dstKey, dst)
	if d.add(member) {
		d.save()
		x.notify(classSet, "sadd", dstKey)
	}
	x.w.Int(1)
}

func cmdSScan(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.fail(errCursor)
		return
	}
	m, ok := x.setRead(x.args[1])
	if !ok {
		return
	}
	if m == nil {
		writeScanReply(x, 0, nil)
		return
	}
	o, ok := parseScanOptions(x, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	keep := func(member []byte) bool { return o.pattern == nil || glob.Match(o.pattern, member) }
	// An intset is returned whole, in order, with cursor 0, as Redis does
	// whatever the cursor and COUNT.
	if m.Enc == encSetIntset {
		for _, member := range x.setMembers(m) {
			if keep(member) {
				items = append(items, member)
			}
		}
		writeScanReply(x, 0, items)
		return
	}
	next := x.scanElems(m.OID, cursor, o.count, func(member, _ []byte) {
		if keep(member) {
			items = append(items, cloneBytes(member))
		}
	})
	writeScanReply(x, next, items)
}
