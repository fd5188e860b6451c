package engine

import (
	"sync"
	"sync/atomic"

	"github.com/cairndb/cairn/storage"
)

// warmReaders is how many keys the warm-up reads at once: the disk serves
// random reads several times faster in parallel than one at a time.
const warmReaders = 8

// warmHotCache reads the keys the hot cache held before the last clean
// shutdown back into it, most recently used first, until the cache is
// full or the server stops. Each key is read under its lock, following
// the commits still on their way to Pebble, as a command reads it.
func (s *Server) warmHotCache(keys []storage.WarmKey) {
	defer s.bg.Done()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range warmReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf [1]int
			var tickets []*storage.Ticket
			for i := next.Add(1) - 1; i < int64(len(keys)); i = next.Add(1) - 1 {
				select {
				case <-s.quit:
					return
				default:
				}
				if s.store.CacheFull() {
					return
				}
				k := keys[i]
				stripes := stripesOf([][]byte{k.Key}, buf[:0])
				s.world.RLock()
				s.lockStripes(stripes)
				tx := s.store.Begin()
				tickets = s.ticketsOf(stripes, tickets[:0])
				for _, t := range tickets {
					tx.Follow(t)
				}
				err := tx.Prefetch(k.DB, k.Key)
				tx.Discard()
				s.unlockStripes(stripes)
				s.world.RUnlock()
				if err != nil {
					s.log.Warningf("Reading the hot keys of the last run back stopped: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
