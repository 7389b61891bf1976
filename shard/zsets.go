package shard

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/set"
	"github.com/shoal-db/shoal/shard/zset"
)

// sortedSet is a sorted set value (Object.Val of a TypeZSet key).
type sortedSet struct{ zset.Set }

// Clone returns a deep copy, for COPY.
func (s *sortedSet) Clone() Value { return &sortedSet{Set: *s.Set.Clone()} }

// newSortedSet returns an empty sorted set in the form Redis 7.0 creates
// for a first member of length firstLen.
func newSortedSet(firstLen int) *sortedSet { return &sortedSet{Set: *zset.New(firstLen)} }

func registerZSets(t *Table) {
	z := func(c *Command) *Command {
		c.Group = "sorted-set"
		return c
	}
	one := KeySpec{First: 1, Last: 1, Step: 1}
	wr := FlagWrite | FlagDenyOOM
	readFast := []string{"read", "sortedset", "fast"}
	readSlow := []string{"read", "sortedset", "slow"}
	writeFast := []string{"write", "sortedset", "fast"}
	writeSlow := []string{"write", "sortedset", "slow"}
	rangeCx := "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
	limitCx := "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
	removeCx := "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
	unionCx := "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
	interCx := "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
	diffCx := "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."
	// ZUNIONSTORE and friends write a destination (argument 1) and read
	// numkeys sources (argument 2). The table's KeyIndexes reports only the
	// sources of such a spec, so these commands hold every shard instead,
	// which keeps them correct whichever shard the destination is on.
	storeKeys := KeySpec{First: 1, Last: 1, Step: 1, NumKeys: 2}

	t.Add(z(&Command{Name: "zadd", Arity: -4, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { zadd(c, 0) }, Since: "1.2.0",
		Summary:    "Add one or more members to a sorted set, or update its score if it already exists",
		Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", ACL: writeFast}))
	t.Add(z(&Command{Name: "zincrby", Arity: 4, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { zadd(c, zaddIncr) }, Since: "1.2.0",
		Summary:    "Increment the score of a member in a sorted set",
		Complexity: "O(log(N)) where N is the number of elements in the sorted set.", ACL: writeFast}))
	t.Add(z(&Command{Name: "zrem", Arity: -3, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdZRem, Since: "1.2.0",
		Summary:    "Remove one or more members from a sorted set",
		Complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", ACL: writeFast}))
	t.Add(z(&Command{Name: "zcard", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdZCard, Since: "1.2.0",
		Summary: "Get the number of members in a sorted set", Complexity: "O(1)", ACL: readFast}))
	t.Add(z(&Command{Name: "zscore", Arity: 3, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdZScore, Since: "1.2.0",
		Summary: "Get the score associated with the given member in a sorted set", Complexity: "O(1)", ACL: readFast}))
	t.Add(z(&Command{Name: "zmscore", Arity: -3, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdZMScore, Since: "6.2.0",
		Summary:    "Get the score associated with the given members in a sorted set",
		Complexity: "O(N) where N is the number of members being requested.", ACL: readFast}))
	t.Add(z(&Command{Name: "zrank", Arity: -3, Flags: FlagReadonly | FlagFast, Keys: one, Run: func(c *Ctx) { zrank(c, false) }, Since: "2.0.0",
		Summary: "Determine the index of a member in a sorted set", Complexity: "O(log(N))", ACL: readFast}))
	t.Add(z(&Command{Name: "zrevrank", Arity: -3, Flags: FlagReadonly | FlagFast, Keys: one, Run: func(c *Ctx) { zrank(c, true) }, Since: "2.0.0",
		Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Complexity: "O(log(N))", ACL: readFast}))

	t.Add(z(&Command{Name: "zrange", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "1.2.0",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeAuto, zdirAuto) },
		Summary: "Return a range of members in a sorted set", Complexity: rangeCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zrangestore", WritesKey: 1, Arity: -5, Flags: wr, Keys: KeySpec{First: 1, Last: 2, Step: 1}, Since: "6.2.0",
		Run:        func(c *Ctx) { zrangeGeneric(c, 2, true, zrangeAuto, zdirAuto) },
		Summary:    "Store a range of members from sorted set into another key",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", ACL: writeSlow}))
	t.Add(z(&Command{Name: "zrevrange", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "1.2.0",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeRank, zdirReverse) },
		Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Complexity: rangeCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zrangebyscore", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "1.0.5",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeScore, zdirForward) },
		Summary: "Return a range of members in a sorted set, by score", Complexity: limitCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zrevrangebyscore", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "2.2.0",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeScore, zdirReverse) },
		Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Complexity: limitCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zrangebylex", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "2.8.9",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeLex, zdirForward) },
		Summary: "Return a range of members in a sorted set, by lexicographical range", Complexity: limitCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zrevrangebylex", Arity: -4, Flags: FlagReadonly, Keys: one, Since: "2.8.9",
		Run:     func(c *Ctx) { zrangeGeneric(c, 1, false, zrangeLex, zdirReverse) },
		Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Complexity: limitCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zcount", Arity: 4, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdZCount, Since: "2.0.0",
		Summary:    "Count the members in a sorted set with scores within the given values",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set.", ACL: readFast}))
	t.Add(z(&Command{Name: "zlexcount", Arity: 4, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdZLexCount, Since: "2.8.9",
		Summary:    "Count the number of members in a sorted set between a given lexicographical range",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set.", ACL: readFast}))

	popCx := "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
	t.Add(z(&Command{Name: "zpopmin", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: func(c *Ctx) { zpopMinMax(c, false) }, Since: "5.0.0",
		Summary: "Remove and return members with the lowest scores in a sorted set", Complexity: popCx, ACL: writeFast}))
	t.Add(z(&Command{Name: "zpopmax", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: func(c *Ctx) { zpopMinMax(c, true) }, Since: "5.0.0",
		Summary: "Remove and return members with the highest scores in a sorted set", Complexity: popCx, ACL: writeFast}))
	t.Add(z(&Command{Name: "zmpop", Arity: -4, Flags: FlagWrite, Keys: KeySpec{NumKeys: 1}, Run: cmdZMPop, Since: "7.0.0",
		Summary:    "Remove and return members with scores in a sorted set",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", ACL: writeSlow}))

	t.Add(z(&Command{Name: "zremrangebyrank", Arity: 4, Flags: FlagWrite, Keys: one, Run: func(c *Ctx) { zremrange(c, zrangeRank) }, Since: "2.0.0",
		Summary: "Remove all members in a sorted set within the given indexes", Complexity: removeCx, ACL: writeSlow}))
	t.Add(z(&Command{Name: "zremrangebyscore", Arity: 4, Flags: FlagWrite, Keys: one, Run: func(c *Ctx) { zremrange(c, zrangeScore) }, Since: "1.2.0",
		Summary: "Remove all members in a sorted set within the given scores", Complexity: removeCx, ACL: writeSlow}))
	t.Add(z(&Command{Name: "zremrangebylex", Arity: 4, Flags: FlagWrite, Keys: one, Run: func(c *Ctx) { zremrange(c, zrangeLex) }, Since: "2.8.9",
		Summary: "Remove all members in a sorted set between the given lexicographical range", Complexity: removeCx, ACL: writeSlow}))

	numKeys := KeySpec{NumKeys: 1}
	t.Add(z(&Command{Name: "zunion", Arity: -3, Flags: FlagReadonly, Keys: numKeys, Run: func(c *Ctx) { zsetOp(c, nil, 1, zopUnion, false) }, Since: "6.2.0",
		Summary: "Add multiple sorted sets", Complexity: unionCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zinter", Arity: -3, Flags: FlagReadonly, Keys: numKeys, Run: func(c *Ctx) { zsetOp(c, nil, 1, zopInter, false) }, Since: "6.2.0",
		Summary: "Intersect multiple sorted sets", Complexity: interCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zdiff", Arity: -3, Flags: FlagReadonly, Keys: numKeys, Run: func(c *Ctx) { zsetOp(c, nil, 1, zopDiff, false) }, Since: "6.2.0",
		Summary: "Subtract multiple sorted sets", Complexity: diffCx, ACL: readSlow}))
	t.Add(z(&Command{Name: "zintercard", Arity: -3, Flags: FlagReadonly, Keys: numKeys, Run: func(c *Ctx) { zsetOp(c, nil, 1, zopInter, true) }, Since: "7.0.0",
		Summary:    "Intersect multiple sorted sets and return the cardinality of the result",
		Complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", ACL: readSlow}))
	t.Add(z(&Command{Name: "zunionstore", WritesKey: 1, Arity: -4, Flags: wr, Keys: storeKeys, Since: "2.0.0",
		Run:        func(c *Ctx) { zsetOp(c, c.Args[1], 2, zopUnion, false) },
		Summary:    "Add multiple sorted sets and store the resulting sorted set in a new key",
		Complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", ACL: writeSlow}))
	t.Add(z(&Command{Name: "zinterstore", WritesKey: 1, Arity: -4, Flags: wr, Keys: storeKeys, Since: "2.0.0",
		Run:     func(c *Ctx) { zsetOp(c, c.Args[1], 2, zopInter, false) },
		Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Complexity: interCx, ACL: writeSlow}))
	t.Add(z(&Command{Name: "zdiffstore", WritesKey: 1, Arity: -4, Flags: wr, Keys: storeKeys, Since: "6.2.0",
		Run:     func(c *Ctx) { zsetOp(c, c.Args[1], 2, zopDiff, false) },
		Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Complexity: diffCx, ACL: writeSlow}))

	t.Add(z(&Command{Name: "zrandmember", Arity: -2, Flags: FlagReadonly, Keys: one, Run: cmdZRandMember, Since: "6.2.0",
		Summary: "Get one or multiple random elements from a sorted set", Complexity: "O(N) where N is the number of elements returned", ACL: readSlow}))
	t.Add(z(&Command{Name: "zscan", Arity: -3, Flags: FlagReadonly, Keys: one, Run: cmdZScan, Since: "2.8.0",
		Summary:    "Incrementally iterate sorted sets elements and associated scores",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", ACL: readSlow}))
}

// zsetOf returns the sorted set held by o, replying WRONGTYPE when o holds
// another type.
func zsetOf(c *Ctx, o *Object) (*sortedSet, bool) {
	if o.Type != TypeZSet {
		c.WrongType()
		return nil, false
	}
	return o.Val.(*sortedSet), true
}

// lookupZSet finds key for a command that reads it. It returns nil, having
// replied, when the key holds another type; missing reports an absent key,
// for which the caller replies.
func lookupZSet(c *Ctx, key []byte) (zs *sortedSet, missing bool) {
	o := c.DB(key).Lookup(key, c.Now)
	if o == nil {
		return nil, true
	}
	zs, _ = zsetOf(c, o)
	return zs, false
}

// zsetOption reports whether argument a is the option word (lower case), compared
// as Redis's strcasecmp compares C strings.
func zsetOption(a []byte, word string) bool { return eqFold(cStringArg(a), word) }

// ZADD flags.
const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddCH
	zaddIncr
)

// zadd is ZADD, and ZINCRBY (flags zaddIncr), which Redis parses the same
// way, options included.
func zadd(c *Ctx, flags int) {
	key := c.Args[1]
	i := 2
options:
	for ; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case zsetOption(a, "nx"):
			flags |= zaddNX
		case zsetOption(a, "xx"):
			flags |= zaddXX
		case zsetOption(a, "ch"):
			flags |= zaddCH
		case zsetOption(a, "incr"):
			flags |= zaddIncr
		case zsetOption(a, "gt"):
			flags |= zaddGT
		case zsetOption(a, "lt"):
			flags |= zaddLT
		default:
			break options
		}
	}
	pairs := c.Args[i:]
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		c.Syntax()
		return
	}
	nx, xx, gt, lt, incr := flags&zaddNX != 0, flags&zaddXX != 0, flags&zaddGT != 0, flags&zaddLT != 0, flags&zaddIncr != 0
	switch {
	case nx && xx:
		c.Error("ERR XX and NX options at the same time are not compatible")
		return
	case gt && nx || lt && nx || gt && lt:
		c.Error("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	case incr && len(pairs) > 2:
		c.Error("ERR INCR option supports a single increment-element pair")
		return
	}
	var buf [8]float64
	scores := buf[:0]
	for j := 0; j < len(pairs); j += 2 {
		v, ok := parseScore(pairs[j])
		if !ok {
			c.Error(proto.ErrNotFloat)
			return
		}
		scores = append(scores, v)
	}

	db := c.DB(key)
	o := db.Peek(key, c.Now)
	var zs *sortedSet
	if o == nil {
		if xx {
			if incr {
				c.Null()
			} else {
				c.Int(0)
			}
			c.NoPropagate()
			return
		}
		zs = newSortedSet(len(pairs[1]))
		db.Set(key, &Object{Type: TypeZSet, Val: zs})
	} else {
		var ok bool
		if zs, ok = zsetOf(c, o); !ok {
			return
		}
	}
	added, updated, processed := 0, 0, 0
	var score float64
	for j, s := range scores {
		member := pairs[2*j+1]
		score = s
		cur, exists := zs.Score(member)
		switch {
		case exists && nx:
			continue
		case exists:
			if incr {
				score += cur
				if math.IsNaN(score) {
					c.Error("ERR resulting score is not a number (NaN)")
					return
				}
			}
			if lt && score >= cur || gt && score <= cur {
				continue
			}
			processed++
			if score != cur {
				zs.Update(member, cur, score)
				updated++
			}
		case !xx:
			zs.Add(member, score)
			added++
			processed++
		}
	}
	switch {
	case !incr && flags&zaddCH != 0:
		c.Int(int64(added + updated))
	case !incr:
		c.Int(int64(added))
	case processed > 0:
		c.Double(score)
	default:
		c.Null()
	}
	if added+updated == 0 {
		c.NoPropagate()
	} else if incr {
		c.Notify(NotifyZSet, "zincr", key)
	} else {
		c.Notify(NotifyZSet, "zadd", key)
	}
	if added > 0 {
		c.KeyReady(key)
	}
}

func cmdZRem(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	o := db.Peek(key, c.Now)
	if o == nil {
		c.Int(0)
		c.NoPropagate()
		return
	}
	zs, ok := zsetOf(c, o)
	if !ok {
		return
	}
	deleted, removed := 0, false
	for _, m := range c.Args[2:] {
		if zs.Delete(m) {
			deleted++
		}
		if zs.Len() == 0 {
			removed = db.Delete(key, c.Now)
			break
		}
	}
	if deleted == 0 {
		c.NoPropagate()
	} else {
		c.Notify(NotifyZSet, "zrem", key)
	}
	if removed {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Int(int64(deleted))
}

func cmdZCard(c *Ctx) {
	zs, missing := lookupZSet(c, c.Args[1])
	switch {
	case missing:
		c.Int(0)
	case zs != nil:
		c.Int(int64(zs.Len()))
	}
}

func cmdZScore(c *Ctx) {
	zs, missing := lookupZSet(c, c.Args[1])
	if missing {
		c.Null()
		return
	}
	if zs == nil {
		return
	}
	if score, ok := zs.Score(c.Args[2]); ok {
		c.Double(score)
	} else {
		c.Null()
	}
}

func cmdZMScore(c *Ctx) {
	zs, missing := lookupZSet(c, c.Args[1])
	if zs == nil && !missing {
		return
	}
	c.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if zs == nil {
			c.Null()
		} else if score, ok := zs.Score(m); ok {
			c.Double(score)
		} else {
			c.Null()
		}
	}
}

// zrank is ZRANK and ZREVRANK, with Redis 7.2's WITHSCORE.
func zrank(c *Ctx, rev bool) {
	if len(c.Args) > 4 {
		c.WrongArity()
		return
	}
	withScore := len(c.Args) == 4
	if withScore && !zsetOption(c.Args[3], "withscore") {
		c.Syntax()
		return
	}
	none := func() {
		if withScore {
			c.NullArray()
		} else {
			c.Null()
		}
	}
	zs, missing := lookupZSet(c, c.Args[1])
	if missing {
		none()
		return
	}
	if zs == nil {
		return
	}
	rank, score, ok := zs.Rank(c.Args[2])
	if !ok {
		none()
		return
	}
	if rev {
		rank = zs.Len() - 1 - rank
	}
	if withScore {
		c.Array(2)
		c.Int(int64(rank))
		c.Double(score)
		return
	}
	c.Int(int64(rank))
}

// zrangeHeader writes the header of a reply listing n elements: with scores,
// a flat array in RESP2 and an array of [member, score] pairs in RESP3 (not
// a map, which would lose the order), as Redis 7 replies.
func zrangeHeader(c *Ctx, n int, withScores bool) {
	if withScores && !c.Resp3 {
		c.Array(2 * n)
		return
	}
	c.Array(n)
}

// zrangeElement writes one element of a reply started by zrangeHeader.
func zrangeElement(c *Ctx, member []byte, score float64, withScores bool) {
	if withScores && c.Resp3 {
		c.Array(2)
	}
	c.Bulk(member)
	if withScores {
		c.Double(score)
	}
}

// zreplyRange replies with the elements of ranks [lo, hi) of zs, from hi-1
// down with rev.
func zreplyRange(c *Ctx, zs *sortedSet, lo, hi int, rev, withScores bool) {
	zrangeHeader(c, max(hi-lo, 0), withScores)
	zs.Range(lo, hi, rev, func(m []byte, score float64) { zrangeElement(c, m, score, withScores) })
}

// zstore makes zs the value of dst, or deletes dst when zs is empty,
// and replies with zs's size: the end of every Z*STORE.
func zstore(c *Ctx, dst []byte, zs *sortedSet) {
	db := c.DB(dst)
	if zs.Len() == 0 {
		c.Int(0)
		if !db.Delete(dst, c.Now) {
			c.NoPropagate()
			return
		}
		c.Notify(NotifyGeneric, "del", dst)
	} else {
		db.Set(dst, &Object{Type: TypeZSet, Val: zs})
		c.Int(int64(zs.Len()))
		// The event is the command's name: zunionstore, zrangestore, ...
		c.Notify(NotifyZSet, c.cmdName(), dst)
		c.KeyReady(dst)
	}
}

type zrangeKind uint8

const (
	zrangeAuto zrangeKind = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir uint8

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

// zrankRange turns ZRANGE's start and stop (negative counts from the end)
// into ranks [lo, hi) of a set of n elements, as Redis sanitizes them.
func zrankRange(start, stop int64, n int) (lo, hi int) {
	if start < 0 {
		start += int64(n)
	}
	if stop < 0 {
		stop += int64(n)
	}
	start = max(start, 0)
	if start > stop || start >= int64(n) {
		return 0, 0
	}
	stop = min(stop, int64(n)-1)
	return int(start), int(stop) + 1
}

// zlimitRange applies LIMIT offset count to the ranks [lo, hi) of a score or
// lex range read in order (or backwards with rev). A negative offset selects
// nothing and a negative count everything, as in Redis.
func zlimitRange(lo, hi int, offset, count int64, rev bool) (int, int) {
	n := int64(hi - lo)
	if n <= 0 || offset < 0 || offset >= n {
		return 0, 0
	}
	m := n - offset
	if count >= 0 && count < m {
		m = count
	}
	if rev {
		return hi - int(offset+m), hi - int(offset)
	}
	return lo + int(offset), lo + int(offset+m)
}

// zrangeGeneric is ZRANGE and ZRANGESTORE (store, with the source at
// argStart) and the older range commands, which fix the kind and direction.
func zrangeGeneric(c *Ctx, argStart int, store bool, kind zrangeKind, dir zrangeDir) {
	minIdx, maxIdx := argStart+1, argStart+2
	withScores := false
	offset, count := int64(0), int64(-1)
	for j := argStart + 3; j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		a := c.Args[j]
		switch {
		case !store && zsetOption(a, "withscores"):
			withScores = true
		case zsetOption(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = ParseInt(c.Args[j+1]); !ok {
				c.NotInt()
				return
			}
			if count, ok = ParseInt(c.Args[j+2]); !ok {
				c.NotInt()
				return
			}
			j += 2
		case dir == zdirAuto && zsetOption(a, "rev"):
			dir = zdirReverse
		case kind == zrangeAuto && zsetOption(a, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && zsetOption(a, "byscore"):
			kind = zrangeScore
		default:
			c.Syntax()
			return
		}
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	rev := dir == zdirReverse
	// Redis tells LIMIT apart by its count, so "LIMIT 0 -1" passes here.
	if count != -1 && kind == zrangeRank {
		c.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withScores && kind == zrangeLex {
		c.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	if rev && kind != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, stop int64
	var scores zset.ScoreRange
	var lex zset.LexRange
	ok := true
	switch kind {
	case zrangeRank:
		if start, ok = ParseInt(c.Args[minIdx]); !ok {
			c.NotInt()
			return
		}
		if stop, ok = ParseInt(c.Args[maxIdx]); !ok {
			c.NotInt()
			return
		}
	case zrangeScore:
		scores, ok = parseScoreRange(c, c.Args[minIdx], c.Args[maxIdx])
	case zrangeLex:
		lex, ok = parseLexRange(c, c.Args[minIdx], c.Args[maxIdx])
	}
	if !ok {
		return
	}

	src, missing := lookupZSet(c, c.Args[argStart])
	if missing {
		if store {
			zstore(c, c.Args[1], newSortedSet(0))
		} else {
			c.Array(0)
		}
		return
	}
	if src == nil {
		return
	}
	var lo, hi int
	switch kind {
	case zrangeRank:
		lo, hi = zrankRange(start, stop, src.Len())
		if rev {
			// start and stop count from the highest element.
			lo, hi = src.Len()-hi, src.Len()-lo
		}
	case zrangeScore:
		lo, hi = src.ScoreRanks(scores)
		lo, hi = zlimitRange(lo, hi, offset, count, rev)
	case zrangeLex:
		lo, hi = src.LexRanks(lex, rev)
		lo, hi = zlimitRange(lo, hi, offset, count, rev)
	}
	if !store {
		zreplyRange(c, src, lo, hi, rev, withScores)
		return
	}
	dst := newSortedSet(0)
	src.Range(lo, hi, rev, func(m []byte, score float64) { dst.Add(m, score) })
	zstore(c, c.Args[1], dst)
}

func cmdZCount(c *Ctx) {
	r, ok := parseScoreRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	zs, missing := lookupZSet(c, c.Args[1])
	switch {
	case missing:
		c.Int(0)
	case zs != nil:
		lo, hi := zs.ScoreRanks(r)
		c.Int(int64(max(hi-lo, 0)))
	}
}

func cmdZLexCount(c *Ctx) {
	r, ok := parseLexRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	zs, missing := lookupZSet(c, c.Args[1])
	switch {
	case missing:
		c.Int(0)
	case zs != nil:
		lo, hi := zs.LexRanks(r, false)
		c.Int(int64(max(hi-lo, 0)))
	}
}

// zremrange is ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX.
func zremrange(c *Ctx, kind zrangeKind) {
	var start, stop int64
	var scores zset.ScoreRange
	var lex zset.LexRange
	ok := true
	switch kind {
	case zrangeRank:
		if start, ok = ParseInt(c.Args[2]); ok {
			stop, ok = ParseInt(c.Args[3])
		}
		if !ok {
			c.NotInt()
		}
	case zrangeScore:
		scores, ok = parseScoreRange(c, c.Args[2], c.Args[3])
	case zrangeLex:
		lex, ok = parseLexRange(c, c.Args[2], c.Args[3])
	}
	if !ok {
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	o := db.Peek(key, c.Now)
	if o == nil {
		c.Int(0)
		c.NoPropagate()
		return
	}
	zs, ok := zsetOf(c, o)
	if !ok {
		return
	}
	var lo, hi int
	switch kind {
	case zrangeRank:
		lo, hi = zrankRange(start, stop, zs.Len())
	case zrangeScore:
		lo, hi = zs.ScoreRanks(scores)
	case zrangeLex:
		lo, hi = zs.LexRanks(lex, false)
	}
	n := max(hi-lo, 0)
	zs.DeleteRange(lo, hi)
	if n == 0 {
		c.NoPropagate()
	} else {
		// The event is the command's name: zremrangebyrank, ...
		c.Notify(NotifyZSet, c.cmdName(), key)
	}
	if zs.Len() == 0 && db.Delete(key, c.Now) {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Int(int64(n))
}

func zpopMinMax(c *Ctx, highest bool) {
	if len(c.Args) > 3 {
		c.Syntax()
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		v, ok := ParseInt(c.Args[2])
		if !ok || v < 0 {
			c.Error("ERR value is out of range, must be positive")
			return
		}
		count = v
	}
	// RESP3 nests [member, score] pairs only when a count was given.
	if _, n := zpop(c, c.Args[1:2], highest, count, zpopReply{nested: c.Resp3 && count != -1}); n == 0 {
		c.NoPropagate()
	}
}

// zpopReply is the shape of a pop's reply, after Redis's genericZpopCommand:
// ZPOPMIN and ZPOPMAX list member, score, member, score … (nested in RESP3
// when a count was given); ZMPOP and BZMPOP (emitKey, nested,
// nilWhenEmpty) reply [key, [[member, score], …]] or a null array;
// BZPOPMIN and BZPOPMAX (emitKey) reply [key, member, score].
type zpopReply struct {
	emitKey, nested, nilWhenEmpty bool
}

// zpop pops up to count elements (-1: one, in the plain form) from the low
// end of the first existing sorted set among keys, or the high end with
// highest, and replies in the shape form asks for. It returns the key popped
// from and how many elements it popped.
func zpop(c *Ctx, keys [][]byte, highest bool, count int64, form zpopReply) ([]byte, int) {
	var zs *sortedSet
	var key []byte
	for _, k := range keys {
		o := c.DB(k).Peek(k, c.Now)
		if o == nil {
			continue
		}
		var ok bool
		if zs, ok = zsetOf(c, o); !ok {
			return nil, 0
		}
		key = k
		break
	}
	switch {
	case zs == nil && form.nilWhenEmpty:
		c.NullArray()
		return nil, 0
	case zs == nil, count == 0:
		c.Array(0)
		return nil, 0
	}
	if count < 0 {
		count = 1
	}
	size := zs.Len()
	n := int(min(count, int64(size)))
	switch {
	case form.emitKey && form.nested:
		c.Array(2)
		c.Bulk(key)
		c.Array(n)
	case form.emitKey:
		c.Array(2*n + 1)
		c.Bulk(key)
	case form.nested:
		c.Array(n)
	default:
		c.Array(2 * n)
	}
	lo, hi := 0, n
	if highest {
		lo, hi = size-n, size
	}
	zs.Range(lo, hi, highest, func(m []byte, score float64) {
		if form.nested {
			c.Array(2)
		}
		c.Bulk(m)
		c.Double(score)
	})
	zs.DeleteRange(lo, hi)
	if highest {
		c.Notify(NotifyZSet, "zpopmax", key)
	} else {
		c.Notify(NotifyZSet, "zpopmin", key)
	}
	if zs.Len() == 0 && c.DB(key).Delete(key, c.Now) {
		c.Notify(NotifyGeneric, "del", key)
	}
	return key, n
}

// cmdZMPop is ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
func cmdZMPop(c *Ctx) {
	keys, highest, count, ok := parseZMPop(c, c.Args[1:])
	if !ok {
		return
	}
	key, n := zpop(c, keys, highest, count, zpopReply{emitKey: true, nested: true, nilWhenEmpty: true})
	if n == 0 {
		c.NoPropagate()
		return
	}
	propagateZPop(c, key, highest, n)
}

// parseZMPop parses "numkeys key ... MIN|MAX [COUNT n]" (ZMPOP and BZMPOP).
func parseZMPop(c *Ctx, args [][]byte) (keys [][]byte, highest bool, count int64, ok bool) {
	numKeys, ok := ParseInt(args[0])
	if !ok || numKeys < 1 {
		c.Error("ERR numkeys should be greater than 0")
		return nil, false, 0, false
	}
	if numKeys > int64(len(args)-2) {
		c.Syntax()
		return nil, false, 0, false
	}
	whereIdx := 1 + int(numKeys)
	switch {
	case zsetOption(args[whereIdx], "min"):
	case zsetOption(args[whereIdx], "max"):
		highest = true
	default:
		c.Syntax()
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(args); j++ {
		if count == -1 && zsetOption(args[j], "count") && j+1 < len(args) {
			j++
			v, ok := ParseInt(args[j])
			if !ok || v < 1 {
				c.Error("ERR count should be greater than 0")
				return nil, false, 0, false
			}
			count = v
			continue
		}
		c.Syntax()
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return args[1:whereIdx], highest, count, true
}

// propagateZPop journals a pop of n elements from key as the ZPOPMIN or
// ZPOPMAX that has the same effect.
func propagateZPop(c *Ctx, key []byte, highest bool, n int) {
	name := "ZPOPMIN"
	if highest {
		name = "ZPOPMAX"
	}
	c.Propagate([]byte(name), key, strconv.AppendInt(nil, int64(n), 10))
}

// Set operations of zsetOp.
const (
	zopUnion = iota
	zopInter
	zopDiff
)

// Aggregates of ZUNION and ZINTER.
const (
	zaggSum = iota
	zaggMin
	zaggMax
)

func zaggregate(target *float64, v float64, agg int) {
	switch agg {
	case zaggSum:
		*target += v
		// inf + -inf is NaN; Redis makes it 0.
		if math.IsNaN(*target) {
			*target = 0
		}
	// Not Go's min and max, which order -0 before 0: Redis keeps the
	// current value unless the new one compares strictly lower (higher).
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

// zelem is an element of a computed result.
type zelem struct {
	member string
	score  float64
}

// setAsZSet is a set as the sorted set of its members, each scoring 1.
func setAsZSet(st *set.Set) *sortedSet {
	zs := newSortedSet(0)
	st.Range(func(m []byte) bool {
		zs.Add(m, 1)
		return true
	})
	return zs
}

// zsetOp is ZUNION, ZINTER, ZDIFF, ZINTERCARD (cardOnly) and, with a
// destination, ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE, following Redis's
// zunionInterDiffGenericCommand: the numkeys argument is at numKeysIdx.
// Plain sets are accepted as inputs, each member scoring 1, as in Redis.
func zsetOp(c *Ctx, dst []byte, numKeysIdx int, op int, cardOnly bool) {
	setnum, ok := ParseInt(c.Args[numKeysIdx])
	if !ok {
		c.NotInt()
		return
	}
	if setnum < 1 {
		c.Error(fmt.Sprintf("ERR at least 1 input key is needed for '%s' command", c.cmdName()))
		return
	}
	if setnum > int64(len(c.Args)-numKeysIdx-1) {
		c.Syntax()
		return
	}
	type source struct {
		zs     *sortedSet
		weight float64
	}
	srcs := make([]source, setnum)
	j := numKeysIdx + 1
	for i := range srcs {
		k := c.Args[j]
		j++
		db := c.DB(k)
		var o *Object
		if dst != nil {
			o = db.Peek(k, c.Now)
		} else {
			o = db.Lookup(k, c.Now)
		}
		switch {
		case o == nil:
		case o.Type == TypeZSet:
			srcs[i].zs = o.Val.(*sortedSet)
		case o.Type == TypeSet:
			srcs[i].zs = setAsZSet(setOf(o))
		default:
			c.WrongType()
			return
		}
		srcs[i].weight = 1
	}
	agg := zaggSum
	withScores := false
	var limit int64
	for j < len(c.Args) {
		remaining := len(c.Args) - j
		a := c.Args[j]
		switch {
		case op != zopDiff && !cardOnly && remaining >= len(srcs)+1 && zsetOption(a, "weights"):
			j++
			for i := range srcs {
				w, ok := parseScore(c.Args[j])
				if !ok {
					c.Error("ERR weight value is not a float")
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && zsetOption(a, "aggregate"):
			switch v := c.Args[j+1]; {
			case zsetOption(v, "sum"):
				agg = zaggSum
			case zsetOption(v, "min"):
				agg = zaggMin
			case zsetOption(v, "max"):
				agg = zaggMax
			default:
				c.Syntax()
				return
			}
			j += 2
		case dst == nil && !cardOnly && zsetOption(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && zsetOption(a, "limit"):
			v, ok := ParseInt(c.Args[j+1])
			if !ok || v < 0 {
				c.Error("ERR LIMIT can't be negative")
				return
			}
			limit = v
			j += 2
		default:
			c.Syntax()
			return
		}
	}
	size := func(s source) int {
		if s.zs == nil {
			return 0
		}
		return s.zs.Len()
	}
	if op != zopDiff {
		// Smallest first, as Redis orders them (its qsort is glibc's merge
		// sort, stable): the order decides how float sums round.
		slices.SortStableFunc(srcs, func(a, b source) int { return cmp.Compare(size(a), size(b)) })
	}

	var out []zelem
	cardinality := int64(0)
	switch op {
	case zopInter:
		if size(srcs[0]) == 0 {
			break
		}
		srcs[0].zs.Range(0, srcs[0].zs.Len(), false, func(m []byte, s float64) {
			if limit > 0 && cardinality >= limit {
				return
			}
			score := srcs[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			for _, src := range srcs[1:] {
				v, ok := src.zs.Score(m)
				if !ok {
					return
				}
				zaggregate(&score, v*src.weight, agg)
			}
			cardinality++
			if !cardOnly {
				out = append(out, zelem{string(m), score})
			}
		})
	case zopUnion:
		acc := make(map[string]float64, size(srcs[len(srcs)-1]))
		for _, src := range srcs {
			if size(src) == 0 {
				continue
			}
			src.zs.Range(0, src.zs.Len(), false, func(m []byte, s float64) {
				score := src.weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, ok := acc[string(m)]; ok {
					zaggregate(&cur, score, agg)
					acc[string(m)] = cur
				} else {
					acc[string(m)] = score
				}
			})
		}
		out = make([]zelem, 0, len(acc))
		for m, s := range acc {
			out = append(out, zelem{m, s})
		}
	case zopDiff:
		if size(srcs[0]) == 0 {
			break
		}
		srcs[0].zs.Range(0, srcs[0].zs.Len(), false, func(m []byte, s float64) {
			for _, src := range srcs[1:] {
				if src.zs != nil {
					if _, ok := src.zs.Score(m); ok {
						return
					}
				}
			}
			out = append(out, zelem{string(m), s})
		})
	}
	if cardOnly {
		c.Int(cardinality)
		return
	}
	slices.SortFunc(out, func(a, b zelem) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		return cmp.Compare(a.member, b.member)
	})
	if dst != nil {
		zs := newSortedSet(0)
		for _, e := range out {
			zs.Add([]byte(e.member), e.score)
		}
		zstore(c, dst, zs)
		return
	}
	zrangeHeader(c, len(out), withScores)
	for _, e := range out {
		zrangeElement(c, []byte(e.member), e.score, withScores)
	}
}

// ZRANDMEMBER strategies, after Redis's zrandmemberWithCountCommand: with
// count at most size/zrandSubtractFactor distinct elements are drawn at
// random; for larger counts a random subset is selected in one pass.
const zrandSubtractFactor = 3

func cmdZRandMember(c *Ctx) {
	if len(c.Args) >= 3 {
		l, ok := ParseInt(c.Args[2])
		if !ok {
			c.NotInt()
			return
		}
		if l == math.MinInt64 {
			c.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
			return
		}
		if len(c.Args) > 4 || len(c.Args) == 4 && !zsetOption(c.Args[3], "withscores") {
			c.Syntax()
			return
		}
		withScores := len(c.Args) == 4
		if withScores && (l < -math.MaxInt64/2 || l > math.MaxInt64/2) {
			c.Error("ERR value is out of range")
			return
		}
		zrandMembers(c, l, withScores)
		return
	}
	zs, missing := lookupZSet(c, c.Args[1])
	if missing {
		c.Null()
		return
	}
	if zs != nil {
		m, _ := zs.Random()
		c.Bulk(m)
	}
}

func zrandMembers(c *Ctx, l int64, withScores bool) {
	zs, missing := lookupZSet(c, c.Args[1])
	if missing {
		c.Array(0)
		return
	}
	if zs == nil {
		return
	}
	if l == 0 {
		c.Array(0)
		return
	}
	size := zs.Len()
	if l < 0 || l == 1 {
		// Negative: |l| independent draws, repeats allowed.
		n := int(l)
		if l < 0 {
			n = int(-l)
		}
		zrangeHeader(c, n, withScores)
		for range n {
			m, score := zs.Random()
			zrangeElement(c, m, score, withScores)
		}
		return
	}
	if l >= int64(size) {
		// The whole set, which Redis walks from the highest element down.
		zreplyRange(c, zs, 0, size, true, withScores)
		return
	}
	count := int(l)
	zrangeHeader(c, count, withScores)
	emit := func(r int) {
		zs.Range(r, r+1, false, func(m []byte, score float64) { zrangeElement(c, m, score, withScores) })
	}
	if zs.Encoding() == "listpack" || count*zrandSubtractFactor > size {
		// Selection sampling: each rank is taken with probability
		// needed/left, which yields a uniform subset in rank order (a
		// listpack's order in Redis); the big form shuffles it as Redis's
		// dict iteration would.
		ranks := make([]int, 0, count)
		for r := 0; r < size && len(ranks) < count; r++ {
			if rand.IntN(size-r) < count-len(ranks) {
				ranks = append(ranks, r)
			}
		}
		if zs.Encoding() != "listpack" {
			rand.Shuffle(len(ranks), func(i, j int) { ranks[i], ranks[j] = ranks[j], ranks[i] })
		}
		for _, r := range ranks {
			emit(r)
		}
		return
	}
	seen := make(map[int]struct{}, count)
	for len(seen) < count {
		r := rand.IntN(size)
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		emit(r)
	}
}

// cmdZScan is ZSCAN, which shares its option parsing and reply with HSCAN
// and SSCAN (hashes.go).
func cmdZScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	zs, missing := lookupZSet(c, c.Args[1])
	if missing {
		emptyScan(c)
		return
	}
	if zs == nil {
		return
	}
	count, pat, ok := parseScanOptions(c, c.Args[3:])
	if !ok {
		return
	}
	var body []byte
	var num [32]byte
	n, seen := 0, int64(0)
	fn := func(m []byte, score float64) {
		// Redis filters after collecting, so elements a pattern drops
		// still count towards COUNT (members and scores both).
		seen += 2
		if pat == nil || GlobMatch(pat, m, false) {
			body = proto.AppendBulk(proto.AppendBulk(body, m), proto.FormatDouble(num[:0], score))
			n += 2
		}
	}
	// As Redis: stop at count items or after 10*count dict buckets.
	for budget := count * 10; ; budget-- {
		cursor = zs.Scan(cursor, fn)
		if cursor == 0 || budget == 0 || seen >= count {
			break
		}
	}
	scanReply(c, cursor, n, body)
}
