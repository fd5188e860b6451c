package cmdspec

import (
	"github.com/cairndb/cairn/cmdspec/internal/value"
	"github.com/cairndb/cairn/resp"
)

// The writers take a predicate, implemented, telling which commands Cairn
// serves; nil accepts every command.

// serves applies implemented to s and, for a subcommand, to its container.
func serves(implemented func(*Spec) bool, s *Spec) bool {
	return implemented == nil || (implemented(s) && (s.Parent == nil || implemented(s.Parent)))
}

func subcommands(implemented func(*Spec) bool, s *Spec) []*Spec {
	var subs []*Spec
	for _, sub := range s.Subcommands {
		if serves(implemented, sub) {
			subs = append(subs, sub)
		}
	}
	return subs
}

// WriteInfo writes the COMMAND INFO entry of s, listing only the
// subcommands that implemented accepts.
func WriteInfo(w *resp.Writer, s *Spec, implemented func(*Spec) bool) {
	last := len(s.info.Elems) - 1
	w.Array(len(s.info.Elems))
	for _, e := range s.info.Elems[:last] {
		value.Write(w, e)
	}
	if s.Subcommands == nil {
		value.Write(w, s.info.Elems[last])
		return
	}
	subs := subcommands(implemented, s)
	w.Array(len(subs))
	for _, sub := range subs {
		WriteInfo(w, sub, implemented)
	}
}

// WriteDocs writes one entry of the COMMAND DOCS map, the name of s and
// its documentation, listing only the subcommands that implemented accepts.
func WriteDocs(w *resp.Writer, s *Spec, implemented func(*Spec) bool) {
	w.BulkString(s.Name)
	e := s.docs.Elems
	w.Map(len(e) / 2)
	for i := 0; i < len(e); i += 2 {
		value.Write(w, e[i])
		if e[i].Str != "subcommands" {
			value.Write(w, e[i+1])
			continue
		}
		subs := subcommands(implemented, s)
		w.Map(len(subs))
		for _, sub := range subs {
			WriteDocs(w, sub, implemented)
		}
	}
}

// Commands returns the implemented top-level commands, as COMMAND and
// COMMAND COUNT see them, sorted by name.
func Commands(implemented func(*Spec) bool) []*Spec {
	var out []*Spec
	for _, s := range sorted {
		if serves(implemented, s) {
			out = append(out, s)
		}
	}
	return out
}

// List returns the implemented commands and subcommands, as COMMAND LIST
// sees them: each container followed by its subcommands.
func List(implemented func(*Spec) bool) []*Spec {
	var out []*Spec
	for _, s := range Commands(implemented) {
		out = append(out, s)
		out = append(out, subcommands(implemented, s)...)
	}
	return out
}
