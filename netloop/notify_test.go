package netloop_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// eventWatcher is a go-redis subscriber to every keyspace and keyevent
// channel, plus a marker channel that ends each batch of events.
type eventWatcher struct {
	t   *testing.T
	rdb *redis.Client
	ps  *redis.PubSub
}

func watchEvents(t *testing.T, srv *servertest.Server, rdb *redis.Client) *eventWatcher {
	t.Helper()
	ctx := context.Background()
	ps := srv.Client(t).PSubscribe(ctx, "__key*@*__:*")
	t.Cleanup(func() { ps.Close() })
	if err := ps.Subscribe(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &eventWatcher{t: t, rdb: rdb, ps: ps}
}

// next returns the events ("channel message") received before a marker
// published now: everything the commands run so far sent.
func (w *eventWatcher) next() []string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.rdb.Publish(ctx, "marker", "end").Err(); err != nil {
		w.t.Fatal(err)
	}
	var got []string
	for {
		m, err := w.ps.ReceiveMessage(ctx)
		if err != nil {
			w.t.Fatalf("after %q: %v", got, err)
		}
		if m.Channel == "marker" {
			return got
		}
		got = append(got, m.Channel+" "+m.Payload)
	}
}

// both lists the keyspace and keyevent messages of one event in database 0.
func both(event, key string) []string {
	return []string{"__keyspace@0__:" + key + " " + event, "__keyevent@0__:" + event + " " + key}
}

func events(evs ...[]string) []string { return slices.Concat(evs...) }

// TestNotifyEvents checks the exact events of a command of each family
// with --notify-keyspace-events KEA, across shards.
func TestNotifyEvents(t *testing.T) {
	srv := servertest.Start(t, "--notify-keyspace-events", "KEA", "--shards", "4")
	rdb := srv.Client(t)
	w := watchEvents(t, srv, rdb)
	a, b := keysOnDifferentShards(t, 4)
	ctx := context.Background()
	f := func(want []string, args ...any) {
		t.Helper()
		_ = rdb.Do(ctx, args...).Err()
		if got := w.next(); !slices.Equal(got, want) {
			t.Errorf("%v:\n got %q\nwant %q", args, got, want)
		}
	}
	f(events(both("set", a), both("expire", a)), "SET", a, "1", "EX", "100")
	f(both("incrby", a), "INCR", a)
	f(both("incrbyfloat", a), "INCRBYFLOAT", a, "0.5")
	f(both("append", a), "APPEND", a, "0")
	f(both("setrange", a), "SETRANGE", a, "0", "x")
	f(both("persist", a), "PERSIST", a)
	f(nil, "PERSIST", a)
	f(events(both("rename_from", a), both("rename_to", b)), "RENAME", a, b)
	f(events(both("set", a), both("set", b)), "MSET", a, "1", b, "2")
	f(events(both("del", b), both("del", a)), "DEL", b, "nokey", a)
	f(both("set", a), "SET", a, "v")
	f(both("del", a), "GETDEL", a)
	f(nil, "GETDEL", a)

	f(both("lpush", a), "LPUSH", a, "x", "y")
	f(events(both("lpush", b), both("rpop", a)), "LMOVE", a, b, "RIGHT", "LEFT")
	f(events(both("rpop", a), both("del", a)), "RPOP", a, "5")
	f(both("lset", b), "LSET", b, "0", "z")
	f(events(both("ltrim", b), both("del", b)), "LTRIM", b, "1", "0")

	f(both("hset", a), "HSET", a, "f", "1", "g", "2")
	f(both("hincrby", a), "HINCRBY", a, "f", "1")
	f(both("hincrbyfloat", a), "HINCRBYFLOAT", a, "f", "1.5")
	f(both("hdel", a), "HDEL", a, "f")
	f(events(both("hdel", a), both("del", a)), "HDEL", a, "g")

	f(both("sadd", a), "SADD", a, "m", "n")
	f(events(both("srem", a), both("sadd", b)), "SMOVE", a, b, "m")
	f(events(both("srem", a), both("del", a), both("sadd", b)), "SMOVE", a, b, "n")
	f(both("sunionstore", a), "SUNIONSTORE", a, b)
	f(events(both("spop", a), both("del", a)), "SPOP", a, "10")
	f(both("del", b), "SDIFFSTORE", b, b, b)

	f(nil, "FLUSHALL")
	f(nil, "GET", "nokey")

	// A transaction's events come in command order; MOVE's last one is in
	// the other database.
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, a, "1", 0)
		p.Move(ctx, a, 3)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"__keyspace@0__:" + a + " set", "__keyevent@0__:set " + a,
		"__keyspace@0__:" + a + " move_from", "__keyevent@0__:move_from " + a,
		"__keyspace@3__:" + a + " move_to", "__keyevent@3__:move_to " + a,
	}
	if got := w.next(); !slices.Equal(got, want) {
		t.Errorf("MULTI SET MOVE EXEC:\n got %q\nwant %q", got, want)
	}
}

// TestNotifyClasses checks that only the configured classes and channel
// kinds are sent, and that nothing is sent by default.
func TestNotifyClasses(t *testing.T) {
	srv := servertest.Start(t)
	rdb := srv.Client(t)
	w := watchEvents(t, srv, rdb)
	ctx := context.Background()
	run := func() {
		t.Helper()
		for _, args := range [][]any{
			{"SET", "s", "1"}, {"LPUSH", "l", "a"}, {"HSET", "h", "f", "v"}, {"SADD", "st", "m"},
			{"EXPIRE", "s", "100"}, {"DEL", "s", "l", "h", "st"}, {"GET", "nokey"},
		} {
			if err := rdb.Do(ctx, args...).Err(); err != nil && err != redis.Nil {
				t.Fatalf("%v: %v", args, err)
			}
		}
	}
	f := func(flags string, want ...string) {
		t.Helper()
		if err := rdb.ConfigSet(ctx, "notify-keyspace-events", flags).Err(); err != nil {
			t.Fatal(err)
		}
		run()
		if got := w.next(); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", flags, got, want)
		}
	}
	f("")
	f("K")  // no class
	f("gl") // neither K nor E
	f("Kl", "__keyspace@0__:l lpush")
	f("Eg", "__keyevent@0__:expire s", "__keyevent@0__:del s", "__keyevent@0__:del l",
		"__keyevent@0__:del h", "__keyevent@0__:del st")
	f("E$hs", "__keyevent@0__:set s", "__keyevent@0__:hset h", "__keyevent@0__:sadd st")
	f("Km", "__keyspace@0__:nokey keymiss")
	f("En", "__keyevent@0__:new s", "__keyevent@0__:new l", "__keyevent@0__:new h", "__keyevent@0__:new st")
}

// TestNotifyConfig checks how CONFIG GET shows the classes.
func TestNotifyConfig(t *testing.T) {
	srv := servertest.Start(t, "--notify-keyspace-events", "KEA")
	raw := servertest.Dial(t, srv.Addr)
	f := func(set, want string) {
		t.Helper()
		if set != "" {
			if got := raw.Do("CONFIG", "SET", "notify-keyspace-events", set); got != "+OK\r\n" {
				t.Fatalf("CONFIG SET %q: %q", set, got)
			}
		}
		got := raw.Do("CONFIG", "GET", "notify-keyspace-events")
		if w := "*2\r\n$22\r\nnotify-keyspace-events\r\n$" + strconv.Itoa(len(want)) + "\r\n" + want + "\r\n"; got != w {
			t.Errorf("after %q: got %q, want %q", set, got, w)
		}
	}
	f("", "AKE")
	f("Kl", "lK")
	f("mEg$lshzxetdn", "AEm")
	f("hsx", "shx")
	f("An", "A")
	f("nE", "nE")
	if got := raw.Do("CONFIG", "SET", "notify-keyspace-events", "KEA!"); got != "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n" {
		t.Errorf("bad class: %q", got)
	}
	f("", "nE")
}

// TestNotifyExpired checks the "expired" events of keys that nobody reads:
// active expiry reclaims them.
func TestNotifyExpired(t *testing.T) {
	srv := servertest.Start(t, "--notify-keyspace-events", "Ex", "--shards", "2")
	rdb := srv.Client(t)
	ctx := context.Background()
	ps := srv.Client(t).Subscribe(ctx, "__keyevent@0__:expired", "__keyevent@1__:expired")
	t.Cleanup(func() { ps.Close() })
	for range 2 {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"e1", "e2", "e3"} {
		if err := rdb.Set(ctx, k, "v", 50*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// SELECT applies to one pooled connection: pin one for database 1.
	conn := rdb.Conn()
	t.Cleanup(func() { conn.Close() })
	if err := conn.Select(ctx, 1).Err(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Set(ctx, "e4", "v", 50*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got []string
	for len(got) < 4 {
		m, err := ps.ReceiveMessage(rctx)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, m.Channel+" "+m.Payload)
	}
	slices.Sort(got)
	want := []string{"__keyevent@0__:expired e1", "__keyevent@0__:expired e2", "__keyevent@0__:expired e3", "__keyevent@1__:expired e4"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Errorf("DBSIZE %d after expiry", n)
	}
}
