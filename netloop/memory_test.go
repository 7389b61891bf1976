package netloop_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// memoryScript runs MEMORY's argument checks and the replies whose bytes
// do not depend on the allocator.
func memoryScript(t *testing.T, addr string) []string {
	t.Helper()
	c := servertest.Dial(t, addr)
	var out []string
	for _, args := range [][]string{
		{"SET", "s", "hello"},
		{"MEMORY"},
		{"MEMORY", "FOO"},
		{"MEMORY", "HELP"},
		{"MEMORY", "HELP", "x"},
		{"MEMORY", "USAGE"},
		{"MEMORY", "USAGE", "nokey"},
		{"MEMORY", "USAGE", "s", "SAMPLES"},
		{"MEMORY", "USAGE", "s", "SAMPLES", "-1"},
		{"MEMORY", "USAGE", "s", "SAMPLES", "abc"},
		{"MEMORY", "USAGE", "s", "FOO", "1"},
		{"MEMORY", "USAGE", "nokey", "SAMPLES", "0"},
		{"MEMORY", "STATS", "x"},
		{"MEMORY", "DOCTOR", "x"},
		{"MEMORY", "PURGE"},
		{"MEMORY", "PURGE", "x"},
		{"MEMORY", "MALLOC-STATS", "x"},
		{"MEMORY", "DOCTOR"},
	} {
		out = append(out, strings.Join(args, " ")+" => "+c.Do(args...))
	}
	// Integer replies whose value is the allocator's business.
	for _, args := range [][]string{
		{"MEMORY", "USAGE", "s"},
		{"MEMORY", "USAGE", "s", "SAMPLES", "0"},
		{"MEMORY", "USAGE", "s", "SAMPLES", "3", "SAMPLES", "4"},
	} {
		got := c.Do(args...)
		if !strings.HasPrefix(got, ":") {
			t.Errorf("%v: %q is not an integer", args, got)
		}
		out = append(out, strings.Join(args, " ")+" => integer")
	}
	// MEMORY STATS: the same fields in the same order, in both protocols.
	for _, resp := range []string{"2", "3"} {
		c.Do("HELLO", resp)
		v := readValue(t, c.Do("MEMORY", "STATS"))
		var keys []string
		for i := 0; i < len(v.Elems); i += 2 {
			k := string(v.Elems[i].Str)
			if sub := v.Elems[i+1]; len(sub.Elems) > 0 {
				for j := 0; j < len(sub.Elems); j += 2 {
					k += " " + string(sub.Elems[j].Str)
				}
			}
			keys = append(keys, k)
		}
		out = append(out, "RESP"+resp+" MEMORY STATS kind "+strconv.Itoa(int(v.Kind))+": "+strings.Join(keys, ", "))
	}
	return out
}

func readValue(t *testing.T, reply string) proto.Value {
	t.Helper()
	v, n, err := proto.ReadValue([]byte(reply))
	if err != nil || n != len(reply) {
		t.Fatalf("reply %q does not parse: %v", reply, err)
	}
	return v
}

// TestMemoryMatchesRedis compares MEMORY's replies with redis-server 7.0
// where they do not depend on the allocator.
func TestMemoryMatchesRedis(t *testing.T) {
	want := memoryScript(t, servertest.StartRedis(t))
	got := memoryScript(t, servertest.Start(t, "--shards", "2").Addr)
	if len(got) != len(want) {
		t.Fatalf("%d replies, redis %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("shoal: %q\nredis: %q", got[i], want[i])
		}
	}
}

// TestMemoryUsageFollowsValues checks that MEMORY USAGE grows with what a
// key holds, agrees with used_memory, and that MEMORY STATS adds up.
func TestMemoryUsageFollowsValues(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	c := servertest.Dial(t, srv.Addr)
	usage := func(key string) int64 {
		t.Helper()
		v := readValue(t, c.Do("MEMORY", "USAGE", key))
		if v.Kind != proto.KindInt {
			t.Fatalf("MEMORY USAGE %s: %+v", key, v)
		}
		return v.Int
	}
	c.Do("SET", "small", "x")
	c.Do("SET", "big", strings.Repeat("x", 1<<20))
	if u := usage("big"); u < 1<<20 || u > 1<<20+4096 {
		t.Errorf("MEMORY USAGE of a 1 MiB string: %d", u)
	}
	if s, b := usage("small"), usage("big"); s >= b || s <= 0 {
		t.Errorf("usage small %d, big %d", s, b)
	}
	for _, typ := range []struct{ small, big []string }{
		{[]string{"RPUSH", "l1", "a"}, append([]string{"RPUSH", "l2"}, fields(2000)...)},
		{[]string{"HSET", "h1", "f", "v"}, append([]string{"HSET", "h2"}, fields(2000)...)},
		{[]string{"SADD", "s1", "m"}, append([]string{"SADD", "s2"}, fields(2000)...)},
		{[]string{"ZADD", "z1", "1", "m"}, append([]string{"ZADD", "z2"}, scored(1000)...)},
	} {
		c.Do(typ.small...)
		c.Do(typ.big...)
		s, b := usage(typ.small[1]), usage(typ.big[1])
		if s <= 0 || b < s+8000 {
			t.Errorf("%s: usage with one element %d, with 1000+ elements %d", typ.small[0], s, b)
		}
	}
	c.Do("XADD", "x1", "*", "f", "v")
	for i := 0; i < 1000; i++ {
		c.Do("XADD", "x2", "*", "field", "value:"+strconv.Itoa(i))
	}
	if s, b := usage("x1"), usage("x2"); s <= 0 || b < s+8000 {
		t.Errorf("XADD: usage with one entry %d, with 1000 entries %d", s, b)
	}

	v := readValue(t, c.Do("MEMORY", "STATS"))
	stats := map[string]proto.Value{}
	for i := 0; i < len(v.Elems); i += 2 {
		stats[string(v.Elems[i].Str)] = v.Elems[i+1]
	}
	total := stats["total.allocated"].Int
	info := c.Do("INFO", "memory")
	if !strings.Contains(info, "\r\nused_memory:"+strconv.FormatInt(total, 10)+"\r\n") {
		t.Errorf("total.allocated %d is not INFO's used_memory:\n%s", total, info)
	}
	if got := stats["keys.count"].Int; got != 12 {
		t.Errorf("keys.count %d, want 12", got)
	}
	if stats["dataset.bytes"].Int+stats["overhead.total"].Int != total {
		t.Errorf("dataset.bytes %d + overhead.total %d != total.allocated %d",
			stats["dataset.bytes"].Int, stats["overhead.total"].Int, total)
	}
	if stats["peak.allocated"].Int < total || stats["db.0"].Kind != proto.KindArray || stats["db.1"].Kind != 0 {
		t.Errorf("peak %d, db.0 %+v, db.1 %+v", stats["peak.allocated"].Int, stats["db.0"], stats["db.1"])
	}
	if stats["allocator.active"].Int < stats["allocator.allocated"].Int || stats["allocator.resident"].Int < stats["allocator.active"].Int {
		t.Errorf("allocator figures out of order: %+v %+v %+v", stats["allocator.allocated"], stats["allocator.active"], stats["allocator.resident"])
	}
	if got := c.Do("MEMORY", "MALLOC-STATS"); !strings.Contains(got, "/memory/classes/heap/objects:bytes ") {
		t.Errorf("MALLOC-STATS: %q", got)
	}
}

// fields returns n alternating field/value arguments (2n/2 pairs).
func fields(n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, "element:"+strconv.Itoa(i))
	}
	return out
}

// scored returns n score/member pairs.
func scored(n int) []string {
	out := make([]string, 0, 2*n)
	for i := 0; i < n; i++ {
		out = append(out, strconv.Itoa(i), "member:"+strconv.Itoa(i))
	}
	return out
}
