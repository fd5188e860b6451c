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
	for _, e := range events {
		db := strconv.Itoa(e.db)
		if e.keyspace {
			s.pubsub.publish([]byte("__keyspace@"+db+"__:"+string(e.key)), []byte(e.name), false)
		}
		if e.keyevent {
			s.pubsub.publish([]byte("__keyevent@"+db+"__:"+e.name), e.key, false)
		}
	}
}
