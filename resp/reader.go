package resp

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync/atomic"
)

// inlineMax is the longest inline request or multibulk header line Redis
// accepts before calling it a protocol error (PROTO_INLINE_MAX_SIZE).
const inlineMax = 64 * 1024

// ProtocolError is a malformed request. Redis answers it with
// "-ERR Protocol error: <msg>" and closes the connection.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

// ErrQueryBufferLimit means the client sent more unparsed bytes than
// client-query-buffer-limit allows; Redis closes such clients silently.
var ErrQueryBufferLimit = errors.New("query buffer limit reached")

// Reader decodes requests (multibulk or inline) from a connection. It parses
// what is buffered before reading again, so a pipeline is seen whole and the
// caller can answer it with one write.
//
// The argument slices returned by Next point into the reader's buffer and are
// valid only until the next call to Fill: copy what must outlive the command.
type Reader struct {
	rd   io.Reader
	buf  []byte
	r, w int
	args [][]byte
	// start is where the query buffer begins, as Redis's does: the bytes
	// before it were parsed before the last read. What was parsed since
	// stays counted, as Redis trims its buffer only before reading again.
	start int
	// held and room are QueryBuffer's figures, published for other
	// goroutines (CLIENT LIST) whenever they change.
	held, room atomic.Int64

	// MaxBulk is proto-max-bulk-len; MaxQuery is client-query-buffer-limit.
	MaxBulk  int64
	MaxQuery int64
	// Strict limits unauthenticated clients as Redis does (multibulk ≤ 10
	// arguments, bulk ≤ 16 KiB) when set.
	Strict bool
}

// NewReader returns a reader with Redis's default limits.
func NewReader(rd io.Reader) *Reader {
	return &Reader{rd: rd, buf: make([]byte, 16*1024), MaxBulk: 512 << 20, MaxQuery: 1 << 30}
}

// Buffered reports how many unparsed bytes are waiting.
func (r *Reader) Buffered() int { return r.w - r.r }

// QueryBuffer reports the query buffer's length and its free room, as
// CLIENT LIST's qbuf and qbuf-free: while a command runs, the length
// counts it, what came after it and what came before it in the same read.
// It may be called from any goroutine.
func (r *Reader) QueryBuffer() (length, free int64) {
	return r.held.Load(), r.room.Load()
}

// Trim lets go of the requests parsed so far, as Redis trims its query
// buffer once it has run what it could (a blocked client's included).
func (r *Reader) Trim() {
	r.start = r.r
	r.publish()
}

func (r *Reader) publish() {
	r.held.Store(int64(r.w - r.start))
	r.room.Store(int64(len(r.buf) - r.w))
}

// Next parses the next complete request from the buffered bytes. It returns
// nil args (and nil error) when more bytes are needed. Empty requests (an
// empty line, "*0") are skipped as Redis skips them.
func (r *Reader) Next() ([][]byte, error) {
	for r.r < r.w {
		var args [][]byte
		var n int
		var err error
		if r.buf[r.r] == '*' {
			args, n, err = r.parseMultibulk(r.buf[r.r:r.w])
		} else {
			args, n, err = r.parseInline(r.buf[r.r:r.w])
		}
		if err != nil || n == 0 {
			return nil, err
		}
		r.r += n
		if len(args) > 0 {
			return args, nil
		}
	}
	return nil, nil
}

// Fill reads more bytes from the connection, making room as needed. A
// client whose unparsed bytes reach MaxQuery gets ErrQueryBufferLimit.
func (r *Reader) Fill() error {
	if int64(r.w-r.r) >= r.MaxQuery {
		return ErrQueryBufferLimit
	}
	if r.r == r.w {
		// Give back the room a big request needed once requests under
		// half its size follow, as Redis shrinks a query buffer past 32
		// KiB (PROTO_RESIZE_THRESHOLD) to its recent peak: a connection
		// does not keep its largest request's size.
		if cap(r.buf) > 32*1024 && r.w < cap(r.buf)/2 {
			r.buf = make([]byte, 16*1024)
		}
		r.r, r.w = 0, 0
	}
	if r.w == len(r.buf) {
		if r.r > 0 {
			r.w = copy(r.buf, r.buf[r.r:r.w])
			r.r = 0
		}
		if r.w == len(r.buf) {
			if int64(len(r.buf)) >= r.MaxQuery {
				return ErrQueryBufferLimit
			}
			grown := make([]byte, len(r.buf)*2)
			copy(grown, r.buf[:r.w])
			r.buf = grown
		}
	}
	r.Trim()
	n, err := r.rd.Read(r.buf[r.w:])
	r.w += n
	r.publish()
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// reserve makes sure the buffer can hold need bytes from the read position,
// so a big bulk argument is read without repeated doubling and copying.
// It never reserves past MaxQuery: a request that big is cut off anyway.
func (r *Reader) reserve(need int) {
	need = int(min(int64(need), r.MaxQuery))
	if need <= len(r.buf)-r.r {
		return
	}
	grown := make([]byte, need+16*1024)
	r.w = copy(grown, r.buf[r.r:r.w])
	r.r, r.start = 0, 0
	r.buf = grown
	r.publish()
}

func (r *Reader) parseMultibulk(b []byte) ([][]byte, int, error) {
	nl := indexCR(b)
	if nl < 0 {
		if len(b) > inlineMax {
			return nil, 0, &ProtocolError{"too big mbulk count string"}
		}
		return nil, 0, nil
	}
	if nl+1 >= len(b) {
		return nil, 0, nil // wait for the \n after \r
	}
	count, ok := parseInt(b[1:nl])
	if !ok || count > 1<<31-1 {
		return nil, 0, &ProtocolError{"invalid multibulk length"}
	}
	if count > 10 && r.Strict {
		return nil, 0, &ProtocolError{"unauthenticated multibulk length"}
	}
	pos := nl + 2
	if count <= 0 {
		return nil, pos, nil
	}
	args := r.args[:0]
	for i := int64(0); i < count; i++ {
		rest := b[pos:]
		nl := indexCR(rest)
		if nl < 0 {
			if len(rest) > inlineMax {
				return nil, 0, &ProtocolError{"too big bulk count string"}
			}
			return nil, 0, nil
		}
		if rest[0] != '$' {
			// The byte itself, as C's %c writes it.
			return nil, 0, &ProtocolError{"expected '$', got '" + string(rest[:1]) + "'"}
		}
		size, ok := parseInt(rest[1:nl])
		if !ok || size < 0 || size > r.MaxBulk {
			return nil, 0, &ProtocolError{"invalid bulk length"}
		}
		if size > 16384 && r.Strict {
			return nil, 0, &ProtocolError{"unauthenticated bulk length"}
		}
		start := pos + nl + 2
		// Redis skips the two bytes after the payload without looking at them.
		end := start + int(size)
		if end+2 > len(b) {
			r.reserve(end + 2)
			return nil, 0, nil
		}
		args = append(args, b[start:end:end])
		pos = end + 2
	}
	r.args = args
	return args, pos, nil
}

func (r *Reader) parseInline(b []byte) ([][]byte, int, error) {
	nl := -1
	for i, c := range b {
		if c == '\n' {
			nl = i
			break
		}
	}
	if nl < 0 {
		if len(b) > inlineMax {
			return nil, 0, &ProtocolError{"too big inline request"}
		}
		return nil, 0, nil
	}
	line := b[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := SplitArgs(line)
	if !ok {
		return nil, 0, &ProtocolError{"unbalanced quotes in request"}
	}
	return args, nl + 1, nil
}

// SplitArgs splits a line into arguments the way Redis splits inline
// requests and config lines (sdssplitargs): spaces separate, "double quotes"
// understand \n \r \t \b \a \\ \" and \xHH, 'single quotes' understand \',
// and a closing quote must be followed by a space or the end of the line.
func SplitArgs(line []byte) ([][]byte, bool) {
	// Redis works on C strings here: a NUL byte ends the line.
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var args [][]byte
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return args, true
		}
		var cur []byte
		inDq, inSq, done := false, false, false
		for !done {
			if inDq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					cur = append(cur, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else if inSq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else {
				if i >= len(line) {
					break
				}
				switch c := line[i]; {
				case c == ' ' || c == '\n' || c == '\r' || c == '\t':
					done = true
				case c == '"':
					inDq = true
				case c == '\'':
					inSq = true
				default:
					cur = append(cur, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, cur)
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func indexCR(b []byte) int {
	for i, c := range b {
		if c == '\r' {
			return i
		}
	}
	return -1
}

// parseInt parses a signed decimal as Redis's string2ll does: no spaces, no
// plus sign, no leading zeros.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	if b[0] == '-' && len(b) > 1 && b[1] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
