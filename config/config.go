package config

import (
	"github.com/cairndb/cairn/glob"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/viper"
)

// Config is the effective configuration. Its methods are safe for
// concurrent use.
type Config struct {
	mu sync.RWMutex // guards st and v
	st *state       // typed values, for cheap reads
	// vals is st.vals for readers that take no lock: the server reads a
	// few directives on every request. Set replaces the slice, never
	// writes into it.
	vals atomic.Pointer[[]value]
	// v holds the same values in layers: built-in defaults, the config file,
	// the environment, then the command line and CONFIG SET.
	v *viper.Viper

	setMu sync.Mutex // serialises Set and Rewrite

	hookMu   sync.Mutex
	appliers map[int][]func(string) error

	ignored []string
	renames [][2]string
	users   []userDecl
}

// envFlag feeds one CAIRN_* value to viper's flag layer, which ranks just
// above its environment layer: viper reads only the process environment,
// while Load takes the environment as a parameter.
type envFlag struct{ name, value string }

func (f envFlag) HasChanged() bool    { return true }
func (f envFlag) Name() string        { return f.name }
func (f envFlag) ValueString() string { return f.value }
func (f envFlag) ValueType() string   { return "string" }

func newConfig(l *loader, builtin []value) *Config {
	v := viper.New()
	for i, d := range directives {
		v.SetDefault(d.name, builtin[i].s)
		if d.alias != "" {
			v.RegisterAlias(d.alias, d.name)
		}
	}
	// Each layer records the value its directives had when it ended.
	file := map[string]any{}
	for _, i := range l.touched[layerFile] {
		file[directives[i].name] = l.layerVals[layerFile][i].s
	}
	_ = v.MergeConfigMap(file) // cannot fail on a flat map of strings
	for _, i := range l.touched[layerEnv] {
		name := directives[i].name
		_ = v.BindFlagValue(name, envFlag{name, l.layerVals[layerEnv][i].s}) // fails only on a nil flag
	}
	for _, i := range l.touched[layerArgs] {
		v.Set(directives[i].name, l.st.vals[i].s)
	}
	c := &Config{st: l.st, v: v, appliers: map[int][]func(string) error{},
		ignored: l.ignored, renames: l.renames, users: l.users}
	vals := l.st.vals // not &c.st.vals: Set reassigns that field
	c.vals.Store(&vals)
	return c
}

// value returns a directive's current value; name may be an alias.
func (c *Config) value(name string) (value, *directive) {
	i := mustIndex(name)
	return (*c.vals.Load())[i], &directives[i]
}

// Int returns a number: bytes for memory values, seconds or counts
// otherwise; maxmemory-clients given as a percentage is returned negated.
// Unsigned values beyond MaxInt64 read as MaxInt64. It panics on an
// unknown name.
func (c *Config) Int(name string) int64 {
	return c.intAt(mustIndex(name))
}

// IntReader returns a function that reads the directive's current number
// as Int does, the name looked up once, for readers on a hot path (a
// connection reads its limits before every read of the socket).
func (c *Config) IntReader(name string) func() int64 {
	i := mustIndex(name)
	return func() int64 { return c.intAt(i) }
}

func (c *Config) intAt(i int) int64 {
	v := (*c.vals.Load())[i]
	if directives[i].unsigned && v.n < 0 {
		return math.MaxInt64
	}
	return v.n
}

// Bool returns a yes/no directive's value.
func (c *Config) Bool(name string) bool {
	v, _ := c.value(name)
	return v.n != 0
}

// String returns a directive's value as CONFIG GET shows it.
func (c *Config) String(name string) string {
	v, _ := c.value(name)
	return v.s
}

// Strings returns the parts of a multi-argument value: bind addresses,
// save's seconds and changes, client-output-buffer-limit's classes and
// limits, and so on; nil for single values.
func (c *Config) Strings(name string) []string {
	v, _ := c.value(name)
	return slices.Clone(v.list)
}

// IgnoredDirectives lists the directives the file, the environment or the
// command line set that Cairn does not act on, each once.
func (c *Config) IgnoredDirectives() []string { return slices.Clone(c.ignored) }

// ConfigFile is the absolute path of the config file, or "".
func (c *Config) ConfigFile() string { return c.st.file }

// Renames lists the rename-command lines in order: command and new name,
// the new name empty for a disabled command.
func (c *Config) Renames() [][2]string { return slices.Clone(c.renames) }

// Users lists the arguments of the "user" lines (name, then rules).
func (c *Config) Users() [][]string {
	out := make([][]string, len(c.users))
	for i, u := range c.users {
		out[i] = slices.Clone(u.args)
	}
	return out
}

// Get answers CONFIG GET: parameters matching any of the glob patterns, in
// any case, aliases included, each once. A pattern without glob characters
// is looked up as is and answered under the name given. Redis lists the
// matches in hash-table order; Cairn sorts them by name.
func (c *Config) Get(patterns ...string) [][2]string {
	type match struct {
		key string
		idx int
	}
	var matches []match
	seen := map[string]bool{}
	for _, p := range patterns {
		if !strings.ContainsAny(p, "[*?") {
			if i, ok := lookup(p); ok && !seen[strings.ToLower(p)] {
				seen[strings.ToLower(p)] = true
				matches = append(matches, match{p, i})
			}
			continue
		}
		for i, d := range directives {
			if d.flags&hidden != 0 {
				continue // hidden ones need their exact name
			}
			for _, name := range []string{d.name, d.alias} {
				if name != "" && !seen[name] && glob.MatchFold(p, name) {
					seen[name] = true
					matches = append(matches, match{name, i})
				}
			}
		}
	}
	sort.Slice(matches, func(a, b int) bool {
		return strings.ToLower(matches[a].key) < strings.ToLower(matches[b].key)
	})
	out := make([][2]string, len(matches))
	c.mu.RLock()
	defer c.mu.RUnlock()
	for n, m := range matches {
		out[n] = [2]string{m.key, c.v.GetString(directives[m.idx].name)}
	}
	return out
}
