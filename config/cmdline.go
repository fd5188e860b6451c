package config

import "strings"

// parseCommandLine reads redis-server's arguments (without the program
// name): an optional config file first, "-" for standard input as the first
// or last argument, and "--name arg..." groups that become config lines.
// The lines are built as Redis builds them, arguments quoted, so errors
// quote them the same way. The caller handles -v, --help and the like.
func parseCommandLine(args []string) (file string, stdin bool, options string) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, j = args[0], 1
	}
	var b strings.Builder
	// handled is false right after a "--name" with no value yet: the next
	// argument is its value even if it starts with "--".
	handled := true
	for ; j < len(args); j++ {
		a := args[j]
		last := j == len(args)-1
		switch {
		case a == "-" && (j == 0 || last):
			stdin = true
		case handled && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:] + " ")
			if words, _ := splitArgs(a); len(words) != 1 {
				break // "--name value" in one argument
			}
			handled = false
			nextIsName := !last && strings.HasPrefix(args[j+1], "--")
			switch {
			case strings.EqualFold(a, "--save") && (nextIsName || last):
				// A bare --save means save "", as before Redis 7.0.1.
				b.WriteString(`""`)
				handled = nextIsName
			case strings.EqualFold(a, "--sentinel") && nextIsName:
				handled = true
			}
		default:
			b.WriteString(repr(a) + " ")
			handled = true
		}
	}
	return file, stdin, b.String()
}

// absolutePath makes a config file path absolute as Redis does: it joins it
// to cwd, dropping only leading "../" parts, and does not clean it further.
func absolutePath(cwd, name string) string {
	rel := strings.Trim(name, " \r\n\t")
	if strings.HasPrefix(rel, "/") {
		return rel
	}
	abs := cwd
	if !strings.HasSuffix(abs, "/") {
		abs += "/"
	}
	for strings.HasPrefix(rel, "../") {
		rel = rel[3:]
		if len(abs) > 1 {
			abs = abs[:strings.LastIndexByte(abs[:len(abs)-1], '/')+1]
		}
	}
	return abs + rel
}
