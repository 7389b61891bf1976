package netloop

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// lockedLog collects a server's log lines for a test.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSlowCommandLogged: a command that enters the slow log also gets a
// log line at loglevel verbose, and none at notice.
func TestSlowCommandLogged(t *testing.T) {
	for _, level := range []string{"verbose", "notice"} {
		port := freePort(t)
		cfg, err := ParseArgs([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--dir", t.TempDir(), "--loglevel", level, "--slowlog-log-slower-than", "1000"})
		if err != nil {
			t.Fatal(err)
		}
		var log lockedLog
		lv := &slog.LevelVar{}
		lv.Set(slogLevel(level))
		srv := NewServer(cfg, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: lv})))
		srv.LogLevel = lv
		done := make(chan error, 1)
		go func() { done <- srv.Run() }()
		<-srv.Ready()
		c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Protocol: 2, DisableIdentity: true})
		if err := c.Do(context.Background(), "DEBUG", "SLEEP", "0.01").Err(); err != nil {
			t.Fatal(err)
		}
		c.Close()
		srv.Stop()
		<-done
		logged := strings.Contains(log.String(), `msg="slow command" command=debug`)
		if logged != (level == "verbose") {
			t.Errorf("loglevel %s: slow command logged %v:\n%s", level, logged, log.String())
		}
	}
}
