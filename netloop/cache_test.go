package netloop_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
)

const oomReply = "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

// infoInt reads one integer field of INFO.
func infoInt(t *testing.T, rdb *redis.Client, field string) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "all").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("INFO has no %s", field)
	return 0
}

// vmRSS is the resident set of process pid.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// TestCacheEvictionPolicies writes 1 GB of keys (less under the race
// detector) into a server with maxmemory 64mb under each eviction policy:
// used_memory stays at or under maxmemory, the server process's RSS under 1.5
// times it, keys get evicted, and volatile policies never evict a key
// without a TTL. It is part of the Makefile's heavy target.
func TestCacheEvictionPolicies(t *testing.T) {
	const maxmem = 64 << 20
	total := int64(1 << 30)
	if raceEnabled || testing.Short() {
		total = 160 << 20
	}
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			// A child process: its RSS is the server's alone.
			srv := servertest.StartProcess(t, "--maxmemory", "64mb", "--maxmemory-policy", policy, "--shards", "2")
			pid := srv.Cmd.Process.Pid
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
			defer rdb.Close()
			volatile := strings.HasPrefix(policy, "volatile")
			const keep = 2000
			if volatile {
				pipe := rdb.Pipeline()
				for i := 0; i < keep; i++ {
					pipe.Set(ctx, fmt.Sprintf("keep:%d", i), strings.Repeat("k", 100), 0)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			rng := rand.New(rand.NewPCG(7, 7))
			buf := strings.Repeat("0123456789abcdef", 1024)
			var written, keys int64
			var maxUsed, maxRSS int64
			for batch := 0; written < total; batch++ {
				pipe := rdb.Pipeline()
				for i := 0; i < 64; i++ {
					size := 1024 + rng.IntN(15*1024)
					// TTLs spread over an hour give volatile-ttl an order.
					ttl := time.Duration(600+rng.IntN(3000)) * time.Second
					pipe.Set(ctx, fmt.Sprintf("key:%d", keys), buf[:size], ttl)
					written += int64(size)
					keys++
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Fatalf("after %d MB: %v", written>>20, err)
				}
				if batch%64 == 0 {
					maxUsed = max(maxUsed, infoInt(t, rdb, "used_memory"))
					maxRSS = max(maxRSS, vmRSS(t, pid))
				}
			}
			maxUsed = max(maxUsed, infoInt(t, rdb, "used_memory"))
			maxRSS = max(maxRSS, vmRSS(t, pid))
			evicted := infoInt(t, rdb, "evicted_keys")
			dbsize, err := rdb.DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: wrote %d MB in %d keys; %d keys left, %d evicted; max used_memory %.1f MB, max RSS %.1f MB",
				policy, written>>20, keys, dbsize, evicted, float64(maxUsed)/(1<<20), float64(maxRSS)/(1<<20))
			if maxUsed > maxmem {
				t.Errorf("used_memory reached %d, over maxmemory %d", maxUsed, maxmem)
			}
			if maxRSS > maxmem*3/2 {
				t.Errorf("RSS reached %d, over 1.5 x maxmemory", maxRSS)
			}
			if evicted == 0 || dbsize >= keys {
				t.Errorf("nothing was evicted: %d keys of %d left, evicted_keys %d", dbsize, keys, evicted)
			}
			// The stopped server stays reachable until the parent test ends:
			// its data must not.
			defer rdb.FlushAll(ctx)
			if volatile {
				pipe := rdb.Pipeline()
				cmds := make([]*redis.IntCmd, keep)
				for i := range cmds {
					cmds[i] = pipe.Exists(ctx, fmt.Sprintf("keep:%d", i))
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Fatal(err)
				}
				for i, c := range cmds {
					if c.Val() != 1 {
						t.Fatalf("%s evicted keep:%d, which has no TTL", policy, i)
					}
				}
			}
		})
	}
}

// TestCacheNoEviction: under noeviction a full server refuses denyoom
// commands with Redis's OOM error, and still serves reads and deletions.
func TestCacheNoEviction(t *testing.T) {
	srv := servertest.Start(t, "--maxmemory", "4mb", "--maxmemory-policy", "noeviction", "--shards", "2")
	ctx := context.Background()
	rdb := srv.Client(t)
	val := strings.Repeat("x", 4000)
	var i int
	for ; i < 10_000; i++ {
		err := rdb.Set(ctx, fmt.Sprintf("k%d", i), val, 0).Err()
		if err != nil {
			if err.Error() != strings.TrimSuffix(oomReply[1:], "\r\n") {
				t.Fatalf("SET k%d: %v", i, err)
			}
			break
		}
	}
	if i == 10_000 {
		t.Fatal("40 MB went into a server with maxmemory 4mb")
	}
	if used := infoInt(t, rdb, "used_memory"); used > 4<<20+8<<10 {
		t.Errorf("used_memory %d, more than maxmemory and a value over it", used)
	}
	if got, err := rdb.Get(ctx, "k0").Result(); err != nil || got != val {
		t.Fatalf("GET k0 on a full server: %v", err)
	}
	if n := infoInt(t, rdb, "evicted_keys"); n != 0 {
		t.Fatalf("noeviction evicted %d keys", n)
	}
	// Both shards are full once SETs to many keys fail.
	refused := 0
	for j := 0; j < 20; j++ {
		if rdb.Set(ctx, fmt.Sprintf("new%d", j), val, 0).Err() != nil {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no SET was refused after the first OOM")
	}
	// DEL is not denyoom: it runs and frees room.
	keys := make([]string, i)
	for j := range keys {
		keys[j] = fmt.Sprintf("k%d", j)
	}
	if err := rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "after", val, 0).Err(); err != nil {
		t.Fatalf("SET after DEL freed memory: %v", err)
	}
}

// TestCacheOOMInMulti follows redis-server 7.0 byte for byte: while out of
// memory, every command queued in MULTI is refused and dooms EXEC; EXEC of
// a transaction holding a denyoom command, queued before memory ran out,
// aborts with the OOM reason.
func TestCacheOOMInMulti(t *testing.T) {
	srv := servertest.Start(t, "--maxmemory", "0", "--maxmemory-policy", "noeviction", "--shards", "2")
	ctx := context.Background()
	rdb := srv.Client(t)
	for i := 0; i < 200; i++ {
		rdb.Set(ctx, fmt.Sprintf("k%d", i), strings.Repeat("x", 1000), 0)
	}
	c := servertest.Dial(t, srv.Addr)
	f := func(cmd, want string) {
		t.Helper()
		if got := c.Do(strings.Fields(cmd)...); got != want {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	f("MULTI", "+OK\r\n")
	f("SET q 1", "+QUEUED\r\n")
	f("GET k1", "+QUEUED\r\n")
	rdb.ConfigSet(ctx, "maxmemory", "1")
	f("EXEC", "-EXECABORT Transaction discarded because of: "+oomReply[1:])
	f("GET k1", "$1000\r\n"+strings.Repeat("x", 1000)+"\r\n")
	f("SET q 1", oomReply)
	f("MULTI", "+OK\r\n")
	f("GET k1", oomReply)
	f("DEL k1", oomReply)
	f("EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n")
	f("MULTI", "+OK\r\n")
	f("DISCARD", "+OK\r\n")
	// A transaction of reads only is not refused at EXEC.
	rdb.ConfigSet(ctx, "maxmemory", "0")
	f("MULTI", "+OK\r\n")
	f("GET nosuchkey", "+QUEUED\r\n")
	rdb.ConfigSet(ctx, "maxmemory", "1")
	f("EXEC", "*1\r\n$-1\r\n")
}

// TestCacheObjectFreqIdletime: OBJECT FREQ answers under an LFU policy
// only, OBJECT IDLETIME under the others, with Redis's texts.
func TestCacheObjectFreqIdletime(t *testing.T) {
	srv := servertest.Start(t, "--maxmemory-policy", "allkeys-lfu")
	c := servertest.Dial(t, srv.Addr)
	f := func(cmd, want string) {
		t.Helper()
		if got := c.Do(strings.Fields(cmd)...); got != want {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	f("SET k v", "+OK\r\n")
	// LFU_INIT_VAL, then one access, which at the initial counter always
	// counts.
	f("OBJECT FREQ k", ":5\r\n")
	f("GET k", "$1\r\nv\r\n")
	f("OBJECT FREQ k", ":6\r\n")
	// An overwrite keeps the counter, as Redis's dbSetValue does.
	f("SET k w", "+OK\r\n")
	if got := c.Do("OBJECT", "FREQ", "k"); got != ":6\r\n" && got != ":7\r\n" {
		t.Errorf("OBJECT FREQ after SET: %q", got)
	}
	f("OBJECT FREQ nosuch", "$-1\r\n")
	f("OBJECT IDLETIME k", "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
	f("CONFIG SET maxmemory-policy allkeys-lru", "+OK\r\n")
	f("SET j v", "+OK\r\n")
	f("OBJECT IDLETIME j", ":0\r\n")
	f("OBJECT FREQ j", "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
}

// TestCacheConfig: the eviction directives are CONFIG GET/SET-able with
// Redis's defaults, and INFO shows maxmemory consistently.
func TestCacheConfig(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	for name, want := range map[string]string{
		"maxmemory": "0", "maxmemory-policy": "noeviction", "maxmemory-samples": "5",
		"maxmemory-eviction-tenacity": "10", "lfu-log-factor": "10", "lfu-decay-time": "1",
	} {
		got, err := rdb.ConfigGet(ctx, name).Result()
		if err != nil || got[name] != want {
			t.Errorf("CONFIG GET %s = %v, %v; want %s", name, got, err, want)
		}
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "100mb").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Fatal(err)
	}
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"maxmemory:104857600\r\n", "maxmemory_human:100.00M\r\n", "maxmemory_policy:allkeys-lru\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO memory lacks %q", want)
		}
	}
	if lim := infoInt(t, rdb, "go_memory_limit"); os.Getenv("GOMEMLIMIT") == "" && lim != netloop.RuntimeMemoryLimit(100<<20) {
		t.Errorf("go_memory_limit %d after maxmemory 100mb", lim)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory-samples", "0").Err(); err == nil {
		t.Error("maxmemory-samples 0 accepted")
	}
	rdb.ConfigSet(ctx, "maxmemory", "0")
}

// TestCacheEvictionPropagates: an evicted key is journaled as DEL (what
// replicas and the AOF receive), sent as an "evicted" keyspace event, and
// counted in evicted_keys.
func TestCacheEvictionPropagates(t *testing.T) {
	srv := servertest.Start(t, "--maxmemory", "1mb", "--maxmemory-policy", "allkeys-random",
		"--shards", "1", "--notify-keyspace-events", "Ee")
	ctx := context.Background()
	rdb := srv.Client(t)
	journal := srv.RecordJournal(t)
	sub := srv.Client(t).Subscribe(ctx, "__keyevent@0__:evicted")
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	val := strings.Repeat("x", 10_000)
	for i := 0; i < 200; i++ {
		if err := rdb.Set(ctx, fmt.Sprintf("k%d", i), val, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	evicted := infoInt(t, rdb, "evicted_keys")
	if evicted == 0 {
		t.Fatal("2 MB went into maxmemory 1mb without an eviction")
	}
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Payload, "k") {
		t.Errorf("evicted event names %q", msg.Payload)
	}
	dels := strings.Count(journal.String(), "*2\r\n$3\r\nDEL\r\n")
	if int64(dels) != evicted {
		t.Errorf("%d DELs journaled for %d evictions", dels, evicted)
	}
	if n, err := rdb.Exists(ctx, msg.Payload).Result(); err != nil || n != 0 {
		t.Errorf("evicted key %s still exists", msg.Payload)
	}
}
