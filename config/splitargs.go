package config

import (
	"strconv"
	"strings"

	"github.com/cairndb/cairn/resp"
)

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// splitArgs splits a config line with Redis's rules (sdssplitargs, shared
// with inline requests); ok is false on unbalanced quotes.
func splitArgs(line string) ([]string, bool) {
	parts, ok := resp.SplitArgs([]byte(line))
	if !ok {
		return nil, false
	}
	args := make([]string, len(parts))
	for i, p := range parts {
		args[i] = string(p)
	}
	return args, true
}

// splitSpaces splits a CONFIG SET value of a multi-argument directive the
// way Redis does (on single spaces, so "a  b" has an empty middle argument
// and "" has none).
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// repr quotes s as Redis's sdscatrepr does, so that splitArgs reads it back.
func repr(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c >= 0x20 && c < 0x7f {
				b = append(b, c)
			} else {
				b = append(b, `\x`...)
				b = append(b, hex2(c)...)
			}
		}
	}
	return string(append(b, '"'))
}

func hex2(c byte) string {
	s := strconv.FormatUint(uint64(c), 16)
	if len(s) == 1 {
		s = "0" + s
	}
	return s
}
