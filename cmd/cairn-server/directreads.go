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
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		// hierarchy-ID:controllers:path; v2's is "0::path".
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			file = filepath.Join("/sys/fs/cgroup", parts[2], "memory.max")
		case strings.Contains(","+parts[1]+",", ",memory,"):
			file = filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		default:
			continue
		}
		v, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64); err == nil && n > 0 {
			return n // "max" (v2, no limit) does not parse
		}
	}
	return 0
}
