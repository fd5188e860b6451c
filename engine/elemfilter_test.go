package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestBigCollectionMembership drives sets, hashes and sorted sets past the
// size at which the store keeps a filter of their elements, then checks
// membership answers against Redis while members come and go, including
// copies, renames and transactions.
func TestBigCollectionMembership(t *testing.T) {
	d := cairntest.NewDiffer(t)
	r := rand.New(rand.NewPCG(1, 2))
	var script strings.Builder
	add := func(format string, a ...any) { fmt.Fprintf(&script, format+"\n", a...) }
	for i := 0; i < 1500; i += 100 {
		var s, h, z []string
		for j := i; j < i+100; j++ {
			s = append(s, fmt.Sprintf("m%d", j))
			h = append(h, fmt.Sprintf("f%d", j), "v")
			z = append(z, fmt.Sprint(j%13), fmt.Sprintf("m%d", j))
		}
		add("sadd s %s", strings.Join(s, " "))
		add("hset h %s", strings.Join(h, " "))
		add("zadd z %s", strings.Join(z, " "))
	}
	m := func() int { return r.IntN(2500) }
	for range 1500 {
		switch r.IntN(12) {
		case 0:
			add("sadd s m%d m%d", m(), m())
		case 1:
			add("srem s m%d", m())
		case 2:
			add("sismember s m%d", m())
		case 3:
			add("hset h f%d x", m())
		case 4:
			add("hdel h f%d", m())
		case 5:
			add("hexists h f%d", m())
		case 6:
			add("zadd z %d m%d", r.IntN(20), m())
		case 7:
			add("zscore z m%d", m())
		case 8:
			add("multi")
			k := m()
			add("sadd s m%d", k)
			add("sismember s m%d", k)
			add("srem s m%d", k)
			add("sismember s m%d", k)
			add("hsetnx h f%d y", k)
			add("exec")
		case 9:
			add("smove s s2 m%d", m())
			add("sismember s2 m%d", m())
		case 10:
			add("scard s")
			add("hlen h")
			add("zcard z")
		case 11:
			add("smismember s m%d m%d m%d", m(), m(), m())
		}
	}
	add("copy s sc")
	add("sadd sc new1 new2")
	add("sismember sc new1")
	add("sismember s new1")
	add("rename h h2")
	add("hset h2 fresh 1")
	add("hexists h2 fresh")
	add("scard sc")
	d.Run(script.String())
}
