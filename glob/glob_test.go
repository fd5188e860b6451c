package glob

import "testing"

func TestStringMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", false}, // as in Redis: an empty string matches nothing
		{"*", "a", true},
		{"a*", "abc", true},
		{"a*c", "abc", true},
		{"a*d", "abc", false},
		{"a?c", "abc", true},
		{"a??c", "abc", false},
		{"[abc]x", "bx", true},
		{"[^abc]x", "bx", false},
		{"[a-c]x", "Bx", true},
		{"[c-a]x", "bx", true},
		{"[\\]]", "]", true},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"ABC", "abc", true},
		{"[", "a", false},
		{"a[", "a", false},
	}
	for _, tc := range cases {
		if got := MatchFold(tc.pattern, tc.s); got != tc.want {
			t.Errorf("MatchFold(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}
