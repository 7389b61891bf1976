package netloop_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// monitorLine matches a MONITOR line; its groups are the database, the
// client's address and the quoted arguments.
var monitorLine = regexp.MustCompile(`^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)\r\n$`)

// monitorScript sends a fixed conversation from one client while another
// monitors, and returns the monitor's lines with the time left out and the
// client's address replaced by ADDR. It also checks the addresses and the
// time stamps.
func monitorScript(t *testing.T, addr string) []string {
	t.Helper()
	mon := servertest.Dial(t, addr)
	if got := mon.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", got)
	}
	c := servertest.Dial(t, addr)
	caddr := c.Conn().LocalAddr().String()
	start := time.Now()
	script := [][]string{
		{"SET", "a b", "x\"y\n\x01\x7f\u00e9\\ \t\r\a\b"},
		{"GET", "a b"},
		{"AUTH", "foo", "bar"},
		{"AUTH", "onlypass"},
		{"HELLO", "3", "AUTH", "default", "nopass", "SETNAME", "me"},
		{"HELLO", "2"},
		{"CONFIG", "GET", "port"},
		{"DEBUG", "SET-ACTIVE-EXPIRE", "1"},
		{"NOSUCH", "x"},
		{"GET"},
		{"CLIENT", "SETNAME", "x"},
		{"CLIENT", "LIST"},
		{"SELECT", "2"},
		{"MULTI"},
		{"SET", "k", "v"},
		{"SELECT", "3"},
		{"INCR", "n"},
		{"EXEC"},
		{"MULTI"},
		{"NOSUCH"},
		{"GET", "k"},
		{"EXEC"},
		{"MULTI"},
		{"SET", "k", "v"},
		{"DISCARD"},
		{"EXEC"},
		{"BLPOP", "nolist", "0.01"},
		{"WATCH", "k"},
		{"MSET", "{t}1", "1", "{u}2", "2"},
		{"DEL", "{t}1", "{u}2", "k"},
		{"PING"},
		{"ECHO", "end"},
	}
	for _, args := range script {
		c.Do(args...)
	}
	var lines []string
	for {
		line := mon.Read()
		m := monitorLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a monitor line: %q", line)
		}
		if m[4] != caddr {
			t.Errorf("line %q: address %s, want the client's %s", line, m[4], caddr)
		}
		sec, us := m[1], m[2]
		ts, err := time.Parse("2006-01-02", "1970-01-01")
		if err != nil {
			t.Fatal(err)
		}
		secs, usecs := atoi(t, sec), atoi(t, us)
		ts = ts.Add(time.Duration(secs)*time.Second + time.Duration(usecs)*time.Microsecond)
		if ts.Before(start.Add(-time.Second)) || ts.After(time.Now().Add(time.Second)) {
			t.Errorf("line %q: time %v is not now", line, ts)
		}
		lines = append(lines, "["+m[3]+" ADDR] "+m[5])
		if m[5] == `"ECHO" "end"` {
			return lines
		}
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, ch := range s {
		n = n*10 + int64(ch-'0')
	}
	return n
}

// TestMonitorMatchesRedis compares what MONITOR shows for one conversation
// with redis-server 7.0, quoting and redaction included.
func TestMonitorMatchesRedis(t *testing.T) {
	want := monitorScript(t, servertest.StartRedis(t))
	got := monitorScript(t, servertest.Start(t, "--shards", "2").Addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("monitor lines differ\nshoal:\n%s\nredis:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMonitorShows checks Shoal's lines without needing redis-server.
func TestMonitorShows(t *testing.T) {
	got := monitorScript(t, servertest.Start(t, "--shards", "2").Addr)
	want := []string{
		`[0 ADDR] "SET" "a b" "x\"y\n\x01\x7f\xc3\xa9\\ \t\r\a\b"`,
		`[0 ADDR] "GET" "a b"`,
		`[0 ADDR] "AUTH" "(redacted)" "(redacted)"`,
		`[0 ADDR] "AUTH" "(redacted)"`,
		`[0 ADDR] "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "me"`,
		`[0 ADDR] "HELLO" "2"`,
		`[0 ADDR] "CLIENT" "SETNAME" "x"`,
		`[2 ADDR] "SELECT" "2"`,
		`[2 ADDR] "MULTI"`,
		`[2 ADDR] "SET" "k" "v"`,
		`[3 ADDR] "SELECT" "3"`,
		`[3 ADDR] "INCR" "n"`,
		`[3 ADDR] "EXEC"`,
		`[3 ADDR] "MULTI"`,
		`[3 ADDR] "EXEC"`,
		`[3 ADDR] "MULTI"`,
		`[3 ADDR] "DISCARD"`,
		`[3 ADDR] "EXEC"`,
		`[3 ADDR] "BLPOP" "nolist" "0.01"`,
		`[3 ADDR] "WATCH" "k"`,
		`[3 ADDR] "MSET" "{t}1" "1" "{u}2" "2"`,
		`[3 ADDR] "DEL" "{t}1" "{u}2" "k"`,
		`[3 ADDR] "PING"`,
		`[3 ADDR] "ECHO" "end"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("monitor lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestMonitorClientState checks what a monitoring connection may still do
// and that RESET and QUIT end monitoring, as in Redis 7.0.
func TestMonitorClientState(t *testing.T) {
	srv := servertest.Start(t)
	mon := servertest.Dial(t, srv.Addr)
	other := servertest.Dial(t, srv.Addr)
	for _, step := range []struct {
		who  *servertest.Raw
		args []string
		want string
	}{
		{mon, []string{"MONITOR"}, "+OK\r\n"},
		{mon, []string{"GET", "a"}, "-ERR Replica can't interact with the keyspace\r\n"},
		{mon, []string{"SET", "a", "b"}, "-ERR Replica can't interact with the keyspace\r\n"},
		{mon, []string{"PING"}, "+PONG\r\n"},
	} {
		if got := step.who.Do(step.args...); got != step.want {
			t.Fatalf("%v: %q, want %q", step.args, got, step.want)
		}
	}
	readLine := func(r *servertest.Raw, want string) {
		t.Helper()
		line := r.Read()
		m := monitorLine.FindStringSubmatch(line)
		if m == nil || m[5] != want {
			t.Fatalf("monitor read %q, want a line with %s", line, want)
		}
	}
	readLine(mon, `"PING"`)
	// A second MONITOR gets no reply at all.
	mon.Send([]byte("*1\r\n$7\r\nMONITOR\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n"))
	if got := mon.Read(); got != "$1\r\nx\r\n" {
		t.Fatalf("MONITOR twice then ECHO: %q", got)
	}
	readLine(mon, `"ECHO" "x"`)
	if got := other.Do("CLIENT", "LIST"); !strings.Contains(got, "flags=O") {
		t.Errorf("CLIENT LIST does not flag the monitor: %q", got)
	}
	// MONITOR inside a transaction fails the transaction.
	if got := other.Do("MULTI"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	readLine(mon, `"MULTI"`)
	if got := other.Do("MONITOR"); got != "-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n" {
		t.Errorf("MONITOR in MULTI: %q", got)
	}
	if got := other.Do("EXEC"); !strings.HasPrefix(got, "-EXECABORT") {
		t.Errorf("EXEC after MONITOR: %q", got)
	}
	readLine(mon, `"EXEC"`)
	if got := mon.Do("RESET"); got != "+RESET\r\n" {
		t.Fatalf("RESET: %q", got)
	}
	if got := mon.Do("GET", "a"); got != "$-1\r\n" {
		t.Errorf("GET after RESET: %q", got)
	}
	if got := other.Do("CLIENT", "LIST"); strings.Contains(got, "flags=O") {
		t.Errorf("still a monitor after RESET: %q", got)
	}

	// QUIT, or a dropped connection, also ends monitoring.
	if got := mon.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := mon.Do("QUIT"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	waitClients(t, other, func(list string) bool { return !strings.Contains(list, "flags=O") })
}

// waitClients polls CLIENT LIST until ok accepts it (10 s at most).
func waitClients(t *testing.T, c *servertest.Raw, ok func(list string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := c.Do("CLIENT", "LIST")
		if ok(list) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("CLIENT LIST never changed as expected: %q", list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMonitorOutputLimit checks that a monitor that does not read is closed
// past client-output-buffer-limit normal's hard limit instead of making
// the server buffer without bound.
func TestMonitorOutputLimit(t *testing.T) {
	srv := servertest.Start(t, "--client-output-buffer-limit", "normal 1mb 0 0")
	mon := servertest.Dial(t, srv.Addr)
	if got := mon.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c := servertest.Dial(t, srv.Addr)
	big := strings.Repeat("\x01", 256<<10) // quoted as \x01: 1 MB per line
	for i := 0; i < 64; i++ {
		if got := c.Do("SET", "k", big); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
		if !strings.Contains(c.Do("CLIENT", "LIST"), "flags=O") {
			return
		}
	}
	t.Fatal("a monitor that never reads was not closed after 64 MB of lines")
}
