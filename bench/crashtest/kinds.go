package main

import (
	"fmt"
	"strconv"
)

// kind is one thing the writers exercise: a data type, or a multi-key
// operation that must apply whole. Every write adds exactly one element or
// bumps a count by one, so the state of a unit (one key, or a group of
// keys written together) is a count the model can predict: the
// acknowledged writes, plus one if a write was in flight at the kill.
//
// To cover a new data type, add a kind: a write that adds element n and a
// read that counts them. It is used when the server has its commands.
type kind struct {
	name  string
	needs []string // commands the server must have for this kind to run
	keys  int      // keys per unit
	// setup prepares a new unit's keys (may be nil).
	setup func(keys []string) [][]string
	// write is the commands that make the n-th write (n from 1); the last
	// reply says whether it was applied.
	write func(keys []string, n int) [][]string
	// observe reads the unit's count back, or says which invariant is
	// broken (a group half-applied, an element out of place).
	observe func(c *conn, keys []string) (int, error)
}

var kinds = []*kind{
	{name: "string", needs: []string{"set", "get"}, keys: 1,
		write:   func(k []string, n int) [][]string { return [][]string{{"SET", k[0], strconv.Itoa(n)}} },
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "GET", k[0]) }},
	{name: "counter", needs: []string{"incr"}, keys: 1,
		write:   func(k []string, n int) [][]string { return [][]string{{"INCR", k[0]}} },
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "GET", k[0]) }},
	{name: "append", needs: []string{"append"}, keys: 1,
		write: func(k []string, n int) [][]string { return [][]string{{"APPEND", k[0], fmt.Sprintf("%d,", n)}} },
		observe: func(c *conn, k []string) (int, error) {
			r, err := c.do("GET", k[0])
			if err != nil {
				return 0, err
			}
			want := ""
			for n := 1; len(want) < len(r.str); n++ {
				want += fmt.Sprintf("%d,", n)
				if want == r.str {
					return n, nil
				}
			}
			if r.str == "" {
				return 0, nil
			}
			return 0, fmt.Errorf("APPEND log %q is not 1,2,3,... in order", r.str)
		}},
	{name: "list", needs: []string{"rpush", "llen", "lindex"}, keys: 1,
		write: func(k []string, n int) [][]string { return [][]string{{"RPUSH", k[0], strconv.Itoa(n)}} },
		observe: func(c *conn, k []string) (int, error) {
			n, err := intValue(c, "LLEN", k[0])
			if err != nil || n == 0 {
				return n, err
			}
			last, err := intValue(c, "LINDEX", k[0], "-1")
			if err == nil && last != n {
				err = fmt.Errorf("list of %d elements ends with %d", n, last)
			}
			return n, err
		}},
	{name: "hash", needs: []string{"hset", "hlen"}, keys: 1,
		write: func(k []string, n int) [][]string {
			return [][]string{{"HSET", k[0], "f" + strconv.Itoa(n), strconv.Itoa(n)}}
		},
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "HLEN", k[0]) }},
	{name: "set", needs: []string{"sadd", "scard"}, keys: 1,
		write:   func(k []string, n int) [][]string { return [][]string{{"SADD", k[0], "m" + strconv.Itoa(n)}} },
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "SCARD", k[0]) }},
	{name: "zset", needs: []string{"zadd", "zcard"}, keys: 1,
		write: func(k []string, n int) [][]string {
			return [][]string{{"ZADD", k[0], strconv.Itoa(n), "m" + strconv.Itoa(n)}}
		},
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "ZCARD", k[0]) }},
	{name: "stream", needs: []string{"xadd", "xlen"}, keys: 1,
		write:   func(k []string, n int) [][]string { return [][]string{{"XADD", k[0], "*", "n", strconv.Itoa(n)}} },
		observe: func(c *conn, k []string) (int, error) { return intValue(c, "XLEN", k[0]) }},

	// Multi-key operations: all of their keys or none.
	{name: "mset", needs: []string{"mset", "mget"}, keys: 3,
		write: func(k []string, n int) [][]string {
			v := strconv.Itoa(n)
			return [][]string{{"MSET", k[0], v, k[1], v, k[2], v}}
		},
		observe: func(c *conn, k []string) (int, error) { return sameValues(c, k) }},
	{name: "multi", needs: []string{"multi", "exec", "set", "incr"}, keys: 3,
		write: func(k []string, n int) [][]string {
			v := strconv.Itoa(n)
			return [][]string{{"MULTI"}, {"SET", k[0], v}, {"INCR", k[1]}, {"SET", k[2], v}, {"EXEC"}}
		},
		observe: func(c *conn, k []string) (int, error) { return sameValues(c, k) }},
	{name: "rename", needs: []string{"multi", "exec", "rename", "incr"}, keys: 3,
		setup: func(k []string) [][]string { return [][]string{{"SET", k[0], "token"}} },
		// The token moves between two keys and a counter counts the moves,
		// in one transaction: the token must sit where the count says.
		write: func(k []string, n int) [][]string {
			from, to := k[(n+1)%2], k[n%2]
			return [][]string{{"MULTI"}, {"RENAME", from, to}, {"INCR", k[2]}, {"EXEC"}}
		},
		observe: func(c *conn, k []string) (int, error) {
			n, err := intValue(c, "GET", k[2])
			if err != nil {
				return 0, err
			}
			rs, err := c.pipeline([][]string{{"GET", k[0]}, {"GET", k[1]}})
			if err != nil {
				return 0, err
			}
			holder := n % 2
			if rs[holder].str != "token" || !rs[1-holder].null {
				return 0, fmt.Errorf("after %d renames: %s=%q %s=%q", n, k[0], rs[0].str, k[1], rs[1].str)
			}
			return n, nil
		}},
	{name: "script", needs: []string{"eval"}, keys: 3,
		write: func(k []string, n int) [][]string {
			return [][]string{{"EVAL", "redis.call('set', KEYS[1], ARGV[1]) redis.call('incr', KEYS[2]) return redis.call('set', KEYS[3], ARGV[1])",
				"3", k[0], k[1], k[2], strconv.Itoa(n)}}
		},
		observe: func(c *conn, k []string) (int, error) { return sameValues(c, k) }},
}

// intValue reads an integer reply or an integer held in a string; a
// missing key counts 0.
func intValue(c *conn, args ...string) (int, error) {
	r, err := c.do(args...)
	switch {
	case err != nil:
		return 0, err
	case r.err != "":
		return 0, fmt.Errorf("%q: %s", args, r.err)
	case r.null:
		return 0, nil
	case r.str != "":
		return strconv.Atoi(r.str)
	}
	return int(r.n), nil
}

// sameValues reads a group's keys, which must all hold the same count.
func sameValues(c *conn, keys []string) (int, error) {
	cmds := make([][]string, len(keys))
	for i, k := range keys {
		cmds[i] = []string{"GET", k}
	}
	rs, err := c.pipeline(cmds)
	if err != nil {
		return 0, err
	}
	for i := range rs {
		if rs[i].str != rs[0].str || rs[i].null != rs[0].null {
			return 0, fmt.Errorf("group half-applied: %s=%q but %s=%q", keys[0], rs[0].str, keys[i], rs[i].str)
		}
	}
	if rs[0].null {
		return 0, nil
	}
	return strconv.Atoi(rs[0].str)
}
