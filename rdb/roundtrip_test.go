package rdb

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
)

var encoderOptions = map[string]Options{
	"plain":      {Limits: DefaultLimits()},
	"compressed": {Compress: true, Checksum: true, Limits: DefaultLimits()},
	"noncompact": {Checksum: true, Limits: Limits{ListListpackSize: 1, StreamNodeEntries: 2}},
}

// TestRoundTrip decodes every fixture, encodes it again in each way and
// checks that the result still matches the manifest.
func TestRoundTrip(t *testing.T) {
	for _, name := range manifestFixtures {
		t.Run(name, func(t *testing.T) {
			f, err := decodeMem(readFixture(t, "fixtures/"+name+".rdb"))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := manifestDataset(t, "fixtures/"+name+".expected.json")
			for how, opts := range encoderOptions {
				out, err := f.encode(opts)
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				got, err := decodeDataset(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("%s: re-decoding: %v", how, err)
				}
				diffDatasets(t, name+"/"+how, got, want, nil)
			}
		})
	}
}

type dumpFixture struct {
	Payloads []struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		RDBType    int    `json:"rdb_type"`
		PayloadHex string `json:"payload_hex"`
		Restore    struct {
			ExpectValue any `json:"expect_value"`
		} `json:"restore"`
	} `json:"payloads"`
}

func loadDumpFixture(t testing.TB) dumpFixture {
	var df dumpFixture
	if err := json.Unmarshal(readFixture(t, "fixtures/dump-payloads.json"), &df); err != nil {
		t.Fatal(err)
	}
	return df
}

// TestDumpPayloads decodes every DUMP payload real Redis produced,
// compares it with what RESTORE gave, and re-encodes it.
func TestDumpPayloads(t *testing.T) {
	df := loadDumpFixture(t)
	same := 0
	for _, p := range df.Payloads {
		payload, _ := hex.DecodeString(p.PayloadHex)
		v, err := DecodeDump(payload, true)
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		m := &memKey{key: Key{Kind: v.Kind()}, str: v.Bytes()}
		if v.Kind() == KindStream {
			m.entries, m.meta, m.groups, err = readStream(v)
		} else {
			m.elems, err = readElems(v)
		}
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		want := manifestLines(p.Type, p.Restore.ExpectValue)
		check := func(what string, payload []byte) {
			v, err := DecodeDump(payload, true)
			if err != nil {
				t.Errorf("%s (%s): %v", p.Name, what, err)
				return
			}
			got, err := canonValue(v)
			if err != nil {
				t.Errorf("%s (%s): %v", p.Name, what, err)
				return
			}
			if v.Kind().String() != p.Type || !equalLines(got, want) {
				t.Errorf("%s (%s): %s\n%s", p.Name, what, v.Kind(), lineDiff(got, want))
			}
		}
		check("redis", payload)
		ours, err := EncodeDump(m.object(), Options{Compress: true, Limits: DefaultLimits()})
		if err != nil {
			t.Errorf("%s: encoding: %v", p.Name, err)
			continue
		}
		check("re-encoded", ours)
		if bytes.Equal(ours, payload) {
			same++
		}
	}
	t.Logf("%d of %d payloads re-encoded byte for byte", same, len(df.Payloads))
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDumpFooterRejected(t *testing.T) {
	payload, _ := hex.DecodeString("000b68656c6c6f20776f726c640a000bfc49b9a6c7a034")
	if _, err := DecodeDump(payload, true); err != nil {
		t.Fatal(err)
	}
	bad := func(mutate func(p []byte) []byte) []byte { return mutate(bytes.Clone(payload)) }
	for name, p := range map[string][]byte{
		"crc":     bad(func(p []byte) []byte { p[len(p)-1] ^= 1; return p }),
		"version": bad(func(p []byte) []byte { p[len(p)-10] = 11; return p }),
		"zero":    bad(func(p []byte) []byte { copy(p[len(p)-8:], make([]byte, 8)); return p }),
		"short":   payload[:9],
	} {
		if err := CheckDump(p); err != ErrDumpFooter {
			t.Errorf("%s: %v, want ErrDumpFooter", name, err)
		}
	}
	// Without the checksum only the version and the length matter.
	if err := CheckDumpVersion(bad(func(p []byte) []byte { p[len(p)-1] ^= 1; return p })); err != nil {
		t.Errorf("CheckDumpVersion of a bad checksum: %v", err)
	}
	for _, p := range [][]byte{bad(func(p []byte) []byte { p[len(p)-10] = 11; return p }), payload[:9]} {
		if err := CheckDumpVersion(p); err != ErrDumpFooter {
			t.Errorf("CheckDumpVersion(%x): %v, want ErrDumpFooter", p, err)
		}
	}
}
