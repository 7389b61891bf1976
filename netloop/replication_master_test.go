package netloop_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto/rdb"
)

// startRedisReplica runs a real redis-server 7.0 replicating from the
// Shoal master at port.
func startRedisReplica(t *testing.T, port int) *redisMaster {
	t.Helper()
	return startRedisMaster(t, "--replicaof", "127.0.0.1", strconv.Itoa(port))
}

// TestRedisReplicaOfShoal: a real redis-server 7.0 follows a Shoal master
// through a full sync (disk and diskless payloads) with writes of every
// type during and after it, and ends with the master's dataset.
func TestRedisReplicaOfShoal(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless="+diskless, func(t *testing.T) {
			m := servertest.Start(t, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
			fillDataset(t, m.Addr)
			mixedLoad(t, m.Addr, 50, 1)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				// Writes while the replica syncs.
				defer wg.Done()
				mixedLoad(t, m.Addr, 150, 2)
			}()
			r := startRedisReplica(t, m.Port)
			wg.Wait()
			mc, rc := dbClient(t, m.Addr, 0), dbClient(t, r.Addr, 0)
			waitCaughtUp(t, mc, rc)
			mixedLoad(t, m.Addr, 100, 3)
			settle(t, mc, rc)
			sameDataset(t, m.Addr, r.Addr)

			if got := infoField(t, mc, "sync_full"); got != "1" {
				t.Errorf("sync_full:%s, want 1", got)
			}
			if got := infoField(t, rc, "master_replid"); got != infoField(t, mc, "master_replid") {
				t.Errorf("replica's master_replid %s, master's %s", got, infoField(t, mc, "master_replid"))
			}
			line := infoField(t, mc, "slave0")
			want := fmt.Sprintf(`^ip=127\.0\.0\.1,port=%d,state=online,offset=\d+,lag=\d+$`, r.Port)
			if !regexp.MustCompile(want).MatchString(line) {
				t.Errorf("slave0:%s, want %s", line, want)
			}
			role, err := mc.Do(context.Background(), "ROLE").Slice()
			if err != nil || len(role) != 3 || role[0] != "master" {
				t.Fatalf("ROLE = %v, %v", role, err)
			}
			if rs, _ := role[2].([]any); len(rs) != 1 || fmt.Sprint(rs[0]) != fmt.Sprintf("[127.0.0.1 %d %v]", r.Port, rs[0].([]any)[2]) {
				t.Errorf("ROLE replicas = %v", role[2])
			}
		})
	}
}

// TestRedisReplicaContinues: a replica disconnected for a moment (CLIENT
// KILL TYPE replica on the master) resumes with +CONTINUE, not a full
// sync, and gets the writes made meanwhile.
func TestRedisReplicaContinues(t *testing.T) {
	m := servertest.Start(t, "--repl-diskless-sync-delay", "0")
	fillDataset(t, m.Addr)
	r := startRedisReplica(t, m.Port)
	mc, rc := dbClient(t, m.Addr, 0), dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	ctx := context.Background()
	for round := 1; round <= 2; round++ {
		if n, err := mc.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Int(); err != nil || n != 1 {
			t.Fatalf("CLIENT KILL TYPE replica = %d, %v", n, err)
		}
		mixedLoad(t, m.Addr, 30, int64(round))
		waitFor(t, "the partial resync", func() bool {
			return infoField(t, mc, "sync_partial_ok") == strconv.Itoa(round)
		})
		waitCaughtUp(t, mc, rc)
	}
	settle(t, mc, rc)
	sameDataset(t, m.Addr, r.Addr)
	if got := infoField(t, mc, "sync_full"); got != "1" {
		t.Errorf("sync_full:%s, want 1", got)
	}
}

// TestWaitAndMinReplicas: WAIT counts the replicas that acknowledged,
// waits for the timeout when too few exist, and min-replicas-to-write
// refuses writes without enough good replicas.
func TestWaitAndMinReplicas(t *testing.T) {
	m := servertest.Start(t, "--repl-diskless-sync-delay", "0")
	mc := dbClient(t, m.Addr, 0)
	ctx := context.Background()
	if n, err := mc.Do(ctx, "WAIT", "0", "0").Int(); err != nil || n != 0 {
		t.Fatalf("WAIT 0 0 without replicas = %d, %v", n, err)
	}
	if n, err := mc.Do(ctx, "WAIT", "1", "50").Int(); err != nil || n != 0 {
		t.Fatalf("WAIT 1 50 without replicas = %d, %v", n, err)
	}
	if err := mc.Do(ctx, "WAIT", "1", "-1").Err(); err == nil || err.Error() != "ERR timeout is negative" {
		t.Errorf("WAIT 1 -1: %v", err)
	}
	mc.ConfigSet(ctx, "min-replicas-to-write", "1")
	waitFor(t, "NOREPLICAS", func() bool {
		err := mc.Set(ctx, "k", "v", 0).Err()
		return err != nil && err.Error() == "NOREPLICAS Not enough good replicas to write."
	})
	if err := mc.Set(ctx, "k2", "v", 0).Err(); err == nil {
		t.Fatal("SET accepted without replicas")
	}
	if v, err := mc.Get(ctx, "k2").Result(); err != redis.Nil {
		t.Fatalf("GET after a refused SET = %q, %v", v, err)
	}

	r := startRedisReplica(t, m.Port)
	rc := dbClient(t, r.Addr, 0)
	waitFor(t, "writes accepted with one replica", func() bool { return mc.Set(ctx, "k", "v", 0).Err() == nil })
	waitCaughtUp(t, mc, rc)
	for i := 0; i < 20; i++ {
		mc.Incr(ctx, "n")
		if n, err := mc.Do(ctx, "WAIT", "1", "0").Int(); err != nil || n != 1 {
			t.Fatalf("WAIT 1 0 = %d, %v", n, err)
		}
		if v, _ := rc.Get(ctx, "n").Int(); v != i+1 {
			t.Fatalf("after WAIT the replica has n=%d, want %d", v, i+1)
		}
	}
	if n, err := mc.Do(ctx, "WAIT", "2", "100").Int(); err != nil || n != 1 {
		t.Fatalf("WAIT 2 100 with one replica = %d, %v", n, err)
	}
	mc.ConfigSet(ctx, "min-replicas-to-write", "2")
	waitFor(t, "NOREPLICAS with min 2", func() bool { return mc.Set(ctx, "k", "v", 0).Err() != nil })
}

// fakeReplica speaks the replica side of the protocol over a raw socket.
type fakeReplica struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialFakeReplica(t *testing.T, addr string) *fakeReplica {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &fakeReplica{t: t, c: c, br: bufio.NewReader(c)}
}

func (f *fakeReplica) send(args ...string) {
	f.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := f.c.Write([]byte(b.String())); err != nil {
		f.t.Fatal(err)
	}
}

// line reads one line, skipping the newlines a master sends to keep the
// link alive.
func (f *fakeReplica) line() string {
	f.t.Helper()
	_ = f.c.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		l, err := f.br.ReadString('\n')
		if err != nil {
			f.t.Fatalf("reading from the master: %v", err)
		}
		if l != "\n" {
			return strings.TrimSuffix(l, "\r\n")
		}
	}
}

// payload reads a full sync's RDB (either form) and returns its keys.
func (f *fakeReplica) payload() []rdb.Entry {
	f.t.Helper()
	head := f.line()
	var src io.Reader
	var mark string
	if m, ok := strings.CutPrefix(head, "$EOF:"); ok {
		mark = m
		src = f.br
	} else {
		n, err := strconv.ParseInt(strings.TrimPrefix(head, "$"), 10, 64)
		if err != nil {
			f.t.Fatalf("payload header %q", head)
		}
		src = io.LimitReader(f.br, n)
	}
	rr := rdb.NewReader(src)
	var out []rdb.Entry
	for {
		e, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.t.Fatalf("payload: %v", err)
		}
		out = append(out, e)
	}
	if mark != "" {
		got := make([]byte, len(mark))
		if _, err := io.ReadFull(io.MultiReader(bytesReader(rr.Buffered()), f.br), got); err != nil || string(got) != mark {
			f.t.Fatalf("EOF mark %q, want %q (%v)", got, mark, err)
		}
	}
	return out
}

func bytesReader(b []byte) io.Reader { return strings.NewReader(string(b)) }

// command reads one RESP array of bulk strings from the stream.
func (f *fakeReplica) command() []string {
	f.t.Helper()
	h := f.line()
	n, err := strconv.Atoi(strings.TrimPrefix(h, "*"))
	if err != nil || h[0] != '*' {
		f.t.Fatalf("stream: %q", h)
	}
	out := make([]string, n)
	for i := range out {
		l, _ := strconv.Atoi(strings.TrimPrefix(f.line(), "$"))
		b := make([]byte, l+2)
		if _, err := io.ReadFull(f.br, b); err != nil {
			f.t.Fatal(err)
		}
		out[i] = string(b[:l])
	}
	return out
}

// next returns the stream's next command other than the master's PING,
// counting the PINGs it skips.
func (f *fakeReplica) next(pings *int) string {
	f.t.Helper()
	for {
		c := strings.Join(f.command(), " ")
		if c != "PING" {
			return c
		}
		*pings++
	}
}

// TestPsyncProtocol checks the bytes a replica gets: +FULLRESYNC with the
// replid and offset INFO shows, a diskless payload with the repl AUX
// fields, a stream that starts with the SELECT of the written database,
// the master's PINGs, and +CONTINUE <replid> on a PSYNC at a kept offset.
func TestPsyncProtocol(t *testing.T) {
	m := servertest.Start(t, "--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1")
	mc := dbClient(t, m.Addr, 0)
	ctx := context.Background()
	mc.Set(ctx, "before", "1", 0)
	f := dialFakeReplica(t, m.Addr)
	f.send("REPLCONF", "listening-port", "7777")
	f.send("REPLCONF", "capa", "eof", "capa", "psync2")
	for i := 0; i < 2; i++ {
		if l := f.line(); l != "+OK" {
			t.Fatalf("REPLCONF: %q", l)
		}
	}
	f.send("PSYNC", "?", "-1")
	full := strings.Fields(f.line())
	if len(full) != 3 || full[0] != "+FULLRESYNC" || len(full[1]) != 40 {
		t.Fatalf("PSYNC reply %q", full)
	}
	entries := f.payload()
	// The stream follows a diskless payload once the replica acknowledges.
	f.send("REPLCONF", "ACK", full[2])
	if len(entries) != 1 || string(entries[0].Key) != "before" {
		t.Fatalf("payload entries %+v", entries)
	}
	if id := infoField(t, mc, "master_replid"); id != full[1] {
		t.Errorf("master_replid %s, FULLRESYNC said %s", id, full[1])
	}
	dc := dbClient(t, m.Addr, 5)
	dc.Set(ctx, "after", "2", 0)
	pings := 0
	if got := f.next(&pings); got != "SELECT 5" {
		t.Fatalf("stream starts with %q", got)
	}
	if got := f.next(&pings); !strings.EqualFold(got, "SET after 2") {
		t.Fatalf("stream: %q", got)
	}
	for pings < 2 {
		if got := strings.Join(f.command(), " "); got != "PING" {
			t.Fatalf("stream while idle: %q, want PING", got)
		}
		pings++
	}
	waitFor(t, "the replica in INFO", func() bool {
		return strings.HasPrefix(infoField(t, mc, "slave0"), "ip=127.0.0.1,port=7777,state=online,")
	})
	off, _ := strconv.ParseInt(full[2], 10, 64)

	g := dialFakeReplica(t, m.Addr)
	g.send("REPLCONF", "capa", "psync2")
	g.line()
	g.send("PSYNC", full[1], strconv.FormatInt(off+1, 10))
	if l := g.line(); l != "+CONTINUE "+full[1] {
		t.Fatalf("PSYNC at a kept offset: %q", l)
	}
	if got := g.next(&pings); got != "SELECT 5" {
		t.Fatalf("continued stream starts with %q", got)
	}
	if n := infoField(t, mc, "sync_partial_ok"); n != "1" {
		t.Errorf("sync_partial_ok:%s", n)
	}
	h := dialFakeReplica(t, m.Addr)
	h.send("PSYNC", strings.Repeat("a", 40), "1")
	if l := h.line(); !strings.HasPrefix(l, "+FULLRESYNC ") {
		t.Fatalf("PSYNC with an unknown replid: %q", l)
	}
	if n := infoField(t, mc, "sync_partial_err"); n != "1" {
		t.Errorf("sync_partial_err:%s", n)
	}
}

// TestReplicaOutputLimit: a replica that stops reading is disconnected
// once the stream it has not received passes client-output-buffer-limit
// replica, and writes go on.
func TestReplicaOutputLimit(t *testing.T) {
	m := servertest.Start(t, "--repl-diskless-sync-delay", "0", "--client-output-buffer-limit", "replica 1mb 512kb 60")
	mc := dbClient(t, m.Addr, 0)
	ctx := context.Background()
	f := dialFakeReplica(t, m.Addr)
	f.c.(*net.TCPConn).SetReadBuffer(4096)
	f.send("PSYNC", "?", "-1")
	full := strings.Fields(f.line())
	f.payload()
	f.send("REPLCONF", "ACK", full[2])
	waitFor(t, "the replica online", func() bool { return infoField(t, mc, "connected_slaves") == "1" })
	val := strings.Repeat("x", 64<<10)
	for i := 0; infoField(t, mc, "connected_slaves") != "0"; i++ {
		if i == 2000 {
			t.Fatal("a replica that does not read was kept after 128 MB of writes")
		}
		if err := mc.Set(ctx, "k"+strconv.Itoa(i%10), val, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got := mc.Set(ctx, "after", "1", 0).Err(); got != nil {
		t.Fatalf("SET after the disconnect: %v", got)
	}
}
