package shard

import (
	"math"
	"math/big"
	"strconv"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/hash"
)

// Hashes live in Object.Val as hashValue. A hash that becomes empty is
// deleted, as in Redis, so a stored hash always has a field.

func registerHashes(t *Table) {
	hsh := func(c *Command) *Command {
		c.Group = "hash"
		if c.Since == "" {
			c.Since = "2.0.0"
		}
		c.Keys = KeySpec{First: 1, Last: 1, Step: 1}
		return c
	}
	wr := FlagWrite | FlagDenyOOM | FlagFast
	ro := FlagReadonly | FlagFast
	readFast := []string{"read", "hash", "fast"}
	readSlow := []string{"read", "hash", "slow"}
	writeFast := []string{"write", "hash", "fast"}
	whole := "O(N) where N is the size of the hash."

	t.Add(hsh(&Command{Name: "hset", Arity: -4, Flags: wr, Run: func(c *Ctx) { cmdHSet(c, false) },
		Summary:    "Set the string value of a hash field",
		Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
		ACL:        writeFast}))
	t.Add(hsh(&Command{Name: "hsetnx", Arity: 4, Flags: wr, Run: cmdHSetNX,
		Summary: "Set the value of a hash field, only if the field does not exist", Complexity: "O(1)", ACL: writeFast}))
	t.Add(hsh(&Command{Name: "hmset", Arity: -4, Flags: wr, Run: func(c *Ctx) { cmdHSet(c, true) },
		Summary: "Set multiple hash fields to multiple values", Complexity: "O(N) where N is the number of fields being set.", ACL: writeFast}))
	t.Add(hsh(&Command{Name: "hget", Arity: 3, Flags: ro, Run: cmdHGet,
		Summary: "Get the value of a hash field", Complexity: "O(1)", ACL: readFast}))
	t.Add(hsh(&Command{Name: "hmget", Arity: -3, Flags: ro, Run: cmdHMGet,
		Summary: "Get the values of all the given hash fields", Complexity: "O(N) where N is the number of fields being requested.", ACL: readFast}))
	t.Add(hsh(&Command{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, Run: cmdHDel,
		Summary: "Delete one or more hash fields", Complexity: "O(N) where N is the number of fields to be removed.", ACL: writeFast}))
	t.Add(hsh(&Command{Name: "hlen", Arity: 2, Flags: ro, Run: cmdHLen,
		Summary: "Get the number of fields in a hash", Complexity: "O(1)", ACL: readFast}))
	t.Add(hsh(&Command{Name: "hstrlen", Arity: 3, Flags: ro, Run: cmdHStrlen, Since: "3.2.0",
		Summary: "Get the length of the value of a hash field", Complexity: "O(1)", ACL: readFast}))
	t.Add(hsh(&Command{Name: "hexists", Arity: 3, Flags: ro, Run: cmdHExists,
		Summary: "Determine if a hash field exists", Complexity: "O(1)", ACL: readFast}))
	t.Add(hsh(&Command{Name: "hgetall", Arity: 2, Flags: FlagReadonly, Run: func(c *Ctx) { hashGetAll(c, true, true) },
		Summary: "Get all the fields and values in a hash", Complexity: whole, ACL: readSlow}))
	t.Add(hsh(&Command{Name: "hkeys", Arity: 2, Flags: FlagReadonly, Run: func(c *Ctx) { hashGetAll(c, true, false) },
		Summary: "Get all the fields in a hash", Complexity: whole, ACL: readSlow}))
	t.Add(hsh(&Command{Name: "hvals", Arity: 2, Flags: FlagReadonly, Run: func(c *Ctx) { hashGetAll(c, false, true) },
		Summary: "Get all the values in a hash", Complexity: whole, ACL: readSlow}))
	t.Add(hsh(&Command{Name: "hincrby", Arity: 4, Flags: wr, Run: cmdHIncrBy,
		Summary: "Increment the integer value of a hash field by the given number", Complexity: "O(1)", ACL: writeFast}))
	t.Add(hsh(&Command{Name: "hincrbyfloat", Arity: 4, Flags: wr, Run: cmdHIncrByFloat, Since: "2.6.0",
		Summary: "Increment the float value of a hash field by the given amount", Complexity: "O(1)", ACL: writeFast}))
	t.Add(hsh(&Command{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, Run: cmdHRandField, Since: "6.2.0",
		Summary: "Get one or multiple random fields from a hash", Complexity: "O(N) where N is the number of fields returned", ACL: readSlow}))
	t.Add(hsh(&Command{Name: "hscan", Arity: -3, Flags: FlagReadonly, Run: cmdHScan, Since: "2.8.0",
		Summary:    "Incrementally iterate hash fields and associated values",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		ACL:        readSlow}))
}

// hashValue is how a hash sits in Object.Val: hash.Hash cannot name this
// package's Value in its Clone, so the adapter supplies it.
type hashValue struct{ *hash.Hash }

func (v hashValue) Clone() Value { return hashValue{v.Hash.Clone()} }

// lookupHash finds key's hash for reading (counting a hit or miss) or, with
// write set, for a command about to change it. It returns nil for a missing
// key; ok=false means it replied WRONGTYPE.
func lookupHash(c *Ctx, db *DB, key []byte, write bool) (h *hash.Hash, ok bool) {
	o, ok := lookupTyped(c, db, key, write, TypeHash)
	if o == nil {
		return nil, ok
	}
	return o.Val.(hashValue).Hash, true
}

// createHash stores a new empty hash under key; the caller fills it before
// the command ends.
func createHash(db *DB, key []byte) *hash.Hash {
	h := new(hash.Hash)
	db.Set(key, &Object{Type: TypeHash, Val: hashValue{h}})
	return h
}

// cmdHSet is HSET, and HMSET with mset set, which differ in their reply.
func cmdHSet(c *Ctx, mset bool) {
	if len(c.Args)%2 == 1 {
		c.WrongArity()
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	h, ok := lookupHash(c, db, key, true)
	if !ok {
		return
	}
	if h == nil {
		h = createHash(db, key)
	}
	added := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1]) {
			added++
		}
	}
	c.Notify(NotifyHash, "hset", key)
	if mset {
		c.OK()
	} else {
		c.Int(int64(added))
	}
}

func cmdHSetNX(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	h, ok := lookupHash(c, db, key, true)
	if !ok {
		return
	}
	if h != nil && h.Has(c.Args[2]) {
		c.NoPropagate()
		c.Int(0)
		return
	}
	if h == nil {
		h = createHash(db, key)
	}
	h.Set(c.Args[2], c.Args[3])
	c.Notify(NotifyHash, "hset", key)
	c.Int(1)
}

func cmdHGet(c *Ctx) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	var buf [20]byte
	if v, found := hashGet(h, c.Args[2], buf[:]); found {
		c.Bulk(v)
	} else {
		c.Null()
	}
}

// hashGet is h.Get for a hash that may be missing (nil).
func hashGet(h *hash.Hash, field, buf []byte) ([]byte, bool) {
	if h == nil {
		return nil, false
	}
	return h.Get(field, buf)
}

func cmdHMGet(c *Ctx) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	c.Array(len(c.Args) - 2)
	var buf [20]byte
	for _, f := range c.Args[2:] {
		if v, found := hashGet(h, f, buf[:]); found {
			c.Bulk(v)
		} else {
			c.Null()
		}
	}
}

func cmdHDel(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	h, ok := lookupHash(c, db, key, true)
	if !ok {
		return
	}
	deleted := 0
	if h != nil {
		for _, f := range c.Args[2:] {
			if h.Delete(f) {
				deleted++
			}
		}
		if deleted > 0 {
			c.Notify(NotifyHash, "hdel", key)
		}
		if h.Len() == 0 {
			db.Delete(key, c.Now)
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	if deleted == 0 {
		c.NoPropagate()
	}
	c.Int(int64(deleted))
}

func cmdHLen(c *Ctx) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	switch {
	case !ok:
	case h == nil:
		c.Int(0)
	default:
		c.Int(int64(h.Len()))
	}
}

func cmdHStrlen(c *Ctx) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	var buf [20]byte
	v, _ := hashGet(h, c.Args[2], buf[:])
	c.Int(int64(len(v)))
}

func cmdHExists(c *Ctx) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	switch {
	case !ok:
	case h != nil && h.Has(c.Args[2]):
		c.Int(1)
	default:
		c.Int(0)
	}
}

// hashGetAll is HGETALL (fields and values, a map in RESP3), HKEYS and
// HVALS.
func hashGetAll(c *Ctx, fields, values bool) {
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.Map(n)
	} else {
		c.Array(n)
	}
	if h == nil {
		return
	}
	h.Range(func(f, v []byte) bool {
		if fields {
			c.Bulk(f)
		}
		if values {
			c.Bulk(v)
		}
		return true
	})
}

func cmdHIncrBy(c *Ctx) {
	key, field := c.Args[1], c.Args[2]
	incr, ok := ParseInt(c.Args[3])
	if !ok {
		c.NotInt()
		return
	}
	db := c.DB(key)
	h, ok := lookupHash(c, db, key, true)
	if !ok {
		return
	}
	var buf [20]byte
	cur := int64(0)
	if v, found := hashGet(h, field, buf[:]); found {
		if cur, ok = ParseInt(v); !ok {
			c.Error("ERR hash value is not an integer")
			return
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Error(proto.ErrOverflow)
		return
	}
	cur += incr
	if h == nil {
		h = createHash(db, key)
	}
	h.Set(field, strconv.AppendInt(buf[:0], cur, 10))
	c.Notify(NotifyHash, "hincrby", key)
	c.Int(cur)
}

// cmdHIncrByFloat computes in long double and formats the result as
// INCRBYFLOAT does (see ldParse), and is propagated as the HSET of the
// result so that replicas need not redo the arithmetic.
func cmdHIncrByFloat(c *Ctx) {
	key, field := c.Args[1], c.Args[2]
	incr, ok := ldParse(c.Args[3])
	if !ok {
		c.Error(proto.ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error("ERR value is NaN or Infinity")
		return
	}
	db := c.DB(key)
	h, ok := lookupHash(c, db, key, true)
	if !ok {
		return
	}
	var buf [20]byte
	cur := new(big.Float).SetPrec(ldPrec)
	if v, found := hashGet(h, field, buf[:]); found {
		if cur, ok = ldParse(v); !ok {
			c.Error("ERR hash value is not a float")
			return
		}
	}
	// Checking the stored value first also keeps big.Float from panicking
	// on inf + -inf.
	if cur.IsInf() || cur.Add(cur, incr).MantExp(nil) > ldMaxExp {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	s := ldFormat(cur)
	if h == nil {
		h = createHash(db, key)
	}
	h.Set(field, s)
	c.Notify(NotifyHash, "hincrbyfloat", key)
	c.Bulk(s)
	c.Propagate([]byte("HSET"), key, field, s)
}

func cmdHRandField(c *Ctx) {
	args := c.Args
	if len(args) == 2 {
		h, ok := lookupHash(c, c.DB(args[1]), args[1], false)
		switch {
		case !ok:
		case h == nil:
			c.Null()
		default:
			h.Sample(1, false, func(f, _ []byte) { c.Bulk(f) })
		}
		return
	}
	l, ok := ParseInt(args[2])
	if !ok {
		c.NotInt()
		return
	}
	if l == math.MinInt64 {
		c.Error(errCountRange)
		return
	}
	withValues := false
	if len(args) > 4 || (len(args) == 4 && !eqFold(cStringArg(args[3]), "withvalues")) {
		c.Syntax()
		return
	}
	if len(args) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.Error("ERR value is out of range")
			return
		}
	}
	h, ok := lookupHash(c, c.DB(args[1]), args[1], false)
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.Array(0)
		return
	}
	unique := l > 0
	count := int(l)
	if !unique {
		count = int(-l)
	}
	n := count
	if unique {
		n = min(count, h.Len())
	}
	// RESP2 flattens the pairs; RESP3 nests each in an array.
	if withValues && !c.Resp3 {
		c.Array(2 * n)
	} else {
		c.Array(n)
	}
	h.Sample(count, unique, func(f, v []byte) {
		if withValues && c.Resp3 {
			c.Array(2)
		}
		c.Bulk(f)
		if withValues {
			c.Bulk(v)
		}
	})
}

func cmdHScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	h, ok := lookupHash(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	if h == nil {
		emptyScan(c)
		return
	}
	count, pat, ok := parseScanOptions(c, c.Args[3:])
	if !ok {
		return
	}
	// The elements go to a side buffer: the reply states their number first.
	var body []byte
	n, seen := 0, int64(0)
	fn := func(f, v []byte) {
		// Redis filters after collecting, so entries a pattern drops still
		// count towards COUNT (fields and values both).
		seen += 2
		if pat == nil || GlobMatch(pat, f, false) {
			body = proto.AppendBulk(proto.AppendBulk(body, f), v)
			n += 2
		}
	}
	// As Redis: stop at count entries or after 10*count buckets.
	for budget := count * 10; ; budget-- {
		cursor = h.Scan(cursor, fn)
		if cursor == 0 || budget == 0 || seen >= count {
			break
		}
	}
	scanReply(c, cursor, n, body)
}

// scanReply is the reply of HSCAN and SSCAN: the next cursor and n elements
// already encoded in body.
func scanReply(c *Ctx, cursor uint64, n int, body []byte) {
	c.Array(2)
	c.BulkString(strconv.FormatUint(cursor, 10))
	c.Array(n)
	c.RawBytes(body)
}

// emptyScan is the reply of HSCAN and SSCAN for a missing key.
func emptyScan(c *Ctx) {
	c.Array(2)
	c.BulkString("0")
	c.Array(0)
}

// parseScanOptions parses the COUNT and MATCH options of HSCAN and SSCAN;
// a nil pattern matches everything.
func parseScanOptions(c *Ctx, args [][]byte) (count int64, pat []byte, ok bool) {
	count = 10
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.Syntax()
			return 0, nil, false
		}
		switch opt := cStringArg(args[i]); {
		case eqFold(opt, "count"):
			n, ok := ParseInt(args[i+1])
			if !ok {
				c.NotInt()
				return 0, nil, false
			}
			if n < 1 {
				c.Syntax()
				return 0, nil, false
			}
			count = n
		case eqFold(opt, "match"):
			pat = args[i+1]
			if len(pat) == 1 && pat[0] == '*' {
				pat = nil
			}
		default:
			c.Syntax()
			return 0, nil, false
		}
	}
	return count, pat, true
}
