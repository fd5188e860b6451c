package storage

import (
	"errors"
	"testing"
	"time"
)

// A Tx that follows a prepared commit reads Pebble only once that commit is
// in: a pushed element is in no cache, so only Pebble can answer for it.
func TestFollowerReadsPebbleAfterTheCommitItFollows(t *testing.T) {
	s, a, oid := beginObject(t)
	a.Set(oid, []byte("x"), []byte("1"))
	if wrote, err := a.Prepare(); err != nil || !wrote {
		t.Fatalf("Prepare: %v, %v", wrote, err)
	}
	ticket := a.Ticket()
	if ticket == nil || !ticket.Pending() {
		t.Fatal("a prepared commit has no pending ticket")
	}

	type result struct {
		get  string
		iter int
	}
	done := make(chan result)
	for _, useIter := range []bool{false, true} {
		go func() {
			b := s.Begin()
			defer b.Discard()
			b.Follow(ticket)
			var r result
			if useIter {
				it, err := b.Iter(oid, nil, nil)
				if err != nil {
					t.Error(err)
				} else {
					for ok := it.First(); ok; ok = it.Next() {
						r.iter++
					}
					it.Close()
				}
			} else {
				v, _, err := b.Get(oid, []byte("x"))
				if err != nil {
					t.Error(err)
				}
				r.get = string(v)
			}
			done <- r
		}()
	}
	select {
	case r := <-done:
		t.Fatalf("a follower read before the commit it follows was in: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	if err := a.Finish(); err != nil {
		t.Fatal(err)
	}
	if ticket.Pending() {
		t.Fatal("the ticket is still pending after Finish")
	}
	var got result
	for range 2 {
		r := <-done
		got.get += r.get
		got.iter += r.iter
	}
	if got.get != "1" || got.iter != 1 {
		t.Fatalf("followers read %+v; want the committed element", got)
	}
}

// A failed commit takes with it every commit that followed it, and the hot
// cache forgets what their Prepares showed. The first commit's failure is
// made by hand (a ticket nobody writes); the rest is the real path.
func TestFailedCommitFailsItsFollowersAndEmptiesTheCache(t *testing.T) {
	s, setup, oid := beginObject(t)
	setup.Set(oid, []byte("x"), []byte("old"))
	setup.Set(oid, []byte("y"), []byte("old"))
	commit(t, setup)
	wantElem(t, s, oid, "x", "old", true) // now cached
	wantElem(t, s, oid, "y", "old", true)

	failing := &Ticket{done: make(chan struct{})}
	a := s.Begin()
	a.Follow(failing)
	a.Set(oid, []byte("x"), []byte("new"))
	if _, err := a.Prepare(); err != nil {
		t.Fatal(err)
	}
	b := s.Begin()
	b.Follow(a.Ticket())
	if v, _, err := b.Get(oid, []byte("x")); err != nil || string(v) != "new" {
		t.Fatalf("follower read x = %q, %v; want the prepared value from the cache", v, err)
	}
	b.Set(oid, []byte("y"), []byte("new"))
	if _, err := b.Prepare(); err != nil {
		t.Fatal(err)
	}
	reader := s.Begin()
	defer reader.Discard()
	reader.Follow(b.Ticket())
	readErr := make(chan error)
	go func() {
		_, _, err := reader.Get(oid, []byte("z")) // in no cache: waits for Pebble
		readErr <- err
	}()

	lost := errors.New("disk gone")
	failing.err = lost
	close(failing.done)
	if err := a.Finish(); !errors.Is(err, lost) {
		t.Fatalf("a.Finish: %v; want %v", err, lost)
	}
	if err := b.Finish(); !errors.Is(err, lost) {
		t.Fatalf("b.Finish: %v; want %v", err, lost)
	}
	if err := <-readErr; !errors.Is(err, lost) {
		t.Fatalf("reader: %v; want %v", err, lost)
	}
	wantElem(t, s, oid, "x", "old", true)
	wantElem(t, s, oid, "y", "old", true)
}
