package shard

import (
	"github.com/shoal-db/shoal/shard/dict"
)

// Type is a value's Redis type.
type Type uint8

const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (t Type) String() string { return typeNames[t] }

// Object is a stored value. Strings keep their bytes in Str; the other types
// keep their structure in Val.
type Object struct {
	Type Type
	// Raw marks a string modified in place (APPEND, SETRANGE), which Redis
	// reports as the "raw" encoding whatever its length.
	Raw bool
	// snap is the parity of the last snapshot that has this value, or is
	// copying its shard and must not save it again (snapshot.go).
	snap uint8
	// LRU is when the key was last stored or accessed, in unix seconds
	// (wrapping), for OBJECT IDLETIME and LRU eviction; under an LFU
	// maxmemory-policy it holds minutes and an access counter instead
	// (lfu.go). It fits in padding: Object does not grow.
	LRU uint32
	Str []byte
	Val any
}

// DB is one database of one shard: the small keyspace API (lookup, set,
// delete, expire, iterate) that the command families use, so that the layout
// underneath can change without touching them.
type DB struct {
	keys    *dict.Dict[*Object]
	expires *dict.Dict[int64] // unix ms deadline of keys with a TTL
	sh      *Shard
	// clock is the latest command time (unix ms) seen by a lookup or delete
	// here. Set stamps new values with it instead of reading the system
	// clock, which costs more than the rest of a SET on some machines; a
	// write almost always looks its key up first.
	clock int64
	// blocked holds the clients blocked on each key, in arrival order.
	blocked map[string][]*Waiter
	// watchers holds the WATCH sets watching each key.
	watchers map[string][]*WatchSet
	// used is what this database's keys cost, in bytes (evict.go).
	used int64
}

func newDB(sh *Shard) *DB {
	return &DB{keys: dict.New[*Object](0), expires: dict.New[int64](0), sh: sh}
}

// Len is the number of keys, expired-but-not-yet-reclaimed ones included,
// as Redis's DBSIZE counts them.
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen is the number of keys with a TTL.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// expireIfNeeded deletes key if its deadline has passed and reports whether
// it did.
func (db *DB) expireIfNeeded(key []byte, now int64) bool {
	if db.expires.Len() == 0 {
		return false
	}
	at, ok := db.expires.GetBytes(key)
	if !ok || at > now || db.sh.trusted {
		return false
	}
	if db.sh.e.ReplicaMode.Load() {
		return true // hidden; the master's DEL will remove it
	}
	db.preserve(key)
	o, _ := db.keys.DeleteBytes(key)
	db.expires.DeleteBytes(key)
	db.removed(len(key), o, true)
	db.sh.Stats.ExpiredKeys.Add(1)
	db.touch(key)
	db.notify(NotifyExpired, "expired", key)
	db.signalReady(key)
	db.propagateExpired(key)
	return true
}

// lruClock converts a unix ms time to Object.LRU's unit.
func lruClock(ms int64) uint32 { return uint32(ms / 1000) }

// find returns the live value of key, or nil, touching nothing.
func (db *DB) find(key []byte, now int64) *Object {
	db.clock = now
	if db.expireIfNeeded(key, now) {
		return nil
	}
	o, _ := db.keys.GetBytes(key)
	return o
}

// Lookup returns the live value of key, or nil, for a command that reads it:
// it counts a keyspace hit or miss and updates the key's access time.
func (db *DB) Lookup(key []byte, now int64) *Object {
	o := db.lookupNoTouch(key, now)
	if o != nil {
		db.access(o, now)
	} else {
		db.notify(NotifyKeyMiss, "keymiss", key)
	}
	return o
}

// lookupNoTouch is Lookup for the commands that Redis runs with
// LOOKUP_NOTOUCH (EXISTS, TYPE, TTL, OBJECT, ...): they count as hits or
// misses but leave the access time alone.
func (db *DB) lookupNoTouch(key []byte, now int64) *Object {
	o := db.find(key, now)
	if o == nil {
		db.sh.Stats.Misses.Add(1)
	} else {
		db.sh.Stats.Hits.Add(1)
	}
	return o
}

// lookupTyped finds key for a command that reads it (counting a hit or
// miss) or, with write, for one about to change it, and checks its type:
// o is nil for a missing key, and ok=false means it replied WRONGTYPE.
func lookupTyped(c *Ctx, db *DB, key []byte, write bool, t Type) (o *Object, ok bool) {
	if write {
		o = db.Peek(key, c.Now)
	} else {
		o = db.Lookup(key, c.Now)
	}
	if o != nil && o.Type != t {
		c.WrongType()
		return nil, false
	}
	return o, true
}

// Peek returns the live value of key, or nil, for a command about to write
// it: like Redis's lookupKeyWrite it updates the access time but counts no
// hit or miss.
func (db *DB) Peek(key []byte, now int64) *Object {
	o := db.find(key, now)
	if o != nil {
		db.preserve(key)
		db.access(o, now)
		db.track(o)
	}
	return o
}

// sibling returns database idx of the same shard (COPY DB, MOVE).
func (db *DB) sibling(idx int) *DB { return db.sh.dbs[idx] }

// Set stores o under key and clears any TTL, as a plain SET does.
func (db *DB) Set(key []byte, o *Object) {
	db.preserve(key)
	o.snap = db.sh.snapBit
	if ref := db.keys.Ref(key); ref != nil {
		old := *ref
		db.stamp(o, old)
		*ref = o
		db.replaced(old, o)
		if db.expires.Len() > 0 {
			db.dropTTL(key)
		}
	} else {
		db.stamp(o, nil)
		db.keys.Set(string(key), o)
		db.charge(keyCost(len(key)) + valueSize(o))
		// The command may fill the value it just stored (a push to a list
		// it created): settle charges that.
		db.track(o)
		db.notify(NotifyNew, "new", key)
	}
	db.signalReady(key)
}

// OverwriteString replaces the bytes of o, the live string value of key, in
// place (no allocation when they fit), and clears key's TTL unless keepTTL:
// SET's common case of overwriting a string. It reports false, changing
// nothing, when o's buffer does not suit val and the caller must Set a new
// object instead.
func (db *DB) OverwriteString(key []byte, o *Object, val []byte, keepTTL bool) bool {
	// Reuse a buffer only when it is not far larger than val, so that one
	// big value does not pin memory under a key that now holds small ones.
	if o.Type != TypeString || cap(o.Str) < len(val) || cap(o.Str) > 2*len(val)+32 {
		return false
	}
	db.preserve(key)
	db.track(o)
	o.Str = append(o.Str[:0], val...)
	o.Raw = false
	db.access(o, db.clock)
	if !keepTTL && db.expires.Len() > 0 {
		db.dropTTL(key)
	}
	return true
}

// signalReady marks key ready for blocked clients when a value lands on it
// (RENAME, COPY, MOVE or a store command can create a list, sorted set or
// stream that clients wait for), as Redis's dbAdd does.
func (db *DB) signalReady(key []byte) {
	if len(db.blocked) == 0 {
		return
	}
	if _, ok := db.blocked[string(key)]; ok {
		db.sh.markReady(db, string(key))
	}
}

// SetKeepTTL stores o under key and leaves an existing TTL in place.
func (db *DB) SetKeepTTL(key []byte, o *Object) {
	db.preserve(key)
	o.snap = db.sh.snapBit
	if ref := db.keys.Ref(key); ref != nil {
		old := *ref
		db.stamp(o, old)
		*ref = o
		db.replaced(old, o)
	} else {
		db.stamp(o, nil)
		db.keys.Set(string(key), o)
		db.charge(keyCost(len(key)) + valueSize(o))
		// The command may fill the value it just stored (a push to a list
		// it created): settle charges that.
		db.track(o)
		db.notify(NotifyNew, "new", key)
	}
	db.signalReady(key)
}

// Delete removes key and its TTL; it reports whether the key existed (an
// expired key counts as absent).
func (db *DB) Delete(key []byte, now int64) bool {
	db.clock = now
	if db.expireIfNeeded(key, now) {
		return false
	}
	db.preserve(key)
	o, ok := db.keys.DeleteBytes(key)
	if !ok {
		return false
	}
	ttl := false
	if db.expires.Len() > 0 {
		_, ttl = db.expires.DeleteBytes(key)
	}
	db.removed(len(key), o, ttl)
	// Clients blocked in XREADGROUP on a deleted stream get an error, as
	// with Redis 7.0's signalDeletedKeyAsReady.
	db.signalReady(key)
	return true
}

// Expire returns key's deadline in unix ms, or -1 when it has none. The
// caller has already checked that the key is live.
func (db *DB) Expire(key []byte) int64 {
	if at, ok := db.expires.GetBytes(key); ok {
		return at
	}
	return -1
}

// SetExpire sets the deadline of an existing key.
func (db *DB) SetExpire(key []byte, at int64) {
	db.preserve(key)
	if ref := db.expires.Ref(key); ref != nil {
		*ref = at
		return
	}
	db.expires.Set(string(key), at)
	db.charge(ttlCost(len(key)))
}

// Persist removes key's TTL and reports whether it had one.
func (db *DB) Persist(key []byte) bool {
	db.preserve(key)
	return db.dropTTL(key)
}

// dropTTL removes key's TTL, refunding it, and reports whether it had one.
func (db *DB) dropTTL(key []byte) bool {
	_, ok := db.expires.DeleteBytes(key)
	if ok {
		db.charge(-ttlCost(len(key)))
	}
	return ok
}

// Scan visits one step of a full iteration (see dict.Dict.Scan). Expired
// keys it meets are reclaimed instead of visited, as Redis's SCAN does.
func (db *DB) Scan(cursor uint64, now int64, fn func(key string, o *Object)) uint64 {
	db.clock = now
	return db.keys.Scan(cursor, func(k string, o *Object) {
		if at, ok := db.expires.Get(k); ok && at <= now {
			if db.sh.e.ReplicaMode.Load() {
				return
			}
			db.preserve([]byte(k))
			db.keys.Delete(k)
			db.expires.Delete(k)
			db.removed(len(k), o, true)
			db.sh.Stats.ExpiredKeys.Add(1)
			db.notify(NotifyExpired, "expired", []byte(k))
			db.propagateExpired([]byte(k))
			return
		}
		fn(k, o)
	})
}

// Range visits every live key; fn returns false to stop.
func (db *DB) Range(now int64, fn func(key string, o *Object) bool) {
	db.keys.Range(func(k string, o *Object) bool {
		if at, ok := db.expires.Get(k); ok && at <= now {
			return true
		}
		return fn(k, o)
	})
}

// Random returns a random live key, or ok=false when there is none. Expired
// keys met on the way are reclaimed, as Redis's RANDOMKEY does.
func (db *DB) Random(now int64) (string, bool) {
	for tries := 0; tries < 100 && db.keys.Len() > 0; tries++ {
		k, _, ok := db.keys.Random()
		if !ok {
			return "", false
		}
		if at, ok := db.expires.Get(k); ok && at <= now {
			db.expireIfNeeded([]byte(k), now)
			continue
		}
		return k, true
	}
	return "", false
}

// Flush empties the database. A snapshot walking it keeps the old
// dictionaries, which nothing else reaches any more.
func (db *DB) Flush() {
	db.touchAll(nil)
	db.flushed()
	// Clients blocked on keys are offered them again: XREADGROUP's get an
	// error for their deleted stream, as Redis 7.0's
	// scanDatabaseForDeletedKeys does; the others stay blocked.
	for k := range db.blocked {
		db.sh.markReady(db, k)
	}
	if ss := db.sh.snap; ss != nil && ss.captured(db.keys) != nil {
		db.keys, db.expires = dict.New[*Object](0), dict.New[int64](0)
		return
	}
	db.keys.Clear()
	db.expires.Clear()
}

// activeExpire samples keys with a TTL and deletes the expired ones; it
// returns how many it sampled and how many it deleted, for the adaptive
// cycle in expire.go.
func (db *DB) activeExpire(now int64, samples int) (sampled, expired int) {
	var dead []string
	db.expires.Sample(samples, func(k string, at int64) {
		sampled++
		if at <= now {
			dead = append(dead, k)
		}
	})
	for _, k := range dead {
		db.preserve([]byte(k))
		o, ok := db.keys.Delete(k)
		if !ok {
			continue // sampled twice: Sample may repeat keys
		}
		expired++
		db.expires.Delete(k)
		db.removed(len(k), o, true)
		db.touch([]byte(k))
		db.notify(NotifyExpired, "expired", []byte(k))
		db.propagateExpired([]byte(k))
	}
	db.sh.Stats.ExpiredKeys.Add(uint64(expired))
	return sampled, expired
}
