package shard

import (
	"math"

	"github.com/shoal-db/shoal/proto"
)

func registerServer(t *Table) {
	srv := func(c *Command) *Command {
		c.Group = "server"
		c.Kind = KindAllShards
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	t.Add(srv(&Command{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, Run: cmdDBSize,
		Summary: "Return the number of keys in the selected database", Complexity: "O(1)", ACL: []string{"keyspace", "read", "fast"}}))
	t.Add(srv(&Command{Name: "flushdb", Arity: -1, Flags: FlagWrite, Run: cmdFlushDB,
		Summary: "Remove all keys from the current database", Complexity: "O(N) where N is the number of keys in the selected database", ACL: []string{"keyspace", "write", "slow", "dangerous"}}))
	t.Add(srv(&Command{Name: "flushall", Arity: -1, Flags: FlagWrite, Run: cmdFlushAll,
		Summary: "Remove all keys from all databases", Complexity: "O(N) where N is the total number of keys in all databases", ACL: []string{"keyspace", "write", "slow", "dangerous"}}))
	t.Add(srv(&Command{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast, Run: cmdSwapDB, Since: "4.0.0",
		Summary: "Swaps two Redis databases", Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.", ACL: []string{"keyspace", "write", "fast", "dangerous"}}))
	registerDebug(t)
}

func cmdDBSize(c *Ctx) {
	n := 0
	c.DBs(func(db *DB) { n += db.Len() })
	c.Int(int64(n))
}

// flushMode checks FLUSHDB/FLUSHALL's optional ASYNC|SYNC argument.
func flushMode(c *Ctx) bool {
	switch {
	case len(c.Args) == 1:
		return true
	case len(c.Args) == 2 && (eqFold(c.Args[1], "async") || eqFold(c.Args[1], "sync")):
		return true
	}
	c.Syntax()
	return false
}

func cmdFlushDB(c *Ctx) {
	if !flushMode(c) {
		return
	}
	c.DBs(func(db *DB) { db.Flush() })
	c.OK()
}

func cmdFlushAll(c *Ctx) {
	if !flushMode(c) {
		return
	}
	for i := 0; i < NumDBs; i++ {
		c.DBsOf(i, func(db *DB) { db.Flush() })
	}
	c.OK()
}

func cmdSwapDB(c *Ctx) {
	a, ok := swapDBArg(c, c.Args[1], "ERR invalid first DB index")
	if !ok {
		return
	}
	b, ok := swapDBArg(c, c.Args[2], "ERR invalid second DB index")
	if !ok {
		return
	}
	if a < 0 || a >= NumDBs || b < 0 || b >= NumDBs {
		c.Error(proto.ErrDBIndex)
		return
	}
	c.e.SwapDB(int(a), int(b))
	c.OK()
}

// swapDBArg parses a SWAPDB index: Redis gives one message for a malformed
// number and for one outside the C int range.
func swapDBArg(c *Ctx, arg []byte, msg string) (int64, bool) {
	n, ok := ParseInt(arg)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		c.Error(msg)
		return 0, false
	}
	return n, true
}

// FlushAllNow empties every database of every shard (DEBUG RELOAD).
// It waits for the shards' tokens, so it must not run on an event loop.
func (e *Engine) FlushAllNow() {
	for _, s := range e.shards {
		s.tok.Lock()
		for _, db := range s.dbs {
			db.Flush()
		}
		s.tok.Unlock()
	}
}

// SwapDB exchanges the data of databases a and b in every shard. The caller
// holds every shard. A DB keeps pointing at its own shard, which does not
// change: the swap is within each shard. Clients blocked on keys stay with
// the database number they selected, as in Redis; the data under their keys
// changed, so their keys are offered to them again (a key that cannot serve
// a waiter leaves it blocked).
func (e *Engine) SwapDB(a, b int) {
	for _, s := range e.shards {
		da, db := s.dbs[a], s.dbs[b]
		// WATCH registrations stay with their DB object (their watch sets
		// point at it); every watcher of either database sees a change.
		da.touchAll(db)
		db.touchAll(da)
		da.blocked, db.blocked = db.blocked, da.blocked
		s.dbs[a], s.dbs[b] = db, da
		for _, d := range [2]*DB{da, db} {
			for k := range d.blocked {
				s.markReady(d, k)
			}
		}
	}
}
