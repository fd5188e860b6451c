package engine

import (
	"encoding/binary"
	"math"

	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/resp"
)

func init() {
	register(cmdDef{name: "zscan", run: cmdZScan})
}

// ZSCAN: a listpack set is returned whole in one call (cursor 0), as Redis
// does. A bigger set is walked in the order of its 'm' records, which
// start with the CRC-32C of the member: the cursor is the next hash to
// visit, so it survives writes and restarts, and every member present
// from start to end is returned at least once.
func cmdZScan(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.fail(errCursor)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		writeScanReply(x, 0, nil)
		return
	}
	o, ok := parseScanOptions(x, 3, false)
	if !ok {
		return
	}
	var elems []zelem
	next := uint64(0)
	if z.listpack() {
		elems = z.rankElems(0, z.card(), false)
	} else {
		elems, next = z.scanMembers(cursor, o.count)
	}
	var items [][]byte
	for _, e := range elems {
		if o.pattern == nil || glob.Match(o.pattern, e.member) {
			items = append(items, e.member, resp.AppendDouble(nil, e.score))
		}
	}
	writeScanReply(x, next, items)
}

// scanMembers returns about count members from hash cursor on (whole
// hash groups, so a cursor never splits one) and the next cursor.
func (z *zset) scanMembers(cursor uint64, count int) ([]zelem, uint64) {
	if cursor > math.MaxUint32 {
		return nil, 0
	}
	lower := binary.BigEndian.AppendUint32([]byte{zsetMemberTag}, uint32(cursor))
	it, err := z.tx.Iter(z.m.OID, lower, []byte{zsetMemberTag + 1})
	zmust(err)
	defer func() { zmust(it.Close()) }()
	var out []zelem
	var last uint32
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		h := binary.BigEndian.Uint32(k[1:5])
		if len(out) >= count && h != last {
			return out, uint64(h)
		}
		last = h
		score := math.Float64frombits(binary.BigEndian.Uint64(it.Value()))
		out = append(out, zelem{member: append([]byte(nil), k[5:]...), score: score})
	}
	return out, 0
}
