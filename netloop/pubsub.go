package netloop

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// Pub/sub (DESIGN.md invariant 5). One registry maps channels, patterns
// and shard channels to subscribed connections; a read-write lock guards it,
// so publishers on every event loop (and shards publishing keyspace events)
// look subscribers up in parallel. A message is appended to each
// subscriber's outbox and the subscriber's event loop is woken once per
// burst to write the whole outbox: PUBLISH never waits for a subscriber, and
// a subscriber past client-output-buffer-limit pubsub is disconnected.

type subKind uint8

const (
	subChannel subKind = iota
	subPattern
	subShard
)

var subNames = [...]struct{ sub, unsub, message string }{
	subChannel: {"subscribe", "unsubscribe", "message"},
	subPattern: {"psubscribe", "punsubscribe", "pmessage"},
	subShard:   {"ssubscribe", "sunsubscribe", "smessage"},
}

type pubsub struct {
	mu   sync.RWMutex
	subs [3]map[string]map[*conn]struct{}
}

func newPubsub() *pubsub {
	p := &pubsub{}
	for i := range p.subs {
		p.subs[i] = make(map[string]map[*conn]struct{})
	}
	return p
}

// outbox holds messages for one subscriber until its event loop writes them.
type outbox struct {
	mu        sync.Mutex
	buf       []byte
	scheduled bool
	// unsent is what the loop last saw in gnet's outbound buffer; the limit
	// applies to it plus the outbox.
	unsent    atomic.Int64
	softSince int64 // unix ms the soft limit was first exceeded; loop-owned
	closing   atomic.Bool
}

// subscribe adds names of kind to cn and answers each as Redis does.
func (cn *conn) subscribe(kind subKind, names [][]byte) {
	ps := cn.s.pubsub
	for _, n := range names {
		name := string(n)
		if _, ok := cn.subs[kind][name]; !ok {
			if cn.subs[kind] == nil {
				cn.subs[kind] = make(map[string]struct{})
			}
			cn.subs[kind][name] = struct{}{}
			ps.mu.Lock()
			m := ps.subs[kind][name]
			if m == nil {
				m = make(map[*conn]struct{})
				ps.subs[kind][name] = m
			}
			m[cn] = struct{}{}
			ps.mu.Unlock()
		}
		cn.subReply(subNames[kind].sub, n, kind)
	}
	cn.noteSubs()
}

// unsubscribe removes names (all of kind when names is empty).
func (cn *conn) unsubscribe(kind subKind, names [][]byte) {
	if len(names) == 0 {
		for name := range cn.subs[kind] {
			names = append(names, []byte(name))
		}
		sort.Slice(names, func(i, j int) bool { return string(names[i]) < string(names[j]) })
		if len(names) == 0 {
			cn.subReply(subNames[kind].unsub, nil, kind)
			return
		}
	}
	for _, n := range names {
		cn.dropSub(kind, string(n))
		cn.subReply(subNames[kind].unsub, n, kind)
	}
	cn.noteSubs()
}

func (cn *conn) dropSub(kind subKind, name string) {
	if _, ok := cn.subs[kind][name]; !ok {
		return
	}
	delete(cn.subs[kind], name)
	ps := cn.s.pubsub
	ps.mu.Lock()
	if m := ps.subs[kind][name]; m != nil {
		delete(m, cn)
		if len(m) == 0 {
			delete(ps.subs[kind], name)
		}
	}
	ps.mu.Unlock()
}

// unsubscribeAll forgets every subscription without replies (RESET,
// disconnect).
func (cn *conn) unsubscribeAll() {
	for kind := range cn.subs {
		for name := range cn.subs[kind] {
			cn.dropSub(subKind(kind), name)
		}
	}
	cn.noteSubs()
}

// subCount is the number of channels and patterns (not shard channels)
// the connection is subscribed to: the count SUBSCRIBE replies show.
func (cn *conn) subCount(kind subKind) int {
	if kind == subShard {
		return len(cn.subs[subShard])
	}
	return len(cn.subs[subChannel]) + len(cn.subs[subPattern])
}

// subscribed reports whether RESP2 subscribed-mode rules apply.
func (cn *conn) subscribed() bool {
	return len(cn.subs[0])+len(cn.subs[1])+len(cn.subs[2]) > 0
}

// noteSubs publishes the subscription counts for CLIENT LIST.
func (cn *conn) noteSubs() {
	cn.mu.Lock()
	cn.subShown = [3]int{len(cn.subs[0]), len(cn.subs[1]), len(cn.subs[2])}
	cn.mu.Unlock()
}

func (cn *conn) subReply(what string, name []byte, kind subKind) {
	out := proto.AppendPushLen(cn.out(), 3, cn.resp3)
	out = proto.AppendBulkString(out, what)
	if name == nil {
		out = proto.AppendNull(out, cn.resp3)
	} else {
		out = proto.AppendBulk(out, name)
	}
	out = proto.AppendInt(out, int64(cn.subCount(kind)))
	cn.end(out)
}

// message encodes a published message for one protocol version.
func message(kind subKind, pattern, channel, msg []byte, resp3 bool) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	out := proto.AppendPushLen(nil, n, resp3)
	out = proto.AppendBulkString(out, subNames[kind].message)
	if pattern != nil {
		out = proto.AppendBulk(out, pattern)
	}
	out = proto.AppendBulk(out, channel)
	return proto.AppendBulk(out, msg)
}

// Publish delivers msg on channel (shard channels when shardChan) and
// returns the number of receivers. self, when subscribed, gets its copy
// through selfOut so that it precedes PUBLISH's own reply.
func (s *Server) Publish(channel, msg []byte, shardChan bool, self *conn, selfOut []byte) (int, []byte) {
	ps := s.pubsub
	var enc [2][]byte // RESP2, RESP3
	encode := func(kind subKind, pattern []byte, resp3 bool) []byte {
		if pattern != nil {
			return message(kind, pattern, channel, msg, resp3)
		}
		i := 0
		if resp3 {
			i = 1
		}
		if enc[i] == nil {
			enc[i] = message(kind, nil, channel, msg, resp3)
		}
		return enc[i]
	}
	n := 0
	deliver := func(c *conn, b []byte) {
		n++
		if c == self {
			selfOut = append(selfOut, b...)
			return
		}
		c.deliver(b)
	}
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	if shardChan {
		for c := range ps.subs[subShard][string(channel)] {
			deliver(c, encode(subShard, nil, c.resp3))
		}
		return n, selfOut
	}
	for c := range ps.subs[subChannel][string(channel)] {
		deliver(c, encode(subChannel, nil, c.resp3))
	}
	for pat, conns := range ps.subs[subPattern] {
		if !shard.GlobMatch([]byte(pat), channel, false) {
			continue
		}
		for c := range conns {
			deliver(c, encode(subPattern, []byte(pat), c.resp3))
		}
	}
	return n, selfOut
}

// deliver queues b for the subscriber and wakes its loop if needed; it
// drops b and closes the connection past the pubsub class's hard limit.
func (c *conn) deliver(b []byte) {
	hard, _, _ := c.s.Config.pubsubLimits()
	c.queueOutput(b, hard, "pubsub")
}

// queueOutput queues b on the connection's outbox, written by its own loop,
// and wakes the loop if needed; past hard (the limit of the client's
// output buffer class) it drops b and closes the connection.
func (c *conn) queueOutput(b []byte, hard int64, class string) {
	ob := &c.outbox
	if ob.closing.Load() {
		return
	}
	ob.mu.Lock()
	over := hard > 0 && int64(len(ob.buf)+len(b))+ob.unsent.Load() > hard
	if !over {
		ob.buf = append(ob.buf, b...)
	}
	wake := !ob.scheduled && !over
	ob.scheduled = ob.scheduled || wake
	ob.mu.Unlock()
	if over {
		c.closeForLimit("hard", class)
		return
	}
	if wake {
		_ = c.gc.Wake(nil)
	}
}

// drainOutbox writes queued messages (on the connection's loop) and
// applies the soft limit.
func (cn *conn) drainOutbox() {
	ob := &cn.outbox
	ob.mu.Lock()
	buf := ob.buf
	ob.buf = nil
	ob.scheduled = false
	ob.mu.Unlock()
	if len(buf) > 0 {
		_, _ = cn.gc.Write(buf)
		cn.s.stats.netOut.Add(uint64(len(buf)))
	}
	unsent := int64(cn.gc.OutboundBuffered())
	ob.unsent.Store(unsent)
	if !cn.subscribed() {
		return
	}
	// The hard limit was applied when the output was queued (deliver).
	_, soft, secs := cn.s.Config.pubsubLimits()
	if which := overLimit(unsent, 0, soft, secs, &ob.softSince); which != "" {
		cn.closeForLimit(which, "pubsub")
	}
	if unsent > 0 {
		// Nothing else wakes a subscriber whose socket drains: cron does.
		cn.pause()
	}
}

func (c *conn) closeForLimit(which, class string) {
	if c.outbox.closing.Swap(true) {
		return
	}
	c.s.Log.Warn("Client scheduled to be closed ASAP for overcoming of output buffer limits.",
		"id", c.id, "addr", c.addr, "limit", which, "class", class)
	_ = c.gc.Close()
}

// pubsubLimits returns client-output-buffer-limit's pubsub class: hard and
// soft limits in bytes and the soft limit's seconds.
func (c *Config) pubsubLimits() (hard, soft, secs int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.obufPubsub[0], c.obufPubsub[1], c.obufPubsub[2]
}

// normalLimits returns client-output-buffer-limit's normal class.
func (c *Config) normalLimits() (hard, soft, secs int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.obufNormal[0], c.obufNormal[1], c.obufNormal[2]
}

// checkNormalLimit applies client-output-buffer-limit normal to a client
// that is not a subscriber (on its loop, after writing replies): past the
// hard limit, or past the soft limit for longer than its seconds, the
// client is closed, as Redis does. 0 disables a limit (the default).
func (cn *conn) checkNormalLimit() {
	if cn.subscribed() {
		return
	}
	hard, soft, secs := cn.s.Config.normalLimits()
	if hard == 0 && soft == 0 {
		return
	}
	unsent := int64(cn.gc.OutboundBuffered())
	if which := overLimit(unsent, hard, soft, secs, &cn.normalSoftSince); which != "" {
		cn.closeForLimit(which, "normal")
	}
}

// overLimit applies client-output-buffer-limit's rule to pending output
// bytes: over hard at once, or over soft for longer than secs seconds
// (0 disables a limit). since, owned by the caller's goroutine, remembers
// when pending first passed soft. It returns the limit broken, "hard" or
// "soft", or "".
func overLimit(pending, hard, soft, secs int64, since *int64) string {
	now := time.Now().UnixMilli()
	switch {
	case hard > 0 && pending > hard:
		return "hard"
	case soft <= 0 || pending <= soft:
		*since = 0
	case *since == 0:
		*since = now
	case now-*since > secs*1000:
		return "soft"
	}
	return ""
}

// parseOutputLimits parses client-output-buffer-limit: one or more
// "<class> <hard> <soft> <seconds>" groups.
func parseOutputLimits(v string) (map[string][3]int64, bool) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f)%4 != 0 {
		return nil, false
	}
	out := map[string][3]int64{}
	for i := 0; i < len(f); i += 4 {
		class := strings.ToLower(f[i])
		if class == "slave" {
			class = "replica"
		}
		if class != "normal" && class != "replica" && class != "pubsub" {
			return nil, false
		}
		hard, ok1 := parseMemory(f[i+1])
		soft, ok2 := parseMemory(f[i+2])
		secs, ok3 := parseMemory(f[i+3])
		if !ok1 || !ok2 || !ok3 {
			return nil, false
		}
		out[class] = [3]int64{hard, soft, secs}
	}
	return out, true
}

// pubsubCommand answers PUBSUB's subcommands.
func (cn *conn) pubsubCommand(cmd *shard.Command, args [][]byte) {
	if cn.unknownSub(cmd, args) {
		return
	}
	ps := cn.s.pubsub
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	switch subName(cmd) {
	case "channels", "shardchannels":
		kind := subChannel
		if subName(cmd) == "shardchannels" {
			kind = subShard
		}
		var names []string
		for name := range ps.subs[kind] {
			if len(args) == 3 && !shard.GlobMatch(args[2], []byte(name), false) {
				continue
			}
			names = append(names, name)
		}
		sort.Strings(names)
		out := proto.AppendArrayLen(cn.out(), len(names))
		for _, n := range names {
			out = proto.AppendBulkString(out, n)
		}
		cn.end(out)
	case "numsub", "shardnumsub":
		kind := subChannel
		if subName(cmd) == "shardnumsub" {
			kind = subShard
		}
		out := proto.AppendMapLen(cn.out(), len(args)-2, cn.resp3)
		for _, ch := range args[2:] {
			out = proto.AppendBulk(out, ch)
			out = proto.AppendInt(out, int64(len(ps.subs[kind][string(ch)])))
		}
		cn.end(out)
	case "numpat":
		cn.end(proto.AppendInt(cn.out(), int64(len(ps.subs[subPattern]))))
	case "help":
		cn.help("PUBSUB", []string{
			"CHANNELS [<pattern>]",
			"    Return the currently active channels matching a <pattern> (default: '*').",
			"NUMPAT",
			"    Return number of subscriptions to patterns.",
			"NUMSUB [<channel> ...]",
			"    Return the number of subscribers for the specified channels, excluding",
			"    pattern subscriptions(default: no channels).",
			"SHARDCHANNELS [<pattern>]",
			"    Return the currently active shard level channels matching a <pattern> (default: '*').",
			"SHARDNUMSUB [<shardchannel> ...]",
			"    Return the number of subscribers for the specified shard level channel(s)",
		})
	}
}

// kindOf maps a (un)subscribe command's name to its kind.
func kindOf(name string) subKind {
	switch name {
	case "psubscribe", "punsubscribe":
		return subPattern
	case "ssubscribe", "sunsubscribe":
		return subShard
	}
	return subChannel
}

// allowedSubscribed lists what a RESP2 client in subscribed mode may send.
func allowedSubscribed(cmd *shard.Command) bool {
	switch cmd.ConnID {
	case connSubscribe, connUnsubscribe, connPing, connQuit, connReset:
		return true
	}
	return false
}

// publish answers PUBLISH and SPUBLISH.
func (cn *conn) publish(args [][]byte, shardChan bool) {
	n, out := cn.s.Publish(args[1], args[2], shardChan, cn, cn.out())
	cn.end(proto.AppendInt(out, int64(n)))
}
