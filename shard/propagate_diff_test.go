package shard_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// journalCmd is one journaled command with the database it applies to.
type journalCmd struct {
	db   int
	args []string
}

// journalUnit is what a reader applies at once: one command, or the
// commands of a MULTI … EXEC block.
type journalUnit []journalCmd

// journalUnits parses a stream of RESP commands (an AOF file, Shoal's
// journal) into units, with SELECT folded into each command's database.
func journalUnits(t *testing.T, b []byte) []journalUnit {
	t.Helper()
	var out []journalUnit
	db, inMulti := 0, false
	for len(b) > 0 {
		v, n, err := proto.ReadValue(b)
		if err != nil || n == 0 {
			t.Fatalf("bad journal at %q: %v", b[:min(len(b), 80)], err)
		}
		b = b[n:]
		args := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			args[i] = string(e.Str)
		}
		switch strings.ToUpper(args[0]) {
		case "SELECT":
			db, _ = strconv.Atoi(args[1])
		case "MULTI":
			out = append(out, journalUnit{})
			inMulti = true
		case "EXEC":
			inMulti = false
		default:
			c := journalCmd{db: db, args: args}
			if inMulti {
				out[len(out)-1] = append(out[len(out)-1], c)
			} else {
				out = append(out, journalUnit{c})
			}
		}
	}
	return out
}

// isClock reports whether a is an absolute unix ms time taken from the
// clock during the test (what PXAT and PEXPIREAT rewrites produce).
func isClock(a string) (int64, bool) {
	n, err := strconv.ParseInt(a, 10, 64)
	now := time.Now().UnixMilli()
	return n, err == nil && n > now-3_600_000 && n < now+3_600_000
}

// masked is c with clock readings replaced, for sorting.
func (c journalCmd) masked() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", c.db)
	for _, a := range c.args {
		if _, ok := isClock(a); ok {
			a = "T"
		}
		b.WriteString(" " + strconv.Quote(a))
	}
	return b.String()
}

func (u journalUnit) String() string {
	s := make([]string, len(u))
	for i, c := range u {
		s[i] = c.masked()
	}
	if len(u) == 1 {
		return s[0]
	}
	return "MULTI[" + strings.Join(s, " | ") + "]"
}

// sameUnit compares two units, allowing clock readings to differ by 2 s.
func sameUnit(a, b journalUnit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.db != y.db || len(x.args) != len(y.args) {
			return false
		}
		for j := range x.args {
			if x.args[j] == y.args[j] {
				continue
			}
			m, ok1 := isClock(x.args[j])
			n, ok2 := isClock(y.args[j])
			if !ok1 || !ok2 || max(m-n, n-m) > 2000 {
				return false
			}
		}
	}
	return true
}

// propagateDiff drives redis-server (with an AOF) and Shoal (with a journal
// reader) with the same commands, then compares what each journaled.
type propagateDiff struct {
	t            *testing.T
	redis, shoal *servertest.Raw
	redisAddr    string
	shoalAddr    string
	marks        int
	unordered    []bool // per section: compare as a multiset
	shards       int
}

func (d *propagateDiff) conns() [2]*servertest.Raw { return [2]*servertest.Raw{d.redis, d.shoal} }

// do sends a command to both servers and compares the replies.
func (d *propagateDiff) do(args ...string) {
	d.t.Helper()
	want, got := d.redis.Do(args...), d.shoal.Do(args...)
	if got != want {
		d.t.Fatalf("%s:\n shoal %q\n redis %q", quoteArgs(args), got, want)
	}
}

// mark ends a section of the journals; unordered sections hold effects
// whose order depends on sampling (active expiry, RANDOMKEY).
func (d *propagateDiff) mark(unordered bool) {
	d.t.Helper()
	d.marks++
	d.do("SELECT", "0")
	d.do("SET", "__mark__", strconv.Itoa(d.marks))
	d.unordered = append(d.unordered, unordered)
}

// waitGone polls until db holds no keys on both servers: active expiry
// has deleted them.
func (d *propagateDiff) waitGone(db string) {
	d.t.Helper()
	for _, c := range d.conns() {
		c.Do("SELECT", db)
		for i := 0; c.Do("DBSIZE") != ":0\r\n"; i++ {
			if i == 500 {
				d.t.Fatalf("db %s still has keys after 5s of active expiry", db)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestPropagateDiff compares Shoal's journal with what redis-server 7.0
// appends to its AOF for the commands whose effect is not the command
// itself (EXPIRE → PEXPIREAT, SET EX → SET PXAT, GETEX, GETDEL,
// INCRBYFLOAT, …), for writes that change nothing (not journaled), and for
// expired keys deleted lazily (DEL ahead of the command that met them, in
// its MULTI … EXEC unit) and actively (one DEL each). With several shards
// the commands of one MULTI … EXEC unit are compared as a multiset: the
// DELs of keys found expired on different shards come in shard order.
func TestPropagateDiff(t *testing.T) {
	for _, shards := range []int{1, 4} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			redisAddr := servertest.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes")
			srv := servertest.Start(t, "--shards", strconv.Itoa(shards))
			journal := srv.RecordJournal(t)
			d := &propagateDiff{t: t, redis: servertest.Dial(t, redisAddr), shoal: servertest.Dial(t, srv.Addr),
				redisAddr: redisAddr, shoalAddr: srv.Addr, shards: shards}
			d.script()

			dir := readValue(t, d.redis.Do("CONFIG", "GET", "dir")).Elems[1].Str
			aof, err := os.ReadFile(filepath.Join(string(dir), "appendonlydir", "appendonly.aof.1.incr.aof"))
			if err != nil {
				t.Fatal(err)
			}
			got := journalUnits(t, journal.Bytes())
			d.compare(got, journalUnits(t, aof))
		})
	}
}

func (d *propagateDiff) compare(got, want []journalUnit) {
	t := d.t
	split := func(units []journalUnit) [][]journalUnit {
		var out [][]journalUnit
		var cur []journalUnit
		for _, u := range units {
			if len(u) == 1 && len(u[0].args) == 3 && u[0].args[1] == "__mark__" {
				out = append(out, cur)
				cur = nil
				continue
			}
			if d.shards > 1 {
				slices.SortFunc(u, func(a, b journalCmd) int { return strings.Compare(a.masked(), b.masked()) })
			}
			cur = append(cur, u)
		}
		return out
	}
	gs, ws := split(got), split(want)
	if len(ws) != d.marks || len(gs) != d.marks {
		t.Fatalf("%d sections in the AOF, %d in the journal, want %d", len(ws), len(gs), d.marks)
	}
	compared := 0
	for i := range ws {
		g, w := gs[i], ws[i]
		if d.unordered[i] {
			byText := func(a, b journalUnit) int { return strings.Compare(a.String(), b.String()) }
			g, w = slices.Clone(g), slices.Clone(w)
			slices.SortFunc(g, byText)
			slices.SortFunc(w, byText)
		}
		ok := len(g) == len(w)
		for j := 0; ok && j < len(w); j++ {
			ok = sameUnit(g[j], w[j])
		}
		if !ok {
			show := func(us []journalUnit) string {
				s := make([]string, len(us))
				for j, u := range us {
					s[j] = "  " + u.String()
				}
				return strings.Join(s, "\n")
			}
			t.Errorf("section %d:\n shoal journaled\n%s\n redis propagated\n%s", i+1, show(g), show(w))
		}
		compared += len(w)
	}
	if compared < 80 {
		t.Fatalf("only %d units compared", compared)
	}
	t.Logf("%d units in %d sections compared", compared, len(ws))
}

func (d *propagateDiff) script() {
	f := d.do
	// Time-relative options become absolute; GET and options that no
	// longer matter go.
	f("SET", "k", "v", "EX", "100")
	f("SET", "k", "v", "EX", "100", "NX")
	f("SET", "k2", "v", "EX", "100", "XX", "GET")
	f("SET", "k", "v", "PX", "100000", "GET")
	f("SET", "k", "v", "GET")
	f("set", "k", "v", "get", "XX")
	f("SET", "k", "v", "KEEPTTL")
	f("SET", "k", "v", "KEEPTTL", "GET", "XX", "GET")
	f("SET", "k", "v", "EXAT", "99999999999")
	f("SET", "k", "v", "PXAT", "99999999999999", "NX")
	f("SET", "k", "v", "NX")
	f("SET", "k", "v", "XX", "PXAT", "99999999999999")
	f("SET", "k", "v", "NX", "GET")
	f("SETEX", "k3", "100", "v")
	f("PSETEX", "k3", "100000", "v")
	f("GETSET", "k3", "w")
	f("getset", "k3", "x")
	f("GETEX", "k3", "EX", "100")
	f("GETEX", "k3", "PX", "100000")
	f("GETEX", "k3", "EXAT", "99999999999")
	f("GETEX", "k3", "PXAT", "99999999999999")
	f("GETEX", "k3")
	f("GETEX", "k3", "PERSIST")
	f("GETEX", "k3", "PERSIST")
	f("GETEX", "nokey", "EX", "100")
	f("GETEX", "k3", "EX", "0")
	f("GETEX", "k3", "PXAT", "1")
	f("GETEX", "k", "EXAT", "1")
	f("SET", "gd", "1")
	f("GETDEL", "gd")
	f("GETDEL", "gd")
	f("SET", "f", "1.5")
	f("INCRBYFLOAT", "f", "0.1")
	f("INCRBYFLOAT", "nof", "3")
	f("INCRBYFLOAT", "f", "1e3")
	f("INCRBYFLOAT", "f", "abc")
	f("SETRANGE", "f", "0", "")
	f("SETRANGE", "nof2", "0", "")
	f("SETRANGE", "f", "1", "xx")
	f("SETRANGE", "nof3", "2", "ab")
	f("APPEND", "f", "")
	f("APPEND", "nof4", "")
	f("SETNX", "f", "1")
	f("SETNX", "g", "1")
	f("MSETNX", "g", "1", "h", "2")
	f("MSETNX", "{h}1", "1", "{h}2", "2")
	f("MSET", "a", "1", "b", "2")
	f("INCR", "n")
	f("INCRBY", "n", "5")
	f("DECR", "n")
	f("DECRBY", "n", "2")
	d.mark(false)

	// Generic commands: only what changed something is journaled.
	f("DEL", "nonexist")
	f("DEL", "a", "nonexist")
	f("UNLINK", "b", "nonexist")
	f("UNLINK", "nonexist")
	f("SET", "b", "1")
	f("EXPIRE", "nokey", "100")
	f("EXPIRE", "b", "100")
	f("EXPIRE", "b", "100", "NX")
	f("EXPIRE", "b", "200", "XX")
	f("PEXPIRE", "b", "300000", "gt")
	f("EXPIREAT", "b", "99999999999", "LT")
	f("PEXPIREAT", "b", "99999999999999", "GT")
	f("pexpireat", "b", "99999999999998")
	f("EXPIREAT", "b", "99999999999")
	f("EXPIRE", "b", "50", "GT")
	f("EXPIRE", "b", "abc")
	f("PERSIST", "b")
	f("PERSIST", "b")
	f("EXPIRE", "b", "-1")
	f("SET", "b", "1")
	f("PEXPIREAT", "b", "1", "NX")
	f("SET", "b", "1")
	f("EXPIREAT", "b", "0")
	f("SET", "r1", "1", "PX", "100000")
	f("RENAME", "r1", "r2")
	f("RENAME", "r2", "r2")
	f("RENAMENX", "r2", "g")
	f("RENAMENX", "r2", "r3")
	f("RENAME", "nokey", "r9")
	f("COPY", "r3", "r4")
	f("COPY", "r3", "r4")
	f("COPY", "r3", "r4", "REPLACE")
	f("COPY", "r3", "r5", "DB", "3")
	f("COPY", "nokey", "r6")
	f("MOVE", "r4", "2")
	f("MOVE", "r4", "2")
	f("SET", "r8", "1")
	f("SELECT", "2")
	f("SET", "r8", "x")
	f("SELECT", "0")
	f("MOVE", "r8", "2")
	d.mark(false)

	// Lazy expiry: keys deleted by the command that finds them expired.
	f("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	for i := 1; i <= 14; i++ {
		f("SET", fmt.Sprintf("e%d", i), "1", "PX", "20")
	}
	f("SELECT", "1")
	f("SET", "e1", "1", "PX", "20")
	f("SELECT", "0")
	f("RPUSH", "dst", "x")
	f("PEXPIRE", "dst", "20")
	f("HSET", "eh", "f", "v")
	f("PEXPIRE", "eh", "20")
	time.Sleep(50 * time.Millisecond)
	f("GET", "e1")
	f("SET", "e2", "2")
	f("MULTI")
	f("GET", "e3")
	f("SET", "e4", "2")
	f("INCR", "zz")
	f("EXEC")
	f("MULTI")
	f("GET", "e5")
	f("EXEC")
	f("MSET", "e6", "1", "z", "2")
	f("DEL", "e7", "nonexist")
	f("DEL", "e8", "e9")
	f("EXPIRE", "e10", "100")
	f("SELECT", "1")
	f("EXISTS", "e1")
	f("SELECT", "0")
	f("INCR", "e11")
	f("SET", "e12", "v", "EX", "100")
	f("TTL", "e13")
	f("HSET", "eh", "f", "w")
	f("COPY", "z", "e14")
	d.mark(false)

	// A blocked client served after its destination expired: the DEL goes
	// ahead of its LMOVE.
	blocked := [2]*servertest.Raw{servertest.Dial(d.t, d.redisAddr), servertest.Dial(d.t, d.shoalAddr)}
	req := proto.AppendArrayLen(nil, 6)
	// Upper case: a served BLMOVE journals its ends in lower case
	// whatever the client sent, as Redis does.
	for _, a := range []string{"BLMOVE", "src", "dst", "LEFT", "Left", "0"} {
		req = proto.AppendBulkString(req, a)
	}
	for i, c := range d.conns() {
		blocked[i].Send(req)
		for j := 0; !strings.Contains(c.Do("INFO", "clients"), "blocked_clients:1\r\n"); j++ {
			if j == 500 {
				d.t.Fatal("BLMOVE did not block")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	f("RPUSH", "src", "v")
	if a, b := blocked[0].Read(), blocked[1].Read(); a != b {
		d.t.Fatalf("BLMOVE: shoal %q, redis %q", b, a)
	}
	d.mark(false)

	// Commands that meet expired keys in an order of their own.
	f("SELECT", "5")
	for i := range 5 {
		f("SET", fmt.Sprintf("r%d", i), "1", "PX", "20")
	}
	f("SELECT", "6")
	for i := range 5 {
		f("SET", fmt.Sprintf("s%d", i), "1", "PX", "20")
	}
	time.Sleep(50 * time.Millisecond)
	f("SELECT", "5")
	f("RANDOMKEY")
	f("SELECT", "6")
	for _, c := range d.conns() {
		for cursor := "0"; ; {
			reply := readValue(d.t, c.Do("SCAN", cursor, "COUNT", "100"))
			if cursor = string(reply.Elems[0].Str); cursor == "0" {
				break
			}
		}
	}
	d.mark(true)

	// Active expiry: one DEL per key, in the key's database.
	f("SELECT", "8")
	for i := range 4 {
		f("SET", fmt.Sprintf("a%d", i), "1", "PX", "10")
	}
	f("SELECT", "9")
	f("SET", "a9", "1", "PX", "10")
	f("DEBUG", "SET-ACTIVE-EXPIRE", "1")
	d.waitGone("8")
	d.waitGone("9")
	f("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	d.mark(true)
}

// TestJournalOffNothingCollected checks that with no reader nothing reaches
// the journal, not even later: keys that expire and rewritten commands run
// while it is off leave nothing behind for the first reader to see.
func TestJournalOffNothingCollected(t *testing.T) {
	srv := servertest.Start(t, "--shards", "2")
	c := servertest.Dial(t, srv.Addr)
	j := srv.Srv.Engine.Journal
	if j.On() {
		t.Fatal("the journal is on without readers")
	}
	for _, cmd := range [][]string{
		{"DEBUG", "SET-ACTIVE-EXPIRE", "0"},
		{"SET", "a", "1", "PX", "1"},
		{"SET", "b", "1", "EX", "100"},
		{"EXPIRE", "b", "200"},
		{"INCRBYFLOAT", "f", "1.5"},
		{"MSET", "x", "1", "y", "2"},
	} {
		if r := c.Do(cmd...); r[0] == '-' {
			t.Fatalf("%q: %s", cmd, r)
		}
	}
	time.Sleep(10 * time.Millisecond)
	c.Do("GET", "a") // expires a while nothing reads the journal
	if off := j.Offset(); off != 0 {
		t.Fatalf("journal offset %d with no reader", off)
	}
	got := srv.RecordJournal(t)
	c.Do("SET", "z", "1")
	if want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n1\r\n"; got.String() != want {
		t.Fatalf("first reader got %q, want %q", got.String(), want)
	}
}

// TestReplicaModeKeepsExpiredKeys checks the replica switch of expiry: an
// expired key reads as missing but neither a command nor active expiry
// deletes it or journals a DEL; once the switch is off the next access
// deletes it.
func TestReplicaModeKeepsExpiredKeys(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	e := srv.Srv.Engine
	c := servertest.Dial(t, srv.Addr)
	journal := srv.RecordJournal(t)
	c.Do("SET", "k", "v", "PX", "1")
	c.Do("SET", "m", "v", "PX", "1")
	e.ReplicaMode.Store(true)
	time.Sleep(10 * time.Millisecond)
	f := func(want string, args ...string) {
		t.Helper()
		if got := c.Do(args...); got != want {
			t.Fatalf("%q: %q, want %q", args, got, want)
		}
	}
	f("$-1\r\n", "GET", "k")
	f(":0\r\n", "EXISTS", "k")
	f("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
	// Active expiry runs every 100 ms and must leave both keys alone.
	time.Sleep(300 * time.Millisecond)
	f(":2\r\n", "DBSIZE")
	f("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	n := len(journalUnits(t, journal.Bytes()))
	e.ReplicaMode.Store(false)
	f("$-1\r\n", "GET", "k")
	f(":1\r\n", "DBSIZE")
	units := journalUnits(t, journal.Bytes())
	if len(units) != n+1 || units[n].String() != `0: "DEL" "k"` {
		t.Fatalf("journal after the switch: %v (had %d units)", units, n)
	}
}
