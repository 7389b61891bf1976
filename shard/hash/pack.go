package hash

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// The small form packs fields and values into one byte slice, Redis's
// listpack in spirit: no allocation per entry and a linear walk over at most
// MaxListpackEntries pairs. The first packHeader bytes hold the number of
// pairs, little-endian; the entries follow in insertion order, each field
// directly followed by its value.
//
// An entry is a tag byte and its payload:
//
//	0x00..0x40  a string of that many bytes follows
//	0x41..0x7f  the integer tag-0x41 (0..62), no payload
//	0x81..0x88  an integer in the tag&0x0f bytes that follow, little-endian
//	            two's complement, as few bytes as the value needs
//
// Strings that Redis's string2ll accepts (canonical decimal integers within
// int64) are always stored as integers, which they turn back into byte for
// byte, and every string has exactly one encoding. So two entries hold the
// same string exactly when their bytes are equal, and a lookup compares
// encoded bytes without decoding anything. Integers are the point: counters
// and ids cost one to four bytes instead of their digits.
const (
	packHeader = 2
	tagImm     = 0x41
	immMax     = 0x7f - tagImm
	tagInt     = 0x80
	// maxEntry is the size of the longest entry: a tag and a string of
	// MaxListpackValue bytes.
	maxEntry = 1 + MaxListpackValue
)

// packLen is the number of pairs in p.
func packLen(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	return int(binary.LittleEndian.Uint16(p))
}

func setPackLen(p []byte, n int) { binary.LittleEndian.PutUint16(p, uint16(n)) }

// encode appends the entry for s to dst. A string that is not an integer
// must be at most MaxListpackValue bytes long.
func encode(dst, s []byte) []byte {
	v, ok := parseInt(s)
	if !ok {
		dst = append(dst, byte(len(s)))
		return append(dst, s...)
	}
	if 0 <= v && v <= immMax {
		return append(dst, byte(tagImm+v))
	}
	n := 1
	for n < 8 && v<<(64-8*n)>>(64-8*n) != v {
		n++
	}
	dst = append(dst, byte(tagInt|n))
	for i := range n {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// entrySize is the size of the entry starting at p[off].
func entrySize(p []byte, off int) int {
	switch t := p[off]; {
	case t <= MaxListpackValue:
		return 1 + int(t)
	case t < tagInt:
		return 1
	default:
		return 1 + int(t&0x0f)
	}
}

// decode returns the string held by the entry at p[off]: a view of p for a
// string, or the integer's digits appended to buf[:0].
func decode(p []byte, off int, buf []byte) []byte {
	t := p[off]
	switch {
	case t <= MaxListpackValue:
		return p[off+1 : off+1+int(t)]
	case t < tagInt:
		return strconv.AppendInt(buf[:0], int64(t-tagImm), 10)
	}
	n := int(t & 0x0f)
	var u uint64
	for i := n - 1; i >= 0; i-- {
		u = u<<8 | uint64(p[off+1+i])
	}
	v := int64(u<<(64-8*n)) >> (64 - 8*n)
	return strconv.AppendInt(buf[:0], v, 10)
}

// parseInt is Redis's string2ll: it accepts exactly the canonical decimal
// form of an int64 (no sign but '-', no leading zeros, no "-0"), the
// strings that formatting an integer gives back unchanged.
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

// splice replaces p[from:to] with repl. It grows p to the allocator's size
// class for the new length rather than doubling it, as realloc does for a
// listpack, so that a hash costs what its entries need; a pack that shrank
// to under half its capacity is copied to a smaller one.
func splice(p []byte, from, to int, repl []byte) []byte {
	n := len(p) - (to - from) + len(repl)
	if n > cap(p) || (cap(p) > 64 && n < cap(p)/2) {
		q := slices.Grow([]byte(nil), n)[:n]
		copy(q, p[:from])
		copy(q[from:], repl)
		copy(q[from+len(repl):], p[to:])
		return q
	}
	tail := len(p) - to
	if n > len(p) {
		p = p[:n]
	}
	copy(p[from+len(repl):], p[to:to+tail])
	copy(p[from:], repl)
	return p[:n]
}
