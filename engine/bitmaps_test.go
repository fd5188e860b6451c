package engine_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// diffBothProtocols runs a differential script in RESP2, then again from
// an empty database in RESP3.
func diffBothProtocols(t *testing.T, script string) {
	t.Helper()
	d := cairntest.NewDiffer(t)
	d.Run(script)
	d.Run("flushall")
	d.Cairn.Do("hello", "3")
	d.Redis.Do("hello", "3")
	d.Run(script)
}

func TestBitmapsDifferential(t *testing.T) {
	diffBothProtocols(t, `
		setbit b 7 1
		setbit b 7 1
		setbit b 7 0
		setbit b 100 1
		get b
		strlen b
		object encoding b
		getbit b 100
		getbit b 101
		getbit b 100000
		getbit nokey 5
		setbit b -1 1
		setbit b abc 1
		setbit b 4294967296 1
		setbit b 1 2
		setbit b 1 -1
		setbit b 1 x
		getbit b -1
		getbit b x
		set e abc
		object encoding e
		setbit e 1 1
		object encoding e
		get e
		set e2 abc
		setbit e2 0 0
		object encoding e2
		set n 123
		setbit n 6 0
		get n
		lpush l a
		setbit l 0 1
		getbit l 0
		bitcount l
		bitpos l 1

		set s foobar
		bitcount s
		bitcount s 0 0
		bitcount s 1 1
		bitcount s 1 -2
		bitcount s -3 -1
		bitcount s 0 -1 byte
		bitcount s 5 30 bit
		bitcount s 0 -1 bit
		bitcount s -5 -1 bit
		bitcount s -1 -5
		bitcount s -1 -5 foo
		bitcount s 0 -1 foo
		bitcount s 100 200
		bitcount s -100 -50
		bitcount s 0
		bitcount s a b
		bitcount s 0 b
		bitcount s 0 1 bit extra
		bitcount s 1 0
		bitcount nokey a b
		bitcount nokey
		bitcount s 9 17 BIT
		bitcount s 0 0 BYTE
		set empty ""
		bitcount empty
		bitcount empty 0 -1 bit
		bitpos empty 0
		bitpos empty 1
		bitpos empty 0 0 -1 bit

		set p "\xff\xf0\x00"
		bitpos p 0
		bitpos p 1
		bitpos p 0 1
		bitpos p 0 2
		bitpos p 0 0 0
		bitpos p 0 0 -1
		bitpos p 0 1 -1
		bitpos p 1 1
		bitpos p 1 2
		bitpos p 1 2 -1
		bitpos p 0 3
		bitpos p 0 12 bit
		bitpos p 0 8 11 bit
		bitpos p 0 8 12 bit
		bitpos p 1 12 30 bit
		bitpos p 1 13 bit
		bitpos p 0 -3 -2 bit
		bitpos p 0 5 3 bit
		bitpos p 0 0 100 bit
		bitpos p 1 0 100 BIT
		bitpos p 0 0 0 byte
		bitpos p 0 0 0 foo
		bitpos p 0 a
		bitpos p 0 0 a
		bitpos p 0 0 1 bit extra
		bitpos p 2
		bitpos p a
		bitpos nokey 0
		bitpos nokey 1
		bitpos nokey 1 a b foo
		set ones "\xff\xff"
		bitpos ones 0
		bitpos ones 0 0 -1
		bitpos ones 0 0 -1 bit
		bitpos ones 0 0 bit
		bitpos ones 1 3 bit
		set zeros "\x00\x00"
		bitpos zeros 1
		bitpos zeros 0 1
		bitpos zeros 0 9 bit
		bitpos zeros 1 0 -1 bit

		set a "\x0f\xf0\xaa"
		set b2 "\xff\x0f"
		bitop and d a b2
		get d
		object encoding d
		bitop or d a b2 nokey
		get d
		bitop xor d a b2
		get d
		bitop not d a
		get d
		bitop not d a b2
		bitop nand d a
		bitop and d nokey nokey2
		exists d
		bitop or d nokey
		set d x
		expire d 100
		bitop and d a
		ttl d
		bitop and d a l
		bitop AND d a a
		get d
		bitop and a a b2
		get a
	`)
}

// Bitmaps with far offsets: Cairn stores them in fragments, Redis in
// memory; the replies must not tell.
func TestBitmapsBigOffsetsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		setbit big 4294967295 1
		strlen big
		getbit big 4294967295
		getbit big 4294967294
		bitcount big -1 -1
		bitcount big 4294967290 4294967295 bit
		bitpos big 0
		bitpos big 1 536870000
		bitpos big 0 536870911
		bitpos big 0 536870911 -1
		bitpos big 1 4294967288 -1 bit
		getrange big 536870910 536870911
		setbit big 100000 1
		bitpos big 1
		bitpos big 1 12501 536870000
		setrange big 536870900 hello
		getrange big 536870895 536870911
		bitcount big
		bitcount big 536870900 -1
		bitfield big get u8 4294967288 get i16 #268435455
		bitfield big set u8 4294967288 1
		append big "!"
		strlen big

		setbit ten 80000000 1
		setrange ten 5000000 "\xff\x00\x0f"
		setbit ten 7 1
		append ten tail
		strlen ten
		bitcount ten
		bitcount ten 4999999 5000003
		bitcount ten 40000001 80000000 bit
		bitpos ten 1 1
		bitpos ten 0 5000000
		bitpos ten 1 5000001
		bitop not nten ten
		bitcount nten
		bitpos nten 0
		bitpos nten 1 5000000
		bitop and aten ten nten
		bitcount aten
		exists aten
		strlen aten
		bitop or o ten nten
		bitcount o
		bitpos o 0
		getrange ten 10000004 10000010
	`)
}

// BITOP over 512 MB bitmaps: Redis needs seconds for these.
func TestBitmapsHugeBitOpDifferential(t *testing.T) {
	if os.Getenv("CAIRN_LONG_TESTS") != "1" {
		t.Skip("set CAIRN_LONG_TESTS=1 to run BITOP on 512 MB bitmaps")
	}
	d := cairntest.NewDiffer(t)
	d.Run(`
		setbit big 4294967295 1
		setbit big 100000 1
		setrange ten 5000000 "\xff\x00\x0f"
		setbit ten 80000000 1
		bitop xor xten ten big
		bitcount xten
		strlen xten
		getrange xten 4999999 5000003
		bitop and d big ten
		bitcount d
		bitpos d 1
		bitop not nbig big
		bitcount nbig
		bitpos nbig 0
		bitpos nbig 0 12500 -1
		bitcount nbig 12500 12500
		bitop or obig nbig big
		bitcount obig
		bitpos obig 0
		bitpos obig 0 0 -1
	`)
}

// Random strings, some past the inline limit and with long zero runs (so
// missing and trimmed fragments), through BITOP, BITCOUNT and BITPOS with
// random ranges, against Redis.
func TestBitmapsRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(9, 10))
	randomBits := func() string {
		b := make([]byte, []int{0, 1, 7, 100, 5000, 17000, 40000}[r.IntN(7)])
		for i := 0; i < len(b); i++ {
			switch r.IntN(3) {
			case 0:
				i += r.IntN(9000) // a zero run
			case 1:
				b[i] = 0xff
			default:
				b[i] = byte(r.IntN(256))
			}
		}
		return string(b)
	}
	for round := range 12 {
		keys := []string{"bitop", []string{"and", "or", "xor", "not"}[round%4], "target"}
		for j := range 1 + r.IntN(4) {
			key := fmt.Sprintf("v%d", j)
			d.Do("set", key, randomBits())
			keys = append(keys, key)
		}
		if round%4 == 3 {
			keys = keys[:4]
		}
		d.Do(keys...)
		d.Do("get", "target")
		for range 20 {
			a, b := fmt.Sprint(r.IntN(90000)-45000), fmt.Sprint(r.IntN(90000)-45000)
			unit := []string{"byte", "bit"}[r.IntN(2)]
			d.Do("bitcount", "target", a, b, unit)
			d.Do("bitpos", "target", fmt.Sprint(r.IntN(2)), a, b, unit)
			d.Do("bitpos", "target", fmt.Sprint(r.IntN(2)), a)
		}
		d.Do("bitcount", "target")
		d.Do("bitpos", "target", "0")
		d.Do("bitpos", "target", "1")
		if t.Failed() {
			t.Fatalf("round %d: %v", round, keys)
		}
	}
}
