package engine

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// Pipelines of large replies come out whole and in order, and afterwards
// neither the client's reply writer nor its output buffer holds on to
// what the largest of them needed.
func TestLargeRepliesAreNotKeptByTheClient(t *testing.T) {
	s := newTestServer(t, io.Discard)
	tc := newTestClient(s)
	huge := strings.Repeat("h", 3*largeReplyBuf)
	large := strings.Repeat("l", 2*keptReplyBuf)
	tc.do("SET", "huge", huge)
	tc.do("SET", "large", large)
	bulk := func(v string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(v), v) }

	for _, pipeline := range [][]string{{"huge"}, {"large", "huge", "large"}, {"large"}, {"large", "large"}} {
		var want strings.Builder
		for i, k := range pipeline {
			tc.c.Exec([][]byte{[]byte("GET"), []byte(k)}, i < len(pipeline)-1)
			want.WriteString(bulk(map[string]string{"huge": huge, "large": large}[k]))
		}
		tc.c.FlushAndWait()
		if got := tc.conn.take(); got != want.String() {
			t.Fatalf("pipeline %v: got %d bytes, want %d", pipeline, len(got), want.Len())
		}
		if n := cap(tc.c.w.Bytes()); n > largeReplyBuf {
			t.Fatalf("after pipeline %v the reply writer keeps %d bytes", pipeline, n)
		}
		tc.c.out.mu.Lock()
		n := cap(tc.c.out.buf) + cap(tc.c.out.spare)
		tc.c.out.mu.Unlock()
		if n > 2*keptReplyBuf {
			t.Fatalf("after pipeline %v the output buffer keeps %d bytes", pipeline, n)
		}
	}
}
