// Package cnum reads numbers as C's strtod does: Redis parses scores,
// SORT weights, JSON numbers and text in RDB files with it, and accepts
// what it accepts.
package cnum

import (
	"math"
	"strconv"
	"strings"
)

// Strtod reads the longest prefix of s that strtod reads (without the
// white space strtod skips first): a sign, then a decimal or hexadecimal
// float, inf, infinity or nan (with an optional "(chars)"). It returns the
// value and the bytes read, 0 when s starts with no number. Out of range,
// the value is the infinity or zero strtod gives.
func Strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	lower := strings.ToLower(s[i:min(len(s), i+8)])
	switch {
	case strings.HasPrefix(lower, "infinity"):
		return sign(math.Inf(1)), i + len("infinity")
	case strings.HasPrefix(lower, "inf"):
		return sign(math.Inf(1)), i + len("inf")
	case strings.HasPrefix(lower, "nan"):
		i += len("nan")
		if rest := s[i:]; strings.HasPrefix(rest, "(") {
			if end := strings.IndexByte(rest, ')'); end > 0 && strings.Trim(rest[1:end], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
				i += end + 1
			}
		}
		return sign(math.NaN()), i
	}
	start := i
	digit, expChar := isDigit, byte('e')
	hex := strings.HasPrefix(lower, "0x")
	if hex {
		digit, expChar = isHexDigit, 'p'
		i += 2
	}
	j := mantissa(s, i, digit)
	if j == i {
		if hex {
			return 0, start + 1 // just the 0
		}
		return 0, 0
	}
	i = j
	// An exponent counts only with at least one digit.
	if i < len(s) && s[i]|0x20 == expChar {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	num := s[start:i]
	if hex && !strings.ContainsAny(num, "pP") {
		num += "p0" // Go's hexadecimal floats need the exponent
	}
	f, _ := strconv.ParseFloat(num, 64) // out of range: ±Inf or 0, as strtod
	return sign(f), i
}

// mantissa is where the digits from i end, with at most one point and at
// least one digit; i when there are none.
func mantissa(s string, i int, digit func(byte) bool) int {
	j, n := i, 0
	for ; j < len(s) && digit(s[j]); j++ {
		n++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for ; j < len(s) && digit(s[j]); j++ {
			n++
		}
	}
	if n == 0 {
		return i
	}
	return j
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
