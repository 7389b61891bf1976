package netloop_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// notifyDriver runs commands on one connection while another, subscribed
// to every keyspace and keyevent channel, collects the events they send.
// After each command it publishes a marker on a plain channel: the events
// of the command are the messages read before the marker, since both
// servers publish a command's events before answering it.
type notifyDriver struct {
	t             *testing.T
	cli, sub, blk *servertest.Raw
	out           []string
	marks         int
}

func newNotifyDriver(t *testing.T, addr string) *notifyDriver {
	d := &notifyDriver{t: t, cli: servertest.Dial(t, addr), sub: servertest.Dial(t, addr), blk: servertest.Dial(t, addr)}
	d.sub.Do("PSUBSCRIBE", "__key*@*__:*")
	d.sub.Do("SUBSCRIBE", "marker")
	return d
}

// do runs a command and records its reply and events.
func (d *notifyDriver) do(args ...string) {
	d.t.Helper()
	d.cmd(args...)
	d.events()
}

// scan runs a whole SCAN iteration, whose cursors differ between the
// servers, and records its events.
func (d *notifyDriver) scan() {
	d.t.Helper()
	for cursor := "0"; ; {
		v, _, err := proto.ReadValue([]byte(d.cli.Do("SCAN", cursor, "COUNT", "100")))
		if err != nil || len(v.Elems) != 2 {
			d.t.Fatalf("SCAN reply %+v, %v", v, err)
		}
		if cursor = string(v.Elems[0].Str); cursor == "0" {
			break
		}
	}
	d.out = append(d.out, "SCAN (whole iteration)")
	d.events()
}

func (d *notifyDriver) cmd(args ...string) {
	d.t.Helper()
	d.out = append(d.out, strings.Join(args, " ")+" => "+d.cli.Do(args...))
}

// events records the messages the subscriber got since the last marker.
func (d *notifyDriver) events() {
	d.t.Helper()
	d.marks++
	mark := strconv.Itoa(d.marks)
	d.cli.Do("PUBLISH", "marker", mark)
	for {
		v, _, err := proto.ReadValue([]byte(d.sub.Read()))
		if err != nil || len(v.Elems) < 3 {
			d.t.Fatalf("subscriber read %+v, %v", v, err)
		}
		e := v.Elems
		if string(e[0].Str) == "message" {
			if string(e[2].Str) != mark {
				d.t.Fatalf("marker %s, want %s", e[2].Str, mark)
			}
			return
		}
		d.out = append(d.out, "    "+string(e[2].Str)+" "+string(e[3].Str))
	}
}

// block sends a blocking command on a third connection and waits until the
// server reports it blocked.
func (d *notifyDriver) block(args ...string) {
	d.t.Helper()
	req := proto.AppendArrayLen(nil, len(args))
	for _, a := range args {
		req = proto.AppendBulkString(req, a)
	}
	d.blk.Send(req)
	for i := 0; !strings.Contains(d.cli.Do("INFO", "clients"), "blocked_clients:1\r\n"); i++ {
		if i == 2000 {
			d.t.Fatalf("%q never blocked", args)
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.out = append(d.out, strings.Join(args, " ")+" (blocked)")
}

// unblock runs a command that serves the blocked client, then records the
// blocked client's reply and every event.
func (d *notifyDriver) unblock(args ...string) {
	d.t.Helper()
	d.cmd(args...)
	d.out = append(d.out, "    blocked client got "+d.blk.Read())
	d.events()
}

// notifyScript runs one command of each kind that sends events (and some
// that must not) with the classes flags, and returns the transcript.
func notifyScript(t *testing.T, addr, flags string) []string {
	d := newNotifyDriver(t, addr)
	f := d.do
	const far = "4102444800" // 2100-01-01, in seconds

	// CONFIG GET shows the classes in Redis's order.
	for _, v := range []string{"KEA", "Kl", "Eg$lshzxetdnm", "An", "AKEmn", "x", "", "KEA!", "Q"} {
		f("CONFIG", "SET", "notify-keyspace-events", v)
		f("CONFIG", "GET", "notify-keyspace-events")
	}
	f("CONFIG", "SET", "notify-keyspace-events", flags)
	f("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	f("FLUSHALL")

	// Strings.
	f("SET", "s", "v")
	f("SET", "s", "v2", "EX", "100")
	f("SET", "s", "v3", "KEEPTTL")
	f("SET", "s", "v4", "PXAT", far+"000")
	f("SET", "s", "x", "NX")
	f("SET", "s", "x", "XX", "GET")
	f("SET", "nos", "x", "XX")
	f("SET", "s2", "x", "NX")
	f("SETNX", "s2", "y")
	f("SETNX", "s3", "y")
	f("SETEX", "s3", "100", "v")
	f("PSETEX", "s3", "100000", "v")
	f("SETEX", "s3", "0", "v")
	f("GETSET", "s3", "z")
	f("GETDEL", "s3")
	f("GETDEL", "s3")
	f("GET", "s3")
	f("GETEX", "s2", "EX", "100")
	f("GETEX", "s2", "PERSIST")
	f("GETEX", "s2", "PERSIST")
	f("GETEX", "s2")
	f("GETEX", "s2", "PXAT", "1")
	f("GETEX", "s2", "EX", "100")
	f("MSET", "m1", "1", "m2", "2", "m1", "3")
	f("MSETNX", "m1", "1", "m3", "3")
	f("MSETNX", "m3", "3", "m4", "4")
	f("MGET", "m1", "nokey", "m4")
	f("INCR", "n")
	f("INCRBY", "n", "5")
	f("DECR", "n")
	f("DECRBY", "n", "2")
	f("INCR", "s")
	f("INCRBYFLOAT", "f", "1.5")
	f("INCRBYFLOAT", "f", "abc")
	f("APPEND", "a", "hello")
	f("APPEND", "a", "world")
	f("INCR", "a")
	f("SETRANGE", "r", "5", "x")
	f("SETRANGE", "r", "0", "")
	f("SETRANGE", "r", "0", "y")
	f("SETRANGE", "nor", "3", "")
	f("STRLEN", "nokey")
	f("GETRANGE", "nokey", "0", "1")
	f("LCS", "a", "nokey")

	// Generic.
	f("DEL", "m1", "nokey", "m2")
	f("UNLINK", "m3")
	f("EXISTS", "m4", "nokey", "m4")
	f("TOUCH", "m4", "nokey")
	f("TYPE", "nokey")
	f("TYPE", "m4")
	f("TTL", "nokey")
	f("PTTL", "m4")
	f("EXPIRETIME", "nokey")
	f("OBJECT", "ENCODING", "nokey")
	f("EXPIRE", "m4", "100")
	f("PEXPIRE", "m4", "100000")
	f("EXPIREAT", "m4", far)
	f("PEXPIREAT", "m4", far+"000")
	f("EXPIRE", "m4", "100", "NX")
	f("EXPIRE", "nokey", "100")
	f("PERSIST", "m4")
	f("PERSIST", "m4")
	f("PERSIST", "nokey")
	f("EXPIRE", "m4", "-1")
	f("SET", "ra", "1", "EX", "100")
	f("RENAME", "ra", "rb")
	f("SET", "rc", "2")
	f("RENAME", "rb", "rc")
	f("RENAME", "rc", "rc")
	f("RENAME", "nokey", "rc")
	f("RENAMENX", "rc", "rc")
	f("SET", "rd", "3")
	f("RENAMENX", "rc", "rd")
	f("RENAMENX", "rc", "re")
	f("COPY", "re", "cb")
	f("COPY", "re", "cb")
	f("COPY", "re", "cb", "REPLACE")
	f("COPY", "re", "cb", "DB", "1")
	f("COPY", "nokey", "cb")
	f("MOVE", "cb", "2")
	f("MOVE", "re", "1")
	f("MOVE", "rd", "1")
	f("SELECT", "1")
	f("SET", "x", "1")
	f("DEL", "x", "cb", "re")
	f("SELECT", "0")
	f("SWAPDB", "0", "2")
	f("DEL", "cb")
	f("SWAPDB", "0", "2")
	f("DBSIZE")
	f("KEYS", "nomatch*")

	// Expiry: passive on a read, a write and a deletion; and through SCAN
	// and RANDOMKEY, each alone in its database so that the order of
	// visits cannot differ.
	f("SET", "e1", "v", "PX", "1")
	f("SET", "e2", "v", "PX", "1")
	f("SET", "e3", "v", "PX", "1")
	f("SET", "e4", "v", "PX", "1")
	f("DEBUG", "SLEEP", "0.01")
	f("GET", "e1")
	f("SET", "e2", "v")
	f("DEL", "e3")
	f("EXISTS", "e4")
	f("SELECT", "5")
	f("SET", "e5", "v", "PX", "1")
	f("DEBUG", "SLEEP", "0.01")
	d.scan()
	f("SET", "e6", "v", "PX", "1")
	f("DEBUG", "SLEEP", "0.01")
	f("RANDOMKEY")
	f("SELECT", "0")

	// Lists.
	f("RPUSH", "l", "a", "b", "c", "d", "e", "f", "g")
	f("LPUSH", "l", "z")
	f("LPUSHX", "nol", "a")
	f("RPUSHX", "l", "h")
	f("LINSERT", "l", "BEFORE", "c", "x")
	f("LINSERT", "l", "BEFORE", "nope", "y")
	f("LINSERT", "nol", "BEFORE", "c", "y")
	f("LSET", "l", "0", "q")
	f("LSET", "l", "100", "q")
	f("LREM", "l", "1", "x")
	f("LREM", "l", "0", "nope")
	f("LTRIM", "l", "0", "-1")
	f("LTRIM", "nol", "0", "-1")
	f("LPOP", "l")
	f("RPOP", "l", "2")
	f("LPOP", "l", "0")
	f("LPOP", "nol")
	f("LMOVE", "l", "l2", "LEFT", "RIGHT")
	f("RPOPLPUSH", "l", "l")
	f("LMOVE", "l2", "l", "RIGHT", "LEFT")
	f("LMOVE", "nol", "l", "RIGHT", "LEFT")
	f("LMOVE", "l", "s", "RIGHT", "LEFT")
	f("LRANGE", "l", "0", "-1")
	f("LMPOP", "2", "nol", "l", "LEFT", "COUNT", "2")
	f("BLPOP", "nol", "l", "0")
	f("BRPOPLPUSH", "l", "l3", "0")
	f("BLMOVE", "l3", "l", "LEFT", "LEFT", "0")
	f("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "100")
	f("RPUSH", "one", "x")
	f("LREM", "one", "0", "x")
	f("RPUSH", "one", "x")
	f("LTRIM", "one", "1", "0")
	f("RPUSH", "one", "x")
	f("LMOVE", "one", "two", "LEFT", "LEFT")
	f("DEL", "two")

	// Blocked clients served by a later write.
	d.block("BLPOP", "bl", "0")
	d.unblock("RPUSH", "bl", "a", "b")
	d.block("BLPOP", "bl2", "0")
	d.unblock("LPUSH", "bl2", "c")
	d.block("BLMPOP", "0", "2", "nol", "bm", "LEFT", "COUNT", "5")
	d.unblock("RPUSH", "bm", "y", "z")

	// Hashes.
	f("HSET", "h", "a", "1", "b", "2")
	f("HSET", "h", "a", "1")
	f("HSETNX", "h", "a", "2")
	f("HSETNX", "h", "c", "3")
	f("HSETNX", "h2", "c", "3")
	f("HMSET", "h", "d", "4")
	f("HINCRBY", "h", "n", "5")
	f("HINCRBY", "h", "a", "x")
	f("HINCRBYFLOAT", "h", "fl", "1.5")
	f("HINCRBYFLOAT", "h3", "fl", "1.5")
	f("HDEL", "h", "nope")
	f("HDEL", "nokey", "a")
	f("HDEL", "h", "a", "b")
	f("HDEL", "h", "c", "d", "n", "fl", "zz")
	f("HGET", "nokey", "a")
	f("HGETALL", "h2")
	f("HDEL", "h2", "c")

	// Sets.
	f("SADD", "st", "a", "b", "c")
	f("SADD", "st", "a")
	f("SREM", "st", "nope")
	f("SREM", "st", "a")
	f("SMOVE", "st", "st2", "b")
	f("SMOVE", "st", "st2", "nope")
	f("SMOVE", "st", "st", "c")
	f("SMOVE", "st", "st2", "c")
	f("SADD", "st", "c")
	f("SMOVE", "st", "st2", "c")
	f("SADD", "t", "1")
	f("SINTERSTORE", "dst", "st2", "t")
	f("SADD", "t", "b")
	f("SINTERSTORE", "dst", "st2", "t")
	f("SUNIONSTORE", "dst", "st2", "t")
	f("SDIFFSTORE", "dst", "st2", "t")
	f("SDIFFSTORE", "dst", "t", "t")
	f("SINTERSTORE", "dst", "nokey", "t")
	f("SUNIONSTORE", "dst", "t", "t")
	f("SINTERSTORE", "dst", "nokey", "t")
	f("SADD", "t", "2", "3")
	f("SREM", "t", "b")
	f("SPOP", "t", "0")
	f("SPOP", "nokey")
	f("SPOP", "t", "5")
	f("SADD", "t", "7")
	f("SPOP", "t")
	f("SADD", "t", "7", "8")
	f("SREM", "t", "7", "8", "9")
	f("SISMEMBER", "nokey", "a")
	f("SMEMBERS", "nokey")
	f("SINTER", "st2", "nokey")

	// Sorted sets.
	f("ZADD", "z", "1", "a", "2", "b", "3", "c")
	f("ZADD", "z", "NX", "1", "a")
	f("ZADD", "z", "XX", "5", "a")
	f("ZADD", "z", "INCR", "1", "a")
	f("ZINCRBY", "z", "2", "b")
	f("ZREM", "z", "nope")
	f("ZREM", "z", "c")
	f("ZADD", "z", "4", "d", "5", "e", "6", "f")
	f("ZREMRANGEBYRANK", "z", "0", "0")
	f("ZREMRANGEBYSCORE", "z", "100", "200")
	f("ZREMRANGEBYSCORE", "z", "5", "5")
	f("ZPOPMIN", "z")
	f("ZPOPMAX", "z", "2")
	f("ZADD", "{z}1", "1", "a", "2", "b")
	f("ZADD", "{z}2", "2", "b", "3", "c")
	f("ZUNIONSTORE", "{z}u", "2", "{z}1", "{z}2")
	f("ZINTERSTORE", "{z}i", "2", "{z}1", "{z}2")
	f("ZDIFFSTORE", "{z}d", "2", "{z}1", "{z}1")
	f("ZDIFFSTORE", "{z}u", "2", "{z}1", "{z}1")
	f("ZRANGESTORE", "{z}r", "{z}2", "0", "0")
	f("ZMPOP", "1", "{z}r", "MIN")
	f("BZPOPMIN", "{z}1", "0")
	f("BZMPOP", "0", "1", "{z}1", "MAX", "COUNT", "5")
	f("ZREMRANGEBYLEX", "{z}2", "-", "+")
	f("ZREM", "z", "a", "b", "c", "d", "e", "f")

	// Streams (explicit IDs: generated ones differ between servers).
	f("XADD", "x", "1-1", "f", "v")
	f("XADD", "x", "MAXLEN", "1", "2-1", "f", "v")
	f("XADD", "x", "3-1", "f", "v")
	f("XDEL", "x", "9-9")
	f("XDEL", "x", "3-1")
	f("XTRIM", "x", "MAXLEN", "0")
	f("XSETID", "x", "5-5")
	f("XGROUP", "CREATE", "x", "g", "0")
	f("XGROUP", "CREATECONSUMER", "x", "g", "alice")
	f("XGROUP", "DELCONSUMER", "x", "g", "alice")
	f("XGROUP", "SETID", "x", "g", "$")
	f("XGROUP", "DESTROY", "x", "g")
	f("XGROUP", "CREATE", "nox", "g", "$", "MKSTREAM")
	f("DEL", "x", "nox")

	// Transactions, wrong types and flushes.
	d.cmd("MULTI")
	d.cmd("SET", "tx", "1")
	d.cmd("INCR", "tx")
	d.cmd("LPUSH", "tx", "a")
	d.cmd("DEL", "tx")
	f("EXEC")
	f("SADD", "st2", "x")
	f("HSET", "st2", "a", "1")
	f("LPUSH", "st2", "a")
	f("FLUSHDB")
	f("SET", "k", "v")
	f("FLUSHALL")
	return d.out
}

// TestNotifyDiff runs the script on Redis and on Shoal (one shard and four)
// with the classes of "KEA" and with every class, and compares the replies
// and the events.
func TestNotifyDiff(t *testing.T) {
	for _, shards := range []string{"1", "4"} {
		for _, flags := range []string{"KEA", "AKEnm"} {
			t.Run("shards="+shards+"/"+flags, func(t *testing.T) {
				t.Parallel()
				redisAddr := servertest.StartRedis(t, "--notify-keyspace-events", "KEA", "--enable-debug-command", "yes")
				srv := servertest.Start(t, "--notify-keyspace-events", "KEA", "--shards", shards)
				want := notifyScript(t, redisAddr, flags)
				got := notifyScript(t, srv.Addr, flags)
				compareTranscripts(t, got, want)
			})
		}
	}
}

// compareTranscripts reports the first lines where the transcripts part.
func compareTranscripts(t *testing.T, got, want []string) {
	t.Helper()
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			t.Fatalf("transcripts differ at line %d:\nshoal: %q\nredis: %q\ncontext (redis):\n%s", i, got[i], want[i],
				strings.Join(want[max(0, i-8):min(len(want), i+8)], "\n"))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("shoal's transcript has %d lines, redis's %d", len(got), len(want))
	}
}
