package engine

import (
	"strings"
)

// describeUser is a user's rules as ACL LIST and ACL SAVE write them.
func describeUser(r *userRules) string {
	var parts []string
	if r.enabled {
		parts = append(parts, "on")
	} else {
		parts = append(parts, "off")
	}
	if r.nopass {
		parts = append(parts, "nopass")
	}
	switch r.sanitize {
	case sanitizeSkip:
		parts = append(parts, "skip-sanitize-payload")
	case sanitizeOn:
		parts = append(parts, "sanitize-payload")
	}
	for _, p := range r.passwords {
		parts = append(parts, "#"+p)
	}
	for _, s := range r.selectors {
		if s.root {
			parts = append(parts, describeSelector(s))
		} else {
			parts = append(parts, "("+describeSelector(s)+")")
		}
	}
	return strings.Join(parts, " ")
}

// flagNames are a user's flags as ACL GETUSER lists them.
func flagNames(r *userRules) []string {
	flags := []string{"off"}
	if r.enabled {
		flags[0] = "on"
	}
	if r.nopass {
		flags = append(flags, "nopass")
	}
	switch r.sanitize {
	case sanitizeSkip:
		flags = append(flags, "skip-sanitize-payload")
	case sanitizeOn:
		flags = append(flags, "sanitize-payload")
	}
	return flags
}

func describeSelector(s *aclSelector) string {
	var parts []string
	if keys := describeKeys(s); keys != "" {
		parts = append(parts, keys)
	}
	if s.allChannels {
		parts = append(parts, "&*")
	} else {
		parts = append(parts, "resetchannels")
		if ch := describeChannels(s); ch != "" {
			parts = append(parts, ch)
		}
	}
	parts = append(parts, describeCommands(s))
	return strings.Join(parts, " ")
}

func describeKeys(s *aclSelector) string {
	if s.allKeys {
		return "~*"
	}
	out := make([]string, len(s.keys))
	for i, p := range s.keys {
		out[i] = p.String()
	}
	return strings.Join(out, " ")
}

func describeChannels(s *aclSelector) string {
	if s.allChannels {
		return "&*"
	}
	out := make([]string, len(s.channels))
	for i, ch := range s.channels {
		out[i] = "&" + ch
	}
	return strings.Join(out, " ")
}

// describeCommands writes the command rules that rebuild the selector's
// permissions, the way Redis does: start from +@all (if the user may run
// commands added later) or -@all, add the categories that fit best, one at
// a time, then the single commands that still differ. Redis lists those
// single commands in its hash table's order, which varies between runs;
// Cairn lists them in name order.
func describeCommands(s *aclSelector) string {
	additive := !s.allowed.get(aclCmds.futureBit)
	fake := newSelector(false, false)
	rules := []string{"+@all"}
	if additive {
		rules[0] = "-@all"
	} else {
		fake.allowed.fill(true)
	}
	// temp holds the permissions not yet explained by a category.
	temp := &aclSelector{allowed: append(bitset(nil), s.allowed...)}
	applied := make([]bool, len(aclCategories))
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for cat := range aclCategories {
			if applied[cat] {
				continue
			}
			on, off := temp.countCategory(cat)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || diff == minDiff && same > maxSame) {
				best, minDiff, maxSame = cat, diff, same
			}
		}
		if best < 0 {
			break
		}
		fake.setCategory(best, additive)
		temp.setCategory(best, !additive)
		sign := "-@"
		if additive {
			sign = "+@"
		}
		rules = append(rules, sign+aclCategories[best])
		applied[best] = true
	}
	for _, c := range aclCmds.top {
		rules = describeCommand(s, fake, c, rules)
	}
	return strings.Join(rules, " ")
}

// describeCommand adds the rules for one command and its subcommands where
// the selector and what the rules so far give (fake) differ.
func describeCommand(s, fake *aclSelector, c *aclCommand, rules []string) []string {
	user := s.allowed.get(c.id)
	if user != fake.allowed.get(c.id) {
		if user {
			rules = append(rules, "+"+c.spec.Name)
		} else {
			rules = append(rules, "-"+c.spec.Name)
		}
		fake.changePerm(c, user)
	}
	for _, sub := range c.subs {
		rules = describeCommand(s, fake, sub, rules)
	}
	if !user {
		for _, arg := range s.firstArgs[c.id] {
			rules = append(rules, "+"+c.spec.Name+"|"+arg)
		}
	}
	return rules
}

// countCategory counts the commands of a category the selector allows (on)
// and does not (off).
func (s *aclSelector) countCategory(cat int) (on, off int) {
	for _, c := range aclCmds.all {
		if c.categories&(1<<cat) == 0 {
			continue
		}
		if s.allowed.get(c.id) {
			on++
		} else {
			off++
		}
	}
	return on, off
}
