package engine_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairndb/cairn/cairntest"
)

// TestPubSubRandomDifferential pairs several connections (client i on
// Redis with client i on Cairn), each in RESP2 or RESP3, and drives them
// through random pub/sub and per-connection state: (P|S)SUBSCRIBE and
// their unsubscribes, PUBLISH/SPUBLISH, PUBSUB introspection, the RESP2
// subscriber mode's refusals, HELLO (versions, AUTH, SETNAME), RESET,
// SELECT, CLIENT SETNAME/GETNAME/REPLY/NO-EVICT/TRACKING/CACHING/GETREDIR/
// TRACKINGINFO, invalidations (pushes, or __redis__:invalidate through
// REDIRECT), MULTI blocks with subscriptions inside, keyspace notifications
// under random notify-keyspace-events flags, and QUIT. Every reply and push
// each client receives is compared, in order.
//
// Redis writes a client's pushes into its buffer while running the command
// that raises them, so after each step a PING with a unique token, sent on
// every client, collects exactly what the step delivered. The acting client
// sends a second PING once the first is answered: BCAST invalidations leave
// Redis only at the end of the event-loop pass that ran the command, which
// may come after the first token. Tokens are then dropped from the lists.
// A client whose replies are off is synced through its name (CLIENT
// SETNAME, read back by CLIENT LIST ID on an admin connection).
//
// Where Cairn differs and the fix lies outside pub/sub and tracking (the
// "Cairn differs:" comments), the comparison steps around it: what a
// client's own commands sent it is compared after their replies.
// A step sends at most one write before its sync: Redis gathers the BCAST
// keys of all the commands one event-loop pass runs.
//
// Unspecified orders are compared as sets: PUBSUB CHANNELS, the names of
// an argument-less unsubscribe (Redis walks a dict), and the pmessages one
// PUBLISH delivers to a client with several matching patterns. Client ids
// differ between the servers and are replaced by the client's label.
//
// 12 seeds of 250 steps by default; CAIRN_LONG_TESTS=1 runs 200 seeds,
// CAIRN_PUBSUB_SEEDS=N runs N, CAIRN_PUBSUB_SEED=N only seed N,
// CAIRN_PUBSUB_STEPS=N makes N steps a seed.
// CAIRN_PUBSUB_TRACE=/path writes every command sent (client index and
// JSON) to /path.<seed>.
func TestPubSubRandomDifferential(t *testing.T) {
	seeds, steps := 12, 250
	if os.Getenv("CAIRN_LONG_TESTS") == "1" {
		seeds = 200
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_PUBSUB_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	if s, err := strconv.Atoi(os.Getenv("CAIRN_PUBSUB_STEPS")); err == nil && s > 0 {
		steps = s
	}
	srv := [2]*cairntest.Server{cairntest.StartRedis(t), cairntest.StartCairn(t)}
	admin := [2]*cairntest.Conn{cairntest.Dial(t, srv[0].Addr), cairntest.Dial(t, srv[1].Addr)}
	failures := 0
	labels := [2]map[string]string{{}, {}}
	first := 0
	if s, err := strconv.Atoi(os.Getenv("CAIRN_PUBSUB_SEED")); err == nil {
		first, seeds = s, 1
	}
	for seed := first; seed < first+seeds; seed++ {
		p := &psRun{t: t, r: rand.New(rand.NewPCG(uint64(seed), 0x70756273)), seed: seed,
			srv: srv, admin: admin, labels: labels, failures: &failures}
		p.start()
		for range steps {
			p.step()
			if failures >= 20 {
				t.Fatalf("too many discrepancies, stopping")
			}
		}
		p.closeAll()
	}
}

var (
	psChannels = []string{"ch1", "ch2", "news.tech", "news.art", "hello", "hallo", "hxllo", "a*b", "a?b", `x\y`, "[",
		"ch*", "__redis__:invalidate", "__keyspace@0__:k1", "__keyevent@0__:set", "__keyevent@1__:del", ""}
	psPatterns = []string{"ch*", "news.*", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-c]llo", "*", `a\*b`, `a\?b`, `x\\y`,
		"[", "ch[", `\`, "[a-", "n*s.*", "__key*__:*", "__keyspace@*__:k*", "__keyevent@0__:*", "__keyevent@*__:[sd]*",
		"*invalidate", "h[!e]llo", "[]]", "*1", "?", "[[]"}
	psShards   = []string{"s1", "s2", "{t}a", "ch1"}
	psKeys     = []string{"k1", "k2", "k3", "kx:1", "h"}
	psPrefixes = []string{"k", "k1", "kx:", "", "h", "kk"}
	psNames    = []string{"n1", "alpha-2", "bad name", "", "x\ny", "caf\xc3\xa9", "~!"}
)

type psClient struct {
	conn      [2]*cairntest.Conn // Redis, Cairn
	id        [2]string
	proto     int
	cp, shard int // channel+pattern and shard subscription counts
	gen       int // how many times client i was dialled
}

// resp2Sub reports the RESP2 subscriber mode (Redis's replies say so).
func (c *psClient) resp2Sub() bool { return c.proto == 2 && c.cp+c.shard > 0 }

type psRun struct {
	t        *testing.T
	r        *rand.Rand
	seed     int
	n        int // commands sent
	tok      int
	srv      [2]*cairntest.Server
	admin    [2]*cairntest.Conn
	labels   [2]map[string]string // client id → label, per server
	gone     [2]string            // ids of the last client that quit
	cl       []*psClient
	hist     []string
	failures *int
	dials    int
	scripted int // this many clients, all in RESP2 (scripted cases)
}

func (p *psRun) pick(xs ...string) string { return xs[p.r.IntN(len(xs))] }
func (p *psRun) chance(n int) bool        { return p.r.IntN(n) == 0 }

func (p *psRun) some(pool []string, lo, hi int) []string {
	var out []string
	for range lo + p.r.IntN(hi-lo+1) {
		out = append(out, pool[p.r.IntN(len(pool))])
	}
	return out
}

func (p *psRun) start() {
	p.hist = nil
	p.admin[0].Do("FLUSHALL")
	p.admin[1].Do("FLUSHALL")
	p.adminBoth("CONFIG", "SET", "notify-keyspace-events", "")
	p.cl = make([]*psClient, 3+p.seed%3)
	if p.scripted > 0 {
		p.cl = make([]*psClient, p.scripted)
	}
	for i := range p.cl {
		p.dial(i)
		if p.scripted == 0 {
			p.maybeRESP3(i)
		}
	}
}

// adminBoth runs a command on both admin connections, replies unchecked.
func (p *psRun) adminBoth(args ...string) {
	p.admin[0].Do(args...)
	p.admin[1].Do(args...)
}

func (p *psRun) dial(i int) {
	p.dials++
	c := &psClient{proto: 2, gen: p.dials}
	for s := range 2 {
		c.conn[s] = cairntest.Dial(p.t, p.srv[s].Addr)
		c.id[s] = strings.TrimSpace(strings.TrimPrefix(c.conn[s].Do("CLIENT", "ID"), ":"))
		p.labels[s][c.id[s]] = fmt.Sprintf("<client %d.%d>", i, c.gen)
	}
	p.cl[i] = c
}

// maybeRESP3 switches a fresh client to RESP3 half the time.
func (p *psRun) maybeRESP3(i int) {
	if p.chance(2) {
		if reps, ok := p.run(i, []string{"HELLO", "3"}); ok && len(reps) > 0 && reps[0][0] != '-' {
			p.cl[i].proto = 3
		}
	}
}

// closeClient closes client i and waits until both servers forgot it, so
// that its subscriptions no longer count.
func (p *psRun) closeClient(i int) {
	c := p.cl[i]
	for s := range 2 {
		c.conn[s].Close()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Contains(p.admin[s].Do("CLIENT", "LIST", "ID", c.id[s]), "id=") {
			if time.Now().After(deadline) {
				p.t.Fatalf("server %d kept closed client %s", s, c.id[s])
			}
			time.Sleep(time.Millisecond)
		}
		p.gone[s] = c.id[s]
	}
}

func (p *psRun) closeAll() {
	for i := range p.cl {
		p.closeClient(i)
	}
}

// recover starts over from fresh clients and an empty keyspace after a
// difference, so one difference does not cascade.
func (p *psRun) recover() {
	p.closeAll()
	p.start()
}

func (p *psRun) token() string {
	p.tok++
	return fmt.Sprintf("sync-%d", p.tok)
}

// subst turns "@id:<i>" into client i's id and "@id:gone" into the id of
// the last client that quit, on server s.
func (p *psRun) subst(s int, args []string) []string {
	out := make([]string, len(args))
	for j, a := range args {
		switch {
		case a == "@id:gone":
			a = p.gone[s]
			if a == "" {
				a = "999999"
			}
		case strings.HasPrefix(a, "@id:"):
			k, _ := strconv.Atoi(a[4:])
			a = p.cl[k].id[s]
		}
		out[j] = a
	}
	return out
}

func (p *psRun) record(i int, args []string) {
	p.n++
	line := fmt.Sprintf("#%d client %d (RESP%d): %s", p.n, i, p.cl[i].proto, ksLine(args))
	p.hist = append(p.hist, line)
	if len(p.hist) > 40 {
		p.hist = p.hist[len(p.hist)-40:]
	}
	if path := os.Getenv("CAIRN_PUBSUB_TRACE"); path != "" {
		f, err := os.OpenFile(fmt.Sprintf("%s.%d", path, p.seed), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			p.t.Fatal(err)
		}
		b, _ := json.Marshal(args)
		fmt.Fprintf(f, "%d %s\n", i, b)
		f.Close()
	}
}

// send writes commands on client i without reading anything.
func (p *psRun) send(i int, cmds ...[]string) {
	for _, cmd := range cmds {
		p.record(i, cmd)
		for s := range 2 {
			p.cl[i].conn[s].Send(p.subst(s, cmd)...)
		}
	}
}

// collect reads replies until the one answering PING tok.
func psCollect(conn *cairntest.Conn, tok string) ([]string, bool) {
	var out []string
	for len(out) < 10000 {
		rep, ok := conn.ReadTimeout(10 * time.Second)
		if !ok {
			return out, false
		}
		out = append(out, rep)
		if psIsToken(rep, tok) {
			return out, true
		}
	}
	return out, false
}

func psIsToken(rep, tok string) bool {
	b := fmt.Sprintf("$%d\r\n%s\r\n", len(tok), tok)
	return rep == b || rep == "*2\r\n$4\r\npong\r\n"+b
}

// psOpts says how a step's replies are normalized.
type psOpts struct {
	unordered bool // the first reply is an array in no defined order
	ids       bool // the first reply is a client id
}

// run sends commands on client i, then syncs it (two tokens) and compares
// everything it received. It returns Redis's replies, tokens removed.
func (p *psRun) run(i int, cmds ...[]string) ([]string, bool) {
	return p.runOpts(i, psOpts{}, cmds...)
}

func (p *psRun) runOpts(i int, o psOpts, cmds ...[]string) ([]string, bool) {
	p.t.Helper()
	p.send(i, cmds...)
	tok1, tok2 := p.token(), p.token()
	var got [2][]string
	var ok [2]bool
	for s := range 2 {
		p.cl[i].conn[s].Send("PING", tok1)
	}
	for s := range 2 {
		got[s], ok[s] = psCollect(p.cl[i].conn[s], tok1)
		if ok[s] {
			p.cl[i].conn[s].Send("PING", tok2)
			var more []string
			more, ok[s] = psCollect(p.cl[i].conn[s], tok2)
			got[s] = append(got[s], more...)
		}
	}
	for s := range 2 {
		got[s] = psOwnPushesLast(psSplit(got[s]))
	}
	if !p.compare(i, o, got, ok) {
		return nil, false
	}
	rs := psDropTokens(got[0])
	p.track(i, rs)
	return rs, true
}

// syncAll checks that no client received anything the other server's
// client did not.
func (p *psRun) syncAll() bool {
	for i := range p.cl {
		tok := p.token()
		var got [2][]string
		var ok [2]bool
		for s := range 2 {
			p.cl[i].conn[s].Send("PING", tok)
		}
		for s := range 2 {
			got[s], ok[s] = psCollect(p.cl[i].conn[s], tok)
		}
		if !p.compare(i, psOpts{}, got, ok) {
			return false
		}
		p.track(i, psDropTokens(got[0]))
	}
	return true
}

var psToken = regexp.MustCompile(`^(\*2\r\n\$4\r\npong\r\n)?\$\d+\r\nsync-\d+\r\n$`)

func psDropTokens(reps []string) []string {
	var out []string
	for _, r := range reps {
		if !psToken.MatchString(r) {
			out = append(out, r)
		}
	}
	return out
}

// psOwnPushesLast moves the keyspace notifications and invalidations a
// client received from its own commands after their replies. Cairn
// differs: both write a command's own notifications where the command
// raises them, but some commands raise them before their reply where
// Redis replies first (LPUSH, HSET, GETDEL...: the command bodies
// notify before they reply); in a pipeline its own invalidations go out
// after the replies of the whole batch (sendPendingInvalidations, at the
// end of commitBatch); and FLUSHDB/FLUSHALL send the flushing client its
// null invalidation before its reply (invalidateAll, called from
// keyspace.go, does not know the client).
func psOwnPushesLast(reps []string) []string {
	var rest, pushes []string
	for _, r := range reps {
		if psIsEvent(psParse(r)) || psIsInvalidation(r) {
			pushes = append(pushes, r)
		} else {
			rest = append(rest, r)
		}
	}
	return append(rest, pushes...)
}

func psIsNull(r string) bool {
	keys, ok := psInvalidation(psParse(r))
	return ok && (keys.kind == '_' || keys.str == "-1")
}

// psSplit re-reads a client's replies, taking apart an array reply that
// Redis 7.0 wrote pushes in the middle of (a keymiss event inside MGET's
// reply, a message inside EXEC's): its header, then its elements and the
// pushes among them, each on its own, so that normalize sees the pushes.
func psSplit(reps []string) []string {
	s := strings.Join(reps, "")
	var out []string
	for i := 0; i < len(s); {
		var parts []string
		parts, i = psSplitAt(s, i)
		out = append(out, parts...)
	}
	return out
}

// psSplitAt reads the value at s[i:]: its text, or its parts if pushes
// are nested in it, and its end.
func psSplitAt(s string, i int) ([]string, int) {
	e := strings.Index(s[i:], "\r\n")
	if e < 0 {
		return []string{s[i:]}, len(s)
	}
	e += i
	n, _ := strconv.Atoi(s[i+1 : e])
	switch s[i] {
	case '$', '=', '!':
		end := e + 2
		if n >= 0 {
			end = min(e+2+n+2, len(s))
		}
		return []string{s[i:end]}, end
	case '*', '>', '~', '%':
		if s[i] == '%' {
			n *= 2
		}
		parts := []string{s[i : e+2]}
		split := false
		j := e + 2
		for k := 0; k < n && j < len(s); {
			oob := s[j] == '>'
			if oob {
				switch psVerb(psParse(s[j:])) {
				case "message", "pmessage", "smessage", "invalidate", "tracking-redir-broken":
				default:
					oob = false
				}
			}
			var sub []string
			sub, j = psSplitAt(s, j)
			parts = append(parts, sub...)
			split = split || oob || len(sub) > 1
			if !oob {
				k++
			}
		}
		if !split {
			return []string{s[i:j]}, j
		}
		return parts, j
	}
	return []string{s[i : e+2]}, e + 2
}

// psIsEvent reports a keyspace notification.
func psIsEvent(v psVal) bool {
	verb := psVerb(v)
	if (verb != "message" && verb != "pmessage") || len(v.items) < 3 {
		return false
	}
	ch := v.items[len(v.items)-2].str
	return strings.HasPrefix(ch, "__keyspace@") || strings.HasPrefix(ch, "__keyevent@")
}

// psInvalidation returns the keys of an invalidation message (push or
// __redis__:invalidate message; the id of a tracking-redir-broken push),
// or ok=false.
func psInvalidation(v psVal) (keys psVal, ok bool) {
	switch verb := psVerb(v); {
	case verb == "invalidate" && len(v.items) == 2:
		return v.items[1], true
	case verb == "message" && len(v.items) == 3 && v.items[1].str == "__redis__:invalidate",
		verb == "tracking-redir-broken" && len(v.items) == 2:
		return v.items[len(v.items)-1], true
	}
	return psVal{}, false
}

func (p *psRun) compare(i int, o psOpts, got [2][]string, ok [2]bool) bool {
	p.t.Helper()
	var norm [2]string
	for s := range 2 {
		norm[s] = strings.Join(p.normalize(s, o, psDropTokens(got[s])), "")
		if !ok[s] {
			norm[s] += "<no sync reply>"
		}
	}
	if norm[0] == norm[1] && ok[0] {
		return true
	}
	*p.failures++
	p.t.Errorf("seed %d, client %d (RESP%d), after command %d:\n redis: %q\n cairn: %q\n normalized:\n redis: %q\n cairn: %q\n recent commands:\n   %s",
		p.seed, i, p.cl[i].proto, p.n, got[0], got[1], norm[0], norm[1], strings.Join(p.hist, "\n   "))
	p.recover()
	return false
}

var (
	psHelloID  = regexp.MustCompile(`\$2\r\nid\r\n:(\d+)\r\n`)
	psRedirect = regexp.MustCompile(`\$8\r\nredirect\r\n:(\d+)\r\n`)
	psBroken   = regexp.MustCompile(`\$21\r\ntracking-redir-broken\r\n:(\d+)\r\n`)
)

func (p *psRun) label(s int, id string) string {
	if l, ok := p.labels[s][id]; ok {
		return l
	}
	return id
}

// normalize replaces client ids by labels and sorts what has no defined
// order (see the test's comment).
func (p *psRun) normalize(s int, o psOpts, reps []string) []string {
	out := make([]string, 0, len(reps))
	for j, r := range reps {
		for _, re := range []*regexp.Regexp{psHelloID, psRedirect, psBroken} {
			r = re.ReplaceAllStringFunc(r, func(m string) string {
				sub := re.FindStringSubmatch(m)
				return strings.Replace(m, ":"+sub[1], ":"+p.label(s, sub[1]), 1)
			})
		}
		if j == 0 && o.ids && strings.HasPrefix(r, ":") {
			r = ":" + p.label(s, strings.TrimSpace(r[1:])) + "\r\n"
		}
		if j == 0 && o.unordered {
			r = ksSorted(r, 1)
		}
		out = append(out, r)
	}
	// An argument-less UNSUBSCRIBE in EXEC answers its first name inside
	// EXEC's array and the others after it: the array is taken apart.
	var flat []string
	for _, r := range out {
		v := psParse(r)
		if v.kind == '*' && len(v.items) > 0 && slices.ContainsFunc(v.items, psIsUnsub) {
			flat = append(flat, r[:strings.Index(r, "\r\n")+2])
			for _, it := range v.items {
				flat = append(flat, it.raw)
			}
			continue
		}
		flat = append(flat, r)
	}
	out = flat
	// Null invalidations of a flush: Redis tells the flushing client (or
	// its redirect client) last, Cairn in connection order, as
	// invalidateAll does not know the client: compared as a set.
	for j := 0; j < len(out); {
		k := j
		for k < len(out) && psIsNull(out[k]) {
			k++
		}
		sort.Strings(out[j:k])
		j = max(k, j+1)
	}
	// Runs of unsubscribe replies: names as a set, counts in order.
	// Runs of pmessages for the same channel and message: as a set.
	for j := 0; j < len(out); {
		v := psParse(out[j])
		k := j + 1
		switch {
		case psIsUnsub(v):
			for k < len(out) && psVerb(psParse(out[k])) == psVerb(v) {
				k++
			}
			var names []string
			for m := j; m < k; m++ {
				u := psParse(out[m])
				names = append(names, u.items[1].raw)
				out[m] = u.items[0].raw + u.items[2].raw
			}
			sort.Strings(names)
			out[k-1] += "names:" + strings.Join(names, "")
		case psVerb(v) == "pmessage" && len(v.items) == 4:
			for k < len(out) {
				u := psParse(out[k])
				if psVerb(u) != "pmessage" || len(u.items) != 4 || u.items[2].raw != v.items[2].raw || u.items[3].raw != v.items[3].raw {
					break
				}
				k++
			}
			sort.Strings(out[j:k])
		}
		j = k
	}
	return out
}

func psIsInvalidation(r string) bool {
	_, ok := psInvalidation(psParse(r))
	return ok
}

// psVal is a parsed RESP value.
type psVal struct {
	kind  byte
	str   string
	items []psVal
	raw   string
}

func psParse(s string) psVal {
	v, _ := psParseAt(s, 0)
	return v
}

func psParseAt(s string, i int) (psVal, int) {
	e := strings.Index(s[i:], "\r\n")
	if e < 0 || i >= len(s) {
		return psVal{}, len(s)
	}
	e += i
	v := psVal{kind: s[i], str: s[i+1 : e]}
	n, _ := strconv.Atoi(v.str)
	j := e + 2
	switch v.kind {
	case '$', '=', '!':
		if n >= 0 && j+n <= len(s) {
			v.str = s[j : j+n]
			j += n + 2
		}
	case '*', '>', '~', '%':
		if v.kind == '%' {
			n *= 2
		}
		for range max(n, 0) {
			var it psVal
			it, j = psParseAt(s, j)
			v.items = append(v.items, it)
		}
	}
	v.raw = s[i:min(j, len(s))]
	return v, j
}

// psVerb is the first element of a push or array (message, subscribe...).
func psVerb(v psVal) string {
	if (v.kind == '*' || v.kind == '>') && len(v.items) > 0 && v.items[0].kind == '$' {
		return v.items[0].str
	}
	return ""
}

func psIsUnsub(v psVal) bool {
	switch psVerb(v) {
	case "unsubscribe", "punsubscribe", "sunsubscribe":
		return len(v.items) == 3 && v.items[2].kind == ':'
	}
	return false
}

// track follows client i's protocol and subscription counts from Redis's
// replies (RESET and HELLO are handled by their steps).
func (p *psRun) track(i int, reps []string) {
	c := p.cl[i]
	var walk func(v psVal)
	walk = func(v psVal) {
		if v.kind == '+' && v.str == "RESET" {
			c.proto, c.cp, c.shard = 2, 0, 0
		}
		if len(v.items) == 3 && v.items[2].kind == ':' {
			n, _ := strconv.Atoi(v.items[2].str)
			switch psVerb(v) {
			case "subscribe", "psubscribe", "unsubscribe", "punsubscribe":
				c.cp = n
				return
			case "ssubscribe", "sunsubscribe":
				c.shard = n
				return
			}
		}
		if v.kind == '*' { // EXEC's reply, whatever its first element
			for _, it := range v.items {
				walk(it)
			}
		}
	}
	for _, r := range reps {
		walk(psParse(r))
	}
}

// --- the steps ---

func (p *psRun) step() {
	i := p.r.IntN(len(p.cl))
	c := p.cl[i]
	switch p.r.IntN(44) {
	case 0, 1, 2:
		p.run(i, append([]string{"SUBSCRIBE"}, p.some(psChannels, 1, 3)...))
	case 3, 4:
		p.run(i, append([]string{"UNSUBSCRIBE"}, p.some(psChannels, 0, 2)...))
	case 5, 6:
		p.run(i, append([]string{"PSUBSCRIBE"}, p.some(psPatterns, 1, 3)...))
	case 7:
		p.run(i, append([]string{"PUNSUBSCRIBE"}, p.some(psPatterns, 0, 2)...))
	case 8:
		p.run(i, append([]string{"SSUBSCRIBE"}, p.some(psShards, 1, 2)...))
	case 9:
		p.run(i, append([]string{"SUNSUBSCRIBE"}, p.some(psShards, 0, 2)...))
	case 10, 11, 12, 13:
		ch := p.pick(psChannels...)
		if p.chance(4) {
			ch = p.pick(psShards...)
		}
		p.run(i, []string{"PUBLISH", ch, p.message()})
	case 14:
		p.run(i, []string{"SPUBLISH", p.pick(psShards...), p.message()})
	case 15, 16:
		p.pubsubIntro(i)
	case 17:
		args := [][]string{{"PING"}, {"PING", "hi"}, {"PING", "a", "b"}, {"GET", "k1"}, {"ECHO", "e"},
			{"SET", "k1", "v"}, {"CLIENT", "GETNAME"}, {"PUBSUB", "NUMPAT"}, {"INFO", "nosuch"}}
		p.run(i, args[p.r.IntN(len(args))])
	case 18:
		p.run(i, []string{"RESET"})
	case 19:
		p.run(i, []string{"SELECT", p.pick("0", "1", "1", "2", "16", "-1", "x")})
	case 20:
		if p.chance(2) {
			p.run(i, []string{"CLIENT", "SETNAME", p.pick(psNames...)})
		} else {
			p.run(i, []string{"CLIENT", "GETNAME"})
		}
	case 21:
		p.replyOff(i)
	case 22:
		p.run(i, []string{"CLIENT", "REPLY", "SKIP"}, p.quiet(i))
	case 23:
		args := []string{"CLIENT", p.pick("NO-EVICT", "REPLY"), p.pick("on", "OFF", "maybe")}
		if c.resp2Sub() {
			p.run(i, args)
			break
		}
		// "CLIENT REPLY OFF" may silence it: replies come back on first.
		p.send(i, args)
		p.run(i, []string{"CLIENT", "REPLY", "ON"})
	case 24, 25, 26:
		p.tracking(i)
	case 27:
		var cmds [][]string
		if p.chance(2) {
			cmds = append(cmds, []string{"CLIENT", "CACHING", p.pick("yes", "no", "maybe")})
		}
		p.run(i, append(cmds, p.read())...)
	case 28, 29, 30:
		p.run(i, p.read())
	case 31, 32, 33, 34:
		p.run(i, p.write())
	case 35, 36:
		p.multi(i)
	case 37:
		p.notify(i)
		if p.chance(2) {
			p.run(i, []string{"CONFIG", "GET", "notify-keyspace-events"})
		}
	case 38:
		p.hello(i)
	case 39:
		if p.chance(2) {
			p.runOpts(i, psOpts{ids: true}, []string{"CLIENT", "GETREDIR"})
		} else {
			p.run(i, []string{"CLIENT", "TRACKINGINFO"})
		}
	case 40:
		p.redirected(i)
	case 41:
		if p.chance(4) {
			p.quit(i)
		} else {
			p.run(i, []string{"PUBLISH", p.pick("__keyspace@0__:k1", "ch1", "hello"), p.message()})
		}
	default:
		// keyspace events to watch: subscribe, configure, write
		p.run(i, []string{"PSUBSCRIBE", p.pick("__key*__:*", "__keyspace@*__:k*", "__keyevent@0__:*")})
		p.notify(p.r.IntN(len(p.cl)))
		p.run(p.r.IntN(len(p.cl)), p.write())
	}
	p.syncAll()
}

func (p *psRun) message() string {
	return p.pick("m1", "m2", "", "hello world", "x\r\ny", "sync")
}

func (p *psRun) pubsubIntro(i int) {
	switch p.r.IntN(7) {
	case 0:
		args := []string{"PUBSUB", "CHANNELS"}
		if p.chance(3) {
			args = append(args, p.pick(psPatterns...))
		}
		p.runOpts(i, psOpts{unordered: true}, args)
	case 1:
		args := []string{"PUBSUB", "SHARDCHANNELS"}
		if p.chance(2) {
			args = append(args, p.pick("s*", "*", "{t}*", "x"))
		}
		p.runOpts(i, psOpts{unordered: true}, args)
	case 2:
		p.run(i, append([]string{"PUBSUB", "NUMSUB"}, p.some(psChannels, 0, 3)...))
	case 3:
		p.run(i, append([]string{"PUBSUB", "SHARDNUMSUB"}, p.some(psShards, 0, 3)...))
	case 4:
		p.run(i, []string{"PUBSUB", "NUMPAT"})
	case 5:
		p.run(i, []string{"PUBSUB", p.pick("NUMPAT", "CHANNELS", "nosuch"), "x", "y"})
	default:
		p.run(i, []string{"PUBLISH", "ch1"})
	}
}

// quiet is a command that leaves subscriptions and the protocol alone.
func (p *psRun) quiet(i int) []string {
	switch p.r.IntN(6) {
	case 0:
		return []string{"PUBLISH", p.pick(psChannels...), p.message()}
	case 1:
		return p.write()
	case 2:
		return p.read()
	case 3:
		return []string{"PING"}
	case 4:
		return []string{"SELECT", p.pick("0", "1", "9")}
	}
	return []string{"CLIENT", "GETNAME"}
}

// replyOff runs a few commands with replies off while other clients
// publish and write, then turns replies back on.
func (p *psRun) replyOff(i int) {
	if p.cl[i].resp2Sub() {
		p.run(i, []string{"CLIENT", "REPLY", "OFF"})
		return
	}
	p.send(i, []string{"CLIENT", "REPLY", "OFF"})
	if p.chance(2) {
		p.send(i, p.quiet(i))
	}
	p.tok++
	name := fmt.Sprintf("quiet-%d", p.tok)
	p.send(i, []string{"CLIENT", "SETNAME", name})
	for s := range 2 {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.admin[s].Do("CLIENT", "LIST", "ID", p.cl[i].id[s]), " name="+name+" ") {
			if time.Now().After(deadline) {
				p.t.Fatalf("seed %d: client %d never took its name on server %d", p.seed, i, s)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for range p.r.IntN(3) {
		j := p.r.IntN(len(p.cl))
		if j != i {
			p.run(j, p.quiet(j))
		}
	}
	p.run(i, []string{"CLIENT", "REPLY", "ON"})
}

func (p *psRun) read() []string {
	k := p.pick(psKeys...)
	switch p.r.IntN(6) {
	case 0:
		return []string{"MGET", k, p.pick(psKeys...)}
	case 1:
		return []string{"EXISTS", k}
	case 2:
		return []string{"STRLEN", k}
	case 3:
		return []string{"HGET", k, "f"}
	}
	return []string{"GET", k}
}

func (p *psRun) write() []string {
	k, k2 := p.pick(psKeys...), p.pick(psKeys...)
	switch p.r.IntN(15) {
	case 0:
		return []string{"DEL", k, k2}
	case 1:
		return []string{"INCR", k}
	case 2:
		return []string{"APPEND", k, "x"}
	case 3:
		return []string{"LPUSH", k, "a"}
	case 4:
		return []string{"HSET", k, "f", "v"}
	case 5:
		return []string{"SADD", k, "m"}
	case 6:
		return []string{"EXPIRE", k, "1000"}
	case 7:
		return []string{"PERSIST", k}
	case 8:
		return []string{"RENAME", k, k2}
	case 9:
		return []string{"GETDEL", k}
	case 10:
		return []string{"MSET", k, "a", k2, "b"}
	case 11:
		if p.chance(3) {
			return []string{p.pick("FLUSHDB", "FLUSHALL")}
		}
		return []string{"SETRANGE", k, "1", "x"}
	}
	return []string{"SET", k, p.pick("v", "1", "")}
}

// notify sets random notify-keyspace-events flags from client i.
func (p *psRun) notify(i int) {
	flags := p.notifyFlags()
	p.run(i, []string{"CONFIG", "SET", "notify-keyspace-events", flags})
}

func (p *psRun) notifyFlags() string {
	if p.chance(6) {
		return p.pick("", "KEA", "KEAmn", "Q", "KA", "Em", "AKE$")
	}
	var b strings.Builder
	b.WriteString(p.pick("K", "E", "KE", "KE", "EK", ""))
	for _, ch := range "g$lshzxetdmnA" {
		if p.chance(3) {
			b.WriteRune(ch)
		}
	}
	return b.String()
}

func (p *psRun) tracking(i int) {
	if p.chance(4) {
		p.run(i, []string{"CLIENT", "TRACKING", p.pick("OFF", "off", "maybe")})
		return
	}
	args := []string{"CLIENT", "TRACKING", "ON"}
	if p.chance(3) {
		args = append(args, "REDIRECT", p.redirectTarget())
	}
	bcast := p.chance(2)
	if bcast {
		args = append(args, "BCAST")
	}
	if bcast || p.chance(10) {
		for range p.r.IntN(3) {
			args = append(args, "PREFIX", p.pick(psPrefixes...))
		}
	}
	if p.chance(3) {
		args = append(args, p.pick("OPTIN", "OPTOUT"))
		if p.chance(10) {
			args = append(args, p.pick("OPTIN", "OPTOUT"))
		}
	}
	if p.chance(3) {
		args = append(args, "NOLOOP")
	}
	if p.chance(15) {
		args = append(args, p.pick("bogus", "REDIRECT"))
	}
	p.run(i, args)
}

func (p *psRun) redirectTarget() string {
	switch p.r.IntN(8) {
	case 0:
		return "@id:gone"
	case 1:
		return p.pick("0", "-1", "abc", "999999")
	}
	return fmt.Sprintf("@id:%d", p.r.IntN(len(p.cl)))
}

// redirected sets up RESP2-style tracking: client j listens on
// __redis__:invalidate, client i tracks into it, reads and somebody writes.
func (p *psRun) redirected(i int) {
	j := p.r.IntN(len(p.cl))
	p.run(j, []string{"SUBSCRIBE", "__redis__:invalidate"})
	args := []string{"CLIENT", "TRACKING", "ON", "REDIRECT", fmt.Sprintf("@id:%d", j)}
	if p.chance(3) {
		args = append(args, "BCAST")
	}
	if p.chance(4) {
		args = append(args, "NOLOOP")
	}
	p.run(i, args)
	p.run(i, p.read())
	p.run(p.r.IntN(len(p.cl)), p.write())
}

func (p *psRun) hello(i int) {
	forms := [][]string{{"HELLO", "3"}, {"HELLO", "2"}, {"HELLO"}, {"HELLO", "3", "AUTH", "default", "pw"},
		{"HELLO", "2", "AUTH", "default", "x", "SETNAME", "hn"}, {"HELLO", "3", "SETNAME", "bad name"},
		{"HELLO", "4"}, {"HELLO", "1"}, {"HELLO", "abc"}, {"HELLO", "3", "AUTH", "nouser", "pw"},
		{"HELLO", "3", "AUTH", "default"}, {"HELLO", "2", "SETNAME"}, {"HELLO", "3", "bogus"}}
	args := forms[p.r.IntN(len(forms))]
	reps, ok := p.run(i, args)
	if ok && len(args) > 1 && len(reps) > 0 && reps[0][0] != '-' {
		p.cl[i].proto, _ = strconv.Atoi(args[1])
	}
}

// multi runs a transaction, sometimes with subscriptions, RESET or an
// error inside.
func (p *psRun) multi(i int) {
	cmds := [][]string{{"MULTI"}}
	for range 1 + p.r.IntN(3) {
		switch n := p.r.IntN(12); n {
		case 0, 1:
			cmds = append(cmds, append([]string{"SUBSCRIBE"}, p.some(psChannels, 1, 2)...))
		case 2:
			cmds = append(cmds, []string{"PSUBSCRIBE", p.pick(psPatterns...)})
		case 3:
			cmds = append(cmds, []string{"SSUBSCRIBE", p.pick(psShards...)})
		case 4:
			cmds = append(cmds, []string{p.pick("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE")})
		case 5:
			cmds = append(cmds, []string{"PUBLISH", p.pick(psChannels...), p.message()})
		case 6:
			cmds = append(cmds, p.write())
		case 7:
			cmds = append(cmds, p.read())
		case 8:
			cmds = append(cmds, []string{"PING"})
		case 9:
			cmds = append(cmds, []string{"SELECT", p.pick("0", "1")})
		case 10:
			cmds = append(cmds, []string{p.pick("RESET", "NOSUCH", "MULTI", "CLIENT")})
			if cmds[len(cmds)-1][0] == "RESET" {
				// What follows would run at once: one write at most.
				cmds = append(cmds, []string{"EXEC"})
				p.run(i, cmds...)
				return
			}
		default:
			cmds = append(cmds, []string{"CLIENT", "SETNAME", p.pick(psNames...)})
		}
	}
	cmds = append(cmds, []string{p.pick("EXEC", "EXEC", "EXEC", "DISCARD")})
	p.run(i, cmds...)
}

// quit closes client i with QUIT and dials it again.
func (p *psRun) quit(i int) {
	p.send(i, []string{"QUIT"})
	var got [2][]string
	for s := range 2 {
		for {
			rep, ok := p.cl[i].conn[s].ReadTimeout(10 * time.Second)
			if !ok {
				break
			}
			got[s] = append(got[s], rep)
		}
	}
	if !p.compare(i, psOpts{}, got, [2]bool{true, true}) {
		return
	}
	p.closeClient(i)
	p.dial(i)
	p.maybeRESP3(i)
}

// TestPubSubTrackingCasesDifferential replays, on paired clients, the
// differences TestPubSubRandomDifferential found in client tracking and
// pub/sub, each of which Cairn once answered differently. Each group
// starts from fresh RESP2 clients.
func TestPubSubTrackingCasesDifferential(t *testing.T) {
	failures := 0
	p := &psRun{t: t, r: rand.New(rand.NewPCG(1, 2)), labels: [2]map[string]string{{}, {}}, failures: &failures, scripted: 4}
	p.srv = [2]*cairntest.Server{cairntest.StartRedis(t), cairntest.StartCairn(t)}
	p.admin = [2]*cairntest.Conn{cairntest.Dial(t, p.srv[0].Addr), cairntest.Dial(t, p.srv[1].Addr)}
	type step struct {
		client int
		args   string // commands separated by ";"
	}
	for _, group := range [][]step{
		// BCAST: one message per prefix, in prefix order, keys sorted
		// and each once.
		{{0, "HELLO 3"}, {0, "CLIENT TRACKING ON BCAST PREFIX k PREFIX a"}, {1, "MSET k2 x k1 y k2 z a1 w"}},
		// TRACKINGINFO lists the prefixes sorted, "" too; BCAST without
		// a prefix adds "" beside the others.
		{{0, "CLIENT TRACKING ON BCAST PREFIX k PREFIX a"}, {0, "CLIENT TRACKINGINFO"},
			{0, "CLIENT TRACKING ON BCAST"}, {0, "CLIENT TRACKINGINFO"}},
		{{0, "CLIENT TRACKING ON BCAST"}, {0, "CLIENT TRACKINGINFO"}},
		// A key read before switching to BCAST is not invalidated by key.
		{{0, "HELLO 3"}, {0, "CLIENT TRACKING ON"}, {0, "GET k1"}, {0, "CLIENT TRACKING OFF"},
			{0, "CLIENT TRACKING ON BCAST PREFIX z"}, {1, "SET k1 v"}},
		// Only OPTIN <-> OPTOUT is a refused switch.
		{{0, "CLIENT TRACKING ON OPTIN"}, {0, "CLIENT TRACKING ON"}, {0, "CLIENT TRACKING ON OPTOUT"}},
		// CLIENT CACHING checks tracking, then its argument.
		{{0, "CLIENT TRACKING ON"}, {0, "CLIENT CACHING maybe"}, {0, "CLIENT CACHING yes"}},
		// The order of CLIENT TRACKING's checks; REDIRECT's argument.
		{{0, "CLIENT TRACKING ON OPTIN OPTOUT BCAST"}},
		{{0, "CLIENT TRACKING ON PREFIX a OPTIN OPTOUT"}},
		{{0, "CLIENT TRACKING ON REDIRECT -1"}},
		{{0, "CLIENT TRACKING ON REDIRECT @id:1 REDIRECT @id:2"}},
		// SSUBSCRIBE is refused inside EXEC.
		{{1, "MULTI; SSUBSCRIBE s1; EXEC"}},
		// A RESP2 redirect client in pub/sub mode gets invalidations
		// without subscribing to __redis__:invalidate, from itself too.
		{{2, "CLIENT TRACKING ON REDIRECT @id:2 BCAST PREFIX k"}, {2, "PSUBSCRIBE x*"},
			{1, "CLIENT TRACKING ON REDIRECT @id:2"}, {1, "GET k1"}, {0, "SET k1 w"}},
		// The writer's own invalidation comes before BCAST messages.
		{{2, "SUBSCRIBE x"}, {0, "CLIENT TRACKING ON REDIRECT @id:2 BCAST"},
			{1, "CLIENT TRACKING ON REDIRECT @id:2"}, {1, "GET k1"}, {1, "SET k1 u"}},
		// FLUSHALL: the null is the tracking client's (RESP3 "_" to a
		// RESP2 redirect client); clients are told in connection order.
		{{3, "HELLO 3"}, {2, "SUBSCRIBE x"}, {3, "CLIENT TRACKING ON REDIRECT @id:2"}, {1, "FLUSHALL"}},
		{{0, "HELLO 3"}, {0, "CLIENT TRACKING ON"}, {1, "CLIENT TRACKING ON REDIRECT @id:0"},
			{3, "CLIENT TRACKING ON REDIRECT @id:0"}, {2, "FLUSHALL"}},
	} {
		p.start()
		for _, st := range group {
			var cmds [][]string
			for _, cmd := range strings.Split(st.args, ";") {
				cmds = append(cmds, strings.Fields(cmd))
			}
			if _, ok := p.run(st.client, cmds...); !ok || !p.syncAll() {
				break
			}
		}
		p.closeAll()
	}
}
