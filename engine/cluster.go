package engine

// Cairn is a standalone server: the cluster commands answer as Redis does
// with cluster-enabled no (arity and unknown subcommands are checked by the
// dispatcher first, as in Redis).

const errClusterDisabled = "ERR This instance has cluster support disabled"

func init() {
	for _, name := range []string{"readonly", "readwrite", "asking"} {
		register(cmdDef{name: name, run: cmdClusterDisabled})
	}
	for _, sub := range []string{"addslots", "addslotsrange", "bumpepoch", "count-failure-reports",
		"countkeysinslot", "delslots", "delslotsrange", "failover", "flushslots", "forget",
		"getkeysinslot", "help", "info", "keyslot", "links", "meet", "myid", "nodes", "replicas",
		"replicate", "reset", "saveconfig", "set-config-epoch", "setslot", "shards", "slaves", "slots"} {
		register(cmdDef{name: "cluster|" + sub, run: cmdClusterDisabled})
	}
}

func cmdClusterDisabled(x *Ctx) { x.fail(errClusterDisabled) }
