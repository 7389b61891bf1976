package netloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

// The replica side of replication: the replicaof directive and
// REPLICAOF/SLAVEOF, the link goroutine that syncs from the master and
// applies its stream, and what a replica refuses its clients.

// Link states, as ROLE names them (Redis's repl_state).
const (
	mlNone       int32 = iota // not a replica
	mlConnect                 // must connect
	mlConnecting              // connecting
	mlHandshake               // PING, AUTH, REPLCONF, PSYNC
	mlTransfer                // receiving and loading the full sync's RDB
	mlConnected               // applying the stream
)

// Gate bits: what dispatch must check for a replica's clients. Zero on a
// master, so a master pays one atomic load per command.
const (
	gateReplica  uint32 = 1 << iota // writes may be refused (replica-read-only)
	gateLinkDown                    // commands may be refused (replica-serve-stale-data)
)

// connReplicaof is REPLICAOF's and SLAVEOF's id in runConn's switch.
const connReplicaof = 1100

const (
	errReadOnly   = "READONLY You can't write against a read only replica."
	errMasterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
)

// replicaState is the server's replica role. The replication identity
// (replid, replid2, master_repl_offset, the backlog) is s.repl's
// (replication.go); this side feeds it. mu guards the master address and
// the running link, and is never taken by the link goroutine: REPLICAOF
// holds it while it waits for the old goroutine to end. The goroutine
// publishes its progress through the atomics, which INFO and ROLE read.
type replicaState struct {
	s    *Server
	gate atomic.Uint32

	mu   sync.Mutex
	host string // master; "" when this server is a master
	port int
	// addr is host and port for INFO and ROLE, which must not take mu:
	// INFO holds every shard, which the link may be waiting for.
	addr atomic.Pointer[masterAddr]
	run  *linkRun
	// closed is set at shutdown, after the event loops stopped: the
	// replicaof directive's link must not start after it.
	closed bool
	wg     sync.WaitGroup // the start-up goroutine
	// cached says PSYNC may ask to continue s.repl's history (replid,
	// offset+1), as Redis's cached master: after a sync, or after this
	// server was a master. Otherwise PSYNC asks for a full sync ("? -1").
	cached atomic.Bool
	// applier carries the stream's state across reconnections, as Redis
	// keeps its cached master client. The link goroutine owns it while it
	// runs; between runs REPLICAOF resets it. streamDB is the database the
	// stream has selected at the offset reached.
	applier  *shard.Applier
	streamDB atomic.Int32

	// applyMu is held while the link applies one command of the stream
	// and advances the offset, so that a replica's own full sync of its
	// replicas can take its snapshot between two commands
	// (replicaSnapshotPoint).
	applyMu sync.Mutex

	state     atomic.Int32
	offset    atomic.Int64 // processed: slave_repl_offset, master_repl_offset
	readOff   atomic.Int64 // read: slave_read_repl_offset
	lastIO    atomic.Int64 // unix ms of the master's last bytes, 0 when no link
	downSince atomic.Int64 // unix s the link went down, 0 when never up
	syncSize  atomic.Int64 // full sync payload size (0 diskless)
	syncRead  atomic.Int64
	syncIO    atomic.Int64 // unix ms of the payload's last bytes
	link      atomic.Pointer[repl.MasterLink]

	// restored is the position in its master's stream that the RDB
	// loaded at start-up recorded (r.mu), for the first PSYNC.
	restored *streamPos
}

// streamPos is a position in a master's stream: its replication ID, the
// offset reached and the database selected there.
type streamPos struct {
	id     string
	offset int64
	db     int
}

// snapshotForSave takes the snapshot of a SAVE, BGSAVE or shutdown save.
// A replica holding its master's data records where in the master's stream
// the snapshot stands (AUX repl-id, repl-offset and repl-stream-db, as
// Redis's rdbSaveInfo), so that after a restart it continues with PSYNC
// instead of syncing in full.
func (r *replicaState) snapshotForSave(opts rdb.WriterOptions) (*shard.Snapshot, []repl.Aux, error) {
	e := r.s.Engine
	if !r.isReplica() || !r.cached.Load() {
		snap, err := e.StartSnapshot(opts)
		return snap, nil, err
	}
	// Between two commands of the stream, as replicaSnapshotPoint.
	r.applyMu.Lock()
	off, db := r.offset.Load(), r.streamDB.Load()
	id, _, _ := r.s.repl.ids()
	snap, err := e.StartSnapshot(opts)
	r.applyMu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	return snap, []repl.Aux{
		{Key: "repl-stream-db", Value: strconv.Itoa(int(db))},
		{Key: "repl-id", Value: id},
		{Key: "repl-offset", Value: strconv.FormatInt(off, 10)},
	}, nil
}

// restore keeps the stream position an RDB loaded at start-up recorded;
// the replicaof directive's link then asks to continue from it.
func (r *replicaState) restore(aux map[string]string) {
	id := aux["repl-id"]
	off, err := strconv.ParseInt(aux["repl-offset"], 10, 64)
	if len(id) != 40 || err != nil || off < 0 {
		return
	}
	db, err := strconv.Atoi(aux["repl-stream-db"])
	if err != nil || db < 0 || db >= shard.NumDBs {
		db = 0
	}
	r.mu.Lock()
	r.restored = &streamPos{id: id, offset: off, db: db}
	r.mu.Unlock()
}

type masterAddr struct {
	host string
	port int
}

// linkRun is one link goroutine: stop ends it, done is closed when it has.
type linkRun struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

func newReplicaState(s *Server) *replicaState {
	r := &replicaState{s: s}
	r.addr.Store(&masterAddr{})
	return r
}

// start hooks the replica side into s.repl's INFO and ROLE (s.repl answers
// for a master) and follows the replicaof directive once start-up loading
// is over. Run calls it before serving.
func (r *replicaState) start() {
	s := r.s
	s.repl.replicaInfo = func(w func(string, any)) bool {
		if !r.isReplica() {
			return false
		}
		w("role", "slave")
		r.info(w)
		return true
	}
	s.repl.replicaRole = func(out []byte) ([]byte, bool) {
		if !r.isReplica() {
			return out, false
		}
		return r.role(out), true
	}
	s.repl.replicaSnapshotPoint = func() (int64, int, func()) {
		r.applyMu.Lock()
		return r.offset.Load(), int(r.streamDB.Load()), r.applyMu.Unlock
	}
	host, port, ok := parseReplicaof(s.Config.Get("replicaof"))
	if !ok {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-s.persist.loaded:
		case <-s.stopping:
			return
		}
		if !s.persist.loadDone.Load() {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.closed {
			r.becomeReplica(host, port, true)
		}
	}()
}

func registerReplicaof(t *shard.Table) {
	for _, name := range []string{"replicaof", "slaveof"} {
		since := "5.0.0"
		if name == "slaveof" {
			since = "1.0.0"
		}
		t.Add(&shard.Command{Name: name, Arity: 3, Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagStale | shard.FlagNoAsyncLoading,
			Kind: shard.KindConn, ConnID: connReplicaof, Group: "server", Since: since,
			Summary: "Configures a server as replica of another, or promotes it to a master.", Complexity: "O(1)",
			ACL: []string{"admin", "slow", "dangerous"}})
	}
}

// parseReplicaof splits the directive's "host port" value.
func parseReplicaof(v string) (string, int, bool) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return "", 0, false
	}
	port, err := strconv.Atoi(f[1])
	if err != nil || port < 0 || port > 65535 {
		return "", 0, false
	}
	return f[0], port, true
}

func validReplicaof(v string) error {
	if strings.TrimSpace(v) == "" || strings.EqualFold(strings.Join(strings.Fields(v), " "), "no one") {
		return nil
	}
	if _, _, ok := parseReplicaof(v); !ok {
		return errors.New("argument must be '<host> <port>'")
	}
	return nil
}

// replicaof runs REPLICAOF/SLAVEOF on an event loop. Cutting the old link
// waits for at most one command of its stream.
func (cn *conn) replicaof(args [][]byte) {
	r := cn.s.replica
	if eqFold(args[1], "no") && eqFold(args[2], "one") {
		r.mu.Lock()
		if r.host != "" {
			r.promote()
			cn.s.Log.Info("MASTER MODE enabled (user request from '" + cn.listLine() + "')")
		}
		r.mu.Unlock()
		cn.ok()
		return
	}
	port, ok := shard.ParseInt(args[2])
	if !ok || port < 0 || port > 65535 {
		cn.errorReply("ERR Invalid master port")
		return
	}
	host := string(args[1])
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.host != "" && strings.EqualFold(r.host, host) && r.port == int(port) {
		cn.s.Log.Info("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		cn.end(append(cn.out(), "+OK Already connected to specified master\r\n"...))
		return
	}
	r.becomeReplica(host, int(port), false)
	cn.s.Log.Info(fmt.Sprintf("REPLICAOF %s:%d enabled (user request from '%s')", host, port, cn.listLine()))
	cn.ok()
}

// becomeReplica (re)starts the link to host:port; r.mu is held. A server
// started with replicaof has no history to offer its master (atStart).
func (r *replicaState) becomeReplica(host string, port int, atStart bool) {
	r.stopLink()
	if r.host == "" {
		// A master turning replica offers its own history to the new
		// master, as Redis's replicationCacheMasterUsingMyself, so that a
		// demoted master can continue partially from its promoted replica.
		// Its stream is now the master's: the journal stops feeding it.
		rs := r.s.repl
		rs.replica.Store(true)
		rs.mu.Lock()
		rs.detachLocked()
		off := rs.offsetLocked()
		rs.mu.Unlock()
		rs.markMu.Lock()
		db := max(rs.streamDB, 0)
		rs.markMu.Unlock()
		r.offset.Store(off)
		r.cached.Store(!atStart)
		r.applier = nil
		r.streamDB.Store(int32(db))
	}
	if rp := r.restored; atStart && rp != nil {
		// Restarted from a save made as a replica: continue that stream.
		r.s.repl.setMaster(rp.id, rp.offset)
		r.offset.Store(rp.offset)
		r.readOff.Store(rp.offset)
		r.streamDB.Store(int32(rp.db))
		r.cached.Store(true)
		r.restored = nil
	}
	r.host, r.port = host, port
	r.addr.Store(&masterAddr{host, port})
	// CONFIG GET and CONFIG REWRITE show the current master, as Redis's.
	_ = r.s.Config.set("replicaof", host+" "+strconv.Itoa(port))
	r.s.Engine.ReplicaMode.Store(true)
	r.state.Store(mlConnect)
	r.updateGate()
	ctx, cancel := context.WithCancel(context.Background())
	run := &linkRun{ctx: ctx, cancel: cancel, done: make(chan struct{})}
	r.run = run
	go func() {
		defer close(run.done)
		r.linkLoop(run, net.JoinHostPort(host, strconv.Itoa(port)))
	}()
}

// promote makes this replica a master (REPLICAOF NO ONE); r.mu is held.
// The master's ID becomes replid2, valid up to the offset reached, and a
// new ID starts: replicas of the old master can continue from here.
func (r *replicaState) promote() {
	r.stopLink()
	r.host, r.port = "", 0
	_ = r.s.Config.set("replicaof", "")
	r.setState(mlNone)
	// INFO and ROLE read the address only while the state says replica.
	r.addr.Store(&masterAddr{})
	r.lastIO.Store(0)
	r.downSince.Store(0)
	r.s.Engine.ReplicaMode.Store(false)
	r.s.repl.promote()
	r.s.repl.replica.Store(false)
	r.applier = nil
}

// stopLink ends the link goroutine and waits for it; r.mu is held. The
// wait is short: cancelling the context ends a dial or a backoff, closing
// the connection ends a read or write, and the goroutine checks the
// context before applying each command, so nothing from the old master
// applies after REPLICAOF returns.
func (r *replicaState) stopLink() {
	run := r.run
	if run == nil {
		return
	}
	r.run = nil
	run.cancel()
	// A link stored after this load sees the cancelled context (session).
	if l := r.link.Load(); l != nil {
		_ = l.Close()
	}
	<-run.done
}

// stop ends the link at shutdown.
func (r *replicaState) stop() {
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.stopLink()
}

// killMaster closes the link (CLIENT KILL TYPE master); the goroutine
// reconnects and continues with PSYNC. It reports whether there was one.
func (r *replicaState) killMaster() bool {
	if l := r.link.Load(); l != nil {
		_ = l.Close()
		return true
	}
	return false
}

// updateGate recomputes what dispatch checks; r.mu is held or the caller
// owns the state change.
func (r *replicaState) updateGate() {
	var g uint32
	if r.state.Load() != mlNone {
		g = gateReplica
		if r.state.Load() != mlConnected {
			g |= gateLinkDown
		}
	}
	r.gate.Store(g)
}

func (r *replicaState) setState(st int32) {
	r.state.Store(st)
	r.updateGate()
	// Only a replica whose stream is its master's serves replicas.
	r.s.repl.replicaSynced.Store(st == mlConnected)
}

// refuses returns the error a replica gives cmd, or "": writes are refused
// with replica-read-only, and everything that is not "stale"-safe while the
// link is down with replica-serve-stale-data no, as Redis's processCommand.
func (r *replicaState) refuses(cmd *shard.Command, g uint32) string {
	cfg := r.s.Config
	if cmd.Flags&shard.FlagWrite != 0 && cfg.Bool("replica-read-only") {
		return errReadOnly
	}
	if g&gateLinkDown != 0 && cmd.Flags&shard.FlagStale == 0 && !cfg.Bool("replica-serve-stale-data") {
		return errMasterDown
	}
	return ""
}

// linkLoop connects, syncs and applies until the link is stopped,
// reconnecting with a backoff after each failure.
func (r *replicaState) linkLoop(run *linkRun, addr string) {
	log := r.s.Log
	backoff := 100 * time.Millisecond
	for run.ctx.Err() == nil {
		log.Info("Connecting to MASTER " + addr)
		synced, err := r.session(run, addr)
		r.link.Store(nil)
		if run.ctx.Err() != nil {
			return
		}
		if r.state.Load() == mlConnected || synced {
			r.downSince.Store(time.Now().Unix())
			log.Info("Connection with master lost.")
		}
		r.lastIO.Store(0)
		r.setState(mlConnect)
		if err != nil {
			log.Warn("Replication link error", "master", addr, "err", err)
		}
		if synced {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-run.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// session is one connection to the master: handshake, full or partial
// sync, then the stream until an error. synced reports whether the sync
// succeeded, which resets the reconnection backoff.
func (r *replicaState) session(run *linkRun, addr string) (synced bool, err error) {
	cfg := r.s.Config
	timeout := time.Duration(cfg.Int("repl-timeout")) * time.Second
	r.setState(mlConnecting)
	link, err := repl.DialMaster(run.ctx, addr, timeout)
	if err != nil {
		return false, err
	}
	defer link.Close()
	r.link.Store(link)
	if run.ctx.Err() != nil {
		return false, run.ctx.Err()
	}
	r.setState(mlHandshake)
	h := repl.Handshake{
		User: cfg.Get("masteruser"), Password: cfg.Get("masterauth"),
		ListeningPort: cfg.Int("port"), AnnounceIP: cfg.Get("replica-announce-ip"),
	}
	if p := cfg.Int("replica-announce-port"); p != 0 {
		h.ListeningPort = p
	}
	if r.cached.Load() {
		h.ReplID, _, _ = r.s.repl.ids()
		h.Offset = r.offset.Load() + 1
	}
	reply, err := link.Handshake(h)
	if err != nil {
		return false, err
	}
	if reply.Full {
		r.s.Log.Info(fmt.Sprintf("Full resync from master: %s:%d", reply.ReplID, reply.Offset))
		if err := r.fullSync(run, link, reply); err != nil {
			return false, err
		}
	} else {
		r.s.Log.Info("Successful partial resynchronization with master.")
		if reply.ReplID != "" {
			// The master changed its ID (it was promoted): the old one
			// stays valid up to here. This server's own replicas must
			// learn the new one: they reconnect, as Redis makes them.
			if id, _, _ := r.s.repl.ids(); id != reply.ReplID {
				r.s.repl.continueWith(reply.ReplID)
				r.s.repl.disconnectReplicas()
			}
		}
	}
	r.readOff.Store(r.offset.Load())
	r.lastIO.Store(time.Now().UnixMilli())
	r.setState(mlConnected)

	ackStop, ackDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ackDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ackStop:
				return
			case <-t.C:
				_ = link.Ack(r.offset.Load())
			}
		}
	}()
	defer func() {
		close(ackStop)
		<-ackDone
	}()
	return true, r.stream(run, link)
}

// fullSync loads the master's RDB payload in place of the dataset. Clients
// get -LOADING meanwhile.
func (r *replicaState) fullSync(run *linkRun, link *repl.MasterLink, reply repl.SyncReply) error {
	src, size, mark, err := link.Payload()
	if err != nil {
		return err
	}
	r.syncSize.Store(max(size, 0))
	r.syncRead.Store(0)
	r.syncIO.Store(time.Now().UnixMilli())
	r.setState(mlTransfer)
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if run.ctx.Err() != nil {
		return run.ctx.Err()
	}
	p := r.s.persist
	p.loading.Store(true)
	defer p.loading.Store(false)
	// From here the old history is gone: a failed load must not continue
	// it with PSYNC, but sync again in full.
	r.cached.Store(false)
	r.s.Log.Info("MASTER <-> REPLICA sync: Flushing old data")
	r.s.Engine.FlushAllNow()
	r.s.Log.Info("MASTER <-> REPLICA sync: Loading DB in memory")
	rd := rdb.NewReader(&countingReader{r: src, n: &r.syncRead, io: &r.syncIO})
	rd.Warn = func(offset int64, msg string) { r.s.Log.Warn(msg, "source", "master payload", "offset", offset) }
	e := r.s.Engine
	now := e.Clock()
	var loaded int64
	lastKeepalive := time.Now()
	for {
		en, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("cannot load the master's payload: %w", err)
		}
		if _, err := e.LoadEntry(en, now, true); err != nil {
			return fmt.Errorf("cannot load the master's payload at offset %d: %w", rd.Offset(), err)
		}
		if loaded++; loaded%1024 == 0 {
			if run.ctx.Err() != nil {
				return run.ctx.Err()
			}
			// A newline a second tells the master this replica is alive
			// during a long load, as Redis's replicas do.
			if time.Since(lastKeepalive) >= time.Second {
				lastKeepalive = time.Now()
				if err := link.Keepalive(); err != nil {
					return err
				}
			}
		}
	}
	if err := link.EndPayload(src, mark, rd.Buffered()); err != nil {
		return err
	}
	db := 0
	if v, err := strconv.Atoi(rd.Aux()["repl-stream-db"]); err == nil && v >= 0 && v < shard.NumDBs {
		db = v
	}
	a := e.NewApplier()
	_ = a.Apply([][]byte{[]byte("SELECT"), []byte(strconv.Itoa(db))})
	r.streamDB.Store(int32(db))
	r.cached.Store(true)
	r.applier = a
	r.offset.Store(reply.Offset)
	r.s.repl.setMaster(reply.ReplID, reply.Offset)
	r.s.Log.Info(fmt.Sprintf("MASTER <-> REPLICA sync: Finished with success, keys loaded: %d", loaded))
	// A diskless master streams nothing until the first ACK.
	return link.Ack(reply.Offset)
}

// countingReader counts the payload's bytes for INFO's master_sync_* fields.
type countingReader struct {
	r  io.Reader
	n  *atomic.Int64
	io *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n.Add(int64(n))
		c.io.Store(time.Now().UnixMilli())
	}
	return n, err
}

// stream applies the master's commands in order. The offset advances past
// each command once it has run, except inside MULTI … EXEC, whose bytes
// count at EXEC: a link cut inside a transaction resumes before its MULTI,
// as Redis's commandProcessed. The bytes go on to this server's own
// replicas (s.repl.feed) as the master sent them, when they count.
func (r *replicaState) stream(run *linkRun, link *repl.MasterLink) error {
	a := r.applier
	if a == nil || a.InMulti() {
		// No stream state yet, or a transaction cut with the link, which
		// the master sends again.
		a = r.s.Engine.NewApplier()
		_ = a.Apply([][]byte{[]byte("SELECT"), []byte(strconv.Itoa(int(r.streamDB.Load())))})
	}
	defer func() { r.applier = a }()
	var pending []byte // bytes of an open MULTI, applied but not counted
	for {
		args, raw, err := link.ReadCommand()
		if err != nil {
			return err
		}
		off := r.offset.Load()
		r.readOff.Store(off + int64(len(pending)+len(raw)) + link.Pending())
		r.lastIO.Store(time.Now().UnixMilli())
		if len(args) > 0 && eqFold(args[0], "replconf") {
			// GETACK is answered with the offset before it, as Redis
			// does while the command is being processed.
			if len(args) >= 2 && eqFold(args[1], "getack") {
				if err := link.Ack(off); err != nil {
					return err
				}
			}
		}
		r.applyMu.Lock()
		if run.ctx.Err() != nil {
			r.applyMu.Unlock()
			return run.ctx.Err()
		}
		switch {
		case len(args) == 3 && (eqFold(args[0], "publish") || eqFold(args[0], "spublish")):
			// Redis propagates PUBLISH: a replica's subscribers (Sentinel's
			// hello channel among them) get the master's messages.
			r.s.Publish(args[1], args[2], eqFold(args[0], "spublish"), nil, nil)
		case len(args) > 0 && !eqFold(args[0], "replconf"):
			if err := a.Apply(args); err != nil {
				r.s.Log.Warn("Command from master failed", "command", string(args[0]), "err", err)
			}
		}
		if a.InMulti() {
			pending = append(pending, raw...)
			r.applyMu.Unlock()
			continue
		}
		if len(args) == 2 && eqFold(args[0], "select") {
			if n, err := strconv.Atoi(string(args[1])); err == nil && n >= 0 && n < shard.NumDBs {
				r.streamDB.Store(int32(n))
			}
		}
		if len(pending) > 0 {
			raw = append(pending, raw...)
		}
		r.offset.Add(int64(len(raw)))
		r.s.repl.feed(raw)
		pending = pending[:0]
		r.applyMu.Unlock()
	}
}

// info writes the replica fields of INFO replication, after role.
func (r *replicaState) info(w func(string, any)) {
	a := r.addr.Load()
	cached := r.cached.Load()
	st := r.state.Load()
	now := time.Now()
	w("master_host", a.host)
	w("master_port", a.port)
	status := "down"
	if st == mlConnected {
		status = "up"
	}
	w("master_link_status", status)
	lastIO := int64(-1)
	if t := r.lastIO.Load(); t != 0 && st == mlConnected {
		lastIO = (now.UnixMilli() - t) / 1000
	}
	w("master_last_io_seconds_ago", lastIO)
	inSync := 0
	if st == mlTransfer {
		inSync = 1
	}
	w("master_sync_in_progress", inSync)
	off, readOff := r.offset.Load(), max(r.readOff.Load(), r.offset.Load())
	if !cached {
		// Neither a master nor a cached one: Redis shows 1.
		off, readOff = 1, 1
	}
	w("slave_read_repl_offset", readOff)
	w("slave_repl_offset", off)
	if st == mlTransfer {
		size, read := r.syncSize.Load(), r.syncRead.Load()
		perc := 0.0
		if size > 0 {
			perc = float64(read) / float64(size) * 100
		}
		w("master_sync_total_bytes", size)
		w("master_sync_read_bytes", read)
		w("master_sync_left_bytes", size-read)
		w("master_sync_perc", fmt.Sprintf("%.2f", perc))
		w("master_sync_last_io_seconds_ago", (now.UnixMilli()-r.syncIO.Load())/1000)
	}
	if st != mlConnected {
		since := int64(-1)
		if d := r.downSince.Load(); d != 0 {
			since = now.Unix() - d
		}
		w("master_link_down_since_seconds", since)
	}
	cfg := r.s.Config
	w("slave_priority", cfg.Int("replica-priority"))
	w("slave_read_only", boolInt(cfg.Bool("replica-read-only")))
	w("replica_announced", boolInt(cfg.Bool("replica-announced")))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// role appends ROLE's reply for a replica: slave, host, port, the link's
// state and the offset processed (-1 while the link is down).
func (r *replicaState) role(out []byte) []byte {
	a := r.addr.Load()
	st := r.state.Load()
	state := [...]string{"none", "connect", "connecting", "handshake", "sync", "connected"}[st]
	off := int64(-1)
	if st == mlConnected {
		off = r.offset.Load()
	}
	out = proto.AppendArrayLen(out, 5)
	out = proto.AppendBulkString(out, "slave")
	out = proto.AppendBulkString(out, a.host)
	out = proto.AppendInt(out, int64(a.port))
	out = proto.AppendBulkString(out, state)
	return proto.AppendInt(out, off)
}

// isReplica reports whether this server follows a master.
func (r *replicaState) isReplica() bool { return r.state.Load() != mlNone }
