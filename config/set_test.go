package config

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestSetAllOrNothing(t *testing.T) {
	c := mustLoad(t, nil)
	err := c.Set([]string{"hz", "20", "maxmemory", "1x"})
	want := "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if c.Int("hz") != 10 || c.v.GetString("hz") != "10" {
		t.Errorf("hz changed to %d by a failed CONFIG SET", c.Int("hz"))
	}
	if err := c.Set([]string{"hz", "20", "maxmemory", "1mb", "SAVE", "10 1"}); err != nil {
		t.Fatal(err)
	}
	if c.Int("hz") != 20 || c.Int("maxmemory") != 1<<20 || c.String("save") != "10 1" || c.v.GetString("maxmemory") != "1048576" {
		t.Errorf("CONFIG SET not applied: %q", c.Get("hz", "maxmemory", "save"))
	}
	for args, want := range map[string]string{
		"daemonize":           "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
		"dir":                 "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
		"nope":                "ERR Unknown option or number of arguments for CONFIG SET - 'nope'",
		"cairn-memtable-size": "ERR CONFIG SET failed (possibly related to argument 'cairn-memtable-size') - can't set immutable config",
	} {
		if err := c.Set([]string{args, "1"}); err == nil || err.Error() != want {
			t.Errorf("CONFIG SET %s: got %v, want %q", args, err, want)
		}
	}
	if err := c.Set([]string{"cairn-cache-size", "1gb"}); err != nil || c.Int("cairn-cache-size") != 1<<30 {
		t.Errorf("cairn-cache-size: %v, %d", err, c.Int("cairn-cache-size"))
	}
}

func TestSetProtected(t *testing.T) {
	dir := t.TempDir()
	for mode, want := range map[string][2]bool{"no": {false, false}, "local": {false, true}, "yes": {true, true}} {
		c := mustLoad(t, nil, "--enable-protected-configs", mode)
		remote, local := c.Set([]string{"dbfilename", "a.rdb"}) == nil, c.SetLocal([]string{"dir", dir}) == nil
		if [2]bool{remote, local} != want {
			t.Errorf("enable-protected-configs %s: remote %v, local %v, want %v", mode, remote, local, want)
		}
	}
}

func TestSetRunsAppliers(t *testing.T) {
	c := mustLoad(t, nil)
	var calls []string
	record := func(name string) func(string) error {
		return func(v string) error {
			calls = append(calls, name+"="+v)
			return nil
		}
	}
	c.OnSet("hz", record("hz"))
	c.OnSet("lua-time-limit", record("busy"))
	c.OnSet("maxmemory", func(v string) error {
		calls = append(calls, "maxmemory="+v)
		if v != "0" {
			return errors.New("not now")
		}
		return nil
	})
	if err := c.Set([]string{"hz", "10", "busy-reply-threshold", "7"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"busy=7"}; !slices.Equal(calls, want) {
		t.Errorf("appliers ran %q, want %q (hz did not change)", calls, want)
	}
	calls = nil
	err := c.Set([]string{"hz", "20", "maxmemory", "1mb", "timeout", "5"})
	want := "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - not now"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if want := []string{"hz=20", "maxmemory=1048576", "hz=10", "maxmemory=0"}; !slices.Equal(calls, want) {
		t.Errorf("appliers ran %q, want %q", calls, want)
	}
	if c.Int("hz") != 10 || c.Int("maxmemory") != 0 || c.Int("timeout") != 0 || c.v.GetString("hz") != "10" {
		t.Errorf("values not restored: %q", c.Get("hz", "maxmemory", "timeout"))
	}
	// Values that print alike but differ still reach the appliers.
	calls = nil
	c.OnSet("notify-keyspace-events", record("notify"))
	for _, v := range []string{"KEAn", "KEA"} {
		if err := c.Set([]string{"notify-keyspace-events", v}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"notify=AKE", "notify=AKE"}; !slices.Equal(calls, want) {
		t.Errorf("appliers ran %q, want %q", calls, want)
	}
}

// TestConcurrentUse is meant for go test -race.
func TestConcurrentUse(t *testing.T) {
	c := mustLoad(t, nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if err := c.Set([]string{"hz", fmt.Sprint(10 + (i+j)%10)}); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if hz := c.Int("hz"); hz < 10 || hz > 19 {
					t.Errorf("hz = %d", hz)
				}
				c.Get("h*")
			}
		}()
	}
	wg.Wait()
}
