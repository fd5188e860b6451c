package engine

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// sliceKeySet is a raxKeySet over a sorted slice.
type sliceKeySet struct{ keys [][]byte }

func (s *sliceKeySet) seekGE(k []byte) []byte {
	i, _ := slices.BinarySearchFunc(s.keys, k, bytes.Compare)
	if i == len(s.keys) {
		return nil
	}
	return s.keys[i]
}

func (s *sliceKeySet) seekLT(k []byte) []byte {
	i, _ := slices.BinarySearchFunc(s.keys, k, bytes.Compare)
	if i == 0 {
		return nil
	}
	return s.keys[i-1]
}

func (s *sliceKeySet) first() []byte { return s.keys[0] }
func (s *sliceKeySet) last() []byte  { return s.keys[len(s.keys)-1] }

func (s *sliceKeySet) insert(k []byte) {
	i, _ := slices.BinarySearchFunc(s.keys, k, bytes.Compare)
	s.keys = slices.Insert(s.keys, i, k)
}

func (s *sliceKeySet) remove(k []byte) {
	i, _ := slices.BinarySearchFunc(s.keys, k, bytes.Compare)
	s.keys = slices.Delete(s.keys, i, i+1)
}

// bruteRax builds the canonical compressed trie over sorted keys and
// counts its nodes the obvious way: one per branch point and leaf, one
// more per edge longer than a byte, the root absorbing its own edge.
func bruteRax(keys [][]byte) int64 {
	if len(keys) == 0 {
		return 1
	}
	groups := func(ks [][]byte, d int, fn func([][]byte)) {
		for i := 0; i < len(ks); {
			j := i
			for j < len(ks) && ks[j][d] == ks[i][d] {
				j++
			}
			fn(ks[i:j])
			i = j
		}
	}
	var sub func(ks [][]byte, parent int) int64
	sub = func(ks [][]byte, parent int) int64 {
		d := raxKeyLen
		if len(ks) > 1 {
			d = lcp(ks[0], ks[len(ks)-1])
		}
		n := raxEdge(parent, d)
		if len(ks) > 1 {
			groups(ks, d, func(g [][]byte) { n += sub(g, d) })
		}
		return n
	}
	top := raxKeyLen
	if len(keys) > 1 {
		top = lcp(keys[0], keys[len(keys)-1])
	}
	if top == 0 {
		var n int64 = 1
		groups(keys, 0, func(g [][]byte) { n += sub(g, 0) })
		return n
	}
	n := 1 + sub(keys, 0)
	if top > 1 {
		n--
	}
	return n
}

func idKey(ms, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, ms), seq)
}

// Counts Redis 7.0 reported for the same keys (XINFO STREAM with
// stream-node-max-entries 1).
func TestRaxNodesMatchRedis(t *testing.T) {
	set := &sliceKeySet{}
	var nodes int64 = 1
	add := func(k []byte) {
		nodes += raxInsertDelta(set, uint64(len(set.keys)), k)
		set.insert(k)
	}
	del := func(k []byte) {
		set.remove(k)
		nodes -= raxInsertDelta(set, uint64(len(set.keys)), k)
	}
	add(idKey(1, 1))
	want := []int64{6, 8, 11, 14, 17, 21, 25}
	for i, ms := range []uint64{2, 3, 256, 257, 65536, 65537, 4294967296} {
		add(idKey(ms, 0))
		if nodes != want[i] {
			t.Fatalf("after adding %d-0: %d nodes, Redis has %d", ms, nodes, want[i])
		}
	}
	del(idKey(256, 0))
	if nodes != 22 {
		t.Fatalf("after deleting 256-0: %d nodes, Redis has 22", nodes)
	}
	del(idKey(1, 1))
	if nodes != 20 {
		t.Fatalf("after deleting 1-1: %d nodes, Redis has 20", nodes)
	}
}

func TestRaxInsertDeltaMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randomKey := func() []byte {
		switch r.IntN(4) {
		case 0: // close to other keys: long shared prefixes
			return idKey(uint64(r.IntN(300)), uint64(r.IntN(3)))
		case 1:
			return idKey(1700000000000+uint64(r.IntN(100000)), uint64(r.IntN(2)))
		case 2:
			return idKey(r.Uint64(), r.Uint64())
		}
		k := make([]byte, raxKeyLen)
		for i := range k {
			k[i] = byte(r.IntN(3)) * 0x7f
		}
		return k
	}
	for round := 0; round < 200; round++ {
		set := &sliceKeySet{}
		nodes := int64(1)
		for step := 0; step < 60; step++ {
			k := randomKey()
			_, present := slices.BinarySearchFunc(set.keys, k, bytes.Compare)
			if present && len(set.keys) > 0 {
				set.remove(k)
				nodes -= raxInsertDelta(set, uint64(len(set.keys)), k)
			} else if !present {
				nodes += raxInsertDelta(set, uint64(len(set.keys)), k)
				set.insert(k)
			}
			if want := bruteRax(set.keys); nodes != want {
				t.Fatalf("round %d step %d: incremental count %d, trie has %d (%d keys)", round, step, nodes, want, len(set.keys))
			}
		}
	}
}
