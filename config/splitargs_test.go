package config

import (
	"slices"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		line string
		want []string // nil: unbalanced quotes
	}{
		{"port 6379", []string{"port", "6379"}},
		{"  a\t b  ", []string{"a", "b"}},
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}},
		{`"\x41\x4a\x4" x`, []string{"AJx4", "x"}},
		{`"\xzz"`, []string{"xzz"}},
		{`'a\'b' 'c\d'`, []string{"a'b", `c\d`}},
		{`ab"cd ef"gh`, nil},
		{`ab"cd ef" gh`, []string{"abcd ef", "gh"}},
		{`x'y z' w`, []string{"xy z", "w"}},
		{`"" ''`, []string{"", ""}},
		{`"abc`, nil},
		{`'abc`, nil},
		{`"abc"x`, nil},
		{`'abc'x`, nil},
		{"\"abc\"\vx", []string{"abc", "x"}},
		{"a\x00b c", []string{"a"}},
		{"", nil},
		{"   ", nil},
	}
	for _, tc := range cases {
		got, ok := splitArgs(tc.line)
		if tc.want == nil && tc.line != "" && tc.line != "   " {
			if ok {
				t.Errorf("splitArgs(%q) = %q, want unbalanced quotes", tc.line, got)
			}
			continue
		}
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, %v, want %q", tc.line, got, ok, tc.want)
		}
	}
}

func TestReprRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", "a b", `q"\`, "\n\r\t\a\b", "\x00\x7f\xff", "é"} {
		r := repr(s)
		got, ok := splitArgs(r)
		if !ok || len(got) != 1 || got[0] != s {
			t.Errorf("repr(%q) = %s reads back as %q", s, r, got)
		}
	}
	if got := repr("a\"b\x01"); got != `"a\"b\x01"` {
		t.Errorf("repr = %s", got)
	}
}

func TestParseMemory(t *testing.T) {
	cases := []struct {
		s    string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"100", 100, true},
		{"1b", 1, true},
		{"1k", 1000, true},
		{"1K", 1000, true},
		{"1kb", 1024, true},
		{"1kB", 1024, true},
		{"1KB", 1024, true},
		{"2m", 2000000, true},
		{"2mb", 2 << 20, true},
		{"3g", 3000000000, true},
		{"3Gb", 3 << 30, true},
		{"k", 0, true},
		{"99999999999999999999", 1<<64 - 1, true},
		{"1x", 0, false},
		{"1 kb", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1.5gb", 0, false},
		{"1tb", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseMemory(tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseMemory(%q) = %d, %v, want %d, %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "12": true, "-12": true, "012": false, "-0": false,
		"+1": false, " 1": false, "1 ": false, "": false, "-": false, "9223372036854775807": true,
		"9223372036854775808": false, "-9223372036854775808": true} {
		if _, ok := parseStrictInt(s); ok != want {
			t.Errorf("parseStrictInt(%q) ok = %v", s, ok)
		}
	}
	for s, want := range map[string]int64{"": 0, " 7": 7, "+7": 7, "-7": -7, "007": 7, "99999999999999999999": 1<<63 - 1} {
		if got, ok := parseCInt(s); !ok || got != want {
			t.Errorf("parseCInt(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{" ", "x", "1x", "0x10", "- 1"} {
		if _, ok := parseCInt(s); ok {
			t.Errorf("parseCInt(%q) accepted", s)
		}
	}
	for s, want := range map[string]int64{"": 0, "0": 0, "777": 0o777, "0755": 0o755, " 7": 7, "-0": 0} {
		if got, ok := parseOctal(s); !ok || got != want {
			t.Errorf("parseOctal(%q) = %o, %v", s, got, ok)
		}
	}
	for _, s := range []string{"8", "1x", "+", " "} {
		if _, ok := parseOctal(s); ok {
			t.Errorf("parseOctal(%q) accepted", s)
		}
	}
	for s, want := range map[string]string{"50": "50", "99.9": "99.9", "0x10": "16", ".5": "0.5", "5.": "5",
		"+5": "5", "-0": "-0", "0.1234567": "0.123457", "1e-300": "0", "0x1p-2": "0.25"} {
		if f, ok := parseDouble(s); !ok || formatDouble(f) != want {
			t.Errorf("parseDouble(%q) = %v, %v, want %s", s, f, ok, want)
		}
	}
	for _, s := range []string{"", " 5", "5 ", "nan", "1e400", "1e-400", "1,5", "x", "1_0"} {
		if _, ok := parseDouble(s); ok {
			t.Errorf("parseDouble(%q) accepted", s)
		}
	}
	for n, want := range map[int64]string{0: "0", 1000: "1000", 1024: "1kb", 3 << 20: "3mb", 5 << 30: "5gb", 1025: "1025"} {
		if got := formatMemory(n); got != want {
			t.Errorf("formatMemory(%d) = %s, want %s", n, got, want)
		}
	}
}
