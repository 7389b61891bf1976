// Package dict owns the hash table behind every hash, set and sorted-set
// value (the keyspace has its own, pointer-free layout: package keytab). It
// follows Redis's dict: chained buckets in power-of-two tables, incremental
// rehashing so that no single operation pays for resizing a large table, and
// a reverse-binary SCAN cursor that stays valid across resizes.
//
// A Dict is not safe for concurrent use; its owner touches it from one
// goroutine at a time.
package dict

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// minSize is the smallest table, as in Redis: tiny tables would resize on
// almost every insert or delete.
const minSize = 4

type entry[V any] struct {
	key  string
	val  V
	next *entry[V]
}

// Dict maps string keys to values of type V.
//
// While a resize is in progress it holds two tables, and entries migrate from
// the old one to the new one a bucket per operation, so the cost of a resize
// is spread over the operations that follow it.
type Dict[V any] struct {
	tables [2][]*entry[V]
	used   [2]int
	// rehashIdx is the next bucket of tables[0] to migrate, or -1 when no
	// resize is in progress. Buckets of tables[0] below it are empty.
	rehashIdx int
	// pauses counts callbacks of Range, Scan and Sample in progress. No
	// bucket migrates while one runs, so a callback that deletes its current
	// entry cannot make the walk skip or repeat others.
	pauses int
	seed   maphash.Seed
}

// New returns an empty Dict with room for sizeHint elements before its first
// resize.
func New[V any](sizeHint int) *Dict[V] {
	d := &Dict[V]{rehashIdx: -1, seed: maphash.MakeSeed()}
	if sizeHint > 0 {
		d.tables[0] = make([]*entry[V], tableSize(sizeHint))
	}
	return d
}

// Len returns the number of elements.
func (d *Dict[V]) Len() int { return d.used[0] + d.used[1] }

// Get returns the value stored under key.
func (d *Dict[V]) Get(key string) (V, bool) {
	d.rehashStep()
	if link, _ := locate(d, d.hashString(key), key); link != nil {
		return (*link).val, true
	}
	var zero V
	return zero, false
}

// GetBytes is Get for a key held in a byte slice; it does not allocate.
func (d *Dict[V]) GetBytes(key []byte) (V, bool) {
	d.rehashStep()
	if link, _ := locate(d, d.hashBytes(key), key); link != nil {
		return (*link).val, true
	}
	var zero V
	return zero, false
}

// Ref returns a pointer to the value stored under key, or nil if key is
// absent, so a caller can update the value in place without hashing twice.
// The pointer is valid only until the next Set, Delete, DeleteBytes or Clear
// on d.
func (d *Dict[V]) Ref(key []byte) *V {
	d.rehashStep()
	if link, _ := locate(d, d.hashBytes(key), key); link != nil {
		return &(*link).val
	}
	return nil
}

// Set stores v under key, replacing any previous value, and reports whether
// key was newly added.
func (d *Dict[V]) Set(key string, v V) (added bool) {
	d.rehashStep()
	h := d.hashString(key)
	if link, _ := locate(d, h, key); link != nil {
		(*link).val = v
		return false
	}
	d.growIfNeeded()
	// During a resize new entries go straight to the new table, so the old
	// one only ever drains.
	t := 0
	if d.rehashing() {
		t = 1
	}
	tab := d.tables[t]
	i := h & uint64(len(tab)-1)
	tab[i] = &entry[V]{key: key, val: v, next: tab[i]}
	d.used[t]++
	return true
}

// Delete removes key and returns the value it had.
func (d *Dict[V]) Delete(key string) (V, bool) {
	d.rehashStep()
	return remove(d, d.hashString(key), key)
}

// DeleteBytes is Delete for a key held in a byte slice.
func (d *Dict[V]) DeleteBytes(key []byte) (V, bool) {
	d.rehashStep()
	return remove(d, d.hashBytes(key), key)
}

// Clear removes every element. It drops the tables whole, so freeing the
// entries is left to the garbage collector rather than paid for here.
func (d *Dict[V]) Clear() {
	d.tables = [2][]*entry[V]{}
	d.used = [2]int{}
	d.rehashIdx = -1
}

// Bytes approximates the heap held by the table structure: bucket arrays and
// entries, not the bytes of keys or anything values point to.
func (d *Dict[V]) Bytes() int {
	buckets := (cap(d.tables[0]) + cap(d.tables[1])) * int(unsafe.Sizeof((*entry[V])(nil)))
	return buckets + d.Len()*int(unsafe.Sizeof(entry[V]{}))
}

// StringBytes approximates the heap a string of n bytes takes, for the
// memory accounting of the values that keep strings beside a Dict: Go's
// size classes step by 8 bytes up to 32, by 16 up to 256, and more
// coarsely above, which this rounds to 32.
func StringBytes(n int) int {
	switch {
	case n == 0:
		return 0
	case n <= 32:
		return (n + 7) &^ 7
	case n <= 256:
		return (n + 15) &^ 15
	}
	return (n + 31) &^ 31
}

// locate returns the link (a bucket head or a predecessor's next field) that
// points to key's entry, and the table holding it; the link is nil if key is
// absent. Returning the link lets remove unlink without a second walk.
func locate[V any, K string | []byte](d *Dict[V], h uint64, key K) (**entry[V], int) {
	for t := range 2 {
		tab := d.tables[t]
		if len(tab) == 0 {
			break
		}
		i := int(h & uint64(len(tab)-1))
		// Buckets already migrated are empty: skip loading them.
		if t == 1 || i >= d.rehashIdx {
			for link := &tab[i]; *link != nil; link = &(*link).next {
				if string(key) == (*link).key {
					return link, t
				}
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil, 0
}

func remove[V any, K string | []byte](d *Dict[V], h uint64, key K) (V, bool) {
	link, t := locate(d, h, key)
	if link == nil {
		var zero V
		return zero, false
	}
	e := *link
	*link = e.next
	d.used[t]--
	d.shrinkIfNeeded()
	return e.val, true
}

// tableSize returns the power-of-two table size for n elements.
func tableSize(n int) int {
	if n <= minSize {
		return minSize
	}
	return 1 << bits.Len(uint(n-1))
}
