// Package rlog writes log lines in redis-server's format:
//
//	pid:role dd Mon yyyy hh:mm:ss.mmm <level char> message
//
// with the level characters . - * # for debug, verbose, notice and warning.
package rlog

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Levels, as loglevel names them.
const (
	Debug = iota
	Verbose
	Notice
	Warning
)

var levelChars = [...]byte{'.', '-', '*', '#'}

// Logger is safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	out   io.Writer
	file  *os.File
	level atomic.Int32
	role  byte
	pid   int
}

// New logs to stdout at notice level as a master ('M').
func New() *Logger {
	l := &Logger{out: os.Stdout, role: 'M', pid: os.Getpid()}
	l.level.Store(Notice)
	return l
}

// ParseLevel maps a loglevel name to its level.
func ParseLevel(name string) (int, bool) {
	switch strings.ToLower(name) {
	case "debug":
		return Debug, true
	case "verbose":
		return Verbose, true
	case "notice":
		return Notice, true
	case "warning", "nothing":
		return Warning, true
	}
	return 0, false
}

// SetRole sets the role character of the lines: 'C' while starting up
// (redis-server's "child"/not yet a server), 'M' once serving as a master.
func (l *Logger) SetRole(role byte) {
	l.mu.Lock()
	l.role = role
	l.mu.Unlock()
}

// SetLevel sets the minimum level written.
func (l *Logger) SetLevel(level int) { l.level.Store(int32(level)) }

// SetFile sends the log to path (appending); "" means stdout.
func (l *Logger) SetFile(path string) error {
	var out io.Writer = os.Stdout
	var f *os.File
	if path != "" {
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		out = f
	}
	l.mu.Lock()
	if l.file != nil {
		l.file.Close()
	}
	l.out, l.file = out, f
	l.mu.Unlock()
	return nil
}

// SetOutput sends the log to w (tests).
func (l *Logger) SetOutput(w io.Writer) {
	l.mu.Lock()
	l.out = w
	l.mu.Unlock()
}

// Logf writes one line at the given level.
func (l *Logger) Logf(level int, format string, args ...any) {
	if int32(level) < l.level.Load() {
		return
	}
	now := time.Now()
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	line := fmt.Sprintf("%d:%c %s.%03d %c %s\n", l.pid, l.role,
		now.Format("02 Jan 2006 15:04:05"), now.Nanosecond()/1e6, levelChars[level], msg)
	io.WriteString(l.out, line)
	l.mu.Unlock()
}

// Debugf, Verbosef, Noticef and Warningf log at their levels.
func (l *Logger) Debugf(format string, args ...any)   { l.Logf(Debug, format, args...) }
func (l *Logger) Verbosef(format string, args ...any) { l.Logf(Verbose, format, args...) }
func (l *Logger) Noticef(format string, args ...any)  { l.Logf(Notice, format, args...) }
func (l *Logger) Warningf(format string, args ...any) { l.Logf(Warning, format, args...) }

// Pebble adapts the logger to Pebble's Logger interface: Pebble's chatter
// is verbose-level, its errors warnings.
type Pebble struct{ L *Logger }

func (p Pebble) Infof(format string, args ...any)  { p.L.Verbosef("pebble: "+format, args...) }
func (p Pebble) Errorf(format string, args ...any) { p.L.Warningf("pebble: "+format, args...) }
func (p Pebble) Fatalf(format string, args ...any) {
	p.L.Warningf("pebble: "+format, args...)
	os.Exit(1)
}
