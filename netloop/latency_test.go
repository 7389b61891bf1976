package netloop_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

func TestLatencyMonitorRecordsSpike(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--latency-monitor-threshold", "20")
	ctx := context.Background()
	c := srv.Client(t)
	before := time.Now().Unix()
	if err := c.Do(ctx, "DEBUG", "SLEEP", "0.05").Err(); err != nil {
		t.Fatal(err)
	}
	latest, err := c.Do(ctx, "LATENCY", "LATEST").Slice()
	if err != nil || len(latest) != 1 {
		t.Fatalf("LATENCY LATEST = %v, %v", latest, err)
	}
	ev := latest[0].([]any)
	if ev[0] != "command" || ev[1].(int64) < before || ev[2].(int64) < 50 || ev[3].(int64) != ev[2].(int64) {
		t.Errorf("event %v", ev)
	}
	hist, _ := c.Do(ctx, "LATENCY", "HISTORY", "command").Slice()
	if len(hist) != 1 || hist[0].([]any)[1] != ev[2] {
		t.Errorf("LATENCY HISTORY command = %v", hist)
	}
	doctor, _ := c.Do(ctx, "LATENCY", "DOCTOR").Text()
	if !strings.Contains(doctor, "1. command: 1 latency spikes") {
		t.Errorf("LATENCY DOCTOR = %q", doctor)
	}
	if n, _ := c.Do(ctx, "LATENCY", "RESET", "COMMAND").Int(); n != 1 {
		t.Errorf("LATENCY RESET COMMAND = %d", n)
	}
	if latest, _ := c.Do(ctx, "LATENCY", "LATEST").Slice(); len(latest) != 0 {
		t.Errorf("LATEST after RESET = %v", latest)
	}
}

// TestLatencyHistogramShape checks LATENCY HISTOGRAM's reply in both
// protocols: calls, and cumulative counts under Redis's bucket labels.
func TestLatencyHistogramShape(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "2")
	r := servertest.Dial(t, srv.Addr)
	for i := 0; i < 5; i++ {
		r.Do("SET", "k"+strconv.Itoa(i), "v")
	}
	r.Do("DEBUG", "SLEEP", "0.02")
	r.Do("CONFIG", "GET", "port")
	// 20 ms falls under the label 33816 µs (Redis's 2^25 ns bucket).
	re := regexp.MustCompile(`^\*4\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:5\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n(:\d+\r\n:\d+\r\n)+\$5\r\ndebug\r\n\*4\r\n\$5\r\ncalls\r\n:1\r\n\$14\r\nhistogram_usec\r\n\*2\r\n:33816\r\n:1\r\n$`)
	got := r.Do("LATENCY", "HISTOGRAM", "set", "nosuch", "debug")
	if !re.MatchString(got) {
		t.Errorf("LATENCY HISTOGRAM set nosuch debug = %q", got)
	}
	if got := r.Do("LATENCY", "HISTOGRAM", "config"); !strings.HasPrefix(got, "*2\r\n$10\r\nconfig|get\r\n*4\r\n$5\r\ncalls\r\n:1\r\n") {
		t.Errorf("LATENCY HISTOGRAM config = %q", got)
	}
	r.Do("HELLO", "3")
	if got, want := r.Do("LATENCY", "HISTOGRAM", "debug"), "%1\r\n$5\r\ndebug\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%1\r\n:33816\r\n:1\r\n"; got != want {
		t.Errorf("RESP3 LATENCY HISTOGRAM debug = %q, want %q", got, want)
	}
	r.Do("CONFIG", "SET", "latency-tracking", "no")
	r.Do("DEBUG", "SLEEP", "0")
	if got := r.Do("LATENCY", "HISTOGRAM", "debug"); !strings.Contains(got, "calls\r\n:1\r\n") {
		t.Errorf("latency-tracking no still records: %q", got)
	}
	r.Do("CONFIG", "RESETSTAT")
	if got := r.Do("LATENCY", "HISTOGRAM"); got != "%0\r\n" {
		t.Errorf("LATENCY HISTOGRAM after RESETSTAT = %q", got)
	}
}

func TestInfoLatencystatsAndErrorstats(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "2", "--latency-tracking-info-percentiles", "50 99.9")
	ctx := context.Background()
	c := srv.Client(t)
	c.Set(ctx, "s", "v", 0)
	c.Get(ctx, "s")
	c.LPush(ctx, "s", "x")   // WRONGTYPE, on a shard
	c.Do(ctx, "NOSUCH")      // ERR, unknown command
	c.Do(ctx, "GET")         // ERR, wrong arity (rejected)
	c.Do(ctx, "SELECT", "x") // ERR, from a connection command
	c.Do(ctx, "PING")
	info, err := c.Info(ctx, "latencystats", "errorstats", "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_WRONGTYPE:count=1\r\n",
		"total_error_replies:4\r\n",
		"# Latencystats\r\n",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q:\n%s", want, info)
		}
	}
	line := regexp.MustCompile(`latency_percentiles_usec_(get|set|ping|lpush|select):p50=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n`)
	if n := len(line.FindAllString(info, -1)); n != 5 {
		t.Errorf("want latencystats lines for get, set, ping, lpush, select; found %d in:\n%s", n, info)
	}
	if all, _ := c.Info(ctx).Result(); strings.Contains(all, "# Latencystats") {
		t.Error("default INFO shows latencystats; Redis shows it only for all/everything")
	}
	if all, _ := c.Info(ctx, "all").Result(); !strings.Contains(all, "# Commandstats\r\n") || strings.Index(all, "# Errorstats") < strings.Index(all, "# Commandstats") || !strings.Contains(all, "# Latencystats") {
		t.Error("INFO all: want commandstats, errorstats, latencystats in Redis's order")
	}
	c.ConfigResetStat(ctx)
	info, _ = c.Info(ctx, "errorstats", "latencystats").Result()
	if strings.Contains(info, "errorstat_") || strings.Contains(info, "latency_percentiles_usec_get") {
		t.Errorf("CONFIG RESETSTAT left:\n%s", info)
	}
}
