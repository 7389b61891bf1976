package shard

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/shoal-db/shoal/proto"
)

// Value is implemented by the structure that a list, set, hash, sorted set
// or stream keeps in Object.Val, so that the generic commands can handle a
// key whatever its type.
type Value interface {
	// Encoding is the name OBJECT ENCODING reports ("listpack", "quicklist",
	// "hashtable", ...).
	Encoding() string
	// Clone returns an independent deep copy, for COPY.
	Clone() Value
}

func registerKeys(t *Table) {
	gen := func(c *Command) *Command {
		c.Group = "generic"
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	all := KeySpec{First: 1, Last: -1, Step: 1}
	one := KeySpec{First: 1, Last: 1, Step: 1}
	two := KeySpec{First: 1, Last: 2, Step: 1}
	t.Add(gen(&Command{Name: "del", Arity: -2, Flags: FlagWrite, Keys: all, Run: cmdDel,
		Summary: "Delete a key", Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", ACL: []string{"keyspace", "write", "slow"}}))
	t.Add(gen(&Command{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, Keys: all, Run: cmdDel, Since: "4.0.0",
		Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", ACL: []string{"keyspace", "write", "fast"}}))
	t.Add(gen(&Command{Name: "exists", Arity: -2, Flags: FlagReadonly | FlagFast, Keys: all, Run: cmdExists,
		Summary: "Determine if a key exists", Complexity: "O(N) where N is the number of keys to check.", ACL: []string{"keyspace", "read", "fast"}}))
	t.Add(gen(&Command{Name: "touch", Arity: -2, Flags: FlagReadonly | FlagFast, Keys: all, Run: cmdTouch, Since: "3.2.1",
		Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Complexity: "O(N) where N is the number of keys that will be touched.", ACL: []string{"keyspace", "read", "fast"}}))
	t.Add(gen(&Command{Name: "type", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdType,
		Summary: "Determine the type stored at key", Complexity: "O(1)", ACL: []string{"keyspace", "read", "fast"}}))

	setTTL := func(name string, run func(*Ctx), since, summary string) {
		t.Add(gen(&Command{Name: name, Arity: -3, Flags: FlagWrite | FlagFast, Keys: one, Run: run, Since: since,
			Summary: summary, Complexity: "O(1)", ACL: []string{"keyspace", "write", "fast"}}))
	}
	setTTL("expire", func(c *Ctx) { expireGeneric(c, "expire", c.Now, true) }, "1.0.0", "Set a key's time to live in seconds")
	setTTL("pexpire", func(c *Ctx) { expireGeneric(c, "pexpire", c.Now, false) }, "2.6.0", "Set a key's time to live in milliseconds")
	setTTL("expireat", func(c *Ctx) { expireGeneric(c, "expireat", 0, true) }, "1.2.0", "Set the expiration for a key as a UNIX timestamp")
	setTTL("pexpireat", func(c *Ctx) { expireGeneric(c, "pexpireat", 0, false) }, "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds")
	getTTL := func(name string, run func(*Ctx), since, summary string) {
		t.Add(gen(&Command{Name: name, Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: run, Since: since,
			Summary: summary, Complexity: "O(1)", ACL: []string{"keyspace", "read", "fast"}}))
	}
	getTTL("ttl", func(c *Ctx) { ttlGeneric(c, false, false) }, "1.0.0", "Get the time to live for a key in seconds")
	getTTL("pttl", func(c *Ctx) { ttlGeneric(c, true, false) }, "2.6.0", "Get the time to live for a key in milliseconds")
	getTTL("expiretime", func(c *Ctx) { ttlGeneric(c, false, true) }, "7.0.0", "Get the expiration Unix timestamp for a key")
	getTTL("pexpiretime", func(c *Ctx) { ttlGeneric(c, true, true) }, "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds")
	t.Add(gen(&Command{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdPersist, Since: "2.2.0",
		Summary: "Remove the expiration from a key", Complexity: "O(1)", ACL: []string{"keyspace", "write", "fast"}}))

	t.Add(gen(&Command{Name: "rename", Arity: 3, Flags: FlagWrite, Keys: two, Run: func(c *Ctx) { renameGeneric(c, false) },
		Summary: "Rename a key", Complexity: "O(1)", ACL: []string{"keyspace", "write", "slow"}}))
	t.Add(gen(&Command{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, Keys: two, Run: func(c *Ctx) { renameGeneric(c, true) },
		Summary: "Rename a key, only if the new key does not exist", Complexity: "O(1)", ACL: []string{"keyspace", "write", "fast"}}))
	t.Add(gen(&Command{Name: "copy", WritesKey: 2, Arity: -3, Flags: FlagWrite | FlagDenyOOM, Keys: two, Run: cmdCopy, Since: "6.2.0",
		Summary: "Copy a key", Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", ACL: []string{"keyspace", "write", "slow"}}))
	t.Add(gen(&Command{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdMove,
		Summary: "Move a key to another database", Complexity: "O(1)", ACL: []string{"keyspace", "write", "fast"}}))

	t.Add(gen(&Command{Name: "keys", Arity: 2, Flags: FlagReadonly, Kind: KindAllShards, Run: cmdKeys,
		Summary: "Find all keys matching the given pattern", Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", ACL: []string{"keyspace", "read", "slow", "dangerous"}}))
	t.Add(gen(&Command{Name: "scan", Arity: -2, Flags: FlagReadonly, Kind: KindRouted, Route: routeScan, Run: cmdScan, Since: "2.8.0",
		Summary: "Incrementally iterate the keys space", Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", ACL: []string{"keyspace", "read", "slow"}}))
	t.Add(gen(&Command{Name: "randomkey", Arity: 1, Flags: FlagReadonly, Kind: KindAllShards, Run: cmdRandomKey,
		Summary: "Return a random key from the keyspace", Complexity: "O(1)", ACL: []string{"keyspace", "read", "slow"}}))

	objSub := func(name, since, summary string, run func(*Ctx)) *Command {
		return gen(&Command{Name: name, Arity: 3, Flags: FlagReadonly, Keys: KeySpec{First: 2, Last: 2, Step: 1}, Run: run, Since: since,
			Summary: summary, Complexity: "O(1)", ACL: []string{"keyspace", "read", "slow"}})
	}
	t.Add(gen(&Command{Name: "object", Arity: -2, Run: cmdObject, Since: "2.2.3",
		Summary: "A container for object introspection commands", Complexity: "Depends on subcommand.", ACL: []string{"slow"},
		Subcommands: []*Command{
			gen(&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Run: cmdObjectHelp, Since: "6.2.0",
				Summary: "Show helpful text about the different subcommands", Complexity: "O(1)", ACL: []string{"keyspace", "slow"}}),
			objSub("idletime", "2.2.3", "Get the time since a Redis object was last accessed", cmdObjectIdletime),
			objSub("freq", "4.0.0", "Get the logarithmic access frequency counter of a Redis object", cmdObjectFreq),
			objSub("encoding", "2.2.3", "Inspect the internal encoding of a Redis object", cmdObjectEncoding),
			objSub("refcount", "2.2.3", "Get the number of references to the value of the key", cmdObjectRefcount),
		}}))
}

func cmdDel(c *Ctx) {
	n := int64(0)
	for _, k := range c.Args[1:] {
		if c.DB(k).Delete(k, c.Now) {
			c.Notify(NotifyGeneric, "del", k)
			n++
		}
	}
	if n == 0 {
		c.NoPropagate()
	}
	c.Int(n)
}

func cmdExists(c *Ctx) {
	n := int64(0)
	for _, k := range c.Args[1:] {
		if c.DB(k).lookupRef(k, c.Now, false) != 0 {
			n++
		} else {
			c.Notify(NotifyKeyMiss, "keymiss", k)
		}
	}
	c.Int(n)
}

func cmdTouch(c *Ctx) {
	n := int64(0)
	for _, k := range c.Args[1:] {
		if c.DB(k).Lookup(k, c.Now) != nil {
			n++
		}
	}
	c.Int(n)
}

func cmdType(c *Ctx) {
	o := c.DB(c.Args[1]).lookupNoTouch(c.Args[1], c.Now)
	if o == nil {
		c.Notify(NotifyKeyMiss, "keymiss", c.Args[1])
		c.Simple("none")
		return
	}
	c.Simple(o.Type.String())
}

// cString is b as C's "%s" prints it: Redis formats some replies with
// printf, which stops at the first NUL byte.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// expireFlags are EXPIRE's NX, XX, GT and LT options.
type expireFlags uint8

const (
	expireNX expireFlags = 1 << iota
	expireXX
	expireGT
	expireLT
)

func parseExpireFlags(c *Ctx) (expireFlags, bool) {
	var f expireFlags
	for _, a := range c.Args[3:] {
		switch {
		case eqFold(a, "nx"):
			f |= expireNX
		case eqFold(a, "xx"):
			f |= expireXX
		case eqFold(a, "gt"):
			f |= expireGT
		case eqFold(a, "lt"):
			f |= expireLT
		default:
			c.Error("ERR Unsupported option " + cString(a))
			return 0, false
		}
	}
	if f&expireNX != 0 && f&(expireXX|expireGT|expireLT) != 0 {
		c.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if f&expireGT != 0 && f&expireLT != 0 {
		c.Error("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return f, true
}

// expireGeneric is EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: the deadline is
// base plus the argument (in seconds when seconds is set), in unix ms.
func expireGeneric(c *Ctx, name string, base int64, seconds bool) {
	key := c.Args[1]
	flags, ok := parseExpireFlags(c)
	if !ok {
		return
	}
	when, ok := ParseInt(c.Args[2])
	if !ok {
		c.NotInt()
		return
	}
	// Negative times are allowed (the key is deleted); only overflow is an
	// error.
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Error("ERR invalid expire time in '" + name + "' command")
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Error("ERR invalid expire time in '" + name + "' command")
		return
	}
	when += base
	db := c.DB(key)
	if !db.exists(key, c.Now) {
		c.Int(0)
		c.NoPropagate()
		return
	}
	if flags != 0 {
		cur := db.Expire(key)
		// No TTL counts as an infinite one: GT never beats it, LT always does.
		if flags&expireNX != 0 && cur != -1 ||
			flags&expireXX != 0 && cur == -1 ||
			flags&expireGT != 0 && (cur == -1 || when <= cur) ||
			flags&expireLT != 0 && cur != -1 && when >= cur {
			c.Int(0)
			c.NoPropagate()
			return
		}
	}
	if when <= c.Now {
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
		c.Int(1)
		return
	}
	db.SetExpire(key, when)
	c.Notify(NotifyGeneric, "expire", key)
	c.Int(1)
	// Redis 7.0's expireGenericCommand rewrites the command name and the
	// time into an absolute one and keeps the options; PEXPIREAT is already
	// absolute and goes as the client sent it.
	if name != "pexpireat" && journaling(c) {
		args := append([][]byte{[]byte("PEXPIREAT"), key, strconv.AppendInt(nil, when, 10)}, c.Args[3:]...)
		c.Propagate(args...)
	}
}

// ttlGeneric is TTL, PTTL, EXPIRETIME and PEXPIRETIME.
func ttlGeneric(c *Ctx, ms, abs bool) {
	key := c.Args[1]
	db := c.DB(key)
	if db.lookupRef(key, c.Now, false) == 0 {
		c.Notify(NotifyKeyMiss, "keymiss", key)
		c.Int(-2)
		return
	}
	at := db.Expire(key)
	if at == -1 {
		c.Int(-1)
		return
	}
	ttl := at
	if !abs {
		ttl -= c.Now
	}
	ttl = max(ttl, 0)
	if !ms {
		// Rounded to the nearest second; unsigned so that a deadline near
		// the int64 limit rounds instead of overflowing.
		ttl = int64((uint64(ttl) + 500) / 1000)
	}
	c.Int(ttl)
}

func cmdPersist(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	if !db.exists(key, c.Now) || !db.Persist(key) {
		c.Int(0)
		c.NoPropagate()
		return
	}
	c.Notify(NotifyGeneric, "persist", key)
	c.Int(1)
}

// renameGeneric is RENAME and RENAMENX; the TTL moves with the value. The
// two keys may live on different shards (both are held).
func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.Args[1], c.Args[2]
	sdb := c.DB(src)
	o := sdb.Peek(src, c.Now)
	if o == nil {
		c.Error(proto.ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.Int(0)
		} else {
			c.OK()
		}
		c.NoPropagate()
		return
	}
	at := sdb.Expire(src)
	ddb := c.DB(dst)
	if ddb.exists(dst, c.Now) && nx {
		c.Int(0)
		c.NoPropagate()
		return
	}
	sdb.Delete(src, c.Now)
	c.notifyReplaced(ddb, dst)
	ddb.Set(dst, o)
	if at != -1 {
		ddb.SetExpire(dst, at)
	}
	c.Notify(NotifyGeneric, "rename_from", src)
	c.Notify(NotifyGeneric, "rename_to", dst)
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

// dbIndexArg parses a database index argument as Redis's
// getIntFromObjectOrReply followed by selectDb does.
func dbIndexArg(c *Ctx, arg []byte) (int, bool) {
	n, ok := ParseInt(arg)
	if !ok {
		c.NotInt()
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
		return 0, false
	}
	if n < 0 || n >= NumDBs {
		c.Error(proto.ErrDBIndex)
		return 0, false
	}
	return int(n), true
}

func cmdCopy(c *Ctx) {
	src, dst := c.Args[1], c.Args[2]
	dbIdx, replace := c.DBIndex, false
	for j := 3; j < len(c.Args); j++ {
		a := c.Args[j]
		switch {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "db") && j+1 < len(c.Args):
			idx, ok := dbIndexArg(c, c.Args[j+1])
			if !ok {
				return
			}
			dbIdx = idx
			j++
		default:
			c.Syntax()
			return
		}
	}
	if dbIdx == c.DBIndex && bytes.Equal(src, dst) {
		c.Error(proto.ErrSameObject)
		return
	}
	sdb := c.DB(src)
	o := sdb.Lookup(src, c.Now)
	if o == nil {
		c.Int(0)
		c.NoPropagate()
		return
	}
	at := sdb.Expire(src)
	ddb := c.DB(dst).sibling(dbIdx)
	if ddb.exists(dst, c.Now) && !replace {
		c.Int(0)
		c.NoPropagate()
		return
	}
	c.notifyReplaced(ddb, dst)
	ddb.Set(dst, cloneObject(o))
	if at != -1 {
		ddb.SetExpire(dst, at)
	}
	c.NotifyDB(dbIdx, NotifyGeneric, "copy_to", dst)
	c.Int(1)
}

func cloneObject(o *Object) *Object {
	n := &Object{Type: o.Type, Raw: o.Raw}
	if o.Type == TypeString {
		n.Str = append([]byte(nil), o.Str...)
	} else {
		n.Val = value(o).Clone()
	}
	return n
}

func value(o *Object) Value {
	v, ok := o.Val.(Value)
	if !ok {
		panic("BUG: the " + o.Type.String() + " value does not implement shard.Value")
	}
	return v
}

// cmdMove moves a key to another database of the same shard: a key's shard
// depends only on its name.
func cmdMove(c *Ctx) {
	key := c.Args[1]
	idx, ok := dbIndexArg(c, c.Args[2])
	if !ok {
		return
	}
	if idx == c.DBIndex {
		c.Error(proto.ErrSameObject)
		return
	}
	src := c.DB(key)
	o := src.Peek(key, c.Now)
	if o == nil {
		c.Int(0)
		c.NoPropagate()
		return
	}
	at := src.Expire(key)
	dst := src.sibling(idx)
	if dst.exists(key, c.Now) {
		c.Int(0)
		c.NoPropagate()
		return
	}
	src.Delete(key, c.Now)
	dst.Set(key, o)
	if at != -1 {
		dst.SetExpire(key, at)
	}
	c.Notify(NotifyGeneric, "move_from", key)
	c.NotifyDB(idx, NotifyGeneric, "move_to", key)
	c.Int(1)
}

func cmdKeys(c *Ctx) {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var keys []string
	c.DBs(func(db *DB) {
		db.Range(c.Now, func(k []byte, _ Type) bool {
			if all || GlobMatch(pat, k, false) {
				keys = append(keys, string(k))
			}
			return true
		})
	})
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

// A SCAN cursor keeps the shard being scanned in its low scanShardBits bits
// and that shard's dict cursor above them. Shards are scanned one after the
// other, each from dict cursor 0 until its dict cursor comes back to 0, so
// the dict's guarantee (every key present for the whole scan is returned)
// holds for the whole keyspace.
const (
	scanShardBits = 8
	scanShardMask = 1<<scanShardBits - 1
)

// parseScanCursor parses a cursor as Redis does, with strtoul: a leading
// sign is accepted ("-1" wraps around), as is the empty string (0).
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && (b[0] == ' ' || b[0] >= '\t' && b[0] <= '\r') {
		return 0, false
	}
	neg := false
	digits := b
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		digits = b[1:]
		if len(digits) == 0 {
			return 0, false
		}
	}
	if len(digits) == 0 {
		return 0, true
	}
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func routeScan(e *Engine, args [][]byte) int {
	cur, ok := parseScanCursor(args[1])
	if s := int(cur & scanShardMask); ok && s < e.NumShards() {
		return s
	}
	// Invalid cursors are answered by whichever shard runs the command.
	return 0
}

func cmdScan(c *Ctx) {
	cur, ok := parseScanCursor(c.Args[1])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	count := int64(10)
	var pat, typ []byte
	for i := 2; i < len(c.Args); i += 2 {
		a := c.Args[i]
		if i+1 >= len(c.Args) {
			c.Syntax()
			return
		}
		switch {
		case eqFold(a, "count"):
			n, ok := ParseInt(c.Args[i+1])
			if !ok {
				c.NotInt()
				return
			}
			if n < 1 {
				c.Syntax()
				return
			}
			count = n
		case eqFold(a, "match"):
			pat = c.Args[i+1]
			if len(pat) == 1 && pat[0] == '*' {
				pat = nil
			}
		case eqFold(a, "type"):
			typ = c.Args[i+1]
		default:
			c.Syntax()
			return
		}
	}
	shard := int(cur & scanShardMask)
	var keys []string
	next := uint64(0)
	// A cursor naming a shard that does not exist cannot come from us: it
	// ends the iteration.
	if shard < c.e.NumShards() {
		db := c.e.shards[shard].dbs[c.DBIndex]
		local := cur >> scanShardBits
		fn := func(k []byte, t Type) {
			if pat != nil && !GlobMatch(pat, k, false) {
				return
			}
			if typ != nil && !eqFoldString(typ, t.String()) {
				return
			}
			keys = append(keys, string(k))
		}
		// As Redis: stop at count keys, or after 10*count empty buckets.
		for budget := count * 10; ; budget-- {
			local = db.Scan(local, c.Now, fn)
			if local == 0 || budget == 0 || int64(len(keys)) >= count {
				break
			}
		}
		switch {
		case local != 0:
			next = local<<scanShardBits | uint64(shard)
		case shard+1 < c.e.NumShards():
			next = uint64(shard + 1)
		}
	}
	c.Array(2)
	c.BulkString(strconv.FormatUint(next, 10))
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

// eqFoldString reports whether b equals s ignoring ASCII case.
func eqFoldString(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if fold(b[i], true) != fold(s[i], true) {
			return false
		}
	}
	return true
}

// cmdRandomKey picks a shard with probability proportional to its number of
// keys, then a key of that shard.
func cmdRandomKey(c *Ctx) {
	var dbs []*DB
	c.DBs(func(db *DB) { dbs = append(dbs, db) })
	// Each failed pick reclaims at least one expired key, so this ends.
	for {
		total := 0
		for _, db := range dbs {
			total += db.Len()
		}
		if total == 0 {
			c.Null()
			return
		}
		r := rand.IntN(total)
		for _, db := range dbs {
			if r >= db.Len() {
				r -= db.Len()
				continue
			}
			if k, ok := db.Random(c.Now); ok {
				c.BulkString(k)
				return
			}
			break
		}
	}
}

// cmdObject runs when OBJECT's subcommand is unknown.
func cmdObject(c *Ctx) {
	c.Error(proto.UnknownSubcommand(c.Args[1], "object"))
}

func cmdObjectHelp(c *Ctx) {
	lines := []string{
		"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
		"HELP",
		"    Prints this help.",
	}
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
}

// objectLookup finds OBJECT's key, replying null when it is missing.
func objectLookup(c *Ctx) *Object {
	key := c.Args[2]
	o := c.DB(key).lookupNoTouch(key, c.Now)
	if o == nil {
		c.Null()
	}
	return o
}

func cmdObjectEncoding(c *Ctx) {
	if o := objectLookup(c); o != nil {
		c.BulkString(encoding(o))
	}
}

// encoding names o's representation as Redis would have chosen it. Strings
// are kept as bytes whatever Redis would do; the name follows Redis's rules
// (tryObjectEncoding): an integer that fits in a long is "int", a short
// string "embstr", anything modified in place "raw".
func encoding(o *Object) string {
	if o.Type != TypeString {
		return value(o).Encoding()
	}
	if !o.Raw {
		if _, ok := ParseInt(o.Str); ok {
			return "int"
		}
		if len(o.Str) <= 44 {
			return "embstr"
		}
	}
	return "raw"
}

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: int-encoded strings below it
// share one preallocated object, whose reference count reads as INT_MAX.
const sharedIntegers = 10000

func cmdObjectRefcount(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if encoding(o) == "int" {
		if v, _ := ParseInt(o.Str); v >= 0 && v < sharedIntegers {
			c.Int(math.MaxInt32)
			return
		}
	}
	c.Int(1)
}

func cmdObjectIdletime(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if c.e.LFUMode() {
		c.Error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
		return
	}
	idle := int32(lruClock(c.Now) - o.LRU)
	// A clock that stepped back must not show a huge idle time.
	c.Int(int64(max(idle, 0)))
}

func cmdObjectFreq(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if c.e.LFUMode() {
		c.Int(int64(c.DB(c.Args[2]).LFUFreq(o, c.Now)))
		return
	}
	c.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
}
