// Package list owns the structure behind Redis list values: a deque of
// packed nodes, like Redis's quicklist of listpacks. Each node is one byte
// slice holding up to NodeLimit bytes of entries encoded back to back, so a
// list costs a few bytes per element beyond its data and gives the garbage
// collector one pointer per node to scan, not one per element.
//
// Pushes and pops at either end are O(1): a node keeps free room on both
// sides of its entries, and nodes sit in a ring buffer. Access by index skips
// whole nodes, O(n / entries per node).
//
// A List is not safe for concurrent use; its owner touches it from one
// goroutine at a time.
package list

import (
	"unsafe"
)

// NodeLimit is the most entry bytes a node holds, Redis's default
// list-max-listpack-size -2 (8 KB). A larger single entry gets a node of its
// own.
const NodeLimit = 8192

// minNode is the smallest node allocation: room for a few short entries.
const minNode = 16

type node struct {
	mem    []byte // len(mem) == cap(mem); the entries are mem[lo:hi]
	lo, hi int
	count  int
}

func (n *node) used() int { return n.hi - n.lo }

// List is a list of byte strings. The zero value is an empty list.
type List struct {
	ring  []node // circular, power-of-two length; nodes are never empty
	head  int
	nodes int
	n     int
	mem   int // sum of len(node.mem), for Bytes
}

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// Bytes estimates the memory the list holds, for memory accounting.
func (l *List) Bytes() int {
	return int(unsafe.Sizeof(*l)) + len(l.ring)*int(unsafe.Sizeof(node{})) + l.mem
}

// Encoding is the name Redis 7.2's OBJECT ENCODING gives the list: a list
// that fits in one node is a "listpack", a longer one a "quicklist".
func (l *List) Encoding() string {
	if l.nodes <= 1 {
		return "listpack"
	}
	return "quicklist"
}

// node returns the i-th node from the head.
func (l *List) node(i int) *node { return &l.ring[(l.head+i)&(len(l.ring)-1)] }

// alloc returns node memory of at least n bytes. Growing a nil slice rounds
// up to the allocator's size class, so a node gets to use every byte it is
// charged for.
func (l *List) alloc(n int) []byte {
	mem := append([]byte(nil), make([]byte, max(n, minNode))...)
	mem = mem[:cap(mem)]
	l.mem += len(mem)
	return mem
}

func (l *List) free(n *node) { l.mem -= len(n.mem) }

// insertNode makes room for a node at position i (0..nodes) and returns it,
// moving the shorter side of the ring.
func (l *List) insertNode(i int) *node {
	if l.nodes == len(l.ring) {
		ring := make([]node, max(1, 2*len(l.ring)))
		for j := 0; j < l.nodes; j++ {
			ring[j] = *l.node(j)
		}
		l.ring, l.head = ring, 0
	}
	mask := len(l.ring) - 1
	if i < l.nodes-i {
		l.head = (l.head - 1) & mask
		for j := 0; j < i; j++ {
			*l.node(j) = *l.node(j + 1)
		}
	} else {
		for j := l.nodes; j > i; j-- {
			*l.node(j) = *l.node(j - 1)
		}
	}
	l.nodes++
	nd := l.node(i)
	*nd = node{}
	return nd
}

// removeNode drops node i, which the caller has emptied or freed.
func (l *List) removeNode(i int) {
	l.free(l.node(i))
	if i < l.nodes-1-i {
		for j := i; j > 0; j-- {
			*l.node(j) = *l.node(j - 1)
		}
		*l.node(0) = node{}
		l.head = (l.head + 1) & (len(l.ring) - 1)
	} else {
		for j := i; j < l.nodes-1; j++ {
			*l.node(j) = *l.node(j + 1)
		}
		*l.node(l.nodes - 1) = node{}
	}
	l.nodes--
	if l.nodes == 0 {
		l.ring, l.head = nil, 0
	} else if len(l.ring) > 8 && l.nodes < len(l.ring)/4 {
		ring := make([]node, len(l.ring)/2)
		for j := 0; j < l.nodes; j++ {
			ring[j] = *l.node(j)
		}
		l.ring, l.head = ring, 0
	}
}

// room makes sz free bytes before (front) or after the entries of nd. It
// moves the entries within the node when it has enough free space in all,
// splitting the rest evenly so that pushes on either side keep finding room;
// otherwise it reallocates, doubling up to NodeLimit, with all the new room
// on the side that needs it.
func (l *List) room(nd *node, sz int, front bool) {
	if front && nd.lo >= sz || !front && len(nd.mem)-nd.hi >= sz {
		return
	}
	used := nd.used()
	if free := len(nd.mem) - used; free >= sz {
		lo := (free - sz) / 2
		if front {
			lo += sz
		}
		copy(nd.mem[lo:], nd.mem[nd.lo:nd.hi])
		nd.lo, nd.hi = lo, lo+used
		return
	}
	size := max(min(2*len(nd.mem), NodeLimit), used+sz)
	mem := l.alloc(size)
	lo := 0
	if front {
		lo = len(mem) - used
	}
	copy(mem[lo:], nd.mem[nd.lo:nd.hi])
	l.free(nd)
	nd.mem, nd.lo, nd.hi = mem, lo, lo+used
}

// shrink gives memory back after removals left a node mostly empty.
func (l *List) shrink(nd *node) {
	used := nd.used()
	if len(nd.mem) <= 4*minNode || used >= len(nd.mem)/4 {
		return
	}
	mem := l.alloc(2 * used)
	lo := (len(mem) - used) / 2
	copy(mem[lo:], nd.mem[nd.lo:nd.hi])
	l.free(nd)
	nd.mem, nd.lo, nd.hi = mem, lo, lo+used
}

// PushLeft inserts v at the head. v is copied.
func (l *List) PushLeft(v []byte) {
	e := encode(v)
	sz := e.total()
	var nd *node
	if l.nodes > 0 && l.node(0).used()+sz <= NodeLimit {
		nd = l.node(0)
	} else {
		nd = l.insertNode(0)
	}
	l.room(nd, sz, true)
	nd.lo -= sz
	e.write(nd.mem[nd.lo:nd.lo+sz], v)
	nd.count++
	l.n++
}

// PushRight inserts v at the tail. v is copied.
func (l *List) PushRight(v []byte) {
	e := encode(v)
	sz := e.total()
	var nd *node
	if l.nodes > 0 && l.node(l.nodes-1).used()+sz <= NodeLimit {
		nd = l.node(l.nodes - 1)
	} else {
		nd = l.insertNode(l.nodes)
	}
	l.room(nd, sz, false)
	e.write(nd.mem[nd.hi:nd.hi+sz], v)
	nd.hi += sz
	nd.count++
	l.n++
}

// PopLeft removes the head element and returns a copy of it.
func (l *List) PopLeft() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	nd := l.node(0)
	v, next := read(nd.mem, nd.lo)
	out := v.appendTo(nil)
	nd.lo = next
	l.removed(0, 1)
	return out, true
}

// PopRight removes the tail element and returns a copy of it.
func (l *List) PopRight() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	i := l.nodes - 1
	nd := l.node(i)
	p := prev(nd.mem, nd.hi)
	v, _ := read(nd.mem, p)
	out := v.appendTo(nil)
	nd.hi = p
	l.removed(i, 1)
	return out, true
}

// removed accounts for k entries taken out of node i, dropping the node if
// it is empty and giving memory back if it is mostly free.
func (l *List) removed(i, k int) {
	nd := l.node(i)
	nd.count -= k
	l.n -= k
	if nd.count == 0 {
		l.removeNode(i)
		return
	}
	l.shrink(nd)
}

// norm converts a Redis index (negative counts from the tail) to 0..Len-1.
func (l *List) norm(i int) (int, bool) {
	if i < 0 {
		i += l.n
	}
	return i, i >= 0 && i < l.n
}

// locate finds element i (0 <= i < Len): its node and its entry's offset.
func (l *List) locate(i int) (ni, p int) {
	var k int
	if i < l.n/2 {
		for ni = 0; ; ni++ {
			c := l.node(ni).count
			if i < c {
				k = i
				break
			}
			i -= c
		}
	} else {
		back := l.n - 1 - i
		for ni = l.nodes - 1; ; ni-- {
			c := l.node(ni).count
			if back < c {
				k = c - 1 - back
				break
			}
			back -= c
		}
	}
	return ni, l.node(ni).seek(k)
}

// seek returns the offset of the k-th entry, walking from the nearer end.
func (n *node) seek(k int) int {
	if k < n.count/2 {
		p := n.lo
		for ; k > 0; k-- {
			p = skip(n.mem, p)
		}
		return p
	}
	p := n.hi
	for k = n.count - k; k > 0; k-- {
		p = prev(n.mem, p)
	}
	return p
}

// Index returns element i; a negative i counts from the tail (-1 is the
// last element). The result is a copy.
func (l *List) Index(i int) ([]byte, bool) {
	i, ok := l.norm(i)
	if !ok {
		return nil, false
	}
	ni, p := l.locate(i)
	v, _ := read(l.node(ni).mem, p)
	return v.appendTo(nil), true
}

// Set replaces element i (negative counts from the tail) with a copy of v;
// it reports false when i is out of range.
func (l *List) Set(i int, v []byte) bool {
	i, ok := l.norm(i)
	if !ok {
		return false
	}
	ni, p := l.locate(i)
	l.splice(ni, p, skip(l.node(ni).mem, p), v)
	return true
}

// splice replaces the bytes [p, q) of node ni, one whole entry or none,
// with the entry for v. When the result would overflow the node, the node is
// split at the change: the new entry joins whichever side has room for it,
// or gets a node of its own.
func (l *List) splice(ni, p, q int, v []byte) {
	e := encode(v)
	sz := e.total()
	nd := l.node(ni)
	before := nd.count
	if q == p {
		l.n++
		// An insertion at a full node's edge goes to the neighbour on that
		// side when it has room, as in Redis's quicklist, rather than
		// splitting off a node of one entry each time.
		if nd.used()+sz > NodeLimit {
			if p == nd.lo && ni > 0 && l.node(ni-1).used()+sz <= NodeLimit {
				pn := l.node(ni - 1)
				l.room(pn, sz, false)
				e.write(pn.mem[pn.hi:pn.hi+sz], v)
				pn.hi += sz
				pn.count++
				return
			}
			if p == nd.hi && ni+1 < l.nodes && l.node(ni+1).used()+sz <= NodeLimit {
				nn := l.node(ni + 1)
				l.room(nn, sz, true)
				nn.lo -= sz
				e.write(nn.mem[nn.lo:nn.lo+sz], v)
				nn.count++
				return
			}
		}
		nd.count++
	}
	if nd.used()-(q-p)+sz <= NodeLimit || nd.count == 1 {
		l.spliceInPlace(nd, p, q, e, v)
		return
	}
	// Split: the left part [lo, p) keeps nd's memory, the right part
	// [q, hi) moves to a new node.
	rightCount := 0
	for r := q; r < nd.hi; r = skip(nd.mem, r) {
		rightCount++
	}
	leftCount := before - rightCount
	if q > p {
		leftCount-- // the replaced entry
	}
	leftUsed, rightUsed := p-nd.lo, nd.hi-q
	next := ni + 1
	if rightUsed > 0 {
		rn := l.insertNode(next)
		nd = l.node(ni) // the ring may have moved
		rn.mem = l.alloc(rightUsed + sz)
		rn.lo, rn.hi = sz, sz+rightUsed // room in front for the new entry
		copy(rn.mem[rn.lo:], nd.mem[q:nd.hi])
		rn.count = rightCount
	}
	nd.hi = p
	nd.count = leftCount
	switch {
	case leftUsed > 0 && leftUsed+sz <= NodeLimit:
		l.room(nd, sz, false)
		e.write(nd.mem[nd.hi:nd.hi+sz], v)
		nd.hi += sz
		nd.count++
	case rightUsed > 0 && rightUsed+sz <= NodeLimit:
		rn := l.node(next)
		rn.lo -= sz
		e.write(rn.mem[rn.lo:rn.lo+sz], v)
		rn.count++
	default:
		mid := l.insertNode(next)
		mid.mem = l.alloc(sz)
		mid.lo, mid.hi, mid.count = 0, sz, 1
		e.write(mid.mem[:sz], v)
	}
	if nd = l.node(ni); nd.count == 0 {
		l.removeNode(ni)
	} else {
		l.shrink(nd)
	}
}

// spliceInPlace replaces nd.mem[p:q] with the entry e for v, moving the
// shorter side of the node.
func (l *List) spliceInPlace(nd *node, p, q int, e enc, v []byte) {
	sz := e.total()
	delta := sz - (q - p)
	switch {
	case delta > 0:
		grow := p-nd.lo < nd.hi-q
		if grow && nd.lo < delta || !grow && len(nd.mem)-nd.hi < delta {
			off := p - nd.lo
			l.room(nd, delta, grow)
			p = nd.lo + off
			q = p + sz - delta
		}
		if grow {
			copy(nd.mem[nd.lo-delta:], nd.mem[nd.lo:p])
			nd.lo -= delta
			p -= delta
		} else {
			copy(nd.mem[q+delta:], nd.mem[q:nd.hi])
			nd.hi += delta
		}
	case delta < 0:
		if p-nd.lo < nd.hi-q {
			copy(nd.mem[nd.lo-delta:], nd.mem[nd.lo:p])
			nd.lo -= delta
			p -= delta
		} else {
			copy(nd.mem[p+sz:], nd.mem[q:nd.hi])
			nd.hi += delta
		}
	}
	e.write(nd.mem[p:p+sz], v)
}

// Insert puts a copy of v before (or after) the first element equal to
// pivot, searching from the head; it reports whether pivot was found.
func (l *List) Insert(pivot, v []byte, after bool) bool {
	m := newMatcher(pivot)
	for ni := 0; ni < l.nodes; ni++ {
		nd := l.node(ni)
		for p := nd.lo; p < nd.hi; {
			ok, next := m.match(nd.mem, p)
			if ok {
				if after {
					p = next
				}
				l.splice(ni, p, p, v)
				return true
			}
			p = next
		}
	}
	return false
}

// Remove deletes up to count elements equal to v, all of them when count is
// 0, searching from the tail when count is negative (LREM). It returns how
// many it removed.
func (l *List) Remove(v []byte, count int) int {
	m := newMatcher(v)
	reverse := count < 0
	limit := count
	if reverse {
		limit = -count
	}
	removed := 0
	var spans []int // start and end offsets of the matches in one node
	ni := 0
	if reverse {
		ni = l.nodes - 1
	}
	for ni >= 0 && ni < l.nodes && (limit == 0 || removed < limit) {
		nd := l.node(ni)
		spans = spans[:0]
		for p := nd.lo; p < nd.hi; {
			ok, next := m.match(nd.mem, p)
			if ok {
				spans = append(spans, p, next)
			}
			p = next
		}
		if want := limit - removed; limit != 0 && len(spans)/2 > want {
			if reverse {
				spans = spans[len(spans)-2*want:]
			} else {
				spans = spans[:2*want]
			}
		}
		if len(spans) == 0 {
			if reverse {
				ni--
			} else {
				ni++
			}
			continue
		}
		// Close the gaps by moving the kept runs toward the node's start.
		w := spans[0]
		for j := 0; j < len(spans); j += 2 {
			end := nd.hi
			if j+2 < len(spans) {
				end = spans[j+2]
			}
			w += copy(nd.mem[w:], nd.mem[spans[j+1]:end])
		}
		nd.hi = w
		found := len(spans) / 2
		removed += found
		before := l.nodes
		l.removed(ni, found)
		if l.nodes == before {
			l.mergeSmall(ni)
		}
		// Going forward, a node that disappeared (emptied, or merged into a
		// neighbour) left its successor at ni; entries merged from it hold
		// no more matches, so meeting them again is harmless.
		switch {
		case reverse:
			ni--
		case l.nodes == before:
			ni++
		}
	}
	return removed
}

// mergeSmall folds node i into a neighbour when removals left it under a
// quarter full and the two fit in one node, so that a list thinned out by
// LREM does not keep many small nodes.
func (l *List) mergeSmall(i int) {
	nd := l.node(i)
	if nd.used() >= NodeLimit/4 {
		return
	}
	for _, j := range [2]int{i - 1, i + 1} {
		if j < 0 || j >= l.nodes {
			continue
		}
		nb := l.node(j)
		if nb.used()+nd.used() > NodeLimit {
			continue
		}
		// Append or prepend nd's entries to the neighbour, then drop nd.
		src := nd.mem[nd.lo:nd.hi]
		if j < i {
			l.room(nb, len(src), false)
			copy(nb.mem[nb.hi:], src)
			nb.hi += len(src)
		} else {
			l.room(nb, len(src), true)
			nb.lo -= len(src)
			copy(nb.mem[nb.lo:], src)
		}
		nb.count += nd.count
		l.removeNode(i)
		return
	}
}

// Trim keeps the elements from start to stop inclusive, Redis indexes
// (negative counts from the tail), deleting the rest as LTRIM does.
func (l *List) Trim(start, stop int) {
	from, n := l.span(start, stop)
	l.dropRight(l.n - from - n)
	l.dropLeft(from)
}

// span converts an LRANGE-style inclusive range to a start index and a
// count.
func (l *List) span(start, stop int) (from, n int) {
	if start < 0 {
		start += l.n
	}
	if stop < 0 {
		stop += l.n
	}
	start = max(start, 0)
	if start > stop || start >= l.n {
		return 0, 0
	}
	stop = min(stop, l.n-1)
	return start, stop - start + 1
}

// RangeLen is how many elements Range(start, stop, ...) visits.
func (l *List) RangeLen(start, stop int) int {
	_, n := l.span(start, stop)
	return n
}

func (l *List) dropLeft(k int) {
	for k > 0 {
		nd := l.node(0)
		if nd.count <= k {
			k -= nd.count
			l.n -= nd.count
			l.removeNode(0)
			continue
		}
		for j := 0; j < k; j++ {
			nd.lo = skip(nd.mem, nd.lo)
		}
		l.removed(0, k)
		return
	}
}

func (l *List) dropRight(k int) {
	for k > 0 {
		i := l.nodes - 1
		nd := l.node(i)
		if nd.count <= k {
			k -= nd.count
			l.n -= nd.count
			l.removeNode(i)
			continue
		}
		for j := 0; j < k; j++ {
			nd.hi = prev(nd.mem, nd.hi)
		}
		l.removed(i, k)
		return
	}
}

// Range calls fn with the elements from start to stop inclusive, Redis
// indexes as LRANGE takes them, until fn returns false. The slice passed to
// fn is valid only during the call.
func (l *List) Range(start, stop int, fn func(v []byte) bool) {
	from, n := l.span(start, stop)
	if n == 0 {
		return
	}
	it := l.iter(from, false)
	for ; n > 0; n-- {
		v, _ := it.Next()
		if !fn(v) {
			return
		}
	}
}

// Pos returns the indexes of elements equal to v as LPOS finds them: the
// search starts from the head, or from the tail when rank is negative, and
// the |rank|-th match is the first one returned; at most count indexes are
// returned (0: all), and at most maxlen elements are compared (0: all).
func (l *List) Pos(v []byte, rank, count, maxlen int) []int {
	m := newMatcher(v)
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	matches := 0
	var out []int
	i := 0 // elements compared so far
	// found records a match at index idx and reports whether to stop.
	found := func(idx int) bool {
		matches++
		if matches < rank {
			return false
		}
		out = append(out, idx)
		return count != 0 && len(out) >= count
	}
	limit := l.n
	if maxlen > 0 {
		limit = min(limit, maxlen)
	}
	for k := 0; k < l.nodes && i < limit; k++ {
		if reverse {
			nd := l.node(l.nodes - 1 - k)
			for p := nd.hi; p > nd.lo && i < limit; i++ {
				p = prev(nd.mem, p)
				if ok, _ := m.match(nd.mem, p); ok && found(l.n-1-i) {
					return out
				}
			}
			continue
		}
		nd := l.node(k)
		for p := nd.lo; p < nd.hi && i < limit; i++ {
			ok, next := m.match(nd.mem, p)
			if ok && found(i) {
				return out
			}
			p = next
		}
	}
	return out
}

// Iter walks the list from element i (negative counts from the tail)
// toward the tail, or toward the head when reverse is set. Any change to the
// list invalidates it.
type Iter struct {
	l       *List
	ni, p   int // node, and offset of the next entry (its end when reverse)
	left    int
	reverse bool
	scratch [20]byte
}

// Iter returns an iterator positioned at element i.
func (l *List) Iter(i int, reverse bool) *Iter {
	i, ok := l.norm(i)
	if !ok {
		return &Iter{}
	}
	it := l.iter(i, reverse)
	return &it
}

// iter is Iter for a valid index 0 <= i < Len.
func (l *List) iter(i int, reverse bool) Iter {
	ni, p := l.locate(i)
	it := Iter{l: l, ni: ni, p: p, left: l.n - i, reverse: reverse}
	if reverse {
		it.p = skip(l.node(ni).mem, p)
		it.left = i + 1
	}
	return it
}

// Next returns the next element, or false at the end. The slice is valid
// until the following call.
func (it *Iter) Next() ([]byte, bool) {
	if it.left == 0 {
		return nil, false
	}
	return it.next().bytes(&it.scratch), true
}

func (it *Iter) next() value {
	it.left--
	nd := it.l.node(it.ni)
	if it.reverse {
		if it.p == nd.lo {
			it.ni--
			nd = it.l.node(it.ni)
			it.p = nd.hi
		}
		it.p = prev(nd.mem, it.p)
		v, _ := read(nd.mem, it.p)
		return v
	}
	if it.p == nd.hi {
		it.ni++
		nd = it.l.node(it.ni)
		it.p = nd.lo
	}
	v, next := read(nd.mem, it.p)
	it.p = next
	return v
}

// Clone returns an independent copy with compactly allocated nodes.
func (l *List) Clone() *List {
	c := &List{n: l.n}
	if l.nodes == 0 {
		return c
	}
	c.ring = make([]node, len(l.ring))
	c.nodes = l.nodes
	for i := 0; i < l.nodes; i++ {
		src := l.node(i)
		mem := c.alloc(src.used())
		lo := (len(mem) - src.used()) / 2
		copy(mem[lo:], src.mem[src.lo:src.hi])
		c.ring[i] = node{mem: mem, lo: lo, hi: lo + src.used(), count: src.count}
	}
	return c
}
