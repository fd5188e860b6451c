package engine

import (
	"strings"
)

func init() {
	register(
		cmdDef{name: "ping", run: cmdPing},
		cmdDef{name: "echo", run: cmdEcho},
		cmdDef{name: "quit", run: cmdQuit},
		cmdDef{name: "select", run: cmdSelect},
		cmdDef{name: "hello", run: cmdHello},
		cmdDef{name: "auth", run: cmdAuth},
		cmdDef{name: "reset", run: cmdReset},
	)
}

func cmdPing(x *Ctx) {
	if len(x.args) > 2 {
		x.fail("ERR wrong number of arguments for 'ping' command")
		return
	}
	if x.c.subscribedRESP2() {
		x.w.Array(2)
		x.w.BulkString("pong")
		if len(x.args) == 2 {
			x.w.Bulk(x.args[1])
		} else {
			x.w.BulkString("")
		}
		return
	}
	if len(x.args) == 2 {
		x.w.Bulk(x.args[1])
		return
	}
	x.w.Simple("PONG")
}

func cmdEcho(x *Ctx) { x.w.Bulk(x.args[1]) }

func cmdQuit(x *Ctx) {
	x.w.OK()
	x.c.closeAfter = true
}

func cmdSelect(x *Ctx) {
	n, ok := parseInt(x.args[1])
	if !ok || n != int64(int32(n)) {
		x.fail(errNotInt)
		return
	}
	if n < 0 || n >= int64(x.s.conf().databases) {
		x.fail(errDBIndex)
		return
	}
	x.c.db.Store(int32(n))
	x.w.OK()
}

func cmdAuth(x *Ctx) {
	if len(x.args) > 3 {
		x.fail(errSyntax)
		return
	}
	user, pass := []byte("default"), x.args[1]
	if len(x.args) == 3 {
		user, pass = x.args[1], x.args[2]
	} else if x.s.access.dflt.get().nopass {
		x.fail("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	u := x.c.authenticate(x, user, pass)
	if u == nil {
		x.fail(errWrongPass)
		return
	}
	x.c.authenticated = true
	x.c.setUser(u)
	x.w.OK()
}

func cmdHello(x *Ctx) {
	c := x.c
	proto := c.protoVersion()
	if len(x.args) >= 2 {
		v, ok := parseInt(x.args[1])
		if !ok {
			x.fail("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			x.fail("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
	}
	var user, pass, name []byte
	authGiven, nameGiven := false, false
	for i := 2; i < len(x.args); i++ {
		more := len(x.args) - i - 1
		switch {
		case eq(x.args[i], "auth") && more >= 2:
			user, pass, authGiven = x.args[i+1], x.args[i+2], true
			i += 2
		case eq(x.args[i], "setname") && more >= 1:
			name, nameGiven = x.args[i+1], true
			i++
		default:
			x.failf("ERR Syntax error in HELLO option '%s'", x.args[i])
			return
		}
	}
	if authGiven {
		u := c.authenticate(x, user, pass)
		if u == nil {
			x.fail(errWrongPass)
			return
		}
		c.authenticated = true
		c.setUser(u)
	}
	if !c.authenticated {
		x.fail("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if nameGiven && !x.setClientName(name) {
		return
	}
	c.setProto(proto)
	x.w.Map(7)
	x.w.BulkString("server")
	x.w.BulkString("redis")
	x.w.BulkString("version")
	x.w.BulkString(RedisVersion)
	x.w.BulkString("proto")
	x.w.Int(int64(proto))
	x.w.BulkString("id")
	x.w.Int(int64(c.id))
	x.w.BulkString("mode")
	x.w.BulkString("standalone")
	x.w.BulkString("role")
	x.w.BulkString("master")
	x.w.BulkString("modules")
	x.w.Array(0)
}

// setClientName validates and sets the connection name, replying the
// Redis error if it is not acceptable.
func (x *Ctx) setClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			x.fail("ERR Client names cannot contain spaces, newlines or special characters.")
			return false
		}
	}
	n := string(name)
	x.c.name.Store(&n)
	return true
}

func cmdReset(x *Ctx) {
	c := x.c
	c.resetState()
	c.resetReplyMode()
	c.db.Store(0)
	c.setProto(2)
	empty := ""
	c.name.Store(&empty)
	c.authenticated = x.s.access.dflt.get().openDoor()
	c.setUser(x.s.access.dflt)
	x.w.Simple("RESET")
}

// helpReply writes "<COMMAND> HELP".
func (x *Ctx) helpReply(command string) {
	lines := helpTexts[command]
	x.w.Array(len(lines))
	for _, l := range lines {
		x.w.Simple(l)
	}
}

// unknownSubcommand replies like Redis when a container command gets an
// unknown subcommand or wrong arguments for one.
func (x *Ctx) unknownSubcommand() {
	x.failf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.", x.args[1], strings.ToUpper(string(x.args[0])))
}
