package netloop_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/shard"
)

// keysOnDistinctShards returns n keys that live on n different shards.
func keysOnDistinctShards(t *testing.T, n, shards int) []string {
	t.Helper()
	seen := map[uint64]bool{}
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := "atom" + strconv.Itoa(i)
		if s := shard.KeyHash([]byte(k)) % uint64(shards); !seen[s] {
			seen[s] = true
			keys = append(keys, k)
		}
		if i > 1000 {
			t.Fatal("no keys on distinct shards")
		}
	}
	return keys
}

// TestMultiShardAtomicity: MSET writers and MGET readers on two keys of
// different shards; a reader must never see the keys from different MSETs.
// The same for DEL against EXISTS.
func TestMultiShardAtomicity(t *testing.T) {
	const shards, iters = 4, 3000
	srv := servertest.Start(t, "--shards", strconv.Itoa(shards))
	keys := keysOnDistinctShards(t, 4, shards)
	a, b, c, d := keys[0], keys[1], keys[2], keys[3]
	ctx := context.Background()
	client := func() *redis.Client {
		return redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true, PoolSize: 1})
	}
	var done, torn, sawX, sawY atomic.Int64
	var wg sync.WaitGroup
	run := func(fn func(c *redis.Client) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client()
			defer c.Close()
			for i := 0; i < iters; i++ {
				if err := fn(c); err != nil {
					t.Error(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	for _, v := range []string{"x", "y"} {
		run(func(c *redis.Client) error { return c.MSet(ctx, a, v, b, v).Err() })
	}
	for r := 0; r < 2; r++ {
		run(func(c *redis.Client) error {
			vals, err := c.MGet(ctx, a, b).Result()
			if err != nil {
				return err
			}
			if vals[0] != vals[1] {
				torn.Add(1)
			}
			switch vals[0] {
			case "x":
				sawX.Add(1)
			case "y":
				sawY.Add(1)
			}
			return nil
		})
	}
	// DEL of both keys racing with EXISTS: 0 or 2, never 1.
	run(func(cl *redis.Client) error {
		if err := cl.MSet(ctx, c, 1, d, 1).Err(); err != nil {
			return err
		}
		return cl.Del(ctx, c, d).Err()
	})
	var half atomic.Int64
	run(func(cl *redis.Client) error {
		n, err := cl.Exists(ctx, c, d).Result()
		if n == 1 {
			half.Add(1)
		}
		return err
	})
	wg.Wait()
	if got := done.Load(); got != 6*iters {
		t.Fatalf("%d of %d operations done", got, 6*iters)
	}
	if torn.Load() != 0 {
		t.Errorf("%d MGETs saw %s and %s from different MSETs", torn.Load(), a, b)
	}
	if half.Load() != 0 {
		t.Errorf("%d EXISTS saw one of two keys a DEL removes together", half.Load())
	}
	if sawX.Load() == 0 || sawY.Load() == 0 {
		t.Errorf("readers saw x %d times and y %d times: the writers did not interleave", sawX.Load(), sawY.Load())
	}
}
