package value

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Reader decodes RESP2 and RESP3 replies from a stream.
type Reader struct {
	r   *bufio.Reader
	raw []byte
}

// NewReader reads replies from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// Next decodes one reply and also returns its exact bytes, so callers can
// compare what a server sent without trusting this decoder.
func (p *Reader) Next() (Value, []byte, error) {
	p.raw = p.raw[:0]
	v, err := p.value()
	return v, p.raw, err
}

func (p *Reader) value() (Value, error) {
	line, err := p.line()
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, fmt.Errorf("resp: empty line")
	}
	body := string(line[1:])
	switch line[0] {
	case '+':
		return Value{Kind: Simple, Str: body}, nil
	case '-':
		return Value{Kind: Error, Str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		return Value{Kind: Int, Num: n}, err
	case ',':
		f, err := strconv.ParseFloat(body, 64)
		return Value{Kind: Double, Float: f}, err
	case '#':
		if body != "t" && body != "f" {
			return Value{}, fmt.Errorf("resp: bad boolean %q", body)
		}
		return Value{Kind: Bool, Truth: body == "t"}, nil
	case '_':
		return Value{Kind: Null}, nil
	case '$':
		return p.bulk(body)
	case '*':
		return p.aggregate(Array, body, 1)
	case '~':
		return p.aggregate(Set, body, 1)
	case '%':
		return p.aggregate(Map, body, 2)
	}
	return Value{}, fmt.Errorf("resp: unsupported reply type %q", line[0])
}

func (p *Reader) bulk(size string) (Value, error) {
	n, err := strconv.Atoi(size)
	if err != nil {
		return Value{}, err
	}
	if n == -1 {
		return Value{Kind: Null}, nil
	}
	if n < 0 {
		return Value{}, fmt.Errorf("resp: bad bulk length %d", n)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(p.r, b); err != nil {
		return Value{}, err
	}
	p.raw = append(p.raw, b...)
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		return Value{}, fmt.Errorf("resp: bulk string not terminated")
	}
	return Value{Kind: Bulk, Str: string(b[:n])}, nil
}

// aggregate reads count*per elements (a map has two per entry).
func (p *Reader) aggregate(k Kind, count string, per int) (Value, error) {
	n, err := strconv.Atoi(count)
	if err != nil {
		return Value{}, err
	}
	if n < 0 {
		return Value{}, fmt.Errorf("resp: null aggregates are not supported")
	}
	v := Value{Kind: k, Elems: make([]Value, 0, n*per)}
	for range n * per {
		e, err := p.value()
		if err != nil {
			return Value{}, err
		}
		v.Elems = append(v.Elems, e)
	}
	return v, nil
}

// line reads up to CRLF and returns the line without it.
func (p *Reader) line() ([]byte, error) {
	b, err := p.r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	p.raw = append(p.raw, b...)
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		return nil, fmt.Errorf("resp: line not terminated by CRLF")
	}
	return b[:len(b)-2], nil
}
