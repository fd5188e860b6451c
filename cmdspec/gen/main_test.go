package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairndb/cairn/cmdspec/internal/redistest"
	"github.com/cairndb/cairn/cmdspec/internal/value"
)

func TestMain(m *testing.M) {
	code := m.Run()
	redistest.Stop()
	os.Exit(code)
}

// TestCommittedFileIsCurrent regenerates the command table from the
// installed Redis and compares it with the committed one.
func TestCommittedFileIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("../redis-7.0.json")
	if err != nil {
		t.Fatal(err)
	}
	version, _, err := value.DecodeFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := redistest.Dial(t, 3).Do(t, "HELLO", "3")
	if v, _ := hello.Get("version"); v.Str != version {
		t.Skipf("installed Redis is %s, the committed file comes from %s", v.Str, version)
	}
	out := filepath.Join(t.TempDir(), "redis.json")
	if err := run(redistest.Addr(t), out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Error("the generator no longer reproduces redis-7.0.json; rerun it and review the diff")
	}
}
