package engine

import (
	"fmt"
	"strings"

	"github.com/cairndb/cairn/cmdspec"
	"github.com/cairndb/cairn/glob"
)

// aclDenial is why a command was refused, ordered as Redis ranks them when
// several selectors refuse it for different reasons (the highest wins).
type aclDenial int

const (
	aclAllowed aclDenial = iota
	aclDeniedCommand
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// logReason is the reason field of ACL LOG.
func (d aclDenial) logReason() string {
	switch d {
	case aclDeniedCommand:
		return "command"
	case aclDeniedKey:
		return "key"
	case aclDeniedAuth:
		return "auth"
	}
	return "channel"
}

// channelArgs says which arguments of the pub/sub commands are channels
// that ACL channel rules apply to (unsubscribing is always allowed).
var channelArgs = map[string]struct {
	all     bool // every argument from 1, else argument 1 alone
	pattern bool // the arguments are patterns, matched literally
}{
	"subscribe":  {all: true},
	"ssubscribe": {all: true},
	"psubscribe": {all: true, pattern: true},
	"publish":    {},
	"spublish":   {},
}

// aclDecision is the outcome of checking a command against a user.
type aclDecision struct {
	denial aclDenial
	pos    int // the argument refused (key or channel)
}

// check decides whether the user may run cmd with args: allowed when any
// selector allows it, otherwise the most relevant refusal.
func (r *userRules) check(cmd *command, args [][]byte) aclDecision {
	var keys *cmdspec.Keys
	var worst aclDecision
	for _, s := range r.selectors {
		d := s.check(cmd, args, &keys)
		if d.denial == aclAllowed {
			return d
		}
		if d.denial > worst.denial || (d.denial == worst.denial && d.pos > worst.pos) {
			worst = d
		}
	}
	return worst
}

// unrestricted reports whether the root selector allows everything, the
// common case that needs no further look at the command (cached in open).
func (r *userRules) unrestricted() bool {
	s := r.root()
	return s.allKeys && s.allChannels && s.allowed.get(aclCmds.futureBit) && s.allowsAll()
}

// allowsAll reports whether every command bit is set.
func (s *aclSelector) allowsAll() bool {
	for i := 0; i < aclCmds.futureBit; i++ {
		if !s.allowed.get(i) {
			return false
		}
	}
	return true
}

func (s *aclSelector) check(cmd *command, args [][]byte, keys **cmdspec.Keys) aclDecision {
	if !cmd.noAuth && !s.allowsCommand(cmd, args) {
		return aclDecision{denial: aclDeniedCommand}
	}
	if !s.allKeys {
		if *keys == nil {
			found, _ := cmd.spec.KeyPositions(nil, args)
			*keys = &found
		}
		for _, ref := range (*keys).Refs {
			if !s.allowsKey(args[ref.Index], ref.Flags) {
				return aclDecision{aclDeniedKey, ref.Index}
			}
		}
	}
	if !s.allChannels {
		if ch, ok := channelArgs[cmd.name]; ok {
			last := 1
			if ch.all {
				last = len(args) - 1
			}
			for i := 1; i <= last && i < len(args); i++ {
				if !s.allowsChannel(args[i], ch.pattern) {
					return aclDecision{aclDeniedChannel, i}
				}
			}
		}
	}
	return aclDecision{}
}

func (s *aclSelector) allowsCommand(cmd *command, args [][]byte) bool {
	c := aclCmds.byName[cmd.name]
	if c == nil {
		return false
	}
	if s.allowed.get(c.id) {
		return true
	}
	if len(args) < 2 {
		return false
	}
	for _, a := range s.firstArgs[c.id] {
		if strings.EqualFold(a, string(args[1])) {
			return true
		}
	}
	return false
}

// allowsKey matches a key against the patterns that grant what the command
// does with it: reading (ACCESS), writing (INSERT, DELETE, UPDATE), or
// neither (EXISTS, TYPE), which any pattern grants.
func (s *aclSelector) allowsKey(key []byte, flags cmdspec.KeyFlags) bool {
	read := flags&cmdspec.KeyAccess != 0
	write := flags&(cmdspec.KeyInsert|cmdspec.KeyDelete|cmdspec.KeyUpdate) != 0
	for _, p := range s.keys {
		if (read && !p.read) || (write && !p.write) {
			continue
		}
		if glob.Match([]byte(p.pattern), key) {
			return true
		}
	}
	return false
}

// allowsChannel matches a channel against the channel rules; a pattern
// (PSUBSCRIBE) must equal a rule, as Redis compares them literally.
func (s *aclSelector) allowsChannel(ch []byte, isPattern bool) bool {
	if s.allChannels {
		return true
	}
	for _, p := range s.channels {
		if isPattern && p == string(ch) || !isPattern && glob.Match([]byte(p), ch) {
			return true
		}
	}
	return false
}

// nopermReply is the error a refused command gets.
func nopermReply(d aclDecision, cmd *command) string {
	switch d.denial {
	case aclDeniedCommand:
		return fmt.Sprintf("NOPERM this user has no permissions to run the '%s' command", cmd.name)
	case aclDeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case aclDeniedChannel:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return "no permission"
}

// dryrunReply is what ACL DRYRUN says of a refused command.
func dryrunReply(d aclDecision, cmd *command, args [][]byte) string {
	switch d.denial {
	case aclDeniedCommand:
		return fmt.Sprintf("This user has no permissions to run the '%s' command", cmd.name)
	case aclDeniedKey:
		return fmt.Sprintf("This user has no permissions to access the '%s' key", args[d.pos])
	case aclDeniedChannel:
		return fmt.Sprintf("This user has no permissions to access the '%s' channel", args[d.pos])
	}
	return "no permission"
}

// checkACL is admit's permission check: it refuses a command the client's
// user may not run, logging the refusal in ACL LOG.
func (c *Client) checkACL(cmd *command, args [][]byte) string {
	u := c.aclUser.Load()
	if u == nil {
		return "" // internal clients run anything
	}
	r := u.get()
	if r.open {
		return ""
	}
	d := r.check(cmd, args)
	if d.denial == aclAllowed {
		return ""
	}
	context := "toplevel"
	if c.multi != nil {
		context = "multi"
	}
	c.s.logACL(c, d.denial.logReason(), context, logObject(d, cmd, args), u.name)
	return nopermReply(d, cmd)
}

// execACLError is the error EXEC gives a queued command that the client's
// user may no longer run (its rules changed since the command was queued),
// or "". transactions.go calls it for each queued command before running
// any.
func (c *Client) execACLError(cmd *command, args [][]byte) string {
	u := c.aclUser.Load()
	if u == nil {
		return ""
	}
	d := u.get().check(cmd, args)
	var reason string
	switch d.denial {
	case aclAllowed:
		return ""
	case aclDeniedCommand:
		reason = "no permission to execute the command or subcommand"
	case aclDeniedKey:
		reason = "no permission to touch the specified keys"
	case aclDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	c.s.logACL(c, d.denial.logReason(), "multi", logObject(d, cmd, args), u.name)
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// scriptACLError is the error a script's redis.call gets for a command the
// calling client's user may not run, or "". scripting calls it with the
// client that ran EVAL or FCALL.
func (c *Client) scriptACLError(cmd *command, args [][]byte) string {
	u := c.aclUser.Load()
	if u == nil {
		return ""
	}
	d := u.get().check(cmd, args)
	if d.denial == aclAllowed {
		return ""
	}
	c.s.logACL(c, d.denial.logReason(), "lua", logObject(d, cmd, args), u.name)
	switch d.denial {
	case aclDeniedCommand:
		return "The user executing the script can't run this command or subcommand"
	case aclDeniedKey:
		return "The user executing the script can't access at least one of the keys mentioned in the command arguments"
	}
	return "The user executing the script can't publish to the channel mentioned in the command"
}

// logObject is the object field of an ACL LOG entry.
func logObject(d aclDecision, cmd *command, args [][]byte) string {
	if d.denial == aclDeniedCommand {
		return cmd.name
	}
	return string(args[d.pos])
}
