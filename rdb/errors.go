package rdb

import (
	"errors"
	"fmt"
	"strconv"
)

// Error is a decoding failure: where it happened and, inside a key, which.
type Error struct {
	Offset int64  // byte offset in the file or payload
	DB     int    // database of the key, when Key is set
	Key    []byte // the key being read, nil outside a key
	Err    error
}

func (e *Error) Error() string {
	if e.Key != nil {
		return fmt.Sprintf("rdb: offset %d, db %d, key %s: %v", e.Offset, e.DB, strconv.Quote(string(e.Key)), e.Err)
	}
	return fmt.Sprintf("rdb: offset %d: %v", e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrChecksum reports a CRC-64 that does not match the data.
var ErrChecksum = errors.New("checksum mismatch")

// ErrUnsupported reports valid data this package cannot read (module
// types, newer formats).
var ErrUnsupported = errors.New("unsupported")

// ErrTruncated reports input that ends too early.
var ErrTruncated = errTruncated
