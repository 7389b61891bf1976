package shard_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// zsetChecker returns a checker that runs one command and compares its
// reply, rendered by showReply, with want.
func zsetChecker(t *testing.T, rdb *redis.Client) func(want string, cmd ...any) {
	return func(want string, cmd ...any) {
		t.Helper()
		v, err := rdb.Do(context.Background(), cmd...).Result()
		if got := showReply(v, err); got != want {
			t.Errorf("%v: got %s, want %s", cmd, got, want)
		}
	}
}

func TestZSetAddAndScore(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := zsetChecker(t, srv.Client(t))
		f("3", "ZADD", "z", 1, "a", 2.5, "b", "-inf", "c")
		f("3", "ZCARD", "z")
		f(`"zset"`, "TYPE", "z")
		f(`"2.5"`, "ZSCORE", "z", "b")
		f(`"-inf"`, "ZSCORE", "z", "c")
		f("nil", "ZSCORE", "z", "nosuch")
		f("nil", "ZSCORE", "nosuch", "a")
		f(`["1" nil "2.5"]`, "ZMSCORE", "z", "a", "x", "b")
		f(`[nil nil]`, "ZMSCORE", "nosuch", "a", "b")
		f("0", "ZCARD", "nosuch")

		// NX, XX, GT, LT, CH and INCR.
		f("1", "ZADD", "z", "NX", 5, "a", 5, "d")
		f(`"1"`, "ZSCORE", "z", "a")
		f("0", "ZADD", "z", "XX", 5, "a", 5, "e")
		f("nil", "ZSCORE", "z", "e")
		f("1", "ZADD", "z", "XX", "CH", 6, "a", 5, "e")
		f("0", "ZADD", "z", "GT", 1, "a")
		f("1", "ZADD", "z", "GT", "CH", 7, "a")
		f("0", "ZADD", "z", "LT", "CH", 8, "a")
		f("1", "ZADD", "z", "LT", "CH", 0.5, "a")
		f("1", "ZADD", "z", "GT", 3, "new")
		f(`"1.5"`, "ZADD", "z", "INCR", 1, "a")
		f("nil", "ZADD", "z", "INCR", "NX", 1, "a")
		f("nil", "ZADD", "z", "INCR", "XX", 1, "nosuch")
		f("nil", "ZADD", "z", "INCR", "GT", -1, "a")
		f(`"0.5"`, "ZADD", "z", "INCR", "LT", -1, "a")
		f(`"10.5"`, "ZINCRBY", "z", 10, "a")
		f(`"3"`, "ZINCRBY", "z", 3, "fresh")
		f(`"0.10000000000000001"`, "ZINCRBY", "f", 0.1, "x")
		f(`"0.30000000000000004"`, "ZINCRBY", "f", 0.2, "x")
		f("0", "ZADD", "nosuch", "XX", 1, "a")
		f("nil", "ZADD", "nosuch", "XX", "INCR", 1, "a")
		f("0", "EXISTS", "nosuch")

		// Scores are parsed as strtod parses them, and printed as %.17g.
		for _, c := range [][2]string{{"0x10", "16"}, {"1e3", "1000"}, {".5", "0.5"}, {"+inf", "inf"},
			{"1e17", "1e+17"}, {"0.1", "0.10000000000000001"}, {"-0", "0"}, {"2.5e-310", "2.5000000000000171e-310"}} {
			f("1", "ZADD", "parse", c[0], "m"+c[0])
			f(strconv.Quote(c[1]), "ZSCORE", "parse", "m"+c[0])
		}

		// Errors.
		f("ERR XX and NX options at the same time are not compatible", "ZADD", "z", "NX", "XX", 1, "a")
		f("ERR GT, LT, and/or NX options at the same time are not compatible", "ZADD", "z", "GT", "LT", 1, "a")
		f("ERR GT, LT, and/or NX options at the same time are not compatible", "ZADD", "z", "NX", "GT", 1, "a")
		f("ERR INCR option supports a single increment-element pair", "ZADD", "z", "INCR", 1, "a", 2, "b")
		f("ERR value is not a valid float", "ZADD", "z", "x", "a")
		f("ERR value is not a valid float", "ZADD", "z", "nan", "a")
		f("ERR value is not a valid float", "ZADD", "z", " 1", "a")
		f("ERR value is not a valid float", "ZADD", "z", "1e400", "a")
		f("ERR value is not a valid float", "ZINCRBY", "z", "1x", "a")
		f("ERR resulting score is not a number (NaN)", "ZINCRBY", "z", "+inf", "c")
		f("ERR syntax error", "ZADD", "z", 1, "a", 2)
		f("ERR syntax error", "ZADD", "z", "NX", 1)
		f("ERR wrong number of arguments for 'zadd' command", "ZADD", "z", 1)
		f("ERR wrong number of arguments for 'zincrby' command", "ZINCRBY", "z", 1)

		f("2", "ZREM", "z", "a", "b", "nosuch")
		f("0", "ZREM", "nosuch", "a")
		f("1", "ZADD", "gone", 1, "x")
		f("1", "ZREM", "gone", "x", "y")
		f("0", "EXISTS", "gone")
	})
}

func TestZSetRanges(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := zsetChecker(t, srv.Client(t))
		for _, key := range []string{"small", "big"} {
			args := []any{"ZADD", key, 1, "a", 2, "b", 3, "c", 4, "d", 5, "e"}
			if key == "big" {
				for i := 0; i < 200; i++ {
					args = append(args, 100+i, fmt.Sprintf("z%03d", i))
				}
			}
			f(strconv.Itoa((len(args)-2)/2), args...)
			f(`["a" "b" "c"]`, "ZRANGE", key, 0, 2)
			f(`["a" "1" "b" "2"]`, "ZRANGE", key, 0, 1, "WITHSCORES")
			f(`["b" "a"]`, "ZRANGE", key, -2, -1, "REV")
			f(`["e" "d"]`, "ZRANGE", key, 5, "(3", "BYSCORE", "REV", "LIMIT", 0, 2)
			f(`["b" "c" "d"]`, "ZRANGE", key, 2, 4, "BYSCORE")
			f(`["c" "d"]`, "ZRANGE", key, 2, 4, "BYSCORE", "LIMIT", 1, 5)
			f(`["c" "3"]`, "ZRANGEBYSCORE", key, "(2", "(4", "WITHSCORES")
			f(`["d" "c"]`, "ZREVRANGEBYSCORE", key, 4, "(2")
			f(`[]`, "ZRANGEBYSCORE", key, 5, 1)
			f(`["a" "b"]`, "ZRANGEBYSCORE", key, "-inf", "+inf", "LIMIT", 0, 2)
			f(`[]`, "ZRANGEBYSCORE", key, "-inf", "+inf", "LIMIT", -1, 2)
			f("3", "ZCOUNT", key, 2, 4)
			f("0", "ZCOUNT", key, "(4", "(5")
			f("1", "ZRANK", key, "b")
			f("nil", "ZRANK", key, "nosuch")
			f(`[1 "2"]`, "ZRANK", key, "b", "WITHSCORE")
			f("nil", "ZRANK", key, "nosuch", "WITHSCORE")
			f("ERR syntax error", "ZRANK", key, "b", "WITHSCORES")
			f("ERR wrong number of arguments for 'zrank' command", "ZRANK", key, "b", "WITHSCORE", "x")
			f("ERR min or max is not a float", "ZRANGEBYSCORE", key, "x", 1)
			f("ERR min or max is not a float", "ZCOUNT", key, 1, "((1")
			f("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX", "ZRANGE", key, 0, 1, "LIMIT", 0, 1)
			f("ERR syntax error, WITHSCORES not supported in combination with BYLEX", "ZRANGE", key, "-", "+", "BYLEX", "WITHSCORES")
			f("ERR syntax error", "ZRANGE", key, 0, 1, "BYSCORE", "BYLEX")
			f("ERR value is not an integer or out of range", "ZRANGE", key, "a", 1)
		}
		f("nil", "ZRANK", "nosuch", "a", "WITHSCORE")
		f(`[]`, "ZRANGE", "nosuch", 0, -1)

		f("5", "ZADD", "lex", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
		f(`["a" "b" "c"]`, "ZRANGEBYLEX", "lex", "-", "[c")
		f(`["d" "c"]`, "ZREVRANGEBYLEX", "lex", "(e", "(b")
		f(`["b" "c"]`, "ZRANGE", "lex", "(a", "+", "BYLEX", "LIMIT", 0, 2)
		f(`["e" "d"]`, "ZRANGE", "lex", "+", "-", "BYLEX", "REV", "LIMIT", 0, 2)
		f("3", "ZLEXCOUNT", "lex", "[b", "[d")
		f("ERR min or max not valid string range item", "ZRANGEBYLEX", "lex", "a", "+")
		f("ERR min or max not valid string range item", "ZLEXCOUNT", "lex", "-", "+x")

		f("2", "ZREMRANGEBYLEX", "lex", "[b", "(d")
		f(`["a" "d" "e"]`, "ZRANGE", "lex", 0, -1)
		f("2", "ZREMRANGEBYRANK", "lex", 0, 1)
		f("1", "ZREMRANGEBYSCORE", "lex", "-inf", "+inf")
		f("0", "EXISTS", "lex")
		f("0", "ZREMRANGEBYRANK", "nosuch", 0, -1)
		f("ERR value is not an integer or out of range", "ZREMRANGEBYRANK", "small", "x", 1)

		// ZRANGESTORE replaces the destination, and deletes it for an empty
		// range.
		f(`"OK"`, "SET", "dst", "string")
		f("3", "ZRANGESTORE", "dst", "small", 0, 2)
		f(`["a" "1" "b" "2" "c" "3"]`, "ZRANGE", "dst", 0, -1, "WITHSCORES")
		f("2", "ZRANGESTORE", "dst", "big", "+inf", "(5", "BYSCORE", "REV", "LIMIT", 0, 2)
		f(`["z198" "z199"]`, "ZRANGE", "dst", 0, -1)
		f("0", "ZRANGESTORE", "dst", "small", 10, 20)
		f("0", "EXISTS", "dst")
		f("ERR syntax error", "ZRANGESTORE", "dst", "small", 0, 1, "WITHSCORES")
	})
}

func TestZSetPop(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := zsetChecker(t, srv.Client(t))
		f("4", "ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d")
		f(`["a" "1"]`, "ZPOPMIN", "z")
		f(`["d" "4"]`, "ZPOPMAX", "z")
		f(`[]`, "ZPOPMIN", "z", 0)
		f(`["b" "2" "c" "3"]`, "ZPOPMIN", "z", 10)
		f("0", "EXISTS", "z")
		f(`[]`, "ZPOPMIN", "z")
		f("ERR value is out of range, must be positive", "ZPOPMIN", "z", -1)
		f("ERR syntax error", "ZPOPMAX", "z", 1, 2)

		f("3", "ZADD", "m2", 1, "x", 2, "y", 3, "z")
		f(`["m2" [["z" "3"]]]`, "ZMPOP", 2, "m1", "m2", "MAX")
		f(`["m2" [["x" "1"] ["y" "2"]]]`, "ZMPOP", 2, "m1", "m2", "MIN", "COUNT", 5)
		f("nil", "ZMPOP", 2, "m1", "m2", "MIN")
		f("ERR numkeys should be greater than 0", "ZMPOP", 0, "m1", "MIN")
		f("ERR count should be greater than 0", "ZMPOP", 1, "m1", "MIN", "COUNT", 0)
		f("ERR syntax error", "ZMPOP", 1, "m1", "LEFT")
		f("ERR syntax error", "ZMPOP", 3, "m1", "MIN")
	})
}

func TestZSetSetOps(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := zsetChecker(t, srv.Client(t))
		f("3", "ZADD", "a", 1, "x", 2, "y", 3, "z")
		f("3", "ZADD", "b", 10, "y", 20, "z", 30, "w")
		f(`["x" "1" "y" "12" "z" "23" "w" "30"]`, "ZUNION", 2, "a", "b", "WITHSCORES")
		f(`["x" "2" "y" "10" "z" "20" "w" "30"]`, "ZUNION", 2, "a", "b", "WEIGHTS", 2, 1, "AGGREGATE", "MAX", "WITHSCORES")
		f(`["y" "2" "z" "3"]`, "ZINTER", 2, "a", "b", "AGGREGATE", "MIN", "WITHSCORES")
		f(`["x" "1"]`, "ZDIFF", 2, "a", "b", "WITHSCORES")
		f("2", "ZINTERCARD", 2, "a", "b")
		f("1", "ZINTERCARD", 2, "a", "b", "LIMIT", 1)
		f("0", "ZINTERCARD", 2, "a", "nosuch")
		f("4", "ZUNIONSTORE", "u", 2, "a", "b")
		f(`["x" "y" "z" "w"]`, "ZRANGE", "u", 0, -1)
		f("2", "ZINTERSTORE", "u", 2, "a", "b", "WEIGHTS", 1, 0)
		f(`["y" "2" "z" "3"]`, "ZRANGE", "u", 0, -1, "WITHSCORES")
		f("1", "ZDIFFSTORE", "u", 2, "a", "b")
		f(`["x"]`, "ZRANGE", "u", 0, -1)
		f("0", "ZDIFFSTORE", "u", 2, "a", "a")
		f("0", "EXISTS", "u")

		f("ERR at least 1 input key is needed for 'zunion' command", "ZUNION", 0, "a")
		f("ERR at least 1 input key is needed for 'zinterstore' command", "ZINTERSTORE", "u", 0, "a")
		f("ERR syntax error", "ZUNION", 3, "a", "b")
		f("ERR weight value is not a float", "ZUNION", 2, "a", "b", "WEIGHTS", 1, "x")
		f("ERR syntax error", "ZUNION", 2, "a", "b", "AGGREGATE", "AVG")
		f("ERR syntax error", "ZDIFF", 2, "a", "b", "WEIGHTS", 1, 1)
		f("ERR syntax error", "ZUNIONSTORE", "u", 2, "a", "b", "WITHSCORES")
		f("ERR LIMIT can't be negative", "ZINTERCARD", 1, "a", "LIMIT", -1)
		f("ERR value is not an integer or out of range", "ZUNION", "x", "a")
	})
}

// zsetShardKeys returns n keys owned by n different shards of four.
func zsetShardKeys(n int) []string {
	var keys []string
	used := map[uint64]bool{}
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("zset:%d", i)
		if s := shard.KeyHash([]byte(k)) % 4; !used[s] {
			used[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// TestZSetStoreAcrossShards runs the storing commands with their keys on
// four different shards, while other clients keep changing the sources:
// each store must see a consistent snapshot, which the final check (with
// the sources at rest) and the race detector vouch for.
func TestZSetStoreAcrossShards(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	keys := zsetShardKeys(4)
	a, b, c, dst := keys[0], keys[1], keys[2], keys[3]
	f := zsetChecker(t, rdb)
	f("2", "ZADD", a, 1, "x", 2, "y")
	f("2", "ZADD", b, 10, "y", 20, "z")
	f("1", "ZADD", c, 5, "y")
	f("3", "ZUNIONSTORE", dst, 2, a, b)
	f(`["x" "1" "y" "12" "z" "20"]`, "ZRANGE", dst, 0, -1, "WITHSCORES")
	f("1", "ZINTERSTORE", dst, 3, a, b, c, "AGGREGATE", "MAX")
	f(`["y" "10"]`, "ZRANGE", dst, 0, -1, "WITHSCORES")
	f("1", "ZDIFFSTORE", dst, 2, a, b)
	f(`["x"]`, "ZRANGE", dst, 0, -1)
	f("2", "ZRANGESTORE", dst, b, 0, -1)
	f(`["y" "z"]`, "ZRANGE", dst, 0, -1)
	f(`["y" "17"]`, "ZINTER", 3, a, b, c, "WITHSCORES")
	f("1", "ZINTERCARD", 3, a, b, c)
	f(`["x" "1"]`, "ZDIFF", 3, a, b, c, "WITHSCORES")
	f(`["`+b+`" [["z" "20"]]]`, "ZMPOP", 3, keys[3]+"none", b, c, "MAX")

	const workers, rounds = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 3))
			cl := srv.Client(t)
			for i := 0; i < rounds; i++ {
				var err error
				switch r.IntN(4) {
				case 0:
					err = cl.ZAdd(ctx, keys[r.IntN(3)], redis.Z{Score: float64(r.IntN(10)), Member: strconv.Itoa(r.IntN(20))}).Err()
				case 1:
					err = cl.ZRem(ctx, keys[r.IntN(3)], strconv.Itoa(r.IntN(20))).Err()
				case 2:
					err = cl.ZUnionStore(ctx, dst, &redis.ZStore{Keys: []string{a, b, c}, Aggregate: "MAX"}).Err()
				default:
					err = cl.ZInterStore(ctx, dst, &redis.ZStore{Keys: []string{a, b}}).Err()
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	union, err := rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{a, b, c}, Aggregate: "MAX"}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.ZUnionStore(ctx, dst, &redis.ZStore{Keys: []string{a, b, c}, Aggregate: "MAX"}).Err(); err != nil {
		t.Fatal(err)
	}
	stored, err := rdb.ZRangeWithScores(ctx, dst, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(union, stored) {
		t.Fatalf("ZUNIONSTORE stored %v, ZUNION says %v", stored, union)
	}
}

func TestZSetRandMember(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	f := zsetChecker(t, rdb)
	f("nil", "ZRANDMEMBER", "nosuch")
	f("[]", "ZRANDMEMBER", "nosuch", 3)
	f("[]", "ZRANDMEMBER", "nosuch", -3, "WITHSCORES")
	f("ERR value is out of range", "ZRANDMEMBER", "nosuch", "9223372036854775807", "WITHSCORES")
	f("ERR syntax error", "ZRANDMEMBER", "nosuch", 1, "SCORES")
	f("ERR value is not an integer or out of range", "ZRANDMEMBER", "nosuch", "x")
	for _, n := range []int{5, 1000} {
		key := fmt.Sprintf("z%d", n)
		all := map[string]float64{}
		for i := 0; i < n; i++ {
			all[strconv.Itoa(i)] = float64(i) / 2
			if err := rdb.ZAdd(ctx, key, redis.Z{Score: float64(i) / 2, Member: strconv.Itoa(i)}).Err(); err != nil {
				t.Fatal(err)
			}
		}
		for _, count := range []int{1, 3, n / 2, n - 1, n, n + 5, -1, -7, -3 * n} {
			got, err := rdb.ZRandMemberWithScores(ctx, key, count).Result()
			if err != nil {
				t.Fatal(err)
			}
			want := min(abs(count), n)
			if count < 0 {
				want = -count
			}
			if len(got) != want {
				t.Fatalf("ZRANDMEMBER %s %d: %d elements", key, count, len(got))
			}
			seen := map[string]bool{}
			for _, z := range got {
				m := z.Member.(string)
				if score, ok := all[m]; !ok || score != z.Score {
					t.Fatalf("ZRANDMEMBER %s %d: %v not in the set", key, count, z)
				}
				if count > 0 && seen[m] {
					t.Fatalf("ZRANDMEMBER %s %d: %s twice", key, count, m)
				}
				seen[m] = true
			}
		}
		m, err := rdb.ZRandMember(ctx, key, 1).Result()
		if err != nil || len(m) != 1 {
			t.Fatalf("ZRANDMEMBER %s 1: %v %v", key, m, err)
		}
	}
	// Every member of a small set comes up when drawing many.
	seen := map[string]bool{}
	for range 20 {
		got, err := rdb.ZRandMember(ctx, "z5", 2).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			seen[m] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("40 draws from 5 members saw only %v", seen)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// TestZSetScan iterates a skiplist-encoded set with ZSCAN while it changes:
// every member present throughout must come back.
func TestZSetScan(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	for i := 0; i < 1000; i++ {
		if err := rdb.ZAdd(ctx, "z", redis.Z{Score: float64(i) + 0.5, Member: fmt.Sprintf("m%d", i)}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]string{}
	var cursor uint64
	calls := 0
	for {
		items, next, err := rdb.ZScan(ctx, "z", cursor, "m*", 20).Result()
		if err != nil {
			t.Fatal(err)
		}
		calls++
		for i := 0; i+1 < len(items); i += 2 {
			seen[items[i]] = items[i+1]
		}
		// Churn outside the members [0, 500) that must all be seen.
		rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: fmt.Sprintf("n%d", calls)})
		rdb.ZRem(ctx, "z", fmt.Sprintf("m%d", 500+calls))
		if cursor = next; cursor == 0 {
			break
		}
	}
	for i := 0; i < 500; i++ {
		m := fmt.Sprintf("m%d", i)
		if want := strconv.FormatFloat(float64(i)+0.5, 'g', 17, 64); seen[m] != want {
			t.Fatalf("%s: scanned score %q, want %q", m, seen[m], want)
		}
	}
	for m := range seen {
		if !strings.HasPrefix(m, "m") {
			t.Fatalf("MATCH m* returned %s", m)
		}
	}
	if calls < 10 {
		t.Fatalf("a 1000-element set scanned in %d calls", calls)
	}
	f := zsetChecker(t, rdb)
	f(`["0" []]`, "ZSCAN", "nosuch", 0)
	f("ERR invalid cursor", "ZSCAN", "z", "x")
	f("ERR syntax error", "ZSCAN", "z", 0, "COUNT", 0)
	f("ERR syntax error", "ZSCAN", "z", 0, "TYPE", "zset")
	f("2", "ZADD", "small", 1, "a", 2, "b")
	f(`["0" ["a" "1" "b" "2"]]`, "ZSCAN", "small", 7, "COUNT", 1)
}

// TestZSetWrongType sends every sorted set command to a string key.
func TestZSetWrongType(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	f := zsetChecker(t, srv.Client(t))
	f(`"OK"`, "SET", "s", "v")
	f("1", "ZADD", "z", 1, "a")
	for _, args := range [][]any{
		{"ZADD", "s", 1, "a"}, {"ZINCRBY", "s", 1, "a"}, {"ZREM", "s", "a"}, {"ZCARD", "s"},
		{"ZSCORE", "s", "a"}, {"ZMSCORE", "s", "a"}, {"ZRANK", "s", "a"}, {"ZRANK", "s", "a", "WITHSCORE"},
		{"ZREVRANK", "s", "a"}, {"ZRANGE", "s", 0, -1}, {"ZRANGESTORE", "d", "s", 0, -1},
		{"ZREVRANGE", "s", 0, -1}, {"ZRANGEBYSCORE", "s", 0, 1}, {"ZREVRANGEBYSCORE", "s", 1, 0},
		{"ZRANGEBYLEX", "s", "-", "+"}, {"ZREVRANGEBYLEX", "s", "+", "-"}, {"ZCOUNT", "s", 0, 1},
		{"ZLEXCOUNT", "s", "-", "+"}, {"ZPOPMIN", "s"}, {"ZPOPMAX", "s", 2}, {"ZMPOP", 1, "s", "MIN"},
		{"ZREMRANGEBYRANK", "s", 0, 1}, {"ZREMRANGEBYSCORE", "s", 0, 1}, {"ZREMRANGEBYLEX", "s", "-", "+"},
		{"ZUNION", 2, "z", "s"}, {"ZINTER", 1, "s"}, {"ZDIFF", 2, "s", "z"}, {"ZUNIONSTORE", "d", 2, "z", "s"},
		{"ZINTERSTORE", "d", 1, "s"}, {"ZDIFFSTORE", "d", 1, "s"}, {"ZINTERCARD", 1, "s"},
		{"ZRANDMEMBER", "s"}, {"ZRANDMEMBER", "s", 2}, {"ZSCAN", "s", 0},
		{"GET", "z"}, {"APPEND", "z", "x"},
	} {
		f(wrongType, args...)
	}
	f(`"v"`, "GET", "s")
}

// TestZSetResp3 checks the RESP3 shapes through go-redis's typed API: doubles
// for scores, nulls, and [member, score] pairs for WITHSCORES replies.
func TestZSetResp3(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client3(t)
	if err := rdb.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}).Err(); err != nil {
		t.Fatal(err)
	}
	if s, err := rdb.ZScore(ctx, "z", "a").Result(); err != nil || s != 1.5 {
		t.Fatalf("ZSCORE: %v %v", s, err)
	}
	if _, err := rdb.ZScore(ctx, "z", "nosuch").Result(); err != redis.Nil {
		t.Fatalf("ZSCORE of a missing member: %v", err)
	}
	if s, err := rdb.ZMScore(ctx, "z", "a", "c").Result(); err != nil || !slices.Equal(s, []float64{1.5, 3}) {
		t.Fatalf("ZMSCORE: %v %v", s, err)
	}
	if s, err := rdb.ZIncrBy(ctx, "z", 0.25, "a").Result(); err != nil || s != 1.75 {
		t.Fatalf("ZINCRBY: %v %v", s, err)
	}
	want := []redis.Z{{Score: 1.75, Member: "a"}, {Score: 2, Member: "b"}, {Score: 3, Member: "c"}}
	if got, err := rdb.ZRangeWithScores(ctx, "z", 0, -1).Result(); err != nil || !slices.Equal(got, want) {
		t.Fatalf("ZRANGE WITHSCORES: %v %v", got, err)
	}
	if got, err := rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"z"}}).Result(); err != nil || !slices.Equal(got, want) {
		t.Fatalf("ZUNION WITHSCORES: %v %v", got, err)
	}
	if got, err := rdb.ZRankWithScore(ctx, "z", "b").Result(); err != nil || got.Rank != 1 || got.Score != 2 {
		t.Fatalf("ZRANK WITHSCORE: %v %v", got, err)
	}
	if got, err := rdb.ZRevRankWithScore(ctx, "z", "b").Result(); err != nil || got.Rank != 1 || got.Score != 2 {
		t.Fatalf("ZREVRANK WITHSCORE: %v %v", got, err)
	}
	if got, err := rdb.ZPopMax(ctx, "z", 2).Result(); err != nil || !slices.Equal(got, []redis.Z{want[2], want[1]}) {
		t.Fatalf("ZPOPMAX 2: %v %v", got, err)
	}
	if key, got, err := rdb.ZMPop(ctx, "min", 1, "nosuch", "z").Result(); err != nil || key != "z" || !slices.Equal(got, want[:1]) {
		t.Fatalf("ZMPOP: %v %v %v", key, got, err)
	}
	f := zsetChecker(t, rdb)
	f("nil", "ZRANK", "z", "a", "WITHSCORE")
	f("nil", "ZMPOP", 1, "z", "MIN")
	f("nil", "ZRANDMEMBER", "z")
	f("[]", "ZPOPMIN", "z")
}

// TestZSetGoRedisAPI drives the remaining commands through go-redis's typed
// API, which parses each reply into its own shape.
func TestZSetGoRedisAPI(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	check := func(what string, got, want any, err error) {
		t.Helper()
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v (err %v), want %v", what, got, err, want)
		}
	}
	n, err := rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{Members: []redis.Z{{Score: 1, Member: "a"}, {Score: 2, Member: "b"}, {Score: 3, Member: "c"}}}).Result()
	check("ZADD", n, 3, err)
	n, err = rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{GT: true, Ch: true, Members: []redis.Z{{Score: 5, Member: "a"}, {Score: 0, Member: "b"}}}).Result()
	check("ZADD GT CH", n, 1, err)
	s, err := rdb.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{XX: true, Members: []redis.Z{{Score: 1, Member: "c"}}}).Result()
	check("ZADD XX INCR", s, 4, err)
	r, err := rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(1", Stop: "+inf", ByScore: true, Rev: true, Count: 2}).Result()
	check("ZRANGE BYSCORE REV LIMIT", r, []string{"a", "c"}, err)
	r, err = rdb.ZRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "2", Max: "4"}).Result()
	check("ZRANGEBYSCORE", r, []string{"b", "c"}, err)
	r, err = rdb.ZRevRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "-inf", Max: "+inf", Offset: 1, Count: 1}).Result()
	check("ZREVRANGEBYSCORE", r, []string{"c"}, err)
	r, err = rdb.ZRevRange(ctx, "z", 0, 0).Result()
	check("ZREVRANGE", r, []string{"a"}, err)
	n, err = rdb.ZCount(ctx, "z", "2", "(5").Result()
	check("ZCOUNT", n, 2, err)
	n, err = rdb.ZRank(ctx, "z", "c").Result()
	check("ZRANK", n, 1, err)
	n, err = rdb.ZRevRank(ctx, "z", "c").Result()
	check("ZREVRANK", n, 1, err)
	n, err = rdb.ZRangeStore(ctx, "dst", redis.ZRangeArgs{Key: "z", Start: 0, Stop: 1}).Result()
	check("ZRANGESTORE", n, 2, err)
	n, err = rdb.ZAdd(ctx, "lex", redis.Z{Member: "a"}, redis.Z{Member: "b"}, redis.Z{Member: "c"}).Result()
	check("ZADD lex", n, 3, err)
	r, err = rdb.ZRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "(a", Max: "+"}).Result()
	check("ZRANGEBYLEX", r, []string{"b", "c"}, err)
	r, err = rdb.ZRevRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "-", Max: "[b"}).Result()
	check("ZREVRANGEBYLEX", r, []string{"b", "a"}, err)
	n, err = rdb.ZLexCount(ctx, "lex", "-", "+").Result()
	check("ZLEXCOUNT", n, 3, err)
	n, err = rdb.ZRemRangeByLex(ctx, "lex", "[c", "+").Result()
	check("ZREMRANGEBYLEX", n, 1, err)
	n, err = rdb.ZRemRangeByRank(ctx, "lex", 0, 0).Result()
	check("ZREMRANGEBYRANK", n, 1, err)
	n, err = rdb.ZRemRangeByScore(ctx, "lex", "-inf", "+inf").Result()
	check("ZREMRANGEBYSCORE", n, 1, err)
	z, err := rdb.ZPopMin(ctx, "z").Result()
	check("ZPOPMIN", z, []redis.Z{{Score: 2, Member: "b"}}, err)
	r, err = rdb.ZInter(ctx, &redis.ZStore{Keys: []string{"z", "dst"}}).Result()
	check("ZINTER", r, []string{"c"}, err)
	r, err = rdb.ZDiff(ctx, "z", "dst").Result()
	check("ZDIFF", r, []string{"a"}, err)
	n, err = rdb.ZDiffStore(ctx, "d2", "z", "dst").Result()
	check("ZDIFFSTORE", n, 1, err)
	n, err = rdb.ZInterCard(ctx, 1, "z", "dst").Result()
	check("ZINTERCARD LIMIT", n, 1, err)
	n, err = rdb.ZCard(ctx, "z").Result()
	check("ZCARD", n, 2, err)
}

// TestZSetJournal checks the write effects journaled for replication: a
// write that changes nothing is not journaled, and ZMPOP is journaled as
// the ZPOPMIN or ZPOPMAX with the same effect, as Redis propagates them.
func TestZSetJournal(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	journal := srv.RecordJournal(t)
	raw := servertest.Dial(t, srv.Addr)
	for _, cmd := range [][]string{
		{"ZADD", "z", "1", "a", "2", "b"},
		{"ZADD", "z", "1", "a"},
		{"ZADD", "z", "XX", "5", "nosuch"},
		{"ZADD", "z", "GT", "0", "a"},
		{"ZINCRBY", "z", "0", "a"},
		{"ZREM", "z", "nosuch"},
		{"ZREMRANGEBYSCORE", "z", "5", "6"},
		{"ZMPOP", "1", "z", "MAX", "COUNT", "5"},
		{"ZPOPMIN", "z"},
		{"ZMPOP", "1", "z", "MIN"},
		{"ZUNIONSTORE", "d", "1", "nosuch"},
		{"ZADD", "s", "1", "x"},
		{"ZRANGESTORE", "d", "s", "0", "-1"},
		{"ZPOPMIN", "s", "0"},
		{"ZADD", "s", "NX", "x", "x"},
	} {
		raw.Do(cmd...)
	}
	got := journal.String()
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n" +
		"*3\r\n$7\r\nZPOPMAX\r\n$1\r\nz\r\n$1\r\n2\r\n" +
		"*4\r\n$4\r\nZADD\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\nx\r\n" +
		"*5\r\n$11\r\nZRANGESTORE\r\n$1\r\nd\r\n$1\r\ns\r\n$1\r\n0\r\n$2\r\n-1\r\n"
	if got != want {
		t.Fatalf("journal:\n%q\nwant\n%q", got, want)
	}
}

// TestZSetMemory loads one sorted set of 1,000,000 members with random
// scores, the memory target, into redis-server and into an
// in-process Shoal, and compares Redis's used_memory growth with the
// growth of Shoal's live heap. The target is 1.2 times Redis.
func TestZSetMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1,000,000 members into two servers")
	}
	const members = 1_000_000
	load := func(r *servertest.Raw) {
		rng := rand.New(rand.NewPCG(1, 2))
		var req []byte
		for i := 0; i < members; i++ {
			req = proto.AppendArrayLen(req, 4)
			req = proto.AppendBulkString(req, "ZADD")
			req = proto.AppendBulkString(req, "z")
			req = proto.AppendBulkString(req, strconv.FormatFloat(rng.Float64()*1e6, 'g', -1, 64))
			req = proto.AppendBulkString(req, "member:"+strconv.Itoa(i))
			if i%1000 == 999 {
				r.Send(req)
				for range 1000 {
					if got := r.Read(); got != ":1\r\n" {
						t.Fatalf("ZADD: %q", got)
					}
				}
				req = req[:0]
			}
		}
	}
	redisBytes, shoalBytes, raw := measureMemory(t, load)
	if got := raw.Do("ZCARD", "z"); got != ":1000000\r\n" {
		t.Fatalf("ZCARD: %q", got)
	}
	ratio := float64(shoalBytes) / float64(redisBytes)
	t.Logf("%d members: redis used_memory +%d (%d B/member), shoal heap +%d (%d B/member): %.2fx",
		members, redisBytes, redisBytes/members, shoalBytes, shoalBytes/members, ratio)
	if ratio > 1.2 {
		t.Errorf("shoal uses %.2f times Redis's memory, more than 1.2", ratio)
	}
}

// TestZSetStoreWatch checks that a Z*STORE aborts a transaction watching
// its destination, wherever the destination lives.
func TestZSetStoreWatch(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	keys := zsetShardKeys(2)
	src, dst := keys[0], keys[1]
	if err := rdb.ZAdd(ctx, src, redis.Z{Score: 1, Member: "a"}).Err(); err != nil {
		t.Fatal(err)
	}
	other := srv.Client(t)
	for _, store := range [][]any{
		{"ZUNIONSTORE", dst, 1, src}, {"ZINTERSTORE", dst, 1, src}, {"ZDIFFSTORE", dst, 1, src},
		{"ZRANGESTORE", dst, src, 0, -1}, {"ZINTERSTORE", dst, 2, src, "nosuch"},
	} {
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			if err := other.Do(ctx, store...).Err(); err != nil {
				return err
			}
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, "unrelated")
				return nil
			})
			return err
		}, dst)
		if err != redis.TxFailedErr {
			t.Errorf("%v under WATCH %s: EXEC error %v, want an aborted transaction", store, dst, err)
		}
	}
}

// FuzzZSetScore checks the score parsers through the server: a score ZADD
// accepts prints as text that ZADD reads back to the same score, and the
// range parser reads the same argument as the same number.
func FuzzZSetScore(f *testing.F) {
	for _, s := range diffScores {
		f.Add(s)
	}
	for _, s := range []string{" 1", "1 ", "", "1e400", "1e-400", "nan", "-nan(123)", "0x1p-1080", "0x", "(1", "1\x00", "infinit", "1e+", "0x1.fffffffffffffp1023"} {
		f.Add(s)
	}
	srv := servertest.Start(f, "--shards", "1")
	f.Fuzz(func(t *testing.T, s string) {
		raw := servertest.Dial(t, srv.Addr)
		raw.Do("DEL", "fz", "fz2")
		switch got := raw.Do("ZADD", "fz", s, "m"); got {
		case "-ERR value is not a valid float\r\n",
			"-ERR syntax error\r\n": // s was an option such as NX
			return
		case ":1\r\n":
		default:
			t.Fatalf("ZADD %q: %q", s, got)
		}
		score := raw.Do("ZSCORE", "fz", "m")
		v, _, err := proto.ReadValue([]byte(score))
		if err != nil {
			t.Fatalf("ZSCORE after ZADD %q: %q", s, score)
		}
		if got := raw.Do("ZADD", "fz2", string(v.Str), "m"); got != ":1\r\n" {
			t.Fatalf("ZADD of the printed score %q (from %q): %q", v.Str, s, got)
		}
		if again := raw.Do("ZSCORE", "fz2", "m"); again != score {
			t.Fatalf("score %q printed %q, read back and printed %q", s, score, again)
		}
		if got := raw.Do("ZCOUNT", "fz", s, s); got != ":1\r\n" {
			t.Fatalf("ZCOUNT fz %q %q: %q", s, s, got)
		}
	})
}
