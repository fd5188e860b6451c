package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairndb/cairn/config"
	"github.com/cairndb/cairn/rlog"
)

// directReads decides cairn-direct-reads. Under a memory cgroup limit the
// page cache is charged to the same limit as the process, so every block
// read through it first reclaims a page, which costs more CPU than the
// read: auto then reads sstables directly. Without a limit the page cache
// is memory nobody else wants, and a second cache behind the block cache.
func directReads(cfg *config.Config, log *rlog.Logger) bool {
	switch cfg.String("cairn-direct-reads") {
	case "yes":
		return true
	case "no":
		return false
	}
	limit := cgroupMemoryLimit()
	if limit <= 0 || limit >= systemMemory() {
		return false
	}
	log.Noticef("Memory cgroup limit %s: sstables are read with O_DIRECT (cairn-direct-reads auto)", mb(limit))
	return true
}

// cgroupMemoryLimit is the memory limit of the process's cgroup (v2
// memory.max or v1 memory.limit_in_bytes), 0 when there is none.
func cgroupMemoryLimit() int64 {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0
	}
	return cgroupLimitIn("/sys/fs/cgroup", string(data))
}

// cgroupLimitIn reads the memory limit for the groups listed in a
// /proc/PID/cgroup text from the hierarchy mounted at root. A group's
// ancestors limit it too, and a container's limit is often set only on
// one of them (the group itself says "max"): the smallest limit on the
// way up to the root counts.
func cgroupLimitIn(root, procCgroup string) int64 {
	var limit int64
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		// hierarchy-ID:controllers:path; v2's is "0::path".
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, file = root, "memory.max"
		case strings.Contains(","+parts[1]+",", ",memory,"):
			dir, file = filepath.Join(root, "memory"), "memory.limit_in_bytes"
		default:
			continue
		}
		for group := filepath.Clean("/" + parts[2]); ; group = filepath.Dir(group) {
			if n := readLimit(filepath.Join(dir, group, file)); n > 0 && (limit == 0 || n < limit) {
				limit = n
			}
			if group == "/" {
				break
			}
		}
	}
	return limit
}

// readLimit is the number in a cgroup limit file, 0 when the file is
// missing or says "max" (v2: no limit).
func readLimit(file string) int64 {
	v, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
