//go:build !linux

package redistest

import "os/exec"

// dieWithParent does nothing here: only Linux can tie the server's life to
// the test binary's.
func dieWithParent(*exec.Cmd) {}
