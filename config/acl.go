package config

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ACL reasons, as Redis words them for each failure.
const (
	aclSyntax   = "Syntax error"
	aclUnknown  = "Unknown command or category name in ACL"
	aclKeysAll  = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	aclChansAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	aclNoPass   = "The password you are trying to remove from the user does not exist"
	aclBadHash  = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	aclDup      = "Duplicate user found. A user can only be defined once in config files"
	aclFirstArg = "Allowing first-arg of a subcommand is not supported"
)

// checkUser validates a "user <name> <rules...>" line the way Redis does
// while loading a config file: rules naming unknown commands or categories
// pass, every other bad rule fails. pubsubAll is acl-pubsub-default
// allchannels. Like Redis, the error quotes argv[j] where j counts the rules
// after merging selectors, so it usually quotes the wrong word.
func checkUser(argv []string, seen map[string]bool, pubsubAll bool) string {
	fail := func(i int, reason string) string {
		return "Error in user declaration '" + argv[i] + "': " + reason
	}
	if seen[argv[1]] {
		return fail(1, aclDup)
	}
	rules, open := mergeSelectors(argv[2:])
	if open >= 0 {
		return fail(open, aclUnknown)
	}
	u := aclUser{passwords: map[string]bool{}, root: aclSelector{allChannels: pubsubAll}}
	for j, r := range rules {
		if reason := u.apply(r, pubsubAll); reason != "" && reason != aclUnknown {
			return fail(j, reason)
		}
	}
	return ""
}

// mergeSelectors joins "(rule rule)" selectors split over several
// arguments. open is the index of a selector left unclosed, or -1.
func mergeSelectors(args []string) (merged []string, open int) {
	open = -1
	var sel string
	for j, op := range args {
		if strings.HasPrefix(op, "(") && !strings.HasSuffix(op, ")") {
			sel, open = op, j
			continue
		}
		if open >= 0 {
			sel += " " + op
			if strings.HasSuffix(op, ")") {
				merged = append(merged, sel)
				open = -1
			}
			continue
		}
		merged = append(merged, op)
	}
	return merged, open
}

type aclUser struct {
	passwords map[string]bool // SHA-256, hex
	root      aclSelector
}

type aclSelector struct{ allKeys, allChannels bool }

func (u *aclUser) apply(op string, pubsubAll bool) string {
	if len(op) >= 2 && op[0] == '(' && op[len(op)-1] == ')' {
		s := aclSelector{allChannels: pubsubAll}
		inner, _ := splitArgs(op[1 : len(op)-1])
		for _, r := range inner {
			if reason := s.apply(r); reason != "" {
				return reason
			}
		}
		return ""
	}
	switch strings.ToLower(op) {
	case "on", "off", "skip-sanitize-payload", "sanitize-payload", "clearselectors":
		return ""
	case "nopass", "resetpass":
		clear(u.passwords)
		return ""
	case "reset":
		clear(u.passwords)
		u.root = aclSelector{allChannels: pubsubAll}
		return ""
	}
	if op == "" {
		return ""
	}
	switch op[0] {
	case '>':
		u.passwords[hashPassword(op[1:])] = true
		return ""
	case '<':
		return u.remove(hashPassword(op[1:]))
	case '#':
		if !validHash(op[1:]) {
			return aclBadHash
		}
		u.passwords[op[1:]] = true
		return ""
	case '!':
		if !validHash(op[1:]) {
			return aclBadHash
		}
		return u.remove(op[1:])
	}
	return u.root.apply(op)
}

func (u *aclUser) remove(hash string) string {
	if !u.passwords[hash] {
		return aclNoPass
	}
	delete(u.passwords, hash)
	return ""
}

func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !(('0' <= h[i] && h[i] <= '9') || ('a' <= h[i] && h[i] <= 'f')) {
			return false
		}
	}
	return true
}

// apply checks a key, channel or command rule.
func (s *aclSelector) apply(op string) string {
	switch strings.ToLower(op) {
	case "allkeys":
		s.allKeys = true
		return ""
	case "resetkeys":
		s.allKeys = false
		return ""
	case "allchannels":
		s.allChannels = true
		return ""
	case "resetchannels":
		s.allChannels = false
		return ""
	case "allcommands", "nocommands":
		return ""
	}
	if op == "" {
		return ""
	}
	switch op[0] {
	case '~', '%':
		if s.allKeys {
			return aclKeysAll
		}
		if op[0] == '%' {
			var r, w bool
			i := 1
			for ; i < len(op) && op[i] != '~'; i++ {
				switch {
				case (op[i] == 'R' || op[i] == 'r') && !r:
					r = true
				case (op[i] == 'W' || op[i] == 'w') && !w:
					w = true
				default:
					return aclSyntax
				}
			}
			if i == len(op) || !(r || w) {
				return aclSyntax
			}
		}
		if op == "~*" { // only this spelling means allkeys
			s.allKeys = true
		}
		return ""
	case '&':
		if s.allChannels {
			return aclChansAll
		}
		if op[1:] == "*" {
			s.allChannels = true
		}
		return ""
	case '+', '-':
		return checkCommandRule(op)
	}
	return aclSyntax
}

// checkCommandRule checks +cmd, -cmd, +cmd|sub and +cmd|first-arg rules.
// Categories are not checked: unknown ones are ignored while loading.
func checkCommandRule(op string) string {
	if len(op) > 1 && op[1] == '@' {
		return ""
	}
	body := op[1:]
	if op[0] == '-' || !strings.Contains(body, "|") {
		if found, _, _ := lookupCommand(body); !found {
			return aclUnknown
		}
		return ""
	}
	i := strings.LastIndexByte(body, '|')
	found, container, isSub := lookupCommand(body[:i])
	switch {
	case !found:
		return aclUnknown
	case isSub:
		return aclFirstArg
	case body[i+1:] == "":
		return aclSyntax
	case container:
		if found, _, _ := lookupCommand(body); !found {
			return aclUnknown
		}
	}
	return ""
}
