package dict

// emptyVisitsPerStep bounds how many empty buckets one rehash step may skip,
// as in Redis, so that a sparse stretch of the old table cannot make a single
// operation slow.
const emptyVisitsPerStep = 10

func (d *Dict[V]) rehashing() bool { return d.rehashIdx >= 0 }

// growIfNeeded makes room for one more element. A resize in progress is left
// to finish first: migrating a bucket per operation, growing from n buckets
// takes at most n operations, too few for inserts to fill the new table.
func (d *Dict[V]) growIfNeeded() {
	switch {
	case d.rehashing():
	case len(d.tables[0]) == 0:
		d.tables[0] = make([]*entry[V], minSize)
	case d.used[0] >= len(d.tables[0]):
		d.resize(d.used[0] + 1)
	}
}

// shrinkIfNeeded starts a shrink once the table is less than 1/8 full, which
// leaves a wide band between the grow and shrink thresholds so alternating
// inserts and deletes cannot make it resize back and forth.
func (d *Dict[V]) shrinkIfNeeded() {
	if size := len(d.tables[0]); !d.rehashing() && size > minSize && d.used[0] < size/8 {
		d.resize(d.used[0])
	}
}

// resize starts migrating to a table sized for n elements; the entries move
// later, a bucket per operation.
func (d *Dict[V]) resize(n int) {
	d.tables[1] = make([]*entry[V], tableSize(n))
	d.rehashIdx = 0
}

func (d *Dict[V]) rehashStep() {
	if d.rehashing() && d.pauses == 0 {
		d.rehash(1)
	}
}

// rehash migrates up to n non-empty buckets from tables[0] to tables[1], and
// swaps the new table in once the old one is empty.
func (d *Dict[V]) rehash(n int) {
	src, dst := d.tables[0], d.tables[1]
	mask := uint64(len(dst) - 1)
	// A shrink maps every entry of old bucket i to new bucket i&mask, since
	// both sizes are powers of two, so keys need not be hashed again.
	shrinking := len(dst) < len(src)
	emptyVisits := n * emptyVisitsPerStep
	for ; n > 0 && d.used[0] > 0; n-- {
		for src[d.rehashIdx] == nil {
			d.rehashIdx++
			if emptyVisits--; emptyVisits == 0 {
				return
			}
		}
		for e := src[d.rehashIdx]; e != nil; {
			next := e.next
			i := uint64(d.rehashIdx) & mask
			if !shrinking {
				i = d.hashString(e.key) & mask
			}
			e.next = dst[i]
			dst[i] = e
			d.used[0]--
			d.used[1]++
			e = next
		}
		src[d.rehashIdx] = nil
		d.rehashIdx++
	}
	if d.used[0] == 0 {
		d.tables = [2][]*entry[V]{dst, nil}
		d.used = [2]int{d.used[1], 0}
		d.rehashIdx = -1
	}
}
