package shard_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// stringsDiff sends the same commands to Shoal and to a real redis-server
// and compares the reply bytes.
type stringsDiff struct {
	t            *testing.T
	shoal, redis *servertest.Raw
	cases        int
	// stats are the last keyspace_hits, keyspace_misses and expired_keys
	// seen on each side, so that checks compare what changed since.
	shoalStats, redisStats [3]int64
}

func newStringsDiff(t *testing.T) *stringsDiff {
	t.Helper()
	redisAddr := servertest.StartRedis(t)
	// Four shards so that multi-key commands (MSET, MGET, LCS) cross shards.
	srv := servertest.Start(t, "--shards", "4")
	d := &stringsDiff{t: t, shoal: servertest.Dial(t, srv.Addr), redis: servertest.Dial(t, redisAddr)}
	d.shoalStats = d.stats(d.shoal)
	d.redisStats = d.stats(d.redis)
	return d
}

// do sends one command to both servers and compares the replies.
func (d *stringsDiff) do(args ...string) {
	d.t.Helper()
	d.cases++
	got, want := d.shoal.Do(args...), d.redis.Do(args...)
	if got != want {
		d.t.Errorf("%s:\n shoal %q\n redis %q", quoteArgs(args), got, want)
	}
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
		if len(q[i]) > 60 {
			q[i] = q[i][:40] + fmt.Sprintf("…(%d bytes)", len(a))
		}
	}
	return strings.Join(q, " ")
}

var statLine = regexp.MustCompile(`(?m)^(keyspace_hits|keyspace_misses|expired_keys):(\d+)\r$`)

func (d *stringsDiff) stats(r *servertest.Raw) [3]int64 {
	d.t.Helper()
	v, _, err := proto.ReadValue([]byte(r.Do("INFO", "stats")))
	if err != nil {
		d.t.Fatal(err)
	}
	var out [3]int64
	found := 0
	for _, m := range statLine.FindAllStringSubmatch(string(v.Str), -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		switch m[1] {
		case "keyspace_hits":
			out[0] = n
		case "keyspace_misses":
			out[1] = n
		case "expired_keys":
			out[2] = n
		}
		found++
	}
	if found != 3 {
		d.t.Fatalf("INFO stats lacks keyspace_hits/keyspace_misses/expired_keys:\n%s", v.Str)
	}
	return out
}

// checkStats compares how keyspace hits, misses and expired keys moved on
// both sides since the last check.
func (d *stringsDiff) checkStats(what string) {
	d.t.Helper()
	d.cases++
	s, r := d.stats(d.shoal), d.stats(d.redis)
	var ds, dr [3]int64
	for i := range s {
		ds[i], dr[i] = s[i]-d.shoalStats[i], r[i]-d.redisStats[i]
	}
	if ds != dr {
		d.t.Errorf("%s: hits, misses, expired changed by %v on shoal, %v on redis", what, ds, dr)
	}
	d.shoalStats, d.redisStats = s, r
}

var keyspaceLine = regexp.MustCompile(`(?m)^db\d+:keys=\d+,expires=\d+`)

// checkKeyspace compares the key and TTL counts per database of INFO
// keyspace (not the time-dependent avg_ttl).
func (d *stringsDiff) checkKeyspace(what string) {
	d.t.Helper()
	d.cases++
	norm := func(r *servertest.Raw) string {
		v, _, err := proto.ReadValue([]byte(r.Do("INFO", "keyspace")))
		if err != nil {
			d.t.Fatal(err)
		}
		return strings.Join(keyspaceLine.FindAllString(string(v.Str), -1), " ")
	}
	if s, r := norm(d.shoal), norm(d.redis); s != r {
		d.t.Errorf("%s: keyspace\n shoal %q\n redis %q", what, s, r)
	}
}

// readValue parses one reply, for comparing COMMAND output field by field.
func readValue(t *testing.T, reply string) proto.Value {
	t.Helper()
	v, _, err := proto.ReadValue([]byte(reply))
	if err != nil {
		t.Fatalf("bad reply %q: %v", reply, err)
	}
	return v
}

// render prints a reply with maps and sets as arrays, so that RESP2 and
// RESP3 forms of the same data compare equal.
func render(v proto.Value) string {
	switch v.Kind {
	case proto.KindArray, proto.KindSet, proto.KindMap:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case proto.KindInt:
		return strconv.FormatInt(v.Int, 10)
	}
	return string(v.Str)
}

var stringCommands = []string{
	"get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "mset", "msetnx",
	"incr", "decr", "incrby", "decrby", "incrbyfloat", "append", "strlen", "getrange", "substr",
	"setrange", "lcs",
}

// TestStringsDiffCommandTable compares what COMMAND INFO and COMMAND DOCS
// say about the string commands: the fields the table defines (the key
// specification flags and the argument docs are generated elsewhere).
func TestStringsDiffCommandTable(t *testing.T) { diffCommandTable(t, stringCommands) }

// diffCommandTable compares what COMMAND INFO and COMMAND DOCS say about
// the named commands on Shoal and on redis-server: the fields the command
// table defines. Redis derives "movablekeys" from key specifications and
// prints the key triple of commands with a numkeys argument its own way;
// the table has no such flag, so for those the triple is not compared.
func diffCommandTable(t *testing.T, names []string) {
	t.Helper()
	d := newStringsDiff(t)
	for _, name := range names {
		s := readValue(t, d.shoal.Do("COMMAND", "INFO", name))
		r := readValue(t, d.redis.Do("COMMAND", "INFO", name))
		if len(s.Elems) != 1 || len(s.Elems[0].Elems) < 7 || len(r.Elems) != 1 || len(r.Elems[0].Elems) < 7 {
			t.Fatalf("COMMAND INFO %s: shoal %s, redis %s", name, render(s), render(r))
		}
		movable := strings.Contains(render(r.Elems[0].Elems[2]), "movablekeys")
		// name, arity, flags, first key, last key, step, ACL categories
		for i := 0; i < 7; i++ {
			if movable && i >= 3 && i <= 5 {
				continue
			}
			gs, gr := render(s.Elems[0].Elems[i]), strings.Replace(render(r.Elems[0].Elems[i]), " movablekeys", "", 1)
			d.cases++
			if gs != gr {
				t.Errorf("COMMAND INFO %s field %d: shoal %s, redis %s", name, i, gs, gr)
			}
		}
		docs := func(raw *servertest.Raw) map[string]string {
			v := readValue(t, raw.Do("COMMAND", "DOCS", name))
			if len(v.Elems) != 2 {
				t.Fatalf("COMMAND DOCS %s: %s", name, render(v))
			}
			m := map[string]string{}
			for i := 0; i+1 < len(v.Elems[1].Elems); i += 2 {
				m[string(v.Elems[1].Elems[i].Str)] = render(v.Elems[1].Elems[i+1])
			}
			return m
		}
		ds, dr := docs(d.shoal), docs(d.redis)
		for _, field := range []string{"summary", "since", "group", "complexity"} {
			d.cases++
			if ds[field] != dr[field] {
				t.Errorf("COMMAND DOCS %s %s: shoal %q, redis %q", name, field, ds[field], dr[field])
			}
		}
	}
	t.Logf("%d fields compared", d.cases)
}

func TestStringsDiffGetSet(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	bin := "a\x00b\r\nc\xff"

	f("GET", "k")
	f("SET", "k", "v")
	f("GET", "k")
	f("SET", "k", "")
	f("GET", "k")
	f("SET", "bin", bin)
	f("GET", "bin")
	f("SET", "k", "1")
	f("GET", "k")
	f("GET")
	f("GET", "a", "b")
	f("SET", "k")
	d.checkStats("GET")

	// NX, XX, GET and their combinations.
	f("SET", "k", "v", "NX")
	f("SET", "k", "v2", "XX")
	f("GET", "k")
	f("SET", "n", "v", "XX")
	f("GET", "n")
	f("SET", "n", "v", "nx")
	f("SET", "k", "v", "NX", "XX")
	f("SET", "k", "v", "XX", "NX")
	f("SET", "k", "v", "NX", "NX")
	f("SET", "k", "v3", "xx", "XX")
	f("SET", "k", "v4", "GET")
	f("SET", "k", "v5", "GET", "GET")
	f("SET", "new1", "v", "GET")
	f("GET", "new1")
	f("SET", "k", "v6", "NX", "GET")
	f("GET", "k")
	f("SET", "new2", "v", "NX", "GET")
	f("SET", "new3", "v", "XX", "GET")
	f("GET", "new3")
	f("SET", "k", "v7", "XX", "GET")
	f("SET", "k", "v", "Get", "nX")
	f("SET", "k", "v", "BAD")
	f("SET", "k", "v", "NX", "BAD")
	f("SET", "k", "v", "NX\x00junk")
	f("SET", "k", "v8", "GET\x00")
	f("SET", "k", "v", "")
	d.checkStats("SET NX XX GET")

	// Expiry options: validity, conflicts, and which deadline is kept.
	f("SET", "e", "v", "EX", "100")
	f("SET", "e", "v", "PX", "100000")
	f("SET", "e", "v", "EXAT", "99999999999")
	f("SET", "e", "v", "PXAT", "99999999999999")
	f("SET", "e", "v", "ex", "100")
	f("SET", "e", "v", "eXaT", "99999999999")
	f("SET", "e", "v", "EX", "0")
	f("SET", "e", "v", "EX", "-1")
	f("SET", "e", "v", "PX", "0")
	f("SET", "e", "v", "EXAT", "0")
	f("SET", "e", "v", "PXAT", "-5")
	f("SET", "e", "v", "EX", "abc")
	f("SET", "e", "v", "EX", "1.5")
	f("SET", "e", "v", "EX", "")
	f("SET", "e", "v", "EX", "9223372036854775807")
	f("SET", "e", "v", "EX", "9223372036854775")
	f("SET", "e", "v", "PX", "9223372036854775807")
	f("SET", "e", "v", "EXAT", "9223372036854775")
	f("SET", "e", "v", "EXAT", "9223372036854776")
	f("SET", "e", "v", "PXAT", "9223372036854775807")
	f("SET", "e", "v", "PXAT", "9223372036854775808")
	f("SET", "e", "v", "EX")
	f("SET", "e", "v", "PX")
	f("SET", "e", "v", "NX", "EX")
	f("SET", "e", "v", "EX", "10", "PX", "10")
	f("SET", "e", "v", "PX", "10", "EX", "10")
	f("SET", "e", "v", "EXAT", "99999999999", "PXAT", "99999999999999")
	f("SET", "e", "v", "EX", "100", "EX", "200")
	f("SET", "e", "v", "EX", "0", "EX", "100")
	f("SET", "e", "v", "EX", "abc", "EX", "100")
	f("SET", "e", "v", "EX", "100", "EX", "0")
	f("SET", "e", "v", "PX", "100000", "PX", "200000")
	f("SET", "e", "v", "EX", "abc", "BAD")
	f("SET", "e", "v", "EX", "0", "NX", "XX")
	f("SET", "e", "v", "EX", "10", "KEEPTTL")
	f("SET", "e", "v", "KEEPTTL", "EX", "10")
	f("SET", "e", "v", "KEEPTTL", "PXAT", "10")
	f("SET", "e", "v", "KEEPTTL", "KEEPTTL")
	f("SET", "e", "v", "PERSIST")
	f("SET", "e", "v", "EX", "100", "NX")
	f("SET", "e", "v", "EX", "100", "XX", "GET")
	f("SET", "e", "v", "EX", "0", "GET")
	f("SET", "e", "v", "EX\x00", "100")
	f("GET", "e")
	d.checkKeyspace("SET EX")
	d.checkStats("SET EX")

	// KEEPTTL keeps a deadline; a plain SET, GETSET and SET GET drop it.
	f("SET", "t", "v", "EX", "100")
	f("SET", "t", "v2", "KEEPTTL")
	d.checkKeyspace("SET KEEPTTL")
	f("SET", "t", "v3", "KEEPTTL", "GET")
	d.checkKeyspace("SET KEEPTTL GET")
	f("SET", "t", "v4", "GET")
	d.checkKeyspace("SET GET clears the TTL")
	f("SET", "t", "v", "EX", "100")
	f("SET", "t", "v")
	d.checkKeyspace("SET clears the TTL")
	f("SET", "t", "v", "EX", "100")
	f("GETSET", "t", "w")
	d.checkKeyspace("GETSET clears the TTL")
	f("SET", "t", "v", "EX", "100")
	f("SET", "t", "v", "NX", "EX", "5")
	d.checkKeyspace("failed SET NX keeps the TTL")
	f("SET", "t", "v", "KEEPTTL", "XX", "PX", "1")

	// A deadline in the past: the key is written, then gone on access.
	f("SET", "past", "v", "PXAT", "1")
	f("GET", "past")
	f("SET", "past", "v", "EXAT", "1", "GET")
	f("GET", "past")
	f("SET", "past", "v", "PXAT", "1")
	f("SET", "past", "w", "GET")
	f("GET", "past")
	d.checkKeyspace("past deadlines")
	d.checkStats("past deadlines")

	f("SETNX", "nx", "v")
	f("SETNX", "nx", "w")
	f("GET", "nx")
	f("SETNX", "nx")
	f("SET", "nx", "v", "EX", "100")
	f("SETNX", "nx", "w")
	d.checkKeyspace("SETNX")

	f("SETEX", "sx", "100", "v")
	f("GET", "sx")
	f("SETEX", "sx", "0", "v")
	f("SETEX", "sx", "-10", "v")
	f("SETEX", "sx", "abc", "v")
	f("SETEX", "sx", "9223372036854775807", "v")
	f("SETEX", "sx", "100")
	f("setex", "sx", "0", "v")
	f("PSETEX", "sx", "100000", "v")
	f("PSETEX", "sx", "0", "v")
	f("PSETEX", "sx", "-1", "v")
	f("PSETEX", "sx", "1.5", "v")
	f("PSETEX", "sx", "9223372036854775807", "v")
	f("PsEtEx", "sx", "0", "v")
	f("GET", "sx")
	d.checkKeyspace("SETEX PSETEX")

	f("GETSET", "gs", "1")
	f("GETSET", "gs", "2")
	f("GETSET", "gs", bin)
	f("GET", "gs")
	f("GETSET", "gs")
	d.checkStats("GETSET")

	f("MSET", "m1", "a", "m2", "b", "m3", "c", "{m}4", "d")
	f("MGET", "m1", "m2", "missing", "m3", "{m}4", "m1")
	f("MGET", "missing")
	f("MSET", "m1", "x", "m2")
	f("MSET", "m1")
	f("MGET")
	f("MGET", "m1", "m2")
	f("MSETNX", "n1", "a", "n2", "b")
	f("MSETNX", "n3", "a", "n1", "b")
	f("MGET", "n1", "n2", "n3")
	f("MSETNX", "n4", "a", "n5")
	f("MSETNX", "n4", "a", "n4", "b")
	f("MGET", "n4")
	f("SET", "m1", "v", "EX", "100")
	f("MSET", "m1", "w")
	d.checkKeyspace("MSET clears the TTL")
	d.checkStats("MGET")
	t.Logf("%d cases", d.cases)
}

func TestStringsDiffGetDelGetEx(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do

	f("GETDEL", "k")
	f("SET", "k", "v")
	f("GETDEL", "k")
	f("GETDEL", "k")
	f("GET", "k")
	f("SET", "k", "v", "EX", "100")
	f("GETDEL", "k")
	f("GETDEL")
	f("GETDEL", "a", "b")
	d.checkKeyspace("GETDEL")
	d.checkStats("GETDEL")

	f("GETEX", "k")
	f("GETEX", "k", "EX", "0")
	f("GETEX", "k", "EX", "abc")
	f("GETEX", "k", "BAD")
	f("GETEX", "k", "EX")
	f("GETEX", "k", "EX", "10", "PX", "10")
	f("SET", "k", "v")
	f("GETEX", "k")
	f("GETEX", "k", "EX", "100")
	d.checkKeyspace("GETEX EX")
	f("GETEX", "k", "PERSIST")
	d.checkKeyspace("GETEX PERSIST")
	f("GETEX", "k", "PERSIST")
	f("GETEX", "k", "PX", "100000")
	f("GETEX", "k", "EXAT", "99999999999")
	f("GETEX", "k", "PXAT", "99999999999999")
	f("GETEX", "k", "ex", "100", "EX", "200")
	f("GETEX", "k", "EX", "0", "EX", "200")
	f("GETEX", "k", "persist", "PERSIST")
	d.checkKeyspace("GETEX options")
	f("GETEX", "k", "EX", "0")
	f("GETEX", "k", "EX", "-1")
	f("GETEX", "k", "EX", "abc")
	f("GETEX", "k", "PX", "0")
	f("GETEX", "k", "EXAT", "0")
	f("GETEX", "k", "PXAT", "-1")
	f("GETEX", "k", "EX", "9223372036854775807")
	f("GETEX", "k", "PX", "9223372036854775807")
	f("GETEX", "k", "EXAT", "9223372036854776")
	f("GETEX", "k", "PXAT", "9223372036854775807")
	f("GETEX", "k", "EX", "10", "PX", "10")
	f("GETEX", "k", "EX", "10", "PERSIST")
	f("GETEX", "k", "PERSIST", "EX", "10")
	f("GETEX", "k", "PERSIST", "PXAT", "10")
	f("GETEX", "k", "KEEPTTL")
	f("GETEX", "k", "NX")
	f("GETEX", "k", "XX")
	f("GETEX", "k", "GET")
	f("GETEX", "k", "EX")
	f("GETEX", "k", "BAD")
	f("GETEX", "k", "PERSIST\x00x")
	f("GETEX")
	d.checkKeyspace("GETEX errors")
	// A deadline already past deletes the key after answering.
	f("GETEX", "k", "PXAT", "1")
	f("GET", "k")
	f("SET", "k", "v")
	f("GETEX", "k", "EXAT", "1")
	f("GETEX", "k")
	d.checkKeyspace("GETEX past deadline")
	d.checkStats("GETEX")
	t.Logf("%d cases", d.cases)
}

func TestStringsDiffIncr(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do

	f("INCR", "i")
	f("INCR", "i")
	f("DECR", "i")
	f("DECR", "d")
	f("INCRBY", "i", "10")
	f("INCRBY", "i", "-100")
	f("DECRBY", "i", "7")
	f("DECRBY", "i", "-7")
	f("INCRBY", "i", "0")
	f("GET", "i")
	for _, v := range []string{"abc", " 1", "1 ", "01", "-0", "+1", "1.5", "", "-", "99999999999999999999", "9223372036854775808", "-9223372036854775809", "1e3", "0x10"} {
		f("SET", "bad", v)
		f("INCR", "bad")
		f("INCRBY", "i", v)
		f("DECRBY", "i", v)
	}
	f("SET", "i", "9223372036854775807")
	f("INCR", "i")
	f("INCRBY", "i", "0")
	f("INCRBY", "i", "-1")
	f("INCRBY", "i", "2")
	f("SET", "i", "-9223372036854775808")
	f("DECR", "i")
	f("INCRBY", "i", "-1")
	f("DECRBY", "i", "1")
	f("INCRBY", "i", "9223372036854775807")
	f("SET", "i", "5")
	f("DECRBY", "i", "-9223372036854775808")
	f("INCRBY", "i", "-9223372036854775808")
	f("INCRBY", "i", "9223372036854775807")
	f("SET", "i", "-1")
	f("INCRBY", "i", "-9223372036854775808")
	f("SET", "i", "0")
	f("INCRBY", "i", "-9223372036854775808")
	f("DECR", "i")
	f("INCR")
	f("INCRBY", "i")
	f("DECRBY", "i", "1", "2")
	// Counters keep their TTL, and a string grown by APPEND counts too.
	f("SET", "t", "10", "EX", "100")
	f("INCR", "t")
	f("INCRBYFLOAT", "t", "1.5")
	d.checkKeyspace("INCR keeps the TTL")
	f("SET", "a", "1")
	f("APPEND", "a", "2")
	f("INCR", "a")
	f("APPEND", "a", "0")
	f("INCRBY", "a", "-1")
	f("GET", "a")
	d.checkStats("INCR")
	t.Logf("%d cases", d.cases)
}

func TestStringsDiffIncrByFloat(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do

	f("INCRBYFLOAT", "f", "0.1")
	f("INCRBYFLOAT", "f", "0.1")
	f("INCRBYFLOAT", "f", "0.1")
	f("SET", "f", "10.50")
	f("INCRBYFLOAT", "f", "0.1")
	f("INCRBYFLOAT", "f", "5.0e3")
	f("INCRBYFLOAT", "f", "-5010.6")
	f("SET", "f", "0")
	f("INCRBYFLOAT", "f", "1e300")
	f("INCRBYFLOAT", "f", "1e400")
	f("INCRBYFLOAT", "f", "-1e400")
	f("GET", "f")
	incrs := []string{
		"1", "-1", "0", "-0", "+0", "0.0", "-0.0", "3.0", "1.5", "+1.5", ".5", "5.", "-.5", "1e3", "1E3", "1e+3", "1e-3",
		"1.e2", "0.000003814697265625", "0.000003814697265635", "5e-18", "1.5e-17", "-1e-20", "1e-17", "123456789012345678",
		"12345678901234567890", "123456789012345678901234567890", "0.30000000000000004", "1e4932", "1.18973149535723176502e+4932",
		"1.19e4932", "-1.19e4932", "1e4933", "1e-4940", "1e-4951", "1e-4952", "3.6e-4951", "1e-5000", "0e99999999999",
		"0x1p3", "0X1.8P1", "0x.8", "0xA", "0x1p-16445", "0x1p16383", "0x1p16384", "-0x1p3",
		"inf", "-inf", "+inf", "INF", "Infinity", "-infinity", "infinit", "nan", "NaN", "-nan",
		"", " 1", "1 ", "\t1", "\n1", "1e", "1e+", "e5", ".", "-", "+", "+-1", "1..2", "1.2.3", "1,5", "0x", "0x1p", "0xg",
		"1e99999999999999999999", "1e-99999999999999999999", "abc", "1\x00",
	}
	for _, v := range incrs {
		f("SET", "f", "2.5")
		f("INCRBYFLOAT", "f", v)
		f("GET", "f")
		f("INCRBYFLOAT", "missing", v)
		f("GETDEL", "missing")
		// The stored value is parsed by the same rules.
		f("SET", "g", v)
		f("INCRBYFLOAT", "g", "1")
		f("INCRBYFLOAT", "g", "0")
	}
	f("SET", "f", strings.Repeat("1", 5119))
	f("INCRBYFLOAT", "f", "0")
	f("SET", "f", strings.Repeat("1", 5120))
	f("INCRBYFLOAT", "f", "0")
	f("INCRBYFLOAT", "f2", "0."+strings.Repeat("0", 5116)+"1")
	f("INCRBYFLOAT", "f2", "0."+strings.Repeat("0", 5117)+"1")
	f("INCRBYFLOAT", "f2", strings.Repeat("9", 4932))
	f("INCRBYFLOAT", "f2", "1e4932")
	f("INCRBYFLOAT", "f2", "1e4932")
	f("INCRBYFLOAT", "f")
	f("INCRBYFLOAT", "f", "1", "2")
	d.checkStats("INCRBYFLOAT")

	// Chains of random additions: every step rounds in long double and
	// prints with %.17Lf, so an emulation error shows within a few steps.
	rng := rand.New(rand.NewPCG(7, 11))
	n := 0
	for chain := 0; chain < 40; chain++ {
		f("DEL", "r")
		for step := 0; step < 15; step++ {
			f("INCRBYFLOAT", "r", randomDecimal(rng))
			n++
		}
	}
	if n == 0 {
		t.Fatal("no random INCRBYFLOAT generated")
	}
	t.Logf("%d cases, %d random", d.cases, n)
}

// randomDecimal returns a decimal literal with a random sign, up to 25
// significant digits, a point anywhere and sometimes an exponent.
func randomDecimal(rng *rand.Rand) string {
	var b strings.Builder
	if rng.IntN(3) == 0 {
		b.WriteByte('-')
	}
	digits := 1 + rng.IntN(25)
	dot := rng.IntN(digits + 1)
	for i := 0; i < digits; i++ {
		if i == dot && i > 0 {
			b.WriteByte('.')
		}
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	if rng.IntN(4) == 0 {
		fmt.Fprintf(&b, "e%d", rng.IntN(60)-30)
	}
	return b.String()
}

func TestStringsDiffAppendRange(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do

	f("APPEND", "a", "Hello")
	f("APPEND", "a", " World")
	f("APPEND", "a", "")
	f("APPEND", "a", "\x00\r\n")
	f("GET", "a")
	f("STRLEN", "a")
	f("APPEND", "e", "")
	f("GET", "e")
	f("STRLEN", "e")
	f("STRLEN", "missing")
	f("SET", "n", "12345")
	f("STRLEN", "n")
	f("APPEND", "n", "6")
	f("STRLEN", "n")
	f("APPEND", "a")
	f("STRLEN")
	f("STRLEN", "a", "b")
	f("SET", "t", "v", "EX", "100")
	f("APPEND", "t", "w")
	d.checkKeyspace("APPEND keeps the TTL")
	d.checkStats("APPEND STRLEN")

	f("SET", "s", "Hello World")
	for _, cmd := range []string{"GETRANGE", "SUBSTR"} {
		for _, r := range [][2]string{
			{"0", "-1"}, {"-1", "-5"}, {"-5", "-1"}, {"5", "3"}, {"-100", "100"}, {"100", "200"}, {"0", "0"},
			{"-1", "-1"}, {"3", "-100"}, {"-100", "-200"}, {"10", "10"}, {"11", "11"}, {"-11", "-11"}, {"-12", "-12"},
			{"9223372036854775807", "9223372036854775807"}, {"-9223372036854775808", "-9223372036854775808"},
			{"0", "9223372036854775807"}, {"-9223372036854775808", "0"}, {"-9223372036854775808", "9223372036854775807"},
			{"a", "1"}, {"1", "a"}, {"1.5", "2"}, {"", "1"}, {"9223372036854775808", "1"}, {"01", "2"},
		} {
			f(cmd, "s", r[0], r[1])
			f(cmd, "missing", r[0], r[1])
		}
		f("SET", "empty", "")
		f(cmd, "empty", "0", "-1")
		f(cmd, "empty", "0", "0")
		f(cmd, "empty", "-1", "-1")
		f(cmd, "s", "0")
		f(cmd, "s", "0", "1", "2")
	}
	f("SET", "num", "12345")
	f("GETRANGE", "num", "1", "-2")
	d.checkStats("GETRANGE")

	f("SETRANGE", "z", "10", "")
	f("GET", "z")
	f("SETRANGE", "z", "0", "")
	f("SETRANGE", "z", "-1", "x")
	f("SETRANGE", "z", "-1", "")
	f("SETRANGE", "z", "abc", "x")
	f("SETRANGE", "z", "1.5", "x")
	f("SETRANGE", "z", "9223372036854775808", "x")
	f("SETRANGE", "z", "536870911", "")
	f("SETRANGE", "z", "536870912", "x")
	f("SETRANGE", "z", "536870911", "xy")
	f("SETRANGE", "z", "9223372036854775807", "x")
	f("SETRANGE", "z", "9223372036854775807", "")
	f("GET", "z")
	f("SETRANGE", "z", "5", "x")
	f("GET", "z")
	f("SETRANGE", "z", "0", "abc")
	f("SETRANGE", "z", "4", "yyyy")
	f("GET", "z")
	f("SETRANGE", "z", "3", "")
	f("SETRANGE", "z", "536870911", "")
	f("SETRANGE", "z", "536870912", "x")
	f("SETRANGE", "z", "20", "end")
	f("GET", "z")
	f("SETRANGE", "z", "0", "\x00\xff")
	f("GET", "z")
	// A counter updated in place keeps a larger buffer: growing it again
	// must zero the bytes past the old length.
	f("SET", "c", "12345678")
	f("INCRBY", "c", "-12345670")
	f("SETRANGE", "c", "3", "x")
	f("GET", "c")
	f("SET", "t", "v", "EX", "100")
	f("SETRANGE", "t", "3", "w")
	d.checkKeyspace("SETRANGE keeps the TTL")
	f("SETRANGE", "z", "0")
	f("SETRANGE", "z", "0", "a", "b")
	d.checkStats("SETRANGE")

	// Random ranges and overwrites against short strings.
	rng := rand.New(rand.NewPCG(3, 5))
	n := 0
	for i := 0; i < 300; i++ {
		s := randomString(rng, 12, "abcde")
		f("SET", "r", s)
		f("GETRANGE", "r", strconv.Itoa(rng.IntN(31)-15), strconv.Itoa(rng.IntN(31)-15))
		f("SETRANGE", "r", strconv.Itoa(rng.IntN(16)), randomString(rng, 5, "xyz"))
		f("GET", "r")
		n++
	}
	if n == 0 {
		t.Fatal("no random ranges generated")
	}
	t.Logf("%d cases, %d random", d.cases, n)
}

func randomString(rng *rand.Rand, maxLen int, alphabet string) string {
	b := make([]byte, rng.IntN(maxLen+1))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func TestStringsDiffLCS(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do

	f("LCS", "a", "b")
	f("LCS", "a", "b", "LEN")
	f("LCS", "a", "b", "IDX")
	f("MSET", "a", "ohmytext", "b", "mynewtext")
	f("LCS", "a", "b")
	f("LCS", "a", "b", "LEN")
	f("LCS", "a", "b", "len")
	f("LCS", "a", "b", "IDX")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN", "4")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
	f("LCS", "a", "b", "IDX", "WITHMATCHLEN")
	f("LCS", "a", "b", "idx", "minmatchlen", "-5", "withmatchlen")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN", "0")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN", "100")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN", "1", "MINMATCHLEN", "3")
	f("LCS", "a", "b", "WITHMATCHLEN")
	f("LCS", "a", "b", "MINMATCHLEN", "2")
	f("LCS", "a", "b", "LEN", "WITHMATCHLEN")
	f("LCS", "a", "b", "LEN", "IDX")
	f("LCS", "a", "b", "IDX", "LEN")
	f("LCS", "a", "b", "LEN", "LEN", "IDX")
	f("LCS", "a", "b", "MINMATCHLEN")
	f("LCS", "a", "b", "IDX", "MINMATCHLEN")
	f("LCS", "a", "b", "MINMATCHLEN", "x")
	f("LCS", "a", "b", "MINMATCHLEN", "1.5")
	f("LCS", "a", "b", "BAD")
	f("LCS", "a", "b", "IDX\x00x")
	f("LCS", "a", "missing")
	f("LCS", "missing", "b", "IDX")
	f("LCS", "a", "a", "IDX", "WITHMATCHLEN")
	f("LCS", "missing", "missing2", "BAD")
	f("LCS", "a")
	f("SET", "x", "abc")
	f("SET", "y", "xyz")
	f("LCS", "x", "y")
	f("LCS", "x", "y", "IDX")
	f("SET", "{t}1", "a\x00b\r\nc")
	f("SET", "{t}2", "\x00\r\n")
	f("LCS", "{t}1", "{t}2", "IDX", "WITHMATCHLEN")
	f("SET", "big1", strings.Repeat("a", 12000))
	f("SET", "big2", strings.Repeat("b", 12000))
	f("LCS", "big1", "big2")
	f("LCS", "big1", "big2", "LEN")
	f("SET", "big2", strings.Repeat("ab", 500))
	f("LCS", "big1", "big2", "LEN")
	d.checkStats("LCS")

	// Random pairs over small alphabets, where the backtracking has many
	// equal-length choices, through every reply form.
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for i := 0; i < 150; i++ {
		alphabet := []string{"ab", "abc", "abcdefgh"}[i%3]
		f("SET", "p", randomString(rng, 30, alphabet))
		f("SET", "q", randomString(rng, 30, alphabet))
		f("LCS", "p", "q")
		f("LCS", "p", "q", "LEN")
		f("LCS", "p", "q", "IDX", "WITHMATCHLEN")
		f("LCS", "p", "q", "IDX", "MINMATCHLEN", strconv.Itoa(rng.IntN(4)))
		n++
	}
	if n == 0 {
		t.Fatal("no random LCS pairs generated")
	}
	t.Logf("%d cases, %d random", d.cases, n)
}

// TestStringsDiffResp3 covers the replies whose encoding depends on the
// protocol: nulls and the LCS IDX map.
func TestStringsDiffResp3(t *testing.T) {
	d := newStringsDiff(t)
	for _, r := range []*servertest.Raw{d.shoal, d.redis} {
		if reply := r.Do("HELLO", "3"); strings.HasPrefix(reply, "-") {
			t.Fatalf("HELLO 3: %q", reply)
		}
	}
	f := d.do
	f("GET", "k")
	f("GETDEL", "k")
	f("GETEX", "k", "EX", "10")
	f("SET", "k", "v", "XX")
	f("SET", "k", "v", "GET")
	f("SET", "k", "v", "NX", "GET")
	f("SET", "k", "w", "NX")
	f("GETSET", "k", "x")
	f("MGET", "k", "nothing")
	f("GETRANGE", "nothing", "0", "-1")
	f("INCRBYFLOAT", "fl", "1.5")
	f("MSET", "a", "ohmytext", "b", "mynewtext")
	f("LCS", "a", "b", "IDX")
	f("LCS", "a", "b", "IDX", "WITHMATCHLEN")
	f("LCS", "a", "nothing", "IDX")
	f("LCS", "a", "b", "LEN")
	f("LCS", "a", "b")
	t.Logf("%d cases", d.cases)
}

// TestStringsDiffExpiry lets short deadlines pass; only the absence of a
// key after its deadline is checked, which no scheduling delay can break.
func TestStringsDiffExpiry(t *testing.T) {
	d := newStringsDiff(t)
	f := d.do
	f("SET", "ex", "v", "PX", "50")
	f("PSETEX", "psetex", "50", "v")
	f("SET", "kept", "v", "PX", "50")
	f("SET", "kept", "w", "KEEPTTL")
	f("SET", "dropped", "v", "PX", "50")
	f("SET", "dropped", "w")
	f("SET", "getex", "v")
	f("GETEX", "getex", "PX", "50")
	f("SET", "persist", "v", "PX", "1000")
	f("GETEX", "persist", "PERSIST")
	f("SET", "incr", "1", "PX", "50")
	f("INCR", "incr")
	f("SET", "app", "1", "PX", "50")
	f("APPEND", "app", "2")
	time.Sleep(1200 * time.Millisecond)
	for _, k := range []string{"ex", "psetex", "kept", "dropped", "getex", "persist", "incr", "app"} {
		f("GET", k)
	}
	d.checkKeyspace("after the deadlines")
	t.Logf("%d cases", d.cases)
}
