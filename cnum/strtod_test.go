package cnum

import (
	"math"
	"testing"
)

// Values and lengths as glibc's strtod gives them.
func TestStrtod(t *testing.T) {
	for _, c := range []struct {
		in string
		f  float64
		n  int
	}{
		{"", 0, 0}, {"x", 0, 0}, {"+", 0, 0}, {".", 0, 0}, {"-.e1", 0, 0},
		{"1", 1, 1}, {"-1.5e3x", -1500, 6}, {"1e", 1, 1}, {"1e+", 1, 1}, {".5", 0.5, 2}, {"5.", 5, 2},
		{"0x", 0, 1}, {"0x1p-2", 0.25, 6}, {"0X1.8", 1.5, 5}, {"0x10g", 16, 4}, {"0x.8p1", 1, 6},
		{"inf", math.Inf(1), 3}, {"-Infinity", math.Inf(-1), 9}, {"infinit", math.Inf(1), 3},
		{"1e400", math.Inf(1), 5}, {"1e-400", 0, 6}, {"007", 7, 3},
		{"12abc", 12, 2}, {"-1.5e3,", -1500, 6}, {"0x1F ", 31, 4}, {"Infinity", math.Inf(1), 8}, {"abc", 0, 0}, {"-", 0, 0},
	} {
		f, n := Strtod(c.in)
		if f != c.f || n != c.n {
			t.Errorf("Strtod(%q) = %v, %d; want %v, %d", c.in, f, n, c.f, c.n)
		}
	}
	for _, in := range []string{"nan", "-NaN", "nan(123)", "nan(x"} {
		if f, n := Strtod(in); !math.IsNaN(f) || n != map[string]int{"nan": 3, "-NaN": 4, "nan(123)": 8, "nan(x": 3}[in] {
			t.Errorf("Strtod(%q) = %v, %d", in, f, n)
		}
	}
}
