package shard

import (
	"math"
	"slices"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/set"
)

// Sets live in Object.Val as setValue. A set that becomes empty is deleted,
// as in Redis, so a stored set always has a member.

func registerSets(t *Table) {
	st := func(c *Command) *Command {
		c.Group = "set"
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	one := KeySpec{First: 1, Last: 1, Step: 1}
	all := KeySpec{First: 1, Last: -1, Step: 1}
	ro := FlagReadonly | FlagFast
	readFast := []string{"read", "set", "fast"}
	readSlow := []string{"read", "set", "slow"}
	writeFast := []string{"write", "set", "fast"}
	writeSlow := []string{"write", "set", "slow"}
	interComplexity := "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
	unionComplexity := "O(N) where N is the total number of elements in all given sets."

	t.Add(st(&Command{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Keys: one, Run: cmdSAdd,
		Summary:    "Add one or more members to a set",
		Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		ACL:        writeFast}))
	t.Add(st(&Command{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdSRem,
		Summary: "Remove one or more members from a set", Complexity: "O(N) where N is the number of members to be removed.", ACL: writeFast}))
	t.Add(st(&Command{Name: "smembers", Arity: 2, Flags: FlagReadonly, Keys: one, Run: func(c *Ctx) { setInter(c, c.Args[1:], nil, false, 0) },
		Summary: "Get all the members in a set", Complexity: "O(N) where N is the set cardinality.", ACL: readSlow}))
	t.Add(st(&Command{Name: "sismember", Arity: 3, Flags: ro, Keys: one, Run: cmdSIsMember,
		Summary: "Determine if a given value is a member of a set", Complexity: "O(1)", ACL: readFast}))
	t.Add(st(&Command{Name: "smismember", Arity: -3, Flags: ro, Keys: one, Run: cmdSMIsMember, Since: "6.2.0",
		Summary: "Returns the membership associated with the given elements for a set", Complexity: "O(N) where N is the number of elements being checked for membership", ACL: readFast}))
	t.Add(st(&Command{Name: "scard", Arity: 2, Flags: ro, Keys: one, Run: cmdSCard,
		Summary: "Get the number of members in a set", Complexity: "O(1)", ACL: readFast}))
	t.Add(st(&Command{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdSPop,
		Summary: "Remove and return one or multiple random members from a set", Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", ACL: writeFast}))
	t.Add(st(&Command{Name: "srandmember", Arity: -2, Flags: FlagReadonly, Keys: one, Run: cmdSRandMember,
		Summary: "Get one or multiple random members from a set", Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", ACL: readSlow}))
	t.Add(st(&Command{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, Keys: KeySpec{First: 1, Last: 2, Step: 1}, Run: cmdSMove,
		Summary: "Move a member from one set to another", Complexity: "O(1)", ACL: writeFast}))
	t.Add(st(&Command{Name: "sinter", Arity: -2, Flags: FlagReadonly, Keys: all, Run: func(c *Ctx) { setInter(c, c.Args[1:], nil, false, 0) },
		Summary: "Intersect multiple sets", Complexity: interComplexity, ACL: readSlow}))
	t.Add(st(&Command{Name: "sunion", Arity: -2, Flags: FlagReadonly, Keys: all, Run: func(c *Ctx) { setUnionDiff(c, c.Args[1:], nil, false) },
		Summary: "Add multiple sets", Complexity: unionComplexity, ACL: readSlow}))
	t.Add(st(&Command{Name: "sdiff", Arity: -2, Flags: FlagReadonly, Keys: all, Run: func(c *Ctx) { setUnionDiff(c, c.Args[1:], nil, true) },
		Summary: "Subtract multiple sets", Complexity: unionComplexity, ACL: readSlow}))
	store := FlagWrite | FlagDenyOOM
	t.Add(st(&Command{Name: "sinterstore", WritesKey: 1, Arity: -3, Flags: store, Keys: all, Run: func(c *Ctx) { setInter(c, c.Args[2:], c.Args[1], false, 0) },
		Summary: "Intersect multiple sets and store the resulting set in a key", Complexity: interComplexity, ACL: writeSlow}))
	t.Add(st(&Command{Name: "sunionstore", WritesKey: 1, Arity: -3, Flags: store, Keys: all, Run: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Args[1], false) },
		Summary: "Add multiple sets and store the resulting set in a key", Complexity: unionComplexity, ACL: writeSlow}))
	t.Add(st(&Command{Name: "sdiffstore", WritesKey: 1, Arity: -3, Flags: store, Keys: all, Run: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Args[1], true) },
		Summary: "Subtract multiple sets and store the resulting set in a key", Complexity: unionComplexity, ACL: writeSlow}))
	t.Add(st(&Command{Name: "sintercard", Arity: -3, Flags: FlagReadonly, Keys: KeySpec{NumKeys: 1}, Run: cmdSInterCard, Since: "7.0.0",
		Summary: "Intersect multiple sets and return the cardinality of the result", Complexity: interComplexity, ACL: readSlow}))
	t.Add(st(&Command{Name: "sscan", Arity: -3, Flags: FlagReadonly, Keys: one, Run: cmdSScan, Since: "2.8.0",
		Summary:    "Incrementally iterate Set elements",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		ACL:        readSlow}))
}

// setValue is how a set sits in Object.Val: set.Set cannot name this
// package's Value in its Clone, so the adapter supplies it.
type setValue struct{ *set.Set }

func (v setValue) Clone() Value { return setValue{v.Set.Clone()} }

func setOf(o *Object) *set.Set { return o.Val.(setValue).Set }

// lookupSet finds key's set for reading (counting a hit or miss) or, with
// write set, for a command about to change it. It returns nil for a missing
// key; ok=false means it replied WRONGTYPE.
func lookupSet(c *Ctx, db *DB, key []byte, write bool) (s *set.Set, ok bool) {
	o, ok := lookupTyped(c, db, key, write, TypeSet)
	if o == nil {
		return nil, ok
	}
	return setOf(o), true
}

// storeSet makes s the value of key, replacing whatever was there and its
// TTL, as Redis's setKey does.
func storeSet(db *DB, key []byte, s *set.Set) {
	db.Set(key, &Object{Type: TypeSet, Val: setValue{s}})
}

func cmdSAdd(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	s, ok := lookupSet(c, db, key, true)
	if !ok {
		return
	}
	if s == nil {
		s = new(set.Set)
		storeSet(db, key, s)
	}
	added := 0
	for _, m := range c.Args[2:] {
		if s.Add(m) {
			added++
		}
	}
	if added == 0 {
		c.NoPropagate()
	} else {
		c.Notify(NotifySet, "sadd", key)
	}
	c.Int(int64(added))
}

func cmdSRem(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	s, ok := lookupSet(c, db, key, true)
	if !ok {
		return
	}
	removed := 0
	if s != nil {
		for _, m := range c.Args[2:] {
			if s.Remove(m) {
				removed++
			}
		}
		if removed > 0 {
			c.Notify(NotifySet, "srem", key)
		}
		if s.Len() == 0 {
			db.Delete(key, c.Now)
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	if removed == 0 {
		c.NoPropagate()
	}
	c.Int(int64(removed))
}

func cmdSIsMember(c *Ctx) {
	s, ok := lookupSet(c, c.DB(c.Args[1]), c.Args[1], false)
	switch {
	case !ok:
	case s != nil && s.Has(c.Args[2]):
		c.Int(1)
	default:
		c.Int(0)
	}
}

func cmdSMIsMember(c *Ctx) {
	s, ok := lookupSet(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	c.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.Has(m) {
			c.Int(1)
		} else {
			c.Int(0)
		}
	}
}

func cmdSCard(c *Ctx) {
	s, ok := lookupSet(c, c.DB(c.Args[1]), c.Args[1], false)
	switch {
	case !ok:
	case s == nil:
		c.Int(0)
	default:
		c.Int(int64(s.Len()))
	}
}

// sremBatch is how many members one propagated SREM carries when SPOP
// removes many, as Redis 7.2 batches them.
const sremBatch = 1024

func cmdSPop(c *Ctx) {
	if len(c.Args) > 3 {
		c.Syntax()
		return
	}
	if len(c.Args) == 3 {
		spopCount(c)
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	s, ok := lookupSet(c, db, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.NoPropagate()
		c.Null()
		return
	}
	var buf [20]byte
	m := s.Pop(buf[:])
	c.Notify(NotifySet, "spop", key)
	if s.Len() == 0 {
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Bulk(m)
	c.Propagate([]byte("SREM"), key, m)
}

// spopCount is SPOP with a count, propagated as SREMs of what it popped, or
// as a DEL when it took the whole set.
func spopCount(c *Ctx) {
	key := c.Args[1]
	n, ok := ParseInt(c.Args[2])
	if !ok || n < 0 {
		c.Error("ERR value is out of range, must be positive")
		return
	}
	db := c.DB(key)
	s, ok := lookupSet(c, db, key, true)
	if !ok {
		return
	}
	if s == nil || n == 0 {
		c.NoPropagate()
		c.Set(0)
		return
	}
	c.Notify(NotifySet, "spop", key)
	if n >= int64(s.Len()) {
		// Redis answers with SUNION of the key, which reads it again.
		setUnionDiff(c, c.Args[1:2], nil, false)
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
		return
	}
	c.Set(int(n))
	srem := [][]byte{[]byte("SREM"), key}
	var buf [20]byte
	for i := int64(0); i < n; i++ {
		m := s.Pop(buf[:])
		c.Bulk(m)
		srem = append(srem, append([]byte(nil), m...))
		if len(srem)-2 == sremBatch || i == n-1 {
			c.Propagate(srem...)
			srem = srem[:2]
		}
	}
}

// errCountRange refuses LONG_MIN, the one long that Redis's
// getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) leaves out of
// SRANDMEMBER's and HRANDFIELD's counts: its negation does not fit.
const errCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

func cmdSRandMember(c *Ctx) {
	args := c.Args
	if len(args) > 3 {
		c.Syntax()
		return
	}
	if len(args) == 2 {
		s, ok := lookupSet(c, c.DB(args[1]), args[1], false)
		switch {
		case !ok:
		case s == nil:
			c.Null()
		default:
			s.Sample(1, false, func(m []byte) { c.Bulk(m) })
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
	s, ok := lookupSet(c, c.DB(args[1]), args[1], false)
	if !ok {
		return
	}
	if s == nil || l == 0 {
		c.Array(0)
		return
	}
	count, unique := int(l), l > 0
	if !unique {
		count = int(-l)
	}
	if unique {
		c.Array(min(count, s.Len()))
	} else {
		c.Array(count)
	}
	s.Sample(count, unique, func(m []byte) { c.Bulk(m) })
}

// cmdSMove moves a member between sets that may live on different shards,
// which the engine then holds together. Both keys are looked up before
// anything is decided, as in Redis, so an expired destination is reclaimed
// even when the source is missing.
func cmdSMove(c *Ctx) {
	src, dst, m := c.Args[1], c.Args[2], c.Args[3]
	sdb, ddb := c.DB(src), c.DB(dst)
	so, do := sdb.Peek(src, c.Now), ddb.Peek(dst, c.Now)
	if so == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	if so.Type != TypeSet || (do != nil && do.Type != TypeSet) {
		c.WrongType()
		return
	}
	ss := setOf(so)
	if so == do {
		c.NoPropagate()
		if ss.Has(m) {
			c.Int(1)
		} else {
			c.Int(0)
		}
		return
	}
	if !ss.Remove(m) {
		c.NoPropagate()
		c.Int(0)
		return
	}
	c.Notify(NotifySet, "srem", src)
	if ss.Len() == 0 {
		sdb.Delete(src, c.Now)
		c.Notify(NotifyGeneric, "del", src)
	}
	var ds *set.Set
	if do == nil {
		ds = new(set.Set)
		storeSet(ddb, dst, ds)
	} else {
		ds = setOf(do)
	}
	if ds.Add(m) {
		c.Notify(NotifySet, "sadd", dst)
	}
	c.Int(1)
}

// lookupSets reads the sets of keys, nil for a missing key, as Redis's
// SINTER and SUNION do: every key counts a hit or miss until one has the
// wrong type, which ends the command with WRONGTYPE (ok=false).
func lookupSets(c *Ctx, keys [][]byte) (sets []*set.Set, missing bool, ok bool) {
	sets = make([]*set.Set, len(keys))
	for i, k := range keys {
		s, ok := lookupSet(c, c.DB(k), k, false)
		if !ok {
			return nil, false, false
		}
		sets[i] = s
		missing = missing || s == nil
	}
	return sets, missing, true
}

// storeSetResult ends SINTERSTORE, SUNIONSTORE and SDIFFSTORE: a non-empty
// result replaces dst, an empty one deletes it.
func storeSetResult(c *Ctx, dst []byte, res *set.Set) {
	db := c.DB(dst)
	if res != nil && res.Len() > 0 {
		storeSet(db, dst, res)
		c.notifyAsCommand(NotifySet, dst)
		c.Int(int64(res.Len()))
		return
	}
	if !db.Delete(dst, c.Now) {
		c.NoPropagate()
	} else {
		c.Notify(NotifyGeneric, "del", dst)
	}
	c.Int(0)
}

// setInter is SINTER and SMEMBERS (dst nil, card false), SINTERSTORE (dst
// set) and SINTERCARD (card set; limit 0 means none). As Redis does, it
// walks the smallest set and checks each member against the others.
func setInter(c *Ctx, keys [][]byte, dst []byte, card bool, limit int64) {
	sets, missing, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	switch {
	case !missing:
	case dst != nil:
		storeSetResult(c, dst, nil)
		return
	case card:
		c.Int(0)
		return
	default:
		c.Set(0)
		return
	}
	slices.SortStableFunc(sets, func(a, b *set.Set) int { return a.Len() - b.Len() })
	var res *set.Set
	if dst != nil {
		res = new(set.Set)
	}
	var body []byte
	n := int64(0)
	sets[0].Range(func(m []byte) bool {
		for _, s := range sets[1:] {
			if s != sets[0] && !s.Has(m) {
				return true
			}
		}
		n++
		switch {
		case card:
			return limit == 0 || n < limit
		case dst != nil:
			res.Add(m)
		default:
			body = proto.AppendBulk(body, m)
		}
		return true
	})
	switch {
	case card:
		c.Int(n)
	case dst != nil:
		storeSetResult(c, dst, res)
	default:
		c.Set(int(n))
		c.RawBytes(body)
	}
}

// setUnionDiff is SUNION and SDIFF (diff set), and their STORE forms when
// dst is set. The result is built as a new set, so it takes the form Redis
// gives it (an intset when every member is a small integer) and lists its
// members in that form's order.
func setUnionDiff(c *Ctx, keys [][]byte, dst []byte, diff bool) {
	sets, _, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	res := new(set.Set)
	add := func(m []byte) bool { res.Add(m); return true }
	switch {
	case !diff:
		for _, s := range sets {
			if s != nil {
				s.Range(add)
			}
		}
	case sets[0] != nil && diffByLookups(sets):
		sets[0].Range(func(m []byte) bool {
			for _, s := range sets[1:] {
				if s == sets[0] || (s != nil && s.Has(m)) {
					return true
				}
			}
			return add(m)
		})
	case sets[0] != nil:
		sets[0].Range(add)
		for _, s := range sets[1:] {
			if s == nil {
				continue
			}
			s.Range(func(m []byte) bool { res.Remove(m); return res.Len() > 0 })
			if res.Len() == 0 {
				break
			}
		}
	}
	if dst != nil {
		storeSetResult(c, dst, res)
		return
	}
	c.Set(res.Len())
	res.Range(func(m []byte) bool { c.Bulk(m); return true })
}

// diffByLookups chooses between Redis's two SDIFF algorithms: checking each
// member of the first set against the others costs about |first| times the
// number of sets, removing the others' members from a copy of the first
// costs their total size. Like Redis it favours the first, whose steps are
// cheaper.
func diffByLookups(sets []*set.Set) bool {
	lookups, total := 0, 0
	for _, s := range sets {
		if s != nil {
			lookups += sets[0].Len()
			total += s.Len()
		}
	}
	return lookups/2 <= total
}

func cmdSInterCard(c *Ctx) {
	args := c.Args
	numkeys, ok := ParseInt(args[1])
	if !ok || numkeys < 1 {
		c.Error("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(args)-2) {
		c.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	limit := int64(0)
	for j := 2 + int(numkeys); j < len(args); j++ {
		if !eqFold(cStringArg(args[j]), "limit") || j+1 == len(args) {
			c.Syntax()
			return
		}
		j++
		l, ok := ParseInt(args[j])
		if !ok || l < 0 {
			c.Error("ERR LIMIT can't be negative")
			return
		}
		limit = l
	}
	setInter(c, args[2:2+numkeys], nil, true, limit)
}

func cmdSScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	s, ok := lookupSet(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		emptyScan(c)
		return
	}
	count, pat, ok := parseScanOptions(c, c.Args[3:])
	if !ok {
		return
	}
	var body []byte
	n, seen := 0, int64(0)
	fn := func(m []byte) {
		seen++
		if pat == nil || GlobMatch(pat, m, false) {
			body = proto.AppendBulk(body, m)
			n++
		}
	}
	for budget := count * 10; ; budget-- {
		cursor = s.Scan(cursor, fn)
		if cursor == 0 || budget == 0 || seen >= count {
			break
		}
	}
	scanReply(c, cursor, n, body)
}
