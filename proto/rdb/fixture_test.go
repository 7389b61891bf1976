package rdb

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "regenerate testdata/redis-7.0.rdb with redis-server and its golden description")

const (
	fixtureRDB    = "testdata/redis-7.0.rdb"
	fixtureGolden = "testdata/redis-7.0.txt"
)

// fixtureCommands build a small dataset in which tiny thresholds (see
// fixtureArgs) give every encoding redis-server 7.0 saves.
var fixtureCommands = [][]string{
	{"SET", "str:int", "-42"},
	{"SET", "str:raw", "hello"},
	{"SET", "str:lzf", strings.Repeat("abcabcabc", 20)},
	{"SET", "str:ttl", "x", "PXAT", "4102444800000"},
	{"RPUSH", "list", "a", "1", "b", "-70000", "c", "d", strings.Repeat("node", 20), "e"},
	{"SADD", "set:intset", "1", "2"},
	{"SADD", "set:hash", "a", "b", "3"},
	{"ZADD", "zset:lp", "1", "a", "2.5", "b"},
	{"ZADD", "zset:skip", "1", "a", "2", "b", "-inf", "c"},
	{"HSET", "hash:lp", "f", "v", "n", "1"},
	{"HSET", "hash:ht", "f", "v", "n", "1", "g", "w"},
	{"XADD", "stream", "1-1", "a", "1"},
	{"XADD", "stream", "1-2", "a", "2"},
	{"XADD", "stream", "2-1", "b", "3", "c", "4"},
	{"XADD", "stream", "2-2", "a", "5"},
	{"XDEL", "stream", "1-2"},
	{"XGROUP", "CREATE", "stream", "g", "0"},
	{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "stream", ">"},
	{"XGROUP", "CREATECONSUMER", "stream", "g", "bob"},
	{"SELECT", "3"},
	{"SET", "db3", "v"},
	{"FUNCTION", "LOAD", "#!lua name=fixture\nredis.register_function('f', function() return 1 end)"},
}

var fixtureArgs = []string{"--zset-max-listpack-entries", "2", "--hash-max-listpack-entries", "2",
	"--set-max-intset-entries", "2", "--list-max-listpack-size", "2", "--list-compress-depth", "1",
	"--stream-node-max-entries", "2", "--maxmemory-policy", "allkeys-lfu"}

// describeFile renders every entry and the warnings of a file.
func describeFile(t *testing.T, data []byte) string {
	var b strings.Builder
	r := NewReader(bytes.NewReader(data))
	r.Warn = func(off int64, msg string) { fmt.Fprintf(&b, "warning at %d: %s\n", off, msg) }
	for {
		e, err := r.Next()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatal(err)
			}
			break
		}
		fmt.Fprintf(&b, "db=%d key=%q enc=%v expire=%d idle=%d freq=%d\n%s\n", e.DB, e.Key, e.Encoding, e.ExpireMs, e.LRUIdle, e.LFUFreq, describe(e.Value))
	}
	return b.String()
}

func TestRedisFixture(t *testing.T) {
	if *rewrite {
		dir := t.TempDir()
		c := startRedis(t, dir, fixtureArgs...)
		for _, cmd := range fixtureCommands {
			c.ok(cmd...)
		}
		c.ok("SAVE")
		data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixtureRDB, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixtureGolden, []byte(describeFile(t, data)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(fixtureRDB)
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(fixtureGolden)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeFile(t, data); got != string(golden) {
		t.Errorf("%s differs from %s (run with -rewrite to regenerate): %s", fixtureRDB, fixtureGolden, diff(got, string(golden)))
	}
}
