package engine

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Sorted-set argument parsing: scores, score ranges and lex ranges, each
// with the rules (and error texts) Redis 7.0 applies to them.

const (
	errZRangeFloat = "ERR min or max is not a float"
	errZRangeLex   = "ERR min or max not valid string range item"
	errZIncrNaN    = "ERR resulting score is not a number (NaN)"
)

// parseScore parses a score, weight or coordinate like Redis's
// getDoubleFromObject. That is C's strtod, which (unlike parseFloat's Go
// parser) also reads hexadecimal mantissas without a binary exponent.
func parseScore(b []byte) (float64, bool) {
	if f, ok := parseFloat(b); ok {
		return f, true
	}
	if hexWithoutExponent(b) {
		return parseFloat(append(bytes.Clone(b), "p0"...))
	}
	return 0, false
}

// hexWithoutExponent reports a strtod hexadecimal float lacking the 'p'
// exponent Go insists on ("0x1e" is 30 to strtod).
func hexWithoutExponent(b []byte) bool {
	s := strings.TrimLeft(string(b), "+-")
	if len(s) < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	return !strings.ContainsAny(s, "pP_")
}

// parseRangeScore parses one end of a score range like Redis's
// zslParseRange: strtod, which skips leading white space, takes "" as 0,
// and saturates on overflow; only NaN and trailing garbage are errors.
func parseRangeScore(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if s == "" || strings.IndexByte(s, '_') >= 0 {
		return 0, false
	}
	if hexWithoutExponent([]byte(s)) {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// scoreRange is a range of scores, each end inclusive or exclusive.
type scoreRange struct {
	min, max     float64
	minEx, maxEx bool
}

// parseScoreRange parses ZRANGEBYSCORE-style bounds: a float, optionally
// prefixed by '(' for an exclusive end.
func parseScoreRange(minArg, maxArg []byte) (scoreRange, bool) {
	var r scoreRange
	var ok bool
	if r.min, r.minEx, ok = parseScoreBound(minArg); !ok {
		return r, false
	}
	r.max, r.maxEx, ok = parseScoreBound(maxArg)
	return r, ok
}

func parseScoreBound(b []byte) (float64, bool, bool) {
	if len(b) > 0 && b[0] == '(' {
		f, ok := parseRangeScore(b[1:])
		return f, true, ok
	}
	f, ok := parseRangeScore(b)
	return f, false, ok
}

// lowKey is the first score-ordered position inside the range.
func (r scoreRange) lowKey() []byte {
	if r.minEx {
		return scoreSuccessor(r.min)
	}
	return encodeScore(nil, r.min)
}

// highKey is the first score-ordered position past the range.
func (r scoreRange) highKey() []byte {
	if r.maxEx {
		return encodeScore(nil, r.max)
	}
	return scoreSuccessor(r.max)
}

// contains reports whether a score lies inside the range.
func (r scoreRange) contains(f float64) bool {
	aboveMin := f > r.min || (!r.minEx && f == r.min)
	belowMax := f < r.max || (!r.maxEx && f == r.max)
	return aboveMin && belowMax
}

// lexBound is one end of a lex range: "-" (lowest), "+" (highest), or a
// member with '[' (inclusive) or '(' (exclusive).
type lexBound struct {
	inf       int // -1 for "-", +1 for "+", 0 for a member
	member    []byte
	exclusive bool
}

type lexRange struct{ min, max lexBound }

func parseLexBound(b []byte) (lexBound, bool) {
	switch {
	case len(b) == 1 && b[0] == '-':
		return lexBound{inf: -1}, true
	case len(b) == 1 && b[0] == '+':
		return lexBound{inf: 1}, true
	case len(b) > 0 && b[0] == '[':
		return lexBound{member: bytes.Clone(b[1:])}, true
	case len(b) > 0 && b[0] == '(':
		return lexBound{member: bytes.Clone(b[1:]), exclusive: true}, true
	}
	return lexBound{}, false
}

func parseLexRange(minArg, maxArg []byte) (lexRange, bool) {
	lo, ok1 := parseLexBound(minArg)
	hi, ok2 := parseLexBound(maxArg)
	return lexRange{lo, hi}, ok1 && ok2
}

// aboveMin reports whether member is at or past the range's start.
func (r lexRange) aboveMin(member []byte) bool {
	switch r.min.inf {
	case -1:
		return true
	case 1:
		return false
	}
	c := bytes.Compare(member, r.min.member)
	return c > 0 || (c == 0 && !r.min.exclusive)
}

// belowMax reports whether member is at or before the range's end.
func (r lexRange) belowMax(member []byte) bool {
	switch r.max.inf {
	case -1:
		return false
	case 1:
		return true
	}
	c := bytes.Compare(member, r.max.member)
	return c < 0 || (c == 0 && !r.max.exclusive)
}

// keyAt turns a bound into a score-ordered position among the members of
// score, the first position inside (start) or past (end) the range.
func (b lexBound) keyAt(score float64, end bool) []byte {
	switch b.inf {
	case -1:
		return encodeScore(nil, score)
	case 1:
		return scoreSuccessor(score)
	}
	k := append(encodeScore(nil, score), b.member...)
	if b.exclusive != end { // past the member itself
		k = append(k, 0)
	}
	return k
}
