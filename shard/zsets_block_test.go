package shard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// TestBlockingZSetDiff compares the replies of BZPOPMIN, BZPOPMAX and
// BZMPOP that do not wait with redis-server's, byte for byte.
func TestBlockingZSetDiff(t *testing.T) {
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t, "--shards", "4")
	script := [][]string{
		{"BZPOPMIN", "z", "abc"},
		{"BZPOPMIN", "z", "-1"},
		{"SET", "s", "x"},
		{"BZPOPMIN", "s", "0"},
		{"ZADD", "z", "1", "a", "2", "b", "3.5", "c", "4", "d"},
		{"BZPOPMIN", "missing", "z", "0"},
		{"BZPOPMAX", "z", "0"},
		{"BZMPOP", "0", "2", "missing", "z", "MIN", "COUNT", "5"},
		{"BZPOPMIN", "z", "0.01"},
		{"BZMPOP", "0.01", "1", "z", "MAX"},
		{"BZMPOP", "0", "0", "z", "MAX"},
		{"BZMPOP", "0", "1", "z", "SIDEWAYS"},
		{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"},
		{"MULTI"},
		{"BZPOPMIN", "z", "0"},
		{"BZMPOP", "0", "1", "z", "MIN"},
		{"EXEC"},
		{"HELLO", "3"},
		{"ZADD", "z", "1.5", "a"},
		{"BZPOPMAX", "z", "0"},
		{"BZPOPMIN", "z", "0.01"},
	}
	want, got := servertest.Dial(t, redisAddr), servertest.Dial(t, srv.Addr)
	for _, cmd := range script {
		w, g := want.Do(cmd...), got.Do(cmd...)
		if cmd[0] == "HELLO" {
			continue // names the server's version and client id
		}
		if w != g {
			t.Errorf("%q:\n got %q\nwant %q", cmd, g, w)
		}
	}
}

// TestBlockingZSetServed wakes a BZPOPMAX blocked on two sorted sets with a
// ZADD to one of them.
func TestBlockingZSetServed(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	admin := srv.Client(t)
	w := srv.Client(t)
	got := make(chan *redis.ZWithKey, 1)
	go func() { got <- w.BZPopMax(ctx, 0, "za", "zb").Val() }()
	for !strings.Contains(admin.Info(ctx, "clients").Val(), "blocked_clients:1\r\n") {
		time.Sleep(5 * time.Millisecond)
	}
	admin.ZAdd(ctx, "zb", redis.Z{Score: 2, Member: "m"}, redis.Z{Score: 1, Member: "n"})
	v := <-got
	if v == nil || v.Key != "zb" || v.Member != "m" || v.Score != 2 {
		t.Fatalf("served %+v", v)
	}
	if left := admin.ZRange(ctx, "zb", 0, -1).Val(); len(left) != 1 || left[0] != "n" {
		t.Fatalf("zb = %v", left)
	}
}

// TestZSetOpsOnSetsDiff checks that ZUNION, ZINTER, ZDIFF and their STORE
// forms take plain sets (members scoring 1) exactly as redis-server does.
func TestZSetOpsOnSetsDiff(t *testing.T) {
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t, "--shards", "4")
	script := [][]string{
		{"SADD", "{t}s", "a", "b", "c"},
		{"SADD", "{t}ints", "1", "2", "3"},
		{"ZADD", "{t}z", "2", "a", "5", "x"},
		{"ZUNION", "2", "{t}s", "{t}z", "WITHSCORES"},
		{"ZUNION", "3", "{t}s", "{t}z", "{t}ints", "WEIGHTS", "2", "3", "0.5", "WITHSCORES"},
		{"ZINTER", "2", "{t}s", "{t}z", "AGGREGATE", "MAX", "WITHSCORES"},
		{"ZDIFF", "2", "{t}s", "{t}z", "WITHSCORES"},
		{"ZINTERCARD", "2", "{t}s", "{t}z"},
		{"ZUNIONSTORE", "{t}out", "2", "{t}s", "{t}ints"},
		{"ZRANGE", "{t}out", "0", "-1", "WITHSCORES"},
		{"ZINTERSTORE", "other", "2", "{t}s", "{t}z"},
		{"ZRANGE", "other", "0", "-1", "WITHSCORES"},
		{"SET", "{t}str", "v"},
		{"ZUNION", "2", "{t}s", "{t}str"},
	}
	want, got := servertest.Dial(t, redisAddr), servertest.Dial(t, srv.Addr)
	for _, cmd := range script {
		if w, g := want.Do(cmd...), got.Do(cmd...); w != g {
			t.Errorf("%q:\n got %q\nwant %q", cmd, g, w)
		}
	}
}
