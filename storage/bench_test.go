package storage

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSetString measures a SET-like transaction: read the old meta,
// stage the new one, commit.
func BenchmarkSetString(b *testing.B) {
	s, err := Open(Options{Dir: b.TempDir(), HotCacheSize: 256 << 20}, 16)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%012d", i)
	}
	val := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := keys[rand.IntN(len(keys))]
			tx := s.Begin()
			if _, err := tx.Meta(0, k); err != nil {
				b.Fatal(err)
			}
			tx.Put(0, k, &Meta{Type: TypeString, Value: val})
			if _, err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
