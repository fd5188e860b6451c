package engine

func init() {
	register(
		cmdDef{name: "lpush", run: func(x *Ctx) { pushCommand(x, true, false) }},
		cmdDef{name: "rpush", run: func(x *Ctx) { pushCommand(x, false, false) }},
		cmdDef{name: "lpushx", run: func(x *Ctx) { pushCommand(x, true, true) }},
		cmdDef{name: "rpushx", run: func(x *Ctx) { pushCommand(x, false, true) }},
		cmdDef{name: "lpop", run: func(x *Ctx) { popCommand(x, true) }},
		cmdDef{name: "rpop", run: func(x *Ctx) { popCommand(x, false) }},
		cmdDef{name: "llen", run: cmdLLen},
		cmdDef{name: "lrange", run: cmdLRange},
		cmdDef{name: "lindex", run: cmdLIndex},
		cmdDef{name: "lset", run: cmdLSet},
		cmdDef{name: "ltrim", run: cmdLTrim},
	)
}

func pushEvent(front bool) string {
	if front {
		return "lpush"
	}
	return "rpush"
}

func popEvent(front bool) string {
	if front {
		return "lpop"
	}
	return "rpop"
}

// parseEnd reads LEFT or RIGHT; true is the left end (the head).
func parseEnd(arg []byte) (front, ok bool) {
	switch {
	case eq(arg, "left"):
		return true, true
	case eq(arg, "right"):
		return false, true
	}
	return false, false
}

// pushCommand is LPUSH, RPUSH and, onlyExisting, LPUSHX and RPUSHX.
func pushCommand(x *Ctx, front, onlyExisting bool) {
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if onlyExisting && !l.exists() {
		x.w.Int(0)
		return
	}
	l.push(front, x.args[2:]...)
	x.notify(classList, pushEvent(front), l.key)
	x.w.Int(l.length())
}

// popped tells everyone that elements left a list, and that the list went
// with them if it is now empty.
func (l *list) popped(front bool) {
	l.x.notify(classList, popEvent(front), l.key)
	if !l.exists() {
		l.x.notify(classGeneric, "del", l.key)
	}
}

// popCommand is LPOP and RPOP, with or without a count.
func popCommand(x *Ctx, front bool) {
	if len(x.args) > 3 {
		x.failf("ERR wrong number of arguments for '%s' command", x.cmd.name)
		return
	}
	withCount := len(x.args) == 3
	var count int64 = 1
	if withCount {
		var ok bool
		if count, ok = parseInt(x.args[2]); !ok || count < 0 {
			x.fail("ERR value is out of range, must be positive")
			return
		}
	}
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !l.exists() {
		if withCount {
			x.w.NullArray()
		} else {
			x.w.Null()
		}
		return
	}
	if count == 0 {
		x.w.Array(0)
		return
	}
	vals := l.pop(front, count)
	l.popped(front)
	if withCount {
		x.w.BulkStrings(vals)
	} else {
		x.w.Bulk(vals[0])
	}
}

func cmdLLen(x *Ctx) {
	l, ok := x.openList(x.args[1], false)
	if ok {
		x.w.Int(l.length())
	}
}

// listRange turns Redis's start/end arguments (negative from the end) into
// valid inclusive indexes; false means the range is empty.
func listRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0, false
	}
	return start, min(end, n-1), true
}

func cmdLRange(x *Ctx) {
	start, ok := x.intArg(2)
	if !ok {
		return
	}
	end, ok := x.intArg(3)
	if !ok {
		return
	}
	l, ok := x.openList(x.args[1], false)
	if !ok {
		return
	}
	start, end, ok = listRange(start, end, l.length())
	if !ok {
		x.w.Array(0)
		return
	}
	x.w.Array(int(end - start + 1))
	l.each(start, end, false, func(_ int64, v []byte) bool {
		x.w.Bulk(v)
		return true
	})
}

// listIndex resolves a possibly negative index; false if out of range.
func listIndex(i, n int64) (int64, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

func cmdLIndex(x *Ctx) {
	l, ok := x.openList(x.args[1], false)
	if !ok {
		return
	}
	if !l.exists() {
		x.w.Null()
		return
	}
	i, ok := x.intArg(2)
	if !ok {
		return
	}
	if i, ok = listIndex(i, l.length()); !ok {
		x.w.Null()
		return
	}
	x.w.Bulk(l.at(i))
}

func cmdLSet(x *Ctx) {
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !l.exists() {
		x.fail(errNoSuchKey)
		return
	}
	i, ok := x.intArg(2)
	if !ok {
		return
	}
	if i, ok = listIndex(i, l.length()); !ok {
		x.fail("ERR index out of range")
		return
	}
	l.setAt(i, x.args[3])
	l.touch()
	x.notify(classList, "lset", l.key)
	x.w.OK()
}

func cmdLTrim(x *Ctx) {
	start, ok := x.intArg(2)
	if !ok {
		return
	}
	end, ok := x.intArg(3)
	if !ok {
		return
	}
	l, ok := x.openList(x.args[1], true)
	if !ok {
		return
	}
	if !l.exists() {
		x.w.OK()
		return
	}
	if start, end, ok = listRange(start, end, l.length()); ok {
		l.trim(start, end)
	} else {
		l.save(0, 0)
	}
	x.notify(classList, "ltrim", l.key)
	if !l.exists() {
		x.notify(classGeneric, "del", l.key)
	}
	x.w.OK()
}
