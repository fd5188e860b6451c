package lualib

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairndb/cairn/cnum"
	lua "github.com/yuin/gopher-lua"
)

// cjsonConfig is one cjson instance's settings (cjson.new makes another).
type cjsonConfig struct {
	sparseConvert        bool
	sparseRatio          int
	sparseSafe           int
	encodeMaxDepth       int
	decodeMaxDepth       int
	precision            int
	encodeInvalidNumbers int // 0 error, 1 allow, 2 as null
	decodeInvalidNumbers bool
	keepBuffer           bool
}

// CJSONNull is cjson.null, Lua's NULL light userdata.
var cjsonNull = &lua.LUserData{}

// openCJSON is lua-cjson 2.1.0 as Redis ships it.
func openCJSON(L *lua.LState) *lua.LTable {
	c := &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		precision: 14, decodeInvalidNumbers: true, keepBuffer: true}
	t := L.NewTable()
	for name, fn := range map[string]lua.LGFunction{
		"encode":                  c.encode,
		"decode":                  c.decode,
		"encode_sparse_array":     c.setSparse,
		"encode_max_depth":        intSetting(&c.encodeMaxDepth, math.MaxInt32),
		"decode_max_depth":        intSetting(&c.decodeMaxDepth, math.MaxInt32),
		"encode_number_precision": intSetting(&c.precision, 14),
		"encode_keep_buffer":      boolSetting(&c.keepBuffer),
		"decode_invalid_numbers":  boolSetting(&c.decodeInvalidNumbers),
		"encode_invalid_numbers":  c.setEncodeInvalid,
		"new":                     func(L *lua.LState) int { L.Push(openCJSON(L)); return 1 },
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("null", cjsonNull)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

func intSetting(v *int, max int) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
			n := checkInt(L, 1)
			if n < 1 || n > max {
				argError(L, 1, "expected integer between 1 and "+strconv.Itoa(max))
			}
			*v = n
		}
		L.Push(lua.LNumber(*v))
		return 1
	}
}

// enumArg reads a cjson on/off option: a boolean or one of names.
func enumArg(L *lua.LState, i int, names ...string) (int, bool) {
	switch v := L.Get(i).(type) {
	case *lua.LNilType:
		return 0, false
	case lua.LBool:
		if v {
			return 1, true
		}
		return 0, true
	}
	s := checkString(L, i)
	for n, name := range names {
		if s == name {
			return n, true
		}
	}
	argError(L, i, "invalid option '"+s+"'")
	return 0, false
}

func boolSetting(v *bool) lua.LGFunction {
	return func(L *lua.LState) int {
		if n, ok := enumArg(L, 1, "off", "on"); ok {
			*v = n == 1
		}
		L.Push(lua.LBool(*v))
		return 1
	}
}

func (c *cjsonConfig) setEncodeInvalid(L *lua.LState) int {
	if n, ok := enumArg(L, 1, "off", "on", "null"); ok {
		c.encodeInvalidNumbers = n
	}
	switch c.encodeInvalidNumbers {
	case 2:
		L.Push(lua.LString("null"))
	default:
		L.Push(lua.LBool(c.encodeInvalidNumbers == 1))
	}
	return 1
}

func (c *cjsonConfig) setSparse(L *lua.LState) int {
	if n, ok := enumArg(L, 1, "off", "on"); ok {
		c.sparseConvert = n == 1
	}
	if L.Get(2) != lua.LNil {
		c.sparseRatio = checkInt(L, 2)
	}
	if L.Get(3) != lua.LNil {
		c.sparseSafe = checkInt(L, 3)
	}
	L.Push(lua.LBool(c.sparseConvert))
	L.Push(lua.LNumber(c.sparseRatio))
	L.Push(lua.LNumber(c.sparseSafe))
	return 3
}

func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	var b strings.Builder
	c.encodeValue(L, &b, L.Get(1), 0)
	L.Push(lua.LString(b.String()))
	return 1
}

func (c *cjsonConfig) encodeValue(L *lua.LState, b *strings.Builder, v lua.LValue, depth int) {
	switch v := v.(type) {
	case lua.LString:
		encodeJSONString(b, string(v))
	case lua.LNumber:
		c.encodeNumber(L, b, float64(v), "number")
	case lua.LBool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case *lua.LNilType:
		b.WriteString("null")
	case *lua.LTable:
		depth++
		if depth > c.encodeMaxDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := c.arrayLength(L, v); n > 0 {
			b.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					b.WriteByte(',')
				}
				c.encodeValue(L, b, v.RawGetInt(i), depth)
			}
			b.WriteByte(']')
			return
		}
		b.WriteByte('{')
		first := true
		Pairs(v, func(k, val lua.LValue) {
			if !first {
				b.WriteByte(',')
			}
			first = false
			switch k := k.(type) {
			case lua.LNumber:
				b.WriteByte('"')
				c.encodeNumber(L, b, float64(k), "number")
				b.WriteString(`":`)
			case lua.LString:
				encodeJSONString(b, string(k))
				b.WriteByte(':')
			default:
				L.RaiseError("Cannot serialise %s: table key must be a number or string", k.Type())
			}
			c.encodeValue(L, b, val, depth)
		})
		b.WriteByte('}')
	case *lua.LUserData:
		if v == cjsonNull {
			b.WriteString("null")
			return
		}
		L.RaiseError("Cannot serialise userdata: type not supported")
	default:
		L.RaiseError("Cannot serialise %s: type not supported", v.Type())
	}
}

func (c *cjsonConfig) encodeNumber(L *lua.LState, b *strings.Builder, f float64, kind string) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch c.encodeInvalidNumbers {
		case 0:
			L.RaiseError("Cannot serialise %s: must not be NaN or Inf", kind)
		case 1:
			b.WriteString(FormatNumber(f))
		default:
			b.WriteString("null")
		}
		return
	}
	b.WriteString(strconv.FormatFloat(f, 'g', c.precision, 64))
}

// arrayLength is the array size of a table whose keys are all positive
// integers, or -1; excessively sparse arrays are an error (or objects).
func (c *cjsonConfig) arrayLength(L *lua.LState, t *lua.LTable) int {
	max, items, array := 0, 0, true
	t.ForEach(func(k, _ lua.LValue) {
		n, ok := k.(lua.LNumber)
		if !ok || float64(n) != math.Floor(float64(n)) || n < 1 {
			array = false
			return
		}
		max = int(math.Max(float64(max), float64(n)))
		items++
	})
	if !array {
		return -1
	}
	if c.sparseRatio > 0 && max > items*c.sparseRatio && max > c.sparseSafe {
		if !c.sparseConvert {
			L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return -1
	}
	return max
}

// jsonEscapes are the characters lua-cjson escapes other than as \u00XX.
var jsonEscapes = map[byte]string{'"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`}

func encodeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if e, ok := jsonEscapes[c]; ok {
			b.WriteString(e)
			continue
		}
		if c < 0x20 || c == 0x7f {
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
}

// JSON decoding: a scanner producing lua-cjson's tokens and its errors.

type jsonTokenType int

const (
	tObjBegin jsonTokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
)

var jsonTokenNames = []string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR"}

type jsonToken struct {
	typ   jsonTokenType
	index int
	str   string
	num   float64
	b     bool
	err   string
}

type jsonDecoder struct {
	L     *lua.LState
	c     *cjsonConfig
	data  string
	pos   int
	depth int
}

func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s := checkString(L, 1)
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // the C parser stops at NUL
	}
	d := &jsonDecoder{L: L, c: c, data: s}
	v := d.value(d.next())
	if t := d.next(); t.typ != tEnd {
		d.fail("the end", t)
	}
	L.Push(v)
	return 1
}

func (d *jsonDecoder) fail(expected string, t jsonToken) {
	found := t.err
	if t.typ != tError {
		found = jsonTokenNames[t.typ]
	}
	d.L.RaiseError("Expected %s but found %s at character %d", expected, found, t.index+1)
}

func (d *jsonDecoder) value(t jsonToken) lua.LValue {
	switch t.typ {
	case tString:
		return lua.LString(t.str)
	case tNumber:
		return lua.LNumber(t.num)
	case tBoolean:
		return lua.LBool(t.b)
	case tNull:
		return cjsonNull
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	}
	d.fail("value", t)
	return lua.LNil
}

func (d *jsonDecoder) descend() {
	d.depth++
	if d.depth > d.c.decodeMaxDepth {
		d.L.RaiseError("Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

func (d *jsonDecoder) object() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	tok := d.next()
	if tok.typ == tObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.typ != tString {
			d.fail("object key string", tok)
		}
		key := tok.str
		if tok = d.next(); tok.typ != tColon {
			d.fail("colon", tok)
		}
		t.RawSetString(key, d.value(d.next()))
		tok = d.next()
		if tok.typ == tObjEnd {
			break
		}
		if tok.typ != tComma {
			d.fail("comma or object end", tok)
		}
		tok = d.next()
	}
	d.depth--
	return t
}

func (d *jsonDecoder) array() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	tok := d.next()
	if tok.typ == tArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(tok))
		tok = d.next()
		if tok.typ == tArrEnd {
			break
		}
		if tok.typ != tComma {
			d.fail("comma or array end", tok)
		}
		tok = d.next()
	}
	d.depth--
	return t
}

func (d *jsonDecoder) next() jsonToken {
	for d.pos < len(d.data) && strings.IndexByte(" \t\n\r", d.data[d.pos]) >= 0 {
		d.pos++
	}
	t := jsonToken{index: d.pos}
	if d.pos >= len(d.data) {
		t.typ = tEnd
		return t
	}
	rest := d.data[d.pos:]
	if i := strings.IndexByte("{}[]:,", rest[0]); i >= 0 {
		t.typ = []jsonTokenType{tObjBegin, tObjEnd, tArrBegin, tArrEnd, tColon, tComma}[i]
		d.pos++
		return t
	}
	switch {
	case rest[0] == '"':
		return d.str(t)
	case rest[0] == '-' || (rest[0] >= '0' && rest[0] <= '9'):
		if !d.c.decodeInvalidNumbers && invalidJSONNumber(rest) {
			return d.tokenError(t, "invalid number")
		}
		return d.number(t)
	case strings.HasPrefix(rest, "true"):
		t.typ, t.b = tBoolean, true
		d.pos += 4
		return t
	case strings.HasPrefix(rest, "false"):
		t.typ = tBoolean
		d.pos += 5
		return t
	case strings.HasPrefix(rest, "null"):
		t.typ = tNull
		d.pos += 4
		return t
	case d.c.decodeInvalidNumbers && invalidJSONNumber(rest):
		return d.number(t)
	}
	return d.tokenError(t, "invalid token")
}

func (d *jsonDecoder) tokenError(t jsonToken, msg string) jsonToken {
	t.typ, t.err, t.index = tError, msg, d.pos
	return t
}

func (d *jsonDecoder) number(t jsonToken) jsonToken {
	f, n := cnum.Strtod(d.data[d.pos:])
	if n == 0 {
		return d.tokenError(t, "invalid number")
	}
	t.typ, t.num = tNumber, f
	d.pos += n
	return t
}

// invalidJSONNumber spots numbers JSON forbids but strtod reads: a leading
// +, hexadecimal, leading zeros, inf and nan.
func invalidJSONNumber(s string) bool {
	if s[0] == '+' {
		return true
	}
	if s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	if s[0] == '0' {
		return len(s) > 1 && (s[1]|0x20 == 'x' || (s[1] >= '0' && s[1] <= '9'))
	}
	if s[0] <= '9' {
		return false
	}
	low := strings.ToLower(s[:min(3, len(s))])
	return low == "inf" || low == "nan"
}

var jsonUnescapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r'}

func (d *jsonDecoder) str(t jsonToken) jsonToken {
	d.pos++ // the opening quote
	var b strings.Builder
	for {
		if d.pos >= len(d.data) {
			return d.tokenError(t, "unexpected end of string")
		}
		c := d.data[d.pos]
		if c == '"' {
			break
		}
		if c == '\\' && d.pos+1 < len(d.data) && d.data[d.pos+1] == 'u' {
			r, n := d.unicodeEscape()
			if n == 0 {
				return d.tokenError(t, "invalid unicode escape code")
			}
			b.WriteString(r)
			d.pos += n
			continue
		}
		if c == '\\' {
			e, ok := byte(0), false
			if d.pos+1 < len(d.data) {
				e, ok = jsonUnescapes[d.data[d.pos+1]]
			}
			if !ok {
				return d.tokenError(t, "invalid escape code")
			}
			c = e
			d.pos++
		}
		b.WriteByte(c)
		d.pos++
	}
	d.pos++ // the closing quote
	t.typ, t.str = tString, b.String()
	return t
}

// unicodeEscape decodes \uXXXX (a surrogate pair takes two) at pos into
// UTF-8, returning the bytes consumed (0: invalid).
func (d *jsonDecoder) unicodeEscape() (string, int) {
	hex4 := func(at int) (rune, bool) {
		if at+6 > len(d.data) || d.data[at] != '\\' || d.data[at+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(d.data[at+2:at+6], 16, 16)
		return rune(n), err == nil
	}
	r, ok := hex4(d.pos)
	if !ok {
		return "", 0
	}
	switch {
	case r >= 0xdc00 && r <= 0xdfff:
		return "", 0
	case r >= 0xd800 && r <= 0xdbff:
		low, ok := hex4(d.pos + 6)
		if !ok || low < 0xdc00 || low > 0xdfff {
			return "", 0
		}
		r = ((r & 0x3ff) << 10) + (low & 0x3ff) + 0x10000
		return string(utf8.AppendRune(nil, r)), 12
	}
	return string(utf8.AppendRune(nil, r)), 6
}
