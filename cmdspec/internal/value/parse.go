package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// parser reads the JSON form written by AppendJSON. It is a small
// dedicated parser because encoding/json takes tens of milliseconds on
// the command table, a cost every program using cmdspec would pay.
type parser struct {
	b []byte
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("value: offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

// skip consumes c if it comes next.
func (p *parser) skip(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(c byte) error {
	if !p.skip(c) {
		return p.errorf("want %q", c)
	}
	return nil
}

func (p *parser) value() (Value, error) {
	p.space()
	if p.i >= len(p.b) {
		return Value{}, p.errorf("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		s, err := p.string()
		return Value{Kind: Bulk, Str: s}, err
	case c == '[':
		elems, err := p.list()
		return Value{Kind: Array, Elems: elems}, err
	case c == '{':
		return p.tagged()
	case c == '-' || '0' <= c && c <= '9':
		return p.integer()
	}
	switch {
	case p.word("null"):
		return Value{Kind: Null}, nil
	case p.word("true"):
		return Value{Kind: Bool, Truth: true}, nil
	case p.word("false"):
		return Value{Kind: Bool}, nil
	}
	return Value{}, p.errorf("unexpected %q", p.b[p.i])
}

// word consumes w if it comes next.
func (p *parser) word(w string) bool {
	if !bytes.HasPrefix(p.b[p.i:], []byte(w)) {
		return false
	}
	p.i += len(w)
	return true
}

func (p *parser) integer() (Value, error) {
	start := p.i
	p.i++
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil {
		return Value{}, p.errorf("%v", err)
	}
	return Value{Kind: Int, Num: n}, nil
}

// string reads a quoted string; only escaped ones need encoding/json.
func (p *parser) string() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	start, escaped := p.i-1, false
	for ; p.i < len(p.b) && p.b[p.i] != '"'; p.i++ {
		if p.b[p.i] == '\\' {
			escaped = true
			p.i++
		}
	}
	if p.i >= len(p.b) {
		return "", p.errorf("unterminated string")
	}
	p.i++
	lit := p.b[start:p.i]
	if !escaped {
		return string(lit[1 : len(lit)-1]), nil
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", p.errorf("%v", err)
	}
	return s, nil
}

// list reads [v, ...].
func (p *parser) list() ([]Value, error) {
	if err := p.expect('['); err != nil {
		return nil, err
	}
	elems := []Value{}
	if p.skip(']') {
		return elems, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		elems = append(elems, v)
		if !p.skip(',') {
			return elems, p.expect(']')
		}
	}
}

// object reads {"key": value, ...}, letting each parse the value of key.
func (p *parser) object(each func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.skip('}') {
		return nil
	}
	for {
		p.space()
		key, err := p.string()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := each(key); err != nil {
			return err
		}
		if !p.skip(',') {
			return p.expect('}')
		}
	}
}

// tagged reads a one-key object standing for a simple string, error,
// double, set or map.
func (p *parser) tagged() (Value, error) {
	var v Value
	n := 0
	err := p.object(func(tag string) error {
		if n++; n > 1 {
			return p.errorf("tagged value with more than one key")
		}
		var err error
		switch tag {
		case "+":
			v.Kind = Simple
			v.Str, err = p.string()
		case "-":
			v.Kind = Error
			v.Str, err = p.string()
		case ",":
			var s string
			if s, err = p.string(); err == nil {
				v.Kind = Double
				v.Float, err = strconv.ParseFloat(s, 64)
			}
		case "~":
			v.Kind = Set
			v.Elems, err = p.list()
		case "%":
			v.Kind, v.Elems = Map, []Value{}
			err = p.object(func(key string) error {
				e, err := p.value()
				v.Elems = append(v.Elems, Value{Kind: Bulk, Str: key}, e)
				return err
			})
		default:
			err = p.errorf("unknown tag %q", tag)
		}
		return err
	})
	if err == nil && n == 0 {
		err = p.errorf("empty object")
	}
	return v, err
}
