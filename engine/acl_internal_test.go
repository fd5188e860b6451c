package engine

import (
	"io"
	"strings"
	"testing"
)

// The checks EXEC and scripts run for each command, with the texts Redis
// gives when a user's rules changed after MULTI or forbid a script's call.
func TestACLRecheckForExecAndScripts(t *testing.T) {
	s := newTestServer(t, io.Discard)
	admin := newTestClient(s)
	admin.do("acl", "setuser", "u", "on", "nopass", "+@all", "~a*", "&ch")
	c := newTestClient(s)
	c.do("auth", "u", "x")
	cmd := func(args ...string) (*command, [][]byte) {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		cmd, reject := s.lookupCommand(argv)
		if reject != "" {
			t.Fatal(reject)
		}
		return cmd, argv
	}
	for _, tc := range []struct {
		args         []string
		exec, script string
	}{
		{[]string{"get", "a1"}, "", ""},
		{[]string{"get", "b1"},
			"NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to touch the specified keys",
			"The user executing the script can't access at least one of the keys mentioned in the command arguments"},
		{[]string{"publish", "other", "m"},
			"NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to access one of the channels used as arguments",
			"The user executing the script can't publish to the channel mentioned in the command"},
	} {
		if got := c.c.execACLError(cmd(tc.args...)); got != tc.exec {
			t.Errorf("exec %q: %q, want %q", tc.args, got, tc.exec)
		}
		if got := c.c.scriptACLError(cmd(tc.args...)); got != tc.script {
			t.Errorf("script %q: %q, want %q", tc.args, got, tc.script)
		}
	}
	admin.do("acl", "setuser", "u", "-set")
	if got := c.c.execACLError(cmd("set", "a1", "v")); !strings.HasSuffix(got, "the following reason: no permission to execute the command or subcommand") {
		t.Errorf("exec set: %q", got)
	}
	if got := c.c.scriptACLError(cmd("set", "a1", "v")); got != "The user executing the script can't run this command or subcommand" {
		t.Errorf("script set: %q", got)
	}
	log := admin.do("acl", "log")
	for _, want := range []string{"lua", "multi", "\r\nb1\r\n", "\r\nother\r\n", "\r\nset\r\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("ACL LOG lacks %q:\n%q", want, log)
		}
	}
}
