package zset

import "sort"

// The big form orders its elements in a B+tree that counts the elements
// under each child (an order-statistic tree), where Redis uses a skiplist
// with spans: both find an element, a rank or a score boundary in
// O(log N), but the tree keeps 63 elements per leaf in one allocation
// instead of one node per element, which costs less memory and gives the
// garbage collector fewer objects. Leaves are linked both ways for walking
// ranges.

const (
	// leafCap makes a leaf exactly 1536 bytes, one of Go's size classes.
	leafCap = 63
	// innerCap makes an inner node just under 3072 bytes, another class.
	innerCap = 63
	// A node emptier than this merges with a neighbour when they fit in one.
	leafMin  = leafCap / 4
	innerMin = innerCap / 4
)

// entry is an element: the order is by score, then member bytes.
type entry struct {
	member string
	score  float64
}

// before reports whether e sorts before (score, member).
func (e *entry) before(score float64, member string) bool {
	return e.score < score || e.score == score && e.member < member
}

type leaf struct {
	n          int
	prev, next *leaf
	ents       [leafCap]entry
}

// inner is a node above the leaves. Child i holds counts[i] elements, all
// at or after seps[i] (for i > 0) and before seps[i+1]. A separator is a
// lower bound, not necessarily an element still present: deletions leave
// separators alone, which keeps them valid.
type inner struct {
	n      int
	counts [innerCap]int
	seps   [innerCap]entry
	// Children are leaves in a node at height 1 and inner nodes above.
	leaves [innerCap]*leaf
	inners [innerCap]*inner
}

type tree struct {
	// height is 0 while the root is a leaf (rootLeaf), else the height of
	// root above the leaves.
	height     int
	root       *inner
	rootLeaf   *leaf
	head, tail *leaf
	n          int
	// leaves counts the leaves, for memory accounting.
	leaves int
}

// search returns the index of the first entry of l not before (score, member).
func (l *leaf) search(score float64, member string) int {
	return sort.Search(l.n, func(i int) bool { return !l.ents[i].before(score, member) })
}

func (l *leaf) insertAt(i int, e entry) {
	copy(l.ents[i+1:l.n+1], l.ents[i:l.n])
	l.ents[i] = e
	l.n++
}

func (l *leaf) removeAt(i int) entry {
	e := l.ents[i]
	copy(l.ents[i:l.n-1], l.ents[i+1:l.n])
	l.n--
	l.ents[l.n] = entry{} // let the member string go
	return e
}

// after reports whether e sorts after (score, member).
func (e *entry) after(score float64, member string) bool {
	return e.score > score || e.score == score && e.member > member
}

// child returns the index of the child whose range holds (score, member):
// the child before the first separator after it.
func (n *inner) child(score float64, member string) int {
	return sort.Search(n.n-1, func(j int) bool { return n.seps[j+1].after(score, member) })
}

func (n *inner) total() int {
	t := 0
	for _, c := range n.counts[:n.n] {
		t += c
	}
	return t
}

// insertKid puts a child at index at (at >= 1) with its separator and count.
func (n *inner) insertKid(at int, sep entry, count int, in *inner, lf *leaf) {
	copy(n.seps[at+1:n.n+1], n.seps[at:n.n])
	copy(n.counts[at+1:n.n+1], n.counts[at:n.n])
	copy(n.leaves[at+1:n.n+1], n.leaves[at:n.n])
	copy(n.inners[at+1:n.n+1], n.inners[at:n.n])
	n.seps[at], n.counts[at], n.leaves[at], n.inners[at] = sep, count, lf, in
	n.n++
}

func (n *inner) removeKid(i int) {
	copy(n.seps[i:n.n-1], n.seps[i+1:n.n])
	copy(n.counts[i:n.n-1], n.counts[i+1:n.n])
	copy(n.leaves[i:n.n-1], n.leaves[i+1:n.n])
	copy(n.inners[i:n.n-1], n.inners[i+1:n.n])
	n.n--
	n.seps[n.n], n.counts[n.n], n.leaves[n.n], n.inners[n.n] = entry{}, 0, nil, nil
}

// addKid inserts a child made by splitting child at-1, splitting n in turn
// when it is full; it returns n's new right sibling and its separator, or
// nil.
func (n *inner) addKid(at int, sep entry, count int, in *inner, lf *leaf) (*inner, entry) {
	if n.n < innerCap {
		n.insertKid(at, sep, count, in, lf)
		return nil, entry{}
	}
	r := &inner{}
	mid := n.n / 2
	r.n = n.n - mid
	copy(r.seps[:], n.seps[mid:n.n])
	copy(r.counts[:], n.counts[mid:n.n])
	copy(r.leaves[:], n.leaves[mid:n.n])
	copy(r.inners[:], n.inners[mid:n.n])
	clear(n.seps[mid:n.n])
	clear(n.counts[mid:n.n])
	clear(n.leaves[mid:n.n])
	clear(n.inners[mid:n.n])
	n.n = mid
	up := r.seps[0]
	if at <= mid {
		n.insertKid(at, sep, count, in, lf)
	} else {
		r.insertKid(at-mid, sep, count, in, lf)
	}
	return r, up
}

// insert adds e, which must not be present.
func (t *tree) insert(e entry) {
	t.n++
	if t.height == 0 {
		if t.rootLeaf == nil {
			l := &leaf{}
			t.rootLeaf, t.head, t.tail = l, l, l
			t.leaves = 1
		}
		r := t.insertLeaf(t.rootLeaf, e)
		if r == nil {
			return
		}
		root := &inner{n: 2}
		root.leaves[0], root.leaves[1] = t.rootLeaf, r
		root.counts[0], root.counts[1] = t.rootLeaf.n, r.n
		root.seps[1] = r.ents[0]
		t.root, t.rootLeaf, t.height = root, nil, 1
		return
	}
	r, sep := t.insertInner(t.root, t.height, e)
	if r == nil {
		return
	}
	root := &inner{n: 2}
	root.inners[0], root.inners[1] = t.root, r
	root.counts[0], root.counts[1] = t.root.total(), r.total()
	root.seps[1] = sep
	t.root = root
	t.height++
}

func (t *tree) insertInner(n *inner, h int, e entry) (*inner, entry) {
	i := n.child(e.score, e.member)
	n.counts[i]++
	if h == 1 {
		l := n.leaves[i]
		r := t.insertLeaf(l, e)
		if r == nil {
			return nil, entry{}
		}
		n.counts[i] = l.n
		return n.addKid(i+1, r.ents[0], r.n, nil, r)
	}
	r, sep := t.insertInner(n.inners[i], h-1, e)
	if r == nil {
		return nil, entry{}
	}
	rc := r.total()
	n.counts[i] -= rc
	return n.addKid(i+1, sep, rc, r, nil)
}

// insertLeaf adds e to l, splitting l when it is full; it returns the new
// right sibling, or nil.
func (t *tree) insertLeaf(l *leaf, e entry) *leaf {
	i := l.search(e.score, e.member)
	if l.n < leafCap {
		l.insertAt(i, e)
		return nil
	}
	r := &leaf{prev: l, next: l.next}
	t.leaves++
	if l.next != nil {
		l.next.prev = r
	} else {
		t.tail = r
	}
	l.next = r
	switch {
	case i == l.n && r.next == nil:
		// Appending after the last element: l stays full, so that a set
		// filled in ascending order packs its leaves completely.
		r.ents[0] = e
		r.n = 1
	case i == 0 && l.prev == nil:
		// Prepending before the first element, the same for descending
		// order: l keeps only e and fills up again.
		copy(r.ents[:], l.ents[:l.n])
		r.n = l.n
		clear(l.ents[1:l.n])
		l.ents[0] = e
		l.n = 1
	default:
		mid := l.n / 2
		copy(r.ents[:], l.ents[mid:l.n])
		r.n = l.n - mid
		clear(l.ents[mid:l.n])
		l.n = mid
		if i <= mid {
			l.insertAt(i, e)
		} else {
			r.insertAt(i-mid, e)
		}
	}
	return r
}

// delete removes the element (score, member), which must be present, and
// returns the entry it had (whose member string the caller may reuse).
func (t *tree) delete(score float64, member string) entry {
	t.n--
	if t.height == 0 {
		e := checkedRemove(t.rootLeaf, score, member)
		t.resetIfEmpty()
		return e
	}
	e := t.deleteInner(t.root, t.height, score, member)
	t.shrinkRoot()
	return e
}

func checkedRemove(l *leaf, score float64, member string) entry {
	i := l.search(score, member)
	if i == l.n || l.ents[i].score != score || l.ents[i].member != member {
		panic("BUG: zset tree lost an element")
	}
	return l.removeAt(i)
}

func (t *tree) deleteInner(n *inner, h int, score float64, member string) entry {
	i := n.child(score, member)
	n.counts[i]--
	var e entry
	if h == 1 {
		e = checkedRemove(n.leaves[i], score, member)
	} else {
		e = t.deleteInner(n.inners[i], h-1, score, member)
	}
	t.rebalance(n, i, h)
	return e
}

// deleteAt removes and returns the element of rank r.
func (t *tree) deleteAt(r int) entry {
	t.n--
	if t.height == 0 {
		e := t.rootLeaf.removeAt(r)
		t.resetIfEmpty()
		return e
	}
	e := t.deleteAtInner(t.root, t.height, r)
	t.shrinkRoot()
	return e
}

func (t *tree) deleteAtInner(n *inner, h int, r int) entry {
	i := 0
	for r >= n.counts[i] {
		r -= n.counts[i]
		i++
	}
	n.counts[i]--
	var e entry
	if h == 1 {
		e = n.leaves[i].removeAt(r)
	} else {
		e = t.deleteAtInner(n.inners[i], h-1, r)
	}
	t.rebalance(n, i, h)
	return e
}

func (t *tree) resetIfEmpty() {
	if t.n == 0 {
		*t = tree{}
	}
}

// shrinkRoot drops root levels left with a single child.
func (t *tree) shrinkRoot() {
	if t.n == 0 {
		*t = tree{}
		return
	}
	for t.height > 0 && t.root.n == 1 {
		if t.height == 1 {
			t.rootLeaf = t.root.leaves[0]
			t.root = nil
		} else {
			t.root = t.root.inners[0]
		}
		t.height--
	}
}

// rebalance fixes child i of n (at height h) after a deletion under it: an
// empty child goes, and a sparse one merges with a neighbour when the two
// fit in one node. A sparse child whose neighbours are both too full to
// merge stays: they keep the average fill up.
func (t *tree) rebalance(n *inner, i, h int) {
	if h == 1 {
		l := n.leaves[i]
		switch {
		case l.n >= leafMin:
		case l.n == 0:
			t.unlink(l)
			n.removeKid(i)
		case i > 0 && n.leaves[i-1].n+l.n <= leafCap:
			left := n.leaves[i-1]
			copy(left.ents[left.n:], l.ents[:l.n])
			left.n += l.n
			n.counts[i-1] += n.counts[i]
			t.unlink(l)
			n.removeKid(i)
		case i+1 < n.n && n.leaves[i+1].n+l.n <= leafCap:
			right := n.leaves[i+1]
			copy(l.ents[l.n:], right.ents[:right.n])
			l.n += right.n
			n.counts[i] += n.counts[i+1]
			t.unlink(right)
			n.removeKid(i + 1)
		}
		return
	}
	c := n.inners[i]
	switch {
	case c.n >= innerMin:
	case c.n == 0:
		n.removeKid(i)
	case i > 0 && n.inners[i-1].n+c.n <= innerCap:
		mergeInner(n.inners[i-1], c, n.seps[i])
		n.counts[i-1] += n.counts[i]
		n.removeKid(i)
	case i+1 < n.n && n.inners[i+1].n+c.n <= innerCap:
		mergeInner(c, n.inners[i+1], n.seps[i+1])
		n.counts[i] += n.counts[i+1]
		n.removeKid(i + 1)
	}
}

// mergeInner appends the children of r to l; sep separates them.
func mergeInner(l, r *inner, sep entry) {
	r.seps[0] = sep
	copy(l.seps[l.n:], r.seps[:r.n])
	copy(l.counts[l.n:], r.counts[:r.n])
	copy(l.leaves[l.n:], r.leaves[:r.n])
	copy(l.inners[l.n:], r.inners[:r.n])
	l.n += r.n
}

func (t *tree) unlink(l *leaf) {
	t.leaves--
	if l.prev != nil {
		l.prev.next = l.next
	} else {
		t.head = l.next
	}
	if l.next != nil {
		l.next.prev = l.prev
	} else {
		t.tail = l.prev
	}
}

// rank returns the number of elements before (score, member).
func (t *tree) rank(score float64, member string) int {
	return t.countWhile(func(e *entry) bool { return e.before(score, member) })
}

// countWhile returns the length of the longest prefix of elements for which
// pred holds; pred must hold for a prefix of the order (for any key, not
// only the elements present), or the answer is some count between 0 and n.
func (t *tree) countWhile(pred func(e *entry) bool) int {
	if t.n == 0 {
		return 0
	}
	if t.height == 0 {
		return leafCount(t.rootLeaf, pred)
	}
	r := 0
	n := t.root
	for h := t.height; ; h-- {
		// The last child whose separator satisfies pred holds the boundary:
		// everything before that separator does too.
		i := sort.Search(n.n-1, func(j int) bool { return !pred(&n.seps[j+1]) })
		for _, c := range n.counts[:i] {
			r += c
		}
		if h == 1 {
			return r + leafCount(n.leaves[i], pred)
		}
		n = n.inners[i]
	}
}

func leafCount(l *leaf, pred func(e *entry) bool) int {
	return sort.Search(l.n, func(i int) bool { return !pred(&l.ents[i]) })
}

// at returns the leaf and index of the element of rank r < n.
func (t *tree) at(r int) (*leaf, int) {
	if t.height == 0 {
		return t.rootLeaf, r
	}
	n := t.root
	for h := t.height; ; h-- {
		i := 0
		for r >= n.counts[i] {
			r -= n.counts[i]
			i++
		}
		if h == 1 {
			return n.leaves[i], r
		}
		n = n.inners[i]
	}
}

// walk calls fn for the elements of ranks [lo, hi), in order, or from hi-1
// down to lo with rev; lo < hi <= n.
func (t *tree) walk(lo, hi int, rev bool, fn func(e *entry)) {
	if !rev {
		l, i := t.at(lo)
		for r := lo; r < hi; r++ {
			if i == l.n {
				l, i = l.next, 0
			}
			fn(&l.ents[i])
			i++
		}
		return
	}
	l, i := t.at(hi - 1)
	for r := hi; r > lo; r-- {
		if i < 0 {
			l = l.prev
			i = l.n - 1
		}
		fn(&l.ents[i])
		i--
	}
}
