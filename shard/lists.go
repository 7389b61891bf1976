package shard

import (
	"math"
	"strconv"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/list"
)

// Lists live in Object.Val as listValue. A list that becomes empty is
// deleted, as in Redis, so a stored list always has an element.

func registerLists(t *Table) {
	lst := func(c *Command) *Command {
		c.Group = "list"
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	wr := FlagWrite | FlagDenyOOM
	one := KeySpec{First: 1, Last: 1, Step: 1}
	two := KeySpec{First: 1, Last: 2, Step: 1}
	readFast := []string{"read", "list", "fast"}
	readSlow := []string{"read", "list", "slow"}
	writeFast := []string{"write", "list", "fast"}
	writeSlow := []string{"write", "list", "slow"}
	pushComplexity := "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."

	t.Add(lst(&Command{Name: "lpush", Arity: -3, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPush(c, true, false) },
		Summary: "Prepend one or multiple elements to a list", Complexity: pushComplexity, ACL: writeFast}))
	t.Add(lst(&Command{Name: "rpush", Arity: -3, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPush(c, false, false) },
		Summary: "Append one or multiple elements to a list", Complexity: pushComplexity, ACL: writeFast}))
	t.Add(lst(&Command{Name: "lpushx", Arity: -3, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPush(c, true, true) }, Since: "2.2.0",
		Summary: "Prepend an element to a list, only if the list exists", Complexity: pushComplexity, ACL: writeFast}))
	t.Add(lst(&Command{Name: "rpushx", Arity: -3, Flags: wr | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPush(c, false, true) }, Since: "2.2.0",
		Summary: "Append an element to a list, only if the list exists", Complexity: pushComplexity, ACL: writeFast}))
	t.Add(lst(&Command{Name: "lpop", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPop(c, true) },
		Summary: "Remove and get the first elements in a list", Complexity: "O(N) where N is the number of elements returned", ACL: writeFast}))
	t.Add(lst(&Command{Name: "rpop", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: func(c *Ctx) { cmdPop(c, false) },
		Summary: "Remove and get the last elements in a list", Complexity: "O(N) where N is the number of elements returned", ACL: writeFast}))
	t.Add(lst(&Command{Name: "llen", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdLLen,
		Summary: "Get the length of a list", Complexity: "O(1)", ACL: readFast}))
	t.Add(lst(&Command{Name: "lrange", Arity: 4, Flags: FlagReadonly, Keys: one, Run: cmdLRange,
		Summary:    "Get a range of elements from a list",
		Complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
		ACL:        readSlow}))
	t.Add(lst(&Command{Name: "lindex", Arity: 3, Flags: FlagReadonly, Keys: one, Run: cmdLIndex,
		Summary:    "Get an element from a list by its index",
		Complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
		ACL:        readSlow}))
	t.Add(lst(&Command{Name: "lset", Arity: 4, Flags: wr, Keys: one, Run: cmdLSet,
		Summary:    "Set the value of an element in a list by its index",
		Complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
		ACL:        writeSlow}))
	t.Add(lst(&Command{Name: "linsert", Arity: 5, Flags: wr, Keys: one, Run: cmdLInsert, Since: "2.2.0",
		Summary:    "Insert an element before or after another element in a list",
		Complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
		ACL:        writeSlow}))
	t.Add(lst(&Command{Name: "lrem", Arity: 4, Flags: FlagWrite, Keys: one, Run: cmdLRem,
		Summary: "Remove elements from a list", Complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", ACL: writeSlow}))
	t.Add(lst(&Command{Name: "ltrim", Arity: 4, Flags: FlagWrite, Keys: one, Run: cmdLTrim,
		Summary: "Trim a list to the specified range", Complexity: "O(N) where N is the number of elements to be removed by the operation.", ACL: writeSlow}))
	t.Add(lst(&Command{Name: "lpos", Arity: -3, Flags: FlagReadonly, Keys: one, Run: cmdLPos, Since: "6.0.6",
		Summary:    "Return the index of matching elements on a list",
		Complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
		ACL:        readSlow}))
	t.Add(lst(&Command{Name: "lmove", Arity: 5, Flags: wr, Keys: two, Run: cmdLMove, Since: "6.2.0",
		Summary: "Pop an element from a list, push it to another list and return it", Complexity: "O(1)", ACL: writeSlow}))
	t.Add(lst(&Command{Name: "rpoplpush", Arity: 3, Flags: wr, Keys: two, Run: func(c *Ctx) { listMove(c, c.Args[1], c.Args[2], false, true) }, Since: "1.2.0",
		Summary: "Remove the last element in a list, prepend it to another list and return it", Complexity: "O(1)", ACL: writeSlow}))
	t.Add(lst(&Command{Name: "lmpop", Arity: -4, Flags: FlagWrite, Keys: KeySpec{NumKeys: 1}, Run: cmdLMPop, Since: "7.0.0",
		Summary: "Pop elements from a list", Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", ACL: writeSlow}))
}

// listValue is how a list sits in Object.Val: list.List cannot name this
// package's Value in its Clone, so the adapter supplies it.
type listValue struct{ *list.List }

func (v listValue) Clone() Value { return listValue{v.List.Clone()} }

// listOf returns the list that list object o holds.
func listOf(o *Object) *list.List { return o.Val.(listValue).List }

// lookupList finds key's list for reading (counting a hit or miss) or, with
// write set, for a command about to change it. It returns nil for a missing
// key; ok=false means it replied WRONGTYPE.
func lookupList(c *Ctx, db *DB, key []byte, write bool) (l *list.List, ok bool) {
	o, ok := lookupTyped(c, db, key, write, TypeList)
	if o == nil {
		return nil, ok
	}
	return listOf(o), true
}

// listEnd parses LEFT or RIGHT; left reports which. It replies with a
// syntax error when the argument is neither.
func listEnd(c *Ctx, arg []byte) (left, ok bool) {
	switch a := cStringArg(arg); {
	case eqFold(a, "left"):
		return true, true
	case eqFold(a, "right"):
		return false, true
	}
	c.Syntax()
	return false, false
}

// intArg parses an integer argument, replying with Redis's generic error
// when it is not one.
func intArg(c *Ctx, arg []byte) (int, bool) {
	n, ok := ParseInt(arg)
	if !ok {
		c.NotInt()
	}
	return int(n), ok
}

// push adds v at one end of key's list, creating the key when it is
// missing, and returns the list. The caller has checked the type.
func push(db *DB, key []byte, l *list.List, left bool, v []byte) *list.List {
	if l == nil {
		l = new(list.List)
		db.Set(key, &Object{Type: TypeList, Val: listValue{l}})
	}
	if left {
		l.PushLeft(v)
	} else {
		l.PushRight(v)
	}
	return l
}

// cmdPush is LPUSH and RPUSH, and LPUSHX and RPUSHX with existing set.
func cmdPush(c *Ctx, left, existing bool) {
	key := c.Args[1]
	db := c.DB(key)
	l, ok := lookupList(c, db, key, true)
	if !ok {
		return
	}
	if l == nil && existing {
		c.NoPropagate()
		c.Int(0)
		return
	}
	for _, v := range c.Args[2:] {
		l = push(db, key, l, left, v)
	}
	c.Notify(NotifyList, pushEvent(left), key)
	c.Int(int64(l.Len()))
	c.KeyReady(key)
}

// popElements replies with up to count elements popped from one end of
// key's non-empty list l and deletes the key when it empties.
func popElements(c *Ctx, db *DB, key []byte, l *list.List, left bool, count int) {
	n := min(count, l.Len())
	c.Array(n)
	start := 0
	if !left {
		start = -1
	}
	it := l.Iter(start, !left)
	for i := 0; i < n; i++ {
		v, _ := it.Next()
		c.Bulk(v)
	}
	if left {
		l.Trim(n, -1)
	} else {
		l.Trim(0, -n-1)
	}
	if n > 0 {
		c.Notify(NotifyList, popEvent(left), key)
	}
	if l.Len() == 0 {
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	}
}

// popOne pops one element from key's non-empty list l, deleting the key
// when it empties.
func popOne(c *Ctx, db *DB, key []byte, l *list.List, left bool) []byte {
	var v []byte
	if left {
		v, _ = l.PopLeft()
	} else {
		v, _ = l.PopRight()
	}
	c.Notify(NotifyList, popEvent(left), key)
	if l.Len() == 0 {
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	}
	return v
}

func cmdPop(c *Ctx, left bool) {
	if len(c.Args) > 3 {
		c.WrongArity()
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		n, ok := ParseInt(c.Args[2])
		if !ok || n < 0 {
			c.Error("ERR value is out of range, must be positive")
			return
		}
		count = n
	}
	key := c.Args[1]
	db := c.DB(key)
	l, ok := lookupList(c, db, key, true)
	if ok && (l == nil || hasCount && count == 0) {
		c.NoPropagate()
	}
	switch {
	case !ok:
	case l == nil && hasCount:
		c.NullArray()
	case l == nil:
		c.Null()
	case hasCount:
		popElements(c, db, key, l, left, int(min(count, math.MaxInt)))
	default:
		c.Bulk(popOne(c, db, key, l, left))
	}
}

func cmdLLen(c *Ctx) {
	l, ok := lookupList(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.Int(0)
		return
	}
	c.Int(int64(l.Len()))
}

func cmdLRange(c *Ctx) {
	start, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	stop, ok := intArg(c, c.Args[3])
	if !ok {
		return
	}
	l, ok := lookupList(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.Array(0)
		return
	}
	c.Array(l.RangeLen(start, stop))
	l.Range(start, stop, func(v []byte) bool {
		c.Bulk(v)
		return true
	})
}

func cmdLIndex(c *Ctx) {
	l, ok := lookupList(c, c.DB(c.Args[1]), c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.Null()
		return
	}
	i, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	if v, ok := l.Index(i); ok {
		c.Bulk(v)
	} else {
		c.Null()
	}
}

func cmdLSet(c *Ctx) {
	l, ok := lookupList(c, c.DB(c.Args[1]), c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.Error(proto.ErrNoSuchKey)
		return
	}
	i, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	if !l.Set(i, c.Args[3]) {
		c.Error(proto.ErrIndexOutOfRange)
		return
	}
	c.Notify(NotifyList, "lset", c.Args[1])
	c.OK()
}

func cmdLInsert(c *Ctx) {
	var after bool
	switch w := cStringArg(c.Args[2]); {
	case eqFold(w, "after"):
		after = true
	case eqFold(w, "before"):
	default:
		c.Syntax()
		return
	}
	key := c.Args[1]
	l, ok := lookupList(c, c.DB(key), key, true)
	if !ok {
		return
	}
	if l == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	if !l.Insert(c.Args[3], c.Args[4], after) {
		c.NoPropagate()
		c.Int(-1)
		return
	}
	c.Notify(NotifyList, "linsert", key)
	c.Int(int64(l.Len()))
	c.KeyReady(key)
}

func cmdLRem(c *Ctx) {
	count, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	l, ok := lookupList(c, db, key, true)
	if !ok {
		return
	}
	if l == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	n := l.Remove(c.Args[3], count)
	if n == 0 {
		c.NoPropagate()
	} else {
		c.Notify(NotifyList, "lrem", key)
	}
	if l.Len() == 0 {
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Int(int64(n))
}

func cmdLTrim(c *Ctx) {
	start, ok := intArg(c, c.Args[2])
	if !ok {
		return
	}
	stop, ok := intArg(c, c.Args[3])
	if !ok {
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	l, ok := lookupList(c, db, key, true)
	if !ok {
		return
	}
	if l == nil {
		c.NoPropagate()
	} else {
		// Trimming nothing still counts as a change, as in Redis: it
		// aborts transactions watching the key.
		l.Trim(start, stop)
		c.Notify(NotifyList, "ltrim", key)
		if l.Len() == 0 {
			db.Delete(key, c.Now)
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	c.OK()
}

func cmdLPos(c *Ctx) {
	rank, count, maxlen := 1, -1, 0 // count -1: no COUNT option
	args := c.Args
	for j := 3; j < len(args); j++ {
		opt, more := cStringArg(args[j]), j+1 < len(args)
		switch {
		case eqFold(opt, "rank") && more:
			j++
			n, ok := intArg(c, args[j])
			if !ok {
				return
			}
			if n == 0 {
				c.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
			// Redis 7.0 negates LONG_MIN into itself, a "rank" every
			// match reaches: the first match from the tail.
			if n == math.MinInt64 {
				n = -1
			}
			rank = n
		case eqFold(opt, "count") && more:
			j++
			n, ok := ParseInt(args[j])
			if !ok || n < 0 {
				c.Error("ERR COUNT can't be negative")
				return
			}
			count = int(n)
		case eqFold(opt, "maxlen") && more:
			j++
			n, ok := ParseInt(args[j])
			if !ok || n < 0 {
				c.Error("ERR MAXLEN can't be negative")
				return
			}
			maxlen = int(n)
		default:
			c.Syntax()
			return
		}
	}
	l, ok := lookupList(c, c.DB(args[1]), args[1], false)
	switch {
	case !ok:
	case l == nil && count >= 0:
		c.Array(0)
	case l == nil:
		c.Null()
	case count >= 0:
		pos := l.Pos(args[2], rank, count, maxlen)
		c.Array(len(pos))
		for _, p := range pos {
			c.Int(int64(p))
		}
	default:
		if pos := l.Pos(args[2], rank, 1, maxlen); len(pos) > 0 {
			c.Int(int64(pos[0]))
		} else {
			c.Null()
		}
	}
}

func cmdLMove(c *Ctx) {
	from, ok := listEnd(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := listEnd(c, c.Args[4])
	if !ok {
		return
	}
	listMove(c, c.Args[1], c.Args[2], from, to)
}

// listMove pops an element from one end of src and pushes it at one end of
// dst, replying with it (LMOVE, RPOPLPUSH). Both types are checked before
// anything changes. src and dst may be the same key, or live on different
// shards, which the engine then holds together.
func listMove(c *Ctx, src, dst []byte, fromLeft, toLeft bool) {
	sdb := c.DB(src)
	sl, ok := lookupList(c, sdb, src, true)
	if !ok {
		return
	}
	if sl == nil {
		c.NoPropagate()
		c.Null()
		return
	}
	ddb := c.DB(dst)
	dl, ok := lookupList(c, ddb, dst, true)
	if !ok {
		return
	}
	var v []byte
	if fromLeft {
		v, _ = sl.PopLeft()
	} else {
		v, _ = sl.PopRight()
	}
	// Push before deleting an emptied source: when src is dst, the pushed
	// element keeps the key alive.
	push(ddb, dst, dl, toLeft, v)
	c.Notify(NotifyList, pushEvent(toLeft), dst)
	c.Notify(NotifyList, popEvent(fromLeft), src)
	if sl.Len() == 0 {
		sdb.Delete(src, c.Now)
		c.Notify(NotifyGeneric, "del", src)
	}
	c.Bulk(v)
	c.KeyReady(dst)
}

func cmdLMPop(c *Ctx) {
	args := c.Args
	numkeys, ok := ParseInt(args[1])
	if !ok || numkeys < 1 {
		c.Error("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(args)-3) {
		c.Syntax()
		return
	}
	whereIdx := 2 + int(numkeys)
	left, ok := listEnd(c, args[whereIdx])
	if !ok {
		return
	}
	count := -1
	for j := whereIdx + 1; j < len(args); j++ {
		if count != -1 || !eqFold(cStringArg(args[j]), "count") || j+1 == len(args) {
			c.Syntax()
			return
		}
		j++
		n, ok := ParseInt(args[j])
		if !ok || n < 1 {
			c.Error("ERR count should be greater than 0")
			return
		}
		count = int(n)
	}
	if count == -1 {
		count = 1
	}
	for _, key := range args[2:whereIdx] {
		db := c.DB(key)
		l, ok := lookupList(c, db, key, true)
		if !ok {
			return
		}
		if l == nil {
			continue
		}
		// Replicas and the AOF see the pop that happened, as in Redis.
		pop := "RPOP"
		if left {
			pop = "LPOP"
		}
		c.Propagate([]byte(pop), key, strconv.AppendInt(nil, int64(min(count, l.Len())), 10))
		c.Array(2)
		c.Bulk(key)
		popElements(c, db, key, l, left, count)
		return
	}
	c.NoPropagate()
	c.NullArray()
}
