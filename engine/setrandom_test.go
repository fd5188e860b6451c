package engine

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// spopWindowOf returns the members SPOP keeps for the pops of key that
// follow.
func spopWindowOf(t *testing.T, s *Server, key string) []string {
	t.Helper()
	tx := s.store.Begin()
	defer tx.Discard()
	m, err := tx.Meta(0, []byte(key))
	if err != nil || m == nil {
		t.Fatalf("meta of %s: %v, %v", key, m, err)
	}
	w, _ := tx.Memo(m.OID, spopWindowMemo).(*popWindow)
	if w == nil {
		return nil
	}
	var out []string
	for _, sub := range w.subs {
		out = append(out, string(subkeyMember(sub)))
	}
	return out
}

// bulkString decodes a RESP bulk string reply.
func bulkString(t *testing.T, reply string) string {
	t.Helper()
	head, body, ok := strings.Cut(reply, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") {
		t.Fatalf("not a bulk string: %q", reply)
	}
	return strings.TrimSuffix(body, "\r\n")
}

func TestSPopWindowChecksItsMembers(t *testing.T) {
	s := newTestServer(t, io.Discard)
	c := newTestClient(s)
	const n = 500
	members := map[string]bool{}
	args := []string{"SADD", "s"}
	for i := range n {
		m := fmt.Sprintf("m%d", i)
		members[m] = true
		args = append(args, m)
	}
	c.do(args...)

	first := bulkString(t, c.do("SPOP", "s"))
	delete(members, first)
	window := spopWindowOf(t, s, "s")
	if len(window) != spopWindow-1 {
		t.Fatalf("the first pop kept %d members for the next ones; want %d", len(window), spopWindow-1)
	}
	// Another command removes most of the window: the pops that follow
	// must not return them.
	for _, m := range window[:len(window)-2] {
		if got := c.do("SREM", "s", m); got != ":1\r\n" {
			t.Fatalf("SREM %s: %q", m, got)
		}
		delete(members, m)
	}
	popAll(t, c, "s", members)
}

// A small set's pops pick from a memo of all its members; other commands'
// writes in between must neither be popped when gone nor be lost when new.
func TestSPopSmallSetMemoFollowsOtherWrites(t *testing.T) {
	s := newTestServer(t, io.Discard)
	c := newTestClient(s)
	args := []string{"SADD", "s"}
	for i := range 200 {
		args = append(args, fmt.Sprintf("m%d", i))
	}
	c.do(args...)
	members := map[string]bool{}
	for i := range 200 {
		m := fmt.Sprintf("m%d", i)
		if i < 150 {
			c.do("SREM", "s", m) // tombstones a re-read would step over
		} else {
			members[m] = true
		}
	}
	delete(members, bulkString(t, c.do("SPOP", "s")))

	tx := s.store.Begin()
	m, err := tx.Meta(0, []byte("s"))
	if err != nil || m == nil {
		t.Fatalf("meta of s: %v, %v", m, err)
	}
	l, _ := tx.Memo(m.OID, setMembersMemo).(*memberList)
	tx.Discard()
	if l == nil || len(l.members) != 49 || l.count != 49 {
		t.Fatalf("the first pop of a 50-member set left memo %+v; want its 49 other members", l)
	}
	// The set's size stays the same, so only checking each member keeps
	// the gone one from being popped and the new one from being lost.
	gone := string(l.members[0])
	c.do("SREM", "s", gone)
	delete(members, gone)
	c.do("SADD", "s", "new")
	members["new"] = true

	popAll(t, c, "s", members)
}

// popAll pops key empty, checking that every pop returns one of members
// and that the last leaves neither a member nor the key.
func popAll(t *testing.T, c *testClient, key string, members map[string]bool) {
	t.Helper()
	for len(members) > 0 {
		m := bulkString(t, c.do("SPOP", key))
		if !members[m] {
			t.Fatalf("SPOP returned %q, which is not (or no longer) a member", m)
		}
		delete(members, m)
	}
	if got := c.do("SPOP", key); got != "$-1\r\n" {
		t.Fatalf("SPOP of the emptied set: %q", got)
	}
	if got := c.do("EXISTS", key); got != ":0\r\n" {
		t.Fatalf("EXISTS after the last pop: %q", got)
	}
}
