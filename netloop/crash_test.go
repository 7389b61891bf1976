package netloop_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// ack is a write a client saw acknowledged.
type ack struct {
	key, val string
	at       time.Time
}

// writeUntilKilled runs writers against p, kills p with SIGKILL after d
// and returns every acknowledged write and the time of the kill.
func writeUntilKilled(t *testing.T, p *servertest.Process, writers int, d time.Duration) ([]ack, time.Time) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var acks []ack
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1, PoolSize: 1})
			defer c.Close()
			for i := 0; ; i++ {
				key, val := fmt.Sprintf("w%d:%d", w, i), fmt.Sprint(i)
				var err error
				if i%5 == 4 {
					// A multi-key write: both keys or neither.
					err = c.MSet(ctx, key, val, key+":pair", val).Err()
				} else {
					err = c.Set(ctx, key, val, 0).Err()
				}
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acks = append(acks, ack{key, val, time.Now()})
				mu.Unlock()
			}
		})
	}
	time.Sleep(d)
	killed := time.Now()
	if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acks) < 100 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acks))
	}
	return acks, killed
}

// missing returns the acknowledged writes that p does not hold.
func missing(t *testing.T, p *servertest.Process, acks []ack) []ack {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, DisableIdentity: true, ReadTimeout: time.Minute})
	defer c.Close()
	ctx := context.Background()
	pipe := c.Pipeline()
	cmds := make([]*redis.StringCmd, len(acks))
	for i, a := range acks {
		cmds[i] = pipe.Get(ctx, a.key)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	var lost []ack
	for i, a := range acks {
		if cmds[i].Val() != a.val {
			lost = append(lost, a)
		}
	}
	return lost
}

func TestCrashAppendfsyncAlwaysLosesNothing(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	p := servertest.StartProcess(t, args...)
	acks, _ := writeUntilKilled(t, p, 8, 1500*time.Millisecond)
	p2 := servertest.StartProcess(t, args...)
	if lost := missing(t, p2, acks); len(lost) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after kill -9, first %+v", len(lost), len(acks), lost[0])
	}
}

func TestCrashAppendfsyncEverysecLosesAtMostTwoSeconds(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec"}
	p := servertest.StartProcess(t, args...)
	acks, killed := writeUntilKilled(t, p, 4, 3500*time.Millisecond)
	p2 := servertest.StartProcess(t, args...)
	old := 0
	for _, a := range missing(t, p2, acks) {
		if killed.Sub(a.at) > 2*time.Second {
			old++
		}
	}
	if old > 0 {
		t.Fatalf("%d writes acknowledged more than 2 s before kill -9 were lost", old)
	}
}

func TestCrashTornAOFTailIsCut(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "always"}
	p := servertest.StartProcess(t, args...)
	acks, _ := writeUntilKilled(t, p, 2, 500*time.Millisecond)
	incr := lastIncr(t, dir)
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Half a command, as a crash in the middle of a write leaves it.
	if _, err := f.WriteString("*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nva"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p2 := servertest.StartProcess(t, args...)
	if lost := missing(t, p2, acks); len(lost) > 0 {
		t.Fatalf("%d acknowledged writes lost after cutting a torn tail", len(lost))
	}
	if !strings.Contains(p2.Output(), "truncated") {
		t.Errorf("no warning about the truncated AOF in the log:\n%s", p2.Output())
	}

	// A flipped byte in the middle is corruption, not a torn tail: the
	// server refuses to start and names the file and the offset.
	p2.Cmd.Process.Kill()
	data, err := os.ReadFile(incr)
	if err != nil {
		t.Fatal(err)
	}
	// A command header in the second half turns into garbage ('#' is
	// no RESP type a command can start with).
	mid := len(data) / 2
	at := bytes.IndexByte(data[mid:], '*')
	if at < 0 {
		t.Fatal("no command header in the second half of the incr file")
	}
	data[mid+at] = '#'
	if err := os.WriteFile(incr, data, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := servertest.BuildShoal(t)
	cmd := append([]string{"--port", fmt.Sprint(servertest.FreePort(t)), "--bind", "127.0.0.1", "--metrics-port", "0", "--save", ""}, args...)
	out, err := execOutput(bin, cmd...)
	if err == nil {
		t.Fatalf("shoal started on a corrupt AOF:\n%s", out)
	}
	if !strings.Contains(out, filepath.Base(incr)) || !strings.Contains(out, "offset") {
		t.Errorf("the start-up error does not name the file and offset:\n%s", out)
	}
}

// lastIncr returns the newest incremental AOF file in dir.
func lastIncr(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no incremental AOF in %s: %v", dir, err)
	}
	last := files[0]
	for _, f := range files[1:] {
		if len(f) > len(last) || len(f) == len(last) && f > last {
			last = f
		}
	}
	return last
}

// execOutput runs a program to its end (a minute at most) and returns its
// combined output.
func execOutput(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}
