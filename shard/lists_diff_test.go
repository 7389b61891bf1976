package shard_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The list differential tests reuse stringsDiff (strings_diff_test.go): the
// same commands go to Shoal, with four shards so that LMOVE, RPOPLPUSH and
// LMPOP cross shards, and to redis-server 7.0, and the reply bytes must be
// equal.

var listCommands = []string{
	"lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset",
	"linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop",
}

// TestListsDiffCommandTable compares what COMMAND INFO and COMMAND DOCS say
// about the list commands, the fields the command table defines.
func TestListsDiffCommandTable(t *testing.T) { diffCommandTable(t, listCommands) }

func TestListsDiffPushPop(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")

	f("LPUSH", "l", "a")
	f("LPUSH", "l", "b", "c", "d")
	f("RPUSH", "l", "e", "f")
	f("LRANGE", "l", "0", "-1")
	f("LPUSH", "l")
	f("RPUSH")
	f("LPUSH", "str", "a")
	f("RPUSH", "str", "a", "b")
	f("LPUSHX", "l", "x", "y")
	f("RPUSHX", "l", "z")
	f("LPUSHX", "nol", "x")
	f("RPUSHX", "nol", "x", "y")
	f("EXISTS", "nol")
	f("LPUSHX", "str", "x")
	f("RPUSHX", "str", "x")
	f("LPUSHX", "l")
	f("LRANGE", "l", "0", "-1")
	f("LLEN", "l")
	f("LLEN", "nol")
	f("LLEN", "str")
	f("LLEN")
	f("TYPE", "l")
	d.checkStats("pushes")

	// Integers of every encoding and strings that only look like them
	// come back byte for byte.
	ints := []string{"0", "1", "-1", "127", "128", "4095", "4096", "-4096", "-4097", "32767", "-32768",
		"8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "01", "+1", "-0", "1.0", " 1", "1 ", "", "\x00", "a\r\nb"}
	f(append([]string{"RPUSH", "ints"}, ints...)...)
	f("LRANGE", "ints", "0", "-1")
	for i := range ints {
		f("LINDEX", "ints", strconv.Itoa(i))
		f("LPOS", "ints", ints[i])
	}

	// LPOP and RPOP with and without a count.
	f("LPOP", "l")
	f("RPOP", "l")
	f("LPOP", "l", "2")
	f("RPOP", "l", "2")
	f("LPOP", "l", "0")
	f("RPOP", "l", "0")
	f("LPOP", "l", "1")
	f("LPOP", "l", "-1")
	f("LPOP", "l", "abc")
	f("LPOP", "l", "1.5")
	f("LPOP", "l", "9223372036854775807")
	f("EXISTS", "l")
	f("LPOP", "l")
	f("LPOP", "l", "1")
	f("LPOP", "l", "0")
	f("RPOP", "l", "5")
	f("RPOP", "l")
	f("RPOP", "l", "-1")
	f("LPOP", "l", "1", "2")
	f("RPOP", "l", "1", "2")
	f("LPOP")
	f("LPOP", "str")
	f("RPOP", "str", "1")
	f("LPOP", "str", "0")
	f("LPOP", "str", "-1")
	f("RPUSH", "p", "a", "b", "c")
	f("RPOP", "p", "100")
	f("EXISTS", "p")
	f("RPUSH", "p", "a", "b", "c")
	f("LPOP", "p", "3")
	f("EXISTS", "p")
	d.checkStats("pops")
	d.checkKeyspace("pops")

	// RESP3 shapes of the null replies.
	d.shoal.Do("HELLO", "3")
	d.redis.Do("HELLO", "3")
	f("LPOP", "nol")
	f("LPOP", "nol", "1")
	f("LPOP", "nol", "0")
	f("RPUSH", "r3", "a", "b")
	f("LPOP", "r3", "0")
	f("LPOP", "r3", "5")
	f("LINDEX", "nol", "0")
	f("LPOS", "nol", "a")
	f("LPOS", "nol", "a", "COUNT", "0")
	f("LMPOP", "1", "nol", "LEFT")
	f("LMOVE", "nol", "x", "LEFT", "LEFT")
	d.shoal.Do("HELLO", "2")
	d.redis.Do("HELLO", "2")

	// A TTL survives pushes and pops, and goes with the key when it empties.
	f("RPUSH", "t", "a", "b")
	f("EXPIRE", "t", "100")
	f("RPUSH", "t", "c")
	f("LPOP", "t")
	f("TTL", "t")
	f("LPOP", "t", "5")
	f("RPUSH", "t", "a")
	f("TTL", "t")
	d.checkKeyspace("TTL")
	f("RPUSH", "gone", "a")
	f("PEXPIRE", "gone", "1")
	time.Sleep(5 * time.Millisecond)
	f("LPUSHX", "gone", "b")
	f("LLEN", "gone")
	f("RPUSH", "gone", "b")
	f("TTL", "gone")
	d.checkStats("expired list")
	d.checkKeyspace("expired list")
	t.Logf("%d cases", d.cases)
}

func TestListsDiffIndexOps(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")
	f("RPUSH", "l", "a", "b", "c", "b", "a", "1", "2", "1")

	for _, r := range [][2]string{{"0", "-1"}, {"0", "0"}, {"-1", "-1"}, {"-100", "100"}, {"2", "1"}, {"5", "100"},
		{"8", "9"}, {"-3", "-2"}, {"-9", "-9"}, {"-9", "0"}, {"3", "-6"}, {"-9223372036854775808", "9223372036854775807"}} {
		f("LRANGE", "l", r[0], r[1])
	}
	f("LRANGE", "l", "a", "1")
	f("LRANGE", "l", "0", "b")
	f("LRANGE", "l", "9223372036854775808", "1")
	f("LRANGE", "nol", "0", "-1")
	f("LRANGE", "nol", "x", "-1")
	f("LRANGE", "str", "0", "-1")
	f("LRANGE", "str", "x", "-1")
	f("LRANGE", "l", "0")

	for _, i := range []string{"0", "1", "7", "8", "-1", "-8", "-9", "100", "9223372036854775807", "-9223372036854775808"} {
		f("LINDEX", "l", i)
	}
	f("LINDEX", "l", "x")
	f("LINDEX", "nol", "x")
	f("LINDEX", "nol", "0")
	f("LINDEX", "str", "0")
	f("LINDEX", "str", "x")
	f("LINDEX", "l")
	d.checkStats("LRANGE LINDEX")

	f("LSET", "l", "0", "A")
	f("LSET", "l", "-1", "Z")
	f("LSET", "l", "3", strings.Repeat("long", 50))
	f("LSET", "l", "4", "12345")
	f("LSET", "l", "8", "x")
	f("LSET", "l", "-9", "x")
	f("LSET", "l", "x", "x")
	f("LSET", "nol", "0", "x")
	f("LSET", "nol", "x", "x")
	f("LSET", "str", "0", "x")
	f("LSET", "l", "0")
	f("LRANGE", "l", "0", "-1")

	f("LINSERT", "l", "BEFORE", "b", "new1")
	f("LINSERT", "l", "after", "b", "new2")
	f("LINSERT", "l", "AFTER", "Z", "last")
	f("LINSERT", "l", "before", "A", "first")
	f("LINSERT", "l", "BEFORE", "missing", "x")
	f("LINSERT", "l", "BEFORE", "12345", "n")
	f("LINSERT", "l", "AFTER", "012345", "n")
	f("LINSERT", "l", "MIDDLE", "b", "x")
	f("LINSERT", "l", "BEFORE\x00x", "b", "x")
	f("LINSERT", "nol", "BEFORE", "b", "x")
	f("LINSERT", "nol", "MIDDLE", "b", "x")
	f("LINSERT", "str", "BEFORE", "b", "x")
	f("LINSERT", "str", "MIDDLE", "b", "x")
	f("LINSERT", "l", "BEFORE", "b")
	f("LRANGE", "l", "0", "-1")
	f("EXISTS", "nol")

	f("RPUSH", "r", "a", "b", "a", "c", "a", "b", "a")
	f("LREM", "r", "1", "a")
	f("LREM", "r", "-1", "a")
	f("LRANGE", "r", "0", "-1")
	f("LREM", "r", "0", "b")
	f("LREM", "r", "0", "zz")
	f("LREM", "r", "-100", "a")
	f("LRANGE", "r", "0", "-1")
	f("LREM", "r", "0", "c")
	f("EXISTS", "r")
	f("LREM", "r", "0", "c")
	f("LREM", "r", "x", "c")
	f("LREM", "str", "0", "c")
	f("LREM", "str", "x", "c")
	f("LREM", "r", "1")
	f("RPUSH", "r", "1", "01", "1", "-0", "0")
	f("LREM", "r", "0", "1")
	f("LREM", "r", "0", "0")
	f("LRANGE", "r", "0", "-1")

	for _, r := range [][2]string{{"1", "-2"}, {"0", "100"}, {"-100", "-1"}, {"1", "1"}} {
		f("RPUSH", "t", "a", "b", "c", "d", "e")
		f("LTRIM", "t", r[0], r[1])
		f("LRANGE", "t", "0", "-1")
		f("DEL", "t")
	}
	for _, r := range [][2]string{{"3", "1"}, {"5", "10"}, {"-1", "-2"}, {"0", "-6"}} {
		f("RPUSH", "t", "a", "b", "c", "d", "e")
		f("LTRIM", "t", r[0], r[1])
		f("EXISTS", "t")
	}
	f("LTRIM", "nol", "0", "1")
	f("LTRIM", "nol", "x", "1")
	f("LTRIM", "str", "0", "1")
	f("LTRIM", "str", "0", "x")
	f("LTRIM", "l", "0")
	d.checkKeyspace("LTRIM")

	f("DEL", "p")
	f("RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c", "1")
	for _, args := range [][]string{
		{"c"}, {"1"}, {"x"}, {"c", "RANK", "2"}, {"c", "RANK", "-1"}, {"c", "RANK", "-3"}, {"c", "RANK", "4"},
		{"c", "COUNT", "0"}, {"c", "COUNT", "2"}, {"c", "COUNT", "10"}, {"c", "RANK", "-1", "COUNT", "2"},
		{"c", "RANK", "2", "COUNT", "0"}, {"c", "MAXLEN", "3"}, {"c", "MAXLEN", "2"}, {"c", "MAXLEN", "0"},
		{"c", "COUNT", "0", "MAXLEN", "7"}, {"c", "RANK", "-1", "MAXLEN", "2"}, {"c", "RANK", "-1", "MAXLEN", "3"},
		{"c", "RANK", "0"}, {"c", "RANK", "x"}, {"c", "RANK", "-9223372036854775808"}, {"c", "RANK", "-9223372036854775807"},
		{"c", "RANK", "9223372036854775807"}, {"c", "COUNT", "-1"}, {"c", "COUNT", "x"}, {"c", "MAXLEN", "-1"},
		{"c", "MAXLEN", "x"}, {"c", "RANK"}, {"c", "COUNT"}, {"c", "BAD", "1"}, {"c", "rank", "1", "count", "1", "maxlen", "1"},
		{"c", "RANK\x00", "1"}, {"c", "RANK", "1", "RANK", "2"}, {"c", "COUNT", "1", "RANK", "0"}, {"c", "RANK", "0", "COUNT", "-1"},
	} {
		f(append([]string{"LPOS", "p"}, args...)...)
	}
	f("LPOS", "nol", "c")
	f("LPOS", "nol", "c", "COUNT", "1")
	f("LPOS", "nol", "c", "RANK", "0")
	f("LPOS", "str", "c")
	f("LPOS", "str", "c", "COUNT", "1")
	f("LPOS", "str", "c", "RANK", "0")
	f("LPOS", "p")
	d.checkStats("index operations")
	t.Logf("%d cases", d.cases)
}

func TestListsDiffMove(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")
	// Keys a..h spread over the four shards.
	f("RPUSH", "a", "1", "2", "3", "4")
	for _, from := range []string{"LEFT", "RIGHT"} {
		for _, to := range []string{"LEFT", "RIGHT"} {
			for _, dst := range []string{"b", "c", "d", "e", "a"} {
				f("LMOVE", "a", dst, from, to)
				f("LRANGE", dst, "0", "-1")
			}
		}
	}
	f("LRANGE", "a", "0", "-1")
	f("LMOVE", "a", "b", "left", "right")
	f("LMOVE", "a", "b", "UP", "LEFT")
	f("LMOVE", "a", "b", "LEFT", "UP")
	f("LMOVE", "a", "b", "LEFT\x00", "LEFT")
	f("LMOVE", "nol", "b", "LEFT", "LEFT")
	f("LMOVE", "nol", "str", "LEFT", "LEFT")
	f("LMOVE", "str", "b", "LEFT", "LEFT")
	f("LMOVE", "a", "str", "LEFT", "LEFT")
	f("LMOVE", "nol", "b", "UP", "LEFT")
	f("LMOVE", "a", "b", "LEFT")
	f("LRANGE", "a", "0", "-1")

	// The last element moves: the source goes, the destination appears.
	f("DEL", "a", "b", "c", "d", "e")
	f("RPUSH", "one", "x")
	f("LMOVE", "one", "f", "LEFT", "LEFT")
	f("EXISTS", "one", "f")
	f("LMOVE", "f", "f", "LEFT", "RIGHT")
	f("LRANGE", "f", "0", "-1")
	f("RPUSH", "g", "1", "2")
	f("RPOPLPUSH", "g", "g")
	f("LRANGE", "g", "0", "-1")
	f("RPOPLPUSH", "g", "h")
	f("RPOPLPUSH", "g", "h")
	f("RPOPLPUSH", "g", "h")
	f("LRANGE", "h", "0", "-1")
	f("EXISTS", "g")
	f("RPOPLPUSH", "nol", "h")
	f("RPOPLPUSH", "str", "h")
	f("RPOPLPUSH", "h", "str")
	f("RPOPLPUSH", "h")
	d.checkKeyspace("moves")

	// LMPOP: the first non-empty key, LEFT or RIGHT, COUNT.
	f("RPUSH", "m2", "a", "b", "c", "d")
	f("RPUSH", "m3", "x")
	f("LMPOP", "3", "m1", "m2", "m3", "LEFT")
	f("LMPOP", "3", "m1", "m2", "m3", "RIGHT", "COUNT", "2")
	f("LMPOP", "3", "m1", "m2", "m3", "left", "count", "10")
	f("LMPOP", "3", "m1", "m2", "m3", "RIGHT", "COUNT", "10")
	f("LMPOP", "3", "m1", "m2", "m3", "RIGHT")
	f("EXISTS", "m2", "m3")
	f("RPUSH", "m3", "x")
	f("LMPOP", "2", "str", "m3", "LEFT")
	f("LMPOP", "2", "m3", "str", "LEFT")
	f("LMPOP", "2", "nol", "str", "LEFT")
	f("LMPOP", "1", "m3", "LEFT", "COUNT", "0")
	f("LMPOP", "1", "m3", "LEFT", "COUNT", "-1")
	f("LMPOP", "1", "m3", "LEFT", "COUNT", "x")
	f("LMPOP", "1", "m3", "LEFT", "COUNT")
	f("LMPOP", "1", "m3", "LEFT", "COUNT", "1", "COUNT", "1")
	f("LMPOP", "1", "m3", "LEFT", "BAD")
	f("LMPOP", "1", "m3", "MIDDLE")
	f("LMPOP", "1", "m3", "LEFT\x00")
	f("LMPOP", "0", "m3", "LEFT")
	f("LMPOP", "-1", "m3", "LEFT")
	f("LMPOP", "x", "m3", "LEFT")
	f("LMPOP", "01", "m3", "LEFT")
	f("LMPOP", "2", "m3", "LEFT")
	f("LMPOP", "3", "m3", "LEFT")
	f("LMPOP", "9223372036854775807", "m3", "LEFT")
	f("LMPOP", "2", "m3", "m3", "LEFT")
	f("LMPOP", "1", "m3")
	f("LMPOP", "1", "m3", "LEFT", "COUNT", "9223372036854775807")
	f("LMPOP", "1", "m3", "LEFT")
	d.checkKeyspace("LMPOP")
	t.Logf("%d cases", d.cases)
}

// TestListsDiffLong runs index operations on lists of many nodes, where
// Shoal and Redis both use several packed nodes.
func TestListsDiffLong(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	args := []string{"RPUSH", "big"}
	for i := 0; i < 5000; i++ {
		args = append(args, fmt.Sprintf("element:%06d", i), strconv.Itoa(i))
	}
	f(args...)
	f("LLEN", "big")
	for _, i := range []string{"0", "1", "4999", "5000", "9999", "-1", "-5000", "-10000", "-10001", "7777"} {
		f("LINDEX", "big", i)
	}
	f("LRANGE", "big", "4990", "5010")
	f("LRANGE", "big", "-20", "-1")
	f("LSET", "big", "5000", strings.Repeat("x", 10000))
	f("LINDEX", "big", "5000")
	f("LINSERT", "big", "BEFORE", "element:003000", strings.Repeat("y", 20000))
	f("LRANGE", "big", "5998", "6002")
	f("LPOS", "big", "2500")
	f("LPOS", "big", "element:004000", "RANK", "-1")
	f("LPOS", "big", "element:004000", "MAXLEN", "8000")
	f("LREM", "big", "0", "1234")
	f("LREM", "big", "-1", "element:000007")
	f("LTRIM", "big", "100", "-100")
	f("LLEN", "big")
	f("LRANGE", "big", "0", "4")
	f("LPOP", "big", "3000")
	f("RPOP", "big", "3000")
	f("LRANGE", "big", "0", "-1")
	t.Logf("%d cases", d.cases)
}

// TestListsDiffRandom runs a random sequence of list commands on a few keys
// against both servers; a fixed seed keeps failures reproducible.
func TestListsDiffRandom(t *testing.T) {
	d := newStringsDiff(t)
	rng := rand.New(rand.NewPCG(7, 11))
	keys := []string{"ra", "rb", "rc", "{ra}x"}
	elems := []string{"a", "b", "c", "1", "2", "-3", "100000", "01", "", strings.Repeat("w", 70), strings.Repeat("z", 5000)}
	elem := func() string { return elems[rng.IntN(len(elems))] }
	index := func() string { return strconv.Itoa(rng.IntN(40) - 20) }
	const steps = 1500
	counts := map[string]int{}
	for i := 0; i < steps; i++ {
		key := keys[rng.IntN(len(keys))]
		var cmd []string
		switch rng.IntN(12) {
		case 0, 1:
			cmd = []string{"LPUSH", key}
			for n := 1 + rng.IntN(6); n > 0; n-- {
				cmd = append(cmd, elem())
			}
		case 2, 3:
			cmd = []string{"RPUSH", key}
			for n := 1 + rng.IntN(6); n > 0; n-- {
				cmd = append(cmd, elem())
			}
		case 4:
			cmd = []string{"LPOP", key}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, strconv.Itoa(rng.IntN(4)))
			}
		case 5:
			cmd = []string{"RPOP", key}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, strconv.Itoa(rng.IntN(4)))
			}
		case 6:
			cmd = []string{"LRANGE", key, index(), index()}
		case 7:
			cmd = []string{"LINSERT", key, []string{"BEFORE", "AFTER"}[rng.IntN(2)], elem(), elem()}
		case 8:
			cmd = []string{"LREM", key, strconv.Itoa(rng.IntN(5) - 2), elem()}
		case 9:
			cmd = []string{"LTRIM", key, index(), index()}
			if rng.IntN(2) == 0 {
				cmd = []string{"LTRIM", key, "0", strconv.Itoa(rng.IntN(60))}
			}
		case 10:
			cmd = []string{"LSET", key, index(), elem()}
		case 11:
			cmd = []string{"LPOS", key, elem()}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "RANK", strconv.Itoa(rng.IntN(7)-3))
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(rng.IntN(3)))
			}
			if rng.IntN(3) == 0 {
				cmd = append(cmd, "MAXLEN", strconv.Itoa(rng.IntN(10)))
			}
		}
		counts[cmd[0]]++
		d.do(cmd...)
		if i%100 == 99 {
			for _, k := range keys {
				d.do("LRANGE", k, "0", "-1")
			}
		}
	}
	for _, k := range keys {
		d.do("LRANGE", k, "0", "-1")
	}
	d.checkStats("random")
	d.checkKeyspace("random")
	if d.cases < steps+2 {
		t.Fatalf("only %d commands compared", d.cases)
	}
	for _, c := range []string{"LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "LINSERT", "LREM", "LTRIM", "LSET", "LPOS"} {
		if counts[c] < 50 {
			t.Errorf("only %d %s commands generated", counts[c], c)
		}
	}
	t.Logf("%d cases: %v", d.cases, counts)
}
