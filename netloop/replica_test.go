package netloop_test

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// redisMaster is a real redis-server this test can kill.
type redisMaster struct {
	Addr string
	Port int
	cmd  *exec.Cmd
}

func startRedisMaster(t *testing.T, args ...string) *redisMaster {
	t.Helper()
	bin := servertest.Binary(t, "redis-server")
	port := servertest.FreePort(t)
	// No wait for more replicas before a diskless sync: tests sync one.
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir(),
		"--repl-diskless-sync-delay", "0"}, args...)
	m := &redisMaster{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, cmd: exec.Command(bin, all...)}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.kill)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", m.Addr); err == nil {
			c.Close()
			return m
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("redis-server did not start on %s", m.Addr)
	return nil
}

func (m *redisMaster) kill() {
	if m.cmd.ProcessState == nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	}
}

// infoField returns one field of INFO.
func infoField(t *testing.T, c *redis.Client, field string) string {
	t.Helper()
	info, err := c.Info(context.Background(), "replication", "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// waitFor polls cond for up to a minute (the race detector on a shared
// machine is slow), failing with what.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// waitCaughtUp waits until the replica has processed the master's whole
// stream.
func waitCaughtUp(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	waitFor(t, "the replica to catch up", func() bool {
		want := infoField(t, master, "master_repl_offset")
		return infoField(t, replica, "master_link_status") == "up" && infoField(t, replica, "slave_repl_offset") == want
	})
}

// settle waits until the load's shortest TTLs (at most 200 ms) have
// passed and the replica has the master's DELs for them, so that no key
// expires between reading the master's dataset and the replica's.
func settle(t *testing.T, master, replica *redis.Client) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	waitCaughtUp(t, master, replica)
}

// mixedLoad writes every type for rounds rounds: TTLs (some about to
// expire), MULTI/EXEC, XADD with MAXLEN ~ and LIMIT, SPOP, INCRBYFLOAT,
// two databases. It returns how many commands it sent.
func mixedLoad(t *testing.T, addr string, rounds int, seed int64) int {
	t.Helper()
	ctx := context.Background()
	rnd := rand.New(rand.NewSource(seed))
	sent := 0
	for db := 0; db < 3; db += 2 {
		c := dbClient(t, addr, db)
		for r := 0; r < rounds; r++ {
			k := func(p string) string { return fmt.Sprintf("load:%s:%d", p, rnd.Intn(20)) }
			p := c.Pipeline()
			p.Set(ctx, k("str"), rnd.Int(), 0)
			p.Set(ctx, k("ttl"), "v", time.Duration(1+rnd.Intn(3600))*time.Second)
			p.Set(ctx, k("short"), "gone soon", time.Duration(20+rnd.Intn(80))*time.Millisecond)
			p.Incr(ctx, k("counter"))
			p.IncrByFloat(ctx, k("float"), 1.5)
			p.Append(ctx, k("str"), "x")
			p.LPush(ctx, k("list"), rnd.Int())
			p.RPop(ctx, k("list"))
			p.RPush(ctx, k("list"), "a", "b", "c")
			p.HSet(ctx, k("hash"), fmt.Sprint("f", rnd.Intn(10)), rnd.Int())
			p.HDel(ctx, k("hash"), fmt.Sprint("f", rnd.Intn(10)))
			p.HIncrBy(ctx, k("hash"), "n", 2)
			p.SAdd(ctx, k("set"), rnd.Intn(50), rnd.Intn(50), "m"+fmt.Sprint(rnd.Intn(9)))
			p.SPop(ctx, k("set"))
			p.ZAdd(ctx, k("zset"), redis.Z{Score: rnd.Float64(), Member: fmt.Sprint("m", rnd.Intn(30))})
			p.ZIncrBy(ctx, k("zset"), 2.5, "m1")
			p.ZPopMin(ctx, k("zset"))
			p.XAdd(ctx, &redis.XAddArgs{Stream: k("stream"), MaxLen: 5, Approx: true, Limit: 2, Values: []any{"n", r}})
			p.XAdd(ctx, &redis.XAddArgs{Stream: k("stream"), MaxLen: 8, Values: []any{"n", r}})
			p.Expire(ctx, k("hash"), time.Hour)
			p.PExpire(ctx, k("list"), time.Duration(100+rnd.Intn(100))*time.Millisecond)
			p.Del(ctx, k("str"))
			sent += 22
			if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
				t.Fatalf("load: %v", err)
			}
			tx := c.TxPipeline()
			tx.Incr(ctx, "load:tx:a")
			tx.RPush(ctx, "load:tx:list", r)
			tx.SetEx(ctx, "load:tx:ttl", r, time.Hour)
			tx.SMove(ctx, k("set"), "load:tx:set", rnd.Intn(50))
			if _, err := tx.Exec(ctx); err != nil {
				t.Fatalf("load transaction: %v", err)
			}
			sent += 4
		}
	}
	return sent
}

// TestReplicaOfRedis: a Shoal replica follows a real redis-server 7.0
// master through a full sync (disk and diskless payloads) with writes
// during and after it, and ends with the master's dataset.
func TestReplicaOfRedis(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless="+diskless, func(t *testing.T) {
			m := startRedisMaster(t, "--repl-diskless-sync", diskless)
			fillDataset(t, m.Addr)
			mixedLoad(t, m.Addr, 50, 1)
			r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
			// Writes while the replica syncs.
			if n := mixedLoad(t, m.Addr, 100, 2); n == 0 {
				t.Fatal("no load generated")
			}
			mc, rc := dbClient(t, m.Addr, 0), dbClient(t, r.Addr, 0)
			waitCaughtUp(t, mc, rc)
			mixedLoad(t, m.Addr, 100, 3)
			settle(t, mc, rc)
			sameDataset(t, m.Addr, r.Addr)

			if got := infoField(t, rc, "role"); got != "slave" {
				t.Errorf("role:%s, want slave", got)
			}
			if got := infoField(t, rc, "master_replid"); got != infoField(t, mc, "master_replid") {
				t.Errorf("master_replid %s, master has %s", got, infoField(t, mc, "master_replid"))
			}
			role, err := rc.Do(context.Background(), "ROLE").Slice()
			if err != nil || len(role) != 5 || role[0] != "slave" || role[3] != "connected" {
				t.Errorf("ROLE = %v, %v", role, err)
			}
		})
	}
}

// TestReplicaRefusesWrites: READONLY for writes (also queued in MULTI),
// reads served, and replica-read-only no lets clients write.
func TestReplicaRefusesWrites(t *testing.T) {
	m := startRedisMaster(t)
	mc := dbClient(t, m.Addr, 0)
	mc.Set(context.Background(), "k", "v", 0)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	ctx := context.Background()
	if err := rc.Set(ctx, "k", "x", 0).Err(); err == nil || err.Error() != "READONLY You can't write against a read only replica." {
		t.Fatalf("SET on a replica: %v", err)
	}
	if v, err := rc.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET on a replica: %q, %v", v, err)
	}
	tx := rc.TxPipeline()
	tx.Set(ctx, "k", "y", 0)
	if _, err := tx.Exec(ctx); err == nil || !strings.HasPrefix(err.Error(), "EXECABORT") {
		t.Fatalf("MULTI SET EXEC on a replica: %v", err)
	}
	if err := rc.ConfigSet(ctx, "replica-read-only", "no").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Set(ctx, "local", "1", 0).Err(); err != nil {
		t.Fatalf("SET with replica-read-only no: %v", err)
	}
}

// TestReplicaMasterDown: killing the master leaves a replica serving
// reads with master_link_status:down, or refusing them with
// replica-serve-stale-data no.
func TestReplicaMasterDown(t *testing.T) {
	m := startRedisMaster(t)
	fillDataset(t, m.Addr)
	mc := dbClient(t, m.Addr, 0)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	want, wantTTL := datasetOf(t, m.Addr)
	m.kill()
	waitFor(t, "master_link_status:down", func() bool { return infoField(t, rc, "master_link_status") == "down" })
	got, gotTTL := datasetOf(t, r.Addr)
	compareDatasets(t, want, wantTTL, got, gotTTL)
	if v := infoField(t, rc, "master_link_down_since_seconds"); v == "" || v == "-1" {
		t.Errorf("master_link_down_since_seconds:%s", v)
	}
	ctx := context.Background()
	if err := rc.ConfigSet(ctx, "replica-serve-stale-data", "no").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Get(ctx, "db0:str").Err(); err == nil || err.Error() != "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." {
		t.Fatalf("GET with the link down and replica-serve-stale-data no: %v", err)
	}
	// Commands flagged stale still run; PING is not one, as in Redis.
	if err := rc.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "MASTERDOWN") {
		t.Fatalf("PING on a stale replica: %v", err)
	}
	if err := rc.Info(ctx, "replication").Err(); err != nil {
		t.Fatalf("INFO on a stale replica: %v", err)
	}
}

// TestReplicaPartialResync: a link cut by the master (CLIENT KILL TYPE
// replica) or by the replica (CLIENT KILL TYPE master) resumes with
// +CONTINUE, as the master's sync_partial_ok shows, and the stream goes on
// where it stopped.
func TestReplicaPartialResync(t *testing.T) {
	m := startRedisMaster(t)
	mc := dbClient(t, m.Addr, 0)
	fillDataset(t, m.Addr)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		before := infoField(t, mc, "sync_partial_ok")
		// Cut the link from either end: the master's CLIENT KILL TYPE
		// replica, the replica's CLIENT KILL TYPE master.
		killer, typ := mc, "replica"
		if i%2 == 1 {
			killer, typ = rc, "master"
		}
		if n, err := killer.ClientKillByFilter(ctx, "TYPE", typ).Result(); err != nil || n != 1 {
			t.Fatalf("CLIENT KILL TYPE %s: %d, %v", typ, n, err)
		}
		mixedLoad(t, m.Addr, 20, int64(10+i))
		waitFor(t, "a partial resync", func() bool { return infoField(t, mc, "sync_partial_ok") != before })
		waitCaughtUp(t, mc, rc)
	}
	if full := infoField(t, mc, "sync_full"); full != "1" {
		t.Errorf("sync_full:%s after reconnections, want 1", full)
	}
	settle(t, mc, rc)
	sameDataset(t, m.Addr, r.Addr)
}

// TestReplicaofCommand: REPLICAOF's replies and promotion.
func TestReplicaofCommand(t *testing.T) {
	m := startRedisMaster(t)
	mc := dbClient(t, m.Addr, 0)
	fillDataset(t, m.Addr)
	r := servertest.Start(t)
	rc := dbClient(t, r.Addr, 0)
	ctx := context.Background()
	port := strconv.Itoa(m.Port)
	if v, err := rc.Do(ctx, "REPLICAOF", "NO", "ONE").Text(); err != nil || v != "OK" {
		t.Fatalf("REPLICAOF NO ONE on a master: %q, %v", v, err)
	}
	if err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", "x").Err(); err == nil || err.Error() != "ERR Invalid master port" {
		t.Fatalf("REPLICAOF with a bad port: %v", err)
	}
	if v, err := rc.Do(ctx, "SLAVEOF", "127.0.0.1", port).Text(); err != nil || v != "OK" {
		t.Fatalf("SLAVEOF: %q, %v", v, err)
	}
	if v, err := rc.Do(ctx, "REPLICAOF", "127.0.0.1", port).Text(); err != nil || v != "OK Already connected to specified master" {
		t.Fatalf("REPLICAOF the same master: %q, %v", v, err)
	}
	waitCaughtUp(t, mc, rc)
	sameDataset(t, m.Addr, r.Addr)
	masterID := infoField(t, rc, "master_replid")
	off, _ := strconv.ParseInt(infoField(t, rc, "master_repl_offset"), 10, 64)
	if v, err := rc.Do(ctx, "REPLICAOF", "NO", "ONE").Text(); err != nil || v != "OK" {
		t.Fatalf("REPLICAOF NO ONE: %q, %v", v, err)
	}
	if got := infoField(t, rc, "role"); got != "master" {
		t.Fatalf("role:%s after promotion", got)
	}
	if got := infoField(t, rc, "master_replid2"); got != masterID {
		t.Errorf("master_replid2:%s, want the old master's %s", got, masterID)
	}
	if got := infoField(t, rc, "second_repl_offset"); got != strconv.FormatInt(off+1, 10) {
		t.Errorf("second_repl_offset:%s, want %d", got, off+1)
	}
	if err := rc.Set(ctx, "promoted", "yes", 0).Err(); err != nil {
		t.Fatalf("write after promotion: %v", err)
	}
	waitFor(t, "the master to drop its replica", func() bool { return infoField(t, mc, "connected_slaves") == "0" })
	mc.Set(ctx, "after-promotion", "1", 0)
	if n, _ := rc.Exists(ctx, "after-promotion").Result(); n != 0 {
		t.Error("a write on the old master reached the promoted replica")
	}
}

// TestReplicaOfShoal: a Shoal replica of a Shoal master, disk and
// diskless, with writes during and after the sync.
func TestReplicaOfShoal(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless="+diskless, func(t *testing.T) {
			m := servertest.Start(t, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
			fillDataset(t, m.Addr)
			mixedLoad(t, m.Addr, 50, 1)
			r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
			mixedLoad(t, m.Addr, 100, 2)
			mc, rc := dbClient(t, m.Addr, 0), dbClient(t, r.Addr, 0)
			waitCaughtUp(t, mc, rc)
			mixedLoad(t, m.Addr, 100, 3)
			settle(t, mc, rc)
			sameDataset(t, m.Addr, r.Addr)
		})
	}
}

// TestChainedReplicas: A → B → C, where B forwards A's stream verbatim:
// C reaches A's offset and A's dataset, and continues partially from B
// after its link to B is cut.
func TestChainedReplicas(t *testing.T) {
	a := servertest.Start(t, "--repl-diskless-sync-delay", "0")
	fillDataset(t, a.Addr)
	b := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(a.Port), "--repl-diskless-sync-delay", "0")
	ac, bc := dbClient(t, a.Addr, 0), dbClient(t, b.Addr, 0)
	waitCaughtUp(t, ac, bc)
	c := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(b.Port))
	cc := dbClient(t, c.Addr, 0)
	mixedLoad(t, a.Addr, 100, 4)
	waitCaughtUp(t, ac, bc)
	waitCaughtUp(t, bc, cc)
	if ao, co := infoField(t, ac, "master_repl_offset"), infoField(t, cc, "master_repl_offset"); ao != co {
		t.Errorf("C is at offset %s, A at %s", co, ao)
	}
	before := infoField(t, bc, "sync_partial_ok")
	if n, err := bc.ClientKillByFilter(context.Background(), "TYPE", "replica").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL TYPE replica on B: %d, %v", n, err)
	}
	mixedLoad(t, a.Addr, 30, 5)
	waitFor(t, "C to continue partially from B", func() bool { return infoField(t, bc, "sync_partial_ok") != before })
	settle(t, ac, bc)
	waitCaughtUp(t, bc, cc)
	sameDataset(t, a.Addr, c.Addr)
}

// TestPromotionSiblingsContinue: B and C replicate A; B is promoted and C
// moves to B, both in MULTI … EXEC as Sentinel sends them, C continuing
// partially (B's replid2 is A's history); B's new writes reach C.
func TestPromotionSiblingsContinue(t *testing.T) {
	a := servertest.Start(t, "--repl-diskless-sync-delay", "0")
	fillDataset(t, a.Addr)
	b := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(a.Port), "--repl-diskless-sync-delay", "0")
	c := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(a.Port))
	ac, bc, cc := dbClient(t, a.Addr, 0), dbClient(t, b.Addr, 0), dbClient(t, c.Addr, 0)
	mixedLoad(t, a.Addr, 50, 6)
	settle(t, ac, bc)
	waitCaughtUp(t, ac, cc)
	ctx := context.Background()
	// As Sentinel does it: REPLICAOF inside MULTI … EXEC.
	sentinelStyle := func(c *redis.Client, args ...any) {
		t.Helper()
		tx := c.TxPipeline()
		tx.Do(ctx, args...)
		tx.Do(ctx, "CLIENT", "KILL", "TYPE", "normal")
		if _, err := tx.Exec(ctx); err != nil {
			t.Fatalf("MULTI %v EXEC: %v", args, err)
		}
	}
	sentinelStyle(bc, "REPLICAOF", "NO", "ONE")
	sentinelStyle(cc, "REPLICAOF", "127.0.0.1", strconv.Itoa(b.Port))
	waitFor(t, "C to continue from B", func() bool { return infoField(t, bc, "sync_partial_ok") == "1" })
	if full := infoField(t, bc, "sync_full"); full != "0" {
		t.Errorf("B served %s full syncs, want none", full)
	}
	mixedLoad(t, b.Addr, 50, 7)
	settle(t, bc, cc)
	sameDataset(t, b.Addr, c.Addr)
	if got, want := infoField(t, cc, "master_replid"), infoField(t, bc, "master_replid"); got != want {
		t.Errorf("C's replid %s, B's %s", got, want)
	}
}

// infoFields returns INFO replication's field names in order, with the
// values of the fields named in keep.
func infoFields(t *testing.T, c *redis.Client, keep ...string) []string {
	t.Helper()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(info), "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, k := range keep {
			if k == name {
				name += "=" + v
			}
		}
		out = append(out, name)
	}
	return out
}

// TestReplicaInfoLikeRedis compares a Shoal replica's INFO replication
// and ROLE with a redis-server replica's of the same master, and checks
// that WAIT on the master counts both (REPLCONF GETACK answered).
func TestReplicaInfoLikeRedis(t *testing.T) {
	m := startRedisMaster(t)
	fillDataset(t, m.Addr)
	port := strconv.Itoa(m.Port)
	redisReplica := servertest.StartRedis(t, "--replicaof", "127.0.0.1", port)
	shoal := servertest.Start(t, "--replicaof", "127.0.0.1", port)
	mc, rc, sc := dbClient(t, m.Addr, 0), dbClient(t, redisReplica, 0), dbClient(t, shoal.Addr, 0)
	mixedLoad(t, m.Addr, 10, 8)
	waitCaughtUp(t, mc, rc)
	waitCaughtUp(t, mc, sc)
	ctx := context.Background()
	if n, err := mc.Wait(ctx, 2, time.Minute).Result(); err != nil || n != 2 {
		t.Fatalf("WAIT 2 on the master: %d, %v", n, err)
	}
	keep := []string{"role", "master_host", "master_port", "master_link_status", "master_sync_in_progress",
		"slave_priority", "slave_read_only", "replica_announced", "connected_slaves", "master_failover_state", "master_replid2", "second_repl_offset"}
	want, got := infoFields(t, rc, keep...), infoFields(t, sc, keep...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("INFO replication of a replica:\ngot  %q\nwant %q", got, want)
	}
	wantRole, err1 := rc.Do(ctx, "ROLE").Slice()
	gotRole, err2 := sc.Do(ctx, "ROLE").Slice()
	if err1 != nil || err2 != nil || fmt.Sprint(gotRole[:4]) != fmt.Sprint(wantRole[:4]) || gotRole[4] != infoInt(t, sc, "slave_repl_offset") {
		t.Errorf("ROLE = %v (%v), redis-server says %v (%v)", gotRole, err2, wantRole, err1)
	}
	// Both links down: the fields while disconnected.
	m.kill()
	waitFor(t, "the links to go down", func() bool {
		return infoField(t, rc, "master_link_status") == "down" && infoField(t, sc, "master_link_status") == "down"
	})
	keep = append(keep, "master_last_io_seconds_ago")
	want, got = infoFields(t, rc, keep...), infoFields(t, sc, keep...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("INFO replication of a disconnected replica:\ngot  %q\nwant %q", got, want)
	}
	wantRole, _ = rc.Do(ctx, "ROLE").Slice()
	gotRole, _ = sc.Do(ctx, "ROLE").Slice()
	if fmt.Sprint(gotRole[:2], gotRole[4]) != fmt.Sprint(wantRole[:2], wantRole[4]) {
		t.Errorf("ROLE with the link down = %v, redis-server says %v", gotRole, wantRole)
	}
}

// TestReplicaTimeout: a master that stops sending (SIGSTOP) is dropped
// after repl-timeout, and the replica continues partially once it is back.
func TestReplicaTimeout(t *testing.T) {
	m := startRedisMaster(t, "--repl-ping-replica-period", "1")
	mc := dbClient(t, m.Addr, 0)
	fillDataset(t, m.Addr)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port), "--repl-timeout", "3")
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	if err := m.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the link to time out", func() bool { return infoField(t, rc, "master_link_status") == "down" })
	if err := m.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	mixedLoad(t, m.Addr, 10, 9)
	settle(t, mc, rc)
	if full := infoField(t, mc, "sync_full"); full != "1" {
		t.Errorf("sync_full:%s, want the reconnection to continue partially", full)
	}
	sameDataset(t, m.Addr, r.Addr)
}

// TestReplicaDeliversPublish: PUBLISH on the master reaches the replica's
// subscribers, as Redis propagates it (Sentinel's hello channel relies on
// it).
func TestReplicaDeliversPublish(t *testing.T) {
	m := startRedisMaster(t)
	mc := dbClient(t, m.Addr, 0)
	mc.Set(context.Background(), "k", "v", 0)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	ctx := context.Background()
	sub := rc.Subscribe(ctx, "news")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mc.Publish(ctx, "news", "hello").Err(); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil || msg.Channel != "news" || msg.Payload != "hello" {
		t.Fatalf("replica subscriber got %v, %v", msg, err)
	}
}

// TestReplicaMasterauth: the link authenticates with masterauth.
func TestReplicaMasterauth(t *testing.T) {
	m := startRedisMaster(t, "--requirepass", "s3cret")
	mc := redis.NewClient(&redis.Options{Addr: m.Addr, Password: "s3cret", Protocol: 2, DisableIdentity: true})
	defer mc.Close()
	ctx := context.Background()
	mc.Set(ctx, "k", "v", 0)
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port), "--masterauth", "s3cret")
	rc := dbClient(t, r.Addr, 0)
	waitCaughtUp(t, mc, rc)
	if v, err := rc.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET on the replica: %q, %v", v, err)
	}
}

// TestReplicaDeletesWhatExpired checks invariant 8 at the edge: a key
// expires on the replica's clock before its master's DEL arrives; the
// replica hides it meanwhile and the DEL removes it (commands from the
// master see such keys as live).
func TestReplicaDeletesWhatExpired(t *testing.T) {
	m := startRedisMaster(t, "--enable-debug-command", "yes")
	r := servertest.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.Port))
	mc, rc := dbClient(t, m.Addr, 0), dbClient(t, r.Addr, 0)
	ctx := context.Background()
	// The master's active expiry is off, so only its explicit DEL (sent
	// after the key expired everywhere) reaches the replica.
	if err := mc.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err(); err != nil {
		t.Fatal(err)
	}
	mc.Set(ctx, "short", "v", 100*time.Millisecond)
	mc.Set(ctx, "counter", "1", 100*time.Millisecond)
	waitCaughtUp(t, mc, rc)
	time.Sleep(300 * time.Millisecond)
	if n := rc.Exists(ctx, "short").Val(); n != 0 {
		t.Error("the replica shows a key past its deadline")
	}
	if n := rc.DBSize(ctx).Val(); n != 2 {
		t.Errorf("replica DBSIZE %d before the master's DEL, want 2 (hidden, not deleted)", n)
	}
	// GET on the master expires the keys there and propagates DEL.
	mc.Get(ctx, "short")
	mc.Get(ctx, "counter")
	waitCaughtUp(t, mc, rc)
	waitFor(t, "the replica to apply the master's DELs", func() bool { return rc.DBSize(ctx).Val() == 0 })
}

// TestReplicaRestartContinues: a replica that saved its data at shutdown
// records its place in the master's stream in the RDB and, restarted,
// continues with +CONTINUE instead of a full sync.
func TestReplicaRestartContinues(t *testing.T) {
	m := startRedisMaster(t)
	dir := t.TempDir()
	args := []string{"--replicaof", "127.0.0.1", strconv.Itoa(m.Port), "--dir", dir, "--save", "3600 1"}
	r := servertest.Start(t, args...)
	mc := dbClient(t, m.Addr, 0)
	mixedLoad(t, m.Addr, 50, 1)
	waitCaughtUp(t, mc, dbClient(t, r.Addr, 0))
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	full := infoField(t, mc, "sync_full")
	partial := infoField(t, mc, "sync_partial_ok")
	mixedLoad(t, m.Addr, 50, 2) // writes while the replica is down
	r2 := servertest.Start(t, args...)
	rc := dbClient(t, r2.Addr, 0)
	waitCaughtUp(t, mc, rc)
	if got := infoField(t, mc, "sync_full"); got != full {
		t.Errorf("sync_full went from %s to %s: the restarted replica synced in full", full, got)
	}
	if got := infoField(t, mc, "sync_partial_ok"); got == partial {
		t.Errorf("sync_partial_ok stayed %s", got)
	}
	settle(t, mc, rc)
	sameDataset(t, m.Addr, r2.Addr)
}
