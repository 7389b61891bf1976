// Command hitload measures a Redis protocol server used as a cache, in
// three modes:
//
//	hit      cache-aside traffic with Zipf-distributed key popularity: GET a
//	         key, SET it on a miss. After a warm-up it prints the hit ratio.
//	fill     SET key:0 .. key:N-1 to 16-byte values (pipelined), then print
//	         used_memory and the server's RSS (from /proc, given -pid) per key.
//	latency  unpipelined GETs and SETs of random keys among -keys from -conns
//	         connections; prints p50, p99 and p99.9 of each.
//
// Zipf with an exponent below 1 (Redis benchmarks use 0.99) is outside what
// math/rand's Zipf accepts, so keys are drawn with the YCSB generator of
// Gray et al., "Quickly generating billion-record synthetic databases".
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	mode := flag.String("mode", "hit", "hit, fill or latency")
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	keys := flag.Int("keys", 1_000_000, "key universe")
	theta := flag.Float64("zipf", 0.99, "Zipf exponent (hit mode)")
	valSize := flag.Int("value", 512, "value size in bytes (hit mode)")
	warm := flag.Int("warm", 2_000_000, "requests before counting (hit mode)")
	ops := flag.Int("ops", 2_000_000, "requests counted (hit and latency modes)")
	depth := flag.Int("depth", 64, "requests pipelined per round trip (hit and fill modes)")
	conns := flag.Int("conns", 50, "connections (latency mode)")
	pid := flag.Int("pid", 0, "server process id, for its RSS (fill mode)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	var err error
	switch *mode {
	case "hit":
		err = hitRatio(*addr, *keys, *theta, *valSize, *warm, *ops, *depth, *seed)
	case "fill":
		err = fill(*addr, *keys, *depth, *pid)
	case "latency":
		err = latency(*addr, *keys, *ops, *conns, *seed)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hitload:", err)
		os.Exit(1)
	}
}

// zipf draws ranks 0..n-1 with P(i) proportional to 1/(i+1)^theta.
type zipf struct {
	n                 float64
	theta, alpha, eta float64
	zetan, half       float64
	rng               *rand.Rand
}

func newZipf(n int, theta float64, rng *rand.Rand) *zipf {
	z := &zipf{n: float64(n), theta: theta, rng: rng}
	var zeta2 float64
	for i := 1; i <= n; i++ {
		z.zetan += 1 / math.Pow(float64(i), theta)
		if i == 2 {
			zeta2 = z.zetan
		}
	}
	z.alpha = 1 / (1 - theta)
	z.eta = (1 - math.Pow(2/z.n, 1-theta)) / (1 - zeta2/z.zetan)
	z.half = 1 + math.Pow(0.5, theta)
	return z
}

func (z *zipf) next() int {
	u := z.rng.Float64()
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.half {
		return 1
	}
	return int(z.n * math.Pow(z.eta*u-z.eta+1, z.alpha))
}

// conn is a RESP connection with just enough reply parsing for GET, SET
// and INFO.
type conn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 1<<16), w: bufio.NewWriterSize(c, 1<<16)}, nil
}

func (c *conn) send(args ...string) {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
}

// reply reads one reply: a bulk string (nil=false for a null), or a simple
// string; an error reply is an error.
func (c *conn) reply() (s string, null bool, err error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", false, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", false, errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], false, nil
	case '-':
		return "", false, errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", false, err
		}
		if n < 0 {
			return "", true, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", false, err
		}
		return string(buf[:n]), false, nil
	}
	return "", false, fmt.Errorf("unexpected reply %q", line)
}

func (c *conn) info(field string) (int64, error) {
	c.send("INFO", "memory")
	if err := c.w.Flush(); err != nil {
		return 0, err
	}
	s, _, err := c.reply()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(s, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("INFO has no %s", field)
}

func hitRatio(addr string, keys int, theta float64, valSize, warm, ops, depth int, seed uint64) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	z := newZipf(keys, theta, rand.New(rand.NewPCG(seed, seed)))
	// Ranks are scattered over the key names so that the popular keys do
	// not share a hash-table neighbourhood.
	perm := rand.New(rand.NewPCG(seed, 99)).Perm(keys)
	val := strings.Repeat("v", valSize)
	var hits, gets int
	batch := make([]string, 0, depth)
	for done := 0; done < warm+ops; done += depth {
		batch = batch[:0]
		for i := 0; i < depth; i++ {
			k := "key:" + strconv.Itoa(perm[z.next()])
			batch = append(batch, k)
			c.send("GET", k)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		var misses []string
		for _, k := range batch {
			_, null, err := c.reply()
			if err != nil {
				return err
			}
			if null {
				misses = append(misses, k)
			}
		}
		if done >= warm {
			gets += len(batch)
			hits += len(batch) - len(misses)
		}
		for _, k := range misses {
			c.send("SET", k, val)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range misses {
			if _, _, err := c.reply(); err != nil {
				return err
			}
		}
	}
	used, err := c.info("used_memory")
	if err != nil {
		return err
	}
	c.send("DBSIZE")
	if err := c.w.Flush(); err != nil {
		return err
	}
	held, _, err := c.reply()
	if err != nil {
		return err
	}
	fmt.Printf("hit_ratio=%.4f gets=%d used_memory=%d keys=%s\n", float64(hits)/float64(gets), gets, used, held)
	return nil
}

func fill(addr string, keys, depth, pid int) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	base, err := c.info("used_memory")
	if err != nil {
		return err
	}
	rssBase := rss(pid)
	start := time.Now()
	for i := 0; i < keys; i += depth {
		n := min(depth, keys-i)
		for j := 0; j < n; j++ {
			c.send("SET", "key:"+strconv.Itoa(i+j), "0123456789abcdef")
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for j := 0; j < n; j++ {
			if _, _, err := c.reply(); err != nil {
				return err
			}
		}
	}
	elapsed := time.Since(start)
	used, err := c.info("used_memory")
	if err != nil {
		return err
	}
	r := rss(pid)
	fmt.Printf("keys=%d used_memory_per_key=%.1f rss_per_key=%.1f used_memory=%d rss=%d fill_seconds=%.1f\n",
		keys, float64(used-base)/float64(keys), float64(r-rssBase)/float64(keys), used, r, elapsed.Seconds())
	return nil
}

// rss is a process's resident set in bytes, 0 when unknown.
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func latency(addr string, keys, ops, conns int, seed uint64) error {
	type result struct {
		get, set []time.Duration
		err      error
	}
	results := make([]result, conns)
	var wg sync.WaitGroup
	for ci := 0; ci < conns; ci++ {
		wg.Go(func() {
			res := &results[ci]
			c, err := dial(addr)
			if err != nil {
				res.err = err
				return
			}
			defer c.c.Close()
			rng := rand.New(rand.NewPCG(seed, uint64(ci)))
			for i := 0; i < ops/conns; i++ {
				k := "key:" + strconv.Itoa(rng.IntN(keys))
				set := i%2 == 1
				start := time.Now()
				if set {
					c.send("SET", k, "0123456789abcdef")
				} else {
					c.send("GET", k)
				}
				if err := c.w.Flush(); err != nil {
					res.err = err
					return
				}
				if _, _, err := c.reply(); err != nil {
					res.err = err
					return
				}
				d := time.Since(start)
				if set {
					res.set = append(res.set, d)
				} else {
					res.get = append(res.get, d)
				}
			}
		})
	}
	wg.Wait()
	var get, set []time.Duration
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		get = append(get, r.get...)
		set = append(set, r.set...)
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"GET", get}, {"SET", set}} {
		slices.Sort(m.d)
		q := func(p float64) float64 {
			return float64(m.d[min(len(m.d)-1, int(p*float64(len(m.d))))].Microseconds()) / 1000
		}
		fmt.Printf("%s n=%d p50=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms\n", m.name, len(m.d), q(0.5), q(0.99), q(0.999), q(1))
	}
	return nil
}
