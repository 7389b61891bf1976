package proto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

// tinyLimits make the "too big" and "invalid length" paths reachable with
// the short inputs a fuzzer produces.
var tinyLimits = Limits{MaxBulkLen: 16, MaxMultibulkLen: 8, MaxInlineLen: 16}

func FuzzParse(f *testing.F) {
	for _, s := range feedStreams {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"*1\r\n$4\r\nPING\r\n", "PING\r\n", "\r\n", "*0\r\n", "*-1\r\n", "*3000000000\r\n",
		"*1\r\nX\r\n", "*1\r\n$-1\r\n", "*1\r\n$2147483648\r\n", `set "a\x41\n" 'b\''` + "\n",
		`"a"b` + "\n", "a\vb\fc\r\n", "*2\r?$1\r?a\r?$1\r?b\r?", strings.Repeat("x", 40),
		"*1\r\n$" + strings.Repeat("1", 20), "*" + strings.Repeat("9", 20) + "\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Feeding byte by byte into moving buffers is quadratic; tinyLimits
		// reach every limit well below this size.
		if len(data) > 1<<10 {
			return
		}
		for _, limits := range []Limits{{}, tinyLimits} {
			whole := parseWhole(data, limits)
			for _, r := range whole {
				if r.args != nil {
					checkReencoded(t, r.args)
				}
			}
			for _, step := range []int{0, 1} {
				fed := parseFed(t, data, step, limits)
				// A line that is too long when seen in part may be
				// acceptable when its end arrives in the same read; Redis
				// has the same dependence on how the input is split.
				if last := len(fed) - 1; last >= 0 && strings.Contains(fed[last].err, "too big") {
					fed, whole = fed[:last], whole[:min(last, len(whole))]
				}
				if fmt.Sprint(fed) != fmt.Sprint(whole) {
					t.Fatalf("fed %d at a time:\n got %v\nwant %v", step, fed, whole)
				}
			}
		}
	})
}

// checkReencoded checks that args sent as a multibulk request parse back to
// the same arguments.
func checkReencoded(t *testing.T, args []string) {
	t.Helper()
	req := AppendArrayLen(nil, len(args))
	for _, a := range args {
		req = AppendBulkString(req, a)
	}
	var p Parser
	got := toResult(p.Parse(req, nil))
	if want := (result{args: args, n: len(req)}); !got.equal(want) {
		t.Fatalf("re-encoded %q:\n got %v\nwant %v", req, got, want)
	}
}

func FuzzReadValue(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR x\r\n", ":-1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n", "_\r\n",
		",1.5\r\n", ",-inf\r\n", "#t\r\n", "(123\r\n", "!3\r\nERR\r\n", "=5\r\ntxt:x\r\n",
		"*2\r\n:1\r\n%1\r\n+k\r\n~1\r\n>1\r\n#f\r\n", "|1\r\n+a\r\n:1\r\n+v\r\n",
		"*1000000000\r\n", strings.Repeat("*1\r\n", 1100),
		"\x0b\x04\x03abc\x02\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x02\x09\x01\x0a\x02md\x01x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, n, err := ReadValue(data)
		if n < 0 || n > len(data) || err != nil && n != 0 {
			t.Fatalf("n = %d, err = %v for %d bytes", n, err, len(data))
		}
		if err == nil && n > 0 {
			if enc, want, ok := rewrite(nil, v); ok {
				checkReadsBack(t, enc, want)
			}
		}
		for _, resp3 := range []bool{false, true} {
			g := generator{data: data}
			enc, want := g.reply(nil, resp3, 0)
			checkReadsBack(t, enc, want)
		}
	})
}

func checkReadsBack(t *testing.T, enc []byte, want Value) {
	t.Helper()
	got, n, err := ReadValue(enc)
	if err != nil || n != len(enc) || !valueEqual(got, want) {
		t.Fatalf("ReadValue(%q) = %s, %d, %v\nwant %s", enc, show(got), n, err, show(want))
	}
}

// rewrite encodes v with the writer, returning what reading it back should
// give, or ok == false if v has a type the server never writes.
func rewrite(dst []byte, v Value) (enc []byte, want Value, ok bool) {
	want = v
	switch v.Kind {
	case KindSimple:
		dst = AppendSimple(dst, string(v.Str))
	case KindError:
		dst = AppendError(dst, string(v.Str))
		want.Str = make([]byte, len(v.Str))
		for i, c := range v.Str {
			if c == '\r' || c == '\n' {
				c = ' '
			}
			want.Str[i] = c
		}
	case KindInt:
		dst = AppendInt(dst, v.Int)
	case KindBulk:
		if v.Null {
			dst = AppendNull(dst, false)
		} else {
			dst = AppendBulk(dst, v.Str)
		}
	case KindNull:
		dst = AppendNull(dst, true)
	case KindDouble:
		dst = AppendDouble(dst, v.Float, true)
		want.Str = FormatDouble(nil, v.Float)
	case KindBool:
		dst = AppendBool(dst, v.Bool, true)
	case KindVerbatim:
		dst = AppendVerbatim(dst, string(v.Str[:3]), v.Str[4:], true)
	case KindArray, KindMap, KindSet, KindPush:
		switch {
		case v.Null:
			dst = AppendNullArray(dst, false)
		case v.Kind == KindArray:
			dst = AppendArrayLen(dst, len(v.Elems))
		case v.Kind == KindMap:
			dst = AppendMapLen(dst, len(v.Elems)/2, true)
		case v.Kind == KindSet:
			dst = AppendSetLen(dst, len(v.Elems), true)
		default:
			dst = AppendPushLen(dst, len(v.Elems), true)
		}
		want.Elems = make([]Value, len(v.Elems))
		for i, e := range v.Elems {
			if dst, want.Elems[i], ok = rewrite(dst, e); !ok {
				return nil, Value{}, false
			}
		}
	default:
		return nil, Value{}, false
	}
	return dst, want, true
}

// generator turns fuzz input into a reply built with the writer and the
// value it should read back as.
type generator struct{ data []byte }

func (g *generator) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[0]
	g.data = g.data[1:]
	return b
}

func (g *generator) bytes() []byte {
	n := min(int(g.byte()), len(g.data))
	b := g.data[:n]
	g.data = g.data[n:]
	return b
}

func (g *generator) int64() int64 {
	var b [8]byte
	copy(b[:], g.data)
	g.data = g.data[min(8, len(g.data)):]
	return int64(binary.LittleEndian.Uint64(b[:]))
}

func (g *generator) reply(dst []byte, resp3 bool, depth int) ([]byte, Value) {
	null := Value{Kind: KindNull, Null: true}
	switch g.byte() % 12 {
	case 0:
		// A lone CR is fine in a simple string; CRLF is not.
		s := bytes.ReplaceAll(g.bytes(), []byte{'\n'}, nil)
		return AppendSimple(dst, string(s)), Value{Kind: KindSimple, Str: s}
	case 1:
		msg := g.bytes()
		start := len(dst) + 1
		dst = AppendError(dst, string(msg))
		return dst, Value{Kind: KindError, Str: dst[start : len(dst)-2]}
	case 2:
		n := g.int64()
		return AppendInt(dst, n), Value{Kind: KindInt, Int: n}
	case 3:
		b := g.bytes()
		return AppendBulk(dst, b), Value{Kind: KindBulk, Str: b}
	case 4:
		b := g.bytes()
		return AppendBulkString(dst, string(b)), Value{Kind: KindBulk, Str: b}
	case 5:
		n := g.int64()
		return AppendBulkInt(dst, n), Value{Kind: KindBulk, Str: fmt.Append(nil, n)}
	case 6:
		if resp3 {
			return AppendNull(dst, true), null
		}
		return AppendNull(dst, false), Value{Kind: KindBulk, Null: true}
	case 7:
		if resp3 {
			return AppendNullArray(dst, true), null
		}
		return AppendNullArray(dst, false), Value{Kind: KindArray, Null: true}
	case 8:
		f := math.Float64frombits(uint64(g.int64()))
		text := FormatDouble(nil, f)
		if resp3 {
			return AppendDouble(dst, f, true), Value{Kind: KindDouble, Float: f, Str: text}
		}
		return AppendDouble(dst, f, false), Value{Kind: KindBulk, Str: text}
	case 9:
		b := g.byte()&1 == 1
		if resp3 {
			return AppendBool(dst, b, true), Value{Kind: KindBool, Bool: b}
		}
		i := int64(0)
		if b {
			i = 1
		}
		return AppendBool(dst, b, false), Value{Kind: KindInt, Int: i}
	case 10:
		format, b := g.bytes(), g.bytes()
		if !resp3 {
			return AppendVerbatim(dst, string(format), b, false), Value{Kind: KindBulk, Str: b}
		}
		tag := append(append([]byte(nil), format[:min(3, len(format))]...), "   "[min(3, len(format)):]...)
		return AppendVerbatim(dst, string(format), b, true), Value{Kind: KindVerbatim, Str: append(append(tag, ':'), b...)}
	default:
		kind := [...]Kind{KindArray, KindMap, KindSet, KindPush}[g.byte()%4]
		n := int(g.byte() % 4)
		if depth >= 4 {
			n = 0
		}
		elems := n
		switch kind {
		case KindArray:
			dst = AppendArrayLen(dst, n)
		case KindMap:
			dst = AppendMapLen(dst, n, resp3)
			elems = 2 * n
		case KindSet:
			dst = AppendSetLen(dst, n, resp3)
		case KindPush:
			dst = AppendPushLen(dst, n, resp3)
		}
		if !resp3 {
			kind = KindArray
		}
		v := Value{Kind: kind, Elems: make([]Value, elems)}
		for i := range v.Elems {
			dst, v.Elems[i] = g.reply(dst, resp3, depth+1)
		}
		return dst, v
	}
}
