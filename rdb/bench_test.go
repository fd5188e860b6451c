package rdb

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkDecode reads every value of the lists fixture (quicklists of
// listpacks, LZF nodes) and the noncompact one (plain encodings).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"lists", "noncompact"} {
		file := readFixture(b, "fixtures/"+name+".rdb")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			for range b.N {
				if err := NewDecoder(bytes.NewReader(file)).Decode(countingHandler{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode writes the noncompact fixture's data back, compressed.
func BenchmarkEncode(b *testing.B) {
	f, err := decodeMem(readFixture(b, "fixtures/noncompact.rdb"))
	if err != nil {
		b.Fatal(err)
	}
	out, _ := f.encode(encoderOptions["compressed"])
	b.SetBytes(int64(len(out)))
	for range b.N {
		e := NewEncoder(io.Discard, encoderOptions["compressed"])
		e.Begin()
		for _, k := range f.keys {
			if k.key.Kind != KindString && k.key.Kind != KindStream && len(k.elems) == 0 {
				continue
			}
			if err := e.Key(KeyHeader{Name: k.key.Name, Expire: k.key.Expire, Idle: -1, Freq: -1}, k.object()); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.End(); err != nil {
			b.Fatal(err)
		}
	}
}
