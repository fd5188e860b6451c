package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// reply is a decoded RESP2 reply: err for errors, str for simple and bulk
// strings, n for integers, arr for arrays; null for a nil bulk or array.
type reply struct {
	err  string
	str  string
	n    int64
	arr  []reply
	null bool
}

// conn is a minimal RESP2 client: one command at a time, or a pipeline.
type conn struct {
	nc net.Conn
	rd *bufio.Reader
	wr *bufio.Writer
}

func dial(addr string) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc, rd: bufio.NewReader(nc), wr: bufio.NewWriter(nc)}, nil
}

func (c *conn) close() { c.nc.Close() }

func (c *conn) send(args ...string) {
	fmt.Fprintf(c.wr, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.wr, "$%d\r\n%s\r\n", len(a), a)
	}
}

// do sends one command and reads its reply. A network error means the
// command may or may not have been applied.
func (c *conn) do(args ...string) (reply, error) {
	c.send(args...)
	if err := c.wr.Flush(); err != nil {
		return reply{}, err
	}
	c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	return c.read()
}

// pipeline sends all commands, then reads all replies.
func (c *conn) pipeline(cmds [][]string) ([]reply, error) {
	for _, cmd := range cmds {
		c.send(cmd...)
	}
	if err := c.wr.Flush(); err != nil {
		return nil, err
	}
	c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	out := make([]reply, len(cmds))
	for i := range out {
		r, err := c.read()
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func (c *conn) read() (reply, error) {
	line, err := c.rd.ReadString('\n')
	if err != nil {
		return reply{}, err
	}
	if len(line) < 3 {
		return reply{}, errors.New("short reply line")
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return reply{str: body}, nil
	case '-':
		return reply{err: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		return reply{n: n}, err
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return reply{null: true}, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.rd, buf); err != nil {
			return reply{}, err
		}
		return reply{str: string(buf[:n])}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return reply{null: true}, err
		}
		r := reply{arr: make([]reply, n)}
		for i := range r.arr {
			if r.arr[i], err = c.read(); err != nil {
				return reply{}, err
			}
		}
		return r, nil
	}
	return reply{}, fmt.Errorf("unexpected reply %q", line)
}
