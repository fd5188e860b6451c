package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
)

// streamID is a stream entry ID: milliseconds and a sequence number.
type streamID struct{ ms, seq uint64 }

var maxStreamID = streamID{math.MaxUint64, math.MaxUint64}

const errInvalidStreamID = "ERR Invalid stream ID specified as stream command argument"

func (a streamID) cmp(b streamID) int {
	switch {
	case a.ms < b.ms:
		return -1
	case a.ms > b.ms:
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (a streamID) isZero() bool { return a.ms == 0 && a.seq == 0 }

// next is the smallest ID after a; false when a is the last possible ID.
func (a streamID) next() (streamID, bool) {
	switch {
	case a.seq < math.MaxUint64:
		return streamID{a.ms, a.seq + 1}, true
	case a.ms < math.MaxUint64:
		return streamID{a.ms + 1, 0}, true
	}
	return streamID{}, false
}

// prev is the largest ID before a; false when a is 0-0.
func (a streamID) prev() (streamID, bool) {
	switch {
	case a.seq > 0:
		return streamID{a.ms, a.seq - 1}, true
	case a.ms > 0:
		return streamID{a.ms - 1, math.MaxUint64}, true
	}
	return maxStreamID, false
}

func (a streamID) String() string { return string(a.appendTo(nil)) }

func (a streamID) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, a.ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, a.seq, 10)
}

// encode is the 16-byte big-endian form: bytewise order is ID order.
func (a streamID) encode(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, a.ms)
	return binary.BigEndian.AppendUint64(b, a.seq)
}

func decodeStreamID(b []byte) streamID {
	return streamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// idSpec says how an ID argument may be written.
type idSpec struct {
	strict     bool   // "-" and "+" are not IDs
	missingSeq uint64 // sequence of an ID given as just "<ms>"
	seqAuto    bool   // "<ms>-*" is allowed (XADD)
}

// parsedID is an ID argument; seqGiven is false for "<ms>-*".
type parsedID struct {
	id       streamID
	seqGiven bool
}

// parseStreamID reads an ID argument the way Redis does: the argument is
// a C string (it ends at a NUL byte), at most 127 bytes, "<ms>[-<seq>]"
// with each part an unsigned 64-bit number as strtoull accepts it.
func parseStreamID(arg []byte, spec idSpec) (parsedID, bool) {
	if len(arg) > 127 {
		return parsedID{}, false
	}
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) == 1 && (arg[0] == '-' || arg[0] == '+') {
		if spec.strict {
			return parsedID{}, false
		}
		if arg[0] == '-' {
			return parsedID{streamID{}, true}, true
		}
		return parsedID{maxStreamID, true}, true
	}
	msPart, seqPart, hasSeq := bytes.Cut(arg, []byte{'-'})
	ms, ok := parseUnsigned(msPart)
	if !ok {
		return parsedID{}, false
	}
	if !hasSeq {
		return parsedID{streamID{ms, spec.missingSeq}, true}, true
	}
	if spec.seqAuto && len(seqPart) == 1 && seqPart[0] == '*' {
		return parsedID{streamID{ms, 0}, false}, true
	}
	seq, ok := parseUnsigned(seqPart)
	if !ok {
		return parsedID{}, false
	}
	return parsedID{streamID{ms, seq}, true}, true
}

// parseUnsigned is Redis's string2ull: a strict signed integer that must
// not be negative, or else whatever strtoull accepts whole (leading
// spaces, a sign, leading zeros; "-n" wraps around).
func parseUnsigned(b []byte) (uint64, bool) {
	if n, ok := parseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// idArg parses argument i as an ID, replying Redis's error if it is not one.
func (x *Ctx) idArg(i int, spec idSpec) (streamID, bool) { return x.parseID(x.args[i], spec) }

// parseID parses an ID, replying Redis's error if it is not one.
func (x *Ctx) parseID(arg []byte, spec idSpec) (streamID, bool) {
	p, ok := parseStreamID(arg, spec)
	if !ok {
		x.fail(errInvalidStreamID)
	}
	return p.id, ok
}

// intervalArg parses a range bound: an ID, or "(" and a strict ID for an
// exclusive bound (XRANGE, XPENDING, XAUTOCLAIM); exclusive bounds are
// turned into the inclusive ID next to them.
func (x *Ctx) intervalArg(i int, missingSeq uint64, start bool) (streamID, bool) {
	arg := x.args[i]
	if len(arg) > 1 && arg[0] == '(' {
		p, ok := parseStreamID(arg[1:], idSpec{strict: true, missingSeq: missingSeq})
		if !ok {
			x.fail(errInvalidStreamID)
			return streamID{}, false
		}
		if start {
			id, ok := p.id.next()
			if !ok {
				x.fail("ERR invalid start ID for the interval")
			}
			return id, ok
		}
		id, ok := p.id.prev()
		if !ok {
			x.fail("ERR invalid end ID for the interval")
		}
		return id, ok
	}
	return x.idArg(i, idSpec{missingSeq: missingSeq})
}
