package config

import (
	"errors"
	"slices"
	"strings"
)

// OnSet registers apply, run by Set after name (or its alias) changes, with
// the new value in CONFIG GET form. An error undoes the whole Set.
func (c *Config) OnSet(name string, apply func(newValue string) error) {
	i := mustIndex(name)
	c.hookMu.Lock()
	c.appliers[i] = append(c.appliers[i], apply)
	c.hookMu.Unlock()
}

// Set answers CONFIG SET name value [name value ...]: all or nothing, with
// Redis's error replies (their text, "ERR ..." included). Values are checked
// first, then stored, then the appliers of the directives whose value
// changed run in argument order. If one fails, the old values are restored
// and the appliers run so far, the failing one included, run again with
// them (as Redis does, which only logs their failures), and Set returns the
// failing applier's error as the reason.
func (c *Config) Set(args []string) error { return c.set(args, false) }

// SetLocal is Set for a client on the loopback interface or the unix
// socket, which enable-protected-configs local lets change dir and
// dbfilename.
func (c *Config) SetLocal(args []string) error { return c.set(args, true) }

// Record sets a directive as the server's own state changed it (REPLICAOF
// changes replicaof), so that CONFIG GET and CONFIG REWRITE show it:
// immutable ones too, and no applier runs.
func (c *Config) Record(name string, args []string) error {
	i, ok := lookup(name)
	if !ok {
		return errors.New("unknown directive " + name)
	}
	c.setMu.Lock()
	defer c.setMu.Unlock()
	c.mu.RLock()
	work := &state{vals: slices.Clone(c.st.vals), file: c.st.file}
	c.mu.RUnlock()
	v, reason := directives[i].parse(args, work, i)
	if reason != "" {
		return errors.New(reason)
	}
	work.vals[i] = v
	c.mu.Lock()
	c.v.Set(directives[i].name, v.s)
	c.st.vals = work.vals
	c.vals.Store(&work.vals)
	c.mu.Unlock()
	return nil
}

func setFailed(name, reason string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

func (c *Config) set(args []string, local bool) error {
	if len(args) < 2 {
		return errors.New("ERR wrong number of arguments for 'config|set' command")
	}
	if len(args)%2 != 0 {
		return errors.New("ERR syntax error")
	}
	c.setMu.Lock()
	defer c.setMu.Unlock()
	c.mu.RLock()
	work := &state{vals: slices.Clone(c.st.vals), file: c.st.file}
	c.mu.RUnlock()

	// The first unknown, immutable, protected or repeated name fails the
	// command, before any value is looked at.
	protectedOK := work.get("enable-protected-configs").s == "yes" ||
		(local && work.get("enable-protected-configs").s == "local")
	idx := make([]int, 0, len(args)/2)
	keys := make([]string, 0, len(args)/2) // names as Redis's table spells them
	for j := 0; j < len(args); j += 2 {
		i, ok := lookup(args[j])
		if !ok {
			return errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + args[j] + "'")
		}
		key := strings.ToLower(args[j])
		switch d := &directives[i]; {
		case d.flags&immutable != 0:
			return setFailed(args[j], "can't set immutable config")
		case d.flags&protected != 0 && !protectedOK:
			return setFailed(args[j], "can't set protected config")
		case slices.Contains(keys, key):
			// A name and its alias are different parameters to Redis.
			return setFailed(args[j], "duplicate parameter")
		}
		idx = append(idx, i)
		keys = append(keys, key)
	}

	for n, i := range idx {
		d := &directives[i]
		argv := []string{args[2*n+1]}
		if d.multiArg {
			argv = splitSpaces(args[2*n+1])
		}
		v, reason := d.parse(argv, work, i)
		if reason != "" {
			return setFailed(keys[n], reason)
		}
		if d.setAdjust != nil {
			v.n = d.setAdjust(v.n, work)
			v.s = d.formatInt(v.n)
		}
		work.vals[i] = v
	}

	c.mu.Lock()
	old := c.st.vals
	var changed []int
	var changedKeys []string
	for n, i := range idx {
		// The number too: notify-keyspace-events "KEAn" and "KEA" print
		// alike (n is dropped next to A, as in Redis) but enable different
		// classes.
		v, o := work.vals[i], old[i]
		if (v.s != o.s || v.n != o.n) && !slices.Contains(changed, i) {
			changed = append(changed, i)
			changedKeys = append(changedKeys, keys[n])
			c.v.Set(directives[i].name, work.vals[i].s)
		}
	}
	c.st.vals = work.vals
	c.vals.Store(&work.vals)
	c.mu.Unlock()

	for n, i := range changed {
		if err := c.apply(i, work.vals[i].s); err != nil {
			c.mu.Lock()
			c.st.vals = old
			c.vals.Store(&old)
			for _, j := range changed {
				c.v.Set(directives[j].name, old[j].s)
			}
			c.mu.Unlock()
			for _, j := range changed[:n+1] {
				_ = c.apply(j, old[j].s) // Redis only logs failures here
			}
			return setFailed(changedKeys[n], err.Error())
		}
	}
	return nil
}

// apply runs directive i's appliers, stopping at the first error.
func (c *Config) apply(i int, v string) error {
	c.hookMu.Lock()
	fns := slices.Clone(c.appliers[i])
	c.hookMu.Unlock()
	for _, f := range fns {
		if err := f(v); err != nil {
			return err
		}
	}
	return nil
}
