package engine

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// sortScore parses a value SORT sorts by numerically, as Redis does with
// C's strtod: the value up to its first NUL, after optional white space,
// must be a decimal or hexadecimal float, inf or infinity, all of it;
// an empty value is 0. NaN, overflow and an inexact underflow (ERANGE)
// are errors.
func sortScore(b []byte) (float64, bool) {
	s := string(cString(b))
	num := strings.TrimLeft(s, " \t\n\v\f\r")
	n := strtodLen(num)
	if n == 0 {
		return 0, s == "" // strtod read nothing: fine only at the string's end
	}
	if n != len(num) {
		return 0, false
	}
	sign, body := "", num
	if body[0] == '+' || body[0] == '-' {
		sign, body = body[:1], body[1:]
	}
	lower := strings.ToLower(body)
	switch {
	case strings.HasPrefix(lower, "inf"):
		if sign == "-" {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case strings.HasPrefix(lower, "nan"):
		return 0, false
	}
	goSyntax := sign + body
	if strings.HasPrefix(lower, "0x") && !strings.ContainsAny(lower, "p") {
		goSyntax += "p0" // Go wants the binary exponent strtod leaves optional
	}
	f, err := strconv.ParseFloat(goSyntax, 64)
	if err != nil {
		return 0, false // overflow
	}
	if math.Abs(f) < 0x1p-1022 && !exactTiny(lower, goSyntax, f) {
		return 0, false // underflow
	}
	return f, true
}

// exactTiny reports whether a literal that parsed to zero or a subnormal
// f is exactly f: strtod reports an underflow only when it rounds.
func exactTiny(lower, literal string, f float64) bool {
	if f == 0 {
		mantissa := strings.TrimPrefix(lower, "0x")
		if strings.HasPrefix(lower, "0x") {
			mantissa, _, _ = strings.Cut(mantissa, "p")
		} else {
			mantissa, _, _ = strings.Cut(mantissa, "e")
		}
		return strings.Trim(mantissa, "0.") == ""
	}
	// A subnormal's literal has a bounded exponent, so the rational stays
	// small; past any exact subnormal's length, it cannot be exact.
	if len(literal) > 1100 {
		return false
	}
	r, ok := new(big.Rat).SetString(literal)
	return ok && r.Cmp(new(big.Rat).SetFloat64(f)) == 0
}

// strtodLen is how many bytes of s strtod would read as a number.
func strtodLen(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	lower := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(lower, "infinity"):
		return i + len("infinity")
	case strings.HasPrefix(lower, "inf"):
		return i + len("inf")
	case strings.HasPrefix(lower, "nan"):
		i += len("nan")
		if rest := s[i:]; strings.HasPrefix(rest, "(") {
			if end := strings.IndexByte(rest, ')'); end > 0 && strings.Trim(rest[1:end], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
				i += end + 1
			}
		}
		return i
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isHexDigit := func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
	digit, expChar := isDigit, byte('e')
	if strings.HasPrefix(lower, "0x") {
		digit, expChar = isHexDigit, 'p'
		start := i
		i += 2
		if j := scanMantissa(s, i, digit); j > i {
			i = j
		} else {
			return start + 1 // just the "0"
		}
	} else if j := scanMantissa(s, i, digit); j > i {
		i = j
	} else {
		return 0
	}
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
	return i
}

// scanMantissa reads digits with an optional '.', at least one digit in
// all; it returns where they end, or from if there are none.
func scanMantissa(s string, from int, digit func(byte) bool) int {
	i, digits := from, 0
	for i < len(s) && digit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return from
	}
	return i
}

// cString is b as C sees it: up to its first NUL.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
