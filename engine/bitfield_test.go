package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestBitfieldDifferential(t *testing.T) {
	diffBothProtocols(t, `
		bitfield w
		exists w
		bitfield w overflow sat
		bitfield w get u8 0
		exists w
		set w hello
		bitfield w get i8 #1 get u8 #-1
		bitfield w get i8 #1 get u8 #2 get i5 3 get u1 9 get i64 0 get u63 1
		bitfield w get u64 0
		bitfield w get I8 0
		bitfield w get i0 0
		bitfield w get i65 0
		bitfield w get i-1 0
		bitfield w get i08 0
		bitfield w get i 0
		bitfield w get i64 #0
		bitfield w get i64 #
		bitfield w get i64 #a
		bitfield w get u8 -1
		bitfield w get u8 4294967296
		bitfield w get u8 #536870912
		bitfield w get u8 4294967295
		bitfield w get u8 +1
		bitfield w set i8 0 300 overflow sat set i8 8 300 set u8 16 -3 overflow fail set u8 24 -3 incrby i8 0 1000
		get w
		object encoding w
		bitfield w overflow foo
		bitfield w overflow
		bitfield w set u8 0
		bitfield w set u8 0 a
		bitfield w incrby u8 0 a
		bitfield w incrby u8 0 9223372036854775808
		bitfield w foo
		bitfield w get
		bitfield_ro w set u8 0 1
		bitfield_ro w get u8 0 incrby u8 0 1
		bitfield_ro w get u8 0 get i1 3
		bitfield_ro w foo
		bitfield_ro nokey get u8 0 get i64 100
		bitfield_ro w get u8 x
		lpush l a
		bitfield l get u8 0
		bitfield l set u8 0 1
		bitfield l get u8 a
		bitfield_ro l get u8 0

		bitfield c incrby u2 100 1 overflow sat incrby u2 102 1
		bitfield c incrby u2 100 1 overflow sat incrby u2 102 1
		bitfield c incrby u2 100 1 overflow sat incrby u2 102 1
		bitfield c incrby u2 100 1 overflow sat incrby u2 102 1
		bitfield c overflow fail incrby u2 102 1
		get c
		bitfield c set i8 #3 -128 incrby i8 #3 -1 overflow sat incrby i8 #3 -1 overflow fail incrby i8 #3 -1
		bitfield c set u63 64 9223372036854775807 incrby u63 64 1 overflow sat incrby u63 64 5
		bitfield c set i64 200 9223372036854775807 incrby i64 200 1 get i64 200
		bitfield c overflow sat set i64 200 9223372036854775807 incrby i64 200 1 incrby i64 200 -9223372036854775808 incrby i64 200 -9223372036854775808 incrby i64 200 -9223372036854775808
		bitfield c overflow wrap set i64 200 -9223372036854775808 incrby i64 200 -1 incrby i64 200 -9223372036854775808
		bitfield c overflow fail set i64 200 1 incrby i64 200 9223372036854775807 incrby i64 200 -9223372036854775808 incrby i64 200 -9223372036854775808
		bitfield c set u1 0 2 set u1 1 -1 overflow sat set u1 2 2 set u1 3 -1 overflow fail set u1 4 2 set u1 5 -1
		bitfield c set i1 0 1 set i1 1 -1 set i1 2 -2 overflow sat set i1 3 1 set i1 4 -2
		bitfield c incrby u8 0 -1 incrby u8 0 -255 overflow sat incrby u8 8 -300 incrby u8 8 300
		bitfield c set u8 #0 0 incrby u8 #0 -9223372036854775808 overflow sat incrby u8 #0 -9223372036854775808 overflow fail incrby u8 #0 -9223372036854775808
		get c
		strlen c
		bitfield n set u8 #10000 1
		strlen n
		bitfield n get u8 80000 get u16 79992
	`)
}

// Random BITFIELD calls of every width, sign, overflow mode and offset
// form, on a few keys, must leave Redis and Cairn with the same bytes.
func TestBitfieldRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(7, 11))
	values := []int64{0, 1, -1, 2, 127, 128, -128, 255, 256, 1 << 31, -1 << 31, 1<<62 - 1, -1 << 62, 1<<63 - 1, -1 << 63}
	for i := 0; i < 300; i++ {
		args := []string{"bitfield", fmt.Sprintf("k%d", r.IntN(3))}
		for range 1 + r.IntN(4) {
			if r.IntN(4) == 0 {
				args = append(args, "overflow", []string{"wrap", "sat", "fail"}[r.IntN(3)])
			}
			typ := fmt.Sprintf("i%d", 1+r.IntN(64))
			if r.IntN(2) == 0 {
				typ = fmt.Sprintf("u%d", 1+r.IntN(63))
			}
			off := fmt.Sprint(r.IntN(200))
			if r.IntN(3) == 0 {
				off = fmt.Sprintf("#%d", r.IntN(5))
			}
			v := values[r.IntN(len(values))]
			if r.IntN(2) == 0 {
				v = r.Int64() >> r.IntN(64)
			}
			switch r.IntN(3) {
			case 0:
				args = append(args, "get", typ, off)
			case 1:
				args = append(args, "set", typ, off, fmt.Sprint(v))
			default:
				args = append(args, "incrby", typ, off, fmt.Sprint(v))
			}
		}
		d.Do(args...)
		if t.Failed() {
			t.Fatalf("after %s", strings.Join(args, " "))
		}
	}
	d.Run(`
		get k0
		get k1
		get k2
	`)
}
