package netloop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/repl"
)

// dbClient is a client of database db with timeouts that a loaded
// machine running the race detector does not hit.
func dbClient(t *testing.T, addr string, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// fillDataset writes keys of every type and encoding, some with TTLs, into
// databases 0 and 1 of the server at addr.
func fillDataset(t *testing.T, addr string) {
	t.Helper()
	ctx := context.Background()
	for db := 0; db < 2; db++ {
		c := dbClient(t, addr, db)
		p := c.Pipeline()
		pre := fmt.Sprintf("db%d:", db)
		p.Set(ctx, pre+"str", "hello", 0)
		p.Set(ctx, pre+"int", "12345", 0)
		p.Set(ctx, pre+"neg", "-9000000000", 0)
		p.Set(ctx, pre+"empty", "", 0)
		p.Set(ctx, pre+"long", strings.Repeat("compressible ", 100), 0)
		p.Set(ctx, pre+"bin\x00key", "\x00\xff\r\n", 0)
		p.Set(ctx, pre+"ttl", "soon", time.Hour)
		p.RPush(ctx, pre+"list", "a", "b", "1", "-2")
		p.HSet(ctx, pre+"hash", "f1", "v1", "f2", "2")
		p.SAdd(ctx, pre+"intset", 1, 2, 3, -7)
		p.SAdd(ctx, pre+"set", "x", "y", "z")
		p.ZAdd(ctx, pre+"zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"})
		for i := 0; i < 300; i++ {
			v := fmt.Sprint(i)
			p.RPush(ctx, pre+"biglist", strings.Repeat(v, 30))
			p.HSet(ctx, pre+"bighash", "field"+v, strings.Repeat("v", i))
			p.SAdd(ctx, pre+"bigset", "member"+v)
			p.SAdd(ctx, pre+"bigintset", i*1000)
			p.ZAdd(ctx, pre+"bigzset", redis.Z{Score: float64(i) / 3, Member: "m" + v})
		}
		p.Expire(ctx, pre+"bighash", 2*time.Hour)
		p.PExpire(ctx, pre+"list", 90*time.Minute)
		for i := 0; i < 250; i++ {
			p.XAdd(ctx, &redis.XAddArgs{Stream: pre + "stream", ID: fmt.Sprintf("%d-%d", 1000+i/3, i%3), Values: []any{"n", i, "f", "v"}})
		}
		p.XDel(ctx, pre+"stream", "1002-1", "1010-0")
		p.XGroupCreate(ctx, pre+"stream", "g1", "0")
		p.XGroupCreate(ctx, pre+"stream", "g2", "$")
		p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "alice", Streams: []string{pre + "stream", ">"}, Count: 5})
		p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g1", Consumer: "bob", Streams: []string{pre + "stream", ">"}, Count: 3})
		p.XAck(ctx, pre+"stream", "g1", "1000-1")
		p.XAdd(ctx, &redis.XAddArgs{Stream: pre + "emptystream", ID: "5-5", Values: []any{"a", "b"}})
		p.XDel(ctx, pre+"emptystream", "5-5")
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("filling db %d: %v", db, err)
		}
		c.Close()
	}
}

// datasetOf reads databases 0 to 3 into key → canonical value, and key →
// unix ms deadline (-1 for none).
func datasetOf(t *testing.T, addr string) (map[string]string, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	vals, ttls := map[string]string{}, map[string]int64{}
	for db := 0; db < 4; db++ {
		c := dbClient(t, addr, db)
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		p := c.Pipeline()
		types := make([]*redis.StatusCmd, len(keys))
		for i, k := range keys {
			types[i] = p.Type(ctx, k)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		values := make([]func() any, len(keys))
		deadlines := make([]*redis.Cmd, len(keys))
		for i, k := range keys {
			switch typ := types[i].Val(); typ {
			case "string":
				values[i] = anyOf(p.Get(ctx, k).Val)
			case "list":
				values[i] = anyOf(p.LRange(ctx, k, 0, -1).Val)
			case "set":
				cmd := p.SMembers(ctx, k)
				values[i] = func() any { m := cmd.Val(); sort.Strings(m); return m }
			case "zset":
				values[i] = anyOf(p.ZRangeWithScores(ctx, k, 0, -1).Val)
			case "hash":
				cmd := p.HGetAll(ctx, k)
				values[i] = func() any {
					var fs []string
					for f, x := range cmd.Val() {
						fs = append(fs, f+"="+x)
					}
					sort.Strings(fs)
					return fs
				}
			case "stream":
				r, x := p.XRange(ctx, k, "-", "+"), p.Do(ctx, "XINFO", "STREAM", k, "FULL")
				values[i] = func() any { return fmt.Sprint(r.Val(), x.Val()) }
			default:
				t.Fatalf("key %q has type %q", k, typ)
			}
			deadlines[i] = p.Do(ctx, "PEXPIRETIME", k)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			id := fmt.Sprintf("%d/%q", db, k)
			vals[id] = types[i].Val() + ":" + fmt.Sprint(values[i]())
			// Deadlines, not remaining TTLs, so that datasets read at
			// different times compare.
			ttls[id], _ = deadlines[i].Int64()
		}
		c.Close()
	}
	return vals, ttls
}

func anyOf[T any](f func() T) func() any { return func() any { return f() } }

// sameDataset fails unless the two servers hold equal data (TTLs within 1 s).
func sameDataset(t *testing.T, wantAddr, gotAddr string) {
	t.Helper()
	want, wantTTL := datasetOf(t, wantAddr)
	got, gotTTL := datasetOf(t, gotAddr)
	compareDatasets(t, want, wantTTL, got, gotTTL)
}

func compareDatasets(t *testing.T, want map[string]string, wantTTL map[string]int64, got map[string]string, gotTTL map[string]int64) {
	t.Helper()
	if len(want) < 20 {
		t.Fatalf("reference dataset has only %d keys", len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("key %s:\nwant %.300s\ngot  %.300s", k, v, got[k])
		}
		if d := wantTTL[k] - gotTTL[k]; d > 1000 || d < -1000 {
			t.Errorf("key %s: TTL %d ms, want %d ms", k, gotTTL[k], wantTTL[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}

func TestRDBFromRedis(t *testing.T) {
	dir := t.TempDir()
	raddr := servertest.StartRedis(t, "--dir", dir)
	fillDataset(t, raddr)
	rc := dbClient(t, raddr, 0)
	defer rc.Close()
	if err := rc.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t, "--dir", dir)
	sameDataset(t, raddr, s.Addr)
	info := dbClient(t, s.Addr, 0).Info(context.Background(), "persistence").Val()
	if !strings.Contains(info, "rdb_last_load_keys_loaded:") || strings.Contains(info, "rdb_last_load_keys_loaded:0\r") {
		t.Errorf("INFO persistence after loading:\n%s", info)
	}
}

func TestRDBToRedis(t *testing.T) {
	dir := t.TempDir()
	s := servertest.Start(t, "--dir", dir)
	fillDataset(t, s.Addr)
	c := dbClient(t, s.Addr, 0)
	ctx := context.Background()
	before := c.LastSave(ctx).Val()
	if r, err := c.Save(ctx).Result(); err != nil || r != "OK" {
		t.Fatalf("SAVE = %q, %v", r, err)
	}
	if got := c.LastSave(ctx).Val(); got < before {
		t.Errorf("LASTSAVE went from %d to %d", before, got)
	}
	out, err := exec.Command(servertest.Binary(t, "redis-check-rdb"), filepath.Join(dir, "dump.rdb")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	raddr := servertest.StartRedis(t, "--dir", dir)
	sameDataset(t, s.Addr, raddr)
}

func TestSaveOnShutdownAndRestart(t *testing.T) {
	dir := t.TempDir()
	s := servertest.Start(t, "--dir", dir, "--save", "3600 1")
	fillDataset(t, s.Addr)
	want, wantTTL := datasetOf(t, s.Addr)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s2 := servertest.Start(t, "--dir", dir)
	got, gotTTL := datasetOf(t, s2.Addr)
	compareDatasets(t, want, wantTTL, got, gotTTL)

	// SHUTDOWN NOSAVE: the changes made since are lost, as asked.
	c := dbClient(t, s2.Addr, 0)
	ctx := context.Background()
	c.Set(ctx, "after", "1", 0)
	c.Do(ctx, "SHUTDOWN", "NOSAVE")
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	s3 := servertest.Start(t, "--dir", dir, "--save", "")
	if n := dbClient(t, s3.Addr, 0).Exists(ctx, "after").Val(); n != 0 {
		t.Error("a key written after the last save survived SHUTDOWN NOSAVE")
	}
	got, gotTTL = datasetOf(t, s3.Addr)
	compareDatasets(t, want, wantTTL, got, gotTTL)
}

func TestBgsaveAndSchedule(t *testing.T) {
	dir := t.TempDir()
	s := servertest.Start(t, "--dir", dir, "--save", "1 1")
	c := dbClient(t, s.Addr, 0)
	ctx := context.Background()
	c.Set(ctx, "k", "v", 0)
	// The save point "1 1" is reached a second after start-up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		info := c.Info(ctx, "persistence").Val()
		if strings.Contains(info, "rdb_changes_since_last_save:0\r") && strings.Contains(info, "rdb_saves:1\r") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the save point did not trigger a save:\n%s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	if r := c.BgSave(ctx).Val(); r != "Background saving started" {
		t.Errorf("BGSAVE = %q", r)
	}
	if err := c.Do(ctx, "BGSAVE", "NOW").Err(); err == nil || err.Error() != "ERR syntax error" {
		t.Errorf("BGSAVE NOW: %v", err)
	}
	if err := c.Do(ctx, "DEBUG", "RELOAD").Err(); err != nil {
		t.Fatalf("DEBUG RELOAD: %v", err)
	}
	if v := c.Get(ctx, "k").Val(); v != "v" {
		t.Errorf("after DEBUG RELOAD k = %q", v)
	}
}

func TestBgsaveErrorStopsWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t, "--dir", dir)
	c := dbClient(t, s.Addr, 0)
	ctx := context.Background()
	c.Set(ctx, "k", "v", 0)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR ") {
		t.Fatalf("SAVE into a missing dir: %v", err)
	}
	const misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."
	if err := c.Set(ctx, "k", "w", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), misconf) {
		t.Errorf("SET after a failed save: %v", err)
	}
	if v := c.Get(ctx, "k").Val(); v != "v" {
		t.Errorf("GET after a failed save = %q", v)
	}
	if info := c.Info(ctx, "persistence").Val(); !strings.Contains(info, "rdb_last_bgsave_status:err\r") {
		t.Errorf("INFO persistence:\n%s", info)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "w", 0).Err(); err != nil {
		t.Errorf("SET after a good save: %v", err)
	}
}

// TestBgsaveIsConsistent saves while clients keep writing: every MSET
// writes one value to keys on every shard, so a consistent snapshot has
// equal values within each group, and the copy-on-write of values changed
// or deleted during the walk is what keeps it so.
func TestBgsaveIsConsistent(t *testing.T) {
	dir := t.TempDir()
	s := servertest.Start(t, "--dir", dir, "--shards", "4")
	c := dbClient(t, s.Addr, 0)
	ctx := context.Background()
	// Filler keys make the walk take many steps.
	for i := 0; i < 20; i++ {
		p := c.Pipeline()
		for j := 0; j < 1000; j++ {
			p.Set(ctx, fmt.Sprintf("filler:%d:%d", i, j), strings.Repeat("x", 100), 0)
			p.RPush(ctx, fmt.Sprintf("fillist:%d", j%50), i)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const groups, perGroup = 10, 8
	stop := make(chan struct{})
	errs := make(chan error, groups)
	var ops atomic.Int64
	for g := 0; g < groups; g++ {
		go func() {
			wc := dbClient(t, s.Addr, 0)
			defer wc.Close()
			for n := 0; ; n++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				var kv []any
				for k := 0; k < perGroup; k++ {
					kv = append(kv, fmt.Sprintf("g%d:k%d", g, k), n)
				}
				var err error
				if n%7 == 3 {
					keys := make([]string, 0, perGroup)
					for k := 0; k < perGroup; k++ {
						keys = append(keys, fmt.Sprintf("g%d:k%d", g, k))
					}
					err = wc.Del(ctx, keys...).Err()
				} else {
					err = wc.MSet(ctx, kv...).Err()
				}
				if err != nil {
					errs <- err
					return
				}
				ops.Add(1)
			}
		}()
	}
	for ops.Load() < 10*groups {
		time.Sleep(time.Millisecond)
	}
	for round := 0; round < 2; round++ {
		if err := c.Save(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		checkGroups(t, filepath.Join(dir, "dump.rdb"), groups, perGroup)
	}
	close(stop)
	for g := 0; g < groups; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// checkGroups reads an RDB file and checks that the keys of each group
// hold one value (or are all absent).
func checkGroups(t *testing.T, path string, groups, perGroup int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rdb.NewReader(bufio.NewReader(f))
	vals := map[string]string{}
	n := 0
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if s, ok := e.Value.(rdb.String); ok && strings.HasPrefix(string(e.Key), "g") {
			vals[string(e.Key)] = string(s.B)
		}
	}
	if n < 20050 {
		t.Fatalf("the snapshot has %d keys, want the 20050 filler keys at least", n)
	}
	present := 0
	for g := 0; g < groups; g++ {
		first, ok := vals[fmt.Sprintf("g%d:k0", g)]
		for k := 1; k < perGroup; k++ {
			v, ok2 := vals[fmt.Sprintf("g%d:k%d", g, k)]
			if v != first || ok2 != ok {
				t.Fatalf("group %d is torn in the snapshot: key 0 %q (%v), key %d %q (%v)", g, first, ok, k, v, ok2)
			}
		}
		if ok {
			present++
		}
	}
	if present == 0 {
		t.Error("no group made it into the snapshot")
	}
}

// TestSnapshotCopyOnWrite changes the data while a snapshot's walk is
// parked (nothing consumes its chunks) and checks that the snapshot still
// holds the data as it was when it started.
func TestSnapshotCopyOnWrite(t *testing.T) {
	s := servertest.Start(t, "--shards", "2")
	ctx := context.Background()
	big := strings.Repeat("o", 10000)
	for db := 0; db < 4; db++ {
		c := dbClient(t, s.Addr, db)
		p := c.Pipeline()
		// 60 MB in all, more than the snapshot queue holds: the walks park
		// until the chunks are read.
		for i := 0; i < 1500; i++ {
			p.Set(ctx, fmt.Sprintf("k:%d", i), big, 0)
		}
		p.RPush(ctx, "list", "a", "b")
		p.HSet(ctx, "hash", "f", "v")
		p.Set(ctx, "ttl", "v", time.Hour)
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	want, wantTTL := datasetOf(t, s.Addr)
	snap, err := s.Srv.Engine.StartSnapshot(rdb.DefaultWriterOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Srv.Engine.StartSnapshot(rdb.DefaultWriterOptions()); err == nil {
		t.Error("a second snapshot started while one runs")
	}
	c0 := dbClient(t, s.Addr, 0)
	defer c0.Close()
	c1 := dbClient(t, s.Addr, 1)
	defer c1.Close()
	p := c0.Pipeline()
	for i := 0; i < 1500; i += 3 {
		k := fmt.Sprintf("k:%d", i)
		switch i % 4 {
		case 0:
			p.Set(ctx, k, "new", 0)
		case 1:
			p.Del(ctx, k)
		case 2:
			p.Append(ctx, k, "more")
		case 3:
			p.Rename(ctx, k, k+":renamed")
		}
	}
	p.RPush(ctx, "list", "c")
	p.HSet(ctx, "hash", "f", "changed", "g", "new")
	p.Persist(ctx, "ttl")
	p.Expire(ctx, "k:1", time.Minute)
	p.Move(ctx, "k:2", 3)
	p.Set(ctx, "created", "after", 0)
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c1.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	c1.Set(ctx, "created", "after", 0)
	if err := c0.Do(ctx, "SWAPDB", 2, 3).Err(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	err = repl.WriteRDB(f, snap, rdb.DefaultWriterOptions())
	snap.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	loaded := servertest.Start(t, "--dir", dir)
	got, gotTTL := datasetOf(t, loaded.Addr)
	compareDatasets(t, want, wantTTL, got, gotTTL)
	lc := dbClient(t, loaded.Addr, 2)
	defer lc.Close()
	if n := lc.DBSize(ctx).Val(); n != 1503 {
		t.Errorf("database 2 of the snapshot has %d keys, want 1503", n)
	}
	// The next snapshot sees the changes.
	if err := dbClient(t, s.Addr, 0).Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptRDBStopsStartup(t *testing.T) {
	src := t.TempDir()
	s := servertest.Start(t, "--dir", src)
	fillDataset(t, s.Addr)
	if err := dbClient(t, s.Addr, 0).Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(src, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	f := func(name string, data []byte, want string) {
		t.Helper()
		dir := t.TempDir()
		path := filepath.Join(dir, "dump.rdb")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := servertest.Start(t, "--dir", dir)
		err := s.Stop()
		if err == nil {
			t.Errorf("%s: the server started", name)
			return
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, want) {
			t.Errorf("%s: error %q does not name the file and %q", name, msg, want)
		}
		// The file that could not be loaded is left as it was.
		if after, _ := os.ReadFile(path); string(after) != string(data) {
			t.Errorf("%s: the server changed the file it could not load", name)
		}
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x55
	f("flipped byte", flipped, "offset")
	f("truncated", good[:len(good)*2/3], "offset")
	badSum := slices.Clone(good)
	badSum[len(badSum)-1] ^= 1
	f("wrong checksum", badSum, "checksum")
	// A string claiming 2^62 bytes right after the header.
	absurd := append(slices.Clone(good[:9]), 0x00, 0x01, 'k', 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0)
	f("absurd length", absurd, "offset")
}

func TestLoadingRejectsCommands(t *testing.T) {
	dir := t.TempDir()
	s := servertest.Start(t, "--dir", dir)
	c := dbClient(t, s.Addr, 0)
	ctx := context.Background()
	big := strings.Repeat("x", 100)
	for i := 0; i < 20; i++ {
		p := c.Pipeline()
		for j := 0; j < 10000; j++ {
			p.RPush(ctx, fmt.Sprintf("l:%d", j), big)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	rc := dbClient(t, s.Addr, 0)
	defer rc.Close()
	go func() { done <- rc.Do(ctx, "DEBUG", "RELOAD").Err() }()
	sawLoading := false
	for reloading := true; reloading; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			reloading = false
		default:
			err := c.Get(ctx, "l:1").Err()
			sawLoading = sawLoading || err != nil && err.Error() == "LOADING Redis is loading the dataset in memory"
		}
	}
	if !sawLoading {
		t.Error("no command got -LOADING during DEBUG RELOAD")
	}
	if info := c.Info(ctx, "persistence").Val(); !strings.Contains(info, "loading:0\r") {
		t.Errorf("INFO persistence after loading:\n%s", info)
	}
	if n := c.LLen(ctx, "l:5").Val(); n != 20 {
		t.Errorf("after DEBUG RELOAD LLEN = %d", n)
	}
}

// TestConfigFileSaveLines: every save line of a redis.conf adds its save
// point, and save "" clears those before it.
func TestConfigFileSaveLines(t *testing.T) {
	f := func(conf, want string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "shoal.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := netloop.ParseArgs([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Get("save"); got != want {
			t.Errorf("save = %q, want %q", got, want)
		}
	}
	f("save 3600 1\nsave 300 100\nsave 60 10000\n", "3600 1 300 100 60 10000")
	f("save 3600 1\nsave \"\"\nsave 60 10000\n", "60 10000")
	f("save \"\"\n", "")
	f("port 7000\n", "3600 1 300 100 60 10000")
}
