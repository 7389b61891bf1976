package netloop_test

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// TestRedisBenchmark runs redis-benchmark against the server, unpipelined
// and pipelined: every test must report a rate, nothing may warn, and the
// server must have answered no command with an error.
func TestRedisBenchmark(t *testing.T) {
	bin := servertest.Binary(t, "redis-benchmark")
	srv := servertest.Start(t, "--shards", "2")
	raw := servertest.Dial(t, srv.Addr)
	tests := []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}
	for _, pipeline := range []string{"1", "16"} {
		cmd := exec.Command(bin, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port), "-q", "-n", "20000",
			"-t", "ping_inline,ping_mbulk,set,get,incr,mset", "-P", pipeline)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-benchmark -P %s: %v\n%s", pipeline, err, out)
		}
		// -q rewrites a progress line with \r; the results end with \n.
		var results []string
		for _, line := range strings.FieldsFunc(string(out), func(r rune) bool { return r == '\r' || r == '\n' }) {
			line = strings.TrimSpace(line)
			switch {
			case line == "", strings.Contains(line, "rps="):
			case strings.Contains(line, " requests per second"):
				results = append(results, line)
			default:
				t.Errorf("redis-benchmark -P %s printed %q", pipeline, line)
			}
		}
		for _, name := range tests {
			found := false
			for _, r := range results {
				found = found || strings.HasPrefix(r, name+": ")
			}
			if !found {
				t.Errorf("redis-benchmark -P %s: no result for %s in %q", pipeline, name, results)
			}
		}
		t.Logf("-P %s: %s", pipeline, strings.Join(results, "; "))
	}
	info := raw.Do("INFO", "everything")
	if !strings.Contains(info, "\r\ntotal_error_replies:0\r\n") {
		t.Errorf("the server answered errors:\n%s", info)
	}
	for _, c := range []string{"ping", "set", "get", "incr", "mset", "config|get"} {
		// 20000 per run and test; PING twice (inline and multibulk).
		want := 40000
		switch c {
		case "ping":
			want = 80000
		case "config|get":
			want = 0
		}
		m := regexp.MustCompile(`\r\ncmdstat_` + regexp.QuoteMeta(c) + `:calls=(\d+),.*failed_calls=0\r\n`).FindStringSubmatch(info)
		if m == nil {
			t.Errorf("INFO commandstats has no clean line for %s", c)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); want > 0 && n < want {
			t.Errorf("cmdstat_%s: %d calls, want at least %d", c, n, want)
		}
	}
}

// TestRedisCli checks redis-cli's view of a few replies.
func TestRedisCli(t *testing.T) {
	t.Parallel()
	bin := servertest.Binary(t, "redis-cli")
	srv := servertest.Start(t)
	cli := func(want string, args ...string) {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		if string(out) != want {
			t.Errorf("redis-cli %v:\n got %q\nwant %q", args, out, want)
		}
	}
	cli("PONG\n", "PING")
	cli("OK\n", "SET", "greeting", "hello world")
	cli("hello world\n", "GET", "greeting")
	cli("\"hello world\"\n", "--no-raw", "GET", "greeting")
	cli("(nil)\n", "--no-raw", "GET", "missing")
	cli("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n", "--no-raw", "INFO", "keyspace")
	cli("(integer) 1\n", "--no-raw", "EXISTS", "greeting")
	// redis-cli ends an error with an empty line.
	cli("ERR unknown command 'NOSUCH', with args beginning with: 'x' \n\n", "NOSUCH", "x")
	cli("1) \"greeting\"\n", "--no-raw", "COMMAND", "GETKEYS", "GET", "greeting")
	if err := srv.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
