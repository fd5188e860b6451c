package server_test

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/engine"
	"github.com/cairndb/cairn/rlog"
	"github.com/cairndb/cairn/server"
	"github.com/cairndb/cairn/storage"
)

// startServer runs Cairn in this process with the given network options
// and directives, and returns its listener addresses.
func startServer(t *testing.T, opts server.Options, directives ...string) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(append([]string{"--dir", dir, "--save", ""}, directives...), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := rlog.New()
	log.SetOutput(io.Discard)
	store, err := storage.Open(storage.Options{Dir: filepath.Join(dir, "data"), BlockCacheSize: 8 << 20,
		MemTableSize: 4 << 20, HotCacheSize: 8 << 20, Logger: rlog.Pebble{L: log}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(store, cfg, log, "", dir)
	opts.Limits = func() (int64, int64) {
		return cfg.Int("proto-max-bulk-len"), cfg.Int("client-query-buffer-limit")
	}
	opts.Idle = func() time.Duration { return time.Duration(cfg.Int("timeout")) * time.Second }
	srv, err := server.Listen(eng, opts, log)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	eng.Start()
	srv.Serve()
	t.Cleanup(func() {
		srv.Close()
		eng.Stop()
		store.Close()
	})
	var addrs []string
	for _, a := range srv.Addrs() {
		addrs = append(addrs, a.String())
	}
	return addrs
}
