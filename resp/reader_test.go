package resp

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// readAll parses everything in input, reading in small pieces to exercise
// partial requests.
func readAll(t *testing.T, input string, maxBulk int64) ([]string, error) {
	t.Helper()
	r := NewReader(&chunked{s: input, n: 3})
	if maxBulk > 0 {
		r.MaxBulk = maxBulk
	}
	var out []string
	for {
		args, err := r.Next()
		if err != nil {
			return out, err
		}
		if args == nil {
			if err := r.Fill(); err != nil {
				if errors.Is(err, io.EOF) {
					return out, nil
				}
				return out, err
			}
			continue
		}
		out = append(out, fmt.Sprintf("%q", args))
	}
}

type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := min(c.n, len(p), len(c.s))
	copy(p, c.s[:n])
	c.s = c.s[n:]
	return n, nil
}

func TestReaderRequests(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", `["GET" "k"]`},
		{"*0\r\n*-1\r\nPING\r\n", `["PING"]`},
		{"*1\r\n$0\r\n\r\n", `[""]`},
		{"set a \"b c\"\r\n", `["set" "a" "b c"]`},
		{"set a 'it\\'s'\n", `["set" "a" "it's"]`},
		{"echo \"\\x41\\n\"\r\n", `["echo" "A\n"]`},
		{"\r\n\r\nPING\r\n", `["PING"]`},
		{"*1\r\n$3\r\nfooXY*1\r\n$4\r\nPING\r\n", `["foo"] ["PING"]`}, // Redis skips the two bytes after a bulk
	} {
		got, err := readAll(t, tc.in, 0)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, strings.Join(got, " "), tc.want)
		}
	}
}

func TestReaderProtocolErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*x\r\n", "invalid multibulk length"},
		{"*3000000000\r\n", "invalid multibulk length"},
		{"*1\r\nfoo\r\n", "expected '$', got 'f'"},
		{"*1\r\n$-1\r\n", "invalid bulk length"},
		{"*1\r\n$100\r\n", "invalid bulk length"},
		{"set \"a\r\n", "unbalanced quotes in request"},
		{"set \"a\"b\r\n", "unbalanced quotes in request"},
		{"*1" + strings.Repeat("1", 70000), "too big mbulk count string"},
		{strings.Repeat("a", 70000), "too big inline request"},
	} {
		_, err := readAll(t, tc.in, 50)
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Msg != tc.want {
			t.Errorf("%.30q: got %v, want protocol error %q", tc.in, err, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`a b  c`, `["a" "b" "c"]`, true},
		{`"a b" 'c d'`, `["a b" "c d"]`, true},
		{`x"y z"`, `["xy z"]`, true},
		{`""`, `[""]`, true},
		{`"unterminated`, ``, false},
		{`'bad'x`, ``, false},
	} {
		args, ok := SplitArgs([]byte(tc.in))
		if ok != tc.ok {
			t.Errorf("%q: ok = %v", tc.in, ok)
			continue
		}
		if ok && fmt.Sprintf("%q", args) != tc.want {
			t.Errorf("%q: got %q, want %s", tc.in, args, tc.want)
		}
	}
}

func TestDoubleFormat(t *testing.T) {
	for f, want := range map[float64]string{1.1: "1.1000000000000001", 3: "3", 1e200: "9.9999999999999997e+199", 0.1: "0.10000000000000001"} {
		if got := string(AppendDouble(nil, f)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}
