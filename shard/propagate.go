package shard

import "github.com/shoal-db/shoal/repl"

// Write effects (DESIGN.md invariant 6). A write command is journaled as
// itself unless its handler says otherwise: Propagate records the
// deterministic effect instead (BLPOP → LPOP, EXPIRE → PEXPIREAT, …) and may
// be called several times; NoPropagate records that nothing changed. Effects
// are only collected while the journal is on.

// Propagate records args as an effect of the running command.
func (c *Ctx) Propagate(args ...[]byte) {
	c.propagated = true
	if !c.e.Journal.On() {
		return
	}
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	c.effects = append(c.effects, repl.Effect{DB: c.DBIndex, Args: cp})
}

// NoPropagate records that the running write command changed nothing: it
// is not journaled and does not abort transactions watching its keys.
func (c *Ctx) NoPropagate() { c.propagated, c.noChange = true, true }

// collect adds the effect of the command that just ran when its handler
// recorded none: the command itself, if it is a write that did not fail.
func (c *Ctx) collect(cmd *Command, failed bool) {
	if !c.propagated && cmd.Flags&FlagWrite != 0 && !failed {
		c.Propagate(c.Args...)
	}
	c.propagated, c.noChange = false, false
}

// flushEffects journals the collected effects as one unit (inside EXEC they
// wait for the end of the transaction).
func (c *Ctx) flushEffects() {
	if c.inTx || len(c.effects) == 0 {
		return
	}
	c.e.Journal.Append(c.effects)
	c.effects = c.effects[:0]
}
