package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/cairndb/cairn/storage"
)

// A sorted set's records under its object id (storage/ENCODING.md, "Sorted
// sets"):
//
//	'm' · crc32c(member) · member  →  score (float64 bits, 8 bytes)
//	's' · position                 →  "" (0x01 when the score is -0)
//	'c' · level · position         →  element count (uvarint), the
//	                                  order-statistic index (zsets_index.go)
//
// where a position is the order-preserving 8-byte score followed by the
// member, so the 's' records are in ZRANGE order. ZSCORE is one lookup;
// score and lex ranges are ordered scans.
const (
	zsetMemberTag = 'm'
	zsetScoreTag  = 's'
	zsetCountTag  = 'c'
)

// Sorted-set encodings OBJECT ENCODING reports. The records are the same
// either way; the flag follows Redis's conversion rules so that clients
// see the encoding Redis would have chosen.
const (
	encZsetListpack byte = 0
	encZsetSkiplist byte = 1
)

func init() {
	encodingNames[storage.TypeZSet] = func(_ *Server, m *storage.Meta) string {
		if m.Enc == encZsetSkiplist {
			return "skiplist"
		}
		return "listpack"
	}
}

// Hints (storage/hints.go) bound where a set's live 's' records are, so
// that scans from either end do not step over the deletion tombstones
// that pops leave there (ZPOPMIN would otherwise be quadratic until the
// memtable is flushed and compacted):
//
//	zsetLowHint   no live element's position is below it
//	zsetHighHint  every live element's position is below it
//
// The ends of the scores iterator learn them (and a seek from beyond an
// end); an insert outside moves them to itself, and removing the element
// a hint stands at moves it past.
const (
	zsetLowHint     storage.HintKind = 'z'
	zsetHighHint    storage.HintKind = 'Z'
	zsetLowRunMemo  storage.HintKind = 'r'
	zsetHighRunMemo storage.HintKind = 'R'
)

// zrun is a memo (storage/hints.go) of a set's lowest or highest
// elements, in order from that end: ZPOPMIN/ZPOPMAX, and ZRANGE from
// either end's rank 0 (a leaderboard's top ten), take theirs from it
// instead of opening an iterator and seeking for each command. A change
// between that end and its last element goes into it (keepRuns).
type zrun []zrunElem

type zrunElem struct {
	zelem
	pos []byte
}

// zrunLen is how many elements a scan from either end reads ahead: several
// pipelines of ZPOPMIN (redis-benchmark sends 16), so that most batches of
// pops find their elements in the run and need not wait for the batch
// before them to reach Pebble (engine/DESIGN.md, tickets).
const zrunLen = 64

func runMemo(high bool) storage.HintKind {
	if high {
		return zsetHighRunMemo
	}
	return zsetLowRunMemo
}

func (z *zset) run(high bool) zrun {
	r, _ := z.tx.Memo(z.m.OID, runMemo(high)).(zrun)
	return r
}

func (z *zset) setRun(high bool, r zrun) {
	size := int64(24)
	for _, e := range r {
		size += int64(64 + 2*len(e.member))
	}
	z.tx.SetMemo(z.m.OID, runMemo(high), r, size)
}

// keepRuns updates both runs for an element written (or, removing,
// deleted) at pos: the element goes into (or out of) a run it falls
// within, which stays the same number of elements from its end, at most
// zrunLen. A capped set (ZADD then ZREMRANGEBYRANK 0 -N, or ZPOPMIN)
// keeps its run however its low end churns.
func (z *zset) keepRuns(e zelem, pos []byte, removing bool) {
	for _, high := range [...]bool{false, true} {
		r := z.run(high)
		if len(r) == 0 {
			continue
		}
		// before reports whether a lies nearer this run's end than b.
		before := func(a, b []byte) bool {
			if high {
				return bytes.Compare(a, b) > 0
			}
			return bytes.Compare(a, b) < 0
		}
		if before(r[len(r)-1].pos, pos) {
			continue // beyond the run
		}
		i := sort.Search(len(r), func(i int) bool { return !before(r[i].pos, pos) })
		if removing && i == 0 && bytes.Equal(r[0].pos, pos) {
			z.setRun(high, r[1:]) // a pop: shares r's array, which no one changes
			continue
		}
		next := make(zrun, 0, min(len(r)+1, zrunLen)) // a memo is never changed in place
		switch {
		case !removing:
			next = append(append(next, r[:i]...), zrunElem{zelem{bytes.Clone(e.member), e.score}, pos})
			next = append(next, r[i:min(len(r), zrunLen-1)]...)
		case i < len(r) && bytes.Equal(r[i].pos, pos):
			next = append(append(next, r[:i]...), r[i+1:]...)
		default: // not where the run says it is: start over
			z.tx.DropHint(z.m.OID, runMemo(high))
			continue
		}
		z.setRun(high, next)
	}
}

// negZeroMark is the value of an 's' record whose score is -0: positions
// encode -0 as 0 (Redis orders them as equal), the record remembers the sign.
var negZeroMark = []byte{1}

// encodeScore appends the 8-byte big-endian form of f whose byte order is
// numeric order (-inf first, +inf last; -0 as 0).
func encodeScore(dst []byte, f float64) []byte {
	if f == 0 {
		f = 0
	}
	u := math.Float64bits(f)
	if u>>63 == 1 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, u)
}

func decodeScore(b []byte) float64 {
	u := binary.BigEndian.Uint64(b)
	if u>>63 == 1 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u)
}

// scoreSuccessor is the first position past every member of score f.
func scoreSuccessor(f float64) []byte {
	var b [8]byte
	encodeScore(b[:0], f)
	return binary.BigEndian.AppendUint64(nil, binary.BigEndian.Uint64(b[:])+1)
}

// zpos is an element's position: encodeScore(score) · member.
func zpos(score float64, member []byte) []byte {
	return append(encodeScore(make([]byte, 0, 8+len(member)), score), member...)
}

func zmemberKey(member []byte) []byte {
	k := make([]byte, 0, 5+len(member))
	k = append(k, zsetMemberTag)
	k = binary.BigEndian.AppendUint32(k, storage.KeyHash(member))
	return append(k, member...)
}

func zscoreKey(pos []byte) []byte { return append([]byte{zsetScoreTag}, pos...) }

// zelem is a member and its score.
type zelem struct {
	member []byte
	score  float64
}

// zset is a sorted set being read or changed within one transaction. Its
// meta is a private copy; the caller stores meta() when done.
type zset struct {
	tx *storage.Tx
	m  storage.Meta
}

// Meta Ext of a sorted set: the seed of its index levels (u64) and the
// number of index levels built (u8).
const zsetExtLen = 9

// newZset starts an empty sorted set with a fresh object id.
func newZset(tx *storage.Tx, oid uint64, enc byte) *zset {
	ext := binary.BigEndian.AppendUint64(make([]byte, 0, zsetExtLen), rand.Uint64())
	ext = append(ext, 0)
	return &zset{tx: tx, m: storage.Meta{Type: storage.TypeZSet, Enc: enc, OID: oid, Ext: ext}}
}

// openZset wraps an existing sorted set's meta.
func openZset(tx *storage.Tx, m *storage.Meta) *zset {
	z := &zset{tx: tx, m: *m}
	z.m.Ext = bytes.Clone(m.Ext)
	return z
}

func (z *zset) card() int64     { return z.m.Count }
func (z *zset) seed() uint64    { return binary.BigEndian.Uint64(z.m.Ext) }
func (z *zset) levels() int     { return int(z.m.Ext[8]) }
func (z *zset) setLevels(n int) { z.m.Ext[8] = byte(n) }
func (z *zset) listpack() bool  { return z.m.Enc == encZsetListpack }

// meta is the set's meta record as changed so far (a copy: the set may
// go on changing).
func (z *zset) meta() *storage.Meta {
	m := z.m
	m.Ext = bytes.Clone(z.m.Ext)
	return &m
}

func zmust(err error) {
	if err != nil {
		panic(storageError{err})
	}
}

// score looks a member up.
func (z *zset) score(member []byte) (float64, bool) {
	v, ok, err := z.tx.GetMember(z.m.OID, zmemberKey(member))
	zmust(err)
	if !ok || len(v) != 8 {
		return 0, false
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v)), true
}

// insert adds a member that is not in the set.
func (z *zset) insert(member []byte, score float64) {
	if z.listpack() && score == 0 {
		score = 0 // a listpack keeps no negative zero
	}
	pos := zpos(score, member)
	z.keepHints(pos)
	z.keepRuns(zelem{member, score}, pos, false)
	z.indexInsert(pos)
	z.tx.Set(z.m.OID, zmemberKey(member), binary.BigEndian.AppendUint64(nil, math.Float64bits(score)))
	z.tx.Set(z.m.OID, zscoreKey(pos), scoreMark(score))
	z.m.Count++
	z.growIndex()
}

// keepHints moves the hints an element about to be written at pos would
// break to it: it is the lowest (highest) live element now, and nothing
// below (above) it lives. Dropping them instead would make the next scan
// from that end step over every tombstone there.
func (z *zset) keepHints(pos []byte) {
	if low := z.tx.Hint(z.m.OID, zsetLowHint); low != nil && bytes.Compare(pos, low) < 0 {
		z.tx.SetHint(z.m.OID, zsetLowHint, pos)
	}
	if high := z.tx.Hint(z.m.OID, zsetHighHint); high != nil && bytes.Compare(pos, high) >= 0 {
		z.tx.SetHint(z.m.OID, zsetHighHint, append(bytes.Clone(pos), 0))
	}
}

// remove deletes a member holding score.
func (z *zset) remove(member []byte, score float64) {
	pos := zpos(score, member)
	z.keepRuns(zelem{member, score}, pos, true)
	z.indexRemove(pos)
	z.tx.Delete(z.m.OID, zmemberKey(member))
	z.tx.Delete(z.m.OID, zscoreKey(pos))
	z.m.Count--
	// Removing the element a hint stands at moves the hint past it, so
	// that trimming a set's low end (ZREMRANGEBYSCORE -inf ..., a sliding
	// window) does not leave its tombstones in the next scan's way.
	if low := z.tx.Hint(z.m.OID, zsetLowHint); bytes.Equal(low, pos) {
		z.tx.SetHint(z.m.OID, zsetLowHint, append(bytes.Clone(pos), 0))
	}
	if high := z.tx.Hint(z.m.OID, zsetHighHint); len(high) == len(pos)+1 && bytes.HasPrefix(high, pos) && high[len(pos)] == 0 {
		z.tx.SetHint(z.m.OID, zsetHighHint, pos)
	}
}

// update moves a member from one score to another.
func (z *zset) update(member []byte, from, to float64) {
	z.remove(member, from)
	z.insert(member, to)
}

func scoreMark(score float64) []byte {
	if score == 0 && math.Signbit(score) {
		return negZeroMark
	}
	return nil
}

// scores iterates the 's' records; callers position it.
func (z *zset) scores() *zscoreIter {
	i := &zscoreIter{z: z, floor: zposStart, ceil: zposEnd}
	if low := z.tx.Hint(z.m.OID, zsetLowHint); low != nil {
		i.floor = low
	}
	if high := z.tx.Hint(z.m.OID, zsetHighHint); high != nil {
		i.ceil = high
	}
	it, err := z.tx.Iter(z.m.OID, zscoreKey(i.floor), zscoreKey(i.ceil))
	zmust(err)
	i.it = it
	return i
}

// zposStart is a position at or before every element's.
var zposStart = encodeScore(nil, math.Inf(-1))

// zscoreIter walks elements in score order.
type zscoreIter struct {
	it          *storage.Iter
	z           *zset
	floor, ceil []byte // no element is below floor, nor at or above ceil
}

// first and last position at the ends, and remember where they are
// (zsetLowHint, zsetHighHint).
func (i *zscoreIter) first() bool {
	ok := i.it.First()
	if ok {
		i.z.tx.SetHint(i.z.m.OID, zsetLowHint, i.pos())
	}
	return ok
}

func (i *zscoreIter) last() bool {
	ok := i.it.Last()
	if ok {
		i.z.tx.SetHint(i.z.m.OID, zsetHighHint, append(bytes.Clone(i.pos()), 0))
	}
	return ok
}
func (i *zscoreIter) next() bool { return i.it.Next() }
func (i *zscoreIter) prev() bool { return i.it.Prev() }
func (i *zscoreIter) close()     { zmust(i.it.Close()) }

// seekGE positions at the first element at or after pos; a seek from
// below every element is first, and learns the low hint as first does.
func (i *zscoreIter) seekGE(pos []byte) bool {
	if bytes.Compare(pos, i.floor) <= 0 {
		return i.first()
	}
	return i.it.SeekGE(zscoreKey(pos))
}

// seekLT positions at the last element before pos; a seek from above
// every element is last, and learns the high hint.
func (i *zscoreIter) seekLT(pos []byte) bool {
	if bytes.Compare(pos, i.ceil) >= 0 {
		return i.last()
	}
	return i.it.SeekLT(zscoreKey(pos))
}

// pos is the current position; valid until the iterator moves.
func (i *zscoreIter) pos() []byte { return i.it.Key()[1:] }

// member is the current member; valid until the iterator moves.
func (i *zscoreIter) member() []byte { return i.it.Key()[9:] }

func (i *zscoreIter) score() float64 {
	if bytes.Equal(i.it.Value(), negZeroMark) {
		return math.Copysign(0, -1)
	}
	return decodeScore(i.it.Key()[1:9])
}

// elem copies out the current element.
func (i *zscoreIter) elem() zelem {
	return zelem{member: bytes.Clone(i.member()), score: i.score()}
}

// firstScore and lastScore are the lowest and highest scores (the set is
// not empty).
func (z *zset) firstScore() float64 {
	it := z.scores()
	defer it.close()
	it.first()
	return it.score()
}

func (z *zset) lastScore() float64 {
	it := z.scores()
	defer it.close()
	it.last()
	return it.score()
}

// bulkLoad fills a new, empty set with distinct elements and builds its
// index in one pass per level: O(n) records.
func (z *zset) bulkLoad(elems []zelem) {
	z.tx.DropHint(z.m.OID, zsetLowRunMemo)
	z.tx.DropHint(z.m.OID, zsetHighRunMemo)
	for _, e := range elems {
		score := e.score
		if z.listpack() && score == 0 {
			score = 0
		}
		z.tx.Set(z.m.OID, zmemberKey(e.member), binary.BigEndian.AppendUint64(nil, math.Float64bits(score)))
		z.tx.Set(z.m.OID, zscoreKey(zpos(score, e.member)), scoreMark(score))
	}
	z.m.Count += int64(len(elems))
	z.growIndex()
}
