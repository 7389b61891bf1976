// Package keytab owns the layout of a database's keyspace: a table from keys
// to values that the garbage collector barely sees. Each key, with its value
// when that is a small string or an integer, is one record in pointer-free
// pages (arena.go); the table links records by 32-bit Refs in Redis's dict
// shape: chained buckets in power-of-two tables, incremental rehashing, and
// a reverse-binary SCAN cursor that stays valid across resizes. Values that
// are not inline (lists, hashes, big strings, ...) sit in a side slice the
// record indexes.
//
// With 10 million keys the garbage collector has a few thousand pages and
// one bucket array to scan instead of tens of millions of pointers, and a key
// of 11 bytes with a 16-byte value takes a 40-byte slot and a bucket share.
//
// A Table is not safe for concurrent use; its owner touches it from one
// goroutine at a time. Byte slices it returns alias its pages: they are
// valid until the next change to the table.
package keytab

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// Kind is how a record holds its value.
type Kind uint8

const (
	// Str is a string held in the record.
	Str Kind = 1 + iota
	// Int is a string holding a canonical 64-bit integer, held as one.
	Int
	// Val is a value of the side slice.
	Val
)

// Flag is a bit of a record's header its owner may use.
type Flag uint8

const (
	// Raw and Snap are kept for the shard: the string encoding Redis
	// reports, and the snapshot parity.
	Raw  Flag = 0x04
	Snap Flag = 0x08
)

const (
	kindMask  = 0x03
	hdrSize   = 10
	minSize   = 4 // smallest bucket array, as in Redis
	emptyStep = 10
)

// Value is what Put stores: Kind says which of Str, Int and Val it is.
type Value[V any] struct {
	Kind  Kind
	Str   []byte
	Int   int64
	Val   V
	Flags Flag
	LRU   uint32
}

// Table maps keys to values.
type Table[V any] struct {
	buckets [2][]Ref
	used    [2]int
	// rehashIdx is the next bucket of buckets[0] to migrate, or -1.
	rehashIdx int
	// pauses counts iterations in progress: no bucket migrates under one.
	pauses int
	seed   maphash.Seed
	a      arena
	vals   []V
	// freeVals are unused indexes of vals.
	freeVals []uint32
}

// New returns an empty Table.
func New[V any]() *Table[V] {
	return &Table[V]{rehashIdx: -1, seed: maphash.MakeSeed(), a: newArena()}
}

// Len returns the number of keys.
func (t *Table[V]) Len() int { return t.used[0] + t.used[1] }

// Find returns key's record, or 0.
func (t *Table[V]) Find(key []byte) Ref {
	t.rehashStep()
	r, _, _ := t.locate(maphash.Bytes(t.seed, key), key)
	return r
}

// Key returns r's key.
func (t *Table[V]) Key(r Ref) []byte {
	p, s, n := t.key(r)
	return p[s : s+n : s+n]
}

// key returns the page of record r, and where its key starts and how long
// it is, without looking the size class up.
func (t *Table[V]) key(r Ref) (page []byte, start, n int) {
	p, off := t.a.pages[r.page()], r.off()
	k, w := binary.Uvarint(p[off+hdrSize:])
	return p, off + hdrSize + w, int(k)
}

// Kind returns how r holds its value.
func (t *Table[V]) Kind(r Ref) Kind { return Kind(t.a.header(r)[8] & kindMask) }

// value returns the bytes of r's page from the end of its key: the value
// and, for a record in a shared page, whatever follows it, so that callers
// slice by the value's own length.
func (t *Table[V]) value(r Ref) []byte {
	p, s, n := t.key(r)
	return p[s+n:]
}

// Str returns the string of a Str record.
func (t *Table[V]) Str(r Ref) []byte {
	v := t.value(r)
	n, w := binary.Uvarint(v)
	return v[w : w+int(n)]
}

// Int returns the integer of an Int record.
func (t *Table[V]) Int(r Ref) int64 { return int64(binary.LittleEndian.Uint64(t.value(r))) }

// SetInt replaces the integer of Int record r in place.
func (t *Table[V]) SetInt(r Ref, n int64) { binary.LittleEndian.PutUint64(t.value(r), uint64(n)) }

// Val returns the value of a Val record.
func (t *Table[V]) Val(r Ref) V { return t.vals[binary.LittleEndian.Uint32(t.value(r))] }

// LRU returns r's clock field.
func (t *Table[V]) LRU(r Ref) uint32 { return binary.LittleEndian.Uint32(t.a.header(r)[4:]) }

// SetLRU sets r's clock field.
func (t *Table[V]) SetLRU(r Ref, v uint32) { binary.LittleEndian.PutUint32(t.a.header(r)[4:], v) }

// Flags returns r's flags.
func (t *Table[V]) Flags(r Ref) Flag { return Flag(t.a.header(r)[8]) &^ kindMask }

// SetFlag sets or clears f on r.
func (t *Table[V]) SetFlag(r Ref, f Flag, on bool) {
	b := t.a.header(r)
	if on {
		b[8] |= byte(f)
	} else {
		b[8] &^= byte(f)
	}
}

// Size returns the bytes r's slot takes.
func (t *Table[V]) Size(r Ref) int { return len(t.a.record(r)) }

// RecordSize returns the slot size a record of key and v would take.
func RecordSize[V any](key []byte, v *Value[V]) int {
	n := recordLen(len(key), v)
	if cls := classOf(n); cls != dedicated {
		return classSizes[cls]
	}
	return n
}

func recordLen[V any](key int, v *Value[V]) int {
	n := hdrSize + uvarintLen(key) + key
	switch v.Kind {
	case Str:
		n += uvarintLen(len(v.Str)) + len(v.Str)
	case Int:
		n += 8
	default:
		n += 4
	}
	return n
}

func uvarintLen(n int) int { return (bits.Len64(uint64(n)|1) + 6) / 7 }

// Put stores v under key, replacing any previous value, and returns the
// record and whether key was newly added. A replaced Val is forgotten: the
// caller reads what it needs of it first. The record is rewritten in place
// when the new value fits its slot and would not fit a smaller class.
func (t *Table[V]) Put(key []byte, v *Value[V]) (Ref, bool) {
	t.rehashStep()
	h := maphash.Bytes(t.seed, key)
	n := recordLen(len(key), v)
	if r, link, _ := t.locate(h, key); r != 0 {
		old := t.a.record(r)
		t.dropVal(r)
		if cls := classOf(n); cls == int(old[9]) && cls != dedicated {
			t.fill(old, key, v)
			return r, false
		}
		nr, b := t.a.alloc(n)
		t.fill(b, key, v)
		binary.LittleEndian.PutUint32(b, binary.LittleEndian.Uint32(old))
		t.setLink(link, nr)
		t.a.release(r)
		return nr, false
	}
	t.growIfNeeded()
	// During a resize new keys go straight to the new table, so the old
	// one only ever drains.
	k := 0
	if t.rehashing() {
		k = 1
	}
	r, b := t.a.alloc(n)
	t.fill(b, key, v)
	tab := t.buckets[k]
	i := h & uint64(len(tab)-1)
	binary.LittleEndian.PutUint32(b, uint32(tab[i]))
	tab[i] = r
	t.used[k]++
	return r, true
}

// Replace stores v in record r, the record of key, and returns the record
// now holding key: r itself when v fits r's size class, which spares
// looking key up again, or a new one.
func (t *Table[V]) Replace(r Ref, key []byte, v *Value[V]) Ref {
	b := t.a.record(r)
	if cls := classOf(recordLen(len(key), v)); cls == int(b[9]) && cls != dedicated {
		t.dropVal(r)
		t.fill(b, key, v)
		return r
	}
	r, _ = t.Put(key, v)
	return r
}

// fill writes key and v into slot b, keeping its chain link and class.
func (t *Table[V]) fill(b []byte, key []byte, v *Value[V]) {
	binary.LittleEndian.PutUint32(b[4:], v.LRU)
	b[8] = byte(v.Kind) | byte(v.Flags&^kindMask)
	p := hdrSize + binary.PutUvarint(b[hdrSize:], uint64(len(key)))
	p += copy(b[p:], key)
	switch v.Kind {
	case Str:
		p += binary.PutUvarint(b[p:], uint64(len(v.Str)))
		copy(b[p:], v.Str)
	case Int:
		binary.LittleEndian.PutUint64(b[p:], uint64(v.Int))
	case Val:
		var i uint32
		if k := len(t.freeVals); k > 0 {
			i = t.freeVals[k-1]
			t.freeVals = t.freeVals[:k-1]
			t.vals[i] = v.Val
		} else {
			i = uint32(len(t.vals))
			t.vals = append(t.vals, v.Val)
		}
		binary.LittleEndian.PutUint32(b[p:], i)
	default:
		panic("keytab: value of no kind")
	}
}

// dropVal releases r's side-slice entry, if it has one.
func (t *Table[V]) dropVal(r Ref) {
	if t.Kind(r) != Val {
		return
	}
	i := binary.LittleEndian.Uint32(t.value(r))
	var zero V
	t.vals[i] = zero
	t.freeVals = append(t.freeVals, i)
}

// Delete removes key and reports whether it was present.
func (t *Table[V]) Delete(key []byte) bool {
	t.rehashStep()
	r, link, k := t.locate(maphash.Bytes(t.seed, key), key)
	if r == 0 {
		return false
	}
	t.setLink(link, t.next(r))
	t.dropVal(r)
	t.a.release(r)
	t.used[k]--
	t.shrinkIfNeeded()
	return true
}

// Clear removes every key, dropping the pages whole. Called from an
// iteration's callback, it keeps the iteration's pause, and the callback
// must then stop it.
func (t *Table[V]) Clear() {
	pauses := t.pauses
	*t = *New[V]()
	t.pauses = pauses
}

// Bytes returns what the table holds: pages (free slots included), bucket
// arrays and the side slice's own array.
func (t *Table[V]) Bytes() int64 {
	var v V
	return t.a.held() + int64(4*(cap(t.buckets[0])+cap(t.buckets[1]))) + int64(cap(t.vals))*int64(sizeOf(v))
}

// Pages returns how many pages the table holds, of MaxPages at most.
func (t *Table[V]) Pages() int { return len(t.a.pages) }

// RecordBytes returns what the live records take.
func (t *Table[V]) RecordBytes() int64 { return t.a.bytes }

func (t *Table[V]) next(r Ref) Ref { return Ref(binary.LittleEndian.Uint32(t.a.header(r))) }

// link names where a Ref is stored: a bucket (rec 0) or a record's next
// field.
type link struct {
	tab  int
	i    uint64
	prev Ref
}

func (t *Table[V]) setLink(l link, r Ref) {
	if l.prev == 0 {
		t.buckets[l.tab][l.i] = r
		return
	}
	binary.LittleEndian.PutUint32(t.a.header(l.prev), uint32(r))
}

// locate returns key's record, the link pointing to it and its table; the
// record is 0 if key is absent.
func (t *Table[V]) locate(h uint64, key []byte) (Ref, link, int) {
	for k := range 2 {
		tab := t.buckets[k]
		if len(tab) == 0 {
			break
		}
		i := h & uint64(len(tab)-1)
		// Buckets already migrated are empty: skip loading them.
		if k == 1 || int(i) >= t.rehashIdx {
			var prev Ref
			for r := tab[i]; r != 0; prev, r = r, t.next(r) {
				if string(t.Key(r)) == string(key) {
					return r, link{tab: k, i: i, prev: prev}, k
				}
			}
		}
		if !t.rehashing() {
			break
		}
	}
	return 0, link{}, 0
}

func tableSize(n int) int {
	if n <= minSize {
		return minSize
	}
	return 1 << bits.Len(uint(n-1))
}
