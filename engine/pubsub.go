package engine

import (
	"sort"
	"sync"

	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/resp"
)

func init() {
	register(
		cmdDef{name: "subscribe", run: func(x *Ctx) { subscribe(x, kindChannel) }},
		cmdDef{name: "psubscribe", run: func(x *Ctx) { subscribe(x, kindPattern) }},
		cmdDef{name: "ssubscribe", run: func(x *Ctx) { subscribe(x, kindShard) }},
		cmdDef{name: "unsubscribe", run: func(x *Ctx) { unsubscribe(x, kindChannel) }},
		cmdDef{name: "punsubscribe", run: func(x *Ctx) { unsubscribe(x, kindPattern) }},
		cmdDef{name: "sunsubscribe", run: func(x *Ctx) { unsubscribe(x, kindShard) }},
		cmdDef{name: "publish", run: func(x *Ctx) { cmdPublish(x, false) }},
		cmdDef{name: "spublish", run: func(x *Ctx) { cmdPublish(x, true) }},
		cmdDef{name: "pubsub|channels", run: func(x *Ctx) { pubsubChannels(x, kindChannel) }},
		cmdDef{name: "pubsub|shardchannels", run: func(x *Ctx) { pubsubChannels(x, kindShard) }},
		cmdDef{name: "pubsub|numsub", run: func(x *Ctx) { pubsubNumsub(x, kindChannel) }},
		cmdDef{name: "pubsub|shardnumsub", run: func(x *Ctx) { pubsubNumsub(x, kindShard) }},
		cmdDef{name: "pubsub|numpat", run: func(x *Ctx) { x.w.Int(int64(x.s.pubsub.count(kindPattern))) }},
		cmdDef{name: "pubsub|help", run: func(x *Ctx) { x.helpReply("pubsub") }},
	)
}

// subKind distinguishes channels, patterns and shard channels.
type subKind int

const (
	kindChannel subKind = iota
	kindPattern
	kindShard
)

var subVerbs = [...]struct{ sub, unsub, message string }{
	kindChannel: {"subscribe", "unsubscribe", "message"},
	kindPattern: {"psubscribe", "punsubscribe", "pmessage"},
	kindShard:   {"ssubscribe", "sunsubscribe", "smessage"},
}

// pubsub is the server's subscription registry. Pub/sub is independent of
// databases, as in Redis.
type pubsub struct {
	mu   sync.RWMutex
	seq  uint64                             // orders subscriptions
	subs [3]map[string]map[*Client]struct{} // by kind: name → subscribers
}

func newPubsub() *pubsub {
	p := &pubsub{}
	for i := range p.subs {
		p.subs[i] = make(map[string]map[*Client]struct{})
	}
	return p
}

// clientSubs are one client's subscriptions by kind, each with the order
// it was made in (UNSUBSCRIBE without arguments goes in that order).
type clientSubs [3]map[string]uint64

func (cs *clientSubs) total(kinds ...subKind) int {
	n := 0
	for _, k := range kinds {
		n += len(cs[k])
	}
	return n
}

// subscriptionCount is the count SUBSCRIBE-family replies report: channels
// plus patterns, or shard channels alone.
func (c *Client) subscriptionCount(kind subKind) int {
	if kind == kindShard {
		return c.subs.total(kindShard)
	}
	return c.subs.total(kindChannel, kindPattern)
}

// subscribed reports whether the client has any subscription. It is read
// for every command, so it is an atomic count kept beside the maps.
func (c *Client) subscribed() bool { return c.nsubs.Load() > 0 }

// subscribedRESP2 is the RESP2 "subscriber mode" that restricts commands.
func (c *Client) subscribedRESP2() bool { return c.protoVersion() == 2 && c.subscribed() }

// Exempt reports whether the idle timeout must spare this client
// (subscribers wait for messages, as in Redis).
func (c *Client) Exempt() bool { return c.subscribed() }

func subscribe(x *Ctx, kind subKind) {
	if kind == kindShard && x.shared {
		// Redis denies it to a client that may not block (EXEC).
		x.fail("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	p := x.s.pubsub
	for _, name := range x.args[1:] {
		p.mu.Lock()
		if x.c.subs[kind] == nil {
			x.c.subs[kind] = make(map[string]uint64)
		}
		if _, ok := x.c.subs[kind][string(name)]; !ok {
			p.seq++
			x.c.subs[kind][string(name)] = p.seq
			x.c.nsubs.Add(1)
			set := p.subs[kind][string(name)]
			if set == nil {
				set = make(map[*Client]struct{})
				p.subs[kind][string(name)] = set
			}
			set[x.c] = struct{}{}
		}
		n := x.c.subscriptionCount(kind)
		p.mu.Unlock()
		x.w.Push(3)
		x.w.BulkString(subVerbs[kind].sub)
		x.w.Bulk(name)
		x.w.Int(int64(n))
		x.pushed()
	}
}

func unsubscribe(x *Ctx, kind subKind) {
	p := x.s.pubsub
	names := x.args[1:]
	if len(names) == 0 {
		p.mu.RLock()
		subs := x.c.subs[kind]
		for name := range subs {
			names = append(names, []byte(name))
		}
		sort.Slice(names, func(i, j int) bool { return subs[string(names[i])] < subs[string(names[j])] })
		p.mu.RUnlock()
		if len(names) == 0 {
			x.w.Push(3)
			x.w.BulkString(subVerbs[kind].unsub)
			x.w.Null()
			x.w.Int(int64(x.c.subscriptionCount(kind)))
			x.pushed()
			return
		}
	}
	for _, name := range names {
		p.mu.Lock()
		p.remove(x.c, kind, string(name))
		n := x.c.subscriptionCount(kind)
		p.mu.Unlock()
		x.w.Push(3)
		x.w.BulkString(subVerbs[kind].unsub)
		x.w.Bulk(name)
		x.w.Int(int64(n))
		x.pushed()
	}
}

// remove drops one subscription; the caller holds p.mu.
func (p *pubsub) remove(c *Client, kind subKind, name string) {
	if _, ok := c.subs[kind][name]; !ok {
		return
	}
	delete(c.subs[kind], name)
	c.nsubs.Add(-1)
	if set := p.subs[kind][name]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(p.subs[kind], name)
		}
	}
}

// dropClient forgets every subscription of a client (disconnect, RESET).
func (p *pubsub) dropClient(c *Client) {
	p.mu.Lock()
	for kind := range c.subs {
		for name := range c.subs[kind] {
			p.remove(c, subKind(kind), name)
		}
	}
	p.mu.Unlock()
}

func cmdPublish(x *Ctx, shard bool) {
	send := func(c *Client, msg []byte) {
		switch {
		case c == x.selfTo:
			x.selfKeep(msg)
		case x.shared:
			// Run by EXEC or a script: it goes out after the commit, in
			// order with the keyspace notifications of the commands
			// around it.
			x.events = append(x.events, event{to: c, msg: msg})
		default:
			c.push(msg)
		}
	}
	x.w.Int(int64(x.s.pubsub.publishTo(send, x.args[1], x.args[2], shard)))
}

// encodeMessage is the message a subscriber of a channel (or of a pattern,
// given) receives, in its protocol.
func encodeMessage(proto int, kind subKind, pattern string, channel, message []byte) []byte {
	w := resp.NewWriter()
	w.SetProto(proto)
	if kind == kindPattern {
		w.Push(4)
		w.BulkString("pmessage")
		w.BulkString(pattern)
	} else {
		w.Push(3)
		w.BulkString(subVerbs[kind].message)
	}
	w.Bulk(channel)
	w.Bulk(message)
	return w.Bytes()
}

// publishTo delivers a message through send, for each subscriber, and
// returns how many clients it was for.
func (p *pubsub) publishTo(send func(c *Client, msg []byte), channel, message []byte, shard bool) int {
	var msg [2][]byte // encoded for RESP2 and RESP3
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := 0
	kind := kindChannel
	if shard {
		kind = kindShard
	}
	for c := range p.subs[kind][string(channel)] {
		i := c.protoVersion() - 2
		if msg[i] == nil {
			msg[i] = encodeMessage(i+2, kind, "", channel, message)
		}
		send(c, msg[i])
		n++
	}
	if shard {
		return n
	}
	for pattern, set := range p.subs[kindPattern] {
		if !glob.Match([]byte(pattern), channel) {
			continue
		}
		for c := range set {
			send(c, encodeMessage(c.protoVersion(), kindPattern, pattern, channel, message))
			n++
		}
	}
	return n
}

// publishToOne is publishTo for subscriber c alone.
func (p *pubsub) publishToOne(c *Client, send func([]byte), channel, message []byte) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if _, ok := c.subs[kindChannel][string(channel)]; ok {
		send(encodeMessage(c.protoVersion(), kindChannel, "", channel, message))
	}
	for pattern := range c.subs[kindPattern] {
		if glob.Match([]byte(pattern), channel) {
			send(encodeMessage(c.protoVersion(), kindPattern, pattern, channel, message))
		}
	}
}

func (p *pubsub) count(kind subKind) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.subs[kind])
}

func pubsubChannels(x *Ctx, kind subKind) {
	if len(x.args) > 3 {
		x.unknownSubcommand()
		return
	}
	p := x.s.pubsub
	var names [][]byte
	p.mu.RLock()
	for name := range p.subs[kind] {
		if len(x.args) < 3 || glob.Match(x.args[2], []byte(name)) {
			names = append(names, []byte(name))
		}
	}
	p.mu.RUnlock()
	x.w.BulkStrings(names)
}

func pubsubNumsub(x *Ctx, kind subKind) {
	p := x.s.pubsub
	x.w.Array(2 * (len(x.args) - 2))
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, name := range x.args[2:] {
		x.w.Bulk(name)
		x.w.Int(int64(len(p.subs[kind][string(name)])))
	}
}
