package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrDumpFooter reports a DUMP payload whose version or checksum is wrong.
var ErrDumpFooter = errors.New("DUMP payload version or checksum are wrong")

// dumpFooter is the 2-byte RDB version and 8-byte CRC-64 after the value.
const dumpFooter = 10

// CheckDump verifies a DUMP payload's footer as Redis 7.0's RESTORE does:
// a version it can read (at most 10) and a matching, non-zero CRC-64.
func CheckDump(payload []byte) error {
	if err := CheckDumpVersion(payload); err != nil {
		return err
	}
	if binary.LittleEndian.Uint64(payload[len(payload)-8:]) != CRC64(0, payload[:len(payload)-8]) {
		return ErrDumpFooter
	}
	return nil
}

// CheckDumpVersion is CheckDump without the checksum, for a server told
// to skip it (DEBUG SET-SKIP-CHECKSUM-VALIDATION 1).
func CheckDumpVersion(payload []byte) error {
	if len(payload) < dumpFooter || binary.LittleEndian.Uint16(payload[len(payload)-dumpFooter:]) > Version {
		return ErrDumpFooter
	}
	return nil
}

// DecodeDump opens the value of a DUMP payload; it checks the version,
// the caller the checksum (CheckDump). Like RESTORE it reads the value from
// the whole payload, so a value cut short runs into the footer, and it
// ignores whatever follows the value. deep adds the checks of
// sanitize-dump-payload yes (see Decoder).
func DecodeDump(payload []byte, deep bool) (*Value, error) {
	if err := CheckDumpVersion(payload); err != nil {
		return nil, err
	}
	d := NewDecoder(bytes.NewReader(payload))
	d.deep = deep
	d.version = int(binary.LittleEndian.Uint16(payload[len(payload)-dumpFooter:]))
	t, err := d.in.readByte()
	if err != nil {
		return nil, d.wrap(err)
	}
	kind, ok := kindOf(t)
	if !ok {
		return nil, d.wrap(fmt.Errorf("%w: RDB type %d", ErrUnsupported, t))
	}
	v, err := d.openValue(t, kind)
	if err != nil {
		return nil, d.wrap(err)
	}
	return v, nil
}

// Drain reads the rest of a value, checking it; it reports the first
// error in the data.
func (v *Value) Drain() error { return v.drain() }
