// Command gen captures the COMMAND INFO and COMMAND DOCS replies of a
// running Redis as typed JSON, the data package cmdspec embeds:
//
//	go run ./cmdspec/gen -addr 127.0.0.1:7398 -out cmdspec/redis-7.0.json
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"time"

	"github.com/cairndb/cairn/cmdspec/internal/value"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "address of the Redis server to read")
	out := flag.String("out", "cmdspec/redis-7.0.json", "file to write")
	flag.Parse()
	if err := run(*addr, *out); err != nil {
		log.Fatal(err)
	}
}

func run(addr, out string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		return err
	}
	r := value.NewReader(conn)
	call := func(args ...string) (value.Value, error) {
		if _, err := conn.Write(request(args)); err != nil {
			return value.Value{}, err
		}
		v, _, err := r.Next()
		if err == nil && v.Kind == value.Error {
			err = fmt.Errorf("%s: %s", strings.Join(args, " "), v.Str)
		}
		return v, err
	}
	hello, err := call("HELLO", "3")
	if err != nil {
		return err
	}
	version, _ := hello.Get("version")
	info, err := call("COMMAND", "INFO")
	if err != nil {
		return err
	}
	docs, err := call("COMMAND", "DOCS")
	if err != nil {
		return err
	}
	entries := map[string]*value.Entry{}
	if err := addInfo(entries, info, ""); err != nil {
		return err
	}
	if err := addDocs(entries, docs, ""); err != nil {
		return err
	}
	var list []value.Entry
	for _, e := range entries {
		if e.Info.Kind != value.Array || e.Docs.Kind != value.Map {
			return fmt.Errorf("%s: missing COMMAND INFO or COMMAND DOCS", e.Name)
		}
		list = append(list, *e)
	}
	b, err := value.EncodeFile(version.Str, list)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// request encodes a command as a RESP array of bulk strings.
func request(args []string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// addInfo records each COMMAND INFO entry. A container keeps an empty
// subcommand array, which cmdspec fills from the subcommands it serves.
func addInfo(entries map[string]*value.Entry, list value.Value, parent string) error {
	if list.Kind != value.Array {
		return fmt.Errorf("COMMAND INFO of %q: not an array", parent)
	}
	for _, info := range list.Elems {
		if info.Kind != value.Array || len(info.Elems) != 10 || info.Elems[0].Kind != value.Bulk {
			return fmt.Errorf("COMMAND INFO of %q: entry of unexpected shape", parent)
		}
		name := info.Elems[0].Str
		if err := checkName(name, parent); err != nil {
			return err
		}
		subs := info.Elems[9]
		if subs.Kind == value.Array {
			if err := addInfo(entries, subs, name); err != nil {
				return err
			}
			info.Elems[9] = value.Value{Kind: value.Array}
		}
		entryFor(entries, name).Info = info
	}
	return nil
}

// addDocs records each COMMAND DOCS entry, with the same treatment of
// containers as addInfo.
func addDocs(entries map[string]*value.Entry, docs value.Value, parent string) error {
	if docs.Kind != value.Map {
		return fmt.Errorf("COMMAND DOCS of %q: not a map", parent)
	}
	for i := 0; i < len(docs.Elems); i += 2 {
		name, doc := docs.Elems[i].Str, docs.Elems[i+1]
		if err := checkName(name, parent); err != nil {
			return err
		}
		if doc.Kind != value.Map {
			return fmt.Errorf("COMMAND DOCS of %s: not a map", name)
		}
		for j := 0; j < len(doc.Elems); j += 2 {
			if doc.Elems[j].Str != "subcommands" {
				continue
			}
			if err := addDocs(entries, doc.Elems[j+1], name); err != nil {
				return err
			}
			doc.Elems[j+1] = value.Value{Kind: value.Map}
		}
		entryFor(entries, name).Docs = doc
	}
	return nil
}

// checkName insists on the naming cmdspec relies on: lower case, and
// "parent|sub" exactly for subcommands.
func checkName(name, parent string) error {
	sub, ok := strings.CutPrefix(name, parent+"|")
	if parent == "" {
		sub, ok = name, true
	}
	if !ok || sub == "" || strings.Contains(sub, "|") || name != strings.ToLower(name) {
		return fmt.Errorf("unexpected command name %q under %q", name, parent)
	}
	return nil
}

func entryFor(entries map[string]*value.Entry, name string) *value.Entry {
	if entries[name] == nil {
		entries[name] = &value.Entry{Name: name}
	}
	return entries[name]
}
