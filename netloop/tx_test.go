package netloop_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/shard"
)

// keysOnDifferentShards returns two keys that live on different shards of
// an n-shard server.
func keysOnDifferentShards(t *testing.T, n int) (string, string) {
	t.Helper()
	a := "a"
	for i := 0; i < 1000; i++ {
		b := fmt.Sprintf("b%d", i)
		if shard.KeyHash([]byte(a))%uint64(n) != shard.KeyHash([]byte(b))%uint64(n) {
			return a, b
		}
	}
	t.Fatal("no pair of keys on different shards")
	return "", ""
}

func TestTxReplies(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	a, b := keysOnDifferentShards(t, 4)
	f := func(want string, args ...string) {
		t.Helper()
		if got := raw.Do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	f("-ERR EXEC without MULTI\r\n", "EXEC")
	f("-ERR DISCARD without MULTI\r\n", "DISCARD")
	f("+OK\r\n", "MULTI")
	f("-ERR MULTI calls can not be nested\r\n", "MULTI")
	f("-ERR WATCH inside MULTI is not allowed\r\n", "WATCH", a)
	f("+QUEUED\r\n", "SET", a, "1")
	f("+QUEUED\r\n", "INCR", a)
	f("+QUEUED\r\n", "SET", b, "x")
	f("+QUEUED\r\n", "INCR", b)
	f("+QUEUED\r\n", "PING")
	f("+QUEUED\r\n", "MGET", a, b)
	f("*6\r\n+OK\r\n:2\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+PONG\r\n*2\r\n$1\r\n2\r\n$1\r\nx\r\n", "EXEC")

	// Queue-time errors abort the whole transaction.
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "SET", a, "changed")
	f("-ERR unknown command 'NOPE', with args beginning with: \r\n", "NOPE")
	f("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	f("-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	f("$1\r\n2\r\n", "GET", a)

	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "SET", a, "discarded")
	f("+OK\r\n", "DISCARD")
	f("$1\r\n2\r\n", "GET", a)

	// SELECT queued inside MULTI applies to the commands after it.
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "SELECT", "3")
	f("+QUEUED\r\n", "SET", a, "in3")
	f("*2\r\n+OK\r\n+OK\r\n", "EXEC")
	f("$3\r\nin3\r\n", "GET", a)
	f("+OK\r\n", "SELECT", "0")
	f("$1\r\n2\r\n", "GET", a)
}

func TestWatch(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	other := srv.Client(t)
	ctx := context.Background()
	a, b := keysOnDifferentShards(t, 4)
	f := func(want string, args ...string) {
		t.Helper()
		if got := raw.Do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	// Another client modifies a watched key between WATCH and EXEC.
	f("+OK\r\n", "WATCH", a, b)
	if err := other.Set(ctx, b, "theirs", 0).Err(); err != nil {
		t.Fatal(err)
	}
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "SET", a, "mine")
	f("*-1\r\n", "EXEC")
	f("$-1\r\n", "GET", a)

	// Unmodified watched keys let EXEC run; EXEC forgets the watch.
	f("+OK\r\n", "WATCH", a)
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "SET", a, "mine")
	f("*1\r\n+OK\r\n", "EXEC")
	if err := other.Set(ctx, a, "later", 0).Err(); err != nil {
		t.Fatal(err)
	}
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "GET", a)
	f("*1\r\n$5\r\nlater\r\n", "EXEC")

	// UNWATCH forgets the watch.
	f("+OK\r\n", "WATCH", a)
	f("+OK\r\n", "UNWATCH")
	if err := other.Set(ctx, a, "again", 0).Err(); err != nil {
		t.Fatal(err)
	}
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "GET", a)
	f("*1\r\n$5\r\nagain\r\n", "EXEC")

	// FLUSHDB aborts only watchers of keys that existed.
	f("+OK\r\n", "WATCH", a, "never-existed")
	if err := other.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "PING")
	f("*-1\r\n", "EXEC")
	f("+OK\r\n", "WATCH", "never-existed")
	if err := other.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "PING")
	f("*1\r\n+PONG\r\n", "EXEC")

	// A watched key that expires before EXEC aborts it.
	f("+OK\r\n", "SET", a, "v", "PX", "50")
	f("+OK\r\n", "WATCH", a)
	f("+OK\r\n", "DEBUG", "SLEEP", "0.1")
	f("+OK\r\n", "MULTI")
	f("+QUEUED\r\n", "PING")
	f("*-1\r\n", "EXEC")
}

// TestTxAtomicAcrossShards runs transactions that increment two keys on
// different shards against readers that read both in a transaction: no
// reader may see them differ.
func TestTxAtomicAcrossShards(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	a, b := keysOnDifferentShards(t, 4)
	ctx := context.Background()
	const writers, readers, rounds = 4, 4, 300
	var reads atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		c := srv.Client(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Incr(ctx, a)
					p.Incr(ctx, b)
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for r := 0; r < readers; r++ {
		c := srv.Client(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				var ga, gb *redis.StringCmd
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					ga = p.Get(ctx, a)
					gb = p.Get(ctx, b)
					return nil
				})
				if err != nil && err != redis.Nil {
					t.Error(err)
					return
				}
				if ga.Val() != gb.Val() {
					t.Errorf("read %s=%q %s=%q", a, ga.Val(), b, gb.Val())
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	if reads.Load() != readers*rounds {
		t.Fatalf("only %d of %d reads done", reads.Load(), readers*rounds)
	}
	c := srv.Client(t)
	if got := c.Get(ctx, a).Val(); got != fmt.Sprint(writers*rounds) {
		t.Fatalf("%s = %s, want %d", a, got, writers*rounds)
	}
}

// TestWatchReadOnlyKeys checks that a write command leaves WATCH alone on
// the keys it only reads (the sources of SINTERSTORE, ZUNIONSTORE, COPY)
// and aborts it on the key it writes, as Redis does.
func TestWatchReadOnlyKeys(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	other := srv.Client(t)
	ctx := context.Background()
	other.SAdd(ctx, "s1", "a", "b")
	other.SAdd(ctx, "s2", "b")
	other.ZAdd(ctx, "z1", redis.Z{Score: 1, Member: "a"})
	other.Set(ctx, "src", "v", 0)
	f := func(watched string, write func(), wantAbort bool) {
		t.Helper()
		raw.Do("WATCH", watched)
		write()
		raw.Do("MULTI")
		raw.Do("PING")
		got := raw.Do("EXEC")
		if aborted := got == "*-1\r\n"; aborted != wantAbort {
			t.Errorf("WATCH %s: EXEC replied %q, want aborted=%v", watched, got, wantAbort)
		}
	}
	f("s1", func() { other.SInterStore(ctx, "dst", "s1", "s2") }, false)
	f("dst", func() { other.SInterStore(ctx, "dst", "s1", "s2") }, true)
	f("z1", func() { other.ZUnionStore(ctx, "zdst", &redis.ZStore{Keys: []string{"z1"}}) }, false)
	f("zdst", func() { other.ZUnionStore(ctx, "zdst", &redis.ZStore{Keys: []string{"z1"}}) }, true)
	f("src", func() { other.Copy(ctx, "src", "copy", 0, true) }, false)
	f("copy", func() { other.Copy(ctx, "src", "copy", 0, true) }, true)
}

// TestRejectedCalls checks INFO commandstats' rejected_calls for commands
// refused before running (wrong arity, not authenticated).
func TestRejectedCalls(t *testing.T) {
	srv := servertest.Start(t, "--requirepass", "pw")
	raw := servertest.Dial(t, srv.Addr)
	if got := raw.Do("GET", "k"); got != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("GET before AUTH: %q", got)
	}
	raw.Do("AUTH", "pw")
	if got := raw.Do("GET"); got != "-ERR wrong number of arguments for 'get' command\r\n" {
		t.Fatalf("GET without key: %q", got)
	}
	raw.Do("GET", "k")
	info := raw.Do("INFO", "commandstats")
	if !strings.Contains(info, "cmdstat_get:calls=1,") || !strings.Contains(info, "rejected_calls=2,failed_calls=0") {
		t.Fatalf("INFO commandstats:\n%s", info)
	}
}

// TestExecCountsConnectionCommands: connection commands run by EXEC count
// in INFO commandstats and errorstats, as Redis counts every command EXEC
// runs.
func TestExecCountsConnectionCommands(t *testing.T) {
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	raw.Do("CONFIG", "RESETSTAT")
	for _, args := range [][]string{{"MULTI"}, {"PING"}, {"SELECT", "99"}, {"EXEC"}} {
		raw.Do(args...)
	}
	info := raw.Do("INFO", "commandstats")
	for _, want := range []string{"cmdstat_ping:calls=1,", "cmdstat_select:calls=1,"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO commandstats lacks %q:\n%s", want, info)
		}
	}
	for _, line := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(line, "cmdstat_select:") && !strings.HasSuffix(line, "failed_calls=1") {
			t.Errorf("SELECT 99 inside EXEC is not a failed call: %s", line)
		}
	}
	if errs := raw.Do("INFO", "errorstats"); !strings.Contains(errs, "errorstat_ERR:count=1") {
		t.Errorf("INFO errorstats:\n%s", errs)
	}
}
