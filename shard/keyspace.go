package shard

import (
	"strconv"

	"github.com/shoal-db/shoal/shard/keytab"
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

// Object is a value as commands see it. Strings keep their bytes in Str;
// the other types keep their structure in Val.
//
// A string of up to inlineMax bytes is not stored as an Object: it lives in
// its key's record (package keytab), where the garbage collector does not
// see it, and lookups hand out a copy marked inline. Changing a copy changes
// nothing until StringChanged stores it back. Every other value is stored as
// the Object itself, which commands change in place.
type Object struct {
	Type Type
	// Raw marks a string modified in place (APPEND, SETRANGE), which Redis
	// reports as the "raw" encoding whatever its length.
	Raw bool
	// inline marks a copy of a string held in its key's record.
	inline bool
	// LRU is when the key was last stored or accessed, in unix seconds
	// (wrapping), for OBJECT IDLETIME and LRU eviction; under an LFU
	// maxmemory-policy it holds minutes and an access counter instead
	// (lfu.go). The record holds the clock; lookups copy it here.
	LRU uint32
	Str []byte
	Val any
}

// inlineMax is the longest string kept in its key's record. Longer ones
// are Objects, which APPEND can grow in place without copying the record.
const inlineMax = 2048

// Tables of a database: values by key, and deadlines (keytab.Int values) of
// the keys with a TTL.
type (
	keyTable    = keytab.Table[*Object]
	expireTable = keytab.Table[struct{}]
	keyValue    = keytab.Value[*Object]
)

// DB is one database of one shard: the small keyspace API (lookup, set,
// delete, expire, iterate) that the command families use, so that the layout
// underneath can change without touching them.
type DB struct {
	keys    *keyTable
	expires *expireTable // unix ms deadline of keys with a TTL
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
	return &DB{keys: keytab.New[*Object](), expires: keytab.New[struct{}](), sh: sh}
}

// Len is the number of keys, expired-but-not-yet-reclaimed ones included,
// as Redis's DBSIZE counts them.
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen is the number of keys with a TTL.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// deadline returns key's deadline in unix ms, if it has one.
func (db *DB) deadline(key []byte) (int64, bool) {
	if db.expires.Len() == 0 {
		return 0, false
	}
	if r := db.expires.Find(key); r != 0 {
		return db.expires.Int(r), true
	}
	return 0, false
}

// expireIfNeeded deletes key if its deadline has passed and reports whether
// it did.
func (db *DB) expireIfNeeded(key []byte, now int64) bool {
	at, ok := db.deadline(key)
	if !ok || at > now || db.sh.trusted {
		return false
	}
	if db.sh.e.ReplicaMode.Load() {
		return true // hidden; the master's DEL will remove it
	}
	db.expireNow(key)
	return true
}

// expireNow deletes key, whose deadline has passed.
func (db *DB) expireNow(key []byte) {
	db.preserve(key)
	db.remove(key)
	db.sh.Stats.ExpiredKeys.Add(1)
	db.touch(key)
	db.notify(NotifyExpired, "expired", key)
	db.signalReady(key)
	db.propagateExpired(key)
}

// lruClock converts a unix ms time to Object.LRU's unit.
func lruClock(ms int64) uint32 { return uint32(ms / 1000) }

// findRef returns the record of key if it is live, or 0, touching nothing.
func (db *DB) findRef(key []byte, now int64) keytab.Ref {
	db.clock = now
	if db.expireIfNeeded(key, now) {
		return 0
	}
	return db.keys.Find(key)
}

// object returns the value of record r as commands see it.
func (db *DB) object(r keytab.Ref) *Object {
	switch db.keys.Kind(r) {
	case keytab.Val:
		o := db.keys.Val(r)
		o.LRU = db.keys.LRU(r)
		return o
	case keytab.Int:
		return &Object{Type: TypeString, inline: true, LRU: db.keys.LRU(r), Str: strconv.AppendInt(nil, db.keys.Int(r), 10)}
	}
	return &Object{Type: TypeString, inline: true, LRU: db.keys.LRU(r),
		Raw: db.keys.Flags(r)&keytab.Raw != 0, Str: append([]byte(nil), db.keys.Str(r)...)}
}

// typeOf returns the type of record r's value.
func (db *DB) typeOf(r keytab.Ref) Type {
	if db.keys.Kind(r) == keytab.Val {
		return db.keys.Val(r).Type
	}
	return TypeString
}

// Lookup returns the live value of key, or nil, for a command that reads it:
// it counts a keyspace hit or miss and updates the key's access time.
func (db *DB) Lookup(key []byte, now int64) *Object {
	if r := db.lookupRef(key, now, true); r != 0 {
		return db.object(r)
	}
	return nil
}

// lookupRef is Lookup returning the record; touch says whether to update
// the access time.
func (db *DB) lookupRef(key []byte, now int64, touch bool) keytab.Ref {
	r := db.findRef(key, now)
	if r == 0 {
		db.sh.Stats.Misses.Add(1)
		if touch {
			db.notify(NotifyKeyMiss, "keymiss", key)
		}
		return 0
	}
	db.sh.Stats.Hits.Add(1)
	if touch {
		db.access(r, now)
	}
	return r
}

// lookupString is Lookup for a command that replies with a string value
// (GET, MGET): s aliases the record, valid until the keyspace changes, so a
// hit costs no copy. It returns found=false for a missing key and t for the
// value's type; s is set only for a string.
func (db *DB) lookupString(key []byte, now int64, buf []byte) (s []byte, t Type, found bool) {
	r := db.lookupRef(key, now, true)
	if r == 0 {
		return nil, 0, false
	}
	switch db.keys.Kind(r) {
	case keytab.Str:
		return db.keys.Str(r), TypeString, true
	case keytab.Int:
		return strconv.AppendInt(buf, db.keys.Int(r), 10), TypeString, true
	}
	o := db.keys.Val(r)
	return o.Str, o.Type, true
}

// lookupNoTouch is Lookup for the commands that Redis runs with
// LOOKUP_NOTOUCH (EXISTS, TYPE, TTL, OBJECT, ...): they count as hits or
// misses but leave the access time alone.
func (db *DB) lookupNoTouch(key []byte, now int64) *Object {
	if r := db.lookupRef(key, now, false); r != 0 {
		return db.object(r)
	}
	return nil
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
// hit or miss. A string copy (Object.inline) must be stored back with
// StringChanged after changing it.
func (db *DB) Peek(key []byte, now int64) *Object {
	r := db.findRef(key, now)
	if r == 0 {
		return nil
	}
	db.preserve(key)
	db.access(r, now)
	o := db.object(r)
	if !o.inline {
		db.track(o)
	}
	return o
}

// exists is Peek for a command that only needs to know whether key is
// live: the same expiry, copy-on-write and access time, without a copy of
// the value.
func (db *DB) exists(key []byte, now int64) bool {
	r := db.findRef(key, now)
	if r == 0 {
		return false
	}
	db.preserve(key)
	db.access(r, now)
	return true
}

// StringChanged stores o, the string value of key from Peek, after the
// caller changed its bytes; the key keeps its TTL.
func (db *DB) StringChanged(key []byte, o *Object) {
	if o.inline {
		db.SetKeepTTL(key, o)
	}
}

// sibling returns database idx of the same shard (COPY DB, MOVE).
func (db *DB) sibling(idx int) *DB { return db.sh.dbs[idx] }

// Set stores o under key and clears any TTL, as a plain SET does.
func (db *DB) Set(key []byte, o *Object) {
	v := db.valueOf(o)
	db.put(key, &v, o, false, 0)
}

// SetKeepTTL stores o under key and leaves an existing TTL in place.
func (db *DB) SetKeepTTL(key []byte, o *Object) {
	v := db.valueOf(o)
	db.put(key, &v, o, true, 0)
}

// SetString stores a copy of val as the string value of key; the key keeps
// its TTL if keepTTL. r is key's record if the caller has just found it
// live, or 0.
func (db *DB) SetString(key, val []byte, keepTTL bool, r keytab.Ref) {
	if len(val) > inlineMax {
		if r != 0 && db.keys.Kind(r) == keytab.Val && db.overwriteString(key, db.keys.Val(r), val, keepTTL, r) {
			return
		}
		o := newString(val)
		v := db.valueOf(o)
		db.put(key, &v, o, keepTTL, r)
		return
	}
	v := stringValue(val, false)
	db.put(key, &v, nil, keepTTL, r)
}

// stringValue is the record value of a string that fits in a record:
// canonical integers are kept as integers, as Redis's int encoding.
func stringValue(s []byte, raw bool) keyValue {
	if !raw && len(s) <= 20 {
		if n, ok := ParseInt(s); ok {
			var buf [20]byte
			if string(strconv.AppendInt(buf[:0], n, 10)) == string(s) {
				return keyValue{Kind: keytab.Int, Int: n}
			}
		}
	}
	v := keyValue{Kind: keytab.Str, Str: s}
	if raw {
		v.Flags = keytab.Raw
	}
	return v
}

// valueOf is how o is stored: in the record when it is a short string.
func (db *DB) valueOf(o *Object) keyValue {
	if o.Type == TypeString && len(o.Str) <= inlineMax {
		return stringValue(o.Str, o.Raw)
	}
	o.inline = false
	return keyValue{Kind: keytab.Val, Val: o}
}

// put stores v under key; o is v's Object when v is one (Kind Val), which
// the running command may still fill. r is key's record if the caller has
// just found it live, or 0.
func (db *DB) put(key []byte, v *keyValue, o *Object, keepTTL bool, r keytab.Ref) {
	db.preserve(key)
	if db.sh.snapBit != 0 {
		v.Flags |= keytab.Snap
	}
	lfu := db.sh.mem.lfu.Load()
	if r == 0 {
		r = db.keys.Find(key)
	}
	if r != 0 {
		// Under an LFU policy a replacement keeps the old value's counter,
		// as Redis's dbSetValue does.
		if lfu {
			v.LRU = db.keys.LRU(r)
		} else {
			v.LRU = lruClock(db.clock)
		}
		db.charge(-db.costOf(r))
		r = db.keys.Replace(r, key, v)
		db.charge(db.costOf(r))
		if !keepTTL && db.expires.Len() > 0 {
			db.dropTTL(key)
		}
	} else {
		if lfu {
			v.LRU = lfuNew(db.clock)
		} else {
			v.LRU = lruClock(db.clock)
		}
		r, _ = db.keys.Put(key, v)
		db.charge(db.costOf(r))
		db.notify(NotifyNew, "new", key)
	}
	db.sh.checkFull(db.keys.Pages())
	if o != nil {
		o.LRU = v.LRU
		if v.Kind == keytab.Val {
			// The command may fill the value it just stored (a push to a
			// list it created): settle charges that.
			db.track(o)
		}
	}
	db.signalReady(key)
}

// overwriteString replaces the bytes of o, the Object stored under key in
// record r, in place when its buffer suits val (SET's common case for long
// strings), and clears key's TTL unless keepTTL. It reports false, changing
// nothing, when the caller must store a new value instead.
func (db *DB) overwriteString(key []byte, o *Object, val []byte, keepTTL bool, r keytab.Ref) bool {
	// Reuse a buffer only when it is not far larger than val, so that one
	// big value does not pin memory under a key that now holds small ones.
	if o.Type != TypeString || cap(o.Str) < len(val) || cap(o.Str) > 2*len(val)+32 {
		return false
	}
	db.preserve(key)
	db.track(o)
	o.Str = append(o.Str[:0], val...)
	o.Raw = false
	db.access(r, db.clock)
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

// Delete removes key and its TTL; it reports whether the key existed (an
// expired key counts as absent).
func (db *DB) Delete(key []byte, now int64) bool {
	db.clock = now
	if db.expireIfNeeded(key, now) {
		return false
	}
	db.preserve(key)
	if !db.remove(key) {
		return false
	}
	// Clients blocked in XREADGROUP on a deleted stream get an error, as
	// with Redis 7.0's signalDeletedKeyAsReady.
	db.signalReady(key)
	return true
}

// remove deletes key and its TTL, refunding them, and reports whether key
// was present.
func (db *DB) remove(key []byte) bool {
	r := db.keys.Find(key)
	if r == 0 {
		return false
	}
	n := db.costOf(r)
	db.keys.Delete(key)
	if db.expires.Len() > 0 {
		if er := db.expires.Find(key); er != 0 {
			n += ttlCost(db.expires.Size(er))
			db.expires.Delete(key)
		}
	}
	db.charge(-n)
	return true
}

// Expire returns key's deadline in unix ms, or -1 when it has none. The
// caller has already checked that the key is live.
func (db *DB) Expire(key []byte) int64 {
	if at, ok := db.deadline(key); ok {
		return at
	}
	return -1
}

// SetExpire sets the deadline of an existing key.
func (db *DB) SetExpire(key []byte, at int64) {
	db.preserve(key)
	v := keytab.Value[struct{}]{Kind: keytab.Int, Int: at}
	if r, added := db.expires.Put(key, &v); added {
		db.charge(ttlCost(db.expires.Size(r)))
		db.sh.checkFull(db.expires.Pages())
	}
}

// Persist removes key's TTL and reports whether it had one.
func (db *DB) Persist(key []byte) bool {
	db.preserve(key)
	return db.dropTTL(key)
}

// dropTTL removes key's TTL, refunding it, and reports whether it had one.
func (db *DB) dropTTL(key []byte) bool {
	r := db.expires.Find(key)
	if r == 0 {
		return false
	}
	db.charge(-ttlCost(db.expires.Size(r)))
	db.expires.Delete(key)
	return true
}

// Scan visits one step of a full iteration (see keytab.Table.Scan). Expired
// keys it meets are reclaimed instead of visited, as Redis's SCAN does. The
// key fn gets aliases the table: fn copies what it keeps.
func (db *DB) Scan(cursor uint64, now int64, fn func(key []byte, t Type)) uint64 {
	db.clock = now
	return db.keys.Scan(cursor, func(r keytab.Ref) {
		k := db.keys.Key(r)
		if at, ok := db.deadline(k); ok && at <= now {
			if !db.sh.e.ReplicaMode.Load() {
				db.expireNow([]byte(string(k)))
			}
			return
		}
		fn(k, db.typeOf(r))
	})
}

// Range visits every live key; fn returns false to stop. The key fn gets
// aliases the table: fn copies what it keeps.
func (db *DB) Range(now int64, fn func(key []byte, t Type) bool) {
	db.keys.Range(func(r keytab.Ref) bool {
		k := db.keys.Key(r)
		if at, ok := db.deadline(k); ok && at <= now {
			return true
		}
		return fn(k, db.typeOf(r))
	})
}

// Random returns a random live key, or ok=false when there is none. Expired
// keys met on the way are reclaimed, as Redis's RANDOMKEY does.
func (db *DB) Random(now int64) (string, bool) {
	for tries := 0; tries < 100 && db.keys.Len() > 0; tries++ {
		r := db.keys.Random()
		if r == 0 {
			return "", false
		}
		k := db.keys.Key(r)
		if at, ok := db.deadline(k); ok && at <= now {
			db.expireIfNeeded([]byte(string(k)), now)
			continue
		}
		return string(k), true
	}
	return "", false
}

// Flush empties the database. A snapshot walking it keeps the old tables,
// which nothing else reaches any more.
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
		db.keys, db.expires = keytab.New[*Object](), keytab.New[struct{}]()
	} else {
		db.keys.Clear()
		db.expires.Clear()
	}
	db.sh.recheckFull()
}

// activeExpire samples keys with a TTL and deletes the expired ones; it
// returns how many it sampled and how many it deleted, for the adaptive
// cycle in expire.go.
func (db *DB) activeExpire(now int64, samples int) (sampled, expired int) {
	var dead []string
	db.expires.Sample(samples, func(r keytab.Ref) {
		sampled++
		if db.expires.Int(r) <= now {
			dead = append(dead, string(db.expires.Key(r)))
		}
	})
	for _, k := range dead {
		key := []byte(k)
		db.preserve(key)
		if !db.remove(key) {
			continue // sampled twice: Sample may repeat keys
		}
		expired++
		db.touch(key)
		db.notify(NotifyExpired, "expired", key)
		db.propagateExpired(key)
	}
	db.sh.Stats.ExpiredKeys.Add(uint64(expired))
	return sampled, expired
}
