package netloop

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/repl"
	"github.com/shoal-db/shoal/shard"
)

// The append-only file: loading at start-up, appendonly on and off at run
// time, BGREWRITEAOF, INFO's aof_* fields, and holding replies until their
// writes are fsynced under appendfsync always (repl.AOF does the files).

// aofState is the server's AOF. mu serialises turning it on and off; the
// hot path reads only gate.
type aofState struct {
	s *Server

	mu sync.Mutex
	a  *repl.AOF // nil while appendonly is off
	// standalone is set while BGREWRITEAOF writes an AOF with appendonly
	// off (Redis writes a base and a manifest then too).
	standalone bool
	standStats repl.AOFStats

	// gate is the AOF while appendfsync is always: a connection whose batch
	// ran after journal bytes not yet fsynced holds its replies (holdReplies).
	gate atomic.Pointer[repl.AOF]
}

func newAOFState(s *Server) *aofState {
	return &aofState{s: s, standStats: repl.AOFStats{LastRewriteSec: -1, CurrentRewriteSec: -1, LastRewriteOK: true, LastWriteOK: true}}
}

func (st *aofState) paths() repl.AOFPaths {
	c := st.s.Config
	return repl.AOFPaths{Dir: c.Get("dir"), DirName: c.Get("appenddirname"), FileName: c.Get("appendfilename")}
}

func (st *aofState) settings() repl.AOFSettings {
	c := st.s.Config
	policy, _ := repl.ParseFsyncPolicy(c.Get("appendfsync"))
	return repl.AOFSettings{
		Fsync:             policy,
		NoFsyncOnRewrite:  c.Bool("no-appendfsync-on-rewrite"),
		RewritePercentage: c.Int64("auto-aof-rewrite-percentage"),
		RewriteMinSize:    c.Int64("auto-aof-rewrite-min-size"),
		UseRDBPreamble:    c.Bool("aof-use-rdb-preamble"),
		IncrementalFsync:  c.Bool("aof-rewrite-incremental-fsync"),
	}
}

func (st *aofState) options() repl.AOFOptions {
	return repl.AOFOptions{
		AOFPaths:      st.paths(),
		Settings:      st.settings(),
		StartSnapshot: st.startSnapshot,
		WriteBase:     st.writeBase,
		Log:           st.s.Log,
	}
}

// aofSnapshot releases the snapshot machinery when the rewrite is done.
type aofSnapshot struct {
	*shard.Snapshot
	p    *persist
	once sync.Once
}

func (s *aofSnapshot) Close() {
	s.Snapshot.Close()
	s.once.Do(s.p.childDone)
}

func (st *aofState) startSnapshot() (repl.Snapshot, error) {
	p := st.s.persist
	if !p.startChild(childAOF) {
		return nil, repl.ErrSnapshotBusy
	}
	snap, err := st.s.Engine.StartSnapshot(p.writerOptions())
	if err != nil {
		p.childDone()
		return nil, err
	}
	return &aofSnapshot{Snapshot: snap, p: p}, nil
}

// writeBase writes a rewrite's base: an RDB with the aof-base AUX field as
// Redis 7.0 does, or the same keys as commands.
func (st *aofState) writeBase(w io.Writer, snap repl.Snapshot, preamble bool) error {
	opts := st.s.persist.writerOptions()
	if preamble {
		return repl.WriteRDB(w, snap, opts, repl.Aux{Key: "aof-base", Value: "1"})
	}
	return repl.WriteBaseCommands(w, snap, opts)
}

// target loads an AOF into the engine: RDB-preamble keys as they are
// (expired ones too: the commands after them may refer to them, as
// Redis's loader keeps them), commands through an Applier.
func (st *aofState) target() repl.AOFTarget {
	e := st.s.Engine
	now := e.Clock()
	return repl.AOFTarget{
		Entry: func(en rdb.Entry) error {
			_, err := e.LoadEntry(en, now, true)
			return err
		},
		Command: e.NewApplier().Apply,
	}
}

// startup loads the AOF and starts appending when appendonly is yes; it
// reports whether it did (with appendonly yes the RDB file is not read, as
// in Redis). It runs on the start-up loading goroutine, before clients
// are served.
func (st *aofState) startup() (handled bool, err error) {
	if !st.s.Config.Bool("appendonly") {
		return false, nil
	}
	start := time.Now()
	stats, err := repl.LoadAOF(st.paths(), repl.AOFLoadOptions{Truncated: st.s.Config.Bool("aof-load-truncated"), Log: st.s.Log}, st.target())
	if err != nil {
		return true, err
	}
	if stats.Manifest != nil {
		st.s.Log.Info(fmt.Sprintf("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds()),
			"keys", stats.Keys, "commands", stats.Commands)
	}
	a, err := repl.OpenAOF(st.options(), st.s.Engine.Journal, stats.Manifest)
	if err != nil {
		return true, err
	}
	st.mu.Lock()
	st.a = a
	st.mu.Unlock()
	st.applyGate()
	return true, nil
}

// configChanged follows CONFIG SET: appendonly yes starts an AOF with a
// rewrite in the background, no stops it (after a final write and fsync);
// the other directives reach the running AOF. It returns an error reply,
// "" when all went well.
func (st *aofState) configChanged() string {
	on := st.s.Config.Bool("appendonly")
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.a != nil && st.a.Failed() {
		st.a.Stop()
		st.a = nil
	}
	switch {
	case on && st.a == nil:
		var a *repl.AOF
		err := errors.New("an AOF rewrite with appendonly off is running")
		if !st.standalone {
			a, err = repl.EnableAOF(st.options(), st.s.Engine.Journal)
		}
		if err != nil {
			st.s.Log.Warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation", "err", err)
			_ = st.s.Config.set("appendonly", "no")
			return "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs."
		}
		st.a = a
	case !on && st.a != nil:
		st.gate.Store(nil)
		st.a.Stop()
		st.a = nil
	case st.a != nil:
		st.a.SetSettings(st.settings())
	}
	st.applyGateLocked()
	return ""
}

func (st *aofState) applyGate() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.applyGateLocked()
}

func (st *aofState) applyGateLocked() {
	if st.a != nil && st.settings().Fsync == repl.FsyncAlways {
		st.gate.Store(st.a)
	} else {
		st.gate.Store(nil)
	}
}

// stop ends appending at shutdown: what is buffered is written and fsynced.
func (st *aofState) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.gate.Store(nil)
	if st.a != nil {
		st.a.Stop()
		st.a = nil
	}
}

// holdReplies runs after a batch finished: under appendfsync always, when
// the journal holds bytes not yet fsynced, the replies wait until an fsync
// covers them. The batch stays in flight meanwhile, so the connection runs
// nothing else and its replies keep their order; the fsync's wake-up
// (OnDone) brings it back to onTraffic, which flushes without asking again
// (fsyncHeld).
// This is conservative in the way Redis is, where every reply of an event
// loop iteration waits for that iteration's fsync: a read that ran after
// another client's write waits for that write to be durable too.
func (cn *conn) holdReplies(a *repl.AOF) bool {
	target := a.Appended()
	if target <= a.Synced() {
		return false
	}
	cn.fsyncHeld = true
	cn.inflight = true
	a.WaitSynced(target, cn.batch.OnDone)
	return true
}

func (s *Server) registerAOF(t *shard.Table) {
	route0 := func(*shard.Engine, [][]byte) int { return 0 }
	t.Add(&shard.Command{Name: "bgrewriteaof", Arity: 1, Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagNoAsyncLoading,
		Kind: shard.KindRouted, Route: route0, Group: "server", Since: "1.0.0",
		Summary: "Asynchronously rewrites the append-only file to disk.", Complexity: "O(1)",
		ACL: []string{"admin", "slow", "dangerous"}, Run: s.aof.cmdBgrewriteaof})
}

// cmdBgrewriteaof answers as Redis 7.0: a rewrite already running is an
// error, a BGSAVE running makes it scheduled, and with appendonly off it
// still writes a base and a manifest.
func (st *aofState) cmdBgrewriteaof(c *shard.Ctx) {
	st.mu.Lock()
	a, standalone := st.a, st.standalone
	st.mu.Unlock()
	if standalone || a != nil && a.Stats().RewriteInProgress {
		c.Error(repl.ErrRewriteInProgress.Error())
		return
	}
	busy := st.childBusy()
	if a != nil {
		switch {
		case busy:
			a.Schedule()
			c.Simple("Background append only file rewriting scheduled")
		case a.Rewrite() != nil:
			c.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
		default:
			c.Simple("Background append only file rewriting started")
		}
		return
	}
	st.mu.Lock()
	st.standalone = true
	st.standStats.RewriteInProgress = true
	st.mu.Unlock()
	st.s.persist.wg.Add(1)
	go func() {
		defer st.s.persist.wg.Done()
		start := time.Now()
		err := repl.RewriteOnce(st.options())
		if err != nil {
			st.s.Log.Warn("Background AOF rewrite failed", "err", err)
		}
		st.mu.Lock()
		st.standalone = false
		ss := &st.standStats
		ss.RewriteInProgress = false
		ss.LastRewriteSec = int64(time.Since(start).Seconds())
		ss.LastRewriteOK = err == nil
		if err == nil {
			ss.Rewrites++
			ss.RewriteFailures = 0
		} else {
			ss.RewriteFailures++
		}
		st.mu.Unlock()
	}()
	if busy {
		// RewriteOnce waits for the snapshot.
		c.Simple("Background append only file rewriting scheduled")
		return
	}
	c.Simple("Background append only file rewriting started")
}

// childBusy reports whether a BGSAVE holds the snapshot machinery.
// writeError is the AOF's last write or fsync failure, nil when it writes.
func (st *aofState) writeError() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.a == nil {
		return nil
	}
	return st.a.WriteError()
}

func (st *aofState) childBusy() bool {
	p := st.s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.child != childNone
}

// info writes INFO persistence's aof_* fields with Redis 7.0's names; the
// sizes and buffers are shown only while the AOF is on, as Redis does.
func (st *aofState) info(w func(string, any)) {
	st.mu.Lock()
	a := st.a
	stats := st.standStats
	st.mu.Unlock()
	if a != nil {
		stats = a.Stats()
	}
	enabled := 0
	if a != nil {
		enabled = 1
	}
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	status := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	w("aof_enabled", enabled)
	w("aof_rewrite_in_progress", flag(stats.RewriteInProgress))
	w("aof_rewrite_scheduled", flag(stats.RewriteScheduled))
	w("aof_last_rewrite_time_sec", stats.LastRewriteSec)
	w("aof_current_rewrite_time_sec", stats.CurrentRewriteSec)
	w("aof_last_bgrewrite_status", status(stats.LastRewriteOK))
	w("aof_rewrites", stats.Rewrites)
	w("aof_rewrites_consecutive_failures", stats.RewriteFailures)
	w("aof_last_write_status", status(stats.LastWriteOK))
	w("aof_last_cow_size", 0)
	w("module_fork_in_progress", 0)
	w("module_fork_last_cow_size", 0)
	if a != nil {
		w("aof_current_size", stats.CurrentSize)
		w("aof_base_size", stats.BaseSize)
		w("aof_pending_rewrite", flag(stats.RewriteScheduled))
		w("aof_buffer_length", stats.BufferLength)
		w("aof_pending_bio_fsync", 0)
		w("aof_delayed_fsync", 0)
	}
}
