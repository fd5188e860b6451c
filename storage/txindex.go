package storage

// posIndex finds a Tx's entries or element records by key once there are
// too many to scan: open addressing over their positions in the Tx's
// slice, with each key's hash kept beside it. A Go map here cost a
// pipeline of 16 GETs a map and 16 key strings, 13% of its CPU; this one
// lives as long as the pooled Tx and allocates only when it grows.
type posIndex struct {
	slots []posSlot // len is a power of two, or 0
	used  int       // 0: not in use, the caller scans
}

type posSlot struct {
	hash uint32
	pos  int32 // position + 1; 0 = empty
}

// largestKeptIndex bounds the table a released Tx keeps (32 KB: the
// 1024 element records it may keep, at half load), as release bounds the
// Tx's other storage: one huge MSET must not pin memory for good.
const largestKeptIndex = 1 << 12

// find returns the position whose key has hash and for which same is true.
func (x *posIndex) find(hash uint32, same func(pos int) bool) (int, bool) {
	mask := uint32(len(x.slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.pos == 0 {
			return -1, false
		}
		if s.hash == hash && same(int(s.pos-1)) {
			return int(s.pos - 1), true
		}
	}
}

// add indexes position pos, whose key has hash and is not indexed yet.
func (x *posIndex) add(hash uint32, pos int) {
	if 2*(x.used+1) > len(x.slots) {
		x.grow()
	}
	x.put(posSlot{hash: hash, pos: int32(pos + 1)})
	x.used++
}

func (x *posIndex) put(s posSlot) {
	mask := uint32(len(x.slots) - 1)
	i := s.hash & mask
	for x.slots[i].pos != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

func (x *posIndex) grow() {
	old := x.slots
	x.slots = make([]posSlot, max(64, 2*len(old)))
	for _, s := range old {
		if s.pos != 0 {
			x.put(s)
		}
	}
}

// reset empties the index for the Tx's next life.
func (x *posIndex) reset() {
	switch {
	case len(x.slots) > largestKeptIndex:
		x.slots = nil
	case x.used > 0:
		clear(x.slots)
	}
	x.used = 0
}
