package engine

import (
	"slices"
	"strings"
)

// aclError is why an ACL rule was refused; its text is Redis's.
type aclError int

const (
	aclOK aclError = iota
	aclErrSyntax
	aclErrUnknown
	aclErrKeysAll
	aclErrChannelsAll
	aclErrNoPass
	aclErrBadHash
	aclErrFirstArg
)

func (e aclError) Error() string {
	switch e {
	case aclErrSyntax:
		return "Syntax error"
	case aclErrUnknown:
		return "Unknown command or category name in ACL"
	case aclErrKeysAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case aclErrChannelsAll:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case aclErrNoPass:
		return "The password you are trying to remove from the user does not exist"
	case aclErrBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case aclErrFirstArg:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// keyPattern is a ~pattern (read and write), %R~ or %W~ rule.
type keyPattern struct {
	pattern     string
	read, write bool
}

func (p keyPattern) String() string {
	switch {
	case p.read && p.write:
		return "~" + p.pattern
	case p.read:
		return "%R~" + p.pattern
	}
	return "%W~" + p.pattern
}

// aclSelector is one set of permissions: the root selector of a user, or
// one of its "(...)" selectors. A command is allowed when any selector
// allows it.
type aclSelector struct {
	root        bool
	allowed     bitset
	firstArgs   map[int][]string // first arguments allowed for a command whose bit is off
	allKeys     bool
	keys        []keyPattern
	allChannels bool
	channels    []string
}

func newSelector(root, allChannels bool) *aclSelector {
	return &aclSelector{root: root, allowed: newBitset(), allChannels: allChannels}
}

func (s *aclSelector) clone() *aclSelector {
	n := *s
	n.allowed = slices.Clone(s.allowed)
	n.keys = slices.Clone(s.keys)
	n.channels = slices.Clone(s.channels)
	if s.firstArgs != nil {
		n.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, args := range s.firstArgs {
			n.firstArgs[id] = slices.Clone(args)
		}
	}
	return &n
}

// apply applies one key, channel or command rule.
func (s *aclSelector) apply(op string) aclError {
	switch {
	case op == "":
		return aclOK
	case strings.EqualFold(op, "allkeys") || op == "~*":
		s.allKeys, s.keys = true, nil
	case strings.EqualFold(op, "resetkeys"):
		s.allKeys, s.keys = false, nil
	case strings.EqualFold(op, "allchannels") || op == "&*":
		s.allChannels, s.channels = true, nil
	case strings.EqualFold(op, "resetchannels"):
		s.allChannels, s.channels = false, nil
	case strings.EqualFold(op, "allcommands") || strings.EqualFold(op, "+@all"):
		s.allowed.fill(true)
		s.firstArgs = nil
	case strings.EqualFold(op, "nocommands") || strings.EqualFold(op, "-@all"):
		s.allowed.fill(false)
		s.firstArgs = nil
	case op[0] == '~' || op[0] == '%':
		return s.addKeyPattern(op)
	case op[0] == '&':
		return s.addChannel(op[1:])
	case len(op) > 1 && op[1] == '@' && (op[0] == '+' || op[0] == '-'):
		cat, ok := aclCmds.categoryIndex(op[2:])
		if !ok {
			return aclErrUnknown
		}
		s.setCategory(cat, op[0] == '+')
	case op[0] == '+':
		return s.allowCommand(op[1:])
	case op[0] == '-':
		c := aclCmds.lookup(op[1:])
		if c == nil {
			return aclErrUnknown
		}
		s.changePerm(c, false)
	default:
		return aclErrSyntax
	}
	return aclOK
}

func (s *aclSelector) addKeyPattern(op string) aclError {
	if s.allKeys {
		return aclErrKeysAll
	}
	p := keyPattern{read: true, write: true}
	rest := op[1:]
	if op[0] == '%' {
		p.read, p.write = false, false
		i := 1
		for ; i < len(op) && op[i] != '~'; i++ {
			switch c := op[i]; {
			case (c == 'R' || c == 'r') && !p.read:
				p.read = true
			case (c == 'W' || c == 'w') && !p.write:
				p.write = true
			default:
				return aclErrSyntax
			}
		}
		if !p.read && !p.write {
			return aclErrSyntax
		}
		rest = op[min(i+1, len(op)):] // "%R" alone is an empty pattern
	}
	if hasSpaces(rest) {
		return aclErrSyntax
	}
	p.pattern = rest
	for i := range s.keys {
		if s.keys[i].pattern == rest {
			s.keys[i].read = s.keys[i].read || p.read
			s.keys[i].write = s.keys[i].write || p.write
			return aclOK
		}
	}
	s.keys = append(s.keys, p)
	return aclOK
}

func (s *aclSelector) addChannel(pattern string) aclError {
	if s.allChannels {
		return aclErrChannelsAll
	}
	if hasSpaces(pattern) {
		return aclErrSyntax
	}
	if !slices.Contains(s.channels, pattern) {
		s.channels = append(s.channels, pattern)
	}
	return aclOK
}

// allowCommand applies +command, +container|subcommand or +command|first-arg.
func (s *aclSelector) allowCommand(name string) aclError {
	i := strings.LastIndexByte(name, '|')
	if i < 0 {
		c := aclCmds.lookup(name)
		if c == nil {
			return aclErrUnknown
		}
		s.changePerm(c, true)
		return aclOK
	}
	c := aclCmds.lookup(name[:i])
	arg := name[i+1:]
	switch {
	case c == nil:
		return aclErrUnknown
	case c.parent != nil:
		return aclErrFirstArg
	case arg == "":
		return aclErrSyntax
	case len(c.subs) > 0:
		sub := aclCmds.lookup(name)
		if sub == nil {
			return aclErrUnknown
		}
		s.changePerm(sub, true)
	default:
		// Redis's deprecated way to allow e.g. SELECT 0 alone.
		for _, a := range s.firstArgs[c.id] {
			if strings.EqualFold(a, arg) {
				return aclOK
			}
		}
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		s.firstArgs[c.id] = append(s.firstArgs[c.id], arg)
	}
	return aclOK
}

// changePerm allows or denies a command, with all its subcommands, and
// forgets the first arguments allowed for it.
func (s *aclSelector) changePerm(c *aclCommand, allow bool) {
	s.allowed.set(c.id, allow)
	delete(s.firstArgs, c.id)
	for _, sub := range c.subs {
		s.allowed.set(sub.id, allow)
	}
}

// setCategory allows or denies every command and subcommand in a category.
func (s *aclSelector) setCategory(cat int, allow bool) {
	for _, c := range aclCmds.top {
		if c.categories&(1<<cat) != 0 {
			s.changePerm(c, allow)
		}
		for _, sub := range c.subs {
			if sub.categories&(1<<cat) != 0 {
				s.changePerm(sub, allow)
			}
		}
	}
}

// hasSpaces reports whether a pattern holds a character Redis refuses in
// ACL patterns (whitespace or NUL).
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}
