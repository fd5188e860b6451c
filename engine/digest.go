package engine

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/resp"
	"github.com/cairndb/cairn/storage"
)

// DEBUG DIGEST and DIGEST-VALUE hash content the way Redis does, so a
// digest taken from Cairn equals Redis's for the same data (tests compare
// a key with its COPY, a dataset before and after DEBUG RELOAD, or Cairn
// with Redis):
//   - xor(d, b): d ^= SHA1(b); mix(d, b): d = SHA1(d ^ SHA1(b)), which
//     keeps order;
//   - a value: mix its type code (4 bytes, big-endian), then strings and
//     list elements are mixed in order, set members xored, each hash pair
//     and sorted-set member (score as %.17g) mixed into a digest of its
//     own that is xored in, and each stream entry's "ms.seq" id then its
//     fields and values mixed in; a deadline xors "!!expire!!";
//   - a dataset: per non-empty database, mix its number (4 bytes,
//     big-endian), then xor in each key's digest: its name mixed, then
//     its value's.
type digest [sha1.Size]byte

func (d *digest) xor(b []byte) {
	h := sha1.Sum(b)
	for i := range d {
		d[i] ^= h[i]
	}
}

func (d *digest) mix(b []byte) {
	d.xor(b)
	*d = sha1.Sum(d[:])
}

func (d *digest) mixUint32(v uint32) {
	d.mix([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (d *digest) String() string { return hex.EncodeToString(d[:]) }

// redisTypeCodes are Redis's object type numbers (OBJ_STRING ...).
var redisTypeCodes = map[rdb.Kind]uint32{
	rdb.KindString: 0, rdb.KindList: 1, rdb.KindSet: 2, rdb.KindZSet: 3, rdb.KindHash: 4, rdb.KindStream: 6,
}

// mixValue mixes the value of a key with meta m into d, reading its
// elements from r.
func (d *digest) mixValue(r elemReader, m *storage.Meta) error {
	obj, cur, err := rdbObject(r, m)
	if err != nil {
		return err
	}
	defer cur.close()
	d.mixUint32(redisTypeCodes[obj.Kind])
	switch obj.Kind {
	case rdb.KindString:
		d.mix(obj.String)
	case rdb.KindStream:
		var id []byte
		for range obj.Stream.Meta.Length {
			e, err := obj.Stream.NextEntry()
			if err != nil {
				return err
			}
			id = strconv.AppendUint(id[:0], e.ID.Ms, 10)
			id = strconv.AppendUint(append(id, '.'), e.ID.Seq, 10)
			d.mix(id)
			for _, f := range e.Fields {
				d.mix(f)
			}
		}
	default:
		var score []byte
		for range obj.Len {
			e, err := obj.Next()
			if err != nil {
				return err
			}
			switch obj.Kind {
			case rdb.KindList:
				d.mix(e.Member)
			case rdb.KindSet:
				d.xor(e.Member)
			case rdb.KindHash, rdb.KindZSet:
				var pair digest
				pair.mix(e.Member)
				if obj.Kind == rdb.KindHash {
					pair.mix(e.Value)
				} else {
					score = resp.AppendDouble(score[:0], e.Score)
					pair.mix(score)
				}
				d.xor(pair[:])
			}
		}
	}
	if m.Expire != 0 {
		d.xor([]byte("!!expire!!"))
	}
	return nil
}

// datasetDigest is DEBUG DIGEST's: every live key of every database in
// the snapshot; all zeros when there is none.
func datasetDigest(snap *storage.Snapshot, now int64) (digest, error) {
	var final digest
	err := walkLiveKeys(snap, now, func(db int, first bool, key []byte, m *storage.Meta) error {
		if first {
			final.mixUint32(uint32(db))
		}
		var d digest
		d.mix(key)
		if err := d.mixValue(snap, m); err != nil {
			return err
		}
		final.xor(d[:])
		return nil
	})
	if err != nil {
		return digest{}, err
	}
	return final, nil
}

// debugDigest is DEBUG DIGEST.
func debugDigest(x *Ctx) {
	snap := x.s.snapshot()
	defer snap.Close()
	d, err := datasetDigest(snap, x.now)
	x.must(err)
	x.w.Simple(d.String())
}

// debugDigestValue is DEBUG DIGEST-VALUE key...: each key's value digest,
// all zeros for a missing key. As in Redis, a key past its deadline that
// is still stored counts.
func debugDigestValue(x *Ctx) {
	keys := x.args[2:]
	x.w.Array(len(keys))
	for _, key := range keys {
		var d digest
		m, err := x.tx().Peek(x.db, key)
		x.must(err)
		if m != nil {
			x.must(d.mixValue(x.tx(), m))
		}
		x.w.Simple(d.String())
	}
}
