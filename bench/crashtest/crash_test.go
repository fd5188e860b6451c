package main

import (
	"os"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// The short crash run CI does: a few SIGKILLs under each appendfsync
// policy, every third round a clean stop instead (whose restart reads the
// saved key filter back). CAIRN_LONG_TESTS=1 runs 200 rounds per policy
// (go run ./bench/crashtest does the same with more options).
func TestCrashRecovery(t *testing.T) {
	rounds := 6
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		rounds = 200
	}
	bin := cairntest.Binary(t)
	for _, mode := range []string{"always", "everysec"} {
		t.Run(mode, func(t *testing.T) {
			o := &options{bin: bin, dir: t.TempDir(), fsync: mode, kills: rounds, cleanEvery: 3, writers: 4, units: 2,
				minDelay: 50 * time.Millisecond, maxDelay: 300 * time.Millisecond, lossMax: 2 * time.Second,
				seed: time.Now().UnixNano(), log: t.Logf}
			st, err := run(o)
			if err != nil {
				t.Fatalf("seed %d: %v", o.seed, err)
			}
			if st.acked == 0 || st.kills+st.stops != rounds || st.stops == 0 {
				t.Fatalf("nothing was tested: %v", st)
			}
			t.Log(st)
		})
	}
}
