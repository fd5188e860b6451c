package engine_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestStringsRandomDifferential sends random string commands (SET with any
// mix of options, SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX, MSET,
// MSETNX, MGET, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, the INCR
// family, INCRBYFLOAT, LCS) to a few keys, some holding other types, with
// edge values (integer and float boundaries, encoding boundaries, binary
// bytes), comparing every reply with Redis, OBJECT ENCODING and REFCOUNT
// included. A differing reply fails the test with the recent commands on
// the keys involved; both servers are then flushed and the run goes on.
//
// Expiry times never depend on timing: relative ones are at least 10000 s
// (nothing expires during a run), absolute ones are far in the future or
// already past (the key is gone at once on both servers), and TTL, PTTL,
// EXPIRETIME and PEXPIRETIME replies are compared only as -2, -1 or
// positive.
//
// 8 seeds by default; CAIRN_LONG_TESTS=1 runs 200, CAIRN_STRINGS_SEEDS=N
// runs N and CAIRN_STRINGS_SEED=S only seed S. Odd seeds lower
// proto-max-bulk-len to 1mb, so that LCS meets its memory limit; seeds 2
// and 3 (mod 4) use RESP3; every third seed uses only 3 keys; seeds 4
// (mod 5) run under an LRU policy, without shared integers.
// CAIRN_STRINGS_TRACE=/path writes every command sent (as JSON) to
// /path.<seed>.
func TestStringsRandomDifferential(t *testing.T) {
	first, seeds, steps := 0, 8, 1000
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 200
	}
	if n, err := strconv.Atoi(os.Getenv("CAIRN_STRINGS_SEEDS")); err == nil && n > 0 {
		seeds = n
	}
	if n, err := strconv.Atoi(os.Getenv("CAIRN_STRINGS_SEED")); err == nil && n >= 0 {
		first, seeds = n, 1
	}
	d := cairntest.NewDiffer(t)
	failures := 0
	for seed := first; seed < first+seeds; seed++ {
		s := &strRun{t: t, d: d, r: rand.New(rand.NewPCG(uint64(seed), 0x73747273)), seed: seed, failures: &failures}
		s.start()
		for range steps {
			s.step()
			if failures >= 10*seeds {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		s.dump()
	}
}

// TestStringsCOptionsDifferential: Redis reads the options of SET, GETEX
// and LCS as C strings, so an option ends at its first NUL byte.
func TestStringsCOptionsDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set k v "NX\x00"
		set k v "xx\x00zz"
		set k v2 "GET\x00"
		set k v "KEEPTTL\x00abc" "ex\x00" 100
		set k v "ex\x00" 100 "PX\x00" 100
		ttl k
		set k v3 "PXAT\x00" 99999999999999 "get\x00"
		pexpiretime k
		getex k "PERSIST\x00"
		ttl k
		getex k "exat\x00x" 99999999999
		expiretime k
		getex k "KEEPTTL\x00"
		getex k "\x00"
		set a ohmytext
		set b mynewtext
		lcs a b "IDX\x00" "withmatchlen\x00x" "MINMATCHLEN\x00" 2
		lcs a b "len\x00"
		lcs a b "len\x00" "idx\x00"
	`)
}

// INCRBYFLOAT reads numbers as strtold: any case of inf and infinity (an
// infinite result is refused), hex but no other base prefix. EXPIRETIME
// rounds the largest deadlines without overflowing.
func TestStringsFloatWordsAndLargestDeadline(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
		set f 1
		incrbyfloat f INF
		incrbyfloat f -Infinity
		incrbyfloat f infinit
		incrbyfloat f 0b101
		incrbyfloat f -0O17
		incrbyfloat f 0x10
		hincrbyfloat h x InFiNiTy
		hincrbyfloat h x 0b1
		set k v PXAT 9223372036854775807
		expiretime k
		set k v PXAT 9223372036854775499
		expiretime k
		pexpiretime k
	`)
}

var strKeys = []string{"s0", "s1", "s2", "s3", "s4", "s5"}

type strMode int

const (
	strExact strMode = iota
	strTTL           // integer compared as -2, -1 or positive
)

type strHist struct {
	args  []string
	multi bool
}

type strRun struct {
	t        *testing.T
	d        *cairntest.Differ
	r        *rand.Rand
	seed     int
	n        int   // commands sent in this seed
	t0       int64 // unix time at the start of the seed
	nkeys    int   // the first nkeys of strKeys are used
	maxBulk  int64 // proto-max-bulk-len
	inMulti  bool
	hist     []strHist
	failures *int
}

func (s *strRun) start() {
	s.raw("DISCARD")
	s.raw("FLUSHALL")
	s.inMulti = false
	s.hist = nil
	s.t0 = time.Now().Unix()
	s.nkeys = len(strKeys)
	if s.seed%3 == 2 {
		s.nkeys = 3
	}
	s.raw("HELLO", fmt.Sprint(2+s.seed/2%2))
	s.maxBulk = 512 << 20
	if s.seed%2 == 1 {
		s.maxBulk = 1 << 20
	}
	s.do(strExact, "CONFIG", "SET", "proto-max-bulk-len", fmt.Sprint(s.maxBulk))
	// Under an LRU or LFU policy with a maxmemory, Redis shares no
	// integers (OBJECT REFCOUNT 1). Cairn differs: it derives the refcount
	// from the policy of the moment, not the one the value was stored
	// under (SET k 5, then CONFIG SET maxmemory 1gb and maxmemory-policy
	// allkeys-lru: OBJECT REFCOUNT k is 2147483647 in Redis, 1 in Cairn),
	// so the policy changes only while the keyspace is empty.
	if s.seed%5 == 4 {
		s.do(strExact, "CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru")
	} else {
		s.do(strExact, "CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")
	}
}

// raw sends a command to both servers without comparing the replies.
func (s *strRun) raw(args ...string) {
	s.trace(args)
	s.d.Redis.Do(args...)
	s.d.Cairn.Do(args...)
}

// do sends a command to both servers and compares the replies; on a
// difference it reports it and flushes both servers.
func (s *strRun) do(mode strMode, args ...string) (string, bool) {
	s.t.Helper()
	s.n++
	s.trace(args)
	s.hist = append(s.hist, strHist{args, s.inMulti})
	want := s.d.Redis.Do(args...)
	got := s.d.Cairn.Do(args...)
	w, g := want, got
	if mode == strTTL {
		w, g = ksTTLClass(want), ksTTLClass(got)
	}
	if w == g {
		switch strings.ToLower(args[0]) {
		case "multi":
			s.inMulti = want == "+OK\r\n"
		case "exec", "discard":
			s.inMulti = false
		}
		return want, true
	}
	*s.failures++
	s.t.Errorf("seed %d (RESP%d), command %d: %s\n redis: %q\n cairn: %q\n recent commands on these keys:\n%s",
		s.seed, 2+s.seed/2%2, s.n, strLine(args), want, got, s.recent(args))
	s.raw("DISCARD")
	s.raw("FLUSHALL")
	s.inMulti = false
	s.hist = nil
	return want, false
}

// recent lists the CONFIG commands and the last commands since the last
// flush that name a key of the failed command, or of its transaction if it
// is EXEC.
func (s *strRun) recent(args []string) string {
	from := len(s.hist) - 1
	if strings.EqualFold(args[0], "exec") {
		for from > 0 && !strings.EqualFold(s.hist[from].args[0], "multi") {
			from--
		}
	}
	keys := map[string]bool{}
	for _, h := range s.hist[from:] {
		for _, a := range h.args[1:] {
			keys[a] = strIsKey(a)
		}
	}
	var lines []string
	for i := len(s.hist) - 1; i >= 0 && len(lines) < 40; i-- {
		h := s.hist[i]
		rel := i >= from || strings.EqualFold(h.args[0], "config")
		for _, a := range h.args[1:] {
			rel = rel || keys[a]
		}
		if rel {
			tag := ""
			if h.multi {
				tag = "[in MULTI] "
			}
			lines = append(lines, "   "+tag+strLine(h.args))
		}
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return strings.Join(lines, "\n")
}

// trace appends the command to the file named by CAIRN_STRINGS_TRACE.
func (s *strRun) trace(args []string) {
	path := os.Getenv("CAIRN_STRINGS_TRACE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(fmt.Sprintf("%s.%d", path, s.seed), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	b, _ := json.Marshal(args)
	f.Write(append(b, '\n'))
}

func strIsKey(a string) bool {
	for _, k := range strKeys {
		if a == k {
			return true
		}
	}
	return false
}

// strLine writes a command as redis-cli reads it, quoting arguments that
// need it with redis-cli's escapes; long arguments are abbreviated (the
// trace has them whole).
func strLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if len(a) > 40 && strings.Count(a, a[:1]) == len(a) {
			q[i] = fmt.Sprintf("<%d x %q>", len(a), a[:1])
			continue
		}
		if len(a) > 80 {
			q[i] = fmt.Sprintf("<%d bytes %q...>", len(a), a[:20])
			continue
		}
		plain := a != ""
		for j := 0; j < len(a); j++ {
			if c := a[j]; c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
				plain = false
			}
		}
		if plain {
			q[i] = a
			continue
		}
		var b strings.Builder
		b.WriteByte('"')
		for j := 0; j < len(a); j++ {
			switch c := a[j]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < ' ' || c >= 0x7f:
				fmt.Fprintf(&b, "\\x%02x", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		q[i] = b.String()
	}
	return strings.Join(q, " ")
}

// --- value generators ---

func (s *strRun) key() string { return strKeys[s.r.IntN(s.nkeys)] }

func (s *strRun) pick(xs ...string) string { return xs[s.r.IntN(len(xs))] }

func (s *strRun) chance(n int) bool { return s.r.IntN(n) == 0 }

// word is a short string over a small alphabet, so that LCS finds matches.
func (s *strRun) word(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcde"[s.r.IntN(5)]
	}
	return string(b)
}

// value is a string value: integers around the boundaries of the int
// encoding and of the shared integers, strings that look like numbers,
// floats, strings around the embstr limit (44 bytes), binary bytes.
func (s *strRun) value() string {
	switch s.r.IntN(15) {
	case 0, 1, 11:
		return fmt.Sprint(s.r.IntN(25) - 5)
	case 2:
		return s.pick("9999", "10000", "-1", "0", "1", "123456789", "-10000")
	case 3:
		return s.pick("9223372036854775807", "-9223372036854775808", "9223372036854775806",
			"-9223372036854775807", "9223372036854775808", "-9223372036854775809",
			"12345678901234567890", "1234567890123456789", "99999999999999999999", "100000000000000000000")
	case 4:
		return s.pick("-0", "007", "00", "+1", " 1", "1 ", "0x10", "1e5", "1.0", "1\x00", "-", "+", "٣")
	case 5:
		return s.pick("1.5", "-0.25", "0.1", "1e308", "-1e308", "1.7976931348623157e308", "1e4000",
			"inf", "-inf", "nan", "3.0e3", ".5", "5.", "1e-4940", "0x1p3", "1e-20", "-1e-20")
	case 6:
		return strings.Repeat(s.pick("a", "7", "b"), []int{1, 19, 20, 21, 43, 44, 45, 64}[s.r.IntN(8)])
	case 7:
		return s.pick("\x00", "a\x00b", "\xff\xfe\xfd", "\xc3\x28", "é", "\r\n", "a b", "\x00\x00\x00\x00")
	case 8:
		return ""
	case 9:
		switch s.r.IntN(8) {
		case 0:
			// stored in fragments past 16 KB (storage.StringInlineMax)
			return s.word(16380 + s.r.IntN(10))
		case 1, 2:
			// long enough for LCS to need more than 1mb of table
			return s.word(300 + s.r.IntN(400))
		}
		return s.word(40 + s.r.IntN(20))
	case 10:
		return s.pick("ohmytext", "mynewtext", "hello", "world", "foo", "bar")
	}
	return s.word(s.r.IntN(12))
}

// short is a value to append or to write with SETRANGE.
func (s *strRun) short() string {
	switch s.r.IntN(6) {
	case 0:
		return ""
	case 1:
		return s.pick("1", "23", "-", "\x00", "\xff", "0", " ", ".5")
	case 2:
		return strings.Repeat("z", s.pick1(20, 30, 44, 45))
	}
	return s.word(1 + s.r.IntN(5))
}

func (s *strRun) pick1(xs ...int) int { return xs[s.r.IntN(len(xs))] }

func (s *strRun) intArg() string {
	switch s.r.IntN(6) {
	case 0:
		return s.pick("9223372036854775807", "-9223372036854775808", "9223372036854775808",
			"-9223372036854775809", "12345678901234567890", "4611686018427387904", "-4611686018427387904")
	case 1:
		return s.pick("", "abc", "+1", " 1", "1 ", "0x10", "1e5", "-0", "007", "1.0", "1\x00", "-")
	}
	return fmt.Sprint(s.r.IntN(41) - 20)
}

func (s *strRun) floatArg() string {
	switch s.r.IntN(5) {
	case 0:
		return s.pick("1e308", "-1e308", "1.7976931348623157e308", "1e4000", "-1e4000", "1e4932",
			"1e5000", "1e-5000", "1e-4940", "2.2250738585072014e-308", "4.9e-324", "12345678901234567890123")
	case 1:
		return s.pick("inf", "-inf", "+inf", "INF", "-Infinity", "infinit", "0b1", "0o7", "-0B1", "nan", "-nan", "", "abc", "  1", "1 ", "+1",
			"0x10", "0x1p-2", "1e5", "-0", "007", "1e", "0x", "1,5", ".5", "5.", "1\x00")
	case 2:
		return s.pick("0.1", "-0.1", "3.0", "1.5e3", "-1.5e-3", "10.50", "0", "1", "-1", "1e17", "1e18", "0.3")
	}
	return fmt.Sprintf("%.3f", s.r.Float64()*200-100)
}

// secs and millis are relative expiry times past the end of the run.
func (s *strRun) secs() string { return fmt.Sprint(10000 + s.r.IntN(30000)) }

func (s *strRun) millis() string { return fmt.Sprint(10000000 + s.r.IntN(30000000)) }

// expiry is one expiry option of SET or GETEX: valid, already past,
// invalid, or overflowing.
func (s *strRun) expiry() []string {
	future := s.t0 + 10000 + s.r.Int64N(30000)
	switch s.r.IntN(10) {
	case 0, 1:
		return []string{s.pick("EX", "ex"), s.secs()}
	case 2, 3:
		return []string{s.pick("PX", "px"), s.millis()}
	case 4:
		return []string{s.pick("EXAT", "exat"), fmt.Sprint(future)}
	case 5:
		return []string{s.pick("PXAT", "pxat"), fmt.Sprint(future * 1000)}
	case 6:
		// already past: the key is gone at once
		if s.chance(2) {
			return []string{"EXAT", s.pick("1", fmt.Sprint(s.t0-100))}
		}
		return []string{"PXAT", s.pick("1", fmt.Sprint((s.t0-100)*1000))}
	case 7:
		return []string{s.pick("EX", "PX", "EXAT", "PXAT"),
			s.pick("0", "-1", "-100", "abc", "", "1.5", " 10", "-9223372036854775808", "9223372036854775808")}
	case 8:
		// past what a millisecond deadline holds (invalid), or just within.
		return [][]string{
			{"EX", "9223372036854775807"}, {"EX", "9223372036854776"}, {"EX", "9223372036854775"},
			{"PX", "9223372036854775807"}, {"PX", "9223372036854775000"}, {"EXAT", "9223372036854776"},
			{"EXAT", "9223372036854775"}, {"PXAT", "9223372036854775307"}, {"EX", "9223372036854"},
			{"PX", "9223372036854775"}, {"PXAT", "9223372036854775807"}, {"PXAT", "9223372036854775500"},
		}[s.r.IntN(12)]
	}
	return []string{s.pick("EX", "PX", "EXAT", "PXAT")} // no value: a syntax error when last
}

// setOpts is a random list of SET options, conflicting or repeated ones
// included.
func (s *strRun) setOpts() []string {
	var o []string
	for range s.r.IntN(4) {
		switch s.r.IntN(9) {
		case 0:
			o = append(o, s.pick("NX", "nx"))
		case 1:
			o = append(o, s.pick("XX", "xX"))
		case 2:
			o = append(o, s.pick("GET", "get"))
		case 3:
			o = append(o, s.pick("KEEPTTL", "keepttl"))
		case 4, 5, 6:
			o = append(o, s.expiry()...)
		case 7:
			o = append(o, s.pick("PERSIST", "bogus", "NXX", "E", ""))
		default:
			o = append(o, s.pick("NX", "XX", "GET", "KEEPTTL"))
		}
	}
	return s.withNULs(o)
}

// withNULs sometimes puts a NUL byte and more after an argument: Redis
// reads options as C strings (up to the NUL), numbers whole.
func (s *strRun) withNULs(args []string) []string {
	for i := range args {
		if s.chance(25) {
			args[i] += s.pick("\x00", "\x00x", "\x00\x00")
		}
	}
	return args
}

func (s *strRun) getexOpts() []string {
	var o []string
	for range s.r.IntN(3) {
		switch s.r.IntN(6) {
		case 0:
			o = append(o, s.pick("PERSIST", "persist"))
		case 1, 2, 3:
			o = append(o, s.expiry()...)
		case 4:
			o = append(o, s.pick("KEEPTTL", "NX", "GET", "bogus"))
		default:
			o = append(o, s.pick("PERSIST", "EX"))
		}
	}
	return s.withNULs(o)
}

// --- the commands ---

// command is a random string command whose reply does not depend on
// timing (no TTL) and whose cost is bounded (no LCS).
func (s *strRun) command() (args []string, write string) {
	a, b := s.key(), s.key()
	switch s.r.IntN(26) {
	case 0, 1, 2:
		return append([]string{"SET", a, s.value()}, s.setOpts()...), a
	case 3:
		return []string{"SETNX", a, s.value()}, a
	case 4:
		t := s.secs()
		if s.chance(2) {
			t = s.millis()
		}
		if s.chance(5) {
			t = s.pick("0", "-1", "abc", "9223372036854775807", "9223372036854775", "1.5", "")
		}
		return []string{s.pick("SETEX", "PSETEX"), a, t, s.value()}, a
	case 5:
		return []string{"GETSET", a, s.value()}, a
	case 6:
		return []string{"GETDEL", a}, ""
	case 7:
		return append([]string{"GETEX", a}, s.getexOpts()...), a
	case 8:
		args := []string{"MSET"}
		for range 1 + s.r.IntN(3) {
			args = append(args, s.key(), s.value())
		}
		if s.chance(10) {
			args = args[:len(args)-1]
		}
		return args, args[1]
	case 9:
		args := []string{"MSETNX"}
		for range 1 + s.r.IntN(3) {
			args = append(args, s.key(), s.value())
		}
		if s.chance(10) {
			args = args[:len(args)-1]
		}
		return args, args[1]
	case 10:
		args := []string{"MGET", a}
		for range s.r.IntN(4) {
			args = append(args, s.key())
		}
		return args, ""
	case 11, 12:
		return []string{"APPEND", a, s.short()}, a
	case 13:
		return []string{"STRLEN", a}, ""
	case 14, 15:
		return []string{s.pick("GETRANGE", "GETRANGE", "SUBSTR"), a, s.rangeIndex(), s.rangeIndex()}, ""
	case 16, 17:
		return []string{"SETRANGE", a, s.offset(), s.short()}, a
	case 18:
		return []string{s.pick("INCR", "DECR"), a}, a
	case 19:
		return []string{s.pick("INCRBY", "DECRBY"), a, s.intArg()}, a
	case 20, 21:
		return []string{"INCRBYFLOAT", a, s.floatArg()}, a
	case 22:
		// Cairn differs: in a transaction Redis counts the reference the
		// queued SET (MSET, APPEND...) still holds on the value it stored:
		// MULTI, SET k hello, OBJECT REFCOUNT k, EXEC gives 2 (Cairn 1).
		if s.inMulti || s.chance(2) {
			return []string{"OBJECT", "ENCODING", a}, ""
		}
		return []string{"OBJECT", "REFCOUNT", a}, ""
	case 23:
		return []string{"GET", a}, ""
	case 24:
		// another type, for WRONGTYPE
		switch s.r.IntN(5) {
		case 0:
			return []string{"RPUSH", a, "x"}, ""
		case 1:
			return []string{"HSET", a, "f", "1"}, ""
		case 2:
			return []string{"SADD", a, "1"}, ""
		case 3:
			return []string{"ZADD", a, "1", "m"}, ""
		}
		return []string{"DEL", a, b}, ""
	}
	return s.bad(a), ""
}

func (s *strRun) rangeIndex() string {
	switch s.r.IntN(8) {
	case 0:
		return s.pick("9223372036854775807", "-9223372036854775808", "4294967296", "-4294967296",
			"abc", "", "1.5", "9223372036854775808")
	case 1:
		return fmt.Sprint(s.r.IntN(200) - 100)
	case 2:
		// around the 4 KB fragments and the 16 KB inline limit
		n := s.pick1(4095, 4096, 4097, 8192, 16383, 16384, 16385, 16390)
		if s.chance(3) {
			n = -n
		}
		return fmt.Sprint(n)
	}
	return fmt.Sprint(s.r.IntN(24) - 12)
}

// offset is a SETRANGE offset; the huge ones always fail the size check,
// whatever proto-max-bulk-len, so nothing larger than 1 MB is allocated.
func (s *strRun) offset() string {
	switch s.r.IntN(10) {
	case 0:
		return s.pick("-1", "-9223372036854775808", "abc", "", "1.5", "9223372036854775808")
	case 1:
		return s.pick("536870912", "536870913", "4294967296", "9223372036854775807", "9223372036854775806",
			"1099511627776")
	case 2:
		return fmt.Sprint(s.pick1(4094, 4095, 4096, 8190, 16380, 16383, 16384, 16385, 20480))
	case 3:
		if s.maxBulk == 1<<20 {
			// at the limit: a sparse 1 MB string, or the error
			return s.pick("1048574", "1048575", "1048576")
		}
	}
	return fmt.Sprint(s.r.IntN(70))
}

// bad is a command with a wrong arity or a malformed argument.
func (s *strRun) bad(a string) []string {
	cmds := [][]string{
		{"GET"}, {"GET", a, a}, {"SET", a}, {"SETNX", a}, {"SETEX", a, "10"}, {"PSETEX", a, "10"},
		{"GETSET", a}, {"GETDEL"}, {"GETEX"}, {"MSET"}, {"MSET", a}, {"MSETNX", a}, {"MGET"},
		{"APPEND", a}, {"STRLEN"}, {"GETRANGE", a, "0"}, {"SUBSTR", a, "0", "1", "2"}, {"SETRANGE", a, "0"},
		{"INCR"}, {"DECR", a, "1"}, {"INCRBY", a}, {"DECRBY", a, "1", "2"}, {"INCRBYFLOAT", a},
		{"LCS", a}, {"LCS"}, {"SET", a, "v", "EX"}, {"GETEX", a, "PX"}, {"SETEX", a, "abc", "v"},
		{"LCS", a, a, "MINMATCHLEN"}, {"LCS", a, a, "MINMATCHLEN", "x"}, {"LCS", a, a, "IDX", "LEN"},
	}
	return cmds[s.r.IntN(len(cmds))]
}

// step sends one random command, an LCS, a TTL check or a MULTI block,
// and after a write sometimes checks the key's encoding, value and TTL.
func (s *strRun) step() {
	switch s.r.IntN(20) {
	case 0, 1:
		s.lcs(s.key(), s.key())
		return
	case 2:
		s.do(strTTL, s.pick("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"), s.key())
		return
	case 3:
		s.multi()
		return
	}
	args, write := s.command()
	if _, ok := s.do(strExact, args...); !ok || write == "" {
		return
	}
	if s.chance(2) {
		s.do(strExact, "OBJECT", "ENCODING", write)
	}
	if s.chance(4) {
		s.do(strExact, "GET", write)
	}
	if s.chance(4) {
		s.do(strTTL, "PTTL", write)
	}
}

// lcs runs LCS on a and b, unless the table would be large and yet within
// the limit (too slow); STRLEN tells.
func (s *strRun) lcs(a, b string) {
	var size [2]int64
	for i, k := range []string{a, b} {
		r, ok := s.do(strExact, "STRLEN", k)
		if !ok {
			return
		}
		size[i], _ = strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(r, ":")), 10, 64)
	}
	if cells := (size[0] + 1) * (size[1] + 1); cells > 1<<22 && cells*4 <= s.maxBulk {
		return
	}
	args := []string{"LCS", a, b}
	for range s.r.IntN(4) {
		switch s.r.IntN(7) {
		case 0, 1:
			args = append(args, s.pick("IDX", "idx"))
		case 2:
			args = append(args, "LEN")
		case 3:
			args = append(args, "WITHMATCHLEN")
		case 4, 5:
			args = append(args, "MINMATCHLEN", s.pick("0", "1", "2", "3", "5", "-1", "abc",
				"9223372036854775807", "-9223372036854775808", "4294967297"))
		default:
			args = append(args, s.pick("MINMATCHLEN", "bogus"))
		}
	}
	s.withNULs(args[3:])
	s.do(strExact, args...)
}

// multi runs a MULTI/EXEC block of 1-5 commands, sometimes discarded.
func (s *strRun) multi() {
	if _, ok := s.do(strExact, "MULTI"); !ok {
		return
	}
	for range 1 + s.r.IntN(5) {
		args, _ := s.command()
		if _, ok := s.do(strExact, args...); !ok {
			return
		}
	}
	if s.chance(8) {
		s.do(strExact, "DISCARD")
	} else {
		s.do(strExact, "EXEC")
	}
}

// dump compares every key at the end of a seed.
func (s *strRun) dump() {
	for _, k := range strKeys {
		typ, ok := s.do(strExact, "TYPE", k)
		if !ok || !strings.Contains(typ, "string") {
			continue
		}
		s.do(strExact, "GET", k)
		s.do(strExact, "STRLEN", k)
		s.do(strExact, "OBJECT", "ENCODING", k)
		s.do(strExact, "OBJECT", "REFCOUNT", k)
		s.do(strTTL, "PTTL", k)
	}
}
