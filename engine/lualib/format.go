package lualib

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FormatNumber formats a number as C Lua 5.1 does (LUA_NUMBER_FMT "%.14g"),
// with glibc's spellings of infinities and NaNs.
func FormatNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// FormatArgNumber formats a number a script passes to a command as Redis
// does: C's "%.17g", with glibc's spellings of infinities and NaNs.
func FormatArgNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return FormatNumber(f)
	}
	return fmt.Sprintf("%.17g", f)
}

// luaToString is tostring with C Lua's number format.
func luaToString(L *lua.LState) int {
	v := L.CheckAny(1)
	switch v := v.(type) {
	case lua.LNumber:
		L.Push(lua.LString(FormatNumber(float64(v))))
		return 1
	case *lua.LUserData:
		if v.Value == nil { // cjson.null, C's NULL light userdata
			L.Push(lua.LString("userdata: (nil)"))
			return 1
		}
	}
	L.Push(L.Get(lua.UpvalueIndex(1)))
	L.Push(v)
	L.Call(1, 1)
	return 1
}

// strFormat is Lua 5.1's string.format: C printf conversions, %q quoting,
// and its error messages.
func strFormat(L *lua.LState) int {
	format := checkString(L, 1)
	arg := 1
	var out strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			out.WriteByte('%')
			continue
		}
		spec, next := scanFormat(L, format, i)
		i = next
		arg++
		if arg > L.GetTop() {
			argError(L, arg, "no value")
		}
		if i >= len(format) {
			L.RaiseError("invalid option '%%' to 'format'")
		}
		conv := format[i]
		switch conv {
		case 'c':
			out.WriteString(pad(spec, string([]byte{byte(checkNumber(L, arg))}), false))
		case 'd', 'i':
			out.WriteString(formatInt(spec, CInt64(checkNumber(L, arg)), 'd'))
		case 'o', 'u', 'x', 'X':
			out.WriteString(formatInt(spec, CInt64(checkNumber(L, arg)), conv))
		case 'e', 'E', 'f', 'g', 'G':
			out.WriteString(formatFloat(spec, checkNumber(L, arg), conv))
		case 'q':
			out.WriteString(quoteString(checkString(L, arg)))
		case 's':
			s := checkString(L, arg)
			if !spec.hasPrec && len(s) >= 100 {
				out.WriteString(s) // Lua keeps long strings whole
				continue
			}
			if i := strings.IndexByte(s, 0); i >= 0 {
				s = s[:i] // C's %s stops at NUL
			}
			if spec.hasPrec && spec.prec < len(s) {
				s = s[:spec.prec]
			}
			out.WriteString(pad(spec, s, false))
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(out.String()))
	return 1
}

// fmtSpec is one parsed conversion: flags, width and precision.
type fmtSpec struct {
	minus, plus, space, alt, zero bool
	width, prec                   int
	hasPrec                       bool
}

// scanFormat parses flags, width and precision as Lua 5.1's scanformat:
// at most five flags and two digits each.
func scanFormat(L *lua.LState, f string, i int) (fmtSpec, int) {
	var s fmtSpec
	start := i
	for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
		switch f[i] {
		case '-':
			s.minus = true
		case '+':
			s.plus = true
		case ' ':
			s.space = true
		case '#':
			s.alt = true
		case '0':
			s.zero = true
		}
		i++
	}
	if i-start > 5 {
		L.RaiseError("invalid format (repeated flags)")
	}
	digits := func() (int, bool) {
		n, d := 0, 0
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			n = n*10 + int(f[i]-'0')
			i++
			d++
		}
		if d > 2 {
			L.RaiseError("invalid format (width or precision too long)")
		}
		return n, d > 0
	}
	s.width, _ = digits()
	if i < len(f) && f[i] == '.' {
		i++
		s.prec, _ = digits()
		s.hasPrec = true
	}
	return s, i
}

// pad applies the width: spaces (or zeros for numbers with the 0 flag) on
// the left, or spaces on the right with the - flag.
func pad(s fmtSpec, body string, numeric bool) string {
	if len(body) >= s.width {
		return body
	}
	fill := s.width - len(body)
	if s.minus {
		return body + strings.Repeat(" ", fill)
	}
	if numeric && s.zero {
		sign := 0
		if len(body) > 0 && strings.IndexByte("+- ", body[0]) >= 0 {
			sign = 1
		}
		if strings.HasPrefix(body[sign:], "0x") || strings.HasPrefix(body[sign:], "0X") {
			sign += 2
		}
		return body[:sign] + strings.Repeat("0", fill) + body[sign:]
	}
	return strings.Repeat(" ", fill) + body
}

// formatInt is C's %d, %o, %u, %x and %X on a long.
func formatInt(s fmtSpec, n int64, conv byte) string {
	var digits, sign string
	switch conv {
	case 'd':
		u := uint64(n)
		if n < 0 {
			sign, u = "-", uint64(-n)
		} else if s.plus {
			sign = "+"
		} else if s.space {
			sign = " "
		}
		digits = strconv.FormatUint(u, 10)
	case 'u':
		digits = strconv.FormatUint(uint64(n), 10)
	case 'o':
		digits = strconv.FormatUint(uint64(n), 8)
	case 'x', 'X':
		digits = strconv.FormatUint(uint64(n), 16)
		if conv == 'X' {
			digits = strings.ToUpper(digits)
		}
	}
	if s.hasPrec {
		if s.prec == 0 && n == 0 {
			digits = ""
		}
		if len(digits) < s.prec {
			digits = strings.Repeat("0", s.prec-len(digits)) + digits
		}
		s.zero = false // C ignores 0 when a precision is given
	}
	if s.alt {
		switch {
		case conv == 'o' && !strings.HasPrefix(digits, "0"):
			digits = "0" + digits
		case conv == 'x' && n != 0:
			digits = "0x" + digits
		case conv == 'X' && n != 0:
			digits = "0X" + digits
		}
	}
	return pad(s, sign+digits, true)
}

// formatFloat is C's %e, %f and %g (and upper-case forms) on a double.
func formatFloat(s fmtSpec, f float64, conv byte) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		body := "inf"
		if math.IsNaN(f) {
			body = "nan"
		}
		if conv == 'E' || conv == 'G' {
			body = strings.ToUpper(body)
		}
		switch {
		case math.Signbit(f):
			body = "-" + body
		case s.plus:
			body = "+" + body
		case s.space:
			body = " " + body
		}
		s.zero = false
		return pad(s, body, false)
	}
	prec := 6
	if s.hasPrec {
		prec = s.prec
	}
	if (conv == 'g' || conv == 'G') && prec == 0 {
		prec = 1
	}
	var flags strings.Builder
	flags.WriteByte('%')
	for _, f := range []struct {
		on bool
		c  byte
	}{{s.minus, '-'}, {s.plus, '+'}, {s.space, ' '}, {s.alt, '#'}, {s.zero, '0'}} {
		if f.on {
			flags.WriteByte(f.c)
		}
	}
	if s.width > 0 {
		flags.WriteString(strconv.Itoa(s.width))
	}
	fmt.Fprintf(&flags, ".%d%c", prec, conv)
	return fmt.Sprintf(flags.String(), f)
}

// quoteString is %q: a Lua string literal that reads back as s.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString("\\r")
		case 0:
			b.WriteString("\\000")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// maxString bounds strings string.rep builds: Lua would fail to allocate
// far larger ones, and Go would try.
const maxString = 512 << 20

// strRep is string.rep, refusing results beyond maxString.
func strRep(L *lua.LState) int {
	s := checkString(L, 1)
	n := checkInt(L, 2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s))*int64(n) > maxString {
		L.RaiseError("not enough memory")
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// strChar is string.char with Lua 5.1's check: every code must be a byte.
func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := checkInt(L, i)
		if c < 0 || c > 255 {
			argError(L, i, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
	return 1
}

// tabConcat is table.concat as Lua 5.1 has it: the result is always a
// string, numbers in it formatted as Lua formats them ("%.14g").
func tabConcat(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		typeError(L, 1, "table")
	}
	sep := optString(L, 2, "")
	i := optInt(L, 3, 1)
	j := optInt(L, 4, t.Len())
	var b strings.Builder
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			b.WriteString(string(v))
		case lua.LNumber:
			b.WriteString(FormatNumber(float64(v)))
		default:
			raise(L, fmt.Sprintf("invalid value (%s) at index %d in table for 'concat'", v.Type(), k))
		}
		if int64(b.Len()) > maxString {
			L.RaiseError("not enough memory")
		}
		if k < j {
			b.WriteString(sep)
		}
		if k == j { // k++ would overflow at the largest int
			break
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
