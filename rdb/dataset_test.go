package rdb

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// dataset is a decoded file in a canonical, comparable form: every value
// becomes lines of text (hex for bytes), collections in a fixed order.
type dataset struct {
	aux       map[string]string
	functions []string
	keys      map[string]*canonKey // by "db/hexkey"
}

type canonKey struct {
	db     int
	name   string // hex
	kind   string
	expire int64 // -1 none
	idle   int64
	freq   int
	lines  []string
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func scoreText(f float64) string {
	if f == 0 {
		return "0" // a listpack cannot keep -0
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// collector is a Handler that builds a dataset.
type collector struct{ ds *dataset }

func (c *collector) Aux(k, v []byte) error {
	c.ds.aux[string(k)] = string(v)
	return nil
}

func (c *collector) Function(code []byte) error {
	c.ds.functions = append(c.ds.functions, string(code))
	return nil
}

func (c *collector) Key(k *Key, v *Value) error {
	ck := &canonKey{db: k.DB, name: hx(k.Name), kind: k.Kind.String(), expire: k.Expire, idle: k.Idle, freq: k.Freq}
	lines, err := canonValue(v)
	if err != nil {
		return err
	}
	ck.lines = lines
	id := fmt.Sprintf("%d/%s", k.DB, ck.name)
	if c.ds.keys[id] != nil {
		return fmt.Errorf("duplicate key %s", id)
	}
	c.ds.keys[id] = ck
	return nil
}

// canonValue reads a whole value into canonical lines.
func canonValue(v *Value) ([]string, error) {
	var lines []string
	switch v.Kind() {
	case KindString:
		return []string{hx(v.Bytes())}, nil
	case KindStream:
		for {
			e, ok, err := v.NextEntry()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			lines = append(lines, entryLine(e))
		}
		m, err := v.StreamMeta()
		if err != nil {
			return nil, err
		}
		lines = append(lines, metaLine(m))
		for {
			g, ok, err := v.NextGroup()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			lines = append(lines, groupLines(g)...)
		}
		return lines, nil
	}
	type zm struct {
		m []byte
		s float64
	}
	var zs []zm
	for {
		e, ok, err := v.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch v.Kind() {
		case KindHash:
			lines = append(lines, hx(e.Member)+":"+hx(e.Value))
		case KindZSet:
			zs = append(zs, zm{e.Member, e.Score})
		default:
			lines = append(lines, hx(e.Member))
		}
	}
	switch v.Kind() {
	case KindSet, KindHash:
		sort.Strings(lines)
	case KindZSet:
		sort.Slice(zs, func(i, j int) bool {
			if zs[i].s != zs[j].s {
				return zs[i].s < zs[j].s
			}
			return bytes.Compare(zs[i].m, zs[j].m) < 0
		})
		for _, z := range zs {
			lines = append(lines, hx(z.m)+":"+scoreText(z.s))
		}
	}
	return lines, nil
}

func entryLine(e StreamEntry) string {
	var b strings.Builder
	b.WriteString("entry " + e.ID.String())
	for _, f := range e.Fields {
		b.WriteString(" " + hx(f))
	}
	return b.String()
}

func metaLine(m StreamMeta) string {
	return fmt.Sprintf("meta len=%d last=%s first=%s maxdel=%s added=%d", m.Length, m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded)
}

func groupLines(g StreamGroup) []string {
	lines := []string{fmt.Sprintf("group %s last=%s read=%d", hx(g.Name), g.LastID, g.EntriesRead)}
	pel := slices.Clone(g.Pending)
	sort.Slice(pel, func(i, j int) bool { return pel[i].ID.Less(pel[j].ID) })
	for _, p := range pel {
		lines = append(lines, fmt.Sprintf("pel %s %s %d %d", p.ID, hx(p.Consumer), p.DeliveryTime, p.DeliveryCount))
	}
	cs := slices.Clone(g.Consumers)
	sort.Slice(cs, func(i, j int) bool { return bytes.Compare(cs[i].Name, cs[j].Name) < 0 })
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("consumer %s seen=%d", hx(c.Name), c.SeenTime))
	}
	return lines
}

func decodeDataset(r io.Reader) (*dataset, error) {
	ds := &dataset{aux: map[string]string{}, keys: map[string]*canonKey{}}
	err := NewDecoder(r).Decode(&collector{ds})
	return ds, err
}

func decodeFile(t testing.TB, path string) *dataset {
	t.Helper()
	ds, err := decodeDataset(bytes.NewReader(readFixture(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ds
}

// manifest bytes: a JSON string of printable ASCII, or {"hex": "..."}.
func mbytes(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case map[string]any:
		b, err := hex.DecodeString(x["hex"].(string))
		if err != nil {
			panic(err)
		}
		return b
	case nil:
		return nil
	}
	panic(fmt.Sprintf("not bytes: %#v", v))
}

func parseID(s string) StreamID {
	var id StreamID
	fmt.Sscanf(s, "%d-%d", &id.Ms, &id.Seq)
	return id
}

// manifestDataset reads a fixture manifest into the canonical form.
func manifestDataset(t testing.TB, path string) (*dataset, map[string]bool) {
	t.Helper()
	var m struct {
		Aux       map[string]string `json:"aux"`
		Functions []struct {
			Code string `json:"code"`
		} `json:"functions"`
		DBs []struct {
			DB   int              `json:"db"`
			Keys []map[string]any `json:"keys"`
		} `json:"dbs"`
	}
	if err := json.Unmarshal(readFixture(t, path), &m); err != nil {
		t.Fatal(err)
	}
	ds := &dataset{aux: m.Aux, keys: map[string]*canonKey{}}
	for _, f := range m.Functions {
		ds.functions = append(ds.functions, f.Code)
	}
	expired := map[string]bool{}
	for _, db := range m.DBs {
		for _, k := range db.Keys {
			ck := &canonKey{db: db.DB, name: hx(mbytes(k["key"])), kind: k["type"].(string), expire: int64(k["expire_at_ms"].(float64))}
			ck.lines = manifestLines(ck.kind, k["value"])
			id := fmt.Sprintf("%d/%s", db.DB, ck.name)
			ds.keys[id] = ck
			if k["expect_loaded"] == false {
				expired[id] = true
			}
		}
	}
	return ds, expired
}

func manifestLines(kind string, v any) []string {
	var lines []string
	switch kind {
	case "string":
		return []string{hx(mbytes(v))}
	case "list", "set":
		for _, e := range v.([]any) {
			lines = append(lines, hx(mbytes(e)))
		}
		if kind == "set" {
			sort.Strings(lines)
		}
	case "hash":
		for _, p := range v.([]any) {
			p := p.([]any)
			lines = append(lines, hx(mbytes(p[0]))+":"+hx(mbytes(p[1])))
		}
		sort.Strings(lines)
	case "zset":
		for _, p := range v.([]any) {
			p := p.([]any)
			f, err := strconv.ParseFloat(p[1].(string), 64)
			if err != nil {
				panic(err)
			}
			lines = append(lines, hx(mbytes(p[0]))+":"+scoreText(f))
		}
	case "stream":
		s := v.(map[string]any)
		for _, e := range s["entries"].([]any) {
			e := e.(map[string]any)
			se := StreamEntry{ID: parseID(e["id"].(string))}
			for _, p := range e["fields"].([]any) {
				p := p.([]any)
				se.Fields = append(se.Fields, mbytes(p[0]), mbytes(p[1]))
			}
			lines = append(lines, entryLine(se))
		}
		lines = append(lines, metaLine(StreamMeta{
			Length:       uint64(s["length"].(float64)),
			LastID:       parseID(s["last_generated_id"].(string)),
			FirstID:      parseID(s["recorded_first_entry_id"].(string)),
			MaxDeletedID: parseID(s["max_deleted_entry_id"].(string)),
			EntriesAdded: uint64(s["entries_added"].(float64)),
		}))
		for _, g := range s["groups"].([]any) {
			g := g.(map[string]any)
			sg := StreamGroup{Name: mbytes(g["name"]), LastID: parseID(g["last_delivered_id"].(string)), EntriesRead: UnknownEntriesRead}
			if r, ok := g["entries_read"].(float64); ok {
				sg.EntriesRead = int64(r)
			}
			for _, p := range g["pel"].([]any) {
				p := p.(map[string]any)
				sg.Pending = append(sg.Pending, PendingEntry{ID: parseID(p["id"].(string)), Consumer: mbytes(p["consumer"]),
					DeliveryTime: int64(p["delivery_time_ms"].(float64)), DeliveryCount: uint64(p["delivery_count"].(float64))})
			}
			for _, c := range g["consumers"].([]any) {
				c := c.(map[string]any)
				sg.Consumers = append(sg.Consumers, Consumer{Name: mbytes(c["name"]), SeenTime: int64(c["seen_time_ms"].(float64))})
			}
			lines = append(lines, groupLines(sg)...)
		}
	default:
		panic("unknown type " + kind)
	}
	return lines
}

// diffDatasets reports the differences in keys and values (not aux).
func diffDatasets(t testing.TB, what string, got, want *dataset, skip map[string]bool) {
	t.Helper()
	n := 0
	for id, w := range want.keys {
		if skip[id] {
			continue
		}
		g := got.keys[id]
		switch {
		case g == nil:
			t.Errorf("%s: key %s missing", what, id)
		case g.kind != w.kind:
			t.Errorf("%s: key %s is a %s, want %s", what, id, g.kind, w.kind)
		case g.expire != w.expire:
			t.Errorf("%s: key %s expires at %d, want %d", what, id, g.expire, w.expire)
		case !slices.Equal(g.lines, w.lines):
			t.Errorf("%s: key %s value differs:\n%s", what, id, lineDiff(g.lines, w.lines))
		}
		if n++; t.Failed() && n > 20 {
			return
		}
	}
	for id := range got.keys {
		if want.keys[id] == nil {
			t.Errorf("%s: unexpected key %s", what, id)
		}
	}
}

func lineDiff(got, want []string) string {
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("  line %d (of %d/%d):\n    got  %.300s\n    want %.300s", i, len(got), len(want), g, w)
		}
	}
	return ""
}
