package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// The key filter outlives a clean restart, so that a start does not read
// every meta record of the store again (for 1 KB strings, the whole
// dataset) before lookups of new keys can skip Pebble. Close writes the
// filter to keyFilterFile, then the file's token to the system record
// keyFilterName in the same synced write as the end of the log. Open
// reads the record and deletes it, durably, before anything can write,
// and shapes the new filter after the file's header; the words are read
// in the background (a big filter would delay the first PONG) and used
// only if the token matches and the checksum is right. So the file is
// used only after a clean shutdown and only by the start that follows it:
// after a crash, a failed save, or a damaged or missing file, the filter
// is built by the scan, as always. Close runs after every writer has
// stopped (it closes Pebble next), so the saved filter holds every key.
//
// The file: "CAIRNKF1", token (u64), seed (u64), limit (u64), added
// (u64), the number of words (u32), the number of covered physical
// databases (u32), their ids (u32 each), the words (u64 each), then the
// CRC-32C of all of it (u32); little-endian.
const (
	keyFilterFile   = "CAIRN-KEYFILTER"
	keyFilterMagic  = "CAIRNKF1"
	keyFilterName   = "keyfilter"
	keyFilterHeader = len(keyFilterMagic) + 4*8 + 2*4
)

var errBadKeyFilterFile = errors.New("not a key filter file")

// saveKeyFilter writes a complete filter for the next start; Close calls
// it and commits the batch, which holds the file's token, with its last
// synced write.
func (s *Store) saveKeyFilter(b *pebble.Batch) error {
	f := s.filter
	if f == nil || !f.ready.Load() {
		return nil
	}
	covered := f.covered.Load()
	token := rand.Uint64()
	raw := make([]byte, 0, keyFilterHeader+4*len(*covered)+8*len(f.words)+4)
	raw = append(raw, keyFilterMagic...)
	raw = binary.LittleEndian.AppendUint64(raw, token)
	raw = binary.LittleEndian.AppendUint64(raw, f.seed)
	raw = binary.LittleEndian.AppendUint64(raw, uint64(f.limit))
	raw = binary.LittleEndian.AppendUint64(raw, uint64(f.added.Load()))
	raw = binary.LittleEndian.AppendUint32(raw, uint32(len(f.words)))
	raw = binary.LittleEndian.AppendUint32(raw, uint32(len(*covered)))
	for phys := range *covered {
		raw = binary.LittleEndian.AppendUint32(raw, phys)
	}
	for i := range f.words {
		raw = binary.LittleEndian.AppendUint64(raw, f.words[i].Load())
	}
	raw = binary.LittleEndian.AppendUint32(raw, crc32.Checksum(raw, castagnoli))
	if err := writeFileSynced(filepath.Join(s.dir, keyFilterFile), raw); err != nil {
		return err
	}
	return b.Set(systemKey(keyFilterName), binary.LittleEndian.AppendUint64(nil, token), nil)
}

// writeFileSynced replaces path with data, durably: a rename over the old
// file once the new one is on disk.
func writeFileSynced(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// savedKeyFilter is a filter file whose token the start took: the
// record that vouched for it is gone, so only this start may use it.
type savedKeyFilter struct {
	path  string
	token uint64
}

// takeSavedKeyFilter takes the token the last clean shutdown left and
// returns the file it vouches for, with an empty filter shaped like the
// saved one (its seed and size) for loadSaved to fill; nil if there is
// nothing to trust. A filter larger than maxBytes (the memory bound
// shrank) is not used.
func (s *Store) takeSavedKeyFilter(maxBytes int64) (*keyFilter, *savedKeyFilter, error) {
	path := filepath.Join(s.dir, keyFilterFile)
	v, err := s.getSystem(keyFilterName)
	if err == nil && v != nil {
		err = s.db.Delete(systemKey(keyFilterName), pebble.Sync)
	}
	if err != nil || v == nil {
		os.Remove(path)
		return nil, nil, err
	}
	var header [keyFilterHeader]byte
	file, err := os.Open(path)
	if err == nil {
		_, err = io.ReadFull(file, header[:])
		file.Close()
	}
	if err == nil && (len(v) != 8 || string(header[:len(keyFilterMagic)]) != keyFilterMagic) {
		err = errBadKeyFilterFile
	}
	r := header[len(keyFilterMagic):]
	words := int(binary.LittleEndian.Uint32(r[32:]))
	if err == nil && (words < filterMinWords || words > filterMaxWords || words&(words-1) != 0) {
		err = errBadKeyFilterFile
	}
	if err == nil && words > filterMinWords && int64(words)*8 > maxBytes {
		err = fmt.Errorf("the saved filter (%d bytes) is over its memory share (%d)", words*8, maxBytes)
	}
	if err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	f := &keyFilter{
		seed:  binary.LittleEndian.Uint64(r[8:]),
		words: make([]atomic.Uint64, words),
		mask:  uint64(words - 1),
		limit: int64(binary.LittleEndian.Uint64(r[16:])),
	}
	return f, &savedKeyFilter{path: path, token: binary.LittleEndian.Uint64(v)}, nil
}

// loadSaved fills f, which takeSavedKeyFilter shaped, from the saved file,
// removes it, and returns the physical databases the file covers. Keys
// added meanwhile stay: the words are merged in. f is left untouched if
// the file cannot be used.
func (f *keyFilter) loadSaved(saved *savedKeyFilter) (map[uint32]bool, error) {
	raw, err := os.ReadFile(saved.path)
	os.Remove(saved.path)
	if err != nil {
		return nil, err
	}
	if len(raw) < keyFilterHeader+4 {
		return nil, errBadKeyFilterFile
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, errBadKeyFilterFile
	}
	r := body[len(keyFilterMagic):]
	if token := binary.LittleEndian.Uint64(r); token != saved.token {
		return nil, errors.New("the key filter file is not the one the last shutdown saved")
	}
	seed, limit, added := binary.LittleEndian.Uint64(r[8:]), binary.LittleEndian.Uint64(r[16:]), binary.LittleEndian.Uint64(r[24:])
	words, n := int(binary.LittleEndian.Uint32(r[32:])), int(binary.LittleEndian.Uint32(r[36:]))
	r = r[40:]
	if seed != f.seed || int64(limit) != f.limit || words != len(f.words) || len(r) != 4*n+8*words {
		return nil, errBadKeyFilterFile
	}
	covered := make(map[uint32]bool, n)
	for range n {
		covered[binary.LittleEndian.Uint32(r)] = true
		r = r[4:]
	}
	for i := range f.words {
		if w := binary.LittleEndian.Uint64(r[8*i:]); w != 0 {
			f.words[i].Or(w)
		}
	}
	f.added.Add(int64(added))
	return covered, nil
}
