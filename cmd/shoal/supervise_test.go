package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
)

// listenGram opens a unix datagram socket at path, closed when the test ends.
func listenGram(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readGram returns the next datagram (failing the test after 10 s).
func readGram(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("reading %s: %v", c.LocalAddr(), err)
	}
	return string(buf[:n])
}

// useSyslog points syslog-enabled at path for one test.
func useSyslog(t *testing.T, path string) {
	syslogNetwork, syslogAddr = "unixgram", path
	t.Cleanup(func() { syslogNetwork, syslogAddr = "", "" })
}

// TestSupervisedSystemdAndSyslog runs the binary's main function under a
// fake systemd and a fake syslog: READY=1 once it accepts connections,
// STOPPING=1 on SHUTDOWN, and the log lines in syslog at their severity.
func TestSupervisedSystemdAndSyslog(t *testing.T) {
	dir := t.TempDir()
	notify := listenGram(t, filepath.Join(dir, "notify"))
	syslogd := listenGram(t, filepath.Join(dir, "log"))
	t.Setenv("NOTIFY_SOCKET", filepath.Join(dir, "notify"))
	useSyslog(t, filepath.Join(dir, "log"))
	port := servertest.FreePort(t)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--metrics-port", "0",
			"--dir", dir, "--save", "", "--logfile", filepath.Join(dir, "shoal.log"),
			"--supervised", "systemd", "--syslog-enabled", "yes", "--syslog-ident", "shoaltest", "--syslog-facility", "local3"})
	}()
	if got := readGram(t, notify); got != "STATUS=Ready to accept connections\nREADY=1\n" {
		t.Fatalf("first notification %q", got)
	}
	c := servertest.Dial(t, "127.0.0.1:"+strconv.Itoa(port))
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING after READY=1: %q", got)
	}
	c.Send([]byte("*1\r\n$8\r\nSHUTDOWN\r\n"))
	if got := readGram(t, notify); got != "STATUS=Shutting down\nSTOPPING=1\n" {
		t.Errorf("notification on SHUTDOWN %q", got)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("run returned %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after SHUTDOWN")
	}

	// local3 is facility 19: priority 19*8 + severity (notice 5, warning 4).
	want := map[string]string{
		"<157>": "Shoal ready to accept connections",
		"<156>": "User requested shutdown...",
	}
	for len(want) > 0 {
		msg := readGram(t, syslogd)
		if !strings.Contains(msg, " shoaltest["+strconv.Itoa(os.Getpid())+"]: ") {
			t.Errorf("syslog message without ident and pid: %q", msg)
		}
		for prio, text := range want {
			if strings.HasPrefix(msg, prio) && strings.Contains(msg, text) {
				delete(want, prio)
			}
		}
	}
	logfile, err := os.ReadFile(filepath.Join(dir, "shoal.log"))
	if err != nil || !strings.Contains(string(logfile), "Shoal ready to accept connections") {
		t.Errorf("the logfile lost the lines syslog got (err %v): %q", err, logfile)
	}
}

// TestStartupFailsWithoutSyslog checks that syslog-enabled with no syslog
// to reach stops the start, and that an unreachable NOTIFY_SOCKET does too.
func TestStartupFailsWithoutSyslog(t *testing.T) {
	dir := t.TempDir()
	useSyslog(t, filepath.Join(dir, "missing"))
	base := []string{"--port", strconv.Itoa(servertest.FreePort(t)), "--bind", "127.0.0.1", "--metrics-port", "0",
		"--dir", dir, "--save", "", "--logfile", filepath.Join(dir, "shoal.log")}
	if code := run(append(base, "--syslog-enabled", "yes")); code != 1 {
		t.Errorf("syslog unreachable: run returned %d, want 1", code)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(dir, "no-notify"))
	if code := run(append(base, "--supervised", "systemd")); code != 1 {
		t.Errorf("NOTIFY_SOCKET unreachable: run returned %d, want 1", code)
	}
}

// TestSystemdUnitNotifies checks that the unit waits for READY=1 and that
// its command line asks for it.
func TestSystemdUnitNotifies(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, "shoal.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			unit[k] = v
		}
	}
	if unit["Type"] != "notify" || unit["NotifyAccess"] != "main" {
		t.Errorf("Type=%s NotifyAccess=%s, want notify and main", unit["Type"], unit["NotifyAccess"])
	}
	args := strings.Fields(unit["ExecStart"])[1:]
	for i, a := range args {
		if a == "/etc/shoal/shoal.conf" {
			args[i] = filepath.Join(deployDir, "shoal.conf")
		}
	}
	cfg, err := netloop.ParseArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Get("supervised"); got != "systemd" {
		t.Errorf("ExecStart runs with supervised %q: systemd would wait for READY=1 forever", got)
	}
}
