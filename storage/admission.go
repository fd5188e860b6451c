package storage

import "sync/atomic"

// freqSketch estimates how often each key was looked up recently, so that
// a full hot cache admits a key only if it is wanted more than the entry it
// would push out (TinyLFU). Without it, every miss of a cold key evicts a
// hot one: under a skewed load on a dataset larger than the cache, most of
// the cache churns through keys read once.
//
// It is a count-min sketch of 4-bit counters, sixteen to a 64-bit word and
// eight per cached entry. A key counts in four counters of one word (one
// cache line per lookup) and its estimate is the smallest of them. After
// every `window` lookups all counters are halved, so the counts follow
// what is hot now, not what was hot an hour ago.
type freqSketch struct {
	words  []atomic.Uint64
	mask   uint32 // len(words) - 1
	window int64
	adds   atomic.Int64
}

// newFreqSketch sizes a sketch for a cache of about entries keys.
func newFreqSketch(entries int64) *freqSketch {
	n := uint32(1 << 8)
	for int64(n)*2 < entries && n < 1<<24 {
		n <<= 1
	}
	return &freqSketch{words: make([]atomic.Uint64, n), mask: n - 1, window: 10 * max(entries, 64)}
}

// slots returns the word of a key and the bit offsets of its four
// counters in it.
func (f *freqSketch) slots(hash uint32) (*atomic.Uint64, [4]uint32) {
	w := &f.words[fmix32(hash)&f.mask]
	// The counters within the word come from another hash of the key (the
	// top byte of a multiplicative one), one in each quarter of the word
	// so they never coincide.
	r := (hash * 0x9e3779b1) >> 24
	return w, [4]uint32{(r & 3) * 4, (4 + r>>2&3) * 4, (8 + r>>4&3) * 4, (12 + r>>6&3) * 4}
}

// add counts one lookup of the key.
func (f *freqSketch) add(hash uint32) {
	w, at := f.slots(hash)
	for {
		old := w.Load()
		next := old
		for _, s := range at {
			if next>>s&0xf != 0xf {
				next += 1 << s
			}
		}
		if next == old || w.CompareAndSwap(old, next) {
			break
		}
	}
	if f.adds.Add(1) == f.window {
		f.halve()
	}
}

// halve ages every counter. Increments racing with it may be lost, which
// only makes an estimate a little lower.
func (f *freqSketch) halve() {
	for i := range f.words {
		w := &f.words[i]
		for {
			old := w.Load()
			if w.CompareAndSwap(old, old>>1&0x7777777777777777) {
				break
			}
		}
	}
	f.adds.Store(0)
}

// bytes is the sketch's memory.
func (f *freqSketch) bytes() int64 { return int64(len(f.words)) * 8 }

// estimate is the key's recent lookup count, 0..15.
func (f *freqSketch) estimate(hash uint32) uint32 {
	w, at := f.slots(hash)
	v := w.Load()
	least := uint32(0xf)
	for _, s := range at {
		least = min(least, uint32(v>>s&0xf))
	}
	return least
}
