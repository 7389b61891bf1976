package rdb

import (
	"encoding/binary"
	"fmt"
)

// The pre-7.0 compact encodings: ziplist (ziplist.c), intset (intset.c) and
// zipmap (zipmap.c). Redis 7.0 converts them to listpacks on load and never
// writes them, so only the Reader needs them.

const (
	zlHeaderSize = 10 // zlbytes uint32, zltail uint32, zllen uint16 (all LE)
	zlEnd        = 0xFF
	zlBigPrevlen = 254
)

// decodeZiplist validates a ziplist and returns its elements.
func decodeZiplist(b []byte) ([]lpElem, error) {
	if len(b) < zlHeaderSize+1 {
		return nil, fmt.Errorf("ziplist of %d bytes is too short", len(b))
	}
	if total := binary.LittleEndian.Uint32(b); uint64(total) != uint64(len(b)) {
		return nil, fmt.Errorf("ziplist header says %d bytes, blob has %d", total, len(b))
	}
	tail := int64(binary.LittleEndian.Uint32(b[4:]))
	count := int(binary.LittleEndian.Uint16(b[8:]))
	if b[len(b)-1] != zlEnd {
		return nil, fmt.Errorf("ziplist does not end with 0xFF")
	}
	capHint := (len(b) - zlHeaderSize - 1) / 2 // an entry takes at least two bytes
	if count != 0xFFFF {
		capHint = min(capHint, count)
	}
	elems := make([]lpElem, 0, capHint)
	p, prev, last := zlHeaderSize, 0, zlHeaderSize
	end := len(b) - 1
	for p < end {
		e, n, prevlen, err := zlDecodeEntry(b[p:end])
		if err != nil {
			return nil, fmt.Errorf("ziplist byte %d: %w", p, err)
		}
		if prevlen != prev {
			return nil, fmt.Errorf("ziplist byte %d: previous entry length %d, want %d", p, prevlen, prev)
		}
		elems = append(elems, e)
		last, prev = p, n
		p += n
	}
	if int64(last) != tail {
		return nil, fmt.Errorf("ziplist tail offset %d, last entry at %d", tail, last)
	}
	if count != 0xFFFF && count != len(elems) {
		return nil, fmt.Errorf("ziplist header says %d entries, found %d", count, len(elems))
	}
	return elems, nil
}

// zlDecodeEntry decodes the entry at the start of b and returns it, its
// total size and its prevlen field.
func zlDecodeEntry(b []byte) (lpElem, int, int, error) {
	var prevlen, p int
	switch {
	case b[0] < zlBigPrevlen:
		prevlen, p = int(b[0]), 1
	case b[0] == zlBigPrevlen && len(b) >= 5:
		prevlen, p = int(binary.LittleEndian.Uint32(b[1:])), 5
	default:
		return lpElem{}, 0, 0, errTruncatedElem
	}
	if p >= len(b) {
		return lpElem{}, 0, 0, errTruncatedElem
	}
	c := b[p]
	var n, hdr int
	switch c >> 6 {
	case 0:
		n, hdr = int(c&0x3F), 1
	case 1:
		if p+2 > len(b) {
			return lpElem{}, 0, 0, errTruncatedElem
		}
		n, hdr = int(c&0x3F)<<8|int(b[p+1]), 2
	case 2:
		if p+5 > len(b) {
			return lpElem{}, 0, 0, errTruncatedElem
		}
		l := binary.BigEndian.Uint32(b[p+1:])
		if uint64(l) > uint64(len(b)) {
			return lpElem{}, 0, 0, errTruncatedElem
		}
		n, hdr = int(l), 5
	default:
		var size int
		switch c {
		case 0xC0:
			size = 2
		case 0xD0:
			size = 4
		case 0xE0:
			size = 8
		case 0xF0:
			size = 3
		case 0xFE:
			size = 1
		default:
			if c >= 0xF1 && c <= 0xFD {
				return lpElem{v: int64(c&0x0F) - 1, isInt: true}, p + 1, prevlen, nil
			}
			return lpElem{}, 0, 0, fmt.Errorf("invalid encoding byte 0x%02x", c)
		}
		if p+1+size > len(b) {
			return lpElem{}, 0, 0, errTruncatedElem
		}
		var u uint64
		for i := size; i >= 1; i-- {
			u = u<<8 | uint64(b[p+i])
		}
		return lpElem{v: signExtend(u, uint(size*8)), isInt: true}, p + 1 + size, prevlen, nil
	}
	start := p + hdr
	if start+n > len(b) {
		return lpElem{}, 0, 0, errTruncatedElem
	}
	return lpElem{s: b[start : start+n : start+n]}, start + n, prevlen, nil
}

// decodeIntset validates an intset (encoding uint32, length uint32, then
// sorted little-endian integers of that width) and returns its members.
func decodeIntset(b []byte) ([]int64, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("intset of %d bytes is too short", len(b))
	}
	enc := binary.LittleEndian.Uint32(b)
	if enc != 2 && enc != 4 && enc != 8 {
		return nil, fmt.Errorf("intset encoding %d", enc)
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if 8+n*uint64(enc) != uint64(len(b)) {
		return nil, fmt.Errorf("intset of %d %d-byte integers in %d bytes", n, enc, len(b))
	}
	vals := make([]int64, n)
	for i := range vals {
		p := b[8+i*int(enc):]
		switch enc {
		case 2:
			vals[i] = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			vals[i] = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			vals[i] = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && vals[i] <= vals[i-1] {
			return nil, fmt.Errorf("intset is not sorted and unique at member %d", i)
		}
	}
	return vals, nil
}

// appendIntset appends the intset of sorted distinct vals in the narrowest
// encoding that holds them all.
func appendIntset(dst []byte, vals []int64) []byte {
	enc := 2
	for _, v := range vals {
		switch {
		case v < -1<<31 || v >= 1<<31:
			enc = 8
		case (v < -1<<15 || v >= 1<<15) && enc < 4:
			enc = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(enc))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vals)))
	for _, v := range vals {
		switch enc {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}

const (
	zmBigLen = 254
	zmEnd    = 0xFF
)

// decodeZipmap validates a zipmap (Redis before 2.6 stored small hashes so)
// and returns its field/value pairs. Layout: a count byte, then per pair
// a length, the field, a length, a free-space byte, the value and that many
// unused bytes; lengths are one byte below 254, else 254 and a uint32 LE.
func decodeZipmap(b []byte) ([][2][]byte, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("zipmap of %d bytes is too short", len(b))
	}
	count := int(b[0])
	var pairs [][2][]byte
	p := 1
	readLen := func() (int, bool) {
		if p >= len(b) {
			return 0, false
		}
		switch c := b[p]; {
		case c < zmBigLen:
			p++
			return int(c), true
		case c == zmBigLen && p+5 <= len(b):
			l := binary.LittleEndian.Uint32(b[p+1:])
			p += 5
			return int(l), uint64(l) <= uint64(len(b))
		}
		return 0, false
	}
	for {
		if p >= len(b) {
			return nil, fmt.Errorf("zipmap byte %d: missing terminator", p)
		}
		if b[p] == zmEnd {
			break
		}
		kl, ok := readLen()
		if !ok || p+kl > len(b) {
			return nil, fmt.Errorf("zipmap byte %d: bad field length", p)
		}
		k := b[p : p+kl : p+kl]
		p += kl
		vl, ok := readLen()
		if !ok || p >= len(b) {
			return nil, fmt.Errorf("zipmap byte %d: bad value length", p)
		}
		free := int(b[p])
		p++
		if p+vl+free > len(b) {
			return nil, fmt.Errorf("zipmap byte %d: value runs past the end", p)
		}
		pairs = append(pairs, [2][]byte{k, b[p : p+vl : p+vl]})
		p += vl + free
	}
	if p != len(b)-1 {
		return nil, fmt.Errorf("zipmap has %d bytes after its terminator", len(b)-1-p)
	}
	if count < zmBigLen && count != len(pairs) {
		return nil, fmt.Errorf("zipmap header says %d pairs, found %d", count, len(pairs))
	}
	return pairs, nil
}
