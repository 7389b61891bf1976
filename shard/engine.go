package shard

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/shoal-db/shoal/repl"
)

// NumDBs is the number of databases (SELECT 0..15).
const NumDBs = 16

// inboxCap bounds the queues to shard and coordinator goroutines. A
// connection has at most one part per shard in flight, so the queues never
// hold more entries than there are clients; sending never blocks below that.
const inboxCap = 1 << 16

// Stats are a shard's counters; written by the shard's current owner, read
// by INFO and metrics.
type Stats struct {
	Hits, Misses, ExpiredKeys atomic.Uint64
	// Commands run through this shard's token (inline or by its goroutine).
	Commands atomic.Uint64
	// Batches handed to the shard goroutine because the token was busy.
	Hops atomic.Uint64
	// Multi-shard commands that this shard took part in.
	MultiShard atomic.Uint64
	// Changes counts write commands that changed the dataset, for the save
	// schedule (Redis's dirty counter counts changed elements instead).
	Changes atomic.Uint64
	// BusyNs is the time the token was held running commands, tasks and
	// active expiry, in ns: its rate over wall time is the shard's busy
	// ratio (saturation), which CPU usage cannot show for one goroutine.
	BusyNs atomic.Uint64
	// EvictedKeys counts keys deleted to get under maxmemory (evict.go).
	EvictedKeys atomic.Uint64
}

// addBusy adds d to the busy time; only the token holder calls it.
func (st *Stats) addBusy(d time.Duration) { st.BusyNs.Store(st.BusyNs.Load() + uint64(d)) }

// Shard owns a slice of the keyspace.
type Shard struct {
	tok   sync.Mutex // ownership token; see the package comment
	inbox chan *part
	// tasks are small jobs other goroutines need done under the token
	// (removing a finished waiter from this shard's wait queues).
	tasks chan func()
	ready []readyKey // keys made ready by the running command (block.go)
	// watching counts WATCH registrations on this shard, so writes skip
	// the watch bookkeeping when there are none.
	watching int
	dbs      [NumDBs]*DB
	// snap is the walk of the snapshot being taken, nil when none;
	// snapBit is the parity that values stored now get (snapshot.go).
	snap    *shardSnap
	snapBit uint8
	// trusted is set while the token holder runs an Applier's batch.
	trusted bool
	// full is set once a table of the shard nears keytab.MaxPages; the
	// engine then refuses denyoom commands on the shard (evict.go).
	full   bool
	id     int
	events *Events // the engine's, for the keyspace's own events
	Stats  Stats
	cmds   []CmdStats // by command id
	mem    shardMem   // memory accounting and eviction (evict.go)
	// e is the engine, for expiry's journal and replica switch; expired
	// holds the DELs of keys that expired while the journal was on, until
	// the command holding the shard takes them (expire.go).
	e       *Engine
	expired []expiredKey
}

// Engine is the set of shards plus the command table.
type Engine struct {
	Table  *Table
	shards []*Shard
	n      uint64
	// coord runs multi-shard commands whose shards were not all idle;
	// coordTasks runs other jobs that need several shards (block.go).
	coord      chan *Batch
	coordTasks chan func()
	// Blocked is the number of clients blocked on keys.
	Blocked atomic.Int64
	// Journal receives every write effect while something reads it.
	Journal *repl.Journal
	// Events sends keyspace notifications (notify.go).
	Events Events
	// MaxBulkLen is proto-max-bulk-len: also the largest string a command
	// may build, and the most transient memory LCS may use.
	MaxBulkLen atomic.Int64
	// Clock returns the current unix time in ms; tests may replace it.
	Clock func() int64
	// ActiveExpire can be switched off by DEBUG SET-ACTIVE-EXPIRE 0.
	ActiveExpire atomic.Bool
	// ReplicaMode switches expiry deletion off (DESIGN.md invariant 8): an
	// expired key reads as missing but stays until the master's DEL for it
	// arrives. Replication sets it; it must also let the commands it applies
	// from the master see such keys, as Redis's expireIfNeeded does for the
	// master client.
	ReplicaMode atomic.Bool
	// Inline lets an event loop run a batch itself when the shard's token
	// is free (the ownership fast path); off, every batch hops to the shard
	// goroutine. The switch exists to measure the fast path.
	Inline atomic.Bool
	// Latency holds per-command histograms and error counts (latency.go).
	Latency Latency

	// DebugReload runs DEBUG RELOAD (the server owns the files).
	DebugReload func(c *Ctx)

	// snap is the snapshot being taken, nil when none.
	snap atomic.Pointer[Snapshot]

	// Cache mode (evict.go): the maxmemory configuration, each shard's
	// share of maxmemory (0: no limit), and the peak of MemoryUsed.
	evictCfg   atomic.Pointer[Eviction]
	lfuMode    atomic.Bool
	shardLimit atomic.Int64
	memPeak    atomic.Int64
	// fullShards counts shards whose Shard.full is set.
	fullShards atomic.Int32

	stop chan struct{}
	wg   sync.WaitGroup
}

// NewEngine starts n shard goroutines and the coordinator.
func NewEngine(n int, t *Table) *Engine {
	if n < 1 {
		n = 1
	}
	e := &Engine{Table: t, n: uint64(n), coord: make(chan *Batch, inboxCap), coordTasks: make(chan func(), inboxCap), stop: make(chan struct{})}
	e.Clock = func() int64 { return time.Now().UnixMilli() }
	e.Journal = repl.NewJournal()
	e.ActiveExpire.Store(true)
	e.Inline.Store(true)
	e.MaxBulkLen.Store(512 << 20)
	e.SetEviction(Eviction{Samples: 5, Tenacity: 10, LFULogFactor: 10, LFUDecayTime: 1})
	for i := 0; i < n; i++ {
		s := &Shard{inbox: make(chan *part, inboxCap), tasks: make(chan func(), inboxCap), id: i, e: e, events: &e.Events, cmds: make([]CmdStats, t.Count())}
		for d := range s.dbs {
			s.dbs[d] = newDB(s)
		}
		s.mem.cfg, s.mem.lfu = &e.evictCfg, &e.lfuMode
		e.shards = append(e.shards, s)
	}
	for _, s := range e.shards {
		e.wg.Add(1)
		go e.runShard(s)
	}
	e.wg.Add(1)
	go e.runCoordinator()
	return e
}

// Close stops the shard goroutines and the coordinator. Callers must have
// stopped submitting work.
func (e *Engine) Close() {
	if s := e.snap.Load(); s != nil {
		s.fail(errEngineClosed)
	}
	close(e.stop)
	e.wg.Wait()
}

// NumShards is the number of shards.
func (e *Engine) NumShards() int { return int(e.n) }

// Shard returns shard i (for statistics).
func (e *Engine) Shard(i int) *Shard { return e.shards[i] }

// CmdStats returns shard-side statistics of command id on this shard.
func (s *Shard) CmdStats(id int) *CmdStats { return &s.cmds[id] }

// KeyHash hashes the part of key that decides its shard: the first
// non-empty {hash tag}, as Redis Cluster does, else the whole key.
func KeyHash(key []byte) uint64 {
	for i, ch := range key {
		if ch == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						return xxhash.Sum64(key[i+1 : j])
					}
					break
				}
			}
			break
		}
	}
	return xxhash.Sum64(key)
}

// ShardOf returns the index of the shard that owns key.
func (e *Engine) ShardOf(key []byte) int {
	if e.n == 1 {
		return 0
	}
	return int(KeyHash(key) % e.n)
}

func (e *Engine) runShard(s *Shard) {
	defer e.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// Clients first: a snapshot walk queues its next step as soon as
		// one ends, and a plain select would pick it half of the time.
		select {
		case p := <-s.inbox:
			e.runInbox(s, p)
			continue
		default:
		}
		select {
		case p := <-s.inbox:
			e.runInbox(s, p)
		case task := <-s.tasks:
			s.tok.Lock()
			start := time.Now()
			task()
			s.Stats.addBusy(time.Since(start))
			s.tok.Unlock()
			// Tasks come in streams (a snapshot walk's steps): without
			// giving way, the goroutine keeps its processor for the
			// scheduler's whole 10 ms slice, and with as many busy
			// goroutines as cores an event loop waits that long.
			runtime.Gosched()
		case <-tick.C:
			if e.ActiveExpire.Load() {
				s.tok.Lock()
				start := time.Now()
				e.activeExpireCycle(s)
				s.Stats.addBusy(time.Since(start))
				s.tok.Unlock()
			}
			if e.shardLimit.Load() != 0 {
				s.tok.Lock()
				e.evictTick(s)
				s.tok.Unlock()
			}
		case <-e.stop:
			return
		}
	}
}

// runInbox runs p and whatever queued up meanwhile under one hold.
func (e *Engine) runInbox(s *Shard, p *part) {
	s.tok.Lock()
	e.runPart(s, p)
	for more := true; more; {
		select {
		case q := <-s.inbox:
			p.b.partDone()
			p = q
			e.runPart(s, p)
		default:
			more = false
		}
	}
	s.tok.Unlock()
	p.b.partDone()
}

func (e *Engine) runCoordinator() {
	defer e.wg.Done()
	for {
		select {
		case b := <-e.coord:
			m := &b.multi
			for _, i := range m.shards {
				e.shards[i].tok.Lock()
			}
			e.runMulti(b)
			for _, i := range m.shards {
				e.shards[i].tok.Unlock()
			}
			b.partDone()
		case task := <-e.coordTasks:
			task()
		case <-e.stop:
			return
		}
	}
}
