package engine

import (
	"fmt"
	"math"
	"strconv"
)

// randCountArg parses the count of SRANDMEMBER and HRANDFIELD, which Redis
// takes in [-LONG_MAX, LONG_MAX].
func (x *Ctx) randCountArg(i int) (int64, bool) {
	n, ok := x.intArg(i)
	if ok && n == math.MinInt64 {
		x.fail(fmt.Sprintf("ERR value is out of range, value must between %d and %d", -math.MaxInt64, math.MaxInt64))
		return 0, false
	}
	return n, ok
}

// writeScanReply writes an HSCAN/SSCAN reply: the next cursor and the items.
func writeScanReply(x *Ctx, next uint64, items [][]byte) {
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.BulkStrings(items)
}
