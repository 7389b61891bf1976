package repl_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/repl"
)

// masterOffset reads master_repl_offset from INFO replication.
func masterOffset(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "master_repl_offset:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no master_repl_offset in INFO")
	return 0
}

// syncFrom runs a full sync against a real redis-server at the protocol
// level and returns the link positioned at the stream, the offset reached
// and the keys the payload held.
func syncFrom(t *testing.T, addr string) (*repl.MasterLink, repl.SyncReply, int) {
	t.Helper()
	l, err := repl.DialMaster(context.Background(), addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	reply, err := l.Handshake(repl.Handshake{ListeningPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !reply.Full || len(reply.ReplID) != 40 {
		t.Fatalf("PSYNC ? -1 got %+v, want a full resync", reply)
	}
	src, _, mark, err := l.Payload()
	if err != nil {
		t.Fatal(err)
	}
	// The keepalive a loading replica sends must not disturb the master.
	if err := l.Keepalive(); err != nil {
		t.Fatal(err)
	}
	rd := rdb.NewReader(src)
	keys := 0
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys++
	}
	if err := l.EndPayload(src, mark, rd.Buffered()); err != nil {
		t.Fatal(err)
	}
	// A diskless master starts the stream on an ACK that arrives once it
	// has seen its transfer end, which may be after the first one: keep
	// acknowledging, as a replica does every second.
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			if l.Ack(reply.Offset) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	return l, reply, keys
}

// TestMasterLinkFollowsRedis syncs from redis-server 7.0 (disk and
// diskless payloads), reads the stream counting its bytes, checks that the
// count matches the master's offset, then reconnects with PSYNC and gets
// +CONTINUE.
func TestMasterLinkFollowsRedis(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless="+diskless, func(t *testing.T) {
			followMaster(t, servertest.StartRedis(t, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"))
		})
	}
}

// TestMasterLinkFollowsShoal is TestMasterLinkFollowsRedis with a Shoal
// master.
func TestMasterLinkFollowsShoal(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless="+diskless, func(t *testing.T) {
			followMaster(t, servertest.Start(t, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0").Addr)
		})
	}
}

func followMaster(t *testing.T, addr string) {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	for i := 0; i < 50; i++ {
		c.Set(ctx, fmt.Sprint("k", i), i, 0)
	}
	l, reply, keys := syncFrom(t, addr)
	if keys != 50 {
		t.Fatalf("payload held %d keys, want 50", keys)
	}
	c.Set(ctx, "after", "sync", 0)
	c.Do(ctx, "SELECT", "0")
	c.RPush(ctx, "list", "a", "b")
	want := masterOffset(t, c)
	off := reply.Offset
	var cmds []string
	for off < want {
		args, raw, err := l.ReadCommand()
		if err != nil {
			t.Fatal(err)
		}
		off += int64(len(raw))
		if len(args) > 0 {
			cmds = append(cmds, strings.ToLower(string(args[0])))
		}
	}
	if off != want {
		t.Fatalf("stream bytes reach offset %d, master is at %d", off, want)
	}
	got := strings.Join(cmds, " ")
	if !strings.Contains(got, "set") || !strings.Contains(got, "rpush") {
		t.Fatalf("stream commands %q lack the writes", got)
	}
	l.Close()

	c.Set(ctx, "while", "away", 0)
	l2, err := repl.DialMaster(ctx, addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	r2, err := l2.Handshake(repl.Handshake{ListeningPort: 1, ReplID: reply.ReplID, Offset: off + 1})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Full {
		t.Fatalf("PSYNC %s %d got a full resync", reply.ReplID, off+1)
	}
	args, _, err := l2.ReadCommand()
	for err == nil && (len(args) == 0 || !strings.EqualFold(string(args[0]), "set")) {
		args, _, err = l2.ReadCommand()
	}
	if err != nil || string(args[1]) != "while" {
		t.Fatalf("after +CONTINUE got %q, %v; want the SET made while away", args, err)
	}
}

// TestMasterLinkAuth checks the handshake's AUTH with masterauth.
func TestMasterLinkAuth(t *testing.T) {
	addr := servertest.StartRedis(t, "--requirepass", "sekret", "--repl-diskless-sync-delay", "0")
	l, err := repl.DialMaster(context.Background(), addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Handshake(repl.Handshake{ListeningPort: 1}); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("handshake without a password: %v, want a NOAUTH failure", err)
	}
	l.Close()
	l, err = repl.DialMaster(context.Background(), addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Handshake(repl.Handshake{ListeningPort: 1, Password: "wrong"}); err == nil {
		t.Fatal("handshake with a wrong password succeeded")
	}
	l3, err := repl.DialMaster(context.Background(), addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	r, err := l3.Handshake(repl.Handshake{ListeningPort: 1, Password: "sekret"})
	if err != nil || !r.Full {
		t.Fatalf("handshake with masterauth: %+v, %v", r, err)
	}
}
