package shard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/shard"
	"github.com/shoal-db/shoal/shard/keytab"
)

// TestStringsMoveBetweenRecordAndObject writes strings that cross the
// longest length kept in a key's record (2 KiB) in both directions, by SET,
// APPEND, SETRANGE and INCR, and checks after each step the value, Redis's
// encoding name, the TTL and the memory accounting.
func TestStringsMoveBetweenRecordAndObject(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	rdb := srv.Client(t)
	want := map[string]string{}
	step := func(what, key, encoding string) {
		t.Helper()
		got, err := rdb.Get(ctx, key).Result()
		if err != nil || got != want[key] {
			t.Fatalf("%s: GET %s = %.40q (%d bytes), %v; want %.40q (%d bytes)", what, key, got, len(got), err, want[key], len(want[key]))
		}
		if n := rdb.StrLen(ctx, key).Val(); n != int64(len(want[key])) {
			t.Fatalf("%s: STRLEN %s = %d, want %d", what, key, n, len(want[key]))
		}
		if enc := rdb.ObjectEncoding(ctx, key).Val(); enc != encoding {
			t.Fatalf("%s: OBJECT ENCODING %s = %s, want %s", what, key, enc, encoding)
		}
		if _, err := shard.CheckMemoryForTest(srv.Srv.Engine); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	set := func(key, val string) {
		t.Helper()
		if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
			t.Fatal(err)
		}
		want[key] = val
	}

	// Redis's encodings: canonical 64-bit integers are "int", strings of
	// up to 44 bytes "embstr", longer ones and any string changed in
	// place "raw".
	for _, c := range []struct{ val, encoding string }{
		{"12345", "int"},
		{"-9223372036854775808", "int"},
		{"9223372036854775807", "int"},
		{"9223372036854775808", "embstr"},
		{"0123", "embstr"},
		{"-0", "embstr"},
		{"+1", "embstr"},
		{"", "embstr"},
		{strings.Repeat("e", 44), "embstr"},
		{strings.Repeat("r", 45), "raw"},
		{strings.Repeat("r", 2048), "raw"},
		{strings.Repeat("h", 2049), "raw"},
	} {
		set("k", c.val)
		step("SET "+c.val, "k", c.encoding)
	}

	set("n", "41")
	if v := rdb.Incr(ctx, "n").Val(); v != 42 {
		t.Fatalf("INCR = %d", v)
	}
	want["n"] = "42"
	step("INCR", "n", "int")
	rdb.Expire(ctx, "n", time.Hour)
	rdb.IncrBy(ctx, "n", 1000)
	want["n"] = "1042"
	step("INCRBY with a TTL", "n", "int")
	if ttl := rdb.TTL(ctx, "n").Val(); ttl <= 0 {
		t.Fatalf("INCRBY dropped the TTL: %v", ttl)
	}

	// Growing in place: in the record up to 2 KiB, then an Object.
	set("a", strings.Repeat("a", 2000))
	rdb.Expire(ctx, "a", time.Hour)
	for i := 0; i < 3; i++ {
		rdb.Append(ctx, "a", strings.Repeat("b", 40))
		want["a"] += strings.Repeat("b", 40)
		step("APPEND", "a", "raw")
	}
	rdb.SetRange(ctx, "a", 3000, "end")
	want["a"] += strings.Repeat("\x00", 3000-len(want["a"])) + "end"
	step("SETRANGE past the end", "a", "raw")
	if ttl := rdb.TTL(ctx, "a").Val(); ttl <= 0 {
		t.Fatalf("APPEND or SETRANGE dropped the TTL: %v", ttl)
	}
	rdb.SetRange(ctx, "a", 0, "X")
	want["a"] = "X" + want["a"][1:]
	step("SETRANGE in an Object", "a", "raw")

	// And back: a short SET replaces the Object by a record.
	set("a", "short")
	step("SET short over long", "a", "embstr")
	set("a", strings.Repeat("z", 5000))
	step("SET long over short", "a", "raw")
	set("a", strings.Repeat("y", 5000))
	step("SET long over long", "a", "raw")
	set("a", "7")
	step("SET int over long", "a", "int")

	// The keyspace commands see both forms alike.
	set("long", strings.Repeat("L", 3000))
	set("short", "s")
	if err := rdb.Rename(ctx, "long", "long2").Err(); err != nil {
		t.Fatal(err)
	}
	want["long2"] = want["long"]
	step("RENAME of an Object", "long2", "raw")
	if err := rdb.Copy(ctx, "short", "short2", 0, false).Err(); err != nil {
		t.Fatal(err)
	}
	want["short2"] = "s"
	step("COPY of a record", "short2", "embstr")
	if got := rdb.MGet(ctx, "short", "long2", "missing", "n").Val(); got[0] != "s" || got[1] != want["long2"] || got[2] != nil || got[3] != "1042" {
		t.Fatalf("MGET = %.60v", got)
	}
	if n := rdb.MemoryUsage(ctx, "short").Val(); n <= 0 || n > 64 {
		t.Fatalf("MEMORY USAGE of a one-byte string = %d, want a record's slot and a bucket share", n)
	}
}

// TestNearlyFullTableRefusesWrites makes every table count as nearly out of
// pages once it has one (a real one would hold 30 GiB): denyoom commands
// get the OOM error on that shard, reads and deletions still run, and a
// flush lets writes in again.
func TestNearlyFullTableRefusesWrites(t *testing.T) {
	t.Cleanup(shard.SetTableReserveForTest(keytab.MaxPages - 1))
	srv := servertest.Start(t, "--shards", "1")
	ctx := context.Background()
	rdb := srv.Client(t)
	if err := rdb.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c := servertest.Dial(t, srv.Addr)
	for _, cmd := range [][]string{{"SET", "b", "2"}, {"INCR", "a"}, {"LPUSH", "l", "x"}} {
		if got := c.Do(cmd...); got != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
			t.Fatalf("%v on a full shard: %q", cmd, got)
		}
	}
	if v := rdb.Get(ctx, "a").Val(); v != "1" {
		t.Fatalf("GET a = %q", v)
	}
	if n := rdb.Del(ctx, "a").Val(); n != 1 {
		t.Fatalf("DEL a = %d", n)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "b", "2", 0).Err(); err != nil {
		t.Fatalf("SET after FLUSHALL: %v", err)
	}
}
