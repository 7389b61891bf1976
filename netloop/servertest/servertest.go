// Package servertest starts in-process Shoal servers on free loopback ports
// for tests, and finds the redis-server and redis-cli binaries that
// differential and shell-level tests need.
package servertest

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop"
)

// Server is a running test server.
type Server struct {
	Addr string
	Port int
	Srv  *netloop.Server
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs a server with the given "--directive value" arguments on a
// free port; it stops when the test ends.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	port := FreePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)
	cfg, err := netloop.ParseArgs(all)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	var w io.Writer = io.Discard
	if os.Getenv("SHOAL_TEST_LOG") != "" {
		w = os.Stderr
	}
	srv := netloop.NewServer(cfg, slog.New(slog.NewTextHandler(w, nil)))
	done := make(chan error, 1)
	go func() { done <- srv.Run() }()
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start in 10s")
	}
	t.Cleanup(func() {
		srv.Stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop in 10s")
		}
	})
	return &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Srv: srv}
}

// Client returns a go-redis client for the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// Client3 is Client speaking RESP3.
func (s *Server) Client3(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Protocol: 3, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// Binary finds an external program such as redis-server. Without it the
// test is skipped, except under CI (CI set), where it fails: CI installs
// every binary the suite needs.
func Binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI but was not found: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// StartRedis runs a real redis-server on a free port with persistence off;
// it stops when the test ends.
func StartRedis(t testing.TB, args ...string) string {
	t.Helper()
	bin := Binary(t, "redis-server")
	port := FreePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}, args...)
	cmd := exec.Command(bin, all...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("redis-server did not start on %s", addr)
	return ""
}
