package engine

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/cairndb/cairn/rdb"
	"github.com/cairndb/cairn/resp"
)

// MIGRATE moves keys to another Redis-compatible server: each key is
// DUMPed and sent as RESTORE over a plain connection, then deleted here
// (unless COPY) once the target confirmed it. Like Redis, the command
// holds its keys for the whole exchange, so nobody sees a key on both
// servers or on neither.

func init() {
	register(
		cmdDef{name: "migrate", run: cmdMigrate},
		cmdDef{name: "restore-asking", run: cmdRestore},
	)
}

type migrateArgs struct {
	addr          string
	db, timeout   int64
	copy, replace bool
	auth          [][]byte // AUTH's arguments, nil for none
	keys          [][]byte
}

func parseMigrateArgs(x *Ctx) (migrateArgs, bool) {
	a := migrateArgs{addr: net.JoinHostPort(string(x.args[1]), string(x.args[2])), keys: x.args[3:4]}
	for i := 6; i < len(x.args); i++ {
		more := len(x.args) - i - 1
		switch opt := x.args[i]; {
		case eq(opt, "copy"):
			a.copy = true
		case eq(opt, "replace"):
			a.replace = true
		case eq(opt, "auth") && more >= 1:
			a.auth = x.args[i+1 : i+2]
			i++
		case eq(opt, "auth2") && more >= 2:
			a.auth = x.args[i+1 : i+3]
			i += 2
		case eq(opt, "keys"):
			if len(x.args[3]) != 0 {
				x.fail("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
				return a, false
			}
			a.keys = x.args[i+1:]
			i = len(x.args)
		default:
			x.fail(errSyntax)
			return a, false
		}
	}
	var ok bool
	if a.timeout, ok = parseInt(x.args[5]); !ok {
		x.fail(errNotInt)
		return a, false
	}
	if a.db, ok = parseInt(x.args[4]); !ok {
		x.fail(errNotInt)
		return a, false
	}
	if a.timeout <= 0 {
		a.timeout = 1000
	}
	return a, true
}

func cmdMigrate(x *Ctx) {
	a, ok := parseMigrateArgs(x)
	if !ok {
		return
	}
	// The keys that exist and have not expired yet, with their TTLs.
	type found struct {
		key []byte
		ttl int64
		raw []byte
	}
	var moving []found
	for _, key := range a.keys {
		m := x.read(key)
		if m == nil {
			continue
		}
		var ttl int64
		if m.Expire != 0 {
			ttl = max(m.Expire-x.now, 1)
		}
		obj, cur, err := rdbObject(x.tx(), m)
		x.must(err)
		payload, err := rdb.EncodeDump(obj, x.s.rdbOptions())
		x.must(errors.Join(err, cur.close()))
		moving = append(moving, found{key, ttl, payload})
	}
	if len(moving) == 0 {
		x.w.Simple("NOKEY")
		return
	}

	timeout := time.Duration(a.timeout) * time.Millisecond
	conn, err := net.DialTimeout("tcp", a.addr, timeout)
	if err != nil {
		// Redis connects without blocking: a refused connection shows up
		// as the first write failing, only a timeout as connecting.
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			x.fail("IOERR error or timeout connecting to the client")
		} else {
			x.fail("IOERR error or timeout writing to target instance")
		}
		return
	}
	defer conn.Close()
	out := resp.NewWriter()
	if a.auth != nil {
		out.Array(1 + len(a.auth))
		out.BulkString("AUTH")
		for _, arg := range a.auth {
			out.Bulk(arg)
		}
	}
	out.Array(2)
	out.BulkString("SELECT")
	out.BulkString(strconv.FormatInt(a.db, 10))
	for _, f := range moving {
		n := 4
		if a.replace {
			n++
		}
		out.Array(n)
		out.BulkString("RESTORE")
		out.Bulk(f.key)
		out.BulkString(strconv.FormatInt(f.ttl, 10))
		out.Bulk(f.raw)
		if a.replace {
			out.BulkString("REPLACE")
		}
	}
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(out.Bytes()); err != nil {
		x.fail("IOERR error or timeout writing to target instance")
		return
	}

	// One line per command sent: AUTH, SELECT, then a RESTORE per key.
	rd := bufio.NewReader(conn)
	readReply := func() (string, bool) {
		conn.SetReadDeadline(time.Now().Add(timeout))
		line, err := rd.ReadString('\n')
		if err != nil {
			return "", false
		}
		return line, true
	}
	targetError := ""
	for range 1 + boolInt(a.auth != nil) { // SELECT, and AUTH first if given
		line, ok := readReply()
		if !ok {
			x.fail("IOERR error or timeout reading to target instance")
			return
		}
		if line[0] == '-' && targetError == "" {
			targetError = line
		}
	}
	if targetError != "" {
		x.fail("ERR Target instance replied with error: " + trimReply(targetError))
		return
	}
	for _, f := range moving {
		line, ok := readReply()
		if !ok {
			x.fail("IOERR error or timeout reading to target instance")
			return
		}
		if line[0] == '-' {
			if targetError == "" {
				targetError = line
			}
			continue
		}
		if !a.copy {
			x.put(f.key, nil)
			x.notify(classGeneric, "del", f.key)
		}
	}
	if targetError != "" {
		x.fail("ERR Target instance replied with error: " + trimReply(targetError))
		return
	}
	x.w.OK()
}

// trimReply is an error reply line without its '-' and line end.
func trimReply(line string) string {
	line = line[1:]
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	return line
}
