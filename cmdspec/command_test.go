package cmdspec

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cmdspec/internal/redistest"
	"github.com/cairndb/cairn/cmdspec/internal/value"
)

// commandCalls are COMMAND calls whose replies do not depend on Redis's
// hash order, compared byte for byte.
var commandCalls = [][]string{
	{"COMMAND", "COUNT"},
	{"command", "count"},
	{"COMMAND", "COUNT", "x"},
	{"COMMAND", "HELP"},
	{"COMMAND", "help", "x"},
	{"COMMAND", "FOO"},
	{"COMMAND", "foo", "bar"},
	{"COMMAND", strings.Repeat("x", 200)},
	{"COMMAND", "a\r\nb\nc"},
	{"COMMAND", "getkeys|x"},
	{"COMMAND", "INFO", "get", "nosuch", "SET", "get|x", "config|x", "config|", "|get"},
	{"COMMAND", "INFO", "config|get", "CONFIG|GET", "Config|Set"},
	{"COMMAND", "INFO", "nosuch"},
	{"COMMAND", "DOCS", "nosuch"},
	{"COMMAND", "DOCS", "get", "nosuch", "GET", "config|get", "get|x"},
	{"COMMAND", "DOCS", "CONFIG|SET", "x", "set"},
	{"COMMAND", "LIST", "x"},
	{"COMMAND", "LIST", "FILTERBY"},
	{"COMMAND", "LIST", "FILTERBY", "pattern"},
	{"COMMAND", "LIST", "FILTERBY", "foo", "bar"},
	{"COMMAND", "LIST", "FILTERBY", "pattern", "x", "extra"},
	{"COMMAND", "LIST", "FILTERBY", "pattern", "x", "FILTERBY", "pattern", "y"},
	{"COMMAND", "LIST", "FILTERBY", "module", "x"},
	{"COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"},
	{"COMMAND", "LIST", "FILTERBY", "aclcat", "@read"},
	{"COMMAND", "LIST", "FILTERBY", "pattern", "nosuch*"},
	{"COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|G*"},
	{"COMMAND", "LIST", "FILTERBY\x00x", "pattern\x00", "set"},
	{"COMMAND", "GETKEYS"},
	{"COMMAND", "GETKEYS", "get"},
	{"COMMAND", "GETKEYSANDFLAGS", "get"},
	{"COMMAND", "GETKEYS", "get", "k"},
}

func TestCommandMatchesRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		rc := redistest.Dial(t, proto)
		for _, cmd := range commandCalls {
			_, want := rc.Do(t, cmd...)
			if got := ours(proto, nil, cmd...); !bytes.Equal(got, want) {
				t.Errorf("RESP%d %q:\n got %q\nwant %q", proto, cmd, got, want)
			}
		}
	}
}

// names returns the sorted bulk strings of a COMMAND LIST reply.
func names(t *testing.T, v value.Value) []string {
	t.Helper()
	if v.Kind != value.Array {
		t.Fatalf("not a list of names: %+v", v)
	}
	var out []string
	for _, e := range v.Elems {
		out = append(out, e.Str)
	}
	sort.Strings(out)
	return out
}

func TestCommandListMatchesRedis(t *testing.T) {
	lists := [][]string{
		{"COMMAND", "LIST"},
		{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "read"},
		{"COMMAND", "LIST", "FILTERBY", "aclcat", "KEYSPACE"},
		{"COMMAND", "LIST", "FILTERBY", "aclcat", "dangerous"},
		{"COMMAND", "LIST", "FILTERBY", "pattern", "*"},
		{"COMMAND", "LIST", "FILTERBY", "pattern", "*|*"},
		{"COMMAND", "LIST", "FILTERBY", "pattern", "X[A-C]*"},
		{"COMMAND", "LIST", "FILTERBY", "pattern", "?et"},
	}
	rc := redistest.Dial(t, 3)
	for _, cmd := range lists {
		real, _ := rc.Do(t, cmd...)
		want := names(t, real)
		if got := names(t, decode(t, ours(3, nil, cmd...))); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", cmd, got, want)
		}
	}
}

// TestCommandRestricted checks that commands the predicate rejects do not
// exist for COMMAND.
func TestCommandRestricted(t *testing.T) {
	served := map[string]bool{"get": true, "config": true, "config|get": true, "set|x": true, "command": true}
	implemented := func(s *Spec) bool { return served[s.Name] }
	check := func(args string, want string) {
		t.Helper()
		if got := ours(3, implemented, strings.Split(args, " ")...); string(got) != want {
			t.Errorf("%s:\n got %q\nwant %q", args, got, want)
		}
	}
	check("COMMAND COUNT", ":3\r\n")
	check("COMMAND LIST", "*4\r\n$7\r\ncommand\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n$3\r\nget\r\n")
	check("COMMAND LIST FILTERBY pattern c*", "*3\r\n$7\r\ncommand\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n")
	check("COMMAND INFO set config|set", "*2\r\n_\r\n_\r\n")
	check("COMMAND DOCS set config|set", "%0\r\n")
	check("COMMAND GETKEYS set k v", "-ERR Invalid command specified\r\n")
	check("COMMAND GETKEYS get k", "*1\r\n$1\r\nk\r\n")

	info := decode(t, ours(3, implemented, "COMMAND", "INFO", "config"))
	if subs := info.Elems[0].Elems[9]; len(subs.Elems) != 1 || subs.Elems[0].Elems[0].Str != "config|get" {
		t.Errorf("COMMAND INFO config lists subcommands %+v", subs)
	}
	docs := decode(t, ours(3, implemented, "COMMAND", "DOCS", "config"))
	if subs, _ := docs.Elems[1].Get("subcommands"); len(subs.Elems) != 2 || subs.Elems[0].Str != "config|get" {
		t.Errorf("COMMAND DOCS config lists subcommands %+v", subs)
	}
	all := decode(t, ours(3, implemented, "COMMAND"))
	if len(all.Elems) != 3 {
		t.Errorf("COMMAND lists %d commands, want 3", len(all.Elems))
	}
}
