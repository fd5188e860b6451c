package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

const misconfPrefix = "-MISCONF Errors writing to the AOF file: "

// mountTmpfs mounts a tmpfs of the given size on a fresh directory; the
// test is skipped when this process may not mount (not root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("disk-full test needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): disk-full test skipped", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// waitReply sends a command until the reply has the wanted prefix.
func waitReply(t *testing.T, c *cairntest.Conn, prefix string, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := c.Do(args...)
		if strings.HasPrefix(got, prefix) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q: %q, still not %q", args, got, prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A full disk: writes get Redis's MISCONF error before Pebble's log can hit
// the wall, reads and every acknowledged write stay, a transaction is
// refused whole, writes resume when space returns, and a restart finds
// everything.
func TestDiskFull(t *testing.T) {
	dir := mountTmpfs(t, "64m")
	p := cairntest.StartProcess(t, dir, "--cairn-memtable-size", "4mb", "--appendfsync", "everysec")
	c := cairntest.Dial(t, p.Addr)
	random := make([]byte, 256<<10) // incompressible, so the disk really fills
	rand.Read(random)
	value := string(random)
	acked := 0
	var refusal string
	for i := 0; ; i++ {
		got := c.Do("SET", fmt.Sprint("key:", i), value)
		if got == "+OK\r\n" {
			acked++
			continue
		}
		refusal = got
		break
	}
	if refusal != misconfPrefix+"No space left on device\r\n" {
		t.Fatalf("after %d writes: %q", acked, refusal)
	}
	t.Logf("%d writes of 256 KB acknowledged before MISCONF", acked)
	for _, cmd := range [][]string{{"PING"}, {"SET", "x", "1"}, {"INCR", "n"}, {"DEL", "key:0"}} {
		if got := c.Do(cmd...); !strings.HasPrefix(got, misconfPrefix) {
			t.Errorf("%q while the disk is full: %q", cmd, got)
		}
	}
	c.Do("MULTI")
	if got := c.Do("SET", "x", "1"); !strings.HasPrefix(got, misconfPrefix) {
		t.Errorf("SET in MULTI: %q", got)
	}
	if got := c.Do("EXEC"); got != "-EXECABORT Transaction discarded because of previous errors.\r\n" {
		t.Errorf("EXEC: %q", got)
	}
	checkKeys := func(c *cairntest.Conn) {
		t.Helper()
		for i := 0; i < acked; i++ {
			if got := c.Do("STRLEN", fmt.Sprint("key:", i)); got != fmt.Sprintf(":%d\r\n", len(value)) {
				t.Fatalf("key:%d after the disk filled: %q", i, got)
			}
		}
	}
	checkKeys(c)
	if got := c.Do("DBSIZE"); got != fmt.Sprintf(":%d\r\n", acked) {
		t.Errorf("DBSIZE %q, want %d", got, acked)
	}
	if out, err := exec.Command("mount", "-o", "remount,size=256m", dir).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v %s", err, out)
	}
	waitReply(t, c, "+OK", "SET", "after", "space returned")
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING: %q", got)
	}
	p.Terminate(t)
	p = cairntest.StartProcess(t, dir, "--cairn-memtable-size", "4mb")
	c = cairntest.Dial(t, p.Addr)
	checkKeys(c)
	if got := c.Do("GET", "after"); got != "$14\r\nspace returned\r\n" {
		t.Errorf("GET after: %q", got)
	}
}

// A data directory that becomes read-only: writes get MISCONF with the OS
// reason, reads keep working, writes resume when it is writable again.
func TestReadOnlyDataDirectory(t *testing.T) {
	base, err := os.MkdirTemp("", "cairn-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	bin := filepath.Join(base, "cairn-server")
	copyFile(t, cairntest.Binary(t), bin)
	dir := filepath.Join(base, "dir")
	os.Mkdir(dir, 0o755)
	port := cairntest.FreePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "")
	if os.Geteuid() == 0 {
		// root writes anywhere: run the server as nobody, whom permissions bind.
		os.Chown(dir, 65534, 65534)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cairntest.WaitReady(t, addr)
	c := cairntest.Dial(t, addr)
	c.Do("SET", "k", "v")
	data := filepath.Join(dir, "cairn-data")
	if err := os.Chmod(data, 0o555); err != nil {
		t.Fatal(err)
	}
	waitReply(t, c, misconfPrefix+"Permission denied", "PING")
	if got := c.Do("SET", "k2", "v2"); got != misconfPrefix+"Permission denied\r\n" {
		t.Errorf("SET while read-only: %q", got)
	}
	if got := c.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET while read-only: %q", got)
	}
	if got := c.Do("GET", "k2"); got != "$-1\r\n" {
		t.Errorf("a refused write happened: %q", got)
	}
	os.Chmod(data, 0o755)
	waitReply(t, c, "+OK", "SET", "k2", "v2")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
}
