package netloop

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/repl"
)

// The AOF tests run servers by hand rather than through servertest (which
// imports this package) because they call aofState.startup, the start-up
// step that loads the AOF, before serving.

type aofServer struct {
	addr string
	srv  *Server
	done chan error
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startAOFServer starts a server on dir with appendonly yes, loading what
// the AOF holds first.
func startAOFServer(t *testing.T, dir string, args ...string) *aofServer {
	t.Helper()
	port := freePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--appendonly", "yes"}, args...)
	cfg, err := ParseArgs(all)
	if err != nil {
		t.Fatal(err)
	}
	var w io.Writer = io.Discard
	if os.Getenv("SHOAL_TEST_LOG") != "" {
		w = os.Stderr
	}
	srv := NewServer(cfg, slog.New(slog.NewTextHandler(w, nil)))
	s := &aofServer{addr: fmt.Sprintf("127.0.0.1:%d", port), srv: srv, done: make(chan error, 1)}
	go func() { s.done <- srv.Run() }()
	select {
	case <-srv.Ready():
	case err := <-s.done:
		t.Fatalf("server did not start: %v", err)
	}
	<-srv.Loaded()
	srv.aof.mu.Lock()
	started := srv.aof.a != nil
	srv.aof.mu.Unlock()
	if !started {
		t.Fatal("the AOF did not start")
	}
	t.Cleanup(s.stop)
	return s
}

func (s *aofServer) stop() {
	if s.srv == nil {
		return
	}
	s.srv.Stop()
	<-s.done
	s.srv = nil
}

func (s *aofServer) client(t *testing.T, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.addr, DB: db, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// fillAOFData writes every type with TTLs into databases 0 and 3.
func fillAOFData(t *testing.T, addr, prefix string) {
	t.Helper()
	ctx := context.Background()
	for _, db := range []int{0, 3} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		p := c.Pipeline()
		pre := fmt.Sprintf("%s%d:", prefix, db)
		p.Set(ctx, pre+"str", "hello", 0)
		p.Set(ctx, pre+"bin\x00key", "\x00\xff\r\n", 0)
		p.Set(ctx, pre+"ttl", "soon", time.Hour)
		p.Incr(ctx, pre+"counter")
		p.IncrByFloat(ctx, pre+"float", 1.5)
		p.RPush(ctx, pre+"list", "a", "b", "1")
		p.LPop(ctx, pre+"list")
		p.HSet(ctx, pre+"hash", "f1", "v1", "f2", "2")
		p.SAdd(ctx, pre+"set", "x", "y", "z", 4)
		p.SRem(ctx, pre+"set", "y")
		p.ZAdd(ctx, pre+"zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"})
		for i := 0; i < 100; i++ {
			p.RPush(ctx, pre+"biglist", strings.Repeat("v", i))
			p.ZAdd(ctx, pre+"bigzset", redis.Z{Score: float64(i) / 3, Member: fmt.Sprint("m", i)})
		}
		p.Expire(ctx, pre+"hash", 2*time.Hour)
		for i := 0; i < 20; i++ {
			p.XAdd(ctx, &redis.XAddArgs{Stream: pre + "stream", ID: fmt.Sprintf("%d-1", 100+i), Values: []any{"n", i}})
		}
		p.XGroupCreate(ctx, pre+"stream", "g1", "0")
		p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "alice", Streams: []string{pre + "stream", ">"}, Count: 3})
		p.XAck(ctx, pre+"stream", "g1", "100-1")
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("filling db %d: %v", db, err)
		}
		tx := c.TxPipeline()
		tx.Set(ctx, pre+"tx1", "a", 0)
		tx.Del(ctx, pre+"str")
		if _, err := tx.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
}

// aofDataset reads databases 0 and 3 into key → canonical value with a
// TTL flag.
func aofDataset(t *testing.T, addr string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, db := range []int{0, 3} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			var v any
			switch typ {
			case "string":
				v = c.Get(ctx, k).Val()
			case "list":
				v = c.LRange(ctx, k, 0, -1).Val()
			case "set":
				m := c.SMembers(ctx, k).Val()
				sort.Strings(m)
				v = m
			case "zset":
				v = c.ZRangeWithScores(ctx, k, 0, -1).Val()
			case "hash":
				v = c.HGetAll(ctx, k).Val()
			case "stream":
				groups := c.XInfoGroups(ctx, k).Val()
				for i := range groups {
					// Redis 7.0 propagates XREADGROUP as XCLAIM ... LASTID,
					// which leaves entries-read and lag unknown after a
					// reload, in redis-server as here.
					groups[i].EntriesRead, groups[i].Lag = 0, 0
				}
				pending := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: k, Group: "g1", Start: "-", End: "+", Count: 100}).Val()
				for i := range pending {
					pending[i].Idle = 0
				}
				v = fmt.Sprint(c.XRange(ctx, k, "-", "+").Val(), groups, pending)
			}
			out[fmt.Sprintf("%d/%q", db, k)] = fmt.Sprintf("%s %v ttl=%v", typ, v, c.PTTL(ctx, k).Val() > 0)
		}
		c.Close()
	}
	if len(out) == 0 {
		t.Fatal("empty dataset")
	}
	return out
}

func sameDataset(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key", k)
		}
	}
}

// TestAOFRestart writes every type around a rewrite, restarts on the same
// dir, and finds the same dataset; with both base formats.
func TestAOFRestart(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			dir := t.TempDir()
			s := startAOFServer(t, dir, "--aof-use-rdb-preamble", preamble)
			fillAOFData(t, s.addr, "a")
			c := s.client(t, 0)
			if got := c.BgRewriteAOF(context.Background()).Val(); got != "Background append only file rewriting started" {
				t.Fatalf("BGREWRITEAOF: %q", got)
			}
			waitAOFRewrite(t, c)
			fillAOFData(t, s.addr, "b")
			want := aofDataset(t, s.addr)
			s.stop()

			m, err := repl.ReadManifest(filepath.Join(dir, "appendonlydir"), "appendonly.aof.manifest")
			if err != nil {
				t.Fatal(err)
			}
			ext := map[string]string{"yes": ".rdb", "no": ".aof"}[preamble]
			if m.Base == nil || m.Base.Name != "appendonly.aof.2.base"+ext || len(m.Incr) != 1 || m.Incr[0].Name != "appendonly.aof.2.incr.aof" {
				t.Fatalf("manifest %q", m.Encode())
			}
			s2 := startAOFServer(t, dir, "--aof-use-rdb-preamble", preamble)
			sameDataset(t, aofDataset(t, s2.addr), want)
		})
	}
}

func waitAOFRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		info := c.Info(context.Background(), "persistence").Val()
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the AOF rewrite did not finish")
}

// TestAOFLoadsRedisDirectory copies an AOF directory redis-server 7.0
// wrote into a Shoal dir: Shoal finds the same dataset.
func TestAOFLoadsRedisDirectory(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			rdir := t.TempDir()
			raddr, rc := startRedisAOF(t, rdir, "--appendfsync", "always", "--aof-use-rdb-preamble", preamble)
			fillAOFData(t, raddr, "a")
			rc.BgRewriteAOF(context.Background())
			waitAOFRewrite(t, rc)
			fillAOFData(t, raddr, "b")
			want := aofDataset(t, raddr)

			dir := t.TempDir()
			if err := os.CopyFS(filepath.Join(dir, "appendonlydir"), os.DirFS(filepath.Join(rdir, "appendonlydir"))); err != nil {
				t.Fatal(err)
			}
			s := startAOFServer(t, dir)
			sameDataset(t, aofDataset(t, s.addr), want)
		})
	}
}

// TestAOFAlwaysAcknowledgesDurableWrites: under appendfsync always, every
// write a client saw acknowledged is already in the AOF files, while many
// clients write at once (group commit).
func TestAOFAlwaysAcknowledgesDurableWrites(t *testing.T) {
	dir := t.TempDir()
	s := startAOFServer(t, dir, "--appendfsync", "always")
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []string
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.addr, Protocol: 2, DisableIdentity: true})
			defer c.Close()
			for i := 0; i < 30; i++ {
				p := c.Pipeline()
				keys := []string{fmt.Sprintf("w%d:%d:a", w, i), fmt.Sprintf("w%d:%d:b", w, i)}
				for _, k := range keys {
					p.Set(ctx, k, "v", 0)
				}
				p.Get(ctx, keys[0])
				if _, err := p.Exec(ctx); err != nil {
					t.Error(err)
					return
				}
				// Replies came: the writes must be in the files now.
				mu.Lock()
				acked = append(acked, keys...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	found := map[string]bool{}
	_, err := repl.LoadAOF(repl.AOFPaths{Dir: dir, DirName: "appendonlydir", FileName: "appendonly.aof"}, repl.AOFLoadOptions{},
		repl.AOFTarget{Command: func(args [][]byte) error {
			if strings.EqualFold(string(args[0]), "set") {
				found[string(args[1])] = true
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) != 8*30*2 {
		t.Fatalf("%d writes acknowledged", len(acked))
	}
	for _, k := range acked {
		if !found[k] {
			t.Fatalf("%s was acknowledged but is not in the AOF", k)
		}
	}
}

// TestAOFConfigAndInfo turns the AOF on and off at run time, and runs
// BGREWRITEAOF with it off, which still writes a base and a manifest as
// redis-server 7.0 does.
func TestAOFConfigAndInfo(t *testing.T) {
	dir := t.TempDir()
	s := startAOFServer(t, dir)
	c := s.client(t, 0)
	ctx := context.Background()
	info := c.Info(ctx, "persistence").Val()
	for _, f := range []string{"aof_enabled:1", "aof_rewrite_in_progress:0", "aof_rewrite_scheduled:0", "aof_last_bgrewrite_status:ok",
		"aof_rewrites:1", "aof_last_write_status:ok", "aof_current_size:", "aof_base_size:", "aof_buffer_length:"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO persistence lacks %q:\n%s", f, info)
		}
	}
	if err := c.ConfigSet(ctx, "appendonly", "no").Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "k", "v", 0)
	info = c.Info(ctx, "persistence").Val()
	if !strings.Contains(info, "aof_enabled:0") || strings.Contains(info, "aof_current_size") {
		t.Errorf("INFO with appendonly off:\n%s", info)
	}
	if got := c.BgRewriteAOF(ctx).Val(); got != "Background append only file rewriting started" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	waitAOFRewrite(t, c)
	raw, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if err != nil || string(raw) != "file appendonly.aof.2.base.rdb seq 2 type b\n" {
		t.Fatalf("manifest after BGREWRITEAOF with appendonly off: %q %v", raw, err)
	}
	if err := c.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	waitAOFRewrite(t, c)
	c.Set(ctx, "k2", "v2", 0)
	raw, _ = os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	// The manifest on disk named no incr file, so numbering starts again
	// (the old ones were deleted as history), as redis-server does.
	if string(raw) != "file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Errorf("manifest after CONFIG SET appendonly yes: %q", raw)
	}
	want := aofDataset(t, s.addr)
	s.stop()
	s2 := startAOFServer(t, dir)
	sameDataset(t, aofDataset(t, s2.addr), want)
}

// TestAOFAutoRewrite: once the AOF outgrows auto-aof-rewrite-min-size and
// its base by auto-aof-rewrite-percentage, a rewrite starts by itself.
func TestAOFAutoRewrite(t *testing.T) {
	dir := t.TempDir()
	s := startAOFServer(t, dir, "--auto-aof-rewrite-min-size", "4kb", "--auto-aof-rewrite-percentage", "100")
	c := s.client(t, 0)
	ctx := context.Background()
	p := c.Pipeline()
	for i := 0; i < 100; i++ {
		p.Set(ctx, "key", strings.Repeat("x", 100), 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; !strings.Contains(c.Info(ctx, "persistence").Val(), "aof_rewrites:2"); i++ {
		if i > 1000 {
			t.Fatalf("no automatic rewrite:\n%s", c.Info(ctx, "persistence").Val())
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitAOFRewrite(t, c)
	// The new base holds one key: the AOF shrank below the minimum.
	info := c.Info(ctx, "persistence").Val()
	var size int64
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "aof_current_size:"); ok {
			size, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if size == 0 || size >= 4096 {
		t.Errorf("aof_current_size %d after the rewrite", size)
	}
}

// redisBinary finds a Redis program; missing, it skips the test, or fails
// it under CI (servertest.Binary, which this package's own tests cannot
// import).
func redisBinary(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI", name)
		}
		t.Skipf("%s not installed", name)
	}
	return bin
}

// startRedisAOF runs redis-server with appendonly yes in dir until the
// test ends, and returns its address and a client once it answers (after
// loading what dir holds).
func startRedisAOF(t *testing.T, dir string, args ...string) (string, *redis.Client) {
	t.Helper()
	port := freePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--appendonly", "yes"}, args...)
	cmd := exec.Command(redisBinary(t, "redis-server"), all...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	for i := 0; c.Ping(context.Background()).Err() != nil; i++ {
		if i > 400 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	return addr, c
}

// TestAOFToRedis moves the other way: Shoal's AOF directory, base and
// incremental files, is loaded by redis-server 7.0 and accepted by
// redis-check-aof.
func TestAOFToRedis(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			check := redisBinary(t, "redis-check-aof")
			dir := t.TempDir()
			s := startAOFServer(t, dir, "--aof-use-rdb-preamble", preamble)
			fillAOFData(t, s.addr, "a")
			c := s.client(t, 0)
			if err := c.BgRewriteAOF(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			waitAOFRewrite(t, c)
			fillAOFData(t, s.addr, "b")
			want := aofDataset(t, s.addr)
			if len(want) < 20 {
				t.Fatalf("only %d keys written", len(want))
			}
			s.stop()

			manifest := filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")
			if out, err := exec.Command(check, manifest).CombinedOutput(); err != nil || !strings.Contains(string(out), "is valid") {
				t.Fatalf("redis-check-aof: %v\n%s", err, out)
			}
			raddr, _ := startRedisAOF(t, dir)
			sameDataset(t, aofDataset(t, raddr), want)
		})
	}
}

// TestAOFAlwaysAfterCreation: when the first base is written before the
// writer switches to its incr file (quick with one shard), writes under
// appendfsync always are still acknowledged. The writer used to take the
// already listed file for unlisted and hold every reply for good.
func TestAOFAlwaysAfterCreation(t *testing.T) {
	for _, args := range [][]string{
		{"--shards", "1", "--io-threads", "1", "--appendfsync", "always"},
		{"--shards", "1", "--io-threads", "1"},
	} {
		s := startAOFServer(t, t.TempDir(), args...)
		c := s.client(t, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p := c.Pipeline()
		for i := 0; i < 5000; i++ {
			p.Set(ctx, fmt.Sprint("k", i), "v", 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if err := c.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
			t.Fatalf("%v: CONFIG SET appendfsync always: %v", args, err)
		}
		if err := c.Set(ctx, "after", "1", 0).Err(); err != nil {
			t.Fatalf("%v: SET under always: %v", args, err)
		}
		cancel()
	}
}
