// Command crashtest checks that Cairn loses nothing it acknowledged and
// never half-applies a multi-key command when it is killed with SIGKILL at
// random moments. Writers of every data type the server supports, plus
// MSET, MULTI/EXEC, RENAME-in-a-transaction and scripts, run against
// cairn-server; it is killed, restarted and every unit is compared with
// the model:
//
//   - appendfsync always: every acknowledged write is there; a write in
//     flight at the kill is there or not, whole.
//
//   - appendfsync everysec: only writes acknowledged within -loss of the
//     kill may be missing, and what remains is never torn.
//
//   - with -clean-every N, every Nth round ends with a clean shutdown
//     (SIGTERM) instead, after which nothing acknowledged may be missing
//     under either policy.
//
//     go run ./bench/crashtest [-kills 200] [-clean-every 3] [-fsync always,everysec]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"
)

func main() {
	kills := flag.Int("kills", 200, "rounds (SIGKILLs) per appendfsync mode")
	cleanEvery := flag.Int("clean-every", 0, "end every Nth round with a clean shutdown (SIGTERM) instead of SIGKILL; 0: never")
	modes := flag.String("fsync", "always,everysec", "appendfsync modes to run")
	writers := flag.Int("writers", 8, "concurrent writer connections")
	units := flag.Int("units", 4, "keys (or key groups) per kind and writer")
	minDelay := flag.Duration("min", 100*time.Millisecond, "shortest run before a kill")
	maxDelay := flag.Duration("max", 1500*time.Millisecond, "longest run before a kill")
	loss := flag.Duration("loss", 2*time.Second, "everysec: oldest acknowledged write that may be lost")
	bin := flag.String("bin", "", "cairn-server binary (default: build ./cmd/cairn-server)")
	seed := flag.Int64("seed", time.Now().UnixNano(), "random seed")
	flag.Parse()

	work, err := os.MkdirTemp("", "cairn-crashtest-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	if *bin == "" {
		if *bin, err = buildServer(work); err != nil {
			log.Fatal(err)
		}
	}
	failed := false
	for _, mode := range strings.Split(*modes, ",") {
		dir, err := os.MkdirTemp(work, mode+"-")
		if err != nil {
			log.Fatal(err)
		}
		o := &options{bin: *bin, dir: dir, fsync: mode, kills: *kills, cleanEvery: *cleanEvery, writers: *writers, units: *units,
			minDelay: *minDelay, maxDelay: *maxDelay, lossMax: *loss, seed: *seed, log: log.Printf}
		started := time.Now()
		st, err := run(o)
		fmt.Printf("appendfsync %s (seed %d, %v): %v\n", mode, *seed, time.Since(started).Round(time.Second), st)
		if err != nil {
			fmt.Printf("FAILED: %v\n", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
