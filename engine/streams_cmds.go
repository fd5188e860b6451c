package engine

import "math"

func init() {
	register(
		cmdDef{name: "xadd", run: cmdXAdd},
		cmdDef{name: "xlen", run: cmdXLen},
		cmdDef{name: "xrange", run: func(x *Ctx) { xrange(x, false) }},
		cmdDef{name: "xrevrange", run: func(x *Ctx) { xrange(x, true) }},
		cmdDef{name: "xdel", run: cmdXDel},
		cmdDef{name: "xtrim", run: cmdXTrim},
		cmdDef{name: "xsetid", run: cmdXSetID},
	)
}

// addArgs are XADD's options; XTRIM shares the trimming ones.
type addArgs struct {
	trim       trimArgs
	noMkStream bool
	id         *parsedID // nil: "*"
	idIndex    int       // where the ID is (or would be)
}

// isCString reports whether a C string reading of arg is w: Redis compares
// some arguments with strcmp, which stops at a NUL byte.
func isCString(arg []byte, w string) bool {
	return len(arg) >= len(w) && string(arg[:len(w)]) == w && (len(arg) == len(w) || arg[len(w)] == 0)
}

// parseAddOrTrim parses the options of XADD (xadd) or XTRIM with Redis's
// checks in Redis's order; false means it replied an error.
func parseAddOrTrim(x *Ctx, xadd bool) (addArgs, bool) {
	var a addArgs
	var limit int64
	limitGiven := false
	i := 2
	for ; i < len(x.args); i++ {
		more := len(x.args) - 1 - i
		opt := x.args[i]
		switch {
		case xadd && isCString(opt, "*"):
			a.idIndex = i
			return a, finishTrimArgs(x, &a, xadd, limit, limitGiven)
		case (eq(opt, "maxlen") || eq(opt, "minid")) && more > 0:
			if a.trim.strategy != trimNone {
				x.fail("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return a, false
			}
			a.trim.approx = false
			if more >= 2 && isCString(x.args[i+1], "~") {
				a.trim.approx = true
				i++
			} else if more >= 2 && isCString(x.args[i+1], "=") {
				i++
			}
			if eq(opt, "maxlen") {
				n, ok := x.intArg(i + 1)
				if !ok {
					return a, false
				}
				if n < 0 {
					x.fail("ERR The MAXLEN argument must be >= 0.")
					return a, false
				}
				a.trim.strategy, a.trim.maxLen = trimMaxLen, uint64(n)
			} else {
				id, ok := x.idArg(i+1, idSpec{strict: true})
				if !ok {
					return a, false
				}
				a.trim.strategy, a.trim.minID = trimMinID, id
			}
			i++
		case eq(opt, "limit") && more > 0:
			n, ok := x.intArg(i + 1)
			if !ok {
				return a, false
			}
			if n < 0 {
				x.fail("ERR The LIMIT argument must be >= 0.")
				return a, false
			}
			limit, limitGiven = n, true
			i++
		case xadd && eq(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			p, ok := parseStreamID(opt, idSpec{strict: true, seqAuto: true})
			if !ok {
				x.fail(errInvalidStreamID)
				return a, false
			}
			a.id, a.idIndex = &p, i
			return a, finishTrimArgs(x, &a, xadd, limit, limitGiven)
		default:
			x.fail(errSyntax)
			return a, false
		}
	}
	a.idIndex = i
	return a, finishTrimArgs(x, &a, xadd, limit, limitGiven)
}

// finishTrimArgs checks how the options combine and sets the LIMIT that
// applies.
func finishTrimArgs(x *Ctx, a *addArgs, xadd bool, limit int64, limitGiven bool) bool {
	switch {
	case limit != 0 && a.trim.strategy == trimNone:
		x.fail("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return false
	case !xadd && a.trim.strategy == trimNone:
		x.fail("ERR syntax error, XTRIM must be called with a trimming strategy")
		return false
	case limitGiven && !a.trim.approx:
		x.fail("ERR syntax error, LIMIT cannot be used without the special ~ option")
		return false
	case limitGiven:
		a.trim.limit = uint64(limit)
	case a.trim.approx:
		// Without LIMIT, approximate trimming stops after 100 nodes' worth.
		_, maxEntries := x.nodeLimits()
		a.trim.limit = 10000
		if maxEntries > 0 && maxEntries <= streamListpackMax/100 {
			a.trim.limit = 100 * maxEntries
		}
	}
	return true
}

func cmdXAdd(x *Ctx) {
	a, ok := parseAddOrTrim(x, true)
	if !ok {
		return
	}
	fieldsAt := a.idIndex + 1
	if n := len(x.args) - fieldsAt; n < 2 || n%2 == 1 {
		x.failf("ERR wrong number of arguments for '%s' command", x.cmd.name)
		return
	}
	if a.id != nil && a.id.seqGiven && a.id.id.isZero() {
		x.fail("ERR The ID specified in XADD must be greater than 0-0")
		return
	}
	key := x.args[1]
	s, ok := x.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			x.w.Null()
			return
		}
		s = x.createStream(key)
	}
	if s.st.lastID == maxStreamID {
		x.fail("ERR The stream has exhausted the last possible ID, unable to add more items")
		return
	}
	id, err := s.newEntryID(a.id)
	items := x.args[fieldsAt:]
	var size uint64
	for _, it := range items {
		size += uint64(len(it))
	}
	if err == "" && size > streamListpackMax {
		err = errStreamTooLarge
	}
	if err != "" {
		x.fail(err) // a stream just created stays, empty, as in Redis
		return
	}
	s.appendEntry(id, items)
	x.readyKey(x.db, key)
	writeID(x.w, id)
	x.notify(classStream, "xadd", key)
	if s.trim(&a.trim) > 0 {
		x.notify(classStream, "xtrim", key)
	}
	s.save(true)
}

const errStreamTooLarge = "ERR Elements are too large to be stored"

// newEntryID is the ID XADD gives the next entry: the one given (with
// "<ms>-*" completed), or one made from the clock; else the error.
func (s *stream) newEntryID(given *parsedID) (streamID, string) {
	last := s.st.lastID
	if given == nil {
		if ms := uint64(s.x.now); ms > last.ms {
			return streamID{ms, 0}, ""
		}
		id, _ := last.next()
		return id, ""
	}
	id := given.id
	if !given.seqGiven && last.ms == id.ms {
		if last.seq == math.MaxUint64 {
			// Redis fails here without saying why, and reports its
			// fallback error.
			return id, errStreamTooLarge
		}
		id = streamID{last.ms, last.seq + 1}
	}
	if id.cmp(last) <= 0 {
		return id, "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	}
	return id, ""
}

func cmdXLen(x *Ctx) {
	s, ok := x.readStream(x.args[1])
	if !ok {
		return
	}
	if s == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(s.st.length))
}

func xrange(x *Ctx, rev bool) {
	startAt, endAt := 2, 3
	if rev {
		startAt, endAt = 3, 2
	}
	start, ok := x.intervalArg(startAt, 0, true)
	if !ok {
		return
	}
	end, ok := x.intervalArg(endAt, math.MaxUint64, false)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(x.args); j++ {
		if !eq(x.args[j], "count") || j+1 >= len(x.args) {
			x.fail(errSyntax)
			return
		}
		n, ok := x.intArg(j + 1)
		if !ok {
			return
		}
		count = max(n, 0)
		j++
	}
	s, ok := x.readStream(x.args[1])
	if !ok {
		return
	}
	switch {
	case s == nil:
		x.w.Array(0)
	case count == 0:
		x.w.NullArray()
	default:
		s.writeRange(start, end, max(count, 0), rev)
	}
}

func cmdXDel(x *Ctx) {
	key := x.args[1]
	s, ok := x.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		x.w.Int(0)
		return
	}
	ids := make([]streamID, 0, len(x.args)-2)
	for i := 2; i < len(x.args); i++ {
		id, ok := x.idArg(i, idSpec{strict: true})
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	var deleted int64
	firstDeleted := false
	for _, id := range ids {
		if !s.deleteEntry(id) {
			continue
		}
		if id == s.st.firstID {
			firstDeleted = true
		}
		if id.cmp(s.st.maxDeleted) > 0 {
			s.st.maxDeleted = id
		}
		deleted++
	}
	if deleted > 0 {
		switch {
		case s.st.length == 0:
			s.st.firstID = streamID{}
		case firstDeleted:
			s.st.firstID, _ = s.edgeEntry(false)
		}
		x.notify(classStream, "xdel", key)
		s.save(true)
	}
	x.w.Int(deleted)
}

func cmdXTrim(x *Ctx) {
	a, ok := parseAddOrTrim(x, false)
	if !ok {
		return
	}
	key := x.args[1]
	s, ok := x.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		x.w.Int(0)
		return
	}
	before := s.st
	deleted := s.trim(&a.trim)
	switch {
	case deleted > 0:
		x.notify(classStream, "xtrim", key)
		s.save(true)
	case s.st != before: // an empty node went
		s.save(false)
	}
	x.w.Int(int64(deleted))
}

func cmdXSetID(x *Ctx) {
	id, ok := x.idArg(2, idSpec{strict: true})
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDeleted streamID
	for i := 3; i < len(x.args); i += 2 {
		more := i+1 < len(x.args)
		switch {
		case eq(x.args[i], "entriesadded") && more:
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			if n < 0 {
				x.fail("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case eq(x.args[i], "maxdeletedid") && more:
			d, ok := x.idArg(i+1, idSpec{strict: true})
			if !ok {
				return
			}
			if id.cmp(d) < 0 {
				x.fail("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDeleted = d
		default:
			x.fail(errSyntax)
			return
		}
	}
	key := x.args[1]
	s, ok := x.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		x.fail(errNoSuchKey)
		return
	}
	if s.st.length > 0 {
		if top, _ := s.edgeEntry(true); id.cmp(top) < 0 {
			x.fail("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.st.length > uint64(entriesAdded) {
			x.fail("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.st.lastID = id
	if entriesAdded != -1 {
		s.st.entriesAdded = uint64(entriesAdded)
	}
	if !maxDeleted.isZero() {
		s.st.maxDeleted = maxDeleted
	}
	x.w.OK()
	x.notify(classStream, "xsetid", key)
	s.save(false) // Redis 7.0 does not signal the key: WATCH holds

}
