// Package repl owns what carries the dataset beyond the process: the
// journal (the one ordered stream of write effects, DESIGN.md invariant 6),
// RDB files written atomically, and the append-only file (Redis 7's
// multi-part layout: manifest, base and incremental files; the writer fed
// by the journal; rewrites; loading), replication's backlog and the
// replica's side of the master link (handshake, payload, stream).
package repl

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/shoal-db/shoal/proto"
)

// Journal is the stream of deterministic write effects, encoded as RESP
// multibulk commands exactly as Redis propagates them, with SELECT emitted
// when the database changes. Its offset is the Redis replication offset.
//
// Shards append while holding their token, so the journal's order agrees
// with every shard's own order; a multi-shard command appends its effects as
// one MULTI … EXEC block while all its shards are held. When nothing reads
// the journal it is off and appending costs one atomic load.
type Journal struct {
	on     atomic.Bool
	gen    atomic.Uint64 // see Gen
	mu     sync.Mutex
	db     int // database of the last effect, -1 before the first
	offset int64
	buf    []byte
	sinks  []func(chunk []byte)
}

// NewJournal returns a journal that is off.
func NewJournal() *Journal { return &Journal{db: -1} }

// On reports whether anything reads the journal.
func (j *Journal) On() bool { return j.on.Load() }

// Subscribe adds a reader; fn receives each appended chunk (already
// encoded) under the journal's lock, so it must not block. The journal is on
// while it has readers.
func (j *Journal) Subscribe(fn func(chunk []byte)) (unsubscribe func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sinks = append(j.sinks, fn)
	j.turnOn()
	return j.unsubscriber(len(j.sinks) - 1)
}

func (j *Journal) unsubscriber(idx int) func() {
	return func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.sinks[idx] = nil
		for _, s := range j.sinks {
			if s != nil {
				return
			}
		}
		j.sinks = j.sinks[:0]
		j.on.Store(false)
	}
}

// SubscribeAt is Subscribe for a reader that keeps its own position (the
// AOF): fn also gets the offset at the end of each chunk and the database
// selected after it, and start and db say where the journal stands when the
// subscription begins (db is -1 when nothing was journaled yet).
func (j *Journal) SubscribeAt(fn func(chunk []byte, end int64, db int)) (start int64, db int, unsubscribe func()) {
	j.mu.Lock()
	start, db = j.offset, j.db
	// The sink joins under the hold that reads start and db, so no chunk
	// falls between the two.
	j.sinks = append(j.sinks, func(chunk []byte) { fn(chunk, j.offset, j.db) })
	j.turnOn()
	idx := len(j.sinks) - 1
	j.mu.Unlock()
	return start, db, j.unsubscriber(idx)
}

// turnOn marks the journal read (the caller holds mu); a journal that was
// off starts a new generation.
func (j *Journal) turnOn() {
	if !j.on.Load() {
		j.gen.Add(1)
	}
	j.on.Store(true)
}

// Gen changes each time the journal turns on, so that an effect held back
// for a while can be told to belong to an earlier period of readers, which
// a new reader's starting point (a snapshot) already includes.
func (j *Journal) Gen() uint64 { return j.gen.Load() }

// ForgetDB makes the next effect start with SELECT, for a reader that
// joins a stream whose last SELECT the journal did not write (a promoted
// replica's backlog, which held its master's stream).
func (j *Journal) ForgetDB() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.db = -1
}

// Offset is the number of bytes journaled so far.
func (j *Journal) Offset() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.offset
}

// Effect is one write effect: the database it applies to and its command.
type Effect struct {
	DB   int
	Args [][]byte
}

// Append journals effects as one unit: a single effect as itself, several
// wrapped in MULTI … EXEC so that a reader applies them atomically.
func (j *Journal) Append(effects []Effect) {
	if len(effects) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	buf := j.buf[:0]
	if len(effects) > 1 {
		buf = j.selectDB(buf, effects[0].DB)
		buf = appendCommand(buf, [][]byte{[]byte("MULTI")})
	}
	for _, e := range effects {
		buf = j.selectDB(buf, e.DB)
		buf = appendCommand(buf, e.Args)
	}
	if len(effects) > 1 {
		buf = appendCommand(buf, [][]byte{[]byte("EXEC")})
	}
	j.offset += int64(len(buf))
	for _, s := range j.sinks {
		if s != nil {
			s(buf)
		}
	}
	j.buf = buf
}

// AppendCommand journals a command of no database, which the stream
// carries without a SELECT: the PING and REPLCONF GETACK that a master
// sends its replicas. The AOF gets it too; loading ignores it.
func (j *Journal) AppendCommand(args [][]byte) {
	if !j.on.Load() {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	buf := appendCommand(j.buf[:0], args)
	j.offset += int64(len(buf))
	for _, s := range j.sinks {
		if s != nil {
			s(buf)
		}
	}
	j.buf = buf
}

func (j *Journal) selectDB(buf []byte, db int) []byte {
	if db == j.db {
		return buf
	}
	j.db = db
	return appendCommand(buf, [][]byte{[]byte("SELECT"), strconv.AppendInt(nil, int64(db), 10)})
}

func appendCommand(buf []byte, args [][]byte) []byte {
	buf = proto.AppendArrayLen(buf, len(args))
	for _, a := range args {
		buf = proto.AppendBulk(buf, a)
	}
	return buf
}
