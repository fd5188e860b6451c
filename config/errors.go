package config

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// LoadError is a fatal configuration error. Its text is the block
// redis-server prints on standard error, which it surrounds with a leading
// and a trailing newline before exiting with status 1.
type LoadError struct {
	// Where is "Reading the configuration file, at line N" (or the
	// environment variable), empty for checks made once all lines are read.
	Where  string
	Line   string // the offending line, as read
	Reason string
}

func (e *LoadError) Error() string {
	s := "*** FATAL CONFIG FILE ERROR (Redis " + RedisVersion + ") ***\n"
	if e.Where != "" {
		s += e.Where + "\n>>> '" + e.Line + "'\n"
	}
	return s + e.Reason
}

func lineError(n int, line, reason string) *LoadError {
	return &LoadError{Where: "Reading the configuration file, at line " + strconv.Itoa(n), Line: line, Reason: reason}
}

// OpenError is a config file (or included file) that cannot be read. Redis
// logs its text as a warning before exiting with status 1.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return "Fatal error, can't open config file '" + e.Path + "': " + strerror(e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// strerror renders an OS error as C's strerror does: Go's texts for errno
// values are glibc's with a lower-case first letter.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
