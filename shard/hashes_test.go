package shard_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// replyChecker returns a checker that runs one command through rdb and
// compares its reply, rendered by showReply, with want.
func replyChecker(t *testing.T, rdb *redis.Client) func(want string, cmd ...any) {
	return func(want string, cmd ...any) {
		t.Helper()
		v, err := rdb.Do(context.Background(), cmd...).Result()
		if got := showReply(v, err); got != want {
			t.Errorf("%v: got %s, want %s", cmd, got, want)
		}
	}
}

func TestHashSetAndGet(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		f("2", "HSET", "h", "a", "1", "b", "2")
		f("1", "HSET", "h", "a", "10", "c", "3")
		f(`"OK"`, "HMSET", "h", "d", "4")
		f("0", "HSETNX", "h", "a", "x")
		f("1", "HSETNX", "h", "e", "5")
		f("1", "HSETNX", "fresh", "a", "1")
		f(`"10"`, "HGET", "h", "a")
		f("nil", "HGET", "h", "zz")
		f("nil", "HGET", "none", "a")
		f(`["10" nil "3"]`, "HMGET", "h", "a", "zz", "c")
		f("[nil nil]", "HMGET", "none", "a", "b")
		f("5", "HLEN", "h")
		f("0", "HLEN", "none")
		f("2", "HSTRLEN", "h", "a")
		f("0", "HSTRLEN", "h", "zz")
		f("0", "HSTRLEN", "none", "a")
		f("1", "HEXISTS", "h", "a")
		f("0", "HEXISTS", "h", "zz")
		f("0", "HEXISTS", "none", "a")
		f(`"hash"`, "TYPE", "h")

		// Small hashes list fields in insertion order, as Redis's listpack.
		all, err := rdb.HGetAll(ctx, "h").Result()
		if err != nil || len(all) != 5 || all["a"] != "10" || all["e"] != "5" {
			t.Errorf("HGETALL: %v %v", all, err)
		}
		f(`["a" "10" "b" "2" "c" "3" "d" "4" "e" "5"]`, "HGETALL", "h")
		f(`["a" "b" "c" "d" "e"]`, "HKEYS", "h")
		f(`["10" "2" "3" "4" "5"]`, "HVALS", "h")
		f("[]", "HGETALL", "none")
		f("[]", "HKEYS", "none")
		f("[]", "HVALS", "none")

		f("2", "HDEL", "h", "a", "b", "zz")
		f("0", "HDEL", "h", "zz")
		f("0", "HDEL", "none", "a")
		f(`["c" "d" "e"]`, "HKEYS", "h")
		f("3", "HDEL", "h", "c", "d", "e")
		f("0", "EXISTS", "h")

		// Binary-safe fields and values; integers come back as written.
		vals := []string{"0", "-1", "62", "63", "255", "-32769", "9223372036854775807", "-9223372036854775808",
			"9223372036854775808", "01", "+1", "-0", "1.5", "", "\x00\r\n", strings.Repeat("s", 64)}
		for _, v := range vals {
			f("1", "HSET", "bin", v, v+"|"+v)
		}
		for _, v := range vals {
			f(strconv.Quote(v+"|"+v), "HGET", "bin", v)
		}
		f(strconv.Itoa(len(vals)), "HLEN", "bin")
	})
}

func TestHashIncr(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := replyChecker(t, srv.Client(t))
		f("5", "HINCRBY", "h", "n", 5)
		f("-2", "HINCRBY", "h", "n", -7)
		f("9223372036854775807", "HINCRBY", "h", "max", "9223372036854775807")
		f("ERR increment or decrement would overflow", "HINCRBY", "h", "max", 1)
		f("9223372036854775806", "HINCRBY", "h", "max", -1)
		f("-9223372036854775808", "HINCRBY", "h", "min", "-9223372036854775808")
		f("ERR increment or decrement would overflow", "HINCRBY", "h", "min", -1)
		f("ERR value is not an integer or out of range", "HINCRBY", "h", "n", "x")
		f("ERR value is not an integer or out of range", "HINCRBY", "h", "n", "1.5")
		f("1", "HSET", "h", "s", "abc")
		f("ERR hash value is not an integer", "HINCRBY", "h", "s", 1)
		f("1", "HSET", "h", "lz", "01")
		f("ERR hash value is not an integer", "HINCRBY", "h", "lz", 1)

		// Long-double arithmetic, formatted as INCRBYFLOAT formats it.
		f(`"0.1"`, "HINCRBYFLOAT", "h", "fl", "0.1")
		f(`"0.2"`, "HINCRBYFLOAT", "h", "fl", "0.1")
		f(`"0.3"`, "HINCRBYFLOAT", "h", "fl", "0.1")
		f(`"-1.7"`, "HINCRBYFLOAT", "h", "n", "0.3")
		f(`"3000"`, "HINCRBYFLOAT", "h", "e", "3.0e3")
		f(`"16"`, "HINCRBYFLOAT", "h", "hex", "0x10")
		f("ERR value is not a valid float", "HINCRBYFLOAT", "h", "fl", "abc")
		f("ERR value is NaN or Infinity", "HINCRBYFLOAT", "h", "fl", "inf")
		f("ERR hash value is not a float", "HINCRBYFLOAT", "h", "s", "1")
		f("1", "HSET", "h", "inf", "inf")
		f("ERR increment would produce NaN or Infinity", "HINCRBYFLOAT", "h", "inf", "1")
		f("0", "EXISTS", "untouched")
		f("ERR value is NaN or Infinity", "HINCRBYFLOAT", "untouched", "a", "-inf")
		f("0", "EXISTS", "untouched")
	})
}

func TestHashErrors(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	rdb := srv.Client(t)
	f := replyChecker(t, rdb)
	f(`"OK"`, "SET", "str", "v")
	for _, cmd := range [][]any{
		{"HSET", "str", "a", "1"}, {"HSETNX", "str", "a", "1"}, {"HMSET", "str", "a", "1"},
		{"HGET", "str", "a"}, {"HMGET", "str", "a"}, {"HDEL", "str", "a"}, {"HLEN", "str"},
		{"HSTRLEN", "str", "a"}, {"HEXISTS", "str", "a"}, {"HGETALL", "str"}, {"HKEYS", "str"},
		{"HVALS", "str"}, {"HINCRBY", "str", "a", 1}, {"HINCRBYFLOAT", "str", "a", 1},
		{"HRANDFIELD", "str"}, {"HRANDFIELD", "str", 2, "WITHVALUES"}, {"HSCAN", "str", 0},
	} {
		f(proto.ErrWrongType, cmd...)
	}
	f(`"v"`, "GET", "str")
	for _, cmd := range [][]any{
		{"HSET", "h", "a"}, {"HSET", "h", "a", "1", "b"}, {"HMSET", "h", "a"}, {"HSETNX", "h", "a"},
		{"HGET", "h"}, {"HMGET", "h"}, {"HDEL", "h"}, {"HLEN"}, {"HSTRLEN", "h"}, {"HEXISTS", "h"},
		{"HGETALL"}, {"HKEYS", "h", "x"}, {"HVALS"}, {"HINCRBY", "h", "a"}, {"HINCRBYFLOAT", "h", "a"},
		{"HRANDFIELD"}, {"HSCAN", "h"},
	} {
		f(proto.WrongArity(strings.ToLower(cmd[0].(string))), cmd...)
	}
	f("0", "EXISTS", "h")
}

func TestHashRandField(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		// A listpack hash and a hashtable one (65-byte value).
		want := map[string]map[string]string{"small": {}, "big": {}}
		for i := 0; i < 40; i++ {
			k, v := fmt.Sprintf("f%d", i), strconv.Itoa(i*i)
			want["small"][k], want["big"][k] = v, v
		}
		want["big"]["long"] = strings.Repeat("L", 65)
		for key, m := range want {
			for k, v := range m {
				rdb.HSet(ctx, key, k, v)
			}
		}
		f(`"listpack"`, "OBJECT", "ENCODING", "small")
		f(`"hashtable"`, "OBJECT", "ENCODING", "big")
		for key, m := range want {
			for _, count := range []int{1, 5, 20, 40, 41, 100} {
				fields, err := rdb.HRandField(ctx, key, count).Result()
				if err != nil || len(fields) != min(count, len(m)) {
					t.Fatalf("HRANDFIELD %s %d: %d fields, %v", key, count, len(fields), err)
				}
				if len(slices.Compact(slices.Sorted(slices.Values(fields)))) != len(fields) {
					t.Errorf("HRANDFIELD %s %d repeats a field: %v", key, count, fields)
				}
				pairs, err := rdb.HRandFieldWithValues(ctx, key, count).Result()
				if err != nil || len(pairs) != min(count, len(m)) {
					t.Fatalf("HRANDFIELD %s %d WITHVALUES: %d pairs, %v", key, count, len(pairs), err)
				}
				for _, p := range pairs {
					if v, ok := m[p.Key]; !ok || v != p.Value {
						t.Errorf("HRANDFIELD %s WITHVALUES gave %q=%q", key, p.Key, p.Value)
					}
				}
			}
			// A negative count repeats fields; 200 draws from 41 fields
			// repeat one for sure.
			fields, err := rdb.HRandField(ctx, key, -200).Result()
			if err != nil || len(fields) != 200 {
				t.Fatalf("HRANDFIELD %s -200: %d fields, %v", key, len(fields), err)
			}
			if len(slices.Compact(slices.Sorted(slices.Values(fields)))) == 200 {
				t.Errorf("HRANDFIELD %s -200 never repeated a field", key)
			}
			one, err := rdb.Do(ctx, "HRANDFIELD", key).Text()
			if _, ok := m[one]; !ok || err != nil {
				t.Errorf("HRANDFIELD %s: %q %v", key, one, err)
			}
		}
		f("nil", "HRANDFIELD", "none")
		f("[]", "HRANDFIELD", "none", 3)
		f("[]", "HRANDFIELD", "small", 0, "WITHVALUES")
		f("ERR syntax error", "HRANDFIELD", "small", 1, "WITHVALUE")
		f("ERR syntax error", "HRANDFIELD", "small", 1, "WITHVALUES", "x")
		f("ERR value is not an integer or out of range", "HRANDFIELD", "small", "x")
		f("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
			"HRANDFIELD", "small", "-9223372036854775808")
		f("ERR value is out of range", "HRANDFIELD", "small", "-4611686018427387904", "WITHVALUES")
		f("1", "HSET", "one", "k", "v")
		f(`["k" "v" "k" "v"]`, "HRANDFIELD", "one", -2, "WITHVALUES")

		// RESP3 nests each pair in an array.
		f3 := replyChecker(t, srv.Client3(t))
		f3(`[["k" "v"] ["k" "v"]]`, "HRANDFIELD", "one", -2, "WITHVALUES")
		f3(`["k" "k"]`, "HRANDFIELD", "one", -2)
		f3("nil", "HRANDFIELD", "none")
		f3("map[k:v]", "HGETALL", "one")
		f3("map[]", "HGETALL", "none")
	})
}

func TestHashScan(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := replyChecker(t, rdb)
		f("3", "HSET", "small", "a", "1", "b", "2", "ab", "3")
		// A listpack answers in one call, whatever the cursor and count.
		f(`["0" ["a" "1" "b" "2" "ab" "3"]]`, "HSCAN", "small", 0)
		f(`["0" ["a" "1" "b" "2" "ab" "3"]]`, "HSCAN", "small", 99, "COUNT", 1)
		f(`["0" ["a" "1" "ab" "3"]]`, "HSCAN", "small", 0, "MATCH", "a*")
		f(`["0" []]`, "HSCAN", "none", 0)
		f("ERR invalid cursor", "HSCAN", "small", "x")
		f("ERR syntax error", "HSCAN", "small", 0, "COUNT", 0)
		f("ERR value is not an integer or out of range", "HSCAN", "small", 0, "COUNT", "x")
		f("ERR syntax error", "HSCAN", "small", 0, "MATCH")
		f("ERR syntax error", "HSCAN", "small", 0, "TYPE", "hash")

		// A hashtable is walked with a cursor; every field present for the
		// whole iteration is seen, even while the hash grows.
		const n = 2000
		for i := 0; i < n; i++ {
			rdb.HSet(ctx, "big", fmt.Sprintf("field:%d", i), i)
		}
		seen := map[string]string{}
		var cursor uint64
		calls := 0
		for {
			kv, next, err := rdb.HScan(ctx, "big", cursor, "", 50).Result()
			if err != nil || len(kv)%2 != 0 {
				t.Fatalf("HSCAN: %v %v", kv, err)
			}
			for i := 0; i < len(kv); i += 2 {
				seen[kv[i]] = kv[i+1]
			}
			// Growth during the scan: new fields may or may not be seen.
			rdb.HSet(ctx, "big", fmt.Sprintf("new:%d", calls), "x")
			calls++
			if cursor = next; cursor == 0 {
				break
			}
		}
		for i := 0; i < n; i++ {
			if seen[fmt.Sprintf("field:%d", i)] != strconv.Itoa(i) {
				t.Fatalf("HSCAN missed field:%d after %d calls", i, calls)
			}
		}
		if calls < 10 {
			t.Errorf("HSCAN COUNT 50 over %d fields took only %d calls", n, calls)
		}
		matched := 0
		for cursor = 0; ; {
			kv, next, err := rdb.HScan(ctx, "big", cursor, "field:1?", 1000).Result()
			if err != nil {
				t.Fatal(err)
			}
			matched += len(kv) / 2
			if cursor = next; cursor == 0 {
				break
			}
		}
		if matched != 10 {
			t.Errorf("HSCAN MATCH field:1? saw %d fields, want 10", matched)
		}
	})
}

func TestHashEncodings(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	f := replyChecker(t, rdb)
	hset, hdel := []any{"HSET", "h"}, []any{"HDEL", "h", "one-more"}
	for i := 0; i < 512; i++ {
		hset = append(hset, fmt.Sprintf("f%d", i), i)
		hdel = append(hdel, fmt.Sprintf("f%d", i))
	}
	f("512", hset...)
	f(`"listpack"`, "OBJECT", "ENCODING", "h")
	f("1", "HSET", "h", "one-more", "x")
	f(`"hashtable"`, "OBJECT", "ENCODING", "h")
	f("513", hdel...)
	f("0", "EXISTS", "h")
	f("1", "HSET", "v", "a", strings.Repeat("x", 64))
	f(`"listpack"`, "OBJECT", "ENCODING", "v")
	f("1", "HSET", "v", "b", strings.Repeat("x", 65))
	f(`"hashtable"`, "OBJECT", "ENCODING", "v")
	f("1", "HINCRBY", "k", strings.Repeat("k", 65), 1)
	f(`"hashtable"`, "OBJECT", "ENCODING", "k")

	// COPY makes an independent hash in the same encoding.
	for _, src := range []string{"v", "small"} {
		rdb.HSet(ctx, "small", "a", "1")
		dst := "{" + src + "}copy"
		f("1", "COPY", src, dst)
		f("0", "HSET", dst, "a", "changed")
		enc := rdb.ObjectEncoding(ctx, src).Val()
		f(strconv.Quote(enc), "OBJECT", "ENCODING", dst)
		if got := rdb.HGet(ctx, src, "a").Val(); got == "changed" {
			t.Errorf("changing the copy of %s changed the original", src)
		}
	}
}

// TestHashJournal checks the write effects journaled for replication:
// writes that change nothing are left out, HINCRBYFLOAT is journaled as the
// HSET of its result.
func TestHashJournal(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	journal := srv.RecordJournal(t)
	raw := servertest.Dial(t, srv.Addr)
	for _, cmd := range [][]string{
		{"HSET", "h", "a", "1"},
		{"HSETNX", "h", "a", "2"},
		{"HDEL", "h", "nosuch"},
		{"HDEL", "nokey", "a"},
		{"HINCRBYFLOAT", "h", "f", "0.1"},
		{"HINCRBYFLOAT", "h", "f", "0.2"},
		{"HINCRBYFLOAT", "h", "f", "x"},
		{"HINCRBY", "h", "a", "1"},
		{"HGET", "h", "a"},
		{"HRANDFIELD", "h", "2"},
		{"HDEL", "h", "a", "f"},
	} {
		raw.Do(cmd...)
	}
	got := journal.String()
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\n1\r\n" +
		"*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$3\r\n0.1\r\n" +
		"*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$3\r\n0.3\r\n" +
		"*4\r\n$7\r\nHINCRBY\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\n1\r\n" +
		"*4\r\n$4\r\nHDEL\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\nf\r\n"
	if got != want {
		t.Fatalf("journal:\n%q\nwant\n%q", got, want)
	}
}

// TestHashWatch checks that a write that changed nothing does not abort a
// transaction watching its key, and one that did does.
func TestHashWatch(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	rdb.HSet(ctx, "h", "a", "1")
	run := func(between func()) error {
		return rdb.Watch(ctx, func(tx *redis.Tx) error {
			between()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, "h", "tx", "1")
				return nil
			})
			return err
		}, "h")
	}
	other := srv.Client(t)
	f := func(name string, between func(), wantAbort bool) {
		t.Helper()
		err := run(between)
		if aborted := errors.Is(err, redis.TxFailedErr); aborted != wantAbort || (err != nil && !aborted) {
			t.Errorf("%s: EXEC error %v, want aborted=%v", name, err, wantAbort)
		}
	}
	f("HSETNX of an existing field", func() { other.HSetNX(ctx, "h", "a", "2") }, false)
	f("HDEL of a missing field", func() { other.HDel(ctx, "h", "nosuch") }, false)
	f("HSET", func() { other.HSet(ctx, "h", "a", "2") }, true)
	f("HINCRBYFLOAT", func() { other.HIncrByFloat(ctx, "h", "n", 1) }, true)
}

var usedMemoryLine = regexp.MustCompile(`used_memory:(\d+)`)

// TestHashesMemory loads 100,000 hashes of ten small fields, the issue's
// memory target, into redis-server and into an in-process Shoal, and
// compares Redis's used_memory growth with the growth of Shoal's live heap
// (everything the server holds, keyspace included). The target is 1.2
// times Redis.
func TestHashesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 hashes into two servers")
	}
	const keys = 100000
	shapes := map[string]func(i, j int) string{
		"string values":  func(i, j int) string { return fmt.Sprintf("value-%d-%d", i, j) },
		"integer values": func(i, j int) string { return strconv.Itoa((i*7919 + j*104729) % 100001) },
	}
	for _, name := range []string{"string values", "integer values"} {
		value := shapes[name]
		t.Run(name, func(t *testing.T) {
			load := func(r *servertest.Raw) {
				var req []byte
				for i := 0; i < keys; i++ {
					req = proto.AppendArrayLen(req, 22)
					req = proto.AppendBulkString(req, "HSET")
					req = proto.AppendBulkString(req, "hash:"+strconv.Itoa(i))
					for j := 0; j < 10; j++ {
						req = proto.AppendBulkString(req, "field"+strconv.Itoa(j))
						req = proto.AppendBulkString(req, value(i, j))
					}
					if i%1000 == 999 {
						r.Send(req)
						for range 1000 {
							if got := r.Read(); got != ":10\r\n" {
								t.Fatalf("HSET: %q", got)
							}
						}
						req = req[:0]
					}
				}
			}
			redisBytes, shoalBytes, raw := measureMemory(t, load)
			if got := raw.Do("DBSIZE"); got != ":100000\r\n" {
				t.Fatalf("DBSIZE: %q", got)
			}
			ratio := float64(shoalBytes) / float64(redisBytes)
			t.Logf("%d hashes: redis used_memory +%d (%d B/key), shoal heap +%d (%d B/key): %.2fx",
				keys, redisBytes, redisBytes/keys, shoalBytes, shoalBytes/keys, ratio)
			if ratio > 1.2 {
				t.Errorf("shoal uses %.2f times Redis's memory, more than 1.2", ratio)
			}
		})
	}
}

// measureMemory loads the same data into a real redis-server and into a
// one-shard Shoal, and returns Redis's used_memory growth, Shoal's heap
// growth after a GC, and a connection to the Shoal server for checks.
func measureMemory(t *testing.T, load func(r *servertest.Raw)) (redisBytes, shoalBytes int64, shoal *servertest.Raw) {
	t.Helper()
	redisRaw := servertest.Dial(t, servertest.StartRedis(t))
	usedMemory := func() int64 {
		m := usedMemoryLine.FindStringSubmatch(string(readValue(t, redisRaw.Do("INFO", "memory")).Str))
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	before := usedMemory()
	load(redisRaw)
	redisBytes = usedMemory() - before

	srv := servertest.Start(t, "--shards", "1")
	shoal = servertest.Dial(t, srv.Addr)
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before = heap()
	load(shoal)
	return redisBytes, heap() - before, shoal
}
