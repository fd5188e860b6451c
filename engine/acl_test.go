package engine_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// ACL SETUSER rules, their errors and how ACL LIST, GETUSER and USERS
// describe the result, in RESP2 and RESP3.
func TestACLRulesDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	p := newPair(t, d)
	script := `
		acl setuser u1 on >p1 ~foo* %R~bar* &ch* +@read -get +config|get +select|0
		acl getuser u1
		acl setuser u2 +@all -get
		acl setuser u3 +get +@all -@string +set (~x* +get) (%W~y* +set -@all)
		acl getuser u3
		acl setuser t reset +config|get +select|0
		acl setuser t2 reset +get -get
		acl setuser t3 reset +@read +get +@read
		acl setuser t4 reset +select|0 +select|1 -select
		acl setuser t5 reset +select +select|0
		acl setuser t6 reset -select +select|0
		acl setuser t7 reset +config|get -config
		acl setuser t8 reset -config +config|get
		acl setuser t9 reset +GET +Get +@READ
		acl setuser t10 reset +SELECT|Ab +select|ab +select|AB
		acl setuser t11 reset %R~* %W~* ~x %R~x %W~y ~y &a &a &b
		acl setuser t12 reset %RW~* ~q %rw~lower %R
		acl setuser t13 reset nopass >x
		acl setuser t14 reset >x nopass
		acl setuser t15 reset >x >x >y <x #0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
		acl setuser t16 reset on off skip-sanitize-payload
		acl setuser t17 reset skip-sanitize-payload sanitize-payload (~x) clearselectors
		acl setuser t18 ALLKEYS ALLCHANNELS ALLCOMMANDS ON NOPASS
		acl setuser t19 "" () "( )" "(~a" "+get)" "(+get )" "(~x))"
		acl setuser t20 +@all -@dangerous -@admin +config|get -flushall
		acl setuser t21 -@all +@hash +@list -lpush +@pubsub -@slow
		acl setuser t22 +@all -@keyspace -@write +del
		acl setuser t23 resetkeys ~a ~b resetkeys ~c allkeys resetchannels &x allchannels
		acl setuser t24 +client|list +client|info +client +client|kill -client|kill
		acl list
		acl users
		acl getuser nosuch

		# errors; the user is left as it was
		acl setuser t "~a b"
		acl setuser t ~* ~x
		acl setuser t allkeys %R~x
		acl setuser t &* &x
		acl setuser t %~x
		acl setuser t %X~x
		acl setuser t %RR~x
		acl setuser t %
		acl setuser t "&a b"
		acl setuser t -select|0
		acl setuser t +select|
		acl setuser t +config|get|x
		acl setuser t +config|nosuch
		acl setuser t +nosuch
		acl setuser t +@nosuch
		acl setuser t -@nosuch
		acl setuser t + -
		acl setuser t foo
		acl setuser t <nopass
		acl setuser t #abc
		acl setuser t !abc
		acl setuser t (
		acl setuser t (~x +get
		acl setuser t "(~x" +get
		acl setuser t (foo)
		acl setuser t (on)
		acl setuser t ((~x)
		acl setuser "a b"
		acl setuser
		acl getuser t
		acl list

		!hello 3
		acl getuser u1
		acl getuser u3
		acl getuser default
		acl getuser nosuch
		acl list
		!hello 2
	`
	p.run(script)
}

// Random sequences of rules must be described as Redis describes them: the
// same categories in the same order, the same single commands.
func TestACLDescribeRandomRules(t *testing.T) {
	d := cairntest.NewDiffer(t)
	p := newPair(t, d)
	rules := []string{"+@all", "-@all", "allcommands", "nocommands", "+get", "-get", "+set", "-set",
		"+config", "-config", "+config|get", "+config|set", "-config|get", "+client|list", "+client|kill",
		"+select|0", "+select|1", "-select", "+debug|object", "+acl|whoami", "+flushall", "-flushall",
		"+lpush", "-rpop", "+xadd", "+object|freq", "-object", "+subscribe", "+zadd", "-zrange"}
	for _, c := range []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
		"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
		"dangerous", "connection", "transaction", "scripting"} {
		rules = append(rules, "+@"+c, "-@"+c)
	}
	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	for i := 0; i < 150; i++ {
		args := []string{"acl", "setuser", fmt.Sprintf("r%d", i), "reset"}
		for j := rnd.Intn(8); j >= 0; j-- {
			args = append(args, rules[rnd.Intn(len(rules))])
		}
		p.do(nil, args...)
		if got := p.do(normalizeRules, "acl", "getuser", args[2]); t.Failed() {
			t.Fatalf("after %q: %q", args, got)
		}
	}
	p.do(normalizeRules, "acl", "list")
}

// What a user may run: commands, subcommands, first arguments, key
// patterns by read and write access, channels, selectors; the NOPERM errors
// and ACL DRYRUN's answers.
func TestACLPermissionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	p := newPair(t, d)
	p.run(`
		acl setuser s1 on nopass +get ~a (+set ~b)
		acl setuser s2 on nopass -@all +config|get +publish +select|0 &x
		acl setuser s3 on nopass +@all &x* ~*
		acl setuser s4 on nopass +@all %R~r* %W~w* ~rw*
		acl setuser s5 on nopass -@all
		acl setuser s6 on nopass +@read +@write -@dangerous ~k* resetchannels

		acl dryrun s1 get b
		acl dryrun s1 get a
		acl dryrun s1 set a x
		acl dryrun s1 set b x
		acl dryrun s1 del b
		acl dryrun s2 config set a b
		acl dryrun s2 config get x
		acl dryrun s2 publish y m
		acl dryrun s2 publish x m
		acl dryrun s2 subscribe x y
		acl dryrun s2 select 0
		acl dryrun s2 select 1
		acl dryrun s3 psubscribe x
		acl dryrun s3 psubscribe x*
		acl dryrun s3 psubscribe x?
		acl dryrun s3 publish xyz m
		acl dryrun s3 pubsub channels zz
		acl dryrun s3 ssubscribe zz
		acl dryrun s3 spublish zz m
		acl dryrun s3 unsubscribe zz
		acl dryrun s4 get r1
		acl dryrun s4 get w1
		acl dryrun s4 set w1 x
		acl dryrun s4 set r1 x
		acl dryrun s4 copy r1 w1
		acl dryrun s4 copy w1 r1
		acl dryrun s4 exists w1
		acl dryrun s4 rename r1 w1
		acl dryrun s4 rename w1 w2
		acl dryrun s4 rename rw1 rw2
		acl dryrun s4 type w2
		acl dryrun s4 del r2
		acl dryrun s4 append w2 x
		acl dryrun s4 getdel r1
		acl dryrun s4 getrange r1 0 1
		acl dryrun s4 mset w1 1 r1 2
		acl dryrun s4 mget r1 w1
		acl dryrun s4 incr w1
		acl dryrun s4 set r1 v get
		acl dryrun s4 ping
		acl dryrun s5 auth x
		acl dryrun s5 hello
		acl dryrun s5 get x
		acl dryrun s6 get k1
		acl dryrun s6 get z1
		acl dryrun s6 flushall
		acl dryrun s6 keys *
		acl dryrun nosuch get x
		acl dryrun s1 nosuchcmd x
		acl dryrun s1 get
		acl dryrun s1 config
		acl dryrun s1 config nosuch
		acl dryrun s1 config get
		acl dryrun s1 CONFIG SET a
	`)
	p.run(`
		auth s1 x
		acl whoami
		get a
		get b
		set a 1
		set b 1
		del a
		ping
		multi
		get b
		set a x
		get a
		exec
		auth s2 x
		config set a b
		CONFIG RESETSTAT
		config get maxmemory
		GET x
		select 0
		select 1
		publish x m
		publish y m
		config nosuch
		nosuch
		get
		auth s4 x
		set w1 v
		get w1
		get r1
		copy r1 w1
		copy w1 r1
		mset rw1 1 rw2 2
		rename rw1 rw3
		subscribe chan
		auth s3 x
		subscribe x1 y1
		psubscribe x
		psubscribe x*
	`)
}

// ACL LOG records refused commands, keys, channels and failed logins, with
// grouping of repeats; AUTH and HELLO AUTH against users.
func TestACLLogAndAuthDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	p := newPair(t, d)
	p.run(`
		acl setuser lg on >pw +get +multi +exec +subscribe +publish ~a &ch
		acl log
		auth lg bad
		auth nouser bad
		auth default x
		hello 3 auth nouser bad
		!hello 2 auth lg pw setname me
		acl whoami
		client getname
		set a 1
		get b
		get b
		publish zz m
		subscribe ch zz
		multi
		get b
		set a b
		exec
	`)
	admin := newPair(t, d)
	admin.do(normalizeLog, "acl", "log")
	admin.do(normalizeLog, "acl", "log", "2")
	admin.run(`
		acl log 0
		acl log -1
		acl log x
		acl log reset x
		acl log reset
		acl log
		acl whoami x
		acl nosuch
		acl help
		acl cat
		acl cat nosuch
		acl cat read x
		acl deluser default
		acl deluser nosuch lg
		acl users
		acl genpass 0
		acl genpass 4097
		acl genpass x
		acl genpass 1 2
		acl load
		acl save
	`)
	for _, cat := range []string{"read", "write", "keyspace", "slow", "fast", "dangerous", "admin", "pubsub", "CONNECTION", "scripting"} {
		want, got := admin.redis.Do("acl", "cat", cat), admin.cairn.Do("acl", "cat", cat)
		if normalizeUnordered(want) != normalizeUnordered(got) {
			t.Errorf("ACL CAT %s:\n redis: %q\n cairn: %q", cat, want, got)
		}
	}
	for _, bits := range []string{"", "1", "5", "64", "4096"} {
		args := []string{"acl", "genpass"}
		if bits != "" {
			args = append(args, bits)
		}
		want, got := admin.redis.Do(args...), admin.cairn.Do(args...)
		if len(want) != len(got) || !strings.HasPrefix(got, want[:2]) {
			t.Errorf("%q: redis %q, cairn %q", args, want, got)
		}
	}
}

func normalizeUnordered(reply string) string {
	lines := strings.Split(reply, "\r\n")
	head, rest := lines[0], lines[1:]
	var items []string
	for i := 0; i+1 < len(rest); i += 2 {
		items = append(items, rest[i]+"\r\n"+rest[i+1])
	}
	sort.Strings(items)
	return head + "\r\n" + strings.Join(items, "\r\n")
}

// Users and connections: DELUSER and CLIENT KILL USER disconnect, revoked
// channels disconnect subscribers, requirepass is the default user's
// password, a disabled or passworded default user asks for AUTH.
func TestACLConnectionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	admin := newPair(t, d)
	admin.run(`acl setuser ku on >pw +@all ~*
		acl setuser ps on nopass +@all ~* &ch*`)
	b, c, e := newPair(t, d), newPair(t, d), newPair(t, d)
	b.run(`auth ku pw
		acl whoami`)
	admin.run(`acl setuser ku off`)
	b.run(`get x`) // still authenticated
	c.run(`auth ku pw`)
	admin.run(`acl deluser ku`)
	expectClosed(t, b)
	admin.run(`client kill user nouser
		acl setuser ku2 on >pw +@all ~*`)
	e.run(`auth ku2 pw`)
	admin.run(`client kill user ku2`)
	expectClosed(t, e)

	s1, s2, s3 := newPair(t, d), newPair(t, d), newPair(t, d)
	s1.run(`auth ps x
		subscribe ch1`)
	s2.run(`auth ps x
		psubscribe ch*`)
	s3.run(`auth ps x`)
	admin.run(`acl setuser ps resetchannels &ch1`)
	s1.run(`ping`)
	expectClosed(t, s2)
	s3.run(`ping`)
	admin.run(`acl setuser ps resetchannels`)
	expectClosed(t, s1)
	s3.run(`ping`)

	old := newPair(t, d)
	old.run(`ping`)
	admin.run(`config set requirepass secret
		acl list
		ping`)
	old.run(`ping`) // authenticated before the password was set
	f := newPair(t, d)
	f.run(`ping
		hello 3
		auth wrong
		auth secret
		acl setuser default resetpass >other
		config get requirepass`)
	g := newPair(t, d)
	g.run(`auth secret
		auth other
		acl setuser default nopass
		config set requirepass ""
		acl list
		acl setuser default off`)
	h := newPair(t, d)
	h.run(`ping
		auth x
		hello
		auth default x`)
	g.run(`acl setuser default on
		reset
		acl setuser default >pp
		reset
		ping
		auth pp
		acl whoami
		acl setuser me on nopass +@all ~*
		auth me x
		acl deluser me`)
	expectClosed(t, g)
	admin.run(`acl setuser default nopass
		acl list`)
}

// expectClosed checks that both servers closed the pair's connections.
func expectClosed(t *testing.T, p *pair) {
	t.Helper()
	for name, c := range map[string]*cairntest.Conn{"redis": p.redis, "cairn": p.cairn} {
		c.Send("ping")
		if reply, ok := c.ReadTimeout(2 * time.Second); ok {
			t.Errorf("%s: connection still open, replied %q", name, reply)
		}
	}
}

// ACL LOAD and ACL SAVE with an aclfile: the file format, Redis's error
// texts for bad files, all-or-nothing loading, and the disconnection of
// clients of replaced users.
func TestACLFileDifferential(t *testing.T) {
	redisFile := filepath.Join(t.TempDir(), "users.acl")
	cairnFile := filepath.Join(t.TempDir(), "users.acl")
	write := func(content string) {
		t.Helper()
		for _, f := range []string{redisFile, cairnFile} {
			if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("user alice on >pw ~* +@all\nuser bob off\n")
	r := cairntest.StartRedis(t, "--aclfile", redisFile)
	c := cairntest.StartCairn(t, "--aclfile", cairnFile)
	d := &cairntest.Differ{Redis: cairntest.Dial(t, r.Addr), Cairn: cairntest.Dial(t, c.Addr), RedisServer: r, CairnServer: c}
	norm := func(s string) string {
		s = strings.ReplaceAll(s, redisFile, "<file>")
		return normalizeRules(strings.ReplaceAll(s, cairnFile, "<file>"))
	}
	admin := newPair(t, d)
	admin.run(`acl list
		acl setuser carol on >x (~a +get) %R~k &c +@hash -hdel
		acl save`)
	saved := func() {
		t.Helper()
		want, _ := os.ReadFile(redisFile)
		got, _ := os.ReadFile(cairnFile)
		if sortCommandRules(string(want)) != sortCommandRules(string(got)) {
			t.Errorf("ACL SAVE wrote\n%s\nRedis wrote\n%s", got, want)
		}
	}
	saved()
	for _, bad := range []string{
		"user alice on >pw ~* +@all\nuser bob off foo\nbad line\nuser x\n\nuser alice on\n# comment\nuser d on +nosuch\nuser e (~a\n",
		"user a on \"unbalanced\nuser\nuser \"b c\" on\nuser d foo +nosuch +@nosuch bar +nosuch2\n  \t  \nUSER e on\nuser f on <nope\n",
		"user e on\r\n  user   g   on  \t\nuser h on \">a b\"\n",
	} {
		write(bad)
		admin.do(norm, "acl", "load")
		admin.do(norm, "acl", "list")
	}
	alice, plain := newPair(t, d), newPair(t, d)
	alice.run(`auth alice pw`)
	plain.run(`ping`)
	write("user alice on >pw ~* +@all\nuser default on >dpw ~* +@all\n")
	admin.do(norm, "acl", "load")
	expectClosed(t, alice)
	plain.run(`ping
		acl whoami`)
	admin.run(`auth dpw
		acl list`)
	write("user alice on >pw ~* +@all\n")
	admin.run(`acl load
		acl list`)
	self := newPair(t, d) // a replaced user loading the file gets its reply, then is closed
	self.run(`auth alice pw
		acl load`)
	expectClosed(t, self)
	os.Remove(redisFile)
	os.Remove(cairnFile)
	admin.do(norm, "acl", "load")
	admin.do(norm, "acl", "save")
	saved()
}

// A queued command the user lost the right to run fails inside EXEC's
// reply; the rest of the transaction still runs.
func TestACLChangedBeforeExecDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	admin, u := newPair(t, d), newPair(t, d)
	admin.run(`acl setuser mu on nopass +@all ~*`)
	u.run(`auth mu x
		multi
		set a 1
		incr n
		get a`)
	admin.run(`acl setuser mu -set`)
	u.run(`exec
		get a
		get n`)
	admin.do(normalizeLog, "acl", "log")
}

// redis.call checks the calling user's permissions like a command would.
func TestACLInScriptsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	admin, u := newPair(t, d), newPair(t, d)
	admin.run(`acl setuser su on nopass +@all -set ~a* &c*`)
	u.run(`auth su x
		eval "return redis.pcall('set','a','1')" 0
		eval "return redis.call('set','a','1')" 0
		eval "return redis.pcall('get','b')" 0
		eval "return redis.pcall('publish','d','m')" 0
		eval "return redis.call('incr','a1')" 0
		eval "return redis.call('get','a1')" 0`)
	admin.do(normalizeLog, "acl", "log")
}
