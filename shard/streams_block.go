package shard

import (
	"math"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/stream"
)

// XREAD and XREADGROUP: they serve at once what the streams already hold
// and otherwise, with BLOCK, wait through Ctx.Block (block.go) for an XADD
// to one of the streams; inside MULTI they answer a null array instead.
//
// Their keys follow the STREAMS keyword, which the table's key spec cannot
// express, so they hold every shard (KindAllShards): atomic whatever shards
// the streams live on. XREADGROUP's write effects are those of Redis: an
// XCLAIM per entry delivered (which also creates the consumer and moves
// the group's last ID), or with NOACK an XGROUP SETID (and an XGROUP
// CREATECONSUMER for a new consumer).

// xreadBlockedCount is the COUNT of a blocked XREAD without one (Redis's
// XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCount = 1000

func registerStreamReads(t *Table, x func(*Command) *Command) {
	t.Add(x(&Command{Name: "xread", Arity: -4, Flags: FlagReadonly | FlagBlocking, Kind: KindAllShards,
		Run: func(c *Ctx) { xread(c, false) }, ACL: []string{"read", "stream", "slow", "blocking"},
		Summary:    "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
		Complexity: "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data."}))
	t.Add(x(&Command{Name: "xreadgroup", Arity: -7, Flags: FlagWrite | FlagBlocking, Kind: KindAllShards,
		Run: func(c *Ctx) { xread(c, true) }, ACL: []string{"write", "stream", "slow", "blocking"},
		Summary:    "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
		Complexity: "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data."}))
}

// xreadArgs are XREAD's and XREADGROUP's parsed arguments.
type xreadArgs struct {
	block    bool
	timeout  time.Duration // 0: forever
	count    int64         // 0: no limit
	noack    bool
	group    []byte // nil for XREAD
	consumer []byte
	keys     [][]byte
	ids      []stream.ID // MaxID stands for ">"
	// Where group, consumer and keys are in the arguments, to find them in
	// the copy a blocked client keeps.
	groupArg, keysArg int
}

// bind points group, consumer and keys into args, the command's
// arguments or a copy of them.
func (a *xreadArgs) bind(args [][]byte) {
	if a.groupArg > 0 {
		a.group, a.consumer = args[a.groupArg], args[a.groupArg+1]
	}
	a.keys = args[a.keysArg : a.keysArg+len(a.ids)]
}

// parseXRead parses the arguments in Redis's order of checks, up to the
// STREAMS list (the IDs are resolved against the streams afterwards).
func parseXRead(c *Ctx, group bool) (a xreadArgs, idArgs [][]byte, ok bool) {
	args := c.Args
	streamsArg := 0
	for i := 1; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := cStringArg(args[i])
		switch {
		case eqFold(opt, "block") && more > 0:
			i++
			ms, ok := ParseInt(args[i])
			if !ok {
				c.Error("ERR timeout is not an integer or out of range")
				return a, nil, false
			}
			if ms < 0 {
				c.Error("ERR timeout is negative")
				return a, nil, false
			}
			a.block = true
			// Redis accepts any timeout; one beyond what a Duration holds
			// (292 years) blocks forever.
			a.timeout = 0
			if ms <= math.MaxInt64/int64(time.Millisecond) {
				a.timeout = time.Duration(ms) * time.Millisecond
			}
		case eqFold(opt, "count") && more > 0:
			i++
			n, ok := ParseInt(args[i])
			if !ok {
				c.NotInt()
				return a, nil, false
			}
			a.count = max(n, 0)
		case eqFold(opt, "streams") && more > 0:
			streamsArg = i + 1
			if (len(args)-streamsArg)%2 != 0 {
				// Redis 7.0 names XREAD and '$' for XREADGROUP too.
				c.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
				return a, nil, false
			}
			i = len(args)
		case eqFold(opt, "group") && more >= 2:
			if !group {
				c.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return a, nil, false
			}
			a.groupArg = i + 1
			a.group = args[i+1]
			i += 2
		case eqFold(opt, "noack"):
			if !group {
				c.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return a, nil, false
			}
			a.noack = true
		default:
			c.Syntax()
			return a, nil, false
		}
	}
	if streamsArg == 0 {
		c.Syntax()
		return a, nil, false
	}
	if group && a.group == nil {
		c.Error("ERR Missing GROUP option for XREADGROUP")
		return a, nil, false
	}
	n := (len(args) - streamsArg) / 2
	a.keysArg = streamsArg
	a.ids = make([]stream.ID, n)
	a.bind(args)
	return a, args[streamsArg+n:], true
}

// xread is XREAD (group false) and XREADGROUP.
func xread(c *Ctx, group bool) {
	a, idArgs, ok := parseXRead(c, group)
	if !ok {
		return
	}
	groups := make([]*stream.Group, len(a.keys))
	for i, key := range a.keys {
		s, ok := lookupStream(c, key, false)
		if !ok {
			return
		}
		if group {
			if s != nil {
				groups[i] = s.Group(a.group)
			}
			if groups[i] == nil {
				c.Error("NOGROUP No such key '" + string(cStringArg(key)) + "' or consumer group '" +
					string(cStringArg(a.group)) + "' in XREADGROUP with GROUP option")
				return
			}
		}
		switch arg := idArgs[i]; {
		case isArg(arg, "$"):
			if group {
				c.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if s != nil {
				a.ids[i] = s.LastID
			}
		case isArg(arg, ">"):
			if !group {
				c.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			a.ids[i] = stream.MaxID
		default:
			if a.ids[i], ok = parseStreamID(c, arg); !ok {
				return
			}
		}
	}

	at, served := len(c.Out), 0
	for i, key := range a.keys {
		// Redis looks every stream up a second time here.
		s, _ := lookupStream(c, key, false)
		if s == nil {
			continue
		}
		if group {
			// A group read changes the stream (consumers, pending
			// entries) through a read lookup, as in Redis.
			c.DB(key).trackKey(key)
		}
		after, history, ok := xreadStart(s, groups[i], a.ids[i])
		if !ok {
			continue
		}
		served++
		if !c.Resp3 {
			c.Array(2)
		}
		c.Bulk(key)
		xreadServe(c, &a, s, key, groups[i], after, history, a.count)
	}
	if served > 0 {
		// RESP2: an array of [key, entries] pairs; RESP3: a map.
		if c.Resp3 {
			setMapLen(c, at, served)
		} else {
			setArrayLen(c, at, served)
		}
		if group && !c.propagated {
			c.NoPropagate()
		}
		return
	}
	c.NoPropagate()
	if !a.block || c.InTx() {
		c.NullArray()
		return
	}
	count := a.count
	if count == 0 {
		count = xreadBlockedCount
	}
	c.BlockEach(a.keys, a.timeout, proto.AppendNullArray(nil, c.Resp3), func(c *Ctx, _ *Waiter, key []byte) bool {
		b := a
		b.bind(c.Args)
		return xreadServeBlocked(c, &b, key, count)
	})
}

// xreadStart decides whether a stream can serve at once, and from which
// ID on (exclusive): a group read with an ID replays the consumer's
// history; with ">" it serves when the stream has entries past the group's
// last delivered ID; a plain read serves when the stream has entries past
// the given ID.
func xreadStart(s *stream.Stream, g *stream.Group, id stream.ID) (after stream.ID, history, ok bool) {
	if g != nil && id != stream.MaxID {
		return id, true, true
	}
	if s.Len() == 0 {
		return id, false, false
	}
	last := s.Edge(false, false)
	if g != nil {
		return g.LastID, false, g.LastID.Less(last)
	}
	return id, false, id.Less(last)
}

// xreadServe writes the entries of s after ID after (at most count, 0 for
// all) for a plain read, or delivers them to the consumer for a group
// read, with their write effects.
func xreadServe(c *Ctx, a *xreadArgs, s *stream.Stream, key []byte, g *stream.Group, after stream.ID, history bool, count int64) {
	start, _ := after.Next()
	if g == nil {
		replyRange(c, s, start, stream.MaxID, count, false)
		return
	}
	cons, created := lookupOrCreateConsumer(c, key, g, a.consumer)
	if created && a.noack {
		propagateConsumerCreation(c, key, a.group, cons.Name)
	}
	at := len(c.Out)
	var n int
	if history {
		n = s.ReadHistory(g, cons, start, int(count), c.Now, func(id stream.ID, fv [][]byte, found bool) {
			if found {
				replyEntry(c, id, fv)
				return
			}
			c.Array(2)
			replyStreamID(c, id)
			c.NullArray()
		})
	} else {
		var advanced bool
		n, advanced = s.ReadNew(g, cons, start, int(count), a.noack, c.Now, func(id stream.ID, fv [][]byte, nack *stream.NACK) {
			replyEntry(c, id, fv)
			if nack != nil {
				propagateXClaim(c, key, a.group, g, id, nack)
			}
		})
		if advanced && a.noack {
			propagateGroupID(c, key, a.group, g)
		}
	}
	setArrayLen(c, at, n)
}

// xreadServeBlocked serves a blocked client from key, which became ready,
// as Redis's serveClientsBlockedOnStreamKey: a group read fails when the
// key or the group went away, and reads what follows the group's last
// delivered ID; a plain read waits for entries past the ID it blocked
// with ("$" was resolved then).
func xreadServeBlocked(c *Ctx, a *xreadArgs, key []byte, count int64) bool {
	idx := 0
	for i, k := range a.keys {
		if string(k) == string(key) {
			idx = i
			break
		}
	}
	o := c.DB(key).Peek(key, c.Now)
	if o == nil || o.Type != TypeStream {
		if a.group == nil {
			return false
		}
		c.Error("UNBLOCKED the stream key no longer exists")
		return true
	}
	s := streamOf(o)
	after := a.ids[idx]
	var g *stream.Group
	if a.group != nil {
		if g = s.Group(a.group); g == nil {
			c.Error("NOGROUP the consumer group this client was blocked on no longer exists")
			return true
		}
		after = g.LastID
	}
	if !after.Less(s.LastID) {
		return false
	}
	if c.Resp3 {
		c.Map(1)
	} else {
		c.Array(1)
		c.Array(2)
	}
	c.Bulk(key)
	xreadServe(c, a, s, key, g, after, false, count)
	return true
}
