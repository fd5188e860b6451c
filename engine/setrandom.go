package engine

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
	member := x.randomMember(s.m.OID, s.m.Count)
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
		x.randomElems(m.OID, m.Count, -count, func(e elem) { x.w.Bulk(e.member) })
	case count >= m.Count:
		members := x.setMembers(m)
		x.inResultOrder(members, false)
		x.w.BulkStrings(members)
	default:
		picked := x.distinctElems(m.OID, m.Count, count)
		x.w.Array(len(picked))
		for _, e := range picked {
			x.w.Bulk(e.member)
		}
	}
}
