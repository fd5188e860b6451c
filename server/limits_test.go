package server_test

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/server"
)

// exchange sends raw bytes (in one go, or streamed in pieces until the
// server stops reading) and returns what the server answered and whether
// it closed the connection.
func exchange(t *testing.T, addr string, payload []byte) (string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for len(payload) > 0 {
			n := min(len(payload), 64<<10)
			if _, err := c.Write(payload[:n]); err != nil {
				return
			}
			payload = payload[n:]
		}
	}()
	var got []byte
	buf := make([]byte, 4096)
	for {
		// Half a second of silence means the server keeps the connection.
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF || err != nil && strings.Contains(err.Error(), "reset") {
			return string(got), true
		}
		if err != nil {
			return string(got), false
		}
	}
}

// Malformed and oversized requests get Redis's protocol errors and the
// connection is closed where Redis closes it: bulk lengths over
// proto-max-bulk-len (a 2 GB header included), requests over
// client-query-buffer-limit, endless inline requests, and the small limits
// for clients that have not authenticated.
func TestRequestLimitsDifferential(t *testing.T) {
	directives := []string{"--client-query-buffer-limit", "1mb", "--proto-max-bulk-len", "4mb"}
	port := cairntest.FreePort(t)
	cairn := startServer(t, server.Options{Binds: []string{"127.0.0.1"}, Port: port}, directives...)[0]
	redis := cairntest.StartRedis(t, directives...).Addr
	big := strings.Repeat("x", 2<<20)
	for _, tc := range []struct {
		name, payload string
		closed        bool
	}{
		{"2 GB bulk header", "*2\r\n$3\r\nGET\r\n$2147483648\r\n", true},
		{"over proto-max-bulk-len", "*2\r\n$3\r\nGET\r\n$" + strconv.Itoa(4<<20+1) + "\r\n", true},
		{"negative bulk length", "*2\r\n$3\r\nGET\r\n$-2\r\n", true},
		{"multibulk count over INT_MAX", "*2147483648\r\n", true},
		{"not a bulk", "*1\r\n:1\r\n", true},
		{"binary byte instead of $", "*1\r\n\xf0\r\n", true},
		{"bulk over client-query-buffer-limit", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n", true},
		{"endless inline request", strings.Repeat("a", 70<<10), true},
		{"unbalanced quotes", "SET k \"v\r\n", true},
		{"pipeline then error", "PING\r\nECHO hi\r\n*x\r\n", true},
		{"empty lines and *0 are skipped", "\r\n*0\r\n*-1\r\nPING\r\n", false},
	} {
		want, wantClosed := exchange(t, redis, []byte(tc.payload))
		got, gotClosed := exchange(t, cairn, []byte(tc.payload))
		if got != want || gotClosed != wantClosed || gotClosed != tc.closed {
			t.Errorf("%s:\n redis: %q closed=%v\n cairn: %q closed=%v", tc.name, want, wantClosed, got, gotClosed)
		}
	}
	for _, addr := range []string{cairn, redis} {
		cairntest.Dial(t, addr).Do("CONFIG", "SET", "requirepass", "pw")
	}
	for _, tc := range []struct{ name, payload string }{
		{"unauthenticated multibulk length", "*11\r\n"},
		{"unauthenticated bulk length", "*2\r\n$4\r\nAUTH\r\n$16385\r\n"},
	} {
		want, wantClosed := exchange(t, redis, []byte(tc.payload))
		got, gotClosed := exchange(t, cairn, []byte(tc.payload))
		if got != want || gotClosed != wantClosed || !wantClosed {
			t.Errorf("%s:\n redis: %q closed=%v\n cairn: %q closed=%v", tc.name, want, wantClosed, got, gotClosed)
		}
	}
	// After AUTH the limits are the normal ones, even in the same pipeline.
	payload := "AUTH pw\r\n*12\r\n" + strings.Repeat("$4\r\nPING\r\n", 1) + strings.Repeat("$1\r\nx\r\n", 11)
	want, _ := exchange(t, redis, []byte(payload))
	got, _ := exchange(t, cairn, []byte(payload))
	if got != want {
		t.Errorf("authenticated in the pipeline:\n redis: %q\n cairn: %q", want, got)
	}
}
