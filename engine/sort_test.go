package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestSortZsetDifferential(t *testing.T) {
	diffBothProtocols(t, `
		zadd z 3 30 1 10 2 20 10 100
		object encoding z
		sort z
		object encoding z
		sort z desc
		sort z alpha
		sort z alpha desc limit 1 2
		sort z limit 1 2
		sort z limit 2 100
		sort z limit -5 2
		sort z limit 0 0
		sort z limit 0 -1
		sort z limit 10 2
		sort z by nosort
		sort z by nosort desc
		sort z by nosort limit 1 2
		sort z by nosort desc limit 1 2
		sort z by nosort limit 10 2
		sort z by nosort limit -1 2
		sort z by nosort limit 0 0
		sort z by nosort limit 3 -1
		sort z by nosort desc limit 3 5
		sort_ro z by nosort desc
		set w_10 3
		set w_20 1
		set w_30 2
		set w_100 -1.5
		sort z by w_*
		sort z by w_* desc
		sort z by w_* get # get w_*
		sort z by w_* alpha
		sort z by w_* limit 1 2
		sort z get w_* get # get nostar get w_*x
		sort z by w_ get w_*
		set w_10 x
		sort z by w_*
		sort z by w_* alpha
		sort z by *
		set 10 5
		sort z by * get *
		zadd zs 0 b 0 a 0 c
		sort zs alpha
		sort zs alpha desc
		sort zs
		sort zs by nosort
		sort zs by nosort desc limit 1 1
		zadd big 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j 11 k 12 l 13 m 14 n 15 o 16 p 17 q 18 r 19 s 20 t 21 u 22 v 23 w 24 x 25 y 26 z 27 aa 28 bb 29 cc 30 dd 31 ee 32 ff 33 gg 34 hh 35 ii 36 jj 37 kk 38 ll 39 mm 40 nn 41 oo 42 pp 43 qq 44 rr 45 ss 46 tt 47 uu 48 vv 49 ww 50 xx 51 yy 52 zz 53 a1 54 b1 55 c1 56 d1 57 e1 58 f1 59 g1 60 h1 61 i1 62 j1 63 k1 64 l1 65 m1 66 n1 67 o1 68 p1 69 q1 70 r1 71 s1 72 t1 73 u1 74 v1 75 w1 76 x1 77 y1 78 z1 79 a2 80 b2 81 c2 82 d2 83 e2 84 f2 85 g2 86 h2 87 i2 88 j2 89 k2 90 l2 91 m2 92 n2 93 o2 94 p2 95 q2 96 r2 97 s2 98 t2 99 u2 100 v2 101 w2 102 x2 103 y2 104 z2 105 a3 106 b3 107 c3 108 d3 109 e3 110 f3 111 g3 112 h3 113 i3 114 j3 115 k3 116 l3 117 m3 118 n3 119 o3 120 p3 121 q3 122 r3 123 s3 124 t3 125 u3 126 v3 127 w3 128 x3 129 y3 130 z3
		object encoding big
		sort big by nosort limit 100 5
		sort big by nosort desc limit 100 5
		sort big alpha limit 50 3
		sort nokey
		sort nokey by nosort
		sort nokey by w_* get # limit 0 5
		set str x
		sort str
		sort_ro str
		sort z limit a 1
		sort z limit 1 a
		sort z limit 1
		sort z foo
		sort z get
		sort z by
		sort_ro z store dst
		sort str foo
	`)
}

func TestSortListDifferential(t *testing.T) {
	diffBothProtocols(t, `
		rpush l 3 1 2 10 -5 1.5 1e1 " 7" 0x10
		sort l
		sort l desc
		sort l alpha
		sort l alpha desc
		sort l limit 2 3
		sort l desc limit 0 4
		sort l limit 5 100
		sort l limit 100 1
		sort l limit -3 2
		sort l limit 0 0
		sort l limit 2 -1
		sort l by nosort
		sort l by nosort desc
		sort l by nosort limit 2 3
		sort l by nosort desc limit 2 3
		sort l by nosort limit 8 5
		sort l by nosort desc limit 8 5
		sort l by nosort limit 9 5
		sort l by nosort limit 0 0
		sort l limit 1 9223372036854775807
		sort l limit 2 9223372036854775807
		sort l by nosort limit 1 9223372036854775807
		sort l limit 9223372036854775807 1
		sort l limit -9223372036854775808 2
		sort_ro l
		sort_ro l desc limit 1 1 alpha
		rpush dup b a b a c
		sort dup alpha
		sort dup alpha desc
		sort dup by nosort
		sort dup
		rpush mixed 2 b 1
		sort mixed
		sort mixed alpha
		rpush bin "a\x00c" "a\x00b" a "a\x00" "\xff" B
		sort bin alpha
		sort bin alpha desc
		sort bin alpha store binsorted
		lrange binsorted 0 -1
		lpush strs x
		set s_1 x
		sort strs by s_*
		del strs s_1
		set sortkey str
		sort sortkey
	`)
}

func TestSortPatternsDifferential(t *testing.T) {
	diffBothProtocols(t, `
		rpush ids 3 1 2 4
		mset w_1 40 w_2 30 w_3 20 n_1 one n_2 two n_3 three n_4 four
		hset h_1 f 4 name alice
		hset h_2 f 3 name bob
		hset h_3 f 2
		hset h_4 f 1 name dave
		sort ids by w_*
		sort ids by w_* desc
		sort ids by w_* get # get n_*
		sort ids by w_* get n_* get # get nope_*
		sort ids by n_* alpha
		sort ids by n_* alpha desc get n_*
		sort ids by h_*->f
		sort ids by h_*->f get h_*->name get #
		sort ids by h_*->name alpha
		sort ids by h_*->name alpha desc
		sort ids get h_*->missing
		sort ids get h_*->
		sort ids get h_*
		sort ids get n_*->f
		sort ids by w_*->f
		sort ids get #
		sort ids get #x
		sort ids get nostar
		sort ids by nostar get n_*
		sort ids by * get n_*
		sort ids by w_* limit 1 2 get n_*
		sort ids by *_* get *_*
		sort ids get w_*_*
		set 1_1 a
		sort ids get *_*
		sort ids by n_*
		sort ids by n_* alpha limit 0 2
		set n_2 ""
		sort ids by n_* alpha
		sort ids by h_*->name alpha get h_*->name
		hset "h_*->x_1" y 5
		sort ids get h_*->x_*->y
		set "k->1" dash
		sort ids get k->*
		sort ids by w_* store dst
		lrange dst 0 -1
		type dst
		sort ids by w_* get # get n_* get nope_* store dst
		lrange dst 0 -1
		set dst x
		expire dst 100
		sort ids store dst
		ttl dst
		lrange dst 0 -1
		sort nokey store dst
		exists dst
		sort nokey store dst
		sort ids limit 10 1 store dst
		exists dst
		sort ids by w_* limit 0 2 store dst
		lrange dst 0 -1
		sort ids store ids
		lrange ids 0 -1
		sort ids by nosort desc limit 1 2 store dst
		lrange dst 0 -1
	`)
}

func TestSortSetDifferential(t *testing.T) {
	diffBothProtocols(t, `
		sadd s 5 3 10 1 -7
		object encoding s
		sort s
		sort s desc
		sort s alpha
		sort s limit 1 3
		sort s by nosort
		sort s by nosort desc
		sort s by nosort limit 1 2
		sort s by nosort store dst
		lrange dst 0 -1
		sort s by nosort desc store dst
		lrange dst 0 -1
		sort s by nosort limit 1 2 store dst
		lrange dst 0 -1
		mset w_1 c w_3 b w_5 a w_10 e
		sort s by w_* alpha get #
		sort s by w_* alpha desc get # get w_*
		sort s by w_*
		sadd hs b a c "a b" 12 1.5
		object encoding hs
		~ sort hs by nosort
		~ sort_ro hs by nosort
		sort hs by nosort store dst
		lrange dst 0 -1
		sort hs alpha
		sort hs alpha desc limit 0 2
		sort hs alpha store dst
		lrange dst 0 -1
		sort hs
		sort hs by nosort get # limit 0 0
		sort hs by nosort limit 10 10
	`)
}

// Big lists and sets with distinct random weights, in strings and hash
// fields, sorted every way against Redis.
func TestSortRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(12, 13))
	for _, n := range []int{16, 1000} {
		list, set, weights := []string{"rpush", "l"}, []string{"sadd", "s"}, []string{"mset"}
		seen := map[string]bool{}
		for i := range n {
			w := fmt.Sprint(r.IntN(1000000))
			if r.IntN(2) == 0 {
				w = fmt.Sprint(r.Float64())
			}
			if seen[w] {
				continue
			}
			seen[w] = true
			list = append(list, fmt.Sprint(i))
			set = append(set, fmt.Sprint(i))
			weights = append(weights, "weight_"+fmt.Sprint(i), w)
			d.Do("hset", "wobj_"+fmt.Sprint(i), "weight", w)
		}
		d.Do("del", "l", "s")
		d.Do(list...)
		d.Do(set...)
		d.Do(weights...)
		for _, key := range []string{"l", "s"} {
			d.Run(fmt.Sprintf(`
				sort %[1]s by weight_*
				sort %[1]s by weight_* limit 5 5
				sort %[1]s by wobj_*->weight desc
				sort %[1]s by wobj_*->weight limit 10 20 get # get weight_*
				sort %[1]s get # get wobj_*->weight
				sort %[1]s alpha limit 100 10
				sort %[1]s by weight_* store res
				lrange res 0 -1
				sort %[1]s by nosort store res
				lrange res 0 -1
			`, key))
		}
	}
	// Equal weights: ties go by the elements' bytes.
	d.Run(`
		sadd same a b c d e f g h i l m n o p q r s t u v z aa aaa azz
		mset score:a 100 score:b 100 score:c 100 score:aa 100
		sort same by score:*
		sort same by score:* desc
	`)
}
