package engine

import (
	"math/big"
	"strings"
)

// Redis does INCRBYFLOAT and HINCRBYFLOAT in C's long double, the x87
// 80-bit format with a 64-bit mantissa, and prints the result with
// "%.17Lf" minus trailing zeros. big.Float at 64 bits of precision rounds
// exactly like it, so results match Redis digit for digit (0.1+0.2 is
// "0.3", not "0.30000000000000004").
const longDoublePrec = 64

// The x87 extended format's range: beyond it strtold overflows to
// infinity (or underflows to zero) and Redis rejects the value.
const (
	maxLongDoubleExp = 16384
	minLongDoubleExp = -16445
)

func newLongDouble() *big.Float { return new(big.Float).SetPrec(longDoublePrec) }

// parseLongDouble parses like Redis's string2ld (strtold with nothing
// before or after, no NaN, no overflow or underflow).
func parseLongDouble(b []byte) (*big.Float, bool) {
	s := string(b)
	if len(s) == 0 || len(s) >= 5*1024 || isSpace(s[0]) || strings.ContainsAny(s, "_") {
		return nil, false
	}
	// strtold's words for infinity, in any case; of the base prefixes
	// big.ParseFloat takes, strtold knows only 0x.
	digits := s
	if s[0] == '+' || s[0] == '-' {
		digits = s[1:]
	}
	switch strings.ToLower(digits) {
	case "inf", "infinity":
		return newLongDouble().SetInf(s[0] == '-'), true
	}
	if len(digits) > 1 && digits[0] == '0' && strings.ContainsRune("bBoO", rune(digits[1])) {
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 0, longDoublePrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if f.IsInf() {
		return f, true
	}
	if exp := f.MantExp(nil); f.Sign() != 0 && (exp > maxLongDoubleExp || exp < minLongDoubleExp) {
		return nil, false
	}
	return f, true
}

// addLongDouble adds two long doubles; ok is false when the result is NaN
// or infinite (or overflows the long double range).
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	sum := newLongDouble().Add(a, b)
	if exp := sum.MantExp(nil); sum.Sign() != 0 && exp > maxLongDoubleExp {
		return nil, false
	}
	return sum, true
}

// formatLongDouble prints like Redis's ld2string in human mode.
func formatLongDouble(f *big.Float) []byte {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return []byte(s)
}
