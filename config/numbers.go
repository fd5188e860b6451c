package config

import (
	"math"
	"strconv"
	"strings"
)

// parseStrictInt is Redis's string2ll: an optional '-' and digits, no
// leading zeros, no '+', no spaces, no overflow.
func parseStrictInt(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseMemory is Redis's memtoull: digits followed by an optional unit, one
// of b k kb m mb g gb in any case (k = 1000, kb = 1024...). Like Redis it
// accepts "" and a bare unit as 0, saturates on too many digits and wraps on
// multiplication overflow.
func ParseMemory(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 { // Redis copies the digits into a 128-byte buffer
		return 0, false
	}
	if i == 0 {
		return 0, true
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		n = math.MaxUint64 // strtoull saturates
	}
	return n * mul, true
}

// cStrtoll is C's strtoll in base 10: leading spaces, an optional sign and
// digits, saturating on overflow. rest is what follows the number (all of s
// when there is no number).
func cStrtoll(s string) (n int64, rest string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	over := false
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			over = true
		} else {
			u = u*10 + d
		}
		i++
	}
	if i == start {
		return 0, s
	}
	switch {
	case neg && (over || u > 1<<63):
		return math.MinInt64, s[i:]
	case neg:
		return -int64(u), s[i:]
	case over || u > math.MaxInt64:
		return math.MaxInt64, s[i:]
	}
	return int64(u), s[i:]
}

// parseCInt is strtoll(s, &end, 10) followed by Redis's usual "*end == 0"
// check, which accepts an empty string as 0.
func parseCInt(s string) (int64, bool) {
	n, rest := cStrtoll(s)
	if rest == s {
		return 0, s == "" // no digits: end stays at the start of s
	}
	return n, rest == ""
}

// parseOctal is strtoll(s, &end, 8) with errno and *end == 0 checks.
func parseOctal(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, s == "" // no digits: end stays at the start of s
	}
	u, err := strconv.ParseUint(t, 8, 64)
	if err != nil || (!neg && u > math.MaxInt64) || (neg && u > 1<<63) {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// parseDouble is Redis's string2d: the whole string must be a number as C's
// strtod reads it, with no leading space, no NaN and no overflow or
// underflow to zero.
func parseDouble(s string) (float64, bool) {
	if s == "" || isSpace(s[0]) || strings.Contains(s, "_") {
		return 0, false
	}
	t := s
	lower := strings.ToLower(strings.TrimLeft(s, "+-"))
	if strings.HasPrefix(lower, "0x") && !strings.ContainsAny(lower, "p") {
		t = s + "p0" // C accepts hex floats without a binary exponent
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && strings.ContainsAny(mantissa(lower), "123456789abcdef") {
		return 0, false // strtod reports ERANGE when a non-zero value underflows
	}
	return f, true
}

// mantissa is the part of a lower-case number before its exponent.
func mantissa(s string) string {
	if strings.HasPrefix(s, "0x") {
		if i := strings.IndexByte(s, 'p'); i >= 0 {
			return s[2:i]
		}
		return s[2:]
	}
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		return s[:i]
	}
	return s
}

// formatDouble prints f as Redis does for percentiles: "%f" with trailing
// zeros (and a trailing dot) removed.
func formatDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.ContainsRune(s, '.') {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatMemory writes bytes with the largest exact gb/mb/kb unit, as CONFIG
// REWRITE does.
func formatMemory(n int64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case n != 0 && n%gb == 0:
		return strconv.FormatInt(n/gb, 10) + "gb"
	case n != 0 && n%mb == 0:
		return strconv.FormatInt(n/mb, 10) + "mb"
	case n != 0 && n%kb == 0:
		return strconv.FormatInt(n/kb, 10) + "kb"
	}
	return strconv.FormatInt(n, 10)
}
