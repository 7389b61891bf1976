package netloop_test

import (
	"bytes"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// TestProtocolErrors sends input that breaks the protocol: the server
// answers Redis's error after the replies of what came before, closes the
// connection, and keeps serving everyone else.
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	observer := servertest.Dial(t, srv.Addr)
	cases := []struct{ in, want string }{
		{"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"},
		{"*2\r\n$4\r\nECHO\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$2147483648\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$9223372036854775808\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{`SET "a b` + "\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{`ECHO 'a'b` + "\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{strings.Repeat("a", 70000), "-ERR Protocol error: too big inline request\r\n"},
		{"*1\r\n$" + strings.Repeat("1", 70000), "-ERR Protocol error: too big bulk count string\r\n"},
		{"*" + strings.Repeat("1", 70000), "-ERR Protocol error: too big mbulk count string\r\n"},
		// What came before the bad request is answered first; what follows is not.
		{"PING\r\n*1\r\nx\r\nPING\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n"},
		{"*3\r\n$3\r\nSET\r\n$2\r\npe\r\n$1\r\n1\r\n*1\r\n$4\r\nPING\r\n*x\r\n", "+OK\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
	}
	for _, c := range cases {
		raw := servertest.Dial(t, srv.Addr)
		raw.Send([]byte(c.in))
		if got := readToClose(t, raw.Conn()); got != c.want {
			t.Errorf("%.50q:\n got %q\nwant %q", c.in, got, c.want)
		}
		if got := observer.Do("PING"); got != "+PONG\r\n" {
			t.Fatalf("observer PING after %.50q: %q", c.in, got)
		}
	}
	expect(t, observer)(bulk("1"), "GET", "pe")
}

// TestGarbageInput throws random bytes, biased towards RESP's own, at the
// server: whatever it answers must be well-formed replies with at most one
// protocol error, last; and it must keep serving.
func TestGarbageInput(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	observer := servertest.Dial(t, srv.Addr)
	rng := rand.New(rand.NewPCG(7, 7))
	const alphabet = "*$\r\n\r\n0123456789-+: \"'\\x\x00\xffPINGSETGETabc"
	protoErrors := 0
	for i := 0; i < 300; i++ {
		in := make([]byte, 1+rng.IntN(300))
		for j := range in {
			in[j] = alphabet[rng.IntN(len(alphabet))]
		}
		if i%3 == 0 {
			in = append([]byte("*3\r\n$3\r\nSET\r\n$1\r\ng\r\n"), in...)
		}
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(in); err != nil {
			t.Fatal(err)
		}
		// Half-close: the server sees the end of input and closes.
		_ = c.(*net.TCPConn).CloseWrite()
		out := []byte(readToClose(t, c))
		c.Close()
		for len(out) > 0 {
			v, n, err := proto.ReadValue(out)
			if err != nil || n == 0 {
				t.Fatalf("input %q: malformed output %q (%v)", in, out, err)
			}
			if v.Kind == proto.KindError && strings.HasPrefix(string(v.Str), "ERR Protocol error") {
				protoErrors++
				if n != len(out) {
					t.Fatalf("input %q: replies after a protocol error: %q", in, out)
				}
			}
			out = out[n:]
		}
	}
	if protoErrors < 50 {
		t.Errorf("only %d of 300 inputs hit a protocol error: the generator is too tame", protoErrors)
	}
	if got := observer.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("observer PING: %q", got)
	}
}

// TestProtoMaxBulkLen checks the bulk size limit at its edge.
func TestProtoMaxBulkLen(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--proto-max-bulk-len", "1mb")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("+OK\r\n", "SET", "k", strings.Repeat("v", 1<<20))
	f("$1048576\r\n"+strings.Repeat("v", 1<<20)+"\r\n", "GET", "k")
	// Only the header is needed to refuse: the payload is never sent.
	raw.Send([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"))
	if got := readToClose(t, raw.Conn()); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("bulk over proto-max-bulk-len: %q", got)
	}
	// CONFIG SET changes the limit for connections already open.
	open := servertest.Dial(t, srv.Addr)
	expect(t, open)("+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "2mb")
	expect(t, open)("+OK\r\n", "SET", "k", strings.Repeat("w", 1500000))
	expect(t, open)("+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "1mb")
	// The server may close before it has read everything: ignore the
	// write's error.
	errc := writeChunks(open.Conn(), request("SET", "k", strings.Repeat("w", 1500000)), nil, 0)
	if got := readToClose(t, open.Conn()); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("bulk over a lowered proto-max-bulk-len: %q", got)
	}
	<-errc
	big := servertest.Dial(t, srv.Addr)
	big.Send([]byte("*1\r\n$2147483648\r\n"))
	if got := readToClose(t, big.Conn()); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("2 GB bulk: %q", got)
	}
	pingable(t, srv.Addr)
}

// TestTruncatedFrames disconnects in the middle of every possible place of
// a request: nothing of it may run, and the server must not notice beyond
// closing the connection.
func TestTruncatedFrames(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	reqs := [][]byte{
		request("SET", "tk", "value"),
		request("MSET", "tk", "1", "tk2", "2", "tk3", "3"),
		[]byte("SET tk 'inline value'\r\n"),
	}
	for _, req := range reqs {
		for cut := 1; cut < len(req)-1; cut++ {
			c, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(req[:cut]); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
	}
	// A large bulk cut short, once with the client closing and once with a
	// reset (SO_LINGER 0).
	for _, linger := range []bool{false, true} {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(append([]byte("*3\r\n$3\r\nSET\r\n$2\r\ntk\r\n$4000000\r\n"), make([]byte, 1500000)...)); err != nil {
			t.Fatal(err)
		}
		if linger {
			_ = c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	}
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("*3\r\n$-1\r\n$-1\r\n$-1\r\n", "MGET", "tk", "tk2", "tk3")
	f(":0\r\n", "DBSIZE")
	// The server closed all of them: only this connection is left.
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := raw.Do("CLIENT", "LIST")
		if strings.Count(list, "id=") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections left open after truncated requests: %q", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHugeMultibulk sends one DEL with ten million one-byte keys (two
// million under the race detector), fully: it must complete, and the server
// must answer others meanwhile.
func TestHugeMultibulk(t *testing.T) {
	srv := servertest.Start(t)
	nkeys := 10_000_000
	if raceEnabled {
		nkeys = 2_000_000
	}
	header := "*" + strconv.Itoa(nkeys+1) + "\r\n$3\r\nDEL\r\n"
	req := make([]byte, 0, len(header)+7*nkeys)
	req = append(req, header...)
	for i := 0; i < nkeys; i++ {
		req = append(req, '$', '1', '\r', '\n', 'a'+byte(i%26), '\r', '\n')
	}
	observer := servertest.Dial(t, srv.Addr)
	raw := servertest.Dial(t, srv.Addr)
	start := time.Now()
	errc := writeChunks(raw.Conn(), req, nil, 0)
	// While the request streams in, others are served.
	for i := 0; i < 5; i++ {
		if got := observer.Do("PING"); got != "+PONG\r\n" {
			t.Fatalf("observer PING during the huge request: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rs := &replyStream{c: raw.Conn(), wait: 180 * time.Second}
	got, err := rs.next()
	if err != nil {
		t.Fatalf("DEL with %d keys: %v (after %v)", nkeys, err, time.Since(start))
	}
	if got != ":0\r\n" {
		t.Fatalf("DEL with %d keys: %q", nkeys, got)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Logf("DEL with %d keys (%d MB) answered in %v", nkeys, len(req)>>20, time.Since(start))
	expect(t, raw)("+PONG\r\n", "PING")
	if got := observer.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("observer PING after: %q", got)
	}
}

// TestQueryBufferLimit: a client whose unfinished request grows past
// client-query-buffer-limit is closed without a reply, as in Redis.
func TestQueryBufferLimit(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--client-query-buffer-limit", "1mb")
	observer := servertest.Dial(t, srv.Addr)
	for _, head := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$3000000\r\n", // one big bulk
		"*2000000\r\n", // many small ones
	} {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte("$1\r\nx\r\n"), (2<<20)/7)
		if head[1] == '3' {
			body = make([]byte, 2<<20)
		}
		// The write may fail once the server has closed: that is the point.
		errc := writeChunks(c, append([]byte(head), body...), nil, 0)
		if got := readToClose(t, c); got != "" {
			t.Errorf("%q: closed with a reply %q", head, got)
		}
		<-errc
		c.Close()
		if got := observer.Do("PING"); got != "+PONG\r\n" {
			t.Fatalf("observer PING: %q", got)
		}
	}
	// A blocked client's input counts too.
	blocked := servertest.Dial(t, srv.Addr)
	blocked.Send(request("BLPOP", "nolist", "0"))
	errc := writeChunks(blocked.Conn(), make([]byte, 2<<20), nil, 0)
	if got := readToClose(t, blocked.Conn()); got != "" {
		t.Errorf("blocked client over the limit: closed with a reply %q", got)
	}
	<-errc
	// Under the limit, the same kind of request completes.
	expect(t, observer)("+OK\r\n", "SET", "q", strings.Repeat("x", 900_000))
	expect(t, observer)(":1\r\n", "EXISTS", "q")
}
