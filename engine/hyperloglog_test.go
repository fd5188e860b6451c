package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestHyperLogLogDifferential(t *testing.T) {
	diffBothProtocols(t, `
		pfadd h
		get h
		pfcount h
		get h
		pfadd h a b c d e f g
		get h
		pfadd h a
		pfcount h
		get h
		object encoding h
		pfadd h h1 h2 h3
		pfcount h
		pfcount nokey
		pfcount nokey h
		pfadd h2 foo bar a b
		pfcount h h2
		pfcount h h2 nokey
		pfmerge m h h2
		get m
		pfcount m
		pfmerge m
		get m
		pfmerge fresh
		get fresh
		pfmerge h2 h
		get h2
		pfdebug encoding h
		pfdebug decode h
		pfdebug getreg nokey
		pfdebug foo h
		pfdebug todense h
		pfdebug todense h
		pfdebug encoding h
		pfdebug decode h
		get h
		pfcount h
		pfadd h zz
		get h

		set s hello
		pfadd s a
		pfcount s
		pfcount s h
		pfcount h s
		pfmerge s h
		pfmerge h s
		pfdebug encoding s
		set num 12345678901234567
		pfadd num a
		set short HYLL
		pfcount short
		lpush l a
		pfadd l a
		pfcount l
		pfcount h l
		pfmerge l h
		pfmerge h l
		pfdebug encoding l

		set e1 "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
		pfadd e1 a
		set dense1 "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
		pfcount dense1
		set tail "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x7f\xff"
		pfcount tail
		pfadd tail a
		pfmerge x tail
		pfcount x tail
		pfdebug todense tail
		set short2 "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xf0"
		pfcount short2
		pfadd short2 a b c
		get short2
		set cut "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"
		pfcount cut
		set cached "HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
		pfcount cached
		pfcount cached cached
		pfadd cached
		pfcount cached
		set ex2 x
		expire ex2 100
		pfadd ex2 a
		pfadd ttl a
		expire ttl 100
		pfadd ttl b
		pfcount ttl
		pfmerge ttl h
		ttl ttl

		pfadd c1 a b c
		append c1 hello
		pfcount c1
		pfadd c1 d e f g h i j k
		get c1
		pfmerge c2 c1
		pfdebug decode c1
		pfadd c3 a b c
		setrange c3 0 0123
		pfcount c3
		pfadd c4 a b c
		setrange c4 4 x
		pfcount c4
		pfadd c5 a b c
		setrange c5 4 "\x00"
		pfcount c5
		pfadd g 1 2 3
		pfdebug getreg g
		pfdebug encoding g
		get g
		pfadd "" ""
		pfcount ""
	`)
}

// Many PFADDs, in batches, on keys with different hll-sparse-max-bytes:
// the HLL strings go through sparse growth, promotion to dense, dense
// updates and batches added again (which change nothing) and must stay
// byte-identical to Redis's.
func TestHyperLogLogBytesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, maxBytes := range []string{"3000", "300", "10000"} {
		d.Do("config", "set", "hll-sparse-max-bytes", maxBytes)
		key := "h" + maxBytes
		for n := 0; n < 9000; {
			batch := []string{"pfadd", key}
			for range 1 + r.IntN(200) {
				batch = append(batch, randomElement(r, n))
				n++
			}
			d.Do(batch...)
			d.Do("get", key)
			if r.IntN(3) == 0 { // nothing new: a dense HLL is read in place
				d.Do(batch...)
				d.Do("object", "encoding", key)
			}
			if r.IntN(4) == 0 {
				d.Do("pfcount", key)
				d.Do("get", key)
			}
			if t.Failed() {
				t.Fatalf("differs after %d elements with hll-sparse-max-bytes %s", n, maxBytes)
			}
		}
		d.Do("pfdebug", "encoding", key)
	}
	d.Run(`
		pfcount h3000
		pfcount h3000 h300 h10000
		pfadd small a b c
		pfadd small2 x y z 1 2 3
		pfmerge sm small small2
		get sm
		pfmerge sm2 small h3000
		get sm2
		pfdebug encoding sm2
		pfmerge h300 small
		get h300
		config set hll-sparse-max-bytes 3000
		pfmerge sm3 nokey small small2
		get sm3
	`)
}

// randomElement makes elements of every length up to 40 bytes, so every
// tail length of the hash is exercised, and some binary ones.
func randomElement(r *rand.Rand, n int) string {
	s := fmt.Sprintf("e%d:", n)
	for len(s) < r.IntN(41) {
		s += string(rune('a' + r.IntN(26)))
	}
	if r.IntN(10) == 0 {
		s += "\x00\xff"
	}
	return s
}

// HLLs cross between the servers as plain strings: Redis's HLL SET into
// Cairn works in Cairn, and Cairn's into Redis, in both encodings.
func TestHyperLogLogExchange(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{5, 50, 3000} {
		var elems []string
		for i := range n {
			elems = append(elems, randomElement(r, i))
		}
		redisKey, cairnKey := fmt.Sprintf("fromredis%d", n), fmt.Sprintf("fromcairn%d", n)
		d.Redis.Do(append([]string{"pfadd", redisKey}, elems...)...)
		d.Cairn.Do(append([]string{"pfadd", cairnKey}, elems...)...)
		fromRedis := bulkValue(t, d.Redis.Do("get", redisKey))
		fromCairn := bulkValue(t, d.Cairn.Do("get", cairnKey))
		if fromRedis != fromCairn {
			t.Fatalf("%d elements: HLLs differ", n)
		}
		d.Cairn.Do("set", redisKey, fromRedis)
		d.Redis.Do("set", cairnKey, fromCairn)
		for _, key := range []string{redisKey, cairnKey} {
			d.Do("pfcount", key)
			d.Do("pfadd", key, "one", "more", "element")
			d.Do("get", key)
			d.Do("pfcount", key)
			d.Do("pfdebug", "encoding", key)
		}
		d.Do("pfmerge", "both", redisKey, cairnKey)
		d.Do("get", "both")
	}
}

// bulkValue extracts the payload of a RESP bulk string reply.
func bulkValue(t *testing.T, reply string) string {
	t.Helper()
	head, rest, ok := strings.Cut(reply, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") || !strings.HasSuffix(rest, "\r\n") {
		t.Fatalf("not a bulk string: %q", reply)
	}
	return strings.TrimSuffix(rest, "\r\n")
}

func TestHyperLogLogSelfTest(t *testing.T) {
	c := cairntest.Dial(t, cairntest.StartCairn(t).Addr)
	if got := c.Do("pfselftest"); got != "+OK\r\n" {
		t.Fatalf("PFSELFTEST: %q", got)
	}
}
