package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/cairndb/cairn/resp"
)

// aclUser is a user of the ACL table. Its rules are replaced whole, so a
// client checking a command reads one consistent version of them while
// ACL SETUSER changes them.
type aclUser struct {
	name  string
	rules atomic.Pointer[userRules]
}

func (u *aclUser) get() *userRules { return u.rules.Load() }

// set publishes a new version of the user's rules; r must not change after.
func (u *aclUser) set(r *userRules) {
	r.open = r.unrestricted()
	u.rules.Store(r)
}

// Payload sanitizing as ACL flags show it.
const (
	sanitizeUnset = iota
	sanitizeSkip
	sanitizeOn
)

// userRules is one immutable version of a user's flags, passwords and
// selectors (the root selector first).
type userRules struct {
	enabled   bool
	nopass    bool
	sanitize  int
	passwords []string // SHA-256 in hex, in the order added
	selectors []*aclSelector
	open      bool // unrestricted(), computed when published
}

// newUserRules is what ACL SETUSER starts a new user from: off, no
// password, no permissions.
func newUserRules(pubsubAll bool) *userRules {
	return &userRules{selectors: []*aclSelector{newSelector(true, pubsubAll)}}
}

// defaultUserRules is the default user of a server without ACL rules:
// "on nopass ~* &* +@all".
func defaultUserRules() *userRules {
	r := newUserRules(true)
	r.enabled, r.nopass = true, true
	root := r.root()
	root.allKeys = true
	root.allowed.fill(true)
	return r
}

func (r *userRules) root() *aclSelector { return r.selectors[0] }

func (r *userRules) clone() *userRules {
	n := *r
	n.passwords = slices.Clone(r.passwords)
	n.selectors = make([]*aclSelector, len(r.selectors))
	for i, s := range r.selectors {
		n.selectors[i] = s.clone()
	}
	return &n
}

// apply applies one ACL SETUSER rule; pubsubAll is acl-pubsub-default.
func (r *userRules) apply(op string, pubsubAll bool) aclError {
	switch {
	case op == "":
		return aclOK
	case strings.EqualFold(op, "on"):
		r.enabled = true
	case strings.EqualFold(op, "off"):
		r.enabled = false
	case strings.EqualFold(op, "skip-sanitize-payload"):
		r.sanitize = sanitizeSkip
	case strings.EqualFold(op, "sanitize-payload"):
		r.sanitize = sanitizeOn
	case strings.EqualFold(op, "nopass"):
		r.nopass, r.passwords = true, nil
	case strings.EqualFold(op, "resetpass"):
		r.nopass, r.passwords = false, nil
	case op[0] == '>' || op[0] == '#':
		hash := op[1:]
		if op[0] == '>' {
			hash = hashPassword(hash)
		} else if !validPasswordHash(hash) {
			return aclErrBadHash
		}
		if !slices.Contains(r.passwords, hash) {
			r.passwords = append(r.passwords, hash)
		}
		r.nopass = false
	case op[0] == '<' || op[0] == '!':
		hash := op[1:]
		if op[0] == '<' {
			hash = hashPassword(hash)
		} else if !validPasswordHash(hash) {
			return aclErrBadHash
		}
		i := slices.Index(r.passwords, hash)
		if i < 0 {
			return aclErrNoPass
		}
		r.passwords = slices.Delete(r.passwords, i, i+1)
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(false, pubsubAll)
		inner, _ := resp.SplitArgs([]byte(op[1 : len(op)-1]))
		for _, rule := range inner {
			if err := s.apply(string(rule)); err != aclOK {
				return err
			}
		}
		r.selectors = append(r.selectors, s)
	case strings.EqualFold(op, "clearselectors"):
		r.selectors = r.selectors[:1]
	case strings.EqualFold(op, "reset"):
		r.nopass, r.passwords = false, nil
		r.enabled = false
		r.sanitize = sanitizeOn
		r.selectors = []*aclSelector{newSelector(true, pubsubAll)}
	default:
		return r.root().apply(op)
	}
	return aclOK
}

// allows reports whether pass authenticates the user.
func (r *userRules) allows(pass string) bool {
	if !r.enabled {
		return false
	}
	return r.nopass || slices.Contains(r.passwords, hashPassword(pass))
}

func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

func validPasswordHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !('0' <= h[i] && h[i] <= '9' || 'a' <= h[i] && h[i] <= 'f') {
			return false
		}
	}
	return true
}

// mergeSelectorArgs joins a "(rule rule)" selector written as several
// arguments into one. open is the argument where an unclosed selector
// starts, or -1. As in Redis, an argument opening a selector drops the one
// still open.
func mergeSelectorArgs(args []string) (merged []string, open int) {
	open = -1
	var sel string
	for i, op := range args {
		switch {
		case strings.HasPrefix(op, "(") && !strings.HasSuffix(op, ")"):
			sel, open = op, i
		case open >= 0:
			sel += " " + op
			if strings.HasSuffix(op, ")") {
				merged = append(merged, sel)
				open = -1
			}
		default:
			merged = append(merged, op)
		}
	}
	return merged, open
}
