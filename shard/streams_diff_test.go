package shard_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// The stream differential tests reuse stringsDiff (strings_diff_test.go):
// the same commands go to Shoal (four shards) and to redis-server 7.0, and
// the reply bytes must be equal. Replies that carry clock readings (idle
// times, delivery and seen times) are compared with those numbers masked.

var streamCommands = []string{
	"xadd", "xrange", "xrevrange", "xlen", "xdel", "xtrim", "xread", "xsetid", "xgroup", "xgroup|create",
	"xgroup|destroy", "xgroup|help", "xgroup|setid", "xgroup|createconsumer", "xgroup|delconsumer",
	"xreadgroup", "xack", "xpending", "xclaim", "xautoclaim", "xinfo", "xinfo|stream", "xinfo|help",
	"xinfo|consumers", "xinfo|groups",
}

// TestStreamsDiffCommandTable compares what COMMAND INFO and COMMAND DOCS
// say about the stream commands and their subcommands.
func TestStreamsDiffCommandTable(t *testing.T) { diffCommandTable(t, streamCommands) }

// showTyped prints a reply with its types, so that masked replies are
// compared as strictly as raw bytes.
func showTyped(v proto.Value) string {
	switch v.Kind {
	case proto.KindArray, proto.KindSet, proto.KindMap:
		if v.Null {
			return "nil*"
		}
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = showTyped(e)
		}
		return fmt.Sprintf("%d[%s]", v.Kind, strings.Join(parts, " "))
	case proto.KindInt:
		return ":" + strconv.FormatInt(v.Int, 10)
	}
	if v.Null {
		return "nil"
	}
	return fmt.Sprintf("%d%q", v.Kind, v.Str)
}

// maskTimes replaces clock readings in a reply: integers that look like
// unix milliseconds, the values of "idle" fields, and (idleAt >= 0) the
// element idleAt of every 4-element array (XPENDING's idle column).
func maskTimes(v *proto.Value, idleAt int) {
	if v.Kind == proto.KindInt && v.Int > 1e12 {
		v.Int = -1
	}
	if idleAt >= 0 && len(v.Elems) == 4 && v.Elems[idleAt].Kind == proto.KindInt {
		v.Elems[idleAt].Int = -1
	}
	for i := range v.Elems {
		if i > 0 && string(v.Elems[i-1].Str) == "idle" && v.Elems[i].Kind == proto.KindInt {
			v.Elems[i].Int = -1
		}
		maskTimes(&v.Elems[i], idleAt)
	}
}

// doMasked compares a reply with its clock readings masked.
func (d *stringsDiff) doMasked(idleAt int, args ...string) {
	d.t.Helper()
	d.cases++
	got, want := readValue(d.t, d.shoal.Do(args...)), readValue(d.t, d.redis.Do(args...))
	maskTimes(&got, idleAt)
	maskTimes(&want, idleAt)
	if gs, ws := showTyped(got), showTyped(want); gs != ws {
		d.t.Errorf("%s:\n shoal %s\n redis %s", quoteArgs(args), gs, ws)
	}
}

var autoIDReply = regexp.MustCompile(`^\$\d+\r\n[1-9]\d{12}-\d+\r\n$`)

func TestStreamsDiffBasics(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")

	f("XADD", "s", "0-0", "f", "v")
	f("XADD", "s", "0", "f", "v")
	f("XADD", "s", "0-*", "f", "v")
	f("XADD", "s", "0-*", "f", "v")
	f("XADD", "s", "5", "f", "v")
	f("XADD", "s", "5", "f", "v")
	f("XADD", "s", "5-*", "f", "v")
	f("XADD", "s", "4-*", "f", "v")
	f("XADD", "s", "abc", "f", "v")
	f("XADD", "s", "1-2-3", "f", "v")
	f("XADD", "s", "f", "v")
	f("XADD", "s", "*", "f")
	f("XADD", "s", "*", "f", "v", "g")
	f("XADD", "s", "MAXLEN", "5")
	f("XADD", "nos", "NOMKSTREAM", "*", "f", "v")
	f("EXISTS", "nos")
	f("XADD", "s", "MAXLEN", "-1", "*", "f", "v")
	f("XADD", "s", "MAXLEN", "abc", "*", "f", "v")
	f("XADD", "s", "MAXLEN", "~", "*", "f", "v")
	f("XADD", "s", "LIMIT", "5", "*", "f", "v")
	f("XADD", "s", "LIMIT", "0", "*", "f", "v")
	f("XADD", "s", "MAXLEN", "5", "LIMIT", "5", "*", "f", "v")
	f("XADD", "s", "MAXLEN", "5", "MINID", "4", "*", "f", "v")
	f("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "*", "f", "v")
	f("XADD", "s", "MINID", "abc", "*", "f", "v")
	f("XADD", "s", "MINID", "-", "*", "f", "v")
	f("XADD", "s", "NOMKSTREAM", "6-0", "f", "v", "g", "w")
	f("XADD", "str", "*", "f", "v")
	f("XADD", "str", "NOMKSTREAM", "*", "f", "v")
	f("XADD", "big", "18446744073709551615-18446744073709551615", "f", "v")
	f("XADD", "big", "*", "f", "v")
	f("XADD", "big", "18446744073709551615-*", "f", "v")
	f("XADD", "big2", "18446744073709551615-*", "f", "v")
	f("XADD", "big2", "18446744073709551615-*", "f", "v")
	f("XADD", "odd", " +7-+3", "f", "v")
	f("XADD", "odd", "8- -5", "f", "v")
	f("XADD", "odd", "9-0x1", "f", "v")
	f("XADD", "odd", "009-01", "f", "v")
	f("XADD", "odd", "+", "f", "v")
	f("XADD", "odd", "-", "f", "v")
	f("XADD", "odd", "18446744073709551616", "f", "v")
	f("XADD", "odd", "10\x00junk", "f\x00", "v\x00v")
	f("XRANGE", "odd", "-", "+")
	f("XLEN", "s")
	f("XLEN", "nos")
	f("XLEN", "str")
	f("XLEN", "big")

	f("DEL", "s")
	f("XADD", "s", "1-1", "a", "1")
	f("XADD", "s", "1-2", "b", "2", "c", "3")
	f("XADD", "s", "2-0", "a", "1")
	f("XADD", "s", "3-0", "a", "")
	for _, r := range [][]string{
		{"-", "+"}, {"(1-1", "+"}, {"-", "(2-0"}, {"(", "+"}, {"((1", "+"}, {"1", "1"}, {"1-2", "1-2"},
		{"(18446744073709551615-18446744073709551615", "+"}, {"-", "(0-0"}, {"(-", "+"}, {"x", "+"}, {"-", "x"},
		{"3", "1"}, {"2", "+"}, {"-", "1"}, {"(1-2", "(2-0"}, {"(0", "+"},
	} {
		f("XRANGE", "s", r[0], r[1])
		f("XREVRANGE", "s", r[1], r[0])
	}
	f("XRANGE", "s", "-", "+", "COUNT", "0")
	f("XRANGE", "s", "-", "+", "COUNT", "-5")
	f("XRANGE", "s", "-", "+", "COUNT", "2")
	f("XRANGE", "s", "-", "+", "count", "1", "COUNT", "3")
	f("XRANGE", "s", "-", "+", "foo")
	f("XRANGE", "s", "-", "+", "COUNT")
	f("XRANGE", "s", "-", "+", "COUNT", "x")
	f("XREVRANGE", "s", "+", "-", "COUNT", "1")
	f("XRANGE", "nokey", "-", "+")
	f("XRANGE", "nokey", "-", "+", "COUNT", "0")
	f("XRANGE", "nokey", "x", "+")
	f("XRANGE", "str", "-", "+")
	f("XRANGE", "str", "x", "y")

	f("XDEL", "s", "1-1", "9-9")
	f("XDEL", "s", "x")
	f("XDEL", "nokey", "x")
	f("XDEL", "s", "1")
	f("XDEL", "str", "1")
	f("XDEL", "s", "1-2", "1-2")
	f("XRANGE", "s", "-", "+")
	f("XINFO", "STREAM", "s")
	f("XDEL", "s", "2-0", "3-0")
	f("XINFO", "STREAM", "s")
	f("XLEN", "s")
	f("EXISTS", "s")
	f("XADD", "s", "2-0", "f", "v")
	f("XADD", "s", "3-1", "f", "v")
	f("XINFO", "STREAM", "s")

	f("XSETID", "s", "1-0")
	f("XSETID", "s", "3-1")
	f("XSETID", "s", "300-0")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "0")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "5")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "250", "MAXDELETEDID", "400-0")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "250", "MAXDELETEDID", "100-0")
	f("XSETID", "s", "300-0", "MAXDELETEDID", "50-0")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "-1")
	f("XSETID", "s", "300-0", "ENTRIESADDED", "x")
	f("XSETID", "s", "300-0", "foo")
	f("XSETID", "s", "300-0", "ENTRIESADDED")
	f("XSETID", "nokey", "1-1")
	f("XSETID", "str", "1-1")
	f("XSETID", "s", "abc")
	f("XSETID", "s", "-")
	f("XINFO", "STREAM", "s")
	f("XADD", "s", "300-0", "f", "v")
	f("XADD", "s", "300-*", "f", "v")

	// Trimming, exact and approximate, by length and by ID.
	f("DEL", "t")
	for i := 1; i <= 250; i++ {
		f("XADD", "t", strconv.Itoa(i)+"-0", "f", "v")
	}
	f("XINFO", "STREAM", "t")
	f("XTRIM", "t", "MAXLEN", "~", "120")
	f("XLEN", "t")
	f("XTRIM", "t", "MAXLEN", "~", "10", "LIMIT", "50")
	f("XTRIM", "t", "MAXLEN", "~", "10", "LIMIT", "0")
	f("XTRIM", "t", "MINID", "~", "180")
	f("XTRIM", "t", "MINID", "=", "190")
	f("XINFO", "STREAM", "t")
	f("XTRIM", "t", "MAXLEN", "55")
	f("XTRIM", "t", "MAXLEN", "=", "55")
	f("XINFO", "STREAM", "t")
	f("XRANGE", "t", "-", "+", "COUNT", "3")
	f("XTRIM", "t", "MAXLEN", "~", "0")
	f("XINFO", "STREAM", "t")
	f("XTRIM", "t")
	f("XTRIM", "t", "foo", "1")
	f("XTRIM", "t", "MAXLEN", "1", "NOMKSTREAM")
	f("XTRIM", "t", "MAXLEN")
	f("XTRIM", "t", "MAXLEN", "~")
	f("XTRIM", "t", "LIMIT", "5", "MAXLEN", "1")
	f("XTRIM", "t", "MAXLEN", "10", "LIMIT", "5")
	f("XTRIM", "nokey", "MAXLEN", "1")
	f("XTRIM", "str", "MAXLEN", "1")
	f("XTRIM", "t", "MINID", "x")
	for i := 251; i <= 500; i++ {
		f("XADD", "t", "MAXLEN", "~", "100", strconv.Itoa(i)+"-0", "f", "v")
	}
	f("XINFO", "STREAM", "t")
	f("XADD", "t", "MAXLEN", "~", "10", "LIMIT", "50", "501-0", "f", "v")
	f("XADD", "t", "MINID", "~", "450", "502-0", "f", "v")
	f("XADD", "t", "MAXLEN", "=", "3", "503-0", "f", "v")
	f("XINFO", "STREAM", "t")

	// Node boundaries follow Redis's listpack sizes.
	for _, size := range []int{10, 63, 64, 1000, 1003, 4090, 5000} {
		key := "sz" + strconv.Itoa(size)
		for i := 1; i <= 12; i++ {
			f("XADD", key, strconv.Itoa(i)+"-0", "field", strings.Repeat("x", size), "n", strconv.Itoa(i*1000))
		}
		f("XINFO", "STREAM", key)
		f("XTRIM", key, "MAXLEN", "~", "3")
		f("XLEN", key)
	}
	f("XADD", "mixed", "1-0", "a", "1", "b", "2")
	f("XADD", "mixed", "2-0", "b", "1", "a", "2")
	f("XADD", "mixed", "3-0", "a", "1")
	f("XADD", "mixed", "4-0", "a", "1", "b", "2")
	f("XADD", "mixed", "5-5", "12345", "-17")
	f("XRANGE", "mixed", "-", "+")
	f("XREVRANGE", "mixed", "+", "-", "COUNT", "2")

	f("OBJECT", "ENCODING", "s")
	f("TYPE", "s")
	f("COPY", "s", "s-copy")
	f("XRANGE", "s-copy", "-", "+")
	f("XINFO", "STREAM", "s-copy")

	// Auto IDs: compared by shape.
	for _, args := range [][]string{{"XADD", "auto", "*", "f", "v"}, {"XADD", "auto", "MAXLEN", "~", "1", "*", "f", "v"}} {
		d.cases++
		got, want := d.shoal.Do(args...), d.redis.Do(args...)
		if !autoIDReply.MatchString(got) || !autoIDReply.MatchString(want) {
			t.Errorf("%s: shoal %q, redis %q", quoteArgs(args), got, want)
		}
	}

	d.hello("3")
	f("XINFO", "STREAM", "s")
	f("XINFO", "STREAM", "nokey")
	f("XRANGE", "s", "-", "+")
	f("XRANGE", "s", "-", "+", "COUNT", "0")
	f("XADD", "nos", "NOMKSTREAM", "*", "f", "v")
	d.hello("2")
	t.Logf("%d cases", d.cases)
}

func TestStreamsDiffGroups(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "str", "v")
	for i := 1; i <= 10; i++ {
		f("XADD", "s", strconv.Itoa(i)+"-0", "f", "v"+strconv.Itoa(i))
	}

	f("XGROUP", "HELP")
	f("XGROUP", "help", "x")
	f("XINFO", "HELP")
	f("XGROUP")
	f("XGROUP", "foo")
	f("XGROUP", "CREATE", "s")
	f("XGROUP", "CREATE", "nos", "g", "0")
	f("XGROUP", "CREATE", "str", "g", "0")
	f("XGROUP", "CREATE", "s", "g", "0", "foo")
	f("XGROUP", "CREATE", "nos", "g", "0", "foo")
	f("XGROUP", "CREATE", "s", "g", "x")
	f("XGROUP", "CREATE", "s", "g", "-")
	f("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "-2")
	f("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "x")
	f("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD")
	f("XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "5", "MKSTREAM", "MKSTREAM")
	f("XGROUP", "CREATE", "s", "g", "0")
	f("XGROUP", "CREATE", "s", "g", "0")
	f("XGROUP", "CREATE", "s", "g2", "$")
	f("XGROUP", "CREATE", "s", "g3", "5-0")
	f("XGROUP", "CREATE", "s", "g4", "5-0", "ENTRIESREAD", "3")
	f("XGROUP", "CREATE", "s", "a\x00b", "0")
	f("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM")
	f("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM")
	f("XINFO", "STREAM", "new")
	f("XGROUP", "CREATE", "new2", "g", "7-7", "mkstream", "entriesread", "-1")
	f("XINFO", "GROUPS", "new2")
	f("XINFO", "GROUPS", "s")
	f("XDEL", "s", "7-0")
	f("XINFO", "GROUPS", "s")

	f("XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g3", "c", "COUNT", "1", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g4", "c", "COUNT", "2", "STREAMS", "s", ">")
	f("XINFO", "GROUPS", "s")
	f("XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g4", "c", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g4", "c", "STREAMS", "s", ">")
	f("XINFO", "GROUPS", "s")
	f("XINFO", "STREAM", "s")
	d.doMasked(-1, "XINFO", "STREAM", "s", "FULL")
	d.doMasked(-1, "XINFO", "STREAM", "s", "FULL", "COUNT", "2")
	d.doMasked(-1, "XINFO", "STREAM", "s", "FULL", "COUNT", "0")
	d.doMasked(-1, "XINFO", "STREAM", "s", "FULL", "COUNT", "-1")
	f("XINFO", "STREAM", "s", "FULL", "COUNT")
	f("XINFO", "STREAM", "s", "FULL", "COUNT", "abc")
	f("XINFO", "STREAM", "s", "foo")
	f("XINFO", "STREAM", "s", "FULL", "foo", "1")
	f("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "COUNT", "2")
	f("XINFO", "STREAM", "nos", "foo")
	f("XINFO", "STREAM", "nos")
	f("XINFO", "GROUPS", "nos")
	f("XINFO", "CONSUMERS", "nos", "g")
	f("XINFO", "STREAM", "str")
	f("XINFO", "GROUPS", "str")
	f("XINFO", "CONSUMERS", "str", "g")
	f("XINFO", "CONSUMERS", "s", "nog")
	f("XINFO", "foo")
	f("XINFO")
	d.doMasked(-1, "XINFO", "CONSUMERS", "s", "g")

	// History reads, acknowledgements, pending lists.
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0")
	f("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", "3")
	f("XREADGROUP", "GROUP", "g", "other", "STREAMS", "s", "0")
	f("XACK", "s", "g", "1-0", "2-0", "77-0")
	f("XACK", "s", "g", "1-0")
	f("XACK", "s", "g", "x")
	f("XACK", "s", "nog", "x")
	f("XACK", "nos", "g", "1-0")
	f("XACK", "str", "g", "1-0")
	f("XPENDING", "s", "g")
	f("XPENDING", "s", "g2")
	f("XPENDING", "s", "nog")
	f("XPENDING", "nos", "g")
	f("XPENDING", "str", "g")
	f("XPENDING", "s", "g", "-")
	f("XPENDING", "s", "g", "-", "+")
	f("XPENDING", "s", "g", "-", "+", "x")
	f("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10")
	f("XPENDING", "s", "g", "IDLE", "10", "-", "+")
	f("XPENDING", "s", "g", "x", "+", "10")
	f("XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "10")
	f("XPENDING", "s", "g", "-", "(0-0", "10")
	f("XPENDING", "s", "g", "-", "+", "10", "nosuch")
	f("XPENDING", "s", "g", "-", "+", "0")
	f("XPENDING", "s", "g", "-", "+", "-1")
	f("XPENDING", "s", "g", "IDLE", "100000000", "-", "+", "10")
	d.doMasked(2, "XPENDING", "s", "g", "-", "+", "10")
	d.doMasked(2, "XPENDING", "s", "g", "-", "+", "3", "c")
	d.doMasked(2, "XPENDING", "s", "g", "(3-0", "(9-0", "10", "c", "extra")
	d.doMasked(2, "XPENDING", "s", "g", "IDLE", "-5", "-", "+", "10", "c")
	d.doMasked(2, "XPENDING", "s", "g", "IDLE", "0", "-", "+", "10")
	d.doMasked(2, "XPENDING", "s", "g", "-", "+", "10", "c", "extra", "more")
	f("XPENDING", "s", "g", "-", "+", "10", "c", "extra", "more", "andmore")

	// Claiming.
	f("XDEL", "s", "4-0")
	f("XCLAIM", "s", "g", "c2", "0", "3-0", "4-0", "5-0", "99-0", "JUSTID")
	f("XCLAIM", "s", "g", "c2", "0", "6-0")
	f("XCLAIM", "s", "g", "c2", "0", "6-0", "RETRYCOUNT", "7")
	f("XCLAIM", "s", "g", "c2", "100000000", "6-0")
	f("XCLAIM", "s", "g", "c3", "100000000", "8-0", "JUSTID")
	d.doMasked(-1, "XINFO", "CONSUMERS", "s", "g")
	f("XCLAIM", "s", "g", "c3", "0", "2-0", "JUSTID")
	f("XCLAIM", "s", "g", "c3", "0", "2-0", "FORCE", "JUSTID")
	f("XCLAIM", "s", "g", "c3", "0", "7-0", "FORCE", "JUSTID")
	f("XCLAIM", "s", "g", "c3", "0", "1-0", "FORCE")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "IDLE", "5", "TIME", "7", "RETRYCOUNT", "2", "LASTID", "9-0")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "LASTID", "x")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "IDLE", "x")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "TIME", "x")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "RETRYCOUNT", "x")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "BOGUS")
	f("XCLAIM", "s", "g", "c3", "0", "8-0", "IDLE")
	f("XCLAIM", "s", "g", "c3", "x", "8-0")
	f("XCLAIM", "s", "g", "c3", "0", "FORCE")
	f("XCLAIM", "s", "nog", "c3", "0", "8-0")
	f("XCLAIM", "nos", "g", "c3", "0", "8-0")
	f("XCLAIM", "str", "g", "c3", "0", "8-0")
	f("XCLAIM", "s", "g2", "c", "0", "9-0", "LASTID", "10-0")
	f("XCLAIM", "s", "g3", "c", "0", "9-0", "LASTID", "10-0")
	f("XINFO", "GROUPS", "s")
	f("XPENDING", "s", "g")

	for i := 11; i <= 20; i++ {
		f("XADD", "s", strconv.Itoa(i)+"-0", "f", "v"+strconv.Itoa(i))
	}
	f("XREADGROUP", "GROUP", "g", "c1", "COUNT", "6", "STREAMS", "s", ">")
	f("XDEL", "s", "12-0", "14-0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "11", "COUNT", "2")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "11", "COUNT", "2", "JUSTID")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0-0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "(11-0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "x")
	f("XAUTOCLAIM", "s", "g", "c2", "-1", "0", "COUNT", "3")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "-1")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "1000000", "JUSTID")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "576460752303423488")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "foo")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT")
	f("XAUTOCLAIM", "s", "nog", "c2", "0", "0")
	f("XAUTOCLAIM", "nos", "g", "c2", "0", "0")
	f("XAUTOCLAIM", "str", "g", "c2", "0", "0")
	f("XAUTOCLAIM", "s", "g", "c2", "abc", "0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "(18446744073709551615-18446744073709551615")
	f("XAUTOCLAIM", "s", "g", "c9", "100000000", "0")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "COUNT", "2", "COUNT", "3")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "18446744073709551615-18446744073709551615")
	d.doMasked(-1, "XINFO", "CONSUMERS", "s", "g")
	f("XPENDING", "s", "g")

	// Consumers and groups coming and going.
	f("XGROUP", "CREATECONSUMER", "s", "g", "c5")
	f("XGROUP", "CREATECONSUMER", "s", "g", "c5")
	f("XGROUP", "CREATECONSUMER", "s", "nog", "c5")
	f("XGROUP", "CREATECONSUMER", "nos", "g", "c5")
	f("XGROUP", "DELCONSUMER", "s", "g", "c2")
	f("XGROUP", "DELCONSUMER", "s", "g", "c2")
	f("XGROUP", "DELCONSUMER", "s", "nog", "c2")
	f("XGROUP", "DELCONSUMER", "nos", "g", "c2")
	f("XPENDING", "s", "g")
	f("XGROUP", "SETID", "s", "g", "0")
	f("XGROUP", "SETID", "s", "g", "$")
	f("XGROUP", "SETID", "s", "g", "-")
	f("XGROUP", "SETID", "s", "g", "+")
	f("XINFO", "GROUPS", "s")
	f("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "2")
	f("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "-2")
	f("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD")
	f("XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "5", "x")
	f("XGROUP", "SETID", "s", "g", "3", "foo", "1")
	f("XGROUP", "SETID", "s", "g", "bad", "ENTRIESREAD", "x")
	f("XGROUP", "SETID", "s", "g", "bad")
	f("XGROUP", "SETID", "s", "nog", "0")
	f("XGROUP", "SETID", "nos", "g", "0")
	f("XGROUP", "SETID", "nos", "g", "0", "foo", "1")
	f("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "1", "ENTRIESREAD", "2")
	f("XINFO", "GROUPS", "s")
	f("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">")
	f("XINFO", "GROUPS", "s")
	f("XGROUP", "DESTROY", "s", "g3")
	f("XGROUP", "DESTROY", "s", "g3")
	f("XGROUP", "DESTROY", "nos", "g3")
	f("XGROUP", "DESTROY", "str", "g3")
	f("XGROUP", "DELCONSUMER", "str", "g", "c")
	f("XINFO", "GROUPS", "s")

	// XREADGROUP's and XREAD's arguments.
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$")
	f("XREADGROUP", "COUNT", "1", "STREAMS", "s", "0")
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s")
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", "0")
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "nos", ">", ">")
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">")
	f("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x")
	f("XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "-3", "STREAMS", "s", "0")
	f("XREAD", "STREAMS", "s", ">")
	f("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0")
	f("XREAD", "NOACK", "STREAMS", "s", "0")
	f("XREAD", "COUNT", "1", "STREAMS", "s")
	f("XREAD", "COUNT", "1", "STREAMS", "s", "s", "0")
	f("XREAD", "BLOCK", "-1", "STREAMS", "s", "0")
	f("XREAD", "BLOCK", "x", "STREAMS", "s", "0")
	f("XREAD", "BLOCK", "0", "foo", "s", "0")
	f("XREAD", "COUNT", "2", "STREAMS", "s", "nos", "str", "0", "0", "0")
	f("XREAD", "COUNT", "2", "STREAMS", "s", "nos", "0", "0")
	f("XREAD", "COUNT", "2", "STREAMS", "s", "nos", "$", "$")
	f("XREAD", "COUNT", "2", "STREAMS", "s", "new", "18", "0")
	f("XREAD", "STREAMS", "s", "18446744073709551615-18446744073709551615")
	f("XREAD", "COUNT", "0", "STREAMS", "s", "15")
	f("XREAD", "COUNT", "1", "BLOCK", "100", "STREAMS", "s", "s", "15", "0")
	f("MULTI")
	f("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	f("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
	f("EXEC")

	// NOACK reads and reads that move another consumer's entries.
	f("XGROUP", "CREATE", "s", "na", "0")
	f("XREADGROUP", "GROUP", "na", "c1", "NOACK", "COUNT", "3", "STREAMS", "s", ">")
	f("XREADGROUP", "GROUP", "na", "c1", "COUNT", "2", "STREAMS", "s", ">")
	f("XGROUP", "SETID", "na", "na", "0")
	f("XGROUP", "SETID", "s", "na", "0")
	f("XREADGROUP", "GROUP", "na", "c2", "COUNT", "6", "STREAMS", "s", ">")
	f("XPENDING", "s", "na")
	f("XINFO", "GROUPS", "s")

	// Several streams at once, some on other shards.
	f("XADD", "s2", "1-0", "x", "1")
	f("XGROUP", "CREATE", "s2", "g", "0")
	f("XREADGROUP", "GROUP", "g", "cm", "STREAMS", "s", "s2", ">", ">")
	f("XREADGROUP", "GROUP", "g", "cm", "STREAMS", "s", "s2", "0", "0")
	f("XREAD", "STREAMS", "s2", "s", "0", "17")

	d.hello("3")
	f("XREAD", "STREAMS", "s2", "s", "0", "17")
	f("XREAD", "STREAMS", "s2", "$")
	f("XINFO", "GROUPS", "s")
	f("XPENDING", "s", "g")
	f("XPENDING", "s", "nogroupyet")
	f("XGROUP", "CREATE", "s", "empty", "$")
	f("XPENDING", "s", "empty")
	f("XAUTOCLAIM", "s", "g", "c2", "0", "0", "JUSTID")
	d.doMasked(-1, "XINFO", "STREAM", "s", "FULL")
	d.doMasked(-1, "XINFO", "CONSUMERS", "s", "g")
	d.hello("2")
	t.Logf("%d cases", d.cases)
}

// TestStreamsDiffRandom runs random stream commands, with explicit IDs
// drawn so that they collide, against both servers and compares every
// reply, then the whole state of each stream.
func TestStreamsDiffRandom(t *testing.T) {
	d := newStringsDiff(t)
	rng := rand.New(rand.NewPCG(42, 7))
	keys := []string{"rs1", "rs2"}
	groups := []string{"g0", "g1", "g2"}
	consumers := []string{"c0", "c1", "c2", "c3"}
	ms := 1
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	id := func() string {
		switch rng.IntN(10) {
		case 0:
			return "-"
		case 1:
			return "+"
		case 2:
			return strconv.Itoa(rng.IntN(ms + 2))
		}
		return fmt.Sprintf("%d-%d", rng.IntN(ms+2), rng.IntN(3))
	}
	// added holds IDs XADD returned, so that commands naming entries
	// often name existing ones.
	var added []string
	strictID := func() string {
		if len(added) > 0 && rng.IntN(3) > 0 {
			return added[len(added)-1-rng.IntN(min(len(added), 60))]
		}
		return fmt.Sprintf("%d-%d", rng.IntN(ms+2), rng.IntN(3))
	}
	bound := func() string {
		if rng.IntN(4) == 0 {
			return "(" + strictID()
		}
		return id()
	}
	trim := func() []string {
		var out []string
		if rng.IntN(2) == 0 {
			out = []string{"MAXLEN"}
		} else {
			out = []string{"MINID"}
		}
		approx := rng.IntN(2) == 0
		switch {
		case approx:
			out = append(out, "~")
		case rng.IntN(2) == 0:
			out = append(out, "=")
		}
		if out[0] == "MAXLEN" {
			out = append(out, strconv.Itoa(rng.IntN(300)))
		} else {
			out = append(out, strictID())
		}
		if approx && rng.IntN(3) == 0 {
			out = append(out, "LIMIT", strconv.Itoa(rng.IntN(250)))
		}
		return out
	}
	useful := map[string]int{}
	for step := 0; step < 3000; step++ {
		key, g, c := pick(keys), pick(groups), pick(consumers)
		var cmd []string
		switch op := rng.IntN(100); {
		case op < 40:
			cmd = []string{"XADD", key}
			if rng.IntN(8) == 0 {
				cmd = append(cmd, trim()...)
			}
			ms += rng.IntN(3)
			switch rng.IntN(10) {
			case 0:
				cmd = append(cmd, strconv.Itoa(ms)+"-*")
			case 1:
				cmd = append(cmd, strictID())
			default:
				cmd = append(cmd, fmt.Sprintf("%d-%d", ms, rng.IntN(3)))
			}
			cmd = append(cmd, "f", strconv.Itoa(rng.IntN(1000)))
			if rng.IntN(4) == 0 {
				cmd = append(cmd, "other", strings.Repeat("x", rng.IntN(200)))
			}
		case op < 47:
			cmd = []string{"XDEL", key}
			for range 1 + rng.IntN(3) {
				cmd = append(cmd, strictID())
			}
		case op < 50:
			cmd = append([]string{"XTRIM", key}, trim()...)
		case op < 55:
			cmd = []string{"XRANGE", key, bound(), bound()}
			if rng.IntN(2) == 0 {
				cmd[0] = "XREVRANGE"
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(rng.IntN(5)))
			}
		case op < 58:
			cmd = []string{"XGROUP", "CREATE", key, g, id()}
			if rng.IntN(3) == 0 {
				cmd[4] = "$"
			}
			if rng.IntN(3) == 0 {
				cmd = append(cmd, "ENTRIESREAD", strconv.Itoa(rng.IntN(20)))
			}
		case op < 60:
			cmd = []string{"XGROUP", "SETID", key, g, id()}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "ENTRIESREAD", strconv.Itoa(rng.IntN(20)))
			}
		case op < 61:
			cmd = []string{"XGROUP", "DESTROY", key, g}
		case op < 62:
			cmd = []string{"XGROUP", "DELCONSUMER", key, g, c}
		case op < 75:
			cmd = []string{"XREADGROUP", "GROUP", g, c, "COUNT", strconv.Itoa(rng.IntN(4))}
			if rng.IntN(4) == 0 {
				cmd = append(cmd, "NOACK")
			}
			cmd = append(cmd, "STREAMS", key)
			if rng.IntN(3) == 0 {
				cmd = append(cmd, strictID())
			} else {
				cmd = append(cmd, ">")
			}
		case op < 78:
			cmd = []string{"XREAD", "COUNT", strconv.Itoa(rng.IntN(4)), "STREAMS", keys[0], keys[1], strictID(), strictID()}
		case op < 84:
			cmd = []string{"XACK", key, g}
			for range 1 + rng.IntN(3) {
				cmd = append(cmd, strictID())
			}
		case op < 88:
			cmd = []string{"XCLAIM", key, g, c, "0"}
			for range 1 + rng.IntN(3) {
				cmd = append(cmd, strictID())
			}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "JUSTID")
			}
			if rng.IntN(4) == 0 {
				cmd = append(cmd, "FORCE")
			}
			if rng.IntN(4) == 0 {
				cmd = append(cmd, "LASTID", strictID())
			}
		case op < 91:
			cmd = []string{"XAUTOCLAIM", key, g, c, "0", bound(), "COUNT", strconv.Itoa(1 + rng.IntN(4))}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "JUSTID")
			}
		case op < 93:
			cmd = []string{"XPENDING", key, g}
		case op < 95:
			cmd = []string{"XINFO", "GROUPS", key}
		case op < 97:
			cmd = []string{"XINFO", "STREAM", key}
		case op < 98:
			cmd = []string{"XLEN", key}
		default:
			cmd = []string{"XSETID", key, fmt.Sprintf("%d-%d", ms+rng.IntN(2), rng.IntN(3))}
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "ENTRIESADDED", strconv.Itoa(rng.IntN(400)))
			}
			if rng.IntN(3) == 0 {
				cmd = append(cmd, "MAXDELETEDID", strictID())
			}
		}
		d.cases++
		got, want := d.shoal.Do(cmd...), d.redis.Do(cmd...)
		if got != want {
			t.Fatalf("step %d: %s:\n shoal %q\n redis %q", step, quoteArgs(cmd), got, want)
		}
		if cmd[0] == "XADD" && got[0] == '$' {
			added = append(added, strings.Split(got, "\r\n")[1])
		}
		// Count the replies that did something, per command.
		if got[0] != '-' && got != "*0\r\n" && got != ":0\r\n" && got != "*-1\r\n" {
			useful[cmd[0]]++
		}
	}
	for _, name := range []string{"XADD", "XDEL", "XTRIM", "XRANGE", "XREVRANGE", "XGROUP", "XREADGROUP", "XREAD", "XACK", "XCLAIM", "XAUTOCLAIM", "XPENDING", "XINFO", "XSETID"} {
		if useful[name] < 5 {
			t.Errorf("only %d useful replies to %s", useful[name], name)
		}
	}
	t.Logf("useful replies: %v", useful)
	for _, key := range keys {
		d.doMasked(2, "XINFO", "STREAM", key, "FULL", "COUNT", "0")
		for _, g := range groups {
			d.doMasked(2, "XPENDING", key, g, "-", "+", "1000")
		}
	}
	if d.cases < 3000 {
		t.Fatalf("only %d cases ran", d.cases)
	}
	t.Logf("%d cases", d.cases)
}

// journalCommands parses a stream of RESP commands (an AOF file, Shoal's
// journal) into one line per command, with clock readings (XCLAIM's TIME,
// IDs generated from the clock) masked.
func journalCommands(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		v, n, err := proto.ReadValue(b)
		if err != nil {
			t.Fatalf("bad journal at %q: %v", b[:min(len(b), 80)], err)
		}
		b = b[n:]
		args := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			args[i] = clockReading.ReplaceAllString(string(e.Str), "T")
		}
		out = append(out, strings.Join(args, " "))
	}
	return out
}

var clockReading = regexp.MustCompile(`^[1-9]\d{12}\b`)

// TestStreamsDiffJournal compares Shoal's write effects with what
// redis-server 7.0 appends to its AOF for the same commands: the rewritten
// XADD and trims, XREADGROUP and XAUTOCLAIM as XCLAIMs, group IDs and
// consumer creations, and nothing for writes that changed nothing.
func TestStreamsDiffJournal(t *testing.T) {
	redisAddr := servertest.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	redis := servertest.Dial(t, redisAddr)
	srv := servertest.Start(t, "--shards", "1")
	journal := srv.RecordJournal(t)
	shoal := servertest.Dial(t, srv.Addr)
	cmds := [][]string{
		{"XADD", "s", "1-0", "a", "1"},
		{"XADD", "s", "2-*", "b", "2"},
		{"xadd", "s", "*", "c", "3"},
		{"XADD", "nos", "NOMKSTREAM", "*", "f", "v"},
		{"XADD", "s", "1-0", "too", "small"},
		{"XDEL", "s", "99-0"},
		{"XSETID", "s", "99999999999999-0"},
		{"DEL", "s"},
	}
	for i := 1; i <= 250; i++ {
		cmds = append(cmds, []string{"XADD", "s", strconv.Itoa(i) + "-0", "f", "v"})
	}
	cmds = append(cmds, [][]string{
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "nc", "NOACK", "COUNT", "2", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"},
		{"XREADGROUP", "GROUP", "g", "h1", "STREAMS", "s", "0"},
		{"XREADGROUP", "GROUP", "g", "h2", "NOACK", "STREAMS", "s", "0"},
		{"XDEL", "s", "4-0"},
		{"XCLAIM", "s", "g", "c2", "0", "3-0", "4-0", "5-0", "99-0"},
		{"XCLAIM", "s", "g", "c2", "0", "99-0"},
		{"XCLAIM", "s", "g", "c2", "0", "99-0", "LASTID", "6-0"},
		{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "6", "STREAMS", "s", ">"},
		{"XDEL", "s", "8-0", "9-0"},
		{"XAUTOCLAIM", "s", "g", "c3", "0", "0", "COUNT", "4"},
		{"XAUTOCLAIM", "s", "g", "c3", "0", "0", "COUNT", "10", "JUSTID"},
		{"XACK", "s", "g", "3-0", "77-0"},
		{"XACK", "s", "g", "77-0"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "c9"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "c9"},
		{"XGROUP", "DELCONSUMER", "s", "g", "zz"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c9"},
		{"XGROUP", "SETID", "s", "g", "5-0", "ENTRIESREAD", "3"},
		{"XGROUP", "DESTROY", "s", "nog"},
		{"XTRIM", "s", "MAXLEN", "~", "120"},
		{"XTRIM", "s", "MAXLEN", "~", "120"},
		{"XTRIM", "s", "MINID", "~", "5"},
		{"XTRIM", "s", "MAXLEN", "140"},
		{"XADD", "s", "MAXLEN", "~", "10", "LIMIT", "50", "251-0", "f", "v"},
		{"XADD", "s", "MINID", "~", "200", "*", "f", "v"},
		{"XADD", "s", "MAXLEN", "=", "2", "NOMKSTREAM", "99999999999999-5", "f", "v"},
		{"XADD", "e", "MAXLEN", "~", "0", "1-0", "f", "v"},
		{"XADD", "e", "MINID", "~", "9", "2-0", "f", "v"},
		{"XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"},
		{"XGROUP", "DESTROY", "s", "g"},
		{"XREAD", "STREAMS", "e", "0"},
	}...)
	for _, cmd := range cmds {
		if got, want := shoal.Do(cmd...), redis.Do(cmd...); got != want && !autoIDReply.MatchString(got) {
			t.Fatalf("%s: shoal %q, redis %q", quoteArgs(cmd), got, want)
		}
	}
	dir := readValue(t, redis.Do("CONFIG", "GET", "dir")).Elems[1].Str
	aof, err := os.ReadFile(filepath.Join(string(dir), "appendonlydir", "appendonly.aof.1.incr.aof"))
	if err != nil {
		t.Fatal(err)
	}
	got := journalCommands(t, journal.Bytes())
	want := journalCommands(t, aof)
	if len(want) < 280 {
		t.Fatalf("the AOF holds only %d commands", len(want))
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("journal command %d:\n shoal %s\n redis %s", i, g, w)
		}
	}
	t.Logf("%d journaled commands compared", len(want))
}
