package netloop_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// slowEntries reads SLOWLOG GET -1.
func slowEntries(t *testing.T, c *redis.Client) []redis.SlowLog {
	t.Helper()
	logs, err := c.SlowLogGet(context.Background(), -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

func TestSlowlogRecordsSlowCommand(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "2", "--slowlog-log-slower-than", "20000")
	ctx := context.Background()
	c := srv.Client(t)
	if err := c.Do(ctx, "CLIENT", "SETNAME", "sleeper").Err(); err != nil {
		t.Fatal(err)
	}
	// Fast commands stay under 20 ms; DEBUG SLEEP 0.05 does not.
	for i := 0; i < 20; i++ {
		c.Set(ctx, fmt.Sprint("k", i), "v", 0)
	}
	if err := c.Do(ctx, "DEBUG", "SLEEP", "0.05").Err(); err != nil {
		t.Fatal(err)
	}
	logs := slowEntries(t, c)
	if len(logs) != 1 {
		t.Fatalf("slow log has %d entries, want 1: %+v", len(logs), logs)
	}
	e := logs[0]
	if strings.Join(e.Args, " ") != "DEBUG SLEEP 0.05" || e.Duration.Microseconds() < 50000 || e.ClientName != "sleeper" || !strings.HasPrefix(e.ClientAddr, "127.0.0.1:") {
		t.Errorf("entry %+v", e)
	}
	if n, _ := c.Do(ctx, "SLOWLOG", "LEN").Int(); n != 1 {
		t.Errorf("SLOWLOG LEN = %d", n)
	}
	// A slow command pipelined behind fast ones is timed on its own.
	pipe := c.Pipeline()
	for i := 0; i < 10; i++ {
		pipe.Get(ctx, fmt.Sprint("k", i))
	}
	pipe.Do(ctx, "DEBUG", "SLEEP", "0.03")
	pipe.Get(ctx, "k1")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	logs = slowEntries(t, c)
	if len(logs) != 2 || logs[0].Args[0] != "DEBUG" || logs[0].ID != 1 || logs[0].Duration.Microseconds() < 30000 {
		t.Errorf("after the pipeline: %+v", logs)
	}
	if err := c.Do(ctx, "SLOWLOG", "RESET").Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Do(ctx, "SLOWLOG", "LEN").Int(); n != 0 {
		t.Errorf("SLOWLOG LEN after RESET = %d", n)
	}
}

func TestSlowlogTruncatesAndRedacts(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--slowlog-log-slower-than", "0")
	ctx := context.Background()
	c := srv.Client(t)
	args := []any{"RPUSH", "list"}
	for i := 0; i < 40; i++ {
		args = append(args, i)
	}
	c.Do(ctx, args...)
	long := strings.Repeat("x", 150)
	c.Set(ctx, "k", long, 0)
	c.Do(ctx, "AUTH", "secret")
	c.Do(ctx, "HELLO", "2", "AUTH", "default", "pw")
	c.Do(ctx, "CONFIG", "SET", "requirepass", "")
	logs := slowEntries(t, c)
	byCmd := map[string][]string{}
	// Newest first: keep each command's newest entry (go-redis's own
	// HELLO on connecting is an older one).
	for _, e := range logs {
		if cmd := strings.ToLower(e.Args[0]); byCmd[cmd] == nil {
			byCmd[cmd] = e.Args
		}
	}
	f := func(cmd string, want ...string) {
		t.Helper()
		if got := byCmd[cmd]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s logged as %q, want %q", cmd, got, want)
		}
	}
	want := []string{"RPUSH", "list"}
	for i := 0; i < 29; i++ {
		want = append(want, fmt.Sprint(i))
	}
	f("rpush", append(want, "... (11 more arguments)")...)
	f("set", "set", "k", strings.Repeat("x", 128)+"... (22 more bytes)")
	f("auth", "AUTH", "(redacted)")
	f("hello", "HELLO", "2", "AUTH", "(redacted)", "(redacted)")
	f("config", "CONFIG", "SET", "requirepass", "(redacted)")
}

func TestSlowlogMaxLenAndDisable(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--slowlog-log-slower-than", "0", "--slowlog-max-len", "3")
	ctx := context.Background()
	c := srv.Client(t)
	for i := 0; i < 10; i++ {
		c.Set(ctx, "k", i, 0)
	}
	logs := slowEntries(t, c)
	// The newest three, newest first: SET k 9, SET k 8, SET k 7.
	if len(logs) != 3 || logs[0].Args[2] != "9" || logs[2].Args[2] != "7" || logs[0].ID != logs[2].ID+2 {
		t.Fatalf("entries %+v", logs)
	}
	// Lowering the limit applies at the next entry, as in Redis.
	c.ConfigSet(ctx, "slowlog-max-len", "1")
	if n, _ := c.Do(ctx, "SLOWLOG", "LEN").Int(); n != 1 {
		t.Errorf("SLOWLOG LEN = %d after lowering slowlog-max-len", n)
	}
	c.ConfigSet(ctx, "slowlog-log-slower-than", "-1")
	c.Do(ctx, "SLOWLOG", "RESET")
	c.Set(ctx, "k", "v", 0)
	if err := c.Do(ctx, "DEBUG", "SLEEP", "0.01").Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Do(ctx, "SLOWLOG", "LEN").Int(); n != 0 {
		t.Errorf("a negative threshold logged %d entries", n)
	}
	if got := c.Do(ctx, "SLOWLOG", "GET", "2").Val(); len(got.([]any)) != 0 {
		t.Errorf("SLOWLOG GET 2 = %v", got)
	}
}

// TestDifferentialSlowlogLatency compares the replies whose bytes do not
// depend on timing with redis-server's.
func TestDifferentialSlowlogLatency(t *testing.T) {
	t.Parallel()
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t, "--shards", "2")
	script := [][]string{
		{"SLOWLOG", "HELP"}, {"SLOWLOG", "GET", "x"}, {"SLOWLOG", "GET", "-2"}, {"SLOWLOG", "GET", "1", "2"},
		{"SLOWLOG", "LEN", "a"}, {"SLOWLOG", "FOO"}, {"SLOWLOG"}, {"SLOWLOG", "RESET"}, {"SLOWLOG", "GET", "0"},
		{"LATENCY", "FOO"}, {"LATENCY"}, {"LATENCY", "HISTORY"}, {"LATENCY", "HISTORY", "nosuch"},
		{"LATENCY", "LATEST"}, {"LATENCY", "RESET"}, {"LATENCY", "RESET", "a", "b"}, {"LATENCY", "DOCTOR"},
		{"CONFIG", "SET", "latency-monitor-threshold", "-1"}, {"CONFIG", "SET", "latency-tracking", "maybe"},
		{"CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"},
		{"CONFIG", "SET", "latency-tracking-info-percentiles", "abc"},
		{"CONFIG", "SET", "latency-tracking-info-percentiles", "50.0 99.90 0"},
		{"CONFIG", "GET", "latency-tracking-info-percentiles"},
		{"CONFIG", "SET", "slowlog-log-slower-than", "-5"},
		{"CONFIG", "GET", "latency-tracking"}, {"CONFIG", "GET", "latency-monitor-threshold"},
		{"CONFIG", "SET", "latency-monitor-threshold", "100"}, {"LATENCY", "DOCTOR"},
		{"LATENCY", "HISTOGRAM", "nosuch"},
		{"CONFIG", "RESETSTAT"}, {"SET"}, {"NOSUCH"}, {"LPUSH", "l", "a"}, {"GET", "l"}, {"MULTI"}, {"NOSUCH"}, {"EXEC"},
		{"INFO", "errorstats"},
	}
	shoal := servertest.Dial(t, srv.Addr)
	redis := servertest.Dial(t, redisAddr)
	for _, args := range script {
		if got, want := shoal.Do(args...), redis.Do(args...); got != want {
			t.Errorf("%q:\nshoal %q\nredis %q", args, got, want)
		}
	}
}
