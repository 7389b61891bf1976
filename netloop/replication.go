package netloop

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/repl"
)

// Replication identity, shared by the master side (replmaster.go) and the
// replica side (replica.go), as Redis keeps it in its server struct:
//
//   - replid: the history this server's stream belongs to; replid2 and
//     second_repl_offset: the history it continued from, after a promotion
//     or a +CONTINUE with a new id (PSYNC2), so that replicas of the old
//     history can still continue partially.
//   - master_repl_offset: bytes of the replication stream so far. While
//     the backlog is fed by the journal (a master), journal offset J is
//     stream offset J+delta (delta is fixed while it is attached). A
//     replica feeds its master's bytes verbatim (feed), so its offset is
//     the master's.
//   - the backlog (repl.Backlog): created when the first replica attaches
//     (or by the replica side when it syncs), dropped after repl-backlog-ttl
//     without replicas on a master, which then changes its replid as Redis
//     does, since the offsets no longer continue.
//
// Everything here is guarded by mu; the replica side uses these methods:
// ids, offset, setMaster (after a full sync: the master's replid and
// offset, backlog restarted there, fed by feed), continueWith (+CONTINUE
// with a new replid), promote (REPLICAOF NO ONE: shift the ids and attach
// the backlog to the journal), disconnectReplicas, and the hooks below.
type replState struct {
	s *Server

	mu      sync.Mutex
	id, id2 string
	// offset2 is second_repl_offset as Redis shows it: one past the last
	// byte of id2's history that this server holds, -1 without id2.
	offset2 int64
	// offset is master_repl_offset while there is no backlog.
	offset  int64
	backlog *repl.Backlog
	// detach stops the journal feeding the backlog; nil when it does not.
	detach func()
	delta  int64
	// replicas are the attached replicas, in attach order (INFO slaveN);
	// links is a copy the journal's sink reads without mu.
	replicas        []*replicaLink
	links           atomic.Pointer[[]*replicaLink]
	noReplicasSince time.Time

	waiters []*ackWaiter

	syncFull, syncPartialOK, syncPartialErr atomic.Int64
	// noGoodReplicas is set while min-replicas-to-write is not met: write
	// commands get -NOREPLICAS (one load on the command path).
	noGoodReplicas atomic.Bool
	// replica is set by the replica side while this server follows a
	// master: writes are not replicated from here, WAIT is refused.
	replica atomic.Bool
	// replicaSynced is set by the replica side while its stream is its
	// master's (loaded and linked): only then may it serve replicas.
	replicaSynced atomic.Bool

	pending  []*replicaLink // replicas waiting for a full sync
	running  bool           // runFullSyncs is running
	lastPing int64          // unix ms of the last PING into the stream

	// Hooks the replica side sets (nil on a pure master): replicaInfo
	// writes INFO replication's fields from role to replica_announced when
	// this server is a replica and reports whether it wrote them;
	// replicaRole appends ROLE's reply and reports whether it did.
	replicaInfo func(w func(string, any)) bool
	replicaRole func(out []byte) ([]byte, bool)
	// replicaSnapshotPoint stops applying the master's stream between two
	// commands and returns the stream offset and database there; resume
	// lets it go on. A replica's full sync of its own replicas takes its
	// snapshot meanwhile.
	replicaSnapshotPoint func() (offset int64, db int, resume func())

	wg sync.WaitGroup // full-sync goroutines

	// markMu guards what the journal's sink records (it runs under the
	// journal's lock, so it must not take mu, which is held around
	// Subscribe): streamDB is the database the stream has selected after
	// its last chunk; marks records it per chunk while a full sync looks
	// for the database at its snapshot point (see dbAt).
	markMu   sync.Mutex
	streamDB int
	marking  int
	marks    []dbMark
}

type dbMark struct {
	end int64 // journal offset after a chunk
	db  int   // database selected after it
}

const noReplID = "0000000000000000000000000000000000000000"

func newReplState(s *Server) *replState {
	return &replState{s: s, id: newRunID(), id2: noReplID, offset2: -1, streamDB: -1, noReplicasSince: time.Now()}
}

// ids returns replid, replid2 and second_repl_offset.
func (r *replState) ids() (id, id2 string, offset2 int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id, r.id2, r.offset2
}

// offset returns master_repl_offset.
func (r *replState) masterOffset() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.offsetLocked()
}

func (r *replState) offsetLocked() int64 {
	if r.backlog != nil {
		return r.backlog.End()
	}
	return r.offset
}

// setMaster is the replica side's full sync: this server's stream is now
// its master's, from offset on. The backlog restarts empty at offset and
// is fed by feed; replicas of this server must sync again.
func (r *replState) setMaster(replid string, offset int64) {
	r.disconnectReplicas()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.detachLocked()
	r.id, r.id2, r.offset2 = replid, noReplID, -1
	r.backlog = repl.NewBacklog(r.s.Config.Int64("repl-backlog-size"), offset)
	r.offset = offset
}

// continueWith is +CONTINUE <newid> on the replica side: the master's
// history got a new id (it was promoted); the old one stays as replid2 up
// to the current offset, as Redis's replica does.
func (r *replState) continueWith(newID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if newID == r.id {
		return
	}
	r.id2, r.offset2 = r.id, r.offsetLocked()+1
	r.id = newID
}

// feed appends bytes of the master's stream (replica side), forwarding
// them to this server's own replicas.
func (r *replState) feed(b []byte) {
	r.mu.Lock()
	bl := r.backlog
	if bl == nil {
		r.offset += int64(len(b))
	}
	r.mu.Unlock()
	if bl != nil {
		bl.Write(b)
		r.wakeReplicas()
	}
}

// promote is REPLICAOF NO ONE: a new replid, the old one kept as replid2
// (Redis's shiftReplicationId) so that former siblings continue
// partially, and the journal feeds the stream from now on.
func (r *replState) promote() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.id2, r.offset2 = r.id, r.offsetLocked()+1
	r.id = newRunID()
	if r.backlog != nil {
		// The backlog's last SELECT came from the old master's stream.
		r.s.Engine.Journal.ForgetDB()
		r.attachLocked()
	}
}

// ensureBacklog creates the backlog fed by the journal when the first
// replica attaches; Redis starts a new history (replid) at that point,
// since nothing was kept of the stream before it.
func (r *replState) ensureBacklogLocked() {
	if r.backlog != nil {
		if r.detach == nil && !r.replica.Load() {
			r.attachLocked()
		}
		return
	}
	r.id, r.id2, r.offset2 = newRunID(), noReplID, -1
	r.backlog = repl.NewBacklog(r.s.Config.Int64("repl-backlog-size"), r.offset)
	r.attachLocked()
}

// attachLocked subscribes the backlog to the journal.
func (r *replState) attachLocked() {
	if r.detach != nil {
		return
	}
	bl := r.backlog
	start, db, unsub := r.s.Engine.Journal.SubscribeAt(func(chunk []byte, end int64, db int) {
		bl.Write(chunk)
		r.noteChunk(end, db)
		r.wakeReplicas()
	})
	r.delta = bl.End() - start
	r.markMu.Lock()
	// -1: no effect yet, and the next one starts with SELECT.
	r.streamDB = max(db, 0)
	r.markMu.Unlock()
	r.detach = unsub
}

func (r *replState) detachLocked() {
	if r.detach != nil {
		r.detach()
		r.detach = nil
	}
}

// noteChunk runs under the journal's lock, after every chunk.
func (r *replState) noteChunk(end int64, db int) {
	r.markMu.Lock()
	r.streamDB = db
	if r.marking > 0 {
		r.marks = append(r.marks, dbMark{end, db})
	}
	r.markMu.Unlock()
}

// freeBacklog drops the backlog after repl-backlog-ttl without replicas
// (master only): the offset stays, the history gets a new id.
func (r *replState) freeBacklogLocked() {
	r.detachLocked()
	r.offset = r.backlog.End()
	r.backlog = nil
	r.id, r.id2, r.offset2 = newRunID(), noReplID, -1
}

// disconnectReplicas closes every replica connection (role change).
func (r *replState) disconnectReplicas() {
	r.mu.Lock()
	links := append([]*replicaLink(nil), r.replicas...)
	r.mu.Unlock()
	for _, l := range links {
		_ = l.cn.gc.Close()
	}
}

// wakeReplicas tells every replica fed from the backlog that bytes
// arrived; each is woken at most once until its loop reads.
func (r *replState) wakeReplicas() {
	if p := r.links.Load(); p != nil {
		for _, l := range *p {
			l.wake()
		}
	}
}

// setReplicasLocked replaces the replica list (mu held).
func (r *replState) setReplicasLocked(links []*replicaLink) {
	r.replicas = links
	cp := append([]*replicaLink(nil), links...)
	r.links.Store(&cp)
	if len(links) == 0 {
		r.noReplicasSince = time.Now()
	}
}

// replicationInfo writes INFO replication.
func (s *Server) replicationInfo(w func(string, any)) {
	r := s.repl
	if r.replicaInfo == nil || !r.replicaInfo(w) {
		w("role", "master")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now().UnixMilli()
	online := 0
	var lines []string
	for _, l := range r.replicas {
		st := l.stateName()
		if st == "" {
			continue
		}
		online++
		lines = append(lines, fmt.Sprintf("ip=%s,port=%d,state=%s,offset=%d,lag=%d",
			l.ip(), l.port.Load(), st, l.ackOff.Load(), (now-l.ackTime.Load())/1000))
	}
	w("connected_slaves", online)
	for i, ln := range lines {
		w(fmt.Sprintf("slave%d", i), ln)
	}
	w("master_failover_state", "no-failover")
	w("master_replid", r.id)
	w("master_replid2", r.id2)
	w("master_repl_offset", r.offsetLocked())
	w("second_repl_offset", r.offset2)
	if r.backlog == nil {
		w("repl_backlog_active", 0)
		w("repl_backlog_size", s.Config.Int64("repl-backlog-size"))
		w("repl_backlog_first_byte_offset", 0)
		w("repl_backlog_histlen", 0)
		return
	}
	start, end := r.backlog.Range()
	w("repl_backlog_active", 1)
	w("repl_backlog_size", r.backlog.Size())
	w("repl_backlog_first_byte_offset", start+1)
	w("repl_backlog_histlen", end-start)
}

// connectedReplicas counts replicas past the handshake (metrics).
func (s *Server) connectedReplicas() int {
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.replicas {
		if l.stateName() != "" {
			n++
		}
	}
	return n
}

// roleReply answers ROLE for a master: ["master", offset, [[ip, port,
// acked offset], ...]], listing online replicas only, as Redis does.
func (cn *conn) roleReply() {
	r := cn.s.repl
	if r.replicaRole != nil {
		if out, ok := r.replicaRole(cn.out()); ok {
			cn.end(out)
			return
		}
	}
	r.mu.Lock()
	off := r.offsetLocked()
	var online []*replicaLink
	for _, l := range r.replicas {
		if l.state.Load() == linkOnline {
			online = append(online, l)
		}
	}
	r.mu.Unlock()
	out := proto.AppendArrayLen(cn.out(), 3)
	out = proto.AppendBulkString(out, "master")
	out = proto.AppendInt(out, off)
	out = proto.AppendArrayLen(out, len(online))
	for _, l := range online {
		out = proto.AppendArrayLen(out, 3)
		out = proto.AppendBulkString(out, l.ip())
		out = proto.AppendBulkString(out, fmt.Sprint(l.port.Load()))
		out = proto.AppendBulkString(out, fmt.Sprint(l.ackOff.Load()))
	}
	cn.end(out)
}

// hostOf returns the host part of an "ip:port" address.
func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

// clientTypeName maps CLIENT LIST/KILL's TYPE argument to clientType's
// names, "" when unknown.
func clientTypeName(t []byte) string {
	switch strings.ToLower(string(t)) {
	case "normal":
		return "normal"
	case "replica", "slave":
		return "replica"
	case "master":
		return "master"
	case "pubsub":
		return "pubsub"
	}
	return ""
}

// clientType is the connection's class for CLIENT LIST/KILL TYPE and the
// output buffer limits; it reads what the connection publishes under mu,
// so any goroutine may ask. A master's link is not a client connection
// here, so no connection is of type master.
func (c *conn) clientType() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.flags == "S":
		return "replica"
	case c.subShown[0]+c.subShown[1]+c.subShown[2] > 0:
		return "pubsub"
	}
	return "normal"
}
