package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestListsDifferential(t *testing.T) {
	diffBothProtocols(t, `
		# pushes and pops
		lpush l a
		lpush l b c d
		rpush l e f
		lrange l 0 -1
		llen l
		llen nokey
		lpushx nokey a
		rpushx nokey a
		exists nokey
		lpushx l x y
		rpushx l z
		lrange l 0 -1
		lpush l ""
		rpush l "with space" "\x00bin\xff"
		lrange l 0 -1
		lpop l
		rpop l
		lpop l 2
		rpop l 3
		lpop l 0
		rpop l 0
		lpop l -1
		lpop l abc
		lpop l 1 2
		rpop l 1 2
		lpop nokey
		rpop nokey
		lpop nokey 3
		rpop nokey 0
		lpop l 100
		exists l
		rpush l a
		rpop l
		exists l
		rpush l 1 2 3
		rpop l 9223372036854775807
		exists l
		object encoding nokey

		# ranges and indexes
		rpush r 0 1 2 3 4 5 6 7 8 9
		object encoding r
		lrange r 0 -1
		lrange r 2 4
		lrange r -3 -1
		lrange r -100 2
		lrange r 5 100
		lrange r 7 3
		lrange r 10 20
		lrange r -1 -3
		lrange r 0 -11
		lrange r -9223372036854775808 9223372036854775807
		lrange r a 1
		lrange r 1 b
		lrange nokey 0 -1
		lrange nokey a 1
		lindex r 0
		lindex r 9
		lindex r 10
		lindex r -1
		lindex r -10
		lindex r -11
		lindex r 9223372036854775807
		lindex r -9223372036854775808
		lindex r abc
		lindex nokey abc
		lindex nokey 0
		lset r 0 zero
		lset r -1 nine
		lset r 10 x
		lset r -11 x
		lset r abc x
		lset nokey 0 x
		lset nokey abc x
		lrange r 0 -1

		# insert and remove
		linsert r before 5 b5
		linsert r after 5 a5
		linsert r after nine end
		linsert r before zero start
		linsert r before missing x
		linsert r middle 5 x
		linsert nokey before 5 x
		linsert nokey middle 5 x
		lrange r 0 -1
		rpush d a b a c a b a
		lrem d 2 a
		lrange d 0 -1
		lrem d -1 a
		lrange d 0 -1
		lrem d 0 b
		lrange d 0 -1
		lrem d 0 zz
		lrem d abc a
		lrem nokey 1 a
		lrem nokey abc a
		rpush d2 x y x y x
		lrem d2 -9223372036854775808 x
		lrange d2 0 -1
		lrem d2 0 y
		exists d2

		# trim
		rpush t 0 1 2 3 4 5 6 7 8 9
		ltrim t 1 -2
		lrange t 0 -1
		ltrim t 0 -1
		ltrim t -3 100
		lrange t 0 -1
		ltrim t abc 1
		ltrim t 0 abc
		ltrim nokey 0 1
		ltrim t 5 1
		exists t
		rpush t a b
		ltrim t -100 -50
		exists t

		# lpos
		rpush p a b c a b c a
		lpos p a
		lpos p c
		lpos p z
		lpos p a rank 2
		lpos p a rank -1
		lpos p a rank -2
		lpos p a rank 4
		lpos p a rank -4
		lpos p a count 0
		lpos p a count 2
		lpos p a rank 2 count 0
		lpos p a rank -1 count 0
		lpos p a rank -1 count 2
		lpos p a count 0 maxlen 4
		lpos p a rank -1 count 0 maxlen 4
		lpos p a maxlen 1
		lpos p b maxlen 1
		lpos p b maxlen 1 count 0
		lpos p a rank 0
		lpos p a rank abc
		lpos p a rank -9223372036854775808
		lpos p a rank 9223372036854775807
		lpos p a count -1
		lpos p a count abc
		lpos p a maxlen -1
		lpos p a maxlen abc
		lpos p a rank 1 count 1 maxlen 0
		lpos p a foo 1
		lpos p a rank
		lpos p a count 1 rank 0
		lpos nokey a
		lpos nokey a count 0
		lpos nokey a rank 0

		# lmove and rpoplpush
		rpush src 1 2 3
		lmove src dst left right
		lmove src dst right left
		lmove src dst left left
		lrange dst 0 -1
		exists src
		lmove src dst left left
		rpush src 1 2 3
		lmove src src left right
		lrange src 0 -1
		lmove src src right left
		lrange src 0 -1
		rpush one x
		expire one 1000
		lmove one one left right
		lrange one 0 -1
		ttl one
		rpoplpush one one
		ttl one
		object encoding one
		rpoplpush src dst
		lrange dst 0 -1
		rpoplpush nokey dst
		lmove nokey dst left left
		lmove src dst up left
		lmove src dst left down
		lmove nokey dst up left
		set str v
		lmove src str left left
		lmove str src left left
		rpoplpush src str
		rpoplpush str src
		lmove nokey str left left
		lrange src 0 -1

		# lmpop
		rpush m1 a b c d e
		lmpop 1 m1 left
		lmpop 1 m1 right count 2
		lmpop 2 nokey m1 left count 10
		exists m1
		lmpop 2 nokey m1 left
		lmpop 1 nokey right count 3
		rpush m2 x y
		lmpop 3 nokey str m2 left
		lmpop 2 m2 str left
		lmpop 0 m2 left
		lmpop -1 m2 left
		lmpop abc m2 left
		lmpop 2 m2 left
		lmpop 1 m2 middle
		lmpop 1 m2 left count 0
		lmpop 1 m2 left count -1
		lmpop 1 m2 left count abc
		lmpop 1 m2 left count 1 count 1
		lmpop 1 m2 left count
		lmpop 1 m2 left foo 1
		lmpop 9223372036854775807 m2 left
		lmpop 1 m2

		# wrong types
		lpush str a
		rpush str a
		lpushx str a
		rpushx str a
		lpop str
		rpop str 2
		llen str
		lrange str 0 1
		lindex str 0
		lset str 0 x
		linsert str before a b
		lrem str 0 a
		ltrim str 0 1
		lpos str a
		lpos str a count 0
		rpush lst a
		get lst
		incr lst
		type lst

		# arity
		lpush l
		rpush l
		lpushx l
		llen
		lrange l 0
		lindex l
		lset l 0
		linsert l before a
		lrem l 0
		ltrim l 0
		lpos l
		lmove a b left
		rpoplpush a
		lmpop 1

		# TTLs: kept while the list lives, gone with it
		rpush ttl a b c
		expire ttl 100
		rpush ttl d
		lpop ttl
		lset ttl 0 x
		linsert ttl before x w
		lrem ttl 1 w
		ltrim ttl 0 -1
		lmove ttl ttl left right
		ttl ttl
		lmove ttl fresh left left
		ttl fresh
		ltrim ttl 1 0
		ttl ttl
		rpush ttl again
		ttl ttl

		# blocking forms that do not block
		rpush b1 a b c d e
		blpop nokey b1 0
		brpop b1 0
		blpop b1 nokey 0.5
		blmpop 0 2 nokey b1 left count 5
		exists b1
		rpush b2 x y z
		brpoplpush b2 b3 0
		blmove b2 b3 left left 0
		lrange b3 0 -1
		blpop str 0
		blpop nokey str b2 0
		blmpop 0 2 str b2 left
		brpoplpush str b3 0
		brpoplpush b2 str 0
		blmove b2 str left left 0

		# timeouts and their errors
		blpop nokey 0.01
		brpop nokey nokey2 0.01
		blmpop 0.01 1 nokey left
		blmpop 0.01 1 nokey left count 3
		brpoplpush nokey dst 0.01
		blmove nokey dst left right 0.01
		blpop nokey -1
		blpop nokey -0.5
		blpop nokey abc
		blpop nokey ""
		blpop nokey " 1"
		blpop nokey 1e30
		blpop nokey inf
		blpop nokey -inf
		blpop nokey nan
		blpop nokey 1e16
		brpoplpush nokey dst abc
		brpoplpush nokey dst -1
		blmove nokey dst left right abc
		blmove nokey dst up right abc
		blmove nokey dst left right -1
		blmpop abc 1 nokey left
		blmpop -1 1 nokey left
		blmpop abc 0 nokey left
		blmpop abc 1 nokey middle
		blmpop 0 1 nokey left count 0
		blmpop 0 2 nokey left
		blmpop 0.01 1 nokey
		blpop nokey
		brpoplpush a b
		blmove a b left right

		# inside MULTI blocking commands do not block
		multi
		blpop nokey 0
		brpop nokey 0
		blmpop 0 1 nokey left
		brpoplpush nokey dst 0
		blmove nokey dst left right 0
		rpush q 1 2
		blpop q 0
		brpoplpush q q2 0
		blpop str 0
		exec
		lrange q2 0 -1

		# a write that changed nothing still touches WATCHers
		rpush w a b
		watch w
		ltrim w 0 -1
		multi
		ping
		exec
		watch w
		lset w 0 a
		multi
		ping
		exec
		watch w
		linsert w before zz x
		multi
		ping
		exec
		watch w
		lrem w 0 zz
		multi
		ping
		exec
	`)
}

// LINSERT, LREM, LTRIM and LSET on a list long enough for the element
// moves to span several chunks, towards the head and towards the tail.
func TestListsLongEditsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	args := []string{"rpush", "big"}
	for i := range 3000 {
		if i%500 == 250 {
			args = append(args, "dup")
		} else {
			args = append(args, fmt.Sprint(i))
		}
	}
	d.Do(args...)
	for _, cmd := range [][]string{
		{"linsert", "big", "before", "1400", "a"}, // moves the 1400 before it
		{"linsert", "big", "after", "1700", "b"},  // moves the 1300 after it
		{"lrem", "big", "1", "1500"},
		{"lrem", "big", "-1", "1100"},
		{"lset", "big", "2500", "c"},
		{"lrange", "big", "0", "-1"},
		{"lrem", "big", "0", "dup"},
		{"lrange", "big", "0", "-1"},
		{"lrem", "big", "2", "dup"},
		{"lpos", "big", "2999"},
		{"lindex", "big", "1200"},
		{"ltrim", "big", "40", "-41"},
		{"lrange", "big", "0", "5"},
		{"lrange", "big", "-5", "-1"},
		{"ltrim", "big", "1000", "1100"},
		{"lrange", "big", "0", "-1"},
		{"llen", "big"},
	} {
		d.Do(cmd...)
	}
	// Every element removed at once takes the key with it.
	d.Do("rpush", "same", "a", "a", "a")
	d.Do("lrem", "same", "0", "a")
	d.Do("exists", "same")
}

// Random operations on a few small lists give the same replies as Redis:
// a model check of positions, shifts and trims.
func TestListsRandomDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	rng := rand.New(rand.NewPCG(3, 7))
	keys := []string{"x", "y", "z"}
	elem := func() string { return fmt.Sprint(rng.IntN(6)) }
	idx := func() string { return fmt.Sprint(rng.IntN(30) - 15) }
	for range 3000 {
		k, k2 := keys[rng.IntN(len(keys))], keys[rng.IntN(len(keys))]
		var cmd []string
		switch rng.IntN(13) {
		case 0:
			cmd = []string{"lpush", k, elem(), elem()}
		case 1:
			cmd = []string{"rpush", k, elem(), elem(), elem()}
		case 2:
			cmd = []string{"lpop", k, fmt.Sprint(rng.IntN(3))}
		case 3:
			cmd = []string{"rpop", k}
		case 4:
			cmd = []string{"linsert", k, []string{"before", "after"}[rng.IntN(2)], elem(), elem()}
		case 5:
			cmd = []string{"lrem", k, idx(), elem()}
		case 6:
			cmd = []string{"ltrim", k, idx(), idx()}
		case 7:
			cmd = []string{"lset", k, idx(), elem()}
		case 8:
			cmd = []string{"lmove", k, k2, []string{"left", "right"}[rng.IntN(2)], []string{"left", "right"}[rng.IntN(2)]}
		case 9:
			cmd = []string{"lpos", k, elem(), "rank", []string{"1", "2", "-1", "-2"}[rng.IntN(4)], "count", fmt.Sprint(rng.IntN(3))}
		case 10:
			cmd = []string{"lmpop", "2", k, k2, "right", "count", fmt.Sprint(rng.IntN(3) + 1)}
		case 11:
			cmd = []string{"lindex", k, idx()}
		default:
			cmd = []string{"rpush", k, elem()}
		}
		d.Do(cmd...)
		if rng.IntN(10) == 0 {
			d.Do("lrange", k, "0", "-1")
		}
		if t.Failed() {
			t.Fatalf("after %q", strings.Join(cmd, " "))
		}
	}
	for _, k := range keys {
		d.Do("lrange", k, "0", "-1")
	}
}

// Keyspace notifications of list commands: the same events in the same
// order as Redis.
func TestListsKeyspaceEventsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	subC, subR := subscriberOf(t, d.CairnServer.Addr), subscriberOf(t, d.RedisServer.Addr)
	d.Run(`
		lpush l a b c
		rpush l d
		lpushx l e
		rpushx nokey e
		lpop l
		rpop l 2
		lpop l 0
		lset l 0 x
		linsert l before x w
		linsert l before zz w
		lrem l 1 w
		lrem l 1 zz
		ltrim l 0 -1
		rpush l y z
		lmove l l left right
		lmove l dst right left
		rpoplpush dst l
		lmpop 1 l left count 1
		ltrim l 0 0
		lpos l x
		lrange l 0 -1
		lrem l 0 x
		rpush m a
		rpoplpush m n
		blpop n 0
		rpush o a b
		blmpop 0 1 o right count 5
		rpush p a
		brpoplpush p p 0
		ltrim p 1 0
	`)
	got, want := drain(subC), drain(subR)
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Errorf("notifications differ:\n redis: %q\n cairn: %q", want, got)
	}
}
