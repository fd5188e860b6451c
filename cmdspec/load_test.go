package cmdspec

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	all := All()
	if len(all) != 240 || len(List(nil)) != 366 {
		t.Fatalf("%d commands and %d with subcommands, want Redis 7.0's 240 and 366", len(all), len(List(nil)))
	}
	get := Lookup("GET")
	want := &Spec{
		Name: "get", Arity: 2, Flags: []string{"readonly", "fast"},
		FirstKey: 1, LastKey: 1, Step: 1, ACLCategories: []string{"read", "string", "fast"},
		Tips: []string{},
		KeySpecs: []KeySpec{{
			Flags: KeyRO | KeyAccess,
			Begin: BeginSearch{Type: SearchIndex, Index: 1},
			Find:  FindKeys{Type: FindRange, KeyStep: 1},
		}},
	}
	exported := *get
	exported.flags, exported.hasKeys, exported.info, exported.docs = 0, false, want.info, want.docs
	if !reflect.DeepEqual(&exported, want) {
		t.Errorf("GET:\n got %+v\nwant %+v", exported, want)
	}
	if !get.Has(FlagReadonly) || !get.Has(FlagFast) || get.Has(FlagWrite) || !get.HasFlag("fast") || get.HasFlag("write") {
		t.Error("GET flags wrong")
	}
	if set := Lookup("set"); !set.Has(FlagWrite) || !set.Has(FlagDenyOOM) || !set.CheckArity(3) || !set.CheckArity(9) || set.CheckArity(2) {
		t.Error("SET flags or arity wrong")
	}
	if get.CheckArity(1) || !get.CheckArity(2) || get.CheckArity(3) {
		t.Error("GET arity check wrong")
	}
	xread := Lookup("xread").KeySpecs[0]
	if xread.Begin != (BeginSearch{Type: SearchKeyword, Keyword: "STREAMS", StartFrom: 1}) ||
		xread.Find != (FindKeys{Type: FindRange, LastKey: -1, KeyStep: 1, Limit: 2}) {
		t.Errorf("XREAD key spec %+v", xread)
	}
	if zu := Lookup("zunionstore").KeySpecs[1]; zu.Find != (FindKeys{Type: FindKeynum, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}) {
		t.Errorf("ZUNIONSTORE key spec %+v", zu)
	}
}

func TestLookup(t *testing.T) {
	config := Lookup("config")
	var subs []string
	for _, s := range config.Subcommands {
		subs = append(subs, s.Name)
		if s.Parent != config {
			t.Errorf("%s has parent %v", s.Name, s.Parent)
		}
	}
	if strings.Join(subs, " ") != "config|get config|help config|resetstat config|rewrite config|set" {
		t.Errorf("CONFIG subcommands %v", subs)
	}
	for name, want := range map[string]string{
		"CONFIG|Get": "config|get", "config": "config", "config|": "", "get|x": "",
		"config|get|x": "", "nosuch": "", "|get": "", "": "",
	} {
		if got := Lookup(name); got == nil && want != "" || got != nil && got.Name != want {
			t.Errorf("Lookup(%q) = %v, want %q", name, got, want)
		}
	}
	for line, want := range map[string]string{
		"CONFIG GET x": "config|get", "config": "config", "config nosuch": "",
		"config|get x": "", "GET k": "get", "get k v": "get", "nosuch": "",
	} {
		var args [][]byte
		for _, a := range strings.Fields(line) {
			args = append(args, []byte(a))
		}
		if got := LookupArgs(args); got == nil && want != "" || got != nil && got.Name != want {
			t.Errorf("LookupArgs(%q) = %v, want %q", line, got, want)
		}
	}
}

// TestKeyFinders checks that every command whose key specs can fall short
// has a key finder, as it has in Redis.
func TestKeyFinders(t *testing.T) {
	for name := range getKeysFuncs {
		if s := Lookup(name); s == nil || s.Parent != nil {
			t.Errorf("key finder for %q, which is not a command", name)
		}
	}
	for _, s := range List(nil) {
		for _, ks := range s.KeySpecs {
			mayFail := ks.Begin.Type == SearchUnknown || ks.Find.Type != FindRange ||
				ks.Find.Limit > 0 || ks.Flags&(KeyIncomplete|KeyVariableFlags) != 0
			if mayFail && s.getKeys == nil {
				t.Errorf("%s: key spec %+v may fail, and there is no key finder", s.Name, ks)
			}
		}
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	for _, edit := range [][2]string{
		{`{"+": "readonly"}`, `{"+": "readonlyx"}`},
		{`{"+": "RO"}`, `{"+": "ROX"}`},
		{`"type": "keynum"`, `"type": "keynumx"`},
		{`"keystep": 1`, `"keystep": 0`},
		{`"acl|cat": {`, `"acl|cat|x": {`},
		{`"commands": {`, `"commands": {"nosuch|x": {"docs": {"%": {}}, "info": ["nosuch|x", 1, {"~": []},
			0, 0, 0, {"~": []}, {"~": []}, {"~": []}, {"~": []}]},`},
		{`"flags": {"~": [{"+": "RO"}, {"+": "access"}]}`, // BITCOUNT, which has no key finder
			`"flags": {"~": [{"+": "RO"}, {"+": "access"}, {"+": "variable_flags"}]}`},
	} {
		bad := bytes.Replace(data, []byte(edit[0]), []byte(edit[1]), 1)
		if bytes.Equal(bad, data) {
			t.Fatalf("edit %q does not apply", edit[0])
		}
		if _, _, err := load(bad); err == nil {
			t.Errorf("load accepted data with %q", edit[1])
		} else {
			t.Log(err)
		}
	}
}
