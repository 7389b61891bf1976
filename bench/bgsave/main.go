// Command bgsave measures what a BGSAVE of a large dataset costs a writer,
// on redis-server (fork) and on Shoal (copy-on-write snapshot), in one run:
// for each server it starts a fresh process, fills it with about -gb GiB of
// string values, then keeps one client writing (SET, unpipelined) while a
// BGSAVE runs, and prints the save's duration, the writer's worst and 99th
// percentile latency during the save and before it, and the extra memory
// the save took: the growth of Shoal's RSS, and for Redis the copy-on-write
// size its child reports (rdb_last_cow_size), with the parent's RSS growth.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	shoalBin := flag.String("shoal", "bin/shoal", "shoal binary")
	redisBin := flag.String("redis", "redis-server", "redis-server binary")
	gib := flag.Float64("gb", 1, "dataset size in GiB")
	valueLen := flag.Int("value", 1000, "bytes per value")
	port := flag.Int("port", 23456, "first port to use")
	flag.Parse()

	keys := int(*gib * (1 << 30) / float64(*valueLen))
	fmt.Printf("dataset: %d keys of %d-byte values (%.2f GiB of values)\n\n", keys, *valueLen, *gib)
	fmt.Println("| server | BGSAVE time | writer max during save | writer p99 during save | writer p99 before | extra memory during save | file size |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for i, srv := range []struct{ name, bin string }{{"redis-server", *redisBin}, {"shoal", *shoalBin}} {
		r, err := measure(srv.bin, *port+i, keys, *valueLen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bgsave: %s: %v\n", srv.name, err)
			os.Exit(1)
		}
		fmt.Printf("| %s | %.2f s | %s | %s | %s | %s | %d MiB |\n", srv.name, r.save.Seconds(),
			ms(r.maxDuring), ms(r.p99During), ms(r.p99Before), r.extra, r.fileSize>>20)
	}
}

type result struct {
	save                            time.Duration
	maxDuring, p99During, p99Before time.Duration
	extra                           string
	fileSize                        int64
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func measure(bin string, port, keys, valueLen int) (result, error) {
	var res result
	dir, err := os.MkdirTemp("", "bgsave")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Protocol: 2, DisableIdentity: true, PoolSize: 8})
	defer c.Close()
	for i := 0; c.Ping(ctx).Err() != nil; i++ {
		if i > 200 {
			return res, fmt.Errorf("server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err := fill(ctx, c, keys, valueLen); err != nil {
		return res, err
	}
	rss0 := rss(cmd.Process.Pid)

	// One writer, unpipelined, for the whole measurement.
	type sample struct {
		at  time.Time
		lat time.Duration
	}
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		val := strings.Repeat("w", valueLen)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			t := time.Now()
			if err := c.Set(ctx, "writer:"+strconv.Itoa(n%10000), val, 0).Err(); err != nil {
				werr = err
				return
			}
			samples = append(samples, sample{t, time.Since(t)})
		}
	})
	time.Sleep(2 * time.Second)
	start := time.Now()
	if err := c.BgSave(ctx).Err(); err != nil {
		close(stop)
		wg.Wait()
		return res, err
	}
	peak := rss0
	for {
		peak = max(peak, rss(cmd.Process.Pid))
		info := c.Info(ctx, "persistence").Val()
		if strings.Contains(info, "rdb_bgsave_in_progress:0") {
			if !strings.Contains(info, "rdb_last_bgsave_status:ok") {
				close(stop)
				wg.Wait()
				return res, fmt.Errorf("BGSAVE failed:\n%s", info)
			}
			res.extra = fmt.Sprintf("RSS +%d MiB", (peak-rss0)>>20)
			if cow := field(info, "rdb_last_cow_size"); cow != "" && cow != "0" {
				n, _ := strconv.ParseInt(cow, 10, 64)
				res.extra = fmt.Sprintf("copy-on-write %d MiB, parent RSS +%d MiB", n>>20, (peak-rss0)>>20)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	end := time.Now()
	res.save = end.Sub(start)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if werr != nil {
		return res, werr
	}
	var before, during []time.Duration
	for _, s := range samples {
		switch {
		case s.at.Before(start):
			before = append(before, s.lat)
		case s.at.Before(end):
			during = append(during, s.lat)
		}
	}
	if len(before) == 0 || len(during) == 0 {
		return res, fmt.Errorf("writer took %d samples before and %d during the save", len(before), len(during))
	}
	slices.Sort(before)
	slices.Sort(during)
	res.maxDuring = during[len(during)-1]
	res.p99During = during[len(during)*99/100]
	res.p99Before = before[len(before)*99/100]
	if st, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil {
		res.fileSize = st.Size()
	}
	return res, nil
}

// fill writes keys values of valueLen random bytes through 4 pipelining
// clients: random, so that LZF compression does not shrink the file.
func fill(ctx context.Context, c *redis.Client, keys, valueLen int) error {
	b := make([]byte, valueLen)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	val := string(b)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range 4 {
		wg.Go(func() {
			p := c.Pipeline()
			for i := w; i < keys; i += 4 {
				p.Set(ctx, "key:"+strconv.Itoa(i), val, 0)
				if p.Len() == 1000 {
					if _, err := p.Exec(ctx); err != nil {
						errs[w] = err
						return
					}
				}
			}
			_, errs[w] = p.Exec(ctx)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// rss returns a process's resident set size in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

func field(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}
