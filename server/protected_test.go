package server_test

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/server"
)

// nonLoopbackIP finds an IPv4 address of this machine that is not the
// loopback interface, so a client can connect "from outside".
func nonLoopbackIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip("no interface addresses:", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address: protected-mode test needs one (or a network namespace)")
	return ""
}

// say connects from ip to addr, sends one inline command and returns the
// first reply line, or "" when the server closed without one.
func say(t *testing.T, ip, addr, command string) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write([]byte(command + "\r\n"))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line
}

// A client from another machine (or from 127.0.0.2) is refused with Redis's DENIED message
// while protected mode is on and the default user has no password; a
// password (requirepass or ACL) or protected-mode no lets it in.
func TestProtectedModeDifferential(t *testing.T) {
	ip := nonLoopbackIP(t)
	port := cairntest.FreePort(t)
	cairn := startServer(t, server.Options{Binds: []string{ip, "127.0.0.1"}, Port: port})
	redis := cairntest.StartRedis(t, "--bind", ip, "127.0.0.1", "--protected-mode", "yes")
	redisPort := strings.TrimPrefix(redis.Addr, "127.0.0.1:")
	servers := map[string][2]string{
		"cairn": {net.JoinHostPort(ip, strconv.Itoa(port)), cairn[1]},
		"redis": {net.JoinHostPort(ip, redisPort), redis.Addr},
	}
	check := func(from, command string, want string) {
		t.Helper()
		got := map[string]string{}
		for name, addrs := range servers {
			target := addrs[0]
			if strings.HasPrefix(from, "127.") {
				target = addrs[1]
			}
			got[name] = say(t, from, target, command)
		}
		if got["cairn"] != got["redis"] || !strings.HasPrefix(got["cairn"], want) {
			t.Errorf("%s from %s:\n redis: %q\n cairn: %q\n want prefix %q", command, from, got["redis"], got["cairn"], want)
		}
	}
	check(ip, "PING", "-DENIED Redis is running in protected mode")
	check("127.0.0.2", "PING", "-DENIED Redis is running in protected mode") // loopback, but not 127.0.0.1
	check("127.0.0.1", "PING", "+PONG")
	check("127.0.0.1", "CONFIG SET requirepass secret", "+OK")
	check(ip, "PING", "-NOAUTH")
	check(ip, "AUTH secret", "+OK")
	for _, addrs := range servers {
		c := cairntest.Dial(t, addrs[1])
		c.Do("AUTH", "secret")
		c.Do("CONFIG", "SET", "requirepass", "")
	}
	check(ip, "PING", "-DENIED")
	check("127.0.0.1", "ACL SETUSER default >pw", "+OK")
	check(ip, "PING", "-NOAUTH")
	check("127.0.0.1", "AUTH pw", "+OK")
	for _, addrs := range servers {
		c := cairntest.Dial(t, addrs[1])
		c.Do("AUTH", "pw")
		c.Do("ACL", "SETUSER", "default", "nopass")
		c.Do("CONFIG", "SET", "protected-mode", "no")
	}
	check(ip, "PING", "+PONG")
}
