package engine

import (
	"strings"
	"time"
)

func init() {
	register(
		cmdDef{name: "client|id", run: func(x *Ctx) { x.w.Int(int64(x.c.id)) }},
		cmdDef{name: "client|getname", run: cmdClientGetName},
		cmdDef{name: "client|setname", run: func(x *Ctx) {
			if x.setClientName(x.args[2]) {
				x.w.OK()
			}
		}},
		cmdDef{name: "client|info", run: func(x *Ctx) { x.w.Verbatim("txt", x.s.clientInfoLine(x.c, time.Now())+"\n") }},
		cmdDef{name: "client|list", run: cmdClientList},
		cmdDef{name: "client|kill", run: cmdClientKill},
		cmdDef{name: "client|help", run: func(x *Ctx) { x.helpReply("client") }},
	)
}

func cmdClientGetName(x *Ctx) {
	name := *x.c.name.Load()
	if name == "" {
		x.w.Null()
		return
	}
	x.w.BulkString(name)
}

func cmdClientList(x *Ctx) {
	var typ string
	var ids map[uint64]bool
	switch {
	case len(x.args) == 2:
	case len(x.args) == 4 && eq(x.args[2], "type"):
		typ = strings.ToLower(string(x.args[3]))
		if !validClientType(typ) {
			x.failf("ERR Unknown client type '%s'", x.args[3])
			return
		}
	case len(x.args) > 3 && eq(x.args[2], "id"):
		// Any integer: one no client has (0, negative) lists nothing.
		ids = map[uint64]bool{}
		for _, a := range x.args[3:] {
			id, ok := parseInt(a)
			if !ok {
				x.fail("ERR Invalid client ID")
				return
			}
			if id > 0 {
				ids[uint64(id)] = true
			}
		}
	default:
		x.fail(errSyntax)
		return
	}
	now := time.Now()
	var b strings.Builder
	for _, c := range x.s.sortedClients() {
		if (typ != "" && c.clientType() != typ) || (ids != nil && !ids[c.id]) {
			continue
		}
		b.WriteString(x.s.clientInfoLine(c, now))
		b.WriteByte('\n')
	}
	x.w.Verbatim("txt", b.String())
}

// cmdClientKill handles both forms: CLIENT KILL ip:port (old, replies OK)
// and CLIENT KILL <filter> <value> ... (replies the number killed).
func cmdClientKill(x *Ctx) {
	var addr, laddr, user, typ string
	var hasAddr, hasLaddr bool // an empty ADDR or LADDR matches nobody
	var id uint64
	skipMe := true
	if len(x.args) == 3 {
		addr, hasAddr = string(x.args[2]), true
	} else {
		// Filters are read in order, each checked as it comes: a bad
		// value is reported before a missing one further on.
		for i := 2; i < len(x.args); i += 2 {
			if i+1 == len(x.args) {
				x.fail(errSyntax)
				return
			}
			v := x.args[i+1]
			switch a := x.args[i]; {
			case eq(a, "id"):
				n, ok := parseClientID(v)
				if !ok || n == 0 {
					x.fail("ERR client-id should be greater than 0")
					return
				}
				id = n
			case eq(a, "type"):
				typ = strings.ToLower(string(v))
				if !validClientType(typ) {
					x.failf("ERR Unknown client type '%s'", v)
					return
				}
			case eq(a, "addr"):
				addr, hasAddr = string(v), true
			case eq(a, "laddr"):
				laddr, hasLaddr = string(v), true
			case eq(a, "user"):
				if x.s.lookupUser(string(v)) == nil {
					x.failf("ERR No such user '%s'", v)
					return
				}
				user = string(v)
			case eq(a, "skipme"):
				switch {
				case eq(v, "yes"):
					skipMe = true
				case eq(v, "no"):
					skipMe = false
				default:
					x.fail(errSyntax)
					return
				}
			default:
				x.fail(errSyntax)
				return
			}
		}
	}
	killed := 0
	for _, c := range x.s.sortedClients() {
		if (hasAddr && c.conn.RemoteAddr() != addr) || (hasLaddr && c.conn.LocalAddr() != laddr) ||
			(id != 0 && c.id != id) || (typ != "" && c.clientType() != typ) || (user != "" && *c.user.Load() != user) {
			continue
		}
		switch {
		case c == x.c && skipMe && len(x.args) != 3:
			continue
		case c == x.c:
			// The caller is closed once its replies so far, and this
			// one, are out (transactions.go sends nothing after it).
			x.c.closeAfter = true
		default:
			c.kill()
		}
		killed++
	}
	if len(x.args) == 3 {
		if killed == 0 {
			x.fail("ERR No such client")
			return
		}
		x.w.OK()
		return
	}
	x.w.Int(int64(killed))
}
