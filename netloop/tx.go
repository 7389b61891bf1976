package netloop

import (
	"github.com/shoal-db/shoal/shard"
)

// MULTI/EXEC/DISCARD/WATCH/UNWATCH. Queued commands are checked when they
// arrive (unknown command, arity, auth: errors abort EXEC with EXECABORT)
// and run by EXEC as one command holding every shard they and the watched
// keys live on (shard/tx.go).

// txState is a connection's transaction state.
type txState struct {
	active bool
	failed bool // a queue-time error: EXEC answers EXECABORT
	queue  []shard.TxCall
	watch  *shard.WatchSet
}

// txControl lists the commands that act at once inside MULTI.
func txControl(cmd *shard.Command) bool {
	switch cmd.ConnID {
	case connMulti, connDiscard, connQuit, connReset:
		return true
	}
	return shard.IsExec(cmd) || cmd.Name == "watch"
}

// oomInMulti reports whether cmd, sent inside MULTI, is refused while the
// server is out of memory.
func oomInMulti(cmd *shard.Command) bool {
	switch cmd.ConnID {
	case connDiscard, connQuit, connReset:
		return false
	}
	return !shard.IsExec(cmd)
}

// queueError answers a command rejected before running; inside MULTI it
// also dooms the transaction, as Redis's flagTransaction does.
func (cn *conn) queueError(msg string) {
	if cn.tx.active {
		cn.tx.failed = true
	}
	cn.localError(msg)
}

// enqueue queues a command between MULTI and EXEC, copying its arguments
// out of the read buffer.
func (cn *conn) enqueue(cmd *shard.Command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	cn.tx.queue = append(cn.tx.queue, shard.TxCall{Cmd: cmd, Args: cp, DB: cn.db})
	cn.end(append(cn.out(), "+QUEUED\r\n"...))
}

func (cn *conn) multi() {
	if cn.tx.active {
		cn.errorReply("ERR MULTI calls can not be nested")
		return
	}
	cn.tx.active = true
	cn.ok()
}

func (cn *conn) discard() {
	if !cn.tx.active {
		cn.errorReply("ERR DISCARD without MULTI")
		return
	}
	cn.endTx()
	cn.unwatch()
	cn.ok()
}

func (cn *conn) endTx() {
	cn.tx.active, cn.tx.failed = false, false
	clear(cn.tx.queue)
	cn.tx.queue = cn.tx.queue[:0]
}

// unwatch drops the WATCH set; a fresh set replaces it so that removal
// tasks still in flight for the old one cannot touch new registrations.
func (cn *conn) unwatch() {
	if cn.tx.watch.Empty() {
		return
	}
	cn.tx.watch.Unwatch()
	cn.tx.watch = cn.s.Engine.NewWatchSet()
	cn.batch.Watch = cn.tx.watch
}

// exec runs the transaction. It reports accepted=false when it must wait
// for work already in the batch: a WATCH that has not run yet (its keys
// decide which shards EXEC holds), or any command before a transaction that
// needs several shards (which runs alone). last ends the batch after it.
func (cn *conn) exec() (accepted, last bool) {
	if !cn.tx.active {
		cn.errorReply("ERR EXEC without MULTI")
		return true, false
	}
	if cn.tx.failed {
		cn.endTx()
		cn.unwatch()
		cn.end(shard.ExecAbort(cn.out()))
		return true, false
	}
	b := cn.batch
	if cn.watchPending {
		return false, true
	}
	var tx shard.Tx
	if !cn.tx.watch.Empty() {
		// The transaction takes the WATCH set with it (EXEC forgets it
		// under the shards' tokens); the connection starts a new one.
		tx.Watch = cn.tx.watch
	}
	tx.Calls = make([]shard.TxCall, len(cn.tx.queue))
	copy(tx.Calls, cn.tx.queue)
	shardIdx, multi := b.TxRoute(&tx)
	if multi != nil && b.Len() > 0 {
		return false, true
	}
	// Connection commands answer now, in queue order, so that a queued
	// SELECT applies to the commands queued after it.
	for i := range tx.Calls {
		c := &tx.Calls[i]
		if c.Cmd.Kind != shard.KindConn {
			c.DB = cn.db
			continue
		}
		slots := b.Len()
		cn.runConn(c.Cmd, c.Args)
		c.Local = true
		if b.Len() > slots {
			c.Reply = b.PopLocal()
		}
		// Counted as Redis counts commands run by EXEC (commandstats,
		// errorstats), which the connection's own dispatch does not see.
		failed := len(c.Reply) > 0 && c.Reply[0] == '-'
		cn.loop.cmds[c.Cmd.ID()].Record(0, failed)
		if failed {
			cn.s.Engine.CountError(c.Reply)
		}
	}
	cn.endTx()
	if tx.Watch != nil {
		cn.tx.watch = cn.s.Engine.NewWatchSet()
		b.Watch = cn.tx.watch
	}
	b.AddTx(&tx, shardIdx, multi)
	return true, multi != nil
}

// resetTx ends any transaction and WATCH (RESET, disconnect).
func (cn *conn) resetTx() {
	cn.endTx()
	cn.unwatch()
}
