package clienttest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// massInsert is a RESP file of n SET commands, as the Redis
// documentation's mass-insertion recipe generates.
func massInsert(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		k, v := "key:"+strconv.Itoa(i), "value:"+strconv.Itoa(i)
		fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	return b.Bytes()
}

// TestRedisCLIPipe is redis-cli --pipe mass insertion: the same summary as
// Redis, every key stored. (1M commands is measured by hand, see the
// report in bench/; 100k keeps the suite fast.)
func TestRedisCLIPipe(t *testing.T) {
	const n = 100000
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	data := massInsert(n)
	want := cli(t, r.Addr, data, "--pipe")
	got := cli(t, c.Addr, data, "--pipe")
	if !strings.Contains(got, fmt.Sprintf("errors: 0, replies: %d", n)) {
		t.Fatalf("cairn --pipe summary: %q", got)
	}
	if got != want {
		t.Errorf("--pipe output differs:\n redis: %q\n cairn: %q", want, got)
	}
	if got := strings.TrimSpace(cli(t, c.Addr, nil, "dbsize")); got != strconv.Itoa(n) {
		t.Errorf("dbsize after --pipe: %s", got)
	}
	if got := strings.TrimSpace(cli(t, c.Addr, nil, "get", "key:98765")); got != "value:98765" {
		t.Errorf("get key:98765 = %q", got)
	}
	// Errors are counted the way Redis counts them.
	bad := append(massInsert(10), "*2\r\n$4\r\nINCR\r\n$5\r\nkey:1\r\n"...)
	want, _, _ = cliRun(t, r.Addr, bad, "--pipe")
	got, _, _ = cliRun(t, c.Addr, bad, "--pipe")
	if got != want || !strings.Contains(got, "errors: 1, replies: 11") {
		t.Errorf("--pipe with an error:\n redis: %q\n cairn: %q", want, got)
	}
}

// populate runs the same commands on both servers through redis-cli.
func populate(t *testing.T, addrs []string, cmds ...[]string) {
	t.Helper()
	for _, addr := range addrs {
		var b bytes.Buffer
		for _, c := range cmds {
			fmt.Fprintf(&b, "*%d\r\n", len(c))
			for _, a := range c {
				fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
			}
		}
		out := cli(t, addr, b.Bytes(), "--pipe")
		if !strings.Contains(out, "errors: 0,") {
			t.Fatalf("populating %s: %s", addr, out)
		}
	}
}

// sampleData has one key of each type, a clearly biggest one per type,
// and some user:* keys.
func sampleData() [][]string {
	var cmds [][]string
	for i := range 50 {
		cmds = append(cmds, []string{"SET", fmt.Sprintf("user:%d", i), strings.Repeat("x", i)})
	}
	cmds = append(cmds,
		[]string{"SET", "big:string", strings.Repeat("s", 5000)},
		[]string{"RPUSH", "big:list", "a", "b", "c", "d", "e", "f", "g"},
		[]string{"RPUSH", "small:list", "a"},
		[]string{"HSET", "big:hash", "f1", "v", "f2", "v", "f3", "v"},
		[]string{"SADD", "big:set", "m1", "m2", "m3", "m4"},
		[]string{"ZADD", "big:zset", "1", "a", "2", "b"},
		[]string{"XADD", "big:stream", "1-1", "f", "v"},
		[]string{"XADD", "big:stream", "1-2", "f", "v"},
	)
	return cmds
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}

func TestRedisCLIScan(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	populate(t, []string{r.Addr, c.Addr}, sampleData()...)
	for _, args := range [][]string{
		{"--scan", "--pattern", "user:*"},
		{"--scan", "--pattern", "big:*"},
		{"--scan", "--pattern", "user:1?"},
		{"--scan"},
	} {
		want := sortedLines(cli(t, r.Addr, nil, args...))
		got := sortedLines(cli(t, c.Addr, nil, args...))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%q:\n redis: %q\n cairn: %q", args, want, got)
		}
	}
	if n := len(sortedLines(cli(t, c.Addr, nil, "--scan", "--pattern", "user:*"))); n != 50 {
		t.Errorf("--scan user:* found %d keys, want 50", n)
	}
}

// summary is the part of --bigkeys/--memkeys output after the scan
// progress (whose order follows SCAN's).
func summary(s string) string {
	_, after, ok := strings.Cut(s, "-------- summary -------")
	if !ok {
		return ""
	}
	return after
}

func TestRedisCLIBigkeysMemkeys(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	populate(t, []string{r.Addr, c.Addr}, sampleData()...)
	want := summary(cli(t, r.Addr, nil, "--bigkeys"))
	got := summary(cli(t, c.Addr, nil, "--bigkeys"))
	if got == "" || got != want {
		t.Errorf("--bigkeys summary differs:\n redis: %s\n cairn: %s", want, got)
	}
	for _, line := range []string{
		`Biggest string found '"big:string"' has 5000 bytes`,
		`Biggest   list found '"big:list"' has 7 items`,
		`Biggest stream found '"big:stream"' has 2 entries`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("--bigkeys lacks %q:\n%s", line, got)
		}
	}
	// MEMORY USAGE figures differ from Redis's allocator-based ones; the
	// structure and the biggest string must not.
	// --hotkeys needs an LFU policy, and names the key read most.
	if out, errOut, _ := cliRun(t, c.Addr, nil, "--hotkeys"); !strings.Contains(out+errOut, "ERR An LFU maxmemory policy is not selected") {
		t.Errorf("--hotkeys without LFU:\n%s%s", out, errOut)
	}
	cli(t, c.Addr, nil, "config", "set", "maxmemory-policy", "allkeys-lfu")
	conn := cairntest.Dial(t, c.Addr)
	for range 50 {
		conn.Do("GET", "user:7")
	}
	if hot := summary(cli(t, c.Addr, nil, "--hotkeys")); !strings.Contains(hot, "Sampled 57 keys") || !regexp.MustCompile(`Sampled 57 keys in the keyspace!\nhot key found with counter: \d+\s+keyname: "user:7"\n`).MatchString(hot) {
		t.Errorf("--hotkeys: the hottest key (listed first) should be user:7:\n%s", hot)
	}
	mem := summary(cli(t, c.Addr, nil, "--memkeys"))
	for _, want := range []string{"Sampled 57 keys in the keyspace!", `Biggest string found '"big:string"' has`, "1 streams with", "51 strings"} {
		if !strings.Contains(mem, want) {
			t.Errorf("--memkeys lacks %q:\n%s", want, mem)
		}
	}
}

func TestRedisCLILatency(t *testing.T) {
	c := cairntest.StartCairn(t)
	// In raw mode --latency prints "min max avg samples" after -i seconds.
	out := strings.TrimSpace(cli(t, c.Addr, nil, "--latency", "--raw", "-i", "0.3"))
	f := strings.Fields(out)
	if len(f) != 4 {
		t.Fatalf("--latency --raw: %q", out)
	}
	samples, err := strconv.Atoi(f[3])
	if err != nil || samples < 3 {
		t.Fatalf("--latency: %q: want at least 3 samples", out)
	}
	if avg, err := strconv.ParseFloat(f[2], 64); err != nil || avg > 1000 {
		t.Errorf("--latency average %q ms", f[2])
	}
}

func TestRedisCLIStat(t *testing.T) {
	c := cairntest.StartCairn(t)
	populate(t, []string{c.Addr}, sampleData()...)
	host, port := hostPort(c.Addr)
	p := startPTY(t, lookTool(t, "redis-cli", "redis-tools"), "-h", host, "-p", port, "--stat", "-i", "0.1")
	row := regexp.MustCompile(`(?m)^(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+) \(\+\d+\)\s+(\d+)`)
	out := p.waitFor(t, 10*time.Second, "three --stat rows", func(s string) bool { return len(row.FindAllString(s, -1)) >= 3 })
	if !strings.Contains(out, "------- data ------ --------------------- load -------------------- - child -") {
		t.Errorf("--stat header missing:\n%s", out)
	}
	m := row.FindStringSubmatch(out)
	if m[1] != "57" {
		t.Errorf("--stat keys column = %s, want 57\n%s", m[1], out)
	}
	if !strings.HasSuffix(m[2], "M") && !strings.HasSuffix(m[2], "K") && !strings.HasSuffix(m[2], "G") {
		t.Errorf("--stat mem column = %q", m[2])
	}
}

func TestRedisCLIStdinAndEval(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	script := filepath.Join(t.TempDir(), "script.lua")
	os.WriteFile(script, []byte(`redis.call('SET', KEYS[1], ARGV[1])
return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], redis.call('GET', KEYS[1]), redis.call('STRLEN', KEYS[1])}`), 0o644)
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"hello\nworld\n", []string{"-x", "set", "blob"}},
		{"", []string{"get", "blob"}},
		{"", []string{"strlen", "blob"}},
		{"abc", []string{"-x", "rpush", "list", "first"}},
		{"", []string{"lrange", "list", "0", "-1"}},
		{"", []string{"--eval", script, "k1", "k2", ",", "a1", "a2"}},
		{"", []string{"--eval", script, "k3", ",", "one"}},
		{"", []string{"--no-raw", "--eval", script, "k4", ",", "x", "y"}},
		{"", []string{"incr", "blob"}},
		{"", []string{"--no-raw", "incr", "blob"}},
	} {
		var in []byte
		if tc.stdin != "" {
			in = []byte(tc.stdin)
		}
		want, wantErr, _ := cliRun(t, r.Addr, in, tc.args...)
		got, gotErr, _ := cliRun(t, c.Addr, in, tc.args...)
		if got != want || gotErr != wantErr {
			t.Errorf("redis-cli %q:\n redis: %q %q\n cairn: %q %q", tc.args, want, wantErr, got, gotErr)
		}
	}
	if got := cli(t, c.Addr, nil, "--eval", script, "kk", "k2", ",", "vv", "w"); got != "kk\nk2\nvv\nw\nvv\n2\n" {
		t.Errorf("--eval output %q", got)
	}
}

// monitorLines runs redis-cli monitor against addr while fn sends
// commands, and returns the lines it printed, with the timestamp and the
// client port masked.
func monitorLines(t *testing.T, addr string, want int, fn func()) []string {
	t.Helper()
	host, port := hostPort(addr)
	cmd := exec.Command(lookTool(t, "redis-cli", "redis-tools"), "-h", host, "-p", port, "monitor")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if l := <-lines; l != "OK" {
		t.Fatalf("monitor said %q", l)
	}
	fn()
	mask := regexp.MustCompile(`^\d+\.\d{6} \[(\d+) (?:127\.0\.0\.1:\d+|lua)\]`)
	var out []string
	timeout := time.After(10 * time.Second)
	for len(out) < want {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("monitor ended after %q", out)
			}
			if !mask.MatchString(l) {
				t.Errorf("monitor line %q is not in Redis's format", l)
			}
			out = append(out, mask.ReplaceAllStringFunc(l, func(s string) string {
				if strings.Contains(s, "lua]") {
					return "T [" + mask.FindStringSubmatch(s)[1] + " lua]"
				}
				return "T [" + mask.FindStringSubmatch(s)[1] + " ADDR]"
			}))
		case <-timeout:
			t.Fatalf("monitor printed only %q", out)
		}
	}
	return out
}

func TestRedisCLIMonitor(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	cmds := [][]string{
		{"set", "k", "v with space"},
		{"get", "k"},
		{"select", "2"},
		{"rpush", "l", "a\"b", "\x01\n"},
		{"eval", "return redis.call('incr', KEYS[1])", "1", "counter"},
		{"multi"}, {"set", "t", "1"}, {"incr", "t"}, {"exec"},
		{"auth", "nobody", "secret"},
		{"ping"},
	}
	run := func(addr string) []string {
		return monitorLines(t, addr, 12, func() {
			conn := cairntest.Dial(t, addr)
			for _, c := range cmds {
				conn.Do(c...)
			}
		})
	}
	want, got := run(r.Addr), run(c.Addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("MONITOR output differs:\n redis:\n%s\n cairn:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestRedisCLIHints types partial commands into interactive redis-cli and
// compares the hints it shows (from its help table and the server's
// COMMAND reply) with those it shows against Redis.
func TestRedisCLIHints(t *testing.T) {
	r := cairntest.StartRedis(t)
	c := cairntest.StartCairn(t)
	bin := lookTool(t, "redis-cli", "redis-tools")
	hints := func(addr string) []string {
		host, port := hostPort(addr)
		p := startPTY(t, bin, "-h", host, "-p", port)
		prompt := addr + "> "
		p.waitFor(t, 10*time.Second, "the prompt", func(s string) bool { return strings.Contains(s, prompt) })
		var res []string
		for _, typed := range []string{"zadd ", "set k v ", "xautoclaim k g c 1 0 ", "lmpop 2 a b ", "client no-evict ", "object ", "georadius k 1 2 3 km ", "geoadd "} {
			p.reset()
			p.write("\x15" + typed) // ^U clears the line
			// Each keystroke redraws the line: wait for the last one.
			p.waitFor(t, 10*time.Second, "the redraw of "+typed, func(s string) bool { return strings.Contains(s, prompt+typed) })
			out := p.settle(300*time.Millisecond, 5*time.Second)
			// The last redraw: the prompt, what was typed, the grey hint.
			i := strings.LastIndex(out, prompt)
			if i < 0 {
				t.Fatalf("no prompt in %q", out)
			}
			last := out[i+len(prompt):]
			hint := regexp.MustCompile(`\x1b\[0;90;49m(.*?)\x1b\[0m`).FindStringSubmatch(last)
			if hint == nil {
				res = append(res, typed+" -> (no hint)")
				continue
			}
			res = append(res, typed+" -> "+hint[1])
		}
		p.write("\x15quit\r")
		return res
	}
	want, got := hints(r.Addr), hints(c.Addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hints differ:\n redis:\n%s\n cairn:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "zadd  -> key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]") {
		t.Errorf("no ZADD hint:\n%s", strings.Join(got, "\n"))
	}
}

// rdbRoundTrip writes a dataset of every type into Cairn, fetches it with
// redis-cli --rdb, checks it with redis-check-rdb and loads it into a real
// redis-server, which must then answer exactly like Cairn.
func TestRedisCLIRDB(t *testing.T) {
	c := cairntest.StartCairn(t)
	populate(t, []string{c.Addr}, sampleData()...)
	populate(t, []string{c.Addr},
		[]string{"SET", "ttl:key", "v", "EX", "1000"},
		[]string{"XGROUP", "CREATE", "big:stream", "g", "0"},
		[]string{"SELECT", "3"},
		[]string{"SET", "db3:key", "in db 3"},
		[]string{"PFADD", "hll", "a", "b", "c"},
		[]string{"GEOADD", "geo", "13.361389", "38.115556", "Palermo"},
	)
	dir := t.TempDir()
	file := filepath.Join(dir, "dump.rdb")
	out, errOut, err := cliRun(t, c.Addr, nil, "--rdb", file)
	if err != nil || !strings.Contains(out+errOut, "Transfer finished with success.") {
		t.Fatalf("redis-cli --rdb: %v\n%s%s", err, out, errOut)
	}
	if check, err := exec.LookPath("redis-check-rdb"); err == nil {
		out, err := exec.Command(check, file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RDB looks OK!") {
			t.Fatalf("redis-check-rdb: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "61 keys read") {
			t.Errorf("redis-check-rdb: want 61 keys read:\n%s", out)
		}
	}
	r := cairntest.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	cc, rc := cairntest.Dial(t, c.Addr), cairntest.Dial(t, r.Addr)
	for _, cmd := range [][]string{
		{"DBSIZE"}, {"GET", "big:string"}, {"LRANGE", "big:list", "0", "-1"}, {"HGETALL", "big:hash"},
		{"SMISMEMBER", "big:set", "m1", "m4", "m5"}, {"ZRANGE", "big:zset", "0", "-1", "WITHSCORES"},
		{"XRANGE", "big:stream", "-", "+"}, {"XINFO", "GROUPS", "big:stream"}, {"GET", "user:42"},
		{"EXPIRETIME", "ttl:key"}, {"SELECT", "3"}, {"DBSIZE"}, {"GET", "db3:key"}, {"PFCOUNT", "hll"},
		{"GEOPOS", "geo", "Palermo"},
	} {
		if want, got := rc.Do(cmd...), cc.Do(cmd...); got != want {
			t.Errorf("%q after loading the --rdb file:\n redis: %q\n cairn: %q", cmd, want, got)
		}
	}
}

// TestPSYNC speaks the replication handshake by hand: the snapshot comes
// as +FULLRESYNC <replid> 0, then $<len> and an RDB, then the link closes.
func TestPSYNC(t *testing.T) {
	c := cairntest.StartCairn(t)
	conn := cairntest.Dial(t, c.Addr)
	conn.Do("SET", "k", "v")
	nc, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	rd := bufio.NewReader(nc)
	fmt.Fprintf(nc, "REPLCONF listening-port 6380\r\nREPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n")
	for range 2 {
		if l, _ := rd.ReadString('\n'); l != "+OK\r\n" {
			t.Fatalf("REPLCONF: %q", l)
		}
	}
	l, _ := rd.ReadString('\n')
	if !regexp.MustCompile(`^\+FULLRESYNC [0-9a-f]{40} 0\r\n$`).MatchString(l) {
		t.Fatalf("PSYNC: %q", l)
	}
	replid := strings.Fields(l)[1]
	for {
		l, _ = rd.ReadString('\n')
		if l != "\n" { // keep-alive newlines while the snapshot is written
			break
		}
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(l, "$"), "\r\n"))
	if err != nil {
		t.Fatalf("bulk header %q", l)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(rd, payload); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(payload, []byte("REDIS0010")) || !bytes.Contains(payload, []byte("k")) {
		t.Fatalf("payload %q", payload)
	}
	if _, err := rd.ReadByte(); err != io.EOF {
		t.Errorf("after the payload: %v, want the link closed", err)
	}
	info := conn.Do("INFO", "replication")
	if !strings.Contains(info, "master_replid:"+replid) || !strings.Contains(info, "role:master") {
		t.Errorf("INFO replication: %s", info)
	}
	if !strings.Contains(conn.Do("INFO", "stats"), "sync_full:1\r\n") {
		t.Errorf("sync_full not counted")
	}
	// SYNC: no +FULLRESYNC line, the payload straight away.
	sc, err := net.Dial("tcp", c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	sc.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(sc, "SYNC\r\n")
	all, err := io.ReadAll(sc) // the link closes after the payload
	if err != nil || !regexp.MustCompile(`^\$\d+\r\nREDIS0010`).Match(all) {
		t.Errorf("SYNC: %v %q", err, all)
	}
	// The same replica asking again at once is refused for a while (it
	// would otherwise pull snapshots in a loop); rdb-only clients are not.
	again := cairntest.Dial(t, c.Addr)
	again.Do("REPLCONF", "listening-port", "6380")
	if got := again.Do("PSYNC", "?", "-1"); !strings.HasPrefix(got, "-ERR Cairn does not stream writes to replicas: a snapshot was sent to this replica 0 seconds ago") {
		t.Errorf("second PSYNC: %q", got)
	}
	for range 2 {
		out, errOut, err := cliRun(t, c.Addr, nil, "--rdb", filepath.Join(t.TempDir(), "dump.rdb"))
		if err != nil || !strings.Contains(out+errOut, "Transfer finished with success.") {
			t.Fatalf("redis-cli --rdb after a PSYNC: %v\n%s%s", err, out, errOut)
		}
	}
}

func TestREPLCONFDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
REPLCONF
REPLCONF listening-port
REPLCONF listening-port 6380
REPLCONF listening-port x
REPLCONF ip-address 10.0.0.1
REPLCONF capa eof capa psync2
REPLCONF rdb-only 1
REPLCONF rdb-only 0
REPLCONF rdb-only 2
REPLCONF rdb-only x
REPLCONF foo bar
REPLCONF rdb-filter-only ""
REPLCONF rdb-filter-only functions
REPLCONF rdb-filter-only "functions FUNCTIONS"
REPLCONF rdb-filter-only "functions keys"
REPLCONF listening-port 1 foo bar
PSYNC
PSYNC a
SYNC x
MULTI
SYNC
DISCARD
`)
	d.Do("REPLCONF", "rdb-filter-only", `"unbalanced`)
	// WAIT on a master without replicas; ROLE.
	d.Run(`
WAIT 0 0
WAIT -1 0
WAIT 0 100
WAIT 1 50
WAIT 2 1
WAIT x 0
WAIT 1 x
WAIT 1 1.5
WAIT 1 -1
MULTI
WAIT 1 0
EXEC
ROLE
`)
}

// TestWaitUnblock: WAIT 1 0 waits until CLIENT UNBLOCK, then answers 0.
func TestWaitUnblock(t *testing.T) {
	c := cairntest.StartCairn(t)
	w, admin := cairntest.Dial(t, c.Addr), cairntest.Dial(t, c.Addr)
	id := strings.TrimSpace(strings.TrimPrefix(w.Do("CLIENT", "ID"), ":"))
	w.Send("WAIT", "1", "0")
	if got, ok := w.ReadTimeout(200 * time.Millisecond); ok {
		t.Fatalf("WAIT 1 0 answered %q at once", got)
	}
	if got := admin.Do("CLIENT", "UNBLOCK", id); got != ":1\r\n" {
		t.Fatalf("CLIENT UNBLOCK: %q", got)
	}
	if got := w.Read(); got != ":0\r\n" {
		t.Errorf("WAIT after CLIENT UNBLOCK: %q", got)
	}
}

// TestRedisCLIFunctionsRDB: redis-cli --functions-rdb asks for a snapshot
// of the function libraries only (REPLCONF rdb-filter-only functions);
// the file loads into Redis with the same libraries and no keys.
// redis-cli --replica asks for an empty one, then shows the command
// stream — which Cairn ends at once (it does not propagate writes).
func TestRedisCLIFunctionsRDB(t *testing.T) {
	c := cairntest.StartCairn(t)
	conn := cairntest.Dial(t, c.Addr)
	conn.Do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)")
	conn.Do("SET", "k", "v")
	dir := t.TempDir()
	out, errOut, err := cliRun(t, c.Addr, nil, "--functions-rdb", filepath.Join(dir, "dump.rdb"))
	if err != nil || !strings.Contains(out+errOut, "Transfer finished with success.") {
		t.Fatalf("redis-cli --functions-rdb: %v\n%s%s", err, out, errOut)
	}
	r := cairntest.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	rc := cairntest.Dial(t, r.Addr)
	if got := rc.Do("DBSIZE"); got != ":0\r\n" {
		t.Errorf("keys in the functions-only snapshot: %q", got)
	}
	if want, got := conn.Do("FUNCTION", "LIST"), rc.Do("FUNCTION", "LIST"); got != want || !strings.Contains(got, "mylib") {
		t.Errorf("FUNCTION LIST after loading:\n cairn: %q\n redis: %q", want, got)
	}
	if got := rc.Do("FCALL", "myfunc", "0", "hi"); got != "$2\r\nhi\r\n" {
		t.Errorf("FCALL in Redis: %q", got)
	}

	out, errOut, _ = cliRun(t, c.Addr, nil, "--replica")
	if !strings.Contains(errOut, "SYNC done. Logging commands from master.") || strings.Contains(errOut, "error") {
		t.Errorf("redis-cli --replica:\n%s%s", out, errOut)
	}
}
