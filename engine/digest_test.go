package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// DEBUG DIGEST and DIGEST-VALUE give Redis's very hex strings for the same
// data: every type, small and large encodings, integers, binary bytes,
// deadlines, several databases, and after changes that must move them.
func TestDebugDigestDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes")
	d.Run(`
		debug digest
		debug digest-value nokey
		debug digest-value
		set s hello
		set n 12345
		set neg -7
		set bin "a\x00\xffb"
		rpush l a b 3 -4 ""
		sadd st x y 7 300000
		sadd ints 1 2 3 -5
		zadd z 1.5 a 2 b inf c -inf d 0.1 e
		hset h f v g w n 17
		xadd x 5-1 a 1 b 2
		xadd x 6-0 c 3
		xadd x 6-1 d 4
		xdel x 6-0
		xgroup create x g 0
		set e v ex 100
		hset he f v
		pexpire he 500000
		debug digest-value s n neg bin l st ints z h x e he nokey
		debug digest
		select 3
		set other 1
		debug digest
		copy other other2
		debug digest-value other other2
		select 0
		debug digest
		persist e
		debug digest-value e
		rpush l2 b a
		rpush l3 a b
		debug digest-value l2 l3
		debug digest
	`)
	rng := rand.New(rand.NewPCG(3, 11))
	member := func() string {
		if rng.IntN(3) == 0 {
			return strconv.Itoa(rng.IntN(2000) - 1000)
		}
		return fmt.Sprintf("m%d", rng.IntN(5000))
	}
	for i := range 700 {
		d.Do("RPUSH", "biglist", member())
		d.Do("SADD", "bigset", member())
		d.Do("SADD", "bigints", strconv.Itoa(rng.IntN(100000)))
		d.Do("HSET", "bighash", member(), member())
		d.Do("ZADD", "bigz", strconv.FormatFloat(rng.NormFloat64()*1e3, 'g', -1, 64), member())
		if i%10 == 0 {
			d.Do("XADD", "bigx", fmt.Sprintf("%d-%d", 1000+i, i%7), "f", member(), "g", member())
		}
	}
	d.Run(`
		object encoding bigset
		object encoding bighash
		object encoding bigz
		debug digest-value biglist bigset bigints bighash bigz
		debug digest
		debug reload
		debug digest
		zincrby bigz 1 m1
		lset biglist 5 changed
		debug digest-value biglist bigz
		debug digest
		flushall
		debug digest
	`)
}

// DEBUG LOADAOF reads the dataset back from disk: the digest and every
// value are what they were, deadlines included.
func TestDebugLoadAOFDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--enable-debug-command", "yes", "--appendonly", "yes")
	d.Run(`
		set s v
		set e v ex 1000
		rpush l a b c
		hset h f v
		zadd z 1 a 2 b
		xadd x 1-1 f v
		debug digest
		debug loadaof
		debug digest
		get s
		ttl e
		lrange l 0 -1
		zrange z 0 -1 withscores
		xrange x - +
	`)
	// Unlike Redis, not inside a transaction, whose writes wait in the
	// cache Cairn would drop.
	d.Cairn.Do("MULTI")
	d.Cairn.Do("DEBUG", "LOADAOF")
	if got := d.Cairn.Do("EXEC"); !strings.Contains(got, "not supported inside MULTI/EXEC") {
		t.Errorf("DEBUG LOADAOF in a transaction: %q", got)
	}
	if info := d.Cairn.Do("INFO", "persistence"); !strings.Contains(info, "rdb_changes_since_last_save:0\r\n") {
		t.Errorf("changes since the last save after DEBUG LOADAOF: %q", info)
	}
}
