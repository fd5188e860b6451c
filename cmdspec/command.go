package cmdspec

import (
	"bytes"

	"github.com/cairndb/cairn/glob"
	"github.com/cairndb/cairn/resp"
)

// Command answers COMMAND and its subcommands; args[0] is the name
// COMMAND. Only the commands that implemented accepts exist for it.
func Command(w *resp.Writer, args [][]byte, implemented func(*Spec) bool) {
	if len(args) == 1 {
		writeInfos(w, Commands(implemented), implemented)
		return
	}
	sub := LookupArgs(args)
	if sub == nil {
		w.Error(unknownSubcommand(args[1]))
		return
	}
	if !sub.CheckArity(len(args)) {
		w.Error("ERR wrong number of arguments for '" + sub.Name + "' command")
		return
	}
	switch sub.Name {
	case "command|count":
		w.Int(int64(len(Commands(implemented))))
	case "command|list":
		commandList(w, args[2:], implemented)
	case "command|info":
		commandInfo(w, args[2:], implemented)
	case "command|docs":
		commandDocs(w, args[2:], implemented)
	case "command|getkeys":
		commandGetKeys(w, args[2:], false, implemented)
	case "command|getkeysandflags":
		commandGetKeys(w, args[2:], true, implemented)
	case "command|help":
		w.Array(len(helpLines))
		for _, l := range helpLines {
			w.Simple(l)
		}
	default:
		w.Error(unknownSubcommand(args[1]))
	}
}

// unknownSubcommand is Redis's error, which shows at most 128 bytes of the
// name, with line breaks blanked to keep the reply one line.
func unknownSubcommand(name []byte) string {
	name = bytes.Clone(name[:min(len(name), 128)])
	for i, c := range name {
		if c == '\r' || c == '\n' {
			name[i] = ' '
		}
	}
	return "ERR unknown subcommand '" + string(name) + "'. Try COMMAND HELP."
}

func writeInfos(w *resp.Writer, specs []*Spec, implemented func(*Spec) bool) {
	w.Array(len(specs))
	for _, s := range specs {
		WriteInfo(w, s, implemented)
	}
}

// commandInfo gives a nil entry for each name it does not know.
func commandInfo(w *resp.Writer, names [][]byte, implemented func(*Spec) bool) {
	if len(names) == 0 {
		writeInfos(w, Commands(implemented), implemented)
		return
	}
	w.Array(len(names))
	for _, name := range names {
		if s := Lookup(string(name)); s != nil && serves(implemented, s) {
			WriteInfo(w, s, implemented)
		} else {
			w.Null()
		}
	}
}

// commandDocs leaves out the names it does not know.
func commandDocs(w *resp.Writer, names [][]byte, implemented func(*Spec) bool) {
	var specs []*Spec
	if len(names) == 0 {
		specs = Commands(implemented)
	}
	for _, name := range names {
		if s := Lookup(string(name)); s != nil && serves(implemented, s) {
			specs = append(specs, s)
		}
	}
	w.Map(len(specs))
	for _, s := range specs {
		WriteDocs(w, s, implemented)
	}
}

// commandList answers COMMAND LIST [FILTERBY MODULE|ACLCAT|PATTERN arg].
// Options are compared as C strings, as Redis does.
func commandList(w *resp.Writer, opts [][]byte, implemented func(*Spec) bool) {
	keep := func(*Spec) bool { return true }
	switch {
	case len(opts) == 0:
	case len(opts) == 3 && equalC(opts[0], "filterby"):
		arg := opts[2]
		switch {
		case equalC(opts[1], "module"):
			keep = func(*Spec) bool { return false } // Cairn loads no modules
		case equalC(opts[1], "aclcat"):
			keep = func(s *Spec) bool {
				for _, c := range s.ACLCategories {
					if equalC(arg, c) {
						return true
					}
				}
				return false
			}
		case equalC(opts[1], "pattern"):
			keep = func(s *Spec) bool { return glob.MatchFold(string(arg), s.Name) }
		default:
			w.Error("ERR syntax error")
			return
		}
	default:
		w.Error("ERR syntax error")
		return
	}
	var names []string
	for _, s := range List(implemented) {
		if keep(s) {
			names = append(names, s.Name)
		}
	}
	w.Array(len(names))
	for _, n := range names {
		w.BulkString(n)
	}
}

// commandGetKeys answers COMMAND GETKEYS and GETKEYSANDFLAGS for the
// command line args.
func commandGetKeys(w *resp.Writer, args [][]byte, withFlags bool, implemented func(*Spec) bool) {
	s := LookupArgs(args)
	if s == nil || !serves(implemented, s) {
		w.Error("ERR Invalid command specified")
		return
	}
	keys, err := s.KeyPositions(nil, args)
	if err != nil {
		w.Error(err.Error())
		return
	}
	w.Array(len(keys.Refs))
	for _, r := range keys.Refs {
		if !withFlags {
			w.Bulk(args[r.Index])
			continue
		}
		w.Array(2)
		w.Bulk(args[r.Index])
		names := r.Flags.Names()
		w.Set(len(names))
		for _, n := range names {
			w.Simple(n)
		}
	}
}

var helpLines = []string{
	"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
	"HELP",
	"    Prints this help.",
}
