package storage

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAccessTableFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := newAccessTable(1 << 17)
	src.clock.Store(1_000_000)
	hashes := []uint32{1, 2, 3, 0xdeadbeef, 1 << 31}
	for i, h := range hashes {
		src.set(h, int64(1000*i), 10*i)
	}
	if err := src.save(dir); err != nil {
		t.Fatal(err)
	}
	for _, slots := range []int{1 << 16, 1 << 17, 1 << 19} { // shrunk, same, grown
		dst := newAccessTable(slots)
		dst.clock.Store(1_000_000 + 60_000) // a minute of downtime
		if err := dst.load(dir); err != nil {
			t.Fatal(err)
		}
		for i, h := range hashes {
			idle, freq := dst.peek(h)
			if idle != int64(1000*i) || freq != uint8(10*i) {
				t.Errorf("%d slots: hash %#x idle %d ms freq %d, want %d ms and %d", slots, h, idle, freq, 1000*i, 10*i)
			}
		}
	}
}

func TestAccessTableBadFile(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"", "garbage", "\x00\x01\x02"} {
		if err := os.WriteFile(filepath.Join(dir, accessFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		tab := newAccessTable(1 << 16)
		if err := tab.load(dir); err == nil {
			t.Errorf("a file of %q loaded", content)
		}
		for i := range tab.slots {
			if tab.slots[i].Load() != 0 {
				t.Fatalf("a bad file of %q left slot %d set", content, i)
			}
		}
	}
	if err := newAccessTable(1 << 16).load(t.TempDir()); err != nil {
		t.Errorf("no file: %v", err)
	}
}
