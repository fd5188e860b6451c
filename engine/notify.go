package engine

import (
	"slices"
	"sort"
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

// each calls fn with the channel and message of each notification e sends.
func (e *event) each(fn func(channel, message []byte)) {
	db := strconv.Itoa(e.db)
	if e.keyspace {
		fn([]byte("__keyspace@"+db+"__:"+string(e.key)), []byte(e.name))
	}
	if e.keyevent {
		fn([]byte("__keyevent@"+db+"__:"+e.name), e.key)
	}
}

// publishOwn gives client c its own copy of a notification, to keep.
func (s *Server) publishOwn(c *Client, e *event, keep func([]byte)) {
	if !c.subscribed() {
		return
	}
	e.each(func(channel, message []byte) { s.pubsub.publishToOne(c, keep, channel, message) })
}

// announce sends what a command's writes tell other clients, once they
// are committed, in the order Redis sends it as the command runs: each
// key's invalidation and the notifications and messages around it, then
// the BCAST invalidations (Redis sends those before it sleeps, so the
// writer's come after its reply).
func (s *Server) announce(x *Ctx) {
	inv := invalidation{writer: x.c, mods: x.modified, reads: x.trackReads,
		replying: x.c != nil && (x.w == x.c.w || x.batch)}
	if !slices.ContainsFunc(x.events, func(e event) bool { return e.signal == 0 }) {
		// Nothing but invalidations: one pass.
		if len(x.modified) > 0 || len(x.trackReads) > 0 {
			s.invalidateNext(&inv, len(x.modified))
			s.invalidatePrefixes(&inv)
		}
		return
	}
	// Messages for x.c that go among its replies: another client's
	// invalidations redirected to it, where its command wrote the keys;
	// the notifications of its script's commands, at their replyAt
	// (x.batch; scripting_run.go).
	var own []ownMessage
	for i := range x.events {
		e := &x.events[i]
		switch {
		case e.signal > 0:
			inv.inline = nil
			if inv.replying && e.signalAt >= 0 {
				inv.inline = func(msg []byte) { own = append(own, ownMessage{e.signalAt, msg}) }
			}
			s.invalidateNext(&inv, e.signal)
		case e.to != nil:
			e.to.push(e.msg)
		default:
			e.each(func(channel, message []byte) {
				s.pubsub.publishTo(func(c *Client, msg []byte) {
					switch {
					case c == e.skip:
					case x.batch && c == x.c:
						own = append(own, ownMessage{e.replyAt, msg})
					default:
						c.push(msg)
					}
				}, channel, message, false)
			})
		}
	}
	inv.inline = nil
	s.invalidateNext(&inv, len(x.modified)-inv.done)
	s.invalidatePrefixes(&inv)
	if len(own) == 0 {
		return
	}
	sort.SliceStable(own, func(i, j int) bool { return own[i].at < own[j].at })
	replies := x.c.w.Bytes()
	out := make([]byte, 0, len(replies)+len(own)*64)
	done := 0
	for _, m := range own {
		out = append(append(out, replies[done:m.at]...), m.msg...)
		done = m.at
	}
	out = append(out, replies[done:]...)
	x.c.w.Reset()
	x.c.w.Raw(out)
}

// ownMessage is a message announce keeps for the writing client.
type ownMessage struct {
	at  int
	msg []byte
}
