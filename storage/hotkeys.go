package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/klauspost/compress/s2"
)

// The hot cache's keys outlive a clean restart as a hint: Close writes the
// meta keys of the cached records, most recently used first, to
// hotKeysFile; the next start takes the list (and removes the file), and
// the engine reads those keys back into the cache in the background
// (TakeWarmKeys, Tx.Prefetch), so that a restarted server does not serve
// its hot keys from the disk until a client has asked for each. A stale
// or damaged list only wastes reads: every key is read from Pebble under
// its lock, as a command reads it.
//
// The file, s2-compressed: "CAIRNHK1", then each meta key's length
// (uvarint) and bytes.
const (
	hotKeysFile  = "CAIRN-HOTKEYS"
	hotKeysMagic = "CAIRNHK1"
)

var errBadHotKeysFile = errors.New("not a hot keys file")

// hotMetaKeys returns the meta keys of the cached records of existing
// keys, most recently used first.
func (c *cache) hotMetaKeys() [][]byte {
	type hot struct {
		key    string
		access uint32
	}
	var all []hot
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if e.meta != nil && len(k) > 0 && k[0] == roleMeta {
				all = append(all, hot{k, e.access})
			}
		}
		s.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b hot) int { return int(b.access) - int(a.access) })
	keys := make([][]byte, len(all))
	for i, h := range all {
		keys[i] = []byte(h.key)
	}
	return keys
}

func (s *Store) saveHotKeys() error {
	keys := s.cache.hotMetaKeys()
	path := filepath.Join(s.dir, hotKeysFile)
	if len(keys) == 0 {
		os.Remove(path)
		return nil
	}
	raw := []byte(hotKeysMagic)
	for _, k := range keys {
		raw = binary.AppendUvarint(raw, uint64(len(k)))
		raw = append(raw, k...)
	}
	if err := os.WriteFile(path+".tmp", s2.Encode(nil, raw), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// loadHotKeys reads the list the last clean shutdown left, for
// TakeWarmKeys, and removes it: a later start must not prefetch keys of
// a dataset that has moved on.
func (s *Store) loadHotKeys() error {
	path := filepath.Join(s.dir, hotKeysFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	os.Remove(path)
	if err != nil {
		return err
	}
	raw, err := s2.Decode(nil, b)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(raw, []byte(hotKeysMagic)) {
		return errBadHotKeysFile
	}
	raw = raw[len(hotKeysMagic):]
	var keys [][]byte
	for len(raw) > 0 {
		n, w := binary.Uvarint(raw)
		if w <= 0 || n > uint64(len(raw)-w) || n < 9 {
			return errBadHotKeysFile
		}
		keys = append(keys, raw[w:w+int(n):w+int(n)])
		raw = raw[w+int(n):]
	}
	s.warm = keys
	return nil
}

// A WarmKey is a key the hot cache held before the last clean shutdown.
type WarmKey struct {
	DB  int
	Key []byte
}

// TakeWarmKeys returns the keys the hot cache held before the last clean
// shutdown, most recently used first, in the databases that still hold
// them; only the first call gets them.
func (s *Store) TakeWarmKeys() []WarmKey {
	var out []WarmKey
	for _, mkey := range s.warm {
		if mkey[0] != roleMeta {
			continue
		}
		db := s.Logical(binary.BigEndian.Uint32(mkey[1:5]))
		if db < 0 {
			continue
		}
		_, key := splitMetaKey(mkey)
		out = append(out, WarmKey{DB: db, Key: key})
	}
	s.warm = nil
	return out
}

// CacheFull reports whether the hot cache has no room left for keys
// nobody asked for.
func (s *Store) CacheFull() bool {
	return s.cache.full.Load() || s.cache.shardBudget.Load() <= 0
}

// Prefetch reads the key's meta record into the hot cache unless the
// cache has it, without counting a lookup or an access: OBJECT IDLETIME,
// eviction and the cache's own admission see clients' reads only. The
// caller holds the key's lock, as for any read.
func (tx *Tx) Prefetch(db int, key []byte) error {
	mkey := metaKey(nil, tx.s.Phys(db), key)
	hash, _ := splitMetaKey(mkey)
	if tx.s.CacheFull() || tx.s.cache.has(hash, mkey) {
		return nil
	}
	if err := tx.settle(); err != nil {
		return err
	}
	m, err := tx.s.readMeta(mkey)
	if err != nil || m == nil {
		return err
	}
	tx.s.cache.put(hash, mkey, m)
	tx.s.cache.prefetched.Add(1)
	return nil
}

// Prefetched counts the keys Prefetch read into the hot cache.
func (s *Store) Prefetched() int64 { return s.cache.prefetched.Load() }
