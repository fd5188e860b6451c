package config

import (
	"strconv"
	"strings"
)

type kind uint8

const (
	kindBool kind = iota
	kindInt
	kindEnum
	kindString
	kindSpecial
)

// flag holds how CONFIG SET and CONFIG GET treat a directive.
type flag uint8

const (
	immutable flag = 1 << iota // CONFIG SET refuses it
	protected                  // CONFIG SET needs enable-protected-configs
	hidden                     // CONFIG GET patterns skip it; its exact name still matches
)

// A directive is one row of the table in table.go.
type directive struct {
	name     string
	alias    string
	honoured bool   // Cairn acts on it; the others are kept and reported as ignored
	def      string // default, written as a config-file argument
	flags    flag
	typ
}

// typ says how a directive's arguments are parsed and shown.
type typ struct {
	kind     kind
	min, max int64 // compared as unsigned when unsigned is set, as Redis does for unsigned C types
	memory   bool  // accepts k/kb/m/mb/g/gb units
	percent  bool  // also accepts "N%", kept as -N
	octal    bool
	unsigned bool
	multiArg bool // takes several arguments
	// emptyIsNull strings treat "" as unset: CONFIG REWRITE drops their lines.
	emptyIsNull bool
	enum        []enumOpt
	bitflags    bool                            // enum names are OR'ed together
	check       func(v value, st *state) string // extra validation, returns the reason
	adjust      func(int64) int64               // silent correction after validation
	// setAdjust is a correction CONFIG SET's apply step makes in Redis
	// (not made when a file or the command line sets the value); st holds
	// the values of the directives named before it in the same CONFIG SET,
	// whose apply steps Redis has run by then.
	setAdjust func(n int64, st *state) int64
	special   *special
}

type enumOpt struct {
	name string
	val  int64
}

// special is the behaviour of a directive that fits no generic type.
type special struct {
	set     func(args []string, cur value, st *state) (value, string)
	rewrite func(d *directive, v, def value, rw *rewriter, st *state)
}

// value is a directive's current setting.
type value struct {
	s    string   // CONFIG GET form
	n    int64    // numbers (bytes for memory), 0/1 for booleans, enum values
	list []string // the parts of multi-argument values
}

// state is the configuration being built or changed.
type state struct {
	vals []value // indexed like directives
	file string  // absolute path of the config file, "" without one
	// reading and saveLoaded reproduce Redis's handling of repeated "save"
	// lines: they accumulate while a file is read, and replace the default
	// only once.
	reading    bool
	saveLoaded bool
}

func (st *state) get(name string) value { return st.vals[mustIndex(name)] }

// parse validates args for d and returns the new value, or the reason
// Redis gives for refusing them.
func (d *directive) parse(args []string, st *state, idx int) (value, string) {
	var v value
	var reason string
	switch d.kind {
	case kindBool:
		v, reason = parseBool(args[0])
	case kindInt:
		v, reason = d.parseInt(args[0])
	case kindEnum:
		v, reason = d.parseEnum(args)
	case kindString:
		v = value{s: args[0]}
	case kindSpecial:
		return d.special.set(args, st.vals[idx], st)
	}
	if reason == "" && d.check != nil {
		reason = d.check(v, st)
	}
	return v, reason
}

func parseBool(s string) (value, string) {
	switch strings.ToLower(s) {
	case "yes":
		return value{s: "yes", n: 1}, ""
	case "no":
		return value{s: "no"}, ""
	}
	return value{}, "argument must be 'yes' or 'no'"
}

func (d *directive) parseInt(s string) (value, string) {
	n, ok := int64(0), false
	if d.memory {
		var u uint64
		u, ok = ParseMemory(s)
		n = int64(u)
	}
	if !ok && d.percent && len(s) > 1 && s[len(s)-1] == '%' {
		if p, pok := parseStrictInt(s[:len(s)-1]); pok && p >= 0 {
			n, ok = -p, true
		}
	}
	if !ok && d.octal {
		n, ok = parseOctal(s)
	}
	if !ok && !d.memory && !d.percent && !d.octal {
		n, ok = parseStrictInt(s)
	}
	switch {
	case ok:
	case d.memory && d.percent:
		return value{}, "argument must be a memory or percent value"
	case d.memory:
		return value{}, "argument must be a memory value"
	case d.octal:
		return value{}, "argument couldn't be parsed as an octal number"
	default:
		return value{}, "argument couldn't be parsed into an integer"
	}
	if reason := d.checkBounds(n); reason != "" {
		return value{}, reason
	}
	if d.adjust != nil {
		n = d.adjust(n)
	}
	return value{s: d.formatInt(n), n: n}, ""
}

func (d *directive) checkBounds(n int64) string {
	if d.unsigned {
		if uint64(n) <= uint64(d.max) && uint64(n) >= uint64(d.min) {
			return ""
		}
		base := 10
		if d.octal {
			base = 8
		}
		return "argument must be between " + strconv.FormatUint(uint64(d.min), base) +
			" and " + strconv.FormatUint(uint64(d.max), base) + " inclusive"
	}
	if d.percent && n < 0 {
		if n < d.min {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-d.min, 10)
		}
		return ""
	}
	if n > d.max || n < d.min {
		return "argument must be between " + strconv.FormatInt(d.min, 10) +
			" and " + strconv.FormatInt(d.max, 10) + " inclusive"
	}
	return ""
}

func (d *directive) formatInt(n int64) string {
	switch {
	case d.percent && n < 0:
		return strconv.FormatInt(-n, 10) + "%"
	case d.memory:
		return strconv.FormatUint(uint64(n), 10)
	case d.octal:
		return strconv.FormatInt(n, 8)
	}
	return strconv.FormatInt(n, 10)
}

func (d *directive) parseEnum(args []string) (value, string) {
	ok := len(args) == 1 || (len(args) > 1 && d.bitflags)
	var n int64
	for _, a := range args {
		found := false
		for _, o := range d.enum {
			if strings.EqualFold(a, o.name) {
				n |= o.val
				found = true
				break
			}
		}
		ok = ok && found
	}
	if !ok {
		names := make([]string, len(d.enum))
		for i, o := range d.enum {
			names[i] = o.name
		}
		return value{}, "argument(s) must be one of the following: " + strings.Join(names, ", ")
	}
	return value{s: d.enumName(n), n: n}, ""
}

// enumName is the CONFIG GET form of an enum value: the first name with
// exactly that value, or for bit flags the names of its bits.
func (d *directive) enumName(n int64) string {
	var names []string
	left := n
	for _, o := range d.enum {
		if o.val == n {
			return o.name
		}
		if d.bitflags && o.val != 0 && left&o.val == o.val {
			names = append(names, o.name)
			left &^= o.val
		}
	}
	if names == nil || left != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}
