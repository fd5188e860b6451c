package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Handler receives what a file holds, in file order.
type Handler interface {
	// Aux is an auxiliary field (redis-ver, ctime, ...).
	Aux(key, value []byte) error
	// Function is a function library's source code (FUNCTION2).
	Function(code []byte) error
	// Key is a key and its value. The handler reads as much of v as it
	// wants before returning; the rest is skipped. v is valid only during
	// the call.
	Key(k *Key, v *Value) error
}

// Decoder reads an RDB file as a stream.
type Decoder struct {
	in      *input
	version int
	db      int
	key     *Key // the key being read, for errors
	noCRC   bool // the file's trailer was 0: written with rdbchecksum no
	// deep adds the checks Redis makes under sanitize-dump-payload yes
	// that reading does not need: listpack back-lengths, intset order.
	deep bool
}

// NewDecoder reads an RDB file from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{in: newInput(r)}
}

// Version is the file's RDB version, known once decoding has started.
func (d *Decoder) Version() int { return d.version }

// Offset is how many bytes have been consumed.
func (d *Decoder) Offset() int64 { return d.in.offset() }

// ChecksumSkipped reports a file written without a checksum.
func (d *Decoder) ChecksumSkipped() bool { return d.noCRC }

// wrap gives an error its position, once.
func (d *Decoder) wrap(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errTruncated
	}
	out := &Error{Offset: d.in.offset(), Err: err}
	if d.key != nil {
		out.DB, out.Key = d.key.DB, d.key.Name
	}
	return out
}

// Decode reads the whole file, calling h for what it holds, and checks
// the trailer.
func (d *Decoder) Decode(h Handler) error {
	if err := d.header(); err != nil {
		return d.wrap(err)
	}
	for {
		k := Key{Expire: -1, Idle: -1, Freq: -1, DB: d.db}
		op, err := d.in.readByte()
		if err != nil {
			return d.wrap(err)
		}
		// Opcodes that qualify the next key.
		for op == opExpireTime || op == opExpireTimeMs || op == opIdle || op == opFreq {
			if err := d.qualifier(op, &k); err != nil {
				return d.wrap(err)
			}
			if op, err = d.in.readByte(); err != nil {
				return d.wrap(err)
			}
		}
		switch op {
		case opEOF:
			return d.trailer()
		case opSelectDB:
			n, err := d.readLen()
			if err != nil {
				return d.wrap(err)
			}
			if n > 1<<31 {
				return d.wrap(fmt.Errorf("database %d out of range", n))
			}
			d.db = int(n)
		case opResizeDB:
			if _, err := d.readLen(); err != nil {
				return d.wrap(err)
			}
			if _, err := d.readLen(); err != nil {
				return d.wrap(err)
			}
		case opAux:
			key, err := d.readString()
			if err != nil {
				return d.wrap(err)
			}
			val, err := d.readString()
			if err != nil {
				return d.wrap(err)
			}
			if err := h.Aux(key, val); err != nil {
				return err
			}
		case opFunction2:
			code, err := d.readString()
			if err != nil {
				return d.wrap(err)
			}
			if err := h.Function(code); err != nil {
				return err
			}
		case opFunctionPre:
			return d.wrap(fmt.Errorf("%w: pre-release function format of Redis 7.0-rc", ErrUnsupported))
		case opModuleAux:
			return d.wrap(fmt.Errorf("%w: module auxiliary data", ErrUnsupported))
		default:
			if err := d.readKey(h, op, &k); err != nil {
				return err
			}
		}
	}
}

func (d *Decoder) header() error {
	var magic [9]byte
	if err := d.in.readFixed(magic[:]); err != nil {
		return fmt.Errorf("not an RDB file: %w", err)
	}
	if !bytes.Equal(magic[:5], []byte("REDIS")) {
		return fmt.Errorf("wrong signature %q: not an RDB file", magic[:5])
	}
	v, err := strconv.Atoi(string(magic[5:]))
	if err != nil || v < 0 {
		return fmt.Errorf("bad RDB version %q", magic[5:])
	}
	if v < MinVersion || v > MaxVersion {
		return fmt.Errorf("%w: RDB format version %d", ErrUnsupported, v)
	}
	d.version = v
	return nil
}

func (d *Decoder) qualifier(op byte, k *Key) error {
	switch op {
	case opExpireTime:
		var b [4]byte
		if err := d.in.readFixed(b[:]); err != nil {
			return err
		}
		k.Expire = int64(int32(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)) * 1000
	case opExpireTimeMs:
		ms, err := d.readMillis()
		if err != nil {
			return err
		}
		k.Expire = ms
	case opIdle:
		n, err := d.readLen()
		if err != nil {
			return err
		}
		k.Idle = int64(min(n, 1<<62))
	case opFreq:
		b, err := d.in.readByte()
		if err != nil {
			return err
		}
		k.Freq = int(b)
	}
	return nil
}

// trailer checks the CRC-64 that follows EOF (RDB 5 and later).
func (d *Decoder) trailer() error {
	if d.version < 5 {
		return nil
	}
	want := d.in.checksum()
	var b [8]byte
	if err := d.in.readFixed(b[:]); err != nil {
		return d.wrap(err)
	}
	got := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	if got == 0 {
		d.noCRC = true
		return nil
	}
	if got != want {
		return d.wrap(fmt.Errorf("%w: file says %016x, data gives %016x", ErrChecksum, got, want))
	}
	return nil
}

func (d *Decoder) readKey(h Handler, t byte, k *Key) error {
	kind, known := kindOf(t)
	if !known && t > typeStreamListpack3 && t < opFunction2 {
		// Not a key at all: the file is corrupt or from a newer Redis.
		return d.wrap(fmt.Errorf("%w: RDB type %d", ErrUnsupported, t))
	}
	name, err := d.readString()
	if err != nil {
		return d.wrap(err)
	}
	k.Name, k.Type, k.Kind = name, t, kind
	d.key = k
	defer func() { d.key = nil }()
	if !known {
		if t == typeModule2 || t == typeModulePreGA {
			return d.wrap(fmt.Errorf("%w: module type (RDB type %d)", ErrUnsupported, t))
		}
		return d.wrap(fmt.Errorf("%w: RDB type %d", ErrUnsupported, t))
	}
	v, err := d.openValue(t, kind)
	if err != nil {
		return d.wrap(err)
	}
	if err := h.Key(k, v); err != nil {
		return err
	}
	return v.drain()
}

// openValue reads a value's header: a string whole, a collection up to its
// first element.
func (d *Decoder) openValue(t byte, kind Kind) (*Value, error) {
	v := &Value{d: d, kind: kind}
	var err error
	switch t {
	case typeString:
		v.str, err = d.readString()
	case typeList, typeSet:
		var n uint64
		n, err = d.readLen()
		v.elems = &countedStrings{d: d, n: n}
	case typeHash:
		var n uint64
		n, err = d.readLen()
		v.elems = &countedPairs{d: d, n: n}
	case typeZSet, typeZSet2:
		var n uint64
		n, err = d.readLen()
		v.elems = &countedScores{d: d, n: n, binary: t == typeZSet2}
	case typeListQuicklist, typeListQuicklist2:
		var n uint64
		n, err = d.readLen()
		v.elems = &quicklist{d: d, nodes: n, v2: t == typeListQuicklist2}
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		var n uint64
		n, err = d.readLen()
		v.stream = &streamReader{d: d, typ: t, nodes: n}
	default:
		v.elems, err = d.openBlob(t, kind)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// openBlob reads a value stored as one compact blob.
func (d *Decoder) openBlob(t byte, kind Kind) (elemSource, error) {
	blob, err := d.readString()
	if err != nil {
		return nil, err
	}
	var r blobReader
	switch t {
	case typeHashZipmap:
		r, err = newZipmap(blob)
	case typeListZiplist, typeZSetZiplist, typeHashZiplist:
		r, err = newZiplist(blob)
	case typeSetIntset:
		r, err = newIntset(blob, d.deep)
	default: // the listpack types
		r, err = newListpack(blob, d.deep)
	}
	if err != nil {
		return nil, err
	}
	return &blobElems{r: r, kind: kind}, nil
}
