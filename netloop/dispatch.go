package netloop

import (
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// dispatch checks one command and either runs it here (connection
// commands, errors) or adds it to the batch for its shard. accepted=false
// means it must wait for the next batch (a multi-shard command behind
// others); last=true ends the batch after it.
func (cn *conn) dispatch(args [][]byte) (accepted, last bool) {
	local := len(cn.batch.Local())
	accepted, last = cn.dispatchOne(args)
	// Errors answered here (unknown command, rejections, connection
	// commands, EXECABORT) count in INFO errorstats; shards count theirs.
	if l := cn.batch.Local(); len(l) > local && l[local] == '-' {
		cn.s.Engine.CountError(l[local:])
	}
	return accepted, last
}

func (cn *conn) dispatchOne(args [][]byte) (accepted, last bool) {
	s := cn.s
	cmd := s.table.Lookup(args[0])
	b := cn.batch
	if cmd == nil {
		cn.queueError(proto.UnknownCommand(args[0], args[1:]))
		return true, false
	}
	if len(cmd.Subcommands) > 0 && len(args) >= 2 {
		if sub := cmd.Subcommand(args[1]); sub != nil {
			cmd = sub
		}
	}
	if !cmd.ArityOK(len(args)) {
		cn.reject(cmd, proto.WrongArity(cmd.Name))
		return true, false
	}
	if !cn.authed && cmd.Flags&shard.FlagNoAuth == 0 {
		cn.reject(cmd, proto.ErrNoAuth)
		return true, false
	}
	if g := s.replica.gate.Load(); g != 0 {
		// A replica refuses writes and, with its link down, stale reads.
		if msg := s.replica.refuses(cmd, g); msg != "" {
			cn.reject(cmd, msg)
			return true, false
		}
	}
	if p := s.persist; p.loading.Load() && cmd.Flags&shard.FlagLoading == 0 {
		cn.reject(cmd, errLoading)
		return true, false
	}
	if m := s.persist.refusal.Load(); m != nil && (cmd.Flags&shard.FlagWrite != 0 || cmd.ConnID == connPing) {
		cn.reject(cmd, *m)
		return true, false
	}
	if cmd.Flags&shard.FlagWrite != 0 && s.repl.noGoodReplicas.Load() {
		cn.reject(cmd, "NOREPLICAS Not enough good replicas to write.")
		return true, false
	}
	if cn.tx.active && oomInMulti(cmd) && s.Engine.OutOfMemory() {
		// Queuing could use memory without bound: Redis refuses every
		// command but EXEC, DISCARD, QUIT and RESET in a transaction while
		// out of memory, which also dooms the transaction.
		cn.reject(cmd, shard.OOMError)
		return true, false
	}
	if cn.subscribed() && !cn.resp3 && !allowedSubscribed(cmd) {
		cn.reject(cmd, "ERR Can't execute '"+cmd.Name+"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		return true, false
	}
	if cn.monFeed && cn.monitorRefuses(cmd) {
		return true, false
	}
	if cn.tx.active && !txControl(cmd) {
		if cmd.ConnID == connMonitor {
			return cn.monitorCommand(cmd)
		}
		cn.enqueue(cmd, args)
		return true, false
	}
	switch {
	case shard.IsExec(cmd):
		if cn.monFeed {
			return cn.execMonitored(cmd, args)
		}
		return cn.exec()
	case cmd.Name == "watch" && cn.tx.active:
		cn.errorReply("ERR WATCH inside MULTI is not allowed")
		return true, false
	case (cmd.ConnID == connUnwatch || cmd.ConnID == connDiscard || cmd.ConnID == connReset) && b.HasShardWork():
		// These drop WATCH registrations that a WATCH still waiting in
		// this batch would make afterwards.
		return false, true
	case cmd.ConnID == connHello && b.HasShardWork():
		// A batch replies in one protocol (Batch.Resp3): HELLO, which may
		// change it, waits until the commands before it have run.
		return false, true
	}
	cn.lastCmd.Store(cmd)
	if cmd.Kind == shard.KindConn {
		if cmd.ConnID == connMonitor {
			return cn.monitorCommand(cmd)
		}
		before := len(b.Local())
		lat := s.Engine.LatencyOn()
		var t0 time.Time
		if lat != nil {
			t0 = time.Now()
		}
		last = cn.runConn(cmd, args)
		if lat != nil {
			if ns := int64(time.Since(t0)); s.Engine.RecordConn(lat, cmd, ns) {
				s.slowCommand(cn, cmd, args, ns)
			}
		}
		if cn.monFeed {
			if cmd.ConnID == connReset {
				cn.stopMonitor()
			}
			cn.feedMonitors(cmd, args, cn.db)
		}
		failed := len(b.Local()) > before && b.Local()[before] == '-'
		cn.loop.cmds[cmd.ID()].Record(0, failed)
		cn.connRan = append(cn.connRan, cmd.ID())
		if cn.replySet {
			// CLIENT REPLY decided about its own reply.
			cn.replySet = false
		} else {
			cn.applyReplyMode()
		}
		return true, last || cn.closing
	}
	if cmd.Flags&shard.FlagWrite != 0 && s.writesPaused() {
		// CLIENT PAUSE WRITE: this command waits, and so does everything
		// after it on this connection, to keep request order.
		cn.pauseWrites = true
		return false, true
	}
	blocking := cmd.Flags&shard.FlagBlocking != 0 || cmd.Defers
	if blocking && b.Len() > 0 {
		// A command that may block runs alone in its batch: its reply may
		// come much later, and the replies before it must not wait for it.
		return false, true
	}
	if cmd.Name == "watch" {
		cn.watchPending = true
	}
	shardIdx, multi := b.Route(cmd, args)
	if multi != nil && b.Len() > 0 {
		return false, true
	}
	if cn.monFeed {
		cn.feedMonitors(cmd, args, cn.db)
	}
	if multi != nil {
		b.AddMulti(multi, cmd, args, cn.db)
		cn.applyReplyMode()
		return true, true
	}
	b.Add(shardIdx, cmd, args, cn.db)
	cn.applyReplyMode()
	return true, blocking
}

// applyReplyMode drops the reply just added when CLIENT REPLY says so.
func (cn *conn) applyReplyMode() {
	switch cn.reply {
	case replyOff:
		cn.batch.DropLast()
	case replySkip:
		cn.batch.DropLast()
		cn.reply = replyOn
	}
}

// reject answers a known command refused before it ran, counting it in
// INFO commandstats' rejected_calls as Redis does.
func (cn *conn) reject(cmd *shard.Command, msg string) {
	st := &cn.loop.cmds[cmd.ID()].Rejected
	st.Store(st.Load() + 1)
	cn.queueError(msg)
}

func (cn *conn) localError(msg string) {
	b := cn.batch
	b.EndLocal(proto.AppendError(b.Local(), msg))
	cn.applyReplyMode()
}

// Reply helpers for connection commands: out gives the buffer to append one
// reply to, end records it.
func (cn *conn) out() []byte         { return cn.batch.Local() }
func (cn *conn) end(buf []byte)      { cn.batch.EndLocal(buf) }
func (cn *conn) ok()                 { cn.end(append(cn.out(), "+OK\r\n"...)) }
func (cn *conn) errorReply(m string) { cn.end(proto.AppendError(cn.out(), m)) }
