package engine

import "strings"

// renameLister is the part of config.Config that lists rename-command
// lines.
type renameLister interface{ Renames() [][2]string }

// applyRenames applies rename-command: a renamed command answers to its new
// name only, and one renamed to "" is gone. Replies and ACL rules still
// call it by its real name, as in Redis.
func (s *Server) applyRenames() {
	l, ok := s.cfg.(renameLister)
	if !ok {
		return
	}
	for _, r := range l.Renames() {
		from, to := strings.ToLower(r[0]), strings.ToLower(r[1])
		cmd := s.commands[from]
		if cmd == nil {
			continue // a Redis command Cairn does not implement
		}
		delete(s.commands, from)
		if to != "" {
			s.commands[to] = cmd
		}
	}
}
