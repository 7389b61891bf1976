package shard

import (
	"time"

	"github.com/shoal-db/shoal/proto"
)

// The blocking sorted-set commands BZPOPMIN, BZPOPMAX and BZMPOP, on the
// machinery of block.go (see lists_block.go for the list ones). Their write
// effect is the ZPOPMIN/ZPOPMAX that happened.

func registerBlockingZSets(t *Table) {
	z := func(c *Command) *Command {
		c.Group = "sorted-set"
		c.Flags |= FlagWrite | FlagNoScript | FlagBlocking
		c.ACL = []string{"write", "sortedset", "slow", "blocking"}
		return c
	}
	bpop := KeySpec{First: 1, Last: -2, Step: 1}
	t.Add(z(&Command{Name: "bzpopmin", Arity: -3, Flags: FlagFast, Keys: bpop, Since: "5.0.0",
		Run:        func(c *Ctx) { cmdBZPop(c, false) },
		Summary:    "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."}))
	t.Add(z(&Command{Name: "bzpopmax", Arity: -3, Flags: FlagFast, Keys: bpop, Since: "5.0.0",
		Run:        func(c *Ctx) { cmdBZPop(c, true) },
		Summary:    "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."}))
	t.Add(z(&Command{Name: "bzmpop", Arity: -5, Keys: KeySpec{NumKeys: 2}, Since: "7.0.0", Run: cmdBZMPop,
		Summary:    "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."}))
}

// firstZSet reports whether a pop among keys would find something (or a
// key of the wrong type, which the pop itself reports).
func firstZSet(c *Ctx, keys [][]byte) bool {
	for _, k := range keys {
		if c.DB(k).exists(k, c.Now) {
			return true
		}
	}
	return false
}

// blockingZPop pops at once when it can, else blocks on keys.
func blockingZPop(c *Ctx, keys [][]byte, highest bool, count int64, form zpopReply, timeout time.Duration) {
	pop := func(c *Ctx, keys [][]byte) {
		if key, n := zpop(c, keys, highest, count, form); n > 0 {
			propagateZPop(c, key, highest, n)
		}
	}
	if firstZSet(c, keys) {
		pop(c, keys)
		return
	}
	c.NoPropagate()
	if c.InTx() {
		c.NullArray()
		return
	}
	c.Block(keys, nil, timeout, proto.AppendNullArray(nil, c.Resp3), func(c *Ctx, _ *Waiter, key []byte) bool {
		o := c.DB(key).Peek(key, c.Now)
		if o == nil || o.Type != TypeZSet {
			return false
		}
		pop(c, [][]byte{key})
		return true
	})
}

// cmdBZPop is BZPOPMIN and BZPOPMAX: [key, member, score] or a null array.
func cmdBZPop(c *Ctx, highest bool) {
	timeout, ok := parseTimeout(c, c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	blockingZPop(c, c.Args[1:len(c.Args)-1], highest, -1, zpopReply{emitKey: true}, timeout)
}

// cmdBZMPop is BZMPOP timeout numkeys key ... MIN|MAX [COUNT n].
func cmdBZMPop(c *Ctx) {
	timeout, ok := parseTimeout(c, c.Args[1])
	if !ok {
		return
	}
	keys, highest, count, ok := parseZMPop(c, c.Args[2:])
	if !ok {
		return
	}
	blockingZPop(c, keys, highest, count, zpopReply{emitKey: true, nested: true, nilWhenEmpty: true}, timeout)
}
