package engine_test

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/resp"
)

// streamDiffer starts Cairn and Redis speaking protocol proto (2 or 3).
func streamDiffer(t *testing.T, proto int) *cairntest.Differ {
	d := cairntest.NewDiffer(t)
	if proto == 3 {
		d.Cairn.Do("HELLO", "3")
		d.Redis.Do("HELLO", "3")
	}
	return d
}

// bothProtocols runs a differential test once per protocol.
func bothProtocols(t *testing.T, test func(t *testing.T, d *cairntest.Differ)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) { test(t, streamDiffer(t, proto)) })
	}
}

// runTimed is Differ.Run, except that lines starting with "T " are
// compared with the clock masked out (see maskTimes).
func runTimed(t *testing.T, d *cairntest.Differ, script string) {
	t.Helper()
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "T ") {
			d.Run(line)
			continue
		}
		parts, ok := resp.SplitArgs([]byte(line[2:]))
		if !ok {
			t.Fatalf("bad script line %q", line)
		}
		args := make([]string, len(parts))
		for i, p := range parts {
			args[i] = string(p)
		}
		want, got := d.Redis.Do(args...), d.Cairn.Do(args...)
		if maskTimes(want) != maskTimes(got) {
			t.Errorf("%q (clock masked):\n redis: %q\n cairn: %q", args, want, got)
		}
	}
}

// reply is a parsed RESP2/RESP3 reply.
type reply struct {
	head  string // the first line, type byte included
	body  string // a bulk string's bytes
	items []*reply
}

func parseReply(rd *bufio.Reader) *reply {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil
	}
	r := &reply{head: line}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	switch line[0] {
	case '$', '=', '!':
		if n >= 0 {
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(rd, buf); err != nil {
				return nil
			}
			r.body = string(buf)
		}
	case '*', '~', '%', '>':
		if line[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			r.items = append(r.items, parseReply(rd))
		}
	}
	return r
}

func (r *reply) String() string {
	var b strings.Builder
	r.write(&b)
	return b.String()
}

func (r *reply) write(b *strings.Builder) {
	b.WriteString(r.head)
	b.WriteString(r.body)
	for _, it := range r.items {
		it.write(b)
	}
}

func (r *reply) text() string { return strings.TrimSuffix(r.body, "\r\n") }

// isInt reports whether r is an integer reply.
func (r *reply) isInt() bool { return r.head[0] == ':' }

// maskTimes hides what depends on the clock: integers that are unix times
// in milliseconds, the value after an "idle" or "seen-time" field, and the
// idle time of XPENDING's detailed entries ([id, consumer, idle, count]).
func maskTimes(raw string) string {
	r := parseReply(bufio.NewReader(strings.NewReader(raw)))
	if r == nil {
		return raw
	}
	var walk func(r *reply)
	walk = func(r *reply) {
		if r.isInt() {
			if n, _ := strconv.ParseInt(strings.TrimSpace(r.head[1:]), 10, 64); n > 1e12 {
				r.head = ":<time>\r\n"
			}
		}
		if len(r.items) == 4 && r.items[0].head[0] == '$' && strings.Contains(r.items[0].text(), "-") &&
			r.items[1].head[0] == '$' && r.items[2].isInt() && r.items[3].isInt() {
			r.items[2].head = ":<idle>\r\n"
		}
		for i, it := range r.items {
			if i+1 < len(r.items) && (it.text() == "idle" || it.text() == "seen-time") {
				r.items[i+1].head = ":<idle>\r\n"
			}
			walk(it)
		}
	}
	walk(r)
	return r.String()
}
