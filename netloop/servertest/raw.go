package servertest

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/shoal-db/shoal/proto"
)

// Raw is a plain TCP connection that sends commands as multibulk requests
// and returns each reply's exact bytes, for byte-for-byte comparisons.
type Raw struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	buf  []byte
}

// Dial opens a Raw connection to addr, closed when the test ends.
func Dial(t testing.TB, addr string) *Raw {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Raw{t: t, conn: c, r: bufio.NewReader(c)}
}

// Send writes raw bytes.
func (r *Raw) Send(b []byte) {
	r.t.Helper()
	_ = r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// Do sends one command and returns its reply's bytes.
func (r *Raw) Do(args ...string) string {
	r.t.Helper()
	req := proto.AppendArrayLen(nil, len(args))
	for _, a := range args {
		req = proto.AppendBulkString(req, a)
	}
	r.Send(req)
	return r.Read()
}

// Read returns the bytes of the next reply (fails the test after 10 s).
func (r *Raw) Read() string {
	r.t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if len(r.buf) > 0 {
			_, n, err := proto.ReadValue(r.buf)
			if err != nil {
				r.t.Fatalf("bad reply %q: %v", r.buf, err)
			}
			if n > 0 {
				out := string(r.buf[:n])
				r.buf = r.buf[n:]
				return out
			}
		}
		chunk := make([]byte, 64<<10)
		n, err := r.r.Read(chunk)
		if err != nil {
			r.t.Fatalf("read (have %q): %v", r.buf, err)
		}
		r.buf = append(r.buf, chunk[:n]...)
	}
}

// Conn exposes the connection for tests that misbehave on purpose.
func (r *Raw) Conn() net.Conn { return r.conn }
