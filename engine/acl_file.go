package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// loadACLFile replaces the users with those of the ACL file (ACL LOAD, and
// at startup). On any error nothing changes and the errors are returned, in
// Redis's words. Clients authenticated as a replaced user are disconnected;
// the default user is updated in place, so its clients stay. The calling
// client (self, nil at startup) is closed after its reply.
func (s *Server) loadACLFile(self *Client) string {
	a := s.access
	data, err := os.ReadFile(a.file)
	if err != nil {
		return fmt.Sprintf("Error loading ACLs, opening file '%s': %s", a.file, strerror(err))
	}
	users, errs := s.parseACLFile(string(data))
	if errs != "" {
		return errs + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	}
	a.mu.Lock()
	var old []*aclUser
	for name, u := range a.users {
		if name != "default" {
			old = append(old, u)
		}
	}
	if r, ok := users["default"]; ok {
		a.dflt.set(r)
	} else {
		a.dflt.set(defaultUserRules())
	}
	a.users = map[string]*aclUser{"default": a.dflt}
	for name, r := range users {
		if name != "default" {
			u := &aclUser{name: name}
			u.set(r)
			a.users[name] = u
		}
	}
	a.mu.Unlock()
	s.disconnectUsers(self, old)
	return ""
}

// parseACLFile reads "user <name> <rules...>" lines. Like Redis, it splits
// on single spaces (no quoting) and knows no comments.
func (s *Server) parseACLFile(data string) (map[string]*userRules, string) {
	file := s.access.file
	pubsubAll := s.pubsubAllDefault()
	users := map[string]*userRules{}
	var errs strings.Builder
	for i, line := range strings.Split(data, "\n") {
		n := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", file, n)
			continue
		}
		name := argv[1]
		if _, dup := users[name]; dup {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", name, n)
			continue
		}
		ops, open := mergeSelectorArgs(argv[2:])
		if open >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", file, n)
			continue
		}
		r := newUserRules(pubsubAll)
		reported := false
		for _, op := range ops {
			op = strings.Trim(op, "\t\r\n")
			err := r.apply(op, pubsubAll)
			switch {
			case err == aclOK:
			case err == aclErrUnknown:
				fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", file, n, op, err.Error())
			case !reported:
				// Only the first other error: later ones may follow from it.
				fmt.Fprintf(&errs, "%s:%d: %s. ", file, n, err.Error())
				reported = true
			}
		}
		users[name] = r
	}
	return users, errs.String()
}

// saveACLFile is ACL SAVE: the users as ACL LIST describes them, written to
// a temporary file renamed over the ACL file.
func (s *Server) saveACLFile() error {
	var b strings.Builder
	for _, u := range s.sortedUsers() {
		b.WriteString("user " + u.name + " " + describeUser(u.get()) + "\n")
	}
	file := s.access.file
	tmp := fmt.Sprintf("%s.tmp-%d-%d", file, os.Getpid(), time.Now().UnixMilli())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("Opening temp ACL file for ACL SAVE: %s", strerror(err))
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err == nil {
		err = syncDir(filepath.Dir(file))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Writing ACL file for ACL SAVE: %s", strerror(err))
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// strerror words an OS error as C's strerror does ("No such file or
// directory").
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
