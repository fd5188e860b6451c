package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func waitFilterReady(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !s.filter.ready.Load() || s.filter.covered.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the key filter never became ready")
		}
		time.Sleep(time.Millisecond)
	}
}

// addGhosts puts keys into the filter that Pebble does not hold: only a
// filter read from a saved file has them after a restart.
func addGhosts(s *Store) {
	for i := 0; i < 20; i++ {
		s.filter.add(metaKey(nil, s.Phys(0), []byte(fmt.Sprint("ghost", i))))
	}
}

// ghosts counts the keys addGhosts added that the filter holds.
func ghosts(s *Store) int {
	n := 0
	for i := 0; i < 20; i++ {
		if !s.filter.absent(s.Phys(0), metaKey(nil, s.Phys(0), []byte(fmt.Sprint("ghost", i)))) {
			n++
		}
	}
	return n
}

// putKeys writes n string keys named prefix0.. across databases 0-2.
func putKeys(t *testing.T, s *Store, prefix string, n int) {
	t.Helper()
	tx := s.Begin()
	for i := 0; i < n; i++ {
		tx.Put(i%3, []byte(fmt.Sprint(prefix, i)), &Meta{Type: TypeString, Value: []byte("v")})
	}
	commit(t, tx)
}

// checkKeys fails unless every key putKeys wrote is found in Pebble (the
// hot cache emptied first), and unless the filter rules out most missing
// keys.
func checkKeys(t *testing.T, s *Store, prefix string, n int) {
	t.Helper()
	for db := 0; db < 3; db++ {
		s.cache.dropDB(s.Phys(db))
	}
	tx := s.Begin()
	defer tx.Discard()
	for i := 0; i < n; i++ {
		if m, err := tx.Meta(i%3, []byte(fmt.Sprint(prefix, i))); err != nil || m == nil {
			t.Fatalf("%s%d: got %v, %v", prefix, i, m, err)
		}
	}
	absent := 0
	for i := 0; i < 1000; i++ {
		if s.filter.absent(s.Phys(i%3), metaKey(nil, s.Phys(i%3), []byte(fmt.Sprint("missing", i)))) {
			absent++
		}
	}
	if absent < 950 {
		t.Errorf("the filter ruled out only %d of 1000 missing keys", absent)
	}
}

// A clean shutdown saves the key filter and the next start uses it at
// once, instead of scanning; that start takes the saved token and the
// file away, so a crash after it cannot bring them back.
func TestKeyFilterOutlivesCleanRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	putKeys(t, s, "k", 3000)
	waitFilterReady(t, s)
	addGhosts(s)
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, keyFilterFile)); err != nil {
		t.Fatalf("no saved filter: %v", err)
	}

	s = openTest(t, dir)
	defer s.Close()
	putKeys(t, s, "after", 300) // while the file is read
	waitFilterReady(t, s)
	if n := ghosts(s); n != 20 {
		t.Fatalf("the saved filter was not used: %d of 20 keys only it had", n)
	}
	if v, err := s.getSystem(keyFilterName); err != nil || v != nil {
		t.Errorf("the saved token is still there: %q, %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(dir, keyFilterFile)); !os.IsNotExist(err) {
		t.Errorf("the saved filter file is still there: %v", err)
	}
	checkKeys(t, s, "k", 3000)
	checkKeys(t, s, "after", 300)
}

// A filter file the last shutdown did not vouch for is never used: one
// left by an earlier shutdown, one whose token was taken, a damaged one.
// The start scans instead and finds every key.
func TestKeyFilterFileMustMatchTheShutdown(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, keyFilterFile)
	s := openTest(t, dir)
	putKeys(t, s, "k", 1000)
	waitFilterReady(t, s)
	addGhosts(s)
	s.Close()
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// The start that used the file took its token: the file, put back
	// (as if that start had crashed before removing it), is not trusted.
	s = openTest(t, dir)
	putKeys(t, s, "later", 1000)
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if f, saved, err := s.takeSavedKeyFilter(1 << 30); f != nil || saved != nil || err != nil {
		t.Fatalf("a file without its token was used: %v, %v, %v", f, saved, err)
	}
	s.Close()

	// A file from an earlier shutdown, over the last one's.
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	waitFilterReady(t, s)
	if n := ghosts(s); n > 5 {
		t.Fatalf("the filter of an earlier shutdown was used: %d of 20 keys only it had", n)
	}
	checkKeys(t, s, "k", 1000)
	checkKeys(t, s, "later", 1000)
	addGhosts(s)
	s.Close()

	// A damaged file.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	defer s.Close()
	waitFilterReady(t, s)
	if n := ghosts(s); n > 5 {
		t.Fatalf("a damaged filter file was used: %d of 20 keys only it had", n)
	}
	checkKeys(t, s, "k", 1000)
	checkKeys(t, s, "later", 1000)
}

// A database the saved filter does not cover (an RDB load's, made live
// after the last start's scan) is scanned by the next start, the others
// are not: its keys are found and its missing keys ruled out.
func TestSavedKeyFilterScansWhatItDoesNotCover(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	putKeys(t, s, "k", 1000)
	waitFilterReady(t, s)
	l, err := s.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if err := l.PutKey(3, []byte(fmt.Sprint("loaded", i)), &Meta{Type: TypeString, Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Publish(Replace); err != nil {
		t.Fatal(err)
	}
	if (*s.filter.covered.Load())[s.Phys(3)] {
		t.Fatal("the loaded database is covered without a scan")
	}
	addGhosts(s)
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	waitFilterReady(t, s)
	if n := ghosts(s); n != 20 {
		t.Fatalf("the saved filter was not used: %d of 20 keys only it had", n)
	}
	if !(*s.filter.covered.Load())[s.Phys(3)] {
		t.Fatal("the loaded database is not covered after the start")
	}
	checkKeys(t, s, "k", 1000)
	s.cache.dropDB(s.Phys(3))
	tx := s.Begin()
	defer tx.Discard()
	for i := 0; i < 500; i++ {
		if m, err := tx.Meta(3, []byte(fmt.Sprint("loaded", i))); err != nil || m == nil {
			t.Fatalf("loaded%d: got %v, %v", i, m, err)
		}
	}
	absent := 0
	for i := 0; i < 1000; i++ {
		if s.filter.absent(s.Phys(3), metaKey(nil, s.Phys(3), []byte(fmt.Sprint("missing", i)))) {
			absent++
		}
	}
	if absent < 950 {
		t.Errorf("the filter ruled out only %d of 1000 missing keys of the loaded database", absent)
	}
}
