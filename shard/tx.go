package shard

import (
	"sync"
	"sync/atomic"

	"github.com/shoal-db/shoal/proto"
)

// Transactions: EXEC runs its queued commands as one multi-shard (or, when
// they share a shard, single-shard) command, so they are atomic and
// isolated like any other command (DESIGN.md invariant 3). Clients blocked
// on keys a transaction made ready are served after EXEC, not in between.

// TxCall is one command queued between MULTI and EXEC.
type TxCall struct {
	Cmd  *Command
	Args [][]byte // owned by the transaction
	DB   int
	// Reply is set for connection commands (PING, SELECT, …), which the
	// connection layer runs when EXEC arrives, in queue order.
	Reply []byte
	Local bool
}

// Tx is a transaction ready to run.
type Tx struct {
	Calls []TxCall
	Watch *WatchSet
}

func newExecCommand() *Command {
	return &Command{Name: "exec", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSkipSlowlog,
		Group: "transactions", Since: "1.2.0", Summary: "Executes all commands in a transaction.",
		Complexity: "Depends on commands in the transaction", ACL: []string{"slow", "transaction"}, Run: runTx}
}

// IsExec reports whether cmd is EXEC, which the connection layer turns
// into a transaction before it reaches a shard.
func IsExec(cmd *Command) bool { return cmd.Name == "exec" }

// TxRoute returns the shards a transaction needs: those of its commands
// and of its watched keys. multi is nil when they all share one shard.
func (b *Batch) TxRoute(tx *Tx) (shard int, multi []int) {
	var mask uint64
	for _, c := range tx.Calls {
		if c.Local {
			continue
		}
		s, m := b.Route(c.Cmd, c.Args)
		if m != nil {
			for _, i := range m {
				mask |= 1 << uint(i)
			}
		} else {
			mask |= 1 << uint(s)
		}
	}
	if w := tx.Watch; w != nil {
		w.mu.Lock()
		for _, k := range w.keys {
			mask |= 1 << uint(k.db.sh.id)
		}
		w.mu.Unlock()
	}
	if mask == 0 {
		return 0, nil
	}
	var shards []int
	for i := 0; i < int(b.e.n); i++ {
		if mask&(1<<uint(i)) != 0 {
			shards = append(shards, i)
		}
	}
	if len(shards) == 1 {
		return shards[0], nil
	}
	return -1, shards
}

// AddTx appends EXEC of tx, routed by TxRoute.
func (b *Batch) AddTx(tx *Tx, shard int, multi []int) {
	exec := b.e.Table.Lookup([]byte("exec"))
	if multi != nil {
		b.AddMulti(multi, exec, nil, 0)
		b.multi.calls[0].tx = tx
		return
	}
	b.Add(shard, exec, nil, 0)
	p := &b.parts[shard]
	p.calls[len(p.calls)-1].tx = tx
}

// runTx is EXEC's handler: every shard the transaction needs is held.
func runTx(c *Ctx) {
	tx := c.tx
	if tx.Watch != nil && tx.Watch.changed(c.Now) {
		c.NullArray()
		return
	}
	c.Array(len(tx.Calls))
	saveArgs, saveDB := c.Args, c.DBIndex
	c.inTx = true
	for i := range tx.Calls {
		call := &tx.Calls[i]
		if call.Local {
			c.Out = append(c.Out, call.Reply...)
			continue
		}
		c.Args, c.DBIndex = call.Args, call.DB
		before := len(c.Out)
		c.beforeWrite(call.Cmd)
		call.Cmd.Run(c)
		failed := len(c.Out) > before && c.Out[before] == '-'
		c.statsShard().cmds[call.Cmd.id].addCall(failed)
		if call.Cmd.Flags&FlagWrite != 0 && !failed && !c.noChange {
			c.statsShard().Stats.Changes.Add(1)
		}
		c.afterWrite(call.Cmd, failed)
		if c.e.Journal.On() {
			c.collect(call.Cmd, failed)
		}
		c.noChange, c.propagated = false, false
	}
	c.inTx = false
	c.Args, c.DBIndex = saveArgs, saveDB
	// EXEC ends the WATCH; every watched key's shard is held here.
	tx.Watch.forget()
	if len(c.effects) > 0 {
		c.e.Journal.Append(c.effects)
		c.effects = c.effects[:0]
	}
	// EXEC itself is not an effect: its commands were journaled above.
	c.propagated = true
}

// statsShard is the shard whose statistics the running command updates.
func (c *Ctx) statsShard() *Shard {
	if c.sh != nil {
		return c.sh
	}
	return c.e.shards[c.statsOwner]
}

// InTx reports whether the command runs inside EXEC (blocking commands
// then answer at once instead of blocking).
func (c *Ctx) InTx() bool { return c.inTx }

// WatchSet is one connection's watched keys. The keys are registered by
// shards (a pipelined WATCH per shard may run on several goroutines at once)
// and read by the connection, hence the mutex.
type WatchSet struct {
	dirty atomic.Bool
	mu    sync.Mutex
	keys  []watchedKey
	// dropped is set by Unwatch: a WATCH still in flight must not register.
	dropped bool
	e       *Engine
}

type watchedKey struct {
	db  *DB
	key string
	// expired records whether the key was already logically expired at
	// WATCH time; a key that expires afterwards aborts EXEC, as in Redis 7.
	expired bool
}

// NewWatchSet returns an empty watch set for a connection.
func (e *Engine) NewWatchSet() *WatchSet { return &WatchSet{e: e} }

// Empty reports whether nothing is watched.
func (w *WatchSet) Empty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.keys) == 0
}

// changed reports whether EXEC must abort: a watched key was modified, or
// expired since WATCH. The caller holds every watched key's shard.
func (w *WatchSet) changed(now int64) bool {
	if w.dirty.Load() {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range w.keys {
		if !k.expired && k.db.isExpired(k.key, now) {
			return true
		}
	}
	return false
}

// Unwatch forgets every watched key (UNWATCH, EXEC, DISCARD, RESET,
// disconnect). The registrations live in the shards, which remove them in
// their own goroutines.
func (w *WatchSet) Unwatch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropped = true
	byShard := map[*Shard][]watchedKey{}
	for _, k := range w.keys {
		byShard[k.db.sh] = append(byShard[k.db.sh], k)
	}
	for s, keys := range byShard {
		s.tasks <- func() {
			for _, k := range keys {
				k.db.unwatch(k.key, w)
			}
		}
	}
	w.keys = nil
}

// forget removes w's registrations; the caller holds every watched key's
// shard.
func (w *WatchSet) forget() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range w.keys {
		k.db.unwatch(k.key, w)
	}
	w.keys = nil
}

// watch registers key of db for w (WATCH runs with the key's shard held).
func (db *DB) watch(key []byte, w *WatchSet, now int64) {
	k := string(key)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dropped {
		return
	}
	for _, have := range w.keys {
		if have.db == db && have.key == k {
			return
		}
	}
	if db.watchers == nil {
		db.watchers = make(map[string][]*WatchSet)
	}
	db.watchers[k] = append(db.watchers[k], w)
	db.sh.watching++
	w.keys = append(w.keys, watchedKey{db: db, key: k, expired: db.isExpired(k, now)})
}

func (db *DB) unwatch(key string, w *WatchSet) {
	list := db.watchers[key]
	for i, x := range list {
		if x == w {
			list = append(list[:i], list[i+1:]...)
			db.sh.watching--
			break
		}
	}
	if len(list) == 0 {
		delete(db.watchers, key)
	} else {
		db.watchers[key] = list
	}
}

// touch marks the watchers of key dirty: a write changed it.
func (db *DB) touch(key []byte) {
	if db.sh.watching == 0 {
		return
	}
	for _, w := range db.watchers[string(key)] {
		w.dirty.Store(true)
	}
}

// touchAll marks dirty the watchers of every key that exists in db, or in
// other when db's contents are about to be replaced by other's (FLUSHDB,
// FLUSHALL, SWAPDB), as Redis's touchAllWatchedKeysInDb does.
func (db *DB) touchAll(other *DB) {
	if db.sh.watching == 0 {
		return
	}
	for k, list := range db.watchers {
		inDB := db.keys.Find([]byte(k)) != 0
		inOther := other != nil && other.keys.Find([]byte(k)) != 0
		if !inDB && !inOther {
			continue
		}
		for _, w := range list {
			w.dirty.Store(true)
		}
	}
}

// isExpired reports whether key has a deadline that has passed.
func (db *DB) isExpired(key string, now int64) bool {
	at, ok := db.deadline([]byte(key))
	return ok && at <= now
}

// afterWrite signals watchers of the keys of a write command that changed
// something. Handlers that know they changed nothing call NoPropagate.
func (c *Ctx) afterWrite(cmd *Command, failed bool) {
	if failed || cmd.Flags&FlagWrite == 0 || c.noChange {
		return
	}
	if c.sh != nil && c.sh.watching == 0 {
		return
	}
	idx, _ := cmd.KeyIndexes(c.Args, nil)
	if w := cmd.WritesKey; w > 0 && w <= len(idx) {
		idx = idx[w-1 : w]
	}
	for _, i := range idx {
		c.DB(c.Args[i]).touch(c.Args[i])
	}
}

func registerTx(t *Table) {
	t.Add(newExecCommand())
	t.Add(&Command{Name: "watch", Arity: -2, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagAllowBusy,
		Keys: KeySpec{First: 1, Last: -1, Step: 1}, Group: "transactions", Since: "2.2.0",
		Summary: "Monitors changes to keys to determine the execution of a transaction.", Complexity: "O(1) for every key.",
		ACL: []string{"fast", "transaction"}, Run: cmdWatch})
}

func cmdWatch(c *Ctx) {
	w := c.batch.Watch
	for _, k := range c.Args[1:] {
		c.DB(k).watch(k, w, c.Now)
	}
	c.OK()
}

// errExecAbort is EXEC's reply after a queue-time error.
const errExecAbort = "EXECABORT Transaction discarded because of previous errors."

// ExecAbort appends EXECABORT's reply.
func ExecAbort(dst []byte) []byte { return proto.AppendError(dst, errExecAbort) }
