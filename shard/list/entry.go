package list

import (
	"encoding/binary"
	"math"
	"strconv"
)

// An entry is a header, a payload and a back-length, laid out as in Redis's
// listpack so that a node can be walked in both directions without any
// per-entry index:
//
//	0xxxxxxx                 integer 0..127, no payload
//	10llllll                 string of 0..63 bytes
//	110xxxxx xxxxxxxx        13-bit signed integer
//	1110llll llllllll        string of 64..4095 bytes
//	11110000 + 4-byte length string of any other length
//	11110001 .. 11110100     16, 24, 32 and 64-bit signed integer
//
// The back-length is the size of header and payload, written so that it can
// be read right to left: its last byte holds the low 7 bits and a set high
// bit means more bytes follow to the left.
//
// A value is stored as an integer only when it is the canonical decimal form
// of that integer (what Redis's string2ll accepts), so that printing the
// integer gives back the exact bytes that were stored.
const (
	encStr6  = 0x80
	encInt13 = 0xC0
	encStr12 = 0xE0
	encStr32 = 0xF0
	encInt16 = 0xF1
	encInt24 = 0xF2
	encInt32 = 0xF3
	encInt64 = 0xF4
)

// enc is a value's chosen encoding.
type enc struct {
	isInt bool
	iv    int64
	n     int // header and payload bytes
}

// total is the entry's size including its back-length.
func (e enc) total() int { return e.n + backlenSize(e.n) }

func encode(v []byte) enc {
	if iv, ok := parseInt(v); ok {
		e := enc{isInt: true, iv: iv}
		switch {
		case iv >= 0 && iv <= 127:
			e.n = 1
		case iv >= -4096 && iv <= 4095:
			e.n = 2
		case iv >= math.MinInt16 && iv <= math.MaxInt16:
			e.n = 3
		case iv >= -1<<23 && iv < 1<<23:
			e.n = 4
		case iv >= math.MinInt32 && iv <= math.MaxInt32:
			e.n = 5
		default:
			e.n = 9
		}
		return e
	}
	switch l := len(v); {
	case l <= 63:
		return enc{n: 1 + l}
	case l <= 4095:
		return enc{n: 2 + l}
	default:
		return enc{n: 5 + l}
	}
}

func backlenSize(n int) int {
	switch {
	case n < 1<<7:
		return 1
	case n < 1<<14:
		return 2
	case n < 1<<21:
		return 3
	case n < 1<<28:
		return 4
	}
	return 5
}

// write stores the entry for v, encoded as e, in dst, which is exactly
// e.total() bytes long.
func (e enc) write(dst, v []byte) {
	if e.isInt {
		x := e.iv
		switch e.n {
		case 1:
			dst[0] = byte(x)
		case 2:
			u := uint16(x) & 0x1FFF
			dst[0], dst[1] = encInt13|byte(u>>8), byte(u)
		case 3:
			dst[0] = encInt16
			binary.LittleEndian.PutUint16(dst[1:], uint16(x))
		case 4:
			u := uint32(x)
			dst[0], dst[1], dst[2], dst[3] = encInt24, byte(u), byte(u>>8), byte(u>>16)
		case 5:
			dst[0] = encInt32
			binary.LittleEndian.PutUint32(dst[1:], uint32(x))
		default:
			dst[0] = encInt64
			binary.LittleEndian.PutUint64(dst[1:], uint64(x))
		}
	} else {
		l := len(v)
		switch {
		case l <= 63:
			dst[0] = encStr6 | byte(l)
			copy(dst[1:], v)
		case l <= 4095:
			dst[0], dst[1] = encStr12|byte(l>>8), byte(l)
			copy(dst[2:], v)
		default:
			dst[0] = encStr32
			binary.LittleEndian.PutUint32(dst[1:], uint32(l))
			copy(dst[5:], v)
		}
	}
	n := e.n
	for i := len(dst) - 1; i >= e.n; i-- {
		b := byte(n & 0x7F)
		n >>= 7
		if n > 0 {
			b |= 0x80
		}
		dst[i] = b
	}
}

// value is a decoded entry: either the string s or the integer iv. s aliases
// the node's memory.
type value struct {
	s     []byte
	iv    int64
	isInt bool
}

// read decodes the entry that starts at b[p] and returns the offset just
// past it.
func read(b []byte, p int) (value, int) {
	h := b[p]
	var v value
	var n int
	switch {
	case h < encStr6:
		v, n = value{iv: int64(h), isInt: true}, 1
	case h < encInt13:
		l := int(h & 0x3F)
		v, n = value{s: b[p+1 : p+1+l]}, 1+l
	case h < encStr12:
		u := uint16(h&0x1F)<<8 | uint16(b[p+1])
		// Sign-extend the 13-bit value.
		v, n = value{iv: int64(int16(u<<3) >> 3), isInt: true}, 2
	case h < encStr32:
		l := int(h&0x0F)<<8 | int(b[p+1])
		v, n = value{s: b[p+2 : p+2+l]}, 2+l
	case h == encStr32:
		l := int(binary.LittleEndian.Uint32(b[p+1:]))
		v, n = value{s: b[p+5 : p+5+l]}, 5+l
	case h == encInt16:
		v, n = value{iv: int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), isInt: true}, 3
	case h == encInt24:
		u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
		v, n = value{iv: int64(int32(u<<8) >> 8), isInt: true}, 4
	case h == encInt32:
		v, n = value{iv: int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), isInt: true}, 5
	case h == encInt64:
		v, n = value{iv: int64(binary.LittleEndian.Uint64(b[p+1:])), isInt: true}, 9
	default:
		panic("BUG: list: bad entry header " + strconv.Itoa(int(h)))
	}
	return v, p + n + backlenSize(n)
}

// prev returns the start of the entry that ends just before b[end].
func prev(b []byte, end int) int {
	n, shift := 0, 0
	p := end - 1
	for {
		c := b[p]
		n |= int(c&0x7F) << shift
		if c&0x80 == 0 {
			break
		}
		p--
		shift += 7
	}
	return end - backlenSize(n) - n
}

// skip returns the offset just past the entry that starts at b[p], without
// decoding its value.
func skip(b []byte, p int) int {
	_, next := read(b, p)
	return next
}

// appendTo appends the value's bytes to dst.
func (v value) appendTo(dst []byte) []byte {
	if v.isInt {
		return strconv.AppendInt(dst, v.iv, 10)
	}
	return append(dst, v.s...)
}

// bytes returns the value's bytes, using scratch for an integer's digits.
func (v value) bytes(scratch *[20]byte) []byte {
	if v.isInt {
		return strconv.AppendInt(scratch[:0], v.iv, 10)
	}
	return v.s
}

// matcher compares entries with one value without printing integers.
type matcher struct {
	v     []byte
	iv    int64
	isInt bool
}

func newMatcher(v []byte) matcher {
	iv, ok := parseInt(v)
	return matcher{v: v, iv: iv, isInt: ok}
}

// eq reports whether the entry equals the value. A canonical integer is
// always stored as an integer, so an integer entry can only equal a
// canonical integer and a string entry never does.
func (m *matcher) eq(e value) bool {
	if e.isInt {
		return m.isInt && m.iv == e.iv
	}
	return !m.isInt && string(e.s) == string(m.v)
}

// match reports whether the entry at b[p] equals the value, and returns the
// offset just past the entry. Short strings, the common case, are compared
// in place without decoding a value.
func (m *matcher) match(b []byte, p int) (bool, int) {
	if h := b[p]; h >= encStr6 && h < encInt13 {
		n := 1 + int(h&0x3F)
		return !m.isInt && string(b[p+1:p+n]) == string(m.v), p + n + backlenSize(n)
	}
	e, next := read(b, p)
	return m.eq(e), next
}

// parseInt parses b as Redis's string2ll: an optional '-', decimal digits,
// no leading zeros, no '+', within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' || v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
