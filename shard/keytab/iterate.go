package keytab

import (
	"math/rand/v2"

	"github.com/shoal-db/shoal/shard/dict"
)

// Range calls fn for every record once, in no particular order, until fn
// returns false. Inside fn the table may be read, and the key fn was called
// with may be deleted or given a new value (which may move it to another
// record); adding keys or changing others leaves which records Range visits
// unspecified, because a record that moves frees its slot.
func (t *Table[V]) Range(fn func(r Ref) bool) {
	t.pauses++
	defer func() { t.pauses-- }()
	for k := range 2 {
		tab := t.buckets[k]
		start := 0
		if k == 0 && t.rehashing() {
			start = t.rehashIdx // below it buckets[0] is empty
		}
		for i := start; i < len(tab); i++ {
			for r := tab[i]; r != 0; {
				next := t.next(r) // fn may delete or move r
				if !fn(r) {
					return
				}
				r = next
			}
		}
		if !t.rehashing() {
			return
		}
	}
}

// Scan calls fn for the records of one bucket, starting from cursor, and
// returns the cursor for the next call; cursor 0 starts an iteration and a
// returned 0 ends it. It is Redis's dictScan, with dict.Dict.Scan's cursor
// (dict.ScanBuckets): every key present from the start to the end of a full
// iteration is returned at least once, even if the table resizes between
// calls; keys may be returned more than once.
//
// fn may do what Range allows its callback to do.
func (t *Table[V]) Scan(cursor uint64, fn func(r Ref)) uint64 {
	if t.Len() == 0 {
		return 0
	}
	t.pauses++
	defer func() { t.pauses-- }()
	return dict.ScanBuckets(cursor, t.buckets[0], t.buckets[1], func(r Ref) { t.visit(r, fn) })
}

func (t *Table[V]) visit(r Ref, fn func(r Ref)) {
	for r != 0 {
		next := t.next(r) // fn may delete or move r
		fn(r)
		r = next
	}
}

// fairSample is how many records Random samples before picking one, as
// GETFAIR_NUM_ENTRIES in Redis.
const fairSample = 15

// Random returns a random record, or 0 if the table is empty. The choice is
// fair enough for eviction and RANDOMKEY, not uniform.
func (t *Table[V]) Random() Ref {
	if t.Len() == 0 {
		return 0
	}
	var picked [fairSample]Ref
	n := 0
	t.Sample(fairSample, func(r Ref) {
		picked[n] = r
		n++
	})
	if n > 0 {
		return picked[rand.IntN(n)]
	}
	return t.randomRecord()
}

// Sample calls fn for up to n records taken from runs of adjacent buckets
// starting at random positions, like Redis's dictGetSomeKeys: cheap, but
// neither uniform nor free of repeats. It gives up after 10n buckets, so on
// a sparse table it may return fewer than n records, or none. fn may do what
// Range allows its callback to do.
func (t *Table[V]) Sample(count int, fn func(r Ref)) {
	count = min(count, t.Len())
	if count <= 0 {
		return
	}
	// Rehash in proportion to the work asked for, as Redis does.
	for j := 0; j < count && t.rehashing(); j++ {
		t.rehashStep()
	}
	t.pauses++
	defer func() { t.pauses-- }()

	tabs, rehashIdx := t.buckets, uint64(t.rehashIdx)
	arrays := 1
	if t.rehashing() {
		arrays = 2
	}
	mask := uint64(len(tabs[0]) - 1)
	if arrays == 2 {
		mask = max(mask, uint64(len(tabs[1])-1))
	}
	i := rand.Uint64() & mask
	stored, emptyRun := 0, 0
	for steps := count * 10; steps > 0; steps-- {
		for k := range arrays {
			if arrays == 2 && k == 0 && i < rehashIdx {
				// Below rehashIdx buckets[0] is empty. If i is also past
				// the end of a smaller new array, both are empty up to
				// rehashIdx.
				if i < uint64(len(tabs[1])) {
					continue
				}
				i = rehashIdx
			}
			if i >= uint64(len(tabs[k])) {
				continue
			}
			r := tabs[k][i]
			if r == 0 {
				// A long empty run means a sparse region: jump elsewhere.
				if emptyRun++; emptyRun >= 5 && emptyRun > count {
					i = rand.Uint64() & mask
					emptyRun = 0
				}
				continue
			}
			emptyRun = 0
			for r != 0 {
				next := t.next(r) // fn may delete r
				fn(r)
				if stored++; stored == count {
					return
				}
				r = next
			}
		}
		i = (i + 1) & mask
	}
}

// randomRecord picks a non-empty bucket at random, then a record of its
// chain, as Redis's dictGetRandomKey; the table must not be empty.
func (t *Table[V]) randomRecord() Ref {
	t.rehashStep()
	var r Ref
	if t.rehashing() {
		s0 := len(t.buckets[0])
		for r == 0 {
			h := t.rehashIdx + rand.IntN(s0+len(t.buckets[1])-t.rehashIdx)
			if h >= s0 {
				r = t.buckets[1][h-s0]
			} else {
				r = t.buckets[0][h]
			}
		}
	} else {
		mask := uint64(len(t.buckets[0]) - 1)
		for r == 0 {
			r = t.buckets[0][rand.Uint64()&mask]
		}
	}
	n := 0
	for c := r; c != 0; c = t.next(c) {
		n++
	}
	for k := rand.IntN(n); k > 0; k-- {
		r = t.next(r)
	}
	return r
}
