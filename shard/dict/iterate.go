package dict

import "math/bits"

// Range calls fn for every element once, in no particular order, until fn
// returns false.
//
// Inside fn, d may be read (Get, GetBytes, Ref, Len, ...), values may be
// replaced (Set of a key already present, writes through Ref), and the
// element fn was called with may be deleted. Adding a key, deleting any other
// key, or calling Clear during Range leaves which elements Range visits
// unspecified.
func (d *Dict[V]) Range(fn func(key string, v V) bool) {
	d.pauses++
	defer func() { d.pauses-- }()
	for t := range 2 {
		tab := d.tables[t]
		start := 0
		if t == 0 && d.rehashing() {
			start = d.rehashIdx // below it tables[0] is empty
		}
		for _, e := range tab[start:] {
			for e != nil {
				next := e.next // fn may delete e
				if !fn(e.key, e.val) {
					return
				}
				e = next
			}
		}
		if !d.rehashing() {
			return
		}
	}
}

// Scan calls fn for the elements of one bucket, starting from cursor, and
// returns the cursor for the next call; cursor 0 starts an iteration and a
// returned 0 ends it. It is Redis's dictScan: every element present from the
// start to the end of a full iteration is returned at least once, even if d
// grows, shrinks or is resizing between calls; elements may be returned more
// than once.
//
// The cursor counts with its bits reversed, from the high bit of the bucket
// index down. Doubling a table splits bucket i into i and i+size, and halving
// merges them, and both keep every bucket not yet visited ahead of the
// cursor. While a resize is in progress one call covers a bucket of the
// smaller table together with every bucket of the larger table that it
// expands to.
//
// fn may do what Range allows its callback to do.
func (d *Dict[V]) Scan(cursor uint64, fn func(key string, v V)) (next uint64) {
	if d.Len() == 0 {
		return 0
	}
	d.pauses++
	defer func() { d.pauses-- }()
	return ScanBuckets(cursor, d.tables[0], d.tables[1], func(e *entry[V]) { visit(e, fn) })
}

// ScanBuckets is Scan's cursor arithmetic for any chained table of
// power-of-two bucket arrays (package keytab's too): a is the table, b the
// second one while a resize is in progress and empty otherwise. It calls
// visit with each bucket one call covers and returns the next cursor.
func ScanBuckets[B any](cursor uint64, a, b []B, visit func(B)) uint64 {
	if len(b) == 0 {
		m := uint64(len(a) - 1)
		visit(a[cursor&m])
		return nextCursor(cursor, m)
	}
	small, large := a, b
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	visit(small[cursor&m0])
	for {
		visit(large[cursor&m1])
		cursor = nextCursor(cursor, m1)
		// The bits the large table has beyond the small one wrapped to zero:
		// every expansion of the small bucket is done.
		if cursor&(m0^m1) == 0 {
			return cursor
		}
	}
}

// nextCursor increments the bits of cursor under mask, counting from the high
// bit down. The bits above mask are set first so the carry runs off the end.
func nextCursor(cursor, mask uint64) uint64 {
	cursor |= ^mask
	return bits.Reverse64(bits.Reverse64(cursor) + 1)
}

func visit[V any](e *entry[V], fn func(key string, v V)) {
	for e != nil {
		next := e.next // fn may delete e
		fn(e.key, e.val)
		e = next
	}
}
