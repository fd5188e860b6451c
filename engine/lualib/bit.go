package lualib

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// openBit is LuaBitOp 1.0: bitwise operations on numbers taken as 32-bit
// integers, results returned as signed 32-bit numbers.
func openBit(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	unary := func(op func(uint32) uint32) lua.LGFunction {
		return func(L *lua.LState) int { return pushBits(L, op(bitArg(L, 1))) }
	}
	fold := func(op func(a, b uint32) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			b := bitArg(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				b = op(b, bitArg(L, i))
			}
			return pushBits(L, b)
		}
	}
	shift := func(op func(b uint32, n uint) uint32) lua.LGFunction {
		return func(L *lua.LState) int {
			b, n := bitArg(L, 1), bitArg(L, 2)&31
			return pushBits(L, op(b, uint(n)))
		}
	}
	for name, fn := range map[string]lua.LGFunction{
		"tobit": unary(func(b uint32) uint32 { return b }),
		"bnot":  unary(func(b uint32) uint32 { return ^b }),
		"bswap": unary(bits.ReverseBytes32),
		"band":  fold(func(a, b uint32) uint32 { return a & b }),
		"bor":   fold(func(a, b uint32) uint32 { return a | b }),
		"bxor":  fold(func(a, b uint32) uint32 { return a ^ b }),
		"lshift": shift(func(b uint32, n uint) uint32 {
			return b << n
		}),
		"rshift": shift(func(b uint32, n uint) uint32 {
			return b >> n
		}),
		"arshift": shift(func(b uint32, n uint) uint32 {
			return uint32(int32(b) >> n)
		}),
		"rol": shift(func(b uint32, n uint) uint32 {
			return bits.RotateLeft32(b, int(n))
		}),
		"ror": shift(func(b uint32, n uint) uint32 {
			return bits.RotateLeft32(b, -int(n))
		}),
		"tohex": bitToHex,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}

// bitArg normalises a number to 32 bits as LuaBitOp does: adding 2^52+2^51
// rounds it to an integer (to even) in the low word of the double.
func bitArg(L *lua.LState, i int) uint32 {
	f, ok := ToNumber(L.Get(i))
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		typeError(L, i, "number")
	}
	return b
}

func pushBits(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitToHex(L *lua.LState) int {
	b := bitArg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(bitArg(L, 2))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	n = min(n, 8)
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
