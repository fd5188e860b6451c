package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "pfadd", run: cmdPFAdd},
		cmdDef{name: "pfcount", run: cmdPFCount},
		cmdDef{name: "pfmerge", run: cmdPFMerge},
		cmdDef{name: "pfdebug", run: cmdPFDebug},
		cmdDef{name: "pfselftest", run: cmdPFSelfTest},
	)
}

// hllOf returns a private copy of the HLL a key holds, replying Redis's
// error when it is not a string or not a valid HLL.
func (x *Ctx) hllOf(m *storage.Meta) (*hll, bool) {
	if m.Type != storage.TypeString {
		x.fail(errWrongType)
		return nil, false
	}
	// Check the header before reading what may be a long string.
	if size := stringLen(m); size < hllHdrSize || !validHLL(x.stringRange(m, 0, hllHdrSize), size) {
		x.fail(errNotHLL)
		return nil, false
	}
	return &hll{bytes.Clone(x.stringBytes(m))}, true
}

// putHLL stages h as key's value, keeping the key's deadline. The caller
// signals the change when Redis would.
func (x *Ctx) putHLL(key []byte, old *storage.Meta, h *hll) {
	var expire int64
	if old != nil {
		expire = old.Expire
	} else {
		x.notify(classNew, "new", key)
	}
	x.must(x.tx().Put(x.db, key, x.newString(h.b, expire, encStringRaw)))
}

func (x *Ctx) hllSparseMax() int64 { return x.s.cfg.Int("hll-sparse-max-bytes") }

func cmdPFAdd(x *Ctx) {
	key := x.args[1]
	m := x.lookup(x.db, key)
	h, updated := newHLL(), true
	if m != nil {
		if x.denseUnchanged(m, x.args[2:]) {
			x.makeRaw(key, m)
			x.w.Int(0)
			return
		}
		var ok bool
		if h, ok = x.hllOf(m); !ok {
			return
		}
		updated = false
	}
	maxSparse := x.hllSparseMax()
	for _, elem := range x.args[2:] {
		switch h.add(elem, maxSparse) {
		case 1:
			updated = true
		case -1:
			// Redis keeps the registers it set before meeting the damage.
			x.putHLL(key, m, h)
			x.fail(errCorruptHLL)
			return
		}
	}
	if !updated {
		x.makeRaw(key, m)
		x.w.Int(0)
		return
	}
	h.invalidateCache()
	x.putHLL(key, m, h)
	x.signalModified(key)
	x.notify(classString, "pfadd", key)
	x.w.Int(1)
}

// denseUnchanged reports whether m is a valid dense HLL none of whose
// registers elems would raise: most PFADDs to a counter that has seen
// many elements change nothing, and reading the registers in place spares
// them a copy of the 12 KB value.
func (x *Ctx) denseUnchanged(m *storage.Meta, elems [][]byte) bool {
	if m.Type != storage.TypeString || m.OID != 0 || !validHLL(m.Value, int64(len(m.Value))) || m.Value[4] != hllDense {
		return false
	}
	regs := m.Value[hllHdrSize:]
	for _, elem := range elems {
		if index, count := hllHash(elem); count > denseGet(regs, index) {
			return false
		}
	}
	return true
}

func cmdPFCount(x *Ctx) {
	if len(x.args) > 2 {
		var regs [hllRegisters]uint8
		for _, key := range x.args[1:] {
			m := x.read(key)
			if m == nil {
				continue
			}
			h, ok := x.hllOf(m)
			if !ok {
				return
			}
			if !h.mergeInto(&regs) {
				x.fail(errCorruptHLL)
				return
			}
		}
		x.w.Int(int64(estimate(rawHistogram(&regs))))
		return
	}
	key := x.args[1]
	m := x.read(key)
	if m == nil {
		x.w.Int(0)
		return
	}
	h, ok := x.hllOf(m)
	if !ok {
		return
	}
	m = x.makeRaw(key, m)
	if h.cacheValid() {
		x.w.Int(int64(h.cachedCard()))
		return
	}
	histo, ok := h.histogram()
	if !ok {
		x.fail(errCorruptHLL)
		return
	}
	// The count is cached in the value: a write, as in Redis, though
	// PFCOUNT counts as a read-only command.
	card := estimate(histo)
	h.setCachedCard(card)
	x.putHLL(key, m, h)
	x.signalModified(key)
	x.w.Int(int64(card))
}

func cmdPFMerge(x *Ctx) {
	var regs [hllRegisters]uint8
	dense := false
	for _, key := range x.args[1:] {
		m := x.read(key)
		if m == nil {
			continue
		}
		h, ok := x.hllOf(m)
		if !ok {
			return
		}
		dense = dense || h.encoding() == hllDense
		if !h.mergeInto(&regs) {
			x.fail(errCorruptHLL)
			return
		}
	}
	dest := x.args[1]
	m := x.lookup(x.db, dest)
	h := newHLL()
	if m != nil {
		var ok bool
		if h, ok = x.hllOf(m); !ok {
			return
		}
	}
	// A dense input makes the result dense at once, as in Redis.
	if dense && !h.toDense() {
		x.fail(errCorruptHLL)
		return
	}
	maxSparse := x.hllSparseMax()
	for i, v := range regs {
		if v != 0 {
			h.set(i, v, maxSparse)
		}
	}
	h.invalidateCache()
	x.putHLL(dest, m, h)
	x.signalModified(dest)
	x.notify(classString, "pfadd", dest)
	x.w.OK()
}

func cmdPFDebug(x *Ctx) {
	sub, key := x.args[1], x.args[2]
	m := x.lookup(x.db, key)
	if m == nil {
		x.fail("ERR The specified key does not exist")
		return
	}
	h, ok := x.hllOf(m)
	if !ok {
		return
	}
	m = x.makeRaw(key, m)
	switch {
	case eq(sub, "getreg"):
		if h.encoding() == hllSparse {
			if !h.toDense() {
				x.fail(errCorruptHLL)
				return
			}
			x.putHLL(key, m, h)
		}
		x.w.Array(hllRegisters)
		for i := range hllRegisters {
			x.w.Int(int64(denseGet(h.b[hllHdrSize:], i)))
		}
	case eq(sub, "decode"):
		if h.encoding() != hllSparse {
			x.fail("ERR HLL encoding is not sparse")
			return
		}
		x.w.Bulk(h.decode())
	case eq(sub, "encoding"):
		x.w.Simple([]string{"dense", "sparse"}[h.encoding()])
	case eq(sub, "todense"):
		if h.encoding() == hllDense {
			x.w.Int(0)
			return
		}
		if !h.toDense() {
			x.fail(errCorruptHLL)
			return
		}
		x.putHLL(key, m, h)
		x.w.Int(1)
	default:
		x.failf("ERR Unknown PFDEBUG subcommand '%s'", sub)
	}
}

// decode lists a sparse HLL's opcodes as PFDEBUG DECODE shows them.
func (h *hll) decode() []byte {
	var out []byte
	for p := hllHdrSize; p < len(h.b); {
		span, value, size := sparseOp(h.b, p)
		switch {
		case value != 0:
			out = fmt.Appendf(out, "v:%d,%d ", value, span)
		case size == 2:
			out = fmt.Appendf(out, "Z:%d ", span)
		default:
			out = fmt.Appendf(out, "z:%d ", span)
		}
		p += size
	}
	return bytes.TrimRight(out, " ")
}

// cmdPFSelfTest checks this implementation: dense registers keep what is
// written to them without disturbing their neighbours, and counting up
// to ten million distinct elements a sparse and a dense HLL agree and
// stay within six standard errors of the truth.
func cmdPFSelfTest(x *Ctx) {
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	regs := make([]byte, hllDenseSize-hllHdrSize)
	var want [hllRegisters]uint8
	for range 64 {
		for i := range want {
			want[i] = uint8(r.IntN(hllRegMax + 1))
			denseSet(regs, i, want[i])
		}
		for i, v := range want {
			if got := denseGet(regs, i); got != v {
				x.failf("ERR TESTFAILED Register %d should be %d but is %d", i, v, got)
				return
			}
		}
	}
	dense := newHLL()
	dense.toDense()
	sparse := newHLL()
	maxSparse := x.hllSparseMax()
	relErr := 1.04 / math.Sqrt(hllRegisters)
	seed := r.Uint64()
	checkpoint := int64(1)
	var elem [8]byte
	for j := int64(1); j <= 10_000_000; j++ {
		binary.LittleEndian.PutUint64(elem[:], uint64(j)^seed)
		dense.add(elem[:], maxSparse)
		sparse.add(elem[:], maxSparse)
		if j != checkpoint {
			continue
		}
		if j < maxSparse/2 && sparse.encoding() != hllSparse {
			x.fail("ERR TESTFAILED sparse encoding not used")
			return
		}
		dh, _ := dense.histogram()
		sh, _ := sparse.histogram()
		card := int64(estimate(dh))
		if card != int64(estimate(sh)) {
			x.fail("ERR TESTFAILED dense/sparse disagree")
			return
		}
		maxErr := int64(math.Ceil(relErr * 6 * float64(j)))
		if j == 10 {
			maxErr = 1 // collisions make larger errors likely at this size
		}
		if abs := max(j-card, card-j); abs > maxErr {
			x.failf("ERR TESTFAILED Too big error. card:%d abserr:%d", j, abs)
			return
		}
		checkpoint *= 10
	}
	x.w.OK()
}
