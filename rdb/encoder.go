package rdb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Limits decide when a collection is written in a compact encoding; they
// are Redis's *-max-* settings and default to Redis 7.0's.
type Limits struct {
	HashListpackEntries int // hash-max-listpack-entries
	HashListpackValue   int // hash-max-listpack-value
	ZSetListpackEntries int // zset-max-listpack-entries
	ZSetListpackValue   int // zset-max-listpack-value
	SetIntsetEntries    int // set-max-intset-entries
	ListListpackSize    int // list-max-listpack-size (negative: -1..-5 = 4..64 KiB per node)
	StreamNodeEntries   int // stream-node-max-entries (0: unbounded)
	StreamNodeBytes     int // stream-node-max-bytes (0: unbounded)
}

// DefaultLimits are Redis 7.0's defaults.
func DefaultLimits() Limits {
	return Limits{
		HashListpackEntries: 512, HashListpackValue: 64,
		ZSetListpackEntries: 128, ZSetListpackValue: 64,
		SetIntsetEntries: 512, ListListpackSize: -2, StreamNodeEntries: 100, StreamNodeBytes: 4096,
	}
}

// Options control how values are written.
type Options struct {
	Compress bool // LZF-compress long strings (rdbcompression yes)
	Checksum bool // write the CRC-64 trailer (rdbchecksum yes); 0 otherwise
	Limits   Limits
}

// Object is a value to encode: a string whole, a collection read element
// by element (so a huge one never sits in memory), or a stream.
type Object struct {
	Kind   Kind
	String []byte
	// Len is the number of elements of a collection (pairs of a hash,
	// members of a sorted set); Next is called exactly Len times.
	Len  int64
	Next func() (Elem, error)
	// Stream is a stream's content.
	Stream *StreamObject
}

// StreamObject is a stream to encode: NextEntry is called Meta.Length
// times, in id order.
type StreamObject struct {
	Meta      StreamMeta
	NextEntry func() (StreamEntry, error)
	Groups    []StreamGroup
}

// KeyHeader is what precedes a value in a file.
type KeyHeader struct {
	Name   []byte
	Expire int64 // unix ms; -1 for none
	Idle   int64 // seconds since last access, written as IDLE; -1 for none
	Freq   int   // LFU counter, written as FREQ; -1 for none
}

// Encoder writes an RDB file.
type Encoder struct {
	bw   *bufio.Writer
	out  output
	opts Options
}

// NewEncoder writes an RDB file to w.
func NewEncoder(w io.Writer, opts Options) *Encoder {
	bw := bufio.NewWriterSize(w, 256<<10)
	return &Encoder{bw: bw, out: output{w: bw}, opts: opts}
}

// Written is the number of bytes written so far.
func (e *Encoder) Written() int64 { return e.out.n }

// Begin writes the header and the auxiliary fields (pairs of key, value).
func (e *Encoder) Begin(aux ...[2]string) error {
	e.out.write([]byte(fmt.Sprintf("REDIS%04d", Version)))
	for _, kv := range aux {
		e.out.byte(opAux)
		e.out.str([]byte(kv[0]), e.opts.Compress)
		e.out.str([]byte(kv[1]), e.opts.Compress)
	}
	return e.out.err
}

// Function writes a function library's source (FUNCTION2).
func (e *Encoder) Function(code []byte) error {
	e.out.byte(opFunction2)
	e.out.str(code, e.opts.Compress)
	return e.out.err
}

// SelectDB starts the keys of a database; keys and expires are the
// RESIZEDB hints.
func (e *Encoder) SelectDB(db int, keys, expires uint64) error {
	e.out.byte(opSelectDB)
	e.out.length(uint64(db))
	e.out.byte(opResizeDB)
	e.out.length(keys)
	e.out.length(expires)
	return e.out.err
}

// Key writes one key and its value.
func (e *Encoder) Key(h KeyHeader, obj *Object) error {
	if h.Expire != -1 {
		e.out.byte(opExpireTimeMs)
		e.out.millis(h.Expire)
	}
	if h.Idle >= 0 {
		e.out.byte(opIdle)
		e.out.length(uint64(h.Idle))
	} else if h.Freq >= 0 {
		e.out.byte(opFreq)
		e.out.byte(byte(min(h.Freq, 255)))
	}
	return writeObject(&e.out, h.Name, true, obj, e.opts)
}

// End writes EOF and the checksum, and flushes.
func (e *Encoder) End() error {
	e.out.byte(opEOF)
	var crc uint64
	if e.opts.Checksum {
		crc = e.out.crc
	}
	e.out.write(binary.LittleEndian.AppendUint64(nil, crc))
	if e.out.err != nil {
		return e.out.err
	}
	return e.bw.Flush()
}

// EncodeDump builds a DUMP payload: the value, the RDB version and the
// CRC-64 of both.
func EncodeDump(obj *Object, opts Options) ([]byte, error) {
	var buf bytes.Buffer
	o := &output{w: &buf}
	if err := writeObject(o, nil, false, obj, opts); err != nil {
		return nil, err
	}
	o.write(binary.LittleEndian.AppendUint16(nil, Version))
	o.write(binary.LittleEndian.AppendUint64(nil, o.crc))
	return buf.Bytes(), o.err
}

var errShortSource = errors.New("value has fewer elements than announced")

// writeObject writes the type byte, the key name (in files) and the value.
func writeObject(o *output, name []byte, withName bool, obj *Object, opts Options) error {
	head := func(t byte) {
		o.byte(t)
		if withName {
			o.str(name, opts.Compress)
		}
	}
	switch obj.Kind {
	case KindString:
		head(typeString)
		o.str(obj.String, opts.Compress)
	case KindList:
		return writeList(o, head, obj, opts)
	case KindSet:
		return writeSet(o, head, obj, opts)
	case KindHash:
		return writeHash(o, head, obj, opts)
	case KindZSet:
		return writeZSet(o, head, obj, opts)
	case KindStream:
		return writeStream(o, head, obj.Stream, opts)
	default:
		return fmt.Errorf("cannot encode a value of kind %s", obj.Kind)
	}
	return o.err
}

// collect reads up to limit elements of obj; all is true when that was
// every element.
func collect(obj *Object, limit int64) (elems []Elem, all bool, err error) {
	n := min(obj.Len, limit)
	for range n {
		e, err := obj.Next()
		if err != nil {
			return nil, false, err
		}
		elems = append(elems, e)
	}
	return elems, n == obj.Len, nil
}

// streamRest writes the elements after the buffered ones.
func streamRest(o *output, obj *Object, done int64, write func(Elem)) error {
	for i := done; i < obj.Len; i++ {
		e, err := obj.Next()
		if err != nil {
			return err
		}
		write(e)
		if o.err != nil {
			return o.err
		}
	}
	return o.err
}

// listBuffer bounds the list bytes held to pack a quicklist; a longer list
// is written as a plain list, which Redis re-packs as it loads.
const listBuffer = 1 << 20

func writeList(o *output, head func(byte), obj *Object, opts Options) error {
	var elems []Elem
	size := 0
	for int64(len(elems)) < obj.Len && size < listBuffer {
		e, err := obj.Next()
		if err != nil {
			return err
		}
		elems = append(elems, e)
		size += len(e.Member) + 11
	}
	if int64(len(elems)) < obj.Len {
		head(typeList)
		o.length(uint64(obj.Len))
		for _, e := range elems {
			o.str(e.Member, opts.Compress)
		}
		return streamRest(o, obj, int64(len(elems)), func(e Elem) { o.str(e.Member, opts.Compress) })
	}
	var nodes [][]byte
	lp := newListpackBuilder()
	for _, e := range elems {
		if lp.n > 0 && !nodeRoom(lp, e.Member, opts.Limits.ListListpackSize) {
			nodes = append(nodes, lp.finish())
			lp = newListpackBuilder()
		}
		lp.add(e.Member)
	}
	if lp.n > 0 {
		nodes = append(nodes, lp.finish())
	}
	head(typeListQuicklist2)
	o.length(uint64(len(nodes)))
	for _, n := range nodes {
		o.length(containerPacked)
		o.str(n, opts.Compress)
	}
	return o.err
}

// nodeRoom reports whether s joins the node lp when a list is pushed at
// its tail, as Redis's _quicklistNodeAllowInsert decides: from the node's
// size plus s's length plus 8 (its estimate of an entry's overhead), which
// a negative fill bounds at 4 to 64 KiB, a positive one at 8 KiB beside
// its count of elements (0: one element a node).
func nodeRoom(lp *listpackBuilder, s []byte, fill int) bool {
	size := lp.size() + len(s) + 8
	if fill < 0 {
		return size <= 4096<<min(-fill-1, 4)
	}
	return size <= 8192 && lp.n < fill
}

func writeSet(o *output, head func(byte), obj *Object, opts Options) error {
	elems, all, err := collect(obj, int64(opts.Limits.SetIntsetEntries))
	if err != nil {
		return err
	}
	if all {
		if blob, ok := intsetOf(elems); ok {
			head(typeSetIntset)
			o.str(blob, opts.Compress)
			return o.err
		}
	}
	head(typeSet)
	o.length(uint64(obj.Len))
	for _, e := range elems {
		o.str(e.Member, opts.Compress)
	}
	return streamRest(o, obj, int64(len(elems)), func(e Elem) { o.str(e.Member, opts.Compress) })
}

// intsetOf encodes members that are all integers as an intset.
func intsetOf(elems []Elem) ([]byte, bool) {
	vals := make([]int64, 0, len(elems))
	width := 2
	for _, e := range elems {
		v, ok := canonicalInt(e.Member)
		if !ok {
			return nil, false
		}
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			width = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
			width = 4
		}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	b := binary.LittleEndian.AppendUint32(nil, uint32(width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		for i := range width {
			b = append(b, byte(uint64(v)>>(8*i)))
		}
	}
	return b, true
}

func writeHash(o *output, head func(byte), obj *Object, opts Options) error {
	elems, all, err := collect(obj, int64(opts.Limits.HashListpackEntries))
	if err != nil {
		return err
	}
	if all && fitsListpack(elems, opts.Limits.HashListpackValue, true) {
		lp := newListpackBuilder()
		for _, e := range elems {
			lp.add(e.Member)
			lp.add(e.Value)
		}
		head(typeHashListpack)
		o.str(lp.finish(), opts.Compress)
		return o.err
	}
	head(typeHash)
	o.length(uint64(obj.Len))
	pair := func(e Elem) {
		o.str(e.Member, opts.Compress)
		o.str(e.Value, opts.Compress)
	}
	for _, e := range elems {
		pair(e)
	}
	return streamRest(o, obj, int64(len(elems)), pair)
}

func fitsListpack(elems []Elem, maxValue int, values bool) bool {
	for _, e := range elems {
		if len(e.Member) > maxValue || (values && len(e.Value) > maxValue) {
			return false
		}
	}
	return true
}

func writeZSet(o *output, head func(byte), obj *Object, opts Options) error {
	elems, all, err := collect(obj, int64(opts.Limits.ZSetListpackEntries))
	if err != nil {
		return err
	}
	for _, e := range elems {
		if math.IsNaN(e.Score) {
			return errors.New("NaN score")
		}
	}
	if all && fitsListpack(elems, opts.Limits.ZSetListpackValue, false) {
		slices.SortFunc(elems, func(a, b Elem) int {
			if a.Score != b.Score {
				if a.Score < b.Score {
					return -1
				}
				return 1
			}
			return bytes.Compare(a.Member, b.Member)
		})
		lp := newListpackBuilder()
		for _, e := range elems {
			lp.add(e.Member)
			addScore(lp, e.Score)
		}
		head(typeZSetListpack)
		o.str(lp.finish(), opts.Compress)
		return o.err
	}
	head(typeZSet2)
	o.length(uint64(obj.Len))
	member := func(e Elem) {
		o.str(e.Member, opts.Compress)
		o.write(binary.LittleEndian.AppendUint64(o.buf[:0], math.Float64bits(e.Score)))
	}
	for _, e := range elems {
		member(e)
	}
	var bad error
	err = streamRest(o, obj, int64(len(elems)), func(e Elem) {
		if math.IsNaN(e.Score) {
			bad = errors.New("NaN score")
		}
		member(e)
	})
	return errors.Join(err, bad)
}

// addScore stores a score as Redis does in a listpack: integral values
// up to LLONG_MAX/2 as integers (double2ll), the rest as %.17g text.
func addScore(lp *listpackBuilder, f float64) {
	switch {
	case f == math.Trunc(f) && math.Abs(f) <= math.MaxInt64/2:
		lp.addInt(int64(f))
	case math.IsInf(f, 1):
		lp.add([]byte("inf"))
	case math.IsInf(f, -1):
		lp.add([]byte("-inf"))
	default:
		lp.add(strconv.AppendFloat(nil, f, 'g', 17, 64))
	}
}
