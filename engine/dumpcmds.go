package engine

import (
	"errors"
	"math"

	"github.com/cairndb/cairn/rdb"
)

func init() {
	register(
		cmdDef{name: "dump", run: cmdDump},
		cmdDef{name: "restore", run: cmdRestore},
	)
}

// rdbOptions are the encoder settings the configuration asks for, used by
// DUMP and every save.
func (s *Server) rdbOptions() rdb.Options {
	return rdb.Options{Compress: s.cfg.Bool("rdbcompression"), Checksum: s.cfg.Bool("rdbchecksum"), Limits: RDBLimits(s.cfg)}
}

// RDBLimits are the configuration's *-max-* settings, which decide the
// encodings of what is saved and loaded.
func RDBLimits(c Config) rdb.Limits {
	return rdb.Limits{
		HashListpackEntries: int(min(c.Int("hash-max-listpack-entries"), math.MaxInt32)),
		HashListpackValue:   int(min(c.Int("hash-max-listpack-value"), math.MaxInt32)),
		ZSetListpackEntries: int(min(c.Int("zset-max-listpack-entries"), math.MaxInt32)),
		ZSetListpackValue:   int(min(c.Int("zset-max-listpack-value"), math.MaxInt32)),
		SetIntsetEntries:    int(min(c.Int("set-max-intset-entries"), math.MaxInt32)),
		ListListpackSize:    int(max(min(c.Int("list-max-listpack-size"), math.MaxInt32), math.MinInt32)),
		StreamNodeEntries:   int(min(c.Int("stream-node-max-entries"), math.MaxInt32)),
		StreamNodeBytes:     int(min(c.Int("stream-node-max-bytes"), math.MaxInt32)),
	}
}

// checkDump verifies a payload's footer, its checksum unless DEBUG
// SET-SKIP-CHECKSUM-VALIDATION turned that off.
func (s *Server) checkDump(payload []byte) error {
	if s.skipChecksum.Load() {
		return rdb.CheckDumpVersion(payload)
	}
	return rdb.CheckDump(payload)
}

func cmdDump(x *Ctx) {
	m := x.read(x.args[1])
	if m == nil {
		x.w.Null()
		return
	}
	obj, cur, err := rdbObject(x.tx(), m)
	x.must(err)
	payload, err := rdb.EncodeDump(obj, x.s.rdbOptions())
	x.must(errors.Join(err, cur.close()))
	x.w.Bulk(payload)
}

// lfuInitVal is the LFU counter of a new key (Redis's LFU_INIT_VAL).
const lfuInitVal = 5

// restoreOptions are RESTORE's REPLACE, ABSTTL, IDLETIME and FREQ.
type restoreOptions struct {
	replace, absTTL bool
	idle, freq      int64 // -1 when not given
}

func parseRestoreOptions(x *Ctx) (restoreOptions, bool) {
	o := restoreOptions{idle: -1, freq: -1}
	for i := 4; i < len(x.args); i++ {
		more := i+1 < len(x.args)
		switch a := x.args[i]; {
		case eq(a, "replace"):
			o.replace = true
		case eq(a, "absttl"):
			o.absTTL = true
		case eq(a, "idletime") && more && o.freq == -1:
			n, ok := x.intArg(i + 1)
			if !ok {
				return o, false
			}
			if n < 0 {
				x.fail("ERR Invalid IDLETIME value, must be >= 0")
				return o, false
			}
			o.idle = n
			i++
		case eq(a, "freq") && more && o.idle == -1:
			n, ok := x.intArg(i + 1)
			if !ok {
				return o, false
			}
			if n < 0 || n > 255 {
				x.fail("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return o, false
			}
			o.freq = n
			i++
		default:
			x.fail(errSyntax)
			return o, false
		}
	}
	return o, true
}

// cmdRestore follows Redis's order of checks: options, an existing key,
// the TTL, the payload's footer, then its content.
func cmdRestore(x *Ctx) {
	key := x.args[1]
	o, ok := parseRestoreOptions(x)
	if !ok {
		return
	}
	old := x.lookup(x.db, key)
	if !o.replace && old != nil {
		x.fail("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := x.intArg(2)
	if !ok {
		return
	}
	if ttl < 0 {
		x.fail("ERR Invalid TTL value, must be >= 0")
		return
	}
	if err := x.s.checkDump(x.args[3]); err != nil {
		x.fail("ERR DUMP payload version or checksum are wrong")
		return
	}
	deep := x.sanitizePayload()
	if !validPayload(x.args[3], deep) {
		x.fail("ERR Bad data format")
		return
	}
	if ttl != 0 && !o.absTTL {
		ttl += x.now
	}
	if ttl != 0 && ttl <= x.now {
		// Already expired: nothing is created, the old key goes.
		if old != nil {
			x.put(key, nil)
			x.notify(classGeneric, "del", key)
		}
		x.w.OK()
		return
	}
	v, err := rdb.DecodeDump(x.args[3], deep)
	x.must(err)
	m, err := rdbLoad(&rdbLoadCtx{tx: x.tx(), flush: noFlush, cfg: x.s.cfg, x: x}, v)
	x.must(err)
	m.Expire = ttl
	x.putAnew(x.db, key, m)
	// The key is a new object, accessed now with LFU_INIT_VAL, even where
	// it replaces one, whose access record would stay. Then, like Redis,
	// IDLETIME applies under an LRU policy, FREQ under LFU.
	idle, freq := int64(0), lfuInitVal
	if lfu := x.lfuPolicy(); lfu && o.freq >= 0 {
		freq = int(o.freq)
	} else if !lfu && o.idle >= 0 {
		idle = o.idle * 1000
	}
	x.must(x.tx().SetAccess(x.db, key, idle, freq))
	x.notify(classGeneric, "restore", key)
	x.w.OK()
}

// sanitizePayload says whether RESTORE makes Redis's deep checks of its
// payload: under sanitize-dump-payload yes, or clients, unless the client
// is the master or its ACL user has skip-sanitize-payload. Without them
// Cairn still refuses what it cannot read or hold.
func (x *Ctx) sanitizePayload() bool {
	switch x.s.cfg.String("sanitize-dump-payload") {
	case "yes":
		return true
	case "clients":
		if x.c == nil || x.c.fromMaster.Load() {
			return false
		}
		u := x.c.aclUser.Load()
		return u == nil || u.get().sanitize != sanitizeSkip
	}
	return false
}

// validPayload decodes a whole payload before anything is written, so a
// bad one leaves nothing behind: its type must be one Cairn converts, its
// content well formed and, as Redis requires, a collection not empty and
// free of duplicate members.
func validPayload(payload []byte, deep bool) bool {
	v, err := rdb.DecodeDump(payload, deep)
	if err != nil || rdbByKind[v.Kind()] == nil {
		return false
	}
	switch v.Kind() {
	case rdb.KindString:
		return true
	case rdb.KindStream:
		return v.Drain() == nil
	}
	// Every element is read: a payload is in memory anyway, and a
	// duplicate member, which Redis refuses, must be found before writing.
	seen := map[string]bool{}
	for {
		e, ok, err := v.Next()
		if err != nil {
			return false
		}
		if !ok {
			return len(seen) > 0
		}
		if v.Kind() != rdb.KindList {
			if seen[string(e.Member)] {
				return false
			}
		}
		seen[string(e.Member)] = true
	}
}
