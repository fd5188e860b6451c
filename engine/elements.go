package engine

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"

	"github.com/cairndb/cairn/storage"
)

// Hashes and sets keep one record per field or member under the object id,
// with subkey elemHash(member) · member (storage/ENCODING.md). Ordering the
// records by the member's hash makes an HSCAN/SSCAN cursor a hash, which
// survives restarts and concurrent writes, and lets a seek to a random hash
// pick a random element of a huge collection without scanning it.

const elemHashLen = 4

// elemHash is the hash that orders a collection's records: CRC-32C, then
// MurmurHash3's finalizer. CRC-32C is linear, so similar members
// ("user:1", "user:2", ...) get clustered hashes; the finalizer is a
// bijection (it keeps CRC-32C's collisions, no more) that spreads them
// over the hash space, which random seeks rely on.
func elemHash(member []byte) uint32 {
	h := storage.KeyHash(member)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// elemSubkey appends the subkey of member to dst.
func elemSubkey(dst, member []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, elemHash(member))
	return append(dst, member...)
}

// subkeyMember is the member a subkey names.
func subkeyMember(sub []byte) []byte { return sub[elemHashLen:] }

func subkeyHash(sub []byte) uint32 { return binary.BigEndian.Uint32(sub) }

func hashBound(h uint32) []byte { return binary.BigEndian.AppendUint32(nil, h) }

// errCountMismatch means a collection's records disagree with its count.
var errCountMismatch = errors.New("collection records disagree with its element count")

// elemGet reads the record of member; ok is false if it does not exist.
func (x *Ctx) elemGet(oid uint64, member []byte) ([]byte, bool) {
	var buf [64]byte
	v, ok, err := x.tx().GetMember(oid, elemSubkey(buf[:0], member))
	x.must(err)
	return v, ok
}

func (x *Ctx) elemSet(oid uint64, member, value []byte) {
	var buf [64]byte
	x.tx().Set(oid, elemSubkey(buf[:0], member), value)
}

func (x *Ctx) elemDelete(oid uint64, member []byte) {
	var buf [64]byte
	x.tx().Delete(oid, elemSubkey(buf[:0], member))
}

// elemIter opens an iterator over the records of oid.
func (x *Ctx) elemIter(oid uint64) *storage.Iter {
	it, err := x.tx().Iter(oid, nil, nil)
	x.must(err)
	return it
}

func (x *Ctx) closeIter(it *storage.Iter) { x.must(it.Close()) }

// eachElem calls fn with every record of oid in hash order until fn
// returns false. The slices are valid only during the call.
func (x *Ctx) eachElem(oid uint64, fn func(member, value []byte) bool) {
	it := x.elemIter(oid)
	defer x.closeIter(it)
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(subkeyMember(it.Key()), it.Value()) {
			return
		}
	}
}

// elem is a copied record: a member (or field) and its value.
type elem struct {
	member, value []byte
}

// allElems copies every record of oid, in hash order.
func (x *Ctx) allElems(oid uint64, count int64) []elem {
	out := make([]elem, 0, count)
	x.eachElem(oid, func(member, value []byte) bool {
		out = append(out, elem{cloneBytes(member), cloneBytes(value)})
		return true
	})
	return out
}

// countedElems is allElems for callers that rely on the count being right.
func (x *Ctx) countedElems(oid uint64, count int64) []elem {
	all := x.allElems(oid, count)
	if int64(len(all)) != count {
		x.must(errCountMismatch)
	}
	return all
}

// cloneBytes copies b, never returning nil (an empty member is a member).
func cloneBytes(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

// scanElems walks the records of oid in hash order from cursor, as SCAN
// walks keys: it stops once count records were seen, but only at a hash
// boundary, and returns the cursor to resume from (the next hash + 1; 0
// when the walk is complete). A record present for the whole walk is
// returned at least once whatever is written meanwhile.
func (x *Ctx) scanElems(oid uint64, cursor uint64, count int, fn func(member, value []byte)) uint64 {
	if cursor > math.MaxUint32+1 {
		return 0
	}
	var start uint32
	if cursor > 0 {
		start = uint32(cursor - 1)
	}
	it := x.elemIter(oid)
	defer x.closeIter(it)
	seen := 0
	var last uint32
	for ok := it.SeekGE(hashBound(start)); ok; ok = it.Next() {
		h := subkeyHash(it.Key())
		if seen >= count && h != last {
			return uint64(h) + 1
		}
		fn(subkeyMember(it.Key()), it.Value())
		seen++
		last = h
	}
	return 0
}

// exactSample is the size up to which random picks read the whole
// collection and choose exactly uniformly; bigger ones seek to random
// hashes instead, unless the request is big enough that one pass over
// everything is cheaper.
const exactSample = 64

// pickSpread is how many records a random pick may step past after its
// seek. A record found by seeking to a random hash is as likely as the gap
// of hash space before it, and gaps between random hashes vary a lot;
// stepping a random 0..pickSpread-1 records further makes a record as
// likely as the average of the pickSpread gaps before it, which is within
// about 1/sqrt(pickSpread) of uniform.
const pickSpread = 32

// picker chooses random records of a big collection without reading it.
type picker struct {
	x  *Ctx
	it *storage.Iter
}

func (x *Ctx) newPicker(oid uint64) *picker { return &picker{x: x, it: x.elemIter(oid)} }

func (p *picker) close() { p.x.closeIter(p.it) }

// random positions on a random record.
func (p *picker) random() {
	p.seek()
	for range rand.IntN(pickSpread) {
		p.next()
	}
}

// seek positions on the record at or after a random hash, the first of
// the pickSpread records random chooses among.
func (p *picker) seek() {
	if !p.it.SeekGE(hashBound(rand.Uint32())) && !p.it.First() {
		p.x.must(errCountMismatch)
	}
}

// next moves to the following record, wrapping around.
func (p *picker) next() {
	if !p.it.Next() && !p.it.First() {
		p.x.must(errCountMismatch)
	}
}

// current copies the record the picker is on.
func (p *picker) current() elem {
	return elem{cloneBytes(subkeyMember(p.it.Key())), cloneBytes(p.it.Value())}
}

// randomElems picks n records at random, repeats allowed (the negative
// counts of SRANDMEMBER and HRANDFIELD), calling fn with each.
func (x *Ctx) randomElems(oid uint64, size, n int64, fn func(e elem)) {
	if size <= exactSample || n >= size {
		all := x.countedElems(oid, size)
		for range n {
			fn(all[rand.IntN(len(all))])
		}
		return
	}
	p := x.newPicker(oid)
	defer p.close()
	for range n {
		p.random()
		fn(p.current())
	}
}

// distinctElems picks n < size distinct records at random, in no
// particular order.
func (x *Ctx) distinctElems(oid uint64, size, n int64) []elem {
	switch {
	case size <= exactSample:
		all := x.countedElems(oid, size)
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:n]
	case n*4 >= size:
		return x.selectElems(oid, size, n)
	}
	// Few out of many: random seeks, stepping past records already taken.
	p := x.newPicker(oid)
	defer p.close()
	taken := make(map[string]bool, n)
	out := make([]elem, 0, n)
	for int64(len(out)) < n {
		p.random()
		for taken[string(subkeyMember(p.it.Key()))] {
			p.next()
		}
		e := p.current()
		taken[string(e.member)] = true
		out = append(out, e)
	}
	return out
}

// selectElems picks n of size records uniformly in one pass (Knuth's
// selection sampling): each record is taken with probability
// (still needed)/(still unseen). The result is in hash order, shuffled.
func (x *Ctx) selectElems(oid uint64, size, n int64) []elem {
	out := make([]elem, 0, n)
	seen := int64(0)
	x.eachElem(oid, func(member, value []byte) bool {
		if rand.Int64N(size-seen) < n-int64(len(out)) {
			out = append(out, elem{cloneBytes(member), cloneBytes(value)})
		}
		seen++
		return int64(len(out)) < n
	})
	if int64(len(out)) != n {
		x.must(errCountMismatch)
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
