package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// conn is a minimal RESP2 client for the loaders and GET drivers: requests
// are appended to a buffered writer (pipelining is send N, flush, read N)
// and replies are parsed without keeping bulk payloads.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	num []byte
}

func dial(port int) (*conn, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 256<<10)}, nil
}

func (c *conn) close() { c.c.Close() }

// send appends one command to the write buffer.
func (c *conn) send(args ...[]byte) {
	c.num = append(c.num[:0], '*')
	c.num = strconv.AppendInt(c.num, int64(len(args)), 10)
	c.num = append(c.num, '\r', '\n')
	c.w.Write(c.num)
	for _, a := range args {
		c.num = append(c.num[:0], '$')
		c.num = strconv.AppendInt(c.num, int64(len(a)), 10)
		c.num = append(c.num, '\r', '\n')
		c.w.Write(c.num)
		c.w.Write(a)
		c.w.WriteString("\r\n")
	}
}

func (c *conn) flush() error { return c.w.Flush() }

// reply is one parsed reply: its type byte, the line (simple string, error
// or integer text), and for a bulk string its length (-1 for nil).
type reply struct {
	kind byte
	line string
	n    int
}

func (r reply) isErr() bool { return r.kind == '-' }

func (r reply) String() string {
	switch r.kind {
	case '$':
		return fmt.Sprintf("bulk(%d)", r.n)
	case '*':
		return fmt.Sprintf("array(%d)", r.n)
	}
	return string(r.kind) + r.line
}

// read parses one reply, discarding bulk payloads and array elements.
func (c *conn) read() (reply, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return reply{}, err
	}
	if len(line) < 3 {
		return reply{}, errors.New("short reply line")
	}
	rep := reply{kind: line[0]}
	body := line[1 : len(line)-2]
	switch rep.kind {
	case '+', '-', ':':
		rep.line = string(body)
	case '$', '*':
		n, err := strconv.Atoi(string(body))
		if err != nil {
			return reply{}, fmt.Errorf("bad length %q", body)
		}
		rep.n = n
		if rep.kind == '$' && n >= 0 {
			if _, err := c.r.Discard(n + 2); err != nil {
				return reply{}, err
			}
		}
		if rep.kind == '*' {
			for i := 0; i < n; i++ {
				if _, err := c.read(); err != nil {
					return reply{}, err
				}
			}
		}
	default:
		return reply{}, fmt.Errorf("unexpected reply %q", line)
	}
	return rep, nil
}

// do sends one command and reads its reply.
func (c *conn) do(args ...string) (reply, error) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	c.send(bs...)
	if err := c.flush(); err != nil {
		return reply{}, err
	}
	return c.read()
}

// command runs one command on a fresh connection.
func command(port int, args ...string) (reply, error) {
	c, err := dial(port)
	if err != nil {
		return reply{}, err
	}
	defer c.close()
	c.c.SetDeadline(time.Now().Add(10 * time.Minute))
	return c.do(args...)
}

// info returns the text of INFO section.
func info(port int, section string) (string, error) {
	c, err := dial(port)
	if err != nil {
		return "", err
	}
	defer c.close()
	c.c.SetDeadline(time.Now().Add(time.Minute))
	c.send([]byte("INFO"), []byte(section))
	if err := c.flush(); err != nil {
		return "", err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
	if err != nil || line[0] != '$' {
		return "", fmt.Errorf("INFO replied %q", line)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return "", err
	}
	return string(body[:n]), nil
}

// waitPong polls PING until the reply is +PONG (not -LOADING, not a refused
// connection) and returns the time since start, or an error after timeout
// or when exited reports the process gone.
func waitPong(port int, start time.Time, timeout time.Duration, exited func() bool) (time.Duration, error) {
	for {
		if c, err := dial(port); err == nil {
			for {
				c.c.SetDeadline(time.Now().Add(5 * time.Second))
				rep, err := c.do("PING")
				if err != nil {
					break
				}
				if rep.kind == '+' && rep.line == "PONG" {
					c.close()
					return time.Since(start), nil
				}
				if time.Since(start) > timeout {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			c.close()
		}
		if exited != nil && exited() {
			return 0, errors.New("process exited")
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("no PONG after %s", timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
