package lualib

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Argument checks with C Lua's error texts ("bad argument #1 to 'tobit'
// (number expected, got no value)"), which Redis scripts see.

// argError raises C Lua's luaL_argerror message for argument n. Called
// by another Go function (pcall), the function has no name ('?') and the
// message no position, as luaL_where finds no Lua line there.
func argError(L *lua.LState, n int, msg string) {
	name := "?"
	if dbg, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", dbg, lua.LNil); err == nil && dbg.Name != "" && dbg.Name[0] != '<' && dbg.Name[0] != '(' {
			name = dbg.Name
		}
	}
	raise(L, fmt.Sprintf("bad argument #%d to '%s' (%s)", n, name, msg))
}

// raise is luaL_error for a Go function: the message gets the position of
// the Lua code that called it, none when another Go function (pcall) did.
func raise(L *lua.LState, text string) {
	if dbg, ok := GetStack(L, 1); ok {
		if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.What == "G" {
			L.Error(lua.LString(text), 0)
		}
	}
	L.RaiseError("%s", text)
}

// typeName is luaL_typename: "no value" past the last argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

func typeError(L *lua.LState, n int, want string) {
	argError(L, n, want+" expected, got "+typeName(L, n))
}

// ToNumber converts a value as lua_tonumber does: numbers, and strings
// that read as numbers.
func ToNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return ParseNumber(string(v))
	}
	return 0, false
}

// ParseNumber reads a number the way Lua 5.1's lua_str2number does
// (strtod, or a 0x hexadecimal integer), surrounded by optional spaces.
func ParseNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" {
		return 0, false
	}
	body, neg := s, false
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -float64(n), true
		}
		return float64(n), true
	}
	for _, c := range body {
		// strtod also reads "inf", "nan" and hex floats; Lua accepts them.
		if !strings.ContainsRune("0123456789.eE+-", c) {
			low := strings.ToLower(body)
			if low != "inf" && low != "infinity" && low != "nan" {
				return 0, false
			}
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func checkNumber(L *lua.LState, n int) float64 {
	f, ok := ToNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

func optNumber(L *lua.LState, n int, def float64) float64 {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkNumber(L, n)
}

// checkInt is luaL_checkint: the number truncated toward zero to a C int.
func checkInt(L *lua.LState, n int) int {
	return int(CInt32(checkNumber(L, n)))
}

func optInt(L *lua.LState, n int, def int) int {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkInt(L, n)
}

// checkString is luaL_checklstring: strings, and numbers formatted as Lua
// formats them.
func checkString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return FormatNumber(float64(v))
	}
	typeError(L, n, "string")
	return ""
}

// CInt32 converts like a C cast of a double to int on x86-64: truncation,
// and INT_MIN for what does not fit.
func CInt32(f float64) int32 {
	if f != f || f >= 2147483648 || f <= -2147483649 {
		return -2147483648
	}
	return int32(f)
}

// CInt64 converts like a C cast of a double to long long on x86-64.
func CInt64(f float64) int64 {
	if f != f || f >= 9223372036854775807 || f < -9223372036854775808 {
		return -9223372036854775808
	}
	return int64(f)
}

func optString(L *lua.LState, n int, def string) string {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkString(L, n)
}

// Pairs calls fn with t's pairs in the order pairs (lua_next) gives them.
// LTable.ForEach follows Go's map iteration, different on every call: an
// encoder walking with it would write the same table differently twice.
func Pairs(t *lua.LTable, fn func(k, v lua.LValue)) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		fn(k, v)
	}
}
