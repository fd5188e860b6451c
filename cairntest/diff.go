package cairntest

import (
	"bufio"
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/cairndb/cairn/resp"
)

// Differ sends the same commands to Cairn and to a real Redis and fails the
// test when the replies differ by a single byte.
type Differ struct {
	t            testing.TB
	Cairn, Redis *Conn
	CairnServer  *Server
	RedisServer  *Server
}

// NewDiffer starts a fresh Cairn and a fresh Redis (skipping the test when
// Redis is not installed), both with the given directives, and connects to
// both.
func NewDiffer(t testing.TB, directives ...string) *Differ {
	t.Helper()
	r := StartRedis(t, directives...)
	c := StartCairn(t, directives...)
	return &Differ{t: t, Cairn: Dial(t, c.Addr), Redis: Dial(t, r.Addr), CairnServer: c, RedisServer: r}
}

// Do runs one command on both servers and returns the (common) reply.
func (d *Differ) Do(args ...string) string {
	d.t.Helper()
	want := d.Redis.Do(args...)
	got := d.Cairn.Do(args...)
	if got != want {
		d.t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
	}
	return want
}

// DoUnordered is Do for replies whose array elements come in no defined
// order (SMEMBERS, KEYS, ...): the elements are compared as multisets.
func (d *Differ) DoUnordered(args ...string) string {
	d.t.Helper()
	want := d.Redis.Do(args...)
	got := d.Cairn.Do(args...)
	if normalize(got) != normalize(want) {
		d.t.Errorf("%q (unordered):\n redis: %q\n cairn: %q", args, want, got)
	}
	return want
}

// Run executes a script: one command per line in redis-cli's inline syntax
// (quotes and escapes as Redis splits them), blank lines and # comments
// skipped. A line starting with "~ " is compared unordered.
func (d *Differ) Run(script string) {
	d.t.Helper()
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		unordered := strings.HasPrefix(line, "~ ")
		if unordered {
			line = line[2:]
		}
		parts, ok := resp.SplitArgs([]byte(line))
		if !ok {
			d.t.Fatalf("bad script line %q", line)
		}
		args := make([]string, len(parts))
		for i, p := range parts {
			args[i] = string(p)
		}
		if unordered {
			d.DoUnordered(args...)
		} else {
			d.Do(args...)
		}
	}
}

// normalize sorts the elements of a top-level aggregate reply.
func normalize(reply string) string {
	if reply == "" || !strings.ContainsRune("*~%>", rune(reply[0])) {
		return reply
	}
	rd := bufio.NewReader(strings.NewReader(reply))
	head, _ := rd.ReadString('\n')
	var items []string
	for {
		var b bytes.Buffer
		if err := readReply(rd, &b); err != nil {
			break
		}
		items = append(items, b.String())
	}
	sort.Strings(items)
	return head + strings.Join(items, "")
}
