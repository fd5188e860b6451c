package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The JSON form keeps every RESP3 type: bulk strings, integers, null,
// booleans and arrays map to their JSON counterparts; the other types are
// one-key objects named by their RESP3 type byte:
//
//	{"+": "simple"}  {"-": "ERR error"}  {",": "1.5"}  {"~": [set...]}
//	{"%": {"key": value, ...}}   (map keys must be distinct bulk strings)
//
// Maps keep their order, which is part of the reply.

// lineWidth is how long a container may be and still be written on one line.
const lineWidth = 100

// AppendJSON appends v as indented JSON whose nested lines start with indent.
func AppendJSON(dst []byte, v Value, indent string) ([]byte, error) {
	flat, err := appendFlat(nil, v)
	if err != nil {
		return nil, err
	}
	if len(indent)+len(flat) <= lineWidth || (v.Kind != Array && v.Kind != Set && v.Kind != Map) || len(v.Elems) == 0 {
		return append(dst, flat...), nil
	}
	inner := indent + "  "
	open, close := brackets(v.Kind)
	dst = append(dst, open...)
	step := 1
	if v.Kind == Map {
		step = 2
	}
	for i := 0; i < len(v.Elems); i += step {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
		dst = append(dst, inner...)
		if v.Kind == Map {
			if dst, err = appendString(dst, v.Elems[i].Str); err != nil {
				return nil, err
			}
			dst = append(dst, ": "...)
		}
		if dst, err = AppendJSON(dst, v.Elems[i+step-1], inner); err != nil {
			return nil, err
		}
	}
	dst = append(dst, '\n')
	dst = append(dst, indent...)
	return append(dst, close...), nil
}

// brackets returns the JSON that opens and closes a container of kind k.
func brackets(k Kind) (string, string) {
	switch k {
	case Set:
		return `{"~": [`, "]}"
	case Map:
		return `{"%": {`, "}}"
	}
	return "[", "]"
}

// appendFlat appends v as JSON on a single line.
func appendFlat(dst []byte, v Value) ([]byte, error) {
	var err error
	switch v.Kind {
	case Null:
		return append(dst, "null"...), nil
	case Bulk:
		return appendString(dst, v.Str)
	case Int:
		return strconv.AppendInt(dst, v.Num, 10), nil
	case Bool:
		return strconv.AppendBool(dst, v.Truth), nil
	case Simple:
		return appendTagged(dst, "+", v.Str)
	case Error:
		return appendTagged(dst, "-", v.Str)
	case Double:
		return appendTagged(dst, ",", strconv.FormatFloat(v.Float, 'g', -1, 64))
	case Map:
		if err := checkKeys(v); err != nil {
			return nil, err
		}
	case Array, Set:
	default:
		return nil, fmt.Errorf("value: unknown kind %d", v.Kind)
	}
	open, close := brackets(v.Kind)
	dst = append(dst, open...)
	for i, e := range v.Elems {
		switch {
		case v.Kind == Map && i%2 == 1:
			dst = append(dst, ": "...)
		case i > 0:
			dst = append(dst, ", "...)
		}
		if dst, err = appendFlat(dst, e); err != nil {
			return nil, err
		}
	}
	return append(dst, close...), nil
}

// checkKeys rejects maps that a JSON object cannot hold.
func checkKeys(v Value) error {
	seen := map[string]bool{}
	for i := 0; i < len(v.Elems); i += 2 {
		k := v.Elems[i]
		if k.Kind != Bulk || seen[k.Str] {
			return fmt.Errorf("value: map key %+v is not a distinct bulk string", k)
		}
		seen[k.Str] = true
	}
	return nil
}

func appendTagged(dst []byte, tag, s string) ([]byte, error) {
	dst = append(dst, `{"`...)
	dst = append(dst, tag...)
	dst, err := appendString(append(dst, `": `...), s)
	return append(dst, '}'), err
}

// appendString quotes s; JSON cannot carry invalid UTF-8, so such a
// string is refused rather than altered.
func appendString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("value: %q is not valid UTF-8", s)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}
