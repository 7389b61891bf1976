package shard

import (
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/repl"
)

// call is one command of a batch.
type call struct {
	cmd  *Command
	args [][]byte
	db   int
	tx   *Tx   // EXEC's transaction
	ns   int64 // duration when timed on its own (latency.go), else 0
}

// part is the slice of a batch that one shard runs.
type part struct {
	b     *Batch
	shard int
	calls []call
	out   []byte
	ends  []int // end offset in out of each call's reply
}

// multiPart is a batch's one multi-shard command.
type multiPart struct {
	part
	shards []int // increasing
}

// slot says where the reply of the i-th command of a batch is.
type slot struct {
	part int  // shard index, localPart or multiIdx
	drop bool // CLIENT REPLY OFF/SKIP: run the command, send nothing
}

const (
	localPart = -1
	multiIdx  = -2
)

// Batch holds the commands that one connection decoded from one read,
// grouped by shard so that each shard is visited once. A connection owns one
// Batch and reuses it; only one Batch per connection is in flight, which
// keeps replies in request order.
type Batch struct {
	e       *Engine
	parts   []part // by shard
	used    []int  // shards with calls, in first-use order
	multi   multiPart
	hasMult bool
	slots   []slot
	drops   int
	local   []byte
	lends   []int
	out     []byte
	pending atomic.Int32
	// waiterRef is the batch's blocked command, if any; deferred is its
	// reply once served (a blocking command runs alone in its batch).
	waiterRef   atomic.Pointer[Waiter]
	deferred    []byte
	hasDeferred bool
	// trusted marks an Applier's batch: a master's stream or an AOF, whose
	// commands see keys that expired on this server's clock as live, as
	// Redis's commands from its master (and during loading) do.
	trusted bool
	// Resp3 selects RESP3 reply types for every command of the batch.
	Resp3 bool
	// Watch is the connection's WATCH set.
	Watch *WatchSet
	// OnDone is called, from a shard or coordinator goroutine, when the
	// last part of a batch that did not finish inline completes.
	OnDone func()
	keyIdx []int
}

// NewBatch returns an empty batch bound to e.
func (e *Engine) NewBatch() *Batch {
	b := &Batch{e: e, parts: make([]part, e.n)}
	for i := range b.parts {
		b.parts[i] = part{b: b, shard: i}
	}
	b.multi.b = b
	return b
}

// Len is the number of commands in the batch.
func (b *Batch) Len() int { return len(b.slots) }

// HasMulti reports whether the batch holds a multi-shard command; nothing may
// be added after one.
func (b *Batch) HasMulti() bool { return b.hasMult }

// Route returns the shards the command needs: one shard, or several in
// increasing order. all is true for commands that need every shard.
func (b *Batch) Route(cmd *Command, args [][]byte) (shard int, multi []int) {
	e := b.e
	switch cmd.Kind {
	case KindAllShards:
		if e.n == 1 {
			return 0, nil
		}
		return -1, e.allShards()
	case KindRouted:
		return cmd.Route(e, args), nil
	}
	if e.n == 1 {
		return 0, nil
	}
	var ok bool
	b.keyIdx, ok = cmd.KeyIndexes(args, b.keyIdx[:0])
	if !ok || len(b.keyIdx) == 0 {
		// Malformed numkeys: the handler replies with the error; any shard will do.
		return 0, nil
	}
	first := e.ShardOf(args[b.keyIdx[0]])
	var mask uint64
	for _, i := range b.keyIdx[1:] {
		if s := e.ShardOf(args[i]); s != first {
			mask |= 1 << uint(s)
		}
	}
	if mask == 0 {
		return first, nil
	}
	mask |= 1 << uint(first)
	var shards []int
	for i := 0; i < int(e.n); i++ {
		if mask&(1<<uint(i)) != 0 {
			shards = append(shards, i)
		}
	}
	return -1, shards
}

func (e *Engine) allShards() []int {
	s := make([]int, e.n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Add appends a command that runs on one shard.
func (b *Batch) Add(shard int, cmd *Command, args [][]byte, db int) {
	p := &b.parts[shard]
	if len(p.calls) == 0 {
		b.used = append(b.used, shard)
	}
	p.calls = append(p.calls, call{cmd: cmd, args: args, db: db})
	b.slots = append(b.slots, slot{part: shard})
}

// AddMulti appends a command that needs several shards (given in increasing
// order). It must be the last command of the batch.
func (b *Batch) AddMulti(shards []int, cmd *Command, args [][]byte, db int) {
	b.hasMult = true
	b.multi.shards = shards
	b.multi.calls = append(b.multi.calls[:0], call{cmd: cmd, args: args, db: db})
	b.slots = append(b.slots, slot{part: multiIdx})
}

// AddLocal appends a reply produced by the connection layer.
func (b *Batch) AddLocal(reply []byte) {
	b.local = append(b.local, reply...)
	b.lends = append(b.lends, len(b.local))
	b.slots = append(b.slots, slot{part: localPart})
}

// HasShardWork reports whether commands for shards are waiting in the
// batch (commands that change connection state must not overtake them).
func (b *Batch) HasShardWork() bool { return len(b.used) > 0 || b.hasMult }

// PopLocal removes the last reply added with EndLocal and returns a copy
// (a connection command queued in a transaction answers inside EXEC's reply).
func (b *Batch) PopLocal() []byte {
	start := 0
	if n := len(b.lends); n > 1 {
		start = b.lends[n-2]
	}
	reply := append([]byte(nil), b.local[start:]...)
	b.local = b.local[:start]
	b.lends = b.lends[:len(b.lends)-1]
	b.slots = b.slots[:len(b.slots)-1]
	return reply
}

// DropLast marks the reply of the last command added as not to be sent.
func (b *Batch) DropLast() {
	b.slots[len(b.slots)-1].drop = true
	b.drops++
}

// Local exposes the local reply buffer so the connection layer can append a
// reply in place; it must then call EndLocal.
func (b *Batch) Local() []byte { return b.local }

// EndLocal records a reply appended to the buffer returned by Local.
func (b *Batch) EndLocal(buf []byte) {
	b.local = buf
	b.lends = append(b.lends, len(b.local))
	b.slots = append(b.slots, slot{part: localPart})
}

// Exec runs the batch. It returns true when every part ran inline (the
// replies are ready); otherwise the parts that could not take their shard's
// token were handed to shard goroutines with their arguments copied, and
// OnDone will be called once they finish.
func (b *Batch) Exec() bool {
	e := b.e
	b.pending.Store(1) // released below, so OnDone cannot fire before we are done handing out
	inline := e.Inline.Load()
	for _, i := range b.used {
		p := &b.parts[i]
		s := e.shards[i]
		if inline && s.tok.TryLock() {
			e.runPart(s, p)
			s.tok.Unlock()
			continue
		}
		b.copyArgs(p.calls)
		s.Stats.Hops.Add(1)
		b.pending.Add(1)
		s.inbox <- p
	}
	if b.hasMult {
		if !inline || !b.tryMultiInline() {
			b.copyArgs(b.multi.calls)
			b.pending.Add(1)
			e.coord <- b
		}
	}
	return b.pending.Add(-1) == 0
}

func (b *Batch) tryMultiInline() bool {
	e := b.e
	sh := b.multi.shards
	for k, i := range sh {
		if !e.shards[i].tok.TryLock() {
			for _, j := range sh[:k] {
				e.shards[j].tok.Unlock()
			}
			return false
		}
	}
	e.runMulti(b)
	for _, i := range sh {
		e.shards[i].tok.Unlock()
	}
	return true
}

func (b *Batch) partDone() {
	if b.pending.Add(-1) == 0 {
		b.OnDone()
	}
}

// copyArgs moves the arguments of calls into a fresh arena, because the
// originals point into the event loop's read buffer, which is reused as soon
// as the loop returns.
func (b *Batch) copyArgs(calls []call) {
	need := 0
	for _, c := range calls {
		for _, a := range c.args {
			need += len(a)
		}
	}
	// A fresh arena per hand-off: an earlier one may still back another part.
	arena := make([]byte, 0, need)
	for ci := range calls {
		c := &calls[ci]
		args := make([][]byte, len(c.args))
		for i, a := range c.args {
			start := len(arena)
			arena = append(arena, a...)
			args[i] = arena[start:len(arena):len(arena)]
		}
		c.args = args
	}
}

// Output assembles the replies in request order. The result is valid until
// Reset.
func (b *Batch) Output() []byte {
	if b.hasDeferred {
		return b.deferred
	}
	if b.drops == 0 {
		if len(b.used) == 1 && !b.hasMult && len(b.lends) == 0 {
			return b.parts[b.used[0]].out
		}
		if len(b.used) == 0 && !b.hasMult {
			return b.local
		}
	}
	out := b.out[:0]
	// Per-shard cursor into ends; the shard count is at most 64.
	var cur [64]int
	curs := cur[:b.e.n]
	li, mi := 0, 0
	for _, s := range b.slots {
		var buf []byte
		var ends []int
		var k int
		switch s.part {
		case localPart:
			buf, ends, k = b.local, b.lends, li
			li++
		case multiIdx:
			buf, ends, k = b.multi.out, b.multi.ends, mi
			mi++
		default:
			p := &b.parts[s.part]
			buf, ends, k = p.out, p.ends, curs[s.part]
			curs[s.part]++
		}
		if s.drop {
			continue
		}
		start := 0
		if k > 0 {
			start = ends[k-1]
		}
		out = append(out, buf[start:ends[k]]...)
	}
	b.out = out
	return out
}

// Reset empties the batch for reuse.
func (b *Batch) Reset() {
	for _, i := range b.used {
		p := &b.parts[i]
		p.calls = p.calls[:0]
		p.out = p.out[:0]
		if cap(p.out) > 1<<20 {
			p.out = nil
		}
		p.ends = p.ends[:0]
	}
	b.used = b.used[:0]
	b.hasMult = false
	b.multi.calls = b.multi.calls[:0]
	b.multi.out = b.multi.out[:0]
	b.multi.ends = b.multi.ends[:0]
	b.slots = b.slots[:0]
	b.drops = 0
	b.hasDeferred = false
	b.local = b.local[:0]
	b.lends = b.lends[:0]
	// Drop oversized buffers so one huge reply or command does not pin
	// memory for the connection's life.
	if cap(b.out) > 1<<20 {
		b.out = nil
	}
	if cap(b.keyIdx) > 1<<16 {
		b.keyIdx = nil
	}
}

// runPart executes p's calls with s's token held.
//
// The clock is read once for the part, not per command: on this class of
// machine a clock read costs as much as a GET, and the commands of one part
// run within microseconds of each other. Each command's Now is that
// reading, and the part's elapsed time is shared out evenly among its
// commands for INFO commandstats.
func (e *Engine) runPart(s *Shard, p *part) {
	start := time.Now()
	ctx := Ctx{e: e, sh: s, Resp3: p.b.Resp3, batch: p.b, Now: e.Clock()}
	s.trusted = p.b.trusted
	conf := e.Latency.conf.Load()
	// last is the clock reading that ended the previous command when it
	// was timed: consecutive timed commands share readings, one each.
	var last time.Time
	chained := false
	for i := range p.calls {
		c := &p.calls[i]
		ctx.DBIndex = c.db
		ctx.Args = c.args
		ctx.Out = p.out
		ctx.tx = c.tx
		if conf != nil && len(p.calls) > 1 && c.cmd.Flags&FlagFast == 0 {
			if !chained {
				last = time.Now()
			}
			t0 := last
			e.exec(&ctx, c.cmd, s)
			last, chained = time.Now(), true
			c.ns = max(int64(last.Sub(t0)), 1)
		} else {
			e.exec(&ctx, c.cmd, s)
			chained = false
		}
		p.out = ctx.Out
		p.ends = append(p.ends, len(p.out))
		if len(s.ready) > 0 {
			e.serveReady(s, 1<<uint(s.id))
			chained = false
		}
	}
	s.trusted = false
	s.Stats.Commands.Add(uint64(len(p.calls)))
	elapsed := time.Since(start)
	s.Stats.addBusy(elapsed)
	if conf != nil {
		e.accountPart(s, p, conf, elapsed)
		return
	}
	per := uint64(elapsed.Microseconds()) / uint64(len(p.calls))
	for i := range p.calls {
		s.cmds[p.calls[i].cmd.id].addUsec(per)
	}
}

// runMulti executes the batch's multi-shard command with all its shards held.
func (e *Engine) runMulti(b *Batch) {
	m := &b.multi
	ctx := Ctx{e: e, Resp3: b.Resp3, multi: true, batch: b, statsOwner: m.shards[0]}
	c := &m.calls[0]
	ctx.tx = c.tx
	ctx.DBIndex = c.db
	ctx.Args = c.args
	ctx.Out = m.out
	first := e.shards[m.shards[0]]
	for _, i := range m.shards {
		e.shards[i].Stats.MultiShard.Add(1)
		e.shards[i].trusted = b.trusted
	}
	start := time.Now()
	ctx.Now = e.Clock()
	e.exec(&ctx, c.cmd, first)
	for _, i := range m.shards {
		e.shards[i].trusted = false
	}
	first.Stats.Commands.Add(1)
	elapsed := time.Since(start)
	first.cmds[c.cmd.id].addUsec(uint64(elapsed.Microseconds()))
	if conf := e.Latency.conf.Load(); conf != nil {
		e.record(conf, first.id, b, c.cmd, c.args, int64(elapsed))
	}
	for _, i := range m.shards {
		e.shards[i].Stats.addBusy(elapsed)
	}
	m.out = ctx.Out
	m.ends = append(m.ends, len(m.out))
	var held uint64
	for _, i := range m.shards {
		held |= 1 << uint(i)
	}
	for _, i := range m.shards {
		if s := e.shards[i]; len(s.ready) > 0 {
			e.serveReady(s, held)
		}
	}
}

// exec runs one command and counts the call; the caller accounts for time.
func (e *Engine) exec(ctx *Ctx, cmd *Command, statsOwner *Shard) {
	if limit := e.shardLimit.Load(); (limit != 0 || e.fullShards.Load() != 0) && !e.admit(ctx, cmd, limit) {
		return
	}
	before := len(ctx.Out)
	ctx.beforeWrite(cmd)
	cmd.Run(ctx)
	ctx.settleHeld()
	failed := len(ctx.Out) > before && ctx.Out[before] == '-'
	statsOwner.cmds[cmd.id].addCall(failed)
	if failed {
		e.CountError(ctx.Out[before:])
	}
	if cmd.Flags&FlagWrite != 0 && !failed && !ctx.noChange {
		statsOwner.Stats.Changes.Add(1)
	}
	ctx.afterWrite(cmd, failed)
	if e.Journal.On() {
		ctx.collect(cmd, failed)
		ctx.flushEffects()
	}
	ctx.noChange, ctx.propagated = false, false
}

// Ctx is what a command handler sees: its arguments, the keyspaces of the
// shards it holds, and the reply buffer.
type Ctx struct {
	e       *Engine
	batch   *Batch // the client's batch; nil when serving a blocked client
	sh      *Shard // the single shard held, or nil for a multi-shard command
	multi   bool
	DBIndex int
	Args    [][]byte
	Out     []byte
	Resp3   bool
	// Now is the command's time in unix ms: one clock reading per command,
	// as Redis uses one per command for expiry decisions.
	Now int64

	propagated bool
	noChange   bool
	effects    []repl.Effect
	tx         *Tx  // EXEC's transaction
	inTx       bool // running inside EXEC
	statsOwner int  // shard whose statistics a multi-shard command updates
}

// DB returns the database (of the current DBIndex) that holds key.
func (c *Ctx) DB(key []byte) *DB {
	if c.sh != nil {
		return c.sh.dbs[c.DBIndex]
	}
	return c.e.shards[c.e.ShardOf(key)].dbs[c.DBIndex]
}

// DBs calls fn for the current database of every shard the command holds.
// Only all-shards commands may call it.
func (c *Ctx) DBs(fn func(db *DB)) {
	c.DBsOf(c.DBIndex, fn)
}

// DBsOf calls fn for database idx of every shard.
func (c *Ctx) DBsOf(idx int, fn func(db *DB)) {
	if c.sh != nil && c.e.n == 1 {
		fn(c.sh.dbs[idx])
		return
	}
	for _, s := range c.e.shards {
		fn(s.dbs[idx])
	}
}

// Engine returns the engine running the command.
func (c *Ctx) Engine() *Engine { return c.e }

// Reply helpers: each appends one reply to c.Out.

func (c *Ctx) Error(msg string)     { c.Out = proto.AppendError(c.Out, msg) }
func (c *Ctx) OK()                  { c.Out = append(c.Out, "+OK\r\n"...) }
func (c *Ctx) Simple(s string)      { c.Out = proto.AppendSimple(c.Out, s) }
func (c *Ctx) Int(n int64)          { c.Out = proto.AppendInt(c.Out, n) }
func (c *Ctx) Bulk(b []byte)        { c.Out = proto.AppendBulk(c.Out, b) }
func (c *Ctx) BulkString(s string)  { c.Out = proto.AppendBulkString(c.Out, s) }
func (c *Ctx) Null()                { c.Out = proto.AppendNull(c.Out, c.Resp3) }
func (c *Ctx) NullArray()           { c.Out = proto.AppendNullArray(c.Out, c.Resp3) }
func (c *Ctx) Array(n int)          { c.Out = proto.AppendArrayLen(c.Out, n) }
func (c *Ctx) Map(n int)            { c.Out = proto.AppendMapLen(c.Out, n, c.Resp3) }
func (c *Ctx) Set(n int)            { c.Out = proto.AppendSetLen(c.Out, n, c.Resp3) }
func (c *Ctx) Double(f float64)     { c.Out = proto.AppendDouble(c.Out, f, c.Resp3) }
func (c *Ctx) Bool(v bool)          { c.Out = proto.AppendBool(c.Out, v, c.Resp3) }
func (c *Ctx) WrongType()           { c.Error(proto.ErrWrongType) }
func (c *Ctx) Syntax()              { c.Error(proto.ErrSyntax) }
func (c *Ctx) WrongArity()          { c.Error(proto.WrongArity(c.cmdName())) }
func (c *Ctx) cmdName() string      { return string(lower(c.Args[0])) }
func (c *Ctx) Verbatim(s []byte)    { c.Out = proto.AppendVerbatim(c.Out, "txt", s, c.Resp3) }
func (c *Ctx) BulkInt(n int64)      { c.Out = proto.AppendBulkInt(c.Out, n) }
func (c *Ctx) NotInt()              { c.Error(proto.ErrNotInt) }
func (c *Ctx) Raw(resp string)      { c.Out = append(c.Out, resp...) }
func (c *Ctx) RawBytes(resp []byte) { c.Out = append(c.Out, resp...) }

func lower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		out[i] = ch
	}
	return out
}
