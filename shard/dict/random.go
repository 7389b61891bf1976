package dict

import "math/rand/v2"

// fairSample is how many elements Random samples before picking one, as
// GETFAIR_NUM_ENTRIES in Redis: picking among the entries of several adjacent
// buckets evens out the bias towards elements in short chains that picking a
// bucket first would have.
const fairSample = 15

// Random returns a random element, or ok=false if d is empty. The choice is
// fair enough for eviction and RANDOMKEY, not uniform.
func (d *Dict[V]) Random() (key string, v V, ok bool) {
	if d.Len() == 0 {
		return "", v, false
	}
	var picked [fairSample]*entry[V]
	n := 0
	d.sample(fairSample, func(e *entry[V]) {
		picked[n] = e
		n++
	})
	var e *entry[V]
	if n > 0 {
		e = picked[rand.IntN(n)]
	} else {
		e = d.randomEntry()
	}
	return e.key, e.val, true
}

// Sample calls fn for up to n elements taken from runs of adjacent buckets
// starting at random positions, like Redis's dictGetSomeKeys: cheap, but
// neither uniform nor free of repeats. It gives up after 10n buckets, so on a
// sparse d it may return fewer than n elements, or none. fn may do what Range
// allows its callback to do.
func (d *Dict[V]) Sample(n int, fn func(key string, v V)) {
	d.sample(n, func(e *entry[V]) { fn(e.key, e.val) })
}

func (d *Dict[V]) sample(count int, fn func(e *entry[V])) {
	count = min(count, d.Len())
	if count <= 0 {
		return
	}
	// Rehash in proportion to the work asked for, as Redis does.
	for j := 0; j < count && d.rehashing(); j++ {
		d.rehashStep()
	}
	d.pauses++
	defer func() { d.pauses-- }()

	tabs, rehashIdx := d.tables, uint64(d.rehashIdx)
	tables := 1
	if d.rehashing() {
		tables = 2
	}
	mask := uint64(len(tabs[0]) - 1)
	if tables == 2 {
		mask = max(mask, uint64(len(tabs[1])-1))
	}
	i := rand.Uint64() & mask
	stored, emptyRun := 0, 0
	for steps := count * 10; steps > 0; steps-- {
		for t := range tables {
			if tables == 2 && t == 0 && i < rehashIdx {
				// Below rehashIdx tables[0] is empty. If i is also past the
				// end of a smaller new table, both are empty up to rehashIdx.
				if i < uint64(len(tabs[1])) {
					continue
				}
				i = rehashIdx
			}
			if i >= uint64(len(tabs[t])) {
				continue
			}
			e := tabs[t][i]
			if e == nil {
				// A long empty run means a sparse region: jump elsewhere.
				if emptyRun++; emptyRun >= 5 && emptyRun > count {
					i = rand.Uint64() & mask
					emptyRun = 0
				}
				continue
			}
			emptyRun = 0
			for e != nil {
				next := e.next // fn may delete e
				fn(e)
				if stored++; stored == count {
					return
				}
				e = next
			}
		}
		i = (i + 1) & mask
	}
}

// randomEntry picks a non-empty bucket at random, then an entry of its chain,
// as Redis's dictGetRandomKey. It is Random's fallback when sampling a sparse
// table finds nothing; d must not be empty.
func (d *Dict[V]) randomEntry() *entry[V] {
	d.rehashStep()
	var e *entry[V]
	if d.rehashing() {
		// Buckets of tables[0] below rehashIdx are empty: draw from the rest
		// of tables[0] followed by tables[1].
		s0 := len(d.tables[0])
		for e == nil {
			h := d.rehashIdx + rand.IntN(s0+len(d.tables[1])-d.rehashIdx)
			if h >= s0 {
				e = d.tables[1][h-s0]
			} else {
				e = d.tables[0][h]
			}
		}
	} else {
		mask := uint64(len(d.tables[0]) - 1)
		for e == nil {
			e = d.tables[0][rand.Uint64()&mask]
		}
	}
	n := 0
	for c := e; c != nil; c = c.next {
		n++
	}
	for k := rand.IntN(n); k > 0; k-- {
		e = e.next
	}
	return e
}
