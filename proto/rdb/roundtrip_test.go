package rdb

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
)

// writerCase is a key, and the encoding the Writer must choose for it
// under DefaultWriterOptions.
type writerCase struct {
	e   Entry
	enc Type
}

func writerCases() []writerCase {
	long := strings.Repeat("compressible text ", 200)
	streamOf := func(n int, fields func(i int) [][2][]byte) []StreamEntry {
		out := make([]StreamEntry, n)
		for i := range out {
			out[i] = StreamEntry{ID: StreamID{Ms: 1700000000000 + uint64(i/3), Seq: uint64(i % 3)}, Fields: fields(i)}
		}
		return out
	}
	bigStream := streamOf(250, func(i int) [][2][]byte {
		if i%7 == 0 {
			return pairs("other", strconv.Itoa(i), "x", "y")
		}
		return pairs("temp", strconv.Itoa(i*3), "label", "sensor-"+strconv.Itoa(i%5))
	})
	withTTL := entry(0, "ttl", String{B: []byte("v")})
	withTTL.ExpireMs = 4102444800000
	withLRU := entry(0, "lru", String{B: []byte("v")})
	withLRU.LRUIdle = 12345
	withLFU := entry(0, "lfu", String{B: []byte("v")})
	withLFU.LFUFreq = 200
	return []writerCase{
		{entry(0, "int8", String{B: []byte("-12")}), TypeString},
		{entry(0, "int16", String{B: []byte("30000")}), TypeString},
		{entry(0, "int32", String{B: []byte("-2147483648")}), TypeString},
		{entry(0, "int64", String{B: []byte("9223372036854775807")}), TypeString},
		{entry(0, "not-int", String{B: []byte("007")}), TypeString},
		{entry(0, "minus-zero", String{B: []byte("-0")}), TypeString},
		{entry(0, "empty", String{B: []byte{}}), TypeString},
		{entry(0, "binary", String{B: []byte("\x00\xff\r\n")}), TypeString},
		{entry(0, "long", String{B: []byte(long)}), TypeString},
		{entry(0, "", String{B: []byte("empty key name")}), TypeString},
		{withTTL, TypeString},
		{withLRU, TypeString},
		{withLFU, TypeString},
		{entry(0, "list-small", List{Elems: bs("a", "1", "-5", "300", "70000", "9000000000", "", "b")}), TypeListQuicklist2},
		{entry(0, "list-big", List{Elems: seq("element-", 3000)}), TypeListQuicklist2},
		{entry(0, "list-huge-elem", List{Elems: [][]byte{[]byte("a"), bytes.Repeat([]byte("z"), 20000), []byte("b")}}), TypeListQuicklist2},
		{entry(0, "set-int16", Set{Members: bs("3", "1", "-2")}), TypeSetIntset},
		{entry(0, "set-int32", Set{Members: bs("1", "100000")}), TypeSetIntset},
		{entry(0, "set-int64", Set{Members: bs("1", "-9223372036854775808")}), TypeSetIntset},
		{entry(0, "set-str", Set{Members: bs("a", "1", "b")}), TypeSet},
		{entry(0, "set-bigint", Set{Members: seq("", 600)}), TypeSet},
		{entry(0, "zset-small", ZSet{Members: []ZMember{{[]byte("a"), 1}, {[]byte("b"), -2.5}, {[]byte("c"), math.Inf(1)},
			{[]byte("d"), math.Inf(-1)}, {[]byte("e"), 0.1}, {[]byte("f"), 1e300}, {[]byte("g"), 0},
			{[]byte("h"), 9007199254740993}, {[]byte("7"), 3}, {[]byte("i"), 5e-324}}}), TypeZSetListpack},
		{entry(0, "zset-long-member", ZSet{Members: []ZMember{{bytes.Repeat([]byte("m"), 65), 1}, {[]byte("x"), 2}}}), TypeZSet2},
		{entry(0, "zset-big", ZSet{Members: func() []ZMember {
			m := make([]ZMember, 200)
			for i := range m {
				m[i] = ZMember{[]byte("member-" + strconv.Itoa(i)), float64(i%13) / 3}
			}
			return m
		}()}), TypeZSet2},
		{entry(0, "hash-small", Hash{Fields: pairs("f", "v", "n", "123", "neg", "-77", "e", "")}), TypeHashListpack},
		{entry(0, "hash-long-value", Hash{Fields: pairs("f", strings.Repeat("v", 65))}), TypeHash},
		{entry(0, "hash-big", Hash{Fields: func() [][2][]byte {
			f := make([][2][]byte, 600)
			for i := range f {
				f[i] = [2][]byte{[]byte("field-" + strconv.Itoa(i)), []byte(strconv.Itoa(i * i))}
			}
			return f
		}()}), TypeHash},
		{entry(1, "stream-big", Stream{
			Entries: bigStream, LastID: StreamID{1800000000000, 5}, FirstID: bigStream[0].ID,
			MaxDeletedID: StreamID{1600000000000, 1}, EntriesAdded: 300,
			Groups: []StreamGroup{
				{Name: []byte("g1"), LastID: bigStream[10].ID, EntriesRead: 11,
					PEL: []StreamPending{
						{ID: bigStream[3].ID, DeliveryTime: 1700000000123, DeliveryCount: 1, Consumer: []byte("alice")},
						{ID: bigStream[5].ID, DeliveryTime: 1700000000456, DeliveryCount: 3, Consumer: []byte("bob")},
						{ID: bigStream[9].ID, DeliveryTime: 1700000000789, DeliveryCount: 2, Consumer: []byte("alice")},
					},
					Consumers: []StreamConsumer{{Name: []byte("alice"), SeenTime: 1700000001000, ActiveTime: -1},
						{Name: []byte("bob"), SeenTime: 1700000002000, ActiveTime: -1},
						{Name: []byte("idle"), SeenTime: 1700000003000, ActiveTime: -1}}},
				{Name: []byte("g2"), LastID: StreamID{}, EntriesRead: -1},
			},
		}), TypeStreamListpacks2},
		{entry(1, "stream-empty", Stream{LastID: StreamID{5, 5}, EntriesAdded: 2, MaxDeletedID: StreamID{5, 5},
			Groups: []StreamGroup{{Name: []byte("g"), EntriesRead: 2, LastID: StreamID{5, 5}}}}), TypeStreamListpacks2},
		{entry(1, "stream-one", Stream{Entries: []StreamEntry{{ID: StreamID{1, 1}, Fields: pairs("a", "1")}},
			LastID: StreamID{1, 1}, FirstID: StreamID{1, 1}, EntriesAdded: 1}), TypeStreamListpacks2},
		{entry(15, "db15", String{B: []byte("last db")}), TypeString},
	}
}

func TestRoundTrip(t *testing.T) {
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
		{"no compression", func(o *WriterOptions) { o.Compression = false }},
		{"no checksum", func(o *WriterOptions) { o.Checksum = false }},
		{"plain list nodes", func(o *WriterOptions) { o.plainThreshold = 8 }},
	} {
		t.Run(variant.name, func(t *testing.T) {
			opts := DefaultWriterOptions()
			variant.opts(&opts)
			opts.CTime = 1700000000
			data := writeFile(t, opts, entries)
			got, r := readAll(t, data)
			if len(got) != len(cases) {
				t.Fatalf("read %d entries, wrote %d", len(got), len(cases))
			}
			for i, c := range cases {
				g := got[i]
				if string(g.Key) != string(c.e.Key) || g.DB != c.e.DB {
					t.Errorf("entry %d is db %d key %q, want db %d key %q", i, g.DB, g.Key, c.e.DB, c.e.Key)
					continue
				}
				if g.Encoding != c.enc {
					t.Errorf("%q: encoding %v, want %v", g.Key, g.Encoding, c.enc)
				}
				if g.ExpireMs != c.e.ExpireMs || g.LRUIdle != c.e.LRUIdle || g.LFUFreq != c.e.LFUFreq {
					t.Errorf("%q: expire/idle/freq %d/%d/%d, want %d/%d/%d", g.Key, g.ExpireMs, g.LRUIdle, g.LFUFreq,
						c.e.ExpireMs, c.e.LRUIdle, c.e.LFUFreq)
				}
				if got, want := describe(g.Value), describe(c.e.Value); got != want {
					t.Errorf("%q: %s", g.Key, diff(got, want))
				}
			}
			aux := r.Aux()
			for k, want := range map[string]string{"redis-ver": "7.0.0", "redis-bits": "64", "ctime": "1700000000", "used-mem": "0", "aof-base": "0"} {
				if aux[k] != want {
					t.Errorf("aux %s = %q, want %q", k, aux[k], want)
				}
			}
			if r.Version() != Version {
				t.Errorf("version %d", r.Version())
			}
			if s := r.Sizes()[1]; s.Keys != 3 || s.Expires != 0 {
				t.Errorf("db 1 sizes %+v", s)
			}
			if s := r.Sizes()[0]; s.Keys != uint64(len(cases)-4) || s.Expires != 1 {
				t.Errorf("db 0 sizes %+v", s)
			}
			trailer := data[len(data)-8:]
			if zero := bytes.Equal(trailer, make([]byte, 8)); zero == opts.Checksum {
				t.Errorf("checksum option %v but trailer %x", opts.Checksum, trailer)
			}
		})
	}
}

// TestWriterEncodingChoices checks the encodings that depend on options:
// compression, the compact-encoding thresholds, quicklist node sizes and
// stream node limits.
func TestWriterEncodingChoices(t *testing.T) {
	long := []byte(strings.Repeat("abc", 100))
	count := func(data []byte, sub []byte) int { return bytes.Count(data, sub) }

	on := DefaultWriterOptions()
	off := on
	off.Compression = false
	dataOn := writeFile(t, on, []Entry{entry(0, "k", String{B: long})})
	dataOff := writeFile(t, off, []Entry{entry(0, "k", String{B: long})})
	if count(dataOff, long) != 1 || count(dataOn, long) != 0 || len(dataOn) >= len(dataOff) {
		t.Errorf("compression: on %d bytes, off %d bytes", len(dataOn), len(dataOff))
	}
	// A 20-byte string is never compressed, as in rdbSaveRawString.
	s20 := []byte(strings.Repeat("a", 20))
	if data := writeFile(t, on, []Entry{entry(0, "k", String{B: s20})}); count(data, s20) != 1 {
		t.Error("20-byte string was compressed")
	}

	f := func(name string, opts WriterOptions, v Value, want Type) {
		t.Helper()
		got, _ := readAll(t, writeFile(t, opts, []Entry{entry(0, "k", v)}))
		if got[0].Encoding != want {
			t.Errorf("%s: encoding %v, want %v", name, got[0].Encoding, want)
		}
		if describe(got[0].Value) != describe(v) {
			t.Errorf("%s: value changed:\n got %.300s\nwant %.300s", name, describe(got[0].Value), describe(v))
		}
	}
	zero := WriterOptions{}
	f("hash without listpacks", zero, Hash{Fields: pairs("a", "b")}, TypeHash)
	f("zset without listpacks", zero, ZSet{Members: []ZMember{{[]byte("a"), 1}}}, TypeZSet2)
	f("set without intsets", zero, Set{Members: bs("1")}, TypeSet)
	f("list fill 0", zero, List{Elems: seq("", 10)}, TypeListQuicklist2)
	big := on
	big.HashMaxListpackEntries, big.SetMaxIntsetEntries, big.ZSetMaxListpackEntries = 1000, 1000, 1000
	f("big intset", big, Set{Members: seq("", 1000)}, TypeSetIntset)
	f("big hash listpack", big, Hash{Fields: pairs("a", "b", "c", "d")}, TypeHashListpack)

	// Quicklist node splitting: count the nodes in the file.
	nodes := func(opts WriterOptions, elems [][]byte) uint64 {
		t.Helper()
		data := writeFile(t, opts, []Entry{entry(0, "k", List{Elems: elems})})
		r := NewReader(bytes.NewReader(data))
		r.readHeader()
		for {
			op, _ := r.in.byte()
			if Type(op) == TypeListQuicklist2 {
				break
			}
		}
		if _, err := r.readString(); err != nil {
			t.Fatal(err)
		}
		n, err := r.readLen()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	byCount := off
	byCount.ListMaxListpackSize = 10
	if n := nodes(byCount, seq("", 95)); n != 10 {
		t.Errorf("fill 10, 95 elements: %d nodes", n)
	}
	bySize := off
	bySize.ListMaxListpackSize = -1 // 4 KiB
	elems := make([][]byte, 100)
	for i := range elems {
		elems[i] = bytes.Repeat([]byte{'a' + byte(i%26)}, 100)
	}
	if n := nodes(bySize, elems); n != 3 { // 102 bytes each, 40 per 4 KiB node
		t.Errorf("4 KiB nodes, 100 x 100-byte elements: %d nodes", n)
	}
	bySize.ListMaxListpackSize = -2
	if n := nodes(bySize, elems); n != 2 {
		t.Errorf("8 KiB nodes, 100 x 100-byte elements: %d nodes", n)
	}
	plain := off
	plain.plainThreshold = 5
	if n := nodes(plain, bs("a", "b", "long one", "c", "longer one", "long again", "d")); n != 6 {
		t.Errorf("3 big elements among 4 small: %d nodes, want 6", n)
	}

	// Stream nodes: 250 entries at 100 per node make 3 nodes; with only a
	// byte limit of 200, every node holds few entries.
	entries := make([]StreamEntry, 250)
	for i := range entries {
		entries[i] = StreamEntry{ID: StreamID{Ms: uint64(i) + 1}, Fields: pairs("f", "v")}
	}
	if n := len(w0().streamNodes(entries)); n != 3 {
		t.Errorf("250 entries: %d nodes, want 3", n)
	}
	w := w0()
	w.opts.StreamNodeMaxEntries, w.opts.StreamNodeMaxBytes = 0, 200
	if n := len(w.streamNodes(entries)); n < 10 {
		t.Errorf("250 entries in 200-byte nodes: %d nodes", n)
	}
	w.opts.StreamNodeMaxBytes = 0
	if n := len(w.streamNodes(entries)); n != 1 {
		t.Errorf("250 entries without limits: %d nodes", n)
	}
}

func w0() *Writer { return NewWriter(&bytes.Buffer{}, DefaultWriterOptions()) }

func TestWriterRefuses(t *testing.T) {
	f := func(name string, e Entry) {
		t.Helper()
		w := NewWriter(&bytes.Buffer{}, DefaultWriterOptions())
		w.WriteHeader()
		w.SelectDB(0, 1, 0)
		err := w.WriteEntry(e)
		if err == nil {
			t.Errorf("%s: accepted", name)
			return
		}
		if err2 := w.Close(); err2 != err {
			t.Errorf("%s: error did not stick: %v then %v", name, err, err2)
		}
	}
	f("empty list", entry(0, "k", List{}))
	f("empty set", entry(0, "k", Set{}))
	f("empty zset", entry(0, "k", ZSet{}))
	f("empty hash", entry(0, "k", Hash{}))
	f("nil value", entry(0, "k", nil))
	f("wrong db", entry(3, "k", String{}))
	f("lfu range", Entry{Key: []byte("k"), ExpireMs: -1, LRUIdle: -1, LFUFreq: 256, Value: String{}})
	f("duplicate intset", entry(0, "k", Set{Members: bs("1", "1")}))
	f("duplicate set", entry(0, "k", Set{Members: bs("a", "b", "a")}))
	f("duplicate zset", entry(0, "k", ZSet{Members: []ZMember{{[]byte("a"), 1}, {[]byte("b"), 2}, {[]byte("a"), 3}}}))
	f("NaN score", entry(0, "k", ZSet{Members: []ZMember{{[]byte("a"), math.NaN()}}}))
	f("duplicate field", entry(0, "k", Hash{Fields: pairs("a", "1", "a", "2")}))
	f("stream order", entry(0, "k", Stream{Entries: []StreamEntry{{ID: StreamID{2, 0}}, {ID: StreamID{1, 0}}}}))
	f("duplicate group", entry(0, "k", Stream{Groups: []StreamGroup{{Name: []byte("g")}, {Name: []byte("g")}}}))
	f("duplicate consumer", entry(0, "k", Stream{Groups: []StreamGroup{{Name: []byte("g"),
		Consumers: []StreamConsumer{{Name: []byte("c")}, {Name: []byte("c")}}}}}))
	f("unknown consumer", entry(0, "k", Stream{Groups: []StreamGroup{{Name: []byte("g"),
		PEL: []StreamPending{{ID: StreamID{1, 1}, Consumer: []byte("nobody")}}}}}))
	f("duplicate pending", entry(0, "k", Stream{Groups: []StreamGroup{{Name: []byte("g"),
		PEL:       []StreamPending{{ID: StreamID{1, 1}, Consumer: []byte("c")}, {ID: StreamID{1, 1}, Consumer: []byte("c")}},
		Consumers: []StreamConsumer{{Name: []byte("c")}}}}}))

	w := NewWriter(&bytes.Buffer{}, DefaultWriterOptions())
	w.WriteHeader()
	if err := w.WriteEntry(entry(0, "k", String{})); err == nil {
		t.Error("WriteEntry before SelectDB accepted")
	}
	w = NewWriter(&bytes.Buffer{}, DefaultWriterOptions())
	if err := w.SelectDB(-1, 0, 0); err == nil {
		t.Error("SelectDB(-1) accepted")
	}
	w = NewWriter(&bytes.Buffer{}, DefaultWriterOptions())
	w.WriteHeader()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Error("second Close accepted")
	}
}

// TestWriterOrdersSortedSets: a ZSET_LISTPACK must be sorted for Redis to
// work on it, whatever order the caller gives; a ZSET_2 is written from the
// top score down.
func TestWriterOrdersSortedSets(t *testing.T) {
	members := []ZMember{{[]byte("c"), 3}, {[]byte("a"), 1}, {[]byte("b2"), 2}, {[]byte("b1"), 2}}
	got, _ := readAll(t, writeFile(t, DefaultWriterOptions(), []Entry{entry(0, "k", ZSet{Members: members})}))
	var order []string
	for _, m := range got[0].Value.(ZSet).Members {
		order = append(order, string(m.Member))
	}
	if strings.Join(order, ",") != "a,b1,b2,c" {
		t.Errorf("listpack order %v", order)
	}
	opts := DefaultWriterOptions()
	opts.ZSetMaxListpackEntries = 0
	for _, in := range [][]ZMember{members, {members[1], members[3], members[2], members[0]}} {
		got, _ = readAll(t, writeFile(t, opts, []Entry{entry(0, "k", ZSet{Members: in})}))
		order = order[:0]
		for _, m := range got[0].Value.(ZSet).Members {
			order = append(order, string(m.Member))
		}
		if strings.Join(order, ",") != "c,b2,b1,a" {
			t.Errorf("skiplist order %v", order)
		}
	}
	if members[0].Score != 3 || string(members[1].Member) != "a" {
		t.Error("the caller's slice was reordered")
	}

	// A negative zero survives both encodings. (redis-server 7.0 itself
	// turns it into 0 when it stores the score in a listpack.)
	negZero := []ZMember{{[]byte("z"), math.Copysign(0, -1)}}
	for _, o := range []WriterOptions{DefaultWriterOptions(), opts} {
		got, _ = readAll(t, writeFile(t, o, []Entry{entry(0, "k", ZSet{Members: negZero})}))
		if s := got[0].Value.(ZSet).Members[0].Score; s != 0 || !math.Signbit(s) {
			t.Errorf("%v: score %v", got[0].Encoding, s)
		}
	}
}

func TestFormatScore(t *testing.T) {
	f := func(in float64, want string) {
		t.Helper()
		if got := string(formatScore(nil, in)); got != want {
			t.Errorf("formatScore(%v) = %q, want %q", in, got, want)
		}
	}
	f(1, "1")
	f(-2, "-2")
	f(0, "0")
	f(math.Copysign(0, -1), "-0")
	f(math.Inf(1), "inf")
	f(math.Inf(-1), "-inf")
	f(0.1, "0.10000000000000001")
	f(1.5, "1.5")
	f(1e20, "1e+20")
	f(9007199254740992, "9007199254740992")
	f(1e17, "100000000000000000")
	f(1e-5, "1.0000000000000001e-05")
}
