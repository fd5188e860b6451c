package cmdspec

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cmdspec/internal/redistest"
	"github.com/cairndb/cairn/cmdspec/internal/value"
	"github.com/cairndb/cairn/resp"
)

// Redis lists subcommands in the order of a hash table seeded at random
// on start, so replies holding them are compared after sorting them by
// name; every other reply is compared byte for byte.

// sortInfo orders the subcommands of a COMMAND INFO entry.
func sortInfo(entry value.Value) {
	subs := entry.Elems[9].Elems
	sort.Slice(subs, func(i, j int) bool { return subs[i].Elems[0].Str < subs[j].Elems[0].Str })
	for _, s := range subs {
		sortInfo(s)
	}
}

// sortDocs orders the subcommands of a COMMAND DOCS entry, a map in
// RESP3 and a flat array in RESP2.
func sortDocs(doc value.Value) {
	for i := 0; i < len(doc.Elems); i += 2 {
		if doc.Elems[i].Str == "subcommands" {
			sortPairs(doc.Elems[i+1])
		}
	}
}

// sortPairs orders a map (or its RESP2 array) by key, and the subcommands
// of each documented command in it.
func sortPairs(m value.Value) {
	type pair struct{ k, v value.Value }
	var pairs []pair
	for i := 0; i < len(m.Elems); i += 2 {
		pairs = append(pairs, pair{m.Elems[i], m.Elems[i+1]})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].k.Str < pairs[j].k.Str })
	for i, p := range pairs {
		sortDocs(p.v)
		m.Elems[2*i], m.Elems[2*i+1] = p.k, p.v
	}
}

// encode writes v back as RESP.
func encode(proto int, v value.Value) []byte {
	w := resp.NewWriter()
	w.SetProto(proto)
	value.Write(w, v)
	return w.Bytes()
}

// decode reads one reply that this package wrote.
func decode(t *testing.T, b []byte) value.Value {
	t.Helper()
	v, raw, err := value.NewReader(bytes.NewReader(b)).Next()
	if err != nil || len(raw) != len(b) {
		t.Fatalf("cannot decode our reply %q: %v", b, err)
	}
	return v
}

// allNames lists every command and subcommand.
func allNames() []string {
	var names []string
	for _, s := range List(nil) {
		names = append(names, s.Name)
	}
	return names
}

func TestInfoAndDocsMatchRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		rc := redistest.Dial(t, proto)
		for _, name := range allNames() {
			for _, sub := range []string{"INFO", "DOCS"} {
				cmd := []string{"COMMAND", sub, strings.ToUpper(name)}
				real, want := rc.Do(t, cmd...)
				got := ours(proto, nil, cmd...)
				if Lookup(name).Subcommands != nil {
					if sub == "INFO" {
						sortInfo(real.Elems[0])
					} else {
						sortPairs(real)
					}
					want = encode(proto, real)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("RESP%d %q:\n got %q\nwant %q", proto, cmd, got, want)
				}
			}
		}
	}
}

// TestAllInfoAndDocsMatchRedis compares the replies about every command,
// which Redis gives in hash order: both sides are sorted by name.
func TestAllInfoAndDocsMatchRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		rc := redistest.Dial(t, proto)
		for _, cmd := range [][]string{{"COMMAND"}, {"COMMAND", "INFO"}, {"COMMAND", "DOCS"}} {
			real, _ := rc.Do(t, cmd...)
			mine := decode(t, ours(proto, nil, cmd...))
			for _, v := range []value.Value{real, mine} {
				if cmd[len(cmd)-1] == "DOCS" {
					sortPairs(v)
					continue
				}
				sort.Slice(v.Elems, func(i, j int) bool { return v.Elems[i].Elems[0].Str < v.Elems[j].Elems[0].Str })
				for _, e := range v.Elems {
					sortInfo(e)
				}
			}
			if got, want := encode(proto, mine), encode(proto, real); !bytes.Equal(got, want) {
				t.Errorf("RESP%d %q differs from Redis", proto, cmd)
			}
		}
	}
}
