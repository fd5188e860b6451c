package storage

import (
	"fmt"
	"testing"
)

// BenchmarkCachedMetaRead is a Tx's first lookup of a hot key: the hot
// cache hit plus the access record.
func BenchmarkCachedMetaRead(b *testing.B) {
	b.Run("without-access", func(b *testing.B) { benchCachedMetaRead(b, false) })
	b.Run("with-access", func(b *testing.B) { benchCachedMetaRead(b, true) })
}

func benchCachedMetaRead(b *testing.B, access bool) {
	s, err := Open(Options{Dir: b.TempDir(), BlockCacheSize: 8 << 20, MemTableSize: 4 << 20, HotCacheSize: 64 << 20}, 16)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	keys := make([][]byte, 10000)
	tx := s.Begin()
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%d", i))
		tx.Put(0, keys[i], &Meta{Type: TypeString, Value: []byte("v")})
	}
	if _, err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if !access {
		s.cache.access = nil
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx := s.Begin()
		if _, err := tx.Meta(0, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		tx.Discard()
	}
}
