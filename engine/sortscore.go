package engine

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/cairndb/cairn/cnum"
)

// sortScore parses a value SORT sorts by numerically, as Redis does with
// C's strtod: the value up to its first NUL, after optional white space,
// must be a decimal or hexadecimal float, inf or infinity, all of it;
// an empty value is 0. NaN, overflow and an inexact underflow (ERANGE)
// are errors.
func sortScore(b []byte) (float64, bool) {
	s := string(cString(b))
	num := strings.TrimLeft(s, " \t\n\v\f\r")
	_, n := cnum.Strtod(num)
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

// cString is b as C sees it: up to its first NUL.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
