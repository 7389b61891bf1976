package shard

import (
	"slices"
	"strconv"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/stream"
)

// Streams live in Object.Val as streamValue; unlike the other collections
// an empty stream stays (XDEL and XTRIM never delete the key). The
// commands follow Redis 7.0's t_stream.c: argument checks in its order,
// its reply shapes, and its write effects (XADD with the ID it chose and
// exact trimming thresholds, XREADGROUP and XAUTOCLAIM as XCLAIMs and
// XGROUP SETIDs).

func registerStreams(t *Table) {
	x := func(c *Command) *Command {
		c.Group = "stream"
		if c.Since == "" {
			c.Since = "5.0.0"
		}
		return c
	}
	one := KeySpec{First: 1, Last: 1, Step: 1}
	second := KeySpec{First: 2, Last: 2, Step: 1}
	writeFast := []string{"write", "stream", "fast"}
	writeSlow := []string{"write", "stream", "slow"}
	readSlow := []string{"read", "stream", "slow"}

	t.Add(x(&Command{Name: "xadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM | FlagFast, Keys: one, Run: cmdXAdd, ACL: writeFast,
		Summary:    "Appends a new entry to a stream",
		Complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted."}))
	t.Add(x(&Command{Name: "xrange", Arity: -4, Flags: FlagReadonly, Keys: one, Run: func(c *Ctx) { xrange(c, false) }, ACL: readSlow,
		Summary:    "Return a range of elements in a stream, with IDs matching the specified IDs interval",
		Complexity: "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."}))
	t.Add(x(&Command{Name: "xrevrange", Arity: -4, Flags: FlagReadonly, Keys: one, Run: func(c *Ctx) { xrange(c, true) }, ACL: readSlow,
		Summary:    "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
		Complexity: "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."}))
	t.Add(x(&Command{Name: "xlen", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdXLen, ACL: []string{"read", "stream", "fast"},
		Summary: "Return the number of entries in a stream", Complexity: "O(1)"}))
	t.Add(x(&Command{Name: "xdel", Arity: -3, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdXDel, ACL: writeFast,
		Summary:    "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
		Complexity: "O(1) for each single item to delete in the stream, regardless of the stream size."}))
	t.Add(x(&Command{Name: "xtrim", Arity: -4, Flags: FlagWrite, Keys: one, Run: cmdXTrim, ACL: writeSlow,
		Summary:    "Trims the stream to (approximately if '~' is passed) a certain size",
		Complexity: "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation."}))
	t.Add(x(&Command{Name: "xsetid", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, Keys: one, Run: cmdXSetID, ACL: writeFast,
		Summary: "An internal command for replicating stream values", Complexity: "O(1)"}))
	t.Add(x(&Command{Name: "xack", Arity: -4, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdXAck, ACL: writeFast,
		Summary:    "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
		Complexity: "O(1) for each message ID processed."}))
	t.Add(x(&Command{Name: "xpending", Arity: -3, Flags: FlagReadonly, Keys: one, Run: cmdXPending, ACL: readSlow,
		Summary:    "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
		Complexity: "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer."}))
	t.Add(x(&Command{Name: "xclaim", Arity: -6, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdXClaim, ACL: writeFast,
		Summary:    "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
		Complexity: "O(log N) with N being the number of messages in the PEL of the consumer group."}))
	t.Add(x(&Command{Name: "xautoclaim", Arity: -6, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdXAutoClaim, ACL: writeFast, Since: "6.2.0",
		Summary:    "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
		Complexity: "O(1) if COUNT is small."}))
	t.Add(x(&Command{Name: "xgroup", Arity: -2, Run: func(c *Ctx) { c.Error(proto.UnknownSubcommand(c.Args[1], "xgroup")) },
		ACL: []string{"slow"}, Summary: "A container for consumer groups commands", Complexity: "Depends on subcommand.",
		Subcommands: []*Command{
			x(&Command{Name: "create", Arity: -5, Flags: FlagWrite | FlagDenyOOM, Keys: second, Run: cmdXGroupCreate, ACL: writeSlow,
				Summary: "Create a consumer group.", Complexity: "O(1)"}),
			x(&Command{Name: "destroy", Arity: 4, Flags: FlagWrite, Keys: second, Run: cmdXGroupDestroy, ACL: writeSlow,
				Summary: "Destroy a consumer group.", Complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL)."}),
			x(&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Run: cmdXGroupHelp, ACL: []string{"stream", "slow"},
				Summary: "Show helpful text about the different subcommands", Complexity: "O(1)"}),
			x(&Command{Name: "setid", Arity: -5, Flags: FlagWrite, Keys: second, Run: cmdXGroupSetID, ACL: writeSlow,
				Summary: "Set a consumer group to an arbitrary last delivered ID value.", Complexity: "O(1)"}),
			x(&Command{Name: "createconsumer", Arity: 5, Flags: FlagWrite | FlagDenyOOM, Keys: second, Run: cmdXGroupCreateConsumer, ACL: writeSlow, Since: "6.2.0",
				Summary: "Create a consumer in a consumer group.", Complexity: "O(1)"}),
			x(&Command{Name: "delconsumer", Arity: 5, Flags: FlagWrite, Keys: second, Run: cmdXGroupDelConsumer, ACL: writeSlow,
				Summary: "Delete a consumer from a consumer group.", Complexity: "O(1)"}),
		}}))
	t.Add(x(&Command{Name: "xinfo", Arity: -2, Run: func(c *Ctx) { c.Error(proto.UnknownSubcommand(c.Args[1], "xinfo")) },
		ACL: []string{"slow"}, Summary: "A container for stream introspection commands", Complexity: "Depends on subcommand.",
		Subcommands: []*Command{
			x(&Command{Name: "stream", Arity: -3, Flags: FlagReadonly, Keys: second, Run: cmdXInfoStream, ACL: readSlow,
				Summary: "Get information about a stream", Complexity: "O(1)"}),
			x(&Command{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Run: cmdXInfoHelp, ACL: []string{"stream", "slow"},
				Summary: "Show helpful text about the different subcommands", Complexity: "O(1)"}),
			x(&Command{Name: "consumers", Arity: 4, Flags: FlagReadonly, Keys: second, Run: cmdXInfoConsumers, ACL: readSlow,
				Summary: "List the consumers in a consumer group", Complexity: "O(1)"}),
			x(&Command{Name: "groups", Arity: 3, Flags: FlagReadonly, Keys: second, Run: cmdXInfoGroups, ACL: readSlow,
				Summary: "List the consumer groups of a stream", Complexity: "O(1)"}),
		}}))
	registerStreamReads(t, x)
}

// Error replies of the stream commands.
const (
	errStreamID       = "ERR Invalid stream ID specified as stream command argument"
	errXAddTooSmall   = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errXAddZero       = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamFull     = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errStreamTooLarge = "ERR Elements are too large to be stored"
	errStartInterval  = "ERR invalid start ID for the interval"
	errEndInterval    = "ERR invalid end ID for the interval"
	errBusyGroup      = "BUSYGROUP Consumer Group name already exists"
	errXGroupNoKey    = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errEntriesRead    = "ERR value for ENTRIESREAD must be positive or -1"
)

// streamValue is how a stream sits in Object.Val.
type streamValue struct{ *stream.Stream }

func (v streamValue) Encoding() string { return "stream" }
func (v streamValue) Clone() Value     { return streamValue{v.Stream.Clone()} }

func streamOf(o *Object) *stream.Stream { return o.Val.(streamValue).Stream }

// lookupStream finds key's stream for reading (counting a hit or miss) or,
// with write set, for a command about to change it. It returns nil for a
// missing key; ok=false means it replied WRONGTYPE.
func lookupStream(c *Ctx, key []byte, write bool) (s *stream.Stream, ok bool) {
	db := c.DB(key)
	o, ok := lookupTyped(c, db, key, write, TypeStream)
	if o == nil {
		return nil, ok
	}
	return streamOf(o), true
}

// createStream stores a new empty stream under key.
func createStream(c *Ctx, key []byte) *stream.Stream {
	s := stream.New()
	c.DB(key).Set(key, &Object{Type: TypeStream, Val: streamValue{s}})
	return s
}

// parseStreamID parses a strict ID argument ("-" and "+" refused),
// replying with Redis's error when it is not one.
// parseStreamIDs parses every argument as a stream ID (XDEL, XACK),
// replying with the error of the first bad one.
func parseStreamIDs(c *Ctx, args [][]byte) ([]stream.ID, bool) {
	ids := make([]stream.ID, 0, len(args))
	for _, arg := range args {
		id, ok := parseStreamID(c, arg)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func parseStreamID(c *Ctx, arg []byte) (stream.ID, bool) {
	id, ok := stream.ParseID(arg, 0, true)
	if !ok {
		c.Error(errStreamID)
	}
	return id, ok
}

// parseIntervalID parses a range bound: an ID, "-", "+", or "(" and an
// exclusive ID (Redis's streamParseIntervalIDOrReply).
func parseIntervalID(c *Ctx, arg []byte, missingSeq uint64) (id stream.ID, exclusive, ok bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, ok = stream.ParseID(arg[1:], missingSeq, true)
		exclusive = true
	} else {
		id, ok = stream.ParseID(arg, missingSeq, false)
	}
	if !ok {
		c.Error(errStreamID)
	}
	return id, exclusive, ok
}

// parseRange parses a start and an end bound, making exclusive bounds
// inclusive.
func parseRange(c *Ctx, startArg, endArg []byte) (start, end stream.ID, ok bool) {
	start, ex, ok := parseIntervalID(c, startArg, 0)
	if !ok {
		return start, end, false
	}
	if ex {
		if start, ok = start.Next(); !ok {
			c.Error(errStartInterval)
			return start, end, false
		}
	}
	end, ex, ok = parseIntervalID(c, endArg, 1<<64-1)
	if !ok {
		return start, end, false
	}
	if ex {
		if end, ok = end.Prev(); !ok {
			c.Error(errEndInterval)
			return start, end, false
		}
	}
	return start, end, true
}

func replyStreamID(c *Ctx, id stream.ID) {
	var buf [48]byte
	c.Bulk(id.Append(buf[:0]))
}

// replyEntry writes an entry as [id, [field, value, ...]].
func replyEntry(c *Ctx, id stream.ID, fv [][]byte) {
	c.Array(2)
	replyStreamID(c, id)
	c.Array(len(fv))
	for _, b := range fv {
		c.Bulk(b)
	}
}

// setArrayLen inserts at offset at the header of an array of n elements
// written after it: Redis's deferred lengths, for replies whose size is
// known only once written.
func setArrayLen(c *Ctx, at, n int) {
	var buf [24]byte
	c.Out = slices.Insert(c.Out, at, proto.AppendArrayLen(buf[:0], n)...)
}

// setMapLen is setArrayLen for a map (an array of pairs in RESP2).
func setMapLen(c *Ctx, at, n int) {
	var buf [24]byte
	c.Out = slices.Insert(c.Out, at, proto.AppendMapLen(buf[:0], n, c.Resp3)...)
}

// replyRange writes the entries of s between start and end, at most count
// (0 for all), as an array.
func replyRange(c *Ctx, s *stream.Stream, start, end stream.ID, count int64, rev bool) {
	at, n := len(c.Out), int64(0)
	s.Range(start, end, rev, func(id stream.ID, fv [][]byte) bool {
		replyEntry(c, id, fv)
		n++
		return count == 0 || n < count
	})
	setArrayLen(c, at, int(n))
}

// subcommandSyntax is Redis's addReplySubcommandSyntaxError.
func subcommandSyntax(c *Ctx) {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + string(cStringN(c.Args[1], 128)) +
		"'. Try " + string(upper(c.Args[0])) + " HELP.")
}

// cStringN is b as C's "%.*s" prints it: up to the first NUL, at most n
// bytes.
func cStringN(b []byte, n int) []byte {
	b = cStringArg(b)
	if len(b) > n {
		b = b[:n]
	}
	return b
}

func upper(b []byte) []byte {
	out := make([]byte, len(b))
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		out[i] = ch
	}
	return out
}

// isArg reports whether arg, read as a C string, is s.
func isArg(arg []byte, s string) bool { return string(cStringArg(arg)) == s }

// Trimming strategies.
const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// addTrimArgs are the parsed options of XADD and XTRIM.
type addTrimArgs struct {
	trim     stream.TrimArgs
	strategy int
	// thresholdArg is the index of the MAXLEN or MINID argument, which the
	// write effect of an approximate trim rewrites.
	thresholdArg int
	id           stream.ID
	idGiven      bool
	seqGiven     bool
	noMkStream   bool
}

// parseAddTrim parses XADD's (xadd set) or XTRIM's options as Redis's
// streamParseAddOrTrimArgsOrReply does. For XADD it returns the index of
// the ID argument ("*" or an ID).
func parseAddTrim(c *Ctx, xadd bool) (a addTrimArgs, idPos int, ok bool) {
	args := c.Args
	limitGiven := false
	i := 2
loop:
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := cStringArg(args[i])
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			break loop
		case (eqFold(opt, "maxlen") || eqFold(opt, "minid")) && more > 0:
			if a.strategy != trimNone {
				c.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
				return a, 0, false
			}
			a.trim.Approx = false
			if more >= 2 && isArg(args[i+1], "~") {
				a.trim.Approx = true
				i++
			} else if more >= 2 && isArg(args[i+1], "=") {
				i++
			}
			if eqFold(opt, "maxlen") {
				n, ok := ParseInt(args[i+1])
				if !ok {
					c.NotInt()
					return a, 0, false
				}
				if n < 0 {
					c.Error("ERR The MAXLEN argument must be >= 0.")
					return a, 0, false
				}
				a.trim.MaxLen = n
				a.strategy = trimMaxLen
			} else {
				if a.trim.MinID, ok = parseStreamID(c, args[i+1]); !ok {
					return a, 0, false
				}
				a.trim.ByMinID = true
				a.strategy = trimMinID
			}
			i++
			a.thresholdArg = i
		case eqFold(opt, "limit") && more > 0:
			n, ok := ParseInt(args[i+1])
			if !ok {
				c.NotInt()
				return a, 0, false
			}
			if n < 0 {
				c.Error("ERR The LIMIT argument must be >= 0.")
				return a, 0, false
			}
			a.trim.Limit = n
			limitGiven = true
			i++
		case xadd && eqFold(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			if a.id, a.seqGiven, ok = stream.ParseAddID(args[i]); !ok {
				c.Error(errStreamID)
				return a, 0, false
			}
			a.idGiven = true
			break loop
		default:
			c.Syntax()
			return a, 0, false
		}
	}
	if a.trim.Limit != 0 && a.strategy == trimNone {
		c.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return a, 0, false
	}
	if !xadd && a.strategy == trimNone {
		c.Error("ERR syntax error, XTRIM must be called with a trimming strategy")
		return a, 0, false
	}
	switch {
	case c.e.ReplicaMode.Load() || c.batch != nil && c.batch.trusted:
		// A master propagates an approximate trim as the exact one it did,
		// keeping its LIMIT: Redis's mustObeyClient trims exactly. On a
		// replica only the master writes (replica-read-only).
		a.trim.Limit = 0
	case limitGiven && !a.trim.Approx:
		c.Error("ERR syntax error, LIMIT cannot be used without the special ~ option")
		return a, 0, false
	case !limitGiven && a.trim.Approx:
		a.trim.Limit = 100 * stream.NodeMaxEntries
	case !limitGiven:
		a.trim.Limit = 0
	}
	return a, i, true
}

// exactTrimEffect rewrites an approximate trim in args (a copy of the
// command) into the exact trim it amounted to, as Redis propagates it:
// "~" becomes "=" and the threshold becomes the stream's length or first
// ID.
func exactTrimEffect(args [][]byte, a *addTrimArgs, s *stream.Stream) {
	args[a.thresholdArg-1] = []byte("=")
	if a.strategy == trimMaxLen {
		args[a.thresholdArg] = strconv.AppendUint(nil, s.Len(), 10)
	} else {
		args[a.thresholdArg] = s.Edge(true, true).Append(nil)
	}
}

func cmdXAdd(c *Ctx) {
	key := c.Args[1]
	a, idPos, ok := parseAddTrim(c, true)
	if !ok {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Args) - fieldPos; n < 2 || n%2 == 1 {
		c.WrongArity()
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.Error(errXAddZero)
		return
	}
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.NoPropagate()
			c.Null()
			return
		}
		s = createStream(c, key)
	}
	if s.LastID == stream.MaxID {
		c.Error(errStreamFull)
		return
	}
	var given *stream.ID
	if a.idGiven {
		given = &a.id
	}
	id, err := s.Add(c.Args[fieldPos:], given, a.seqGiven, uint64(c.Now))
	switch err {
	case stream.ErrIDTooSmall:
		c.Error(errXAddTooSmall)
		return
	case stream.ErrTooLarge:
		c.Error(errStreamTooLarge)
		return
	}
	replyStreamID(c, id)
	c.Notify(NotifyStream, "xadd", key)
	rewriteID := !a.idGiven || !a.seqGiven
	if a.strategy != trimNone {
		if s.Trim(a.trim) > 0 {
			c.Notify(NotifyStream, "xtrim", key)
		}
	}
	if (rewriteID || a.trim.Approx) && journaling(c) {
		args := slices.Clone(c.Args)
		if a.trim.Approx {
			exactTrimEffect(args, &a, s)
		}
		if rewriteID {
			args[idPos] = id.Append(nil)
		}
		c.Propagate(args...)
	}
	c.KeyReady(key)
}

// xrange is XRANGE and XREVRANGE.
func xrange(c *Ctx, rev bool) {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, end, ok := parseRange(c, startArg, endArg)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if eqFold(cStringArg(c.Args[j]), "count") && j+1 < len(c.Args) {
			n, ok := ParseInt(c.Args[j+1])
			if !ok {
				c.NotInt()
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.Syntax()
		return
	}
	s, ok := lookupStream(c, c.Args[1], false)
	switch {
	case !ok:
	case s == nil:
		c.Array(0)
	case count == 0:
		c.NullArray()
	default:
		replyRange(c, s, start, end, max(count, 0), rev)
	}
}

func cmdXLen(c *Ctx) {
	s, ok := lookupStream(c, c.Args[1], false)
	switch {
	case !ok:
	case s == nil:
		c.Int(0)
	default:
		c.Int(int64(s.Len()))
	}
}

func cmdXDel(c *Ctx) {
	key := c.Args[1]
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	ids, ok := parseStreamIDs(c, c.Args[2:])
	if !ok {
		return
	}
	n := s.Delete(ids)
	if n == 0 {
		c.NoPropagate()
	} else {
		c.Notify(NotifyStream, "xdel", key)
	}
	c.Int(int64(n))
}

func cmdXTrim(c *Ctx) {
	key := c.Args[1]
	a, _, ok := parseAddTrim(c, false)
	if !ok {
		return
	}
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	n := s.Trim(a.trim)
	switch {
	case n == 0:
		c.NoPropagate()
	case a.trim.Approx:
		c.Notify(NotifyStream, "xtrim", key)
		if journaling(c) {
			args := slices.Clone(c.Args)
			exactTrimEffect(args, &a, s)
			c.Propagate(args...)
		}
	default:
		c.Notify(NotifyStream, "xtrim", key)
	}
	c.Int(n)
}

func cmdXSetID(c *Ctx) {
	key := c.Args[1]
	id, ok := parseStreamID(c, c.Args[2])
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDeleted stream.ID
	for i := 3; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		switch opt := cStringArg(c.Args[i]); {
		case eqFold(opt, "entriesadded") && more > 0:
			n, ok := ParseInt(c.Args[i+1])
			if !ok {
				c.NotInt()
				return
			}
			if n < 0 {
				c.Error("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
			i++
		case eqFold(opt, "maxdeletedid") && more > 0:
			if maxDeleted, ok = parseStreamID(c, c.Args[i+1]); !ok {
				return
			}
			if id.Less(maxDeleted) {
				c.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			i++
		default:
			c.Syntax()
			return
		}
	}
	s, ok := lookupStream(c, key, true)
	if !ok {
		return
	}
	if s == nil {
		c.Error(proto.ErrNoSuchKey)
		return
	}
	if s.Len() > 0 {
		if id.Less(s.Edge(false, false)) {
			c.Error("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.Len() > uint64(entriesAdded) {
			c.Error("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	if id.Less(s.MaxDeletedID) {
		c.Error("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
		return
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDeleted.IsZero() {
		s.MaxDeletedID = maxDeleted
	}
	c.Notify(NotifyStream, "xsetid", key)
	c.OK()
}

// groupNotFound is the NOGROUP error of the commands that name a key and
// a group.
func groupNotFound(c *Ctx, key, group []byte) {
	c.Error("NOGROUP No such key '" + string(cStringArg(key)) + "' or consumer group '" + string(cStringArg(group)) + "'")
}

// lookupGroup finds key's stream and its group for reading; ok=false
// means it replied (WRONGTYPE, or NOGROUP when either is missing).
func lookupGroup(c *Ctx, key, name []byte) (*stream.Stream, *stream.Group, bool) {
	s, ok := lookupStream(c, key, false)
	if !ok {
		return nil, nil, false
	}
	var g *stream.Group
	if s != nil {
		g = s.Group(name)
	}
	if g == nil {
		groupNotFound(c, key, name)
		return nil, nil, false
	}
	return s, g, true
}

// journaling reports whether the journal collects write effects, so that
// a command builds rewritten effects only then. When it does not, the
// command's effects still count as recorded: it is not journaled as
// itself.
func journaling(c *Ctx) bool {
	if c.e.Journal.On() {
		return true
	}
	c.propagated = true
	return false
}

// Write effects of the consumer group commands, as Redis's
// streamPropagateXCLAIM, streamPropagateGroupID and
// streamPropagateConsumerCreation build them.

func propagateXClaim(c *Ctx, key, group []byte, g *stream.Group, id stream.ID, nack *stream.NACK) {
	if !journaling(c) {
		return
	}
	c.Propagate([]byte("XCLAIM"), key, group, []byte(nack.Consumer.Name), []byte("0"), id.Append(nil),
		[]byte("TIME"), strconv.AppendInt(nil, nack.DeliveryTime, 10),
		[]byte("RETRYCOUNT"), strconv.AppendInt(nil, nack.DeliveryCount, 10),
		[]byte("FORCE"), []byte("JUSTID"), []byte("LASTID"), g.LastID.Append(nil))
}

func propagateGroupID(c *Ctx, key, group []byte, g *stream.Group) {
	if !journaling(c) {
		return
	}
	c.Propagate([]byte("XGROUP"), []byte("SETID"), key, group, g.LastID.Append(nil),
		[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10))
}

func propagateConsumerCreation(c *Ctx, key, group []byte, name string) {
	if !journaling(c) {
		return
	}
	c.Propagate([]byte("XGROUP"), []byte("CREATECONSUMER"), key, group, []byte(name))
}

// createConsumer adds consumer name to g, as Redis's streamCreateConsumer.
func createConsumer(c *Ctx, key []byte, g *stream.Group, name []byte) *stream.Consumer {
	cons := g.CreateConsumer(string(name), c.Now)
	if cons != nil {
		c.Notify(NotifyStream, "xgroup-createconsumer", key)
	}
	return cons
}

// lookupOrCreateConsumer returns consumer name of g, created if missing,
// seen now (Redis's lookup with SLC_DEFAULT refreshes the seen time).
func lookupOrCreateConsumer(c *Ctx, key []byte, g *stream.Group, name []byte) (cons *stream.Consumer, created bool) {
	if cons = g.Consumer(name); cons != nil {
		cons.SeenTime = c.Now
		return cons, false
	}
	return createConsumer(c, key, g, name), true
}

func cmdXAck(c *Ctx) {
	s, ok := lookupStream(c, c.Args[1], false)
	if !ok {
		return
	}
	var g *stream.Group
	if s != nil {
		g = s.Group(c.Args[2])
	}
	if g == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	ids, ok := parseStreamIDs(c, c.Args[3:])
	if !ok {
		return
	}
	n := 0
	for _, id := range ids {
		if g.Ack(id) {
			n++
		}
	}
	if n == 0 {
		c.NoPropagate()
	}
	c.Int(int64(n))
}

func cmdXPending(c *Ctx) {
	args := c.Args
	summary := len(args) == 3
	if !summary && (len(args) < 6 || len(args) > 9) {
		c.Syntax()
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumerName []byte
	if !summary {
		startIdx := 3
		if eqFold(cStringArg(args[3]), "idle") {
			n, ok := ParseInt(args[4])
			if !ok {
				c.NotInt()
				return
			}
			minIdle = n
			if len(args) < 8 {
				c.Syntax()
				return
			}
			startIdx += 2
		}
		n, ok := ParseInt(args[startIdx+2])
		if !ok {
			c.NotInt()
			return
		}
		count = max(n, 0)
		if start, end, ok = parseRange(c, args[startIdx], args[startIdx+1]); !ok {
			return
		}
		if startIdx+3 < len(args) {
			consumerName = args[startIdx+3]
		}
	}
	_, g, ok := lookupGroup(c, args[1], args[2])
	if !ok {
		return
	}
	if summary {
		c.Array(4)
		c.Int(int64(g.PendingLen()))
		first, ok := g.FirstPending()
		if !ok {
			c.Null()
			c.Null()
			c.NullArray()
			return
		}
		last, _ := g.LastPending()
		replyStreamID(c, first)
		replyStreamID(c, last)
		at, n := len(c.Out), 0
		for _, cons := range g.Consumers() {
			if cons.PendingLen() == 0 {
				continue
			}
			c.Array(2)
			c.BulkString(cons.Name)
			c.BulkInt(int64(cons.PendingLen()))
			n++
		}
		setArrayLen(c, at, n)
		return
	}
	var cons *stream.Consumer
	if consumerName != nil {
		if cons = g.Consumer(consumerName); cons == nil {
			c.Array(0)
			return
		}
	}
	at, n := len(c.Out), 0
	visit := func(id stream.ID, nack *stream.NACK) bool {
		if count == 0 || end.Less(id) {
			return false
		}
		idle := c.Now - nack.DeliveryTime
		if minIdle != 0 && idle < minIdle {
			return true
		}
		n++
		count--
		c.Array(4)
		replyStreamID(c, id)
		c.BulkString(nack.Consumer.Name)
		c.Int(max(idle, 0))
		c.Int(nack.DeliveryCount)
		return true
	}
	if cons != nil {
		cons.AscendPending(start, func(id stream.ID) bool { return visit(id, g.NACK(id)) })
	} else {
		g.AscendPending(start, visit)
	}
	setArrayLen(c, at, n)
}

func cmdXClaim(c *Ctx) {
	args := c.Args
	key, groupName := args[1], args[2]
	s, g, ok := lookupGroup(c, key, groupName)
	if !ok {
		return
	}
	minIdle, ok := ParseInt(args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	for ; j < len(args); j++ {
		if _, ok := stream.ParseID(args[j], 0, true); !ok {
			break
		}
	}
	lastIDArg := j - 1
	now := c.Now
	deliveryTime, retryCount := int64(-1), int64(-1)
	var lastID stream.ID
	force, justID := false, false
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := cStringArg(args[j])
		switch {
		case eqFold(opt, "force"):
			force = true
		case eqFold(opt, "justid"):
			justID = true
		case eqFold(opt, "idle") && more > 0:
			j++
			n, ok := ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - n
		case eqFold(opt, "time") && more > 0:
			j++
			n, ok := ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case eqFold(opt, "retrycount") && more > 0:
			j++
			n, ok := ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case eqFold(opt, "lastid") && more > 0:
			j++
			if lastID, ok = parseStreamID(c, args[j]); !ok {
				return
			}
		default:
			c.Error("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	propagateLastID := false
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		propagateLastID = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var cons *stream.Consumer
	at, n := len(c.Out), 0
	for _, arg := range args[5 : lastIDArg+1] {
		id, _ := stream.ParseID(arg, 0, true)
		nack := g.NACK(id)
		if !s.Exists(id) {
			if nack != nil {
				propagateXClaim(c, key, groupName, g, id, nack)
				propagateLastID = false
				g.Ack(id)
			}
			continue
		}
		if force && nack == nil {
			nack = g.Force(id, now)
		}
		if nack == nil {
			continue
		}
		if nack.Consumer != nil && minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons, _ = lookupOrCreateConsumer(c, key, g, args[3])
		}
		g.Assign(id, nack, cons)
		nack.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.DeliveryCount = retryCount
		} else if !justID {
			nack.DeliveryCount++
		}
		if justID {
			replyStreamID(c, id)
		} else {
			s.Get(id, func(fv [][]byte) { replyEntry(c, id, fv) })
		}
		n++
		propagateXClaim(c, key, groupName, g, id, nack)
		propagateLastID = false
	}
	if propagateLastID {
		propagateGroupID(c, key, groupName, g)
	}
	setArrayLen(c, at, n)
	if !c.propagated {
		c.NoPropagate()
	}
}

// xautoclaimMaxCount is the largest COUNT Redis accepts: LONG_MAX divided
// by the larger of sizeof(streamID) and the attempts factor.
const xautoclaimMaxCount = (1<<63 - 1) / 16

func cmdXAutoClaim(c *Ctx) {
	args := c.Args
	key, groupName := args[1], args[2]
	minIdle, ok := ParseInt(args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := parseIntervalID(c, args[5], 0)
	if !ok {
		return
	}
	if ex {
		if start, ok = start.Next(); !ok {
			c.Error(errStartInterval)
			return
		}
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := cStringArg(args[j]); {
		case eqFold(opt, "count") && more > 0:
			n, ok := ParseInt(args[j+1])
			if !ok || n < 1 || n > xautoclaimMaxCount {
				c.Error("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case eqFold(opt, "justid"):
			justID = true
		default:
			c.Syntax()
			return
		}
	}
	s, g, ok := lookupGroup(c, key, groupName)
	if !ok {
		return
	}
	attempts := count * 10
	now := c.Now
	var cons *stream.Consumer
	var deleted []stream.ID
	c.Array(3)
	cursorAt := len(c.Out)
	entriesAt, n := len(c.Out), 0
	// next is where the scan goes on; more is false once it has passed
	// the last pending entry.
	next, more := start, true
	for ; attempts > 0 && count > 0 && more; attempts-- {
		id, nack, ok := g.NextPending(next)
		if !ok {
			more = false
			break
		}
		next, more = id.Next()
		if !s.Exists(id) {
			propagateXClaim(c, key, groupName, g, id, nack)
			g.Ack(id)
			deleted = append(deleted, id)
			count--
			continue
		}
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons, _ = lookupOrCreateConsumer(c, key, g, args[3])
		}
		g.Assign(id, nack, cons)
		nack.DeliveryTime = now
		if !justID {
			nack.DeliveryCount++
		}
		if justID {
			replyStreamID(c, id)
		} else if !s.Get(id, func(fv [][]byte) { replyEntry(c, id, fv) }) {
			c.Null()
		}
		n++
		count--
		propagateXClaim(c, key, groupName, g, id, nack)
	}
	setArrayLen(c, entriesAt, n)
	// The cursor is the first pending entry not visited, 0-0 past the end.
	var cursor stream.ID
	if more {
		if id, _, ok := g.NextPending(next); ok {
			cursor = id
		}
	}
	var buf [48]byte
	c.Out = slices.Insert(c.Out, cursorAt, proto.AppendBulk(buf[:0], cursor.Append(nil))...)
	c.Array(len(deleted))
	for _, id := range deleted {
		replyStreamID(c, id)
	}
	if !c.propagated {
		c.NoPropagate()
	}
}

// The XGROUP subcommands share Redis's xgroupCommand prologue: options of
// CREATE and SETID first, then the key (which must exist unless CREATE
// has MKSTREAM) and, except for CREATE and DESTROY, the group.

type xgroupArgs struct {
	s           *stream.Stream
	g           *stream.Group
	mkstream    bool
	entriesRead int64
}

func xgroupPrologue(c *Ctx, create, setid, needGroup bool) (a xgroupArgs, ok bool) {
	args := c.Args
	a.entriesRead = stream.InvalidEntriesRead
	if (create || setid) && len(args) >= 6 {
		for i := 5; i < len(args); {
			opt := cStringArg(args[i])
			switch {
			case create && eqFold(opt, "mkstream"):
				a.mkstream = true
				i++
			case eqFold(opt, "entriesread") && i+1 < len(args):
				n, ok := ParseInt(args[i+1])
				if !ok {
					c.NotInt()
					return a, false
				}
				if n < 0 && n != stream.InvalidEntriesRead {
					c.Error(errEntriesRead)
					return a, false
				}
				a.entriesRead = n
				i += 2
			default:
				subcommandSyntax(c)
				return a, false
			}
		}
	}
	if a.s, ok = lookupStream(c, args[2], true); !ok {
		return a, false
	}
	if a.mkstream {
		return a, true
	}
	if a.s == nil {
		c.Error(errXGroupNoKey)
		return a, false
	}
	a.g = a.s.Group(args[3])
	if a.g == nil && needGroup {
		c.Error("NOGROUP No such consumer group '" + string(cStringArg(args[3])) + "' for key name '" + string(cStringArg(args[2])) + "'")
		return a, false
	}
	return a, true
}

func cmdXGroupCreate(c *Ctx) {
	a, ok := xgroupPrologue(c, true, false, false)
	if !ok {
		return
	}
	if len(c.Args) > 8 {
		subcommandSyntax(c)
		return
	}
	key := c.Args[2]
	var id stream.ID
	switch {
	case !isArg(c.Args[4], "$"):
		if id, ok = parseStreamID(c, c.Args[4]); !ok {
			return
		}
	case a.s != nil:
		id = a.s.LastID
	}
	if a.s == nil {
		a.s = createStream(c, key)
	}
	if a.s.CreateGroup(string(c.Args[3]), id, a.entriesRead) == nil {
		c.Error(errBusyGroup)
		return
	}
	c.Notify(NotifyStream, "xgroup-create", key)
	c.OK()
}

func cmdXGroupSetID(c *Ctx) {
	a, ok := xgroupPrologue(c, false, true, true)
	if !ok {
		return
	}
	if len(c.Args) != 5 && len(c.Args) != 7 {
		subcommandSyntax(c)
		return
	}
	id := a.s.LastID
	if !isArg(c.Args[4], "$") {
		if id, ok = stream.ParseID(c.Args[4], 0, false); !ok {
			c.Error(errStreamID)
			return
		}
	}
	a.g.LastID = id
	a.g.EntriesRead = a.entriesRead
	c.Notify(NotifyStream, "xgroup-setid", c.Args[2])
	c.OK()
}

func cmdXGroupDestroy(c *Ctx) {
	a, ok := xgroupPrologue(c, false, false, false)
	if !ok {
		return
	}
	if a.g == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	a.s.DestroyGroup(c.Args[3])
	c.Notify(NotifyStream, "xgroup-destroy", c.Args[2])
	c.Int(1)
	// Clients blocked in XREADGROUP on the group get an error.
	c.KeyReady(c.Args[2])
}

func cmdXGroupCreateConsumer(c *Ctx) {
	a, ok := xgroupPrologue(c, false, false, true)
	if !ok {
		return
	}
	if createConsumer(c, c.Args[2], a.g, c.Args[4]) == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	c.Int(1)
}

func cmdXGroupDelConsumer(c *Ctx) {
	a, ok := xgroupPrologue(c, false, false, true)
	if !ok {
		return
	}
	cons := a.g.Consumer(c.Args[4])
	if cons == nil {
		c.NoPropagate()
		c.Int(0)
		return
	}
	n := a.g.DeleteConsumer(cons)
	c.Notify(NotifyStream, "xgroup-delconsumer", c.Args[2])
	c.Int(int64(n))
}

func replyHelp(c *Ctx, lines []string) {
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
}

func cmdXGroupHelp(c *Ctx) {
	replyHelp(c, []string{
		"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
		"HELP",
		"    Prints this help.",
	})
}

func cmdXInfoHelp(c *Ctx) {
	replyHelp(c, []string{
		"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
		"HELP",
		"    Prints this help.",
	})
}

// lookupInfoStream finds XINFO's stream: a missing key is an error.
func lookupInfoStream(c *Ctx) *stream.Stream {
	s, ok := lookupStream(c, c.Args[2], false)
	if ok && s == nil {
		c.Error(proto.ErrNoSuchKey)
	}
	return s
}

// replyLag writes a group's lag, null when it cannot be known.
func replyLag(c *Ctx, s *stream.Stream, g *stream.Group) {
	if lag, ok := s.Lag(g); ok {
		c.Int(lag)
	} else {
		c.Null()
	}
}

func replyEntriesRead(c *Ctx, g *stream.Group) {
	if g.EntriesRead == stream.InvalidEntriesRead {
		c.Null()
	} else {
		c.Int(g.EntriesRead)
	}
}

func cmdXInfoConsumers(c *Ctx) {
	s := lookupInfoStream(c)
	if s == nil {
		return
	}
	g := s.Group(c.Args[3])
	if g == nil {
		c.Error("NOGROUP No such consumer group '" + string(cStringArg(c.Args[3])) + "' for key name '" + string(cStringArg(c.Args[2])) + "'")
		return
	}
	c.Array(len(g.Consumers()))
	for _, cons := range g.Consumers() {
		c.Map(3)
		c.BulkString("name")
		c.BulkString(cons.Name)
		c.BulkString("pending")
		c.Int(int64(cons.PendingLen()))
		c.BulkString("idle")
		c.Int(max(c.Now-cons.SeenTime, 0))
	}
}

func cmdXInfoGroups(c *Ctx) {
	s := lookupInfoStream(c)
	if s == nil {
		return
	}
	c.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		c.Map(6)
		c.BulkString("name")
		c.BulkString(g.Name)
		c.BulkString("consumers")
		c.Int(int64(len(g.Consumers())))
		c.BulkString("pending")
		c.Int(int64(g.PendingLen()))
		c.BulkString("last-delivered-id")
		replyStreamID(c, g.LastID)
		c.BulkString("entries-read")
		replyEntriesRead(c, g)
		c.BulkString("lag")
		replyLag(c, s, g)
	}
}

func cmdXInfoStream(c *Ctx) {
	s := lookupInfoStream(c)
	if s == nil {
		return
	}
	args := c.Args
	full := false
	count := int64(10)
	if len(args) > 3 {
		if !eqFold(cStringArg(args[3]), "full") {
			subcommandSyntax(c)
			return
		}
		switch {
		case len(args) == 6 && eqFold(cStringArg(args[4]), "count"):
			n, ok := ParseInt(args[5])
			if !ok {
				c.NotInt()
				return
			}
			count = max(n, 0)
		case len(args) > 4:
			subcommandSyntax(c)
			return
		}
		full = true
	}
	if full {
		c.Map(9)
	} else {
		c.Map(10)
	}
	c.BulkString("length")
	c.Int(int64(s.Len()))
	c.BulkString("radix-tree-keys")
	c.Int(int64(s.Nodes()))
	c.BulkString("radix-tree-nodes")
	c.Int(int64(s.RaxNodes()))
	c.BulkString("last-generated-id")
	replyStreamID(c, s.LastID)
	c.BulkString("max-deleted-entry-id")
	replyStreamID(c, s.MaxDeletedID)
	c.BulkString("entries-added")
	c.Int(int64(s.EntriesAdded))
	c.BulkString("recorded-first-entry-id")
	replyStreamID(c, s.FirstID)
	if !full {
		c.BulkString("groups")
		c.Int(int64(len(s.Groups())))
		edgeEntry := func(rev bool) {
			found := false
			s.Range(stream.ID{}, stream.MaxID, rev, func(id stream.ID, fv [][]byte) bool {
				replyEntry(c, id, fv)
				found = true
				return false
			})
			if !found {
				c.Null()
			}
		}
		c.BulkString("first-entry")
		edgeEntry(false)
		c.BulkString("last-entry")
		edgeEntry(true)
		return
	}
	c.BulkString("entries")
	replyRange(c, s, stream.ID{}, stream.MaxID, count, false)
	c.BulkString("groups")
	c.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		c.Map(7)
		c.BulkString("name")
		c.BulkString(g.Name)
		c.BulkString("last-delivered-id")
		replyStreamID(c, g.LastID)
		c.BulkString("entries-read")
		replyEntriesRead(c, g)
		c.BulkString("lag")
		replyLag(c, s, g)
		c.BulkString("pel-count")
		c.Int(int64(g.PendingLen()))
		c.BulkString("pending")
		at, n := len(c.Out), int64(0)
		g.AscendPending(stream.ID{}, func(id stream.ID, nack *stream.NACK) bool {
			if count != 0 && n >= count {
				return false
			}
			c.Array(4)
			replyStreamID(c, id)
			c.BulkString(nack.Consumer.Name)
			c.Int(nack.DeliveryTime)
			c.Int(nack.DeliveryCount)
			n++
			return true
		})
		setArrayLen(c, at, int(n))
		c.BulkString("consumers")
		c.Array(len(g.Consumers()))
		for _, cons := range g.Consumers() {
			c.Map(4)
			c.BulkString("name")
			c.BulkString(cons.Name)
			c.BulkString("seen-time")
			c.Int(cons.SeenTime)
			c.BulkString("pel-count")
			c.Int(int64(cons.PendingLen()))
			c.BulkString("pending")
			at, n := len(c.Out), int64(0)
			cons.AscendPending(stream.ID{}, func(id stream.ID) bool {
				if count != 0 && n >= count {
					return false
				}
				nack := g.NACK(id)
				c.Array(3)
				replyStreamID(c, id)
				c.Int(nack.DeliveryTime)
				c.Int(nack.DeliveryCount)
				n++
				return true
			})
			setArrayLen(c, at, int(n))
		}
	}
}
