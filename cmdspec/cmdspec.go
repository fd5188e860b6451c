// Package cmdspec holds what Redis 7.0 says about its commands (COMMAND
// INFO and COMMAND DOCS, captured from a real server by ./gen into
// redis-7.0.json) and serves it: arity, flags and key positions for the
// dispatcher, and the COMMAND family's replies byte for byte.
//
// The data is read once when the program starts and never changes, so
// everything here is safe for concurrent use. To follow a new Redis
// release, rerun ./gen against it and review the diff of the JSON file.
package cmdspec

import (
	"strings"

	"github.com/cairndb/cairn/cmdspec/internal/value"
)

// Spec describes one command or subcommand.
type Spec struct {
	Name          string   // lower case; "parent|sub" for a subcommand
	Arity         int      // argument count with the name; negative: at least -Arity
	Flags         []string // as COMMAND INFO prints them
	FirstKey      int      // the legacy key range of COMMAND INFO
	LastKey       int
	Step          int
	ACLCategories []string // without the '@': "read", "string", ...
	Tips          []string
	KeySpecs      []KeySpec
	Subcommands   []*Spec // sorted by name
	Parent        *Spec

	flags   Flag
	hasKeys bool        // some key spec names real keys
	varKeys bool        // some key spec has variable flags: ask getKeys
	getKeys getKeysFunc // Redis's own key finder, used where specs fall short
	subs    map[string]*Spec
	info    value.Value // the COMMAND INFO entry, subcommands left empty
	docs    value.Value // the COMMAND DOCS entry, subcommands left empty
}

// Has reports whether the command has flag f (any of them, if f holds several).
func (s *Spec) Has(f Flag) bool { return s.flags&f != 0 }

// HasFlag reports whether the command has the flag named as COMMAND INFO
// prints it ("write", "denyoom", ...).
func (s *Spec) HasFlag(name string) bool { return s.flags&flagByName[name] != 0 }

// CheckArity reports whether argc arguments, the name included, suit the
// command's arity.
func (s *Spec) CheckArity(argc int) bool {
	if s.Arity < 0 {
		return argc >= -s.Arity
	}
	return argc == s.Arity
}

// Lookup finds a command by name, ignoring case; "config|get" names a
// subcommand, as in COMMAND INFO and COMMAND DOCS.
func Lookup(name string) *Spec {
	base, sub, isSub := strings.Cut(name, "|")
	s := find(commands, base)
	if s == nil || !isSub {
		return s
	}
	return find(s.subs, sub)
}

// LookupArgs finds the command an argument vector calls, as Redis's
// dispatcher does: the subcommand named by args[1] for a container
// (nil if it has none such), else the command named by args[0].
func LookupArgs(args [][]byte) *Spec {
	if len(args) == 0 {
		return nil
	}
	s := findBytes(commands, args[0])
	if s == nil || len(args) == 1 || s.subs == nil {
		return s
	}
	return findBytes(s.subs, args[1])
}

// All returns the top-level commands sorted by name.
func All() []*Spec { return append([]*Spec(nil), sorted...) }

// maxName bounds the names worth looking up; Redis's longest is far shorter.
const maxName = 64

func find(m map[string]*Spec, name string) *Spec {
	if s, ok := m[name]; ok {
		return s
	}
	if len(name) > maxName {
		return nil
	}
	var buf [maxName]byte
	return m[string(lower(buf[:0], name))]
}

func findBytes(m map[string]*Spec, name []byte) *Spec {
	if len(name) > maxName {
		return nil
	}
	var buf [maxName]byte
	return m[string(lower(buf[:0], name))] // no allocation for a map index
}

func lower[T string | []byte](dst []byte, s T) []byte {
	for i := range len(s) {
		dst = append(dst, foldASCII(s[i]))
	}
	return dst
}
