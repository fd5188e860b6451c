package engine_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
	"github.com/cairndb/cairn/rdb"
)

var rdbFixtures = []string{
	"empty", "strings", "lists", "hashes", "sets", "zsets", "streams", "expire", "multidb",
	"hll", "bitmaps", "geo", "functions", "lru", "lfu", "noncompact", "nocompress-nochecksum", "all-types",
}

// TestImportFixtures imports every file real Redis 7.0.15 wrote and
// compares every key, value and TTL with the manifest read from the live
// server that wrote it.
func TestImportFixtures(t *testing.T) {
	for _, name := range rdbFixtures {
		t.Run(name, func(t *testing.T) {
			file := readRDBFixture(t, name+".rdb")
			dir := t.TempDir()
			stats, err := importInto(t, file, true, dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", stats)
			srv := cairntest.StartCairnIn(t, dir)
			m := readManifest(t, name)
			checkManifest(t, srv.Addr, m)
			if cairntest.HaveRedis() {
				// Both convert what they load to their own encodings.
				orig := filepath.Join(t.TempDir(), "fixture.rdb")
				if err := os.WriteFile(orig, file, 0o644); err != nil {
					t.Fatal(err)
				}
				compareEncodings(t, srv.Addr, startRedisOn(t, orig).Addr, m)
			}
		})
	}
}

// TestExportFixturesToRedis: each fixture imported into Cairn, saved by
// Cairn and loaded by a real redis-server gives back exactly what the
// Redis that wrote the fixture held: keys, values, TTLs, stream groups.
func TestExportFixturesToRedis(t *testing.T) {
	if !cairntest.HaveRedis() {
		t.Skip("redis-server is not installed")
	}
	for _, name := range rdbFixtures {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := importInto(t, readRDBFixture(t, name+".rdb"), true, dir)
			if err != nil {
				t.Fatal(err)
			}
			srv := cairntest.StartCairnIn(t, dir)
			if got := cairntest.Dial(t, srv.Addr).Do("save"); got != "+OK\r\n" {
				t.Fatalf("SAVE: %q", got)
			}
			path := filepath.Join(dir, "dump.rdb")
			redisCheck(t, path)
			checkManifest(t, startRedisOn(t, path).Addr, readManifest(t, name))
		})
	}
}

// compareEncodings compares OBJECT ENCODING of every manifest key.
func compareEncodings(t *testing.T, cairnAddr, redisAddr string, m manifest) {
	t.Helper()
	for _, db := range m.DBs {
		c, r := cairntest.Dial(t, cairnAddr), cairntest.Dial(t, redisAddr)
		sel := strconv.Itoa(db.DB)
		c.Do("select", sel)
		r.Do("select", sel)
		for _, k := range db.Keys {
			key := mbytes(k["key"])
			if got, want := c.Do("object", "encoding", key), r.Do("object", "encoding", key); got != want {
				t.Errorf("db %d key %q: OBJECT ENCODING %q, Redis says %q", db.DB, key, got, want)
			}
		}
	}
}

// TestBadFilesChangeNothing: a file with a wrong checksum, a truncated one
// and one holding a module type are refused with an error naming the
// offset (and the key), and the data already there stays as it was.
func TestBadFilesChangeNothing(t *testing.T) {
	dir := t.TempDir()
	if _, err := importInto(t, readRDBFixture(t, "bitmaps.rdb"), true, dir); err != nil {
		t.Fatal(err)
	}
	good := readRDBFixture(t, "hll.rdb")
	flipped := bytes.Clone(good)
	flipped[len(flipped)-20] ^= 0x01 // inside the last value: only the CRC notices
	module := bytes.Clone(readRDBFixture(t, "empty.rdb"))
	module = append(module[:len(module)-9], 0x07, 0x01, 'k', 0x00) // a MODULE_2 key, cut short
	for name, file := range map[string][]byte{
		"checksum":         flipped,
		"truncated":        good[:len(good)/2],
		"module":           module,
		"duplicate key":    duplicated(t, &rdb.Object{Kind: rdb.KindString, String: []byte("v")}, true),
		"duplicate member": duplicated(t, &rdb.Object{Kind: rdb.KindSet, Len: 2000, Next: repeating()}, false),
		"duplicate field":  duplicated(t, &rdb.Object{Kind: rdb.KindHash, Len: 2000, Next: repeating()}, false),
		"duplicate zset":   duplicated(t, &rdb.Object{Kind: rdb.KindZSet, Len: 2000, Next: repeating()}, false),
	} {
		_, err := importInto(t, file, false, dir)
		var rerr *rdb.Error
		if !errors.As(err, &rerr) && !strings.HasPrefix(name, "duplicate") || err == nil {
			t.Errorf("%s: %v, want an *rdb.Error", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
		if name == "module" && !strings.Contains(err.Error(), "module") {
			t.Errorf("module: %v does not say why", err)
		}
	}
	srv := cairntest.StartCairnIn(t, dir)
	checkManifest(t, srv.Addr, readManifest(t, "bitmaps"))
}

// duplicated writes an RDB file with obj under the same key twice (twice)
// or once (a collection whose elements repeat).
func duplicated(t *testing.T, obj *rdb.Object, twice bool) []byte {
	var buf bytes.Buffer
	e := rdb.NewEncoder(&buf, rdb.Options{Checksum: true, Limits: rdb.DefaultLimits()})
	e.Begin()
	h := rdb.KeyHeader{Name: []byte("dup"), Expire: -1, Idle: -1, Freq: -1}
	if err := e.Key(h, obj); err != nil {
		t.Fatal(err)
	}
	if twice {
		e.Key(h, obj)
	}
	if err := e.End(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repeating yields 2000 elements whose last repeats the first.
func repeating() func() (rdb.Elem, error) {
	i := 0
	return func() (rdb.Elem, error) {
		i++
		if i == 2000 {
			i = 1
		}
		m := []byte(strconv.Itoa(i) + "-member")
		return rdb.Elem{Member: m, Value: m, Score: float64(i)}, nil
	}
}
