package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// The errors a request may get, as Redis words them (and "expected '$',
// got 'x'" for any byte x).
var protocolErrors = map[string]bool{
	"invalid multibulk length":         true,
	"invalid bulk length":              true,
	"too big mbulk count string":       true,
	"too big bulk count string":        true,
	"too big inline request":           true,
	"unbalanced quotes in request":     true,
	"unauthenticated multibulk length": true,
	"unauthenticated bulk length":      true,
}

func isKnownProtocolError(msg string) bool {
	if protocolErrors[msg] {
		return true
	}
	return strings.HasPrefix(msg, "expected '$', got '") && len(msg) == len("expected '$', got 'x'")
}

// Fuzz limits: small enough that huge lengths in the input hit them.
const (
	fuzzMaxBulk  = 1 << 16
	fuzzMaxQuery = 1 << 18
)

// FuzzReader feeds arbitrary bytes, in arbitrary pieces, to the request
// reader. It must never panic; fail only with Redis's protocol errors or
// the query buffer limit; never hold much more than client-query-buffer-
// limit; and every multibulk request it returns must encode back to bytes
// that parse to the same request.
//
//	go test ./resp -run '^$' -fuzz FuzzReader -fuzztime 10m
func FuzzReader(f *testing.F) {
	for _, seed := range readerSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) == 0 {
			return
		}
		// The first byte chooses the read size and whether the client is
		// authenticated.
		ctl, data := input[0], input[1:]
		piece := int(ctl&31) + 1
		if len(data) > 4096 {
			piece *= 256 // byte by byte, a long line is rescanned quadratically
		}
		r := NewReader(&chunked{s: string(data), n: piece})
		r.MaxBulk, r.MaxQuery, r.Strict = fuzzMaxBulk, fuzzMaxQuery, ctl&32 != 0
		for {
			args, err := r.Next()
			if len(r.buf) > fuzzMaxQuery+64<<10 {
				t.Fatalf("buffer grew to %d bytes, over client-query-buffer-limit", len(r.buf))
			}
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) || !isKnownProtocolError(pe.Msg) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if args == nil {
				err := r.Fill()
				if errors.Is(err, io.EOF) || errors.Is(err, ErrQueryBufferLimit) {
					return
				}
				if err != nil {
					t.Fatalf("Fill: %v", err)
				}
				continue
			}
			checkRoundTrip(t, args)
		}
	})
}

// checkRoundTrip encodes a request as multibulk and parses it again.
func checkRoundTrip(t *testing.T, args [][]byte) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	again := NewReader(&b)
	var got [][]byte
	for got == nil {
		if err := again.Fill(); err != nil {
			t.Fatalf("re-reading %q: %v", b.String(), err)
		}
		var err error
		if got, err = again.Next(); err != nil {
			t.Fatalf("re-reading %q: %v", b.String(), err)
		}
	}
	if len(got) != len(args) {
		t.Fatalf("round trip of %q gave %q", args, got)
	}
	for i := range got {
		if !bytes.Equal(got[i], args[i]) {
			t.Fatalf("round trip of %q gave %q", args, got)
		}
	}
}

// readerSeeds are the malformed (and some valid) requests the fuzzer starts
// from; testdata/fuzz/FuzzReader holds the same set as files. The first
// byte of each is the control byte (read size, authentication).
var readerSeeds = []string{
	"\x03*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"\x00PING\r\n",
	"\x20*11\r\n",                                      // unauthenticated: more than 10 arguments
	"\x20*1\r\n$16385\r\n",                             // unauthenticated: bulk over 16 KB
	"\x05*-1\r\n*0\r\n*-5\r\n",                         // negative counts
	"\x05*abc\r\n",                                     // malformed count
	"\x05*2147483648\r\n",                              // count over INT_MAX
	"\x05*1\r\n$-1\r\n",                                // negative bulk length
	"\x05*1\r\n$2147483648\r\n",                        // 2 GB bulk header
	"\x05*1\r\n$9223372036854775808\r\n",               // overflowing bulk length
	"\x05*1\r\n$65537\r\n",                             // just over proto-max-bulk-len
	"\x05*1\r\n$01\r\na\r\n",                           // leading zero
	"\x05*1\r\n$+1\r\na\r\n",                           // plus sign
	"\x05*2\r\n$1\r\na\r\n:1\r\n",                      // not a bulk
	"\x05*1\r\n$3\r\nabcXY",                            // bad terminator, ignored as Redis does
	"\x05*3\r\n$3\r\nSET\r\n$1\r\n",                    // truncated
	"\x1f" + "*1\r\n$" + strings.Repeat("9", 70),       // endless bulk count
	"\x1f" + "*" + strings.Repeat("1", 70000),          // endless multibulk count
	"\x1f" + strings.Repeat("x", 70000),                // endless inline request
	"\x02set a \"b c\r\n",                              // unbalanced double quote
	"\x02set a 'b\r\n",                                 // unbalanced single quote
	"\x02set a \"b\"c\r\n",                             // closing quote not followed by space
	"\x02echo \"\\x4\"\r\n",                            // short hex escape
	"\x02echo \"\\x41\\n\\r\\t\\b\\a\\\\\"\r\n",        // every escape
	"\x02\x00\xff\xfe binary \x01garbage\r\n",          // binary garbage inline
	"\x07\r\n\n\r\n   \r\n",                            // empty lines
	"\x01*1\r\n$4\r\n\x00\xff\r\n\r\n",                 // binary bulk with CRLF inside
	"\x05*1\r\r\n",                                     // CR in the count
	"\x05*1\n$1\na\n",                                  // LF only
	"\x3f*1\r\n$70000\r\n" + strings.Repeat("a", 1000), // over the bulk limit while unauthenticated
}
