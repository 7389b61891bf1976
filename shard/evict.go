package shard

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/shoal-db/shoal/repl"
	"github.com/shoal-db/shoal/shard/keytab"
)

// Cache mode: memory accounting and maxmemory eviction.
//
// Accounting. Each shard keeps a byte count of what its keys cost: for a
// key, its record's slot in the keyspace table (key and, for a short string,
// the value), a bucket share, and for a value held as an Object, the Object
// and the value's size (valueSize: a string's buffer, a collection's own
// O(1) Bytes); for a TTL, its record in the TTL table and a bucket share.
// Slots and buffers are counted at their allocated sizes, so the count
// follows the memory rather than the payload. Inserts, replacements,
// deletions and expiry charge or refund in DB's methods. A value held as
// an Object may also change in place (LPUSH on an existing list, APPEND to
// a long string): DB.Peek, the lookup of every command about to write a key,
// records the value with its size beforehand, and settle charges the
// difference after the command; removing a recorded value refunds what was
// charged for it, so the count never drifts.
//
// Eviction follows Redis's approximations (evict.c): before a command runs
// on a shard whose count is over its share of maxmemory (maxmemory divided
// by the number of shards), the shard samples maxmemory-samples keys per
// database into a pool of the 16 best candidates and deletes the best one,
// repeating until it is under its share, for at most the time
// maxmemory-eviction-tenacity allows (the command then runs and the next
// one continues). Evictions are journaled as DEL, notified as "evicted",
// invalidate WATCH and count in evicted_keys. When nothing can be evicted,
// commands flagged denyoom are refused with the OOM error.

// Policy is a maxmemory-policy.
type Policy uint8

const (
	PolicyNoEviction Policy = iota
	PolicyAllKeysLRU
	PolicyAllKeysLFU
	PolicyAllKeysRandom
	PolicyVolatileLRU
	PolicyVolatileLFU
	PolicyVolatileRandom
	PolicyVolatileTTL
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

func (p Policy) String() string { return policyNames[p] }

// ParsePolicy returns the policy a maxmemory-policy value names.
func ParsePolicy(s string) (Policy, bool) {
	for i, n := range policyNames {
		if n == s {
			return Policy(i), true
		}
	}
	return 0, false
}

func (p Policy) lfu() bool      { return p == PolicyAllKeysLFU || p == PolicyVolatileLFU }
func (p Policy) volatile() bool { return p >= PolicyVolatileLRU }
func (p Policy) random() bool   { return p == PolicyAllKeysRandom || p == PolicyVolatileRandom }

// Eviction is the maxmemory configuration (maxmemory, maxmemory-policy,
// maxmemory-samples, maxmemory-eviction-tenacity, lfu-log-factor,
// lfu-decay-time).
type Eviction struct {
	MaxMemory    int64
	Policy       Policy
	Samples      int
	Tenacity     int
	LFULogFactor int
	LFUDecayTime int
}

// OOMError is Redis's reply to a denyoom command it cannot make room for.
const OOMError = "OOM command not allowed when used memory > 'maxmemory'."

// evictPoolSize is Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// SetEviction installs a maxmemory configuration; shards pick it up at
// their next command.
func (e *Engine) SetEviction(cfg Eviction) {
	cfg.Samples = max(cfg.Samples, 1)
	e.evictCfg.Store(&cfg)
	e.lfuMode.Store(cfg.Policy.lfu())
	// A nonzero limit below one byte per shard would mean no limit.
	e.shardLimit.Store(max(cfg.MaxMemory/int64(e.n), min(cfg.MaxMemory, 1)))
}

// EvictionConfig returns the configuration SetEviction installed.
func (e *Engine) EvictionConfig() Eviction { return *e.evictCfg.Load() }

// MemoryUsed is the sum of the shards' byte counts: INFO's used_memory.
// Values changed in place by a command still running may be missing.
func (e *Engine) MemoryUsed() int64 {
	var n int64
	for _, s := range e.shards {
		n += s.mem.used.Load()
	}
	if n > e.memPeak.Load() {
		e.memPeak.Store(n)
	}
	return n
}

// MemoryPeak is the largest MemoryUsed has returned.
func (e *Engine) MemoryPeak() int64 { return e.memPeak.Load() }

// OutOfMemory reports whether some shard is over its share of maxmemory
// and cannot evict: a transaction then refuses every command it queues,
// as Redis does.
func (e *Engine) OutOfMemory() bool {
	limit := e.shardLimit.Load()
	if limit == 0 {
		return false
	}
	noEvict := e.evictCfg.Load().Policy == PolicyNoEviction
	for _, s := range e.shards {
		if s.mem.used.Load() > limit && (noEvict || s.mem.failed.Load()) {
			return true
		}
	}
	return false
}

// shardMem is a shard's accounting and eviction state, touched only by the
// token holder except used and failed, which INFO and the connection layer
// read.
type shardMem struct {
	used atomic.Int64
	// failed is set when eviction last ran out of candidates.
	failed  atomic.Bool
	pending []pendingValue
	pool    [evictPoolSize]poolEntry
	poolLen int
	// nextDB is where the random policies look first (Redis's next_db).
	nextDB int
	// The engine's configuration.
	cfg *atomic.Pointer[Eviction]
	lfu *atomic.Bool
}

func (s *Shard) evictCfg() *Eviction { return s.mem.cfg.Load() }

// pendingValue is a value a running command may change in place, with
// the size charged for it.
type pendingValue struct {
	db   *DB
	o    *Object
	size int64
}

type poolEntry struct {
	idle uint64
	key  string
	db   int
}

// Fixed costs, in bytes, beyond a key's record (keytab): its share of the
// bucket array (a 4-byte Ref, between one and two per key), and for a value
// that is an Object, the Object and its side-slice slot.
const (
	bucketCost = 8
	objectCost = int64(objectSize) + 8
)

// ttlCost is what a TTL costs, given its record's size.
func ttlCost(record int) int64 { return bucketCost + int64(record) }

// costOf is what is charged for record r of db and its value, which stops
// being tracked: the caller is about to replace or remove it, or has just
// stored it.
func (db *DB) costOf(r keytab.Ref) int64 {
	n := bucketCost + int64(db.keys.Size(r))
	if db.keys.Kind(r) == keytab.Val {
		n += objectCost + db.charged(db.keys.Val(r))
	}
	return n
}

// usage is what key's record r and its value cost now, TTL excluded: the
// figure MEMORY USAGE reports.
func (db *DB) usage(r keytab.Ref) int64 {
	n := bucketCost + int64(db.keys.Size(r))
	if db.keys.Kind(r) == keytab.Val {
		n += objectCost + valueSize(db.keys.Val(r))
	}
	return n
}

// valueSize is what an Object's value costs beyond the Object.
func valueSize(o *Object) int64 {
	if o.Type == TypeString {
		return int64(allocSize(cap(o.Str)))
	}
	type sized interface{ Bytes() int }
	if v, ok := o.Val.(sized); ok {
		return int64(v.Bytes())
	}
	return 0
}

// charge adds n bytes (negative to refund) to db and its shard.
func (db *DB) charge(n int64) {
	db.used += n
	m := &db.sh.mem
	m.used.Store(m.used.Load() + n)
}

// track records o, the value under a key a command is about to write,
// so that settle charges what the command changes in place.
func (db *DB) track(o *Object) {
	m := &db.sh.mem
	for i := range m.pending {
		if m.pending[i].o == o {
			return
		}
	}
	if len(m.pending) == pendingCap {
		// Work outside commands (an RDB load, clients served after a push)
		// settles nothing until the shard's next command; settling early
		// keeps this scan short. A command changes a value right after
		// looking it up, so the values settled early are done changing.
		db.sh.settle()
	}
	m.pending = append(m.pending, pendingValue{db: db, o: o, size: valueSize(o)})
}

// trackKey is track for the value of key, which a command found with a
// read lookup and is about to change.
func (db *DB) trackKey(key []byte) {
	if r := db.keys.Find(key); r != 0 && db.keys.Kind(r) == keytab.Val {
		db.track(db.keys.Val(r))
	}
}

// pendingCap bounds the values tracked at once (see track).
const pendingCap = 128

// charged returns what is charged for o's value and stops tracking it: o
// is leaving the keyspace or being replaced.
func (db *DB) charged(o *Object) int64 {
	m := &db.sh.mem
	for i := range m.pending {
		if p := m.pending[i]; p.o == o {
			last := len(m.pending) - 1
			m.pending[i] = m.pending[last]
			m.pending[last] = pendingValue{}
			m.pending = m.pending[:last]
			return p.size
		}
	}
	return valueSize(o)
}

// flushed forgets the values of db tracked by a running command.
func (db *DB) flushed() {
	m := &db.sh.mem
	kept := m.pending[:0]
	for _, p := range m.pending {
		if p.db != db {
			kept = append(kept, p)
		}
	}
	clear(m.pending[len(kept):])
	m.pending = kept
	db.charge(-db.used)
}

// settle charges the in-place changes of the values tracked since the
// last settle.
func (s *Shard) settle() {
	m := &s.mem
	for i, p := range m.pending {
		if d := valueSize(p.o) - p.size; d != 0 {
			p.db.charge(d)
		}
		m.pending[i] = pendingValue{}
	}
	m.pending = m.pending[:0]
}

// settleHeld settles the shards a command held.
func (c *Ctx) settleHeld() {
	if c.sh != nil {
		c.sh.settle()
		return
	}
	for _, i := range c.batch.multi.shards {
		c.e.shards[i].settle()
	}
}

// access updates the LRU clock of record r, or its LFU counter under an
// LFU policy, for a read or write of its key.
func (db *DB) access(r keytab.Ref, now int64) {
	if db.sh.mem.lfu.Load() {
		db.keys.SetLRU(r, db.sh.lfuTouch(db.keys.LRU(r), now))
		return
	}
	if c := lruClock(now); db.keys.LRU(r) != c {
		db.keys.SetLRU(r, c)
	}
}

// roomFor makes room on s for a command (limit 0: no maxmemory) and
// reports whether a denyoom command may run: not while one of the shard's
// tables is nearly out of pages, whatever maxmemory says.
func (e *Engine) roomFor(s *Shard, limit, now int64) bool {
	ok := limit == 0 || e.makeRoom(s, limit, now)
	return ok && !s.full
}

// tableReserve is how many pages of keytab.MaxPages a table keeps in
// reserve: a shard stops taking keys at that point, with room for the
// records of the command that got it there (a command's arguments are at
// most the 1 GiB query buffer; 2 GiB of pages hold its records).
var tableReserve = 1 << 15

// checkFull sets the shard's full flag when t nears keytab.MaxPages.
func (s *Shard) checkFull(pages int) {
	if pages >= keytab.MaxPages-tableReserve && !s.full {
		s.full = true
		s.e.fullShards.Add(1)
	}
}

// recheckFull clears the shard's full flag when a flush emptied the
// tables that set it.
func (s *Shard) recheckFull() {
	if !s.full {
		return
	}
	for _, db := range s.dbs {
		if max(db.keys.Pages(), db.expires.Pages()) >= keytab.MaxPages-tableReserve {
			return
		}
	}
	s.full = false
	s.e.fullShards.Add(-1)
}

// makeRoom evicts on s until it is under limit. It returns false when it
// could not (noeviction, or no candidate left); a time budget running out
// counts as success, like Redis's EVICT_RUNNING.
func (e *Engine) makeRoom(s *Shard, limit, now int64) bool {
	s.settle()
	m := &s.mem
	if m.used.Load() <= limit {
		if m.failed.Load() {
			m.failed.Store(false)
		}
		return true
	}
	cfg := e.evictCfg.Load()
	if cfg.Policy == PolicyNoEviction {
		return false
	}
	start := time.Now()
	budget := tenacityBudget(cfg.Tenacity)
	for n := 1; m.used.Load() > limit; n++ {
		if !e.evictOne(s, cfg, now) {
			m.failed.Store(true)
			return false
		}
		if n%16 == 0 && time.Since(start) > budget {
			break
		}
	}
	m.failed.Store(false)
	return true
}

// tenacityBudget is Redis's evictionTimeLimitUs.
func tenacityBudget(t int) time.Duration {
	if t <= 10 {
		return time.Duration(50*t) * time.Microsecond
	}
	if t < 100 {
		us := 500.0
		for i := 10; i < t; i++ {
			us *= 1.15
		}
		return time.Duration(us) * time.Microsecond
	}
	return time.Duration(1<<63 - 1)
}

// evictOne deletes one key chosen by the policy; false means there was
// none to choose.
func (e *Engine) evictOne(s *Shard, cfg *Eviction, now int64) bool {
	var db *DB
	var key string
	if cfg.Policy.random() {
		for i := 0; i < NumDBs && key == ""; i++ {
			d := s.dbs[s.mem.nextDB]
			s.mem.nextDB = (s.mem.nextDB + 1) % NumDBs
			if cfg.Policy.volatile() {
				if r := d.expires.Random(); r != 0 {
					key = string(d.expires.Key(r))
				}
			} else if r := d.keys.Random(); r != 0 {
				key = string(d.keys.Key(r))
			}
			db = d
		}
	} else {
		db, key = s.bestFromPool(cfg, now)
	}
	if key == "" {
		return false
	}
	e.evict(db, key, now)
	return true
}

// bestFromPool refills the eviction pool from samples of every database
// and pops its best candidate that still exists (Redis's LRU, LFU and TTL
// branch of performEvictions).
func (s *Shard) bestFromPool(cfg *Eviction, now int64) (*DB, string) {
	m := &s.mem
	for {
		total := 0
		for i, d := range s.dbs {
			if cfg.Policy.volatile() {
				if d.expires.Len() == 0 {
					continue
				}
				total += d.expires.Len()
				d.expires.Sample(cfg.Samples, func(er keytab.Ref) {
					k := d.expires.Key(er)
					if r := d.keys.Find(k); r != 0 {
						s.poolInsert(i, k, s.evictScore(cfg, d.keys.LRU(r), d.expires.Int(er), now))
					}
				})
			} else {
				if d.keys.Len() == 0 {
					continue
				}
				total += d.keys.Len()
				d.keys.Sample(cfg.Samples, func(r keytab.Ref) {
					s.poolInsert(i, d.keys.Key(r), s.evictScore(cfg, d.keys.LRU(r), 0, now))
				})
			}
		}
		if total == 0 {
			return nil, ""
		}
		for m.poolLen > 0 {
			m.poolLen--
			p := m.pool[m.poolLen]
			m.pool[m.poolLen] = poolEntry{}
			d := s.dbs[p.db]
			var ok bool
			if cfg.Policy.volatile() {
				ok = d.expires.Find([]byte(p.key)) != 0
			} else {
				ok = d.keys.Find([]byte(p.key)) != 0
			}
			if ok {
				return d, p.key
			}
		}
		// Every pooled key was gone: sample again, as Redis loops.
	}
}

// evictScore is the pool's idle score: higher evicts first.
func (s *Shard) evictScore(cfg *Eviction, lru uint32, at, now int64) uint64 {
	switch cfg.Policy {
	case PolicyVolatileTTL:
		return ^uint64(at)
	case PolicyAllKeysLFU, PolicyVolatileLFU:
		return 255 - uint64(s.lfuDecay(lru, now))
	}
	return uint64(uint32(lruClock(now) - lru))
}

// poolInsert puts a candidate into the pool, kept in ascending idle order
// with at most evictPoolSize entries, as evictionPoolPopulate does.
func (s *Shard) poolInsert(db int, key []byte, idle uint64) {
	m := &s.mem
	pool := m.pool[:m.poolLen]
	for _, p := range pool {
		if p.db == db && p.key == string(key) {
			return
		}
	}
	i := 0
	for i < len(pool) && pool[i].idle < idle {
		i++
	}
	if i == 0 && m.poolLen == evictPoolSize {
		return // worse than everything in a full pool
	}
	ent := poolEntry{idle: idle, key: string(key), db: db}
	if m.poolLen < evictPoolSize {
		copy(m.pool[i+1:m.poolLen+1], m.pool[i:m.poolLen])
		m.pool[i] = ent
		m.poolLen++
		return
	}
	// Full: drop the worst (leftmost) and insert before position i.
	copy(m.pool[0:i-1], m.pool[1:i])
	m.pool[i-1] = ent
}

// evict deletes key from db as an eviction.
func (e *Engine) evict(db *DB, key string, now int64) {
	k := []byte(key)
	if !db.Delete(k, now) {
		return // it had expired: the deletion counted as expiry
	}
	db.sh.Stats.EvictedKeys.Add(1)
	db.touch(k)
	db.notify(NotifyEvicted, "evicted", k)
	if e.Journal.On() {
		e.Journal.Append([]repl.Effect{{DB: db.index(), Args: [][]byte{[]byte("DEL"), k}}})
	}
}

// admit makes room on the shards a command needs before it runs. It
// returns false, with the OOM reply written, when the command may not run:
// a denyoom command (or EXEC of a transaction holding one) on a shard that
// cannot get under its share.
func (e *Engine) admit(ctx *Ctx, cmd *Command, limit int64) bool {
	ok := true
	if ctx.sh != nil {
		ok = e.roomFor(ctx.sh, limit, ctx.Now)
	} else {
		for _, i := range ctx.batch.multi.shards {
			ok = e.roomFor(e.shards[i], limit, ctx.Now) && ok
		}
	}
	if ok || !denyOOM(cmd, ctx.tx) {
		return true
	}
	ctx.statsShard().cmds[cmd.id].reject()
	if ctx.tx != nil {
		ctx.tx.Watch.forget()
		ctx.Error("EXECABORT Transaction discarded because of: " + OOMError)
		return false
	}
	ctx.Error(OOMError)
	return false
}

// denyOOM reports whether cmd may be refused for memory: a denyoom
// command, or EXEC of a transaction with one.
func denyOOM(cmd *Command, tx *Tx) bool {
	if tx == nil {
		return cmd.Flags&FlagDenyOOM != 0
	}
	for _, c := range tx.Calls {
		if c.Cmd.Flags&FlagDenyOOM != 0 {
			return true
		}
	}
	return false
}

func (s *CmdStats) reject() { s.Rejected.Store(s.Rejected.Load() + 1) }

// evictTick continues an eviction that ran out of time, between commands.
func (e *Engine) evictTick(s *Shard) {
	if limit := e.shardLimit.Load(); limit != 0 && s.mem.used.Load() > limit {
		e.makeRoom(s, limit, e.Clock())
	}
}

// sizeClasses are the allocation sizes of Go's small-object allocator,
// found at start-up by growing a slice (which rounds up to them) rather
// than copied from the runtime.
var sizeClasses = func() []int {
	var cl []int
	for n := 1; n <= 32768; {
		c := cap(append([]byte(nil), make([]byte, n)...))
		cl = append(cl, c)
		n = c + 1
	}
	return cl
}()

// smallSizes maps (n+7)/8 to allocSize(n) for n up to 1024, the sizes of
// most keys and values, so that those skip the search.
var smallSizes = func() (t [129]uint16) {
	for i := range t {
		t[i] = uint16(searchSize(max(8*i, 1)))
	}
	return t
}()

// allocSize is the heap a []byte or string of n bytes takes.
func allocSize(n int) int {
	if n <= 1024 {
		if n == 0 {
			return 0
		}
		return int(smallSizes[(n+7)>>3])
	}
	if n > 32768 {
		return (n + 8191) &^ 8191
	}
	return searchSize(n)
}

func searchSize(n int) int {
	lo, hi := 0, len(sizeClasses)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if sizeClasses[mid] >= n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return sizeClasses[lo]
}

// objectSize is what an Object takes; objectCost charges it.
const objectSize = unsafe.Sizeof(Object{})
