package engine

import (
	"slices"

	"github.com/cairndb/cairn/storage"
)

// lockStripes is the number of key lock stripes. A pipelined client holds
// the stripes of every key of its open batch (batch.go), and a command
// that finds one of its stripes taken commits the batch early and waits:
// with 50 clients pipelining 16 commands of 10 keys (MSET), 4096 stripes
// collided on most batches; 65536 (512 KB of mutexes) rarely do.
const lockStripes = 1 << 16

// lockMode says how a command is isolated from the others.
type lockMode int

const (
	lockNone lockMode = iota // no keyspace access (PING, CLIENT, CONFIG, ...)
	lockKeys                 // shared world lock + the stripes of its keys
	lockDB                   // shared world lock only (KEYS, SCAN, DBSIZE: consistent iterators)
	lockAll                  // exclusive world lock (EXEC, scripts, FLUSHALL, SWAPDB)
)

// stripesOf returns the sorted, distinct lock stripes of keys.
func stripesOf(keys [][]byte, buf []int) []int {
	buf = buf[:0]
	for _, k := range keys {
		buf = append(buf, int(storage.KeyHash(k)%lockStripes))
	}
	if len(buf) > 1 {
		slices.Sort(buf)
		buf = slices.Compact(buf)
	}
	return buf
}

func (s *Server) lockStripes(stripes []int) {
	for _, i := range stripes {
		s.stripes[i].Lock()
	}
}

// ticketsOf appends the commits still going into Pebble that last held
// the stripes (see Server.tickets). The caller holds the stripes.
func (s *Server) ticketsOf(stripes []int, out []*storage.Ticket) []*storage.Ticket {
	for _, i := range stripes {
		switch t := s.tickets[i]; {
		case t == nil:
		case t.Pending():
			out = append(out, t)
		default:
			s.tickets[i] = nil
		}
	}
	return out
}

func (s *Server) unlockStripes(stripes []int) {
	for _, i := range stripes {
		s.stripes[i].Unlock()
	}
}
