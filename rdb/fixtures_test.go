package rdb

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedFixtures is the project's fixture folder; the repository keeps
// gzipped copies of all but the two largest files in testdata/.
const sharedFixtures = "../../shared/rdb"

// readFixture reads testdata/<path>.gz, or the file from the shared
// fixtures, skipping the test when neither exists.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	if f, err := os.Open(filepath.Join("testdata", path+".gz")); err == nil {
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
	b, err := os.ReadFile(filepath.Join(sharedFixtures, filepath.Base(path)))
	if err != nil {
		t.Skipf("fixture %s not available: %v", path, err)
	}
	return b
}

var manifestFixtures = []string{
	"empty", "strings", "lists", "hashes", "sets", "zsets", "streams", "expire", "multidb",
	"hll", "bitmaps", "geo", "functions", "lru", "lfu", "noncompact", "nocompress-nochecksum", "all-types",
}

// TestFixturesMatchManifests decodes every file Redis 7.0.15 wrote and
// compares every key with the manifest read from the live server.
func TestFixturesMatchManifests(t *testing.T) {
	for _, name := range manifestFixtures {
		t.Run(name, func(t *testing.T) {
			got := decodeFile(t, "fixtures/"+name+".rdb")
			want, _ := manifestDataset(t, "fixtures/"+name+".expected.json")
			diffDatasets(t, name, got, want, nil)
			for k, v := range want.aux {
				if got.aux[k] != v {
					t.Errorf("aux %s = %q, want %q", k, got.aux[k], v)
				}
			}
			slices.Sort(got.functions)
			slices.Sort(want.functions)
			if len(got.functions) != len(want.functions) {
				t.Fatalf("%d functions, want %d", len(got.functions), len(want.functions))
			}
			for i := range want.functions {
				if got.functions[i] != want.functions[i] {
					t.Errorf("function %d = %q, want %q", i, got.functions[i], want.functions[i])
				}
			}
		})
	}
}

func TestIdleAndFreq(t *testing.T) {
	for name, check := range map[string]func(*canonKey) bool{
		"lru": func(k *canonKey) bool { return k.idle >= 0 && k.freq == -1 },
		"lfu": func(k *canonKey) bool { return k.freq >= 0 && k.idle == -1 },
	} {
		ds := decodeFile(t, "fixtures/"+name+".rdb")
		for id, k := range ds.keys {
			if !check(k) {
				t.Errorf("%s: key %s has idle %d freq %d", name, id, k.idle, k.freq)
			}
		}
	}
}

func TestChecksumSkipped(t *testing.T) {
	d := NewDecoder(bytes.NewReader(readFixture(t, "fixtures/nocompress-nochecksum.rdb")))
	if err := d.Decode(&collector{&dataset{aux: map[string]string{}, keys: map[string]*canonKey{}}}); err != nil {
		t.Fatal(err)
	}
	if !d.ChecksumSkipped() {
		t.Error("a file written with rdbchecksum no should be reported as such")
	}
}
