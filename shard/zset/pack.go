package zset

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// The small form packs its elements in order into one byte slice, Redis's
// listpack in spirit: no per-element allocation, and every operation is a
// linear walk over at most MaxListpackEntries elements. An element is
//
//	[n][member: n bytes][score: 8 bytes, IEEE 754 little-endian][n]
//
// where n < 256 (members longer than MaxListpackValue never enter the small
// form); the trailing copy of n lets the pack be walked backwards.
const packOverhead = 1 + 8 + 1

// packSize is the size of the element holding member.
func packSize(member []byte) int { return len(member) + packOverhead }

// packAt decodes the element starting at off and returns the offset of the
// next one. member aliases p.
func packAt(p []byte, off int) (member []byte, score float64, next int) {
	n := int(p[off])
	member = p[off+1 : off+1+n]
	score = math.Float64frombits(binary.LittleEndian.Uint64(p[off+1+n:]))
	return member, score, off + n + packOverhead
}

// packPrev returns the offset of the element that ends at end.
func packPrev(p []byte, end int) int {
	return end - int(p[end-1]) - packOverhead
}

// packPut writes an element at the start of dst, which has room for it.
// Like Redis, which writes listpack scores as text and spells -0 "0", it
// stores a negative zero as zero.
func packPut(dst []byte, member []byte, score float64) {
	if score == 0 {
		score = 0
	}
	n := len(member)
	dst[0] = byte(n)
	copy(dst[1:], member)
	binary.LittleEndian.PutUint64(dst[1+n:], math.Float64bits(score))
	dst[n+9] = byte(n)
}

// packInsert inserts an element at offset off.
func packInsert(p []byte, off int, member []byte, score float64) []byte {
	size := packSize(member)
	p = append(p, make([]byte, size)...)
	copy(p[off+size:], p[off:len(p)-size])
	packPut(p[off:], member, score)
	return p
}

// packCut removes the bytes [from, to), releasing the excess capacity of a
// pack that shrank a lot so that a set that was large does not keep its
// peak size.
func packCut(p []byte, from, to int) []byte {
	p = append(p[:from], p[to:]...)
	if cap(p) > 64 && len(p) < cap(p)/4 {
		p = append([]byte(nil), p...)
	}
	return p
}

// packOffset returns the offset of the element of rank r (r may be the
// number of elements: the end of the pack).
func packOffset(p []byte, r int) int {
	off := 0
	for ; r > 0; r-- {
		off += int(p[off]) + packOverhead
	}
	return off
}

// str views b as a string without copying, for comparisons that do not
// keep it.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
