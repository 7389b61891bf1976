package repl

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FsyncPolicy is appendfsync.
type FsyncPolicy int32

const (
	FsyncNo FsyncPolicy = iota
	FsyncEverysec
	FsyncAlways
)

// ParseFsyncPolicy reads an appendfsync value.
func ParseFsyncPolicy(s string) (FsyncPolicy, bool) {
	switch strings.ToLower(s) {
	case "no":
		return FsyncNo, true
	case "everysec":
		return FsyncEverysec, true
	case "always":
		return FsyncAlways, true
	}
	return 0, false
}

// Snapshot is a consistent copy of the dataset at one journal offset
// (shard.Engine.StartSnapshot).
type Snapshot interface {
	Offset() int64
	Next() ([]byte, error)
	Close()
}

// AOFSettings are the directives an AOF reads while it runs; CONFIG SET
// replaces them with SetSettings.
type AOFSettings struct {
	Fsync             FsyncPolicy
	NoFsyncOnRewrite  bool  // no-appendfsync-on-rewrite
	RewritePercentage int64 // auto-aof-rewrite-percentage, 0: off
	RewriteMinSize    int64 // auto-aof-rewrite-min-size
	UseRDBPreamble    bool  // aof-use-rdb-preamble
	IncrementalFsync  bool  // aof-rewrite-incremental-fsync
}

// AOFOptions is what an AOF is built from.
type AOFOptions struct {
	AOFPaths
	Settings AOFSettings
	// StartSnapshot begins a consistent snapshot of every shard.
	StartSnapshot func() (Snapshot, error)
	// WriteBase writes a snapshot as a whole base file: an RDB when
	// preamble is set, commands otherwise.
	WriteBase func(w io.Writer, s Snapshot, preamble bool) error
	Log       *slog.Logger
}

// ErrRewriteInProgress is BGREWRITEAOF's refusal while one runs.
var ErrRewriteInProgress = errors.New("ERR Background append only file rewriting already in progress")

// ErrSnapshotBusy is what StartSnapshot returns while another background
// job (a BGSAVE) owns the snapshot: the rewrite is scheduled for later.
var ErrSnapshotBusy = errors.New("another background job owns the snapshot")

// busyRetry is how often a rewrite waiting for the snapshot tries again.
const busyRetry = 100 * time.Millisecond

// incrementalFsyncBytes is how often aof-rewrite-incremental-fsync syncs a
// base file being written (Redis's REDIS_AUTOSYNC_BYTES).
const incrementalFsyncBytes = 4 << 20

// AOF appends the journal to Redis 7's multi-part append-only file and
// rewrites it. The journal's sink only copies each chunk into a buffer; one
// writer goroutine writes and fsyncs that buffer (group commit: one fsync
// covers everything buffered by then), and a rewrite runs in a goroutine of
// its own. Both belong to the AOF and end with Stop.
type AOF struct {
	paths         AOFPaths
	j             *Journal
	startSnapshot func() (Snapshot, error)
	writeBase     func(io.Writer, Snapshot, bool) error
	log           *slog.Logger
	settings      atomic.Pointer[AOFSettings]

	// appended is the journal offset of everything handed to the AOF,
	// synced what may be acknowledged: fsynced under appendfsync always,
	// written otherwise, and in both cases named by the manifest on disk.
	appended, synced atomic.Int64

	curSize, baseSize atomic.Int64
	rewriting         atomic.Bool
	scheduled         atomic.Bool
	rewriteStart      atomic.Int64 // unix ms of the running rewrite
	lastRewriteSec    atomic.Int64 // -1 before the first
	rewrites          atomic.Int64
	rewriteFailures   atomic.Int64 // consecutive
	lastRewriteOK     atomic.Bool
	writeErr          atomic.Pointer[error]

	mu       sync.Mutex
	pending  []byte // journal bytes not written yet
	spare    []byte
	pendEnd  int64 // journal offset at the end of pending
	lastDB   int   // database selected at pendEnd
	hold     bool  // a rewrite is finding its switch point: write nothing
	holdDB   int
	marks    []dbMark // chunk ends seen during hold
	sw       *fileSwitch
	waiters  []waiter
	unlisted bool // the current file is not yet named by the manifest on disk
	// committedSeq is the incr file a creating rewrite's manifest named
	// last: the writer may switch to that file after the manifest is on
	// disk, and must not then take it for unlisted.
	committedSeq int64
	manifest     *Manifest
	stopped      bool
	unsub        func()

	kick        chan struct{}
	stop        chan struct{}
	done        chan struct{}
	rewriteWG   sync.WaitGroup
	stopRewrite chan struct{}

	// Owned by the writer goroutine.
	f         *os.File
	fileSize  int64
	written   int64
	selectDB  int // the SELECT a new file starts with, -1 once written
	dirty     bool
	lastFsync time.Time
}

type dbMark struct {
	end int64
	db  int
}

// fileSwitch tells the writer to continue in f from journal offset at,
// where database db is selected. A nil f drops what comes before at (the
// journal before a new AOF's base snapshot).
type fileSwitch struct {
	at     int64
	db     int
	f      *os.File
	size   int64
	listed bool  // f is named by the manifest on disk
	seq    int64 // f's incr sequence number (0 when listed)
}

type waiter struct {
	off int64
	fn  func()
}

func newAOF(opts AOFOptions, j *Journal) *AOF {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &AOF{
		paths:         opts.AOFPaths,
		j:             j,
		startSnapshot: opts.StartSnapshot,
		writeBase:     opts.WriteBase,
		log:           log,
		kick:          make(chan struct{}, 1),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		stopRewrite:   make(chan struct{}),
	}
	s := opts.Settings
	a.settings.Store(&s)
	a.lastRewriteSec.Store(-1)
	a.lastRewriteOK.Store(true)
	a.selectDB = -1
	return a
}

// OpenAOF starts appending after LoadAOF replayed m (nil when there was no
// AOF). With no file yet it first writes a base of the current dataset, as
// redis-server does on a start with appendonly yes, so that every write the
// AOF acknowledges is reachable from a manifest. The caller holds off
// clients until it returns.
func OpenAOF(opts AOFOptions, j *Journal, m *Manifest) (*AOF, error) {
	a := newAOF(opts, j)
	if m == nil || (m.Base == nil && len(m.Incr) == 0) {
		if m == nil {
			m = &Manifest{}
		}
		a.manifest = m
		a.subscribe(true)
		go a.run()
		if err := a.rewrite(true); err != nil {
			a.Stop()
			return nil, err
		}
		return a, nil
	}
	a.manifest = m.Copy()
	if len(a.manifest.Incr) == 0 {
		a.manifest.IncrSeq++
		a.manifest.Incr = append(a.manifest.Incr, AOFInfo{Name: a.incrName(a.manifest.IncrSeq), Seq: a.manifest.IncrSeq, Type: AOFIncr})
	}
	last := a.manifest.Incr[len(a.manifest.Incr)-1]
	f, size, err := openAppend(filepath.Join(a.paths.AOFDir(), last.Name))
	if err != nil {
		return nil, err
	}
	if err := WriteManifest(a.paths.AOFDir(), a.paths.ManifestName(), a.manifest); err != nil {
		f.Close()
		return nil, err
	}
	a.curSize.Store(a.filesSize(a.manifest))
	if a.manifest.Base != nil {
		a.baseSize.Store(fileSize(filepath.Join(a.paths.AOFDir(), a.manifest.Base.Name)))
	}
	start, db := a.subscribe(false)
	a.sw = &fileSwitch{at: start, db: db, f: f, size: size, listed: true}
	a.log.Info("Opening AOF incr file on server start", "file", last.Name)
	go a.run()
	a.kickWriter()
	return a, nil
}

// EnableAOF is CONFIG SET appendonly yes: appending starts now, into a
// file that the manifest names once a rewrite in the background has
// written the base. Until then nothing is acknowledged under appendfsync
// always.
func EnableAOF(opts AOFOptions, j *Journal) (*AOF, error) {
	a := newAOF(opts, j)
	m, err := ReadManifest(a.paths.AOFDir(), a.paths.ManifestName())
	switch {
	case errors.Is(err, os.ErrNotExist):
		m = &Manifest{}
	case err != nil:
		return nil, err
	}
	a.manifest = m
	a.subscribe(true)
	go a.run()
	a.rewriting.Store(true)
	a.rewriteWG.Add(1)
	go func() {
		defer a.rewriteWG.Done()
		if err := a.rewrite(true); err != nil {
			a.log.Warn("Background AOF rewrite failed: appendonly stays off", "err", err)
		}
	}()
	return a, nil
}

// subscribe joins the journal. held starts the AOF in hold (a rewrite is
// about to decide where its first file begins).
func (a *AOF) subscribe(held bool) (start int64, db int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	start, db, unsub := a.j.SubscribeAt(a.sink)
	a.pendEnd, a.lastDB, a.unsub = start, db, unsub
	a.hold, a.holdDB = held, db
	a.unlisted = held
	a.appended.Store(start)
	a.synced.Store(start)
	return start, db
}

// sink runs under the journal's lock: it copies and returns.
func (a *AOF) sink(chunk []byte, end int64, db int) {
	a.mu.Lock()
	a.pending = append(a.pending, chunk...)
	a.pendEnd, a.lastDB = end, db
	if a.hold {
		a.marks = append(a.marks, dbMark{end, db})
	}
	a.mu.Unlock()
	a.appended.Store(end)
	a.kickWriter()
}

func (a *AOF) kickWriter() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Appended is the journal offset of everything handed to the AOF.
func (a *AOF) Appended() int64 { return a.appended.Load() }

// Synced is the journal offset up to which writes may be acknowledged.
func (a *AOF) Synced() int64 { return a.synced.Load() }

// WaitSynced calls fn, from some goroutine, once Synced reaches off or the
// AOF stops. It must not block.
func (a *AOF) WaitSynced(off int64, fn func()) {
	a.mu.Lock()
	if !a.stopped && a.synced.Load() < off {
		a.waiters = append(a.waiters, waiter{off, fn})
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	fn()
}

// SetSettings applies changed directives.
func (a *AOF) SetSettings(s AOFSettings) {
	a.settings.Store(&s)
	a.kickWriter()
}

// WriteError is the last failure to write or fsync the AOF, nil once a
// retry succeeded. While it is set Redis refuses writes (MISCONF).
func (a *AOF) WriteError() error {
	if p := a.writeErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Stop flushes and fsyncs what is buffered, ends the writer and any
// rewrite, and releases every waiter.
func (a *AOF) Stop() {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return
	}
	a.stopped = true
	unsub := a.unsub
	a.mu.Unlock()
	close(a.stopRewrite)
	a.rewriteWG.Wait()
	if unsub != nil {
		unsub()
	}
	close(a.stop)
	<-a.done
	a.mu.Lock()
	ws := a.waiters
	a.waiters = nil
	a.mu.Unlock()
	for _, w := range ws {
		w.fn()
	}
}

// run is the writer goroutine.
func (a *AOF) run() {
	defer close(a.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-a.kick:
			a.flush(false)
		case <-tick.C:
			a.flush(true)
			if a.scheduled.Load() && !a.rewriting.Load() {
				a.scheduled.Store(false)
				_ = a.Rewrite()
			}
			a.maybeAutoRewrite()
		case <-a.stop:
			a.mu.Lock()
			a.hold = false
			a.mu.Unlock()
			a.flush(true)
			if a.f != nil {
				if a.dirty {
					_ = a.f.Sync()
				}
				a.f.Close()
			}
			return
		}
	}
}

// flush writes what is pending, fsyncs as the policy says and releases
// the waiters it covers. second is set once a second (appendfsync everysec,
// retries after errors).
func (a *AOF) flush(second bool) {
	a.mu.Lock()
	if a.hold {
		a.mu.Unlock()
		return
	}
	data, end, sw := a.pending, a.pendEnd, a.sw
	a.pending, a.sw = a.spare[:0], nil
	a.mu.Unlock()

	start := end - int64(len(data))
	switched, err := a.writeOut(data, start, sw)
	a.mu.Lock()
	if err != nil {
		// Keep what was not written for the next try, ahead of what came since.
		rest := data[a.written-start:]
		a.pending = append(append([]byte(nil), rest...), a.pending...)
		if !switched {
			a.sw = sw
		}
		a.mu.Unlock()
		a.setWriteErr(err)
		return
	}
	a.spare = data[:0]
	a.mu.Unlock()

	set := a.settings.Load()
	durable := true
	if a.dirty && a.f != nil {
		doSync := false
		switch set.Fsync {
		case FsyncAlways:
			doSync = true
		case FsyncEverysec:
			doSync = second || time.Since(a.lastFsync) >= time.Second
		}
		if doSync && set.NoFsyncOnRewrite && a.rewriting.Load() {
			// Redis's no-appendfsync-on-rewrite: replies go out unsynced.
			doSync = false
		}
		if doSync {
			if err := a.f.Sync(); err != nil {
				a.setWriteErr(fmt.Errorf("fsync: %w", err))
				return
			}
			a.dirty = false
			a.lastFsync = time.Now()
		}
		durable = !a.dirty || set.Fsync != FsyncAlways || set.NoFsyncOnRewrite && a.rewriting.Load()
	}
	if a.writeErr.Load() != nil {
		a.writeErr.Store(nil)
		a.log.Warn("AOF write error looks solved, Redis can write again.")
	}
	if durable {
		a.release()
	}
}

// writeOut writes data, the journal from offset start, switching files
// where sw says; switched reports that the switch took place. a.written
// follows what reached a file.
func (a *AOF) writeOut(data []byte, start int64, sw *fileSwitch) (switched bool, err error) {
	if sw != nil {
		k := int(sw.at - start)
		if a.f != nil {
			if err := a.writeFile(data[:k]); err != nil {
				return false, err
			}
			a.written = sw.at
			if err := a.f.Sync(); err != nil {
				return false, fmt.Errorf("fsync: %w", err)
			}
			a.f.Close()
		}
		a.f, a.fileSize, a.dirty = sw.f, sw.size, false
		a.written = sw.at
		a.selectDB = sw.db
		a.mu.Lock()
		a.unlisted = !sw.listed && sw.seq > a.committedSeq
		a.mu.Unlock()
		switched = true
	}
	end := start + int64(len(data))
	if a.f == nil {
		a.written = end
		return switched, nil
	}
	if a.selectDB >= 0 {
		// A new file replays from database 0: say where the journal is.
		sel := appendCommand(nil, [][]byte{[]byte("SELECT"), strconv.AppendInt(nil, int64(a.selectDB), 10)})
		if err := a.writeFile(sel); err != nil {
			return switched, err
		}
		a.selectDB = -1
	}
	err = a.writeFile(data[a.written-start:])
	if err == nil {
		a.written = end
	}
	return switched, err
}

// writeFile appends b to the current file. A short write is undone, as
// Redis does, so that the retry does not leave half a command behind; when
// the file cannot be truncated, it is the retry that must not repeat it,
// and a.written moves past it.
func (a *AOF) writeFile(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := a.f.Write(b)
	if err != nil && n > 0 {
		if terr := a.f.Truncate(a.fileSize); terr == nil {
			n = 0
		} else {
			a.written += int64(n)
		}
	}
	a.fileSize += int64(n)
	a.curSize.Add(int64(n))
	a.dirty = a.dirty || n > 0
	return err
}

func (a *AOF) setWriteErr(err error) {
	if a.writeErr.Load() == nil {
		a.log.Warn("Error writing to the AOF file", "err", err)
	}
	a.writeErr.Store(&err)
}

// release publishes the new synced offset and wakes the waiters it covers.
func (a *AOF) release() {
	a.mu.Lock()
	if a.unlisted {
		a.mu.Unlock()
		return
	}
	a.synced.Store(a.written)
	var ready []func()
	keep := a.waiters[:0]
	for _, w := range a.waiters {
		if w.off <= a.written {
			ready = append(ready, w.fn)
		} else {
			keep = append(keep, w)
		}
	}
	clear(a.waiters[len(keep):])
	a.waiters = keep
	a.mu.Unlock()
	for _, fn := range ready {
		fn()
	}
}

// Rewrite is BGREWRITEAOF: a new base from a snapshot, written in the
// background while appending continues into a new incremental file.
func (a *AOF) Rewrite() error {
	if !a.rewriting.CompareAndSwap(false, true) {
		return ErrRewriteInProgress
	}
	a.mu.Lock()
	stopped := a.stopped
	if !stopped {
		a.rewriteWG.Add(1)
	}
	a.mu.Unlock()
	if stopped {
		a.rewriting.Store(false)
		return errors.New("ERR the AOF is off")
	}
	go func() {
		defer a.rewriteWG.Done()
		if err := a.rewrite(false); err != nil {
			a.log.Warn("Background AOF rewrite failed", "err", err)
		}
	}()
	return nil
}

// Schedule asks for a rewrite once the snapshot is free (BGREWRITEAOF
// while a BGSAVE runs); the writer's once-a-second tick starts it.
func (a *AOF) Schedule() { a.scheduled.Store(true) }

func (a *AOF) maybeAutoRewrite() {
	set := a.settings.Load()
	cur := a.curSize.Load()
	if set.RewritePercentage <= 0 || cur <= set.RewriteMinSize || a.rewriting.Load() || a.scheduled.Load() {
		return
	}
	base := max(a.baseSize.Load(), 1)
	if growth := cur*100/base - 100; growth >= set.RewritePercentage {
		a.log.Info("Starting automatic rewriting of AOF", "growth_percent", growth)
		if err := a.Rewrite(); err != nil && err != ErrRewriteInProgress {
			a.log.Warn("automatic AOF rewrite", "err", err)
		}
	}
}

// rewrite writes a new base. creating is set when the AOF has no base yet
// (OpenAOF, EnableAOF): the AOF is already in hold and what was journaled
// before the snapshot is dropped rather than written.
func (a *AOF) rewrite(creating bool) (err error) {
	a.rewriting.Store(true)
	a.rewriteStart.Store(time.Now().UnixMilli())
	started := time.Now()
	busy, switched := false, false
	defer func() {
		a.rewriting.Store(false)
		a.rewriteStart.Store(0)
		if !switched {
			a.unhold()
		}
		if busy {
			a.scheduled.Store(true)
			return
		}
		if err != nil && creating {
			a.abandon()
		}
		a.lastRewriteSec.Store(int64(time.Since(started).Seconds()))
		a.lastRewriteOK.Store(err == nil)
		if err != nil {
			a.rewriteFailures.Add(1)
		} else {
			a.rewriteFailures.Store(0)
			a.rewrites.Add(1)
		}
	}()

	a.mu.Lock()
	a.hold, a.marks = true, a.marks[:0]
	a.holdDB = a.lastDB
	m := a.manifest.Copy()
	a.mu.Unlock()
	snap, err := a.startSnapshot()
	for creating && errors.Is(err, ErrSnapshotBusy) {
		// There is no AOF without this base: wait for the snapshot.
		select {
		case <-a.stopRewrite:
			return errRewriteStopped
		case <-time.After(busyRetry):
		}
		snap, err = a.startSnapshot()
	}
	if errors.Is(err, ErrSnapshotBusy) {
		busy = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("starting the snapshot: %w", err)
	}
	defer snap.Close()
	at := snap.Offset()

	// Appending continues in a new incremental file from the snapshot on.
	m.IncrSeq++
	incr := AOFInfo{Name: a.incrName(m.IncrSeq), Seq: m.IncrSeq, Type: AOFIncr}
	if err := os.MkdirAll(a.paths.AOFDir(), 0o755); err != nil {
		return err
	}
	incrPath := filepath.Join(a.paths.AOFDir(), incr.Name)
	if creating {
		// Not named by a manifest until the base exists (Redis's temp incr).
		incrPath = filepath.Join(a.paths.AOFDir(), "temp-"+incr.Name)
	}
	f, err := os.OpenFile(incrPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening the new AOF incr file: %w", err)
	}
	if !creating {
		m.Incr = append(m.Incr, incr)
		if err := WriteManifest(a.paths.AOFDir(), a.paths.ManifestName(), m); err != nil {
			f.Close()
			os.Remove(incrPath)
			return err
		}
	}
	a.mu.Lock()
	db := a.holdDB
	for _, mk := range a.marks {
		if mk.end <= at {
			db = mk.db
		}
	}
	if !creating {
		a.manifest = m.Copy()
	}
	a.sw = &fileSwitch{at: at, db: db, f: f, listed: !creating, seq: incr.Seq}
	a.hold = false
	a.mu.Unlock()
	switched = true
	a.kickWriter()

	base, size, err := writeNewBase(a.paths, m.BaseSeq+1, snap, a.settings.Load(), a.writeBase, a.stopRewrite)
	if err != nil {
		return err
	}
	if creating {
		if err := os.Rename(incrPath, filepath.Join(a.paths.AOFDir(), incr.Name)); err != nil {
			return err
		}
	}
	a.mu.Lock()
	cur := a.manifest.Copy()
	a.mu.Unlock()
	next, err := commitBase(a.paths, cur, base, &incr, a.log)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.manifest = next
	a.unlisted = false
	a.committedSeq = incr.Seq
	a.mu.Unlock()
	a.kickWriter()
	a.baseSize.Store(size)
	a.curSize.Store(a.filesSize(next))
	a.log.Info("Background AOF rewrite finished successfully", "base", base.Name, "incr", incr.Name)
	return nil
}

// writeNewBase writes the base numbered seq from snap, under a temporary
// name renamed once complete and fsynced.
func writeNewBase(p AOFPaths, seq int64, snap Snapshot, set *AOFSettings, write func(io.Writer, Snapshot, bool) error, stop chan struct{}) (AOFInfo, int64, error) {
	ext := ".aof"
	if set.UseRDBPreamble {
		ext = ".rdb"
	}
	base := AOFInfo{Name: p.FileName + "." + strconv.FormatInt(seq, 10) + ".base" + ext, Seq: seq, Type: AOFBase}
	tmp := filepath.Join(p.AOFDir(), "temp-rewriteaof-bg-"+strconv.Itoa(os.Getpid())+".aof")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return base, 0, err
	}
	w := &baseWriter{f: f, stop: stop, incremental: set.IncrementalFsync}
	err = write(w, snap, set.UseRDBPreamble)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(p.AOFDir(), base.Name))
	}
	if err != nil {
		os.Remove(tmp)
		return base, 0, fmt.Errorf("writing the AOF base: %w", err)
	}
	return base, w.n, nil
}

// commitBase writes the manifest that names the new base and incr (none
// for a rewrite with appendonly off): everything cur named becomes
// history, which is deleted and then left out of the manifest, as Redis's
// backgroundRewriteDoneHandler and aofDelHistoryFiles do.
func commitBase(p AOFPaths, cur *Manifest, base AOFInfo, incr *AOFInfo, log *slog.Logger) (*Manifest, error) {
	next := &Manifest{Base: &base, BaseSeq: base.Seq, IncrSeq: cur.IncrSeq, History: cur.History}
	if incr != nil {
		next.IncrSeq = max(next.IncrSeq, incr.Seq)
	}
	if cur.Base != nil {
		next.History = append(next.History, AOFInfo{Name: cur.Base.Name, Seq: cur.Base.Seq, Type: AOFHistory})
	}
	for _, ai := range cur.Incr {
		if incr == nil || ai.Name != incr.Name {
			next.History = append(next.History, AOFInfo{Name: ai.Name, Seq: ai.Seq, Type: AOFHistory})
		}
	}
	if incr != nil {
		next.Incr = []AOFInfo{*incr}
	}
	if err := WriteManifest(p.AOFDir(), p.ManifestName(), next); err != nil {
		return nil, err
	}
	if len(next.History) == 0 {
		return next, nil
	}
	for _, h := range next.History {
		if err := os.Remove(filepath.Join(p.AOFDir(), h.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Warn("removing a history AOF file", "file", h.Name, "err", err)
		}
	}
	clean := next.Copy()
	clean.History = nil
	if err := WriteManifest(p.AOFDir(), p.ManifestName(), clean); err != nil {
		// The history stays listed; it is deleted next time.
		log.Warn("rewriting the AOF manifest without history", "err", err)
		return next, nil
	}
	return clean, nil
}

// RewriteOnce is BGREWRITEAOF with appendonly off: a new base of the
// current dataset and a manifest naming only it, as redis-server 7.0
// writes then. A busy snapshot is waited for. It runs in the caller's
// goroutine, which must not be an event loop.
func RewriteOnce(opts AOFOptions) error {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := ReadManifest(opts.AOFDir(), opts.ManifestName())
	switch {
	case errors.Is(err, os.ErrNotExist):
		m = &Manifest{}
	case err != nil:
		return err
	}
	if err := os.MkdirAll(opts.AOFDir(), 0o755); err != nil {
		return err
	}
	snap, err := opts.StartSnapshot()
	for errors.Is(err, ErrSnapshotBusy) {
		time.Sleep(busyRetry)
		snap, err = opts.StartSnapshot()
	}
	if err != nil {
		return err
	}
	defer snap.Close()
	set := opts.Settings
	base, _, err := writeNewBase(opts.AOFPaths, m.BaseSeq+1, snap, &set, opts.WriteBase, nil)
	if err != nil {
		return err
	}
	_, err = commitBase(opts.AOFPaths, m, base, nil, log)
	return err
}

// unhold lets the writer go on in the current file after a rewrite failed
// before its switch point was set.
func (a *AOF) unhold() {
	a.mu.Lock()
	a.hold = false
	a.mu.Unlock()
	a.kickWriter()
}

// abandon stops appending after the first base of a new AOF failed: there
// is no AOF to append to (Redis turns appendonly back off).
func (a *AOF) abandon() {
	a.mu.Lock()
	unsub := a.unsub
	a.unsub = nil
	a.mu.Unlock()
	if unsub != nil {
		unsub()
	}
}

// Failed reports whether the AOF gave up (its first base could not be
// written); the server then turns appendonly off.
func (a *AOF) Failed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.unsub == nil && !a.stopped
}

// baseWriter counts what a rewrite writes, fsyncs every 4 MB under
// aof-rewrite-incremental-fsync, and ends the rewrite when the AOF stops.
type baseWriter struct {
	f           *os.File
	stop        chan struct{}
	incremental bool
	n, unsynced int64
}

var errRewriteStopped = errors.New("the AOF was turned off during the rewrite")

func (w *baseWriter) Write(p []byte) (int, error) {
	select {
	case <-w.stop:
		return 0, errRewriteStopped
	default:
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	w.unsynced += int64(n)
	if err == nil && w.incremental && w.unsynced >= incrementalFsyncBytes {
		w.unsynced = 0
		err = w.f.Sync()
	}
	return n, err
}

func (a *AOF) incrName(seq int64) string {
	return a.paths.FileName + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

func (a *AOF) filesSize(m *Manifest) int64 {
	var n int64
	if m.Base != nil {
		n += fileSize(filepath.Join(a.paths.AOFDir(), m.Base.Name))
	}
	for _, ai := range m.Incr {
		n += fileSize(filepath.Join(a.paths.AOFDir(), ai.Name))
	}
	return n
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("can't open the append-only file %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// AOFStats are the INFO persistence aof_* fields.
type AOFStats struct {
	RewriteInProgress     bool
	RewriteScheduled      bool
	LastRewriteSec        int64
	CurrentRewriteSec     int64
	LastRewriteOK         bool
	Rewrites              int64
	RewriteFailures       int64
	LastWriteOK           bool
	CurrentSize, BaseSize int64
	BufferLength          int64
}

// Stats reads the counters for INFO.
func (a *AOF) Stats() AOFStats {
	st := AOFStats{
		RewriteInProgress: a.rewriting.Load(),
		RewriteScheduled:  a.scheduled.Load(),
		LastRewriteSec:    a.lastRewriteSec.Load(),
		CurrentRewriteSec: -1,
		LastRewriteOK:     a.lastRewriteOK.Load(),
		Rewrites:          a.rewrites.Load(),
		RewriteFailures:   a.rewriteFailures.Load(),
		LastWriteOK:       a.writeErr.Load() == nil,
		CurrentSize:       a.curSize.Load(),
		BaseSize:          a.baseSize.Load(),
	}
	if t := a.rewriteStart.Load(); t > 0 {
		st.CurrentRewriteSec = (time.Now().UnixMilli() - t) / 1000
	}
	a.mu.Lock()
	st.BufferLength = int64(len(a.pending))
	a.mu.Unlock()
	return st
}

// MisconfError is the reply Redis gives to writes while the AOF cannot be
// written: strerror's text of the cause.
func MisconfError(err error) string {
	var errno syscall.Errno
	msg := err.Error()
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return "MISCONF Errors writing to the AOF file: " + msg
}
