package rdb

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/proto"
)

// These tests check the codec against the real redis-server 7.0: files it
// saves must read back as the data it was given, and files the Writer
// produces must pass redis-check-rdb and load with every value intact.

// findBinary finds a program the interop tests need: without it they are
// skipped, except under CI, which installs it.
func findBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// startRedis runs redis-server on a free port with dir/dump.rdb as its
// snapshot (loaded if present) and returns a client; it stops at cleanup.
func startRedis(t *testing.T, dir string, args ...string) *respClient {
	t.Helper()
	bin := findBinary(t, "redis-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command(bin, all...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			rc := &respClient{t: t, conn: c}
			t.Cleanup(func() { c.Close() })
			// -LOADING until the snapshot is in memory.
			if v := rc.do("PING"); v.Kind == proto.KindSimple {
				return rc
			}
			c.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	t.Fatalf("redis-server did not become ready; log:\n%s", log)
	return nil
}

// respClient is a minimal RESP2 client for driving redis-server.
type respClient struct {
	t    *testing.T
	conn net.Conn
	buf  []byte
}

func (c *respClient) do(args ...string) proto.Value {
	c.t.Helper()
	c.send(args...)
	return c.read()
}

// ok runs a command that must not fail.
func (c *respClient) ok(args ...string) proto.Value {
	c.t.Helper()
	v := c.do(args...)
	if v.Kind == proto.KindError {
		c.t.Fatalf("%q: %s", args, v.Str)
	}
	return v
}

func (c *respClient) send(args ...string) {
	c.t.Helper()
	req := proto.AppendArrayLen(nil, len(args))
	for _, a := range args {
		req = proto.AppendBulkString(req, a)
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(req); err != nil {
		c.t.Fatal(err)
	}
}

func (c *respClient) read() proto.Value {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		if len(c.buf) > 0 {
			v, n, err := proto.ReadValue(c.buf)
			if err != nil {
				c.t.Fatalf("bad reply: %v", err)
			}
			if n > 0 {
				c.buf = c.buf[n:]
				return v
			}
		}
		chunk := make([]byte, 64<<10)
		n, err := c.conn.Read(chunk)
		if err != nil {
			c.t.Fatal(err)
		}
		c.buf = append(c.buf, chunk[:n]...)
	}
}

// pipeline sends commands and checks that none failed.
func (c *respClient) pipeline(cmds [][]string) {
	c.t.Helper()
	for i := 0; i < len(cmds); i += 500 {
		batch := cmds[i:min(i+500, len(cmds))]
		for _, cmd := range batch {
			c.send(cmd...)
		}
		for _, cmd := range batch {
			if v := c.read(); v.Kind == proto.KindError {
				c.t.Fatalf("%.200q: %s", cmd, v.Str)
			}
		}
	}
}

// redisKey is a key created in redis-server by cmds, which must save it
// with encoding enc and read back as want.
type redisKey struct {
	db   int
	key  string
	cmds [][]string
	want Value
	enc  Type
	ttl  bool
}

func strs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

func redisDataset() []redisKey {
	var keys []redisKey
	add := func(db int, key string, enc Type, want Value, cmds ...[]string) {
		keys = append(keys, redisKey{db: db, key: key, cmds: cmds, want: want, enc: enc})
	}
	str := func(db int, key, val string) {
		add(db, key, TypeString, String{B: []byte(val)}, []string{"SET", key, val})
	}
	str(0, "s:int8", "-100")
	str(0, "s:int16", "12345")
	str(0, "s:int32", "-2000000000")
	str(0, "s:int64", "9223372036854775807")
	str(0, "s:notint", "0012")
	str(0, "s:float", "1.5")
	str(0, "s:empty", "")
	str(0, "s:compressible", strings.Repeat("redis rdb ", 500))
	var random strings.Builder
	for i := range 3000 {
		random.WriteByte(byte(i*7919 + i*i*31 + i>>3))
	}
	str(0, "s:random", random.String())
	str(0, "s:binary", "\x00\r\n\xff")

	list := func(db int, key string, elems [][]byte) {
		cmd := append([]string{"RPUSH", key}, strs(elems)...)
		add(db, key, TypeListQuicklist2, List{Elems: elems}, cmd)
	}
	list(0, "l:small", bs("a", "1", "-1", "127", "128", "-4096", "4095", "40000", "-8000000", "2147483648", "9223372036854775807", "", "z"))
	list(0, "l:big", seq("item:", 5000))
	list(1, "l:bigelem", [][]byte{[]byte("x"), bytes.Repeat([]byte("long"), 5000), []byte("y")})

	set := func(db int, key string, enc Type, members [][]byte) {
		add(db, key, enc, Set{Members: members}, append([]string{"SADD", key}, strs(members)...))
	}
	set(0, "set:int16", TypeSetIntset, bs("5", "-3", "100"))
	set(0, "set:int64", TypeSetIntset, bs("1", "-9223372036854775808", "9223372036854775807"))
	set(0, "set:str", TypeSet, bs("a", "b", "1"))
	set(1, "set:bigint", TypeSet, seq("", 600))
	set(1, "set:bigstr", TypeSet, seq("member-", 1000))

	zset := func(db int, key string, enc Type, members []ZMember) {
		cmd := []string{"ZADD", key}
		for _, m := range members {
			cmd = append(cmd, strconv.FormatFloat(m.Score, 'g', -1, 64), string(m.Member))
		}
		add(db, key, enc, ZSet{Members: members}, cmd)
	}
	zset(0, "z:small", TypeZSetListpack, []ZMember{{[]byte("a"), 1}, {[]byte("b"), -2.5}, {[]byte("c"), 0.1},
		{[]byte("inf"), posInf}, {[]byte("-inf"), negInf}, {[]byte("big"), 1e300}, {[]byte("12"), 7}, {[]byte("tiny"), 5e-324}})
	bigZ := make([]ZMember, 300)
	for i := range bigZ {
		bigZ[i] = ZMember{[]byte("m" + strconv.Itoa(i)), float64(i%17) * 1.25}
	}
	zset(1, "z:big", TypeZSet2, bigZ)
	zset(0, "z:longmember", TypeZSet2, []ZMember{{bytes.Repeat([]byte("q"), 100), 3}, {[]byte("short"), 4}})

	hash := func(db int, key string, enc Type, fields [][2][]byte) {
		cmd := []string{"HSET", key}
		for _, f := range fields {
			cmd = append(cmd, string(f[0]), string(f[1]))
		}
		add(db, key, enc, Hash{Fields: fields}, cmd)
	}
	hash(0, "h:small", TypeHashListpack, pairs("name", "shoal", "n", "42", "neg", "-1", "empty", ""))
	bigH := make([][2][]byte, 600) // over hash-max-listpack-entries (512)
	for i := range bigH {
		bigH[i] = [2][]byte{[]byte("f" + strconv.Itoa(i)), []byte(strconv.Itoa(i * 3))}
	}
	hash(5, "h:big", TypeHash, bigH)
	hash(5, "h:longvalue", TypeHash, pairs("k", strings.Repeat("v", 200)))

	// A key with a TTL in every database used.
	for _, db := range []int{0, 1, 5} {
		key := "ttl:" + strconv.Itoa(db)
		keys = append(keys, redisKey{db: db, key: key, want: String{B: []byte("soon")}, enc: TypeString, ttl: true,
			cmds: [][]string{{"SET", key, "soon", "PX", "3600000"}}})
	}

	// Streams: XADD with explicit IDs keeps the expected value exact.
	var cmds [][]string
	var entries []StreamEntry
	for i := range 250 {
		id := StreamID{Ms: 1700000000000 + uint64(i/4), Seq: uint64(i % 4)}
		f := pairs("sensor", strconv.Itoa(i%3), "value", strconv.Itoa(i*10))
		if i%9 == 0 {
			f = pairs("event", "reboot")
		}
		cmd := []string{"XADD", "st:big", fmt.Sprintf("%d-%d", id.Ms, id.Seq)}
		for _, p := range f {
			cmd = append(cmd, string(p[0]), string(p[1]))
		}
		cmds = append(cmds, cmd)
		entries = append(entries, StreamEntry{ID: id, Fields: f})
	}
	id := func(i int) string { return fmt.Sprintf("%d-%d", entries[i].ID.Ms, entries[i].ID.Seq) }
	cmds = append(cmds,
		[]string{"XDEL", "st:big", id(0), id(7), id(120)},
		[]string{"XGROUP", "CREATE", "st:big", "readers", "0"},
		[]string{"XREADGROUP", "GROUP", "readers", "alice", "COUNT", "3", "STREAMS", "st:big", ">"},
		[]string{"XREADGROUP", "GROUP", "readers", "bob", "COUNT", "2", "STREAMS", "st:big", ">"},
		[]string{"XACK", "st:big", "readers", id(2)},
		[]string{"XCLAIM", "st:big", "readers", "bob", "0", id(1)},
		[]string{"XGROUP", "CREATECONSUMER", "st:big", "readers", "carol"},
		[]string{"XGROUP", "CREATE", "st:big", "late", "$"},
	)
	deleted := map[int]bool{0: true, 7: true, 120: true}
	var live []StreamEntry
	for i, e := range entries {
		if !deleted[i] {
			live = append(live, e)
		}
	}
	// alice read 1,2,3 (0 is deleted); bob read 4,5; 2 was acked; bob
	// claimed 1 (a second delivery).
	keys = append(keys, redisKey{db: 0, key: "st:big", cmds: cmds, enc: TypeStreamListpacks2, want: Stream{
		Entries: live, LastID: entries[249].ID, FirstID: entries[1].ID, MaxDeletedID: entries[120].ID, EntriesAdded: 250,
		Groups: []StreamGroup{
			{Name: []byte("late"), LastID: entries[249].ID, EntriesRead: -1},
			// XDEL fragmented the stream, so Redis cannot count reads.
			{Name: []byte("readers"), LastID: entries[5].ID, EntriesRead: -1,
				PEL: []StreamPending{
					{ID: entries[1].ID, DeliveryCount: 2, Consumer: []byte("bob")},
					{ID: entries[3].ID, DeliveryCount: 1, Consumer: []byte("alice")},
					{ID: entries[4].ID, DeliveryCount: 1, Consumer: []byte("bob")},
					{ID: entries[5].ID, DeliveryCount: 1, Consumer: []byte("bob")},
				},
				Consumers: []StreamConsumer{{Name: []byte("alice"), ActiveTime: -1}, {Name: []byte("bob"), ActiveTime: -1},
					{Name: []byte("carol"), ActiveTime: -1}}},
		},
	}})
	keys = append(keys, redisKey{db: 1, key: "st:empty", enc: TypeStreamListpacks2,
		cmds: [][]string{{"XGROUP", "CREATE", "st:empty", "g", "$", "MKSTREAM"}},
		want: Stream{Groups: []StreamGroup{{Name: []byte("g"), EntriesRead: -1}}}})
	keys = append(keys, redisKey{db: 1, key: "st:counted", enc: TypeStreamListpacks2,
		cmds: [][]string{{"XADD", "st:counted", "1-1", "a", "1"}, {"XADD", "st:counted", "1-2", "b", "2"},
			{"XADD", "st:counted", "1-3", "a", "3"}, {"XGROUP", "CREATE", "st:counted", "g", "0"},
			{"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "st:counted", ">"}},
		want: Stream{Entries: []StreamEntry{{ID: StreamID{1, 1}, Fields: pairs("a", "1")}, {ID: StreamID{1, 2}, Fields: pairs("b", "2")},
			{ID: StreamID{1, 3}, Fields: pairs("a", "3")}}, LastID: StreamID{1, 3}, FirstID: StreamID{1, 1}, EntriesAdded: 3,
			Groups: []StreamGroup{{Name: []byte("g"), LastID: StreamID{1, 2}, EntriesRead: 2,
				PEL:       []StreamPending{{ID: StreamID{1, 1}, DeliveryCount: 1, Consumer: []byte("c")}, {ID: StreamID{1, 2}, DeliveryCount: 1, Consumer: []byte("c")}},
				Consumers: []StreamConsumer{{Name: []byte("c"), ActiveTime: -1}}}}}})
	keys = append(keys, redisKey{db: 1, key: "st:trimmed", enc: TypeStreamListpacks2,
		cmds: [][]string{{"XADD", "st:trimmed", "5-1", "a", "1"}, {"XADD", "st:trimmed", "5-2", "a", "2"}, {"XDEL", "st:trimmed", "5-1", "5-2"}},
		want: Stream{LastID: StreamID{5, 2}, MaxDeletedID: StreamID{5, 2}, EntriesAdded: 2}})
	return keys
}

var (
	posInf = mustFloat("inf")
	negInf = mustFloat("-inf")
)

func mustFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return f
}

// timeless zeroes the stream times redis-server sets from its clock,
// after checking they lie in [from, to].
func timeless(t *testing.T, key string, v Value, from, to int64) Value {
	s, ok := v.(Stream)
	if !ok {
		return v
	}
	in := func(what string, ms int64) {
		if ms < from || ms > to {
			t.Errorf("%s: %s %d not within [%d, %d]", key, what, ms, from, to)
		}
	}
	s.Groups = slices.Clone(s.Groups)
	for i, g := range s.Groups {
		g.PEL = slices.Clone(g.PEL)
		for j := range g.PEL {
			in("delivery time", g.PEL[j].DeliveryTime)
			g.PEL[j].DeliveryTime = 0
		}
		g.Consumers = slices.Clone(g.Consumers)
		for j := range g.Consumers {
			in("seen time", g.Consumers[j].SeenTime)
			g.Consumers[j].SeenTime = 0
		}
		s.Groups[i] = g
	}
	return s
}

func TestRedisSavedFilesAreRead(t *testing.T) {
	for _, variant := range []struct {
		name string
		args []string
	}{
		{"defaults+lru", []string{"--maxmemory-policy", "allkeys-lru"}},
		{"no compression+lfu", []string{"--rdbcompression", "no", "--maxmemory-policy", "allkeys-lfu"}},
		{"compressed quicklist nodes+no checksum", []string{"--list-compress-depth", "1", "--rdbchecksum", "no"}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			dir := t.TempDir()
			c := startRedis(t, dir, variant.args...)
			from := time.Now().UnixMilli()
			keys := redisDataset()
			for _, k := range keys {
				c.ok("SELECT", strconv.Itoa(k.db))
				c.pipeline(k.cmds)
			}
			c.ok("SELECT", "0")
			lib := "#!lua name=rdbtestlib\nredis.register_function('rdbtest', function() return 1 end)"
			c.ok("FUNCTION", "LOAD", lib)
			c.ok("SAVE")
			to := time.Now().UnixMilli()
			data, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
			if err != nil {
				t.Fatal(err)
			}
			var warnings []string
			r := NewReader(bytes.NewReader(data))
			r.Warn = func(off int64, msg string) { warnings = append(warnings, fmt.Sprintf("%d: %s", off, msg)) }
			got := map[string]Entry{}
			for {
				e, err := r.Next()
				if err != nil {
					if err.Error() != "EOF" {
						t.Fatal(err)
					}
					break
				}
				got[fmt.Sprintf("%d/%s", e.DB, e.Key)] = e
			}
			if len(got) != len(keys) {
				t.Errorf("read %d keys, created %d", len(got), len(keys))
			}
			for _, k := range keys {
				e, ok := got[fmt.Sprintf("%d/%s", k.db, k.key)]
				if !ok {
					t.Errorf("db %d key %q missing", k.db, k.key)
					continue
				}
				if e.Encoding != k.enc {
					t.Errorf("%s: encoding %v, want %v", k.key, e.Encoding, k.enc)
				}
				if g, w := describe(timeless(t, k.key, e.Value, from, to)), describe(k.want); g != w {
					t.Errorf("%s: %s", k.key, diff(g, w))
				}
				if hasTTL := e.ExpireMs >= 0; hasTTL != k.ttl || (k.ttl && (e.ExpireMs < from || e.ExpireMs > to+3600000)) {
					t.Errorf("%s: expire %d, want ttl=%v", k.key, e.ExpireMs, k.ttl)
				}
				switch variant.name {
				case "defaults+lru":
					if e.LRUIdle < 0 || e.LFUFreq >= 0 {
						t.Errorf("%s: under LRU idle %d freq %d", k.key, e.LRUIdle, e.LFUFreq)
					}
				case "no compression+lfu":
					if e.LFUFreq < 0 || e.LRUIdle >= 0 {
						t.Errorf("%s: under LFU idle %d freq %d", k.key, e.LRUIdle, e.LFUFreq)
					}
				}
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], `"rdbtestlib"`) {
				t.Errorf("warnings %q, want one for the function library", warnings)
			}
			if r.Aux()["redis-ver"] == "" || r.Version() != 10 {
				t.Errorf("aux %v version %d", r.Aux(), r.Version())
			}
			checksum := data[len(data)-8:]
			if zero := bytes.Equal(checksum, make([]byte, 8)); zero != strings.Contains(variant.name, "no checksum") {
				t.Errorf("trailer %x", checksum)
			}
		})
	}
}

// TestRedisLoadsWrittenFiles writes every encoding the Writer chooses,
// checks the file with redis-check-rdb, loads it into redis-server (with
// deep payload sanitization) and reads every key back over the wire, then
// has Redis save it again and reads that file.
func TestRedisLoadsWrittenFiles(t *testing.T) {
	checker := findBinary(t, "redis-check-rdb")
	cases := writerCases()
	var entries []Entry
	for _, c := range cases {
		entries = append(entries, c.e)
	}
	for _, variant := range []struct {
		name string
		opts func(*WriterOptions)
	}{
		{"defaults", func(*WriterOptions) {}},
		{"no compression, no checksum", func(o *WriterOptions) { o.Compression, o.Checksum = false, false }},
		{"no compact encodings", func(o *WriterOptions) { *o = WriterOptions{Checksum: true, RedisVersion: "7.0.0"} }},
		{"plain list nodes", func(o *WriterOptions) { o.plainThreshold = 8 }},
	} {
		t.Run(variant.name, func(t *testing.T) {
			opts := DefaultWriterOptions()
			variant.opts(&opts)
			dir := t.TempDir()
			data := writeFile(t, opts, entries)
			path := filepath.Join(dir, "dump.rdb")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(checker, path).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("RDB looks OK!")) {
				t.Fatalf("redis-check-rdb: %v\n%s", err, out)
			}
			c := startRedis(t, dir, "--sanitize-dump-payload", "yes")
			for _, wc := range cases {
				c.ok("SELECT", strconv.Itoa(wc.e.DB))
				key := string(wc.e.Key)
				if g, w := describe(fetch(c, key, wc.e.Value)), describe(wc.e.Value); g != w {
					t.Errorf("%q over the wire: %s", key, diff(g, w))
				}
				pttl := c.ok("PTTL", key).Int
				if wc.e.ExpireMs >= 0 {
					if want := wc.e.ExpireMs - time.Now().UnixMilli(); pttl < want-60000 || pttl > want+1000 {
						t.Errorf("%q: PTTL %d, want about %d", key, pttl, want)
					}
				} else if pttl != -1 {
					t.Errorf("%q: PTTL %d", key, pttl)
				}
			}
			c.ok("SAVE")
			resaved, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := readAll(t, resaved)
			byKey := map[string]Entry{}
			for _, e := range got {
				byKey[fmt.Sprintf("%d/%s", e.DB, e.Key)] = e
			}
			if len(got) != len(cases) {
				t.Errorf("Redis saved %d keys, want %d", len(got), len(cases))
			}
			for _, wc := range cases {
				e := byKey[fmt.Sprintf("%d/%s", wc.e.DB, wc.e.Key)]
				if g, w := describe(e.Value), describe(wc.e.Value); g != w {
					t.Errorf("%q after Redis saved it: %s", wc.e.Key, diff(g, w))
				}
				if e.ExpireMs != wc.e.ExpireMs {
					t.Errorf("%q: expire %d after Redis saved it, want %d", wc.e.Key, e.ExpireMs, wc.e.ExpireMs)
				}
			}
		})
	}
}

// fetch reads a key over the wire into a Value of the same type as like.
func fetch(c *respClient, key string, like Value) Value {
	c.t.Helper()
	elems := func(v proto.Value) [][]byte {
		out := make([][]byte, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = e.Str
		}
		return out
	}
	switch like.(type) {
	case String:
		return String{B: c.ok("GET", key).Str}
	case List:
		return List{Elems: elems(c.ok("LRANGE", key, "0", "-1"))}
	case Set:
		return Set{Members: elems(c.ok("SMEMBERS", key))}
	case ZSet:
		flat := elems(c.ok("ZRANGE", key, "0", "-1", "WITHSCORES"))
		var z ZSet
		for i := 0; i+1 < len(flat); i += 2 {
			z.Members = append(z.Members, ZMember{Member: flat[i], Score: mustFloat(string(flat[i+1]))})
		}
		return z
	case Hash:
		flat := elems(c.ok("HGETALL", key))
		var h Hash
		for i := 0; i+1 < len(flat); i += 2 {
			h.Fields = append(h.Fields, [2][]byte{flat[i], flat[i+1]})
		}
		return h
	case Stream:
		return fetchStream(c, key)
	}
	c.t.Fatalf("fetch %T", like)
	return nil
}

// fetchStream rebuilds a stream from XRANGE and XINFO STREAM FULL.
func fetchStream(c *respClient, key string) Stream {
	var s Stream
	for _, e := range c.ok("XRANGE", key, "-", "+").Elems {
		se := StreamEntry{ID: parseID(c.t, e.Elems[0].Str)}
		kv := e.Elems[1].Elems
		for i := 0; i+1 < len(kv); i += 2 {
			se.Fields = append(se.Fields, [2][]byte{kv[i].Str, kv[i+1].Str})
		}
		s.Entries = append(s.Entries, se)
	}
	info := fields(c.ok("XINFO", "STREAM", key, "FULL", "COUNT", "0"))
	s.LastID = parseID(c.t, info["last-generated-id"].Str)
	s.FirstID = parseID(c.t, info["recorded-first-entry-id"].Str)
	s.MaxDeletedID = parseID(c.t, info["max-deleted-entry-id"].Str)
	s.EntriesAdded = uint64(info["entries-added"].Int)
	for _, gv := range info["groups"].Elems {
		gi := fields(gv)
		g := StreamGroup{Name: gi["name"].Str, LastID: parseID(c.t, gi["last-delivered-id"].Str), EntriesRead: -1}
		if gi["entries-read"].Kind == proto.KindInt {
			g.EntriesRead = gi["entries-read"].Int
		}
		for _, p := range gi["pending"].Elems {
			// [id, consumer, delivery time, delivery count]
			g.PEL = append(g.PEL, StreamPending{ID: parseID(c.t, p.Elems[0].Str), Consumer: p.Elems[1].Str,
				DeliveryTime: p.Elems[2].Int, DeliveryCount: uint64(p.Elems[3].Int)})
		}
		for _, cv := range gi["consumers"].Elems {
			ci := fields(cv)
			g.Consumers = append(g.Consumers, StreamConsumer{Name: ci["name"].Str, SeenTime: ci["seen-time"].Int, ActiveTime: -1})
		}
		s.Groups = append(s.Groups, g)
	}
	return s
}

func fields(v proto.Value) map[string]proto.Value {
	m := map[string]proto.Value{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		m[string(v.Elems[i].Str)] = v.Elems[i+1]
	}
	return m
}

func parseID(t *testing.T, b []byte) StreamID {
	ms, sq, _ := strings.Cut(string(b), "-")
	m, err1 := strconv.ParseUint(ms, 10, 64)
	s, err2 := strconv.ParseUint(sq, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad stream ID %q", b)
	}
	return StreamID{m, s}
}
