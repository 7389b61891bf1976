package shard_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// The hash and set differential tests reuse stringsDiff
// (strings_diff_test.go): the same commands go to Shoal, with four shards
// so that SMOVE and the multi-key set commands cross shards, and to
// redis-server 7.0. Replies whose order Redis leaves to its hash table
// (a hashtable-encoded hash or set) are compared as sorted multisets;
// listpack hashes and intsets have a defined order, compared byte for byte.

var hashSetCommands = []string{
	"hset", "hsetnx", "hget", "hmset", "hmget", "hdel", "hlen", "hstrlen", "hexists", "hgetall", "hkeys",
	"hvals", "hincrby", "hincrbyfloat", "hrandfield", "hscan",
	"sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember", "smove", "sinter",
	"sunion", "sdiff", "sinterstore", "sunionstore", "sdiffstore", "sintercard", "sscan",
}

// TestHashSetDiffCommandTable compares what COMMAND INFO and COMMAND DOCS say
// about the hash and set commands, the fields the command table defines.
func TestHashSetDiffCommandTable(t *testing.T) { diffCommandTable(t, hashSetCommands) }

// elems renders the elements of an aggregate reply, each nested aggregate
// (a RESP3 HRANDFIELD pair) as one string.
func elems(v proto.Value) []string {
	out := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = render(e)
	}
	return out
}

// mapPairs renders a flat field/value list, or a RESP3 map, as sorted
// "field=value" strings.
func mapPairs(v proto.Value) []string {
	var out []string
	for i := 0; i+1 < len(v.Elems); i += 2 {
		out = append(out, render(v.Elems[i])+"="+render(v.Elems[i+1]))
	}
	slices.Sort(out)
	return out
}

// sameUnordered reports whether two replies are the same error or scalar,
// or aggregates of the same kind holding the same elements in any order;
// pairs compares a flat field/value list pair by pair.
func sameUnordered(s, r proto.Value, pairs bool) bool {
	if s.Kind != r.Kind || len(s.Elems) != len(r.Elems) {
		return false
	}
	switch s.Kind {
	case proto.KindArray, proto.KindSet, proto.KindMap:
	default:
		return render(s) == render(r)
	}
	if pairs || s.Kind == proto.KindMap {
		return slices.Equal(mapPairs(s), mapPairs(r))
	}
	a, b := elems(s), elems(r)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// unordered sends a command whose reply order is Redis's hash table order
// to both servers and compares the replies as multisets.
func (d *stringsDiff) unordered(pairs bool, args ...string) (s, r proto.Value) {
	d.t.Helper()
	d.cases++
	gs, gr := d.shoal.Do(args...), d.redis.Do(args...)
	s, r = readValue(d.t, gs), readValue(d.t, gr)
	if !sameUnordered(s, r, pairs) {
		d.t.Errorf("%s (unordered):\n shoal %q\n redis %q", quoteArgs(args), gs, gr)
	}
	return s, r
}

// random sends a command with a random reply (SRANDMEMBER, HRANDFIELD,
// SPOP) to both servers and compares what must agree: the kind of reply
// and its length.
func (d *stringsDiff) random(args ...string) (s, r proto.Value) {
	d.t.Helper()
	d.cases++
	gs, gr := d.shoal.Do(args...), d.redis.Do(args...)
	s, r = readValue(d.t, gs), readValue(d.t, gr)
	if s.Kind != r.Kind || len(s.Elems) != len(r.Elems) || (s.Kind == proto.KindError && string(s.Str) != string(r.Str)) {
		d.t.Errorf("%s (random):\n shoal %q\n redis %q", quoteArgs(args), gs, gr)
	}
	return s, r
}

// both sends a command to both servers, compares the replies byte for byte
// and returns Redis's.
func (d *stringsDiff) both(args ...string) proto.Value {
	d.t.Helper()
	d.cases++
	got, want := d.shoal.Do(args...), d.redis.Do(args...)
	if got != want {
		d.t.Errorf("%s:\n shoal %q\n redis %q", quoteArgs(args), got, want)
	}
	return readValue(d.t, want)
}

// encoding returns the OBJECT ENCODING of key, compared on both servers.
func (d *stringsDiff) encoding(key string) string {
	d.t.Helper()
	return string(d.both("OBJECT", "ENCODING", key).Str)
}

// ordered reports whether an encoding lists elements in a defined order:
// insertion order for a listpack, numeric order for an intset.
func ordered(enc string) bool { return enc == "listpack" || enc == "intset" }

// collection compares a whole hash (HGETALL) or set (SMEMBERS) on both
// servers, in order when the encoding defines one, and returns its
// elements (fields for a hash).
func (d *stringsDiff) collection(key string) []string {
	d.t.Helper()
	enc := d.encoding(key)
	var args []string
	switch typ := string(d.both("TYPE", key).Str); typ {
	case "hash":
		args = []string{"HGETALL", key}
	case "set":
		args = []string{"SMEMBERS", key}
	default:
		return nil
	}
	var v proto.Value
	if ordered(enc) {
		v = d.both(args...)
	} else {
		_, v = d.unordered(false, args...)
	}
	out := elems(v)
	if args[0] == "HGETALL" {
		fields := make([]string, 0, len(out)/2)
		for i := 0; i < len(out); i += 2 {
			fields = append(fields, out[i])
		}
		return fields
	}
	return out
}

// scanned runs a whole HSCAN or SSCAN iteration on r and returns what it
// saw, sorted and without repeats (as field=value for HSCAN).
func scanned(t *testing.T, r *servertest.Raw, cmd, key string, opts ...string) []string {
	t.Helper()
	var out []string
	cursor := "0"
	for range 100000 {
		v := readValue(t, r.Do(append([]string{cmd, key, cursor}, opts...)...))
		if v.Kind != proto.KindArray || len(v.Elems) != 2 {
			t.Fatalf("bad %s reply: %s", cmd, render(v))
		}
		if cmd == "HSCAN" {
			out = append(out, mapPairs(v.Elems[1])...)
		} else {
			out = append(out, elems(v.Elems[1])...)
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			slices.Sort(out)
			return slices.Compact(out)
		}
	}
	t.Fatalf("%s did not terminate", cmd)
	return nil
}

// scanBoth compares a full scan iteration on both servers.
func (d *stringsDiff) scanBoth(cmd, key string, opts ...string) {
	d.t.Helper()
	d.cases++
	s, r := scanned(d.t, d.shoal, cmd, key, opts...), scanned(d.t, d.redis, cmd, key, opts...)
	if !slices.Equal(s, r) {
		d.t.Errorf("%s %s %v: shoal saw %d %q, redis %d %q", cmd, key, opts, len(s), s, len(r), r)
	}
	// The two hash tables take different numbers of calls, each a
	// keyspace hit: count from here on.
	d.shoalStats, d.redisStats = d.stats(d.shoal), d.stats(d.redis)
}

// hello switches both connections to RESP version v; the replies differ in
// the server version and client id.
func (d *stringsDiff) hello(v string) {
	d.t.Helper()
	d.shoal.Do("HELLO", v)
	d.redis.Do("HELLO", v)
}

func TestHashesDiff(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")
	f("RPUSH", "list", "a")

	f("HSET", "h", "a", "1")
	f("HSET", "h", "b", "2", "c", "3")
	f("HSET", "h", "a", "10", "d", "4")
	f("HSET", "h", "a")
	f("HSET", "h", "a", "1", "b")
	f("HSET", "h")
	f("HSET", "str", "a", "1")
	f("HSETNX", "h", "a", "x")
	f("HSETNX", "h", "e", "5")
	f("HSETNX", "h2", "a", "1")
	f("HSETNX", "str", "a", "1")
	f("HSETNX", "h", "a")
	f("HMSET", "h", "f", "6", "g", "7")
	f("HMSET", "h", "f")
	f("HMSET", "str", "a", "b")
	f("HGETALL", "h")
	f("HKEYS", "h")
	f("HVALS", "h")
	f("HGETALL", "nokey")
	f("HKEYS", "nokey")
	f("HVALS", "nokey")
	f("HGETALL", "str")
	f("HKEYS", "list")
	f("HVALS", "str")
	f("HGETALL", "h", "x")
	f("HGET", "h", "a")
	f("HGET", "h", "zz")
	f("HGET", "nokey", "a")
	f("HGET", "str", "a")
	f("HGET", "h")
	f("HMGET", "h", "a", "zz", "b")
	f("HMGET", "nokey", "a", "b")
	f("HMGET", "str", "a")
	f("HMGET", "h")
	f("HLEN", "h")
	f("HLEN", "nokey")
	f("HLEN", "str")
	f("HSTRLEN", "h", "a")
	f("HSTRLEN", "h", "zz")
	f("HSTRLEN", "nokey", "a")
	f("HSTRLEN", "str", "a")
	f("HEXISTS", "h", "a")
	f("HEXISTS", "h", "zz")
	f("HEXISTS", "nokey", "a")
	f("HEXISTS", "list", "a")
	f("TYPE", "h")
	f("OBJECT", "ENCODING", "h")
	d.checkStats("hash reads")

	// Updating keeps a field's place; deleting and re-adding moves it last.
	f("HSET", "ord", "z", "1", "y", "2", "x", "3")
	f("HSET", "ord", "z", "100")
	f("HDEL", "ord", "y")
	f("HSET", "ord", "y", "again")
	f("HGETALL", "ord")
	f("HDEL", "ord", "nope")
	f("HDEL", "ord", "nope", "x", "x")
	f("HDEL", "nokey", "a")
	f("HDEL", "str", "a")
	f("HDEL", "ord")
	f("HDEL", "ord", "z", "y")
	f("EXISTS", "ord")
	f("HGETALL", "ord")

	// Values of every integer width and strings that only look like
	// integers come back byte for byte, as fields and as values.
	ints := []string{"0", "1", "62", "63", "-1", "127", "128", "-129", "32767", "32768", "-32769",
		"2147483647", "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "01", "+1", "-0", "1.0", " 1", "", "\x00", "a\r\nb"}
	args := []string{"HSET", "ints"}
	for i, v := range ints {
		args = append(args, v, ints[len(ints)-1-i])
	}
	f(args...)
	f("HGETALL", "ints")
	for _, v := range ints {
		f("HGET", "ints", v)
		f("HSTRLEN", "ints", v)
	}
	f("OBJECT", "ENCODING", "ints")

	// HINCRBY.
	f("HINCRBY", "n", "a", "5")
	f("HINCRBY", "n", "a", "-7")
	f("HINCRBY", "n", "a", "0")
	f("HGET", "n", "a")
	f("HSET", "n", "s", "abc", "f", "1.5", "big", "9223372036854775807", "lz", "01", "sp", " 1")
	f("HINCRBY", "n", "s", "1")
	f("HINCRBY", "n", "f", "1")
	f("HINCRBY", "n", "lz", "1")
	f("HINCRBY", "n", "sp", "1")
	f("HINCRBY", "n", "big", "1")
	f("HINCRBY", "n", "big", "-1")
	f("HINCRBY", "n", "a", "-9223372036854775808")
	f("HINCRBY", "n", "a", "-9223372036854775807")
	f("HINCRBY", "n", "a", "9223372036854775807")
	f("HINCRBY", "n", "a", "x")
	f("HINCRBY", "n", "a", "1.5")
	f("HINCRBY", "n", "a", "9223372036854775808")
	f("HINCRBY", "str", "a", "1")
	f("HINCRBY", "nokey2", "a", "x")
	f("EXISTS", "nokey2")
	f("HINCRBY", "n", "a")
	f("HGETALL", "n")

	// HINCRBYFLOAT formats like INCRBYFLOAT and is replicated as HSET.
	f("HINCRBYFLOAT", "fl", "a", "0.1")
	f("HINCRBYFLOAT", "fl", "a", "0.1")
	f("HINCRBYFLOAT", "fl", "a", "0.1")
	f("HINCRBYFLOAT", "fl", "b", "10")
	f("HINCRBYFLOAT", "fl", "b", "-10")
	f("HINCRBYFLOAT", "fl", "c", "1e400")
	f("HINCRBYFLOAT", "fl", "c", "1.5e-5")
	f("HINCRBYFLOAT", "fl", "d", "3.0e3")
	f("HINCRBYFLOAT", "fl", "e", "0x10")
	f("HINCRBYFLOAT", "fl", "a", "inf")
	f("HINCRBYFLOAT", "fl", "a", "-inf")
	f("HINCRBYFLOAT", "fl", "a", "nan")
	f("HINCRBYFLOAT", "fl", "a", "abc")
	f("HINCRBYFLOAT", "fl", "a", "")
	f("HINCRBYFLOAT", "fl", "a", " 1")
	f("HSET", "fl", "s", "abc", "i", "inf", "n", "17", "huge", "1e4932")
	f("HINCRBYFLOAT", "fl", "s", "1")
	f("HINCRBYFLOAT", "fl", "i", "1")
	f("HINCRBYFLOAT", "fl", "n", "0.5")
	f("HINCRBYFLOAT", "fl", "huge", "1e4932")
	f("HINCRBYFLOAT", "str", "a", "1")
	f("HINCRBYFLOAT", "nokey3", "a", "inf")
	f("EXISTS", "nokey3")
	f("OBJECT", "ENCODING", "fl") // the 401-digit value made it a hashtable
	d.unordered(true, "HGETALL", "fl")
	d.checkStats("hash writes")

	// The listpack thresholds: 512 fields (Redis's default
	// hash-max-listpack-entries) and 64 bytes.
	args = []string{"HSET", "lp"}
	for i := 0; i < 512; i++ {
		args = append(args, fmt.Sprintf("f%03d", i), strconv.Itoa(i*37))
	}
	f(args...)
	f("OBJECT", "ENCODING", "lp")
	f("HGETALL", "lp")
	f("HSCAN", "lp", "0")
	f("HSCAN", "lp", "0", "MATCH", "f1*")
	f("HSCAN", "lp", "0", "COUNT", "1")
	f("HSET", "lp", "f000", "updated")
	f("OBJECT", "ENCODING", "lp")
	f("HSET", "lp", "f512", "x")
	f("OBJECT", "ENCODING", "lp")
	d.unordered(true, "HGETALL", "lp")
	d.unordered(false, "HKEYS", "lp")
	d.unordered(false, "HVALS", "lp")
	d.scanBoth("HSCAN", "lp")
	d.scanBoth("HSCAN", "lp", "MATCH", "f1*")
	d.scanBoth("HSCAN", "lp", "COUNT", "3")
	d.scanBoth("HSCAN", "lp", "MATCH", "*7", "COUNT", "1000")
	for i := 0; i < 512; i++ {
		f("HDEL", "lp", fmt.Sprintf("f%03d", i))
	}
	f("OBJECT", "ENCODING", "lp")
	f("HGETALL", "lp")
	f("HDEL", "lp", "f512")
	f("EXISTS", "lp")
	long, max := strings.Repeat("v", 65), strings.Repeat("m", 64)
	f("HSET", "lv", "a", max)
	f("OBJECT", "ENCODING", "lv")
	f("HSET", "lv", "b", long)
	f("OBJECT", "ENCODING", "lv")
	f("HSET", "lf", max, "1")
	f("OBJECT", "ENCODING", "lf")
	f("HSET", "lf", long, "1")
	f("OBJECT", "ENCODING", "lf")
	f("HSETNX", "nx", "a", "1")
	f("HSETNX", "nx", "a", long)
	f("OBJECT", "ENCODING", "nx")
	f("HSETNX", "nx", "b", long)
	f("OBJECT", "ENCODING", "nx")
	f("HINCRBY", "ib", long, "1")
	f("OBJECT", "ENCODING", "ib")
	f("HINCRBYFLOAT", "ibf", long, "1.5")
	f("OBJECT", "ENCODING", "ibf")
	f("HINCRBYFLOAT", "ibf2", "a", "0."+strings.Repeat("1", 70))
	f("OBJECT", "ENCODING", "ibf2")
	f("HGET", "ibf2", "a")

	// HSCAN.
	f("HSCAN", "h", "0")
	f("HSCAN", "h", "0", "MATCH", "[a-c]")
	f("HSCAN", "h", "0", "MATCH", "*", "COUNT", "1")
	f("HSCAN", "h", "7")
	f("HSCAN", "h", "-1")
	f("HSCAN", "h", "x")
	f("HSCAN", "h", "")
	f("HSCAN", "h", "0", "COUNT", "0")
	f("HSCAN", "h", "0", "COUNT", "-1")
	f("HSCAN", "h", "0", "COUNT", "x")
	f("HSCAN", "h", "0", "MATCH")
	f("HSCAN", "h", "0", "TYPE", "string")
	f("HSCAN", "h", "0", "NOVALUES")
	f("HSCAN", "nokey", "0")
	f("HSCAN", "nokey", "0", "BADOPT")
	f("HSCAN", "nokey", "x")
	f("HSCAN", "str", "0")
	f("HSCAN", "str", "x")
	f("HSCAN", "h")

	// HRANDFIELD: errors and the deterministic cases are compared
	// exactly, random picks by shape.
	f("HRANDFIELD", "nokey")
	f("HRANDFIELD", "nokey", "5")
	f("HRANDFIELD", "nokey", "-5", "WITHVALUES")
	f("HRANDFIELD", "str")
	f("HRANDFIELD", "str", "1")
	f("HRANDFIELD", "h", "x")
	f("HRANDFIELD", "h", "1", "WITHVALUE")
	f("HRANDFIELD", "h", "1", "WITHVALUES", "x")
	f("HRANDFIELD", "h", "-9223372036854775808")
	f("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES")
	f("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES")
	f("HRANDFIELD", "h", "0")
	f("HRANDFIELD", "h", "0", "WITHVALUES")
	f("HRANDFIELD", "h", "100")
	f("HRANDFIELD", "h", "100", "WITHVALUES")
	f("HRANDFIELD", "str", "x")
	f("HSET", "one", "only", "v")
	f("HRANDFIELD", "one")
	f("HRANDFIELD", "one", "-3", "WITHVALUES")
	f("HRANDFIELD", "one", "1", "withvalues")
	d.random("HRANDFIELD", "h")
	d.random("HRANDFIELD", "h", "3")
	d.random("HRANDFIELD", "h", "-10", "WITHVALUES")
	d.random("HRANDFIELD", "lf", "-10", "WITHVALUES")
	d.random("HRANDFIELD", "lf", "1")
	d.checkStats("hash scans")

	// RESP3 shapes: HGETALL is a map, HRANDFIELD pairs are arrays.
	d.hello("3")
	f("HGETALL", "h")
	f("HGETALL", "nokey")
	f("HMGET", "h", "a", "zz")
	f("HGET", "h", "zz")
	f("HRANDFIELD", "nokey")
	f("HRANDFIELD", "h", "100", "WITHVALUES")
	f("HRANDFIELD", "one", "-2", "WITHVALUES")
	f("HRANDFIELD", "nokey", "2", "WITHVALUES")
	f("HSCAN", "h", "0")
	d.random("HRANDFIELD", "h", "-3", "WITHVALUES")
	d.unordered(false, "HGETALL", "lf")
	d.hello("2")
	d.checkKeyspace("hashes")

	// Generic commands on hashes.
	f("COPY", "h", "hcopy")
	f("HSET", "hcopy", "a", "changed")
	f("HGET", "h", "a")
	f("HGETALL", "hcopy")
	f("OBJECT", "ENCODING", "hcopy")
	f("COPY", "lf", "lfcopy")
	f("OBJECT", "ENCODING", "lfcopy")
	f("RENAME", "hcopy", "{x}hrenamed")
	f("HGETALL", "{x}hrenamed")
	f("EXPIRE", "h", "100")
	f("HSET", "h", "new", "1")
	f("TTL", "h")
	f("HDEL", "one", "only")
	f("TTL", "one")
	f("DEL", "h", "lf", "lfcopy")
	d.checkKeyspace("hash generics")
	t.Logf("%d cases", d.cases)
}

func TestSetsDiff(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")
	f("HSET", "hash", "a", "1")

	f("SADD", "s", "3", "1", "2")
	f("SADD", "s", "2", "4")
	f("SADD", "s", "1")
	f("SADD", "s")
	f("SADD", "str", "a")
	f("SMEMBERS", "s")
	f("OBJECT", "ENCODING", "s")
	f("SISMEMBER", "s", "1")
	f("SISMEMBER", "s", "5")
	f("SISMEMBER", "s", "01")
	f("SISMEMBER", "s", "x")
	f("SISMEMBER", "nokey", "1")
	f("SISMEMBER", "str", "1")
	f("SISMEMBER", "s")
	f("SMISMEMBER", "s", "1", "5", "x", "4")
	f("SMISMEMBER", "nokey", "1", "2")
	f("SMISMEMBER", "hash", "1")
	f("SMISMEMBER", "s")
	f("SCARD", "s")
	f("SCARD", "nokey")
	f("SCARD", "str")
	f("SMEMBERS", "nokey")
	f("SMEMBERS", "str")
	f("SMEMBERS", "s", "x")
	f("TYPE", "s")
	d.checkStats("set reads")

	// Intset order, widths and conversions.
	ints := []string{"0", "-1", "32767", "-32768", "32768", "-32769", "2147483647", "-2147483648",
		"2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808", "5", "100"}
	f(append([]string{"SADD", "is"}, ints...)...)
	f("SMEMBERS", "is")
	f("OBJECT", "ENCODING", "is")
	f("SREM", "is", "9223372036854775807", "0", "nope", "01")
	f("SMEMBERS", "is")
	f("SSCAN", "is", "0")
	f("SSCAN", "is", "0", "MATCH", "-*")
	f("SSCAN", "is", "123", "COUNT", "1")
	f("SADD", "is", "01")
	f("OBJECT", "ENCODING", "is")
	d.unordered(false, "SMEMBERS", "is")
	f("SREM", "is", "01")
	f("OBJECT", "ENCODING", "is")
	for _, m := range []string{"-0", "+1", "1.0", "9223372036854775808", "", " 1", "0x1"} {
		f("DEL", "conv")
		f("SADD", "conv", "1", m)
		f("OBJECT", "ENCODING", "conv")
		f("SISMEMBER", "conv", m)
	}
	args := []string{"SADD", "big"}
	for i := 0; i < 512; i++ {
		args = append(args, strconv.Itoa(i*3-700))
	}
	f(args...)
	f("OBJECT", "ENCODING", "big")
	f("SMEMBERS", "big")
	f("SADD", "big", "1000000")
	f("OBJECT", "ENCODING", "big")
	f("SCARD", "big")
	d.unordered(false, "SMEMBERS", "big")
	d.scanBoth("SSCAN", "big")
	d.scanBoth("SSCAN", "big", "MATCH", "*7*", "COUNT", "5")
	d.scanBoth("SSCAN", "big", "COUNT", "1000")

	// SREM.
	f("SADD", "r", "a", "b", "c")
	f("SREM", "r", "x")
	f("SREM", "r", "a", "a", "x")
	f("SREM", "nokey", "a")
	f("SREM", "str", "a")
	f("SREM", "r")
	f("SREM", "r", "b", "c", "d")
	f("EXISTS", "r")
	d.checkStats("set writes")

	// SMOVE across shards ({tags} pin keys to the same shard).
	f("SADD", "src", "a", "b", "1")
	f("SMOVE", "src", "dst", "a")
	f("SMOVE", "src", "dst", "a")
	f("SMOVE", "src", "{src}dst", "b")
	f("SMEMBERS", "dst")
	f("SMEMBERS", "{src}dst")
	f("SMOVE", "src", "src", "1")
	f("SMOVE", "src", "src", "2")
	f("SMOVE", "nosrc", "dst", "a")
	f("SMOVE", "nosrc", "str", "a")
	f("SMOVE", "src", "str", "1")
	f("SMOVE", "str", "dst", "1")
	f("SMOVE", "src", "dst", "1")
	f("EXISTS", "src")
	d.unordered(false, "SMEMBERS", "dst")
	f("OBJECT", "ENCODING", "dst")
	f("SADD", "isrc", "1", "2")
	f("SMOVE", "isrc", "idst", "2")
	f("OBJECT", "ENCODING", "idst")
	f("SMOVE", "dst", "idst", "a")
	f("OBJECT", "ENCODING", "idst")
	f("SMOVE", "src", "dst")
	// An expired destination is reclaimed even when the source is missing.
	f("SADD", "exp", "x")
	f("PEXPIRE", "exp", "1")
	time.Sleep(20 * time.Millisecond)
	f("SMOVE", "nosrc", "exp", "x")
	f("EXISTS", "exp")
	d.checkStats("SMOVE")

	// SINTER, SUNION, SDIFF and their STORE forms; results that are
	// intsets come out sorted on both sides.
	f("DEL", "a", "b", "c", "d", "e")
	f("SADD", "a", "1", "2", "3", "4", "x", "y")
	f("SADD", "b", "2", "3", "5", "y", "z")
	f("SADD", "c", "3", "4", "5", "6")
	f("SADD", "e", "3", "2")
	f("SINTER", "c", "e")
	f("SINTER", "e", "c")
	d.unordered(false, "SINTER", "a", "b")
	f("SINTER", "a", "b", "c")
	f("SINTER", "a", "nokey")
	f("SINTER", "nokey", "a")
	f("SINTER", "nokey", "str")
	f("SINTER", "a", "str")
	f("SINTER", "str", "nokey")
	f("SINTER", "c", "c")
	f("SINTER", "c")
	f("SINTER")
	d.unordered(false, "SUNION", "a", "b")
	f("SUNION", "c", "e")
	f("SUNION", "c", "nokey")
	f("SUNION", "nokey")
	f("SUNION", "nokey", "str")
	f("SUNION", "c", "c")
	d.unordered(false, "SDIFF", "a", "b")
	d.unordered(false, "SDIFF", "a", "b", "x")
	f("SDIFF", "c", "e")
	f("SDIFF", "c", "a", "b")
	f("SDIFF", "c", "c")
	f("SDIFF", "c", "nokey")
	f("SDIFF", "nokey", "c")
	f("SDIFF", "nokey", "str")
	f("SDIFF", "c", "str")
	f("SDIFF", "c", "big")
	f("SDIFF", "e", "big", "c")
	f("SINTERSTORE", "d", "a", "b")
	d.unordered(false, "SMEMBERS", "d")
	f("OBJECT", "ENCODING", "d")
	f("SINTERSTORE", "d", "a", "c")
	f("OBJECT", "ENCODING", "d")
	f("SMEMBERS", "d")
	f("SINTERSTORE", "d", "a", "nokey")
	f("EXISTS", "d")
	f("SINTERSTORE", "d", "a", "nokey")
	f("SINTERSTORE", "d", "a", "str")
	f("SINTERSTORE", "str", "a", "c")
	f("TYPE", "str")
	f("SET", "str", "v")
	f("SINTERSTORE", "d", "c", "{c}x")
	f("SUNIONSTORE", "d", "c", "e")
	f("SMEMBERS", "d")
	f("OBJECT", "ENCODING", "d")
	f("SUNIONSTORE", "d", "a", "b")
	f("OBJECT", "ENCODING", "d")
	f("SCARD", "d")
	f("SUNIONSTORE", "d", "nokey")
	f("EXISTS", "d")
	f("SUNIONSTORE", "d", "nokey")
	f("SUNIONSTORE", "c", "c", "e")
	f("SMEMBERS", "c")
	f("SDIFFSTORE", "d", "a", "b")
	f("OBJECT", "ENCODING", "d")
	d.unordered(false, "SMEMBERS", "d")
	f("SDIFFSTORE", "d", "e", "c")
	f("EXISTS", "d")
	f("SDIFFSTORE", "d", "c", "e")
	f("SMEMBERS", "d")
	f("SDIFFSTORE", "d", "str")
	f("SDIFFSTORE", "d")
	f("EXPIRE", "d", "100")
	f("SUNIONSTORE", "d", "c")
	f("TTL", "d")
	d.checkStats("set algebra")
	d.checkKeyspace("set algebra")

	// SINTERCARD.
	f("SINTERCARD", "2", "a", "b")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "0")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "1")
	f("SINTERCARD", "2", "a", "b", "limit", "2")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "100")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "2")
	f("SINTERCARD", "1", "a")
	f("SINTERCARD", "3", "a", "b", "c")
	f("SINTERCARD", "2", "a", "nokey")
	f("SINTERCARD", "2", "a", "str")
	f("SINTERCARD", "0", "a")
	f("SINTERCARD", "-1", "a")
	f("SINTERCARD", "x", "a")
	f("SINTERCARD", "3", "a", "b")
	f("SINTERCARD", "9223372036854775807", "a", "b")
	f("SINTERCARD", "2", "a", "b", "LIMIT")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "-1")
	f("SINTERCARD", "2", "a", "b", "LIMIT", "x")
	f("SINTERCARD", "2", "a", "b", "FOO", "1")
	f("SINTERCARD", "1", "a", "b")
	f("SINTERCARD", "1")
	d.checkStats("SINTERCARD")

	// SSCAN.
	f("SSCAN", "c", "0")
	f("SSCAN", "c", "0", "MATCH", "[35]")
	f("SSCAN", "nokey", "0")
	f("SSCAN", "nokey", "0", "COUNT", "0")
	f("SSCAN", "str", "0")
	f("SSCAN", "c", "x")
	f("SSCAN", "c", "0", "COUNT", "0")
	f("SSCAN", "c", "0", "COUNT", "x")
	f("SSCAN", "c", "0", "MATCH")
	f("SSCAN", "c", "0", "TYPE", "set")
	f("SSCAN", "c")
	d.scanBoth("SSCAN", "a")

	// SPOP and SRANDMEMBER: errors and whole-set cases exactly, random
	// picks by shape.
	f("SPOP", "nokey")
	f("SPOP", "nokey", "3")
	f("SPOP", "nokey", "0")
	f("SPOP", "str")
	f("SPOP", "str", "1")
	f("SPOP", "c", "-1")
	f("SPOP", "c", "x")
	f("SPOP", "c", "0")
	f("SPOP", "c", "1", "2")
	f("SRANDMEMBER", "nokey")
	f("SRANDMEMBER", "nokey", "3")
	f("SRANDMEMBER", "nokey", "-3")
	f("SRANDMEMBER", "str")
	f("SRANDMEMBER", "str", "1")
	f("SRANDMEMBER", "c", "x")
	f("SRANDMEMBER", "c", "0")
	f("SRANDMEMBER", "c", "1", "2")
	f("SRANDMEMBER", "c", "-9223372036854775808")
	f("SRANDMEMBER", "c", "100")
	f("SADD", "single", "m")
	f("SRANDMEMBER", "single")
	f("SRANDMEMBER", "single", "-3")
	f("SPOP", "single")
	f("EXISTS", "single")
	f("SADD", "single", "m", "n")
	d.unordered(false, "SPOP", "single", "5")
	f("EXISTS", "single")
	f("SUNIONSTORE", "pop", "big")
	d.unordered(false, "SPOP", "pop", "10000")
	f("EXISTS", "pop")
	d.random("SRANDMEMBER", "a")
	d.random("SRANDMEMBER", "a", "3")
	d.random("SRANDMEMBER", "a", "-20")
	d.random("SRANDMEMBER", "big", "20")
	d.random("SRANDMEMBER", "big", "-20")
	d.random("SRANDMEMBER", "big", "400")
	d.checkStats("SPOP")

	// RESP3 shapes: member lists are sets, SRANDMEMBER counts arrays.
	d.hello("3")
	f("SMEMBERS", "c")
	f("SMEMBERS", "nokey")
	f("SINTER", "c", "e")
	f("SINTER", "c", "nokey")
	f("SUNION", "c")
	f("SDIFF", "nokey", "c")
	f("SPOP", "nokey")
	f("SPOP", "nokey", "2")
	f("SPOP", "c", "0")
	f("SRANDMEMBER", "nokey")
	f("SRANDMEMBER", "nokey", "2")
	f("SMISMEMBER", "c", "3", "9")
	f("SADD", "p3", "1", "2", "3")
	d.random("SPOP", "p3", "2")
	d.random("SPOP", "p3", "2")
	f("EXISTS", "p3")
	d.hello("2")
	d.checkKeyspace("sets")

	// Generic commands on sets.
	f("COPY", "c", "ccopy")
	f("SADD", "ccopy", "new")
	f("SMEMBERS", "c")
	f("OBJECT", "ENCODING", "ccopy")
	f("COPY", "big", "bigcopy")
	f("OBJECT", "ENCODING", "bigcopy")
	f("SCARD", "bigcopy")
	f("EXPIRE", "c", "100")
	f("SREM", "c", "3")
	f("TTL", "c")
	d.checkKeyspace("set generics")
	t.Logf("%d cases", d.cases)
}

// TestHashSetDiffRandom runs a random sequence of hash and set commands on
// a few keys, with a fixed seed so failures reproduce. After each random
// pop the sets on the two servers differ, so Shoal is brought back in line
// with what Redis popped.
func TestHashSetDiffRandom(t *testing.T) {
	d := newStringsDiff(t)
	rng := rand.New(rand.NewPCG(12, 34))
	hkeys := []string{"ha", "hb", "{ha}c"}
	skeys := []string{"sa", "sb", "{sa}c", "sd"}
	fields := []string{"a", "b", "c", "1", "2", "-3", "100000", "01", "", "f:x", "9223372036854775807"}
	values := []string{"v", "1", "-2", "1.5", "abc", "", "3000000000", strings.Repeat("w", 70)}
	// Integers mostly, so that sets are intsets until a string or the
	// 513th member arrives.
	member := func() string {
		switch r := rng.IntN(10); {
		case r == 0:
			return []string{"x", "y", "z", "01", ""}[rng.IntN(5)]
		case r < 4:
			return strconv.Itoa(rng.IntN(1000))
		default:
			return strconv.Itoa(rng.IntN(30) - 5)
		}
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	const steps = 2000
	counts := map[string]int{}
	for i := 0; i < steps; i++ {
		h, s := pick(hkeys), pick(skeys)
		var cmd []string
		var check func(cmd []string)
		exact := func(cmd []string) { d.do(cmd...) }
		check = exact
		switch rng.IntN(24) {
		case 0, 1, 2:
			cmd = []string{"HSET", h}
			for n := 1 + rng.IntN(4); n > 0; n-- {
				cmd = append(cmd, pick(fields), pick(values))
			}
		case 3:
			cmd = []string{"HSETNX", h, pick(fields), pick(values)}
		case 4:
			cmd = []string{"HDEL", h, pick(fields), pick(fields)}
		case 5:
			cmd = []string{[]string{"HGET", "HSTRLEN", "HEXISTS"}[rng.IntN(3)], h, pick(fields)}
		case 6:
			cmd = []string{"HMGET", h, pick(fields), pick(fields), pick(fields)}
		case 7:
			cmd = []string{"HINCRBY", h, pick(fields), strconv.Itoa(rng.IntN(2001) - 1000)}
		case 8:
			cmd = []string{"HINCRBYFLOAT", h, pick(fields), pick([]string{"0.1", "-1.25", "3", "1e3", "-0.0001"})}
		case 9:
			cmd = []string{"HRANDFIELD", h, strconv.Itoa(rng.IntN(21) - 10)}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "WITHVALUES")
			}
			check = func(cmd []string) { d.random(cmd...) }
		case 10:
			cmd = []string{[]string{"HGETALL", "HKEYS", "HVALS", "HLEN"}[rng.IntN(4)], h}
			check = func(cmd []string) {
				if ordered(d.encoding(cmd[1])) {
					d.do(cmd...)
				} else {
					d.unordered(false, cmd...)
				}
			}
		case 11, 12, 13:
			cmd = []string{"SADD", s}
			for n := 1 + rng.IntN(8); n > 0; n-- {
				cmd = append(cmd, member())
			}
			if rng.IntN(15) == 0 {
				// Enough members to outgrow an intset.
				for n := 0; n < 300; n++ {
					cmd = append(cmd, strconv.Itoa(rng.IntN(5000)))
				}
			}
		case 14:
			cmd = []string{"SREM", s, member(), member(), member()}
		case 15:
			cmd = []string{[]string{"SISMEMBER", "SCARD"}[rng.IntN(2)], s, member()}
			if cmd[0] == "SCARD" {
				cmd = cmd[:2]
			}
		case 16:
			cmd = []string{"SMISMEMBER", s, member(), member()}
		case 17:
			cmd = []string{"SMOVE", s, pick(skeys), member()}
		case 18:
			cmd = []string{pick([]string{"SINTER", "SUNION", "SDIFF"}), s, pick(skeys), pick(skeys)}
			check = func(cmd []string) { d.unordered(false, cmd...) }
		case 19:
			cmd = []string{pick([]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}), pick(skeys), s, pick(skeys)}
		case 20:
			cmd = []string{"SINTERCARD", "2", s, pick(skeys), "LIMIT", strconv.Itoa(rng.IntN(5))}
		case 21:
			cmd = []string{"SRANDMEMBER", s, strconv.Itoa(rng.IntN(41) - 20)}
			check = func(cmd []string) { d.random(cmd...) }
		case 22:
			cmd = []string{"SPOP", s}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, strconv.Itoa(rng.IntN(6)))
			}
			check = func(cmd []string) { d.reconcilePop(cmd) }
		case 23:
			if rng.IntN(2) == 0 {
				cmd = []string{"HSCAN", h, "0", "COUNT", "1000"}
			} else {
				cmd = []string{"SSCAN", s, "0", "COUNT", "1000"}
			}
			check = func(cmd []string) {
				if ordered(d.encoding(cmd[1])) {
					d.do(cmd...)
				} else {
					d.scanBoth(cmd[0], cmd[1])
				}
			}
		}
		counts[cmd[0]]++
		check(cmd)
		if i%100 == 99 {
			for _, k := range append(hkeys, skeys...) {
				d.collection(k)
			}
		}
	}
	for _, k := range append(hkeys, skeys...) {
		d.collection(k)
	}
	d.checkStats("random")
	d.checkKeyspace("random")
	if d.cases < steps {
		t.Fatalf("only %d commands compared", d.cases)
	}
	for _, c := range []string{"HSET", "HSETNX", "HDEL", "HMGET", "HINCRBY", "HINCRBYFLOAT", "HRANDFIELD",
		"SADD", "SREM", "SMISMEMBER", "SMOVE", "SINTERCARD", "SRANDMEMBER", "SPOP"} {
		if counts[c] < 40 {
			t.Errorf("only %d %s commands generated", counts[c], c)
		}
	}
	t.Logf("%d cases: %v", d.cases, counts)
}

// reconcilePop runs SPOP on both servers, checks what must agree (the reply
// shape, and that every popped member was in the set), then makes Shoal's
// set equal Redis's again by putting back what Shoal popped and removing
// what Redis popped.
func (d *stringsDiff) reconcilePop(cmd []string) {
	d.t.Helper()
	key := cmd[1]
	before := d.collection(key)
	s, r := d.random(cmd...)
	popped := func(v proto.Value) []string {
		if v.Kind == proto.KindBulk {
			return []string{string(v.Str)}
		}
		return elems(v)
	}
	if s.Kind == proto.KindError || s.Null {
		return
	}
	ps, pr := popped(s), popped(r)
	for _, m := range ps {
		if !slices.Contains(before, m) {
			d.t.Errorf("%s popped %q, which was not in %v", quoteArgs(cmd), m, before)
		}
	}
	if len(ps) > 0 {
		d.shoal.Do(append([]string{"SADD", key}, ps...)...)
	}
	if len(pr) > 0 {
		d.shoal.Do(append([]string{"SREM", key}, pr...)...)
	}
}
