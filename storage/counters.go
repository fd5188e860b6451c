package storage

import (
	"encoding/binary"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// Key counters are kept as Pebble merge operands (little-endian int64
// deltas that add up), so concurrent transactions update them without a
// read-modify-write and in the same batch as the keys they count.
var counterMerger = &pebble.Merger{
	Name: "cairn.counter.v1",
	Merge: func(key, value []byte) (pebble.ValueMerger, error) {
		return &counterSum{sum: decodeCounter(value)}, nil
	},
}

type counterSum struct{ sum int64 }

func (c *counterSum) MergeNewer(v []byte) error { c.sum += decodeCounter(v); return nil }
func (c *counterSum) MergeOlder(v []byte) error { c.sum += decodeCounter(v); return nil }
func (c *counterSum) Finish(bool) ([]byte, io.Closer, error) {
	return encodeCounter(c.sum), nil, nil
}

func encodeCounter(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

func decodeCounter(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(b))
}
