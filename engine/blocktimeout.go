package engine

import (
	"math"
	"math/big"
	"time"
)

// timeoutArg parses a blocking command's timeout in seconds as Redis
// 7.0 does: a long double, times 1000, rounded up to whole milliseconds;
// 0 waits forever, a value that is negative or does not fit in 64 bits
// is "negative".
func (x *Ctx) timeoutArg(arg []byte) (time.Duration, bool) {
	f, ok := parseLongDouble(arg)
	if !ok {
		x.fail("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := newLongDouble().Mul(f, newLongDouble().SetInt64(1000))
	if ms.IsInf() {
		x.fail("ERR timeout is negative")
		return 0, false
	}
	n, acc := ms.Int(nil)
	if acc == big.Below { // ceil: the value had a positive fraction
		n.Add(n, big.NewInt(1))
	}
	if !n.IsInt64() || n.Sign() < 0 {
		x.fail("ERR timeout is negative")
		return 0, false
	}
	v := n.Int64()
	if v > math.MaxInt64/int64(time.Millisecond) {
		return 0, true // past the end of time: Redis's deadline overflows too
	}
	return time.Duration(v) * time.Millisecond, true
}
