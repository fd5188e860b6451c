package engine_test

import (
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

func TestStringsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		get nokey
		set k v
		get k
		set k v2 xx get
		set k v3 nx get
		set k v4 nx
		set new v nx
		set k v ex 10 px 10
		set k v keepttl ex 1
		set k v ex 0
		set k v ex -1
		set k v ex abc
		set k v ex 100000000000000000
		set k v px 9223372036854775807
		set k v foo
		set k v ex
		set k v get get nx nx
		setnx k other
		setnx fresh 1
		setex e 100 v
		setex e 0 v
		setex e abc v
		psetex p 100000 v
		psetex p -5 v
		getset k new
		getset missing new
		getdel k
		getdel k
		set n 10
		incr n
		incrby n 5
		decr n
		decrby n 100
		incrby n abc
		decrby n -9223372036854775808
		set big 9223372036854775807
		incr big
		set small -9223372036854775808
		decr small
		set s abc
		incr s
		set sp " 1"
		incr sp
		set lead 012
		incr lead
		incrbyfloat f 0.1
		incrbyfloat f 0.2
		incrbyfloat f 1e10
		incrbyfloat f -1e10
		incrbyfloat f abc
		incrbyfloat f inf
		set fl 1.5e3
		incrbyfloat fl 1
		set fl2 "1.0"
		incrbyfloat fl2 0
		incrbyfloat f2 5.0e3
		incrbyfloat f3 -0
		object encoding f2
		object refcount f2
		set fi 2
		incrbyfloat fi 1
		object encoding fi
		copy fi fi2
		object encoding fi2
		incr fi
		object encoding fi
		rpush flist a
		incrbyfloat flist abc
		getex flist ex abc
		getex nokey ex 0
		getex nokey ex abc
		getex fi ex 0
		getex fi ex abc
		append a hello
		append a " world"
		strlen a
		strlen nokey
		getrange a 0 4
		getrange a -5 -1
		getrange a 5 2
		getrange a -100 100
		getrange a -1 -5
		getrange nokey 0 10
		substr a 1 3
		setrange a 6 WORLD
		get a
		setrange r 5 x
		get r
		setrange r -1 x
		setrange r 9223372036854775807 x
		setrange r 9223372036854775800 xxxxxxxxxx
		append r ""
		setrange r 0 ""
		setrange missing 0 ""
		exists missing
		mset a 1 b 2 c 3
		mset a
		mget a b nokey c
		msetnx a 1 z 2
		msetnx y 1 z 2
		mget y z
		getex y
		getex y ex 100
		ttl y
		getex y persist
		ttl y
		getex y px 0
		getex y foo
		getex nokey ex 10
		lcs a b
		set lcs1 ohmytext
		set lcs2 mynewtext
		lcs lcs1 lcs2
		lcs lcs1 lcs2 len
		lcs lcs1 lcs2 idx
		lcs lcs1 lcs2 idx minmatchlen 4
		lcs lcs1 lcs2 idx withmatchlen
		lcs lcs1 lcs2 idx len
		lcs lcs1 lcs2 foo
		lcs lcs1 nokey
		object encoding n
		object encoding a
		object encoding lcs1
		set raw abc
		append raw d
		object encoding raw
		set longstr 123456789012345678901234567890123456789012345
		object encoding longstr
		set i 12345678901234567890
		object encoding i
		get
		set k
		getrange a 0
	`)
}

func TestKeyspaceDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set a 1
		set b 2
		del a b c
		exists a b
		set a 1
		exists a a a
		touch a nokey
		type a
		type nokey
		rename a b
		get b
		rename nokey x
		rename b b
		renamenx b b
		set c 3
		renamenx b c
		renamenx b d
		copy d e
		copy d e
		copy d e replace
		copy d d
		copy d d db 1
		copy d d db 100
		copy d x db abc
		copy d x foo
		move d 1
		move d 1
		move e 0
		move e 100
		move e abc
		select 1
		get d
		get e
		select 0
		swapdb 0 1
		get d
		swapdb 0 1
		swapdb a 1
		swapdb 1 a
		swapdb 0 100
		expire c 100
		ttl c
		pttl nokey
		ttl e
		expire c 50 gt
		expire c 200 gt
		ttl c
		expire c 50 lt
		ttl c
		expire c 10 nx
		expire c 10 xx
		expire e 10 xx
		expire c 10 nx xx
		expire c 10 gt lt
		expire c 10 foo
		expire c abc
		expire c 9223372036854775807
		expireat c 1
		exists c
		set c 3
		pexpireat c 99999999999999
		pexpiretime c
		expiretime c
		expiretime e
		expiretime nokey
		persist c
		persist c
		ttl c
		pexpire c 100000
		persist nokey
		dbsize
		select 100
		select abc
		select -1
		flushdb foo
		flushall foo
		object encoding nokey
		object refcount e
		set num 100
		object refcount num
		object freq num
		object foo e
		object help
		~ keys *
		flushdb
		dbsize
		~ keys *
		set x 1
		flushall sync
		dbsize
	`)
}
