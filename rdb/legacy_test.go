package rdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Third-party files from older (and newer) Redis versions, each with the
// expected content in that project's own JSON rendering.
var legacyCases = []string{
	"easily_compressible_string_key", "empty_database", "hash", "hash_as_ziplist", "integer_keys",
	"intset_16", "intset_32", "intset_64", "issue27", "keys_with_expiry", "linkedlist", "listpack",
	"memory", "multiple_databases", "non_ascii_values", "parser_filters", "quicklist",
	"rdb_version_5_with_checksum", "rdb_version_8_with_64b_length_and_scores", "regular_set",
	"regular_sorted_set", "set_listpack", "sorted_set_as_ziplist", "stream_listpacks_1",
	"stream_listpacks_2", "uncompressible_string_keys", "ziplist_that_compresses_easily",
	"ziplist_that_doesnt_compress", "ziplist_with_integers", "zipmap_big_len",
	"zipmap_that_compresses_easily", "zipmap_that_doesnt_compress", "zipmap_with_big_values",
}

// legacyKey is one key of the third-party JSON.
type legacyKey struct {
	DB         int               `json:"db"`
	Key        string            `json:"key"`
	Type       string            `json:"type"`
	Expiration string            `json:"expiration"`
	Value      string            `json:"value"`
	Values     []string          `json:"values"`
	Members    []string          `json:"members"`
	Hash       map[string]string `json:"hash"`
	Entries    json.RawMessage   `json:"entries"`
	Len        uint64            `json:"len"`
	LastID     string            `json:"lastId"`
}

type legacyStreamNode struct {
	Msgs []struct {
		ID      string            `json:"id"`
		Fields  map[string]string `json:"fields"`
		Deleted bool              `json:"deleted"`
	} `json:"msgs"`
}

// text renders bytes as the third-party JSON does (invalid UTF-8 replaced).
func text(b []byte) string { return strings.ToValidUTF8(string(b), "\ufffd") }

// legacyCollector records keys as text lines in the third-party layout.
type legacyCollector struct{ keys map[string][]string }

func (c *legacyCollector) Aux(k, v []byte) error      { return nil }
func (c *legacyCollector) Function(code []byte) error { return nil }

func (c *legacyCollector) Key(k *Key, v *Value) error {
	lines := []string{k.Kind.String(), fmt.Sprint(k.Expire)}
	switch k.Kind {
	case KindString:
		lines = append(lines, text(v.Bytes()))
	case KindStream:
		for {
			e, ok, err := v.NextEntry()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			lines = append(lines, legacyEntry(e.ID.String(), e.Fields))
		}
		m, err := v.StreamMeta()
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("len=%d last=%s", m.Length, m.LastID))
	default:
		var elems []string
		for {
			e, ok, err := v.Next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			switch k.Kind {
			case KindHash:
				elems = append(elems, text(e.Member)+"="+text(e.Value))
			case KindZSet:
				elems = append(elems, fmt.Sprintf("%s=%g", text(e.Member), e.Score))
			default:
				elems = append(elems, text(e.Member))
			}
		}
		if k.Kind != KindList {
			sort.Strings(elems)
		}
		lines = append(lines, elems...)
	}
	c.keys[fmt.Sprintf("%d/%s", k.DB, text(k.Name))] = lines
	return nil
}

func legacyEntry(id string, fields [][]byte) string {
	var kv []string
	for i := 0; i+1 < len(fields); i += 2 {
		kv = append(kv, text(fields[i])+"="+text(fields[i+1]))
	}
	sort.Strings(kv)
	return id + " " + strings.Join(slices.Compact(kv), ",") // JSON maps fold repeated fields
}

func legacyExpected(t *testing.T, k legacyKey) []string {
	expire := int64(-1)
	if k.Expiration != "" {
		ts, err := time.Parse(time.RFC3339Nano, k.Expiration)
		if err != nil {
			t.Fatal(err)
		}
		expire = ts.UnixMilli()
	}
	lines := []string{k.Type, fmt.Sprint(expire)}
	var elems []string
	switch k.Type {
	case "string":
		return append(lines, k.Value)
	case "list":
		return append(lines, k.Values...)
	case "set":
		elems = slices.Clone(k.Members)
	case "hash":
		for f, v := range k.Hash {
			elems = append(elems, f+"="+v)
		}
	case "zset":
		var zs []struct {
			Member string  `json:"member"`
			Score  float64 `json:"score"`
		}
		if err := json.Unmarshal(k.Entries, &zs); err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			elems = append(elems, fmt.Sprintf("%s=%g", z.Member, z.Score))
		}
	case "stream":
		var nodes []legacyStreamNode
		if err := json.Unmarshal(k.Entries, &nodes); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			for _, m := range n.Msgs {
				if m.Deleted {
					continue
				}
				var fields [][]byte
				for f, v := range m.Fields {
					fields = append(fields, []byte(f), []byte(v))
				}
				lines = append(lines, legacyEntry(m.ID, fields))
			}
		}
		return append(lines, fmt.Sprintf("len=%d last=%s", k.Len, k.LastID))
	}
	sort.Strings(elems)
	return append(lines, elems...)
}

func TestLegacyFiles(t *testing.T) {
	for _, name := range legacyCases {
		t.Run(name, func(t *testing.T) {
			var want []legacyKey
			if err := json.Unmarshal(readFixture(t, "legacy/"+name+".json"), &want); err != nil {
				t.Fatal(err)
			}
			c := &legacyCollector{keys: map[string][]string{}}
			if err := NewDecoder(bytes.NewReader(readFixture(t, "legacy/"+name+".rdb"))).Decode(c); err != nil {
				t.Fatal(err)
			}
			if len(c.keys) != len(want) {
				t.Errorf("%d keys, want %d", len(c.keys), len(want))
			}
			for _, k := range want {
				id := fmt.Sprintf("%d/%s", k.DB, k.Key)
				got, exp := c.keys[id], legacyExpected(t, k)
				if !slices.Equal(got, exp) {
					t.Errorf("key %s:\n%s", id, lineDiff(got, exp))
				}
			}
		})
	}
}

// TestRedisTestAssets checks the files of Redis's own test suite against
// what its tests expect of them.
func TestRedisTestAssets(t *testing.T) {
	decode := func(name string) (*legacyCollector, error) {
		c := &legacyCollector{keys: map[string][]string{}}
		err := NewDecoder(bytes.NewReader(readFixture(t, "legacy/"+name+".rdb"))).Decode(c)
		return c, err
	}
	for name, want := range map[string]map[string][]string{
		"hash-zipmap":    {"0/hash": {"hash", "-1", "f1=v1", "f2=v2"}},
		"hash-ziplist":   {"0/hash": {"hash", "-1", "f1=v1", "f2=v2"}},
		"zset-ziplist":   {"0/zset": {"zset", "-1", "one=1", "two=2"}},
		"list-quicklist": {"0/list": {"list", "-1", "7"}, "0/x": {"string", "-1", "7"}},
		"scriptbackup":   {},
	} {
		c, err := decode(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(c.keys) != len(want) {
			t.Errorf("%s: %d keys, want %d", name, len(c.keys), len(want))
		}
		for id, w := range want {
			if !slices.Equal(c.keys[id], w) {
				t.Errorf("%s: key %s = %q, want %q", name, id, c.keys[id], w)
			}
		}
	}
	c, err := decode("encodings")
	if err != nil || len(c.keys) != 13 {
		t.Errorf("encodings.rdb: %d keys, %v", len(c.keys), err)
	}
	c, err = decode("corrupt_empty_keys")
	if err != nil || len(c.keys) != 9 {
		t.Errorf("corrupt_empty_keys.rdb: %d keys, %v", len(c.keys), err)
	}
	for id, lines := range c.keys {
		if len(lines) != 2 {
			t.Errorf("corrupt_empty_keys.rdb: key %s is not empty: %q", id, lines)
		}
	}
	_, err = decode("corrupt_ziplist")
	var rerr *Error
	if !errors.As(err, &rerr) || rerr.Key == nil {
		t.Errorf("corrupt_ziplist.rdb: got %v, want an error naming the key", err)
	} else {
		t.Logf("corrupt_ziplist.rdb: %v", err)
	}
}

// TestNewerFormatsRefused: Redis 7.4's RDB 12 and Valkey's files are
// refused with a clear error at the header.
func TestNewerFormatsRefused(t *testing.T) {
	for _, name := range []string{"hash_with_hfe", "hash_as_listpack_with_hfe", "tree", "valkey_hash2_with_hfe"} {
		err := NewDecoder(bytes.NewReader(readFixture(t, "legacy/"+name+".rdb"))).Decode(&legacyCollector{keys: map[string][]string{}})
		var rerr *Error
		if !errors.As(err, &rerr) || rerr.Offset != 9 {
			t.Errorf("%s: %v, want an error at the header", name, err)
		}
	}
}
