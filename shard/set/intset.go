package set

import (
	"encoding/binary"
	"math"
	"slices"
)

// The intset form is Redis's intset: the members as integers of one width,
// sorted, in one byte slice, so membership is a binary search and a set of
// small numbers costs two bytes a member. ints is empty or starts with the
// width (2, 4 or 8 bytes), followed by the members little-endian. Adding a
// member that needs more room widens every member, as Redis's
// intsetUpgradeAndAdd does; removing never narrows.

// intsLen is the number of members of p.
func intsLen(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	return (len(p) - 1) / int(p[0])
}

// intsAt returns member i of p.
func intsAt(p []byte, i int) int64 {
	w := int(p[0])
	b := p[1+i*w:]
	switch w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	}
	return int64(binary.LittleEndian.Uint64(b))
}

// intsPut writes v at member position i of p, in width w.
func intsPut(p []byte, w, i int, v int64) {
	b := p[1+i*w:]
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, uint64(v))
	}
}

// widthOf is the width v needs.
func widthOf(v int64) int {
	switch {
	case math.MinInt16 <= v && v <= math.MaxInt16:
		return 2
	case math.MinInt32 <= v && v <= math.MaxInt32:
		return 4
	}
	return 8
}

// intsSearch returns v's position in p, or where it would go.
func intsSearch(p []byte, v int64) (int, bool) {
	if len(p) == 0 || widthOf(v) > int(p[0]) {
		// Too wide for the set: smaller than every member or larger.
		if v < 0 {
			return 0, false
		}
		return intsLen(p), false
	}
	lo, hi := 0, intsLen(p)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch m := intsAt(p, mid); {
		case m == v:
			return mid, true
		case m < v:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return lo, false
}

// intsInsert inserts v at position i of p, widening p first if v needs it.
// The result is allocated to the allocator's size class for its length,
// not doubled, as realloc sizes an intset.
func intsInsert(p []byte, i int, v int64) []byte {
	n := intsLen(p)
	w := widthOf(v)
	if len(p) > 0 && int(p[0]) >= w && len(p)+int(p[0]) <= cap(p) {
		w = int(p[0])
		p = p[:len(p)+w]
		copy(p[1+(i+1)*w:], p[1+i*w:len(p)-w])
		intsPut(p, w, i, v)
		return p
	}
	if len(p) > 0 {
		w = max(w, int(p[0]))
	}
	q := slices.Grow([]byte(nil), 1+(n+1)*w)[:1+(n+1)*w]
	q[0] = byte(w)
	for j := range n {
		k := j
		if j >= i {
			k++
		}
		intsPut(q, w, k, intsAt(p, j))
	}
	intsPut(q, w, i, v)
	return q
}

// intsRemove removes member i of p; an emptied p becomes nil.
func intsRemove(p []byte, i int) []byte {
	if intsLen(p) == 1 {
		return nil
	}
	w := int(p[0])
	copy(p[1+i*w:], p[1+(i+1)*w:])
	return p[:len(p)-w]
}

// parseInt is Redis's string2ll, which decides what an intset may hold: it
// accepts exactly the canonical decimal form of an int64 (no sign but '-',
// no leading zeros, no "-0").
func parseInt(s []byte) (int64, bool) {
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		u = u*10 + uint64(ch-'0') // 19 digits cannot overflow a uint64
	}
	if len(d) < len(s) {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}
