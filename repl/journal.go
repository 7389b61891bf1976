// Package repl owns replication's shared machinery. So far that is the
// journal: the one ordered stream of write effects (DESIGN.md invariant 6)
// that AOF, replicas and MONITOR will read.
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
	j.on.Store(true)
	idx := len(j.sinks) - 1
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
