package shard_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// stringsServer starts a server with four shards, so that multi-key string
// commands cross shards, and returns a RESP2 client and a checker that runs
// one command and compares its reply, rendered by showReply.
func stringsServer(t *testing.T) (*redis.Client, func(cmd []any, want string)) {
	t.Helper()
	srv := servertest.Start(t, "--shards", "4")
	rdb := srv.Client(t)
	return rdb, func(cmd []any, want string) {
		t.Helper()
		v, err := rdb.Do(context.Background(), cmd...).Result()
		if got := showReply(v, err); got != want {
			t.Errorf("%v: got %s, want %s", cmd, got, want)
		}
	}
}

// showReply renders a go-redis reply: strings quoted, integers bare, nil as
// nil, arrays in brackets, and errors as their message.
func showReply(v any, err error) string {
	switch {
	case errors.Is(err, redis.Nil):
		return "nil"
	case err != nil:
		return err.Error()
	}
	switch v := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = showReply(e, nil)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

var expiresField = regexp.MustCompile(`db0:keys=(\d+),expires=(\d+)`)

// keyspace returns the number of keys and of keys with a TTL in db 0, from
// INFO keyspace: the way to see TTLs while TTL and PTTL do not exist yet.
func keyspace(t *testing.T, rdb *redis.Client) (keys, expires int) {
	t.Helper()
	info, err := rdb.Info(context.Background(), "keyspace").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := expiresField.FindStringSubmatch(info)
	if m == nil {
		return 0, 0
	}
	keys, _ = strconv.Atoi(m[1])
	expires, _ = strconv.Atoi(m[2])
	return keys, expires
}

func checkKeyspace(t *testing.T, rdb *redis.Client, what string, keys, expires int) {
	t.Helper()
	if k, e := keyspace(t, rdb); k != keys || e != expires {
		t.Errorf("%s: %d keys, %d with a TTL; want %d, %d", what, k, e, keys, expires)
	}
}

func TestStringsGetSet(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"GET", "k"}, `nil`)
	f([]any{"SET", "k", "v"}, `"OK"`)
	f([]any{"GET", "k"}, `"v"`)
	f([]any{"SET", "k", ""}, `"OK"`)
	f([]any{"GET", "k"}, `""`)
	f([]any{"SET", "bin", "a\x00b\r\n"}, `"OK"`)
	f([]any{"GET", "bin"}, `"a\x00b\r\n"`)
	f([]any{"GET"}, `ERR wrong number of arguments for 'get' command`)
	f([]any{"SET", "k"}, `ERR wrong number of arguments for 'set' command`)

	f([]any{"SET", "k", "v1", "NX"}, `nil`)
	f([]any{"SET", "k", "v2", "XX"}, `"OK"`)
	f([]any{"SET", "x", "v", "XX"}, `nil`)
	f([]any{"GET", "x"}, `nil`)
	f([]any{"SET", "x", "v", "nx"}, `"OK"`)
	f([]any{"SET", "k", "v3", "GET"}, `"v2"`)
	f([]any{"SET", "new", "v", "GET"}, `nil`)
	f([]any{"SET", "k", "v4", "NX", "GET"}, `"v3"`)
	f([]any{"GET", "k"}, `"v3"`)
	f([]any{"SET", "new2", "v", "XX", "GET"}, `nil`)
	f([]any{"GET", "new2"}, `nil`)
	f([]any{"SET", "k", "v5", "XX", "GET", "GET"}, `"v3"`)
	f([]any{"SET", "k", "v", "NX", "XX"}, `ERR syntax error`)
	f([]any{"SET", "k", "v", "NX", "NX"}, `nil`)
	f([]any{"SET", "k", "v", "BAD"}, `ERR syntax error`)
	f([]any{"SET", "k", "v6", "XX\x00junk"}, `"OK"`)
	f([]any{"GET", "k"}, `"v6"`)

	f([]any{"SET", "e", "v", "EX", "100"}, `"OK"`)
	f([]any{"SET", "e", "v", "PX", "100000"}, `"OK"`)
	f([]any{"SET", "e", "v", "EXAT", "99999999999"}, `"OK"`)
	f([]any{"SET", "e", "v", "PXAT", "99999999999999"}, `"OK"`)
	f([]any{"SET", "e", "v", "EX", "100", "EX", "200"}, `"OK"`)
	f([]any{"SET", "e", "v", "EX", "0", "EX", "200"}, `"OK"`)
	f([]any{"SET", "e", "v", "EX", "0"}, `ERR invalid expire time in 'set' command`)
	f([]any{"SET", "e", "v", "PX", "-1"}, `ERR invalid expire time in 'set' command`)
	f([]any{"SET", "e", "v", "EX", "9223372036854775807"}, `ERR invalid expire time in 'set' command`)
	f([]any{"SET", "e", "v", "PX", "9223372036854775807"}, `ERR invalid expire time in 'set' command`)
	f([]any{"SET", "e", "v", "EXAT", "9223372036854776"}, `ERR invalid expire time in 'set' command`)
	f([]any{"SET", "e", "v", "EX", "abc"}, `ERR value is not an integer or out of range`)
	f([]any{"SET", "e", "v", "EX", "abc", "BAD"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "EX"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "EX", "10", "PX", "10"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "EXAT", "10", "PXAT", "10"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "EX", "10", "KEEPTTL"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "KEEPTTL", "PX", "10"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "PERSIST"}, `ERR syntax error`)
	f([]any{"SET", "e", "v", "KEEPTTL", "KEEPTTL"}, `"OK"`)
	f([]any{"SET", "e", "v", "KEEPTTL"}, `"OK"`)
	checkKeyspace(t, rdb, "SET EX then KEEPTTL", 5, 1)
	f([]any{"SET", "e", "v"}, `"OK"`)
	checkKeyspace(t, rdb, "SET clears the TTL", 5, 0)
	f([]any{"SET", "e", "v", "EX", "100"}, `"OK"`)
	f([]any{"SET", "e", "v", "GET"}, `"v"`)
	checkKeyspace(t, rdb, "SET GET clears the TTL", 5, 0)
	f([]any{"SET", "past", "v", "PXAT", "1"}, `"OK"`)
	f([]any{"GET", "past"}, `nil`)
	f([]any{"SET", "past", "v", "EXAT", "1", "GET"}, `nil`)
	f([]any{"GET", "past"}, `nil`)

	// The typed API sends EX, PX, EXAT, KEEPTTL, NX and XX itself.
	if err := rdb.Set(ctx, "typed", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.SetArgs(ctx, "typed", "w", redis.SetArgs{KeepTTL: true}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.SetArgs(ctx, "typed2", "w", redis.SetArgs{ExpireAt: time.Now().Add(time.Hour)}).Err(); err != nil {
		t.Fatal(err)
	}
	checkKeyspace(t, rdb, "typed SET", 7, 2)
	if ok, err := rdb.SetNX(ctx, "typed", "x", 0).Result(); err != nil || ok {
		t.Errorf("SetNX on an existing key: %v %v", ok, err)
	}
	if ok, err := rdb.SetXX(ctx, "typed", "x", 0).Result(); err != nil || !ok {
		t.Errorf("SetXX on an existing key: %v %v", ok, err)
	}
	if v, err := rdb.SetArgs(ctx, "typed", "y", redis.SetArgs{Get: true}).Result(); err != nil || v != "x" {
		t.Errorf("SET GET: %q %v", v, err)
	}

	f([]any{"SETNX", "nx", "v"}, `1`)
	f([]any{"SETNX", "nx", "w"}, `0`)
	f([]any{"GET", "nx"}, `"v"`)
	f([]any{"SETNX", "nx"}, `ERR wrong number of arguments for 'setnx' command`)

	f([]any{"SETEX", "sx", "100", "v"}, `"OK"`)
	f([]any{"GET", "sx"}, `"v"`)
	f([]any{"SETEX", "sx", "0", "v"}, `ERR invalid expire time in 'setex' command`)
	f([]any{"SETEX", "sx", "-1", "v"}, `ERR invalid expire time in 'setex' command`)
	f([]any{"SETEX", "sx", "abc", "v"}, `ERR value is not an integer or out of range`)
	f([]any{"PSETEX", "psx", "100000", "v"}, `"OK"`)
	f([]any{"PSETEX", "psx", "0", "v"}, `ERR invalid expire time in 'psetex' command`)
	f([]any{"PSETEX", "psx", "9223372036854775807", "v"}, `ERR invalid expire time in 'psetex' command`)
	f([]any{"SETEX", "sx", "10"}, `ERR wrong number of arguments for 'setex' command`)
	checkKeyspace(t, rdb, "SETEX PSETEX", 10, 3)
	if err := rdb.SetEx(ctx, "sx", "w", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	f([]any{"GETSET", "gs", "1"}, `nil`)
	f([]any{"GETSET", "gs", "2"}, `"1"`)
	f([]any{"GET", "gs"}, `"2"`)
	f([]any{"SET", "gs", "3", "EX", "100"}, `"OK"`)
	if v, err := rdb.GetSet(ctx, "gs", "4").Result(); err != nil || v != "3" {
		t.Errorf("GETSET: %q %v", v, err)
	}
	checkKeyspace(t, rdb, "GETSET clears the TTL", 11, 3)

	f([]any{"MSET", "m1", "a", "m2", "b", "{m}3", "c"}, `"OK"`)
	f([]any{"MGET", "m1", "m2", "none", "{m}3", "m1"}, `["a" "b" nil "c" "a"]`)
	f([]any{"MSET", "m1", "a", "m2"}, `ERR wrong number of arguments for 'mset' command`)
	f([]any{"MSET", "m1"}, `ERR wrong number of arguments for 'mset' command`)
	f([]any{"MGET"}, `ERR wrong number of arguments for 'mget' command`)
	f([]any{"MSETNX", "n1", "a", "n2", "b"}, `1`)
	f([]any{"MSETNX", "n3", "a", "n1", "b"}, `0`)
	f([]any{"MGET", "n1", "n2", "n3"}, `["a" "b" nil]`)
	f([]any{"MSETNX", "n4", "a", "n5"}, `ERR wrong number of arguments for 'msetnx' command`)
	if ok, err := rdb.MSetNX(ctx, "n6", "x", "n7", "y").Result(); err != nil || !ok {
		t.Errorf("MSETNX: %v %v", ok, err)
	}
	if v, err := rdb.MGet(ctx, "n6", "n7", "none").Result(); err != nil || fmt.Sprint(v) != "[x y <nil>]" {
		t.Errorf("MGET: %v %v", v, err)
	}
}

func TestStringsGetDelGetEx(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"GETDEL", "k"}, `nil`)
	f([]any{"SET", "k", "v", "EX", "100"}, `"OK"`)
	f([]any{"GETDEL", "k"}, `"v"`)
	f([]any{"GET", "k"}, `nil`)
	f([]any{"GETDEL", "k"}, `nil`)
	f([]any{"GETDEL"}, `ERR wrong number of arguments for 'getdel' command`)
	checkKeyspace(t, rdb, "GETDEL", 0, 0)
	rdb.Set(ctx, "k", "typed", 0)
	if v, err := rdb.GetDel(ctx, "k").Result(); err != nil || v != "typed" {
		t.Errorf("GetDel: %q %v", v, err)
	}

	f([]any{"GETEX", "k"}, `nil`)
	f([]any{"GETEX", "k", "EX", "0"}, `nil`)
	f([]any{"GETEX", "k", "BAD"}, `ERR syntax error`)
	f([]any{"SET", "k", "v"}, `"OK"`)
	f([]any{"GETEX", "k"}, `"v"`)
	checkKeyspace(t, rdb, "GETEX without options", 1, 0)
	f([]any{"GETEX", "k", "EX", "100"}, `"v"`)
	checkKeyspace(t, rdb, "GETEX EX", 1, 1)
	f([]any{"GETEX", "k", "PERSIST"}, `"v"`)
	checkKeyspace(t, rdb, "GETEX PERSIST", 1, 0)
	f([]any{"GETEX", "k", "PX", "100000"}, `"v"`)
	f([]any{"GETEX", "k", "PERSIST", "persist"}, `"v"`)
	f([]any{"GETEX", "k", "EXAT", "99999999999"}, `"v"`)
	f([]any{"GETEX", "k", "PXAT", "99999999999999"}, `"v"`)
	f([]any{"GETEX", "k", "EX", "0", "EX", "10"}, `"v"`)
	checkKeyspace(t, rdb, "GETEX EXAT PXAT", 1, 1)
	f([]any{"GETEX", "k", "EX", "0"}, `ERR invalid expire time in 'getex' command`)
	f([]any{"GETEX", "k", "PXAT", "-1"}, `ERR invalid expire time in 'getex' command`)
	f([]any{"GETEX", "k", "PX", "9223372036854775807"}, `ERR invalid expire time in 'getex' command`)
	f([]any{"GETEX", "k", "EX", "abc"}, `ERR value is not an integer or out of range`)
	f([]any{"GETEX", "k", "EX", "10", "PX", "10"}, `ERR syntax error`)
	f([]any{"GETEX", "k", "EX", "10", "PERSIST"}, `ERR syntax error`)
	f([]any{"GETEX", "k", "PERSIST", "EXAT", "10"}, `ERR syntax error`)
	for _, opt := range []string{"KEEPTTL", "NX", "XX", "GET", "EX"} {
		f([]any{"GETEX", "k", opt}, `ERR syntax error`)
	}
	f([]any{"GETEX"}, `ERR wrong number of arguments for 'getex' command`)
	checkKeyspace(t, rdb, "GETEX errors change nothing", 1, 1)
	f([]any{"GETEX", "k", "PXAT", "1"}, `"v"`)
	f([]any{"GET", "k"}, `nil`)
	checkKeyspace(t, rdb, "GETEX with a past deadline deletes", 0, 0)

	rdb.Set(ctx, "k", "typed", 0)
	if v, err := rdb.GetEx(ctx, "k", time.Hour).Result(); err != nil || v != "typed" {
		t.Errorf("GetEx EX: %q %v", v, err)
	}
	if v, err := rdb.GetEx(ctx, "k", 1500*time.Millisecond).Result(); err != nil || v != "typed" {
		t.Errorf("GetEx PX: %q %v", v, err)
	}
	checkKeyspace(t, rdb, "typed GETEX", 1, 1)
	if v, err := rdb.GetEx(ctx, "k", 0).Result(); err != nil || v != "typed" {
		t.Errorf("GetEx PERSIST: %q %v", v, err)
	}
	checkKeyspace(t, rdb, "typed GETEX PERSIST", 1, 0)
}

func TestStringsIncr(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"INCR", "i"}, `1`)
	f([]any{"INCR", "i"}, `2`)
	f([]any{"DECR", "i"}, `1`)
	f([]any{"DECR", "d"}, `-1`)
	f([]any{"INCRBY", "i", "10"}, `11`)
	f([]any{"INCRBY", "i", "-20"}, `-9`)
	f([]any{"DECRBY", "i", "1"}, `-10`)
	f([]any{"DECRBY", "i", "-15"}, `5`)
	f([]any{"GET", "i"}, `"5"`)
	for _, bad := range []string{"abc", " 1", "1 ", "01", "-0", "+1", "1.5", "", "9223372036854775808"} {
		f([]any{"SET", "bad", bad}, `"OK"`)
		f([]any{"INCR", "bad"}, `ERR value is not an integer or out of range`)
		f([]any{"INCRBY", "i", bad}, `ERR value is not an integer or out of range`)
		f([]any{"DECRBY", "i", bad}, `ERR value is not an integer or out of range`)
	}
	f([]any{"SET", "i", "9223372036854775807"}, `"OK"`)
	f([]any{"INCR", "i"}, `ERR increment or decrement would overflow`)
	f([]any{"INCRBY", "i", "-1"}, `9223372036854775806`)
	f([]any{"SET", "i", "-9223372036854775808"}, `"OK"`)
	f([]any{"DECR", "i"}, `ERR increment or decrement would overflow`)
	f([]any{"INCRBY", "i", "9223372036854775807"}, `-1`)
	f([]any{"DECRBY", "i", "-9223372036854775808"}, `ERR decrement would overflow`)
	f([]any{"INCRBY", "i", "-9223372036854775808"}, `ERR increment or decrement would overflow`)
	f([]any{"SET", "i", "0"}, `"OK"`)
	f([]any{"INCRBY", "i", "-9223372036854775808"}, `-9223372036854775808`)
	f([]any{"INCRBY", "i"}, `ERR wrong number of arguments for 'incrby' command`)

	f([]any{"SET", "t", "10", "EX", "100"}, `"OK"`)
	f([]any{"INCR", "t"}, `11`)
	checkKeyspace(t, rdb, "INCR keeps the TTL", 4, 1)
	f([]any{"SET", "a", "1"}, `"OK"`)
	f([]any{"APPEND", "a", "2"}, `2`)
	f([]any{"INCR", "a"}, `13`)
	f([]any{"APPEND", "a", "0"}, `3`)
	f([]any{"GET", "a"}, `"130"`)

	if v, err := rdb.Incr(ctx, "typed").Result(); err != nil || v != 1 {
		t.Errorf("Incr: %d %v", v, err)
	}
	if v, err := rdb.IncrBy(ctx, "typed", 41).Result(); err != nil || v != 42 {
		t.Errorf("IncrBy: %d %v", v, err)
	}
	if v, err := rdb.DecrBy(ctx, "typed", 2).Result(); err != nil || v != 40 {
		t.Errorf("DecrBy: %d %v", v, err)
	}
	if v, err := rdb.Decr(ctx, "typed").Result(); err != nil || v != 39 {
		t.Errorf("Decr: %d %v", v, err)
	}
}

func TestStringsIncrByFloat(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	// Replies as Redis 7.0 on x86-64 prints them: long double arithmetic,
	// "%.17Lf" with trailing zeros removed.
	f([]any{"INCRBYFLOAT", "f", "0.1"}, `"0.1"`)
	f([]any{"INCRBYFLOAT", "f", "0.1"}, `"0.2"`)
	f([]any{"INCRBYFLOAT", "f", "0.1"}, `"0.3"`)
	f([]any{"SET", "f", "10.50"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "f", "0.1"}, `"10.6"`)
	f([]any{"INCRBYFLOAT", "f", "5.0e3"}, `"5010.60000000000000009"`)
	f([]any{"SET", "f", "1"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "f", "1e-4940"}, `"1"`)
	f([]any{"INCRBYFLOAT", "f", "0x1p3"}, `"9"`)
	f([]any{"INCRBYFLOAT", "f", "-1.5e-17"}, `"8.99999999999999999"`)
	f([]any{"INCRBYFLOAT", "f", "5e-18"}, `"8.99999999999999999"`)
	f([]any{"SET", "f", "-0.0000000000000000001"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "f", "0"}, `"0"`)
	f([]any{"SET", "f", "3.0"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "f", "-3"}, `"0"`)
	// 2^-18 has 18 decimals ending in 5: the 17th rounds half to even.
	f([]any{"INCRBYFLOAT", "tie", "0.000003814697265625"}, `"0.00000381469726562"`)
	f([]any{"INCRBYFLOAT", "big", "12345678901234567890"}, `"12345678901234567890"`)

	f([]any{"SET", "f", "0"}, `"OK"`)
	v, err := rdb.Do(ctx, "INCRBYFLOAT", "f", "1e300").Text()
	if err != nil || len(v) != 301 || !strings.HasPrefix(v, "10000000000000000000089973240795591938705239442732907479382600823212656465961809") {
		t.Errorf("INCRBYFLOAT 1e300: %q %v", v, err)
	}
	// Beyond float64 but within long double.
	v, err = rdb.Do(ctx, "INCRBYFLOAT", "f", "1e400").Text()
	if err != nil || len(v) != 401 || v[0] != '1' {
		t.Errorf("INCRBYFLOAT 1e400: %q %v", v, err)
	}

	f([]any{"INCRBYFLOAT", "f", "1e4933"}, `ERR value is not a valid float`)
	f([]any{"INCRBYFLOAT", "f", "1e-5000"}, `ERR value is not a valid float`)
	f([]any{"INCRBYFLOAT", "f", "inf"}, `ERR increment would produce NaN or Infinity`)
	f([]any{"INCRBYFLOAT", "f", "-Infinity"}, `ERR increment would produce NaN or Infinity`)
	f([]any{"SET", "h", "1.1e4932"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "h", "1.1e4932"}, `ERR increment would produce NaN or Infinity`)
	for _, bad := range []string{"nan", "abc", "", " 1", "1 ", "1e", "0x", "0x1p", "1,5", "--1", strings.Repeat("1", 5120)} {
		f([]any{"INCRBYFLOAT", "f", bad}, `ERR value is not a valid float`)
	}
	f([]any{"SET", "s", "abc"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "s", "1"}, `ERR value is not a valid float`)
	f([]any{"SET", "s", "inf"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "s", "-inf"}, `ERR increment would produce NaN or Infinity`)
	f([]any{"INCRBYFLOAT", "s"}, `ERR wrong number of arguments for 'incrbyfloat' command`)

	f([]any{"SET", "t", "1", "EX", "100"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "t", "0.5"}, `"1.5"`)
	checkKeyspace(t, rdb, "INCRBYFLOAT keeps the TTL", 6, 1)

	if v, err := rdb.IncrByFloat(ctx, "typed", 2.5).Result(); err != nil || v != 2.5 {
		t.Errorf("IncrByFloat: %v %v", v, err)
	}
}

func TestStringsAppendStrlen(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"STRLEN", "a"}, `0`)
	f([]any{"APPEND", "a", "Hello"}, `5`)
	f([]any{"APPEND", "a", " World"}, `11`)
	f([]any{"APPEND", "a", ""}, `11`)
	f([]any{"APPEND", "a", "\x00"}, `12`)
	f([]any{"GET", "a"}, `"Hello World\x00"`)
	f([]any{"STRLEN", "a"}, `12`)
	f([]any{"APPEND", "e", ""}, `0`)
	f([]any{"GET", "e"}, `""`)
	f([]any{"SET", "n", "-123"}, `"OK"`)
	f([]any{"STRLEN", "n"}, `4`)
	f([]any{"APPEND", "a"}, `ERR wrong number of arguments for 'append' command`)
	f([]any{"STRLEN"}, `ERR wrong number of arguments for 'strlen' command`)
	f([]any{"SET", "t", "v", "EX", "100"}, `"OK"`)
	f([]any{"APPEND", "t", "w"}, `2`)
	checkKeyspace(t, rdb, "APPEND keeps the TTL", 4, 1)

	if n, err := rdb.Append(ctx, "typed", "abc").Result(); err != nil || n != 3 {
		t.Errorf("Append: %d %v", n, err)
	}
	if n, err := rdb.StrLen(ctx, "typed").Result(); err != nil || n != 3 {
		t.Errorf("StrLen: %d %v", n, err)
	}
}

func TestStringsGetRange(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"SET", "s", "Hello World"}, `"OK"`)
	f([]any{"SET", "empty", ""}, `"OK"`)
	for _, cmd := range []string{"GETRANGE", "SUBSTR"} {
		r := func(key, start, end, want string) {
			t.Helper()
			f([]any{cmd, key, start, end}, want)
		}
		r("s", "0", "-1", `"Hello World"`)
		r("s", "0", "4", `"Hello"`)
		r("s", "-5", "-1", `"World"`)
		r("s", "-1", "-5", `""`)
		r("s", "5", "3", `""`)
		r("s", "-100", "100", `"Hello World"`)
		r("s", "100", "200", `""`)
		r("s", "3", "-100", `""`)
		r("s", "-100", "-200", `""`)
		r("s", "-1", "-1", `"d"`)
		r("s", "-9223372036854775808", "-9223372036854775808", `"H"`)
		r("s", "0", "9223372036854775807", `"Hello World"`)
		r("s", "9223372036854775807", "9223372036854775807", `""`)
		r("empty", "0", "-1", `""`)
		r("empty", "0", "0", `""`)
		r("missing", "0", "-1", `""`)
		r("s", "a", "1", `ERR value is not an integer or out of range`)
		r("missing", "0", "1.5", `ERR value is not an integer or out of range`)
		f([]any{cmd, "s", "0"}, `ERR wrong number of arguments for '`+strings.ToLower(cmd)+`' command`)
	}
	if v, err := rdb.GetRange(ctx, "s", 6, -1).Result(); err != nil || v != "World" {
		t.Errorf("GetRange: %q %v", v, err)
	}
}

func TestStringsSetRange(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"SETRANGE", "z", "10", ""}, `0`)
	f([]any{"GET", "z"}, `nil`)
	checkKeyspace(t, rdb, "SETRANGE of nothing creates nothing", 0, 0)
	f([]any{"SETRANGE", "z", "-1", "x"}, `ERR offset is out of range`)
	f([]any{"SETRANGE", "z", "abc", "x"}, `ERR value is not an integer or out of range`)
	f([]any{"SETRANGE", "z", "536870912", "x"}, `ERR string exceeds maximum allowed size (proto-max-bulk-len)`)
	f([]any{"SETRANGE", "z", "536870911", "xy"}, `ERR string exceeds maximum allowed size (proto-max-bulk-len)`)
	f([]any{"SETRANGE", "z", "9223372036854775807", "x"}, `ERR string exceeds maximum allowed size (proto-max-bulk-len)`)
	f([]any{"SETRANGE", "z", "5", "x"}, `6`)
	f([]any{"GET", "z"}, `"\x00\x00\x00\x00\x00x"`)
	f([]any{"SETRANGE", "z", "0", "abc"}, `6`)
	f([]any{"SETRANGE", "z", "4", "yyyy"}, `8`)
	f([]any{"GET", "z"}, `"abc\x00yyyy"`)
	f([]any{"SETRANGE", "z", "3", ""}, `8`)
	f([]any{"SETRANGE", "z", "536870911", ""}, `8`)
	f([]any{"SETRANGE", "z", "536870912", "x"}, `ERR string exceeds maximum allowed size (proto-max-bulk-len)`)
	f([]any{"SETRANGE", "z", "0"}, `ERR wrong number of arguments for 'setrange' command`)
	// An in-place INCR leaves spare capacity behind; growing must zero it.
	f([]any{"SET", "c", "12345678"}, `"OK"`)
	f([]any{"INCRBY", "c", "-12345670"}, `8`)
	f([]any{"SETRANGE", "c", "3", "x"}, `4`)
	f([]any{"GET", "c"}, `"8\x00\x00x"`)
	f([]any{"SET", "t", "v", "EX", "100"}, `"OK"`)
	f([]any{"SETRANGE", "t", "1", "w"}, `2`)
	checkKeyspace(t, rdb, "SETRANGE keeps the TTL", 3, 1)

	if n, err := rdb.SetRange(ctx, "typed", 2, "ab").Result(); err != nil || n != 4 {
		t.Errorf("SetRange: %d %v", n, err)
	}
}

func TestStringsLCS(t *testing.T) {
	ctx := context.Background()
	rdb, f := stringsServer(t)

	f([]any{"LCS", "a", "b"}, `""`)
	f([]any{"LCS", "a", "b", "LEN"}, `0`)
	f([]any{"LCS", "a", "b", "IDX"}, `["matches" [] "len" 0]`)
	f([]any{"MSET", "a", "ohmytext", "b", "mynewtext"}, `"OK"`)
	f([]any{"LCS", "a", "b"}, `"mytext"`)
	f([]any{"LCS", "a", "b", "len"}, `6`)
	f([]any{"LCS", "a", "b", "IDX"}, `["matches" [[[4 7] [5 8]] [[2 3] [0 1]]] "len" 6]`)
	f([]any{"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, `["matches" [[[4 7] [5 8] 4]] "len" 6]`)
	f([]any{"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, `["matches" [[[4 7] [5 8] 4] [[2 3] [0 1] 2]] "len" 6]`)
	f([]any{"LCS", "a", "b", "IDX", "MINMATCHLEN", "-3"}, `["matches" [[[4 7] [5 8]] [[2 3] [0 1]]] "len" 6]`)
	f([]any{"LCS", "a", "b", "LEN", "WITHMATCHLEN"}, `6`)
	f([]any{"LCS", "a", "b", "LEN", "IDX"}, `ERR If you want both the length and indexes, please just use IDX.`)
	f([]any{"LCS", "a", "b", "MINMATCHLEN"}, `ERR syntax error`)
	f([]any{"LCS", "a", "b", "MINMATCHLEN", "x"}, `ERR value is not an integer or out of range`)
	f([]any{"LCS", "a", "b", "BAD"}, `ERR syntax error`)
	f([]any{"LCS", "a", "missing"}, `""`)
	f([]any{"LCS", "a"}, `ERR wrong number of arguments for 'lcs' command`)
	f([]any{"SET", "big1", strings.Repeat("a", 12000)}, `"OK"`)
	f([]any{"SET", "big2", strings.Repeat("a", 12000)}, `"OK"`)
	f([]any{"LCS", "big1", "big2", "LEN"}, `ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len`)

	m, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b"}).Result()
	if err != nil || m.MatchString != "mytext" {
		t.Errorf("LCS: %+v %v", m, err)
	}
	m, err = rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Len: true}).Result()
	if err != nil || m.Len != 6 {
		t.Errorf("LCS LEN: %+v %v", m, err)
	}
	m, err = rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true, MinMatchLen: 4, WithMatchLen: true}).Result()
	if err != nil || m.Len != 6 || len(m.Matches) != 1 || m.Matches[0] != (redis.LCSMatchedPosition{
		Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4}) {
		t.Errorf("LCS IDX: %+v %v", m, err)
	}
}

// TestStringsResp3 checks the replies that RESP3 encodes differently
// through a RESP3 client.
func TestStringsResp3(t *testing.T) {
	ctx := context.Background()
	srv := servertest.Start(t)
	rdb := srv.Client3(t)
	if err := rdb.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("GET missing: %v", err)
	}
	if err := rdb.SetArgs(ctx, "k", "v", redis.SetArgs{Mode: "XX"}).Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("SET XX missing: %v", err)
	}
	if err := rdb.GetDel(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("GETDEL missing: %v", err)
	}
	rdb.MSet(ctx, "a", "ohmytext", "b", "mynewtext")
	m, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true}).Result()
	if err != nil || m.Len != 6 || len(m.Matches) != 2 || m.Matches[1].Key1 != (redis.LCSPosition{Start: 2, End: 3}) {
		t.Errorf("LCS IDX: %+v %v", m, err)
	}
	raw := servertest.Dial(t, srv.Addr)
	if reply := raw.Do("HELLO", "3"); strings.HasPrefix(reply, "-") {
		t.Fatalf("HELLO 3: %q", reply)
	}
	if got := raw.Do("LCS", "a", "b", "IDX"); got != "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n" {
		t.Errorf("LCS IDX in RESP3: %q", got)
	}
	if got := raw.Do("GETEX", "none"); got != "_\r\n" {
		t.Errorf("GETEX missing in RESP3: %q", got)
	}
}

// TestStringsExpiry lets short deadlines pass. Only absence after a
// deadline is asserted, which no scheduling delay can break.
func TestStringsExpiry(t *testing.T) {
	rdb, f := stringsServer(t)
	f([]any{"SET", "ex", "v", "PX", "50"}, `"OK"`)
	f([]any{"PSETEX", "psetex", "50", "v"}, `"OK"`)
	f([]any{"SET", "kept", "v", "PX", "50"}, `"OK"`)
	f([]any{"SET", "kept", "w", "KEEPTTL"}, `"OK"`)
	f([]any{"SET", "getex", "v"}, `"OK"`)
	f([]any{"GETEX", "getex", "PX", "50"}, `"v"`)
	f([]any{"SET", "incr", "1", "PX", "50"}, `"OK"`)
	f([]any{"INCRBYFLOAT", "incr", "1"}, `"2"`)
	f([]any{"SET", "range", "1", "PX", "50"}, `"OK"`)
	f([]any{"SETRANGE", "range", "3", "x"}, `4`)
	f([]any{"SET", "dropped", "v", "PX", "50"}, `"OK"`)
	f([]any{"SET", "dropped", "w"}, `"OK"`)
	time.Sleep(300 * time.Millisecond)
	for _, k := range []string{"ex", "psetex", "kept", "getex", "incr", "range"} {
		f([]any{"GET", k}, `nil`)
	}
	f([]any{"GET", "dropped"}, `"w"`)
	checkKeyspace(t, rdb, "after the deadlines", 1, 0)
}
