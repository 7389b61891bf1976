package shard_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// eachShards runs fn against a one-shard and a four-shard server, so that
// multi-key commands run both within one shard and across shards.
func eachShards(t *testing.T, fn func(t *testing.T, srv *servertest.Server)) {
	for _, n := range []string{"1", "4"} {
		t.Run("shards="+n, func(t *testing.T) {
			t.Parallel()
			fn(t, servertest.Start(t, "--shards", n))
		})
	}
}

// doChecker returns a checker that runs a command through go-redis and
// compares its reply, printed with %v ("-" then the text for an error,
// "<nil>" for a null), with want.
func doChecker(t *testing.T, rdb *redis.Client) func(want string, args ...any) {
	return func(want string, args ...any) {
		t.Helper()
		v, err := rdb.Do(context.Background(), args...).Result()
		got := fmt.Sprint(v)
		switch {
		case errors.Is(err, redis.Nil):
			got = "<nil>"
		case err != nil:
			got = "-" + err.Error()
		}
		if got != want {
			t.Errorf("%v: got %q, want %q", args, got, want)
		}
	}
}

// dbClient is a client whose connections select database db.
func dbClient(t *testing.T, srv *servertest.Server, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true, DB: db})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestExpireCommands(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)
		now := time.Now().Unix()
		far := strconv.FormatInt(now+100000, 10)

		f("OK", "set", "k", "v")
		f("0", "expire", "nokey", "100")
		f("-ERR Unsupported option foo", "expire", "k", "100", "foo")
		f("-ERR Unsupported option foo", "expire", "k", "abc", "foo")
		f("-ERR value is not an integer or out of range", "expire", "k", "abc")
		f("-ERR value is not an integer or out of range", "expire", "k", "1.5")
		f("-ERR NX and XX, GT or LT options at the same time are not compatible", "expire", "k", "100", "nx", "xx")
		f("-ERR NX and XX, GT or LT options at the same time are not compatible", "expire", "k", "100", "gt", "NX")
		f("-ERR GT and LT options at the same time are not compatible", "expire", "k", "100", "gt", "lt")
		f("-ERR GT and LT options at the same time are not compatible", "expire", "k", "100", "xx", "gt", "lt")
		f("-ERR invalid expire time in 'expire' command", "expire", "k", "9223372036854775807")
		f("-ERR invalid expire time in 'expire' command", "expire", "k", "-9223372036854776")
		f("-ERR invalid expire time in 'expire' command", "expire", "k", "9223372036854775")
		f("-ERR invalid expire time in 'pexpire' command", "pexpire", "k", "9223372036854775807")
		f("-ERR invalid expire time in 'expireat' command", "expireat", "k", "9223372036854775807")
		f("-ERR wrong number of arguments for 'expire' command", "expire", "k")
		f("-1", "ttl", "k")
		f("-1", "pttl", "k")
		f("-1", "expiretime", "k")
		f("-1", "pexpiretime", "k")
		f("-2", "ttl", "nokey")
		f("-2", "pttl", "nokey")
		f("-2", "expiretime", "nokey")
		f("-2", "pexpiretime", "nokey")

		// No TTL: GT fails (no TTL is infinite), LT and NX succeed, XX fails.
		f("0", "expire", "k", "100", "gt")
		f("0", "expire", "k", "100", "xx")
		f("1", "expire", "k", "200", "lt")
		f("1", "persist", "k")
		f("0", "persist", "k")
		f("1", "expire", "k", "100", "nx")
		f("0", "expire", "k", "50", "nx")
		f("100", "ttl", "k")
		f("0", "expire", "k", "200", "lt")
		f("1", "expire", "k", "50", "lt")
		f("0", "expire", "k", "40", "gt")
		f("1", "expire", "k", "300", "gt")
		f("1", "expire", "k", "400", "XX")
		f("400", "ttl", "k")
		if pttl := rdb.PTTL(ctx, "k").Val(); pttl <= 399*time.Second || pttl > 400*time.Second {
			t.Errorf("pttl = %v, want about 400s", pttl)
		}

		// go-redis's typed API for the same family.
		if rdb.ExpireNX(ctx, "fresh", time.Minute).Val() {
			t.Error("EXPIRE NX on a missing key must fail")
		}
		rdb.Set(ctx, "typed", "v", 0)
		if !rdb.ExpireNX(ctx, "typed", time.Minute).Val() || rdb.ExpireNX(ctx, "typed", time.Hour).Val() {
			t.Error("EXPIRE NX: first must set, second must not")
		}
		if !rdb.ExpireGT(ctx, "typed", time.Hour).Val() || rdb.ExpireGT(ctx, "typed", time.Minute).Val() {
			t.Error("EXPIRE GT")
		}
		if !rdb.ExpireLT(ctx, "typed", time.Minute).Val() || rdb.ExpireLT(ctx, "typed", time.Hour).Val() {
			t.Error("EXPIRE LT")
		}
		if !rdb.ExpireXX(ctx, "typed", 2*time.Minute).Val() {
			t.Error("EXPIRE XX")
		}
		if got := rdb.TTL(ctx, "typed").Val(); got != 2*time.Minute {
			t.Errorf("TTL = %v", got)
		}
		if !rdb.Persist(ctx, "typed").Val() || rdb.TTL(ctx, "typed").Val() != -1 {
			t.Error("PERSIST")
		}
		f("1", "del", "typed")

		// Absolute deadlines read back exactly.
		f("1", "expireat", "k", far)
		f(far, "expiretime", "k")
		f(far+"000", "pexpiretime", "k")
		f("1", "pexpireat", "k", far+"499")
		f(far, "expiretime", "k")
		f("1", "pexpireat", "k", far+"500")
		f(strconv.FormatInt(now+100001, 10), "expiretime", "k")
		f("1", "pexpireat", "k", "9223372036854775807")
		f("9223372036854776", "expiretime", "k")
		f("9223372036854775807", "pexpiretime", "k")
		at := time.Unix(now+5000, 0)
		if !rdb.ExpireAt(ctx, "k", at).Val() || rdb.ExpireTime(ctx, "k").Val() != time.Duration(now+5000)*time.Second {
			t.Error("EXPIREAT / EXPIRETIME through go-redis")
		}
		if !rdb.PExpireAt(ctx, "k", at.Add(123*time.Millisecond)).Val() ||
			rdb.PExpireTime(ctx, "k").Val() != time.Duration(at.UnixMilli()+123)*time.Millisecond {
			t.Error("PEXPIREAT / PEXPIRETIME through go-redis")
		}
		if !rdb.PExpire(ctx, "k", 5*time.Second).Val() {
			t.Error("PEXPIRE")
		}
		if got := rdb.TTL(ctx, "k").Val(); got != 5*time.Second {
			t.Errorf("TTL after PEXPIRE 5000 = %v", got)
		}

		// A deadline in the past deletes the key and still answers 1.
		for _, args := range [][]any{
			{"expire", "k", "0"}, {"expire", "k", "-1"}, {"pexpire", "k", "-100", "lt"},
			{"expireat", "k", "1"}, {"pexpireat", "k", "0", "nx"},
		} {
			f("OK", "set", "k", "v")
			f("1", args...)
			f("0", "exists", "k")
			f("0", "dbsize")
		}
		f("OK", "set", "k", "v")
		f("0", "expire", "k", "-10", "gt")
		f("0", "expire", "k", "-10", "xx")
		f("1", "exists", "k")
		f("1", "del", "k")
		f("0", "dbsize")

		// SET without KEEPTTL clears the TTL; the key expires on time.
		f("OK", "set", "k", "v")
		f("1", "pexpire", "k", "50")
		time.Sleep(80 * time.Millisecond)
		f("-2", "pttl", "k")
		f("<nil>", "get", "k")
	})
}

func TestKeysRenameCopyMove(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)

		f("-ERR no such key", "rename", "a", "b")
		f("-ERR no such key", "renamenx", "a", "b")
		f("-ERR no such key", "rename", "a", "a")
		f("OK", "set", "a", "1")
		f("OK", "rename", "a", "a")
		f("0", "renamenx", "a", "a")
		f("1", "get", "a")
		f("1", "pexpire", "a", "100000")
		f("OK", "rename", "a", "b")
		f("0", "exists", "a")
		f("1", "get", "b")
		f("100", "ttl", "b")
		f("OK", "set", "c", "2")
		f("0", "renamenx", "b", "c")
		f("OK", "rename", "b", "c")
		f("1", "get", "c")
		f("100", "ttl", "c")
		f("1", "renamenx", "c", "d")
		f("100", "ttl", "d")
		f("1", "dbsize")
		f("-ERR wrong number of arguments for 'rename' command", "rename", "d")

		// Many pairs, so that with four shards most renames cross shards.
		for i := range 50 {
			src, dst := fmt.Sprintf("src:%d", i), fmt.Sprintf("dst:%d", i)
			rdb.Set(ctx, src, i, time.Duration(i+10)*time.Second)
			if i%2 == 0 {
				rdb.Set(ctx, dst, "old", 0)
			}
			if err := rdb.Rename(ctx, src, dst).Err(); err != nil {
				t.Fatal(err)
			}
			if v := rdb.Get(ctx, dst).Val(); v != strconv.Itoa(i) {
				t.Errorf("%s = %q after RENAME", dst, v)
			}
			if ttl := rdb.TTL(ctx, dst).Val(); ttl != time.Duration(i+10)*time.Second {
				t.Errorf("TTL %s = %v after RENAME", dst, ttl)
			}
			if rdb.Exists(ctx, src).Val() != 0 {
				t.Errorf("%s survived RENAME", src)
			}
			ok, err := rdb.RenameNX(ctx, dst, src).Result()
			if err != nil || !ok {
				t.Errorf("RENAMENX %s %s = %v, %v", dst, src, ok, err)
			}
		}
		f("51", "dbsize")
		f("OK", "flushdb", "sync")

		// COPY.
		f("OK", "set", "c", "2")
		f("1", "pexpire", "c", "100000")
		f("-ERR source and destination objects are the same", "copy", "c", "c")
		f("-ERR source and destination objects are the same", "copy", "c", "c", "db", "0")
		f("0", "copy", "nokey", "d")
		f("1", "copy", "c", "d")
		f("0", "copy", "c", "d")
		f("1", "copy", "c", "d", "replace")
		f("100", "ttl", "d")
		f("-ERR syntax error", "copy", "c", "d", "db")
		f("-ERR syntax error", "copy", "c", "d", "db", "1", "db")
		f("-ERR syntax error", "copy", "c", "d", "foo")
		f("-ERR DB index is out of range", "copy", "c", "d", "db", "16")
		f("-ERR DB index is out of range", "copy", "c", "d", "db", "-1")
		f("-ERR value is not an integer or out of range", "copy", "c", "d", "db", "abc")
		f("-ERR value is out of range, value must between -2147483648 and 2147483647", "copy", "c", "d", "db", "99999999999")
		f("1", "copy", "c", "c", "DB", "1")
		f("0", "copy", "c", "c", "db", "1")
		f("1", "copy", "c", "c", "db", "1", "replace")
		f("1", "copy", "c", "e", "replace", "db", "2")
		db1, db2 := dbClient(t, srv, 1), dbClient(t, srv, 2)
		if v := db1.Get(ctx, "c").Val(); v != "2" {
			t.Errorf("db1 c = %q", v)
		}
		if ttl := db2.TTL(ctx, "e").Val(); ttl != 100*time.Second {
			t.Errorf("db2 e TTL = %v", ttl)
		}
		// The copy is independent of its source.
		f("OK", "set", "n", "10")
		f("1", "copy", "n", "m")
		f("11", "incr", "n")
		f("10", "get", "m")
		f("5", "append", "m", "abc")
		f("11", "get", "n")
		f("10abc", "get", "m")
		if got := rdb.Copy(ctx, "n", "o", 0, false).Val(); got != 1 {
			t.Errorf("COPY via go-redis = %d", got)
		}
		if got := rdb.Copy(ctx, "n", "o", 3, true).Val(); got != 1 || dbClient(t, srv, 3).Get(ctx, "o").Val() != "11" {
			t.Errorf("COPY DB 3 REPLACE via go-redis = %d", got)
		}
		for i := range 30 {
			src, dst := fmt.Sprintf("cs:%d", i), fmt.Sprintf("cd:%d", i)
			rdb.Set(ctx, src, i, 0)
			if rdb.Copy(ctx, src, dst, 0, false).Val() != 1 || rdb.Get(ctx, dst).Val() != strconv.Itoa(i) {
				t.Errorf("COPY %s %s", src, dst)
			}
		}

		// MOVE.
		f("-ERR source and destination objects are the same", "move", "c", "0")
		f("-ERR source and destination objects are the same", "move", "nokey", "0")
		f("-ERR DB index is out of range", "move", "c", "16")
		f("-ERR DB index is out of range", "move", "c", "-1")
		f("-ERR value is not an integer or out of range", "move", "c", "abc")
		f("-ERR value is out of range, value must between -2147483648 and 2147483647", "move", "c", "99999999999")
		f("0", "move", "nokey", "1")
		f("0", "move", "c", "1") // db 1 already has c
		f("1", "move", "c", "4")
		f("0", "exists", "c")
		db4 := dbClient(t, srv, 4)
		if ttl := db4.TTL(ctx, "c").Val(); ttl != 100*time.Second {
			t.Errorf("TTL after MOVE = %v", ttl)
		}
		if !db4.Move(ctx, "c", 0).Val() || rdb.Get(ctx, "c").Val() != "2" {
			t.Error("MOVE back via go-redis")
		}
	})
}

func TestKeysSwapDB(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb, db1 := srv.Client(t), dbClient(t, srv, 1)
		f := doChecker(t, rdb)
		for i := range 20 {
			rdb.Set(ctx, fmt.Sprintf("zero:%d", i), i, time.Hour)
		}
		db1.Set(ctx, "one", "1", 0)
		f("OK", "swapdb", "0", "1")
		f("1", "dbsize")
		f("1", "get", "one")
		if n := db1.DBSize(ctx).Val(); n != 20 {
			t.Errorf("db1 DBSIZE after SWAPDB = %d", n)
		}
		if ttl := db1.TTL(ctx, "zero:3").Val(); ttl != time.Hour {
			t.Errorf("TTL in swapped db = %v", ttl)
		}
		// The swapped databases keep working on every shard.
		db1.Set(ctx, "more", "x", 0)
		if n := db1.Exists(ctx, "more", "zero:0", "zero:19").Val(); n != 3 {
			t.Errorf("EXISTS in swapped db = %d", n)
		}
		f("OK", "swapdb", "1", "0")
		f("21", "dbsize")
		f("0", "exists", "one")
		f("OK", "swapdb", "5", "5")
		f("-ERR invalid first DB index", "swapdb", "a", "1")
		f("-ERR invalid second DB index", "swapdb", "1", "a")
		f("-ERR invalid second DB index", "swapdb", "16", "a")
		f("-ERR invalid first DB index", "swapdb", "99999999999", "0")
		f("-ERR DB index is out of range", "swapdb", "0", "16")
		f("-ERR DB index is out of range", "swapdb", "-1", "0")
	})
}

func TestKeysKeysRandomKeyDBSize(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)
		f("[]", "keys", "*")
		f("<nil>", "randomkey")
		f("0", "dbsize")
		var want []string
		for i := range 40 {
			k := fmt.Sprintf("key:%02d", i)
			want = append(want, k)
			rdb.Set(ctx, k, i, 0)
		}
		rdb.Set(ctx, "other", "x", 0)
		got := rdb.Keys(ctx, "key:*").Val()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("KEYS key:* = %v", got)
		}
		got = rdb.Keys(ctx, "key:1[0-3]").Val()
		slices.Sort(got)
		if !slices.Equal(got, []string{"key:10", "key:11", "key:12", "key:13"}) {
			t.Errorf("KEYS key:1[0-3] = %v", got)
		}
		if n := len(rdb.Keys(ctx, "*").Val()); n != 41 {
			t.Errorf("KEYS * returned %d keys", n)
		}
		f("[other]", "keys", "o*")
		f("[]", "keys", "KEY:*") // case-sensitive
		f("41", "dbsize")

		// Every key comes up: the shard is chosen by size, then a key in it.
		seen := map[string]bool{}
		for range 3000 {
			seen[rdb.RandomKey(ctx).Val()] = true
		}
		if len(seen) != 41 {
			t.Errorf("RANDOMKEY returned %d distinct keys of 41", len(seen))
		}

		// Expired keys are neither listed nor picked.
		f("OK", "debug", "set-active-expire", "0")
		f("OK", "flushall")
		for i := range 10 {
			rdb.Set(ctx, fmt.Sprintf("gone:%d", i), "x", time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		f("10", "dbsize")
		f("[]", "keys", "*")
		f("<nil>", "randomkey")
		f("0", "dbsize") // RANDOMKEY reclaimed them
		f("OK", "debug", "set-active-expire", "1")
		f("-ERR wrong number of arguments for 'randomkey' command", "randomkey", "x")
		f("-ERR wrong number of arguments for 'keys' command", "keys")
	})
}

// scanAll runs a full SCAN iteration with the given options and returns the
// keys and the number of calls it took.
func scanAll(t *testing.T, rdb *redis.Client, between func(), opts ...any) (map[string]int, int) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		v, err := rdb.Do(ctx, append([]any{"scan", cursor}, opts...)...).Slice()
		if err != nil {
			t.Fatal(err)
		}
		calls++
		cursor = v[0].(string)
		for _, k := range v[1].([]any) {
			seen[k.(string)]++
		}
		if cursor == "0" {
			return seen, calls
		}
		if calls > 100000 {
			t.Fatal("SCAN does not terminate")
		}
		if between != nil {
			between()
		}
	}
}

func TestScanOptions(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)
		// With several shards an empty keyspace still takes a call per
		// shard: each call scans one shard.
		if seen, calls := scanAll(t, rdb, nil); len(seen) != 0 || calls != srv.Srv.Engine.NumShards() {
			t.Errorf("SCAN of an empty keyspace: %v in %d calls", seen, calls)
		}
		for i := range 300 {
			rdb.Set(ctx, "k:"+strconv.Itoa(i), i, 0)
		}
		seen, calls := scanAll(t, rdb, nil)
		if len(seen) != 300 || calls < 2 {
			t.Errorf("SCAN returned %d keys in %d calls", len(seen), calls)
		}
		seen, _ = scanAll(t, rdb, nil, "match", "k:1?", "count", "1000")
		if len(seen) != 10 {
			t.Errorf("SCAN MATCH k:1? returned %v", seen)
		}
		seen, _ = scanAll(t, rdb, nil, "type", "STRING", "match", "*")
		if len(seen) != 300 {
			t.Errorf("SCAN TYPE STRING returned %d keys", len(seen))
		}
		seen, _ = scanAll(t, rdb, nil, "type", "list")
		if len(seen) != 0 {
			t.Errorf("SCAN TYPE list returned %v", seen)
		}
		// go-redis's typed SCAN.
		var all []string
		iter := rdb.Scan(ctx, 0, "k:2*", 50).Iterator()
		for iter.Next(ctx) {
			all = append(all, iter.Val())
		}
		if iter.Err() != nil || len(all) != 111 {
			t.Errorf("SCAN iterator: %d keys, %v", len(all), iter.Err())
		}
		keys, _, err := rdb.ScanType(ctx, 0, "*", 1000, "string").Result()
		if err != nil || len(keys) == 0 {
			t.Errorf("SCAN TYPE via go-redis: %d keys, %v", len(keys), err)
		}

		f("-ERR invalid cursor", "scan", "abc")
		f("-ERR invalid cursor", "scan", " 0")
		f("-ERR invalid cursor", "scan", "-")
		f("-ERR invalid cursor", "scan", "18446744073709551616")
		f("-ERR syntax error", "scan", "0", "count", "0")
		f("-ERR syntax error", "scan", "0", "count", "-1")
		f("-ERR value is not an integer or out of range", "scan", "0", "count", "abc")
		f("-ERR syntax error", "scan", "0", "count")
		f("-ERR syntax error", "scan", "0", "match")
		f("-ERR syntax error", "scan", "0", "type")
		f("-ERR syntax error", "scan", "0", "foo", "bar")
		f("-ERR wrong number of arguments for 'scan' command", "scan")
		// A cursor naming a shard that does not exist ends the iteration.
		f("[0 []]", "scan", "255")
		f("[0 []]", "scan", "-1")
	})
}

// TestScanGuarantee checks SCAN's promise while keys come and go between
// calls: every key present for the whole scan is returned. Between calls
// keys are first added, enough to grow every table, then deleted, enough to
// shrink them, so the scan runs across resizes both ways.
func TestScanGuarantee(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		pipe := rdb.Pipeline()
		for i := range 300 {
			pipe.Set(ctx, "stable:"+strconv.Itoa(i), "x", 0)
		}
		for i := range 3000 {
			pipe.Set(ctx, "vol:"+strconv.Itoa(i), "x", 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		added, removed := 0, 0 // vol keys beyond the first 3000; vol keys deleted
		between := func() {
			p := rdb.Pipeline()
			for range 100 {
				switch {
				case added < 2000:
					p.Set(ctx, "vol:"+strconv.Itoa(3000+added), "x", 0)
					added++
				case removed < 5000:
					p.Del(ctx, "vol:"+strconv.Itoa(removed))
					removed++
				}
			}
			if p.Len() == 0 {
				return
			}
			if _, err := p.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		seen, calls := scanAll(t, rdb, between, "count", "7")
		if n := rdb.DBSize(ctx).Val(); n != 300 {
			t.Fatalf("the scan ended after %d calls with %d keys left: the tables did not shrink", calls, n)
		}
		for i := range 300 {
			if seen["stable:"+strconv.Itoa(i)] == 0 {
				t.Errorf("stable:%d was present during the whole scan but not returned", i)
			}
		}
		t.Logf("%d calls", calls)
	})
}

func TestObjectCommands(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)
		long := "123456789012345678901234567890123456789012345"
		for _, c := range []struct{ val, enc, ref string }{
			{"1", "int", "2147483647"},
			{"0", "int", "2147483647"},
			{"9999", "int", "2147483647"},
			{"10000", "int", "1"},
			{"-1", "int", "1"},
			{"1234567890123456789", "int", "1"},
			{"12345678901234567890", "embstr", "1"},
			{"00", "embstr", "1"},
			{"", "embstr", "1"},
			{"hello", "embstr", "1"},
			{long[:44], "embstr", "1"},
			{long, "raw", "1"},
		} {
			f("OK", "set", "k", c.val)
			if got := rdb.ObjectEncoding(ctx, "k").Val(); got != c.enc {
				t.Errorf("OBJECT ENCODING of %q = %q, want %q", c.val, got, c.enc)
			}
			f(c.ref, "object", "refcount", "k")
		}
		f("OK", "set", "k", "1")
		f("2", "append", "k", "2")
		f("raw", "object", "encoding", "k")
		f("1", "object", "refcount", "k")
		f("13", "incr", "k")
		f("int", "object", "encoding", "k")
		f("2147483647", "object", "refcount", "k")
		for _, sub := range []string{"encoding", "refcount", "idletime", "freq"} {
			f("<nil>", "object", sub, "nokey")
			f("-ERR wrong number of arguments for 'object|"+sub+"' command", "object", sub)
		}
		f("-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.", "object", "freq", "k")
		f("-ERR unknown subcommand 'foo'. Try OBJECT HELP.", "object", "foo")
		f("-ERR unknown subcommand 'foo'. Try OBJECT HELP.", "object", "foo", "bar")
		f("-ERR wrong number of arguments for 'object' command", "object")
		f("-ERR wrong number of arguments for 'object|help' command", "object", "help", "x")
		help, err := rdb.Do(ctx, "object", "help").StringSlice()
		if err != nil || len(help) != 15 || help[0] != "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" {
			t.Errorf("OBJECT HELP = %q, %v", help, err)
		}
		if got := rdb.ObjectRefCount(ctx, "k").Val(); got != 2147483647 {
			t.Errorf("OBJECT REFCOUNT via go-redis = %d", got)
		}
		if err := rdb.ObjectFreq(ctx, "k").Err(); err == nil {
			t.Error("OBJECT FREQ must fail without an LFU policy")
		}
	})
}

// TestObjectIdletime waits for the access clock (whole seconds) to move.
func TestObjectIdletime(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	f := doChecker(t, rdb)
	idle := func(key string) time.Duration {
		t.Helper()
		d, err := rdb.ObjectIdleTime(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	f("OK", "set", "read", "v")
	f("OK", "set", "notouch", "v")
	if d := idle("read"); d > time.Second {
		t.Errorf("idle time right after SET = %v", d)
	}
	time.Sleep(2100 * time.Millisecond)
	// EXISTS, TYPE, TTL and OBJECT do not count as an access; GET and
	// TOUCH do. The clock counts whole seconds, so a fresh access reads as
	// 0 or 1.
	f("1", "exists", "notouch")
	f("string", "type", "notouch")
	f("-1", "ttl", "notouch")
	if d := idle("notouch"); d < 2*time.Second {
		t.Errorf("idle time after 2.1s = %v", d)
	}
	f("v", "get", "read")
	f("1", "touch", "notouch", "nokey")
	for _, k := range []string{"read", "notouch"} {
		if d := idle(k); d > time.Second {
			t.Errorf("idle time of %s right after an access = %v", k, d)
		}
	}
}

func TestDebugCommands(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		rdb := srv.Client(t)
		f := doChecker(t, rdb)
		f("OK", "debug", "sleep", "0")
		f("OK", "debug", "sleep", "abc")
		f("OK", "debug", "sleep", "-1")
		f("OK", "debug", "sleep", "0.01")
		f("OK", "debug", "set-active-expire", "0")
		f("OK", "debug", "set-active-expire", "1")
		f("OK", "DEBUG", "SET-ACTIVE-EXPIRE", "abc") // atoi: 0
		f("OK", "debug", "set-active-expire", "1")
		f("-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.", "debug", "foo")
		f("-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.", "debug", "sleep")
		f("-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.", "debug", "sleep", "0", "1")
		f("-ERR unknown subcommand or wrong number of arguments for 'set-active-expire'. Try DEBUG HELP.", "debug", "set-active-expire")
		f("-ERR unknown subcommand or wrong number of arguments for 'jmap'. Try DEBUG HELP.", "debug", "jmap")
		f("-ERR wrong number of arguments for 'debug' command", "debug")
		help, err := rdb.Do(context.Background(), "debug", "help").StringSlice()
		if err != nil || len(help) < 3 || help[len(help)-2] != "HELP" {
			t.Errorf("DEBUG HELP = %q, %v", help, err)
		}
	})
}

// TestDebugSleepBlocksServer checks that DEBUG SLEEP stops every shard, as
// it stops Redis: a command sent meanwhile waits for it.
func TestDebugSleepBlocksServer(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		a, b := srv.Client(t), srv.Client(t)
		if err := b.Ping(ctx).Err(); err != nil { // connect before the sleep
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Do(ctx, "debug", "sleep", "1").Err(); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(150 * time.Millisecond)
		start := time.Now()
		for i := range 8 { // keys on every shard
			b.Get(ctx, "k"+strconv.Itoa(i))
		}
		if waited := time.Since(start); waited < 500*time.Millisecond {
			t.Errorf("GETs during DEBUG SLEEP 1 took %v: the server was not blocked", waited)
		}
		wg.Wait()
	})
}

func TestExpireActive(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := doChecker(t, rdb)

		// On: keys vanish without being accessed, from every database.
		f("OK", "debug", "set-active-expire", "1")
		db7 := dbClient(t, srv, 7)
		for i := range 200 {
			rdb.Set(ctx, "a:"+strconv.Itoa(i), "x", 50*time.Millisecond)
			db7.Set(ctx, "b:"+strconv.Itoa(i), "x", 50*time.Millisecond)
		}
		rdb.Set(ctx, "keep", "x", 0)
		deadline := time.Now().Add(5 * time.Second)
		for rdb.DBSize(ctx).Val() != 1 || db7.DBSize(ctx).Val() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("active expiry left %d and %d keys after 5s", rdb.DBSize(ctx).Val(), db7.DBSize(ctx).Val())
			}
			time.Sleep(20 * time.Millisecond)
		}

		// Off: expired keys stay counted until something touches them.
		f("OK", "debug", "set-active-expire", "0")
		for i := range 20 {
			rdb.Set(ctx, "c:"+strconv.Itoa(i), "x", 10*time.Millisecond)
		}
		time.Sleep(400 * time.Millisecond)
		f("21", "dbsize")
		f("<nil>", "get", "c:0")
		f("20", "dbsize")
		f("0", "exists", "c:1", "c:2")
		f("18", "dbsize")
		f("0", "del", "c:3")
		f("17", "dbsize")
		f("OK", "debug", "set-active-expire", "1")
		deadline = time.Now().Add(5 * time.Second)
		for rdb.DBSize(ctx).Val() != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("re-enabled active expiry left %d keys after 5s", rdb.DBSize(ctx).Val())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestKeysResp3Nulls checks the RESP3 null of the commands that can answer
// one.
func TestKeysResp3Nulls(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "1")
	raw := servertest.Dial(t, srv.Addr)
	raw.Do("HELLO", "3")
	f := func(want string, args ...string) {
		t.Helper()
		if got := raw.Do(args...); got != want {
			t.Errorf("%q: got %q, want %q", args, got, want)
		}
	}
	f("_\r\n", "randomkey")
	f("_\r\n", "object", "encoding", "nokey")
	f("*2\r\n$1\r\n0\r\n*0\r\n", "scan", "0")
}
