package value

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/cairndb/cairn/resp"
)

// sample holds every kind, strings that need escaping, and a container
// too long for one line.
var sample = Value{Kind: Map, Elems: []Value{
	{Kind: Bulk, Str: "bulk"}, {Kind: Bulk, Str: "quote \" backslash \\ newline \n tab \t nul \x00 é <&>"},
	{Kind: Bulk, Str: "simple"}, {Kind: Simple, Str: "readonly"},
	{Kind: Bulk, Str: "error"}, {Kind: Error, Str: "ERR x"},
	{Kind: Bulk, Str: "ints"}, {Kind: Array, Elems: []Value{{Kind: Int, Num: -3}, {Kind: Int, Num: math.MaxInt64}}},
	{Kind: Bulk, Str: "doubles"}, {Kind: Set, Elems: []Value{{Kind: Double, Float: 1.5}, {Kind: Double, Float: math.Inf(-1)}}},
	{Kind: Bulk, Str: "bools"}, {Kind: Array, Elems: []Value{{Kind: Bool, Truth: true}, {Kind: Bool}}},
	{Kind: Bulk, Str: "null"}, {Kind: Null},
	{Kind: Bulk, Str: "empty"}, {Kind: Array, Elems: []Value{{Kind: Array}, {Kind: Set}, {Kind: Map}}},
	{Kind: Bulk, Str: "long"}, {Kind: Array, Elems: []Value{{Kind: Bulk, Str: strings.Repeat("x", 120)}}},
}}

func respBytes(proto int, v Value) []byte {
	w := resp.NewWriter()
	w.SetProto(proto)
	Write(w, v)
	return w.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	in := []Entry{{Name: "b", Info: sample, Docs: Value{Kind: Map}}, {Name: "a", Info: Value{Kind: Array}, Docs: sample}}
	b, err := EncodeFile("7.0.15", in)
	if err != nil {
		t.Fatal(err)
	}
	version, out, err := DecodeFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if version != "7.0.15" || len(out) != 2 || out[0].Name != "a" || out[1].Name != "b" {
		t.Fatalf("decoded %q %+v", version, out)
	}
	for _, proto := range []int{2, 3} {
		if got, want := respBytes(proto, out[1].Info), respBytes(proto, sample); !bytes.Equal(got, want) {
			t.Errorf("RESP%d after the round trip:\n got %q\nwant %q", proto, got, want)
		}
	}
	again, err := EncodeFile(version, out)
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("encoding is not stable:\n%s\n%s", b, again)
	}
	if !strings.Contains(string(b), `"null": null,`) || !strings.Contains(string(b), "\"long\": [\n") {
		t.Errorf("unexpected layout:\n%s", b)
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, v := range []Value{
		{Kind: Bulk, Str: "\xff"},
		{Kind: Map, Elems: []Value{{Kind: Int}, {Kind: Null}}},
		{Kind: Map, Elems: []Value{{Kind: Bulk, Str: "k"}, {Kind: Null}, {Kind: Bulk, Str: "k"}, {Kind: Null}}},
	} {
		if _, err := EncodeFile("x", []Entry{{Name: "a", Info: v}}); err == nil {
			t.Errorf("encoded %+v", v)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, bad := range []string{
		`{"redis_version": "x", "commands": {}} x`,
		`{"redis_version": "x", "other": 1}`,
		`{"commands": {"a": {"info": {"?": 1}}}}`,
		`{"commands": {"a": {"info": {"+": "a", "-": "b"}}}}`,
		`{"commands": {"a": {"info": {}}}}`,
		`{"commands": {"a": {"info": 1.5}}}`,
		`{"commands": {"a": {"info": [1, 2}}}`,
		`{"commands": {"a": {"info": "x`,
		`{"commands": {"a": {"size": 1}}}`,
	} {
		if _, _, err := DecodeFile([]byte(bad)); err == nil {
			t.Errorf("decoded %s", bad)
		}
	}
}

func TestReader(t *testing.T) {
	in := "%2\r\n$1\r\na\r\n*6\r\n+ok\r\n-ERR x\r\n:-5\r\n,1.5\r\n#t\r\n_\r\n$1\r\nb\r\n~1\r\n$0\r\n\r\n" + "$-1\r\n"
	r := NewReader(strings.NewReader(in))
	v, raw, err := r.Next()
	if err != nil || string(raw) != in[:len(in)-5] {
		t.Fatalf("got %+v %q %v", v, raw, err)
	}
	if got := respBytes(3, v); string(got) != string(raw) {
		t.Errorf("written back as %q, want %q", got, raw)
	}
	if v, raw, err := r.Next(); err != nil || v.Kind != Null || string(raw) != "$-1\r\n" {
		t.Errorf("RESP2 null: %+v %q %v", v, raw, err)
	}
	for _, bad := range []string{"*-1\r\n", "|1\r\n", "$3\r\nab\r\n", "#x\r\n", "+ok\n"} {
		if _, _, err := NewReader(strings.NewReader(bad)).Next(); err == nil {
			t.Errorf("decoded %q", bad)
		}
	}
}
