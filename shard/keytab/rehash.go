package keytab

import (
	"encoding/binary"
	"hash/maphash"
)

func (t *Table[V]) rehashing() bool { return t.rehashIdx >= 0 }

// growIfNeeded makes room for one more key. A resize in progress is left to
// finish first: migrating a bucket per operation, growing from n buckets
// takes at most n operations, too few for inserts to fill the new table.
func (t *Table[V]) growIfNeeded() {
	switch {
	case t.rehashing():
	case len(t.buckets[0]) == 0:
		t.buckets[0] = make([]Ref, minSize)
	case t.used[0] >= len(t.buckets[0]):
		t.resize(t.used[0] + 1)
	}
}

// shrinkIfNeeded starts a shrink once the table is less than 1/8 full, a
// wide band below the grow threshold so that alternating inserts and
// deletes cannot make it resize back and forth.
func (t *Table[V]) shrinkIfNeeded() {
	if size := len(t.buckets[0]); !t.rehashing() && size > minSize && t.used[0] < size/8 {
		t.resize(t.used[0])
	}
}

func (t *Table[V]) resize(n int) {
	t.buckets[1] = make([]Ref, tableSize(n))
	t.rehashIdx = 0
}

func (t *Table[V]) rehashStep() {
	if t.rehashing() && t.pauses == 0 {
		t.rehash(1)
	}
}

// rehash migrates up to n non-empty buckets from buckets[0] to buckets[1],
// and swaps the new array in once the old one is empty.
func (t *Table[V]) rehash(n int) {
	src, dst := t.buckets[0], t.buckets[1]
	mask := uint64(len(dst) - 1)
	// A shrink maps every record of old bucket i to new bucket i&mask, as
	// both sizes are powers of two: keys need not be hashed again.
	shrinking := len(dst) < len(src)
	emptyVisits := n * emptyStep
	for ; n > 0 && t.used[0] > 0; n-- {
		for src[t.rehashIdx] == 0 {
			t.rehashIdx++
			if emptyVisits--; emptyVisits == 0 {
				return
			}
		}
		for r := src[t.rehashIdx]; r != 0; {
			b := t.a.record(r)
			next := Ref(binary.LittleEndian.Uint32(b))
			i := uint64(t.rehashIdx) & mask
			if !shrinking {
				i = maphash.Bytes(t.seed, t.Key(r)) & mask
			}
			binary.LittleEndian.PutUint32(b, uint32(dst[i]))
			dst[i] = r
			t.used[0]--
			t.used[1]++
			r = next
		}
		src[t.rehashIdx] = 0
		t.rehashIdx++
	}
	if t.used[0] == 0 {
		t.buckets = [2][]Ref{dst, nil}
		t.used = [2]int{t.used[1], 0}
		t.rehashIdx = -1
	}
}
