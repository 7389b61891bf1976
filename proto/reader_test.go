package proto

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// result is what one Parse call produced, in a comparable form.
type result struct {
	args []string // nil for an empty request
	n    int
	err  string
}

func (r result) String() string {
	return fmt.Sprintf("args=%q n=%d err=%q", r.args, r.n, r.err)
}

func (r result) equal(o result) bool {
	return r.n == o.n && r.err == o.err && fmt.Sprintf("%q", r.args) == fmt.Sprintf("%q", o.args)
}

func toResult(out [][]byte, n int, err error) result {
	r := result{n: n}
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			r.err = "not a *ProtocolError: " + err.Error()
		} else {
			r.err = err.Error()
		}
	}
	for _, a := range out {
		r.args = append(r.args, string(a))
	}
	return r
}

func TestParseMultibulk(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		var p Parser
		got := toResult(p.Parse([]byte(in), nil))
		if exp := (result{args: want, n: len(in)}); !got.equal(exp) {
			t.Errorf("Parse(%q):\n got %v\nwant %v", in, got, exp)
		}
		if p.Need() != 0 {
			t.Errorf("Parse(%q): Need() = %d after a complete request", in, p.Need())
		}
	}
	f("*1\r\n$4\r\nPING\r\n", "PING")
	f("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", "SET", "k", "")
	f("*2\r\n$3\r\nfoo\r\n$5\r\na\x00b\r\n\r\n", "foo", "a\x00b\r\n")
	f("*1\r\n$4\r\n\r\n\r\n\r\n", "\r\n\r\n")
	// Redis skips the two bytes after a payload and after each CR unchecked.
	f("*1\r\n$4\r\nPINGxx", "PING")
	f("*1\r\n$3\rXabcXX", "abc")
	f("*2\r?$1\r?a\r?$1\r?b\r?", "a", "b")
	// Counts <= 0 are empty requests.
	f("*0\r\n")
	f("*-1\r\n")
	f("*-10\r\n")
	f("*-9223372036854775808\r\n")
}

func TestParseErrors(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		var p Parser
		got := toResult(p.Parse([]byte(in), nil))
		if exp := (result{err: want}); !got.equal(exp) {
			t.Errorf("Parse(%q):\n got %v\nwant %v", in, got, exp)
		}
	}
	const (
		mbulkLen   = "Protocol error: invalid multibulk length"
		bulkLen    = "Protocol error: invalid bulk length"
		bigMbulk   = "Protocol error: too big mbulk count string"
		bigBulk    = "Protocol error: too big bulk count string"
		bigInline  = "Protocol error: too big inline request"
		unbalanced = "Protocol error: unbalanced quotes in request"
	)
	f("*3000000000\r\n", mbulkLen)
	f("*2147483648\r\n", mbulkLen)
	f("*\r\n", mbulkLen)
	f("*01\r\n", mbulkLen)
	f("*+1\r\n", mbulkLen)
	f("* 1\r\n", mbulkLen)
	f("*1 \r\n", mbulkLen)
	f("*-0\r\n", mbulkLen)
	f("*1a\r\n", mbulkLen)
	f("*-\r\n", mbulkLen)
	f("*9223372036854775808\r\n", mbulkLen)
	f("*-9223372036854775809\r\n", mbulkLen)
	f("*00000000000000000001\r\n", mbulkLen)
	f("*"+strings.Repeat("1", 30)+"\r\n", mbulkLen)
	f("*1\x00\r\n", mbulkLen)

	f("*1\r\nX\r\n", "Protocol error: expected '$', got 'X'")
	f("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'")
	f("*1\r$4\r\nPING\r\n", "Protocol error: expected '$', got '4'")
	f("*1\r\n\xff\r\n", "Protocol error: expected '$', got '\xff'")
	f("*1\r\n\r\n", "Protocol error: expected '$', got ' '")
	f("*1\r\n\n\r\n", "Protocol error: expected '$', got ' '")
	f("*1\r\n*1\r\n", "Protocol error: expected '$', got '*'")

	f("*1\r\n$-1\r\n", bulkLen)
	f("*1\r\n$01\r\n", bulkLen)
	f("*1\r\n$\r\n", bulkLen)
	f("*1\r\n$+1\r\n", bulkLen)
	f("*1\r\n$1x\r\n", bulkLen)
	f("*1\r\n$536870913\r\n", bulkLen)
	f("*1\r\n$2147483648\r\n", bulkLen) // a 2 GB bulk
	f("*2\r\n$1\r\na\r\n$-5\r\n", bulkLen)

	limit := DefaultLimits().MaxInlineLen
	f("*"+strings.Repeat("1", limit), bigMbulk)
	f("*1\r\n$"+strings.Repeat("1", limit), bigBulk)
	f("*1\r\n"+strings.Repeat("x", limit+1), bigBulk)
	f(strings.Repeat("x", limit+1), bigInline)
	f("GET "+strings.Repeat("x", limit), bigInline)

	f(`set a "b"c`+"\r\n", unbalanced)
	f(`set a 'b'c`+"\r\n", unbalanced)
	f(`"abc`+"\r\n", unbalanced)
	f(`'abc`+"\r\n", unbalanced)
	f(`"abc\"`+"\r\n", unbalanced)
	f(`"abc\`+"\r\n", unbalanced)
	f(`'abc\'`+"\r\n", unbalanced)
	f(`a "b`+"\n", unbalanced)
	f(`"a""b"`+"\n", unbalanced)
	f(`"a"`+"\x00\n", unbalanced)
}

func TestParseIncomplete(t *testing.T) {
	f := func(in string, need int) {
		t.Helper()
		var p Parser
		got := toResult(p.Parse([]byte(in), nil))
		if exp := (result{}); !got.equal(exp) || p.Need() != need {
			t.Errorf("Parse(%q):\n got %v need %d\nwant %v need %d", in, got, p.Need(), exp, need)
		}
	}
	f("", 1)
	f("*", 2)
	f("*1", 3)
	f("*1\r", 4)
	f("*1\r\n", 5)
	f("*1\r\n$", 6)
	f("*1\r\n$5\r", 8)
	f("*1\r\n$5\r\n", 15)
	f("*1\r\n$5\r\nhel", 15)
	f("*1\r\n$5\r\nhello\r", 15)
	f("*2\r\n$1\r\na\r\n", 12)
	f("*1\r\nX", 6) // checked only once the line is complete
	f("*1a", 4)     // likewise
	f("*1\x00", 4)  // NUL is ordinary data, not a terminator
	f("PING", 5)    // inline requests end at LF
	f("PING\r", 6)  // ...
	f(`"unbalanced`, 12)
	limit := DefaultLimits().MaxInlineLen
	f("*"+strings.Repeat("1", limit-1), limit+1)
	f("*1\r\n$"+strings.Repeat("1", limit-1), limit+5)
	f(strings.Repeat("x", limit), limit+1)

	// The hint for a large bulk is the end of its payload and CRLF.
	head := "*2\r\n$3\r\nSET\r\n$500000000\r\n"
	f(head, len(head)+500_000_000+2)
	f(head+"partial payload", len(head)+500_000_000+2)

	var p Parser
	p.Limits = DefaultLimits()
	p.Limits.MaxBulkLen = math.MaxInt64
	out, n, err := p.Parse([]byte("*1\r\n$9223372036854775807\r\n"), nil)
	if len(out) != 0 || n != 0 || err != nil || p.Need() != math.MaxInt {
		t.Errorf("huge bulk: out=%q n=%d err=%v need=%d, want incomplete with need MaxInt", out, n, err, p.Need())
	}
}

func TestParseInline(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		var p Parser
		got := toResult(p.Parse([]byte(in), nil))
		if exp := (result{args: want, n: len(in)}); !got.equal(exp) {
			t.Errorf("Parse(%q):\n got %v\nwant %v", in, got, exp)
		}
	}
	f("PING\r\n", "PING")
	f("PING\n", "PING")
	f("  set  a\tb  \r\n", "set", "a", "b")
	f("$4\r\n", "$4")
	f("echo a\rb\r\n", "echo", "a", "b")
	f("echo a\r\r\n", "echo", "a")
	f("a\vb\r\n", "a\vb") // only space, tab, CR and LF end an unquoted argument
	f("\vecho\fa\r\n", "echo\fa")
	f("a\x00b\r\n", "a\x00b")
	// Blank lines are empty requests.
	f("\r\n")
	f("\n")
	f("   \r\n")
	f("\t\v\f\r\r\n")

	f(`set "a b" 'c d'`+"\r\n", "set", "a b", "c d")
	f(`"" ''`+"\r\n", "", "")
	f(`"\n\r\t\b\a\\\"\q\'"`+"\r\n", "\n\r\t\b\a\\\"q'")
	f(`"\x41\x4a\x4A\xZZ\x4\x"`+"\r\n", "AJJxZZx4x")
	f(`"\x00\xff"`+"\r\n", "\x00\xff")
	f(`'a\'b\n\"'`+"\r\n", `a'b\n\"`)
	f(`a"b c" d'e f'`+"\r\n", "ab c", "de f")
	f(`"a"`+"\v\r\n", "a")
	f(`"a"`+"\fb\r\n", "a", "b")
	f(`"a" "b"`+"\r\n", "a", "b")
}

func TestParsePipeline(t *testing.T) {
	in := "*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*0\r\n\r\n" + `set "a b" 'c'` + "\n*1\r\n$4\r\nQUIT\r\n"
	want := []result{
		{args: []string{"GET", "k"}, n: 20},
		{args: []string{"PING"}, n: 6},
		{n: 4},
		{n: 2},
		{args: []string{"set", "a b", "c"}, n: 14},
		{args: []string{"QUIT"}, n: 14},
	}
	got := parseWhole([]byte(in), Limits{})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// feedStreams are inputs for the incremental tests: pipelines of every kind
// of request, some ending in a protocol error or a partial request.
var feedStreams = []string{
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*0\r\n\r\n" + `set "a b" 'c'` +
		"\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*-1\r\n*1\r\n$0\r\n\r\n   \r\n\n",
	"*1\r\n$4\r\nPINGxx*1\r\n$3\rXabcXX*2\r?$1\r?a\r?$1\r?b\r?",
	`a"b c" d'e f' "\x41\n" '\''` + "\r\n" + `"unbalanced` + "\r\n",
	"*1\r\n$4\r\nPING\r\n*1\r\nX\r\n",
	"*1\r\n$4\r\nPING\r\n*3000000000\r\n",
	"*2\r\n$3\r\nGET\r\n$-1\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123",
	"*1\r\n$1\r\n\r\r\n*1\r\n$1\r\n\n\r\n",
}

// parseWhole parses every request in data with one call each, the way a
// server does when all the input has already arrived.
func parseWhole(data []byte, limits Limits) []result {
	p := Parser{Limits: limits}
	var rs []result
	for len(data) > 0 {
		out, n, err := p.Parse(data, nil)
		if n == 0 && err == nil {
			break
		}
		rs = append(rs, toResult(out, n, err))
		if err != nil {
			break
		}
		data = data[n:]
	}
	return rs
}

// parseFed parses data as it would arrive step bytes at a time, or, with
// step 0, in pieces just as large as Need asks for. Every call gets the
// unconsumed input in a fresh buffer and the previous buffer is scribbled
// over, so a Parser that kept slices of an old buffer gives wrong results.
func parseFed(t *testing.T, data []byte, step int, limits Limits) []result {
	t.Helper()
	p := Parser{Limits: limits}
	var rs []result
	var pending []byte
	fed := 0
	for {
		out, n, err := p.Parse(pending, nil)
		if n > 0 || err != nil {
			rs = append(rs, toResult(out, n, err))
			if err != nil {
				return rs
			}
			pending = moveBuffer(pending, pending[n:], nil)
			continue
		}
		if step == 0 {
			checkNeedIsMinimal(t, data[fed-len(pending):], p.Need(), limits)
		}
		if fed == len(data) {
			return rs
		}
		if p.Need() <= len(pending) {
			t.Fatalf("after %q: incomplete with Need() = %d", pending, p.Need())
		}
		k := step
		if step == 0 {
			k = p.Need() - len(pending)
		}
		k = min(k, len(data)-fed)
		pending = moveBuffer(pending, pending, data[fed:fed+k])
		fed += k
	}
}

// checkNeedIsMinimal checks that a request whose parse said it needs need
// bytes is still incomplete with one byte less: a caller trusting an
// overstated Need would wait for input that may never come.
func checkNeedIsMinimal(t *testing.T, req []byte, need int, limits Limits) {
	t.Helper()
	if need-1 > len(req) {
		return
	}
	p := Parser{Limits: limits}
	if _, n, err := p.Parse(req[:need-1], nil); n != 0 || err != nil {
		t.Fatalf("Need() = %d but %q parses to n = %d, err = %v", need, req[:need-1], n, err)
	}
}

// moveBuffer returns keep+more in a new buffer after overwriting old.
func moveBuffer(old, keep, more []byte) []byte {
	buf := append(append([]byte(nil), keep...), more...)
	for i := range old {
		old[i] = 'Z'
	}
	return buf
}

func TestParseIncremental(t *testing.T) {
	for _, s := range feedStreams {
		whole := parseWhole([]byte(s), Limits{})
		for _, step := range []int{0, 1, 2, 3, 7} {
			got := parseFed(t, []byte(s), step, Limits{})
			if fmt.Sprint(got) != fmt.Sprint(whole) {
				t.Errorf("%q fed %d at a time:\n got %v\nwant %v", s, step, got, whole)
			}
		}
	}
}

func TestParseMillionArgs(t *testing.T) {
	const nargs = 1_000_000
	req := AppendArrayLen(nil, nargs)
	for i := range nargs {
		req = AppendBulkInt(req, int64(i))
	}
	// The request arrives 64 KiB at a time; each call must only look at
	// the new bytes, which the Parser's saved offsets make possible.
	var p Parser
	var args [][]byte
	calls := 0
	for k := 0; ; {
		k = min(k+64<<10, len(req))
		out, n, err := p.Parse(req[:k], args)
		calls++
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			if k == len(req) {
				t.Fatal("whole request incomplete")
			}
			continue
		}
		if n != len(req) || len(out) != nargs {
			t.Fatalf("n = %d, %d args; want %d, %d", n, len(out), len(req), nargs)
		}
		for _, i := range []int{0, 1, 999, 123456, nargs - 1} {
			if string(out[i]) != fmt.Sprint(i) {
				t.Fatalf("arg %d = %q", i, out[i])
			}
		}
		break
	}
	if want := (len(req) + 64<<10 - 1) / (64 << 10); calls != want {
		t.Errorf("%d calls, want %d", calls, want)
	}
}

func TestParseNeedSkipsLargeBulk(t *testing.T) {
	payload := bytes.Repeat([]byte("v"), 10<<20)
	req := AppendBulk(AppendArrayLen(nil, 1), payload)
	// A caller that waits until it holds Need() bytes parses twice: once
	// for the header and once when the payload is complete.
	var p Parser
	calls := 0
	for k := 0; k < len(req); {
		k = min(k+64<<10, len(req))
		if k < p.Need() {
			continue
		}
		out, n, err := p.Parse(req[:k], nil)
		calls++
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && (n != len(req) || len(out) != 1 || !bytes.Equal(out[0], payload)) {
			t.Fatalf("n = %d, %d args", n, len(out))
		}
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
}

func TestParseAliasesInput(t *testing.T) {
	buf := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nGET key\r\n")
	var p Parser
	out, n, _ := p.Parse(buf, nil)
	if &out[0][0] != &buf[8] || &out[1][0] != &buf[17] {
		t.Error("multibulk arguments do not alias the input")
	}
	for _, a := range out {
		if cap(a) != len(a) {
			t.Errorf("argument %q has spare capacity %d", a, cap(a)-len(a))
		}
	}
	out, _, _ = p.Parse(buf[n:], nil)
	if &out[1][0] != &buf[n+4] || cap(out[1]) != 3 {
		t.Error("plain inline arguments do not alias the input")
	}
}

func TestParseReset(t *testing.T) {
	var p Parser
	if _, n, err := p.Parse([]byte("*2\r\n$3\r\nGET\r\n"), nil); n != 0 || err != nil {
		t.Fatalf("n = %d, err = %v; want incomplete", n, err)
	}
	p.Reset()
	if p.Need() != 0 {
		t.Errorf("Need() = %d after Reset", p.Need())
	}
	out, n, err := p.Parse([]byte("PING\r\n"), nil)
	if got := toResult(out, n, err); !got.equal(result{args: []string{"PING"}, n: 6}) {
		t.Errorf("after Reset: %v", got)
	}
}

func TestParseZeroAlloc(t *testing.T) {
	var in []byte
	for range 10 {
		in = append(in, "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nxxx\r\n"...)
		in = append(in, "GET \"key:\\x30\" 'it'\r\n"...)
	}
	half := in[:len(in)/2+3]
	var p Parser
	args := make([][]byte, 0, 4)
	parse := func(buf []byte) {
		for len(buf) > 0 {
			out, n, err := p.Parse(buf, args)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			args = out
			buf = buf[n:]
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		parse(half) // leaves a request pending...
		p.Reset()   // ...which is dropped.
		parse(in)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// TestParseUnauthenticated checks the limits Redis 7.0 applies before AUTH
// (texts and thresholds read off redis-server 7.0.15 with requirepass set).
func TestParseUnauthenticated(t *testing.T) {
	f := func(in string, unauth bool, want result) {
		t.Helper()
		p := Parser{Unauthenticated: unauth}
		if got := toResult(p.Parse([]byte(in), nil)); !got.equal(want) {
			t.Errorf("Parse(%q, unauth=%v):\n got %v\nwant %v", in, unauth, got, want)
		}
	}
	mbulk := result{err: "Protocol error: unauthenticated multibulk length"}
	bulk := result{err: "Protocol error: unauthenticated bulk length"}
	f("*11\r\n", true, mbulk)
	f("*10\r\n", true, result{})
	f("*11\r\n", false, result{})
	f("*2\r\n$16385\r\n", true, bulk)
	f("*2\r\n$16384\r\n", true, result{})
	f("*2\r\n$16385\r\n", false, result{})
}
