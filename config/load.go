package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Load builds the configuration as redis-server does from its command line
// (args, without the program name): built-in defaults, then the config file
// and its includes (or standard input for "-"), then CAIRN_<DIRECTIVE>
// variables from environ (for example CAIRN_MAXMEMORY=1gb), then the
// "--directive value" arguments. A bad line gives a *LoadError, an
// unreadable file an *OpenError; the caller prints them and exits.
func Load(args, environ []string) (*Config, error) {
	return load(args, environ, os.Stdin)
}

// layer is where a setting came from, lowest priority first.
type layer int

const (
	layerFile layer = iota
	layerEnv
	layerArgs
	layers
)

// loader reads configuration lines into a state, as Redis's
// loadServerConfigFromString does.
type loader struct {
	st      *state
	layer   layer
	touched [layers][]int // directives each layer set, in order
	// layerVals are the values when each layer ended.
	layerVals [layers][]value
	ignored   []string
	renames   [][2]string
	users     []userDecl
	commands  map[string]bool // command names left after rename-command
}

// userDecl is a "user" line: its arguments after "user", and its text.
type userDecl struct {
	args []string
	text string
}

func load(args, environ []string, stdin io.Reader) (*Config, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	l := &loader{st: newState(cwd), commands: map[string]bool{}}
	for name := range redisCommands {
		l.commands[name] = true
	}
	builtin := slices.Clone(l.st.vals)
	file, fromStdin, options := parseCommandLine(args)
	var content string
	if file != "" {
		l.st.file = absolutePath(cwd, file)
		if content, err = readConfig(l.st.file); err != nil {
			return nil, &OpenError{l.st.file, err}
		}
	}
	if fromStdin {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, err
		}
		content += string(b)
	}
	// Redis parses the file and the arguments as one text, so the line
	// numbers of the arguments follow those of the file.
	fileLines := strings.Split(content, "\n")
	l.st.reading = true
	if err := l.lines(fileLines, 1); err != nil {
		return nil, err
	}
	l.endLayer(layerEnv)
	if err := l.env(environ); err != nil {
		return nil, err
	}
	l.endLayer(layerArgs)
	if err := l.lines(strings.Split(options, "\n"), len(fileLines)+1); err != nil {
		return nil, err
	}
	if err := l.finish(); err != nil {
		return nil, err
	}
	l.endLayer(layers)
	l.st.reading = false
	return newConfig(l, builtin), nil
}

// endLayer records the values as the current layer ends and moves on.
func (l *loader) endLayer(next layer) {
	l.layerVals[l.layer] = slices.Clone(l.st.vals)
	l.layer = next
}

// readConfig reads a config file; like C's fopen and fgets, a directory
// reads as empty.
func readConfig(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, syscall.EISDIR) {
		return "", nil
	}
	return string(b), err
}

// loadString loads an included file's text.
func (l *loader) loadString(content string) error {
	l.st.reading = true
	if err := l.lines(strings.Split(content, "\n"), 1); err != nil {
		return err
	}
	if err := l.finish(); err != nil {
		return err
	}
	// Redis clears its "reading a file" flag when an include ends, so save
	// lines after an include no longer add up. Kept for fidelity.
	l.st.reading = false
	return nil
}

func (l *loader) lines(lines []string, first int) error {
	for n, raw := range lines {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		argv, ok := splitArgs(line)
		if !ok {
			return lineError(first+n, line, "Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		reason, err := l.directive(argv, line)
		if err != nil {
			return err
		}
		if reason != "" {
			return lineError(first+n, line, reason)
		}
	}
	return nil
}

// env applies CAIRN_<DIRECTIVE> variables, each like a config line with one
// argument. Other CAIRN_ variables belong to other parts of Cairn and are
// left alone.
func (l *loader) env(environ []string) error {
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "CAIRN_") {
			continue
		}
		name := strings.ToLower(k[len("CAIRN_"):])
		i, found := lookup(strings.ReplaceAll(name, "_", "-"))
		if !found {
			i, found = lookup(name) // server_cpulist and friends
		}
		if !found {
			continue
		}
		reason, err := l.directive([]string{directives[i].name, v}, kv)
		if err != nil {
			return err
		}
		if reason != "" {
			return &LoadError{Where: "Reading the environment variable " + k, Line: kv, Reason: reason}
		}
	}
	return nil
}

// directive applies one line. It returns Redis's reason for refusing it,
// or an error from an included file.
func (l *loader) directive(argv []string, line string) (string, error) {
	name := strings.ToLower(argv[0])
	if i, ok := lookup(name); ok {
		d := &directives[i]
		if !d.multiArg && len(argv) != 2 {
			return "wrong number of arguments", nil
		}
		args := argv[1:]
		if d.multiArg && len(argv) == 2 && argv[1] != "" {
			// One argument of a multi-argument directive holds them all,
			// as in --save "900 1 300 10".
			args, _ = splitArgs(argv[1])
		}
		v, reason := d.parse(args, l.st, i)
		if reason != "" {
			return reason, nil
		}
		l.st.vals[i] = v
		l.touched[l.layer] = append(l.touched[l.layer], i)
		l.note(d.name, d.honoured)
		return "", nil
	}
	reason := ""
	switch {
	case deprecated[name] && len(argv) == 2:
	case name == "include" && len(argv) == 2:
		return "", l.include(argv[1])
	case name == "rename-command" && len(argv) == 3:
		reason = l.rename(argv[1], argv[2])
	case name == "user" && len(argv) >= 2:
		seen := map[string]bool{}
		for _, u := range l.users {
			seen[u.args[0]] = true
		}
		pubsubAll := l.st.get("acl-pubsub-default").s == "allchannels"
		if reason = checkUser(argv, seen, pubsubAll); reason == "" {
			l.users = append(l.users, userDecl{args: argv[1:], text: line})
		}
	case name == "loadmodule" && len(argv) >= 2:
	case strings.Contains(name, "."):
		if len(argv) != 2 {
			reason = "Module config specified without value"
		}
	case name == "sentinel":
		if len(argv) != 1 {
			reason = "sentinel directive while not in sentinel mode"
		}
	default:
		reason = "Bad directive or wrong number of arguments"
	}
	if reason == "" {
		l.note(name, fileOnly[name])
	}
	return reason, nil
}

// note records a directive Cairn does not act on, once.
func (l *loader) note(name string, honoured bool) {
	if !honoured && !slices.Contains(l.ignored, name) {
		l.ignored = append(l.ignored, name)
	}
}

// path resolves a file name against dir, Redis's working directory.
func (l *loader) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.st.get("dir").s, p)
}

// include loads another file, or every file a glob pattern matches (none
// is fine then).
func (l *loader) include(p string) error {
	var content strings.Builder
	if strings.ContainsAny(p, "*?[") {
		matches, _ := filepath.Glob(l.path(p))
		for _, m := range matches {
			// glob(3) does not match hidden files with a wildcard.
			if strings.HasPrefix(filepath.Base(m), ".") && !strings.HasPrefix(filepath.Base(p), ".") {
				continue
			}
			b, err := os.ReadFile(m)
			if err != nil {
				return &OpenError{m, err}
			}
			content.Write(b)
		}
	} else {
		s, err := readConfig(l.path(p))
		if err != nil {
			return &OpenError{p, err}
		}
		content.WriteString(s)
	}
	return l.loadString(content.String())
}

// rename applies "rename-command <command> <new name>"; an empty new name
// disables the command.
func (l *loader) rename(from, to string) string {
	if !l.commands[strings.ToLower(from)] {
		return "No such command in rename-command"
	}
	delete(l.commands, strings.ToLower(from))
	if to != "" {
		if l.commands[strings.ToLower(to)] {
			return "Target command name already exists"
		}
		l.commands[strings.ToLower(to)] = true
	}
	l.renames = append(l.renames, [2]string{from, to})
	return ""
}

// finish makes the checks Redis makes once a text is loaded.
func (l *loader) finish() error {
	if logfile := l.st.get("logfile").s; logfile != "" {
		// Redis opens the log file now so it can fail early; this creates
		// it, as Redis does.
		f, err := os.OpenFile(l.path(logfile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return &LoadError{Reason: "Can't open the log file: " + strerror(err)}
		}
		f.Close()
	}
	if l.st.get("cluster-enabled").n != 0 && l.st.get("replicaof").s != "" {
		return &LoadError{Reason: "replicaof directive not allowed in cluster mode"}
	}
	return nil
}

// newState is the configuration before anything is read; cwd is the
// default dir.
func newState(cwd string) *state {
	st := &state{vals: make([]value, len(directives))}
	st.vals[mustIndex("dir")] = value{s: cwd}
	for i := range directives {
		st.vals[i] = parseDefault(i, st)
	}
	return st
}

func parseDefault(i int, st *state) value {
	d := &directives[i]
	args := []string{d.def}
	if d.multiArg {
		args = splitSpaces(d.def)
	}
	v, reason := d.parse(args, st, i)
	if reason != "" {
		panic("config: bad default for " + d.name + ": " + reason)
	}
	return v
}

// defaults are the built-in values, for CONFIG REWRITE's comparisons (set
// in init, once index exists).
var defaults []value
