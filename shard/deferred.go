package shard

// Deferred is the reply of a command that finishes on another goroutine
// (SAVE waits for a snapshot to reach the disk). The command must have
// Command.Defers set, so that it runs alone in its batch: its reply is the
// batch's whole output.
type Deferred struct{ b *Batch }

// Defer makes the running command's reply come later, through Reply. The
// handler appends nothing itself.
func (c *Ctx) Defer() *Deferred {
	if c.batch == nil {
		panic("BUG: Defer outside a client batch")
	}
	c.batch.pending.Add(1)
	return &Deferred{b: c.batch}
}

// Reply delivers the reply; call it exactly once.
func (d *Deferred) Reply(reply []byte) {
	d.b.deferred = append(d.b.deferred[:0], reply...)
	d.b.hasDeferred = true
	d.b.partDone()
}
