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
	"github.com/shoal-db/shoal/shard"
)

// listChecker returns a checker that runs one command and compares its
// reply, rendered by showReply, with want.
func listChecker(t *testing.T, rdb *redis.Client) func(want string, cmd ...any) {
	return func(want string, cmd ...any) {
		t.Helper()
		v, err := rdb.Do(context.Background(), cmd...).Result()
		if got := showReply(v, err); got != want {
			t.Errorf("%v: got %s, want %s", cmd, got, want)
		}
	}
}

const wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

func TestListsPushPop(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("3", "RPUSH", "l", "b", "c", "d")
		f("5", "LPUSH", "l", "a", "0")
		f(`["0" "a" "b" "c" "d"]`, "LRANGE", "l", 0, -1)
		f("6", "LPUSHX", "l", "x")
		f("8", "RPUSHX", "l", "y", "z")
		f("0", "LPUSHX", "none", "x")
		f("0", "RPUSHX", "none", "x", "y")
		f("0", "EXISTS", "none")
		f("8", "LLEN", "l")
		f("0", "LLEN", "none")
		f(`"list"`, "TYPE", "l")
		f(`"x"`, "LPOP", "l")
		f(`"z"`, "RPOP", "l")
		f(`["0" "a"]`, "LPOP", "l", 2)
		f(`["y" "d"]`, "RPOP", "l", 2)
		f("[]", "LPOP", "l", 0)
		f(`["b" "c"]`, "LPOP", "l", 10)
		f("0", "EXISTS", "l")
		f("nil", "LPOP", "l")
		f("nil", "RPOP", "l")
		f("nil", "LPOP", "l", 1)
		f("nil", "RPOP", "l", 0)
		f("ERR value is out of range, must be positive", "LPOP", "l", -1)
		f("ERR value is out of range, must be positive", "RPOP", "l", "x")
		f("ERR wrong number of arguments for 'lpop' command", "LPOP", "l", 1, 2)
		f("ERR wrong number of arguments for 'rpush' command", "RPUSH", "l")
		f("ERR wrong number of arguments for 'llen' command", "LLEN", "l", "m")

		// Every integer encoding, and strings that only look like integers,
		// come back as they went in.
		vals := []string{"0", "-1", "127", "128", "-4096", "4095", "32767", "-32768", "8388607", "-8388608",
			"2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
			"01", "+1", "-0", "1.5", "", "\x00\r\n", strings.Repeat("s", 5000)}
		for _, v := range vals {
			f("1", "RPUSH", "v:"+strconv.Quote(v), v)
			f(strconv.Quote(v), "LINDEX", "v:"+strconv.Quote(v), 0)
		}
	})
}

func TestListsReadAndEdit(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("6", "RPUSH", "l", "a", "b", "c", "b", "a", "1")
		f(`["b" "c"]`, "LRANGE", "l", 1, 2)
		f(`["b" "a" "1"]`, "LRANGE", "l", -3, 100)
		f("[]", "LRANGE", "l", 4, 2)
		f("[]", "LRANGE", "l", 6, 10)
		f("[]", "LRANGE", "none", 0, -1)
		f("ERR value is not an integer or out of range", "LRANGE", "l", "x", 1)
		f("ERR value is not an integer or out of range", "LRANGE", "l", 0, "1.0")
		f(`"a"`, "LINDEX", "l", 0)
		f(`"1"`, "LINDEX", "l", -1)
		f("nil", "LINDEX", "l", 6)
		f("nil", "LINDEX", "l", -7)
		f("nil", "LINDEX", "none", 0)
		f("ERR value is not an integer or out of range", "LINDEX", "l", "x")

		f(`"OK"`, "LSET", "l", 0, "A")
		f(`"OK"`, "LSET", "l", -1, "one")
		f("ERR index out of range", "LSET", "l", 6, "x")
		f("ERR no such key", "LSET", "none", 0, "x")
		f("ERR value is not an integer or out of range", "LSET", "l", "x", "x")
		f(`["A" "b" "c" "b" "a" "one"]`, "LRANGE", "l", 0, -1)

		f("7", "LINSERT", "l", "BEFORE", "b", "before-b")
		f("8", "LINSERT", "l", "after", "b", "after-b")
		f("-1", "LINSERT", "l", "BEFORE", "nope", "x")
		f("0", "LINSERT", "none", "BEFORE", "b", "x")
		f("ERR syntax error", "LINSERT", "l", "NEAR", "b", "x")
		f(`["A" "before-b" "b" "after-b" "c" "b" "a" "one"]`, "LRANGE", "l", 0, -1)

		f("1", "LREM", "l", -1, "b")
		f("1", "LREM", "l", 1, "b")
		f("0", "LREM", "l", 0, "b")
		f("0", "LREM", "none", 0, "b")
		f("ERR value is not an integer or out of range", "LREM", "l", "x", "b")
		f("6", "RPUSH", "r", "x", "y", "x", "x", "y", "x")
		f("4", "LREM", "r", 0, "x")
		f("2", "LREM", "r", 0, "y")
		f("0", "EXISTS", "r")

		f(`"OK"`, "LTRIM", "l", 1, -2)
		f(`["before-b" "after-b" "c" "a"]`, "LRANGE", "l", 0, -1)
		f(`"OK"`, "LTRIM", "l", 0, 100)
		f(`"OK"`, "LTRIM", "none", 0, 1)
		f("ERR value is not an integer or out of range", "LTRIM", "l", 0, "x")
		f(`"OK"`, "LTRIM", "l", 3, 1)
		f("0", "EXISTS", "l")
	})
}

func TestListsLPos(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("8", "RPUSH", "p", "a", "b", "c", "1", "2", "c", "c", "1")
		f("2", "LPOS", "p", "c")
		f("3", "LPOS", "p", "1")
		f("nil", "LPOS", "p", "z")
		f("5", "LPOS", "p", "c", "RANK", 2)
		f("6", "LPOS", "p", "c", "RANK", -1)
		f("2", "LPOS", "p", "c", "RANK", -3)
		f("nil", "LPOS", "p", "c", "RANK", 4)
		f("[2 5]", "LPOS", "p", "c", "COUNT", 2)
		f("[2 5 6]", "LPOS", "p", "c", "COUNT", 0)
		f("[6 5]", "LPOS", "p", "c", "RANK", -1, "COUNT", 2)
		f("[5 6]", "LPOS", "p", "c", "RANK", 2, "COUNT", 0)
		f("[]", "LPOS", "p", "z", "COUNT", 0)
		f("nil", "LPOS", "p", "c", "MAXLEN", 2)
		f("2", "LPOS", "p", "c", "MAXLEN", 3)
		f("[2]", "LPOS", "p", "c", "COUNT", 0, "MAXLEN", 5)
		f("6", "LPOS", "p", "c", "RANK", -1, "MAXLEN", 2)
		f("nil", "LPOS", "none", "c")
		f("[]", "LPOS", "none", "c", "COUNT", 1)
		rankZero := "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
		f(rankZero, "LPOS", "p", "c", "RANK", 0)
		f(rankZero, "LPOS", "none", "c", "RANK", 0)
		f("ERR value is not an integer or out of range", "LPOS", "p", "c", "RANK", "x")
		f("ERR COUNT can't be negative", "LPOS", "p", "c", "COUNT", -1)
		f("ERR COUNT can't be negative", "LPOS", "p", "c", "COUNT", "x")
		f("ERR MAXLEN can't be negative", "LPOS", "p", "c", "MAXLEN", -1)
		f("ERR MAXLEN can't be negative", "LPOS", "p", "c", "MAXLEN", "x")
		f("ERR syntax error", "LPOS", "p", "c", "RANK")
		f("ERR syntax error", "LPOS", "p", "c", "FIRST", 1)
	})
}

func TestListsMove(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("4", "RPUSH", "src", "1", "2", "3", "4")
		f(`"1"`, "LMOVE", "src", "dst", "LEFT", "RIGHT")
		f(`"4"`, "LMOVE", "src", "dst", "RIGHT", "LEFT")
		f(`"2"`, "LMOVE", "src", "dst", "left", "left")
		f(`["2" "4" "1"]`, "LRANGE", "dst", 0, -1)
		f(`"1"`, "LMOVE", "dst", "dst", "RIGHT", "LEFT")
		f(`["1" "2" "4"]`, "LRANGE", "dst", 0, -1)
		f(`"3"`, "RPOPLPUSH", "src", "dst")
		f("0", "EXISTS", "src")
		f(`["3" "1" "2" "4"]`, "LRANGE", "dst", 0, -1)
		f("nil", "LMOVE", "src", "dst", "LEFT", "LEFT")
		f("nil", "RPOPLPUSH", "src", "dst")
		f("ERR syntax error", "LMOVE", "dst", "src", "UP", "LEFT")
		f("ERR syntax error", "LMOVE", "dst", "src", "LEFT", "DOWN")
		f("1", "RPUSH", "solo", "x")
		f(`"x"`, "LMOVE", "solo", "solo", "LEFT", "RIGHT")
		f(`["x"]`, "LRANGE", "solo", 0, -1)

		f("3", "RPUSH", "m2", "a", "b", "c")
		f(`["m2" ["a"]]`, "LMPOP", 2, "m1", "m2", "LEFT")
		f(`["m2" ["c" "b"]]`, "LMPOP", 2, "m1", "m2", "RIGHT", "COUNT", 5)
		f("nil", "LMPOP", 2, "m1", "m2", "LEFT")
		f("0", "EXISTS", "m2")
		f("ERR numkeys should be greater than 0", "LMPOP", 0, "m1", "LEFT")
		f("ERR numkeys should be greater than 0", "LMPOP", "x", "m1", "LEFT")
		f("ERR syntax error", "LMPOP", 3, "m1", "LEFT")
		f("ERR syntax error", "LMPOP", 1, "m1", "MIDDLE")
		f("ERR count should be greater than 0", "LMPOP", 1, "m1", "LEFT", "COUNT", 0)
		f("ERR syntax error", "LMPOP", 1, "m1", "LEFT", "COUNT", 1, "COUNT", 1)
		f("ERR wrong number of arguments for 'lmpop' command", "LMPOP", 1, "m1")
	})
}

func TestListsWrongType(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f(`"OK"`, "SET", "s", "v")
		f("1", "RPUSH", "l", "x")
		for _, cmd := range [][]any{
			{"LPUSH", "s", "a"}, {"RPUSH", "s", "a"}, {"LPUSHX", "s", "a"}, {"RPUSHX", "s", "a"},
			{"LPOP", "s"}, {"RPOP", "s", 1}, {"LLEN", "s"}, {"LRANGE", "s", 0, -1}, {"LINDEX", "s", 0},
			{"LSET", "s", 0, "a"}, {"LINSERT", "s", "BEFORE", "a", "b"}, {"LREM", "s", 0, "a"},
			{"LTRIM", "s", 0, 1}, {"LPOS", "s", "a"}, {"LMOVE", "s", "l", "LEFT", "LEFT"},
			{"LMOVE", "l", "s", "LEFT", "LEFT"}, {"RPOPLPUSH", "s", "l"}, {"RPOPLPUSH", "l", "s"},
			{"LMPOP", 2, "s", "l", "LEFT"}, {"LMPOP", 2, "none", "s", "LEFT"},
		} {
			f(wrongType, cmd...)
		}
		// The failed moves changed nothing.
		f(`["x"]`, "LRANGE", "l", 0, -1)
		f(`"v"`, "GET", "s")
		f(wrongType, "GET", "l")
		f(wrongType, "APPEND", "l", "x")
	})
}

func TestListsGenericCommands(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("3", "RPUSH", "l", "a", "b", "c")
		f("1", "COPY", "l", "copy")
		f("4", "RPUSH", "copy", "d")
		f(`"OK"`, "LSET", "copy", 0, "A")
		f(`["a" "b" "c"]`, "LRANGE", "l", 0, -1)
		f(`["A" "b" "c" "d"]`, "LRANGE", "copy", 0, -1)
		f(`"OK"`, "RENAME", "copy", "renamed")
		f(`["A" "b" "c" "d"]`, "LRANGE", "renamed", 0, -1)
		f("1", "EXPIRE", "l", 100)
		f("4", "RPUSH", "l", "d")
		f("100", "TTL", "l")
		f("1", "DEL", "l")
		f("0", "LLEN", "l")
	})
}

func TestListsObjectEncoding(t *testing.T) {
	srv := servertest.Start(t)
	f := listChecker(t, srv.Client(t))
	f("2", "RPUSH", "l", "a", "1")
	f(`"listpack"`, "OBJECT", "ENCODING", "l")
	// 1000 elements of 16 bytes need 18 KB: more than one 8 KB node.
	args := []any{"RPUSH", "l"}
	for i := 0; i < 998; i++ {
		args = append(args, fmt.Sprintf("element:%08d", i))
	}
	f("1000", args...)
	f(`"quicklist"`, "OBJECT", "ENCODING", "l")
	f(`"OK"`, "LTRIM", "l", 0, 9)
	f(`"listpack"`, "OBJECT", "ENCODING", "l")
	f("1", "RPUSH", "big", strings.Repeat("x", 20000))
	f(`"listpack"`, "OBJECT", "ENCODING", "big")
	f("2", "RPUSH", "big", "y")
	f(`"quicklist"`, "OBJECT", "ENCODING", "big")
}

func TestListsResp3(t *testing.T) {
	srv := servertest.Start(t)
	rdb := srv.Client3(t)
	f := listChecker(t, rdb)
	f("nil", "LPOP", "none")
	f("nil", "LPOP", "none", 1)
	f("nil", "LINDEX", "none", 0)
	f("nil", "LPOS", "none", "a")
	f("nil", "LMPOP", 1, "none", "LEFT")
	f("nil", "LMOVE", "none", "dst", "LEFT", "LEFT")
	f("2", "RPUSH", "l", "a", "b")
	f(`["a" "b"]`, "LPOP", "l", 5)
	ctx := context.Background()
	if err := rdb.RPush(ctx, "k", "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	key, vals, err := rdb.LMPop(ctx, "right", 2, "k").Result()
	if err != nil || key != "k" || !slices.Equal(vals, []string{"c", "b"}) {
		t.Fatalf("LMPOP: %q %q %v", key, vals, err)
	}
}

// shardKeys returns n keys owned by n different shards of four.
func shardKeys(n int) []string {
	var keys []string
	used := map[uint64]bool{}
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("list:%d", i)
		if s := shard.KeyHash([]byte(k)) % 4; !used[s] {
			used[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// TestListsLMoveAcrossShards moves elements between lists on different
// shards from several clients at once; every element must end up in
// exactly one list, and every move must return an element that was there.
func TestListsLMoveAcrossShards(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	keys := shardKeys(4)
	f := listChecker(t, rdb)
	f("nil", "LMOVE", keys[0], keys[1], "LEFT", "RIGHT")
	var all []string
	for i := 0; i < 400; i++ {
		v := fmt.Sprintf("e%03d", i)
		all = append(all, v)
		if err := rdb.RPush(ctx, keys[i%4], v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	const workers, moves = 4, 300
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			c := srv.Client(t)
			ends := []string{"LEFT", "RIGHT"}
			for i := 0; i < moves; i++ {
				src, dst := keys[r.IntN(4)], keys[r.IntN(4)]
				var err error
				if r.IntN(2) == 0 {
					err = c.LMove(ctx, src, dst, ends[r.IntN(2)], ends[r.IntN(2)]).Err()
				} else {
					err = c.RPopLPush(ctx, src, dst).Err()
				}
				if err != nil && err != redis.Nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, k := range keys {
		vals, err := rdb.LRange(ctx, k, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, vals...)
	}
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Fatalf("after %d moves the lists hold %d elements (%d distinct), want the %d pushed",
			workers*moves, len(got), len(slices.Compact(slices.Clone(got))), len(all))
	}
}
