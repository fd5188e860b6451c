package value

import (
	"fmt"
	"slices"
	"strings"
)

// The command table file: the Redis version, then per command (sorted by
// name, one line per value where it fits, so that a new Redis release
// shows as a readable diff) its COMMAND INFO and COMMAND DOCS entries.
//
//	{
//	  "redis_version": "7.0.15",
//	  "commands": {
//	    "get": {
//	      "info": [...],
//	      "docs": {"%": {...}}
//	    },
//	    ...
//	  }
//	}

// Entry is one command of the file.
type Entry struct {
	Name       string
	Info, Docs Value
}

// EncodeFile writes the file.
func EncodeFile(version string, entries []Entry) ([]byte, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	b, err := appendString([]byte("{\n  \"redis_version\": "), version)
	if err != nil {
		return nil, err
	}
	b = append(b, ",\n  \"commands\": {"...)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendString(append(b, "\n    "...), e.Name); err != nil {
			return nil, err
		}
		b = append(b, ": {\n      \"info\": "...)
		if b, err = AppendJSON(b, e.Info, "      "); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		b = append(b, ",\n      \"docs\": "...)
		if b, err = AppendJSON(b, e.Docs, "      "); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		b = append(b, "\n    }"...)
	}
	return append(b, "\n  }\n}\n"...), nil
}

// DecodeFile reads the file.
func DecodeFile(b []byte) (version string, entries []Entry, err error) {
	p := &parser{b: b}
	err = p.object(func(key string) error {
		switch key {
		case "redis_version":
			version, err = p.string()
			return err
		case "commands":
			return p.object(func(name string) error {
				e := Entry{Name: name}
				err := p.object(func(field string) error {
					var err error
					switch field {
					case "info":
						e.Info, err = p.value()
					case "docs":
						e.Docs, err = p.value()
					default:
						err = p.errorf("unknown field %q", field)
					}
					return err
				})
				entries = append(entries, e)
				return err
			})
		}
		return p.errorf("unknown key %q", key)
	})
	if p.space(); err == nil && p.i != len(b) {
		err = p.errorf("trailing data")
	}
	return version, entries, err
}
