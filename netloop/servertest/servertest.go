// Package servertest starts in-process Shoal servers on free loopback ports
// for tests, and finds the redis-server and redis-cli binaries that
// differential and shell-level tests need.
package servertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
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

	done    chan error
	stopped bool
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
	// No save points and a private dir, so that no test writes or loads
	// a dump.rdb where the tests run; args may say otherwise.
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", t.TempDir()}, args...)
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
	select {
	case <-srv.Loaded():
	case <-time.After(60 * time.Second):
		t.Fatal("server did not load its data in 60s")
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Srv: srv, done: done}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	return s
}

var errStopped = errors.New("server did not stop in 10s")

// Stop stops the server and returns Run's error; later calls return nil.
func (s *Server) Stop() error {
	s.Srv.Stop()
	if s.stopped {
		return nil
	}
	s.stopped = true
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		return errStopped
	}
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

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// BuildShoal builds cmd/shoal once per test binary and returns its path,
// for tests that need a real process (kill -9, exit codes).
func BuildShoal(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "shoal-bin")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "shoal")
		out, err := exec.Command("go", "build", "-o", buildPath, "github.com/shoal-db/shoal/cmd/shoal").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// Process is Shoal running as a child process.
type Process struct {
	Addr string
	Cmd  *exec.Cmd
	log  lockedBuffer
}

// Output is what the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.log.String() }

// lockedBuffer collects a process's output, written by exec's copying
// goroutine while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartProcess runs the Shoal binary with "--directive value" arguments
// on a free port and waits until it answers PING; it is killed when the
// test ends.
func StartProcess(t testing.TB, args ...string) *Process {
	t.Helper()
	return StartProcessFile(t, "", 0, args...)
}

// StartProcessFile is StartProcess with a config file first on the
// command line (none when file is "") and a given port (a free one when
// 0), so that a test can restart a killed server on its address with the
// file CONFIG REWRITE left.
func StartProcessFile(t testing.TB, file string, port int, args ...string) *Process {
	t.Helper()
	bin := BuildShoal(t)
	if port == 0 {
		port = FreePort(t)
	}
	var all []string
	if file != "" {
		all = append(all, file)
	}
	all = append(all, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--metrics-port", "0")
	all = append(all, args...)
	p := &Process{Addr: fmt.Sprintf("127.0.0.1:%d", port), Cmd: exec.Command(bin, all...)}
	p.Cmd.Stderr = &p.log
	p.Cmd.Stdout = &p.log
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = p.Cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = p.Cmd.Process.Kill()
		<-exited
	})
	for i := 0; i < 600; i++ {
		select {
		case <-exited:
			t.Fatalf("shoal exited at start-up: %s\n%s", p.Cmd.ProcessState, p.Output())
		default:
		}
		if c, err := net.Dial("tcp", p.Addr); err == nil {
			_, err = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Close()
			if err == nil && string(buf[:n]) == "+PONG\r\n" {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("shoal did not answer PING on %s in 30s\n%s", p.Addr, p.Output())
	return nil
}

// Journal records a server's journal: the write effects it would send to
// an AOF or a replica.
type Journal struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// RecordJournal records what s journals from now until the test ends.
func (s *Server) RecordJournal(t testing.TB) *Journal {
	j := &Journal{}
	unsubscribe := s.Srv.Engine.Journal.Subscribe(func(chunk []byte) {
		j.mu.Lock()
		j.b.Write(chunk)
		j.mu.Unlock()
	})
	t.Cleanup(unsubscribe)
	return j
}

// Bytes returns a copy of what was journaled so far.
func (j *Journal) Bytes() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	return bytes.Clone(j.b.Bytes())
}

// String returns what was journaled so far.
func (j *Journal) String() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.b.String()
}

// Reset forgets what was journaled so far.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.b.Reset()
}
