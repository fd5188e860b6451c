package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// The aclfile and "user" directives at startup, through the real binary:
// Redis refuses both at once and a bad ACL file, and loads user lines.
func TestACLStartup(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.acl")
	os.WriteFile(file, []byte("user bob on foo\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--aclfile", file}, "Aborting Redis startup because of ACL errors: " + file + ":1: Syntax error. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"},
		{[]string{"--aclfile", filepath.Join(dir, "none.acl")}, "Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '" + filepath.Join(dir, "none.acl") + "': No such file or directory"},
		{[]string{"--aclfile", file, "--user", "alice", "on"}, "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."},
	} {
		cmd := exec.Command(cairntest.Binary(t), append([]string{"--port", "0", "--dir", dir}, tc.args...)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%q: exit %v, output:\n%s\nwant %q", tc.args, err, out, tc.want)
		}
	}
	p := cairntest.StartProcess(t, t.TempDir(), "--user", "alice", "on", ">pw", "~a*", "+@all", "--user", "bob", "off",
		"--user", "default", "on", "nopass", "~*", "+@all")
	c := cairntest.Dial(t, p.Addr)
	for _, step := range [][2]string{{"auth bob x", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"auth alice pw", "+OK\r\n"}, {"acl whoami", "$5\r\nalice\r\n"}, {"get b", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
		{"acl list", "*3\r\n$103\r\nuser alice on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~a* resetchannels +@all\r\n$32\r\nuser bob off resetchannels -@all\r\n$62\r\nuser default on nopass sanitize-payload ~* resetchannels +@all\r\n"}} {
		if got := c.Do(strings.Fields(step[0])...); got != step[1] {
			t.Errorf("%s: %q, want %q", step[0], got, step[1])
		}
	}
}
