package shard

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, …) follow
// DESIGN.md invariant 4:
//
//   - A command that finds nothing to serve registers a Waiter on every key
//     it waits for while the engine holds all of those keys' shards, so no
//     push can slip between its check and its registration.
//   - A write that makes a key ready (Ctx.KeyReady) marks it; right after
//     that command, with the shard still held, the key's waiters are served
//     in the order they blocked, each from the key that became ready, as
//     Redis's handleClientsBlockedOnKeys does.
//   - A waiter blocked on keys of several shards can be reached from each of
//     them; its state word decides, by compare-and-swap, which one serves it
//     (or whether a timeout, CLIENT UNBLOCK or a disconnect got there first),
//     so it is served exactly once. Stale registrations are removed by tasks
//     sent to the other shards.
//   - Serving needs every shard the waiter touches (BLMOVE's destination may
//     be elsewhere): those are taken with TryLock; when one is busy, the
//     key's queue is handed to the coordinator, which takes them in order.

// A waiter's state word. A server that found a ready key claims the waiter
// before serving it, so that a timeout cannot fire between the data being
// taken and the reply being delivered.
const (
	waiting int32 = iota
	claimed
	finished
)

// ServeFunc serves waiter w from key, which has become ready, with every
// shard of w held; it appends w's reply to c.Out and returns true, or
// returns false, changing nothing, when key cannot serve w after all (the
// client then stays blocked).
type ServeFunc func(c *Ctx, w *Waiter, key []byte) bool

// Waiter is a client blocked on keys.
type Waiter struct {
	state  atomic.Int32
	b      *Batch
	db     int
	resp3  bool
	keys   []string
	shards []int // every shard the waiter may touch, increasing
	// Args are the blocking command's arguments, copied.
	Args  [][]byte
	serve ServeFunc
	// onTimeout is the reply when the timeout fires.
	onTimeout []byte
	timer     atomic.Pointer[time.Timer] // set after the timer starts, which may already have fired
	e         *Engine
	// servePast lets the waiters queued after this one be tried when it
	// cannot be served (BlockEach).
	servePast bool
}

// readyKey is a key with waiters that a command made ready.
type readyKey struct {
	db  *DB
	key string
}

func (s *Shard) markReady(db *DB, key string) {
	for _, r := range s.ready {
		if r.db == db && r.key == key {
			return
		}
	}
	s.ready = append(s.ready, readyKey{db, key})
}

// Block registers the running command's client as blocked on keys. The
// command's reply is deferred: serve produces it when a key becomes ready;
// timeoutReply is sent if timeout (0 = forever) passes first. extra lists
// keys the command writes when served without waiting on them (BLMOVE's
// destination), so that their shards are held while serving. The handler
// must not append a reply after calling Block.
func (c *Ctx) Block(keys [][]byte, extra [][]byte, timeout time.Duration, timeoutReply []byte, serve ServeFunc) {
	c.block(keys, extra, timeout, timeoutReply, serve, false)
}

// BlockEach is Block for commands whose clients blocked on one key may
// each want something else (XREAD after different IDs, XREADGROUP in
// different groups): when serve cannot serve one of them, the clients
// queued after it are still tried, as Redis's
// serveClientsBlockedOnStreamKey tries every client blocked on a stream.
func (c *Ctx) BlockEach(keys [][]byte, timeout time.Duration, timeoutReply []byte, serve ServeFunc) {
	c.block(keys, nil, timeout, timeoutReply, serve, true)
}

func (c *Ctx) block(keys [][]byte, extra [][]byte, timeout time.Duration, timeoutReply []byte, serve ServeFunc, servePast bool) {
	b := c.batch
	if b == nil {
		panic("BUG: Block outside a client batch")
	}
	w := &Waiter{b: b, db: c.DBIndex, resp3: c.Resp3, serve: serve, onTimeout: timeoutReply, e: c.e, servePast: servePast}
	w.Args = make([][]byte, len(c.Args))
	for i, a := range c.Args {
		w.Args[i] = append([]byte(nil), a...)
	}
	var mask uint64
	for _, k := range keys {
		key := string(k)
		dup := false
		for _, have := range w.keys {
			dup = dup || have == key
		}
		if dup {
			continue
		}
		w.keys = append(w.keys, key)
		db := c.DB(k)
		if db.blocked == nil {
			db.blocked = make(map[string][]*Waiter)
		}
		db.blocked[key] = append(db.blocked[key], w)
		mask |= 1 << uint(db.sh.id)
	}
	for _, k := range extra {
		mask |= 1 << uint(c.e.ShardOf(k))
	}
	for i := 0; i < int(c.e.n); i++ {
		if mask&(1<<uint(i)) != 0 {
			w.shards = append(w.shards, i)
		}
	}
	b.waiterRef.Store(w)
	b.pending.Add(1)
	c.e.Blocked.Add(1)
	if timeout > 0 {
		w.timer.Store(time.AfterFunc(timeout, func() { w.finish(w.onTimeout) }))
	}
}

// finish ends the wait with reply unless it was served already; it reports
// whether it did.
func (w *Waiter) finish(reply []byte) bool {
	for {
		if w.state.CompareAndSwap(waiting, finished) {
			w.complete(reply)
			w.e.unregister(w, -1)
			return true
		}
		if w.state.Load() == finished {
			return false
		}
		// Claimed: a shard is serving it right now, for microseconds.
		runtime.Gosched()
	}
}

// complete delivers the reply; the caller won the state word.
func (w *Waiter) complete(reply []byte) {
	if t := w.timer.Load(); t != nil {
		t.Stop()
	}
	w.e.Blocked.Add(-1)
	w.b.deferred = append(w.b.deferred[:0], reply...)
	w.b.hasDeferred = true
	w.b.waiterRef.Store(nil)
	w.b.partDone()
}

// Unblock ends the wait of the batch's blocked client, as if its timeout
// fired (timeout true) or with reply (CLIENT UNBLOCK ERROR, a disconnect),
// and reports whether it was blocked.
func (b *Batch) Unblock(timeout bool, reply []byte) bool {
	w := b.waiterRef.Load()
	if w == nil {
		return false
	}
	if timeout {
		reply = w.onTimeout
	}
	return w.finish(reply)
}

// unregister removes w from the wait queues of its shards, except shard
// skip (whose token the caller holds and has already cleaned). The other
// shards do it in their own goroutines.
func (e *Engine) unregister(w *Waiter, skip int) {
	for _, i := range w.shards {
		if i == skip {
			continue
		}
		s := e.shards[i]
		s.tasks <- func() { s.dropWaiter(w) }
	}
}

// dropWaiter removes w from this shard's queues (with the token held).
func (s *Shard) dropWaiter(w *Waiter) {
	db := s.dbs[w.db]
	for _, k := range w.keys {
		q, ok := db.blocked[k]
		if !ok {
			continue
		}
		out := q[:0]
		for _, x := range q {
			if x != w {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			delete(db.blocked, k)
		} else {
			db.blocked[k] = out
		}
	}
}

// serveReady serves the waiters of keys made ready on shard s. The caller
// holds s and the shards in held (a bit mask).
func (e *Engine) serveReady(s *Shard, held uint64) {
	for len(s.ready) > 0 {
		r := s.ready[0]
		s.ready = s.ready[1:]
		e.serveKey(s, r.db, r.key, held)
	}
	s.ready = s.ready[:0]
}

// serveKey serves the waiters of one key in FIFO order while the key can
// serve them; past a waiter it cannot serve only when that waiter says so
// (BlockEach).
func (e *Engine) serveKey(s *Shard, db *DB, key string, held uint64) {
	// Waiters before i could not be served and stay queued.
	for i := 0; ; {
		q := db.blocked[key]
		if i >= len(q) {
			if len(q) == 0 {
				delete(db.blocked, key)
			}
			return
		}
		w := q[i]
		if w.state.Load() == finished {
			db.blocked[key] = append(q[:i], q[i+1:]...)
			continue
		}
		taken, ok := e.tryHold(w.shards, held)
		if !ok {
			// A shard the waiter needs is busy: the coordinator serves this
			// key's queue once it holds them all, in order.
			need := w.shards
			e.coordTasks <- func() { e.serveKeyHeld(s, db, key, need) }
			return
		}
		if !w.state.CompareAndSwap(waiting, claimed) {
			// Finished meanwhile by a timeout, CLIENT UNBLOCK or disconnect.
			e.release(taken)
			continue
		}
		ctx := Ctx{e: e, DBIndex: w.db, Args: w.Args, Resp3: w.resp3, Now: e.Clock()}
		if !w.serve(&ctx, w, []byte(key)) {
			w.state.Store(waiting)
			e.release(taken)
			if !w.servePast {
				return
			}
			i++
			continue
		}
		w.state.Store(finished)
		if len(ctx.effects) > 0 {
			e.Journal.Append(ctx.effects)
		}
		e.release(taken)
		w.complete(ctx.Out)
		s.dropWaiter(w)
		e.unregister(w, s.id)
	}
}

// serveKeyHeld is the coordinator's retry of serveKey: it takes the shard
// of key and the shards its first waiter needed, in order, and serves.
func (e *Engine) serveKeyHeld(s *Shard, db *DB, key string, need []int) {
	mask := uint64(1) << uint(s.id)
	for _, i := range need {
		mask |= 1 << uint(i)
	}
	var order []int
	for i := 0; i < int(e.n); i++ {
		if mask&(1<<uint(i)) != 0 {
			order = append(order, i)
			e.shards[i].tok.Lock()
		}
	}
	e.serveKey(s, db, key, mask)
	for _, i := range order {
		e.shards[i].tok.Unlock()
	}
}

// tryHold takes with TryLock the shards in need that are not in held; on
// failure it releases what it took.
func (e *Engine) tryHold(need []int, held uint64) (taken []int, ok bool) {
	for _, i := range need {
		if held&(1<<uint(i)) != 0 {
			continue
		}
		if !e.shards[i].tok.TryLock() {
			e.release(taken)
			return nil, false
		}
		taken = append(taken, i)
	}
	return taken, true
}

func (e *Engine) release(shards []int) {
	for _, i := range shards {
		e.shards[i].tok.Unlock()
	}
}
