package engine

import (
	"bytes"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// notFuzzed are commands the command fuzzer leaves out: they stop or
// pause the server, block, change its configuration or files, silence
// replies, or run scripts (which may loop until SCRIPT KILL, or wait for a
// debugger's commands after SCRIPT DEBUG).
var notFuzzed = map[string]bool{
	"shutdown": true, "debug": true, "monitor": true, "client|pause": true, "client|reply": true,
	"client|kill": true, "config|set": true, "config|rewrite": true, "save": true, "bgsave": true,
	"bgrewriteaof": true, "sync": true, "psync": true, "replconf": true, "replicaof": true,
	"slaveof": true, "wait": true, "eval": true, "eval_ro": true, "evalsha": true, "evalsha_ro": true,
	"fcall": true, "fcall_ro": true, "function": true, "script": true, "acl|save": true,
}

// closers are the commands after which the connection may be closed.
var closers = map[string]bool{"quit": true, "acl|deluser": true}

// fuzzWords are arguments commands care about: keys, numbers at the edges,
// and keywords of Redis's commands.
var fuzzWords = strings.Fields(`k k2 {k}x db 0 1 -1 2 3 10 100 -100 1000000 4294967296 9223372036854775807
	-9223372036854775808 9223372036854775808 0.5 -1.5 1e400 inf -inf +inf nan 0x10 00 * ? [a-z] \x00
	EX PX EXAT PXAT KEEPTTL PERSIST NX XX GT LT CH INCR GET WITHSCORES WITHSCORE LIMIT BYSCORE BYLEX REV
	MATCH COUNT TYPE string list hash set zset stream WITHVALUES LEN IDX MINMATCHLEN WITHMATCHLEN STORE
	BY ASC DESC ALPHA BEFORE AFTER LEFT RIGHT AGGREGATE SUM MIN MAX WEIGHTS REPLACE ABSTTL IDLETIME FREQ
	ID USER ADDR LADDR SKIPME yes no ON OFF OPTIN OPTOUT BCAST PREFIX NOLOOP RESET SETNAME AUTH default
	on off nopass >pw ~* &* +@all -@all allkeys resetkeys CAT GETUSER LIST USERS WHOAMI LOG DRYRUN
	GENPASS HELP OVERFLOW WRAP SAT FAIL i8 u16 #1 SETRANGE MAXLEN MINID = ~ $ >
	GROUP CONSUMERS STREAMS BLOCK FULL JUSTID NOMKSTREAM MKSTREAM ENTRIESREAD FORCE RETRYCOUNT
	FROMMEMBER FROMLONLAT BYRADIUS BYBOX m km WITHCOORD WITHDIST WITHHASH ANY SYNC ASYNC`)

// fuzzCommands lists every command the server implements and the fuzzer
// may call, subcommands as two arguments.
func fuzzCommands(s *Server) [][]string {
	var out [][]string
	for name, c := range s.commands {
		if c.run != nil && !notFuzzed[name] && !c.blocking {
			out = append(out, []string{name})
		}
		for sub, sc := range c.subs {
			if !notFuzzed[name] && !notFuzzed[name+"|"+sub] && !sc.blocking {
				out = append(out, []string{name, sub})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], " ") < strings.Join(out[j], " ") })
	return out
}

// decodeCommands turns fuzz bytes into up to four argument vectors.
func decodeCommands(data []byte, cmds [][]string) [][]string {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	var out [][]string
	for n := int(next()%4) + 1; n > 0 && len(data) > 0; n-- {
		hi, lo := next(), next()
		args := slices.Clone(cmds[(int(hi)<<8|int(lo))%len(cmds)])
		for k := next() % 7; k > 0; k-- {
			tag := next()
			if tag < 224 {
				args = append(args, fuzzWords[int(tag)%len(fuzzWords)])
				continue
			}
			raw := make([]byte, min(int(next()%24), len(data)))
			copy(raw, data)
			data = data[len(raw):]
			args = append(args, string(raw))
		}
		out = append(out, args)
	}
	return out
}

// FuzzCommands sends random argument vectors of real command names to an
// in-process server. No command may panic (runBody would turn that into
// "ERR internal error"); every command gets a well-formed reply; the
// connection is closed only by the commands that close it in Redis.
//
//	go test ./engine -run '^$' -fuzz FuzzCommands -fuzztime 10m
func FuzzCommands(f *testing.F) {
	var logs syncBuffer
	s := newTestServer(f, &logs)
	cmds := fuzzCommands(s)
	admin := newTestClient(s)
	for _, seed := range [][]byte{
		{0, 0, 1, 2, 0, 1}, {3, 1, 0, 3, 0, 14, 9, 2, 1, 2, 3}, {1, 0, 200, 6, 225, 20, 'a', 'b'},
		{2, 2, 2, 5, 0, 3, 5, 8, 13, 21}, {0, 0xff, 0xff, 6, 240, 5, 1, 2, 3, 4, 5},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		admin.do("flushall")
		admin.do("acl", "setuser", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
		// Half the inputs run as a user whose permissions are checked on
		// every command (keys by read and write, channels, a selector).
		admin.do("acl", "setuser", "fz", "reset", "on", "nopass", "+@all", "-@dangerous", "~k*", "%R~{k}*", "&ch*", "(+get ~*)")
		c := newTestClient(s)
		defer c.c.Close()
		if len(data) > 0 && data[0]&0x80 != 0 {
			c.do("auth", "fz", "x")
		}
		for _, args := range decodeCommands(data, cmds) {
			logged := len(logs.String())
			out := doWithin(t, c, 5*time.Second, args)
			n, ok := countReplies([]byte(out))
			if !ok || n == 0 {
				t.Fatalf("%q: malformed or missing reply %q", args, out)
			}
			if log := logs.String()[logged:]; strings.Contains(out, "ERR internal error") || strings.Contains(log, "Panic in command") {
				t.Fatalf("%q panicked: %q\n%s", args, out, log)
			}
			if c.c.Closing() {
				name := strings.ToLower(args[0])
				if len(args) > 1 && len(s.commands[name].subs) > 0 {
					name += "|" + strings.ToLower(args[1])
				}
				if !closers[name] {
					t.Fatalf("%q closed the connection", args)
				}
				return
			}
		}
	})
}

// doWithin runs a command, failing with every goroutine's stack if it has
// not answered within d (a deadlock, or a command that blocks).
func doWithin(t *testing.T, c *testClient, d time.Duration, args []string) string {
	done := make(chan string, 1)
	go func() { done <- c.do(args...) }()
	select {
	case out := <-done:
		return out
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		t.Fatalf("%q did not answer within %v:\n%s", args, d, buf[:runtime.Stack(buf, true)])
		return ""
	}
}

// countReplies counts the complete RESP2/RESP3 values in b; false if b is
// not a sequence of complete values.
func countReplies(b []byte) (int, bool) {
	n := 0
	for len(b) > 0 {
		rest, ok := skipValue(b)
		if !ok {
			return n, false
		}
		b = rest
		n++
	}
	return n, true
}

func skipValue(b []byte) ([]byte, bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 1 {
		return nil, false
	}
	head, rest := b[1:i], b[i+2:]
	switch b[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return rest, true
	case '$', '=', '!':
		size, err := strconv.Atoi(string(head))
		if err != nil || size < -1 {
			return nil, false
		}
		if size == -1 {
			return rest, true
		}
		if len(rest) < size+2 || string(rest[size:size+2]) != "\r\n" {
			return nil, false
		}
		return rest[size+2:], true
	case '*', '~', '>', '%', '|':
		count, err := strconv.Atoi(string(head))
		if err != nil || count < -1 {
			return nil, false
		}
		if b[0] == '%' || b[0] == '|' {
			count *= 2
		}
		for ; count > 0; count-- {
			var ok bool
			if rest, ok = skipValue(rest); !ok {
				return nil, false
			}
		}
		if b[0] == '|' { // an attribute comes before the value it describes
			return skipValue(rest)
		}
		return rest, true
	}
	return nil, false
}
