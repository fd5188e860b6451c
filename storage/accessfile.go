package storage

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/s2"
)

// The access table outlives a clean restart, as Redis's idle times and
// LFU counters outlive one in its RDB: Close writes it to accessFile in
// the data directory and Open reads it back. Every access time moves
// forward by the downtime, so idle times go on from where they stopped.
// A table of another size (the memory bound changed) is folded or spread
// to the new one: a key's slot is its hash's low bits. A missing or bad
// file leaves the table empty, which is only less precise.
//
// The file, s2-compressed: "CAIRNAT1", the slot count (u32), the unix ms
// it was written (u64), then every slot (u64); all little-endian.
const (
	accessFile   = "CAIRN-ACCESS"
	accessMagic  = "CAIRNAT1"
	accessHeader = len(accessMagic) + 4 + 8
)

var errBadAccessFile = errors.New("not an access table file")

func (t *accessTable) save(dir string) error {
	raw := make([]byte, 0, accessHeader+8*len(t.slots))
	raw = append(raw, accessMagic...)
	raw = binary.LittleEndian.AppendUint32(raw, uint32(len(t.slots)))
	raw = binary.LittleEndian.AppendUint64(raw, uint64(t.clock.Load()))
	for i := range t.slots {
		raw = binary.LittleEndian.AppendUint64(raw, t.slots[i].Load())
	}
	path := filepath.Join(dir, accessFile)
	if err := os.WriteFile(path+".tmp", s2.Encode(nil, raw), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func (t *accessTable) load(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, accessFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	raw, err := s2.Decode(nil, b)
	if err != nil {
		return err
	}
	if len(raw) < accessHeader || string(raw[:len(accessMagic)]) != accessMagic {
		return errBadAccessFile
	}
	n := int(binary.LittleEndian.Uint32(raw[len(accessMagic):]))
	savedAt := int64(binary.LittleEndian.Uint64(raw[len(accessMagic)+4:]))
	if n == 0 || n&(n-1) != 0 || len(raw) != accessHeader+8*n {
		return errBadAccessFile
	}
	now := t.clock.Load()
	shift := max(now-savedAt, 0)
	m := len(t.slots)
	for i := range n {
		v := binary.LittleEndian.Uint64(raw[accessHeader+8*i:])
		if v == 0 {
			continue
		}
		at, freq := t.read(v)
		v = pack(min(at+shift, now), freq)
		// Old slot i holds the keys whose hash ≡ i (mod n): here that is
		// slot i mod m when the table shrank, every j ≡ i (mod n) when it grew.
		for j := i & (m - 1); j < m; j += n {
			if old := t.slots[j].Load(); old == 0 || old&accessTimeMask < v&accessTimeMask {
				t.slots[j].Store(v)
			}
		}
	}
	return nil
}
