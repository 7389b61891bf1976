// Command txload drives MULTI / SET / SET / EXEC transactions at a Redis
// protocol server, the load redis-benchmark cannot produce: each connection
// pipelines depth transactions, reads every reply, and checks it, until the
// fixed total is done. It prints the transactions per second.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/shoal-db/shoal/proto"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	conns := flag.Int("conns", 50, "connections")
	depth := flag.Int("depth", 16, "transactions pipelined per round trip on each connection")
	n := flag.Int("n", 200000, "transactions in total")
	keyspace := flag.Int("keyspace", 100000, "keys are chosen at random among this many")
	flag.Parse()
	if *conns < 1 || *depth < 1 || *n < 1 || *keyspace < 1 {
		fmt.Fprintln(os.Stderr, "txload: -conns, -depth, -n and -keyspace must be positive")
		os.Exit(2)
	}

	cs := make([]net.Conn, *conns)
	for i := range cs {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "txload:", err)
			os.Exit(1)
		}
		defer c.Close()
		cs[i] = c
	}

	var wg sync.WaitGroup
	errs := make([]error, *conns)
	start := time.Now()
	for i, c := range cs {
		share := *n / *conns
		if i < *n%*conns {
			share++
		}
		wg.Go(func() { errs[i] = run(c, share, *depth, *keyspace) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "txload:", err)
		os.Exit(1)
	}
	fmt.Printf("%d transactions in %.3f s: %.0f tx/s\n", *n, elapsed.Seconds(), float64(*n)/elapsed.Seconds())
}

// run sends count transactions on c, depth at a time, and checks that every
// transaction was queued and executed.
func run(c net.Conn, count, depth, keyspace int) error {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	value := []byte("xxx") // redis-benchmark's default 3-byte value
	var out []byte
	in := make([]byte, 0, bufSize)
	for count > 0 {
		batch := min(depth, count)
		count -= batch
		out = out[:0]
		for range batch {
			out = appendCommand(out, []byte("MULTI"))
			out = appendCommand(out, []byte("SET"), key(rng, keyspace), value)
			out = appendCommand(out, []byte("SET"), key(rng, keyspace), value)
			out = appendCommand(out, []byte("EXEC"))
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
		for range batch {
			for step := range 4 {
				var v proto.Value
				var err error
				v, in, err = next(c, in)
				if err != nil {
					return err
				}
				if err := check(step, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// bufSize is the initial size of each connection's reply buffer.
const bufSize = 64 << 10

func key(rng *rand.Rand, keyspace int) []byte {
	return strconv.AppendInt([]byte("key:"), int64(rng.IntN(keyspace)), 10)
}

func appendCommand(dst []byte, args ...[]byte) []byte {
	dst = proto.AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = proto.AppendBulk(dst, a)
	}
	return dst
}

// next returns the first reply in buf, reading from c until one is complete,
// and buf without it. The reply aliases buf, so check it before the next call.
func next(c net.Conn, buf []byte) (proto.Value, []byte, error) {
	for {
		v, n, err := proto.ReadValue(buf)
		if err != nil {
			return v, buf, err
		}
		if n > 0 {
			return v, buf[n:], nil
		}
		if len(buf) == cap(buf) {
			// buf is the tail of its array: move the partial reply to a
			// fresh buffer, larger if the reply alone fills the old one.
			grown := make([]byte, len(buf), max(bufSize, 2*len(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := c.Read(buf[len(buf):cap(buf)])
		if m == 0 && err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return v, buf, err
		}
		buf = buf[:len(buf)+m]
	}
}

// check verifies the reply to the step-th command of a transaction.
func check(step int, v proto.Value) error {
	ok := false
	switch step {
	case 0:
		ok = v.Kind == proto.KindSimple && string(v.Str) == "OK"
	case 1, 2:
		ok = v.Kind == proto.KindSimple && string(v.Str) == "QUEUED"
	case 3:
		ok = v.Kind == proto.KindArray && len(v.Elems) == 2 &&
			v.Elems[0].Kind == proto.KindSimple && string(v.Elems[0].Str) == "OK" &&
			v.Elems[1].Kind == proto.KindSimple && string(v.Elems[1].Str) == "OK"
	}
	if !ok {
		return fmt.Errorf("unexpected reply to command %d of a transaction: %+v", step+1, v)
	}
	return nil
}
