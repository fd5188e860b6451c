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
// changed run in argument order. If a value or an applier fails, the
// directives are restored as Redis restores them (rollBack), and Set
// returns the failing value's reason or applier's error.
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
	old := c.st.vals
	work := &state{vals: slices.Clone(old), file: c.st.file}
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
			// Redis has set the directives before this one by then, and
			// restores them and this one.
			c.rollBack(old, idx[:n+1], nil)
			return setFailed(keys[n], reason)
		}
		if d.setAdjust != nil {
			v.n = d.setAdjust(v.n, work)
			v.s = d.formatInt(v.n)
		}
		work.vals[i] = v
	}

	c.mu.Lock()
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
			c.rollBack(old, idx, changed[:n+1])
			return setFailed(changedKeys[n], err.Error())
		}
	}
	return nil
}

// rollBack restores directives idx after a failed CONFIG SET as Redis
// does: each is set again from its CONFIG GET string before the command
// (old), which can lose something (notify-keyspace-events "KEAn" reads
// back as "KEA"). The appliers run again for the directives in ran, which
// saw the new values, and for those the round trip changed.
func (c *Config) rollBack(old []value, idx, ran []int) {
	back := slices.Clone(old)
	st := &state{vals: back, file: c.st.file}
	for _, i := range idx {
		d := &directives[i]
		argv := []string{old[i].s}
		if d.multiArg {
			argv = splitSpaces(old[i].s)
		}
		if v, reason := d.parse(argv, st, i); reason == "" {
			back[i] = v
		}
	}
	c.mu.Lock()
	for _, i := range idx {
		if cur := c.st.vals[i]; back[i].s != cur.s {
			c.v.Set(directives[i].name, back[i].s)
		}
	}
	c.st.vals = back
	c.vals.Store(&back)
	c.mu.Unlock()
	for _, i := range idx {
		if slices.Contains(ran, i) || back[i].s != old[i].s || back[i].n != old[i].n {
			_ = c.apply(i, back[i].s) // Redis only logs failures here
		}
	}
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
