package config

// toLowerByte folds ASCII letters, as C's tolower does in the C locale.
func toLowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// stringMatch is Redis's glob matching (stringmatchlen): * ? [abc] [^a-z]
// and \ escapes, optionally ignoring case.
func stringMatch(pattern, s string, nocase bool) bool {
	eq := func(a, b byte) bool {
		if nocase {
			return toLowerByte(a) == toLowerByte(b)
		}
		return a == b
	}
	p := 0
	for p < len(pattern) && len(s) > 0 {
		switch pattern[p] {
		case '*':
			for p+1 < len(pattern) && pattern[p+1] == '*' {
				p++
			}
			if p+1 == len(pattern) {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if stringMatch(pattern[p+1:], s, nocase) {
					return true
				}
			}
			return false
		case '?':
			s = s[1:]
		case '[':
			p++
			not := p < len(pattern) && pattern[p] == '^'
			if not {
				p++
			}
			match := false
			for {
				if p < len(pattern) && pattern[p] == '\\' && len(pattern)-p >= 2 {
					p++
					if pattern[p] == s[0] {
						match = true
					}
				} else if p < len(pattern) && pattern[p] == ']' {
					break
				} else if p >= len(pattern) {
					p-- // an unclosed class ends the pattern
					break
				} else if len(pattern)-p >= 3 && pattern[p+1] == '-' {
					lo, hi, c := pattern[p], pattern[p+2], s[0]
					if lo > hi {
						lo, hi = hi, lo
					}
					if nocase {
						lo, hi, c = toLowerByte(lo), toLowerByte(hi), toLowerByte(c)
					}
					p += 2
					if c >= lo && c <= hi {
						match = true
					}
				} else if eq(pattern[p], s[0]) {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(pattern)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if !eq(pattern[p], s[0]) {
				return false
			}
			s = s[1:]
		}
		p++
		if len(s) == 0 {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			break
		}
	}
	return p == len(pattern) && len(s) == 0
}
