package netloop

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/repl"
	"github.com/shoal-db/shoal/shard"
)

// The master side of replication: SYNC and PSYNC turn a client connection
// into a replica connection, fed first with a full sync's payload (a
// snapshot, sent from a file or diskless) or nothing (+CONTINUE), then with
// the replication stream read from the backlog (replication.go).
//
// Everything a replica connection writes leaves from its own event loop
// (replFeed), so that gnet's write order is the stream's order. Its loop is
// woken when the backlog or the payload has bytes for it, at most once
// until it reads, and writes until gnet holds replWindow unsent bytes;
// then it pauses and cron wakes it (conn.pause), which is the payload's
// backpressure: the snapshot producer blocks when a replica's pipe is full.
// A replica that falls behind keeps its place in the stream (the backlog's
// blocks stay alive for its reader) until client-output-buffer-limit
// replica disconnects it, as in Redis 7.0, where replicas share the
// replication buffer.

// Replica connection states, as INFO shows them.
const (
	linkHandshake int32 = iota // REPLCONF seen, no SYNC/PSYNC yet
	linkWaitBgsave
	linkSendBulk
	linkOnline
)

const (
	connSync = 1200 + iota
	connPsync
	connReplconf
	connRole
)

// replWindow is how much unsent output a replica connection keeps in gnet.
const replWindow = 1 << 20

// pipeMax is how much of a payload waits for a replica's loop before the
// producer blocks.
const pipeMax = 4 << 20

// childRepl is the snapshot machinery's owner during a full sync.
const childRepl childKind = 100

var errReplicaGone = errors.New("replica disconnected")

// replicaLink is a replica connection's state. Atomics are read by INFO,
// the cron and WAIT; the rest is owned by the connection's loop, except
// pipe and start, which the full sync hands over through the pipe's lock.
type replicaLink struct {
	cn       *conn
	state    atomic.Int32
	port     atomic.Int64 // REPLCONF listening-port
	ipAddr   string       // REPLCONF ip-address (loop-owned until attach)
	capaEOF  bool
	capaPS2  bool
	preSync  bool // SYNC: no +FULLRESYNC, no ACKs
	ackOff   atomic.Int64
	ackTime  atomic.Int64 // unix ms
	woken    atomic.Bool
	attached atomic.Bool
	// header is written before anything else (+CONTINUE).
	header    []byte
	pipe      *rdbPipe
	reader    *repl.Reader
	softSince int64
	// ackWait holds the stream back after a diskless payload until the
	// replica's first REPLCONF ACK, as Redis's repl_start_cmd_stream_on_ack:
	// a replica finds the EOF mark only at the end of a read, so nothing
	// may follow it until the replica says it loaded the payload.
	ackWait bool
}

func (l *replicaLink) wake() {
	if l.woken.CompareAndSwap(false, true) {
		_ = l.cn.gc.Wake(nil)
	}
}

func (l *replicaLink) ip() string {
	if l.ipAddr != "" {
		return l.ipAddr
	}
	return hostOf(l.cn.addr)
}

// stateName is INFO's state, "" before SYNC/PSYNC.
func (l *replicaLink) stateName() string {
	switch l.state.Load() {
	case linkWaitBgsave:
		return "wait_bgsave"
	case linkSendBulk:
		return "send_bulk"
	case linkOnline:
		return "online"
	}
	return ""
}

func registerReplication(s *Server, t *shard.Table) {
	conn := func(c *shard.Command) {
		c.Kind = shard.KindConn
		c.Group = "server"
		t.Add(c)
	}
	conn(&shard.Command{Name: "sync", Arity: 1, ConnID: connSync, Since: "1.0.0",
		Flags:   shard.FlagAdmin | shard.FlagNoScript | shard.FlagNoAsyncLoading | shard.FlagNoMulti,
		Summary: "An internal command used in replication.", ACL: []string{"admin", "slow", "dangerous"}})
	conn(&shard.Command{Name: "psync", Arity: -3, ConnID: connPsync, Since: "2.8.0",
		Flags:   shard.FlagAdmin | shard.FlagNoScript | shard.FlagNoAsyncLoading | shard.FlagNoMulti,
		Summary: "An internal command used in replication.", ACL: []string{"admin", "slow", "dangerous"}})
	conn(&shard.Command{Name: "replconf", Arity: -1, ConnID: connReplconf, Since: "3.0.0",
		Flags:   shard.FlagAdmin | shard.FlagNoScript | shard.FlagLoading | shard.FlagStale | shard.FlagAllowBusy,
		Summary: "An internal command for configuring the replication stream.", Complexity: "O(1)", ACL: []string{"admin", "slow", "dangerous"}})
	conn(&shard.Command{Name: "role", Arity: 1, ConnID: connRole, Since: "2.8.12",
		Flags:   shard.FlagNoScript | shard.FlagLoading | shard.FlagStale | shard.FlagFast,
		Summary: "Returns the replication role.", Complexity: "O(1)", ACL: []string{"admin", "fast", "dangerous"}})
	t.Add(&shard.Command{Name: "wait", Arity: 3, Flags: shard.FlagNoScript, Kind: shard.KindRouted,
		Route: func(*shard.Engine, [][]byte) int { return 0 }, Defers: true, Group: "generic", Since: "3.0.0",
		Summary:    "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
		Complexity: "O(1)", ACL: []string{"slow", "connection"}, Run: s.repl.cmdWait})
}

// replCommand runs SYNC, PSYNC, REPLCONF and ROLE; it reports whether the
// batch must end.
func (cn *conn) replCommand(cmd *shard.Command, args [][]byte) bool {
	switch cmd.ConnID {
	case connSync, connPsync:
		cn.syncCommand(cmd.ConnID == connPsync, args)
		return true
	case connReplconf:
		cn.replconf(args)
	case connRole:
		cn.roleReply()
	}
	return false
}

// link returns the connection's replica state, creating it.
func (cn *conn) link() *replicaLink {
	if cn.replica == nil {
		cn.replica = &replicaLink{cn: cn}
	}
	return cn.replica
}

func (cn *conn) replconf(args [][]byte) {
	if len(args)%2 == 0 {
		cn.errorReply(proto.ErrSyntax)
		return
	}
	for i := 1; i < len(args); i += 2 {
		opt, val := strings.ToLower(string(args[i])), args[i+1]
		switch opt {
		case "listening-port":
			n, ok := shard.ParseInt(val)
			if !ok {
				cn.errorReply(proto.ErrNotInt)
				return
			}
			cn.link().port.Store(n)
		case "ip-address":
			if len(val) >= 46 {
				cn.errorReply("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(val)) + " bytes")
				return
			}
			cn.link().ipAddr = string(val)
		case "capa":
			switch strings.ToLower(string(val)) {
			case "eof":
				cn.link().capaEOF = true
			case "psync2":
				cn.link().capaPS2 = true
			}
		case "ack", "fack":
			// Acknowledgements come from attached replicas only, and get
			// no reply.
			cn.replySet = true
			l := cn.replica
			if l == nil || !l.attached.Load() {
				return
			}
			if opt == "fack" {
				continue
			}
			if off, ok := shard.ParseInt(val); ok {
				if off > l.ackOff.Load() {
					l.ackOff.Store(off)
				}
				l.ackTime.Store(time.Now().UnixMilli())
				if l.ackWait {
					l.ackWait = false
					l.wake()
				}
				cn.s.repl.checkWaiters()
			}
			return
		case "getack":
			// Answered by a replica to its master (replica side), never
			// by a master to a client.
			cn.replySet = true
			return
		case "rdb-only":
			if v, ok := shard.ParseInt(val); !ok || v < 0 || v > 1 {
				cn.errorReply(proto.ErrNotInt)
				return
			}
		default:
			cn.errorReply("ERR Unrecognized REPLCONF option: " + string(args[i]))
			return
		}
	}
	cn.ok()
}

// syncCommand answers SYNC and PSYNC <replid> <offset>.
func (cn *conn) syncCommand(psync bool, args [][]byte) {
	s := cn.s
	r := s.repl
	if l := cn.replica; l != nil && l.attached.Load() {
		cn.replySet = true
		return // Redis ignores SYNC from a client that is already a replica
	}
	if r.replica.Load() && !r.replicaSynced.Load() {
		// A replica serves replicas of its own once its stream is its
		// master's, as Redis refuses while its link is down.
		cn.errorReply("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if cn.tx.active {
		cn.errorReply("ERR Command not allowed inside a transaction")
		return
	}
	l := cn.link()
	l.preSync = !psync
	r.mu.Lock()
	defer r.mu.Unlock()
	if psync && r.tryPartialLocked(l, string(args[1]), args[2]) {
		r.syncPartialOK.Add(1)
		cn.attachReplica(l, linkOnline)
		s.Log.Info("Partial resynchronization request accepted", "replica", l.ip(), "offset", l.reader.Pos())
		return
	}
	if psync && string(args[1]) != "?" {
		r.syncPartialErr.Add(1)
	}
	r.syncFull.Add(1)
	r.ensureBacklogLocked()
	l.pipe = newRDBPipe(l)
	cn.attachReplica(l, linkWaitBgsave)
	r.pending = append(r.pending, l)
	if !r.running {
		r.running = true
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.runFullSyncs()
		}()
	}
	s.Log.Info("Full resync requested by replica", "replica", l.ip(), "diskless", s.Config.Bool("repl-diskless-sync") && l.capaEOF)
}

// tryPartialLocked answers a PSYNC that can continue from the backlog, as
// Redis's masterTryPartialResynchronization: the replid is ours, or our
// previous one up to where we took over, and the offset (one past the
// replica's last byte) is in the backlog.
func (r *replState) tryPartialLocked(l *replicaLink, id string, offArg []byte) bool {
	want, ok := shard.ParseInt(offArg)
	if !ok || r.backlog == nil {
		return false
	}
	if !strings.EqualFold(id, r.id) && (!strings.EqualFold(id, r.id2) || want > r.offset2) {
		return false
	}
	rd, ok := r.backlog.ReaderAt(want - 1)
	if !ok {
		return false
	}
	l.reader = rd
	if l.capaPS2 {
		l.header = []byte("+CONTINUE " + r.id + "\r\n")
	} else {
		l.header = []byte("+CONTINUE\r\n")
	}
	return true
}

// attachReplica makes cn a replica connection (mu held). Its replies stop:
// the stream is all it gets.
func (cn *conn) attachReplica(l *replicaLink, state int32) {
	r := cn.s.repl
	l.state.Store(state)
	l.ackTime.Store(time.Now().UnixMilli())
	l.attached.Store(true)
	cn.reply = replyOff
	cn.replySet = true // no reply: the stream says +FULLRESYNC or +CONTINUE
	cn.mu.Lock()
	cn.flags = "S"
	cn.mu.Unlock()
	r.setReplicasLocked(append(append([]*replicaLink(nil), r.replicas...), l))
	l.wake()
}

// dropReplica forgets a closed replica connection (OnClose).
func (cn *conn) dropReplica() {
	l := cn.replica
	if l == nil || !l.attached.Load() {
		return
	}
	r := cn.s.repl
	r.mu.Lock()
	var rest []*replicaLink
	for _, x := range r.replicas {
		if x != l {
			rest = append(rest, x)
		}
	}
	r.setReplicasLocked(rest)
	r.mu.Unlock()
	if p := l.pipe; p != nil {
		p.closeConsumer()
	}
	cn.s.Log.Info("Connection with replica lost", "replica", l.ip())
}

// replFeed writes what a replica connection has to receive; it runs on the
// connection's loop at each wake-up.
func (cn *conn) replFeed() {
	l := cn.replica
	if !l.attached.Load() || cn.inflight || cn.outbox.closing.Load() {
		return
	}
	l.woken.Store(false)
	if len(l.header) > 0 {
		cn.replWrite(l.header)
		l.header = nil
	}
	for cn.gc.OutboundBuffered() < replWindow {
		var b []byte
		if l.pipe != nil {
			var done bool
			var err error
			b, done, err = l.pipe.take()
			if err != nil {
				cn.s.Log.Warn("Full resync with replica failed", "replica", l.ip(), "err", err)
				_ = cn.gc.Close()
				return
			}
			if len(b) == 0 {
				if !done {
					break
				}
				l.reader = l.pipe.start
				l.ackWait = l.pipe.eofMarked()
				l.pipe = nil
				l.state.Store(linkOnline)
				l.ackTime.Store(time.Now().UnixMilli())
				cn.s.Log.Info("Synchronization with replica succeeded", "replica", l.ip())
				continue
			}
			cn.replWrite(b)
			l.pipe.recycle(b)
			continue
		}
		if l.ackWait {
			break
		}
		if b = l.reader.Next(replWindow); len(b) == 0 {
			break
		}
		cn.replWrite(b)
	}
	if cn.gc.OutboundBuffered() >= replWindow {
		cn.pause()
	}
	cn.checkReplicaLimit(l)
}

func (cn *conn) replWrite(b []byte) {
	_, _ = cn.gc.Write(b)
	cn.s.stats.netOut.Add(uint64(len(b)))
}

// checkReplicaLimit applies client-output-buffer-limit replica to the part
// of the stream the replica has not received (held for it in the backlog)
// plus what gnet has not sent.
func (cn *conn) checkReplicaLimit(l *replicaLink) {
	var pending int64
	if l.reader != nil {
		pending = l.reader.Lag()
	} else if p := l.pipe; p != nil {
		pending = p.startLag()
	}
	if l.pipe == nil {
		pending += int64(cn.gc.OutboundBuffered())
	}
	hard, soft, secs := cn.s.Config.replicaLimits()
	if which := overLimit(pending, hard, soft, secs, &l.softSince); which != "" {
		cn.closeForLimit(which, "replica")
	}
}

// replicaLimits returns client-output-buffer-limit's replica class.
func (c *Config) replicaLimits() (hard, soft, secs int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.obufRepl[0], c.obufRepl[1], c.obufRepl[2]
}

// rdbPipe carries a full sync's bytes (the +FULLRESYNC line, the payload)
// from the goroutine producing them to the replica's loop, bounded by
// pipeMax. start is the replica's stream position after the payload.
type rdbPipe struct {
	l     *replicaLink
	mu    sync.Mutex
	cond  sync.Cond
	buf   []byte
	spare []byte
	done  bool  // everything was put
	err   error // the producer failed
	gone  bool  // the replica disconnected
	start *repl.Reader
	eof   bool // the payload is diskless ($EOF:<mark>)
}

func newRDBPipe(l *replicaLink) *rdbPipe {
	p := &rdbPipe{l: l}
	p.cond.L = &p.mu
	return p
}

// Write blocks while the replica has pipeMax bytes to read.
func (p *rdbPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	for len(p.buf) >= pipeMax && !p.gone {
		p.cond.Wait()
	}
	if p.gone {
		p.mu.Unlock()
		return 0, errReplicaGone
	}
	if p.buf == nil {
		p.buf, p.spare = p.spare, nil
	}
	p.buf = append(p.buf, b...)
	p.mu.Unlock()
	p.l.wake()
	return len(b), nil
}

// finish ends the producer's side: done when err is nil.
func (p *rdbPipe) finish(err error) {
	p.mu.Lock()
	p.done, p.err = err == nil, err
	p.mu.Unlock()
	p.l.wake()
}

func (p *rdbPipe) setStart(rd *repl.Reader) {
	p.mu.Lock()
	p.start = rd
	p.mu.Unlock()
}

func (p *rdbPipe) eofMarked() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.eof
}

func (p *rdbPipe) startLag() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start == nil {
		return 0
	}
	return p.start.Lag()
}

// take returns what waits (the loop writes it, then recycles it).
func (p *rdbPipe) take() (b []byte, done bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, p.buf = p.buf, nil
	if len(b) > 0 {
		p.cond.Broadcast()
		return b, false, nil
	}
	if p.err != nil {
		return nil, false, p.err
	}
	return nil, p.done, nil
}

func (p *rdbPipe) recycle(b []byte) {
	p.mu.Lock()
	if cap(b) <= 2*pipeMax {
		p.spare = b[:0]
	}
	p.mu.Unlock()
}

func (p *rdbPipe) closeConsumer() {
	p.mu.Lock()
	p.gone = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *rdbPipe) isGone() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gone
}

// fanout writes to every pipe still connected; it fails when none is.
type fanout []*rdbPipe

func (f fanout) Write(b []byte) (int, error) {
	alive := 0
	for _, p := range f {
		if _, err := p.Write(b); err == nil {
			alive++
		}
	}
	if alive == 0 {
		return 0, errReplicaGone
	}
	return len(b), nil
}

// runFullSyncs serves replicas waiting for a full sync, one snapshot at a
// time: replicas that arrive while one waits for its start (the diskless
// delay, another background job) share it, as in Redis.
func (r *replState) runFullSyncs() {
	s := r.s
	for {
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		diskless := s.Config.Bool("repl-diskless-sync") && r.pending[0].capaEOF
		r.mu.Unlock()
		if diskless {
			if !r.sleep(time.Duration(s.Config.Int64("repl-diskless-sync-delay")) * time.Second) {
				r.failPending(errEngineStopping)
				return
			}
		}
		for !s.persist.startChild(childRepl) {
			if !r.sleep(100 * time.Millisecond) {
				r.failPending(errEngineStopping)
				return
			}
		}
		r.mu.Lock()
		var links []*replicaLink
		var rest []*replicaLink
		for _, l := range r.pending {
			if l.capaEOF == diskless || !diskless {
				links = append(links, l)
			} else {
				rest = append(rest, l)
			}
		}
		r.pending = rest
		r.mu.Unlock()
		err := r.fullSync(links, diskless)
		s.persist.childDone()
		if err != nil {
			s.Log.Warn("Full resync failed", "err", err)
		}
	}
}

var errEngineStopping = errors.New("the server is shutting down")

// sleep waits for d, or reports false when the server stops.
func (r *replState) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.s.stopping:
		return false
	}
}

func (r *replState) failPending(err error) {
	r.mu.Lock()
	links := r.pending
	r.pending = nil
	r.running = false
	r.mu.Unlock()
	for _, l := range links {
		l.pipe.finish(err)
	}
}

// snapshotPoint takes a snapshot and finds the stream's position and
// database at its point: at is a reader there. On a master the journal
// feeds the stream, so the point is the snapshot's journal offset (plus
// delta), and its database is recorded by the journal's sink from a pin
// taken before. On a replica the stream is its master's: the replica side
// stops applying it for the moment the snapshot starts (snapshotPoint
// hook).
func (r *replState) snapshotPoint(opts rdb.WriterOptions) (snap *shard.Snapshot, id string, at *repl.Reader, db int, err error) {
	e := r.s.Engine
	r.mu.Lock()
	bl, delta, id := r.backlog, r.delta, r.id
	attached := r.detach != nil
	hook := r.replicaSnapshotPoint
	r.mu.Unlock()
	if bl == nil || !attached && hook == nil {
		return nil, "", nil, 0, errors.New("the replication stream changed")
	}
	if !attached {
		off, sdb, resume := hook()
		// A full sync from this replica's master may have changed the
		// history between reading id and stopping the stream.
		r.mu.Lock()
		same := r.id == id && r.backlog == bl
		r.mu.Unlock()
		if !same {
			resume()
			return nil, "", nil, 0, errors.New("the replication stream changed")
		}
		snap, err = e.StartSnapshot(opts)
		resume()
		if err != nil {
			return nil, "", nil, 0, err
		}
		rd, ok := bl.ReaderAt(off)
		if !ok {
			snap.Close()
			return nil, "", nil, 0, errors.New("the snapshot point left the backlog")
		}
		return snap, id, rd, sdb, nil
	}
	r.markMu.Lock()
	pin, _ := bl.ReaderAt(bl.End())
	db = r.streamDB
	r.marking++
	r.markMu.Unlock()
	snap, err = e.StartSnapshot(opts)
	r.markMu.Lock()
	if err == nil {
		end := snap.Offset() + delta
		for _, m := range r.marks {
			if m.end+delta <= end {
				db = m.db
			}
		}
	}
	if r.marking--; r.marking == 0 {
		r.marks = nil
	}
	r.markMu.Unlock()
	if err != nil {
		return nil, "", nil, 0, err
	}
	pin.Skip(snap.Offset() + delta)
	return snap, id, pin, db, nil
}

// fullSync takes a snapshot and sends it to links, each after its
// +FULLRESYNC line; every link's stream then starts at the snapshot's
// point. Disk-based sync saves dbfilename first, as Redis does.
func (r *replState) fullSync(links []*replicaLink, diskless bool) (err error) {
	s := r.s
	pipes := make(fanout, 0, len(links))
	for _, l := range links {
		if !l.pipe.isGone() {
			pipes = append(pipes, l.pipe)
		}
	}
	defer func() {
		for _, p := range pipes {
			p.finish(err)
		}
	}()
	if len(pipes) == 0 {
		return nil
	}
	opts := s.persist.writerOptions()
	snap, id, at, db, err := r.snapshotPoint(opts)
	if err != nil {
		return err
	}
	defer snap.Close()
	for _, l := range links {
		l.pipe.setStart(at.Clone())
		if !l.preSync {
			_, _ = l.pipe.Write([]byte(fmt.Sprintf("+FULLRESYNC %s %d\r\n", id, at.Pos())))
		}
	}
	aux := []repl.Aux{
		{Key: "repl-stream-db", Value: strconv.Itoa(max(db, 0))},
		{Key: "repl-id", Value: id},
		{Key: "repl-offset", Value: strconv.FormatInt(at.Pos(), 10)},
	}
	if diskless {
		return r.sendDiskless(pipes, snap, opts, aux)
	}
	return r.sendDisk(pipes, links, snap, opts, aux)
}

func (r *replState) sendDiskless(pipes fanout, snap *shard.Snapshot, opts rdb.WriterOptions, aux []repl.Aux) error {
	for _, p := range pipes {
		p.mu.Lock()
		p.eof = true
		p.mu.Unlock()
		p.l.state.Store(linkSendBulk)
	}
	var m [20]byte
	_, _ = rand.Read(m[:])
	mark := hex.EncodeToString(m[:])
	if _, err := pipes.Write([]byte("$EOF:" + mark + "\r\n")); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(pipes, 256<<10)
	if err := repl.WriteRDB(bw, snap, opts, aux...); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := pipes.Write([]byte(mark))
	return err
}

func (r *replState) sendDisk(pipes fanout, links []*replicaLink, snap *shard.Snapshot, opts rdb.WriterOptions, aux []repl.Aux) error {
	s := r.s
	path := s.persist.rdbPath()
	// The replicas wait for the file: newlines keep their links alive, as
	// Redis sends while a disk-based BGSAVE runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, _ = pipes.Write([]byte("\n"))
			case <-stop:
				return
			}
		}
	}()
	size, err := repl.SaveRDB(path, snap, opts, aux...)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	snap.Close()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, l := range links {
		l.state.Store(linkSendBulk)
	}
	if _, err := pipes.Write([]byte("$" + strconv.FormatInt(size, 10) + "\r\n")); err != nil {
		return err
	}
	_, err = io.CopyBuffer(pipes, io.LimitReader(f, size), make([]byte, 256<<10))
	return err
}

// start runs the replication cron until the event loops stop.
func (r *replState) start() {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				r.cron(now)
			case <-r.s.stopping:
				return
			}
		}
	}()
}

// cron runs every 100 ms: PINGs into the stream, replica timeouts,
// min-replicas-to-write, the backlog's TTL.
func (r *replState) cron(now time.Time) {
	s := r.s
	ms := now.UnixMilli()
	r.mu.Lock()
	links := append([]*replicaLink(nil), r.replicas...)
	isReplica := r.replica.Load()
	if r.backlog != nil && !isReplica && len(links) == 0 {
		if ttl := s.Config.Int64("repl-backlog-ttl"); ttl > 0 && now.Sub(r.noReplicasSince) > time.Duration(ttl)*time.Second {
			s.Log.Info("Replication backlog freed after its TTL without replicas")
			r.freeBacklogLocked()
		}
	}
	if r.backlog != nil {
		r.backlog.SetSize(s.Config.Int64("repl-backlog-size"))
	}
	ping := false
	if period := s.Config.Int64("repl-ping-replica-period"); len(links) > 0 && !isReplica && r.detach != nil &&
		ms-r.lastPing >= period*1000 {
		r.lastPing = ms
		ping = true
	}
	r.mu.Unlock()
	if ping {
		s.Engine.Journal.AppendCommand([][]byte{[]byte("PING")})
	}
	timeout := s.Config.Int64("repl-timeout") * 1000
	good := 0
	maxLag := s.Config.Int64("min-replicas-max-lag") * 1000
	for _, l := range links {
		if l.state.Load() != linkOnline {
			continue
		}
		if !l.preSync && ms-l.ackTime.Load() > timeout {
			s.Log.Warn("Disconnecting timedout replica (streaming sync)", "replica", l.ip())
			_ = l.cn.gc.Close()
			continue
		}
		if ms-l.ackTime.Load() <= maxLag {
			good++
		}
		// The loop checks the output limits when it runs.
		l.wake()
	}
	minGood := s.Config.Int64("min-replicas-to-write")
	r.noGoodReplicas.Store(minGood > 0 && int64(good) < minGood && !isReplica)
}

// ackWaiter is a WAIT in progress.
type ackWaiter struct {
	off  int64
	need int64
	d    *shard.Deferred
	t    *time.Timer
}

// countAcks counts online replicas that acknowledged off (mu held).
func (r *replState) countAcksLocked(off int64) int64 {
	var n int64
	for _, l := range r.replicas {
		if l.state.Load() == linkOnline && l.ackOff.Load() >= off {
			n++
		}
	}
	return n
}

// cmdWait is WAIT numreplicas timeout. The offset waited for is the
// stream's end when WAIT runs, which covers every write the client made
// before it (Redis uses the client's own last write offset, which is no
// later).
func (r *replState) cmdWait(c *shard.Ctx) {
	if r.replica.Load() {
		c.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	need, ok := shard.ParseInt(c.Args[1])
	if !ok {
		c.Error(proto.ErrNotInt)
		return
	}
	timeout, ok := shard.ParseInt(c.Args[2])
	if !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return
	}
	if timeout < 0 {
		c.Error("ERR timeout is negative")
		return
	}
	r.mu.Lock()
	off := r.offsetLocked()
	n := r.countAcksLocked(off)
	if c.InTx() || n >= need {
		r.mu.Unlock()
		c.Int(n)
		return
	}
	w := &ackWaiter{off: off, need: need, d: c.Defer()}
	r.waiters = append(r.waiters, w)
	if timeout > 0 {
		w.t = time.AfterFunc(time.Duration(timeout)*time.Millisecond, func() { r.endWait(w) })
	}
	attached := r.detach != nil
	r.mu.Unlock()
	if attached {
		// Ask for acknowledgements now rather than at the next second.
		r.s.Engine.Journal.AppendCommand([][]byte{[]byte("REPLCONF"), []byte("GETACK"), []byte("*")})
	}
}

// endWait answers a WAIT at its timeout with the count so far.
func (r *replState) endWait(w *ackWaiter) {
	r.mu.Lock()
	found := false
	for i, x := range r.waiters {
		if x == w {
			r.waiters = append(r.waiters[:i], r.waiters[i+1:]...)
			found = true
			break
		}
	}
	n := r.countAcksLocked(w.off)
	r.mu.Unlock()
	if found {
		w.d.Reply(proto.AppendInt(nil, n))
	}
}

// checkWaiters answers the WAITs that enough replicas acknowledged.
func (r *replState) checkWaiters() {
	r.mu.Lock()
	if len(r.waiters) == 0 {
		r.mu.Unlock()
		return
	}
	var ready []*ackWaiter
	var counts []int64
	rest := r.waiters[:0]
	for _, w := range r.waiters {
		if n := r.countAcksLocked(w.off); n >= w.need {
			ready = append(ready, w)
			counts = append(counts, n)
		} else {
			rest = append(rest, w)
		}
	}
	r.waiters = rest
	r.mu.Unlock()
	for i, w := range ready {
		if w.t != nil {
			w.t.Stop()
		}
		w.d.Reply(proto.AppendInt(nil, counts[i]))
	}
}

// wait waits for the full-sync goroutines (Run, after the loops stopped).
func (r *replState) wait() {
	r.wg.Wait()
	r.mu.Lock()
	waiters := r.waiters
	r.waiters = nil
	r.mu.Unlock()
	for _, w := range waiters {
		if w.t != nil {
			w.t.Stop()
		}
	}
}
