package shard

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/shoal-db/shoal/proto"
)

// The blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP.
// Each serves at once when it can, answers nil inside MULTI, and otherwise
// blocks through Ctx.Block (block.go). Their write effect is the
// non-blocking command that happened (BLPOP → LPOP, BLMOVE → LMOVE), as
// Redis propagates it.

func registerBlockingLists(t *Table) {
	lst := func(c *Command) *Command {
		c.Group = "list"
		c.Flags |= FlagWrite | FlagNoScript | FlagBlocking
		return c
	}
	t.Add(lst(&Command{Name: "blpop", Arity: -3, Keys: KeySpec{First: 1, Last: -2, Step: 1}, Since: "2.0.0",
		Run: func(c *Ctx) { cmdBPop(c, true) }, ACL: []string{"write", "list", "slow", "blocking"},
		Summary:    "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Complexity: "O(N) where N is the number of provided keys."}))
	t.Add(lst(&Command{Name: "brpop", Arity: -3, Keys: KeySpec{First: 1, Last: -2, Step: 1}, Since: "2.0.0",
		Run: func(c *Ctx) { cmdBPop(c, false) }, ACL: []string{"write", "list", "slow", "blocking"},
		Summary:    "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Complexity: "O(N) where N is the number of provided keys."}))
	t.Add(lst(&Command{Name: "brpoplpush", Arity: 4, Flags: FlagDenyOOM, Keys: KeySpec{First: 1, Last: 2, Step: 1}, Since: "2.2.0",
		Run: cmdBRPopLPush, ACL: []string{"write", "list", "slow", "blocking"},
		Summary:    "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
		Complexity: "O(1)"}))
	t.Add(lst(&Command{Name: "blmove", Arity: 6, Flags: FlagDenyOOM, Keys: KeySpec{First: 1, Last: 2, Step: 1}, Since: "6.2.0",
		Run: cmdBLMove, ACL: []string{"write", "list", "slow", "blocking"},
		Summary:    "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
		Complexity: "O(1)"}))
	t.Add(lst(&Command{Name: "blmpop", Arity: -5, Keys: KeySpec{NumKeys: 2}, Since: "7.0.0",
		Run: cmdBLMPop, ACL: []string{"write", "list", "slow", "blocking"},
		Summary:    "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
		Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned."}))
}

// parseTimeout parses a blocking command's timeout in seconds as Redis 7.0
// does (a long double, truncated to whole milliseconds; 0 blocks forever).
func parseTimeout(c *Ctx, arg []byte) (time.Duration, bool) {
	f, ok := parseLongDoubleArg(arg)
	if !ok {
		c.Error("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := f * 1000
	if ms < 0 && ms > -1 {
		ms = 0 // (long long) truncates toward zero: -0.0001 s is 0
	}
	if ms < 0 || math.IsInf(ms, 0) {
		c.Error("ERR timeout is negative")
		return 0, false
	}
	if ms > float64(math.MaxInt64-c.Now) {
		c.Error("ERR timeout is out of range")
		return 0, false
	}
	return time.Duration(int64(ms)) * time.Millisecond, true
}

// parseLongDoubleArg accepts what Redis's string2ld accepts for a timeout.
func parseLongDoubleArg(arg []byte) (float64, bool) {
	if f, ok := ParseFloat(arg); ok {
		return f, true
	}
	// strtold also takes hex floats and values beyond float64's range.
	f, _, err := big.ParseFloat(string(arg), 0, 64, big.ToZero)
	if err != nil || len(arg) == 0 || arg[0] == ' ' {
		return 0, false
	}
	v, _ := f.Float64()
	return v, true
}

func popName(left bool) []byte {
	if left {
		return []byte("LPOP")
	}
	return []byte("RPOP")
}

// cmdBPop is BLPOP and BRPOP.
func cmdBPop(c *Ctx, left bool) {
	timeout, ok := parseTimeout(c, c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	keys := c.Args[1 : len(c.Args)-1]
	for _, key := range keys {
		db := c.DB(key)
		l, ok := lookupList(c, db, key, true)
		if !ok {
			return
		}
		if l != nil {
			c.Propagate(popName(left), key)
			c.Array(2)
			c.Bulk(key)
			c.Bulk(popOne(c, db, key, l, left))
			return
		}
	}
	c.NoPropagate()
	if c.InTx() {
		c.NullArray()
		return
	}
	c.Block(keys, nil, timeout, proto.AppendNullArray(nil, c.Resp3), func(c *Ctx, _ *Waiter, key []byte) bool {
		db := c.DB(key)
		o := db.Peek(key, c.Now)
		if o == nil || o.Type != TypeList {
			return false
		}
		c.Propagate(popName(left), key)
		c.Array(2)
		c.Bulk(key)
		c.Bulk(popOne(c, db, key, listOf(o), left))
		return true
	})
}

func cmdBRPopLPush(c *Ctx) {
	blockingMove(c, c.Args[1], c.Args[2], false, true, c.Args[3], func(c *Ctx, _ bool) {
		c.Propagate([]byte("RPOPLPUSH"), c.Args[1], c.Args[2])
	})
}

func cmdBLMove(c *Ctx) {
	from, ok := listEnd(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := listEnd(c, c.Args[4])
	if !ok {
		return
	}
	blockingMove(c, c.Args[1], c.Args[2], from, to, c.Args[5], func(c *Ctx, served bool) {
		if served {
			// Redis spells the ends of a served move itself, in lower case.
			c.Propagate([]byte("LMOVE"), c.Args[1], c.Args[2], endName(from), endName(to))
			return
		}
		c.Propagate([]byte("LMOVE"), c.Args[1], c.Args[2], c.Args[3], c.Args[4])
	})
}

func endName(left bool) []byte {
	if left {
		return []byte("left")
	}
	return []byte("right")
}

// blockingMove is BLMOVE and BRPOPLPUSH: LMOVE when src has elements,
// otherwise block on src until it has.
func blockingMove(c *Ctx, src, dst []byte, fromLeft, toLeft bool, timeoutArg []byte, effect func(c *Ctx, served bool)) {
	timeout, ok := parseTimeout(c, timeoutArg)
	if !ok {
		return
	}
	sl, ok := lookupList(c, c.DB(src), src, true)
	if !ok {
		return
	}
	if sl != nil {
		before := len(c.Out)
		listMove(c, src, dst, fromLeft, toLeft)
		if c.Out[before] != '-' {
			effect(c, false)
		}
		return
	}
	c.NoPropagate()
	if c.InTx() {
		c.Null()
		return
	}
	c.Block([][]byte{src}, [][]byte{dst}, timeout, proto.AppendNull(nil, c.Resp3), func(c *Ctx, _ *Waiter, key []byte) bool {
		// The waiter's own copy of the arguments: src and dst above point
		// into the event loop's read buffer, long reused by now.
		src, dst := c.Args[1], c.Args[2]
		so := c.DB(src).Peek(src, c.Now)
		if so == nil || so.Type != TypeList {
			return false
		}
		// A destination of the wrong type leaves the client blocked, as
		// in Redis 7.0.
		if do := c.DB(dst).Peek(dst, c.Now); do != nil && do.Type != TypeList {
			return false
		}
		listMove(c, src, dst, fromLeft, toLeft)
		effect(c, true)
		return true
	})
}

// cmdBLMPop is BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT n].
func cmdBLMPop(c *Ctx) {
	timeout, ok := parseTimeout(c, c.Args[1])
	if !ok {
		return
	}
	args := c.Args[1:]
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
	count := 1
	switch rest := args[whereIdx+1:]; {
	case len(rest) == 0:
	case len(rest) == 2 && eqFold(cStringArg(rest[0]), "count"):
		n, ok := ParseInt(rest[1])
		if !ok || n < 1 {
			c.Error("ERR count should be greater than 0")
			return
		}
		count = int(n)
	default:
		c.Syntax()
		return
	}
	keys := args[2:whereIdx]
	serve := func(c *Ctx, key []byte) bool {
		db := c.DB(key)
		o := db.Peek(key, c.Now)
		if o == nil || o.Type != TypeList {
			return false
		}
		l := listOf(o)
		c.Propagate(popName(left), key, strconv.AppendInt(nil, int64(min(count, l.Len())), 10))
		c.Array(2)
		c.Bulk(key)
		popElements(c, db, key, l, left, count)
		return true
	}
	for _, key := range keys {
		if _, ok := lookupList(c, c.DB(key), key, true); !ok {
			return
		}
		if serve(c, key) {
			return
		}
	}
	c.NoPropagate()
	if c.InTx() {
		c.NullArray()
		return
	}
	c.Block(keys, nil, timeout, proto.AppendNullArray(nil, c.Resp3), func(c *Ctx, _ *Waiter, key []byte) bool {
		return serve(c, key)
	})
}
