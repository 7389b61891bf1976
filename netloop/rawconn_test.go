package netloop_test

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// expect returns the checker closure most tests here use: send one command
// on raw and compare the reply's exact bytes.
func expect(t *testing.T, raw *servertest.Raw) func(want string, args ...string) {
	return func(want string, args ...string) {
		t.Helper()
		if got := raw.Do(args...); got != want {
			t.Errorf("%s:\n got %q\nwant %q", strings.Join(args, " "), got, want)
		}
	}
}

// request encodes args as one multibulk request.
func request(args ...string) []byte {
	out := proto.AppendArrayLen(nil, len(args))
	for _, a := range args {
		out = proto.AppendBulkString(out, a)
	}
	return out
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// readToClose reads everything the server sends until it closes the
// connection, and fails the test if it stays open for 10 s. A reset by the
// peer counts as closed: the server may close with our unread input pending.
func readToClose(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
			return string(got)
		default:
			t.Fatalf("connection not closed (have %q): %v", got, err)
			return ""
		}
	}
}

// expectClosed checks that the server closed raw's connection without
// sending anything more.
func expectClosed(t *testing.T, raw *servertest.Raw) {
	t.Helper()
	if rest := readToClose(t, raw.Conn()); rest != "" {
		t.Errorf("unexpected bytes before close: %q", rest)
	}
}

// clientID returns the connection's CLIENT ID.
func clientID(t *testing.T, raw *servertest.Raw) string {
	t.Helper()
	r := raw.Do("CLIENT", "ID")
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("CLIENT ID: %q", r)
	}
	return strings.TrimSuffix(r[1:], "\r\n")
}

// helloReply is HELLO's reply for this server: a 7-entry map, flattened to
// an array under RESP2.
func helloReply(proto3 bool, id string) string {
	head, ver := "*14\r\n", "2"
	if proto3 {
		head, ver = "%7\r\n", "3"
	}
	return head + bulk("server") + bulk("redis") + bulk("version") + bulk(netloop.Version) +
		bulk("proto") + ":" + ver + "\r\n" + bulk("id") + ":" + id + "\r\n" +
		bulk("mode") + bulk("standalone") + bulk("role") + bulk("master") + bulk("modules") + "*0\r\n"
}

// pingable fails the test unless the server answers a fresh connection.
func pingable(t *testing.T, addr string) {
	t.Helper()
	raw := servertest.Dial(t, addr)
	if got := raw.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING on a fresh connection: %q", got)
	}
	raw.Conn().Close()
}

// replyStream reads replies one by one and reports errors instead of
// failing the test, for goroutines other than the test's.
type replyStream struct {
	c    net.Conn
	buf  []byte
	wait time.Duration // for each reply; 30 s if zero
}

func (r *replyStream) next() (string, error) {
	for {
		if len(r.buf) > 0 {
			_, n, err := proto.ReadValue(r.buf)
			if err != nil {
				return "", err
			}
			if n > 0 {
				out := string(r.buf[:n])
				r.buf = r.buf[n:]
				return out, nil
			}
		}
		wait := r.wait
		if wait == 0 {
			wait = 30 * time.Second
		}
		_ = r.c.SetReadDeadline(time.Now().Add(wait))
		chunk := make([]byte, 64<<10)
		n, err := r.c.Read(chunk)
		if err != nil {
			return "", err
		}
		r.buf = append(r.buf, chunk[:n]...)
	}
}
