package engine

import "time"

// Long scripts. Redis runs one command at a time, so while a script runs
// no other client's command does; once the script passes
// busy-reply-threshold, Redis answers them BUSY, except the few commands
// flagged allow_busy (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE, ...).
// Cairn holds other clients' commands at the door the same way (admit):
// they wait while a script runs and get BUSY once it is past the
// threshold.

const (
	errBusyEval     = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errNotBusy      = "NOTBUSY No scripts in execution right now."
	errUnkillable   = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
)

func (r *scriptRun) busyError() string {
	if r.isEval {
		return errBusyEval
	}
	return errBusyFunction
}

// begin publishes r as the running script and arms its busy timer.
func (e *scriptEngine) begin(r *scriptRun) {
	r.start = time.Now()
	r.busy = make(chan struct{})
	r.done = make(chan struct{})
	threshold := time.Duration(e.s.cfg.Int("busy-reply-threshold")) * time.Millisecond
	e.running.Store(r)
	if r.ldb != nil {
		// A session waits for its user: other clients wait for it, as
		// for Redis's, rather than being told BUSY.
		return
	}
	r.timer = time.AfterFunc(threshold, func() {
		kill := "FUNCTION KILL"
		if r.isEval {
			kill = "SCRIPT KILL"
		}
		e.s.log.Warningf("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s command. Script name is: %s.",
			time.Since(r.start).Milliseconds(), kill, r.name)
		close(r.busy)
	})
}

// end withdraws r, letting the commands waiting at the door in.
func (e *scriptEngine) end(r *scriptRun) {
	if r.timer != nil {
		r.timer.Stop()
	}
	e.running.Store(nil)
	close(r.done)
}

// admit holds a command of another client while a script runs: it goes on
// once the script ends, or is refused with BUSY (the returned error) once
// the script is past the threshold, unless it may run then.
func (e *scriptEngine) admit(c *Client, cmd *command) string {
	r := e.running.Load()
	if r == nil || r.caller == c {
		return ""
	}
	select {
	case <-r.done:
		return ""
	case <-r.busy:
	}
	if cmd.spec.HasFlag("allow_busy") {
		return ""
	}
	return r.busyError()
}

// kill is SCRIPT KILL (evalMode) and FUNCTION KILL: it stops the running
// script if it has not written anything.
func (e *scriptEngine) kill(x *Ctx, evalMode bool) {
	r := e.running.Load()
	switch {
	case r == nil:
		x.fail(errNotBusy)
	case r.wrote.Load():
		x.fail(errUnkillable)
	case r.isEval != evalMode:
		x.fail(r.busyError())
	default:
		r.stop(killedByUser)
		e.s.log.Warningf("Lua script killed by user with SCRIPT KILL.")
		x.w.OK()
	}
}

// stop makes the script raise an error at its next instruction.
func (r *scriptRun) stop(reason int32) {
	r.killed.Store(reason)
	r.cancel()
}

// beforeShutdown lets SHUTDOWN go ahead while a script runs only with
// NOSAVE, and then stops the script first: none of its writes are kept.
// A non-empty result is the error to reply.
func (e *scriptEngine) beforeShutdown(args [][]byte) string {
	r := e.running.Load()
	if r == nil {
		return ""
	}
	for _, a := range args[1:] {
		if eq(a, "nosave") {
			r.stop(killedByShutdown)
			<-r.done
			return ""
		}
	}
	return r.busyError()
}
