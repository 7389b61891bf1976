package shard

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/shard/keytab"
)

// KeyCounts returns, per shard and database, the number of keys and the
// number of keys with a TTL, for metrics. Key counts live in the shards'
// data, so each shard's token is taken in turn, one at a time: a shard is
// held only while its 16 counts are read, and holding one token at a time
// cannot deadlock with commands that take several in increasing order.
// A shard busy with a long command (DEBUG SLEEP) delays the caller.
func (e *Engine) KeyCounts() [][NumDBs][2]int {
	out := make([][NumDBs][2]int, len(e.shards))
	for i, s := range e.shards {
		s.tok.Lock()
		for d, db := range s.dbs {
			out[i][d] = [2]int{db.Len(), db.ExpiresLen()}
		}
		s.tok.Unlock()
	}
	return out
}

// Snapshots (DESIGN.md invariant 7). A snapshot is the keyspace as it was
// at one point of the journal, encoded as the body of an RDB file, while
// writes keep flowing:
//
//   - StartSnapshot holds every shard for a moment: it records the journal
//     offset and, in each shard, flips the shard's snapshot parity and
//     captures the dictionaries of its non-empty databases. Every value
//     stored before has the old parity; every value stored from now on gets
//     the new one.
//   - Each shard then walks its captured dictionaries in steps (shard
//     tasks, under its token), encoding every value whose parity is still
//     the old one and giving it the new parity.
//   - Copy-on-write: before a command changes or removes a value that still
//     has the old parity, the shard encodes it first (DB.preserve), so the
//     snapshot gets the value as it was at the snapshot point. FLUSHDB hands
//     the captured dictionaries to the snapshot instead of clearing them.
//
// A value is thus encoded exactly once, by whichever comes first. Encoded
// bytes go to a queue that the consumer (a file writer, a replica) drains
// with Next; a shard pauses its walk while the queue is full. When the
// consumer gives up (Close), the walks finish without encoding, so that
// every value ends with the new parity, ready for the next snapshot.

// ErrSnapshotRunning is returned by StartSnapshot while another snapshot is
// being taken.
var ErrSnapshotRunning = errors.New("a snapshot is already in progress")

// errEngineClosed ends a snapshot whose engine stopped.
var errEngineClosed = errors.New("the server is shutting down")

const (
	snapStepEntries = 256      // values a walk step encodes at most
	snapStepBytes   = 64 << 10 // bytes a walk step produces at most
	snapQueueMax    = 16 << 20 // encoded bytes waiting for the consumer before walks pause
)

// Snapshot is a snapshot being taken.
type Snapshot struct {
	e      *Engine
	offset int64

	mu      sync.Mutex
	cond    sync.Cond
	chunks  [][]byte
	queued  int
	running int      // shards still walking
	stalled []*Shard // shards whose walk waits for room in the queue
	// waiting are the walks not started yet: at most half of the shards
	// walk at a time, so that walks do not take every core from clients.
	waiting []*shardSnap
	closed  bool
	err     error
	// out is the chunk Next handed out last; free holds chunk buffers for
	// the walks to reuse. Recycling them keeps a snapshot from producing
	// garbage as large as the dataset, which the GC would let pile up to
	// the size of the live heap before collecting.
	out  []byte
	free [][]byte
}

// snapFreeMax bounds the recycled chunk buffers.
const snapFreeMax = 64

// shardSnap is one shard's part of a snapshot, owned by the shard's token.
type shardSnap struct {
	snap    *Snapshot
	sh      *Shard
	bit     uint8
	dbs     []snapDB
	cur     int    // index in dbs of the dictionary being walked
	cursor  uint64 // its scan cursor
	w       *rdb.Writer
	pending []byte // bytes w produced since the last chunk
	wdb     int    // database selected in the current chunk, -1 for none
	keyBuf  []byte
	intBuf  []byte
	discard bool // the consumer is gone: walk only to flip parities
}

// snapDB is a dictionary captured at the snapshot point.
type snapDB struct {
	idx     int
	keys    *keyTable
	expires *expireTable
}

// StartSnapshot takes a snapshot. opts are the RDB encoding options (only
// the encoding thresholds and compression matter: the consumer writes the
// file's header and trailer). It returns ErrSnapshotRunning while another
// snapshot has not been closed. The caller must Close the snapshot.
//
// It waits for every shard's token, so it must not run on an event loop.
func (e *Engine) StartSnapshot(opts rdb.WriterOptions) (*Snapshot, error) {
	s := &Snapshot{e: e}
	s.cond.L = &s.mu
	if !e.snap.CompareAndSwap(nil, s) {
		return nil, ErrSnapshotRunning
	}
	for _, sh := range e.shards {
		sh.tok.Lock()
	}
	s.offset = e.Journal.Offset()
	s.running = len(e.shards)
	walks := make([]*shardSnap, len(e.shards))
	for i, sh := range e.shards {
		sh.snapBit ^= 1
		ss := &shardSnap{snap: s, sh: sh, bit: sh.snapBit, wdb: -1}
		ss.w = rdb.NewWriter(ss, opts)
		for idx, db := range sh.dbs {
			if db.keys.Len() > 0 {
				ss.dbs = append(ss.dbs, snapDB{idx: idx, keys: db.keys, expires: db.expires})
			}
		}
		sh.snap = ss
		walks[i] = ss
	}
	for _, sh := range e.shards {
		sh.tok.Unlock()
	}
	parallel := max(1, len(walks)/2)
	s.waiting = walks[parallel:]
	for _, ss := range walks[:parallel] {
		s.resume(ss.sh, ss)
	}
	return s, nil
}

// Offset is the journal offset of the snapshot point: the snapshot holds
// every effect journaled before it and none after.
func (s *Snapshot) Offset() int64 { return s.offset }

// Next returns the next chunk of the RDB body: whole entries, each chunk
// starting with its SELECTDB. It blocks until a chunk is ready and returns
// io.EOF after the last one. A chunk is valid until the next call.
func (s *Snapshot) Next() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out != nil && len(s.free) < snapFreeMax {
		s.free = append(s.free, s.out[:0])
	}
	s.out = nil
	for len(s.chunks) == 0 && s.running > 0 && s.err == nil {
		s.cond.Wait()
	}
	if s.err != nil {
		return nil, s.err
	}
	if len(s.chunks) == 0 {
		return nil, io.EOF
	}
	c := s.chunks[0]
	s.chunks[0] = nil
	s.chunks = s.chunks[1:]
	s.queued -= len(c)
	s.out = c
	if s.queued < snapQueueMax/2 {
		s.resumeStalledLocked()
	}
	return c, nil
}

// Close ends the snapshot: after the last chunk, or to abandon it. Walks
// still running finish without encoding.
func (s *Snapshot) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.chunks, s.queued, s.free, s.out = nil, 0, nil, nil
	s.resumeStalledLocked()
	s.releaseLocked()
}

// fail ends the snapshot with err for the consumer.
func (s *Snapshot) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	s.cond.Broadcast()
}

// releaseLocked lets the next snapshot start once the consumer is done and
// every walk has finished.
func (s *Snapshot) releaseLocked() {
	if s.closed && s.running == 0 {
		s.e.snap.CompareAndSwap(s, nil)
	}
}

func (s *Snapshot) resumeStalledLocked() {
	for _, sh := range s.stalled {
		ss := sh.snap
		sh.tasks <- func() { ss.step(sh) }
	}
	s.stalled = s.stalled[:0]
}

// resume schedules sh's next walk step, or parks it while the queue is full.
func (s *Snapshot) resume(sh *Shard, ss *shardSnap) {
	s.mu.Lock()
	full := !s.closed && s.queued >= snapQueueMax
	if full {
		s.stalled = append(s.stalled, sh)
	}
	s.mu.Unlock()
	if !full {
		sh.tasks <- func() { ss.step(sh) }
	}
}

// step walks part of the captured dictionaries (with sh's token held).
func (ss *shardSnap) step(sh *Shard) {
	if sh.snap != ss {
		panic("BUG: snapshot step of a finished walk")
	}
	budget := snapStepEntries
	if ss.discard {
		budget = 1 << 14
	}
	for ss.cur < len(ss.dbs) && budget > 0 && len(ss.pending) < snapStepBytes {
		d := &ss.dbs[ss.cur]
		ss.cursor = d.keys.Scan(ss.cursor, func(r keytab.Ref) {
			if snapOf(d.keys, r) != ss.bit {
				ss.save(d, r)
				budget--
			}
		})
		if ss.cursor == 0 {
			ss.cur++
		}
	}
	ss.endChunk()
	if ss.cur < len(ss.dbs) {
		ss.snap.resume(sh, ss)
		return
	}
	sh.snap = nil
	s := ss.snap
	s.mu.Lock()
	s.running--
	var next *shardSnap
	if len(s.waiting) > 0 {
		next, s.waiting = s.waiting[0], s.waiting[1:]
	}
	s.cond.Broadcast()
	s.releaseLocked()
	s.mu.Unlock()
	if next != nil {
		s.resume(next.sh, next)
	}
}

// snapOf returns the snapshot parity of record r.
func snapOf(t *keyTable, r keytab.Ref) uint8 {
	if t.Flags(r)&keytab.Snap != 0 {
		return 1
	}
	return 0
}

// save encodes record r into the snapshot and gives it the new parity.
func (ss *shardSnap) save(d *snapDB, r keytab.Ref) {
	d.keys.SetFlag(r, keytab.Snap, ss.bit != 0)
	if ss.discard {
		return
	}
	if ss.wdb != d.idx {
		ss.w.SelectDB(d.idx, 0, 0)
		ss.wdb = d.idx
	}
	key := d.keys.Key(r)
	ss.keyBuf = append(ss.keyBuf[:0], key...)
	expire := int64(-1)
	if er := d.expires.Find(key); er != 0 {
		expire = d.expires.Int(er)
	}
	var v rdb.Value
	switch d.keys.Kind(r) {
	case keytab.Str:
		v = rdb.String{B: d.keys.Str(r)}
	case keytab.Int:
		ss.intBuf = strconv.AppendInt(ss.intBuf[:0], d.keys.Int(r), 10)
		v = rdb.String{B: ss.intBuf}
	default:
		v = toRDB(d.keys.Val(r))
	}
	if err := ss.w.WriteEntry(rdb.Entry{DB: d.idx, Key: ss.keyBuf, ExpireMs: expire, LRUIdle: -1, LFUFreq: -1, Value: v}); err != nil {
		ss.snap.fail(fmt.Errorf("BUG: encoding key %q: %w", key, err))
		ss.discard = true
	}
}

// Write collects what the shard's encoder produces (io.Writer for rdb.Writer).
func (ss *shardSnap) Write(p []byte) (int, error) {
	ss.pending = append(ss.pending, p...)
	return len(p), nil
}

// endChunk hands what was encoded since the last chunk to the consumer.
func (ss *shardSnap) endChunk() {
	ss.w.Flush()
	ss.wdb = -1
	if len(ss.pending) == 0 {
		return
	}
	s := ss.snap
	s.mu.Lock()
	if s.closed || s.err != nil {
		ss.discard = true
		ss.pending = ss.pending[:0]
	} else {
		s.chunks = append(s.chunks, ss.pending)
		s.queued += len(ss.pending)
		s.cond.Broadcast()
		ss.pending = nil
		if n := len(s.free); n > 0 {
			ss.pending, s.free = s.free[n-1], s.free[:n-1]
		}
	}
	s.mu.Unlock()
}

// captured returns the captured table that keys is, or nil.
func (ss *shardSnap) captured(keys *keyTable) *snapDB {
	for i := range ss.dbs {
		if ss.dbs[i].keys == keys {
			return &ss.dbs[i]
		}
	}
	return nil
}

// preserve is the copy-on-write hook: key's value is about to change or go
// away, so a snapshot walking this shard that has not encoded it yet does
// so now.
func (db *DB) preserve(key []byte) {
	if db.sh.snap != nil {
		db.preserveSlow(key)
	}
}

func (db *DB) preserveSlow(key []byte) {
	ss := db.sh.snap
	r := db.keys.Find(key)
	if r == 0 || snapOf(db.keys, r) == ss.bit {
		return
	}
	d := ss.captured(db.keys)
	if d == nil {
		// Only values stored during the snapshot reach tables it did not
		// capture, and those have the new parity already.
		db.keys.SetFlag(r, keytab.Snap, ss.bit != 0)
		return
	}
	ss.save(d, r)
	ss.endChunk()
}

// beforeWrite preserves the keys of a write command before it runs: it
// may change their values in place.
func (c *Ctx) beforeWrite(cmd *Command) {
	if cmd.Flags&FlagWrite == 0 || c.e.snap.Load() == nil {
		return
	}
	idx, _ := cmd.KeyIndexes(c.Args, nil)
	for _, i := range idx {
		c.DB(c.Args[i]).preserve(c.Args[i])
	}
}
