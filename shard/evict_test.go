package shard_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/shard"
)

func TestObjectStaysSmall(t *testing.T) {
	// Every value not held in its key's record is an Object: a field added
	// to it costs memory per collection and long string.
	if got := shard.ObjectSizeForTest(); got != 48 {
		t.Fatalf("unsafe.Sizeof(Object{}) = %d, want 48", got)
	}
}

// TestMemoryAccountingNeverDrifts runs random writes of every type, with
// in-place changes, conversions between encodings, TTLs, expiry, renames,
// moves, transactions, served blocked clients and flushes, and checks after
// each round that every database's byte count equals a recount of its keys
// from scratch.
func TestMemoryAccountingNeverDrifts(t *testing.T) {
	srv := servertest.Start(t, "--shards", "3")
	ctx := context.Background()
	rdb := srv.Client(t)
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(when string) int64 {
		t.Helper()
		n, err := shard.CheckMemoryForTest(srv.Srv.Engine)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		return n
	}
	if n := check("empty"); n != 0 {
		t.Fatalf("empty server accounts %d bytes", n)
	}
	val := func() string { return strings.Repeat("v", rng.IntN(300)) }
	key := func() string { return fmt.Sprintf("k%d", rng.IntN(40)) }
	num := func() string { return fmt.Sprint(rng.IntN(1000)) }
	cmds := []func() []any{
		func() []any { return []any{"set", key(), val()} },
		func() []any { return []any{"set", key(), val(), "keepttl"} },
		func() []any { return []any{"set", key(), num(), "get"} },
		func() []any { return []any{"append", key(), val()} },
		func() []any { return []any{"setrange", key(), rng.IntN(50), val()} },
		func() []any { return []any{"incrby", key(), 12345678901} },
		// Strings around the longest kept in a key's record (2 KiB), so
		// that writes move values into and out of records.
		func() []any { return []any{"set", key(), strings.Repeat("w", 1900+rng.IntN(300))} },
		func() []any { return []any{"setrange", key(), 1950 + rng.IntN(200), val()} },
		func() []any { return []any{"mset", key(), val(), key(), num()} },
		func() []any { return []any{"getdel", key()} },
		func() []any { return []any{"del", key(), key()} },
		func() []any { return []any{"expire", key(), 100} },
		func() []any { return []any{"pexpire", key(), 1} },
		func() []any { return []any{"persist", key()} },
		func() []any { return []any{"rename", key(), key()} },
		func() []any { return []any{"copy", key(), key(), "replace"} },
		func() []any { return []any{"move", key(), 1} },
		func() []any { return []any{"lpush", key(), val(), num()} },
		func() []any { return []any{"rpush", key(), strings.Repeat("x", 9000)} },
		func() []any { return []any{"lpop", key(), 2} },
		func() []any { return []any{"lmove", key(), key(), "left", "right"} },
		func() []any { return []any{"ltrim", key(), 1, -2} },
		func() []any { return []any{"hset", key(), num(), val(), num(), num()} },
		func() []any { return []any{"hdel", key(), num()} },
		func() []any { return []any{"hincrby", key(), num(), 7} },
		func() []any { return []any{"sadd", key(), num(), num()} },
		func() []any { return []any{"sadd", key(), val()} },
		func() []any { return []any{"srem", key(), num()} },
		func() []any { return []any{"spop", key(), 3} },
		func() []any { return []any{"sunionstore", key(), key(), key()} },
		func() []any { return []any{"zadd", key(), rng.IntN(100), num(), rng.IntN(100), val()} },
		func() []any { return []any{"zincrby", key(), 3, num()} },
		func() []any { return []any{"zrem", key(), num()} },
		func() []any { return []any{"zremrangebyrank", key(), 0, 3} },
		func() []any { return []any{"xadd", key(), "*", "f", val(), "g", num()} },
		func() []any { return []any{"xtrim", key(), "maxlen", 5} },
		func() []any { return []any{"xgroup", "create", key(), "g", "0", "mkstream"} },
		func() []any { return []any{"xreadgroup", "group", "g", "c" + num(), "count", 3, "streams", key(), ">"} },
	}
	for round := 0; round < 20; round++ {
		for i := 0; i < 150; i++ {
			// Errors (WRONGTYPE, no such key, ...) are part of the mix.
			rdb.Do(ctx, cmds[rng.IntN(len(cmds))]()...)
		}
		// Many fields convert a hash, a set and a sorted set to their big
		// forms, which then change in place.
		pipe := rdb.Pipeline()
		for i := 0; i < 600; i++ {
			pipe.HSet(ctx, "bighash", fmt.Sprint(i), val())
			pipe.SAdd(ctx, "bigset", val()+fmt.Sprint(i))
			pipe.ZAdd(ctx, "bigzset", redis.Z{Score: float64(i), Member: val() + fmt.Sprint(i)})
		}
		pipe.HDel(ctx, "bighash", "1", "2", "3")
		pipe.ZRemRangeByRank(ctx, "bigzset", 0, 100)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		// A transaction over several shards.
		tx := rdb.TxPipeline()
		tx.Append(ctx, key(), val())
		tx.LPush(ctx, key(), val())
		tx.Del(ctx, key())
		_, _ = tx.Exec(ctx)
		check(fmt.Sprintf("round %d", round))
	}

	// A blocked client served by a push changes the list outside the
	// command that pushed.
	blocked := srv.Client(t)
	done := make(chan error, 1)
	go func() { done <- blocked.BLPop(ctx, 10*time.Second, "waitlist").Err() }()
	for srv.Srv.Engine.Blocked.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	rdb.RPush(ctx, "waitlist", "a", "b", "c")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	check("after a served BLPOP")

	// Keys that expired, reclaimed by access and by the active cycle.
	for i := 0; i < 50; i++ {
		rdb.Set(ctx, fmt.Sprintf("ttl%d", i), val(), time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	for i := 0; i < 25; i++ {
		rdb.Get(ctx, fmt.Sprintf("ttl%d", i))
	}
	check("after expiry")

	rdb.Do(ctx, "swapdb", 0, 1)
	check("after SWAPDB")
	rdb.FlushDB(ctx)
	check("after FLUSHDB")
	rdb.FlushAll(ctx)
	if n := check("after FLUSHALL"); n != 0 {
		t.Fatalf("FLUSHALL left %d bytes accounted", n)
	}
}

// TestMemoryAccountingTracksHeap compares the accounting with the live Go
// heap for 200,000 small strings: the count must neither hide most of what
// keys cost nor inflate it, and the keys must not be heap objects.
func TestMemoryAccountingTracksHeap(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	rdb := srv.Client(t)
	before, objectsBefore := liveHeap()
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		// Every fourth key has a TTL and every fourth value is an integer,
		// so that both tables and both in-record encodings count.
		var ttl time.Duration
		if i%4 == 0 {
			ttl = time.Hour
		}
		val := "0123456789abcdef"
		if i%4 == 1 {
			val = fmt.Sprint(i * 7919)
		}
		pipe.Set(ctx, fmt.Sprintf("key:%d", i), val, ttl)
		if i%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	after, objectsAfter := liveHeap()
	grown := after - before
	counted, err := shard.CheckMemoryForTest(srv.Srv.Engine)
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(counted) / float64(grown)
	t.Logf("%d keys: accounted %d bytes (%.1f per key), live heap grew %d (%.1f per key), ratio %.2f",
		n, counted, float64(counted)/float64(n), grown, float64(grown)/float64(n), ratio)
	if ratio < 0.8 || ratio > 1.5 {
		t.Errorf("accounting/heap ratio %.2f, want within [0.8, 1.5]", ratio)
	}
	// Keys and short values live in pointer-free pages (package keytab):
	// the garbage collector sees a page per few thousand keys, not an
	// object or two per key.
	objects := int64(objectsAfter) - int64(objectsBefore)
	t.Logf("heap objects grew by %d for %d keys", objects, n)
	if objects > int64(n/100) {
		t.Errorf("heap objects grew by %d for %d keys, want under one per 100 keys", objects, n)
	}
}

// liveHeap is the heap in use right after a collection, and the number of
// objects in it.
func liveHeap() (int64, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), ms.HeapObjects
}
