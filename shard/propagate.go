package shard

import "github.com/shoal-db/shoal/repl"

// Write effects (DESIGN.md invariant 6). A write command is journaled as
// itself unless its handler says otherwise: Propagate records the
// deterministic effect instead (BLPOP → LPOP, EXPIRE → PEXPIREAT, …) and may
// be called several times; NoPropagate records that nothing changed. Effects
// are only collected while the journal is on. Keys the command found
// expired go first (expire.go), as in Redis, where the lazy expiry's DEL is
// propagated before the command that met it.

// Propagate records args as an effect of the running command.
func (c *Ctx) Propagate(args ...[]byte) {
	c.propagated = true
	if !c.e.Journal.On() {
		return
	}
	c.takeExpired()
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
// recorded none: the command itself, if it is a write that did not fail;
// and, whatever the command, the deletions of keys it found expired.
func (c *Ctx) collect(cmd *Command, failed bool) {
	if cmd.Kind != KindKeyed && cmd.Flags&FlagWrite == 0 && !c.inTx {
		// Reads of arbitrary keys (SCAN, RANDOMKEY) journal each expired
		// key they meet as its own DEL: Redis 7.0 leaves the deletions of
		// commands flagged TOUCHES_ARBITRARY_KEYS out of MULTI … EXEC.
		c.takeExpired()
		for _, ef := range c.effects {
			c.e.Journal.Append([]repl.Effect{ef})
		}
		c.effects = c.effects[:0]
	}
	if !c.propagated && cmd.Flags&FlagWrite != 0 && !failed {
		c.Propagate(c.Args...)
	} else {
		c.takeExpired()
	}
	c.propagated, c.noChange = false, false
}

// takeExpired moves the deletions of keys that expired on the shards the
// command holds into its effects.
func (c *Ctx) takeExpired() {
	take := func(ef repl.Effect) { c.effects = append(c.effects, ef) }
	switch {
	case c.sh != nil:
		c.sh.takeExpired(take)
	case c.multi:
		for _, i := range c.batch.multi.shards {
			c.e.shards[i].takeExpired(take)
		}
	default:
		// A blocked client being served holds the shards of its keys.
		cmd := c.e.Table.Lookup(c.Args[0])
		if cmd == nil {
			return
		}
		idx, _ := cmd.KeyIndexes(c.Args, nil)
		for _, i := range idx {
			c.e.shards[c.e.ShardOf(c.Args[i])].takeExpired(take)
		}
	}
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
