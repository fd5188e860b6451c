package engine_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/storage"
	"github.com/redis/go-redis/v9"
)

// readRDBFixture reads a fixture from rdb/testdata (gzipped) or, for the
// two big ones, from the shared fixtures; the test is skipped without it.
func readRDBFixture(t testing.TB, name string) []byte {
	t.Helper()
	if f, err := os.Open(filepath.Join("../rdb/testdata/fixtures", name+".gz")); err == nil {
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(z)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, err := os.ReadFile(filepath.Join("../../shared/rdb", name))
	if err != nil {
		t.Skipf("fixture %s not available: %v", name, err)
	}
	return b
}

// errUnsupportedType is how an import reports a data type whose family
// has no RDB conversion yet; such fixtures are skipped, visibly.
const unsupportedType = "type not supported by RDB conversion"

// importInto imports an RDB file into a fresh data directory and returns
// the directory, ready for cairntest.StartCairnIn.
func importInto(t testing.TB, file []byte, replace bool, dir string) (engine.ImportStats, error) {
	t.Helper()
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "cairn-data"), BlockCacheSize: 8 << 20, MemTableSize: 8 << 20, HotCacheSize: 8 << 20}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg, err := config.Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return engine.ImportRDB(store, bytes.NewReader(file), engine.ImportOptions{Replace: replace, Config: cfg})
}

// manifest is a fixture's *.expected.json.
type manifest struct {
	Functions []struct {
		Name string `json:"library_name"`
		Code string `json:"code"`
	} `json:"functions"`
	DBs []struct {
		DB   int              `json:"db"`
		Keys []map[string]any `json:"keys"`
	} `json:"dbs"`
}

func readManifest(t testing.TB, name string) manifest {
	var m manifest
	if err := json.Unmarshal(readRDBFixture(t, name+".expected.json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// mbytes decodes the manifest's BYTES: a printable string or {"hex": ...}.
func mbytes(v any) string {
	if m, ok := v.(map[string]any); ok {
		b, _ := hex.DecodeString(m["hex"].(string))
		return string(b)
	}
	if v == nil {
		return ""
	}
	return v.(string)
}

// serverView renders what a server holds for key, through commands, in
// the manifest's canonical form; want renders the manifest's value alike.
func serverView(ctx context.Context, c *redis.Client, key, typ string) ([]string, error) {
	var out []string
	add := func(args ...any) ([]any, error) {
		r, err := c.Do(ctx, args...).Result()
		if err != nil {
			return nil, err
		}
		switch r := r.(type) {
		case []any:
			return r, nil
		case string:
			return []any{r}, nil
		}
		return nil, fmt.Errorf("unexpected reply %#v", r)
	}
	switch typ {
	case "string":
		r, err := add("get", key)
		if err != nil {
			return nil, err
		}
		return []string{r[0].(string)}, nil
	case "list", "set":
		cmd := "lrange"
		args := []any{cmd, key, 0, -1}
		if typ == "set" {
			args = []any{"smembers", key}
		}
		r, err := add(args...)
		for _, e := range r {
			out = append(out, e.(string))
		}
		if typ == "set" {
			sort.Strings(out)
		}
		return out, err
	case "hash":
		r, err := add("hgetall", key)
		for i := 0; i+1 < len(r); i += 2 {
			out = append(out, r[i].(string)+"="+r[i+1].(string))
		}
		sort.Strings(out)
		return out, err
	case "zset":
		r, err := add("zrange", key, 0, -1, "withscores")
		for i := 0; i+1 < len(r); i += 2 {
			f, _ := strconv.ParseFloat(r[i+1].(string), 64)
			out = append(out, r[i].(string)+"="+scoreText(f))
		}
		return out, err
	case "stream":
		r, err := add("xrange", key, "-", "+")
		if err != nil {
			return nil, err
		}
		for _, e := range r {
			e := e.([]any)
			line := e[0].(string)
			for _, f := range e[1].([]any) {
				line += " " + hex.EncodeToString([]byte(f.(string)))
			}
			out = append(out, line)
		}
		info, err := c.Do(ctx, "xinfo", "stream", key, "full", "count", 0).Result()
		if err != nil {
			return nil, err
		}
		return append(out, streamInfoLines(info)...), nil
	}
	return nil, errors.New("unknown type " + typ)
}

// streamInfoLines picks XINFO STREAM FULL's bookkeeping and groups.
func streamInfoLines(info any) []string {
	m := pairs(info)
	lines := []string{fmt.Sprintf("meta len=%v last=%v maxdel=%v added=%v first=%v", m["length"], m["last-generated-id"], m["max-deleted-entry-id"], m["entries-added"], m["recorded-first-entry-id"])}
	groups, _ := m["groups"].([]any)
	for _, g := range groups {
		g := pairs(g)
		lines = append(lines, fmt.Sprintf("group %x last=%v read=%v", g["name"], g["last-delivered-id"], g["entries-read"]))
		pel, _ := g["pending"].([]any)
		for _, p := range pel {
			p := p.([]any)
			lines = append(lines, fmt.Sprintf("pel %v %x %v %v", p[0], p[1], p[2], p[3]))
		}
		consumers, _ := g["consumers"].([]any)
		var cs []string
		for _, c := range consumers {
			c := pairs(c)
			cs = append(cs, fmt.Sprintf("consumer %x seen=%v", c["name"], c["seen-time"]))
		}
		sort.Strings(cs)
		lines = append(lines, cs...)
	}
	return lines
}

func pairs(v any) map[string]any {
	out := map[string]any{}
	switch v := v.(type) {
	case []any:
		for i := 0; i+1 < len(v); i += 2 {
			out[fmt.Sprint(v[i])] = v[i+1]
		}
	case map[any]any:
		for k, x := range v {
			out[fmt.Sprint(k)] = x
		}
	}
	return out
}

func scoreText(f float64) string {
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func manifestView(typ string, v any) []string {
	var out []string
	switch typ {
	case "string":
		return []string{mbytes(v)}
	case "list", "set":
		for _, e := range v.([]any) {
			out = append(out, mbytes(e))
		}
		if typ == "set" {
			sort.Strings(out)
		}
	case "hash":
		for _, p := range v.([]any) {
			p := p.([]any)
			out = append(out, mbytes(p[0])+"="+mbytes(p[1]))
		}
		sort.Strings(out)
	case "zset":
		for _, p := range v.([]any) {
			p := p.([]any)
			f, _ := strconv.ParseFloat(p[1].(string), 64)
			out = append(out, mbytes(p[0])+"="+scoreText(f))
		}
	case "stream":
		s := v.(map[string]any)
		for _, e := range s["entries"].([]any) {
			e := e.(map[string]any)
			line := e["id"].(string)
			for _, p := range e["fields"].([]any) {
				p := p.([]any)
				line += " " + hex.EncodeToString([]byte(mbytes(p[0]))) + " " + hex.EncodeToString([]byte(mbytes(p[1])))
			}
			out = append(out, line)
		}
		out = append(out, fmt.Sprintf("meta len=%v last=%v maxdel=%v added=%v first=%v", s["length"], s["last_generated_id"], s["max_deleted_entry_id"], s["entries_added"], s["recorded_first_entry_id"]))
		for _, g := range s["groups"].([]any) {
			g := g.(map[string]any)
			read := any(nil)
			if r, ok := g["entries_read"].(float64); ok {
				read = int64(r)
			}
			out = append(out, fmt.Sprintf("group %x last=%v read=%v", mbytes(g["name"]), g["last_delivered_id"], read))
			for _, p := range g["pel"].([]any) {
				p := p.(map[string]any)
				out = append(out, fmt.Sprintf("pel %v %x %v %v", p["id"], mbytes(p["consumer"]), int64(p["delivery_time_ms"].(float64)), int64(p["delivery_count"].(float64))))
			}
			var cs []string
			for _, c := range g["consumers"].([]any) {
				c := c.(map[string]any)
				cs = append(cs, fmt.Sprintf("consumer %x seen=%v", mbytes(c["name"]), int64(c["seen_time_ms"].(float64))))
			}
			sort.Strings(cs)
			out = append(out, cs...)
		}
	}
	return out
}

// checkManifest compares every key of a server with the manifest.
func checkManifest(t *testing.T, addr string, m manifest) {
	t.Helper()
	ctx := context.Background()
	total := 0
	for _, db := range m.DBs {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db.DB, Protocol: 2})
		n := 0
		for _, k := range db.Keys {
			if k["expect_loaded"] == false {
				continue
			}
			n++
			key, typ := mbytes(k["key"]), k["type"].(string)
			if got, err := c.Type(ctx, key).Result(); err != nil || got != typ {
				t.Errorf("db %d key %q: type %q (%v), want %s", db.DB, key, got, err, typ)
				continue
			}
			got, err := serverView(ctx, c, key, typ)
			if err != nil {
				t.Errorf("db %d key %q: %v", db.DB, key, err)
				continue
			}
			if want := manifestView(typ, k["value"]); !slices.Equal(got, want) {
				t.Errorf("db %d key %q (%s): %d lines, want %d; first difference:\n%s", db.DB, key, typ, len(got), len(want), firstDiff(got, want))
			}
			exp := int64(k["expire_at_ms"].(float64))
			if got, _ := c.Do(ctx, "pexpiretime", key).Int64(); got != exp {
				t.Errorf("db %d key %q: expires at %d, want %d", db.DB, key, got, exp)
			}
		}
		if size := c.DBSize(ctx).Val(); size != int64(n) {
			t.Errorf("db %d: DBSIZE %d, want %d", db.DB, size, n)
		}
		total += n
		c.Close()
	}
	t.Logf("%d keys compared", total)
	checkFunctions(t, addr, m)
}

// checkFunctions compares the function libraries with the manifest's.
func checkFunctions(t *testing.T, addr string, m manifest) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	r, err := c.Do(context.Background(), "function", "list", "withcode").Slice()
	if err != nil {
		t.Fatalf("FUNCTION LIST: %v", err)
	}
	got := map[string]string{}
	for _, lib := range r {
		l := pairs(lib)
		got[fmt.Sprint(l["library_name"])] = fmt.Sprint(l["library_code"])
	}
	if len(got) != len(m.Functions) {
		t.Errorf("%d function libraries, want %d", len(got), len(m.Functions))
	}
	for _, f := range m.Functions {
		if got[f.Name] != f.Code {
			t.Errorf("function library %s: code %q, want %q", f.Name, got[f.Name], f.Code)
		}
	}
}

func firstDiff(got, want []string) string {
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("  line %d\n  got  %.200q\n  want %.200q", i, g, w)
		}
	}
	return ""
}
