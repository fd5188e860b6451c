package rdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// seedFiles are small fixtures covering every encoding, the fuzzers'
// starting points (beside the committed corpus in testdata/fuzz).
var seedFiles = []string{
	"fixtures/expire.rdb", "fixtures/functions.rdb", "fixtures/lfu.rdb", "fixtures/multidb.rdb",
	"legacy/hash-zipmap.rdb", "legacy/zset-ziplist.rdb", "legacy/list-quicklist.rdb", "legacy/encodings.rdb",
	"legacy/listpack.rdb", "legacy/stream_listpacks_2.rdb", "legacy/set_listpack.rdb", "legacy/intset_64.rdb",
	"legacy/parser_filters.rdb", "legacy/ziplist_with_integers.rdb",
}

// FuzzDecode: any input either decodes or fails with an *Error; it never
// panics or hangs.
func FuzzDecode(f *testing.F) {
	for _, name := range seedFiles {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds := &dataset{aux: map[string]string{}, keys: map[string]*canonKey{}}
		err := NewDecoder(bytes.NewReader(data)).Decode(&collector{ds})
		if err != nil {
			if _, ok := err.(*Error); !ok && !isDuplicate(err) {
				t.Fatalf("error without a position: %v", err)
			}
		}
	})
}

func isDuplicate(err error) bool {
	return bytes.HasPrefix([]byte(err.Error()), []byte("duplicate key"))
}

// FuzzDecodeDump fuzzes a DUMP payload's value: the footer is recomputed
// so that mutations reach the value decoder instead of the checksum.
func FuzzDecodeDump(f *testing.F) {
	for _, p := range loadDumpFixture(f).Payloads {
		payload, _ := hex.DecodeString(p.PayloadHex)
		if len(payload) < 4096 {
			f.Add(payload[:len(payload)-dumpFooter])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		payload := binary.LittleEndian.AppendUint16(bytes.Clone(body), Version)
		payload = binary.LittleEndian.AppendUint64(payload, CRC64(0, payload))
		v, err := DecodeDump(payload, true)
		if err != nil {
			return
		}
		if _, err := canonValue(v); err == nil {
			// What decodes must encode again and decode the same.
			v, _ := DecodeDump(payload, true)
			m := &memKey{key: Key{Kind: v.Kind()}, str: v.Bytes()}
			if v.Kind() == KindStream {
				m.entries, m.meta, m.groups, _ = readStream(v)
			} else {
				m.elems, _ = readElems(v)
			}
			if _, err := EncodeDump(m.object(), Options{Compress: true, Limits: DefaultLimits()}); err != nil && v.Kind() != KindStream {
				t.Fatalf("re-encoding a decoded value: %v", err)
			}
		}
	})
}
