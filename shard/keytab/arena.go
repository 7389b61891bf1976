package keytab

import (
	"encoding/binary"
	"fmt"
)

// Records live in pages of pageSize bytes, each page serving one size class
// and handing out its slots by bumping an offset; freed slots go on a free
// list of their class (linked through their first four bytes) and are reused
// before the page grows. A record too big for the largest class gets a page
// of its own, which goes back to the garbage collector when it is freed.
//
// A Ref names a slot as page index (high bits) and offset in 8-byte units
// (low bits): four bytes instead of an eight-byte pointer, and nothing the
// garbage collector has to follow.
const (
	pageShift = 16
	pageSize  = 1 << pageShift
	offBits   = pageShift - 3
	// MaxPages bounds a table's pages so that a Ref fits in 32 bits:
	// 2^19 pages of 64 KiB, 32 GiB of records per table. The owner stops
	// adding keys before a table gets there (Pages).
	MaxPages = 1<<(32-offBits) - 1
	// dedicated marks, in a record's class byte, a record with a page of
	// its own.
	dedicated = 0xff
)

// Ref identifies a record of a Table; 0 is no record.
type Ref uint32

func makeRef(page, off int) Ref { return Ref((page+1)<<offBits | off>>3) }

func (r Ref) page() int { return int(r>>offBits) - 1 }
func (r Ref) off() int  { return int(r&(1<<offBits-1)) << 3 }

// classSizes are the slot sizes: steps of 8 bytes up to 64, then four
// classes per doubling, so that a record wastes at most about a fifth of its
// slot.
var classSizes = func() []int {
	var s []int
	for n := 16; n <= 64; n += 8 {
		s = append(s, n)
	}
	for base := 64; base < maxClassed; base *= 2 {
		for q := 1; q <= 4; q++ {
			s = append(s, base+q*base/4)
		}
	}
	return s
}()

// maxClassed is the largest record kept in shared pages.
const maxClassed = 4096

// classOf returns the smallest class holding n bytes, or dedicated.
func classOf(n int) int {
	if n > maxClassed {
		return dedicated
	}
	lo, hi := 0, len(classSizes)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if classSizes[mid] < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// arena allocates record slots.
type arena struct {
	pages [][]byte
	// next is where each class's current page has room, or 0 when it has
	// none; free heads each class's free list.
	next, free []Ref
	// freePages are indexes of pages released by dedicated records.
	freePages []int
	// bytes is what live records take: slot sizes, dedicated pages whole.
	bytes int64
}

func newArena() arena {
	return arena{next: make([]Ref, len(classSizes)), free: make([]Ref, len(classSizes))}
}

// alloc returns a zeroed slot for a record of n bytes, and its size.
func (a *arena) alloc(n int) (Ref, []byte) {
	cls := classOf(n)
	if cls == dedicated {
		p := a.newPage(n)
		a.bytes += int64(n)
		b := a.pages[p]
		b[9] = dedicated
		return makeRef(p, 0), b
	}
	size := classSizes[cls]
	a.bytes += int64(size)
	if r := a.free[cls]; r != 0 {
		b := a.slot(r, size)
		a.free[cls] = Ref(binary.LittleEndian.Uint32(b))
		clear(b)
		b[9] = byte(cls)
		return r, b
	}
	r := a.next[cls]
	if r == 0 {
		r = makeRef(a.newPage(pageSize), 0)
	}
	if end := r.off() + 2*size; end <= pageSize {
		a.next[cls] = makeRef(r.page(), r.off()+size)
	} else {
		a.next[cls] = 0
	}
	b := a.slot(r, size)
	b[9] = byte(cls)
	return r, b
}

// newPage adds a page of n bytes and returns its index.
func (a *arena) newPage(n int) int {
	if k := len(a.freePages); k > 0 {
		p := a.freePages[k-1]
		a.freePages = a.freePages[:k-1]
		a.pages[p] = make([]byte, n)
		return p
	}
	if len(a.pages) >= MaxPages {
		// The owner refuses new keys well before this (Pages).
		panic(fmt.Sprintf("keytab: more than %d pages in one table", MaxPages))
	}
	a.pages = append(a.pages, make([]byte, n))
	return len(a.pages) - 1
}

// release frees the slot of record r.
func (a *arena) release(r Ref) {
	b := a.record(r)
	cls := b[9]
	if cls == dedicated {
		a.bytes -= int64(len(b))
		a.pages[r.page()] = nil
		a.freePages = append(a.freePages, r.page())
		return
	}
	a.bytes -= int64(len(b))
	binary.LittleEndian.PutUint32(b, uint32(a.free[cls]))
	b[8] = 0 // no kind: a freed slot
	a.free[cls] = r
}

func (a *arena) slot(r Ref, size int) []byte {
	off := r.off()
	return a.pages[r.page()][off : off+size : off+size]
}

// header returns the fixed-size start of record r (link, clock, flags,
// class). It does not look the class up, which a lookup's hot loop would
// pay for on every record it passes.
func (a *arena) header(r Ref) []byte {
	off := r.off()
	return a.pages[r.page()][off : off+hdrSize : off+hdrSize]
}

// record returns r's whole slot.
func (a *arena) record(r Ref) []byte {
	p := a.pages[r.page()]
	off := r.off()
	if cls := p[off+9]; cls != dedicated {
		size := classSizes[cls]
		return p[off : off+size : off+size]
	}
	return p
}

// held is what the pages take, free slots and unused page ends included.
func (a *arena) held() int64 {
	var n int64
	for _, p := range a.pages {
		n += int64(cap(p))
	}
	return n
}
