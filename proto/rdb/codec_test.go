package rdb

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestCRC64Jones(t *testing.T) {
	// The check value from Redis's crc64.c self test.
	if got := crc64Jones(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %016x, want e9c6d914c4b8d9ca", got)
	}
	// Feeding the bytes in two calls continues the same CRC.
	li := "This is a test of the emergency broadcast system."
	whole := crc64Jones(0, []byte(li))
	split := crc64Jones(crc64Jones(0, []byte(li[:10])), []byte(li[10:]))
	if whole != split {
		t.Fatalf("incremental crc %016x != whole %016x", split, whole)
	}
}

func TestLZF(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	f := func(name string, in []byte, wantCompressed bool) {
		t.Helper()
		var z lzfCompressor
		c, ok := z.compress(nil, in, len(in)-4)
		if ok != wantCompressed {
			t.Fatalf("%s: compressed=%v, want %v", name, ok, wantCompressed)
		}
		if !ok {
			return
		}
		if len(c) > len(in)-4 {
			t.Fatalf("%s: %d bytes compressed to %d, over the limit", name, len(in), len(c))
		}
		out, err := lzfDecompress(c, len(in))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("%s: round trip failed: %v", name, err)
		}
	}
	f("zeros", make([]byte, 100000), true)
	f("repeat", bytes.Repeat([]byte("abcdefghij"), 1000), true)
	f("text", []byte(stringsRepeatVaried(3000)), true)
	f("random", random, false)
	f("short match at end", []byte("xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzabc"), true)
	long := append(bytes.Repeat([]byte{'a'}, 300), random[:100]...)
	long = append(long, bytes.Repeat([]byte{'a'}, 300)...)
	f("long runs", long, true)

	// Hand-made stream: literal "ab", then a match of 4 at distance 2.
	got, err := lzfDecompress([]byte{0x01, 'a', 'b', 2 << 5, 0x01}, 6)
	if err != nil || string(got) != "ababab" {
		t.Fatalf("decompress = %q, %v", got, err)
	}
	for _, bad := range [][]byte{
		{0x05, 'a'},             // literal run past the input
		{0x20, 0x00},            // match before any output
		{0x00, 'a', 0xE0},       // long match without its length byte
		{0x00, 'a', 0xE0, 0xFF}, // long match without its offset byte
		{0x00, 'a', 0x20, 0x00}, // output longer than announced
	} {
		if _, err := lzfDecompress(bad, 2); err == nil {
			t.Errorf("lzfDecompress(%x) succeeded", bad)
		}
	}
	if _, err := lzfDecompress([]byte{0x00, 'a'}, 2); err == nil {
		t.Error("short output accepted")
	}
}

func stringsRepeatVaried(n int) string {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = append(b, "the quick brown fox "...)
		b = strconv.AppendInt(b, int64(i%17), 10)
	}
	return string(b)
}

func TestParseInt(t *testing.T) {
	f := func(s string, want int64, ok bool) {
		t.Helper()
		got, gotOK := parseInt([]byte(s))
		if gotOK != ok || (ok && got != want) {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", s, got, gotOK, want, ok)
		}
	}
	f("0", 0, true)
	f("-1", -1, true)
	f("123", 123, true)
	f("9223372036854775807", math.MaxInt64, true)
	f("-9223372036854775808", math.MinInt64, true)
	f("9223372036854775808", 0, false)
	f("-9223372036854775809", 0, false)
	f("99999999999999999999", 0, false)
	f("-0", 0, false)
	f("007", 0, false)
	f("+1", 0, false)
	f("", 0, false)
	f("-", 0, false)
	f("1a", 0, false)
	f(" 1", 0, false)
}

func TestListpackEncodings(t *testing.T) {
	w := newListpackWriter()
	var want []string
	add := func(s string) { w.appendBytes([]byte(s)); want = append(want, s) }
	for _, v := range []int64{0, 127, 128, -1, 4095, -4096, 4096, -4097, math.MaxInt16, math.MinInt16,
		math.MaxInt16 + 1, 1<<23 - 1, -1 << 23, 1 << 23, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1,
		math.MaxInt64, math.MinInt64} {
		add(strconv.FormatInt(v, 10))
	}
	for _, n := range []int{0, 1, 63, 64, 4095, 4096, 70000} {
		add(string(bytes.Repeat([]byte{'x'}, n)))
	}
	add("-0")
	add("01")
	lp := w.finish()
	elems, err := decodeListpack(lp)
	if err != nil {
		t.Fatal(err)
	}
	if len(elems) != len(want) {
		t.Fatalf("%d elements, want %d", len(elems), len(want))
	}
	for i, e := range elems {
		if string(e.bytes()) != want[i] {
			t.Errorf("element %d = %q, want %q", i, e.bytes(), want[i])
		}
		_, isInt := parseInt([]byte(want[i]))
		if e.isInt != isInt {
			t.Errorf("element %d (%q): stored as integer %v, want %v", i, want[i], e.isInt, isInt)
		}
	}
	// Sizes must be exact: the header records them.
	for _, s := range want {
		one := newListpackWriter()
		one.appendBytes([]byte(s))
		if got := len(one.finish()) - lpHeaderSize - 1; got != lpElemSize([]byte(s)) {
			t.Errorf("lpElemSize(%.10q) = %d, encoded %d", s, lpElemSize([]byte(s)), got)
		}
	}

	// Corruptions: each must be an error.
	f := func(name string, mutate func(b []byte) []byte) {
		t.Helper()
		b := mutate(append([]byte(nil), lp...))
		if _, err := decodeListpack(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	f("total bytes", func(b []byte) []byte { b[0]++; return b })
	f("count", func(b []byte) []byte { b[4]++; return b })
	f("terminator", func(b []byte) []byte { b[len(b)-1] = 0; return b })
	f("backlen", func(b []byte) []byte { b[lpHeaderSize+1] = 9; return b })
	f("bad encoding", func(b []byte) []byte { b[lpHeaderSize] = 0xF5; return b })
	f("truncated", func(b []byte) []byte {
		b = b[:20]
		binary.LittleEndian.PutUint32(b, 20)
		b[19] = lpEOF
		return b
	})
	f("short", func(b []byte) []byte { return b[:5] })
}

// ziplistBuilder writes ziplists the way ziplist.c did, for testing the
// Reader on pre-7.0 encodings that the Writer never produces.
type ziplistBuilder struct {
	b    []byte
	prev int
	last int
	n    int
}

func newZiplist() *ziplistBuilder {
	return &ziplistBuilder{b: make([]byte, zlHeaderSize), last: zlHeaderSize}
}

func (z *ziplistBuilder) add(s string) *ziplistBuilder {
	start := len(z.b)
	if z.prev < 254 {
		z.b = append(z.b, byte(z.prev))
	} else {
		z.b = append(z.b, 254)
		z.b = binary.LittleEndian.AppendUint32(z.b, uint32(z.prev))
	}
	if v, ok := parseInt([]byte(s)); ok {
		switch {
		case v >= 0 && v <= 12:
			z.b = append(z.b, 0xF1+byte(v))
		case v >= math.MinInt8 && v <= math.MaxInt8:
			z.b = append(z.b, 0xFE, byte(v))
		case v >= math.MinInt16 && v <= math.MaxInt16:
			z.b = append(z.b, 0xC0)
			z.b = binary.LittleEndian.AppendUint16(z.b, uint16(v))
		case v >= -1<<23 && v < 1<<23:
			z.b = append(z.b, 0xF0, byte(v), byte(v>>8), byte(v>>16))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			z.b = append(z.b, 0xD0)
			z.b = binary.LittleEndian.AppendUint32(z.b, uint32(v))
		default:
			z.b = append(z.b, 0xE0)
			z.b = binary.LittleEndian.AppendUint64(z.b, uint64(v))
		}
	} else {
		switch n := len(s); {
		case n < 64:
			z.b = append(z.b, byte(n))
		case n < 16384:
			z.b = append(z.b, 0x40|byte(n>>8), byte(n))
		default:
			z.b = append(z.b, 0x80)
			z.b = binary.BigEndian.AppendUint32(z.b, uint32(n))
		}
		z.b = append(z.b, s...)
	}
	z.prev = len(z.b) - start
	z.last = start
	z.n++
	return z
}

func (z *ziplistBuilder) bytes() []byte {
	b := append(z.b, zlEnd)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(z.last))
	binary.LittleEndian.PutUint16(b[8:], uint16(min(z.n, 0xFFFF)))
	return b
}

func TestZiplist(t *testing.T) {
	vals := []string{"0", "12", "13", "-1", "127", "-128", "128", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808", "", "a", "-0", "007",
		string(bytes.Repeat([]byte{'y'}, 63)), string(bytes.Repeat([]byte{'y'}, 64)),
		string(bytes.Repeat([]byte{'z'}, 300)), string(bytes.Repeat([]byte{'w'}, 16384)), "last"}
	z := newZiplist()
	for _, v := range vals {
		z.add(v)
	}
	zl := z.bytes()
	elems, err := decodeZiplist(zl)
	if err != nil {
		t.Fatal(err)
	}
	if len(elems) != len(vals) {
		t.Fatalf("%d entries, want %d", len(elems), len(vals))
	}
	for i, e := range elems {
		if string(e.bytes()) != vals[i] {
			t.Errorf("entry %d = %.20q, want %.20q", i, e.bytes(), vals[i])
		}
	}
	if elems, err := decodeZiplist(newZiplist().bytes()); err != nil || len(elems) != 0 {
		t.Errorf("empty ziplist: %v, %v", elems, err)
	}
	f := func(name string, mutate func(b []byte) []byte) {
		t.Helper()
		if _, err := decodeZiplist(mutate(append([]byte(nil), zl...))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	f("zlbytes", func(b []byte) []byte { b[0]++; return b })
	f("zltail", func(b []byte) []byte { b[4]++; return b })
	f("zllen", func(b []byte) []byte { b[8]++; return b })
	f("prevlen", func(b []byte) []byte { b[zlHeaderSize+2]++; return b })
	f("encoding", func(b []byte) []byte { b[zlHeaderSize+1] = 0xC1; return b })
	f("terminator", func(b []byte) []byte { b[len(b)-1] = 1; return b })
}

func TestIntset(t *testing.T) {
	f := func(vals []int64, enc uint32) {
		t.Helper()
		b := appendIntset(nil, vals)
		if got := binary.LittleEndian.Uint32(b); got != enc {
			t.Errorf("%v: encoding %d, want %d", vals, got, enc)
		}
		got, err := decodeIntset(b)
		if err != nil || len(got) != len(vals) {
			t.Fatalf("%v: decoded %v, %v", vals, got, err)
		}
		for i := range vals {
			if got[i] != vals[i] {
				t.Errorf("%v: decoded %v", vals, got)
			}
		}
	}
	f([]int64{-32768, 0, 32767}, 2)
	f([]int64{-32769, 5}, 4)
	f([]int64{1, 32768}, 4)
	f([]int64{math.MinInt32, math.MaxInt32}, 4)
	f([]int64{math.MinInt32 - 1, 0}, 8)
	f([]int64{math.MinInt64, math.MaxInt64}, 8)
	for _, bad := range [][]byte{
		appendIntset(nil, []int64{2, 1}),
		appendIntset(nil, []int64{1, 1}),
		{3, 0, 0, 0, 0, 0, 0, 0},
		{2, 0, 0, 0, 2, 0, 0, 0, 1, 0},
		{2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF},
		{2, 0, 0},
	} {
		if _, err := decodeIntset(bad); err == nil {
			t.Errorf("decodeIntset(%x) accepted", bad)
		}
	}
}

// zipmapBytes builds a zipmap as zipmap.c did, with free bytes after
// values to exercise skipping them.
func zipmapBytes(pairs [][2]string, free int) []byte {
	b := []byte{byte(min(len(pairs), zmBigLen))}
	putLen := func(n int) {
		if n < zmBigLen {
			b = append(b, byte(n))
		} else {
			b = append(b, zmBigLen)
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
		}
	}
	for _, p := range pairs {
		putLen(len(p[0]))
		b = append(b, p[0]...)
		putLen(len(p[1]))
		b = append(b, byte(free))
		b = append(b, p[1]...)
		b = append(b, make([]byte, free)...)
	}
	return append(b, zmEnd)
}

func TestZipmap(t *testing.T) {
	pairs := [][2]string{{"a", "1"}, {"long", string(bytes.Repeat([]byte{'v'}, 300))}, {"", ""}}
	zm := zipmapBytes(pairs, 3)
	got, err := decodeZipmap(zm)
	if err != nil || len(got) != len(pairs) {
		t.Fatalf("decoded %d pairs, %v", len(got), err)
	}
	for i, p := range pairs {
		if string(got[i][0]) != p[0] || string(got[i][1]) != p[1] {
			t.Errorf("pair %d = %q, want %q", i, got[i], p)
		}
	}
	for name, bad := range map[string][]byte{
		"count":          append([]byte{9}, zm[1:]...),
		"no terminator":  zm[:len(zm)-1],
		"trailing bytes": append(append([]byte(nil), zm...), 0),
		"free too large": zipmapBytes(pairs[:1], 3)[:6],
	} {
		if _, err := decodeZipmap(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
