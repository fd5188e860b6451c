package storage

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestDirectReadsMatchTheFile reads spans of every alignment, across and
// past the file's short last block, through directFS and checks them
// against the file's bytes.
func TestDirectReadsMatchTheFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "000001.sst")
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5*directAlign+123)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := sstableFS(true).Open(name, vfs.RandomReadsOption)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(*directFile); !ok {
		t.Skipf("the file system of %s has no O_DIRECT", name)
	}
	for range 2000 {
		off := r.IntN(len(data) + 10)
		n := r.IntN(3*directAlign) + 1
		if r.IntN(4) == 0 {
			n = 70 << 10 // larger than a pooled buffer
		}
		p := make([]byte, n)
		got, err := f.ReadAt(p, int64(off))
		from := min(off, len(data))
		want := min(n, len(data)-from)
		if got != want || !bytes.Equal(p[:got], data[from:from+got]) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d bytes, want %d of the file's", n, off, got, want)
		}
		if (got < n) != (err == io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v: a short read is io.EOF", n, off, got, err)
		}
	}
	seq, err := sstableFS(true).Open(name, vfs.SequentialReadsOption)
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Close()
	if _, ok := seq.(*directFile); ok {
		t.Fatalf("a file opened for sequential reads reads directly: it loses readahead")
	}
}

// TestStoreWithDirectReads reads back, after a restart, keys that are
// only in sstables, with direct reads and no hot cache in the way.
func TestStoreWithDirectReads(t *testing.T) {
	dir := t.TempDir()
	open := func() *Store {
		s, err := Open(Options{Dir: dir, BlockCacheSize: 1 << 20, MemTableSize: 4 << 20, DirectReads: true}, 16)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	value := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1000+i%7) }
	s := open()
	for batch := range 10 {
		tx := s.Begin()
		for i := batch * 300; i < (batch+1)*300; i++ {
			tx.Put(0, []byte(fmt.Sprint("k", i)), &Meta{Type: TypeString, Value: value(i)})
		}
		commit(t, tx)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close()
	tx := s.Begin()
	defer tx.Discard()
	for i := range 3000 {
		m, err := tx.Meta(0, []byte(fmt.Sprint("k", i)))
		if err != nil || m == nil || !bytes.Equal(m.Value, value(i)) {
			t.Fatalf("k%d after a restart: %v, %v", i, m, err)
		}
	}
}
