package proto

import (
	"math"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(AppendSimple(nil, "OK"), "+OK\r\n")
	f(AppendSimple([]byte("x"), ""), "x+\r\n")
	f(AppendError(nil, ErrSyntax), "-ERR syntax error\r\n")
	f(AppendError([]byte("x"), "ERR a\r\nb\nc\rd"), "x-ERR a  b c d\r\n")
	f(AppendInt(nil, 0), ":0\r\n")
	f(AppendInt(nil, -1), ":-1\r\n")
	f(AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n")
	f(AppendInt(nil, math.MaxInt64), ":9223372036854775807\r\n")
	f(AppendBulk(nil, []byte("hello")), "$5\r\nhello\r\n")
	f(AppendBulk(nil, nil), "$0\r\n\r\n")
	f(AppendBulk([]byte("x"), []byte("a\r\nb")), "x$4\r\na\r\nb\r\n")
	f(AppendBulkString(nil, "hello"), "$5\r\nhello\r\n")
	f(AppendBulkString(nil, ""), "$0\r\n\r\n")
	f(AppendBulkInt(nil, 0), "$1\r\n0\r\n")
	f(AppendBulkInt(nil, -42), "$3\r\n-42\r\n")
	f(AppendBulkInt(nil, math.MinInt64), "$20\r\n-9223372036854775808\r\n")
	f(AppendNull(nil, false), "$-1\r\n")
	f(AppendNull(nil, true), "_\r\n")
	f(AppendNullArray(nil, false), "*-1\r\n")
	f(AppendNullArray(nil, true), "_\r\n")
	f(AppendArrayLen(nil, 0), "*0\r\n")
	f(AppendArrayLen(nil, 3), "*3\r\n")
	f(AppendArrayLen(nil, headerCache-1), "*1023\r\n")
	f(AppendArrayLen(nil, headerCache), "*1024\r\n")
	f(AppendArrayLen(nil, 1_000_000), "*1000000\r\n")
	f(AppendMapLen(nil, 2, true), "%2\r\n")
	f(AppendMapLen(nil, 2, false), "*4\r\n")
	f(AppendMapLen(nil, 600, false), "*1200\r\n")
	f(AppendSetLen(nil, 2, true), "~2\r\n")
	f(AppendSetLen(nil, 2, false), "*2\r\n")
	f(AppendPushLen(nil, 3, true), ">3\r\n")
	f(AppendPushLen(nil, 3, false), "*3\r\n")
	f(AppendBool(nil, true, true), "#t\r\n")
	f(AppendBool(nil, false, true), "#f\r\n")
	f(AppendBool(nil, true, false), ":1\r\n")
	f(AppendBool(nil, false, false), ":0\r\n")
	f(AppendVerbatim(nil, "txt", []byte("hi"), true), "=6\r\ntxt:hi\r\n")
	f(AppendVerbatim(nil, "txt", []byte("hi"), false), "$2\r\nhi\r\n")
	f(AppendVerbatim(nil, "md", nil, true), "=4\r\nmd :\r\n")
	f(AppendVerbatim(nil, "markdown", []byte("x"), true), "=5\r\nmar:x\r\n")
	f(AppendDouble(nil, 1.5, true), ",1.5\r\n")
	f(AppendDouble(nil, 1.5, false), "$3\r\n1.5\r\n")
	f(AppendDouble(nil, math.Inf(1), true), ",inf\r\n")
	f(AppendDouble(nil, math.Inf(-1), false), "$4\r\n-inf\r\n")
	f(AppendDouble(nil, -math.MaxFloat64, false), "$24\r\n-1.7976931348623157e+308\r\n")

	long := strings.Repeat("v", headerCache)
	f(AppendBulkString(nil, long[1:]), "$1023\r\n"+long[1:]+"\r\n")
	f(AppendBulkString(nil, long), "$1024\r\n"+long+"\r\n")
}

// The expected texts were taken from redis-server 7.0.15 replying to ZSCORE.
func TestFormatDouble(t *testing.T) {
	f := func(v float64, want string) {
		t.Helper()
		if got := FormatDouble([]byte("x"), v); string(got) != "x"+want {
			t.Errorf("FormatDouble(%v) = %q, want %q", v, got[1:], want)
		}
	}
	f(0, "0")
	f(math.Copysign(0, -1), "-0")
	f(3, "3")
	f(1.5, "1.5")
	f(-2.25, "-2.25")
	f(0.1, "0.10000000000000001")
	f(0.00001, "1.0000000000000001e-05")
	f(0.0001, "0.0001")
	f(1e16, "10000000000000000")
	f(1e17, "1e+17")
	f(1e20, "1e+20")
	f(123456789012345678, "1.2345678901234568e+17")
	f(1e-300, "1e-300")
	f(5e-324, "4.9406564584124654e-324")
	f(math.Inf(1), "inf")
	f(math.Inf(-1), "-inf")
	f(math.NaN(), "nan")
	f(math.Copysign(math.NaN(), -1), "nan")
}

func TestWriterZeroAlloc(t *testing.T) {
	dst := make([]byte, 0, 4096)
	val := []byte("some value")
	allocs := testing.AllocsPerRun(100, func() {
		b := dst[:0]
		b = AppendSimple(b, "OK")
		b = AppendError(b, "ERR a\nb")
		b = AppendInt(b, -12345)
		b = AppendBulk(b, val)
		b = AppendBulkString(b, "str")
		b = AppendBulkInt(b, 1234567)
		b = AppendNull(b, false)
		b = AppendNullArray(b, true)
		b = AppendArrayLen(b, 5000)
		b = AppendMapLen(b, 3, true)
		b = AppendSetLen(b, 3, false)
		b = AppendPushLen(b, 3, true)
		b = AppendDouble(b, 3.14, false)
		b = AppendDouble(b, 1e300, true)
		b = AppendBool(b, true, true)
		b = AppendVerbatim(b, "txt", val, true)
		_ = b
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
