package cmdspec

import (
	"bytes"
	"math"
)

// Redis's key finders compare and convert arguments as C strings, so an
// argument is read only up to its first NUL byte.

// equalC reports whether arg, read as a C string, equals word ignoring
// ASCII case (strcasecmp).
func equalC(arg []byte, word string) bool {
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) != len(word) {
		return false
	}
	for i, c := range arg {
		if foldASCII(c) != foldASCII(word[i]) {
			return false
		}
	}
	return true
}

func foldASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// atoi converts like C's atoi, which glibc defines as (int)strtol(s, 0, 10):
// leading white space and a sign are skipped, digits are read up to the
// first other byte, overflow saturates to 64 bits and the result is then
// truncated to 32.
func atoi(arg []byte) int {
	i := 0
	for i < len(arg) && (arg[i] == ' ' || arg[i] >= '\t' && arg[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(arg) && (arg[i] == '+' || arg[i] == '-') {
		neg = arg[i] == '-'
		i++
	}
	var mag uint64
	for ; i < len(arg) && arg[i] >= '0' && arg[i] <= '9'; i++ {
		if mag > (1<<63)/10 {
			mag = 1 << 63 // stands for "too big" from here on
			continue
		}
		mag = min(mag*10+uint64(arg[i]-'0'), 1<<63)
	}
	var n int64
	switch {
	case neg && mag == 1<<63:
		n = math.MinInt64
	case neg:
		n = -int64(mag)
	default:
		n = int64(min(mag, math.MaxInt64))
	}
	return int(int32(n))
}

// parseInt parses a decimal integer as Redis's string2ll does: no spaces,
// no '+', no leading zeros, all of arg.
func parseInt(arg []byte) (int64, bool) {
	if len(arg) == 1 && arg[0] == '0' {
		return 0, true
	}
	digits := arg
	neg := len(arg) > 0 && arg[0] == '-'
	if neg {
		digits = arg[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var mag uint64
	for _, c := range digits {
		if c < '0' || c > '9' || mag > (math.MaxUint64-9)/10 {
			return 0, false
		}
		mag = mag*10 + uint64(c-'0')
	}
	switch {
	case neg && mag <= 1<<63:
		return -int64(mag), true
	case !neg && mag <= math.MaxInt64:
		return int64(mag), true
	}
	return 0, false
}
