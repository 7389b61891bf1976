package rdb

import (
	"errors"
	"math"
	"math/bits"
)

// LZF as liblzf (lzf_c.c, lzf_d.c) defines the stream: a control byte below
// 32 starts a run of ctrl+1 literal bytes; otherwise its top three bits are
// a match length minus 2 (7 means a length byte follows) and its low five
// bits with the next byte are the match distance minus 1.
const (
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3) // longest match: 7 + 255 + 2
	lzfHLog   = 14
	// lzfMaxRatio bounds how much a compressed byte may expand: a three-byte
	// long match yields at most 264 bytes. Claimed sizes beyond it are
	// rejected before allocating.
	lzfMaxRatio = lzfMaxRef/3 + 1
)

var errLZF = errors.New("corrupt LZF data")

// lzfDecompress expands in into exactly n bytes.
func lzfDecompress(in []byte, n int) ([]byte, error) {
	out := make([]byte, n)
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < lzfMaxLit {
			run := ctrl + 1
			if ip+run > len(in) || op+run > n {
				return nil, errLZF
			}
			copy(out[op:], in[ip:ip+run])
			ip += run
			op += run
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if ip >= len(in) {
				return nil, errLZF
			}
			length += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, errLZF
		}
		ref := op - (ctrl&0x1f)<<8 - int(in[ip]) - 1
		ip++
		length += 2
		if ref < 0 || op+length > n {
			return nil, errLZF
		}
		// Byte by byte: a match may overlap the bytes it produces.
		for i := 0; i < length; i++ {
			out[op+i] = out[ref+i]
		}
		op += length
	}
	if op != n {
		return nil, errLZF
	}
	return out, nil
}

// lzfCompressor holds the hash table of lzf_compress between calls.
type lzfCompressor struct {
	htab []int32 // position+1 of the last 3-byte sequence with each hash
}

// compress compresses in into dst[:0] with at most limit bytes and reports
// false when the result would not fit, as lzf_compress returns 0 (the
// returned buffer is then empty, for the caller to reuse). The table
// is sized to the input (up to 2^14 slots) so that short strings do not pay
// for clearing a large one.
func (z *lzfCompressor) compress(dst, in []byte, limit int) ([]byte, bool) {
	if len(in) == 0 || limit <= 0 || len(in) > math.MaxInt32 {
		return nil, false
	}
	hlog := min(max(bits.Len(uint(len(in))), 8), lzfHLog)
	if cap(z.htab) < 1<<hlog {
		z.htab = make([]int32, 1<<lzfHLog)
	}
	htab := z.htab[:1<<hlog]
	clear(htab)
	hash := func(p int) int {
		v := uint32(in[p])<<16 | uint32(in[p+1])<<8 | uint32(in[p+2])
		return int((v * 2654435761) >> (32 - hlog))
	}
	out := append(dst[:0], 0) // out[0] holds the first literal run's control byte
	lit := 0                  // bytes in the current literal run
	litAt := 0                // index of its control byte
	ip := 0
	emitLiteral := func(b byte) bool {
		if len(out) >= limit {
			return false
		}
		out = append(out, b)
		lit++
		if lit == lzfMaxLit {
			out[litAt] = lzfMaxLit - 1
			if len(out) >= limit {
				return false
			}
			litAt = len(out)
			out = append(out, 0)
			lit = 0
		}
		return true
	}
	for ip+2 < len(in) {
		h := hash(ip)
		ref := int(htab[h]) - 1
		htab[h] = int32(ip + 1)
		off := ip - ref - 1
		if ref < 0 || off >= lzfMaxOff || in[ref] != in[ip] || in[ref+1] != in[ip+1] || in[ref+2] != in[ip+2] {
			if !emitLiteral(in[ip]) {
				return out[:0], false
			}
			ip++
			continue
		}
		maxLen := min(len(in)-ip, lzfMaxRef)
		n := 3
		for n < maxLen && in[ref+n] == in[ip+n] {
			n++
		}
		// Close the literal run (dropping its control byte if empty), then
		// the match, then a fresh control byte: at most 4 bytes.
		if len(out)+4 > limit {
			return out[:0], false
		}
		if lit == 0 {
			out = out[:litAt]
		} else {
			out[litAt] = byte(lit - 1)
		}
		l := n - 2
		if l < 7 {
			out = append(out, byte(l<<5|off>>8))
		} else {
			out = append(out, byte(7<<5|off>>8), byte(l-7))
		}
		out = append(out, byte(off))
		litAt = len(out)
		out = append(out, 0)
		lit = 0
		ip += n
		// Index the last two positions of the match so that repeats
		// starting inside it are found.
		for p := ip - 2; p < ip && p+2 < len(in); p++ {
			htab[hash(p)] = int32(p + 1)
		}
	}
	for ; ip < len(in); ip++ {
		if !emitLiteral(in[ip]) {
			return out[:0], false
		}
	}
	if lit == 0 {
		out = out[:litAt]
	} else {
		out[litAt] = byte(lit - 1)
	}
	return out, len(out) > 0
}
