package engine

// Cairn serves its own data only: it sends snapshots to redis-cli --rdb
// and replicas (replication.go) but never follows a master. REPLICAOF NO
// ONE is what it already is; FAILOVER, which needs a replica, answers as
// a Redis without one.

func init() {
	register(
		cmdDef{name: "replicaof", run: cmdReplicaOf},
		cmdDef{name: "slaveof", run: cmdReplicaOf},
		cmdDef{name: "failover", run: cmdFailover},
	)
}

func cmdReplicaOf(x *Ctx) {
	if eq(x.args[1], "no") && eq(x.args[2], "one") {
		x.w.OK()
		return
	}
	port, ok := parseInt(x.args[2])
	if !ok || port < 0 || port > 65535 {
		x.fail("ERR Invalid master port")
		return
	}
	x.fail("ERR Cairn does not replicate from a master: move the data with --import of its RDB, or MIGRATE")
}

func cmdFailover(x *Ctx) {
	if len(x.args) == 2 && eq(x.args[1], "abort") {
		x.fail("ERR No failover in progress.")
		return
	}
	var host bool
	var timeout int64
	force := false
	for i := 1; i < len(x.args); i++ {
		more := len(x.args) - i - 1
		switch a := x.args[i]; {
		case eq(a, "to") && more >= 2 && !host:
			if _, ok := x.intArg(i + 2); !ok {
				return
			}
			host = true
			i += 2
		case eq(a, "timeout") && more >= 1 && timeout == 0:
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			if n <= 0 {
				x.fail("ERR FAILOVER timeout must be greater than 0")
				return
			}
			timeout = n
			i++
		case eq(a, "force") && !force:
			force = true
		default:
			x.fail(errSyntax)
			return
		}
	}
	// Redis checks for replicas before FORCE's requirements: with none,
	// that is the answer to every well-formed FAILOVER.
	x.fail("ERR FAILOVER requires connected replicas.")
}
