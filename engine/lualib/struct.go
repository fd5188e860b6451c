package lualib

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// openStruct is Roberto Ierusalimschy's struct library as Redis ships it:
// struct.pack, struct.unpack and struct.size over C layouts of an x86-64
// build (little endian native, long and size_t of 8 bytes, int of 4).
func openStruct(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
)

// structFormat walks a format string, keeping the endianness and alignment
// its control options set.
type structFormat struct {
	L      *lua.LState
	f      string
	i      int
	little bool
	align  int
}

func newStructFormat(L *lua.LState, f string) *structFormat {
	return &structFormat{L: L, f: f, little: true, align: 1}
}

func (s *structFormat) more() bool { return s.i < len(s.f) }

// next returns the next option and its size (0 for control options).
func (s *structFormat) next() (byte, int) {
	opt := s.f[s.i]
	s.i++
	switch opt {
	case 'b', 'B', 'x':
		return opt, 1
	case 'h', 'H':
		return opt, 2
	case 'l', 'L', 'T', 'd':
		return opt, 8
	case 'f':
		return opt, 4
	case 'c':
		return opt, s.number(1)
	case 'i', 'I':
		n := s.number(4)
		if n > structMaxIntSize {
			s.L.RaiseError("integral size %d is larger than limit of %d", n, structMaxIntSize)
		}
		return opt, n
	}
	return opt, 0
}

func (s *structFormat) number(def int) int {
	if !s.more() || s.f[s.i] < '0' || s.f[s.i] > '9' {
		return def
	}
	n := 0
	for s.more() && s.f[s.i] >= '0' && s.f[s.i] <= '9' {
		d := int(s.f[s.i] - '0')
		if n > (math.MaxInt32-d)/10 {
			s.L.RaiseError("integral size overflow")
		}
		n = n*10 + d
		s.i++
	}
	return n
}

// padding is how many bytes align an item of size at offset.
func (s *structFormat) padding(offset int, opt byte, size int) int {
	a := size
	if a <= 1 || opt == 'c' {
		return 0
	}
	a = min(a, s.align)
	if a&(a-1) != 0 {
		argError(s.L, 1, "format asks for alignment not power of 2")
	}
	return (a - offset&(a-1)) & (a - 1)
}

// control handles the options that change the layout rather than add data.
func (s *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		s.little = false
	case '<':
		s.little = true
	case '!':
		a := s.number(structMaxAlign)
		if a&(a-1) != 0 {
			s.L.RaiseError("alignment %d is not a power of 2", a)
		}
		s.align = a
	default:
		argError(s.L, 1, "invalid format option '"+string(opt)+"'")
	}
}

func (s *structFormat) order(b []byte) {
	if !s.little {
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
}

func structPack(L *lua.LState) int {
	s := newStructFormat(L, checkString(L, 1))
	L.Push(lua.LNil) // as the C library does: a missing argument reads as nil
	arg := 2
	var out []byte
	for s.more() {
		opt, size := s.next()
		out = append(out, make([]byte, s.padding(len(out), opt, size))...)
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumber(L, arg)
			arg++
			var v uint64
			if n < 0 {
				v = uint64(CInt64(n))
			} else {
				v = cUint64(n)
			}
			b := make([]byte, size)
			for i := 0; i < size && i < 8; i++ {
				b[i] = byte(v >> (8 * i))
			}
			s.order(b)
			out = append(out, b...)
		case 'x':
			out = append(out, 0)
		case 'f':
			b := binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(checkNumber(L, arg))))
			arg++
			s.order(b)
			out = append(out, b...)
		case 'd':
			b := binary.LittleEndian.AppendUint64(nil, math.Float64bits(checkNumber(L, arg)))
			arg++
			s.order(b)
			out = append(out, b...)
		case 'c', 's':
			str := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(str)
			}
			if len(str) < size {
				argError(L, arg, "string too short")
			}
			out = append(out, str[:size]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			s.control(opt)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func structUnpack(L *lua.LState) int {
	s := newStructFormat(L, checkString(L, 1))
	data := checkString(L, 2)
	pos := optInt(L, 3, 1) - 1
	if pos < 0 || pos > len(data) {
		argError(L, 3, "offset must be 1 or greater")
	}
	n := 0
	for s.more() {
		opt, size := s.next()
		pos += s.padding(pos, opt, size)
		if pos+size > len(data) {
			argError(L, 2, "data string too short")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			b := []byte(data[pos : pos+size])
			s.order(b) // now little endian
			var v uint64
			for i := min(size, 8) - 1; i >= 0; i-- {
				v = v<<8 | uint64(b[i])
			}
			if opt >= 'a' && size < 8 && v&(1<<(8*size-1)) != 0 {
				v |= ^uint64(0) << (8 * size) // sign extension
			}
			if opt >= 'a' {
				L.Push(lua.LNumber(float64(int64(v))))
			} else {
				L.Push(lua.LNumber(float64(v)))
			}
			n++
		case 'x':
		case 'f':
			b := []byte(data[pos : pos+4])
			s.order(b)
			L.Push(lua.LNumber(math.Float32frombits(binary.LittleEndian.Uint32(b))))
			n++
		case 'd':
			b := []byte(data[pos : pos+8])
			s.order(b)
			L.Push(lua.LNumber(math.Float64frombits(binary.LittleEndian.Uint64(b))))
			n++
		case 'c':
			if size == 0 {
				prev, ok := lua.LNil, false
				if n > 0 {
					prev = L.Get(-1)
					_, ok = ToNumber(prev)
				}
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				f, _ := ToNumber(prev)
				size = int(f)
				L.Pop(1)
				n--
				if size > len(data) || pos > len(data)-size {
					argError(L, 2, "data string too short")
				}
			}
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case 's':
			end := strings.IndexByte(data[pos:], 0)
			if end < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = end + 1
			L.Push(lua.LString(data[pos : pos+end]))
			n++
		default:
			s.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos + 1))
	return n + 1
}

func structSize(L *lua.LState) int {
	s := newStructFormat(L, checkString(L, 1))
	pos := 0
	for s.more() {
		opt, size := s.next()
		pos += s.padding(pos, opt, size)
		switch {
		case opt == 's':
			argError(L, 1, "option 's' has no fixed size")
		case opt == 'c' && size == 0:
			argError(L, 1, "option 'c0' has no fixed size")
		}
		if size == 0 {
			s.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

// cUint64 converts like a C cast of a non-negative double to unsigned long
// long on x86-64.
func cUint64(f float64) uint64 {
	if f >= 18446744073709551616.0 || f != f {
		return 1 << 63
	}
	return uint64(f)
}
