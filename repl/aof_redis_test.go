package repl_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/repl"
)

// redisAOFDir has a real redis-server 7.0 write an AOF directory holding
// every type, TTLs, several databases and a MULTI block, with a rewrite
// in the middle so that the base holds some keys and the incr file the
// rest. It returns the server's dir and the keys per database Redis has.
func redisAOFDir(t *testing.T, preamble string) (string, map[int][]string) {
	t.Helper()
	addr := servertest.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", preamble)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	cfg, err := c.ConfigGet(ctx, "dir").Result()
	if err != nil {
		t.Fatal(err)
	}
	dir := cfg["dir"]
	fill := func(c *redis.Client, p string) {
		c.Set(ctx, p+"str", "v", 0)
		c.Set(ctx, p+"int", 12345, 0)
		c.Set(ctx, p+"ttl", "v", time.Hour)
		c.RPush(ctx, p+"list", "a", "b", "c")
		c.SAdd(ctx, p+"set", "x", "y", 3)
		c.ZAdd(ctx, p+"zset", redis.Z{Score: 1.5, Member: "m"}, redis.Z{Score: -2, Member: "n"})
		c.HSet(ctx, p+"hash", "f", "v", "g", "w")
		c.XAdd(ctx, &redis.XAddArgs{Stream: p + "stream", ID: "1-1", Values: []string{"f", "v"}})
		c.XGroupCreate(ctx, p+"stream", "grp", "0")
		c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "grp", Consumer: "alice", Streams: []string{p + "stream", ">"}})
	}
	fill(c, "base:")
	c3 := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DB: 3, DisableIdentity: true})
	defer c3.Close()
	fill(c3, "db3base:")
	if err := c.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, c)
	fill(c, "incr:")
	fill(c3, "db3incr:")
	tx := c.TxPipeline()
	tx.Incr(ctx, "incr:counter")
	tx.Del(ctx, "base:str")
	if _, err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	keys := map[int][]string{}
	for db, cl := range map[int]*redis.Client{0: c, 3: c3} {
		k, err := cl.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(k)
		keys[db] = k
	}
	return dir, keys
}

func waitRewrite(t *testing.T, c *redis.Client) {
	t.Helper()
	for i := 0; i < 400; i++ {
		info, err := c.Info(context.Background(), "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("redis-server's AOF rewrite did not finish")
}

// keysTarget tracks which keys exist, per database, from the entries of
// an RDB preamble and the commands that create and delete keys in the
// dataset redisAOFDir writes.
type keysTarget struct {
	db      int
	keys    map[int]map[string]bool
	entries int
	cmds    []string
}

func (k *keysTarget) target() repl.AOFTarget {
	k.keys = map[int]map[string]bool{}
	return repl.AOFTarget{
		Entry: func(e rdb.Entry) error {
			k.entries++
			k.add(e.DB, string(e.Key))
			return nil
		},
		Command: func(args [][]byte) error {
			name := strings.ToLower(string(args[0]))
			k.cmds = append(k.cmds, name)
			switch name {
			case "select":
				k.db = int(args[1][0] - '0')
			case "multi", "exec", "xgroup", "xreadgroup", "xclaim", "xsetid", "pexpireat":
			case "del":
				delete(k.keys[k.db], string(args[1]))
			default:
				k.add(k.db, string(args[1]))
			}
			return nil
		},
	}
}

func (k *keysTarget) add(db int, key string) {
	if k.keys[db] == nil {
		k.keys[db] = map[string]bool{}
	}
	k.keys[db][key] = true
}

func (k *keysTarget) sorted(db int) []string {
	var out []string
	for key := range k.keys[db] {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

func TestLoadRedisAOFDirectory(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble="+preamble, func(t *testing.T) {
			dir, want := redisAOFDir(t, preamble)
			paths := repl.AOFPaths{Dir: dir, DirName: "appendonlydir", FileName: "appendonly.aof"}

			// The manifest redis-server wrote parses and encodes back byte for byte.
			raw, err := os.ReadFile(filepath.Join(paths.AOFDir(), paths.ManifestName()))
			if err != nil {
				t.Fatal(err)
			}
			m, err := repl.ParseManifest(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(m.Encode()); got != string(raw) {
				t.Errorf("manifest re-encoded as %q, redis-server wrote %q", got, raw)
			}
			ext := map[string]string{"yes": ".rdb", "no": ".aof"}[preamble]
			if m.Base == nil || !strings.HasSuffix(m.Base.Name, ".base"+ext) || len(m.Incr) != 1 {
				t.Fatalf("unexpected manifest %q", raw)
			}

			var k keysTarget
			st, err := repl.LoadAOF(paths, repl.AOFLoadOptions{}, k.target())
			if err != nil {
				t.Fatal(err)
			}
			if (preamble == "yes") != (k.entries > 0) || st.Keys != int64(k.entries) {
				t.Errorf("preamble %s: %d keys from an RDB preamble (stats %d)", preamble, k.entries, st.Keys)
			}
			for db, keys := range want {
				if got := k.sorted(db); strings.Join(got, ",") != strings.Join(keys, ",") {
					t.Errorf("db %d: loaded keys %v, redis-server has %v", db, got, keys)
				}
			}
			if !strings.Contains(strings.Join(k.cmds, " "), "multi incr del exec") {
				t.Errorf("the MULTI block was not replayed in order: %v", k.cmds)
			}
			if st.BaseSize == 0 || st.Size <= st.BaseSize {
				t.Errorf("sizes: base %d, total %d", st.BaseSize, st.Size)
			}
		})
	}
}
