package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// accessControl is the ACL user table. The default user always exists; its
// password is requirepass unless ACL rules say otherwise.
type accessControl struct {
	mu    sync.Mutex // guards users and orders changes to them
	users map[string]*aclUser
	dflt  *aclUser
	file  string // aclfile
	log   aclLog

	// startupErr is why the configured users could not be loaded; the
	// server must not start (Redis exits).
	startupErr error
}

// userLister is the part of config.Config that lists "user" lines.
type userLister interface{ Users() [][]string }

// initAccess builds the user table from requirepass, the "user" lines and
// the ACL file, as Redis does at startup.
func (s *Server) initAccess() {
	a := &accessControl{users: map[string]*aclUser{}, file: s.cfg.String("aclfile")}
	s.access = a
	a.dflt = &aclUser{name: "default"}
	a.dflt.set(withPassword(defaultUserRules(), s.cfg.String("requirepass")))
	a.users["default"] = a.dflt
	s.cfg.OnSet("requirepass", func(v string) error {
		a.mu.Lock()
		a.dflt.set(withPassword(a.dflt.get().clone(), v))
		a.mu.Unlock()
		return nil
	})
	var lines [][]string
	if l, ok := s.cfg.(userLister); ok {
		lines = l.Users()
	}
	if a.file != "" && len(lines) > 0 {
		a.startupErr = errors.New("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
		return
	}
	for _, line := range lines {
		s.loadConfiguredUser(line)
	}
	if a.file != "" {
		if msg := s.loadACLFile(nil); msg != "" {
			a.startupErr = errors.New("Aborting Redis startup because of ACL errors: " + msg)
		}
	}
}

// ACLError reports why the ACL configuration could not be loaded; the
// server must then not start.
func (s *Server) ACLError() error { return s.access.startupErr }

// withPassword applies requirepass to the default user's rules, as CONFIG
// SET requirepass does: the password replaces all others, "" means nopass.
func withPassword(r *userRules, pass string) *userRules {
	r.apply("resetpass", false)
	if pass == "" {
		r.apply("nopass", false)
	} else {
		r.apply(">"+pass, false)
	}
	return r
}

// loadConfiguredUser applies a "user" line, already checked by the config
// loader. A line for the default user starts from "reset".
func (s *Server) loadConfiguredUser(line []string) {
	a := s.access
	pubsubAll := s.pubsubAllDefault()
	r := newUserRules(pubsubAll)
	if line[0] == "default" {
		r.apply("reset", pubsubAll)
	}
	ops, _ := mergeSelectorArgs(line[1:])
	for _, op := range ops {
		r.apply(op, pubsubAll) // unknown commands are skipped, as Redis does
	}
	u := a.users[line[0]]
	if u == nil {
		u = &aclUser{name: line[0]}
		a.users[u.name] = u
	}
	u.set(r)
}

// pubsubAllDefault is acl-pubsub-default: whether new users may use every
// channel.
func (s *Server) pubsubAllDefault() bool {
	return s.cfg.String("acl-pubsub-default") == "allchannels"
}

// openDoor reports whether the default user lets clients in without AUTH.
func (r *userRules) openDoor() bool { return r.nopass && r.enabled }

// authRequired reports whether the client must authenticate before running
// commands: it has not, and the default user does not let it in.
func (c *Client) authRequired() bool {
	return !c.authenticated && !c.s.access.dflt.get().openDoor()
}

// AuthRequired is authRequired for the network layer, which then reads
// requests with Redis's limits for unauthenticated clients.
func (c *Client) AuthRequired() bool { return c.authRequired() }

// lookupUser finds a user by name.
func (s *Server) lookupUser(name string) *aclUser {
	a := s.access
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[name]
}

// authenticate checks credentials (AUTH, HELLO AUTH); nil when they are
// wrong or the user is disabled, which is logged.
func (c *Client) authenticate(x *Ctx, name, pass []byte) *aclUser {
	u := c.s.lookupUser(string(name))
	if u != nil && u.get().allows(string(pass)) {
		return u
	}
	// Queued, or run by EXEC (the client stays in MULTI while EXEC runs).
	context := "toplevel"
	if c.multi != nil {
		context = "multi"
	}
	// Redis logs the command name as the client typed it.
	c.s.logACL(c, aclDeniedAuth.logReason(), context, string(x.args[0]), string(name))
	return nil
}

// setUserRules is ACL SETUSER: all rules apply, or none. It returns Redis's
// error text.
func (s *Server) setUserRules(name string, args []string) string {
	if strings.ContainsAny(name, " \t\n\v\f\r\x00") {
		return "ERR Usernames can't contain spaces or null characters"
	}
	ops, open := mergeSelectorArgs(args)
	if open >= 0 {
		return fmt.Sprintf("ERR Unmatched parenthesis in acl selector starting at '%s'.", beforeNUL(args[open]))
	}
	a := s.access
	a.mu.Lock()
	defer a.mu.Unlock()
	pubsubAll := s.pubsubAllDefault()
	u := a.users[name]
	var r *userRules
	if u != nil {
		r = u.get().clone()
	} else {
		r = newUserRules(pubsubAll)
	}
	for _, op := range ops {
		if err := r.apply(op, pubsubAll); err != aclOK {
			return fmt.Sprintf("ERR Error in ACL SETUSER modifier '%s': %s", beforeNUL(op), err.Error())
		}
	}
	if u == nil {
		u = &aclUser{name: name}
		a.users[name] = u
		u.set(r)
		return "" // no client uses it yet
	}
	old := u.get()
	u.set(r)
	s.dropForbiddenSubscribers(u, old)
	return ""
}

// beforeNUL cuts s at its first NUL, as Redis's C formatting does.
func beforeNUL(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// deleteUsers is ACL DELUSER: clients authenticated as a deleted user are
// disconnected (the caller after its reply).
func (s *Server) deleteUsers(x *Ctx, names []string) (int, string) {
	a := s.access
	a.mu.Lock()
	var gone []*aclUser
	for _, n := range names {
		if n == "default" {
			a.mu.Unlock()
			return 0, "ERR The 'default' user cannot be removed"
		}
	}
	for _, n := range names {
		if u := a.users[n]; u != nil {
			delete(a.users, n)
			gone = append(gone, u)
		}
	}
	a.mu.Unlock()
	s.disconnectUsers(x.c, gone)
	return len(gone), ""
}

// disconnectUsers closes the connections authenticated as the users; the
// calling client is closed once its reply is out.
func (s *Server) disconnectUsers(self *Client, users []*aclUser) {
	if len(users) == 0 {
		return
	}
	for _, c := range s.sortedClients() {
		if !slices.Contains(users, c.aclUser.Load()) {
			continue
		}
		if c == self {
			c.closeAfter = true
			continue
		}
		c.kill()
	}
}

// dropForbiddenSubscribers disconnects the clients of u subscribed to a
// channel or pattern u's new rules do not allow. Like Redis 7.0, it looks
// only when the old rules allowed all channels or named one: Redis compares
// old and new channel rules by identity, so any old one counts as changed,
// and subscriptions the rules never allowed (made as another user before
// AUTH) are checked then too.
func (s *Server) dropForbiddenSubscribers(u *aclUser, old *userRules) {
	if !old.namesChannels() {
		return
	}
	r := u.get()
	var patterns []string
	for _, sel := range r.selectors {
		if sel.allChannels {
			return
		}
		patterns = append(patterns, sel.channels...)
	}
	allowed := &aclSelector{channels: patterns}
	for _, c := range s.sortedClients() {
		if c.aclUser.Load() != u || !c.subscribed() {
			continue
		}
		if !s.pubsub.subscriptionsAllowed(c, allowed.allowsChannel) {
			c.kill()
		}
	}
}

// namesChannels reports whether a selector allows all channels or names
// some.
func (r *userRules) namesChannels() bool {
	for _, sel := range r.selectors {
		if sel.allChannels || len(sel.channels) > 0 {
			return true
		}
	}
	return false
}

// sortedUsers lists the users by name, as Redis's user table orders them.
func (s *Server) sortedUsers() []*aclUser {
	a := s.access
	a.mu.Lock()
	out := make([]*aclUser, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u)
	}
	a.mu.Unlock()
	slices.SortFunc(out, func(p, q *aclUser) int { return strings.Compare(p.name, q.name) })
	return out
}

// subscriptionsAllowed reports whether allow accepts every channel, pattern
// and shard channel c is subscribed to.
func (p *pubsub) subscriptionsAllowed(c *Client, allow func(name []byte, isPattern bool) bool) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for kind, names := range c.subs {
		for name := range names {
			if !allow([]byte(name), subKind(kind) == kindPattern) {
				return false
			}
		}
	}
	return true
}
