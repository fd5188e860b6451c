package clienttest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cairndb/cairn/cairntest"
)

// infoFields maps each INFO section to its field names. Per-command,
// per-error and per-database lines are reduced to their pattern
// (cmdstat_*, db*, ...), since which ones appear depends on the traffic.
func infoFields(info string) map[string]map[string]bool {
	secs := map[string]map[string]bool{}
	var cur map[string]bool
	generic := regexp.MustCompile(`^(cmdstat_|latency_percentiles_usec_|errorstat_|db|slave)[^:]*$`)
	for _, line := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			cur = map[string]bool{}
			secs[strings.ToLower(line[2:])] = cur
			continue
		}
		name, _, ok := strings.Cut(line, ":")
		if !ok || cur == nil {
			continue
		}
		if m := generic.FindStringSubmatch(name); m != nil {
			name = m[1] + "*"
		}
		cur[name] = true
	}
	return secs
}

// infoBody strips the RESP framing of an INFO reply.
func infoBody(reply string) string {
	_, body, _ := strings.Cut(reply, "\r\n")
	return body
}

// TestInfoFieldsMatchRedis: every field Redis 7.0 prints in INFO
// everything (what redis_exporter, Datadog, Grafana dashboards and
// clients' INFO parsers read) is printed by Cairn in the same section.
func TestInfoFieldsMatchRedis(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
SET k v
GET k
EXPIRE k 100
RPUSH l a
INCR l
`)
	// Fields only a Redis built with jemalloc, or in a state Cairn cannot
	// be in, prints; none of them is read by redis_exporter's defaults.
	exempt := map[string]bool{}
	want := infoFields(infoBody(d.Redis.Do("INFO", "everything")))
	got := infoFields(infoBody(d.Cairn.Do("INFO", "everything")))
	for sec, fields := range want {
		if sec == "memory" {
			continue // another change owns the memory section
		}
		if got[sec] == nil {
			t.Errorf("INFO section %q missing", sec)
			continue
		}
		for f := range fields {
			if !got[sec][f] && !exempt[f] {
				t.Errorf("INFO %s: field %q missing", sec, f)
			}
		}
	}
	// And values dashboards rely on.
	info := d.Cairn.Do("INFO", "everything")
	for _, want := range []string{"role:master\r\n", "connected_slaves:0\r\n", "redis_version:7.0.15\r\n", "db0:keys=2,expires=1,avg_ttl=", "cmdstat_set:calls=1,", "errorstat_WRONGTYPE:count=1", "aof_enabled:", "rdb_last_bgsave_status:ok"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO everything lacks %q", want)
		}
	}
}

// TestHandshakeDifferential: the commands client libraries send while
// connecting answer exactly as Redis 7.0's — including CLIENT SETINFO,
// which 7.0 does not know (go-redis, rueidis, ioredis and redis-py 5 send
// it and ignore the error, as the scenarios show).
func TestHandshakeDifferential(t *testing.T) {
	d := cairntest.NewDiffer(t)
	d.Run(`
ACL SETUSER app on >secret ~* &* +@all
CLIENT SETINFO lib-name go-redis
CLIENT SETINFO lib-ver 9.17.3
HELLO 3 AUTH app wrong
HELLO 3 AUTH nobody secret
CLIENT SETNAME conn-2
CLIENT GETNAME
AUTH app secret
SELECT 0
CLIENT TRACKING ON OPTIN
CLIENT CACHING YES
CLIENT TRACKING OFF
CONFIG GET maxmemory
CONFIG GET save
CONFIG GET appendonly
CONFIG GET databases
CONFIG GET cluster-enabled
COMMAND INFO get set
ROLE
PING
`)
}
