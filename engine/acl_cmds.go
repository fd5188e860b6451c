package engine

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

func init() {
	register(
		cmdDef{name: "acl|setuser", run: cmdACLSetUser},
		cmdDef{name: "acl|getuser", run: cmdACLGetUser},
		cmdDef{name: "acl|deluser", run: cmdACLDelUser},
		cmdDef{name: "acl|list", run: cmdACLList},
		cmdDef{name: "acl|users", run: cmdACLUsers},
		cmdDef{name: "acl|whoami", run: cmdACLWhoami},
		cmdDef{name: "acl|cat", run: cmdACLCat},
		cmdDef{name: "acl|log", run: cmdACLLog},
		cmdDef{name: "acl|dryrun", run: cmdACLDryrun},
		cmdDef{name: "acl|genpass", run: cmdACLGenpass},
		cmdDef{name: "acl|save", run: cmdACLSave},
		cmdDef{name: "acl|load", run: cmdACLLoad},
		cmdDef{name: "acl|help", run: func(x *Ctx) { x.helpReply("acl") }},
	)
}

func cmdACLSetUser(x *Ctx) {
	ops := make([]string, len(x.args)-3)
	for i, a := range x.args[3:] {
		ops[i] = string(a)
	}
	if msg := x.s.setUserRules(string(x.args[2]), ops); msg != "" {
		x.fail(msg)
		return
	}
	x.w.OK()
}

func cmdACLGetUser(x *Ctx) {
	u := x.s.lookupUser(string(x.args[2]))
	if u == nil {
		x.w.Null()
		return
	}
	r := u.get()
	x.w.Map(6)
	x.w.BulkString("flags")
	flags := flagNames(r)
	x.w.Set(len(flags))
	for _, f := range flags {
		x.w.BulkString(f)
	}
	x.w.BulkString("passwords")
	x.w.Array(len(r.passwords))
	for _, p := range r.passwords {
		x.w.BulkString(p)
	}
	replySelector(x, r.root())
	x.w.BulkString("selectors")
	x.w.Array(len(r.selectors) - 1)
	for _, s := range r.selectors[1:] {
		x.w.Map(3)
		replySelector(x, s)
	}
}

// replySelector writes a selector's commands, keys and channels fields.
func replySelector(x *Ctx, s *aclSelector) {
	x.w.BulkString("commands")
	x.w.BulkString(describeCommands(s))
	x.w.BulkString("keys")
	x.w.BulkString(describeKeys(s))
	x.w.BulkString("channels")
	x.w.BulkString(describeChannels(s))
}

func cmdACLDelUser(x *Ctx) {
	names := make([]string, len(x.args)-2)
	for i, a := range x.args[2:] {
		names[i] = string(a)
	}
	n, msg := x.s.deleteUsers(x, names)
	if msg != "" {
		x.fail(msg)
		return
	}
	x.w.Int(int64(n))
}

func cmdACLList(x *Ctx) {
	users := x.s.sortedUsers()
	x.w.Array(len(users))
	for _, u := range users {
		x.w.BulkString("user " + u.name + " " + describeUser(u.get()))
	}
}

func cmdACLUsers(x *Ctx) {
	users := x.s.sortedUsers()
	x.w.Array(len(users))
	for _, u := range users {
		x.w.BulkString(u.name)
	}
}

func cmdACLWhoami(x *Ctx) { x.w.BulkString(*x.c.user.Load()) }

func cmdACLCat(x *Ctx) {
	if len(x.args) > 3 {
		x.unknownSubcommand()
		return
	}
	if len(x.args) == 2 {
		x.w.Array(len(aclCategories))
		for _, c := range aclCategories {
			x.w.BulkString(c)
		}
		return
	}
	cat, ok := aclCmds.categoryIndex(string(x.args[2]))
	if !ok {
		x.failf("ERR Unknown category '%s'", x.args[2])
		return
	}
	var names []string
	for _, c := range aclCmds.all {
		if c.categories&(1<<cat) != 0 {
			names = append(names, c.spec.Name)
		}
	}
	x.w.Array(len(names))
	for _, n := range names {
		x.w.BulkString(n)
	}
}

func cmdACLLog(x *Ctx) {
	count := int64(10)
	switch {
	case len(x.args) > 3:
		x.unknownSubcommand()
		return
	case len(x.args) == 3 && eq(x.args[2], "reset"):
		x.s.access.log.reset()
		x.w.OK()
		return
	case len(x.args) == 3:
		n, ok := parseInt(x.args[2])
		if !ok {
			x.fail(errNotInt)
			return
		}
		count = max(n, 0)
	}
	x.s.access.log.reply(x, int(min(count, 1<<30)))
}

func cmdACLDryrun(x *Ctx) {
	u := x.s.lookupUser(string(x.args[2]))
	if u == nil {
		x.failf("ERR User '%s' not found", x.args[2])
		return
	}
	args := x.args[3:]
	cmd, reject := x.s.lookupCommand(args)
	switch {
	case strings.HasPrefix(reject, "ERR wrong number of arguments"):
		x.fail(reject)
		return
	case reject != "":
		x.failf("ERR Command '%s' not found", args[0])
		return
	}
	d := u.get().check(cmd, args)
	if d.denial != aclAllowed {
		x.w.BulkString(dryrunReply(d, cmd, args))
		return
	}
	x.w.OK()
}

func cmdACLGenpass(x *Ctx) {
	bits := int64(256)
	switch {
	case len(x.args) > 3:
		x.unknownSubcommand()
		return
	case len(x.args) == 3:
		n, ok := parseInt(x.args[2])
		if !ok {
			x.fail(errNotInt)
			return
		}
		if n <= 0 || n > 4096 {
			x.fail("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
			return
		}
		bits = n
	}
	chars := int((bits + 3) / 4)
	buf := make([]byte, (chars+1)/2)
	rand.Read(buf)
	x.w.BulkString(hex.EncodeToString(buf)[:chars])
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

func cmdACLSave(x *Ctx) {
	if x.s.access.file == "" {
		x.fail(errNoACLFile)
		return
	}
	if err := x.s.saveACLFile(); err != nil {
		x.s.log.Warningf("%v", err)
		x.fail("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	x.w.OK()
}

func cmdACLLoad(x *Ctx) {
	if x.s.access.file == "" {
		x.fail(errNoACLFile)
		return
	}
	if msg := x.s.loadACLFile(x.c); msg != "" {
		x.fail("ERR " + msg)
		return
	}
	x.w.OK()
}
