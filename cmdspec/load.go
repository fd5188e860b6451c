package cmdspec

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/cairndb/cairn/cmdspec/internal/value"
)

// redis-7.0.json is written by ./gen from a real Redis 7.0.
//
//go:embed redis-7.0.json
var data []byte

var commands, sorted = mustLoad(data)

func mustLoad(b []byte) (map[string]*Spec, []*Spec) {
	m, all, err := load(b)
	if err != nil {
		panic("cmdspec: redis-7.0.json: " + err.Error())
	}
	return m, all
}

// load builds the top-level commands, by name and sorted, from the JSON
// file, linking each subcommand under its container.
func load(b []byte) (map[string]*Spec, []*Spec, error) {
	_, entries, err := value.DecodeFile(b)
	if err != nil {
		return nil, nil, err
	}
	// Sorted, a container comes before its subcommands.
	slices.SortFunc(entries, func(a, b value.Entry) int { return strings.Compare(a.Name, b.Name) })
	top := map[string]*Spec{}
	var all []*Spec
	for _, e := range entries {
		name := e.Name
		s, err := parseInfo(e.Info)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if s.Name != name || e.Docs.Kind != value.Map {
			return nil, nil, fmt.Errorf("%s: entry does not match its name", name)
		}
		s.docs = e.Docs
		parent, sub, isSub := strings.Cut(name, "|")
		if !isSub {
			top[name] = s
			all = append(all, s)
			continue
		}
		p := top[parent]
		if p == nil {
			return nil, nil, fmt.Errorf("%s: no container %s", name, parent)
		}
		if p.subs == nil {
			p.subs = map[string]*Spec{}
		}
		p.subs[sub] = s
		p.Subcommands = append(p.Subcommands, s)
		s.Parent = p
	}
	return top, all, nil
}

// parseInfo reads a COMMAND INFO entry.
func parseInfo(v value.Value) (*Spec, error) {
	var d decoder
	if v.Kind != value.Array || len(v.Elems) != 10 {
		return nil, fmt.Errorf("COMMAND INFO entry is not an array of 10")
	}
	e := v.Elems
	s := &Spec{
		Name:          d.str(e[0], value.Bulk),
		Arity:         d.num(e[1]),
		Flags:         d.strs(e[2], value.Simple),
		FirstKey:      d.num(e[3]),
		LastKey:       d.num(e[4]),
		Step:          d.num(e[5]),
		ACLCategories: d.strs(e[6], value.Simple),
		Tips:          d.strs(e[7], value.Bulk),
		info:          v,
	}
	for _, name := range s.Flags {
		f := flagByName[name]
		if f == 0 {
			d.fail("unknown command flag %q", name)
		}
		s.flags |= f
	}
	for i, c := range s.ACLCategories {
		cat, ok := strings.CutPrefix(c, "@")
		if !ok {
			d.fail("ACL category %q lacks its @", c)
		}
		s.ACLCategories[i] = cat
	}
	if e[8].Kind != value.Set {
		d.fail("key specs are not a set")
	}
	for _, ks := range e[8].Elems {
		k := d.keySpec(ks)
		s.KeySpecs = append(s.KeySpecs, k)
		s.hasKeys = s.hasKeys || k.Flags&KeyNotKey == 0
		s.varKeys = s.varKeys || k.Flags&KeyVariableFlags != 0
	}
	s.getKeys = getKeysFuncs[s.Name]
	if s.varKeys && s.getKeys == nil {
		d.fail("variable key flags but no key finder")
	}
	return s, d.err
}

func (d *decoder) keySpec(v value.Value) KeySpec {
	var k KeySpec
	if notes, ok := v.Get("notes"); ok {
		k.Notes = d.str(notes, value.Bulk)
	}
	for _, name := range d.strs(d.get(v, "flags"), value.Simple) {
		f := keyFlagByName[name]
		if f == 0 {
			d.fail("unknown key flag %q", name)
		}
		k.Flags |= f
	}
	bs := d.get(v, "begin_search")
	spec := d.get(bs, "spec")
	switch t := d.str(d.get(bs, "type"), value.Bulk); t {
	case "index":
		k.Begin = BeginSearch{Type: SearchIndex, Index: d.num(d.get(spec, "index"))}
	case "keyword":
		k.Begin = BeginSearch{
			Type:      SearchKeyword,
			Keyword:   d.str(d.get(spec, "keyword"), value.Bulk),
			StartFrom: d.num(d.get(spec, "startfrom")),
		}
	case "unknown":
	default:
		d.fail("unknown begin_search type %q", t)
	}
	fk := d.get(v, "find_keys")
	spec = d.get(fk, "spec")
	switch t := d.str(d.get(fk, "type"), value.Bulk); t {
	case "range":
		k.Find = FindKeys{
			Type:    FindRange,
			LastKey: d.num(d.get(spec, "lastkey")),
			KeyStep: d.num(d.get(spec, "keystep")),
			Limit:   d.num(d.get(spec, "limit")),
		}
	case "keynum":
		k.Find = FindKeys{
			Type:      FindKeynum,
			KeyNumIdx: d.num(d.get(spec, "keynumidx")),
			FirstKey:  d.num(d.get(spec, "firstkey")),
			KeyStep:   d.num(d.get(spec, "keystep")),
		}
	case "unknown":
	default:
		d.fail("unknown find_keys type %q", t)
	}
	// What keyPositions relies on to terminate and stay in bounds.
	if (k.Find.Type != FindUnknown && k.Find.KeyStep < 1) ||
		k.Find.Limit < 0 || (k.Find.Limit > 0 && k.Find.LastKey != -1) ||
		k.Find.KeyNumIdx < 0 || k.Find.FirstKey < 0 ||
		(k.Begin.Type == SearchIndex && k.Begin.Index < 1) ||
		(k.Begin.Type == SearchKeyword && k.Begin.StartFrom == 0) {
		d.fail("key spec out of range: %+v", k)
	}
	return k
}

// decoder reads typed values, keeping the first error.
type decoder struct{ err error }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) num(v value.Value) int {
	if v.Kind != value.Int {
		d.fail("%+v is not an integer", v)
	}
	return int(v.Num)
}

func (d *decoder) str(v value.Value, k value.Kind) string {
	if v.Kind != k {
		d.fail("%+v is not of kind %d", v, k)
	}
	return v.Str
}

// strs reads a set of strings of kind k.
func (d *decoder) strs(v value.Value, k value.Kind) []string {
	if v.Kind != value.Set {
		d.fail("%+v is not a set", v)
	}
	out := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = d.str(e, k)
	}
	return out
}

func (d *decoder) get(m value.Value, key string) value.Value {
	v, ok := m.Get(key)
	if !ok {
		d.fail("no %q in %+v", key, m)
	}
	return v
}
