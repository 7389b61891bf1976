package repl

import (
	"sync"
	"sync/atomic"
)

// Backlog is the recent history of the replication stream, as Redis 7.0's
// replication buffer: a list of blocks that the stream is appended to and
// that readers (replicas being fed, partial resyncs) walk from any offset
// still kept. It keeps at least Size bytes of history for partial resyncs;
// older blocks are dropped from the list, but a reader still behind holds
// them (through its block pointer and the blocks' next links) until it
// moves past them, so a slow replica never loses its place: the output
// buffer limit, applied to Reader.Lag, is what bounds that memory.
//
// Offsets are stream byte counts: the byte at offset n is the (n+1)th of
// the stream; Redis's 1-based repl_backlog_first_byte_offset is Start()+1.
type Backlog struct {
	mu    sync.Mutex
	size  int64
	head  *block // oldest block kept for partial resyncs
	tail  *block
	start int64 // offset of head's first byte
	end   atomic.Int64
}

// backlogBlock is the size of a block; a write larger than a block fills
// several.
const backlogBlock = 64 << 10

type block struct {
	off  int64  // offset of data[0]
	data []byte // cap backlogBlock; grows under Backlog.mu, never moves
	next *block // set once, under Backlog.mu
}

// NewBacklog returns an empty backlog whose stream continues at offset end,
// keeping size bytes of history.
func NewBacklog(size, end int64) *Backlog {
	b := &Backlog{size: max(size, 1), start: end}
	b.head = &block{off: end, data: make([]byte, 0, backlogBlock)}
	b.tail = b.head
	b.end.Store(end)
	return b
}

// Write appends stream bytes. One goroutine writes at a time (the
// journal's sink, under the journal's lock, or a replica's link).
func (b *Backlog) Write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	end := b.end.Load()
	for len(p) > 0 {
		t := b.tail
		if len(t.data) == cap(t.data) {
			nb := &block{off: end, data: make([]byte, 0, backlogBlock)}
			t.next = nb
			b.tail = nb
			t = nb
		}
		n := min(len(p), cap(t.data)-len(t.data))
		t.data = append(t.data, p[:n]...)
		p = p[n:]
		end += int64(n)
	}
	b.end.Store(end)
	b.trim()
}

// trim drops head blocks while the rest still holds size bytes.
func (b *Backlog) trim() {
	end := b.end.Load()
	for b.head.next != nil && end-b.head.next.off >= b.size {
		b.head = b.head.next
		b.start = b.head.off
	}
}

// SetSize changes how much history is kept (CONFIG SET repl-backlog-size).
func (b *Backlog) SetSize(size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.size = max(size, 1)
	b.trim()
}

// Size is the history the backlog keeps (repl_backlog_size).
func (b *Backlog) Size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size
}

// End is the offset after the last byte written.
func (b *Backlog) End() int64 { return b.end.Load() }

// Range returns the offsets of the first byte kept and after the last:
// a reader may start anywhere in [start, end].
func (b *Backlog) Range() (start, end int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.start, b.end.Load()
}

// ReaderAt returns a reader whose next byte is at off, or false when off is
// not in Range.
func (b *Backlog) ReaderAt(off int64) (*Reader, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if off < b.start || off > b.end.Load() {
		return nil, false
	}
	blk := b.head
	for blk.next != nil && blk.next.off <= off {
		blk = blk.next
	}
	return &Reader{b: b, blk: blk, pos: off}, true
}

// Reader walks the stream from some offset on. It is used by one goroutine.
type Reader struct {
	b   *Backlog
	blk *block
	pos int64
}

// Pos is the offset of the next byte the reader returns.
func (r *Reader) Pos() int64 { return r.pos }

// Lag is how many written bytes the reader has not returned yet.
func (r *Reader) Lag() int64 { return r.b.end.Load() - r.pos }

// Clone returns a reader at the same position.
func (r *Reader) Clone() *Reader { c := *r; return &c }

// Skip moves the reader forward to off (off <= End).
func (r *Reader) Skip(off int64) {
	for r.pos < off {
		if len(r.Next(int(min(off-r.pos, 1<<30)))) == 0 {
			panic("BUG: backlog reader skipping past the end")
		}
	}
}

// Next returns up to max bytes from the reader's position (fewer at the end
// of a block, none when it has read everything) and moves past them. The
// bytes are never changed afterwards.
func (r *Reader) Next(max int) []byte {
	r.b.mu.Lock()
	blk := r.blk
	data := blk.data
	next := blk.next
	r.b.mu.Unlock()
	i := int(r.pos - blk.off)
	if i == len(data) {
		if i < cap(data) || next == nil {
			return nil
		}
		r.blk = next
		return r.Next(max)
	}
	n := min(len(data)-i, max)
	r.pos += int64(n)
	return data[i : i+n]
}
