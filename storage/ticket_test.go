package storage

import (
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
