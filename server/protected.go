package server

import "net"

// protectedModeMsg is Redis 7.0.15's text, typo ("Setup a an") included.
const protectedModeMsg = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// protectedModeRefusal returns Redis's refusal for a remote client when
// protected mode is on and the default user has no password.
func (s *Server) protectedModeRefusal(nc net.Conn) string {
	if !s.eng.ProtectedMode() {
		return ""
	}
	// Redis lets in exactly 127.0.0.1 and ::1 (and unix sockets), not the
	// rest of 127.0.0.0/8.
	tcp, ok := nc.RemoteAddr().(*net.TCPAddr)
	if !ok || tcp.IP.Equal(net.IPv4(127, 0, 0, 1)) || tcp.IP.Equal(net.IPv6loopback) {
		return ""
	}
	return protectedModeMsg
}
