package lualib

import (
	"math"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Rand48 is the PRNG behind Redis's math.random: POSIX rand48 (48-bit
// linear congruential), one state per server shared by every script, never
// reseeded except by math.randomseed.
type Rand48 struct {
	mu sync.Mutex
	x  uint64
}

const (
	rand48Mul  = 0x5DEECE66D
	rand48Add  = 0xB
	rand48Mask = 1<<48 - 1
	lrand48Max = math.MaxInt32
)

// NewRand48 returns the generator in rand48's unseeded initial state.
func NewRand48() *Rand48 { return &Rand48{x: 0x1234ABCD330E} }

// Seed is srand48.
func (r *Rand48) Seed(seed int32) {
	r.mu.Lock()
	r.x = uint64(uint32(seed))<<16 | 0x330E
	r.mu.Unlock()
}

// Next is lrand48: 31 random bits.
func (r *Rand48) Next() int32 {
	r.mu.Lock()
	r.x = (rand48Mul*r.x + rand48Add) & rand48Mask
	n := int32(r.x >> 17)
	r.mu.Unlock()
	return n
}

// openRandom replaces math.random and math.randomseed with Redis's.
func openRandom(L *lua.LState, mathLib *lua.LTable, r *Rand48) {
	mathLib.RawSetString("random", L.NewFunction(func(L *lua.LState) int {
		f := float64(r.Next()%lrand48Max) / lrand48Max
		switch L.GetTop() {
		case 0:
			L.Push(lua.LNumber(f))
		case 1:
			u := checkInt(L, 1)
			if u < 1 {
				argError(L, 1, "interval is empty")
			}
			L.Push(lua.LNumber(math.Floor(f*float64(u)) + 1))
		case 2:
			l, u := checkInt(L, 1), checkInt(L, 2)
			if l > u {
				argError(L, 2, "interval is empty")
			}
			L.Push(lua.LNumber(math.Floor(f*float64(u-l+1)) + float64(l)))
		default:
			L.RaiseError("wrong number of arguments")
		}
		return 1
	}))
	mathLib.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		r.Seed(int32(checkInt(L, 1)))
		return 0
	}))
}
