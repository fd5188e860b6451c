package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// diskResult is the disk's 4 KiB O_DIRECT random-read rate at a number of
// concurrent readers.
type diskResult struct {
	threads int
	iops    float64
	err     string
}

// freeBytes is the space an unprivileged user may still write under dir.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

// diskIOPS writes a file of size bytes of random data under dir with
// O_DIRECT, then reads random 4 KiB blocks of it with O_DIRECT (no page
// cache) from each number of goroutines in threads, for d each.
func diskIOPS(dir string, size int64, threads []int, d time.Duration) []diskResult {
	path := filepath.Join(dir, "iops.dat")
	defer os.Remove(path)
	if err := writeDirect(path, size); err != nil {
		return []diskResult{{err: err.Error()}}
	}
	blocks := size / 4096
	var out []diskResult
	for _, n := range threads {
		var (
			ops      atomic.Int64
			stopFlag atomic.Bool
			wg       sync.WaitGroup
			errOnce  sync.Once
			firstErr string
		)
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECT, 0)
				if err != nil {
					errOnce.Do(func() { firstErr = err.Error() })
					return
				}
				defer f.Close()
				buf, err := alignedBuf(4096)
				if err != nil {
					errOnce.Do(func() { firstErr = err.Error() })
					return
				}
				defer syscall.Munmap(buf)
				rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
				for !stopFlag.Load() {
					if _, err := f.ReadAt(buf, rng.Int64N(blocks)*4096); err != nil {
						errOnce.Do(func() { firstErr = err.Error() })
						return
					}
					ops.Add(1)
				}
			}(g)
		}
		t0 := time.Now()
		time.Sleep(d)
		stopFlag.Store(true)
		wg.Wait()
		out = append(out, diskResult{threads: n, iops: float64(ops.Load()) / time.Since(t0).Seconds(), err: firstErr})
	}
	return out
}

// alignedBuf is page-aligned memory, as O_DIRECT needs.
func alignedBuf(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

func writeDirect(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|syscall.O_DIRECT, 0o644)
	if err != nil {
		return fmt.Errorf("O_DIRECT open: %w", err)
	}
	defer f.Close()
	buf, err := alignedBuf(1 << 20)
	if err != nil {
		return err
	}
	defer syscall.Munmap(buf)
	rng := rand.New(rand.NewPCG(7, 8))
	for written := int64(0); written < size; written += int64(len(buf)) {
		for i := 0; i < len(buf); i += 8 {
			v := rng.Uint64()
			for k := 0; k < 8; k++ {
				buf[i+k] = byte(v >> (8 * k))
			}
		}
		if _, err := f.Write(buf); err != nil {
			return err
		}
	}
	return f.Sync()
}
