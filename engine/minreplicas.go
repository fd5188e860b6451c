package engine

// min-replicas-to-write and min-replicas-max-lag, as Redis 7.0 applies
// them: while both are set and the master has fewer good replicas than
// min-replicas-to-write, writes are refused with NOREPLICAS; a replica
// (REPLICAOF set) never applies it, to its master's stream or to its own
// clients.
//
// A good replica is one online, receiving the write stream, whose last
// REPLCONF ACK is at most min-replicas-max-lag seconds old. A Cairn master
// sends a replica one snapshot and closes the link (replication.go): no
// replica is ever online, so it never has a good one, and while the
// directives are set every write is refused, as by a Redis master whose
// replicas are all gone. Counting a snapshot-only replica would defeat the
// directive, which promises that a write reached replicas. A Cairn
// replica does ACK its master every second (replicalink.go), so a Redis
// master counts it.

const errNoReplicas = "NOREPLICAS Not enough good replicas to write."

// enoughReplicas is Redis's checkGoodReplicasStatus: writes are allowed
// on a replica, when either directive is 0, or else with enough good
// replicas, of which a Cairn master has none. CONFIG SET of either
// directive takes effect at once (loadSettings).
func (s *Server) enoughReplicas() bool {
	return !s.conf().minReplicas || s.replica.Load() != nil
}

// noReplicasRefusal is admit's NOREPLICAS check.
func (c *Client) noReplicasRefusal(cmd *command, args [][]byte) string {
	if c.s.enoughReplicas() || !c.mayWrite(cmd, args) {
		return ""
	}
	return errNoReplicas
}

// mayWrite is Redis's is_write_command: a write command, a script or
// function that may write (a shebang or function without no-writes; an
// EVAL without a shebang is checked at each redis.call instead), or EXEC
// of a transaction holding one of these.
func (c *Client) mayWrite(cmd *command, args [][]byte) bool {
	if cmd.write || c.s.scriptMayWrite(cmd, args) {
		return true
	}
	if cmd.name == "exec" && c.multi != nil {
		for _, q := range c.multi.queue {
			if q.cmd.write || c.s.scriptMayWrite(q.cmd, q.args) {
				return true
			}
		}
	}
	return false
}
