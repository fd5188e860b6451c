package engine

type lcsOptions struct {
	length, idx, withLen bool
	minLen               int64
}

// writeLCS computes the longest common subsequence with the classic
// dynamic-programming table and replies as LCS does: the string, its
// length (LEN) or the matching ranges (IDX), walking the table backwards
// exactly as Redis does so the ranges come out in the same order.
func writeLCS(x *Ctx, a, b []byte, o lcsOptions) {
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(x.s.conf().maxBulk) {
		x.fail("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	width := blen + 1
	table := make([]uint32, cells)
	at := func(i, j int) uint32 { return table[j+i*width] }
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				table[j+i*width] = at(i-1, j-1) + 1
			case at(i-1, j) > at(i, j-1):
				table[j+i*width] = at(i-1, j)
			default:
				table[j+i*width] = at(i, j-1)
			}
		}
	}
	total := at(alen, blen)
	if o.length && !o.idx {
		x.w.Int(int64(total))
		return
	}
	result := make([]byte, total)
	type match struct{ a0, a1, b0, b1 int }
	var matches []match
	idx := int(total)
	i, j := alen, blen
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range open
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx, i, j = idx-1, i-1, j-1
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if o.minLen == 0 || int64(aEnd-aStart+1) >= o.minLen {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	if !o.idx {
		x.w.Bulk(result)
		return
	}
	x.w.Map(2)
	x.w.BulkString("matches")
	x.w.Array(len(matches))
	for _, m := range matches {
		if o.withLen {
			x.w.Array(3)
		} else {
			x.w.Array(2)
		}
		x.w.Array(2)
		x.w.Int(int64(m.a0))
		x.w.Int(int64(m.a1))
		x.w.Array(2)
		x.w.Int(int64(m.b0))
		x.w.Int(int64(m.b1))
		if o.withLen {
			x.w.Int(int64(m.a1 - m.a0 + 1))
		}
	}
	x.w.BulkString("len")
	x.w.Int(int64(total))
}
