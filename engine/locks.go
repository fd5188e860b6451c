package engine

import (
	"slices"

	"github.com/cairndb/cairn/storage"
)

const lockStripes = 4096

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

func (s *Server) unlockStripes(stripes []int) {
	for _, i := range stripes {
		s.stripes[i].Unlock()
	}
}
