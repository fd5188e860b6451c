package engine

import "bytes"

func init() {
	register(cmdDef{name: "lpos", run: cmdLPos})
}

// lposOptions are LPOS's RANK, COUNT and MAXLEN; count -1 = not given.
type lposOptions struct {
	rank, count, maxLen int64
}

func parseLPosOptions(x *Ctx) (lposOptions, bool) {
	o := lposOptions{rank: 1, count: -1}
	for i := 3; i < len(x.args); i += 2 {
		if i+1 >= len(x.args) {
			x.fail(errSyntax)
			return o, false
		}
		n, isInt := parseInt(x.args[i+1])
		switch a := x.args[i]; {
		case eq(a, "rank"):
			if !isInt {
				x.fail(errNotInt)
				return o, false
			}
			if n == 0 {
				x.fail("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return o, false
			}
			o.rank = n
		case eq(a, "count"):
			if !isInt || n < 0 {
				x.fail("ERR COUNT can't be negative")
				return o, false
			}
			o.count = n
		case eq(a, "maxlen"):
			if !isInt || n < 0 {
				x.fail("ERR MAXLEN can't be negative")
				return o, false
			}
			o.maxLen = n
		default:
			x.fail(errSyntax)
			return o, false
		}
	}
	return o, true
}

// cmdLPos scans from the head (or, for a negative rank, the tail) and stops
// at the wanted match, after COUNT matches, or after MAXLEN elements.
func cmdLPos(x *Ctx) {
	o, ok := parseLPosOptions(x)
	if !ok {
		return
	}
	fromTail := o.rank < 0
	if fromTail {
		o.rank = -o.rank // the smallest int64 stays negative: every match ranks, as in Redis
	}
	l, ok := x.openList(x.args[1], false)
	if !ok {
		return
	}
	elem := x.args[2]
	var found []int64
	if l.exists() {
		n := l.length()
		first, last := int64(0), n-1
		if o.maxLen > 0 && o.maxLen < n {
			if fromTail {
				first = n - o.maxLen
			} else {
				last = o.maxLen - 1
			}
		}
		var matches int64
		l.each(first, last, fromTail, func(i int64, v []byte) bool {
			if !bytes.Equal(v, elem) {
				return true
			}
			if matches++; matches < o.rank {
				return true
			}
			found = append(found, i)
			if o.count < 0 {
				return false // the first match only
			}
			// Redis's test, wrapping as it does: with the smallest int64
			// rank, COUNT never stops the scan.
			return o.count == 0 || matches-o.rank+1 < o.count
		})
	}
	switch {
	case o.count >= 0:
		x.w.Array(len(found))
		for _, i := range found {
			x.w.Int(i)
		}
	case len(found) == 0:
		x.w.Null()
	default:
		x.w.Int(found[0])
	}
}
