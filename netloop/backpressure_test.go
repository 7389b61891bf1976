package netloop_test

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// heapWatch samples the process's in-use heap (the server runs in this
// process) until stopped, and returns the peak.
func heapWatch() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// getCalls reads how many GETs the server has run from INFO commandstats.
func getCalls(t *testing.T, raw *servertest.Raw) int {
	t.Helper()
	m := regexp.MustCompile(`cmdstat_get:calls=(\d+),`).FindStringSubmatch(raw.Do("INFO", "commandstats"))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestSlowReaderBackpressure: a client pipelines GETs of a 100 KB value,
// asking for more than 1 GB of replies, and reads nothing. The server must
// stop working for it once its unsent output passes the pause threshold
// (memory stays bounded), keep serving another client, and resume when the
// slow client reads.
func TestSlowReaderBackpressure(t *testing.T) {
	srv := servertest.Start(t)
	other := servertest.Dial(t, srv.Addr)
	f := expect(t, other)
	value := strings.Repeat("v", 100<<10)
	f("+OK\r\n", "SET", "big", value)
	reply := bulk(value)
	const gets = 11000 // 11000 × 100 KB > 1 GB of replies asked for
	if int64(gets)*int64(len(reply)) <= 1<<30 {
		t.Fatal("the test asks for less than 1 GB")
	}
	peak := heapWatch()

	slow, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	req := []byte(strings.Repeat(string(request("GET", "big")), gets))
	errc := writeChunks(slow, req, nil, 0)
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server stopped reading the slow client's requests")
	}
	// The server runs a batch or two, then waits for the client.
	var calls int
	for i := 0; i < 3; i++ {
		time.Sleep(200 * time.Millisecond)
		for j := 0; j < 20; j++ {
			f(bulk("x"+strconv.Itoa(j)), "ECHO", "x"+strconv.Itoa(j))
		}
		f("+OK\r\n", "SET", "other", "1")
		f(bulk("1"), "GET", "other")
		calls = getCalls(t, other)
	}
	if calls > gets/4 {
		t.Errorf("the server ran %d of %d GETs for a client that reads nothing", calls, gets)
	}
	if p := peak(); p > 512<<20 {
		t.Errorf("heap in use peaked at %d MB while the slow client did not read", p>>20)
	} else {
		t.Logf("heap in use peaked at %d MB; %d GETs ran before the client read", p>>20, calls)
	}

	// Now it reads: the server resumes. Reading all of it back would only
	// measure the race detector; TestPipelineReadAfterSend reads everything.
	const readBack = 300
	_ = slow.SetReadDeadline(time.Now().Add(60 * time.Second))
	buf := make([]byte, len(reply))
	for i := 0; i < readBack; i++ {
		if _, err := io.ReadFull(slow, buf); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if string(buf) != reply {
			t.Fatalf("reply %d: %.40q...", i, buf)
		}
	}
	if calls := getCalls(t, other); calls < readBack {
		t.Errorf("%d GETs ran after the client read %d replies", calls, readBack)
	}
}

// TestPipelineReadAfterSend: 100,000 pipelined GETs whose replies (20 MB)
// pass the pause threshold several times over; the client reads only once
// it has sent everything, and gets every reply in order.
func TestPipelineReadAfterSend(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	value := strings.Repeat("w", 200)
	const n = 100_000
	var req []byte
	for i := 0; i < 8; i++ {
		req = append(req, request("SET", "rk"+strconv.Itoa(i), value+strconv.Itoa(i))...)
	}
	for i := 0; i < n; i++ {
		req = append(req, request("GET", "rk"+strconv.Itoa(i%8))...)
	}
	errc := writeChunks(raw.Conn(), req, nil, 0)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// Before the client reads, the server has stopped short of the end.
	time.Sleep(300 * time.Millisecond)
	if calls := getCalls(t, servertest.Dial(t, srv.Addr)); calls >= n {
		t.Fatalf("all %d GETs ran before the client read: no pause", calls)
	}
	start := time.Now()
	rs := &replyStream{c: raw.Conn()}
	for i := 0; i < 8+n; i++ {
		got, err := rs.next()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		want := "+OK\r\n"
		if i >= 8 {
			want = bulk(value + strconv.Itoa((i-8)%8))
		}
		if got != want {
			t.Fatalf("reply %d: %.40q, want %.40q", i, got, want)
		}
	}
	t.Logf("%d replies read in %v", n, time.Since(start))
}

// TestNonReaderClosedAtQueryLimit: a client that never reads and never
// stops sending has its input pile up once the server pauses it; past
// client-query-buffer-limit it is closed, and memory stays bounded.
func TestNonReaderClosedAtQueryLimit(t *testing.T) {
	srv := servertest.Start(t, "--client-query-buffer-limit", "32mb")
	rdb := srv.Client(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "big", strings.Repeat("v", 100<<10), 0).Err(); err != nil {
		t.Fatal(err)
	}
	peak := heapWatch()
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk := []byte(strings.Repeat(string(request("GET", "big")), 10000))
	_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
	sent := 0
	for {
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("still not closed after %d MB sent", sent>>20)
			}
			break
		}
		if sent > 1<<30 {
			t.Fatalf("sent %d MB without being closed", sent>>20)
		}
	}
	if v, err := rdb.Get(ctx, "big").Result(); err != nil || len(v) != 100<<10 {
		t.Fatalf("other client after the close: %d bytes, %v", len(v), err)
	}
	if p := peak(); p > 512<<20 {
		t.Errorf("heap in use peaked at %d MB", p>>20)
	} else {
		t.Logf("closed after %d MB sent; heap in use peaked at %d MB", sent>>20, p>>20)
	}
}
