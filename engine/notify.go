package engine

import (
	"strconv"
	"strings"
)

// notifyFlags is the parsed notify-keyspace-events setting.
type notifyFlags struct {
	keyspace, keyevent bool
	classes            string // class characters enabled
}

// parseNotifyFlags reads the class characters of notify-keyspace-events;
// "A" is the alias of "g$lshzxetd" (not m or n, as in Redis).
func parseNotifyFlags(v string) notifyFlags {
	var f notifyFlags
	var classes strings.Builder
	for _, ch := range v {
		switch ch {
		case 'K':
			f.keyspace = true
		case 'E':
			f.keyevent = true
		case 'A':
			classes.WriteString("g$lshzxetd")
		default:
			classes.WriteRune(ch)
		}
	}
	f.classes = classes.String()
	return f
}

// wants reports whether events of a class are published.
func (f *notifyFlags) wants(class byte) bool {
	return f != nil && (f.keyspace || f.keyevent) && strings.IndexByte(f.classes, class) >= 0
}

// publishEvents sends the keyspace notifications a command queued.
func (s *Server) publishEvents(events []event) {
	s.publishEventsOf(nil, events)
}

// publishBatchEvents publishes the events of a pipeline's batch, whose
// replies wait in c.w: the messages to c itself go into those replies,
// each before the reply of the command that raised it, where Redis
// writes them while running the command.
func (s *Server) publishBatchEvents(c *Client, events []event) {
	own := s.publishEventsOf(c, events)
	if len(own) == 0 {
		return
	}
	replies := c.w.Bytes()
	out := make([]byte, 0, len(replies)+len(own)*64)
	done := 0
	for _, m := range own {
		out = append(append(out, replies[done:m.at]...), m.msg...)
		done = m.at
	}
	out = append(out, replies[done:]...)
	c.w.Reset()
	c.w.Raw(out)
}

// ownMessage is a message publishEventsOf kept for the publishing client.
type ownMessage struct {
	at  int
	msg []byte
}

// publishEventsOf publishes events and returns, instead of sending them,
// the messages to client own (if not nil), in order.
func (s *Server) publishEventsOf(own *Client, events []event) []ownMessage {
	var kept []ownMessage
	for _, e := range events {
		var keep func([]byte)
		if own != nil {
			keep = func(msg []byte) { kept = append(kept, ownMessage{e.replyAt, msg}) }
		}
		db := strconv.Itoa(e.db)
		if e.keyspace {
			s.pubsub.publishTo(own, keep, []byte("__keyspace@"+db+"__:"+string(e.key)), []byte(e.name), false)
		}
		if e.keyevent {
			s.pubsub.publishTo(own, keep, []byte("__keyevent@"+db+"__:"+e.name), e.key, false)
		}
	}
	return kept
}
