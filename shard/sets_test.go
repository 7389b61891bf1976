package shard_test

import (
	"context"
	"errors"
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

// keysOnShards returns n keys with the given prefix owned by n different
// shards of four.
func keysOnShards(prefix string, n int) []string {
	var keys []string
	used := map[uint64]bool{}
	for i := 0; len(keys) < n; i++ {
		k := prefix + strconv.Itoa(i)
		if s := shard.KeyHash([]byte(k)) % 4; !used[s] {
			used[s] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// sorted returns a set reply's members sorted, so that hashtable order does
// not matter.
func sorted(t *testing.T, rdb *redis.Client, cmd ...any) string {
	t.Helper()
	v, err := rdb.Do(context.Background(), cmd...).StringSlice()
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	slices.Sort(v)
	return fmt.Sprintf("%q", v)
}

func TestSetBasics(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		f("3", "SADD", "s", "3", "1", "2")
		f("1", "SADD", "s", "2", "-5")
		f("0", "SADD", "s", "1")
		f(`["-5" "1" "2" "3"]`, "SMEMBERS", "s") // an intset lists in order
		f(`"intset"`, "OBJECT", "ENCODING", "s")
		f("1", "SISMEMBER", "s", "2")
		f("0", "SISMEMBER", "s", "02")
		f("0", "SISMEMBER", "s", "x")
		f("0", "SISMEMBER", "none", "1")
		f("[1 0 0 1]", "SMISMEMBER", "s", "1", "9", "x", "-5")
		f("[0 0]", "SMISMEMBER", "none", "1", "2")
		f("4", "SCARD", "s")
		f("0", "SCARD", "none")
		f("[]", "SMEMBERS", "none")
		f(`"set"`, "TYPE", "s")
		f("1", "SADD", "s", "x")
		f(`"hashtable"`, "OBJECT", "ENCODING", "s")
		if got := sorted(t, rdb, "SMEMBERS", "s"); got != `["-5" "1" "2" "3" "x"]` {
			t.Errorf("SMEMBERS after a string: %s", got)
		}
		f("2", "SREM", "s", "x", "1", "nope")
		f("0", "SREM", "s", "nope")
		f("0", "SREM", "none", "a")
		f(`"hashtable"`, "OBJECT", "ENCODING", "s") // never back to an intset
		f("3", "SREM", "s", "-5", "2", "3")
		f("0", "EXISTS", "s")

		// Binary-safe members, and strings that only look like integers.
		members := []string{"01", "+1", "-0", "1.0", "", "\x00\r\n", "9223372036854775808", strings.Repeat("m", 1000)}
		for _, m := range members {
			f("1", "SADD", "bin", m)
			f("1", "SISMEMBER", "bin", m)
		}
		f("0", "SISMEMBER", "bin", "1")
		f(strconv.Itoa(len(members)), "SCARD", "bin")

		// Widths and the 512-member limit of an intset.
		args := []any{"SADD", "is"}
		for i := 0; i < 512; i++ {
			args = append(args, strconv.Itoa(i*1000003-255000000))
		}
		f("512", args...)
		f(`"intset"`, "OBJECT", "ENCODING", "is")
		f("1", "SADD", "is", "9223372036854775807")
		f(`"hashtable"`, "OBJECT", "ENCODING", "is")
		f("1", "SISMEMBER", "is", "-255000000")
	})
}

func TestSetPopAndRandom(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		for _, key := range []string{"ints", "strs"} {
			all := map[string]bool{}
			for i := 0; i < 100; i++ {
				m := strconv.Itoa(i)
				if key == "strs" {
					m = "m" + m
				}
				all[m] = true
				rdb.SAdd(ctx, key, m)
			}
			for _, count := range []int64{1, 10, 50, 99, 100, 150} {
				got, err := rdb.SRandMemberN(ctx, key, count).Result()
				if err != nil || int64(len(got)) != min(count, 100) {
					t.Fatalf("SRANDMEMBER %s %d: %d members, %v", key, count, len(got), err)
				}
				if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
					t.Errorf("SRANDMEMBER %s %d repeats", key, count)
				}
				for _, m := range got {
					if !all[m] {
						t.Errorf("SRANDMEMBER %s gave %q", key, m)
					}
				}
			}
			got, err := rdb.SRandMemberN(ctx, key, -500).Result()
			if err != nil || len(got) != 500 {
				t.Fatalf("SRANDMEMBER %s -500: %d, %v", key, len(got), err)
			}
			one, err := rdb.SRandMember(ctx, key).Result()
			if err != nil || !all[one] {
				t.Errorf("SRANDMEMBER %s: %q %v", key, one, err)
			}
			// SPOP takes distinct members until the set is gone.
			popped := map[string]bool{}
			take := func(ms ...string) {
				for _, m := range ms {
					if popped[m] || !all[m] {
						t.Fatalf("SPOP %s gave %q twice or from nowhere", key, m)
					}
					popped[m] = true
				}
			}
			m, err := rdb.SPop(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			take(m)
			for _, count := range []int64{1, 5, 30, 0} {
				ms, err := rdb.SPopN(ctx, key, count).Result()
				if err != nil || int64(len(ms)) != count {
					t.Fatalf("SPOP %s %d: %v %v", key, count, ms, err)
				}
				take(ms...)
			}
			f(strconv.Itoa(100-len(popped)), "SCARD", key)
			ms, err := rdb.SPopN(ctx, key, 1000).Result()
			if err != nil {
				t.Fatal(err)
			}
			take(ms...)
			if len(popped) != 100 {
				t.Errorf("SPOP %s took %d members in all", key, len(popped))
			}
			f("0", "EXISTS", key)
		}
		f("nil", "SPOP", "none")
		f("[]", "SPOP", "none", 3)
		f("nil", "SRANDMEMBER", "none")
		f("[]", "SRANDMEMBER", "none", -3)
		f("1", "SADD", "s", "a")
		f("[]", "SPOP", "s", 0)
		f("[]", "SRANDMEMBER", "s", 0)
		f(`["a" "a" "a"]`, "SRANDMEMBER", "s", -3)
		f("ERR value is out of range, must be positive", "SPOP", "s", -1)
		f("ERR value is out of range, must be positive", "SPOP", "s", "x")
		f("ERR syntax error", "SPOP", "s", 1, 2)
		f("ERR value is not an integer or out of range", "SRANDMEMBER", "s", "x")
		f("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
			"SRANDMEMBER", "s", "-9223372036854775808")
		f("ERR syntax error", "SRANDMEMBER", "s", 1, 2)

		// RESP3: popped and listed members are sets, SRANDMEMBER counts
		// (which may repeat) arrays.
		raw := servertest.Dial(t, srv.Addr)
		raw.Do("HELLO", "3")
		for _, c := range []struct{ cmd, want string }{
			{"SMEMBERS s", "~1\r\n$1\r\na\r\n"},
			{"SMEMBERS none", "~0\r\n"},
			{"SRANDMEMBER s -2", "*2\r\n$1\r\na\r\n$1\r\na\r\n"},
			{"SRANDMEMBER none", "_\r\n"},
			{"SPOP none 2", "~0\r\n"},
			{"SPOP s 5", "~1\r\n$1\r\na\r\n"},
			{"SUNION none", "~0\r\n"},
		} {
			if got := raw.Do(strings.Fields(c.cmd)...); got != c.want {
				t.Errorf("RESP3 %s: %q, want %q", c.cmd, got, c.want)
			}
		}
	})
}

func TestSetAlgebra(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		f("6", "SADD", "a", "1", "2", "3", "4", "x", "y")
		f("5", "SADD", "b", "2", "3", "5", "y", "z")
		f("4", "SADD", "c", "3", "4", "5", "6")
		f(`"OK"`, "SET", "str", "v")
		s := func(want string, cmd ...any) {
			t.Helper()
			if got := sorted(t, rdb, cmd...); got != want {
				t.Errorf("%v: %s, want %s", cmd, got, want)
			}
		}
		s(`["2" "3" "y"]`, "SINTER", "a", "b")
		s(`["3"]`, "SINTER", "a", "b", "c")
		s(`[]`, "SINTER", "a", "none")
		s(`["1" "2" "3" "4" "5" "x" "y" "z"]`, "SUNION", "a", "b")
		s(`["3" "4" "5" "6"]`, "SUNION", "c", "none")
		s(`["1" "4" "x"]`, "SDIFF", "a", "b")
		s(`["1" "x"]`, "SDIFF", "a", "b", "c")
		s(`[]`, "SDIFF", "none", "a")
		s(`[]`, "SDIFF", "c", "c")
		s(`["3" "4" "5" "6"]`, "SDIFF", "c", "none")
		f("3", "SINTERSTORE", "d", "a", "b")
		s(`["2" "3" "y"]`, "SMEMBERS", "d")
		f("8", "SUNIONSTORE", "d", "a", "b")
		f("3", "SDIFFSTORE", "d", "a", "b")
		s(`["1" "4" "x"]`, "SMEMBERS", "d")
		f("0", "SINTERSTORE", "d", "a", "none")
		f("0", "EXISTS", "d")
		// Results of integers only are intsets, listed in order.
		f("2", "SDIFFSTORE", "d", "c", "a")
		f(`"intset"`, "OBJECT", "ENCODING", "d")
		f(`["5" "6"]`, "SMEMBERS", "d")
		f(`["3" "4" "5" "6"]`, "SUNION", "c", "d")
		f("2", "SINTERCARD", 2, "a", "b", "LIMIT", 2)
		f("3", "SINTERCARD", 2, "a", "b")
		f("3", "SINTERCARD", 2, "a", "b", "LIMIT", 0)
		f("0", "SINTERCARD", 2, "a", "none")
		f("ERR numkeys should be greater than 0", "SINTERCARD", 0, "a")
		f("ERR Number of keys can't be greater than number of args", "SINTERCARD", 3, "a", "b")
		f("ERR LIMIT can't be negative", "SINTERCARD", 1, "a", "LIMIT", -1)
		f("ERR syntax error", "SINTERCARD", 1, "a", "LIMIT")
		for _, cmd := range [][]any{
			{"SINTER", "a", "str"}, {"SUNION", "str"}, {"SDIFF", "a", "str"}, {"SINTERSTORE", "d", "str"},
			{"SUNIONSTORE", "d", "a", "str"}, {"SDIFFSTORE", "d", "str"}, {"SINTERCARD", 2, "a", "str"},
			{"SINTER", "none", "str"}, // a missing key does not stop the type checks
		} {
			f(proto.ErrWrongType, cmd...)
		}
		// A store replaces whatever was at the destination, TTL included.
		f("1", "EXPIRE", "str", 100)
		f("4", "SUNIONSTORE", "str", "c")
		f(`"set"`, "TYPE", "str")
		f("-1", "TTL", "str")
	})
}

// TestSetMultiShard runs SMOVE and the STORE commands on keys of four
// different shards, and moves members between them from several clients
// at once: every member must stay in exactly one set.
func TestSetMultiShard(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	f := replyChecker(t, rdb)
	k := keysOnShards("set:", 4)
	f("3", "SADD", k[0], "a", "b", "1")
	f("1", "SMOVE", k[0], k[1], "a")
	f("0", "SMOVE", k[0], k[1], "a")
	f("0", "SMOVE", "none", k[1], "a")
	f("1", "SMOVE", k[0], k[0], "b")
	f("0", "SMOVE", k[0], k[0], "zz")
	f(`"OK"`, "SET", k[2], "v")
	f(proto.ErrWrongType, "SMOVE", k[0], k[2], "b")
	f(proto.ErrWrongType, "SMOVE", k[2], k[0], "b")
	f("0", "SMOVE", "none", k[2], "b")
	f("1", "SMOVE", k[0], k[3], "b")
	f("1", "SMOVE", k[0], k[3], "1")
	f("0", "EXISTS", k[0])
	if got := sorted(t, rdb, "SMEMBERS", k[3]); got != `["1" "b"]` {
		t.Errorf("SMEMBERS after SMOVE: %s", got)
	}
	f("1", "DEL", k[2])
	f("2", "SADD", k[2], "b", "c")
	f("1", "SINTERSTORE", k[0], k[2], k[3])
	f(`["b"]`, "SMEMBERS", k[0])
	f("4", "SUNIONSTORE", k[0], k[1], k[2], k[3])
	f("1", "SDIFFSTORE", k[0], k[2], k[3])
	f(`["c"]`, "SMEMBERS", k[0])
	f("1", "SINTERCARD", 2, k[2], k[3])
	f("ERR wrong number of arguments for 'smove' command", "SMOVE", k[0], k[1])

	// Concurrent moves across the four shards.
	f("4", "DEL", k[0], k[1], k[2], k[3])
	var all []string
	for i := 0; i < 200; i++ {
		m := fmt.Sprintf("m%03d", i)
		all = append(all, m)
		rdb.SAdd(ctx, k[i%4], m)
	}
	const workers, moves = 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 2))
			c := srv.Client(t)
			for i := 0; i < moves; i++ {
				src, dst := k[r.IntN(4)], k[r.IntN(4)]
				var err error
				if r.IntN(5) == 0 {
					// An atomic union of all four into one, then back out.
					err = c.SUnionStore(ctx, "{"+src+"}tmp", k...).Err()
				} else {
					err = c.SMove(ctx, src, dst, all[r.IntN(len(all))]).Err()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []string
	for _, key := range k {
		ms, err := rdb.SMembers(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ms...)
	}
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Fatalf("after %d moves the sets hold %d members, want the %d added", workers*moves, len(got), len(all))
	}
}

func TestSetScan(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		f("3", "SADD", "small", "30", "10", "20")
		f(`["0" ["10" "20" "30"]]`, "SSCAN", "small", 0)
		f(`["0" ["10" "20" "30"]]`, "SSCAN", "small", 5, "COUNT", 1)
		f(`["0" ["20"]]`, "SSCAN", "small", 0, "MATCH", "2*")
		f(`["0" []]`, "SSCAN", "none", 0)
		f("ERR invalid cursor", "SSCAN", "small", "x")
		f("ERR syntax error", "SSCAN", "small", 0, "COUNT", 0)
		f("ERR syntax error", "SSCAN", "small", 0, "NOPE", 1)
		const n = 3000
		for i := 0; i < n; i++ {
			rdb.SAdd(ctx, "big", fmt.Sprintf("m:%d", i))
		}
		seen := map[string]bool{}
		var cursor uint64
		calls := 0
		for {
			ms, next, err := rdb.SScan(ctx, "big", cursor, "", 100).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				seen[m] = true
			}
			// Shrinking during the scan: members removed may or may not
			// be seen, the others must be.
			rdb.SRem(ctx, "big", fmt.Sprintf("m:%d", n-1-calls))
			calls++
			if cursor = next; cursor == 0 {
				break
			}
		}
		for i := 0; i < n-calls; i++ {
			if !seen[fmt.Sprintf("m:%d", i)] {
				t.Fatalf("SSCAN missed m:%d", i)
			}
		}
		if calls < 10 {
			t.Errorf("SSCAN COUNT 100 over %d members took %d calls", n, calls)
		}
	})
}

func TestSetErrors(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	f := replyChecker(t, srv.Client(t))
	f("1", "HSET", "h", "a", "1")
	for _, cmd := range [][]any{
		{"SADD", "h", "a"}, {"SREM", "h", "a"}, {"SMEMBERS", "h"}, {"SISMEMBER", "h", "a"},
		{"SMISMEMBER", "h", "a"}, {"SCARD", "h"}, {"SPOP", "h"}, {"SPOP", "h", 1}, {"SRANDMEMBER", "h"},
		{"SRANDMEMBER", "h", 1}, {"SSCAN", "h", 0},
	} {
		f(proto.ErrWrongType, cmd...)
	}
	for _, cmd := range [][]any{
		{"SADD", "s"}, {"SREM", "s"}, {"SMEMBERS"}, {"SISMEMBER", "s"}, {"SMISMEMBER", "s"}, {"SCARD"},
		{"SPOP"}, {"SRANDMEMBER"}, {"SMOVE", "a", "b"}, {"SINTER"}, {"SUNION"}, {"SDIFF"},
		{"SINTERSTORE", "d"}, {"SUNIONSTORE", "d"}, {"SDIFFSTORE", "d"}, {"SINTERCARD", 1}, {"SSCAN", "s"},
	} {
		f(proto.WrongArity(strings.ToLower(cmd[0].(string))), cmd...)
	}
}

// TestSetJournal checks the write effects journaled for replication: SPOP
// is journaled as the SREM of what it popped (a DEL when it took the whole
// set), and writes that change nothing are left out.
func TestSetJournal(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	journal := srv.RecordJournal(t)
	raw := servertest.Dial(t, srv.Addr)
	for _, cmd := range [][]string{
		{"SADD", "s", "a"},
		{"SADD", "s", "a"},
		{"SREM", "s", "nosuch"},
		{"SMOVE", "s", "s", "a"},
		{"SMOVE", "s", "d", "nosuch"},
		{"SMOVE", "none", "d", "a"},
		{"SPOP", "none"},
		{"SPOP", "s", "0"},
		{"SINTERSTORE", "d", "none"},
		{"SRANDMEMBER", "s", "5"},
		{"SPOP", "s"},
		{"SADD", "p", "1", "2"},
		{"SPOP", "p", "5"},
	} {
		raw.Do(cmd...)
	}
	got := journal.String()
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\na\r\n" +
		"*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n$1\r\na\r\n" +
		"*4\r\n$4\r\nSADD\r\n$1\r\np\r\n$1\r\n1\r\n$1\r\n2\r\n" +
		"*2\r\n$3\r\nDEL\r\n$1\r\np\r\n"
	if got != want {
		t.Fatalf("journal:\n%q\nwant\n%q", got, want)
	}

	// SPOP of some members journals exactly the members it returned.
	raw.Do("SADD", "q", "1", "2", "3", "4", "5")
	journal.Reset()
	v := readValue(t, raw.Do("SPOP", "q", "3"))
	var popped []string
	for _, e := range v.Elems {
		popped = append(popped, string(e.Str))
	}
	got = journal.String()
	wantBuf := proto.AppendArrayLen(nil, 5)
	for _, a := range append([]string{"SREM", "q"}, popped...) {
		wantBuf = proto.AppendBulkString(wantBuf, a)
	}
	if len(popped) != 3 || got != string(wantBuf) {
		t.Fatalf("SPOP q 3 popped %v and journaled %q", popped, got)
	}
}

// TestSetWatch checks that SADD and SREM that change nothing do not abort
// a transaction watching their key, and SPOP does.
func TestSetWatch(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb, other := srv.Client(t), srv.Client(t)
	rdb.SAdd(ctx, "s", "a", "b", "c")
	f := func(name string, between func(), wantAbort bool) {
		t.Helper()
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			between()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.SAdd(ctx, "s", "tx")
				return nil
			})
			return err
		}, "s")
		if aborted := errors.Is(err, redis.TxFailedErr); aborted != wantAbort || (err != nil && !aborted) {
			t.Errorf("%s: EXEC error %v, want aborted=%v", name, err, wantAbort)
		}
	}
	f("SADD of a member", func() { other.SAdd(ctx, "s", "a") }, false)
	f("SREM of a non-member", func() { other.SRem(ctx, "s", "zz") }, false)
	f("SMOVE to itself", func() { other.SMove(ctx, "s", "s", "a") }, false)
	f("SPOP", func() { other.SPop(ctx, "s") }, true)
	// SPOP may have popped any member: move one added for the purpose.
	rdb.SAdd(ctx, "s", "mv")
	f("SMOVE out", func() { other.SMove(ctx, "s", "{s}x", "mv") }, true)
}
