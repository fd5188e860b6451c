package rdb

import (
	"errors"
	"fmt"
	"math"
)

// Key is what the decoder knows about a key before its value.
type Key struct {
	DB     int
	Name   []byte
	Expire int64 // unix ms; -1 when the key has no expiry
	Idle   int64 // seconds since last access (IDLE opcode); -1 when absent
	Freq   int   // LFU counter (FREQ opcode); -1 when absent
	Type   byte  // RDB object type code
	Kind   Kind
}

// Value is a key's value as the decoder reads it: a string whole, a
// collection element by element, a stream entry by entry. A handler reads
// as much as it wants; whatever it leaves is skipped.
type Value struct {
	d      *Decoder
	kind   Kind
	str    []byte
	elems  elemSource
	stream *streamReader
	err    error
}

// Kind is the value's data type.
func (v *Value) Kind() Kind { return v.kind }

// Bytes is a string value.
func (v *Value) Bytes() []byte { return v.str }

// Next returns the next element of a list, set, hash or sorted set, in
// file order; ok is false at the end. The slices stay valid.
func (v *Value) Next() (e Elem, ok bool, err error) {
	if v.err != nil {
		return Elem{}, false, v.err
	}
	if v.elems == nil {
		return Elem{}, false, nil
	}
	e, ok, err = v.elems.next()
	if err != nil {
		v.err = v.d.wrap(err)
		return Elem{}, false, v.err
	}
	if !ok {
		v.elems = nil
	}
	return e, ok, nil
}

// drain reads whatever the handler left, so the decoder reaches the next
// key and every byte is checked.
func (v *Value) drain() error {
	if v.stream != nil {
		if _, err := v.StreamMeta(); err != nil {
			return err
		}
		for {
			_, ok, err := v.NextGroup()
			if err != nil || !ok {
				return err
			}
		}
	}
	for {
		_, ok, err := v.Next()
		if err != nil || !ok {
			return err
		}
	}
}

// elemSource yields a collection's elements from one encoding.
type elemSource interface {
	next() (Elem, bool, error)
}

// countedStrings reads n plain strings (LIST, SET).
type countedStrings struct {
	d *Decoder
	n uint64
}

func (s *countedStrings) next() (Elem, bool, error) {
	if s.n == 0 {
		return Elem{}, false, nil
	}
	s.n--
	m, err := s.d.readString()
	return Elem{Member: m}, err == nil, err
}

// countedPairs reads n field/value string pairs (HASH).
type countedPairs struct {
	d *Decoder
	n uint64
}

func (s *countedPairs) next() (Elem, bool, error) {
	if s.n == 0 {
		return Elem{}, false, nil
	}
	s.n--
	f, err := s.d.readString()
	if err != nil {
		return Elem{}, false, err
	}
	v, err := s.d.readString()
	return Elem{Member: f, Value: v}, err == nil, err
}

// countedScores reads n member/score pairs (ZSET, ZSET_2).
type countedScores struct {
	d      *Decoder
	n      uint64
	binary bool
}

func (s *countedScores) next() (Elem, bool, error) {
	if s.n == 0 {
		return Elem{}, false, nil
	}
	s.n--
	m, err := s.d.readString()
	if err != nil {
		return Elem{}, false, err
	}
	var score float64
	if s.binary {
		score, err = s.d.readBinaryDouble()
	} else {
		score, err = s.d.readTextDouble()
	}
	if err == nil && math.IsNaN(score) {
		err = errors.New("NaN score")
	}
	return Elem{Member: m, Score: score}, err == nil, err
}

// blobElems turns a blob's entries into elements: singles (list, set),
// pairs (hash) or member/score pairs (zset).
type blobElems struct {
	r    blobReader
	kind Kind
}

func (s *blobElems) next() (Elem, bool, error) {
	first, ok, err := s.r.next()
	if err != nil || !ok {
		return Elem{}, false, err
	}
	if s.kind != KindHash && s.kind != KindZSet {
		return Elem{Member: first.bytes()}, true, nil
	}
	second, ok, err := s.r.next()
	if err != nil {
		return Elem{}, false, err
	}
	if !ok {
		return Elem{}, false, fmt.Errorf("odd number of entries in a %s", s.kind)
	}
	if s.kind == KindHash {
		return Elem{Member: first.bytes(), Value: second.bytes()}, true, nil
	}
	score := float64(second.num)
	if !second.isInt {
		if score = listpackScore(second.str); math.IsNaN(score) {
			return Elem{}, false, errors.New("NaN score")
		}
	}
	return Elem{Member: first.bytes(), Score: score}, true, nil
}

// quicklist reads a list stored as nodes: ziplists (v1) or, in v2, each
// node a listpack (packed) or a single element (plain).
type quicklist struct {
	d     *Decoder
	nodes uint64
	v2    bool
	cur   blobReader
}

const (
	containerPlain  = 1
	containerPacked = 2
)

func (q *quicklist) next() (Elem, bool, error) {
	for {
		if q.cur != nil {
			e, ok, err := q.cur.next()
			if err != nil || ok {
				return Elem{Member: e.bytes()}, ok, err
			}
			q.cur = nil
		}
		if q.nodes == 0 {
			return Elem{}, false, nil
		}
		q.nodes--
		container := uint64(containerPacked)
		if q.v2 {
			var err error
			if container, err = q.d.readLen(); err != nil {
				return Elem{}, false, err
			}
			if container != containerPlain && container != containerPacked {
				return Elem{}, false, fmt.Errorf("unknown quicklist container %d", container)
			}
		}
		blob, err := q.d.readString()
		if err != nil {
			return Elem{}, false, err
		}
		if container == containerPlain {
			return Elem{Member: blob}, true, nil
		}
		if q.v2 {
			lp, err := newListpack(blob, q.d.deep)
			if err != nil {
				return Elem{}, false, err
			}
			q.cur = lp
		} else {
			zl, err := newZiplist(blob)
			if err != nil {
				return Elem{}, false, err
			}
			q.cur = zl
		}
		// Redis skips empty nodes silently; so do we (the loop goes on).
	}
}
