package engine_test

import (
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// rename-command: the new name works (replies still use the real name),
// the old name is unknown, and a command renamed to "" is gone.
func TestRenameCommandDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t, "--rename-command", "config", "myconfig", "--rename-command", "flushall", "",
		"--rename-command", "GET", "fetch")
	d.Run(`
		set k v
		fetch k
		get k
		FETCH k extra
		config get maxmemory
		myconfig get maxmemory
		MyConfig nosuch
		myconfig get
		flushall
		"" k
		dbsize
		acl setuser u on nopass +@all -get ~*
		auth u x
		fetch k
		acl dryrun u get k
		acl dryrun u fetch k
	`)
}
