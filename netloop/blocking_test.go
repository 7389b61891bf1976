package netloop_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// waitBlocked waits until INFO reports n blocked clients.
func waitBlocked(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	for i := 0; i < 2000; i++ {
		info := c.Info(context.Background(), "clients").Val()
		if strings.Contains(info, want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("never reached %q", want)
}

func TestBlockingReplies(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	f := func(want string, args ...string) {
		t.Helper()
		if got := raw.Do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	f("-ERR timeout is not a float or out of range\r\n", "BLPOP", "l", "abc")
	f("-ERR timeout is negative\r\n", "BLPOP", "l", "-1")
	f("-ERR timeout is negative\r\n", "BLMOVE", "a", "b", "LEFT", "RIGHT", "-0.5")
	f("+OK\r\n", "SET", "s", "x")
	f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "BLPOP", "s", "0")
	f(":2\r\n", "RPUSH", "l", "a", "b")
	f("*2\r\n$1\r\nl\r\n$1\r\na\r\n", "BLPOP", "missing", "l", "0")
	f("*2\r\n$1\r\nl\r\n$1\r\nb\r\n", "BRPOP", "l", "0")
	f("*-1\r\n", "BLPOP", "l", "0.05")
	f("$-1\r\n", "BRPOPLPUSH", "l", "d", "0.05")
	f("*-1\r\n", "BLMPOP", "0.05", "1", "l", "LEFT")
	f(":3\r\n", "RPUSH", "l", "1", "2", "3")
	f("*2\r\n$1\r\nl\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n", "BLMPOP", "0", "2", "x", "l", "RIGHT", "COUNT", "2")
	f("$1\r\n1\r\n", "BLMOVE", "l", "d", "LEFT", "RIGHT", "0")
	f("*1\r\n$1\r\n1\r\n", "LRANGE", "d", "0", "-1")
	// Inside MULTI a blocking command answers at once.
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "BLPOP", "empty", "0")
	f("+QUEUED\r\n", "BLMOVE", "empty", "d", "LEFT", "LEFT", "0")
	f("*2\r\n*-1\r\n$-1\r\n", "EXEC")
}

// TestBlockingFIFO checks that clients blocked on one key are served in the
// order they blocked.
func TestBlockingFIFO(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	admin := srv.Client(t)
	const n = 5
	results := make([]chan string, n)
	for i := 0; i < n; i++ {
		results[i] = make(chan string, 1)
		c := srv.Client(t)
		go func(i int) {
			v, err := c.BLPop(ctx, 0, "q").Result()
			if err != nil {
				results[i] <- err.Error()
				return
			}
			results[i] <- v[1]
		}(i)
		waitBlocked(t, admin, i+1)
	}
	for i := 0; i < n; i++ {
		admin.RPush(ctx, "q", fmt.Sprint(i))
	}
	for i := 0; i < n; i++ {
		if got := <-results[i]; got != fmt.Sprint(i) {
			t.Errorf("client %d got %q, want %d", i, got, i)
		}
	}
	waitBlocked(t, admin, 0)
}

// TestBlockingTwoShardsServedOnce blocks one client on two keys of
// different shards and pushes to both at once, many times: the client gets
// exactly one element and the other stays in its list.
func TestBlockingTwoShardsServedOnce(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	a, b := keysOnDifferentShards(t, 4)
	admin := srv.Client(t)
	waiter := srv.Client(t)
	pa, pb := srv.Client(t), srv.Client(t)
	const rounds = 200
	for r := 0; r < rounds; r++ {
		got := make(chan []string, 1)
		go func() {
			v, err := waiter.BLPop(ctx, 0, a, b).Result()
			if err != nil {
				t.Error(err)
			}
			got <- v
		}()
		waitBlocked(t, admin, 1)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); pa.RPush(ctx, a, "va") }()
		go func() { defer wg.Done(); pb.RPush(ctx, b, "vb") }()
		wg.Wait()
		v := <-got
		left := admin.LLen(ctx, a).Val() + admin.LLen(ctx, b).Val()
		if len(v) != 2 || left != 1 {
			t.Fatalf("round %d: served %v, %d elements left (want 1)", r, v, left)
		}
		admin.Del(ctx, a, b)
	}
}

// TestBlockingThousandClients wakes 1,000 blocked clients with 1,000 pushes:
// every element reaches exactly one client.
func TestBlockingThousandClients(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	admin := srv.Client(t)
	const n = 1000
	// A thousand simultaneous dials can queue for seconds on a loaded
	// two-core machine running the race detector: wait for them.
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: n + 10, DisableIdentity: true,
		DialTimeout: time.Minute, PoolTimeout: time.Minute, ReadTimeout: time.Minute})
	defer c.Close()
	got := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.BRPop(ctx, 0, "many").Result()
			if err != nil {
				t.Error(err)
				return
			}
			got <- v[1]
		}()
	}
	waitBlocked(t, admin, n)
	for i := 0; i < n; i++ {
		if err := admin.LPush(ctx, "many", fmt.Sprint(i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for v := range got {
		if seen[v] {
			t.Fatalf("%s served twice", v)
		}
		seen[v] = true
	}
	if len(seen) != n || admin.LLen(ctx, "many").Val() != 0 {
		t.Fatalf("%d distinct elements served, %d left", len(seen), admin.LLen(ctx, "many").Val())
	}
}

// TestBlockingTimeout checks that a timeout fires at its deadline: never
// early, and within 100 ms late in most runs (the machine may be loaded, so
// one slow run in five is tolerated).
func TestBlockingTimeout(t *testing.T) {
	srv := servertest.Start(t)
	// go-redis rounds blocking timeouts up to whole seconds: send raw.
	raw := servertest.Dial(t, srv.Addr)
	const timeout = 200 * time.Millisecond
	late := 0
	for i := 0; i < 5; i++ {
		start := time.Now()
		got := raw.Do("BLPOP", "nothing", "0.2")
		elapsed := time.Since(start)
		if got != "*-1\r\n" {
			t.Fatalf("got %q, want a nil reply", got)
		}
		if elapsed < timeout {
			t.Fatalf("timed out after %v, before the %v deadline", elapsed, timeout)
		}
		if elapsed > timeout+100*time.Millisecond {
			late++
		}
	}
	if late > 1 {
		t.Fatalf("%d of 5 timeouts fired more than 100 ms late", late)
	}
}

func TestBlockingTransactions(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	admin := srv.Client(t)
	a, b := keysOnDifferentShards(t, 4)

	// A push inside MULTI wakes the waiter after EXEC, with the state EXEC
	// left: here the element pushed to a.
	got := make(chan []string, 1)
	w := srv.Client(t)
	go func() { got <- w.BLPop(ctx, 0, a).Val() }()
	waitBlocked(t, admin, 1)
	_, err := admin.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, a, "x")
		p.Set(ctx, b, "in-tx", 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := <-got; len(v) != 2 || v[1] != "x" {
		t.Fatalf("served %v", v)
	}

	// A key filled and emptied within one transaction does not wake it.
	go func() { got <- w.BLPop(ctx, 0, a).Val() }()
	waitBlocked(t, admin, 1)
	_, err = admin.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, a, "y")
		p.LPop(ctx, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, admin, 1)
	admin.RPush(ctx, a, "z")
	if v := <-got; len(v) != 2 || v[1] != "z" {
		t.Fatalf("served %v", v)
	}
}

func TestClientUnblockAndDisconnect(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	admin := srv.Client(t)

	raw := servertest.Dial(t, srv.Addr)
	id := strings.TrimSpace(strings.TrimPrefix(raw.Do("CLIENT", "ID"), ":"))
	raw.Send([]byte("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n"))
	waitBlocked(t, admin, 1)
	if n := admin.ClientUnblock(ctx, mustInt(t, id)).Val(); n != 1 {
		t.Fatalf("CLIENT UNBLOCK = %d", n)
	}
	if got := raw.Read(); got != "*-1\r\n" {
		t.Fatalf("unblocked with %q", got)
	}
	raw.Send([]byte("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n"))
	waitBlocked(t, admin, 1)
	admin.ClientUnblockWithError(ctx, mustInt(t, id))
	if got := raw.Read(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("unblocked with %q", got)
	}
	if n := admin.ClientUnblock(ctx, mustInt(t, id)).Val(); n != 0 {
		t.Fatalf("CLIENT UNBLOCK of a client not blocked = %d", n)
	}

	// A client that disconnects while blocked leaves nothing behind: the
	// next push stays in the list.
	gone := servertest.Dial(t, srv.Addr)
	gone.Send([]byte("*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n"))
	waitBlocked(t, admin, 1)
	gone.Conn().Close()
	waitBlocked(t, admin, 0)
	admin.RPush(ctx, "k", "kept")
	if v := admin.LRange(ctx, "k", 0, -1).Val(); len(v) != 1 || v[0] != "kept" {
		t.Fatalf("list after push: %v", v)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// TestBlockingJournal checks the deterministic effects journaled for
// blocking commands: BLPOP → LPOP, BLMOVE → LMOVE, BRPOPLPUSH → RPOPLPUSH.
func TestBlockingJournal(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	admin := srv.Client(t)
	journal := srv.RecordJournal(t)

	w := srv.Client(t)
	done := make(chan struct{})
	go func() { w.BLPop(ctx, 0, "jl"); close(done) }()
	waitBlocked(t, admin, 1)
	admin.RPush(ctx, "jl", "v1")
	<-done
	admin.RPush(ctx, "src", "a", "b")
	admin.BLMove(ctx, "src", "dst", "LEFT", "RIGHT", 0)
	admin.BRPopLPush(ctx, "src", "dst", 0)
	servertest.Dial(t, srv.Addr).Do("BLPOP", "nothing-here", "0.001")

	got := journal.String()
	// Commands journaled as themselves keep the client's spelling (go-redis
	// sends lower case), as Redis propagates argv unchanged.
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*3\r\n$5\r\nrpush\r\n$2\r\njl\r\n$2\r\nv1\r\n" +
		"*2\r\n$4\r\nLPOP\r\n$2\r\njl\r\n" +
		"*4\r\n$5\r\nrpush\r\n$3\r\nsrc\r\n$1\r\na\r\n$1\r\nb\r\n" +
		"*5\r\n$5\r\nLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n" +
		"*3\r\n$9\r\nRPOPLPUSH\r\n$3\r\nsrc\r\n$3\r\ndst\r\n"
	if got != want {
		t.Fatalf("journal:\n%q\nwant\n%q", got, want)
	}
}

// TestBlockingMoveAcrossShards serves a BLMOVE whose source and destination
// live on different shards.
func TestBlockingMoveAcrossShards(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	a, b := keysOnDifferentShards(t, 4)
	admin := srv.Client(t)
	w := srv.Client(t)
	got := make(chan string, 1)
	go func() { got <- w.BLMove(ctx, a, b, "RIGHT", "LEFT", 0).Val() }()
	waitBlocked(t, admin, 1)
	admin.RPush(ctx, a, "moved")
	if v := <-got; v != "moved" {
		t.Fatalf("BLMOVE served %q", v)
	}
	if v := admin.LRange(ctx, b, 0, -1).Val(); len(v) != 1 || v[0] != "moved" {
		t.Fatalf("%s = %v", b, v)
	}
	if n := admin.Exists(ctx, a).Val(); n != 0 {
		t.Fatalf("%s still exists", a)
	}
}

// TestBlockingMoveAfterLoopReuse blocks BLMOVE and BRPOPLPUSH and then sends
// other commands through the same event loop, which reuses the read buffer
// the blocked commands were parsed from: they must still be served with
// their own keys.
func TestBlockingMoveAfterLoopReuse(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1", "--io-threads", "1")
	ctx := context.Background()
	admin := srv.Client(t)
	for _, cmd := range [][]string{
		{"BLMOVE", "src1", "dst1", "LEFT", "RIGHT", "0"},
		{"BRPOPLPUSH", "src1", "dst1", "0"},
	} {
		w := servertest.Dial(t, srv.Addr)
		req := proto.AppendArrayLen(nil, len(cmd))
		for _, a := range cmd {
			req = proto.AppendBulkString(req, a)
		}
		w.Send(req)
		waitBlocked(t, admin, 1)
		admin.Set(ctx, "overwrites-the-read-buffer-xxxxxxxxxxxxxxxxxxxx", "v", 0)
		admin.RPush(ctx, "src1", "elem")
		if got := w.Read(); got != "$4\r\nelem\r\n" {
			t.Fatalf("%s served %q", cmd[0], got)
		}
		if v := admin.RPop(ctx, "dst1").Val(); v != "elem" {
			t.Fatalf("%s moved %q to dst1", cmd[0], v)
		}
	}
}
