package engine

import (
	"math"
	"strconv"
	"strings"
)

// parseInt parses a signed 64-bit decimal exactly as Redis's string2ll:
// no spaces, no '+', no leading zeros, nothing after the digits.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// parseFloat parses a double as Redis's getDoubleFromObject: strtod syntax
// (inf, -inf, exponents) with nothing before or after, and neither NaN nor
// a value that overflows or underflows to zero.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) || strings.IndexByte(string(b), '_') >= 0 {
		return 0, false
	}
	s := string(b)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if math.IsInf(f, 0) {
		l := strings.ToLower(strings.TrimLeft(s, "+-"))
		return f, l == "inf" || l == "infinity"
	}
	if f == 0 && strings.ContainsAny(strings.SplitN(strings.ToLower(s), "e", 2)[0], "123456789") {
		return 0, false // underflow: strtod's ERANGE with a zero result
	}
	return f, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// formatInt is strconv.AppendInt onto a fresh slice.
func formatInt(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// eq compares an argument with a keyword, ignoring ASCII case.
func eq(arg []byte, word string) bool {
	if len(arg) != len(word) {
		return false
	}
	for i := range len(arg) {
		c := arg[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}
