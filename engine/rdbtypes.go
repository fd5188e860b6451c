package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/storage"
)

// Every data type converts between its Cairn records and the rdb
// package's neutral values through an rdbCodec, registered by the type's
// rdb file (rdbstring.go, ...). SAVE, BGSAVE and DUMP read keys through
// it; imports and RESTORE write through it.
type rdbCodec struct {
	// object presents a key's value to the encoder, reading its elements
	// lazily from r through the returned cursor (nil for strings), which
	// the caller closes once the value is written.
	object func(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error)
	// load writes a decoded value's elements and returns the key's meta
	// without its deadline; nil for an empty collection, which Redis skips.
	load func(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error)
}

// rdbLoadCtx is where a codec writes a decoded value: tx takes the
// elements, flush is called now and then so a bulk load commits as it goes
// (a no-op for RESTORE), and cfg's *-max-* settings decide the encoding
// OBJECT ENCODING reports, as Redis converts what it loads.
type rdbLoadCtx struct {
	tx    *storage.Tx
	flush func() error
	cfg   Config
	x     *Ctx // the command's context (RESTORE); nil in a bulk load
}

func (l *rdbLoadCtx) limits() rdb.Limits { return RDBLimits(l.cfg) }

// readHead reads a hash's or sorted set's first elements, up to limit+1 of
// them: enough to tell whether it fits a listpack. A member given twice
// fails with dup, as Redis refuses it. more reports whether the value may
// hold further elements.
func readHead(v *rdb.Value, limit int, dup error) (head []rdb.Elem, more bool, err error) {
	seen := map[string]bool{}
	for len(head) <= limit {
		e, ok, err := v.Next()
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return head, false, nil
		}
		if seen[string(e.Member)] {
			return nil, false, fmt.Errorf("%w %q", dup, e.Member)
		}
		seen[string(e.Member)] = true
		head = append(head, e)
	}
	return head, true, nil
}

// readRest hands the value's remaining elements to add, committing the
// load as it goes.
func (l *rdbLoadCtx) readRest(v *rdb.Value, add func(rdb.Elem)) error {
	for {
		if err := l.flush(); err != nil {
			return err
		}
		e, ok, err := v.Next()
		if err != nil || !ok {
			return err
		}
		add(e)
	}
}

// cmdCtx is a command context writing through l.tx, for family helpers
// written for commands: RESTORE's own, or one made for a bulk load. Such
// helpers must not Put keys: the loader stores the meta the codec returns.
func (l *rdbLoadCtx) cmdCtx() *Ctx {
	if l.x == nil {
		l.x = &Ctx{s: &Server{cfg: l.cfg}, txn: l.tx, shared: true, now: time.Now().UnixMilli()}
	}
	return l.x
}

// elemReader reads a key's elements: a Tx (DUMP) or a Snapshot (BGSAVE).
type elemReader interface {
	Iter(oid uint64, lower, upper []byte) (*storage.Iter, error)
}

var (
	rdbByType = map[storage.Type]*rdbCodec{} // for writing RDB
	rdbByKind = map[rdb.Kind]*rdbCodec{}     // for reading RDB
)

// registerRDB installs a type's codec.
func registerRDB(t storage.Type, k rdb.Kind, c *rdbCodec) {
	rdbByType[t] = c
	rdbByKind[k] = c
}

// errNoCodec reports a type Cairn cannot yet convert.
var errNoCodec = errors.New("type not supported by RDB conversion")

// rdbObject presents a key's value, with its meta m, to the encoder;
// close the cursor (it may be nil) once the value is written.
func rdbObject(r elemReader, m *storage.Meta) (*rdb.Object, *elemCursor, error) {
	c := rdbByType[m.Type]
	if c == nil {
		return nil, nil, fmt.Errorf("%w: %s", errNoCodec, m.Type)
	}
	return c.object(r, m)
}

// rdbLoad writes a decoded value and returns its meta (nil: empty).
func rdbLoad(l *rdbLoadCtx, v *rdb.Value) (*storage.Meta, error) {
	c := rdbByKind[v.Kind()]
	if c == nil {
		return nil, fmt.Errorf("%w: %s", errNoCodec, v.Kind())
	}
	return c.load(l, v)
}

// noFlush is the flush of loads that commit once (RESTORE).
func noFlush() error { return nil }

// iterRange calls fn with each record of object oid in [lower, upper).
func iterRange(r elemReader, oid uint64, lower, upper []byte, fn func(sub, val []byte) error) error {
	it, err := r.Iter(oid, lower, upper)
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}

// checkCount verifies that object oid has want records in [lower, upper):
// a bulk load writes a big collection without looking each element up, so
// a duplicate in the file shows as one record fewer than elements read.
// One ordered scan costs far less than a lookup per element.
func checkCount(tx *storage.Tx, oid uint64, lower, upper []byte, want int64, dup error) error {
	var n int64
	err := iterRange(tx, oid, lower, upper, func(_, _ []byte) error {
		n++
		return nil
	})
	if err == nil && n != want {
		err = dup
	}
	return err
}

// elemCursor hands out an object's elements one at a time for the
// encoder's Next, from an iterator it owns; decode turns a record into an
// element.
type elemCursor struct {
	it       *storage.Iter
	valid    bool
	closed   bool
	backward bool
	decode   func(sub, val []byte) (rdb.Elem, error)
}

// close releases the iterator; safe on nil and more than once.
func (c *elemCursor) close() error {
	if c == nil || c.closed {
		return nil
	}
	c.closed = true
	return c.it.Close()
}

func newElemCursor(r elemReader, oid uint64, lower, upper []byte, decode func(sub, val []byte) (rdb.Elem, error)) (*elemCursor, error) {
	it, err := r.Iter(oid, lower, upper)
	if err != nil {
		return nil, err
	}
	return &elemCursor{it: it, valid: it.First(), decode: decode}, nil
}

// fromLast makes c walk from the last element back.
func (c *elemCursor) fromLast() { c.backward, c.valid = true, c.it.Last() }

var errObjectShort = errors.New("object has fewer elements than its meta counts")

func (c *elemCursor) next() (rdb.Elem, error) {
	if !c.valid {
		err := c.close()
		if err == nil {
			err = errObjectShort
		}
		return rdb.Elem{}, err
	}
	e, err := c.decode(c.it.Key(), c.it.Value())
	if err != nil {
		return rdb.Elem{}, err
	}
	if c.backward {
		c.valid = c.it.Prev()
	} else {
		c.valid = c.it.Next()
	}
	return e, nil
}

// catchStorage runs a family helper that reports storage failures by
// panicking (as command code does) and returns the failure as an error.
func catchStorage(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(storageError)
			if !ok {
				panic(r)
			}
			err = se.err
		}
	}()
	fn()
	return nil
}
