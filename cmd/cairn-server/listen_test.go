package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// TestConfigSetMovesListeners compares CONFIG SET port and bind with
// Redis's: a free port is listened on instead of the old one, connections
// already made stay; a port in use or an address that cannot be bound
// fails the command, which rolls back the other directives set with it,
// and the server keeps listening where it did.
func TestConfigSetMovesListeners(t *testing.T) {
	redis := cairntest.StartRedis(t)
	cairn := cairntest.StartProcess(t, t.TempDir())
	want := listenerTranscript(t, redis.Addr)
	got := listenerTranscript(t, cairn.Addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("redis:\n%s\ncairn:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// listenerTranscript moves a server's listeners around and notes the
// replies and which ports accept connections, with the ports named.
func listenerTranscript(t *testing.T, addr string) []string {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, oldPort, _ := net.SplitHostPort(addr)
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	newPort := strconv.Itoa(cairntest.FreePort(t))
	named := strings.NewReplacer(oldPort, "OLD", busyPort, "BUSY", newPort, "NEW")
	c := cairntest.Dial(t, addr)
	var out []string
	do := func(args ...string) {
		out = append(out, named.Replace(strings.Join(args, " ")+" -> "+c.Do(args...)))
	}
	accepts := func(port string) {
		conn, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			conn.Close()
		}
		out = append(out, named.Replace(port)+" accepts: "+strconv.FormatBool(err == nil))
	}
	do("config", "set", "maxmemory", "10000001", "port", busyPort, "client-query-buffer-limit", "10m")
	do("config", "get", "maxmemory")
	do("config", "get", "client-query-buffer-limit")
	do("config", "get", "port")
	accepts(oldPort)
	do("config", "set", "maxmemory", "10000002", "bind", "127.0.0.1 192.0.2.1")
	do("config", "get", "maxmemory")
	do("config", "get", "bind")
	accepts(oldPort)
	do("config", "set", "port", newPort)
	do("config", "get", "port")
	accepts(newPort)
	accepts(oldPort)
	do("ping") // the connection made on the old port
	return out
}
