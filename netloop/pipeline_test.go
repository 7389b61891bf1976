package netloop_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// pipelineModel generates a random mix of single-shard, multi-shard,
// all-shards and connection commands together with the replies they must
// get, by keeping its own copy of the two databases it uses.
type pipelineModel struct {
	rng    *rand.Rand
	prefix string
	solo   bool // the only client: DBSIZE is predictable
	db     int
	data   [2]map[string]string
	counts map[string]int // commands generated, by name
}

func newPipelineModel(seed uint64, prefix string, solo bool) *pipelineModel {
	return &pipelineModel{
		rng:    rand.New(rand.NewPCG(seed, 42)),
		prefix: prefix,
		solo:   solo,
		data:   [2]map[string]string{{}, {}},
		counts: map[string]int{},
	}
}

func (m *pipelineModel) key() string { return m.prefix + "k" + strconv.Itoa(m.rng.IntN(40)) }

func (m *pipelineModel) next() (args []string, want string) {
	d := m.data[m.db]
	nullable := func(k string) string {
		if v, ok := d[k]; ok {
			return bulk(v)
		}
		return "$-1\r\n"
	}
	switch n := m.rng.IntN(100); {
	case n < 20:
		k, v := m.key(), strconv.Itoa(m.rng.IntN(1000))
		d[k] = v
		args, want = []string{"SET", k, v}, "+OK\r\n"
	case n < 40:
		k := m.key()
		args, want = []string{"GET", k}, nullable(k)
	case n < 50:
		args = []string{"MSET"}
		for i := 0; i < 1+m.rng.IntN(4); i++ {
			k, v := m.key(), "m"+strconv.Itoa(m.rng.IntN(1000))
			args = append(args, k, v)
			d[k] = v
		}
		want = "+OK\r\n"
	case n < 60:
		args = []string{"MGET"}
		want = ""
		cnt := 1 + m.rng.IntN(5)
		for i := 0; i < cnt; i++ {
			k := m.key()
			args = append(args, k)
			want += nullable(k)
		}
		want = "*" + strconv.Itoa(cnt) + "\r\n" + want
	case n < 66:
		args = []string{"DEL"}
		gone := 0
		for i := 0; i < 1+m.rng.IntN(3); i++ {
			k := m.key()
			args = append(args, k)
			if _, ok := d[k]; ok {
				delete(d, k)
				gone++
			}
		}
		want = ":" + strconv.Itoa(gone) + "\r\n"
	case n < 70:
		args = []string{"EXISTS"}
		found := 0
		for i := 0; i < 1+m.rng.IntN(3); i++ {
			k := m.key()
			args = append(args, k)
			if _, ok := d[k]; ok {
				found++
			}
		}
		want = ":" + strconv.Itoa(found) + "\r\n"
	case n < 78:
		k := m.prefix + "ctr" + strconv.Itoa(m.rng.IntN(8))
		v, _ := strconv.Atoi(d[k])
		d[k] = strconv.Itoa(v + 1)
		args, want = []string{"INCR", k}, ":"+d[k]+"\r\n"
	case n < 84:
		args, want = []string{"PING"}, "+PONG\r\n"
	case n < 88:
		s := "e" + strconv.Itoa(m.rng.IntN(1000))
		args, want = []string{"ECHO", s}, bulk(s)
	case n < 92:
		m.db = m.rng.IntN(2)
		args, want = []string{"SELECT", strconv.Itoa(m.db)}, "+OK\r\n"
	case n < 95 && m.solo:
		args, want = []string{"DBSIZE"}, ":"+strconv.Itoa(len(d))+"\r\n"
	case n < 97:
		args, want = []string{"NOSUCH", "x"}, "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"
	default:
		args, want = []string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"
	}
	m.counts[args[0]]++
	return args, want
}

// script generates n commands, their encoding as one stream, and the
// replies in order.
func (m *pipelineModel) script(n int) (stream []byte, wants []string, cmds [][]string) {
	for i := 0; i < n; i++ {
		args, want := m.next()
		stream = append(stream, request(args...)...)
		wants = append(wants, want)
		cmds = append(cmds, args)
	}
	return stream, wants, cmds
}

// writeChunks writes stream in random-sized pieces (one piece when
// maxChunk is 0), reporting the first error on the returned channel.
func writeChunks(c interface{ Write([]byte) (int, error) }, stream []byte, rng *rand.Rand, maxChunk int) <-chan error {
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for len(stream) > 0 {
			n := len(stream)
			if maxChunk > 0 {
				n = min(n, 1+rng.IntN(maxChunk))
			}
			if _, err := c.Write(stream[:n]); err != nil {
				errc <- err
				return
			}
			stream = stream[n:]
		}
	}()
	return errc
}

// checkReplies reads len(wants) replies and compares them in order.
func checkReplies(rs *replyStream, wants []string, cmds [][]string) error {
	for i, want := range wants {
		got, err := rs.next()
		if err != nil {
			return fmt.Errorf("reply %d of %d (%q): %v", i, len(wants), cmds[i], err)
		}
		if got != want {
			return fmt.Errorf("reply %d (%q): got %q, want %q", i, cmds[i], got, want)
		}
	}
	return nil
}

// TestPipeline10k sends 10,000 mixed commands in one write and then in
// random fragments, and checks every reply in order.
func TestPipeline10k(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	m := newPipelineModel(1, "p:", true)
	for _, maxChunk := range []int{0, 3000, 17} {
		raw := servertest.Dial(t, srv.Addr)
		m.db = 0 // a new connection starts in db 0
		stream, wants, cmds := m.script(10000)
		errc := writeChunks(raw.Conn(), stream, rand.New(rand.NewPCG(uint64(maxChunk), 1)), maxChunk)
		if err := checkReplies(&replyStream{c: raw.Conn()}, wants, cmds); err != nil {
			t.Fatalf("chunks of up to %d bytes: %v", maxChunk, err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"SET", "GET", "MSET", "MGET", "DEL", "EXISTS", "INCR", "PING", "SELECT", "DBSIZE", "NOSUCH"} {
		if m.counts[name] < 100 {
			t.Errorf("only %d %s commands generated", m.counts[name], name)
		}
	}
}

// TestPipelineConcurrent runs pipelines from several connections at once,
// on disjoint keys, so that batches contend for shards and some are handed
// to shard goroutines: replies must still come back in order.
func TestPipelineConcurrent(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	const conns, perConn = 6, 4000
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		raw := servertest.Dial(t, srv.Addr)
		m := newPipelineModel(uint64(100+i), fmt.Sprintf("c%d:", i), false)
		stream, wants, cmds := m.script(perConn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc := writeChunks(raw.Conn(), stream, rand.New(rand.NewPCG(uint64(i), 2)), 5000)
			if err := checkReplies(&replyStream{c: raw.Conn()}, wants, cmds); err != nil {
				t.Errorf("connection %d: %v", i, err)
			}
			if err := <-errc; err != nil {
				t.Errorf("connection %d: write: %v", i, err)
			}
		}()
	}
	wg.Wait()
}

// TestInlineAndEmptyRequests covers the inline protocol and requests that
// carry no command.
func TestInlineAndEmptyRequests(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	f := func(in string, want ...string) {
		t.Helper()
		raw.Send([]byte(in))
		for _, w := range want {
			if got := raw.Read(); got != w {
				t.Errorf("%q: got %q, want %q", in, got, w)
			}
		}
	}
	f("PING\r\n", "+PONG\r\n")
	f("PING\n", "+PONG\r\n")
	f("ping hello\r\n", bulk("hello"))
	f(`ECHO "a b"`+"\r\n", bulk("a b"))
	f(`ECHO "\x41\tB\n"`+"\r\n", bulk("A\tB\n"))
	f(`ECHO 'it\'s'`+"\r\n", bulk("it's"))
	f("SET k 'v w'\r\nGET k\r\n", "+OK\r\n", bulk("v w"))
	f("   \r\n\r\n\n*0\r\n*-1\r\nGET   k  \r\n", bulk("v w"))
	f("*0\r\n*0\r\nPING\r\n", "+PONG\r\n")
	// An inline command split across writes.
	f("EC", []string{}...)
	time.Sleep(20 * time.Millisecond)
	f("HO spl", []string{}...)
	time.Sleep(20 * time.Millisecond)
	f("it\r\n", bulk("split"))
	// A multibulk command one byte at a time.
	for _, b := range []byte("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nbytes\r\n") {
		raw.Send([]byte{b})
	}
	f("GET x\r\n", "+OK\r\n", bulk("bytes"))
}
