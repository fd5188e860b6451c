package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Sorted sets (and so geo sets) are read in ZRANGE order from their 's'
// records and loaded with the family's bulk loader (zsets_store.go).
func init() {
	registerRDB(storage.TypeZSet, rdb.KindZSet, &rdbCodec{object: zsetObject, load: loadZSet})
}

// zsetObject walks the set from its highest score down: Redis writes a
// skiplist that way (its loader then inserts at the head), so DUMP and RDB
// bytes are the same. A listpack is sorted ascending by the encoder.
func zsetObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	cur, err := newElemCursor(r, m.OID, []byte{zsetScoreTag}, []byte{zsetScoreTag + 1}, func(sub, val []byte) (rdb.Elem, error) {
		if len(sub) < 9 {
			return rdb.Elem{}, errZsetIndex
		}
		score := decodeScore(sub[1:9])
		if bytes.Equal(val, negZeroMark) {
			score = math.Copysign(0, -1)
		}
		return rdb.Elem{Member: bytes.Clone(sub[9:]), Score: score}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	cur.fromLast()
	return &rdb.Object{Kind: rdb.KindZSet, Len: m.Count, Next: cur.next}, cur, nil
}

var errDuplicateMember = errors.New("duplicate sorted set member")

// loadZSet loads a sorted set, refusing duplicate members as Redis does
// (named in a small set, counted at the end of a big one).
// One small enough for a listpack (under the limits) is bulk loaded as
// such; a bigger one is streamed into records, as the family's bulkLoad
// writes them, and its index is built once at the end, in one pass per
// level, so a huge set never sits in memory.
func loadZSet(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	limits := l.limits()
	head, more, err := readHead(v, limits.ZSetListpackEntries, errDuplicateMember)
	if err != nil {
		return nil, err
	}
	small := make([]zelem, len(head))
	fits := true
	for i, e := range head {
		small[i] = zelem{member: e.Member, score: e.Score}
		fits = fits && len(e.Member) <= limits.ZSetListpackValue
	}
	if len(small) == 0 {
		return nil, nil
	}
	oid, err := l.tx.NewOID()
	if err != nil {
		return nil, err
	}
	if !more && fits && len(small) <= limits.ZSetListpackEntries {
		z := newZset(l.tx, oid, encZsetListpack)
		if err := catchStorage(func() { z.bulkLoad(small) }); err != nil {
			return nil, err
		}
		return z.meta(), nil
	}
	z := newZset(l.tx, oid, encZsetSkiplist)
	add := func(member []byte, score float64) {
		l.tx.Set(oid, zmemberKey(member), binary.BigEndian.AppendUint64(nil, math.Float64bits(score)))
		l.tx.Set(oid, zscoreKey(zpos(score, member)), scoreMark(score))
		z.m.Count++
	}
	for _, e := range small {
		add(e.member, e.score)
	}
	if more {
		if err := l.readRest(v, func(e rdb.Elem) { add(e.Member, e.Score) }); err != nil {
			return nil, err
		}
	}
	if err := checkCount(l.tx, oid, []byte{zsetMemberTag}, []byte{zsetMemberTag + 1}, z.m.Count, errDuplicateMember); err != nil {
		return nil, err
	}
	if err := catchStorage(z.growIndex); err != nil {
		return nil, err
	}
	return z.meta(), nil
}
