package netloop

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

const (
	// maxBatch bounds the commands decoded from one read before they run,
	// so one connection cannot hold a shard for long.
	maxBatch = 1024
	// firstBatch bounds a connection's first batch, before the size of its
	// replies is known (see flush).
	firstBatch = 64
	// outputPause is how much unsent output stops a connection's parsing
	// until the client reads: a client that pipelines without reading
	// cannot make the server buffer replies without bound.
	outputPause = 4 << 20
	// bigInput is the size past which an incomplete request leaves gnet's
	// input buffer for conn.big (see conn.input).
	bigInput = 64 << 10
	// retainArgs bounds the argument slices a connection keeps between
	// batches, so one request with millions of arguments does not pin
	// their headers for the life of the connection.
	retainArgs = 1 << 16
)

type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkip
)

// conn is one client connection. Its fields are owned by its event loop,
// except those under mu (read by CLIENT LIST/INFO from other loops) and the
// atomics.
type conn struct {
	s    *Server
	gc   gnet.Conn
	loop *loopState
	id   int64

	parser  proto.Parser
	scratch [][]byte
	argv    [][]byte // arguments of the batch being built
	arena   []byte   // copies of inline arguments (the parser reuses its own)
	batch   *shard.Batch
	// batchCap is how many commands the next batch may take.
	batchCap int
	// big holds the input, from bigOff on, while a large request arrives.
	big    []byte
	bigOff int

	inflight bool
	done     atomic.Bool

	db       int
	resp3    bool
	authed   bool
	closing  bool
	tx       txState
	subs     [3]map[string]struct{} // channels, patterns, shard channels
	outbox   outbox                 // published messages not yet written
	reply    replyMode
	replySet bool
	connRan  []int // ids of connection commands run by the current parse
	paused   bool
	// idleOut is the unsent output at the last idle check (see closeIfIdle).
	idleOut int
	// normalSoftSince is when unsent output first passed the normal
	// class's soft limit (unix ms), 0 when under it.
	normalSoftSince int64
	// watchPending is set while a WATCH waits in the batch being built:
	// EXEC must not be routed before its keys are registered.
	watchPending bool
	// pauseWrites is set when a write command met CLIENT PAUSE WRITE.
	pauseWrites bool
	// fsyncHeld is set while the finished batch's replies wait for an AOF
	// fsync (aof.go).
	fsyncHeld bool
	// monFeed is set, once per parse, while some connection runs MONITOR;
	// monitoring marks this connection as one (monitor.go).
	monFeed, monitoring bool
	// replica is set once the connection sent REPLCONF or SYNC/PSYNC
	// (replmaster.go).
	replica *replicaLink

	addr, laddr string
	created     time.Time
	lastCmd     atomic.Pointer[shard.Command]
	lastActive  atomic.Int64 // unix ms

	mu        sync.Mutex
	subShown  [3]int // subscription counts for CLIENT LIST
	respShown int    // protocol version for CLIENT LIST
	name      string
	libName   string
	libVer    string
	dbShown   int
	flags     string
}

func newConn(s *Server, gc gnet.Conn) *conn {
	cn := &conn{
		s:       s,
		gc:      gc,
		id:      s.nextID.Add(1),
		authed:  s.Config.Get("requirepass") == "",
		created: time.Now(),
		flags:   "N",
	}
	cn.respShown = 2
	cn.batchCap = firstBatch
	if a := gc.RemoteAddr(); a != nil {
		cn.addr = a.String()
	}
	if a := gc.LocalAddr(); a != nil {
		cn.laddr = a.String()
	}
	cn.lastActive.Store(time.Now().UnixMilli())
	cn.batch = s.Engine.NewBatch()
	cn.tx.watch = s.Engine.NewWatchSet()
	cn.batch.Watch = cn.tx.watch
	cn.batch.OnDone = func() {
		cn.done.Store(true)
		_ = gc.Wake(nil)
	}
	return cn
}

// onTraffic runs on the connection's event loop, after a read or a Wake.
func (cn *conn) onTraffic() gnet.Action {
	c := cn.gc
	cn.paused = false
	if cn.replica != nil {
		cn.replFeed()
	}
	cn.drainOutbox()
	cn.checkNormalLimit()
	if cn.inflight {
		if !cn.done.Load() {
			// Blocked or slow: input keeps arriving, within the limit.
			return cn.checkQueryLimit()
		}
		cn.inflight = false
		cn.done.Store(false)
		if g := cn.s.aof.gate.Load(); g != nil && !cn.fsyncHeld && cn.holdReplies(g) {
			return cn.checkQueryLimit()
		}
		cn.flush()
		if cn.closing {
			return gnet.Close
		}
	}
	for {
		if c.OutboundBuffered() > outputPause || cn.s.clientsPaused() || cn.pauseWrites {
			cn.pauseWrites = false
			cn.pause()
			return cn.checkQueryLimit()
		}
		buffered := cn.buffered()
		if buffered == 0 || buffered < cn.parser.Need() {
			return cn.checkQueryLimit()
		}
		buf := cn.input()
		consumed, perr := cn.parse(buf)
		if perr != nil {
			// Replies to the commands before the bad one still go out first.
			cn.s.Log.Debug("protocol error", "id", cn.id, "addr", cn.addr, "err", perr)
			cn.batch.AddLocal(proto.AppendError(nil, "ERR "+perr.Error()))
			cn.closing = true
		}
		cn.s.stats.netIn.Add(uint64(consumed))
		if cn.batch.Len() == 0 {
			if cn.closing {
				// SHUTDOWN closes the connection without a reply.
				return gnet.Close
			}
			if consumed > 0 {
				cn.consume(consumed)
				continue
			}
			if cn.pauseWrites {
				continue
			}
			cn.keepPartial(buf)
			return cn.checkQueryLimit()
		}
		if !cn.batch.Exec() {
			cn.inflight = true
			cn.consume(consumed)
			return gnet.None
		}
		if g := cn.s.aof.gate.Load(); g != nil && cn.holdReplies(g) {
			cn.consume(consumed)
			return gnet.None
		}
		cn.flush()
		cn.consume(consumed)
		if cn.closing {
			return gnet.Close
		}
	}
}

// input returns the unconsumed input. It is gnet's buffer, except while a
// large request arrives: gnet's Peek copies everything buffered whenever
// earlier reads and a fresh one are both pending, so re-parsing an
// incomplete request on every read would cost time quadratic in its size
// (a 70 MB DEL of ten million keys took 30 s, all of it in Peek). Once an
// incomplete request outgrows bigInput, keepPartial moves it to cn.big,
// and input appends every later read there: each byte is copied once.
func (cn *conn) input() []byte {
	c := cn.gc
	if cn.big == nil {
		buf, _ := c.Peek(-1)
		return buf
	}
	if n := c.InboundBuffered(); n > 0 {
		buf, _ := c.Peek(-1)
		cn.big = append(cn.big, buf...)
		_, _ = c.Discard(n)
	}
	return cn.big[cn.bigOff:]
}

// buffered is how much input waits, in gnet's buffer and in cn.big.
func (cn *conn) buffered() int {
	return cn.gc.InboundBuffered() + len(cn.big) - cn.bigOff
}

// keepPartial moves buf, all input and an incomplete request, to cn.big
// once it outgrows bigInput.
func (cn *conn) keepPartial(buf []byte) {
	if cn.big != nil || len(buf) <= bigInput {
		return
	}
	cn.big = append(make([]byte, 0, 2*len(buf)), buf...)
	_, _ = cn.gc.Discard(len(buf))
}

// consume drops n bytes of input; the arguments parsed from them must no
// longer be in use.
func (cn *conn) consume(n int) {
	if n <= 0 {
		return // gnet's Discard(0) would drop everything
	}
	if cn.big == nil {
		_, _ = cn.gc.Discard(n)
		return
	}
	cn.bigOff += n
	rest := cn.big[cn.bigOff:]
	switch {
	case len(rest) == 0:
		cn.big, cn.bigOff = nil, 0
	case cn.bigOff > len(cn.big)/2:
		// The rest is usually the start of the next request: keep it in a
		// buffer of its own size so that the large one can go.
		cn.big = append(make([]byte, 0, 2*len(rest)), rest...)
		cn.bigOff = 0
	}
}

// parse decodes commands from buf into the batch and returns how many bytes
// they used. It stops at the end of the input, at batchCap commands, after a
// command that needs every shard it touches to itself, and after commands
// that change how later ones are read (HELLO, QUIT, …).
//
// The clock is read twice per call, not per command (see shard.runPart):
// connection commands share the elapsed time for INFO commandstats.
func (cn *conn) parse(buf []byte) (int, error) {
	start := time.Now()
	cn.lastActive.Store(start.UnixMilli())
	defer cn.accountConnCommands(start)
	// CONFIG SET proto-max-bulk-len applies to open connections too.
	cn.parser.Limits = *cn.s.limits.Load()
	cn.monFeed = cn.s.monitors.n.Load() > 0
	consumed := 0
	for consumed < len(buf) && cn.batch.Len() < cn.batchCap {
		cn.parser.Unauthenticated = !cn.authed
		args, n, err := cn.parser.Parse(buf[consumed:], cn.scratch[:0])
		cn.scratch = args[:0]
		if err != nil {
			return consumed, err
		}
		if n == 0 {
			break
		}
		if len(args) == 0 {
			consumed += n
			continue
		}
		if buf[consumed] != '*' {
			args = cn.copyInline(args)
		}
		start := len(cn.argv)
		cn.argv = append(cn.argv, args...)
		accepted, last := cn.dispatch(cn.argv[start:len(cn.argv):len(cn.argv)])
		if !accepted {
			cn.argv = cn.argv[:start]
			break
		}
		consumed += n
		if last {
			break
		}
	}
	return consumed, nil
}

func (cn *conn) accountConnCommands(start time.Time) {
	if len(cn.connRan) == 0 {
		return
	}
	per := uint64(time.Since(start).Microseconds()) / uint64(len(cn.connRan))
	for _, id := range cn.connRan {
		cn.loop.cmds[id].Usec.Add(per)
	}
	cn.connRan = cn.connRan[:0]
}

// copyInline copies the arguments of an inline command: they may point into
// the parser's scratch space, which the next command reuses.
func (cn *conn) copyInline(args [][]byte) [][]byte {
	for i, a := range args {
		start := len(cn.arena)
		cn.arena = append(cn.arena, a...)
		args[i] = cn.arena[start:len(cn.arena):len(cn.arena)]
	}
	return args
}

// flush writes the replies of the finished batch and readies the next one.
func (cn *conn) flush() {
	cn.fsyncHeld = false
	// Counted before the replies leave, so a client that has them sees it.
	cn.loop.countBatch(cn.batch.Len())
	out := cn.batch.Output()
	if len(out) > 0 {
		_, _ = cn.gc.Write(out)
		cn.s.stats.netOut.Add(uint64(len(out)))
	}
	cn.checkNormalLimit()
	cn.watchPending = false
	if n := cn.batch.Len(); n > 0 {
		// The output pause is only checked between batches: size the next
		// one so that, at this one's reply size, it stays near outputPause.
		// Otherwise 1024 pipelined GETs of a 100 KB value buffer 100 MB
		// (twice: in the batch and in gnet) before the pause applies.
		cn.batchCap = min(max(outputPause/(len(out)/n+1), 1), maxBatch)
	}
	cn.batch.Reset()
	clear(cn.argv)
	cn.argv = cn.argv[:0]
	if cap(cn.argv) > retainArgs {
		cn.argv = nil
	}
	if cap(cn.scratch) > retainArgs {
		cn.scratch = nil
	}
	cn.arena = cn.arena[:0]
	if cap(cn.arena) > 1<<20 {
		cn.arena = nil
	}
}

// checkQueryLimit closes a connection whose unparsed input passed
// client-query-buffer-limit, as Redis does (without a reply).
func (cn *conn) checkQueryLimit() gnet.Action {
	if int64(cn.buffered()) > cn.s.Config.Int64("client-query-buffer-limit") {
		cn.s.Log.Warn("closing client that reached max query buffer length", "id", cn.id, "addr", cn.addr)
		return gnet.Close
	}
	return gnet.None
}

// pause registers the connection to be woken by the server's cron once its
// output may have drained or CLIENT PAUSE ended.
func (cn *conn) pause() {
	if cn.paused {
		return
	}
	cn.paused = true
	cn.s.addPaused(cn)
}
