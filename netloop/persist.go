package netloop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// RDB persistence: SAVE, BGSAVE, LASTSAVE, the save schedule, saving at
// shutdown, DEBUG RELOAD and loading at start-up. A save is a snapshot
// (shard.Snapshot: consistent, copy-on-write, writes keep flowing) written
// by a background goroutine to a temporary file renamed over dbfilename.

const (
	errBgsaveRunning = "ERR Background save already in progress"
	errMisconf       = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	errLoading       = "LOADING Redis is loading the dataset in memory"
	// bgsaveRetryDelay is how long the save schedule waits after a failed
	// BGSAVE before trying again (Redis's CONFIG_BGSAVE_RETRY_DELAY).
	bgsaveRetryDelay = 5 * time.Second
)

// childKind names the background job that owns the snapshot machinery:
// Redis runs one child process at a time, Shoal one snapshot.
type childKind uint8

const (
	childNone childKind = iota
	childRDB
	childAOF
)

// persist is the server's persistence state. Its fields are guarded by mu;
// loading and refuseWrites are read on the command path without it.
type persist struct {
	s *Server

	mu             sync.Mutex
	child          childKind
	childStart     time.Time
	bgsaveWaiters  []func(error) // SAVE calls waiting for the running save
	bgsaveSchedule bool          // BGSAVE SCHEDULE waits for the running child
	lastSave       time.Time     // last successful save (or start-up)
	lastTry        time.Time     // last BGSAVE attempt
	lastStatusOK   bool
	lastDuration   time.Duration
	saves          int64
	dirtyAtSave    uint64 // changes counted when the last successful save started
	dirtyAtStart   uint64 // changes counted when the running save started
	loadedKeys     int64
	expiredOnLoad  int64
	exitSave       int // SHUTDOWN's choice: 0 per the save directive, 1 SAVE, -1 NOSAVE

	loaded   chan struct{} // closed when start-up loading has ended
	loading  atomic.Bool
	loadDone atomic.Bool // start-up loading finished without error
	// refusal is the MISCONF error that write commands get while the last
	// save failed (stop-writes-on-bgsave-error) or the AOF cannot be
	// written; nil when writes are accepted.
	refusal   atomic.Pointer[string]
	rdbFailed atomic.Bool
	wg        sync.WaitGroup
}

func newPersist(s *Server) *persist {
	return &persist{s: s, lastSave: time.Now(), lastStatusOK: true, loaded: make(chan struct{})}
}

// dirty counts the changes made to the dataset so far.
func (p *persist) dirty() uint64 {
	var n uint64
	e := p.s.Engine
	for i := 0; i < e.NumShards(); i++ {
		n += e.Shard(i).Stats.Changes.Load()
	}
	return n
}

func (p *persist) rdbPath() string {
	return filepath.Join(p.s.Config.Get("dir"), p.s.Config.Get("dbfilename"))
}

// writerOptions are the RDB options of the current configuration.
func (p *persist) writerOptions() rdb.WriterOptions {
	o := rdb.DefaultWriterOptions()
	o.Compression = p.s.Config.Bool("rdbcompression")
	o.Checksum = p.s.Config.Bool("rdbchecksum")
	o.RedisVersion = Version
	return o
}

// startChild reserves the snapshot machinery for a background job; it
// fails when another one runs.
func (p *persist) startChild(kind childKind) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.child != childNone {
		return false
	}
	p.child, p.childStart = kind, time.Now()
	return true
}

// bgsave starts a background save; done, if not nil, gets its result.
func (p *persist) bgsave(done func(error)) error {
	p.mu.Lock()
	if p.child != childNone {
		p.mu.Unlock()
		return errors.New(errBgsaveRunning)
	}
	p.child, p.childStart, p.lastTry = childRDB, time.Now(), time.Now()
	p.dirtyAtStart = p.dirty()
	if done != nil {
		p.bgsaveWaiters = append(p.bgsaveWaiters, done)
	}
	p.mu.Unlock()
	p.s.Log.Info("Background saving started")
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.finishSave(p.saveRDB())
	}()
	return nil
}

// saveRDB takes a snapshot and writes it to dbfilename.
func (p *persist) saveRDB() error {
	snap, aux, err := p.s.replica.snapshotForSave(p.writerOptions())
	if err != nil {
		return err
	}
	defer snap.Close()
	_, err = repl.SaveRDB(p.rdbPath(), snap, p.writerOptions(), aux...)
	return err
}

func (p *persist) finishSave(err error) {
	p.mu.Lock()
	p.child = childNone
	p.lastDuration = time.Since(p.childStart)
	p.lastStatusOK = err == nil
	if err == nil {
		p.lastSave = p.childStart
		p.dirtyAtSave = p.dirtyAtStart
		p.saves++
	}
	waiters := p.bgsaveWaiters
	p.bgsaveWaiters = nil
	scheduled := p.bgsaveSchedule
	p.bgsaveSchedule = false
	p.mu.Unlock()
	p.rdbFailed.Store(err != nil)
	p.updateRefusal()
	if err != nil {
		p.s.Log.Warn("Background saving error", "err", err)
	} else {
		p.s.Log.Info("Background saving terminated with success")
	}
	for _, w := range waiters {
		w(err)
	}
	if scheduled {
		_ = p.bgsave(nil)
	}
}

// childDone ends a background job other than an RDB save (the AOF
// rewrite), running a BGSAVE that was scheduled behind it.
func (p *persist) childDone() {
	p.mu.Lock()
	p.child = childNone
	scheduled := p.bgsaveSchedule
	p.bgsaveSchedule = false
	p.mu.Unlock()
	if scheduled {
		_ = p.bgsave(nil)
	}
}

// saveParams parses the save directive: pairs of seconds and changes.
func parseSaveParams(v string) ([][2]int64, error) {
	f := strings.Fields(v)
	if len(f)%2 != 0 {
		return nil, errors.New("invalid save parameters")
	}
	out := make([][2]int64, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		secs, err1 := strconv.ParseInt(f[i], 10, 64)
		changes, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || secs < 1 || changes < 0 {
			return nil, errors.New("invalid save parameters")
		}
		out = append(out, [2]int64{secs, changes})
	}
	return out, nil
}

// updateRefusal decides whether write commands are refused, as Redis's
// writeCommandsDeniedByDiskError: after a failed save, or while the AOF
// cannot be written.
func (p *persist) updateRefusal() {
	var msg *string
	if p.rdbFailed.Load() && p.s.Config.Bool("stop-writes-on-bgsave-error") {
		m := errMisconf
		msg = &m
	} else if err := p.s.aof.writeError(); err != nil {
		m := repl.MisconfError(err)
		msg = &m
	}
	if old := p.refusal.Load(); old == nil && msg == nil || old != nil && msg != nil && *old == *msg {
		return
	}
	p.refusal.Store(msg)
}

// cron starts a BGSAVE when a save point is reached, as serverCron does,
// and follows the AOF's write errors.
func (p *persist) cron(now time.Time) {
	p.updateRefusal()
	if !p.loadDone.Load() {
		return
	}
	params, err := parseSaveParams(p.s.Config.Get("save"))
	if err != nil || len(params) == 0 {
		return
	}
	dirty := p.dirty()
	p.mu.Lock()
	idle := p.child == childNone
	changes := dirty - p.dirtyAtSave
	since := now.Sub(p.lastSave)
	retryOK := p.lastStatusOK || now.Sub(p.lastTry) > bgsaveRetryDelay
	p.mu.Unlock()
	if !idle || !retryOK {
		return
	}
	for _, sp := range params {
		if changes >= uint64(sp[1]) && since >= time.Duration(sp[0])*time.Second {
			p.s.Log.Info(fmt.Sprintf("%d changes in %d seconds. Saving...", sp[1], sp[0]))
			_ = p.bgsave(nil)
			return
		}
	}
}

// load reads the AOF (appendonly yes) or dbfilename at start-up; a
// missing file is an empty dataset.
func (p *persist) load() error {
	if handled, err := p.s.aof.startup(); handled {
		return err
	}
	path := p.rdbPath()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot open the RDB file %s: %w", path, err)
	}
	defer f.Close()
	st, _ := f.Stat()
	start := time.Now()
	loaded, expired, aux, err := p.loadRDB(f, st.Size(), path)
	if err != nil {
		return err
	}
	p.s.replica.restore(aux)
	p.mu.Lock()
	p.loadedKeys, p.expiredOnLoad = loaded, expired
	p.mu.Unlock()
	p.s.Log.Info(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d.", loaded, expired),
		"file", path, "seconds", time.Since(start).Seconds())
	return nil
}

// loadRDB loads an RDB stream into the engine, logging progress every
// second for large files.
func (p *persist) loadRDB(src io.Reader, size int64, name string) (loaded, expired int64, aux map[string]string, err error) {
	r := rdb.NewReader(bufio.NewReaderSize(src, 1<<20))
	r.Warn = func(offset int64, msg string) { p.s.Log.Warn(msg, "file", name, "offset", offset) }
	e := p.s.Engine
	now := e.Clock()
	lastLog := time.Now()
	for {
		en, err := r.Next()
		if errors.Is(err, io.EOF) {
			return loaded, expired, r.Aux(), nil
		}
		if err != nil {
			return loaded, expired, nil, fmt.Errorf("cannot load %s: %w", name, err)
		}
		ok, err := e.LoadEntry(en, now, false)
		if err != nil {
			return loaded, expired, nil, fmt.Errorf("cannot load %s at offset %d: %w", name, r.Offset(), err)
		}
		if ok {
			loaded++
		} else {
			expired++
		}
		if loaded%1024 == 0 && time.Since(lastLog) >= time.Second {
			lastLog = time.Now()
			p.s.Log.Info("Loading RDB", "file", name, "keys", loaded, "progress", fmt.Sprintf("%.1f%%", 100*float64(r.Offset())/float64(max(size, 1))))
		}
	}
}

// startLoad loads the dataset in the background once the server listens;
// until it is done, commands get -LOADING. A load error stops the server:
// Run returns it.
func (p *persist) startLoad() {
	if _, err := os.Stat(p.rdbPath()); errors.Is(err, os.ErrNotExist) && !p.s.Config.Bool("appendonly") {
		p.loadDone.Store(true)
		close(p.loaded)
		return
	}
	p.loading.Store(true)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.loaded)
		select {
		case <-p.s.ready:
		case <-p.s.stopping:
			p.loading.Store(false)
			return
		}
		err := p.load()
		p.loading.Store(false)
		if err != nil {
			p.s.Log.Error("Fatal error loading the DB, exiting", "err", err)
			p.s.loadErr.Store(&err)
			p.s.Stop()
			return
		}
		p.mu.Lock()
		p.lastSave = time.Now()
		p.dirtyAtSave = p.dirty()
		p.mu.Unlock()
		p.loadDone.Store(true)
	}()
}

// shutdownSave saves before the process exits when the save directive has
// save points or SHUTDOWN SAVE asked, unless SHUTDOWN NOSAVE did, as
// Redis's prepareForShutdown. It waits for a background save first.
func (p *persist) shutdownSave() error {
	p.mu.Lock()
	choice := p.exitSave
	p.mu.Unlock()
	params, _ := parseSaveParams(p.s.Config.Get("save"))
	if !p.loadDone.Load() || choice < 0 || choice == 0 && len(params) == 0 {
		return nil
	}
	for {
		p.mu.Lock()
		idle := p.child == childNone
		if idle {
			p.child, p.childStart = childRDB, time.Now()
		}
		p.mu.Unlock()
		if idle {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.s.Log.Info("Saving the final RDB snapshot before exiting.")
	p.dirtyAtStart = p.dirty()
	err := p.saveRDB()
	p.finishSave(err)
	if err != nil {
		return fmt.Errorf("error trying to save the DB, can't exit: %w", err)
	}
	p.s.Log.Info("DB saved on disk")
	return nil
}

// Loaded is closed when loading the dataset at start-up has ended, with
// or without error (Run returns the error).
func (s *Server) Loaded() <-chan struct{} { return s.persist.loaded }

// wait waits for background saves and loading to end.
func (p *persist) wait() { p.wg.Wait() }

func (s *Server) registerPersist(t *shard.Table) {
	p := s.persist
	route0 := func(*shard.Engine, [][]byte) int { return 0 }
	t.Add(&shard.Command{Name: "save", Arity: 1, Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagNoAsyncLoading | shard.FlagNoMulti,
		Kind: shard.KindRouted, Route: route0, Defers: true, Group: "server", Since: "1.0.0",
		Summary: "Synchronously saves the database(s) to disk.", Complexity: "O(N) where N is the total number of keys in all databases",
		ACL: []string{"admin", "slow", "dangerous"}, Run: p.cmdSave})
	t.Add(&shard.Command{Name: "bgsave", Arity: -1, Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagNoAsyncLoading,
		Kind: shard.KindRouted, Route: route0, Group: "server", Since: "1.0.0",
		Summary: "Asynchronously saves the database(s) to disk.", Complexity: "O(1)",
		ACL: []string{"admin", "slow", "dangerous"}, Run: p.cmdBgsave})
	t.Add(&shard.Command{Name: "lastsave", Arity: 1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagFast,
		Kind: shard.KindRouted, Route: route0, Group: "server", Since: "1.0.0",
		Summary: "Returns the Unix timestamp of the last successful save to disk.", Complexity: "O(1)",
		ACL: []string{"admin", "fast", "dangerous"}, Run: p.cmdLastsave})
}

// cmdSave replies when the save is on disk. Unlike Redis's SAVE, which
// blocks the server, it takes a snapshot: other clients keep being served.
func (p *persist) cmdSave(c *shard.Ctx) {
	if c.InTx() {
		c.Error("ERR Command not allowed inside a transaction")
		return
	}
	d := c.Defer()
	err := p.bgsave(func(err error) {
		if err != nil {
			d.Reply(proto.AppendError(nil, "ERR "+err.Error()))
			return
		}
		d.Reply([]byte("+OK\r\n"))
	})
	if err != nil {
		d.Reply(proto.AppendError(nil, err.Error()))
	}
}

func (p *persist) cmdBgsave(c *shard.Ctx) {
	schedule := false
	if len(c.Args) > 1 {
		if len(c.Args) > 2 || !strings.EqualFold(string(c.Args[1]), "schedule") {
			c.Syntax()
			return
		}
		schedule = true
	}
	p.mu.Lock()
	child := p.child
	if child == childAOF && schedule {
		p.bgsaveSchedule = true
	}
	p.mu.Unlock()
	switch {
	case child == childRDB:
		c.Error(errBgsaveRunning)
	case child == childAOF && schedule:
		c.Simple("Background saving scheduled")
	case child == childAOF:
		c.Error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	default:
		if err := p.bgsave(nil); err != nil {
			c.Error(err.Error())
			return
		}
		c.Simple("Background saving started")
	}
}

func (p *persist) cmdLastsave(c *shard.Ctx) {
	p.mu.Lock()
	t := p.lastSave.Unix()
	p.mu.Unlock()
	c.Int(t)
}

// info writes the RDB fields of INFO persistence.
func (p *persist) info(w func(string, any)) {
	dirty := p.dirty()
	p.mu.Lock()
	defer p.mu.Unlock()
	loading := 0
	if p.loading.Load() {
		loading = 1
	}
	w("loading", loading)
	w("async_loading", 0)
	w("current_cow_peak", 0)
	w("current_cow_size", 0)
	w("current_cow_size_age", 0)
	w("current_fork_perc", "0.00")
	w("current_save_keys_processed", 0)
	w("current_save_keys_total", 0)
	w("rdb_changes_since_last_save", dirty-p.dirtyAtSave)
	inProgress, current := 0, int64(-1)
	if p.child == childRDB {
		inProgress, current = 1, int64(time.Since(p.childStart).Seconds())
	}
	w("rdb_bgsave_in_progress", inProgress)
	w("rdb_last_save_time", p.lastSave.Unix())
	status := "ok"
	if !p.lastStatusOK {
		status = "err"
	}
	w("rdb_last_bgsave_status", status)
	last := int64(-1)
	if p.saves > 0 || !p.lastStatusOK {
		last = int64(p.lastDuration.Seconds())
	}
	w("rdb_last_bgsave_time_sec", last)
	w("rdb_current_bgsave_time_sec", current)
	w("rdb_saves", p.saves)
	w("rdb_last_cow_size", 0)
	w("rdb_last_load_keys_expired", p.expiredOnLoad)
	w("rdb_last_load_keys_loaded", p.loadedKeys)
}

// debugReload is DEBUG RELOAD: save, empty every database, load the file
// back. The reply comes when the data is back.
func (p *persist) debugReload(c *shard.Ctx) {
	d := c.Defer()
	reload := func(err error) {
		if err == nil {
			err = p.reload()
		}
		if err != nil {
			d.Reply(proto.AppendError(nil, "ERR Error trying to load the RDB dump, check server logs."))
			p.s.Log.Warn("DEBUG RELOAD failed", "err", err)
			return
		}
		d.Reply([]byte("+OK\r\n"))
	}
	if p.bgsave(reload) == nil {
		return
	}
	// A background job is running: Redis's DEBUG RELOAD saves anyway, so
	// this one waits for the job and then saves.
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for p.bgsave(reload) != nil {
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

// reload empties the engine and loads dbfilename into it.
func (p *persist) reload() error {
	p.loading.Store(true)
	defer p.loading.Store(false)
	p.s.Engine.FlushAllNow()
	f, err := os.Open(p.rdbPath())
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, _, err = p.loadRDB(f, 0, p.rdbPath())
	return err
}
