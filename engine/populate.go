package engine

import (
	"strconv"
)

// populateChunk is how many keys DEBUG POPULATE writes per transaction:
// millions of keys go in as many bounded batches, not one huge one.
const populateChunk = 4096

// debugPopulate is DEBUG POPULATE count [prefix] [size]: it creates keys
// prefix:0 .. prefix:count-1 that do not exist yet, with values "value:N"
// (cut or zero-padded to size bytes when size is given), as Redis does.
// Each chunk holds the world lock exclusively, so clients see whole chunks.
func debugPopulate(x *Ctx) {
	count, ok := parseInt(x.args[2])
	if !ok || count < 0 {
		x.fail("ERR value is out of range, must be positive")
		return
	}
	prefix := "key"
	if len(x.args) >= 4 {
		prefix = string(x.args[3])
	}
	size := int64(-1)
	if len(x.args) == 5 {
		if size, ok = parseInt(x.args[4]); !ok || size < 0 {
			x.fail("ERR value is out of range, must be positive")
			return
		}
	}
	fill := func(y *Ctx, from, to int64) {
		for j := from; j < to; j++ {
			key := []byte(prefix + ":" + strconv.FormatInt(j, 10))
			if y.lookup(y.db, key) != nil {
				continue
			}
			val := []byte("value:" + strconv.FormatInt(j, 10))
			if size >= 0 {
				padded := make([]byte, size)
				copy(padded, val)
				val = padded
			}
			y.put(key, y.newString(val, 0, encStringAuto))
		}
	}
	if x.shared {
		// Inside EXEC: the transaction already holds the world lock.
		fill(x, 0, count)
		x.w.OK()
		return
	}
	s := x.s
	for start := int64(0); start < count; start += populateChunk {
		y := &Ctx{s: s, c: x.c, cmd: x.cmd, w: x.w, db: x.db, now: unixMilli()}
		s.world.Lock()
		s.runBody(y, func() { fill(y, start, min(start+populateChunk, count)) })
		s.world.Unlock()
		if y.failed {
			return
		}
		s.afterWrite(y)
	}
	x.w.OK()
}
