package cmdspec

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cmdspec/internal/redistest"
)

// getKeysLines are argument vectors for COMMAND GETKEYS, one per line,
// split at spaces; "" stands for an empty argument. They cover every kind
// of begin_search and find_keys, Redis's key finders, and the errors.
var getKeysLines = `
get k
get a b
set k v
set k v get
set k v GET
set k v nx get
set k v nx
mset a 1 b 2 c 3
mset a 1 b
mget a b c
del a b c
msetnx a 1 b 2
rename a b
lmove a b left right
smove a b m
bitop and d a b c
object encoding k
object freq k
OBJECT ENCODING k
object help
object nosuch k
memory usage k
memory usage k samples 5
MEMORY USAGE k
xinfo stream k
xinfo groups k
xinfo consumers k g
xgroup create k g $
xgroup createconsumer k g c
xgroup setid k g 0
config get x
CONFIG get x
config foo x
ping x
time x
echo a
publish c m
spublish c m
ssubscribe a b
sunsubscribe a
pfcount a b
pfmerge d a b
rpoplpush a b
blpop a b 0
brpoplpush a b 0
blmove a b left right 0
touch a b
unlink a b
exists a b
watch a b
copy a b
copy a b db 1 replace
restore k 0 v
dump k
lcs a b
sdiffstore d a b
georadius_ro k 0 0 1 km
geosearchstore d s frommember m byradius 1 km
georadius k 0 0 1 km store d
georadius k 0 0 1 km storedist d
georadius k 0 0 1 km store d storedist e
georadius k 0 0 1 km storedist d store e
georadius k 0 0 1 km store
georadius k 0 0 1 km STORE d
georadius k 0 0 1 store d
georadius k 0 0 1 km withdist store store
georadiusbymember k m 1 km store d
georadiusbymember k m 1 km store
georadiusbymember k m 1 store d
xread streams a b 0 0
xread streams a b c
xread streams a 0
xread count 1 streams a 0
xread count 1 block 0 streams a b 1 2
xread streams streams streams
xread count 1 streams a
xread count 1 a b
xread STREAMS a 0
xread streams a
xreadgroup group g c streams a 0
xreadgroup group g c streams a b 0 0
xreadgroup group streams c streams a 0
xreadgroup group g streams streams a 0
xreadgroup group g c count 1 streams a 0
xreadgroup noack streams a b streams x
xreadgroup group g c streams a b
xreadgroup group g c count streams a
migrate h p k 0 0
migrate h p k 0 0 copy
migrate h p k 0 0 copy replace keys
migrate h p "" 0 0 keys a b
migrate h p k 0 0 keys a b
migrate h p "" 0 0 auth pw keys a b
migrate h p "" 0 0 auth2 u pw keys a b
migrate h p "" 0 0 auth keys keys a
migrate h p "" 0 0 auth2 keys keys a
migrate h p "" 0 0 KEYS a
migrate h p "" 0 0 copy keys
migrate h p "" 0 0 keys
eval s 0
eval s 1 a
eval s 2 a b c
eval s 3 a b
eval s -1 a
eval s 01 a
eval s +1 a
eval s 1abc a
eval s abc a
eval s 4294967297 a
eval s 04294967297 a
eval s 099999999999999999999 a
eval s -0 a
evalsha s 1 a
eval_ro s 1 a
evalsha_ro s 2 a b
fcall f 1 a
fcall f 0
fcall_ro f 2 a b
fcall f x
zunionstore d 2 a b
zunionstore d 2 a b weights 1 2
zunionstore d 0 a
zunionstore d 01 a
zunionstore d 3 a b
zunionstore d -1 a
zinterstore d 1 a
zdiffstore d 2 a b
zunion 2 a b
zunion 01 a
zinter 1 a withscores
zdiff 2 a b
zintercard 2 a b limit 1
zintercard 01 a
sintercard 2 a b
sintercard 01 a
sintercard 0 a
lmpop 2 a b left
lmpop 0 a left
lmpop 01 a left
zmpop 1 a min
zmpop 3 a min
blmpop 0 2 a b left
blmpop 0 01 a left
bzmpop 0 1 a min
bzmpop 0 x a min
sort k
sort k store d
sort k STORE d by x get y store e limit 0 1
sort k get store store x
sort k store
sort k limit store d store e
sort k by store d
sort_ro k
sort_ro k by x get y
bitfield k
bitfield k get u8 0
bitfield k get u8
bitfield k set u8 0 1
bitfield k incrby u8 0 1
bitfield k overflow wrap get u8 0
bitfield k overflow
bitfield k foo
bitfield_ro k get u8 0
nosuch a
config|get x
get|x a
memory|usage x
`

// getKeysArgs are vectors that spaces cannot express: NUL bytes (Redis's
// key finders read C strings) and spaces inside numbers.
var getKeysArgs = [][]string{
	{"set", "k", "v", "get\x00x"},
	{"sort", "k", "store\x00x", "d"},
	{"eval", "s", "1\x00", "k"},
	{"eval", "s", " 1", "k"},
	{"eval", "s", "\t+2", "a", "b"},
	{"migrate", "h", "p", "", "0", "0", "KEYS\x00", "a"},
	{"xread", "streams\x00", "a", "0"},
	{"xread", "count", "1", "streams", "a\x00", "0"},
}

// generatedGetKeys calls every command and subcommand with as many
// arguments as its arity asks, and a few more when it takes any number.
func generatedGetKeys() [][]string {
	var out [][]string
	var add func(s *Spec)
	add = func(s *Spec) {
		name := strings.Split(s.Name, "|")
		n := max(s.Arity, -s.Arity)
		extra := 0
		if s.Arity < 0 {
			extra = 3
		}
		for more := 0; more <= extra; more++ {
			args := append([]string(nil), name...)
			for i := len(args); i < n+more; i++ {
				args = append(args, fmt.Sprintf("a%d", i))
			}
			out = append(out, args)
		}
		for _, sub := range s.Subcommands {
			add(sub)
		}
	}
	for _, s := range All() {
		add(s)
	}
	return out
}

func TestGetKeysMatchesRedis(t *testing.T) {
	vectors := generatedGetKeys()
	for _, line := range strings.Split(strings.TrimSpace(getKeysLines), "\n") {
		args := strings.Split(line, " ")
		for i, a := range args {
			if a == `""` {
				args[i] = ""
			}
		}
		vectors = append(vectors, args)
	}
	vectors = append(vectors, getKeysArgs...)
	for _, proto := range []int{2, 3} {
		rc := redistest.Dial(t, proto)
		for _, sub := range []string{"GETKEYS", "GETKEYSANDFLAGS"} {
			for _, args := range vectors {
				cmd := append([]string{"COMMAND", sub}, args...)
				_, want := rc.Do(t, cmd...)
				if got := ours(proto, nil, cmd...); !bytes.Equal(got, want) {
					t.Errorf("RESP%d %q:\n got %q\nwant %q", proto, cmd, got, want)
				}
			}
		}
	}
}

func TestKeyPositions(t *testing.T) {
	rw := KeyRW | KeyAccess | KeyDelete
	tests := []struct {
		line       string
		want       []KeyRef
		incomplete bool
		err        error
	}{
		{"get k", []KeyRef{{1, KeyRO | KeyAccess}}, false, nil},
		{"mset a 1 b 2", []KeyRef{{1, KeyOW | KeyUpdate}, {3, KeyOW | KeyUpdate}}, false, nil},
		{"zunionstore d 2 a b", []KeyRef{{1, KeyOW | KeyUpdate}, {3, KeyRO | KeyAccess}, {4, KeyRO | KeyAccess}}, false, nil},
		{"zunionstore d 01 a", []KeyRef{{3, 0}, {1, 0}}, true, nil},
		{"xread count 1 streams a b 0 0", []KeyRef{{4, KeyRO | KeyAccess}, {5, KeyRO | KeyAccess}}, false, nil},
		{"migrate h p k 0 0", []KeyRef{{3, rw}}, false, nil},
		{"migrate h p  0 0 keys a b", []KeyRef{{7, rw}, {8, rw}}, true, nil},
		{"sort k by p store d", []KeyRef{{1, KeyRO | KeyAccess}, {5, KeyOW | KeyUpdate}}, true, nil},
		{"set k v get", []KeyRef{{1, KeyRW | KeyAccess | KeyUpdate}}, false, nil},
		{"eval s 0", nil, true, nil},
		{"georadius k 0 0 1 km store d", []KeyRef{{1, KeyRO | KeyAccess}, {7, KeyOW | KeyUpdate}}, false, nil},
		{"ping", nil, false, ErrNoKeyArgs},
		{"get a b", nil, false, ErrArity},
		{"lmpop 0 a left", nil, false, ErrInvalidArgs},
	}
	for _, tt := range tests {
		var args [][]byte
		for _, a := range strings.Split(tt.line, " ") {
			args = append(args, []byte(a))
		}
		keys, err := LookupArgs(args).KeyPositions(nil, args)
		if err != tt.err || !reflect.DeepEqual(keys.Refs, tt.want) || keys.Incomplete != tt.incomplete {
			t.Errorf("%s: got %+v, %v; want %+v (incomplete %v), %v", tt.line, keys, err, tt.want, tt.incomplete, tt.err)
		}
	}
}

// The dispatcher finds every command's keys: with its buffer reused, that
// costs no allocation, from the key specs (MSET) or a command's own key
// finder (SET).
func TestKeyPositionsReusesTheBuffer(t *testing.T) {
	for line, last := range map[string]int{"mset a 1 b 2": 3, "set a 1 get": 1} {
		var args [][]byte
		for _, a := range strings.Split(line, " ") {
			args = append(args, []byte(a))
		}
		spec := LookupArgs(args)
		buf := make([]KeyRef, 0, 4)
		allocs := testing.AllocsPerRun(100, func() {
			keys, err := spec.KeyPositions(buf, args)
			if err != nil || len(keys.Refs) == 0 || keys.Refs[len(keys.Refs)-1].Index != last {
				t.Fatalf("%s: keys %+v, %v", line, keys, err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%s: %v allocations per lookup", line, allocs)
		}
	}
}
