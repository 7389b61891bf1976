package shard_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// The sorted set differential tests reuse stringsDiff (strings_diff_test.go):
// the same commands go to Shoal, with four shards so that ZUNIONSTORE and
// friends cross shards, and to redis-server 7.0, and the reply bytes must be
// equal. ZRANK's WITHSCORE (Redis 7.2) and random replies are tested in
// zsets_test.go instead.

var zsetCommands = []string{
	"zadd", "zincrby", "zrem", "zcard", "zscore", "zmscore", "zrange",
	"zrangestore", "zrevrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex",
	"zcount", "zlexcount", "zpopmin", "zpopmax", "zmpop", "zremrangebyrank", "zremrangebyscore",
	"zremrangebylex", "zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore",
	"zintercard", "zrandmember", "zscan",
}

// TestZSetDiffCommandTable compares what COMMAND INFO and COMMAND DOCS say
// about the sorted set commands (ZRANK and ZREVRANK take Redis 7.2's
// WITHSCORE, which changed their arity, so they are left out).
func TestZSetDiffCommandTable(t *testing.T) { diffCommandTable(t, zsetCommands) }

// zaddMany returns a ZADD of n members "<prefix><i>" scored by score(i).
func zaddMany(key, prefix string, n int, score func(i int) string) []string {
	cmd := []string{"ZADD", key}
	for i := 0; i < n; i++ {
		cmd = append(cmd, score(i), prefix+strconv.Itoa(i))
	}
	return cmd
}

// diffScores are scores and increments whose parsing or formatting has
// edges: fractions that %.17g prints long, exponents, hex, infinities.
var diffScores = []string{
	"0", "-0", "1", "-1", "0.1", "0.5", "1.5", "-2.25", "3.14159", "0.3333333333333333", "1e-7", "1.5e-7",
	"123456789.123", "1e15", "1e16", "1e17", "1e300", "-1e300", "2.5e-310", "4503599627370496",
	"9007199254740993", "inf", "-inf", "+inf", "Infinity", "-INF", "0x10", "0x1p-2", "0x1.8p1", "1E3",
	".5", "5.", "+3", "00012", "1e+05",
}

func TestZSetDiffAddScore(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	for i, s := range diffScores {
		member := "m" + strconv.Itoa(i)
		f("ZADD", "small", s, member)
		f("ZSCORE", "small", member)
		f("ZINCRBY", "small", s, member)
		f("ZINCRBY", "small", "0.1", member)
	}
	f("ZRANGE", "small", "0", "-1", "WITHSCORES")
	f(zaddMany("big", "b", 130, func(i int) string { return diffScores[i%len(diffScores)] })...)
	f("OBJECT", "ENCODING", "big")
	f("ZRANGE", "big", "0", "-1", "WITHSCORES")
	for i := range diffScores {
		f("ZINCRBY", "big", "1.1", "b"+strconv.Itoa(i))
	}
	f("ZRANGE", "big", "0", "-1", "WITHSCORES")
	f("ZMSCORE", "big", "b0", "b1", "b5", "nosuch", "b129")

	// Invalid scores and increments.
	for _, s := range []string{"", " 1", "1 ", "1x", "nan", "NaN", "-nan", "1e400", "-1e400", "1e-400", "abc", "0x", "1e", "--1", "1\x002", "inf inf", "(1"} {
		f("ZADD", "small", s, "x")
		f("ZINCRBY", "small", s, "x")
	}
	// A score must be a number even where a range bound may be empty.
	f("ZADD", "k", "1", "a", "x", "b")
	f("ZINCRBY", "small", "-inf", "m21") // inf + -inf
	f("ZADD", "small", "INCR", "+inf", "m22")
	f("ZSCORE", "small", "m21")
	f("ZSCORE", "small", "m22")

	// -0 is stored as 0 by a listpack, kept by a skiplist.
	f("ZADD", "zero", "-0", "a")
	f("ZSCORE", "zero", "a")
	f("ZINCRBY", "zero", "-0", "a")
	f("ZADD", "big", "-0", "neg0")
	f("ZSCORE", "big", "neg0")
	f("ZUNION", "1", "zero", "WEIGHTS", "-1", "WITHSCORES")
	f("ZUNIONSTORE", "zero2", "1", "zero", "WEIGHTS", "-1")
	f("ZSCORE", "zero2", "a")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffAddOptions(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("ZADD", "k", "1", "a", "2", "b", "3", "c")
	f("ZADD", "k", "NX", "5", "a", "5", "d")
	f("ZADD", "k", "XX", "5", "a", "5", "e")
	f("ZADD", "k", "XX", "CH", "6", "a", "5", "e")
	f("ZADD", "k", "CH", "6", "a", "7", "b", "1", "f")
	f("ZADD", "k", "GT", "CH", "1", "a", "10", "b", "2", "g")
	f("ZADD", "k", "LT", "CH", "100", "a", "0", "b", "2", "h")
	f("ZADD", "k", "XX", "GT", "CH", "50", "a", "1", "b", "9", "zz")
	f("ZADD", "k", "XX", "LT", "-5", "c")
	f("ZADD", "k", "INCR", "2", "a")
	f("ZADD", "k", "INCR", "XX", "2", "nosuch")
	f("ZADD", "k", "INCR", "NX", "2", "a")
	f("ZADD", "k", "INCR", "NX", "2", "new")
	f("ZADD", "k", "INCR", "GT", "-1", "a")
	f("ZADD", "k", "INCR", "LT", "-1", "a")
	f("ZADD", "k", "INCR", "GT", "0", "a")
	f("ZADD", "k", "INCR", "CH", "0", "a")
	f("ZADD", "k", "nx", "xx", "ch", "incr", "gt", "lt", "1", "a")
	f("ZADD", "k", "1", "a", "1", "a", "2", "a")
	f("ZADD", "k", "CH", "1", "a", "1", "a", "2", "a")
	f("ZRANGE", "k", "0", "-1", "WITHSCORES")
	f("ZADD", "nokey", "XX", "1", "a")
	f("ZADD", "nokey", "XX", "INCR", "1", "a")
	f("EXISTS", "nokey")
	f("ZADD", "nokey", "GT", "1", "a")
	f("ZADD", "nokey2", "LT", "INCR", "1", "a")

	// Option errors, in Redis's order of checks.
	f("ZADD", "k", "NX", "XX", "1", "a")
	f("ZADD", "k", "GT", "NX", "1", "a")
	f("ZADD", "k", "LT", "NX", "1", "a")
	f("ZADD", "k", "GT", "LT", "1", "a")
	f("ZADD", "k", "NX", "XX", "GT", "1", "a")
	f("ZADD", "k", "INCR", "1", "a", "2", "b")
	f("ZADD", "k", "INCR", "NX", "XX", "1", "a", "2", "b")
	f("ZADD", "k", "1")
	f("ZADD", "k", "1", "a", "2")
	f("ZADD", "k", "NX", "1")
	f("ZADD", "k", "NX", "XX")
	f("ZADD", "k", "x", "1", "a")
	f("ZADD", "k", "GT", "LT", "x", "a")
	f("ZADD", "k")
	f("ZADD", "k", "1")
	f("ZADD", "k", "NX")
	f("ZINCRBY", "k", "1")
	f("ZINCRBY", "k", "NX", "1")
	f("ZINCRBY", "k", "1", "a", "b")
	f("ZINCRBY", "k", "INCR", "1")
	f("ZINCRBY", "k", "x", "a")
	f("ZINCRBY", "k", "NX", "a")

	// WRONGTYPE comes after the option and score checks.
	f("SET", "str", "v")
	f("ZADD", "str", "1", "a")
	f("ZADD", "str", "x", "a")
	f("ZADD", "str", "NX", "XX", "1", "a")
	f("ZADD", "str", "XX", "1", "a")
	f("ZINCRBY", "str", "1", "a")
	f("TYPE", "k")
	f("OBJECT", "ENCODING", "k")
	t.Logf("%d cases", d.cases)
}

// TestZSetDiffEncoding follows the listpack and skiplist thresholds through
// every way a sorted set is made.
func TestZSetDiffEncoding(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	enc := func(key string) { f("OBJECT", "ENCODING", key) }
	long := strings.Repeat("x", 65)
	f(zaddMany("e128", "m", 128, strconv.Itoa)...)
	enc("e128")
	f("ZADD", "e128", "1", "m0")
	enc("e128")
	f("ZADD", "e128", "1", "new")
	enc("e128")
	f(zaddMany("e129", "m", 129, strconv.Itoa)...)
	enc("e129")
	f("ZREMRANGEBYRANK", "e129", "0", "-3")
	enc("e129")
	f("ZRANGE", "e129", "0", "-1", "WITHSCORES")

	f("ZADD", "l64", "1", strings.Repeat("y", 64))
	enc("l64")
	f("ZADD", "l65", "1", long)
	enc("l65")
	f("ZADD", "l2", "1", "a")
	f("ZADD", "l2", "2", long)
	enc("l2")
	f("ZREM", "l2", long)
	enc("l2")
	f("ZADD", "l3", "1", "a", "2", long)
	enc("l3")
	f("ZADD", "l4", "2", long, "1", "a")
	enc("l4")

	// Repeated members: Redis 7.0 chooses by the first member only.
	dup := []string{"ZADD", "dup"}
	for i := 0; i < 200; i++ {
		dup = append(dup, strconv.Itoa(i), "same")
	}
	f(dup...)
	enc("dup")
	f("ZRANGE", "dup", "0", "-1", "WITHSCORES")

	// Stored results are listpacks when small enough, whatever their sources.
	f("ZUNIONSTORE", "u1", "1", "e129")
	enc("u1")
	f("ZUNIONSTORE", "u2", "2", "e129", "e128")
	enc("u2")
	f("ZINTERSTORE", "u3", "2", "e129", "e128")
	enc("u3")
	f("ZDIFFSTORE", "u4", "2", "e128", "e129")
	enc("u4")
	f("ZUNIONSTORE", "u5", "2", "l2", "l65")
	enc("u5")
	f("ZRANGESTORE", "r1", "e128", "0", "-1")
	enc("r1")
	f("ZRANGESTORE", "r2", "e128", "0", "5")
	enc("r2")
	f("ZRANGESTORE", "r3", "l65", "0", "-1")
	enc("r3")
	f("ZRANGESTORE", "r4", "e128", "-inf", "+inf", "BYSCORE")
	enc("r4")
	f("ZRANGESTORE", "r5", "e128", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "10")
	enc("r5")
	f("COPY", "e128", "c1")
	enc("c1")
	f("COPY", "e129", "c2")
	enc("c2")
	f("ZRANGE", "c1", "0", "-1", "WITHSCORES")
	f("ZADD", "c1", "1000", "only-in-copy")
	f("ZSCORE", "e128", "only-in-copy")
	f("ZPOPMIN", "e128", "100")
	enc("e128")
	t.Logf("%d cases", d.cases)
}

// rangeKeys makes a listpack key "zs" and a skiplist key "zb" with the same
// kind of content (repeated scores, fractions, infinities), and lex keys
// "ls" and "lb" whose elements share one score.
func rangeKeys(f func(args ...string)) {
	score := func(i int) string {
		switch i % 11 {
		case 0:
			return "-inf"
		case 10:
			return "+inf"
		}
		return strconv.FormatFloat(float64(i/3)*0.5-7, 'g', -1, 64)
	}
	f(zaddMany("zs", "m", 40, score)...)
	f(zaddMany("zb", "m", 400, score)...)
	f(zaddMany("ls", "", 30, func(int) string { return "0" })...)
	f(zaddMany("lb", "", 300, func(int) string { return "0" })...)
	f("ZADD", "ls", "0", "", "0", "a", "0", "aa", "0", "b\x00c", "0", "\xff")
	f("ZADD", "lb", "0", "", "0", "a", "0", "aa", "0", "b\x00c", "0", "\xff")
}

var (
	diffRanks       = []string{"0", "1", "-1", "-2", "5", "-5", "39", "40", "41", "399", "400", "-400", "-401", "-1000", "1000", "9223372036854775807", "-9223372036854775808"}
	diffScoreBounds = []string{"-inf", "+inf", "inf", "(-inf", "(inf", "-7", "(-7", "0", "(0", "-3.5", "(-3.5", "2", "(2", "100", "(100", " 1", "", "(", "0x1p1", "-5e0"}
	diffLexBounds   = []string{"-", "+", "[a", "(a", "[", "(", "[1", "(1", "[15", "(15", "[2", "[9", "(99", "[aa", "[b\x00c", "(b", "[\xff", "(\xff"}
	diffLimits      = [][2]string{{"0", "0"}, {"0", "1"}, {"1", "3"}, {"0", "-1"}, {"-1", "2"}, {"3", "-5"}, {"100", "10"}, {"39", "1"}, {"399", "5"}, {"0", "9223372036854775807"}, {"9223372036854775807", "1"}}
)

func TestZSetDiffRanges(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	rangeKeys(f)
	for _, key := range []string{"zs", "zb"} {
		for _, a := range diffRanks {
			for _, b := range []string{"0", "3", "-1", "-3", "100", "-1000"} {
				f("ZRANGE", key, a, b)
				f("ZREVRANGE", key, a, b, "WITHSCORES")
			}
		}
		f("ZRANGE", key, "0", "-1", "WITHSCORES")
		f("ZRANGE", key, "0", "-1", "REV", "WITHSCORES")
		for i, lo := range diffScoreBounds {
			for j, hi := range diffScoreBounds {
				if (i+j)%3 != 0 {
					continue
				}
				f("ZRANGEBYSCORE", key, lo, hi)
				f("ZREVRANGEBYSCORE", key, hi, lo, "WITHSCORES")
				f("ZCOUNT", key, lo, hi)
			}
		}
		for _, lim := range diffLimits {
			f("ZRANGEBYSCORE", key, "-inf", "+inf", "LIMIT", lim[0], lim[1])
			f("ZREVRANGEBYSCORE", key, "+inf", "(-3.5", "WITHSCORES", "LIMIT", lim[0], lim[1])
			f("ZRANGE", key, "(-7", "2", "BYSCORE", "LIMIT", lim[0], lim[1], "WITHSCORES")
			f("ZRANGE", key, "2", "(-7", "BYSCORE", "REV", "LIMIT", lim[0], lim[1])
		}
	}
	for _, key := range []string{"ls", "lb"} {
		for i, lo := range diffLexBounds {
			for j, hi := range diffLexBounds {
				if (i+j)%2 != 0 {
					continue
				}
				f("ZRANGEBYLEX", key, lo, hi)
				f("ZREVRANGEBYLEX", key, hi, lo)
				f("ZLEXCOUNT", key, lo, hi)
			}
		}
		for _, lim := range diffLimits {
			f("ZRANGEBYLEX", key, "-", "+", "LIMIT", lim[0], lim[1])
			f("ZREVRANGEBYLEX", key, "[5", "(1", "LIMIT", lim[0], lim[1])
			f("ZRANGE", key, "[1", "+", "BYLEX", "LIMIT", lim[0], lim[1])
			f("ZRANGE", key, "+", "[1", "BYLEX", "REV", "LIMIT", lim[0], lim[1])
		}
	}

	// Parsing errors and their order.
	for _, b := range []string{"x", "(x", "1x", "nan", "(nan", "((1", "1 2", "[1"} {
		f("ZRANGEBYSCORE", "zs", b, "1")
		f("ZCOUNT", "zs", "1", b)
		f("ZREMRANGEBYSCORE", "zs", b, "1")
	}
	for _, b := range []string{"a", "", "1", "-a", "+a", "--", "++"} {
		f("ZRANGEBYLEX", "ls", b, "+")
		f("ZLEXCOUNT", "ls", "-", b)
		f("ZREMRANGEBYLEX", "ls", b, "+")
	}
	f("ZRANGE", "zs", "x", "1")
	f("ZRANGE", "zs", "0", "1.5")
	f("ZRANGE", "zs", "0", "1", "LIMIT", "0", "1")
	f("ZRANGE", "zs", "0", "1", "LIMIT", "0", "-1")
	f("ZRANGE", "zs", "0", "1", "LIMIT", "0", "-2")
	f("ZRANGE", "ls", "-", "+", "BYLEX", "WITHSCORES")
	f("ZRANGE", "zs", "0", "1", "BYSCORE", "BYLEX")
	f("ZRANGE", "zs", "0", "1", "BYSCORE", "BYSCORE")
	f("ZRANGE", "zs", "0", "1", "REV", "REV")
	f("ZRANGE", "zs", "0", "1", "LIMIT", "0")
	f("ZRANGE", "zs", "0", "1", "BYSCORE", "LIMIT", "x", "1")
	f("ZRANGE", "zs", "0", "1", "BYSCORE", "LIMIT", "0", "x")
	f("ZRANGE", "zs", "0", "1", "FOO")
	f("ZRANGE", "zs", "0", "1", "withscores\x00junk")
	f("ZRANGEBYSCORE", "zs", "0", "1", "REV")
	f("ZRANGEBYSCORE", "zs", "0", "1", "BYLEX")
	f("ZRANGEBYLEX", "ls", "-", "+", "WITHSCORES")
	f("ZREVRANGE", "zs", "0", "1", "BYSCORE")
	f("ZREVRANGE", "zs", "0", "1", "LIMIT", "0", "1")
	f("ZRANGE", "nosuch", "0", "-1")
	f("ZRANGE", "nosuch", "x", "-1")
	f("ZRANGEBYSCORE", "nosuch", "0", "1")
	f("ZRANGEBYLEX", "nosuch", "-", "+")
	f("ZCOUNT", "nosuch", "0", "1")
	f("ZLEXCOUNT", "nosuch", "-", "+")
	f("ZRANGE", "zs")
	f("ZRANGE", "zs", "0")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffRankScoreRem(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	rangeKeys(f)
	for _, key := range []string{"zs", "zb"} {
		for _, m := range []string{"m0", "m1", "m10", "m39", "m40", "m399", "nosuch", ""} {
			f("ZRANK", key, m)
			f("ZREVRANK", key, m)
			f("ZSCORE", key, m)
		}
		f("ZCARD", key)
		f("ZMSCORE", key, "m1", "nosuch", "m2", "m1")
	}
	f("ZRANK", "nosuch", "a")
	f("ZREVRANK", "nosuch", "a")
	f("ZSCORE", "nosuch", "a")
	f("ZMSCORE", "nosuch", "a", "b")
	f("ZCARD", "nosuch")
	f("ZRANK", "zs", "m1", "WITHSCORES", "x")

	f("ZREM", "zs", "m1", "m1", "nosuch", "m2")
	f("ZREM", "zb", "m1", "m1", "nosuch", "m2")
	f("ZREM", "nosuch", "a")
	f("ZADD", "one", "1", "a", "2", "b")
	f("ZREM", "one", "a", "b", "c")
	f("EXISTS", "one")
	for _, key := range []string{"zs", "zb"} {
		f("ZREMRANGEBYRANK", key, "0", "0")
		f("ZREMRANGEBYRANK", key, "-3", "-2")
		f("ZREMRANGEBYRANK", key, "5", "3")
		f("ZREMRANGEBYRANK", key, "1000", "2000")
		f("ZREMRANGEBYRANK", key, "-1000", "1")
		f("ZREMRANGEBYSCORE", key, "(-3.5", "-2")
		f("ZREMRANGEBYSCORE", key, "5", "3")
		f("ZREMRANGEBYSCORE", key, "+inf", "+inf")
		f("ZRANGE", key, "0", "-1", "WITHSCORES")
	}
	for _, key := range []string{"ls", "lb"} {
		f("ZREMRANGEBYLEX", key, "[1", "(15")
		f("ZREMRANGEBYLEX", key, "(a", "[b\x00c")
		f("ZREMRANGEBYLEX", key, "+", "-")
		f("ZRANGE", key, "0", "-1")
	}
	f("ZREMRANGEBYRANK", "ls", "0", "-1")
	f("EXISTS", "ls")
	f("ZREMRANGEBYSCORE", "zb", "-inf", "+inf")
	f("EXISTS", "zb")
	f("ZREMRANGEBYLEX", "lb", "-", "+")
	f("EXISTS", "lb")
	f("ZREMRANGEBYRANK", "zs", "x", "1")
	f("ZREMRANGEBYRANK", "zs", "1", "")
	f("ZREMRANGEBYRANK", "nosuch", "0", "-1")
	f("ZREMRANGEBYSCORE", "nosuch", "0", "1")
	f("ZREMRANGEBYLEX", "nosuch", "-", "+")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffPop(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	rangeKeys(f)
	for _, key := range []string{"zs", "zb"} {
		f("ZPOPMIN", key)
		f("ZPOPMAX", key)
		f("ZPOPMIN", key, "0")
		f("ZPOPMIN", key, "3")
		f("ZPOPMAX", key, "4")
		f("ZMPOP", "1", key, "MIN")
		f("ZMPOP", "1", key, "MAX", "COUNT", "2")
		f("ZMPOP", "2", "nosuch", key, "min", "count", "3")
		f("ZCARD", key)
	}
	f("ZPOPMIN", "zs", "1000")
	f("EXISTS", "zs")
	f("ZPOPMAX", "zb", "1000")
	f("EXISTS", "zb")
	f("ZPOPMIN", "nosuch")
	f("ZPOPMIN", "nosuch", "2")
	f("ZPOPMIN", "nosuch", "0")
	f("ZMPOP", "1", "nosuch", "MIN")
	f("ZMPOP", "2", "nosuch", "ls", "MAX", "COUNT", "1000")
	f("EXISTS", "ls")

	for _, args := range [][]string{
		{"ZPOPMIN", "lb", "-1"}, {"ZPOPMIN", "lb", "x"}, {"ZPOPMIN", "lb", "1", "2"}, {"ZPOPMAX", "lb", "1.5"},
		{"ZMPOP", "0", "lb", "MIN"}, {"ZMPOP", "-1", "lb", "MIN"}, {"ZMPOP", "x", "lb", "MIN"},
		{"ZMPOP", "1", "lb"}, {"ZMPOP", "2", "lb", "MIN"}, {"ZMPOP", "1", "lb", "MID"},
		{"ZMPOP", "1", "lb", "MIN", "COUNT"}, {"ZMPOP", "1", "lb", "MIN", "COUNT", "0"},
		{"ZMPOP", "1", "lb", "MIN", "COUNT", "-1"}, {"ZMPOP", "1", "lb", "MIN", "COUNT", "x"},
		{"ZMPOP", "1", "lb", "MIN", "COUNT", "1", "COUNT", "1"}, {"ZMPOP", "1", "lb", "MIN", "FOO"},
		{"ZMPOP", "9223372036854775807", "lb", "MIN"}, {"ZMPOP", "1"}, {"ZMPOP", "1", "lb"},
	} {
		f(args...)
	}
	f("ZCARD", "lb")
	f("SET", "str", "v")
	f("ZPOPMIN", "str")
	f("ZMPOP", "2", "nosuch", "str", "MIN")
	f("ZMPOP", "2", "lb", "str", "MIN")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffSetOps(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("ZADD", "a", "1", "x", "2", "y", "3", "z", "0.1", "w")
	f("ZADD", "b", "10", "y", "20", "z", "30", "v", "0.2", "w")
	f("ZADD", "c", "+inf", "x", "-inf", "y", "5", "u")
	f("ZADD", "{a}d", "1.5", "x", "2.5", "z")
	f(zaddMany("big", "", 200, func(i int) string { return strconv.FormatFloat(float64(i)/7, 'g', -1, 64) })...)
	f("ZADD", "big", "1", "x", "2", "y")
	sets := [][]string{{"a"}, {"a", "b"}, {"b", "a"}, {"a", "b", "c"}, {"c", "a", "b"}, {"a", "nosuch"}, {"nosuch", "a"},
		{"a", "a"}, {"a", "{a}d"}, {"big", "a"}, {"a", "big", "b"}, {"big", "big"}, {"nosuch"}}
	for _, keys := range sets {
		n := strconv.Itoa(len(keys))
		for _, op := range []string{"ZUNION", "ZINTER", "ZDIFF"} {
			f(append(append([]string{op, n}, keys...), "WITHSCORES")...)
			f(append([]string{op, n}, keys...)...)
			f(append([]string{op + "STORE", "dst", n}, keys...)...)
			f("ZRANGE", "dst", "0", "-1", "WITHSCORES")
			f("OBJECT", "ENCODING", "dst")
		}
		f(append([]string{"ZINTERCARD", n}, keys...)...)
		f(append(append([]string{"ZINTERCARD", n}, keys...), "LIMIT", "1")...)
		weights := []string{"WEIGHTS"}
		for i := range keys {
			weights = append(weights, []string{"2", "-1.5", "0", "inf", "0.1"}[i%5])
		}
		for _, agg := range []string{"SUM", "MIN", "MAX", "min"} {
			f(append(append(append([]string{"ZUNION", n}, keys...), weights...), "AGGREGATE", agg, "WITHSCORES")...)
			f(append(append(append([]string{"ZINTER", n}, keys...), "AGGREGATE", agg), weights...)...)
			f(append(append(append([]string{"ZUNIONSTORE", "dst", n}, keys...), weights...), "AGGREGATE", agg)...)
			f("ZRANGE", "dst", "0", "-1", "WITHSCORES")
		}
	}
	// inf * 0 and inf + -inf are 0.
	f("ZUNION", "2", "c", "c", "WEIGHTS", "0", "1", "WITHSCORES")
	f("ZUNION", "2", "c", "c", "WEIGHTS", "1", "-1", "WITHSCORES")
	f("ZINTER", "2", "c", "c", "WEIGHTS", "1", "-1", "WITHSCORES")

	// A stored result replaces the destination, TTL and type included, and
	// an empty one deletes it.
	f("SET", "dst", "string")
	f("EXPIRE", "dst", "100")
	f("ZUNIONSTORE", "dst", "1", "a")
	f("TTL", "dst")
	f("TYPE", "dst")
	f("ZINTERSTORE", "dst", "2", "a", "nosuch")
	f("EXISTS", "dst")
	f("ZDIFFSTORE", "dst", "1", "nosuch")
	f("ZUNIONSTORE", "a", "2", "a", "b")
	f("ZRANGE", "a", "0", "-1", "WITHSCORES")

	for _, args := range [][]string{
		{"ZUNION", "0", "a"}, {"ZUNION", "-1", "a"}, {"ZUNION", "x", "a"}, {"ZUNION", "3", "a", "b"},
		{"ZUNION", "1", "a", "WEIGHTS"}, {"ZUNION", "2", "a", "b", "WEIGHTS", "1"},
		{"ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"}, {"ZUNION", "1", "a", "AGGREGATE"},
		{"ZUNION", "1", "a", "AGGREGATE", "AVG"}, {"ZUNION", "1", "a", "FOO"},
		{"ZUNION", "1", "a", "WITHSCORES", "WITHSCORES"}, {"ZDIFF", "1", "a", "WEIGHTS", "1"},
		{"ZDIFF", "1", "a", "AGGREGATE", "SUM"}, {"ZUNIONSTORE", "dst", "1", "a", "WITHSCORES"},
		{"ZINTERCARD", "0", "a"}, {"ZINTERCARD", "1", "a", "LIMIT"}, {"ZINTERCARD", "1", "a", "LIMIT", "-1"},
		{"ZINTERCARD", "1", "a", "LIMIT", "x"}, {"ZINTERCARD", "1", "a", "WITHSCORES"},
		{"ZINTERCARD", "1", "a", "WEIGHTS", "1"}, {"ZINTERCARD", "2", "a", "b", "LIMIT", "0"},
		{"ZUNIONSTORE", "dst", "0", "a"}, {"ZINTERSTORE", "dst", "2", "a"}, {"ZDIFFSTORE", "dst", "x", "a"},
		{"ZUNION", "1"}, {"ZUNIONSTORE", "dst", "1"}, {"ZUNION", "01", "a"},
	} {
		f(args...)
	}
	f("SET", "str", "v")
	f("ZUNION", "2", "a", "str")
	f("ZUNION", "2", "str", "nosuch", "WEIGHTS", "x")
	f("ZINTERSTORE", "dst", "2", "nosuch", "str")
	f("ZINTERCARD", "1", "str")
	f("ZDIFF", "2", "a", "str")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffRangeStore(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	rangeKeys(f)
	for _, src := range []string{"zs", "zb"} {
		for _, args := range [][]string{
			{"0", "-1"}, {"5", "10"}, {"10", "5"}, {"0", "-1", "REV"}, {"-inf", "+inf", "BYSCORE"},
			{"(-3.5", "2", "BYSCORE", "LIMIT", "1", "5"}, {"+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "3"},
			{"100", "200", "BYSCORE"},
		} {
			f(append([]string{"ZRANGESTORE", "dst", src}, args...)...)
			f("ZRANGE", "dst", "0", "-1", "WITHSCORES")
			f("OBJECT", "ENCODING", "dst")
		}
	}
	f("ZRANGESTORE", "dst", "ls", "[1", "(3", "BYLEX")
	f("ZRANGE", "dst", "0", "-1", "WITHSCORES")
	f("ZRANGESTORE", "dst", "lb", "+", "-", "BYLEX", "REV", "LIMIT", "2", "4")
	f("ZRANGE", "dst", "0", "-1", "WITHSCORES")
	f("ZRANGESTORE", "dst", "nosuch", "0", "-1")
	f("EXISTS", "dst")
	f("ZRANGESTORE", "zs", "zs", "0", "2")
	f("ZRANGE", "zs", "0", "-1", "WITHSCORES")
	f("ZRANGESTORE", "dst", "zs", "0", "-1", "WITHSCORES")
	f("ZRANGESTORE", "dst", "zs", "0", "-1", "LIMIT", "0", "1")
	f("ZRANGESTORE", "dst", "zs", "x", "-1")
	f("ZRANGESTORE", "dst", "zs", "0")
	f("SET", "str", "v")
	f("ZRANGESTORE", "dst", "str", "0", "-1")
	f("ZRANGESTORE", "str", "zs", "0", "-1")
	f("TYPE", "str")
	t.Logf("%d cases", d.cases)
}

func TestZSetDiffRandMemberScan(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	rangeKeys(f)
	f("ZADD", "one", "1.5", "only")
	// Only the deterministic cases: the whole set, or a set of one.
	for _, key := range []string{"zs", "zb"} {
		f("ZRANDMEMBER", key, "400")
		f("ZRANDMEMBER", key, "1000", "WITHSCORES")
		f("ZRANDMEMBER", key, "0")
		f("ZRANDMEMBER", key, "0", "WITHSCORES")
	}
	f("ZRANDMEMBER", "one")
	f("ZRANDMEMBER", "one", "1", "WITHSCORES")
	f("ZRANDMEMBER", "one", "-3", "WITHSCORES")
	f("ZRANDMEMBER", "one", "-3")
	f("ZRANDMEMBER", "nosuch")
	f("ZRANDMEMBER", "nosuch", "5")
	f("ZRANDMEMBER", "nosuch", "-5", "WITHSCORES")
	for _, args := range [][]string{
		{"one", "x"}, {"one", "1", "x"}, {"one", "1", "WITHSCORES", "x"},
		{"one", "-9223372036854775808"}, {"one", "9223372036854775807", "WITHSCORES"},
		{"one", "-4611686018427387904", "WITHSCORES"}, {"one", "4611686018427387904", "WITHSCORES"},
		{"nosuch", "x"}, {"nosuch", "1", "x"},
	} {
		f(append([]string{"ZRANDMEMBER"}, args...)...)
	}

	// A listpack is scanned whole, whatever the cursor and COUNT.
	f("ZSCAN", "zs", "0")
	f("ZSCAN", "zs", "12345", "COUNT", "1")
	f("ZSCAN", "zs", "0", "MATCH", "m1*")
	f("ZSCAN", "zs", "0", "MATCH", "*", "COUNT", "5")
	f("ZSCAN", "ls", "0", "MATCH", "b*")
	f("ZSCAN", "nosuch", "0")
	f("ZSCAN", "nosuch", "0", "FOO")
	for _, args := range [][]string{
		{"zs", "x"}, {"zs", "-1"}, {"zs", ""}, {"zs", "0", "COUNT"}, {"zs", "0", "COUNT", "0"},
		{"zs", "0", "COUNT", "x"}, {"zs", "0", "MATCH"}, {"zs", "0", "TYPE", "zset"}, {"zs", "0", "FOO", "1"},
		{"zs"},
	} {
		f(append([]string{"ZSCAN"}, args...)...)
	}
	f("SET", "str", "v")
	f("ZSCAN", "str", "0")
	f("ZSCAN", "str", "x")
	f("ZRANDMEMBER", "str")
	f("ZRANDMEMBER", "str", "1")
	t.Logf("%d cases", d.cases)
}

// TestZSetDiffWrongType sends every sorted set command to a string key.
func TestZSetDiffWrongType(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "s", "v")
	f("ZADD", "z", "1", "a")
	for _, args := range [][]string{
		{"ZADD", "s", "1", "a"}, {"ZINCRBY", "s", "1", "a"}, {"ZREM", "s", "a"}, {"ZCARD", "s"},
		{"ZSCORE", "s", "a"}, {"ZMSCORE", "s", "a"}, {"ZRANK", "s", "a"}, {"ZREVRANK", "s", "a"},
		{"ZRANGE", "s", "0", "-1"}, {"ZRANGESTORE", "d", "s", "0", "-1"}, {"ZREVRANGE", "s", "0", "-1"},
		{"ZRANGEBYSCORE", "s", "0", "1"}, {"ZREVRANGEBYSCORE", "s", "1", "0"}, {"ZRANGEBYLEX", "s", "-", "+"},
		{"ZREVRANGEBYLEX", "s", "+", "-"}, {"ZCOUNT", "s", "0", "1"}, {"ZLEXCOUNT", "s", "-", "+"},
		{"ZPOPMIN", "s"}, {"ZPOPMAX", "s", "2"}, {"ZMPOP", "1", "s", "MIN"}, {"ZREMRANGEBYRANK", "s", "0", "1"},
		{"ZREMRANGEBYSCORE", "s", "0", "1"}, {"ZREMRANGEBYLEX", "s", "-", "+"}, {"ZUNION", "2", "z", "s"},
		{"ZINTER", "1", "s"}, {"ZDIFF", "2", "s", "z"}, {"ZUNIONSTORE", "d", "1", "s"}, {"ZINTERSTORE", "d", "2", "z", "s"},
		{"ZDIFFSTORE", "d", "1", "s"}, {"ZINTERCARD", "1", "s"}, {"ZRANDMEMBER", "s"}, {"ZRANDMEMBER", "s", "-2"},
		{"ZSCAN", "s", "0"},
		// The key holding a sorted set, for the string commands.
		{"GET", "z"}, {"APPEND", "z", "x"}, {"INCR", "z"}, {"LPUSH", "z", "x"},
	} {
		f(args...)
	}
	for _, name := range zsetCommands {
		f(name)
	}
	f("ZRANK")
	f("ZRANK", "z")
	f("ZRANK", "z", "a", "b", "c")
	t.Logf("%d cases", d.cases)
}

// TestZSetDiffResp3 covers the replies whose encoding depends on the
// protocol: doubles, nulls, and WITHSCORES pairs.
func TestZSetDiffResp3(t *testing.T) {
	d := newStringsDiff(t)
	for _, r := range []*servertest.Raw{d.shoal, d.redis} {
		if reply := r.Do("HELLO", "3"); strings.HasPrefix(reply, "-") {
			t.Fatalf("HELLO 3: %q", reply)
		}
	}
	f := d.do
	rangeKeys(f)
	f("ZADD", "k", "1", "a", "2.5", "b", "-inf", "c")
	f("ZADD", "k", "INCR", "0.1", "a")
	f("ZADD", "k", "XX", "INCR", "1", "nosuch")
	f("ZINCRBY", "k", "1e300", "b")
	f("ZSCORE", "k", "a")
	f("ZSCORE", "k", "nosuch")
	f("ZSCORE", "nosuch", "a")
	f("ZMSCORE", "k", "a", "nosuch", "c")
	f("ZMSCORE", "nosuch", "a")
	f("ZRANK", "k", "nosuch")
	f("ZRANK", "nosuch", "a")
	for _, key := range []string{"zs", "zb"} {
		f("ZRANGE", key, "0", "5", "WITHSCORES")
		f("ZRANGE", key, "0", "5")
		f("ZREVRANGEBYSCORE", key, "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "4")
		f("ZRANDMEMBER", key, "1000", "WITHSCORES")
		f("ZPOPMIN", key)
		f("ZPOPMIN", key, "2")
		f("ZPOPMAX", key, "1")
		f("ZPOPMAX", key, "0")
		f("ZMPOP", "1", key, "MAX", "COUNT", "2")
		f("ZUNION", "2", key, "k", "WITHSCORES")
		f("ZINTER", "2", key, key, "WITHSCORES")
		f("ZDIFF", "2", key, "k", "WITHSCORES")
	}
	f("ZSCAN", "zs", "0")
	f("ZPOPMIN", "nosuch")
	f("ZPOPMIN", "nosuch", "1")
	f("ZMPOP", "1", "nosuch", "MIN")
	f("ZRANGE", "nosuch", "0", "-1", "WITHSCORES")
	f("ZRANDMEMBER", "nosuch")
	f("ZRANDMEMBER", "nosuch", "3", "WITHSCORES")
	f("ZSCAN", "nosuch", "0")
	t.Logf("%d cases", d.cases)
}

// TestZSetDiffRandom runs a random sequence of sorted set commands on a few
// keys against both servers; a fixed seed keeps failures reproducible. Keys
// start small (listpack) or big (skiplist); "lex" only ever gets score 0, so
// that lex ranges, which assume equal scores, are defined on it.
func TestZSetDiffRandom(t *testing.T) {
	d := newStringsDiff(t)
	rng := rand.New(rand.NewPCG(7, 13))
	keys := []string{"ra", "rb", "big", "{ra}x", "lex"}
	d.do(zaddMany("big", "m", 300, func(i int) string { return strconv.Itoa(i % 17) })...)
	scores := []string{"0", "1", "-1", "2.5", "0.1", "-0.3", "7", "1e3", "1.25e-5", "+inf", "-inf", "3.3333333333333335", "100"}
	members := []string{"", "a", "b", "c", "d", "e", "m1", "m2", "m100", "m299", "01", "1", strings.Repeat("w", 70)}
	score := func() string { return scores[rng.IntN(len(scores))] }
	member := func() string {
		if rng.IntN(4) == 0 {
			return "m" + strconv.Itoa(rng.IntN(320))
		}
		return members[rng.IntN(len(members))]
	}
	index := func() string { return strconv.Itoa(rng.IntN(60) - 30) }
	bound := func() string {
		b := score()
		if rng.IntN(3) == 0 {
			b = "(" + b
		}
		return b
	}
	lexBound := func() string {
		switch rng.IntN(6) {
		case 0:
			return "-"
		case 1:
			return "+"
		}
		return []string{"[", "("}[rng.IntN(2)] + member()
	}
	const steps = 3000
	counts := map[string]int{}
	for i := 0; i < steps; i++ {
		key := keys[rng.IntN(len(keys))]
		var cmd []string
		switch op := rng.IntN(16); {
		case key == "lex" && op < 6:
			cmd = []string{"ZADD", key, "0", member(), "0", member()}
		case key == "lex" && op < 11:
			lo, hi := lexBound(), lexBound()
			switch rng.IntN(4) {
			case 0:
				cmd = []string{"ZRANGEBYLEX", key, lo, hi}
			case 1:
				cmd = []string{"ZREVRANGEBYLEX", key, hi, lo, "LIMIT", strconv.Itoa(rng.IntN(3)), strconv.Itoa(rng.IntN(5) - 1)}
			case 2:
				cmd = []string{"ZLEXCOUNT", key, lo, hi}
			default:
				cmd = []string{"ZREMRANGEBYLEX", key, lo, hi}
			}
		case key == "lex":
			cmd = []string{"ZREM", key, member()}
		case op < 4:
			cmd = []string{"ZADD", key}
			if rng.IntN(3) == 0 {
				cmd = append(cmd, []string{"NX", "XX", "GT", "LT", "CH", "XX GT"}[rng.IntN(6)])
				cmd = append(cmd[:2], strings.Fields(cmd[2])...)
			}
			for n := 1 + rng.IntN(4); n > 0; n-- {
				cmd = append(cmd, score(), member())
			}
		case op < 6:
			cmd = []string{"ZINCRBY", key, score(), member()}
		case op < 7:
			cmd = []string{"ZREM", key, member(), member()}
		case op < 9:
			cmd = []string{"ZRANGE", key, index(), index()}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "REV")
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "WITHSCORES")
			}
		case op < 11:
			lo, hi := bound(), bound()
			if rng.IntN(2) == 0 {
				cmd = []string{"ZRANGEBYSCORE", key, lo, hi, "WITHSCORES"}
			} else {
				cmd = []string{"ZREVRANGEBYSCORE", key, hi, lo}
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "LIMIT", strconv.Itoa(rng.IntN(4)), strconv.Itoa(rng.IntN(6)-1))
			}
		case op < 12:
			cmd = []string{[]string{"ZRANK", "ZREVRANK", "ZSCORE"}[rng.IntN(3)], key, member()}
		case op < 13:
			cmd = []string{[]string{"ZPOPMIN", "ZPOPMAX"}[rng.IntN(2)], key}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, strconv.Itoa(rng.IntN(4)))
			}
		case op < 14:
			cmd = []string{"ZCOUNT", key, bound(), bound()}
		case op < 15:
			cmd = []string{[]string{"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE"}[rng.IntN(2)], key}
			if cmd[0] == "ZREMRANGEBYRANK" {
				cmd = append(cmd, index(), index())
			} else {
				cmd = append(cmd, bound(), bound())
			}
		default:
			other := keys[rng.IntN(len(keys)-1)]
			cmd = []string{[]string{"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}[rng.IntN(3)], key, "2", key, other}
		}
		counts[cmd[0]]++
		d.do(cmd...)
		if i%100 == 99 {
			for _, k := range keys {
				d.do("ZRANGE", k, "0", "-1", "WITHSCORES")
				d.do("OBJECT", "ENCODING", k)
			}
		}
	}
	for _, k := range keys {
		d.do("ZRANGE", k, "0", "-1", "WITHSCORES")
	}
	d.checkKeyspace("random")
	if d.cases < steps+5 {
		t.Fatalf("only %d commands compared", d.cases)
	}
	for _, c := range []string{"ZADD", "ZINCRBY", "ZREM", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX",
		"ZREVRANGEBYLEX", "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZSCORE", "ZPOPMIN", "ZPOPMAX", "ZCOUNT",
		"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"} {
		if counts[c] < 20 {
			t.Errorf("only %d %s commands generated", counts[c], c)
		}
	}
	t.Logf("%d cases: %v", d.cases, counts)
}
