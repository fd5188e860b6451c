package storage

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// Function libraries (FUNCTION LOAD) persist as system records
// "function/<library name>" holding the library's source code; the engine
// compiles them again at start-up. ENCODING.md lists the record.

const functionPrefix = "function/"

func functionBounds() (lower, upper []byte) {
	lower = systemKey(functionPrefix)
	upper = append(bytes.Clone(lower[:len(lower)-1]), '/'+1)
	return lower, upper
}

// FunctionLibraries returns the source code of every stored library, by
// library name.
func (s *Store) FunctionLibraries() (map[string]string, error) {
	lower, upper := functionBounds()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	libs := make(map[string]string)
	for ok := it.First(); ok; ok = it.Next() {
		libs[string(it.Key()[len(lower):])] = string(it.Value())
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	return libs, nil
}

// SetFunctionLibraries replaces the stored libraries with libs (name →
// code) in one batch, counted as a write for durability.
func (s *Store) SetFunctionLibraries(libs map[string]string) error {
	old, err := s.FunctionLibraries()
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	for name := range old {
		if _, kept := libs[name]; !kept {
			b.Delete(systemKey(functionPrefix+name), nil)
		}
	}
	for name, code := range libs {
		if old[name] != code {
			b.Set(systemKey(functionPrefix+name), []byte(code), nil)
		}
	}
	if b.Empty() {
		return b.Close()
	}
	return s.commitSystem(b)
}
