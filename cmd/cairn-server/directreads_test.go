package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCgroupLimitIn builds cgroup trees in a temporary directory: the
// smallest limit from the process's group up to the root counts, in v2
// and v1 layouts, and "max" or a missing file is no limit.
func TestCgroupLimitIn(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("memory.max", "max\n")
	write("pod/memory.max", "314572800\n")
	write("pod/app/memory.max", "max\n")
	write("tight/memory.max", "524288000\n")
	write("tight/inner/memory.max", "104857600\n")
	write("memory/memory.limit_in_bytes", "9223372036854771712\n")
	write("memory/ctest/memory.limit_in_bytes", "209715200\n")
	write("memory/ctest/leaf/memory.limit_in_bytes", "9223372036854771712\n")

	for _, tc := range []struct {
		cgroup string
		want   int64
	}{
		{"0::/pod/app\n", 314572800},     // v2: the limit is on the parent
		{"0::/tight/inner\n", 104857600}, // v2: the group's own is smaller
		{"0::/\n", 0},                    // v2: no limit anywhere
		{"0::/gone/elsewhere\n", 0},      // v2: a path this mount does not show
		{"5:memory:/ctest/leaf\n", 209715200},
		{"9:cpu,cpuacct:/x\n5:memory:/ctest\n0::/\n", 209715200},
		{"5:memory:/\n", 9223372036854771712}, // v1 without a limit: the root's huge number
		{"garbage", 0},
	} {
		if got := cgroupLimitIn(root, tc.cgroup); got != tc.want {
			t.Errorf("cgroupLimitIn(%q) = %d, want %d", tc.cgroup, got, tc.want)
		}
	}
}
