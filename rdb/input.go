package rdb

import (
	"errors"
	"io"
)

// errTruncated reports input that ends in the middle of something.
var errTruncated = errors.New("unexpected end of input")

// input is a buffered reader that knows its offset and keeps the CRC-64 of
// everything consumed, so the trailer can be checked without holding the
// file in memory.
type input struct {
	src    io.Reader
	buf    []byte
	pos    int   // next unread byte in buf
	end    int   // end of the data in buf
	summed int   // bytes of buf[:summed] already in crc
	base   int64 // offset of buf[0]
	crc    uint64
	err    error // sticky error from src
}

const inputBuffer = 64 << 10

func newInput(r io.Reader) *input {
	return &input{src: r, buf: make([]byte, inputBuffer)}
}

// offset is the position of the next unread byte.
func (in *input) offset() int64 { return in.base + int64(in.pos) }

// checksum is the CRC-64 of every byte consumed so far.
func (in *input) checksum() uint64 {
	in.crc = CRC64(in.crc, in.buf[in.summed:in.pos])
	in.summed = in.pos
	return in.crc
}

// fill makes at least one more byte available.
func (in *input) fill() error {
	in.checksum()
	if in.pos > 0 {
		n := copy(in.buf, in.buf[in.pos:in.end])
		in.base += int64(in.pos)
		in.pos, in.end, in.summed = 0, n, 0
	}
	for in.pos == in.end {
		if in.err != nil {
			if in.err == io.EOF {
				return errTruncated
			}
			return in.err
		}
		n, err := in.src.Read(in.buf[in.end:])
		in.end += n
		in.err = err
		if n == 0 && err == nil {
			in.err = io.ErrNoProgress
		}
	}
	return nil
}

func (in *input) readByte() (byte, error) {
	if in.pos == in.end {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	b := in.buf[in.pos]
	in.pos++
	return b, nil
}

// readBytes returns the next n bytes in a new slice. The slice grows as the
// data arrives, so a corrupt length costs no more memory than the input.
func (in *input) readBytes(n uint64) ([]byte, error) {
	if n <= uint64(in.end-in.pos) {
		out := make([]byte, n)
		in.pos += copy(out, in.buf[in.pos:])
		return out, nil
	}
	out := make([]byte, 0, min(n, 1<<20))
	for uint64(len(out)) < n {
		if in.pos == in.end {
			if err := in.fill(); err != nil {
				return nil, err
			}
		}
		take := min(n-uint64(len(out)), uint64(in.end-in.pos))
		out = append(out, in.buf[in.pos:in.pos+int(take)]...)
		in.pos += int(take)
	}
	return out, nil
}

// readFixed reads exactly len(p) bytes into p.
func (in *input) readFixed(p []byte) error {
	for len(p) > 0 {
		if in.pos == in.end {
			if err := in.fill(); err != nil {
				return err
			}
		}
		n := copy(p, in.buf[in.pos:in.end])
		in.pos += n
		p = p[n:]
	}
	return nil
}
