package config

import "testing"

// mustLoad loads args (the command line) with environ, failing the test on
// an error.
func mustLoad(t *testing.T, environ []string, args ...string) *Config {
	t.Helper()
	c, err := load(args, environ, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
