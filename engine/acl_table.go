package engine

import (
	"strings"

	"github.com/cairndb/cairn/cmdspec"
)

// aclCategories are Redis 7.0's ACL categories in the order ACL CAT lists
// them; describing a user's rules tries them in this order too.
var aclCategories = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// aclCommand is one command or subcommand as ACL rules see it. Rules name
// every command Redis knows, whether or not Cairn implements it, as Redis
// accepts them.
type aclCommand struct {
	id         int
	spec       *cmdspec.Spec
	categories uint32 // bit i: aclCategories[i]
	subs       []*aclCommand
	parent     *aclCommand
}

// aclTable numbers Redis's commands for the permission bitmaps. Top-level
// commands come in name order, each followed by its subcommands.
type aclTable struct {
	all      []*aclCommand // by id
	top      []*aclCommand
	byName   map[string]*aclCommand // "get", "config|get"
	category map[string]int
	// futureBit is set only by +@all: the user may run commands added later.
	futureBit int
}

var aclCmds = newACLTable()

func newACLTable() *aclTable {
	t := &aclTable{byName: map[string]*aclCommand{}, category: map[string]int{}}
	for i, name := range aclCategories {
		t.category[name] = i
	}
	add := func(s *cmdspec.Spec, parent *aclCommand) *aclCommand {
		c := &aclCommand{id: len(t.all), spec: s, parent: parent}
		for _, cat := range s.ACLCategories {
			if i, ok := t.category[cat]; ok {
				c.categories |= 1 << i
			}
		}
		t.all = append(t.all, c)
		t.byName[s.Name] = c
		return c
	}
	for _, s := range cmdspec.All() {
		c := add(s, nil)
		t.top = append(t.top, c)
		for _, sub := range s.Subcommands {
			c.subs = append(c.subs, add(sub, c))
		}
	}
	t.futureBit = len(t.all)
	return t
}

// lookup finds "name" or "container|sub" in any case, as Redis's ACL rules
// name commands; nil when there is no such command.
func (t *aclTable) lookup(name string) *aclCommand {
	return t.byName[strings.ToLower(name)]
}

// categoryIndex finds a category by name in any case.
func (t *aclTable) categoryIndex(name string) (int, bool) {
	i, ok := t.category[strings.ToLower(name)]
	return i, ok
}

// bitset is a selector's allowed commands, one bit per command id plus the
// future-commands bit.
type bitset []uint64

func newBitset() bitset { return make(bitset, aclCmds.futureBit/64+1) }

func (b bitset) get(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) set(i int, on bool) {
	if on {
		b[i/64] |= 1 << (i % 64)
	} else {
		b[i/64] &^= 1 << (i % 64)
	}
}

func (b bitset) fill(on bool) {
	var v uint64
	if on {
		v = ^uint64(0)
	}
	for i := range b {
		b[i] = v
	}
}
