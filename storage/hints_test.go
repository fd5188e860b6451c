package storage

import "testing"

// A table past its bounds forgets the small hints but keeps a large memo,
// which would cost a scan of its whole object to learn again.
func TestFullHintTableKeepsLargeMemos(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commit := func(tx *Tx) {
		t.Helper()
		if _, err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	tx := s.Begin()
	for oid := range uint64(maxHints + 10) {
		tx.SetHint(oid, 'z', []byte("low"))
	}
	tx.SetMemo(1<<40, 'I', "index", 64<<10)
	commit(tx)
	tx = s.Begin()
	tx.SetHint(1<<41, 'z', []byte("new"))
	commit(tx) // finds the table full

	tx = s.Begin()
	defer tx.Discard()
	if tx.Memo(1<<40, 'I') != "index" {
		t.Fatal("the large memo was dropped")
	}
	if tx.Hint(5, 'z') != nil {
		t.Fatal("a small hint outlived a full table")
	}
	if string(tx.Hint(1<<41, 'z')) != "new" {
		t.Fatal("the hint published last is missing")
	}
	if n := len(s.hints.m); n != 2 {
		t.Fatalf("%d hints left, want 2", n)
	}
}
