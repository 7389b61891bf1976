package netloop_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// TestNoGoroutineLeak: once a server that had busy connections stops, the
// goroutines it started (event loops, shards, coordinator, cron) are gone.
func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	t.Run("serve", func(t *testing.T) {
		srv := servertest.Start(t, "--shards", "4")
		ctx := context.Background()
		rdb := srv.Client(t)
		for i := 0; i < 100; i++ {
			if err := rdb.MSet(ctx, "a", i, "b", i, "c", i).Err(); err != nil {
				t.Fatal(err)
			}
		}
		// Connections still open, one of them mid-request and one paused
		// on its output, when the server stops.
		partial := servertest.Dial(t, srv.Addr)
		partial.Send([]byte("*2\r\n$3\r\nGET\r\n$1"))
		if err := rdb.Set(ctx, "big", strings.Repeat("x", 256<<10), 0).Err(); err != nil {
			t.Fatal(err)
		}
		slow := servertest.Dial(t, srv.Addr)
		slow.Send([]byte(strings.Repeat("GET big\r\n", 40)))
		raw := servertest.Dial(t, srv.Addr)
		expect(t, raw)("+PONG\r\n", "PING")
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines before the server, %d after it stopped:\n%s", base, n, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
