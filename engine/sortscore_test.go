package engine

import (
	"math"
	"testing"
)

// What glibc's strtod makes of SORT's weights, as observed through a real
// Redis 7.0 (errno reset between cases).
func TestSortScore(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"", 0, true},
		{"5", 5, true},
		{" 5", 5, true},
		{"\t7", 7, true},
		{"\n8", 8, true},
		{"5 ", 0, false},
		{"   ", 0, false},
		{"-", 0, false},
		{"+3", 3, true},
		{"-0", math.Copysign(0, -1), true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"1e5", 1e5, true},
		{"1E2", 100, true},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"1e5x", 0, false},
		{"0x10", 16, true},
		{"0X10", 16, true},
		{"0x.8", 0.5, true},
		{"0x1p3", 8, true},
		{"0x1P+2", 4, true},
		{"0x1.p1", 2, true},
		{"0x1p", 0, false},
		{"0x", 0, false},
		{"inf", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"+inf", math.Inf(1), true},
		{"INF", math.Inf(1), true},
		{"infinity", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"infin", 0, false},
		{"nan", 0, false},
		{"nan(123)", 0, false},
		{"+-3", 0, false},
		{"1\x00abc", 1, true},
		{"\x00", 0, true},
		{"1e309", 0, false},
		{"1.7976931348623159e308", 0, false},
		{"1.797693134862315807e308", math.MaxFloat64, true},
		{"2.2250738585072014e-308", 0x1p-1022, true},
		{"1e-310", 0, false},
		{"4.9e-324", 0, false},
		{"1e-400", 0, false},
		{"1e-99999999999", 0, false},
		{"0e-999", 0, true},
		{"0.000", 0, true},
		{"0x1p-1074", 0x1p-1074, true},
		{"0x1.8p-1074", 0, false},
		{"0x1p-1022", 0x1p-1022, true},
	} {
		got, ok := sortScore([]byte(tt.in))
		if ok != tt.ok || (ok && (got != tt.want || math.Signbit(got) != math.Signbit(tt.want))) {
			t.Errorf("sortScore(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
