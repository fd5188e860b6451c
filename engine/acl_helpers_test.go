package engine_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// pair is one connection to Redis and one to Cairn that receive the same
// commands.
type pair struct {
	t            testing.TB
	redis, cairn *cairntest.Conn
}

func newPair(t testing.TB, d *cairntest.Differ) *pair {
	return &pair{t, cairntest.Dial(t, d.RedisServer.Addr), cairntest.Dial(t, d.CairnServer.Addr)}
}

// do sends a command to both and fails unless the replies match once
// normalized by norm (nil compares raw bytes).
func (p *pair) do(norm func(string) string, args ...string) string {
	p.t.Helper()
	want, got := p.redis.Do(args...), p.cairn.Do(args...)
	if norm != nil {
		want, got = norm(want), norm(got)
	}
	if want != got {
		p.t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
	}
	return want
}

// run sends each line of a script (inline syntax, # comments) to both,
// comparing replies with ACL rule lists normalized; the replies to lines
// starting with "!" are not compared (HELLO's client id).
func (p *pair) run(script string) {
	p.t.Helper()
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line[0] == '!' {
			args := splitLine(p.t, line[1:])
			p.redis.Do(args...)
			p.cairn.Do(args...)
			continue
		}
		p.do(normalizeRules, splitLine(p.t, line)...)
	}
}

func splitLine(t testing.TB, line string) []string {
	t.Helper()
	var args []string
	var cur strings.Builder
	inQuote, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			inQuote, quoted = !inQuote, true
		case c == ' ' && !inQuote:
			if cur.Len() > 0 || quoted {
				args = append(args, cur.String())
			}
			cur.Reset()
			quoted = false
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 || quoted {
		args = append(args, cur.String())
	}
	return args
}

var bulkRE = regexp.MustCompile(`\$(\d+)\r\n`)

// normalizeRules rewrites every bulk string of a reply so that the single
// command rules of ACL descriptions ("+get -set", which Redis lists in its
// hash table's order, different in every run) are sorted. Categories,
// keys and channels keep their order.
func normalizeRules(reply string) string {
	var out strings.Builder
	for {
		loc := bulkRE.FindStringSubmatchIndex(reply)
		if loc == nil {
			out.WriteString(reply)
			return out.String()
		}
		n, _ := strconv.Atoi(reply[loc[2]:loc[3]])
		out.WriteString(reply[:loc[0]])
		body := reply[loc[1] : loc[1]+n]
		norm := sortCommandRules(body)
		fmt.Fprintf(&out, "$%d\r\n%s", len(norm), norm)
		reply = reply[loc[1]+n:]
	}
}

func sortCommandRules(s string) string {
	s = strings.NewReplacer("(", "( ", ")", " )").Replace(s)
	toks := strings.Split(s, " ")
	isCmd := func(t string) bool {
		return len(t) > 1 && (t[0] == '+' || t[0] == '-') && t[1] != '@'
	}
	for i := 0; i < len(toks); {
		if !isCmd(toks[i]) {
			i++
			continue
		}
		j := i
		for j < len(toks) && isCmd(toks[j]) {
			j++
		}
		sort.Strings(toks[i:j])
		i = j
	}
	return strings.Join(toks, " ")
}

// normalizeLog blanks the fields of ACL LOG entries that cannot match
// between two servers (age, client info).
func normalizeLog(reply string) string {
	rd := bufio.NewReader(strings.NewReader(reply))
	var out bytes.Buffer
	blankNext := false
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return out.String()
		}
		if line[0] == '$' || line[0] == ',' {
			n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			body := strings.TrimSpace(line[1:])
			if line[0] == '$' && n >= 0 {
				buf := make([]byte, n+2)
				io.ReadFull(rd, buf)
				body = string(buf[:n])
			}
			if blankNext {
				out.WriteString("<blank>\n")
				blankNext = false
				continue
			}
			blankNext = body == "age-seconds" || body == "client-info"
			out.WriteString(line[:1] + body + "\n")
			continue
		}
		out.WriteString(line)
	}
}
