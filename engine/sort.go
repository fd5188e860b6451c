package engine

import (
	"bytes"
	"math"
	"slices"

	"github.com/cairndb/cairn/cmdspec"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "sort", run: func(x *Ctx) { sortCommand(x, false) }},
		cmdDef{name: "sort_ro", run: func(x *Ctx) { sortCommand(x, true) }},
	)
}

// sortOptions is a parsed SORT call.
type sortOptions struct {
	desc, alpha   bool
	offset, count int64 // LIMIT; count < 0 means all
	by            []byte
	dontSort      bool // BY a pattern without '*': keep the natural order
	gets          [][]byte
	store         []byte
}

// sortItem is one element being sorted with what it sorts by.
type sortItem struct {
	elem  []byte
	score float64
	by    []byte // ALPHA's comparison value from BY; nil if the key is missing
}

func parseSort(x *Ctx, readOnly bool) (sortOptions, bool) {
	o := sortOptions{count: -1}
	full := x.fullKeyAccess()
	for j := 2; j < len(x.args); j++ {
		arg, left := cString(x.args[j]), len(x.args)-j-1 // a C string, as Redis compares it
		switch {
		case eq(arg, "asc"):
			o.desc = false
		case eq(arg, "desc"):
			o.desc = true
		case eq(arg, "alpha"):
			o.alpha = true
		case eq(arg, "limit") && left >= 2:
			var ok bool
			if o.offset, ok = x.intArg(j + 1); !ok {
				return o, false
			}
			if o.count, ok = x.intArg(j + 2); !ok {
				return o, false
			}
			j += 2
		case !readOnly && eq(arg, "store") && left >= 1:
			o.store = x.args[j+1]
			j++
		case eq(arg, "by") && left >= 1:
			o.by = x.args[j+1]
			// One BY without '*' is enough: a later pattern does not undo it.
			if bytes.IndexByte(cString(o.by), '*') < 0 {
				o.dontSort = true
			} else if !full {
				x.fail("ERR BY option of SORT denied due to insufficient ACL permissions.")
				return o, false
			}
			j++
		case eq(arg, "get") && left >= 1:
			if !full {
				x.fail("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return o, false
			}
			o.gets = append(o.gets, x.args[j+1])
			j++
		default:
			x.fail(errSyntax)
			return o, false
		}
	}
	return o, true
}

// fullKeyAccess reports whether the client's user may read any key, as
// BY and GET patterns can: some selector that allows this very call must
// have allkeys or a read pattern of exactly "*", as Redis checks.
func (x *Ctx) fullKeyAccess() bool {
	if x.c == nil {
		return true
	}
	u := x.c.aclUser.Load()
	if u == nil {
		return true
	}
	r := u.get()
	if r.open {
		return true
	}
	var keys *cmdspec.Keys
	for _, s := range r.selectors {
		if s.check(x.cmd, x.args, &keys).denial != aclAllowed {
			continue
		}
		if s.allKeys || slices.ContainsFunc(s.keys, func(p keyPattern) bool { return p.read && p.pattern == "*" }) {
			return true
		}
	}
	return false
}

func sortCommand(x *Ctx, readOnly bool) {
	o, ok := parseSort(x, readOnly)
	if !ok {
		return
	}
	m := x.read(x.args[1])
	if m != nil && m.Type != storage.TypeList && m.Type != storage.TypeSet && m.Type != storage.TypeZSet {
		x.fail(errWrongType)
		return
	}
	// A missing key sorts like an empty list. Every type sorted counts its
	// elements in its meta record.
	typ, size := storage.TypeList, int64(0)
	if m != nil {
		typ, size = m.Type, m.Count
		x.sortPrepare(x.args[1], m)
	}
	// A set has no order of its own: stored results and a script's are
	// sorted anyway, so that they do not depend on how the set happens to
	// be laid out.
	if o.dontSort && typ == storage.TypeSet && (o.store != nil || x.script) {
		o.dontSort, o.alpha, o.by = false, true, nil
	}
	start := max(o.offset, 0)
	end := size - 1
	if o.count >= 0 {
		end = start + min(o.count, math.MaxInt64-start) - 1 // no wrapping: a huge count means all
	}
	if start >= size {
		start, end = size-1, size-2
	}
	end = min(end, size-1)

	var items []sortItem
	switch {
	case m == nil:
	case o.dontSort && typ != storage.TypeSet:
		// Lists and sorted sets in their own order: read only the range.
		if end >= start {
			for _, e := range x.sortElems(m, start, end-start+1, o.desc) {
				items = append(items, sortItem{elem: e})
			}
		}
		end, start = end-start, 0
	default:
		for _, e := range x.sortElems(m, 0, size, false) {
			items = append(items, sortItem{elem: e})
		}
	}
	if !o.dontSort {
		if !x.loadSortKeys(o, items) {
			x.fail("ERR One or more scores can't be converted into double")
			return
		}
		slices.SortStableFunc(items, o.compare)
	}
	picked := items[:0]
	if end >= start {
		picked = items[start : end+1]
	}
	if o.store == nil {
		replySorted(x, o, picked)
	} else {
		storeSorted(x, o, picked)
	}
}

// replySorted sends the sorted elements, or what their GET patterns find.
func replySorted(x *Ctx, o sortOptions, picked []sortItem) {
	x.w.Array(len(picked) * max(len(o.gets), 1))
	for _, it := range picked {
		if len(o.gets) == 0 {
			x.w.Bulk(it.elem)
		}
		for _, pattern := range o.gets {
			if v, ok := x.sortLookup(pattern, it.elem); ok {
				x.w.Bulk(v)
			} else {
				x.w.Null()
			}
		}
	}
}

// storeSorted stores them as a list instead and replies its length; an
// empty result deletes the destination.
func storeSorted(x *Ctx, o sortOptions, picked []sortItem) {
	var out [][]byte
	for _, it := range picked {
		if len(o.gets) == 0 {
			out = append(out, it.elem)
		}
		for _, pattern := range o.gets {
			v, _ := x.sortLookup(pattern, it.elem)
			out = append(out, v) // a missing value is stored as ""
		}
	}
	if len(out) > 0 {
		x.storeSortedList(o.store, out)
		x.notify(classList, "sortstore", o.store)
	} else if x.lookup(x.db, o.store) != nil {
		x.put(o.store, nil)
		x.notify(classGeneric, "del", o.store)
	}
	x.w.Int(int64(len(out)))
}

// loadSortKeys fills in what each item sorts by: its BY value or itself,
// as a number unless ALPHA. false means some value is not a number.
func (x *Ctx) loadSortKeys(o sortOptions, items []sortItem) bool {
	ok := true
	for i := range items {
		it := &items[i]
		v := it.elem
		if o.by != nil {
			var found bool
			if v, found = x.sortLookup(o.by, it.elem); !found {
				continue
			}
		}
		if o.alpha {
			if o.by != nil {
				it.by = v
			}
			continue
		}
		var good bool
		if it.score, good = sortScore(v); !good {
			ok = false
		}
	}
	return ok
}

// compare orders two items as Redis's SORT does: by score, ties broken by
// the elements' bytes; or ALPHA by the BY values (missing ones first) or
// the elements. Without STORE, ALPHA compares like strcoll in the C
// locale: the strings end at their first NUL.
func (o *sortOptions) compare(a, b sortItem) int {
	var c int
	switch {
	case !o.alpha:
		switch {
		case a.score > b.score:
			c = 1
		case a.score < b.score:
			c = -1
		default:
			c = bytes.Compare(a.elem, b.elem)
		}
	case o.by != nil && (a.by == nil || b.by == nil):
		switch {
		case a.by == nil && b.by == nil:
			c = 0
		case a.by == nil:
			c = -1
		default:
			c = 1
		}
	case o.by != nil:
		c = o.collate(a.by, b.by)
	default:
		c = o.collate(a.elem, b.elem)
	}
	if o.desc {
		return -c
	}
	return c
}

func (o *sortOptions) collate(a, b []byte) int {
	if o.store != nil {
		return bytes.Compare(a, b)
	}
	return bytes.Compare(cString(a), cString(b))
}

// sortLookup resolves a BY or GET pattern for an element: "#" is the
// element itself; otherwise the first '*' is replaced by the element and
// the string key of that name read, or, after "->", the field of that
// hash. false if there is no such value.
func (x *Ctx) sortLookup(pattern, elem []byte) ([]byte, bool) {
	c := cString(pattern)
	if len(c) == 1 && c[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(c, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	keyEnd := len(pattern)
	if arrow := bytes.Index(c[star+1:], []byte("->")); arrow >= 0 && star+1+arrow+2 < len(c) {
		keyEnd = star + 1 + arrow
		field = pattern[keyEnd+2:]
	}
	key := make([]byte, 0, len(pattern)+len(elem))
	key = append(append(append(key, pattern[:star]...), elem...), pattern[star+1:keyEnd]...)
	m := x.read(key)
	switch {
	case m == nil:
		return nil, false
	case field != nil:
		if m.Type != storage.TypeHash {
			return nil, false
		}
		return x.hashField(m, field)
	case m.Type != storage.TypeString:
		return nil, false
	}
	return x.stringBytes(m), true
}
