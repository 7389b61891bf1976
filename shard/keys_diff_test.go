package shard_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// TestKeysDiff sends the same commands to redis-server and to Shoal (with one
// shard and with four) and compares the replies byte for byte. Replies whose
// order is unspecified (KEYS, a full SCAN) are compared as sorted sets, and
// millisecond TTLs within a second of each other.
func TestKeysDiff(t *testing.T) {
	for _, shards := range []string{"1", "4"} {
		t.Run("shards="+shards, func(t *testing.T) {
			t.Parallel()
			redisAddr := servertest.StartRedis(t, "--enable-debug-command", "yes")
			srv := servertest.Start(t, "--shards", shards)
			keysDiff(t, servertest.Dial(t, redisAddr), servertest.Dial(t, srv.Addr))
		})
	}
}

func keysDiff(t *testing.T, redis, shoal *servertest.Raw) {
	n := 0
	// f compares exact replies.
	f := func(args ...string) {
		t.Helper()
		n++
		want, got := redis.Do(args...), shoal.Do(args...)
		if got != want {
			t.Errorf("%q:\n shoal: %q\n redis: %q", args, got, want)
		}
	}
	// sorted compares array replies as sets.
	sorted := func(args ...string) {
		t.Helper()
		n++
		want, got := sortedReply(t, redis.Do(args...)), sortedReply(t, shoal.Do(args...))
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n shoal: %q\n redis: %q", args, got, want)
		}
	}
	// scan compares the keys of a whole SCAN iteration with the given options.
	scan := func(opts ...string) {
		t.Helper()
		n++
		want, got := scanKeys(t, redis, opts), scanKeys(t, shoal, opts)
		if !slices.Equal(got, want) {
			t.Errorf("SCAN %q:\n shoal: %q\n redis: %q", opts, got, want)
		}
	}
	// approx compares integer replies that may differ by elapsed time.
	approx := func(tolerance int64, args ...string) {
		t.Helper()
		n++
		want, got := intReply(t, redis.Do(args...)), intReply(t, shoal.Do(args...))
		if got > want+tolerance || got < want-tolerance {
			t.Errorf("%q: shoal %d, redis %d", args, got, want)
		}
	}
	const far = "4102444800" // 2100-01-01, in seconds

	f("debug", "set-active-expire", "0")
	f("flushall")
	f("dbsize")
	f("keys", "*")
	f("randomkey")
	scan()

	// DEL, UNLINK, EXISTS, TOUCH, TYPE.
	f("set", "a", "1")
	f("set", "b", "2")
	f("exists", "a", "b", "c", "a")
	f("touch", "a", "c")
	f("type", "a")
	f("type", "c")
	f("del", "a", "c")
	f("unlink", "b", "b")
	f("exists", "a", "b")
	f("del")
	f("type")

	// EXPIRE and friends: errors first.
	f("set", "k", "v")
	f("expire", "k")
	f("expire", "k", "100", "foo")
	f("expire", "k", "abc", "foo")
	f("expire", "k", "100", "fo\x00o")
	f("expire", "k", "abc")
	f("expire", "k", "")
	f("expire", "k", "1.5")
	f("expire", "k", "+5")
	f("expire", "k", "100", "nx", "xx")
	f("expire", "k", "100", "gt", "lt")
	f("expire", "k", "100", "xx", "gt", "lt")
	f("expire", "k", "100", "nx", "gt")
	f("expire", "k", "100", "lt", "nx")
	f("expire", "k", "100", "lt", "gt")
	f("expire", "k", "9223372036854775807")
	f("expire", "k", "9223372036854776")
	f("expire", "k", "-9223372036854776")
	f("expire", "k", "9223372036854775")
	f("expire", "k", "-9223372036854775")
	f("exists", "k")
	f("set", "k", "v")
	f("pexpire", "k", "9223372036854775807")
	f("expireat", "k", "9223372036854775807")
	f("expireat", "k", "9223372036854775")
	f("pexpireat", "k", "9223372036854775807")
	f("expiretime", "k")
	f("pexpiretime", "k")
	f("pexpireat", "k", "9223372036854775307")
	f("expiretime", "k")
	f("persist", "k")
	f("expire", "nokey", "100")
	f("expire", "nokey", "abc")
	f("pexpire", "nokey", "100", "xx")

	// NX, XX, GT, LT against no TTL and against a TTL.
	f("expire", "k", "100", "gt")
	f("expire", "k", "100", "xx")
	f("expire", "k", "200", "lt")
	f("ttl", "k")
	f("persist", "k")
	f("persist", "k")
	f("ttl", "k")
	f("expire", "k", "100", "NX")
	f("expire", "k", "100", "nx")
	f("ttl", "k")
	approx(1000, "pttl", "k")
	f("expire", "k", "200", "lt")
	f("expire", "k", "50", "lt")
	f("expire", "k", "40", "gt")
	f("expire", "k", "300", "gt")
	f("expire", "k", "200", "gt", "xx")
	f("ttl", "k")
	f("pexpire", "k", "400000", "lt")
	f("ttl", "k")
	f("expireat", "k", far)
	f("expiretime", "k")
	f("pexpiretime", "k")
	f("pexpireat", "k", far+"499")
	f("expiretime", "k")
	f("pexpiretime", "k")
	f("pexpireat", "k", far+"500")
	f("expiretime", "k")
	f("expireat", "k", far, "lt")
	f("expireat", "k", far, "gt")
	f("expireat", "k", "4102444801", "gt")
	f("pexpiretime", "k")
	f("ttl", "nokey")
	f("pttl", "nokey")
	f("expiretime", "nokey")
	f("pexpiretime", "nokey")
	f("ttl", "k", "x")
	f("persist")

	// Deadlines in the past delete.
	for _, args := range [][]string{
		{"expire", "k", "0"}, {"expire", "k", "-1"}, {"pexpire", "k", "-100", "lt"},
		{"expireat", "k", "1"}, {"pexpireat", "k", "0", "nx"}, {"expireat", "k", "-9223372036854775"},
	} {
		f("set", "k", "v")
		f(args...)
		f("exists", "k")
		f("dbsize")
	}
	f("set", "k", "v")
	f("expire", "k", "-10", "gt")
	f("expire", "k", "-10", "xx")
	f("expire", "k", "1000", "nx")
	f("expire", "k", "-10", "gt")
	f("expire", "k", "2000", "lt")
	f("expire", "k", "-10", "lt")
	f("exists", "k")

	// Lazy expiry with the active cycle off: expired keys count in DBSIZE
	// until something touches them.
	f("flushall")
	for i := range 6 {
		f("set", "e"+strconv.Itoa(i), "v", "px", "1")
	}
	f("set", "live", "v")
	f("debug", "sleep", "0.05")
	f("dbsize")
	sorted("keys", "*")
	f("get", "e0")
	f("dbsize")
	f("exists", "e1")
	f("ttl", "e2")
	f("type", "e3")
	f("dbsize")
	f("del", "e4", "e5")
	f("dbsize")
	f("randomkey")

	// RENAME and RENAMENX.
	f("flushall")
	f("rename", "a", "b")
	f("renamenx", "a", "b")
	f("rename", "a", "a")
	f("renamenx", "a", "a")
	f("set", "a", "1")
	f("rename", "a", "a")
	f("renamenx", "a", "a")
	f("expireat", "a", far)
	f("rename", "a", "b")
	f("exists", "a")
	f("expiretime", "b")
	f("set", "c", "2")
	f("renamenx", "b", "c")
	f("rename", "b", "c")
	f("get", "c")
	f("expiretime", "c")
	f("renamenx", "c", "d")
	f("expiretime", "d")
	f("set", "e", "x", "px", "1")
	f("debug", "sleep", "0.01")
	f("rename", "e", "f")
	f("set", "g", "y", "px", "1")
	f("debug", "sleep", "0.01")
	f("rename", "d", "g")
	f("get", "g")
	for i := range 20 {
		f("set", "src"+strconv.Itoa(i), strconv.Itoa(i))
		if i%2 == 0 {
			f("set", "dst"+strconv.Itoa(i), "old", "exat", far)
		}
		f("rename", "src"+strconv.Itoa(i), "dst"+strconv.Itoa(i))
		f("get", "dst"+strconv.Itoa(i))
		f("ttl", "dst"+strconv.Itoa(i))
	}
	f("dbsize")
	sorted("keys", "*")
	f("rename", "a")

	// COPY.
	f("flushall")
	f("set", "c", "2")
	f("expireat", "c", far)
	f("copy", "c", "c")
	f("copy", "c", "c", "db", "0")
	f("copy", "nokey", "d")
	f("copy", "c", "d")
	f("copy", "c", "d")
	f("copy", "c", "d", "replace")
	f("expiretime", "d")
	f("copy", "c", "d", "db")
	f("copy", "c", "d", "db", "1", "db")
	f("copy", "c", "d", "db", "16")
	f("copy", "c", "d", "db", "-1")
	f("copy", "c", "d", "db", "abc")
	f("copy", "c", "d", "db", "99999999999")
	f("copy", "c", "d", "foo")
	f("copy", "c", "d", "replace", "replace")
	f("copy", "c", "c", "DB", "1")
	f("copy", "c", "c", "db", "1")
	f("copy", "c", "c", "db", "1", "replace")
	f("copy", "c", "e", "db", "2", "db", "3")
	f("copy", "c")
	f("set", "n", "7")
	f("copy", "n", "m")
	f("incr", "n")
	f("get", "m")
	f("append", "m", "x")
	f("object", "encoding", "m")
	f("copy", "m", "raw")
	f("object", "encoding", "raw")
	f("select", "1")
	f("get", "c")
	f("expiretime", "c")
	f("select", "3")
	f("get", "e")
	f("select", "2")
	f("exists", "e")
	f("select", "0")

	// MOVE.
	f("move", "c", "0")
	f("move", "nokey", "0")
	f("move", "c", "16")
	f("move", "c", "-1")
	f("move", "c", "abc")
	f("move", "c", "99999999999")
	f("move", "nokey", "1")
	f("move", "c", "1")
	f("move", "c", "4")
	f("exists", "c")
	f("select", "4")
	f("get", "c")
	f("expiretime", "c")
	f("move", "c", "0")
	f("select", "0")
	f("expiretime", "c")
	f("move", "c")

	// SWAPDB.
	f("flushall")
	f("set", "zero", "0")
	f("select", "1")
	f("set", "one", "1")
	f("select", "0")
	f("swapdb", "0", "1")
	f("get", "one")
	f("get", "zero")
	f("dbsize")
	f("swapdb", "1", "0")
	f("get", "zero")
	f("swapdb", "5", "5")
	f("swapdb", "a", "1")
	f("swapdb", "1", "a")
	f("swapdb", "16", "abc")
	f("swapdb", "99999999999", "0")
	f("swapdb", "0", "16")
	f("swapdb", "-1", "0")
	f("swapdb", "0")

	// KEYS, SCAN, RANDOMKEY.
	f("flushall")
	for i := range 60 {
		f("set", "key:"+strconv.Itoa(i), strconv.Itoa(i))
	}
	f("set", "other", "x")
	f("set", "h{tag}1", "x")
	f("set", "h{tag}2", "x")
	f("dbsize")
	sorted("keys", "*")
	sorted("keys", "key:1*")
	sorted("keys", "key:?")
	sorted("keys", "key:[1-3]")
	sorted("keys", "key:[^1-3]?")
	sorted("keys", "*{tag}*")
	sorted("keys", "h\\{tag}1")
	f("keys", "KEY:*")
	f("keys", "nomatch*")
	f("keys")
	scan()
	scan("count", "1")
	scan("count", "1000")
	scan("match", "key:2*")
	scan("match", "key:2*", "count", "3")
	scan("match", "*", "type", "string")
	scan("type", "STRING")
	scan("type", "list")
	scan("type", "nosuchtype")
	scan("match", "a", "match", "other")
	f("scan", "abc")
	f("scan", " 0")
	f("scan", "-")
	f("scan", "+")
	f("scan", "0x10")
	f("scan", "18446744073709551616")
	f("scan", "-18446744073709551616")
	f("scan", "0", "count", "0")
	f("scan", "0", "count", "-1")
	f("scan", "0", "count", "abc")
	f("scan", "0", "count", "9223372036854775808")
	f("scan", "0", "count")
	f("scan", "0", "match")
	f("scan", "0", "type")
	f("scan", "0", "type", "string", "count", "0")
	f("scan", "0", "foo")
	f("scan", "0", "foo", "bar")
	f("scan")
	f("randomkey", "x")
	f("flushall")
	f("set", "only", "x")
	f("randomkey")
	f("set", "only", "x", "px", "1")
	f("debug", "sleep", "0.01")
	f("randomkey")
	f("dbsize")

	// OBJECT.
	long := strings.Repeat("x", 45)
	for _, v := range []string{"1", "0", "9999", "10000", "-1", "1234567890123456789",
		"12345678901234567890", "-9223372036854775808", "00", "", "hello", long[:44], long} {
		f("set", "o", v)
		f("object", "encoding", "o")
		f("object", "refcount", "o")
	}
	f("set", "o", "1")
	f("append", "o", "2")
	f("object", "encoding", "o")
	f("object", "refcount", "o")
	f("incr", "o")
	f("object", "encoding", "o")
	f("object", "refcount", "o")
	f("setex", "o", "100", "5")
	f("object", "encoding", "o")
	approx(1, "object", "idletime", "o")
	f("object", "freq", "o")
	for _, sub := range []string{"encoding", "refcount", "idletime", "freq"} {
		f("object", sub, "nokey")
		f("object", sub)
		f("object", sub, "o", "extra")
	}
	f("object", "help")
	f("OBJECT", "HELP")
	f("object", "help", "x")
	f("object", "foo")
	f("object", "foo", "bar")
	f("object", "fo\x00o")
	f("object", strings.Repeat("y", 200))
	f("object")

	// DEBUG.
	f("debug", "sleep", "0")
	f("debug", "sleep", "abc")
	f("debug", "sleep", "-1")
	f("debug", "sleep", "0.001")
	f("debug", "sleep", "1e-3")
	f("debug", "set-active-expire", "abc")
	f("debug", "set-active-expire", "2")
	f("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	f("debug", "sleep")
	f("debug", "sleep", "0", "1")
	f("debug", "set-active-expire")
	f("debug", "foo")
	f("Debug", "fo\x00o")
	f("debug", strings.Repeat("z", 200))
	f("debug")

	// DBSIZE, FLUSHDB, FLUSHALL.
	f("set", "x", "1")
	f("select", "9")
	f("set", "y", "1")
	f("dbsize")
	f("flushdb", "foo")
	f("flushdb", "async", "sync")
	f("flushdb", "ASYNC")
	f("dbsize")
	f("select", "0")
	f("dbsize")
	f("flushall", "foo")
	f("flushall", "sync")
	f("dbsize")
	f("dbsize", "x")
	f("debug", "set-active-expire", "1")

	if n < 400 {
		t.Fatalf("only %d commands compared", n)
	}
	t.Logf("%d commands compared", n)
}

func sortedReply(t *testing.T, reply string) []string {
	t.Helper()
	v, _, err := proto.ReadValue([]byte(reply))
	if err != nil || v.Kind != proto.KindArray {
		return []string{"not an array: " + reply}
	}
	out := make([]string, 0, len(v.Elems))
	for _, e := range v.Elems {
		out = append(out, string(e.Str))
	}
	slices.Sort(out)
	return out
}

func intReply(t *testing.T, reply string) int64 {
	t.Helper()
	v, _, err := proto.ReadValue([]byte(reply))
	if err != nil || v.Kind != proto.KindInt {
		t.Fatalf("not an integer reply: %q", reply)
	}
	return v.Int
}

// scanKeys runs a whole SCAN iteration and returns its keys, sorted and
// without repeats.
func scanKeys(t *testing.T, r *servertest.Raw, opts []string) []string {
	t.Helper()
	var keys []string
	cursor := "0"
	for range 100000 {
		v, _, err := proto.ReadValue([]byte(r.Do(append([]string{"scan", cursor}, opts...)...)))
		if err != nil || v.Kind != proto.KindArray || len(v.Elems) != 2 {
			t.Fatalf("bad SCAN reply: %v %+v", err, v)
		}
		for _, e := range v.Elems[1].Elems {
			keys = append(keys, string(e.Str))
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			slices.Sort(keys)
			return slices.Compact(keys)
		}
	}
	t.Fatal("SCAN did not terminate")
	return nil
}
