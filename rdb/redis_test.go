package rdb

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The files this package writes must satisfy the real Redis 7.0: its
// checker accepts them, and a redis-server loading one (with deep payload
// sanitization) holds exactly the manifest's data, which it writes back
// for the decoder to compare.

func needRedis(t *testing.T, tool string) string {
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install redis-server redis-tools)", tool)
	}
	return path
}

func TestRedisCheckAcceptsOurFiles(t *testing.T) {
	checker := needRedis(t, "redis-check-rdb")
	dir := t.TempDir()
	for _, name := range manifestFixtures {
		f, err := decodeMem(readFixture(t, "fixtures/"+name+".rdb"))
		if err != nil {
			t.Fatal(err)
		}
		for how, opts := range encoderOptions {
			out, err := f.encode(opts)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+"-"+how+".rdb")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			msg, err := exec.Command(checker, path).CombinedOutput()
			if err != nil || !bytes.Contains(msg, []byte("RDB looks OK")) {
				t.Errorf("%s/%s: redis-check-rdb: %v\n%s", name, how, err, msg)
			}
		}
	}
}

func TestRedisLoadsOurFiles(t *testing.T) {
	server := needRedis(t, "redis-server")
	hows := slices.Sorted(maps.Keys(encoderOptions))
	for i, name := range manifestFixtures {
		f, err := decodeMem(readFixture(t, "fixtures/"+name+".rdb"))
		if err != nil {
			t.Fatal(err)
		}
		want, skip := manifestDataset(t, "fixtures/"+name+".expected.json")
		// One way of encoding per fixture, in turn: every way is covered
		// without starting a server for each pair.
		for _, how := range hows[i%len(hows) : i%len(hows)+1] {
			out, err := f.encode(encoderOptions[how])
			if err != nil {
				t.Fatal(err)
			}
			saved := loadInRedis(t, server, out)
			got, err := decodeDataset(bytes.NewReader(saved))
			if err != nil {
				t.Fatalf("%s/%s: decoding Redis's save: %v", name, how, err)
			}
			diffDatasets(t, name+"/"+how+" through redis-server", got, want, skip)
		}
	}
}

// loadInRedis starts redis-server on file, makes it SAVE, and returns what
// it wrote.
func loadInRedis(t *testing.T, server string, file []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.rdb"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(server, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir, "--dbfilename", "in.rdb",
		"--save", "", "--appendonly", "no", "--sanitize-dump-payload", "yes", "--logfile", filepath.Join(dir, "log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	var conn net.Conn
	for deadline := time.Now().Add(20 * time.Second); ; {
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("redis-server did not start on our file:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	rd := bufio.NewReader(conn)
	for {
		fmt.Fprintf(conn, "SAVE\r\n")
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "+OK\r\n" {
			break
		}
		if !strings.Contains(line, "LOADING") {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("SAVE: %q\n%s", line, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "in.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	return saved
}
