package netloop_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// closedWithin reports whether the server closes c within d, without
// reading any reply bytes that may be pending (it drains them).
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 64<<10)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, io.EOF)
	}
}

// TestIdleTimeout: with timeout 1, an idle client is closed, while blocked
// clients, subscribers and a client still reading a large output are not,
// as in Redis.
func TestIdleTimeout(t *testing.T) {
	srv := servertest.Start(t, "--timeout", "1")
	idle := servertest.Dial(t, srv.Addr)
	expect(t, idle)("+PONG\r\n", "PING")
	blocked := servertest.Dial(t, srv.Addr)
	blocked.Send(request("BLPOP", "nolist", "0"))
	sub := servertest.Dial(t, srv.Addr)
	expect(t, sub)("*3\r\n"+bulk("subscribe")+bulk("ch")+":1\r\n", "SUBSCRIBE", "ch")
	active := servertest.Dial(t, srv.Addr)
	fa := expect(t, active)
	fa("+OK\r\n", "SET", "big", strings.Repeat("x", 100<<10))
	reader := servertest.Dial(t, srv.Addr)
	const gets = 100
	reader.Send([]byte(strings.Repeat("GET big\r\n", gets)))

	// The reader takes its 10 MB slowly, over 3 s: longer than the timeout,
	// with output waiting in the server all along.
	readDone := make(chan error, 1)
	go func() {
		buf := make([]byte, 32<<10)
		_ = reader.Conn().SetReadDeadline(time.Now().Add(20 * time.Second))
		for got := 0; got < gets*len(bulk(strings.Repeat("x", 100<<10))); {
			n, err := reader.Conn().Read(buf)
			if err != nil {
				readDone <- err
				return
			}
			got += n
			time.Sleep(10 * time.Millisecond)
		}
		readDone <- nil
	}()
	for i := 0; i < 12; i++ {
		fa("+PONG\r\n", "PING")
		time.Sleep(250 * time.Millisecond)
	}
	if !closedWithin(idle.Conn(), 3*time.Second) {
		t.Error("idle client not closed after timeout")
	}
	for name, r := range map[string]*servertest.Raw{"blocked": blocked, "subscriber": sub} {
		if closedWithin(r.Conn(), 100*time.Millisecond) {
			t.Errorf("%s client closed by the idle timeout", name)
		}
	}
	if err := <-readDone; err != nil {
		t.Errorf("client reading a large output: %v", err)
	}
}
