package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// openCMsgpack is lua-cmsgpack 0.4.0 as Redis ships it: MessagePack
// encoding of Lua values (pack) and decoding of a stream of them (unpack,
// unpack_one, unpack_limit).
func openCMsgpack(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(msgpackPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return msgpackUnpack(L, 0, 0) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		offset := optInt(L, 2, 0)
		L.SetTop(1)
		return msgpackUnpack(L, 1, offset)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		limit := checkInt(L, 2)
		offset := optInt(L, 3, 0)
		L.SetTop(1)
		return msgpackUnpack(L, limit, offset)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// msgpackMaxNesting is the table depth past which pack writes nil (so
// cycles terminate).
const msgpackMaxNesting = 16

func msgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.RaiseError("bad argument #0 to 'pack' (MessagePack pack needs input.)")
	}
	var out []byte
	for i := 1; i <= n; i++ {
		out = msgpackEncode(out, L.Get(i), 0)
	}
	L.Push(lua.LString(out))
	return 1
}

func msgpackEncode(b []byte, v lua.LValue, level int) []byte {
	switch v := v.(type) {
	case lua.LString:
		n := len(v)
		switch {
		case n < 32:
			b = append(b, 0xa0|byte(n))
		case n <= 0xff:
			b = append(b, 0xd9, byte(n))
		case n <= 0xffff:
			b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
		}
		return append(b, v...)
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if !math.IsInf(f, 0) && float64(CInt64(f)) == f {
			return msgpackInt(b, CInt64(f))
		}
		if float64(float32(f)) == f {
			return binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(float32(f)))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
	case *lua.LTable:
		if level == msgpackMaxNesting {
			return append(b, 0xc0)
		}
		return msgpackTable(b, v, level)
	}
	return append(b, 0xc0)
}

func msgpackInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 127:
		return append(b, byte(n))
	case n >= 0 && n <= 0xff:
		return append(b, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n >= 0 && n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// msgpackTable writes a table as an array when its keys are exactly 1..n,
// as a map otherwise.
func msgpackTable(b []byte, t *lua.LTable, level int) []byte {
	count, max, array := 0, 0, true
	t.ForEach(func(k, _ lua.LValue) {
		n, ok := k.(lua.LNumber)
		if !ok || n <= 0 || math.IsInf(float64(n), 0) || float64(CInt32(float64(n))) != float64(n) {
			array = false
			return
		}
		max = int(math.Max(float64(max), float64(n)))
		count++
	})
	if array && max == count {
		n := t.Len()
		b = msgpackHeader(b, n, 0x90, 0xdc, 0xdd)
		for i := 1; i <= n; i++ {
			b = msgpackEncode(b, t.RawGetInt(i), level+1)
		}
		return b
	}
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	b = msgpackHeader(b, n, 0x80, 0xde, 0xdf)
	// In lua_next's order, as lua_cmsgpack walks it.
	Pairs(t, func(k, v lua.LValue) {
		b = msgpackEncode(b, k, level+1)
		b = msgpackEncode(b, v, level+1)
	})
	return b
}

func msgpackHeader(b []byte, n int, fix, tag16, tag32 byte) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, tag16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, tag32), uint32(n))
}

// msgpackUnpack decodes up to limit values (0 with offset 0: all of them)
// from argument 1 starting at offset; unpack_one and unpack_limit return
// the next offset (-1 at the end) before the values.
func msgpackUnpack(L *lua.LState, limit, offset int) int {
	s := checkString(L, 1)
	all := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, len(s))
	}
	if offset > len(s) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(s))
	}
	if all {
		limit = math.MaxInt32
	}
	d := &msgpackDecoder{L: L, buf: []byte(s[offset:])}
	n := 0
	for ; len(d.buf) > 0 && n < limit; n++ {
		L.Push(d.value())
		switch d.err {
		case errMsgpackEOF:
			L.RaiseError("Missing bytes in input.")
		case errMsgpackFormat:
			L.RaiseError("Bad data format in input.")
		}
	}
	if all {
		return n
	}
	next := len(s) - len(d.buf)
	if len(d.buf) == 0 {
		next = -1
	}
	L.Insert(lua.LNumber(next), 2)
	return n + 1
}

const (
	errMsgpackEOF = iota + 1
	errMsgpackFormat
)

type msgpackDecoder struct {
	L   *lua.LState
	buf []byte
	err int
}

// take consumes n bytes, or records a truncated input.
func (d *msgpackDecoder) take(n int) ([]byte, bool) {
	if d.err != 0 || len(d.buf) < n {
		if d.err == 0 {
			d.err = errMsgpackEOF
		}
		return nil, false
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b, true
}

func (d *msgpackDecoder) value() lua.LValue {
	h, ok := d.take(1)
	if !ok {
		return lua.LNil
	}
	c := h[0]
	sized := func(n int) uint64 {
		b, ok := d.take(n)
		if !ok {
			return 0
		}
		var v uint64
		for _, x := range b {
			v = v<<8 | uint64(x)
		}
		return v
	}
	switch {
	case c <= 0x7f:
		return lua.LNumber(c)
	case c >= 0xe0:
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	case c&0xf0 == 0x90:
		return d.array(int(c & 0x0f))
	case c&0xf0 == 0x80:
		return d.hash(int(c & 0x0f))
	}
	switch c {
	case 0xc0:
		return lua.LNil
	case 0xc2:
		return lua.LFalse
	case 0xc3:
		return lua.LTrue
	case 0xcc:
		return lua.LNumber(sized(1))
	case 0xcd:
		return lua.LNumber(sized(2))
	case 0xce:
		return lua.LNumber(sized(4))
	case 0xcf:
		return lua.LNumber(float64(sized(8)))
	case 0xd0:
		return lua.LNumber(int8(sized(1)))
	case 0xd1:
		return lua.LNumber(int16(sized(2)))
	case 0xd2:
		return lua.LNumber(int32(sized(4)))
	case 0xd3:
		return lua.LNumber(float64(int64(sized(8))))
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(sized(4))))
	case 0xcb:
		return lua.LNumber(math.Float64frombits(sized(8)))
	case 0xd9:
		return d.str(int(sized(1)))
	case 0xda:
		return d.str(int(sized(2)))
	case 0xdb:
		return d.str(int(sized(4)))
	case 0xdc:
		return d.array(int(sized(2)))
	case 0xdd:
		return d.array(int(sized(4)))
	case 0xde:
		return d.hash(int(sized(2)))
	case 0xdf:
		return d.hash(int(sized(4)))
	}
	d.err = errMsgpackFormat
	return lua.LNil
}

func (d *msgpackDecoder) str(n int) lua.LValue {
	b, ok := d.take(n)
	if !ok {
		return lua.LNil
	}
	return lua.LString(b)
}

func (d *msgpackDecoder) array(n int) lua.LValue {
	t := d.L.NewTable()
	for i := 1; i <= n && d.err == 0; i++ {
		if v := d.value(); d.err == 0 {
			t.RawSetInt(i, v)
		}
	}
	return t
}

func (d *msgpackDecoder) hash(n int) lua.LValue {
	t := d.L.NewTable()
	for i := 0; i < n && d.err == 0; i++ {
		k := d.value()
		v := d.value()
		if d.err != 0 {
			break
		}
		if k == lua.LNil {
			d.L.RaiseError("table index is nil")
		}
		t.RawSet(k, v)
	}
	return t
}
