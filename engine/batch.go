package engine

import (
	"slices"
)

// Pipelined commands share one storage transaction: while more commands of
// the same pipeline wait in the connection's buffer, a command that only
// needs its key locks runs inside the client's open batch, which keeps the
// locks it took and commits everything as one Pebble batch when the
// pipeline ends (Flush), after maxBatch commands, or before a command that
// cannot join (blocking, exclusive, lock-free ones). Replies of a batch are
// held until it commits, so nobody — the client included — sees a write
// before it is in Pebble.
//
// Deadlock is impossible: a client waits for a lock only when it holds
// none (the first command of a batch); later commands take their missing
// stripes with TryLock and, if one is busy, commit the batch and start
// over.

const maxBatch = 64

// keptBatchKeys bounds the lists of modified keys, events and ready keys a
// client keeps for its next pipeline.
const keptBatchKeys = 4 * maxBatch

// openBatch is a client's uncommitted pipeline batch.
type openBatch struct {
	x        *Ctx // carries the shared storage transaction
	stripes  []int
	count    int
	modified []keyRef
	events   []event
	ready    []keyRef
	reads    []trackedRead
}

// joinBatch runs x inside the client's open batch (opening one if needed)
// and reports whether it did; false means x must run on its own.
func (c *Client) joinBatch(x *Ctx) bool {
	if x.cmd.lock != lockKeys || x.cmd.blocking {
		return false
	}
	keys, complete := x.keyArgs()
	if !complete {
		return false
	}
	s := c.s
	var buf [8]int
	stripes := stripesOf(keys, buf[:0])
	b := c.batch
	if b == nil {
		s.world.RLock()
		s.lockStripes(stripes)
		b = c.newBatch(stripes)
		b.x.after = s.ticketsOf(stripes, b.x.after)
		b.x.tx()
		c.batch = b
	} else if !c.lockMore(stripes) {
		return false
	}
	x.txn, x.shared = b.x.txn, true
	replyAt := c.w.Len()
	s.account(x, s.runTimed(x))
	for i := range x.events {
		x.events[i].replyAt = replyAt
	}
	b.reads = addTrackedReads(b.reads, len(b.modified), x, x)
	s.monitor(x)
	b.modified = append(b.modified, x.modified...)
	b.events = append(b.events, x.events...)
	b.ready = append(b.ready, x.ready...)
	if b.count++; b.count >= maxBatch {
		c.commitBatch()
	}
	return true
}

// newBatch opens a batch holding stripes, in the storage of the client's
// last batch: a pipeline's batch would otherwise allocate its Ctx and grow
// its lists from nothing every time.
func (c *Client) newBatch(stripes []int) *openBatch {
	b := c.lastBatch
	if b == nil {
		b = &openBatch{x: &Ctx{}}
	}
	c.lastBatch = nil
	b.x.s, b.x.c = c.s, c
	b.stripes = append(b.stripes[:0], stripes...)
	b.count = 0
	return b
}

// recycle keeps b's storage for the client's next batch, without what it
// pointed to (the released Tx, keys, tickets); lists a huge pipeline grew
// are let go.
func (c *Client) recycle(b *openBatch) {
	clear(b.modified)
	clear(b.events)
	clear(b.ready)
	clear(b.reads)
	clear(b.x.after)
	*b.x = Ctx{after: b.x.after[:0]}
	// Kept up to a few keys per command (MSET's 10 in redis-benchmark):
	// about 30 KB at most per client.
	if max(cap(b.modified), cap(b.events), cap(b.ready)) > keptBatchKeys {
		b.modified, b.events, b.ready = nil, nil, nil
	}
	b.modified, b.events, b.ready, b.reads = b.modified[:0], b.events[:0], b.ready[:0], b.reads[:0]
	c.lastBatch = b
}

// lockMore adds stripes to the open batch's set without waiting.
func (c *Client) lockMore(stripes []int) bool {
	b := c.batch
	var buf [8]int
	got := buf[:0]
	for _, i := range stripes {
		if _, held := slices.BinarySearch(b.stripes, i); held {
			continue
		}
		if !c.s.stripes[i].TryLock() {
			c.s.unlockStripes(got)
			return false
		}
		got = append(got, i)
	}
	for _, t := range c.s.ticketsOf(got, nil) {
		b.x.txn.Follow(t)
	}
	b.stripes = append(b.stripes, got...)
	slices.Sort(b.stripes)
	return true
}

// commitBatch commits the open batch, releases its replies and locks, then
// lets the server react to its writes.
func (c *Client) commitBatch() {
	b := c.batch
	if b == nil {
		return
	}
	c.batch = nil
	s := c.s
	// The stripes are released before the batch goes into Pebble: the
	// next client waiting for one of these keys runs its commands (on the
	// hot cache, which shows this batch already) while the memtable takes
	// this batch, and follows its ticket for the rest (Tx.Prepare). On a
	// key every client writes, that is most of what a batch costs.
	txn := b.x.txn
	_, err := txn.Prepare()
	if err == nil {
		if t := txn.Ticket(); t != nil {
			for _, i := range b.stripes {
				s.tickets[i] = t
			}
		}
	}
	s.unlockStripes(b.stripes)
	if err == nil {
		err = txn.Finish()
	}
	s.world.RUnlock()
	if err != nil {
		// The writes are lost: the replies that promised them must not go
		// out. Every command of the batch answers the storage error.
		s.log.Warningf("Storage error committing a pipeline: %v", err)
		c.w.Reset()
		for i := 0; i < b.count; i++ {
			c.w.Error("ERR " + err.Error())
			s.stats.countError("ERR")
		}
		b.modified, b.events, b.ready, b.reads = nil, nil, nil, nil
	}
	// The replies go out after afterWrite: the client's own notifications
	// are put among them.
	b.x.modified, b.x.events, b.x.ready, b.x.trackReads = b.modified, b.events, b.ready, b.reads
	b.x.batch = true
	s.afterWrite(b.x)
	c.emit()
	c.sendPendingInvalidations()
	c.recycle(b)
}
