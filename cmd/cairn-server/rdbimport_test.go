package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

func fixture(t *testing.T, name string) []byte {
	f, err := os.Open(filepath.Join("../../rdb/testdata/fixtures", name+".gz"))
	if err != nil {
		t.Fatal(err)
	}
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

// A server started on an empty data directory loads dbfilename from dir,
// as redis-server loads its dump.
func TestStartupImport(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dump.rdb"), fixture(t, "bitmaps.rdb"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := cairntest.StartProcess(t, dir)
	c := cairntest.Dial(t, p.Addr)
	if got := c.Do("dbsize"); got != ":5\r\n" {
		t.Fatalf("DBSIZE after start-up import = %q\n%s", got, p.Log)
	}
	if info := c.Do("info", "persistence"); !strings.Contains(info, "rdb_last_load_keys_loaded:5\r\n") {
		t.Errorf("INFO after the import:\n%s", info)
	}
	// A data directory that already has data is not overwritten.
	c.Do("set", "mine", "1")
	p.Terminate(t)
	p = cairntest.StartProcess(t, dir)
	if got := cairntest.Dial(t, p.Addr).Do("dbsize"); got != ":6\r\n" {
		t.Errorf("DBSIZE after a restart = %q: the dump was loaded again", got)
	}
}

// cairn-server --import adds a file's keys to an existing data directory
// with a progress report; a bad file changes nothing.
func TestOfflineImport(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir)
	c := cairntest.Dial(t, p.Addr)
	c.Do("set", "existing", "kept")
	c.Do("set", "bitmap:small", "replaced by the file")
	p.Terminate(t)

	good := filepath.Join(t.TempDir(), "good.rdb")
	os.WriteFile(good, fixture(t, "bitmaps.rdb"), 0o644)
	bad := filepath.Join(t.TempDir(), "bad.rdb")
	file := fixture(t, "hll.rdb")
	os.WriteFile(bad, file[:len(file)-100], 0o644)

	out, err := exec.Command(cairntest.Binary(t), "--dir", dir, "--import", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "nothing was changed") || !strings.Contains(string(out), "offset") {
		t.Errorf("import of a truncated file: %v\n%s", err, out)
	}
	out, err = exec.Command(cairntest.Binary(t), "--dir", dir, "--import", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Imported 5 keys") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	p = cairntest.StartProcess(t, dir)
	c = cairntest.Dial(t, p.Addr)
	if got := c.Do("dbsize"); got != ":6\r\n" {
		t.Errorf("DBSIZE = %q, want the 5 keys of the file and the existing one", got)
	}
	if got := c.Do("get", "existing"); got != "$4\r\nkept\r\n" {
		t.Errorf("existing key: %q", got)
	}
	if got := c.Do("get", "bitmap:small"); strings.Contains(got, "replaced") {
		t.Errorf("same-named key not replaced by the file: %q", got)
	}
}

// SHUTDOWN SAVE writes the dump before the process exits.
func TestShutdownSave(t *testing.T) {
	dir := t.TempDir()
	p := cairntest.StartProcess(t, dir)
	c := cairntest.Dial(t, p.Addr)
	c.Do("set", "k", "v")
	c.Send("shutdown", "save")
	p.WaitExit(t, 30*time.Second)
	file, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil || !bytes.HasPrefix(file, []byte("REDIS0010")) {
		t.Fatalf("no dump after SHUTDOWN SAVE: %v\n%s", err, p.Log)
	}
}
