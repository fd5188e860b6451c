package engine

import (
	"bytes"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/storage"
)

// fakeConn is a client connection that keeps what the server writes.
type fakeConn struct {
	mu     sync.Mutex
	out    bytes.Buffer
	closed bool
}

func (f *fakeConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, io.ErrClosedPipe
	}
	return f.out.Write(p)
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

func (f *fakeConn) RemoteAddr() string { return "127.0.0.1:40000" }
func (f *fakeConn) LocalAddr() string  { return "127.0.0.1:6379" }
func (f *fakeConn) FD() int            { return -1 }

func (f *fakeConn) QueryBuffer() (int64, int64) { return 0, 0 }

func (f *fakeConn) WatchClose() (<-chan struct{}, func()) { return make(chan struct{}), func() {} }
func (f *fakeConn) ReadCommand() ([][]byte, error)        { return nil, io.EOF }

// take returns and forgets what was written so far.
func (f *fakeConn) take() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.out.String()
	f.out.Reset()
	return s
}

// newTestServer runs an engine in this process over a fresh data
// directory, with its log captured in logs.
func newTestServer(t testing.TB, logs io.Writer, directives ...string) *Server {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(append([]string{"--dir", dir, "--save", ""}, directives...), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := rlog.New()
	log.SetOutput(logs)
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data"), BlockCacheSize: 8 << 20,
		MemTableSize: 4 << 20, HotCacheSize: 8 << 20, Logger: rlog.Pebble{L: log}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	s := New(store, cfg, log, "", dir)
	s.Start()
	t.Cleanup(func() {
		s.Stop()
		store.Close()
	})
	return s
}

// testClient is a client of an in-process server.
type testClient struct {
	c    *Client
	conn *fakeConn
}

func newTestClient(s *Server) *testClient {
	conn := &fakeConn{}
	return &testClient{s.NewClient(conn), conn}
}

// do runs one command and returns its reply bytes.
func (tc *testClient) do(args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	tc.c.Exec(argv, false)
	tc.c.FlushAndWait()
	return tc.conn.take()
}
