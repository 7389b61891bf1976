package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// A listpack (listpack.c) is a 6-byte header (total bytes uint32 LE, element
// count uint16 LE, 65535 meaning "count them"), the elements, and 0xFF. Each
// element is an encoding byte, its data, and a back length: the size of
// encoding plus data in 7-bit groups, readable from right to left.
const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
	lpUnknownLen = 65535
)

// lpElem is one decoded listpack or ziplist element: a string aliasing the
// blob, or an integer.
type lpElem struct {
	s     []byte
	v     int64
	isInt bool
}

// bytes returns the element as Redis shows it: integers in decimal.
func (e lpElem) bytes() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.v, 10)
	}
	return e.s
}

// int returns the element as an integer, parsing strings as Redis's
// lpGetInteger does.
func (e lpElem) int() (int64, bool) {
	if e.isInt {
		return e.v, true
	}
	return parseInt(e.s)
}

// decodeListpack validates a listpack and returns its elements.
func decodeListpack(b []byte) ([]lpElem, error) {
	if len(b) < lpHeaderSize+1 {
		return nil, fmt.Errorf("listpack of %d bytes is too short", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); uint64(total) != uint64(len(b)) {
		return nil, fmt.Errorf("listpack header says %d bytes, blob has %d", total, len(b))
	}
	count := int(binary.LittleEndian.Uint16(b[4:]))
	if b[len(b)-1] != lpEOF {
		return nil, fmt.Errorf("listpack does not end with 0xFF")
	}
	// Every element takes at least two bytes: the bound caps the allocation.
	capHint := (len(b) - lpHeaderSize - 1) / 2
	if count != lpUnknownLen {
		capHint = min(capHint, count)
	}
	elems := make([]lpElem, 0, capHint)
	p := lpHeaderSize
	end := len(b) - 1
	for p < end {
		e, n, err := lpDecodeElem(b[p:end])
		if err != nil {
			return nil, fmt.Errorf("listpack byte %d: %w", p, err)
		}
		blLen := lpCheckBacklen(b[p+n:end], n)
		if blLen == 0 {
			return nil, fmt.Errorf("listpack byte %d: bad back length", p)
		}
		elems = append(elems, e)
		p += n + blLen
	}
	if count != lpUnknownLen && count != len(elems) {
		return nil, fmt.Errorf("listpack header says %d elements, found %d", count, len(elems))
	}
	return elems, nil
}

// lpDecodeElem decodes the element at the start of b (not including its back
// length) and returns its size.
func lpDecodeElem(b []byte) (lpElem, int, error) {
	c := b[0]
	var n, hdr int
	switch {
	case c&0x80 == 0: // 0xxxxxxx: 7-bit unsigned
		return lpElem{v: int64(c), isInt: true}, 1, nil
	case c&0xC0 == 0x80: // 10xxxxxx: string up to 63 bytes
		n, hdr = int(c&0x3F), 1
	case c&0xE0 == 0xC0: // 110xxxxx yyyyyyyy: 13-bit signed
		if len(b) < 2 {
			return lpElem{}, 0, errTruncatedElem
		}
		return lpElem{v: signExtend(uint64(c&0x1F)<<8|uint64(b[1]), 13), isInt: true}, 2, nil
	case c&0xF0 == 0xE0: // 1110xxxx yyyyyyyy: string up to 4095 bytes
		if len(b) < 2 {
			return lpElem{}, 0, errTruncatedElem
		}
		n, hdr = int(c&0x0F)<<8|int(b[1]), 2
	case c == 0xF0: // 32-bit string length
		if len(b) < 5 {
			return lpElem{}, 0, errTruncatedElem
		}
		l := binary.LittleEndian.Uint32(b[1:])
		if uint64(l) > uint64(len(b)) {
			return lpElem{}, 0, errTruncatedElem
		}
		n, hdr = int(l), 5
	case c >= 0xF1 && c <= 0xF4: // 16, 24, 32, 64-bit signed
		size := [...]int{2, 3, 4, 8}[c-0xF1]
		if len(b) < 1+size {
			return lpElem{}, 0, errTruncatedElem
		}
		var u uint64
		for i := size; i >= 1; i-- {
			u = u<<8 | uint64(b[i])
		}
		return lpElem{v: signExtend(u, uint(size*8)), isInt: true}, 1 + size, nil
	default:
		return lpElem{}, 0, fmt.Errorf("invalid encoding byte 0x%02x", c)
	}
	if hdr+n > len(b) {
		return lpElem{}, 0, errTruncatedElem
	}
	return lpElem{s: b[hdr : hdr+n : hdr+n]}, hdr + n, nil
}

var errTruncatedElem = fmt.Errorf("element runs past the end")

// signExtend interprets the low bits of u as a two's complement integer.
func signExtend(u uint64, bits uint) int64 {
	shift := 64 - bits
	return int64(u<<shift) >> shift
}

// lpCheckBacklen returns the size of the back length at the start of b if it
// is the one lpEncodeBacklen writes for an element of n bytes, else 0.
func lpCheckBacklen(b []byte, n int) int {
	var buf [5]byte
	want := lpAppendBacklen(buf[:0], uint64(n))
	if !bytes.HasPrefix(b, want) {
		return 0
	}
	return len(want)
}

// lpAppendBacklen appends l in 7-bit groups, most significant first; every
// byte but the first has its top bit set, so a reader going right to left
// knows where it ends.
func lpAppendBacklen(dst []byte, l uint64) []byte {
	size := lpBacklenSize(l)
	for i := size - 1; i >= 0; i-- {
		c := byte(l>>(7*uint(i))) & 0x7F
		if i != size-1 {
			c |= 0x80
		}
		dst = append(dst, c)
	}
	return dst
}

func lpBacklenSize(l uint64) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	default:
		return 5
	}
}

// listpackWriter builds a listpack the way lpAppend does: strings that are
// canonical integers are stored as integers.
type listpackWriter struct {
	b     []byte
	count int
}

func newListpackWriter() *listpackWriter {
	return &listpackWriter{b: make([]byte, lpHeaderSize, 64)}
}

// size is the listpack's size were it finished now.
func (w *listpackWriter) size() int { return len(w.b) + 1 }

// elemSize is what appending s would add.
func lpElemSize(s []byte) int {
	if v, ok := parseInt(s); ok {
		n := lpIntSize(v)
		return n + lpBacklenSize(uint64(n))
	}
	n := lpStrHeader(len(s)) + len(s)
	return n + lpBacklenSize(uint64(n))
}

func lpStrHeader(n int) int {
	switch {
	case n < 64:
		return 1
	case n < 4096:
		return 2
	default:
		return 5
	}
}

func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= -1<<23 && v < 1<<23:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	default:
		return 9
	}
}

func (w *listpackWriter) appendBytes(s []byte) {
	if v, ok := parseInt(s); ok {
		w.appendInt(v)
		return
	}
	start := len(w.b)
	switch n := len(s); {
	case n < 64:
		w.b = append(w.b, 0x80|byte(n))
	case n < 4096:
		w.b = append(w.b, 0xE0|byte(n>>8), byte(n))
	default:
		w.b = append(w.b, 0xF0)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(n))
	}
	w.b = append(w.b, s...)
	w.appendBacklen(len(w.b) - start)
}

func (w *listpackWriter) appendInt(v int64) {
	start := len(w.b)
	u := uint64(v)
	switch lpIntSize(v) {
	case 1:
		w.b = append(w.b, byte(v))
	case 2:
		w.b = append(w.b, 0xC0|byte(u>>8)&0x1F, byte(u))
	case 3:
		w.b = append(w.b, 0xF1, byte(u), byte(u>>8))
	case 4:
		w.b = append(w.b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case 5:
		w.b = append(w.b, 0xF3)
		w.b = binary.LittleEndian.AppendUint32(w.b, uint32(u))
	default:
		w.b = append(w.b, 0xF4)
		w.b = binary.LittleEndian.AppendUint64(w.b, u)
	}
	w.appendBacklen(len(w.b) - start)
}

func (w *listpackWriter) appendBacklen(n int) {
	w.b = lpAppendBacklen(w.b, uint64(n))
	w.count++
}

// finish writes the header and terminator and returns the listpack.
func (w *listpackWriter) finish() []byte {
	w.b = append(w.b, lpEOF)
	binary.LittleEndian.PutUint32(w.b, uint32(len(w.b)))
	binary.LittleEndian.PutUint16(w.b[4:], uint16(min(w.count, lpUnknownLen)))
	return w.b
}

// parseInt is Redis's string2ll: a canonical decimal int64 (no sign but a
// leading '-', no leading zeros, no "-0", at most 20 bytes).
func parseInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
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
