package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cairndb/cairn/rdb"
)

// FUNCTION DUMP and RESTORE use Redis's payload: one RDB FUNCTION2 record
// (opcode and library code) per library, then the RDB version and a CRC-64,
// like a DUMP of a key. The records are exactly those of an RDB file, so
// the rdb package writes and reads them inside a minimal file: its
// "REDIS0010" header, the records, EOF and the file checksum.

const (
	rdbHeaderLen     = 9 // "REDIS" and four version digits
	rdbFunction      = 245
	rdbFunctionPreGA = 246
)

func cmdFunctionDump(x *Ctx) {
	var file bytes.Buffer
	enc := rdb.NewEncoder(&file, rdb.Options{Compress: true})
	err := enc.Begin()
	for _, lib := range x.s.scripts.functions.sortedLibraries() {
		if err == nil {
			err = enc.Function([]byte(lib.code))
		}
	}
	if err == nil {
		err = enc.End()
	}
	x.must(err)
	records := file.Bytes()[rdbHeaderLen : file.Len()-9] // less EOF and checksum
	payload := binary.LittleEndian.AppendUint16(bytes.Clone(records), rdb.Version)
	payload = binary.LittleEndian.AppendUint64(payload, rdb.CRC64(0, payload))
	x.w.Bulk(payload)
}

// errNotFunction stops reading a payload that holds something else.
var errNotFunction = errors.New("given type is not a function")

// functionCodes collects the libraries of a payload.
type functionCodes struct{ codes []string }

func (f *functionCodes) Aux(_, _ []byte) error { return errNotFunction }
func (f *functionCodes) Key(*rdb.Key, *rdb.Value) error {
	return errNotFunction
}
func (f *functionCodes) Function(code []byte) error {
	f.codes = append(f.codes, string(code))
	return nil
}

func cmdFunctionRestore(x *Ctx) {
	if len(x.args) > 4 {
		x.subcommandSyntaxError()
		return
	}
	policy := "append"
	if len(x.args) == 4 {
		switch {
		case eq(x.args[3], "append"), eq(x.args[3], "replace"), eq(x.args[3], "flush"):
			policy = string(bytes.ToLower(x.args[3]))
		default:
			x.fail("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	payload := x.args[2]
	if err := x.s.checkDump(payload); err != nil {
		x.fail("ERR " + err.Error())
		return
	}
	switch payload[0] {
	case rdbFunctionPreGA:
		x.fail("ERR Pre-GA function format not supported")
		return
	case rdbFunction:
	default:
		if len(payload) > 10 {
			x.fail("ERR given type is not a function")
			return
		}
	}
	file := fmt.Appendf(nil, "REDIS%04d", rdb.Version)
	file = append(file, payload[:len(payload)-10]...)
	file = append(file, 0xff, 0, 0, 0, 0, 0, 0, 0, 0) // EOF, no checksum
	var found functionCodes
	if err := rdb.NewDecoder(bytes.NewReader(file)).Decode(&found); err != nil {
		switch {
		case errors.Is(err, errNotFunction):
			x.fail("ERR given type is not a function")
		case errors.Is(err, rdb.ErrUnsupported):
			x.fail("ERR Pre-GA function format not supported")
		default:
			x.fail("ERR can not read data type")
		}
		return
	}
	fr := x.s.scripts.functions
	var libs []*functionLibrary
	names := map[string]*functionLibrary{}
	for _, code := range found.codes {
		lib, reject := fr.create(code, names)
		if reject != "" {
			x.fail(reject)
			return
		}
		names[lib.name] = lib
		libs = append(libs, lib)
	}
	reject := fr.change(x, func() string {
		if policy == "flush" {
			fr.clear()
		}
		return fr.link(libs, policy == "replace", "Library %s already exists")
	})
	if reject != "" {
		x.fail(reject)
		return
	}
	x.w.OK()
}
