package shard_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop/servertest"
	"github.com/shoal-db/shoal/proto"
)

// The stream tests go through go-redis. Expected replies were checked
// against redis-server 7.0.15; streams_diff_test.go compares with it
// directly.

func TestStreamXAddIDs(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f("ERR The ID specified in XADD must be greater than 0-0", "XADD", "s", "0-0", "f", "v")
		f("ERR The ID specified in XADD must be greater than 0-0", "XADD", "s", "0", "f", "v")
		f("0", "EXISTS", "s")
		f(`"0-1"`, "XADD", "s", "0-*", "f", "v")
		f(`"5-0"`, "XADD", "s", "5", "f", "v")
		f("ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", "s", "5-0", "f", "v")
		f("ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", "s", "4-9", "f", "v")
		f("ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", "s", "4-*", "f", "v")
		f(`"5-1"`, "XADD", "s", "5-*", "f", "v")
		f(`"18446744073709551615-18446744073709551615"`, "XADD", "s", "18446744073709551615-18446744073709551615", "f", "v")
		f("ERR The stream has exhausted the last possible ID, unable to add more items", "XADD", "s", "*", "f", "v")
		f("ERR The stream has exhausted the last possible ID, unable to add more items", "XADD", "s", "18446744073709551615-*", "f", "v")
		f(`"18446744073709551615-0"`, "XADD", "s2", "18446744073709551615-*", "f", "v")
		f("ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", "s2", "18446744073709551615-0", "f", "v")
		f("ERR Invalid stream ID specified as stream command argument", "XADD", "s", "18446744073709551616", "f", "v")
		f("ERR Invalid stream ID specified as stream command argument", "XADD", "s", "1-2-3", "f", "v")
		f("ERR Invalid stream ID specified as stream command argument", "XADD", "s", "-", "f", "v")
		f("ERR wrong number of arguments for 'xadd' command", "XADD", "s", "*", "f")
		f("ERR wrong number of arguments for 'xadd' command", "XADD", "s", "*", "f", "v", "g")
		f("nil", "XADD", "nos", "NOMKSTREAM", "*", "f", "v")
		f("0", "EXISTS", "nos")
		f(`"OK"`, "SET", "str", "x")
		f(wrongType, "XADD", "str", "*", "f", "v")
		f(`"stream"`, "TYPE", "s")
		f(`"stream"`, "OBJECT", "ENCODING", "s")

		ctx := context.Background()
		rdb := srv.Client(t)
		before := time.Now().UnixMilli()
		id, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "auto", Values: []string{"f", "v"}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		ms, _, _ := strings.Cut(id, "-")
		if n, _ := strconv.ParseInt(ms, 10, 64); n < before || n > time.Now().UnixMilli() {
			t.Errorf("XADD * gave %s, not the current time", id)
		}
		next, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "auto", ID: ms + "-*", Values: []string{"f", "v"}}).Result()
		if err != nil || next != ms+"-1" {
			t.Errorf("XADD %s-*: %q %v", ms, next, err)
		}
	})
}

func TestStreamXRangeXLenXDel(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		f := listChecker(t, srv.Client(t))
		f(`"1-1"`, "XADD", "s", "1-1", "a", "1")
		f(`"1-2"`, "XADD", "s", "1-2", "b", "2", "c", "3")
		f(`"2-0"`, "XADD", "s", "2-0", "a", "1")
		f(`[["1-1" ["a" "1"]] ["1-2" ["b" "2" "c" "3"]] ["2-0" ["a" "1"]]]`, "XRANGE", "s", "-", "+")
		f(`[["1-2" ["b" "2" "c" "3"]] ["2-0" ["a" "1"]]]`, "XRANGE", "s", "(1-1", "+")
		f(`[["1-1" ["a" "1"]] ["1-2" ["b" "2" "c" "3"]]]`, "XRANGE", "s", "-", "(2-0")
		f(`[["1-1" ["a" "1"]] ["1-2" ["b" "2" "c" "3"]]]`, "XRANGE", "s", "1", "1")
		f(`[["1-1" ["a" "1"]]]`, "XRANGE", "s", "-", "+", "COUNT", "1")
		f("nil", "XRANGE", "s", "-", "+", "COUNT", "0")
		f(`[["2-0" ["a" "1"]] ["1-2" ["b" "2" "c" "3"]]]`, "XREVRANGE", "s", "+", "-", "COUNT", "2")
		f(`[["1-2" ["b" "2" "c" "3"]] ["1-1" ["a" "1"]]]`, "XREVRANGE", "s", "(2-0", "-")
		f("[]", "XRANGE", "nokey", "-", "+")
		f("ERR Invalid stream ID specified as stream command argument", "XRANGE", "s", "(", "+")
		f("ERR invalid start ID for the interval", "XRANGE", "s", "(18446744073709551615-18446744073709551615", "+")
		f("ERR invalid end ID for the interval", "XRANGE", "s", "-", "(0-0")
		f("ERR syntax error", "XRANGE", "s", "-", "+", "LIMIT", "1")
		f("3", "XLEN", "s")
		f("0", "XLEN", "nokey")
		f("1", "XDEL", "s", "1-1", "9-9")
		f("0", "XDEL", "s", "1-1")
		f("ERR Invalid stream ID specified as stream command argument", "XDEL", "s", "x")
		f("0", "XDEL", "nokey", "x")
		f("2", "XDEL", "s", "1-2", "2-0")
		f("0", "XLEN", "s")
		f("1", "EXISTS", "s") // an empty stream stays
		f("[]", "XRANGE", "s", "-", "+")
		f("ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", "s", "2-0", "f", "v")
		f(`"2-1"`, "XADD", "s", "2-1", "f", "v")
	})
}

func TestStreamTrim(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	rdb := srv.Client(t)
	ctx := context.Background()
	f := listChecker(t, rdb)
	for i := 1; i <= 250; i++ {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: strconv.Itoa(i) + "-0", Values: []string{"f", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Approximate trimming removes whole nodes of 100 entries.
	f("100", "XTRIM", "s", "MAXLEN", "~", "120")
	f("0", "XTRIM", "s", "MAXLEN", "~", "120")
	f("0", "XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "50")
	f("30", "XTRIM", "s", "MAXLEN", "120")
	f("20", "XTRIM", "s", "MINID", "=", "151")
	f(`[["151-0" ["f" "v"]]]`, "XRANGE", "s", "-", "+", "COUNT", "1")
	f("0", "XTRIM", "s", "MINID", "~", "190") // the node starting at 101 still holds 151..200
	f("ERR syntax error, LIMIT cannot be used without the special ~ option", "XTRIM", "s", "MAXLEN", "1", "LIMIT", "5")
	f("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy", "XTRIM", "s", "LIMIT", "5")
	f("ERR syntax error, XTRIM must be called with a trimming strategy", "XTRIM", "s", "LIMIT", "0")
	f("ERR syntax error, MAXLEN and MINID options at the same time are not compatible", "XTRIM", "s", "MAXLEN", "1", "MINID", "1")
	f("ERR The MAXLEN argument must be >= 0.", "XTRIM", "s", "MAXLEN", "-1")
	f("ERR The LIMIT argument must be >= 0.", "XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "-1")
	f("ERR syntax error", "XTRIM", "s", "MAXLEN", "1", "NOMKSTREAM")
	f("0", "XTRIM", "nokey", "MAXLEN", "1")
	n, err := rdb.XTrimMaxLenApprox(ctx, "s", 0, 0).Result()
	if err != nil || n != 100 {
		t.Errorf("XTRIM MAXLEN ~ 0: %d %v", n, err)
	}
	f("0", "XLEN", "s")
	// XADD trims after adding.
	for i := 251; i <= 400; i++ {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: strconv.Itoa(i) + "-0", MaxLen: 120, Approx: true, Values: []string{"f", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	f("150", "XLEN", "s")
	f(`"401-0"`, "XADD", "s", "MAXLEN", "3", "401-0", "f", "v")
	f("3", "XLEN", "s")
	f(`"402-0"`, "XADD", "s", "MINID", "401", "402-0", "f", "v")
	f(`[["401-0" ["f" "v"]] ["402-0" ["f" "v"]]]`, "XRANGE", "s", "-", "+")
}

func TestStreamXSetID(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	f := listChecker(t, srv.Client(t))
	f(`"5-0"`, "XADD", "s", "5-0", "f", "v")
	f("1", "XDEL", "s", "5-0")
	f(`"OK"`, "XSETID", "s", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "9-0")
	f(`["length" 0 "radix-tree-keys" 0 "radix-tree-nodes" 1 "last-generated-id" "10-0" "max-deleted-entry-id" "9-0" "entries-added" 7 "recorded-first-entry-id" "0-0" "groups" 0 "first-entry" nil "last-entry" nil]`,
		"XINFO", "STREAM", "s")
	f("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id", "XSETID", "s", "8-0")
	f("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id", "XSETID", "s", "10-0", "MAXDELETEDID", "11-0")
	f("ERR entries_added must be positive", "XSETID", "s", "10-0", "ENTRIESADDED", "-1")
	f("ERR no such key", "XSETID", "nokey", "1-0")
	f(`"10-1"`, "XADD", "s", "10-*", "f", "v")
	f("ERR The ID specified in XSETID is smaller than the target stream top item", "XSETID", "s", "10-0")
	f("ERR The entries_added specified in XSETID is smaller than the target stream length", "XSETID", "s", "11-0", "ENTRIESADDED", "0")
	f("ERR syntax error", "XSETID", "s", "11-0", "FOO")
}

// TestStreamGroupLifecycle follows a group through deliveries, a consumer
// that crashes with entries pending, another consumer reclaiming them with
// XAUTOCLAIM, and acknowledgements.
func TestStreamGroupLifecycle(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		f := listChecker(t, rdb)
		for i := 1; i <= 6; i++ {
			f(fmt.Sprintf(`"%d-0"`, i), "XADD", "jobs", fmt.Sprintf("%d-0", i), "job", strconv.Itoa(i))
		}
		if err := rdb.XGroupCreate(ctx, "jobs", "workers", "0").Err(); err != nil {
			t.Fatal(err)
		}
		f("BUSYGROUP Consumer Group name already exists", "XGROUP", "CREATE", "jobs", "workers", "$")

		// Two workers take three jobs each; "crashy" handles none.
		crashy, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "crashy", Streams: []string{"jobs", ">"}, Count: 3}).Result()
		if err != nil || len(crashy) != 1 || len(crashy[0].Messages) != 3 || crashy[0].Messages[0].ID != "1-0" {
			t.Fatalf("crashy's read: %v %v", crashy, err)
		}
		steady, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "steady", Streams: []string{"jobs", ">"}}).Result()
		if err != nil || len(steady[0].Messages) != 3 || steady[0].Messages[0].ID != "4-0" {
			t.Fatalf("steady's read: %v %v", steady, err)
		}
		if n, err := rdb.XAck(ctx, "jobs", "workers", "4-0", "5-0", "6-0", "6-0").Result(); err != nil || n != 3 {
			t.Errorf("XACK: %d %v", n, err)
		}
		f("nil", "XREADGROUP", "GROUP", "workers", "steady", "STREAMS", "jobs", ">")
		f(`[["jobs" []]]`, "XREADGROUP", "GROUP", "workers", "steady", "STREAMS", "jobs", "0")
		f(`[["jobs" [["1-0" ["job" "1"]] ["2-0" ["job" "2"]] ["3-0" ["job" "3"]]]]]`, "XREADGROUP", "GROUP", "workers", "crashy", "STREAMS", "jobs", "0")

		pending, err := rdb.XPending(ctx, "jobs", "workers").Result()
		if err != nil || pending.Count != 3 || pending.Lower != "1-0" || pending.Higher != "3-0" || pending.Consumers["crashy"] != 3 {
			t.Errorf("XPENDING: %+v %v", pending, err)
		}
		ext, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "jobs", Group: "workers", Start: "-", End: "+", Count: 10}).Result()
		if err != nil || len(ext) != 3 || ext[0].Consumer != "crashy" || ext[0].RetryCount != 2 {
			t.Errorf("XPENDING extended: %+v %v", ext, err)
		}
		// The entries are not idle for a minute: nothing to reclaim yet.
		claimed, start, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "jobs", Group: "workers", Consumer: "rescuer", MinIdle: time.Minute, Start: "0"}).Result()
		if err != nil || len(claimed) != 0 || start != "0-0" {
			t.Errorf("early XAUTOCLAIM: %v %s %v", claimed, start, err)
		}
		consumers, err := rdb.XInfoConsumers(ctx, "jobs", "workers").Result()
		if err != nil || len(consumers) != 2 {
			t.Fatalf("XAUTOCLAIM that claimed nothing created its consumer: %+v %v", consumers, err)
		}
		// Job 2 was deleted meanwhile; the rescuer takes two entries per call.
		f("1", "XDEL", "jobs", "2-0")
		f(`["3-0" [["1-0" ["job" "1"]]] ["2-0"]]`, "XAUTOCLAIM", "jobs", "workers", "rescuer", "0", "0", "COUNT", "2")
		claimed, start, err = rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "jobs", Group: "workers", Consumer: "rescuer", Start: "3-0", Count: 2}).Result()
		if err != nil || len(claimed) != 1 || claimed[0].ID != "3-0" || start != "0-0" {
			t.Errorf("second XAUTOCLAIM: %v %s %v", claimed, start, err)
		}
		f(`["0-0" ["1-0" "3-0"] []]`, "XAUTOCLAIM", "jobs", "workers", "rescuer", "0", "0", "JUSTID")
		ext, _ = rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "jobs", Group: "workers", Start: "-", End: "+", Count: 10, Consumer: "rescuer"}).Result()
		if len(ext) != 2 || ext[0].ID != "1-0" || ext[0].RetryCount != 3 || ext[1].RetryCount != 3 {
			t.Errorf("rescuer's pending entries: %+v", ext)
		}
		f("2", "XACK", "jobs", "workers", "1-0", "3-0")
		f(`[0 nil nil nil]`, "XPENDING", "jobs", "workers")
		f("0", "XGROUP", "DELCONSUMER", "jobs", "workers", "steady")

		groups, err := rdb.XInfoGroups(ctx, "jobs").Result()
		if err != nil || len(groups) != 1 || groups[0].LastDeliveredID != "6-0" || groups[0].Pending != 0 || groups[0].Consumers != 2 {
			t.Errorf("XINFO GROUPS: %+v %v", groups, err)
		}
		if groups[0].EntriesRead != 6 || groups[0].Lag != 0 {
			t.Errorf("entries-read %d, lag %d", groups[0].EntriesRead, groups[0].Lag)
		}
		info, err := rdb.XInfoStreamFull(ctx, "jobs", 0).Result()
		if err != nil || info.Length != 5 || info.EntriesAdded != 6 || info.MaxDeletedEntryID != "2-0" || len(info.Groups) != 1 ||
			len(info.Groups[0].Consumers) != 2 || info.Groups[0].Consumers[0].Name != "crashy" {
			t.Errorf("XINFO STREAM FULL: %+v %v", info, err)
		}
	})
}

func TestStreamXClaim(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	ctx := context.Background()
	rdb := srv.Client(t)
	f := listChecker(t, rdb)
	for i := 1; i <= 5; i++ {
		f(fmt.Sprintf(`"%d-0"`, i), "XADD", "s", fmt.Sprintf("%d-0", i), "f", strconv.Itoa(i))
	}
	f(`"OK"`, "XGROUP", "CREATE", "s", "g", "0")
	f(`[["s" [["1-0" ["f" "1"]] ["2-0" ["f" "2"]]]]]`, "XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">")
	f(`[["1-0" ["f" "1"]]]`, "XCLAIM", "s", "g", "b", "0", "1-0")
	f("[]", "XCLAIM", "s", "g", "b", "3600000", "2-0")
	f(`["2-0"]`, "XCLAIM", "s", "g", "b", "0", "2-0", "JUSTID", "RETRYCOUNT", "9", "IDLE", "60000")
	ext, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "2-0", End: "2-0", Count: 1}).Result()
	if err != nil || len(ext) != 1 || ext[0].Consumer != "b" || ext[0].RetryCount != 9 || ext[0].Idle < time.Minute {
		t.Errorf("claimed entry: %+v %v", ext, err)
	}
	f("[]", "XCLAIM", "s", "g", "b", "0", "4-0")
	f(`["4-0"]`, "XCLAIM", "s", "g", "b", "0", "4-0", "FORCE", "JUSTID", "LASTID", "4-0")
	f(`[["s" [["5-0" ["f" "5"]]]]]`, "XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
	f("1", "XDEL", "s", "4-0")
	f("[]", "XCLAIM", "s", "g", "c", "0", "4-0") // deleted: dropped from the pending list
	f(`[3 "1-0" "5-0" [["a" "1"] ["b" "2"]]]`, "XPENDING", "s", "g")
	f("ERR Unrecognized XCLAIM option 'BOGUS'", "XCLAIM", "s", "g", "b", "0", "1-0", "BOGUS")
	f("ERR Invalid min-idle-time argument for XCLAIM", "XCLAIM", "s", "g", "b", "x", "1-0")
	f("ERR Invalid IDLE option argument for XCLAIM", "XCLAIM", "s", "g", "b", "0", "1-0", "IDLE", "x")
	f("NOGROUP No such key 's' or consumer group 'nog'", "XCLAIM", "s", "nog", "b", "0", "1-0")
	f("NOGROUP No such key 'nokey' or consumer group 'g'", "XCLAIM", "nokey", "g", "b", "0", "1-0")
}

// TestStreamXPendingLen checks XPENDING's filters.
func TestStreamXPendingFilters(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	f := listChecker(t, srv.Client(t))
	for i := 1; i <= 4; i++ {
		f(fmt.Sprintf(`"%d-0"`, i), "XADD", "s", fmt.Sprintf("%d-0", i), "f", "v")
	}
	f(`"OK"`, "XGROUP", "CREATE", "s", "g", "0")
	f(`[["s" [["1-0" ["f" "v"]] ["2-0" ["f" "v"]]]]]`, "XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">")
	f(`[["s" [["3-0" ["f" "v"]] ["4-0" ["f" "v"]]]]]`, "XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
	f(`[4 "1-0" "4-0" [["a" "2"] ["b" "2"]]]`, "XPENDING", "s", "g")
	f("[]", "XPENDING", "s", "g", "IDLE", "3600000", "-", "+", "10")
	f("[]", "XPENDING", "s", "g", "-", "+", "10", "nosuch")
	f("ERR syntax error", "XPENDING", "s", "g", "-", "+")
	f("NOGROUP No such key 's' or consumer group 'x'", "XPENDING", "s", "x")
	f("[]", "XPENDING", "s", "g", "(2-0", "(3-0", "10")
}

func TestStreamXGroupSubcommands(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	f := listChecker(t, rdb)
	f("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
		"XGROUP", "CREATE", "s", "g", "$")
	f(`"OK"`, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM", "ENTRIESREAD", "0")
	f("1", "EXISTS", "s")
	f("1", "XGROUP", "CREATECONSUMER", "s", "g", "c")
	f("0", "XGROUP", "CREATECONSUMER", "s", "g", "c")
	f("NOGROUP No such consumer group 'nog' for key name 's'", "XGROUP", "CREATECONSUMER", "s", "nog", "c")
	f(`"OK"`, "XGROUP", "SETID", "s", "g", "0-5", "ENTRIESREAD", "3")
	groups, err := rdb.XInfoGroups(ctx, "s").Result()
	if err != nil || len(groups) != 1 || groups[0].LastDeliveredID != "0-5" || groups[0].EntriesRead != 3 {
		t.Errorf("after SETID: %+v %v", groups, err)
	}
	f("ERR value for ENTRIESREAD must be positive or -1", "XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "-3")
	f("ERR unknown subcommand or wrong number of arguments for 'SetId'. Try XGROUP HELP.", "XGROUP", "SetId", "s", "g", "0", "FOO", "1")
	f("ERR unknown subcommand 'nope'. Try XGROUP HELP.", "XGROUP", "nope")
	f("ERR wrong number of arguments for 'xgroup|destroy' command", "XGROUP", "DESTROY", "s")
	f("0", "XGROUP", "DELCONSUMER", "s", "g", "nosuch")
	f("0", "XGROUP", "DELCONSUMER", "s", "g", "c")
	f("1", "XGROUP", "DESTROY", "s", "g")
	f("0", "XGROUP", "DESTROY", "s", "g")
	help, err := rdb.Do(ctx, "XGROUP", "HELP").StringSlice()
	if err != nil || len(help) != 17 || !strings.HasPrefix(help[0], "XGROUP <subcommand>") {
		t.Errorf("XGROUP HELP: %q %v", help, err)
	}
	help, err = rdb.Do(ctx, "XINFO", "HELP").StringSlice()
	if err != nil || len(help) != 9 {
		t.Errorf("XINFO HELP: %q %v", help, err)
	}
	f("ERR no such key", "XINFO", "STREAM", "nokey")
	f("ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.", "XINFO", "stream", "s", "FULL", "COUNT")
}

// TestStreamCopy checks that COPY duplicates a stream with its groups and
// that the copy is independent.
func TestStreamCopy(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	f := listChecker(t, srv.Client(t))
	f(`"1-0"`, "XADD", "s", "1-0", "f", "v")
	f(`"OK"`, "XGROUP", "CREATE", "s", "g", "0")
	f(`[["s" [["1-0" ["f" "v"]]]]]`, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
	f("1", "COPY", "s", "d")
	f("1", "XACK", "s", "g", "1-0")
	f(`"2-0"`, "XADD", "s", "2-0", "f", "v")
	f("1", "XLEN", "d")
	f(`[1 "1-0" "1-0" [["c" "1"]]]`, "XPENDING", "d", "g")
}

// TestStreamJournal checks the write effects of blocked XREADGROUP clients
// served by an XADD, in the shapes redis-server 7.0.15 writes to its AOF
// (see TestStreamsDiffJournal for the non-blocking commands).
func TestStreamJournal(t *testing.T) {
	srv := servertest.Start(t, "--shards", "1")
	journal := srv.RecordJournal(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	if err := rdb.XGroupCreateMkStream(ctx, "s", "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, a := range []*redis.XReadGroupArgs{
		{Group: "g", Consumer: "acker", Streams: []string{"s", ">"}, Block: 0},
		{Group: "g", Consumer: "noacker", Streams: []string{"s", ">"}, Block: 0, NoAck: true},
	} {
		waitBlocked(t, rdb, func() { done <- srv.Client(t).XReadGroup(ctx, a).Err() })
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"f", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		rdb.XGroupSetID(ctx, "s", "g", "0")
		rdb.XTrimMaxLen(ctx, "s", 0)
		rdb.XGroupDelConsumer(ctx, "s", "g", a.Consumer)
		rdb.Do(ctx, "XSETID", "s", "0-1")
	}
	got := journalCommands(t, journal.Bytes())
	want := []string{
		"SELECT 0",
		"XGROUP CREATE s g $ MKSTREAM",
		"XADD s 1-0 f v",
		"XCLAIM s g acker 0 1-0 TIME T RETRYCOUNT 1 FORCE JUSTID LASTID 1-0",
		"XGROUP SETID s g 0", "XTRIM s MAXLEN = 0", "XGROUP DELCONSUMER s g acker", "XSETID s 0-1",
		"XADD s 1-0 f v",
		"MULTI", "XGROUP CREATECONSUMER s g noacker", "XGROUP SETID s g 1-0 ENTRIESREAD 2", "EXEC",
		// A consumer deleted is a change even without pending entries.
		"XGROUP SETID s g 0", "XTRIM s MAXLEN = 0", "XGROUP DELCONSUMER s g noacker", "XSETID s 0-1",
	}
	// go-redis sends command names in lower case; the effects Shoal
	// builds are upper case, as Redis's.
	if !strings.EqualFold(strings.Join(got, "\n"), strings.Join(want, "\n")) {
		t.Errorf("journal:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// waitBlocked runs start (a blocking command) in a goroutine and waits
// until the server counts one more blocked client.
func waitBlocked(t *testing.T, rdb *redis.Client, start func()) {
	t.Helper()
	before := blockedClients(t, rdb)
	go start()
	deadline := time.Now().Add(10 * time.Second)
	for blockedClients(t, rdb) <= before {
		if time.Now().After(deadline) {
			t.Fatal("the client did not block")
		}
		time.Sleep(time.Millisecond)
	}
}

func blockedClients(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("INFO clients has no blocked_clients:\n%s", info)
	return 0
}

// TestXReadBlockAcrossShards blocks one XREAD on two streams owned by
// different shards; an XADD from another client to the second wakes it,
// once, with that stream's new entry only.
func TestXReadBlockAcrossShards(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	keys := keysOnShards("xs", 2)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: keys[1], ID: "5-0", Values: []string{"old", "entry"}}).Err(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		streams []redis.XStream
		err     error
	}
	got := make(chan result, 1)
	reader := srv.Client(t)
	waitBlocked(t, rdb, func() {
		s, err := reader.XRead(ctx, &redis.XReadArgs{Streams: []string{keys[0], keys[1], "$", "$"}, Block: 0}).Result()
		got <- result{s, err}
	})
	id, err := srv.Client(t).XAdd(ctx, &redis.XAddArgs{Stream: keys[1], ID: "6-*", Values: []string{"new", "entry"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || len(r.streams) != 1 || r.streams[0].Stream != keys[1] || len(r.streams[0].Messages) != 1 ||
		r.streams[0].Messages[0].ID != id || r.streams[0].Messages[0].Values["new"] != "entry" {
		t.Fatalf("XREAD woke with %+v %v", r.streams, r.err)
	}
	// The registration on the other shard is gone: an XADD there serves
	// nobody, and no client is left blocked.
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: keys[0], ID: "1-0", Values: []string{"f", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(t, rdb) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client is still blocked")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestXReadBlockTimeoutAndMulti(t *testing.T) {
	eachShards(t, func(t *testing.T, srv *servertest.Server) {
		ctx := context.Background()
		rdb := srv.Client(t)
		start := time.Now()
		_, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 100 * time.Millisecond}).Result()
		if !errors.Is(err, redis.Nil) || time.Since(start) < 100*time.Millisecond {
			t.Errorf("XREAD BLOCK 100: %v after %v", err, time.Since(start))
		}
		rdb.XGroupCreateMkStream(ctx, "s", "g", "$")
		_, err = rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 50 * time.Millisecond}).Result()
		if !errors.Is(err, redis.Nil) {
			t.Errorf("XREADGROUP BLOCK 50: %v", err)
		}
		// Inside MULTI nothing blocks, not even BLOCK 0.
		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 0})
			p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 0})
			return nil
		})
		if !errors.Is(err, redis.Nil) || len(cmds) != 2 || !errors.Is(cmds[0].Err(), redis.Nil) || !errors.Is(cmds[1].Err(), redis.Nil) {
			t.Errorf("XREAD BLOCK in MULTI: %v %v", cmds, err)
		}
		// RESP3: a map of streams, and a null on timeout.
		r3 := srv.Client3(t)
		r3.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"f", "v"}})
		v, err := r3.Do(ctx, "XREAD", "STREAMS", "s", "0").Result()
		if m, ok := v.(map[any]any); err != nil || !ok || len(m) != 1 {
			t.Errorf("RESP3 XREAD: %#v %v", v, err)
		}
		if _, err := r3.Do(ctx, "XREAD", "BLOCK", "10", "STREAMS", "s", "$").Result(); !errors.Is(err, redis.Nil) {
			t.Errorf("RESP3 XREAD timeout: %v", err)
		}
	})
}

// TestXReadBlockDollar checks that "$" means the last ID when the client
// blocked, and that an XREAD waiting past the top ID stays blocked.
func TestXReadBlockDollar(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"f", "old"}})
	got := make(chan []redis.XStream, 1)
	waitBlocked(t, rdb, func() {
		s, _ := srv.Client(t).XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 0}).Result()
		got <- s
	})
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "2-0", Values: []string{"f", "new"}})
	if s := <-got; len(s) != 1 || len(s[0].Messages) != 1 || s[0].Messages[0].ID != "2-0" {
		t.Fatalf("XREAD $ got %+v", s)
	}
	// A client waiting for entries after 100-0 is not served by 3-0.
	later := make(chan []redis.XStream, 1)
	waitBlocked(t, rdb, func() {
		s, _ := srv.Client(t).XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "100-0"}, Block: 0}).Result()
		later <- s
	})
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "3-0", Values: []string{"f", "v"}})
	select {
	case s := <-later:
		t.Fatalf("served too early: %+v", s)
	case <-time.After(50 * time.Millisecond):
	}
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "101-0", Values: []string{"f", "v"}})
	if s := <-later; len(s) != 1 || s[0].Messages[0].ID != "101-0" {
		t.Fatalf("XREAD 100-0 got %+v", s)
	}
}

// blockReadGroup blocks a client in XREADGROUP GROUP g c BLOCK 0 on
// stream s; the channel gets its result.
func blockReadGroup(t *testing.T, srv *servertest.Server) chan error {
	t.Helper()
	errc := make(chan error, 1)
	waitBlocked(t, srv.Client(t), func() {
		errc <- srv.Client(t).XReadGroup(context.Background(),
			&redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 0}).Err()
	})
	return errc
}

// checkUnblockedWith waits for a blocked client's error reply.
func checkUnblockedWith(t *testing.T, what string, errc chan error, want string) {
	t.Helper()
	select {
	case err := <-errc:
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", what, err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: the client is still blocked", what)
	}
}

// TestXReadGroupBlockedErrors checks how a blocked XREADGROUP ends when its
// group goes away or its key is overwritten.
func TestXReadGroupBlockedErrors(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	rdb.XGroupCreateMkStream(ctx, "s", "g", "$")
	errc := blockReadGroup(t, srv)
	rdb.XGroupDestroy(ctx, "s", "g")
	checkUnblockedWith(t, "group destroyed", errc, "NOGROUP the consumer group this client was blocked on no longer exists")
	rdb.XGroupCreate(ctx, "s", "g", "$")
	errc = blockReadGroup(t, srv)
	rdb.Set(ctx, "s", "now a string", 0)
	checkUnblockedWith(t, "key overwritten", errc, "UNBLOCKED the stream key no longer exists")
}

// TestXReadGroupBlockedKeyDeleted checks that deleting the stream ends a
// blocked XREADGROUP with an error, as Redis 7.0 does.
func TestXReadGroupBlockedKeyDeleted(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	rdb.XGroupCreateMkStream(ctx, "s", "g", "$")
	errc := blockReadGroup(t, srv)
	rdb.Del(ctx, "s")
	checkUnblockedWith(t, "key deleted", errc, "UNBLOCKED the stream key no longer exists")
	// FLUSHDB and FLUSHALL delete it too (redis-server 7.0 answers the
	// same).
	for _, flush := range []string{"FLUSHDB", "FLUSHALL"} {
		rdb.XGroupCreateMkStream(ctx, "s", "g", "$")
		errc = blockReadGroup(t, srv)
		if err := rdb.Do(ctx, flush).Err(); err != nil {
			t.Fatal(err)
		}
		checkUnblockedWith(t, flush, errc, "UNBLOCKED the stream key no longer exists")
	}
}

// TestXReadGroupBlockedFanOut blocks consumers of two groups on one
// stream, the first group's two consumers first: one XADD serves one
// consumer of each group, as Redis serves every client blocked on a stream
// that can be served.
func TestXReadGroupBlockedFanOut(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	rdb := srv.Client(t)
	rdb.XGroupCreateMkStream(ctx, "s", "g1", "$")
	rdb.XGroupCreate(ctx, "s", "g2", "$")
	type read struct {
		who string
		s   []redis.XStream
	}
	got := make(chan read, 3)
	for _, who := range []string{"g1/a", "g1/b", "g2/a"} {
		g, c, _ := strings.Cut(who, "/")
		waitBlocked(t, rdb, func() {
			s, _ := srv.Client(t).XReadGroup(ctx, &redis.XReadGroupArgs{Group: g, Consumer: c, Streams: []string{"s", ">"}, Block: 0}).Result()
			got <- read{who, s}
		})
	}
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"f", "v"}})
	served := map[string]bool{}
	for range 2 {
		select {
		case r := <-got:
			served[r.who] = len(r.s) == 1 && r.s[0].Messages[0].ID == "1-0"
		case <-time.After(5 * time.Second):
			t.Fatalf("only %v were served", served)
		}
	}
	if !served["g1/a"] || !served["g2/a"] {
		t.Errorf("served %v, want g1/a and g2/a", served)
	}
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "2-0", Values: []string{"f", "v"}})
	select {
	case r := <-got:
		if r.who != "g1/b" || r.s[0].Messages[0].ID != "2-0" {
			t.Errorf("second entry went to %s: %+v", r.who, r.s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("g1/b was not served")
	}
}

// TestXReadGroup500Consumers blocks 500 consumers of one group on
// XREADGROUP ">" and feeds the stream from another client: every entry is
// delivered once, to one consumer, and none is lost.
func TestXReadGroup500Consumers(t *testing.T) {
	srv := servertest.Start(t, "--shards", "4")
	ctx := context.Background()
	const consumers, entries = 500, 2000
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2, DisableIdentity: true, PoolSize: consumers + 20,
		DialTimeout: time.Minute, PoolTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.XGroupCreateMkStream(ctx, "jobs", "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]string{} // entry ID → consumer
	var dupes []string
	var received, finished atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, consumers)
	for i := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "c" + strconv.Itoa(i)
			for received.Load() < entries {
				s, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: name, Streams: []string{"jobs", ">"}, Count: 1, Block: time.Second}).Result()
				if errors.Is(err, redis.Nil) {
					continue
				}
				if err != nil {
					errc <- err
					return
				}
				for _, m := range s[0].Messages {
					mu.Lock()
					if prev, ok := seen[m.ID]; ok {
						dupes = append(dupes, m.ID+" to "+prev+" and "+name)
					}
					seen[m.ID] = name
					mu.Unlock()
					received.Add(1)
				}
			}
			finished.Add(1)
		}()
	}
	deadline := time.Now().Add(time.Minute)
	for blockedClients(t, rdb) < consumers/2 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d consumers blocked", blockedClients(t, rdb))
		}
		time.Sleep(10 * time.Millisecond)
	}
	producer := srv.Client(t)
	for i := 1; i <= entries; i++ {
		if err := producer.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", ID: strconv.Itoa(i) + "-0", Values: []string{"n", strconv.Itoa(i)}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if len(dupes) > 0 {
		t.Fatalf("%d entries delivered twice, e.g. %s", len(dupes), dupes[0])
	}
	if len(seen) != entries || received.Load() != entries || finished.Load() != consumers {
		t.Fatalf("%d distinct entries, %d deliveries, %d consumers done; want %d, %d, %d",
			len(seen), received.Load(), finished.Load(), entries, entries, consumers)
	}
	pending, err := rdb.XPending(ctx, "jobs", "g").Result()
	if err != nil || pending.Count != entries {
		t.Fatalf("XPENDING: %+v %v", pending, err)
	}
	busy := 0
	for _, n := range pending.Consumers {
		if n > 0 {
			busy++
		}
	}
	t.Logf("%d entries went to %d consumers", entries, busy)
}

// TestStreamMemory loads a stream of 1,000,000 small entries (XADD s <id>
// f v) into redis-server and into an in-process Shoal and compares Redis's
// used_memory growth with the growth of Shoal's live heap. The target is
// 1.2 times Redis.
func TestStreamMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1,000,000 entries into two servers")
	}
	const entries = 1_000_000
	load := func(r *servertest.Raw) {
		var req []byte
		for i := 1; i <= entries; i++ {
			req = proto.AppendArrayLen(req, 5)
			req = proto.AppendBulkString(req, "XADD")
			req = proto.AppendBulkString(req, "s")
			req = proto.AppendBulkString(req, strconv.Itoa(i)+"-0")
			req = proto.AppendBulkString(req, "f")
			req = proto.AppendBulkString(req, "v")
			if i%1000 == 0 {
				r.Send(req)
				for j := i - 999; j <= i; j++ {
					if got, want := r.Read(), "$"+strconv.Itoa(len(strconv.Itoa(j))+2)+"\r\n"+strconv.Itoa(j)+"-0\r\n"; got != want {
						t.Fatalf("XADD: %q, want %q", got, want)
					}
				}
				req = req[:0]
			}
		}
	}
	redisBytes, shoalBytes, raw := measureMemory(t, load)
	if got := raw.Do("XLEN", "s"); got != ":1000000\r\n" {
		t.Fatalf("XLEN: %q", got)
	}
	ratio := float64(shoalBytes) / float64(redisBytes)
	t.Logf("%d entries: redis used_memory +%d (%.1f B/entry), shoal heap +%d (%.1f B/entry): %.2fx",
		entries, redisBytes, float64(redisBytes)/entries, shoalBytes, float64(shoalBytes)/entries, ratio)
	if ratio > 1.2 {
		t.Errorf("shoal uses %.2f times Redis's memory, more than 1.2", ratio)
	}
}
