package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/storage"
)

func init() {
	register(
		cmdDef{name: "del", run: cmdDel},
		cmdDef{name: "unlink", run: cmdDel},
		cmdDef{name: "exists", run: cmdExists},
		cmdDef{name: "touch", run: cmdTouch},
		cmdDef{name: "type", run: cmdType},
		cmdDef{name: "keys", run: cmdKeys, lock: lockDB},
		cmdDef{name: "scan", run: cmdScan, lock: lockDB},
		cmdDef{name: "randomkey", run: cmdRandomKey, lock: lockDB},
		cmdDef{name: "dbsize", run: cmdDBSize, lock: lockDB},
		cmdDef{name: "rename", run: func(x *Ctx) { rename(x, false) }},
		cmdDef{name: "renamenx", run: func(x *Ctx) { rename(x, true) }},
		cmdDef{name: "copy", run: cmdCopy},
		cmdDef{name: "move", run: cmdMove},
		cmdDef{name: "swapdb", run: cmdSwapDB, lock: lockAll},
		cmdDef{name: "flushdb", run: cmdFlushDB, lock: lockAll},
		cmdDef{name: "flushall", run: cmdFlushAll, lock: lockAll},
		cmdDef{name: "expire", run: func(x *Ctx) { expireGeneric(x, x.now, true) }},
		cmdDef{name: "pexpire", run: func(x *Ctx) { expireGeneric(x, x.now, false) }},
		cmdDef{name: "expireat", run: func(x *Ctx) { expireGeneric(x, 0, true) }},
		cmdDef{name: "pexpireat", run: func(x *Ctx) { expireGeneric(x, 0, false) }},
		cmdDef{name: "ttl", run: func(x *Ctx) { ttlGeneric(x, false, false) }},
		cmdDef{name: "pttl", run: func(x *Ctx) { ttlGeneric(x, true, false) }},
		cmdDef{name: "expiretime", run: func(x *Ctx) { ttlGeneric(x, false, true) }},
		cmdDef{name: "pexpiretime", run: func(x *Ctx) { ttlGeneric(x, true, true) }},
		cmdDef{name: "persist", run: cmdPersist},
		cmdDef{name: "object|encoding", run: cmdObjectEncoding},
		cmdDef{name: "object|freq", run: cmdObjectFreq},
		cmdDef{name: "object|idletime", run: cmdObjectIdletime},
		cmdDef{name: "object|refcount", run: cmdObjectRefcount},
		cmdDef{name: "object|help", run: func(x *Ctx) { x.helpReply("object") }},
	)
}

func cmdDel(x *Ctx) {
	var n int64
	for _, key := range x.args[1:] {
		if x.lookup(x.db, key) != nil {
			x.put(key, nil)
			x.notify(classGeneric, "del", key)
			n++
		}
	}
	x.w.Int(n)
}

// cmdExists is EXISTS and TOUCH: both count the keys that exist, repeated
// names counted each time.
func cmdExists(x *Ctx) {
	var n int64
	for _, key := range x.args[1:] {
		if x.peek(key) != nil {
			n++
		}
	}
	x.w.Int(n)
}

// cmdTouch is EXISTS that counts as an access, as TOUCH is meant to.
func cmdTouch(x *Ctx) {
	var n int64
	for _, key := range x.args[1:] {
		if x.read(key) != nil {
			n++
		}
	}
	x.w.Int(n)
}

func cmdType(x *Ctx) {
	m := x.peek(x.args[1])
	if m == nil {
		x.w.Simple("none")
		return
	}
	x.w.Simple(m.Type.String())
}

// alive reports whether a key seen by an iterator has not expired.
func (x *Ctx) alive(m *storage.Meta) bool { return m.Expire == 0 || m.Expire > x.now }

func cmdKeys(x *Ctx) {
	pattern := x.args[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys [][]byte
	_, err := x.tx().ScanKeys(x.db, 0, 0, func(key []byte, m *storage.Meta) {
		if x.alive(m) && (all || glob.Match(pattern, key)) {
			keys = append(keys, append([]byte(nil), key...))
		}
	})
	x.must(err)
	x.w.BulkStrings(keys)
}

// parseCursor parses a SCAN cursor like Redis's strtoul-based parser: an
// optional sign (negative values wrap), digits, nothing else.
func parseCursor(b []byte) (uint64, bool) {
	s := string(b)
	if s == "" {
		return 0, true
	}
	if isSpace(s[0]) {
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// scanOptions are SCAN's MATCH, COUNT and TYPE (also used by the SSCAN
// family).
type scanOptions struct {
	pattern []byte
	count   int
	typ     string
}

func parseScanOptions(x *Ctx, from int, allowType bool) (scanOptions, bool) {
	o := scanOptions{count: 10}
	for i := from; i < len(x.args); i += 2 {
		if i+1 >= len(x.args) {
			x.fail(errSyntax)
			return o, false
		}
		switch a := x.args[i]; {
		case eq(a, "count"):
			n, ok := x.intArg(i + 1)
			if !ok {
				return o, false
			}
			if n < 1 {
				x.fail(errSyntax)
				return o, false
			}
			o.count = int(min(n, math.MaxInt32))
		case eq(a, "match"):
			o.pattern = x.args[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		case allowType && eq(a, "type"):
			o.typ = strings.ToLower(string(x.args[i+1]))
		default:
			x.fail(errSyntax)
			return o, false
		}
	}
	return o, true
}

func cmdScan(x *Ctx) {
	cursor, ok := parseCursor(x.args[1])
	if !ok {
		x.fail(errCursor)
		return
	}
	o, ok := parseScanOptions(x, 2, true)
	if !ok {
		return
	}
	var keys [][]byte
	next, err := x.tx().ScanKeys(x.db, cursor, o.count, func(key []byte, m *storage.Meta) {
		if !x.alive(m) || (o.typ != "" && m.Type.String() != o.typ) {
			return
		}
		if o.pattern == nil || glob.Match(o.pattern, key) {
			keys = append(keys, append([]byte(nil), key...))
		}
	})
	x.must(err)
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.BulkStrings(keys)
}

func cmdRandomKey(x *Ctx) {
	key, ok, err := x.tx().KeyAt(x.db, rand.Uint32(), func(_ []byte, m *storage.Meta) bool { return !x.alive(m) })
	x.must(err)
	if !ok {
		x.w.Null()
		return
	}
	x.w.Bulk(key)
}

func cmdDBSize(x *Ctx) {
	keys, _, _ := x.s.store.KeyStats(x.db)
	x.w.Int(keys + x.tx().KeyDelta(x.db))
}

func rename(x *Ctx, nx bool) {
	src, dst := x.args[1], x.args[2]
	m := x.lookup(x.db, src)
	if m == nil {
		x.fail(errNoSuchKey)
		return
	}
	if string(src) == string(dst) {
		if nx {
			x.w.Int(0)
		} else {
			x.w.OK()
		}
		return
	}
	if old := x.lookup(x.db, dst); old != nil {
		if nx {
			x.w.Int(0)
			return
		}
	}
	x.put(src, nil)
	x.putAnew(x.db, dst, m)
	x.notify(classGeneric, "rename_from", src)
	x.notify(classGeneric, "rename_to", dst)
	if nx {
		x.w.Int(1)
	} else {
		x.w.OK()
	}
}

// dbArg parses a database index argument, replying Redis's errors.
func (x *Ctx) dbArg(i int) (int, bool) {
	n, ok := parseInt(x.args[i])
	if !ok || n != int64(int32(n)) {
		x.fail(errNotInt)
		return 0, false
	}
	if n < 0 || n >= int64(x.s.conf().databases) {
		x.fail(errDBIndex)
		return 0, false
	}
	return int(n), true
}

func cmdCopy(x *Ctx) {
	src, dst := x.args[1], x.args[2]
	db, replace := x.db, false
	for i := 3; i < len(x.args); i++ {
		switch {
		case eq(x.args[i], "replace"):
			replace = true
		case eq(x.args[i], "db") && i+1 < len(x.args):
			var ok bool
			if db, ok = x.dbArg(i + 1); !ok {
				return
			}
			i++
		default:
			x.fail(errSyntax)
			return
		}
	}
	if db == x.db && string(src) == string(dst) {
		x.fail(errSameObject)
		return
	}
	m := x.read(src)
	if m == nil {
		x.w.Int(0)
		return
	}
	if x.lookup(db, dst) != nil {
		if !replace {
			x.w.Int(0)
			return
		}
	}
	n := *m
	if n.Type == storage.TypeString && n.Enc == encStringAuto {
		n.Enc = encStringCopied
	}
	if m.OID != 0 {
		n.OID = x.newOID()
		x.must(x.tx().CopyObject(m.OID, n.OID))
	}
	x.putAnew(db, dst, &n)
	x.notifyIn(db, classGeneric, "copy_to", dst)
	x.w.Int(1)
}

func cmdMove(x *Ctx) {
	key := x.args[1]
	n, ok := parseInt(x.args[2])
	if !ok || n != int64(int32(n)) {
		x.fail(errNotInt)
		return
	}
	if n < 0 || n >= int64(x.s.conf().databases) {
		x.fail(errDBIndex)
		return
	}
	db := int(n)
	if db == x.db {
		x.fail(errSameObject)
		return
	}
	m := x.lookup(x.db, key)
	if m == nil || x.lookup(db, key) != nil {
		x.w.Int(0)
		return
	}
	x.put(key, nil)
	x.putIn(db, key, m)
	x.notify(classGeneric, "move_from", key)
	x.notifyIn(db, classGeneric, "move_to", key)
	x.w.Int(1)
}

func cmdSwapDB(x *Ctx) {
	a, ok := parseInt(x.args[1])
	if !ok || a != int64(int32(a)) {
		x.fail("ERR invalid first DB index")
		return
	}
	b, ok := parseInt(x.args[2])
	if !ok || b != int64(int32(b)) {
		x.fail("ERR invalid second DB index")
		return
	}
	dbs := int64(x.s.conf().databases)
	if a < 0 || a >= dbs || b < 0 || b >= dbs {
		x.fail(errDBIndex)
		return
	}
	if a != b {
		x.s.watches.touchDB(x, int(a), int(b))
		x.s.watches.touchDB(x, int(b), int(a))
		x.must(x.s.store.SwapDBs(int(a), int(b)))
		x.ready = append(x.ready, x.s.blocking.keysIn(int(a), int(b))...)
	}
	x.w.OK()
}

// parseFlushMode accepts FLUSHDB/FLUSHALL's optional ASYNC or SYNC. Both
// are O(1) here: the database is detached and reclaimed in the background.
func parseFlushMode(x *Ctx) bool {
	if len(x.args) > 2 || (len(x.args) == 2 && !eq(x.args[1], "async") && !eq(x.args[1], "sync")) {
		x.fail(errSyntax)
		return false
	}
	return true
}

func cmdFlushDB(x *Ctx) {
	if !parseFlushMode(x) {
		return
	}
	x.s.watches.touchDB(x, x.db, -1)
	x.must(x.s.store.FlushDBs(x.db))
	x.ready = append(x.ready, x.s.blocking.keysIn(x.db)...) // XREADGROUP waiters fail
	x.s.stats.dirty.Add(1)
	x.s.invalidateAll(x.c)
	x.w.OK()
}

func cmdFlushAll(x *Ctx) {
	if !parseFlushMode(x) {
		return
	}
	all := x.s.allDBs()
	for _, i := range all {
		x.s.watches.touchDB(x, i, -1)
	}
	x.must(x.s.store.FlushDBs(all...))
	x.ready = append(x.ready, x.s.blocking.keysIn(all...)...) // XREADGROUP waiters fail
	x.s.stats.dirty.Add(1)
	x.s.invalidateAll(x.c)
	x.w.OK()
}

func expireGeneric(x *Ctx, base int64, seconds bool) {
	var nx, xx, gt, lt bool
	for _, opt := range x.args[3:] {
		switch {
		case eq(opt, "nx"):
			nx = true
		case eq(opt, "xx"):
			xx = true
		case eq(opt, "gt"):
			gt = true
		case eq(opt, "lt"):
			lt = true
		default:
			x.failf("ERR Unsupported option %s", opt)
			return
		}
	}
	if nx && (xx || gt || lt) {
		x.fail("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	if gt && lt {
		x.fail("ERR GT and LT options at the same time are not compatible")
		return
	}
	when, ok := x.intArg(2)
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			x.failf(errInvalidExpire, x.cmd.name)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		x.failf(errInvalidExpire, x.cmd.name)
		return
	}
	when += base
	key := x.args[1]
	m := x.lookup(x.db, key)
	if m == nil {
		x.w.Int(0)
		return
	}
	cur := m.Expire
	if (nx && cur != 0) || (xx && cur == 0) || (gt && (cur == 0 || when <= cur)) || (lt && cur != 0 && when >= cur) {
		x.w.Int(0)
		return
	}
	if when <= x.now {
		x.put(key, nil)
		x.notify(classGeneric, "del", key)
		x.w.Int(1)
		return
	}
	n := *m
	n.Expire = when
	x.put(key, &n)
	x.notify(classGeneric, "expire", key)
	x.w.Int(1)
}

func ttlGeneric(x *Ctx, ms, absolute bool) {
	m := x.peek(x.args[1])
	if m == nil {
		x.w.Int(-2)
		return
	}
	if m.Expire == 0 {
		x.w.Int(-1)
		return
	}
	ttl := m.Expire
	if !absolute {
		ttl -= x.now
	}
	ttl = max(ttl, 0)
	if !ms {
		ttl = ttl/1000 + (ttl%1000+500)/1000 // rounded, without overflowing near 2^63
	}
	x.w.Int(ttl)
}

func cmdPersist(x *Ctx) {
	key := x.args[1]
	m := x.lookup(x.db, key)
	if m == nil || m.Expire == 0 {
		x.w.Int(0)
		return
	}
	n := *m
	n.Expire = 0
	x.put(key, &n)
	x.notify(classGeneric, "persist", key)
	x.w.Int(1)
}

func cmdObjectEncoding(x *Ctx) {
	m := x.objectLookup(x.args[2])
	if m == nil {
		x.w.Null()
		return
	}
	x.w.BulkString(x.s.encodingOf(m))
}

// encodingOf names the encoding Redis 7.0 would use for the same value
// under the same thresholds. Each type's file adds its case.
func (s *Server) encodingOf(m *storage.Meta) string {
	if enc := encodingNames[m.Type]; enc != nil {
		return enc(s, m)
	}
	return "raw"
}

// encodingNames maps a type to the function naming its encoding.
var encodingNames = map[storage.Type]func(*Server, *storage.Meta) string{
	storage.TypeString: func(_ *Server, m *storage.Meta) string {
		if m.Enc == encStringRaw {
			return "raw"
		}
		if len(m.Value) <= 20 && m.Enc != encStringNoInt {
			if _, ok := parseLong(m.Value); ok {
				return "int"
			}
		}
		if len(m.Value) <= 44 {
			return "embstr"
		}
		return "raw"
	},
}

// parseLong is Redis's string2l: string2ll restricted to a C long.
func parseLong(b []byte) (int64, bool) { return parseInt(b) }

func (x *Ctx) lfuPolicy() bool {
	return strings.Contains(x.s.cfg.String("maxmemory-policy"), "lfu")
}

func cmdObjectFreq(x *Ctx) {
	freq := x.s.store.AccessFreq(x.db, x.args[2])
	m := x.objectLookup(x.args[2])
	if m == nil {
		x.w.Null()
		return
	}
	if !x.lfuPolicy() {
		x.fail("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	x.w.Int(int64(freq))
}

func cmdObjectIdletime(x *Ctx) {
	idle := x.s.store.IdleSeconds(x.db, x.args[2])
	m := x.objectLookup(x.args[2])
	if m == nil {
		x.w.Null()
		return
	}
	if x.lfuPolicy() {
		x.fail("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	x.w.Int(idle)
}

func cmdObjectRefcount(x *Ctx) {
	m := x.objectLookup(x.args[2])
	if m == nil {
		x.w.Null()
		return
	}
	// Redis shares the objects of small integers (0..9999) unless an LRU or
	// LFU policy needs per-key access data.
	if m.Type == storage.TypeString && m.Enc == encStringAuto {
		policy := x.s.cfg.String("maxmemory-policy")
		if n, ok := parseLong(m.Value); ok && n >= 0 && n < 10000 && !(x.s.cfg.Int("maxmemory") > 0 && (strings.Contains(policy, "lru") || strings.Contains(policy, "lfu"))) {
			x.w.Int(math.MaxInt32)
			return
		}
	}
	x.w.Int(1)
}
