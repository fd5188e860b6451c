package engine

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/cairndb/cairn/engine/lualib"
	lua "github.com/yuin/gopher-lua"
)

// Conversions between RESP and Lua, as Redis documents them.
//
// RESP to Lua (a command's reply, as redis.call returns it): integer →
// number, bulk string → string, array → table, status → {ok=...}, error →
// {err=...}, RESP2 null bulk and null array → false; and in RESP3: null →
// nil, boolean → boolean, double → {double=...}, big number →
// {big_number=...}, verbatim string → {verbatim_string={format, string}},
// map → {map={...}}, set → {set={member=true}}.
//
// Lua to RESP (a script's result): number → integer (truncated), string →
// bulk string, table → array up to its first nil, or an error, status,
// double, big number, verbatim string, map or set for a table with that
// one field; false → null (false under RESP3, per redis.setresp), true →
// 1 (true under RESP3), nil → null.

// respToLua converts one complete reply.
func respToLua(L *lua.LState, b []byte) lua.LValue {
	v, _ := parseReply(L, b)
	return v
}

// parseReply converts the reply at the start of b and returns the rest.
func parseReply(L *lua.LState, b []byte) (lua.LValue, []byte) {
	end := bytes.Index(b, []byte("\r\n"))
	head, rest := string(b[1:end]), b[end+2:]
	n, _ := strconv.Atoi(head)
	field := func(name string, v lua.LValue) *lua.LTable {
		t := L.CreateTable(0, 1)
		t.RawSetString(name, v)
		return t
	}
	switch b[0] {
	case '+':
		return field("ok", lua.LString(head)), rest
	case '-':
		t := errorTable(L, "-"+head)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t, rest
	case ':':
		i, _ := strconv.ParseInt(head, 10, 64)
		return lua.LNumber(i), rest
	case '$':
		if n < 0 {
			return lua.LFalse, rest
		}
		return lua.LString(rest[:n]), rest[n+2:]
	case '*', '>':
		if n < 0 {
			return lua.LFalse, rest
		}
		t := L.CreateTable(n, 0)
		for i := 1; i <= n; i++ {
			var v lua.LValue
			v, rest = parseReply(L, rest)
			t.RawSetInt(i, v)
		}
		return t, rest
	case '_':
		return lua.LNil, rest
	case '#':
		return lua.LBool(head == "t"), rest
	case ',':
		f, _ := strconv.ParseFloat(head, 64)
		return field("double", lua.LNumber(f)), rest
	case '(':
		return field("big_number", lua.LString(head)), rest
	case '=':
		body := string(rest[:n])
		format, text, _ := strings.Cut(body, ":")
		vt := L.CreateTable(0, 2)
		vt.RawSetString("format", lua.LString(format))
		vt.RawSetString("string", lua.LString(text))
		return field("verbatim_string", vt), rest[n+2:]
	case '%':
		m := L.CreateTable(0, n)
		for i := 0; i < n; i++ {
			var k, v lua.LValue
			k, rest = parseReply(L, rest)
			v, rest = parseReply(L, rest)
			m.RawSet(k, v)
		}
		return field("map", m), rest
	case '~':
		set := L.CreateTable(0, n)
		for i := 0; i < n; i++ {
			var k lua.LValue
			k, rest = parseReply(L, rest)
			set.RawSet(k, lua.LTrue)
		}
		return field("set", set), rest
	case '|': // attributes are not passed to scripts
		for i := 0; i < 2*n; i++ {
			_, rest = parseReply(L, rest)
		}
		return parseReply(L, rest)
	}
	return lua.LNil, rest
}

// maxReplyDepth bounds the nesting of a script's result (a table that
// contains itself would never end).
const maxReplyDepth = 1000

// luaToReply writes a script's result, the reply of x; scriptResp is its
// redis.setresp. Errors in it are counted as scriptError says.
func luaToReply(x *Ctx, v lua.LValue, scriptResp, depth int) {
	w := x.w
	if depth > maxReplyDepth {
		scriptError(x, "ERR reached lua stack limit", false)
		return
	}
	switch v := v.(type) {
	case lua.LString:
		w.Bulk([]byte(v))
	case lua.LNumber:
		w.Int(lualib.CInt64(float64(v)))
	case lua.LBool:
		switch {
		case scriptResp == 3:
			w.Bool(bool(v))
		case bool(v):
			w.Int(1)
		default:
			w.Null()
		}
	case *lua.LTable:
		tableToReply(x, v, scriptResp, depth)
	default:
		w.Null()
	}
}

// oneLine replaces CR and LF, which a status or error line cannot hold.
var oneLine = strings.NewReplacer("\r", " ", "\n", " ")

// cText is s as C reads it (cString): Redis passes a script's error and
// status texts on as C strings.
func cText(s string) string { return string(cString([]byte(s))) }

func tableToReply(x *Ctx, t *lua.LTable, scriptResp, depth int) {
	w := x.w
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		scriptError(x, oneLine.Replace(strings.TrimRight(cText(string(s)), "\r\n")), statsCounted(t))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.Simple(oneLine.Replace(cText(string(s))))
		return
	}
	if f, ok := t.RawGetString("double").(lua.LNumber); ok {
		w.Double(float64(f))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		w.BigNumber(oneLine.Replace(string(s)))
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, okf := vt.RawGetString("format").(lua.LString)
		text, oks := vt.RawGetString("string").(lua.LString)
		if okf && oks {
			// Three bytes of the format, as a C string, padded with spaces.
			w.Verbatim((cText(string(format)) + "   ")[:3], string(text))
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		w.Map(n)
		lualib.Pairs(m, func(k, v lua.LValue) {
			luaToReply(x, k, scriptResp, depth+1)
			luaToReply(x, v, scriptResp, depth+1)
		})
		return
	}
	if set, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		set.ForEach(func(_, _ lua.LValue) { n++ })
		w.Set(n)
		lualib.Pairs(set, func(k, _ lua.LValue) { luaToReply(x, k, scriptResp, depth+1) })
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.Array(n)
	for i := 1; i <= n; i++ {
		luaToReply(x, t.RawGetInt(i), scriptResp, depth+1)
	}
}
