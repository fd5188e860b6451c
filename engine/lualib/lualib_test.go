package lualib

import (
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// run runs code in a fresh sandbox and returns its result or error text.
func run(t *testing.T, code string) string {
	t.Helper()
	sb := New(NewRand48())
	proto, err := Compile(code, "test")
	if err != "" {
		return "compile: " + err
	}
	fn := sb.L.NewFunctionFromProto(proto)
	fn.Env = sb.Env
	sb.L.Push(fn)
	if err := sb.L.PCall(0, 1, nil); err != nil {
		return "error: " + err.(*lua.ApiError).Object.String()
	}
	return sb.L.Get(-1).String()
}

// runAll runs each script and checks its result or error text.
func runAll(t *testing.T, cases map[string]string) {
	t.Helper()
	for code, want := range cases {
		if got := run(t, code); got != want {
			t.Errorf("%s\n got %q\nwant %q", code, got, want)
		}
	}
}

func TestSandboxRules(t *testing.T) {
	runAll(t, map[string]string{
		"return x":                         "error: test:1: Script attempted to access nonexistent global variable 'x'",
		"x = 1":                            "error: test:1: Attempt to modify a readonly table",
		"string.x = 1":                     "error: test:1: Attempt to modify a readonly table",
		"rawset(_G, 'x', 1)":               "error: Attempt to modify a readonly table",
		"table.insert(math, 1)":            "error: Attempt to modify a readonly table",
		"return type(rawget(_G, 'bit'))":   "table",
		"return ('ab'):upper()":            "AB",
		"return loadstring('return io')()": "error: [string \"return io\"]:1: Script attempted to access nonexistent global variable 'io'",
		"return tostring(2^53)":            "9.007199254741e+15",
		"return string.format('%5.1f|%-3d|%q', 3.14159, 7, 'a\"b')": "  3.1|7  |\"a\\\"b\"",
	})
}

// The first values of Redis's math.random on a fresh server (rand48 in its
// unseeded state), and after randomseed(42).
func TestRand48MatchesRedis(t *testing.T) {
	if got := run(t, "return math.random(1000) .. ',' .. math.random(1000) .. ',' .. math.random(1000)"); got != "397,841,354" {
		t.Errorf("unseeded sequence %s", got)
	}
	if got := run(t, "math.randomseed(42) return math.random(1000) .. ',' .. math.random(1000)"); got != "745,343" {
		t.Errorf("seeded sequence %s", got)
	}
}

func TestFormatNumber(t *testing.T) {
	for f, want := range map[float64]string{
		1.0 / 3: "0.33333333333333", 1e15: "1e+15", 100: "100", 0.1: "0.1",
		math.Inf(1): "inf", math.Inf(-1): "-inf", math.Copysign(math.NaN(), -1): "-nan",
	} {
		if got := FormatNumber(f); got != want {
			t.Errorf("FormatNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

// .. writes numbers as tostring does, in any function, but leaves every
// other operand to the VM: __concat metamethods, and its errors, worded and
// placed as before.
func TestConcat(t *testing.T) {
	runAll(t, map[string]string{
		"return 1/3 .. '|' .. 1e15 .. '|' .. 2^53 .. '|' .. 10":                                     "0.33333333333333|1e+15|9.007199254741e+15|10",
		"return tonumber('-0') .. '|' .. 1/0 .. '|' .. -1/0 .. '|' .. 0/0":                          "-0|inf|-inf|-nan",
		"return 1 .. 2 .. 0x10 .. 1e2":                                                              "1216100",
		"local function f(x) return 'x' .. x end return f(1/3)":                                     "x0.33333333333333",
		"local function f() return 1/3, 2 end return f() .. ''":                                     "0.33333333333333",
		"return setmetatable({}, {__concat = function(a, b) return type(a) .. type(b) end}) .. 1/3": "tablenumber",
		"return 'a' .. nil":          "error: test:1: cannot perform concat operation between string and nil",
		"return 1 .. nil":            "error: test:1: cannot perform concat operation between number and nil",
		"return nil .. 1.5 .. 'x'":   "error: test:1: cannot perform concat operation between nil and string",
		"return 'a' .. 1/3 .. {}":    "error: test:1: cannot perform concat operation between number and table",
		"return true .. 2":           "error: test:1: cannot perform concat operation between boolean and number",
		"local x\nreturn 'a' ..\n x": "error: test:2: cannot perform concat operation between string and nil",
		"local t = setmetatable({}, {__concat = 1})\n\nreturn t .. 1": "error: test:3: cannot perform concat operation between table and number",
	})
}

func TestChunkID(t *testing.T) {
	long := strings.Repeat("x", 50)
	for name, want := range map[string]string{
		"return 1":  `[string "return 1"]`,
		"a\nb":      `[string "a..."]`,
		long:        `[string "` + long[:43] + `..."]`,
		"=(load)":   "(load)",
		"@file.lua": "file.lua",
	} {
		if got := chunkID(name); got != want {
			t.Errorf("chunkID(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCJSONRoundTrip(t *testing.T) {
	got := run(t, `local t = cjson.decode('{"a":[1,2.5,"x\\u00e9",true,null]}')
		return cjson.encode(t.a) .. tostring(t.a[5] == cjson.null)`)
	if want := `[1,2.5,"xé",true,null]true`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCMsgpackRoundTrip(t *testing.T) {
	got := run(t, `local a, b, c, d = cmsgpack.unpack(cmsgpack.pack(-70000, 'x', {1, {a = 2}}, 0.5))
		return a .. b .. c[2].a .. d`)
	if want := "-70000x20.5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// An encoder writes the same table the same way every time: its pairs in
// the order pairs gives, not Go's map order.
func TestEncodersKeepTheirOrder(t *testing.T) {
	for _, enc := range []string{"cjson.encode", "cmsgpack.pack"} {
		code := `local t = {} for i = 1, 30 do t['k' .. i] = i end
			local first = ` + enc + `(t)
			for i = 1, 50 do if ` + enc + `(t) ~= first then return 'differs' end end
			return 'same'`
		if got := run(t, code); got != "same" {
			t.Errorf("%s of one table twice: %s", enc, got)
		}
	}
}
