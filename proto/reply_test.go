package proto

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// valueEqual compares values the way the protocol does: nil and empty
// strings and element lists are the same, and NaN equals NaN.
func valueEqual(a, b Value) bool {
	if a.Kind != b.Kind || !bytes.Equal(a.Str, b.Str) || a.Int != b.Int ||
		a.Bool != b.Bool || a.Null != b.Null || len(a.Elems) != len(b.Elems) {
		return false
	}
	if a.Float != b.Float && !(math.IsNaN(a.Float) && math.IsNaN(b.Float)) {
		return false
	}
	for i := range a.Elems {
		if !valueEqual(a.Elems[i], b.Elems[i]) {
			return false
		}
	}
	return true
}

func show(v Value) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%c", v.Kind)
	switch {
	case v.Null:
		b.WriteString("null")
	case v.Kind == KindInt:
		fmt.Fprint(&b, v.Int)
	case v.Kind == KindBool:
		fmt.Fprint(&b, v.Bool)
	case v.Kind == KindDouble:
		fmt.Fprintf(&b, "%v(%q)", v.Float, v.Str)
	case v.Elems != nil:
		b.WriteString("[")
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(show(e))
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(&b, "%q", v.Str)
	}
	return b.String()
}

func str(kind Kind, s string) Value { return Value{Kind: kind, Str: []byte(s)} }

func agg(kind Kind, elems ...Value) Value {
	return Value{Kind: kind, Elems: append([]Value{}, elems...)}
}

func TestReadValue(t *testing.T) {
	f := func(in string, want Value) {
		t.Helper()
		v, n, err := ReadValue([]byte(in + "rest"))
		if err != nil || n != len(in) || !valueEqual(v, want) {
			t.Errorf("ReadValue(%q) = %s, %d, %v; want %s, %d", in, show(v), n, err, show(want), len(in))
		}
		// Every proper prefix is an incomplete value.
		for i := range len(in) {
			if _, n, err := ReadValue([]byte(in[:i])); n != 0 || err != nil {
				t.Errorf("ReadValue(%q) = _, %d, %v; want incomplete", in[:i], n, err)
			}
		}
	}
	f("+OK\r\n", str(KindSimple, "OK"))
	f("+\r\n", str(KindSimple, ""))
	f("+a\rb\r\n", str(KindSimple, "a\rb"))
	f("-ERR bad\r\n", str(KindError, "ERR bad"))
	f(":0\r\n", Value{Kind: KindInt})
	f(":-9223372036854775808\r\n", Value{Kind: KindInt, Int: math.MinInt64})
	f("$5\r\nhello\r\n", str(KindBulk, "hello"))
	f("$0\r\n\r\n", str(KindBulk, ""))
	f("$4\r\na\r\nb\r\n", str(KindBulk, "a\r\nb"))
	f("$-1\r\n", Value{Kind: KindBulk, Null: true})
	f("*-1\r\n", Value{Kind: KindArray, Null: true})
	f("_\r\n", Value{Kind: KindNull, Null: true})
	f("*0\r\n", agg(KindArray))
	f("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", agg(KindArray, Value{Kind: KindInt, Int: 1}, agg(KindArray, str(KindBulk, "x"))))
	f(",1.5\r\n", Value{Kind: KindDouble, Float: 1.5, Str: []byte("1.5")})
	f(",-inf\r\n", Value{Kind: KindDouble, Float: math.Inf(-1), Str: []byte("-inf")})
	f(",nan\r\n", Value{Kind: KindDouble, Float: math.NaN(), Str: []byte("nan")})
	f(",1e400\r\n", Value{Kind: KindDouble, Float: math.Inf(1), Str: []byte("1e400")})
	f("#t\r\n", Value{Kind: KindBool, Bool: true})
	f("#f\r\n", Value{Kind: KindBool})
	f("%1\r\n+k\r\n:1\r\n", agg(KindMap, str(KindSimple, "k"), Value{Kind: KindInt, Int: 1}))
	f("~1\r\n_\r\n", agg(KindSet, Value{Kind: KindNull, Null: true}))
	f(">2\r\n+message\r\n#t\r\n", agg(KindPush, str(KindSimple, "message"), Value{Kind: KindBool, Bool: true}))
	f("=8\r\ntxt:a\r\nb\r\n", str(KindVerbatim, "txt:a\r\nb"))
	f("(-12345678901234567890\r\n", str(KindBigNumber, "-12345678901234567890"))
	f("!5\r\nERR x\r\n", str(KindBlobError, "ERR x"))
	f("|1\r\n+ttl\r\n:3\r\n", agg(KindAttribute, str(KindSimple, "ttl"), Value{Kind: KindInt, Int: 3}))
}

func TestReadValueErrors(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		v, n, err := ReadValue([]byte(in))
		if err == nil || err.Error() != want || n != 0 {
			t.Errorf("ReadValue(%q) = %s, %d, %v; want error %q", in, show(v), n, err, want)
		}
	}
	f("x\r\n", `Protocol error: invalid reply type byte 'x'`)
	f("\x00\r\n", `Protocol error: invalid reply type byte '\x00'`)
	f(":01\r\n", "Protocol error: invalid integer reply")
	f(":\r\n", "Protocol error: invalid integer reply")
	f(":1.5\r\n", "Protocol error: invalid integer reply")
	f(":9223372036854775808\r\n", "Protocol error: invalid integer reply")
	f(",\r\n", "Protocol error: invalid double reply")
	f(",1.5x\r\n", "Protocol error: invalid double reply")
	f("#x\r\n", "Protocol error: invalid boolean reply")
	f("#tt\r\n", "Protocol error: invalid boolean reply")
	f("(\r\n", "Protocol error: invalid big number reply")
	f("(1a\r\n", "Protocol error: invalid big number reply")
	f("_x\r\n", "Protocol error: invalid reply line")
	f("=3\r\ntxt\r\n", "Protocol error: invalid reply length")
	f("=4\r\ntxt.\r\n", "Protocol error: invalid reply line")
	f("$-2\r\n", "Protocol error: invalid reply length")
	f("!-1\r\n", "Protocol error: invalid reply length")
	f("$?\r\n", "Protocol error: invalid reply length")
	f("%-1\r\n", "Protocol error: invalid reply length")
	f("*-2\r\n", "Protocol error: invalid reply length")
	f("$1\r\nab\r\n", "Protocol error: bulk payload not followed by CRLF")
	f("*2\r\n:1\r\n?\r\n", `Protocol error: invalid reply type byte '?'`)

	nested := strings.Repeat("*1\r\n", maxDepth)
	if _, n, err := ReadValue([]byte(nested + ":1\r\n")); err != nil || n != len(nested)+4 {
		t.Errorf("%d nested arrays: n = %d, err = %v", maxDepth, n, err)
	}
	f(nested+"*1\r\n:1\r\n", "Protocol error: reply nested too deeply")
}

func TestReadValueHostileCounts(t *testing.T) {
	// Announced sizes are not allocated up front: these are incomplete
	// values that cost next to nothing to look at.
	in := []byte(strings.Repeat("*1000000000\r\n", 500) + "%9223372036854775807\r\n$9223372036854775807\r\n")
	allocs := testing.AllocsPerRun(10, func() {
		if _, n, err := ReadValue(in); n != 0 || err != nil {
			t.Fatalf("n = %d, err = %v; want incomplete", n, err)
		}
	})
	if allocs > 20 {
		t.Errorf("%v allocations", allocs)
	}
}

func TestReadValueFromWriter(t *testing.T) {
	for _, resp3 := range []bool{false, true} {
		var b []byte
		b = AppendArrayLen(b, 9)
		b = AppendSimple(b, "OK")
		b = AppendError(b, ErrWrongType)
		b = AppendInt(b, 42)
		b = AppendBulkInt(b, -7)
		b = AppendNull(b, resp3)
		b = AppendMapLen(b, 1, resp3)
		b = AppendBulkString(b, "k")
		b = AppendDouble(b, 0.1, resp3)
		b = AppendSetLen(b, 1, resp3)
		b = AppendBool(b, true, resp3)
		b = AppendPushLen(b, 1, resp3)
		b = AppendNullArray(b, resp3)
		b = AppendVerbatim(b, "txt", []byte("v"), resp3)

		null := Value{Kind: KindNull, Null: true}
		want := agg(KindArray,
			str(KindSimple, "OK"),
			str(KindError, ErrWrongType),
			Value{Kind: KindInt, Int: 42},
			str(KindBulk, "-7"),
			null,
			agg(KindMap, str(KindBulk, "k"), Value{Kind: KindDouble, Float: 0.1, Str: []byte("0.10000000000000001")}),
			agg(KindSet, Value{Kind: KindBool, Bool: true}),
			agg(KindPush, null),
			str(KindVerbatim, "txt:v"),
		)
		if !resp3 {
			want.Elems[4] = Value{Kind: KindBulk, Null: true}
			want.Elems[5] = agg(KindArray, str(KindBulk, "k"), str(KindBulk, "0.10000000000000001"))
			want.Elems[6] = agg(KindArray, Value{Kind: KindInt, Int: 1})
			want.Elems[7] = agg(KindArray, Value{Kind: KindArray, Null: true})
			want.Elems[8] = str(KindBulk, "v")
		}
		v, n, err := ReadValue(b)
		if err != nil || n != len(b) || !valueEqual(v, want) {
			t.Errorf("resp3=%v: ReadValue(%q) =\n %s, %d, %v\nwant %s", resp3, b, show(v), n, err, show(want))
		}
	}
}
