package engine_test

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// Helpers of the hash and set tests.

// hsBothProtocols runs test twice, as subtests: with both servers speaking
// RESP2, then RESP3.
func hsBothProtocols(t *testing.T, test func(t *testing.T, d *cairntest.Differ)) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			d := cairntest.NewDiffer(t)
			d.Cairn.Do("HELLO", proto)
			d.Redis.Do("HELLO", proto)
			test(t, d)
		})
	}
}

// hsLeaves parses one raw reply and returns its scalar leaves in order:
// bulk and simple strings, integers, "<nil>" for nulls, "-ERR..." for
// errors. Aggregates (arrays, maps, sets, pairs) are flattened.
func hsLeaves(t testing.TB, raw string) []string {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	var out []string
	var walk func() error
	walk = func() error {
		line, err := rd.ReadString('\n')
		if err != nil {
			return err
		}
		body := strings.TrimSuffix(line[1:], "\r\n")
		switch line[0] {
		case '$':
			n, _ := strconv.Atoi(body)
			if n < 0 {
				out = append(out, "<nil>")
				return nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(rd, buf); err != nil {
				return err
			}
			out = append(out, string(buf[:n]))
		case '*', '~', '%', '>':
			n, _ := strconv.Atoi(body)
			if line[0] == '%' {
				n *= 2
			}
			for range max(n, 0) {
				if err := walk(); err != nil {
					return err
				}
			}
		case '_':
			out = append(out, "<nil>")
		case '-':
			out = append(out, "-"+body)
		default:
			out = append(out, body)
		}
		return nil
	}
	if err := walk(); err != nil {
		t.Fatalf("cannot parse reply %q: %v", raw, err)
	}
	return out
}

// hsPairs turns a flat field, value list into sorted "field=value" strings.
func hsPairs(flat []string) []string {
	var out []string
	for i := 0; i+1 < len(flat); i += 2 {
		out = append(out, flat[i]+"="+flat[i+1])
	}
	slices.Sort(out)
	return out
}

// hsSorted returns a sorted copy.
func hsSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// hsSameUnordered fails the test unless both servers' replies to args have
// the same leaves in any order; pairs compares them as field/value pairs.
func hsSameUnordered(t *testing.T, d *cairntest.Differ, pairs bool, args ...string) {
	t.Helper()
	want, got := hsLeaves(t, d.Redis.Do(args...)), hsLeaves(t, d.Cairn.Do(args...))
	if pairs {
		want, got = hsPairs(want), hsPairs(got)
	} else {
		want, got = hsSorted(want), hsSorted(got)
	}
	if !slices.Equal(want, got) {
		t.Errorf("%q (unordered):\n redis: %.300q\n cairn: %.300q", args, want, got)
	}
}

// hsFullScan walks a whole HSCAN/SSCAN (cmd) of key with the extra
// options on c and returns every item it returned, and the number of calls.
func hsFullScan(t *testing.T, c *cairntest.Conn, cmd, key string, opts ...string) ([]string, int) {
	t.Helper()
	cursor := "0"
	var items []string
	for calls := 1; ; calls++ {
		leaves := hsLeaves(t, c.Do(append([]string{cmd, key, cursor}, opts...)...))
		if len(leaves) == 0 || strings.HasPrefix(leaves[0], "-") {
			t.Fatalf("%s %s %s: %q", cmd, key, cursor, leaves)
		}
		cursor = leaves[0]
		items = append(items, leaves[1:]...)
		if cursor == "0" {
			return items, calls
		}
		if calls > 1_000_000 {
			t.Fatalf("%s of %s does not end", cmd, key)
		}
	}
}

// hsCommand builds one command line for Differ.Run from a prefix and
// generated arguments.
func hsCommand(prefix string, n int, arg func(i int) string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := range n {
		fmt.Fprintf(&b, " %s", arg(i))
	}
	return b.String()
}
