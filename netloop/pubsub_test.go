package netloop_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// pubsubScript runs one subscriber and one publisher through a fixed
// conversation and returns every reply, for comparison with Redis.
func pubsubScript(t *testing.T, addr string) []string {
	t.Helper()
	sub := servertest.Dial(t, addr)
	pub := servertest.Dial(t, addr)
	var out []string
	do := func(c *servertest.Raw, args ...string) {
		out = append(out, strings.Join(args, " ")+" => "+c.Do(args...))
	}
	read := func(c *servertest.Raw) { out = append(out, "  read => "+c.Read()) }

	do(pub, "PUBLISH", "news", "nobody")
	do(sub, "SUBSCRIBE", "news", "sport")
	read(sub)
	do(sub, "PSUBSCRIBE", "n*", "x?")
	read(sub)
	do(sub, "SSUBSCRIBE", "shardch")
	do(pub, "PUBSUB", "NUMSUB", "news", "none")
	do(pub, "PUBSUB", "NUMPAT")
	do(pub, "PUBSUB", "CHANNELS", "s*")
	do(pub, "PUBSUB", "CHANNELS", "[mn]ews")
	do(pub, "PUBSUB", "SHARDCHANNELS")
	do(pub, "PUBSUB", "SHARDNUMSUB", "shardch")
	do(pub, "PUBLISH", "news", "hello")
	read(sub)
	read(sub)
	do(pub, "SPUBLISH", "shardch", "sharded")
	read(sub)
	do(pub, "PUBLISH", "xy", "pattern only")
	do(sub, "GET", "k")
	do(sub, "PING")
	do(sub, "PING", "arg")
	do(sub, "UNSUBSCRIBE", "sport")
	do(sub, "UNSUBSCRIBE")
	read(sub)
	do(sub, "PUNSUBSCRIBE")
	read(sub)
	do(sub, "SUNSUBSCRIBE")
	do(sub, "UNSUBSCRIBE")
	do(sub, "PING")
	do(pub, "PUBSUB", "NUMPAT")
	do(pub, "PUBSUB", "FOO")
	do(pub, "PUBLISH", "news")
	// RESP3: pushes, and every command allowed while subscribed.
	// HELLO's reply names the server's version and client id: not compared.
	sub.Do("HELLO", "3")
	do(sub, "SUBSCRIBE", "news")
	do(sub, "GET", "k")
	do(pub, "PUBLISH", "news", "resp3")
	read(sub)
	do(sub, "PUBLISH", "news", "to myself")
	read(sub)
	do(sub, "RESET")
	do(pub, "PUBSUB", "NUMSUB", "news")
	return out
}

func TestPubsubDiff(t *testing.T) {
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t)
	want := pubsubScript(t, redisAddr)
	got := pubsubScript(t, srv.Addr)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
}

// TestPubsubFanout has many subscribers receive every message of one
// publisher, in order. The full size (1,000 subscribers × 10,000 messages)
// runs without the race detector (make test runs it so); with it, a tenth.
func TestPubsubFanout(t *testing.T) {
	subs, msgs := 1000, 10000
	if raceEnabled {
		subs, msgs = 100, 1000
	}
	srv := servertest.Start(t)
	admin := srv.Client(t)
	ctx := context.Background()
	var ready sync.WaitGroup
	errs := make(chan error, subs)
	var done sync.WaitGroup
	for i := 0; i < subs; i++ {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")); err != nil {
			t.Fatal(err)
		}
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			r := bufio.NewReaderSize(c, 64<<10)
			want := "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
			got := make([]byte, len(want))
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
			if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
				errs <- fmt.Errorf("subscribe reply %q: %v", got, err)
				ready.Done()
				return
			}
			ready.Done()
			for m := 0; m < msgs; m++ {
				payload := fmt.Sprint(m)
				want := fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$%d\r\n%s\r\n", len(payload), payload)
				got := make([]byte, len(want))
				if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
					errs <- fmt.Errorf("message %d: got %q: %v", m, got, err)
					return
				}
			}
		}()
	}
	ready.Wait()
	// One publisher, pipelined: every PUBLISH reaches every subscriber.
	pub := servertest.Dial(t, srv.Addr)
	var req []byte
	for m := 0; m < msgs; m++ {
		payload := fmt.Sprint(m)
		req = proto.AppendArrayLen(req, 3)
		req = proto.AppendBulkString(req, "PUBLISH")
		req = proto.AppendBulkString(req, "ch")
		req = proto.AppendBulkString(req, payload)
	}
	go pub.Send(req)
	wantReply := fmt.Sprintf(":%d\r\n", subs)
	for m := 0; m < msgs; m++ {
		if got := pub.Read(); got != wantReply {
			t.Fatalf("PUBLISH %d answered %q, want %q", m, got, wantReply)
		}
	}
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := admin.PubSubNumSub(ctx, "ch").Val()["ch"]; n != int64(subs) {
		t.Fatalf("NUMSUB = %d", n)
	}
}

// TestPubsubSlowSubscriber checks that a subscriber that never reads is
// disconnected past the hard output limit while the publisher and a
// subscriber that reads keep going.
func TestPubsubSlowSubscriber(t *testing.T) {
	srv := servertest.Start(t, "--client-output-buffer-limit", "pubsub", "4mb", "2mb", "60")
	ctx := context.Background()
	admin := srv.Client(t)

	slow := servertest.Dial(t, srv.Addr)
	slow.Do("CLIENT", "SETNAME", "slow")
	slow.Send([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n"))
	// The slow subscriber never reads again.

	const msgs, size = 2000, 32 << 10
	fast, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	if _, err := fast.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")); err != nil {
		t.Fatal(err)
	}
	one := fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$%d\r\n%s\r\n", size, strings.Repeat("x", size))
	sub := "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
	received := make(chan error, 1)
	go func() {
		_ = fast.SetReadDeadline(time.Now().Add(5 * time.Minute))
		_, err := io.CopyN(io.Discard, fast, int64(len(sub)+msgs*len(one)))
		received <- err
	}()
	for admin.PubSubNumSub(ctx, "ch").Val()["ch"] != 2 {
		time.Sleep(time.Millisecond)
	}

	payload := strings.Repeat("x", size)
	for i := 0; i < msgs; i++ {
		if err := admin.Publish(ctx, "ch", payload).Err(); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	if err := <-received; err != nil {
		t.Fatalf("reading subscriber: %v", err)
	}
	// 2000 × 32 KB = 64 MB went out; the slow client had to be dropped.
	list := admin.ClientList(ctx).Val()
	if strings.Contains(list, "name=slow ") {
		t.Fatalf("slow subscriber still connected:\n%s", list)
	}
}

// TestNormalOutputLimit checks client-output-buffer-limit's normal class:
// a client that pipelines large replies without reading is closed past the
// hard limit, and another client is served throughout.
func TestNormalOutputLimit(t *testing.T) {
	srv := servertest.Start(t, "--client-output-buffer-limit", "normal", "1mb", "0", "0")
	ctx := context.Background()
	admin := srv.Client(t)
	if err := admin.Set(ctx, "big", strings.Repeat("x", 100<<10), 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := admin.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; got != "normal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" {
		t.Fatalf("CONFIG GET client-output-buffer-limit = %q", got)
	}
	slow := servertest.Dial(t, srv.Addr)
	slow.Do("CLIENT", "SETNAME", "slow")
	get := []byte("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
	var req []byte
	for i := 0; i < 200; i++ {
		req = append(req, get...)
	}
	// 200 × 100 KB = 20 MB of replies that are never read.
	go func() {
		for i := 0; i < 10; i++ {
			if _, err := slow.Conn().Write(req); err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for strings.Contains(admin.ClientList(ctx).Val(), "name=slow ") {
		if time.Now().After(deadline) {
			t.Fatal("the client past the normal hard limit was not closed")
		}
		if err := admin.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
