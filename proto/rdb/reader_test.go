package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

// rawFile assembles RDB files byte by byte with the Writer's primitives,
// for encodings and opcodes the Writer itself never produces.
type rawFile struct {
	w       *Writer
	out     bytes.Buffer
	version int
}

func newRawFile(version int) *rawFile {
	f := &rawFile{version: version}
	f.w = NewWriter(&f.out, WriterOptions{Checksum: true})
	f.w.write(fmt.Appendf(nil, "REDIS%04d", version))
	return f
}

func (f *rawFile) op(b byte) *rawFile            { f.w.writeByte(b); return f }
func (f *rawFile) length(n uint64) *rawFile      { f.w.writeLen(n); return f }
func (f *rawFile) str(s string) *rawFile         { f.w.writeString([]byte(s)); return f }
func (f *rawFile) raw(b []byte) *rawFile         { f.w.write(b); return f }
func (f *rawFile) key(t Type, k string) *rawFile { return f.op(byte(t)).str(k) }

// lzfStr writes s as an LZF-compressed string, which the Writer only does
// when compression pays.
func (f *rawFile) lzfStr(s string) *rawFile {
	var z lzfCompressor
	c, ok := z.compress(nil, []byte(s), len(s)+64)
	if !ok {
		panic("lzf")
	}
	f.op(lenEnc<<6 | encLZF).length(uint64(len(c))).length(uint64(len(s)))
	return f.raw(c)
}

// bytes ends the file: EOF and, from version 5, the checksum.
func (f *rawFile) bytes() []byte {
	if f.version < 5 {
		f.w.writeByte(opEOF)
		f.w.flush()
		return f.out.Bytes()
	}
	if err := f.w.Close(); err != nil {
		panic(err)
	}
	return f.out.Bytes()
}

func lpOf(elems ...string) string {
	w := newListpackWriter()
	for _, e := range elems {
		w.appendBytes([]byte(e))
	}
	return string(w.finish())
}

func zlOf(elems ...string) string {
	z := newZiplist()
	for _, e := range elems {
		z.add(e)
	}
	return string(z.bytes())
}

func TestReadLegacyEncodings(t *testing.T) {
	f := newRawFile(9)
	f.op(opAux).str("redis-ver").str("5.0.7")
	f.op(opSelectDB).length(2)
	f.key(TypeList, "list").length(3).str("a").str("-7").lzfStr(strings.Repeat("lz", 40))
	f.key(TypeZSet, "zset-text").length(4).str("a").raw([]byte{3}).raw([]byte("1.5")).
		str("b").raw([]byte{dblPosInf}).str("c").raw([]byte{dblNegInf}).str("d").raw([]byte{2}).raw([]byte("-3"))
	f.key(TypeHashZipmap, "zipmap").str(string(zipmapBytes([][2]string{{"f1", "v1"}, {"f2", "12"}}, 2)))
	f.key(TypeListZiplist, "list-ziplist").str(zlOf("x", "1", "-70000", "y"))
	f.key(TypeZSetZiplist, "zset-ziplist").str(zlOf("m1", "1", "m2", "2.25", "m3", "-inf"))
	f.key(TypeHashZiplist, "hash-ziplist").str(zlOf("f", "v", "n", "5"))
	f.key(TypeListQuicklist, "quicklist").length(3).str(zlOf("a", "b")).str(zlOf()).str(zlOf("1", "2"))
	f.op(opExpireTime).raw(binary.LittleEndian.AppendUint32(nil, 2000000000))
	f.key(TypeSetIntset, "intset").str(string(appendIntset(nil, []int64{-5, 7, 100000})))
	f.op(opExpireTimeMs).raw(binary.LittleEndian.AppendUint64(nil, 1234567890123))
	f.op(opIdle).length(77)
	f.op(opFreq).op(9)
	f.key(TypeString, "meta").str("v")
	data := f.bytes()

	got, r := readAll(t, data)
	want := []struct {
		key string
		enc Type
		val Value
	}{
		{"list", TypeList, List{Elems: bs("a", "-7", strings.Repeat("lz", 40))}},
		{"zset-text", TypeZSet, ZSet{Members: []ZMember{{[]byte("a"), 1.5}, {[]byte("b"), math.Inf(1)}, {[]byte("c"), math.Inf(-1)}, {[]byte("d"), -3}}}},
		{"zipmap", TypeHashZipmap, Hash{Fields: pairs("f1", "v1", "f2", "12")}},
		{"list-ziplist", TypeListZiplist, List{Elems: bs("x", "1", "-70000", "y")}},
		{"zset-ziplist", TypeZSetZiplist, ZSet{Members: []ZMember{{[]byte("m1"), 1}, {[]byte("m2"), 2.25}, {[]byte("m3"), math.Inf(-1)}}}},
		{"hash-ziplist", TypeHashZiplist, Hash{Fields: pairs("f", "v", "n", "5")}},
		{"quicklist", TypeListQuicklist, List{Elems: bs("a", "b", "1", "2")}},
		{"intset", TypeSetIntset, Set{Members: bs("-5", "7", "100000")}},
		{"meta", TypeString, String{B: []byte("v")}},
	}
	if len(got) != len(want) {
		t.Fatalf("read %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if string(g.Key) != w.key || g.Encoding != w.enc || g.DB != 2 {
			t.Errorf("entry %d: db %d key %q %v, want db 2 %q %v", i, g.DB, g.Key, g.Encoding, w.key, w.enc)
		}
		if describe(g.Value) != describe(w.val) {
			t.Errorf("%s: %s", w.key, diff(describe(g.Value), describe(w.val)))
		}
	}
	if got[7].ExpireMs != 2000000000000 {
		t.Errorf("seconds expire read as %d", got[7].ExpireMs)
	}
	if m := got[8]; m.ExpireMs != 1234567890123 || m.LRUIdle != 77 || m.LFUFreq != 9 {
		t.Errorf("meta: expire %d idle %d freq %d", m.ExpireMs, m.LRUIdle, m.LFUFreq)
	}
	for _, e := range got[:7] {
		if e.ExpireMs != -1 || e.LRUIdle != -1 || e.LFUFreq != -1 {
			t.Errorf("%s: metadata leaked from another key: %d %d %d", e.Key, e.ExpireMs, e.LRUIdle, e.LFUFreq)
		}
	}
	if r.Aux()["redis-ver"] != "5.0.7" || r.Version() != 9 {
		t.Errorf("aux %v version %d", r.Aux(), r.Version())
	}
}

// TestReadRedis72Encodings covers version 11 files: sets as listpacks and
// streams whose consumers have an active time.
func TestReadRedis72Encodings(t *testing.T) {
	f := newRawFile(11)
	f.op(opFunction2).str("#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
	f.op(opSelectDB).length(0).op(opResizeDB).length(2).length(0)
	f.key(TypeSetListpack, "set").str(lpOf("a", "1", "-300"))
	master := StreamID{100, 0}
	node := lpOf("1", "0", "1", "f", "0", // count, deleted, fields, "f", terminator
		"2", "0", "0", "v", "4") // SAMEFIELDS entry 100-0: f=v, lp-count 4
	f.key(TypeStreamListpacks3, "stream").length(1).str(string(appendID(nil, master))).str(node)
	f.length(1).length(100).length(0)                     // length, last ID
	f.length(100).length(0).length(0).length(0).length(1) // first ID, max deleted ID, entries added
	f.length(1).str("g").length(100).length(0).length(1)  // group g, last ID, entries read
	f.length(1).raw(appendID(nil, master)).raw(binary.LittleEndian.AppendUint64(nil, 555)).length(2)
	f.length(1).str("c").raw(binary.LittleEndian.AppendUint64(nil, 600)).raw(binary.LittleEndian.AppendUint64(nil, 650))
	f.length(1).raw(appendID(nil, master))
	data := f.bytes()

	var warnings []string
	r := NewReader(bytes.NewReader(data))
	r.Warn = func(off int64, msg string) { warnings = append(warnings, fmt.Sprintf("%d %s", off, msg)) }
	var got []Entry
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(warnings) != 1 || warnings[0] != `9 skipped function library "mylib"` {
		t.Errorf("warnings %q", warnings)
	}
	if len(got) != 2 || got[0].Encoding != TypeSetListpack || describe(got[0].Value) != describe(Set{Members: bs("a", "1", "-300")}) {
		t.Fatalf("set: %+v", got)
	}
	want := Stream{Entries: []StreamEntry{{ID: master, Fields: pairs("f", "v")}}, LastID: master, FirstID: master, EntriesAdded: 1,
		Groups: []StreamGroup{{Name: []byte("g"), LastID: master, EntriesRead: 1,
			PEL:       []StreamPending{{ID: master, DeliveryTime: 555, DeliveryCount: 2, Consumer: []byte("c")}},
			Consumers: []StreamConsumer{{Name: []byte("c"), SeenTime: 600, ActiveTime: 650}}}}}
	if g, w := describe(got[1].Value), describe(want); g != w {
		t.Errorf("stream: %s", diff(g, w))
	}
	if s := r.Sizes()[0]; s.Keys != 2 {
		t.Errorf("sizes %+v", r.Sizes())
	}
}

// TestReadStreamV1 covers Redis 5/6 streams: deleted entries, entries
// with their own fields, and the metadata Redis 7 derives on load.
func TestReadStreamV1(t *testing.T) {
	master := StreamID{1000, 5}
	node := lpOf("2", "1", "2", "a", "b", "0", // 2 live, 1 deleted, fields a b
		"2", "0", "0", "1", "2", "5", // 1000-5 a=1 b=2
		"3", "0", "1", "x", "y", "5", // 1000-6 deleted
		"0", "1", "0", "1", "c", "3", "6") // 1001-5 c=3 (own fields; ms diff 1, seq diff 0)
	f := newRawFile(9)
	f.op(opSelectDB).length(0)
	f.key(TypeStreamListpacks, "s").length(1).str(string(appendID(nil, master))).str(node)
	f.length(2).length(1001).length(5) // length, last ID
	f.length(1).str("g").length(1000).length(5)
	f.length(0).length(0) // empty PEL, no consumers
	got, _ := readAll(t, f.bytes())
	want := Stream{Entries: []StreamEntry{{ID: master, Fields: pairs("a", "1", "b", "2")}, {ID: StreamID{1001, 5}, Fields: pairs("c", "3")}},
		LastID: StreamID{1001, 5}, FirstID: master, EntriesAdded: 2,
		Groups: []StreamGroup{{Name: []byte("g"), LastID: master, EntriesRead: -1}}}
	if g, w := describe(got[0].Value), describe(want); g != w {
		t.Errorf("%s", diff(g, w))
	}
}

func TestReadQuicklistPlainNodes(t *testing.T) {
	f := newRawFile(10)
	f.op(opSelectDB).length(0)
	f.key(TypeListQuicklist2, "l").length(4).
		length(containerPacked).str(lpOf("a", "1")).
		length(containerPlain).str("a plain node holds one big element").
		length(containerPacked).str(lpOf()).
		length(containerPacked).lzfStr(lpOf("z", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"))
	got, _ := readAll(t, f.bytes())
	want := List{Elems: bs("a", "1", "a plain node holds one big element", "z", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")}
	if describe(got[0].Value) != describe(want) {
		t.Errorf("%s", diff(describe(got[0].Value), describe(want)))
	}
}

func TestReadOldVersionWithoutChecksum(t *testing.T) {
	f := newRawFile(3)
	f.op(opSelectDB).length(0).key(TypeString, "k").str("v")
	data := append(f.bytes(), "trailing protocol bytes"...)
	r := NewReader(bytes.NewReader(data))
	e, err := r.Next()
	if err != nil || string(e.Key) != "k" {
		t.Fatalf("%v %v", e, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("EOF did not stick: %v", err)
	}
	if string(r.Buffered()) != "trailing protocol bytes" || r.Offset() != int64(len(data)-23) {
		t.Errorf("buffered %q offset %d", r.Buffered(), r.Offset())
	}
}

// TestReadSkipsEmptyKeys: redis-server drops empty collections on load
// (an empty quicklist node list, an empty intset) and so does the Reader.
func TestReadSkipsEmptyKeys(t *testing.T) {
	f := newRawFile(10)
	f.op(opSelectDB).length(0)
	f.op(opExpireTimeMs).raw(make([]byte, 8)).key(TypeList, "empty-list").length(0)
	f.key(TypeSetIntset, "empty-intset").str(string(appendIntset(nil, nil)))
	f.key(TypeListQuicklist2, "empty-nodes").length(1).length(containerPacked).str(lpOf())
	f.key(TypeHashListpack, "empty-hash").str(lpOf())
	f.key(TypeString, "kept").str("v")
	var warnings []string
	r := NewReader(bytes.NewReader(f.bytes()))
	r.Warn = func(_ int64, msg string) { warnings = append(warnings, msg) }
	e, err := r.Next()
	if err != nil || string(e.Key) != "kept" || e.ExpireMs != -1 {
		t.Fatalf("got %q expire %d, %v", e.Key, e.ExpireMs, err)
	}
	if len(warnings) != 4 || !strings.Contains(warnings[0], `"empty-list"`) {
		t.Errorf("warnings %q", warnings)
	}
}

func TestReadRefusals(t *testing.T) {
	f := func(name string, data []byte, want string) {
		t.Helper()
		err := readErr(data)
		var re *Error
		if !errors.As(err, &re) {
			t.Errorf("%s: error %v is not an *Error", name, err)
			return
		}
		if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "rdb: offset ") {
			t.Errorf("%s: error %q, want it to contain %q", name, err, want)
		}
	}
	// A module type ID: "mymodule1" in the 6-bit charset, encoding version 3.
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var id uint64
	for _, c := range "ReJSON-RL" {
		id = id<<6 | uint64(strings.IndexRune(charset, c))
	}
	id = id<<10 | 3
	f("module value", newRawFile(10).op(opSelectDB).length(0).key(TypeModule2, "doc").length(id).bytes(),
		`offset 11: key "doc": value of module type "ReJSON-RL" (encoding version 3) cannot be loaded without the module`)
	f("module aux", newRawFile(10).op(opModuleAux).length(id).bytes(),
		`offset 9: module auxiliary data of module "ReJSON-RL" (encoding version 3)`)
	f("pre-GA functions", newRawFile(10).op(opFunctionPreGA).bytes(), "offset 9: function library in the Redis 7.0 release candidate format")
	f("unknown type", newRawFile(10).op(opSelectDB).length(0).key(Type(30), "k").bytes(), `offset 11: key "k": unknown object type 30`)
	f("newer version", []byte("REDIS0012"), "offset 5: RDB version 12 is newer than 11")
	f("bad version", []byte("REDIS00x1"), "offset 5: bad RDB version")
	f("not rdb", []byte("HELLO0001"), "offset 0: not an RDB file")
	f("empty", nil, "offset 0: reading header: unexpected EOF")
	f("NaN text score", newRawFile(9).key(TypeZSet, "z").length(1).str("m").raw([]byte{dblNaN}).bytes(), `key "z": score of member "m" is NaN`)
	f("NaN binary score", newRawFile(9).key(TypeZSet2, "z").length(1).str("m").raw(binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))).bytes(), "is NaN")
	f("NaN listpack score", newRawFile(10).key(TypeZSetListpack, "z").str(lpOf("m", "nan")).bytes(), "member 0 has an invalid score")
	f("odd hash", newRawFile(10).key(TypeHashListpack, "h").str(lpOf("f")).bytes(), "odd number of elements")
	f("odd zset", newRawFile(10).key(TypeZSetZiplist, "z").str(zlOf("m")).bytes(), "odd number of elements")
	f("duplicate set", newRawFile(10).key(TypeSet, "s").length(2).str("a").str("a").bytes(), `duplicate set member "a"`)
	f("duplicate set listpack", newRawFile(11).key(TypeSetListpack, "s").str(lpOf("1", "2", "1")).bytes(), `duplicate set member "1"`)
	f("duplicate field", newRawFile(10).key(TypeHash, "h").length(2).str("a").str("1").str("a").str("2").bytes(), `duplicate hash field "a"`)
	f("duplicate zset", newRawFile(10).key(TypeZSetListpack, "z").str(lpOf("a", "1", "a", "2")).bytes(), `duplicate sorted set member "a"`)
	f("quicklist container", newRawFile(10).key(TypeListQuicklist2, "l").length(1).length(3).bytes(), "quicklist node container 3")
	f("length encoding", newRawFile(10).key(TypeList, "l").op(0x82).bytes(), "unknown length encoding 0x82")
	f("encoded length", newRawFile(10).key(TypeList, "l").op(0xC0).bytes(), "encoded value where a length was expected")
	f("string encoding", newRawFile(10).key(TypeString, "s").op(0xC4).bytes(), "unknown string encoding 4")
	f("lzf ratio", newRawFile(10).key(TypeString, "s").op(0xC3).length(2).length(1000).raw([]byte{0, 'a'}).bytes(), "LZF string of 2 bytes cannot expand to 1000")
	f("lzf data", newRawFile(10).key(TypeString, "s").op(0xC3).length(2).length(3).raw([]byte{0, 'a'}).bytes(), "corrupt LZF data")
	f("select range", newRawFile(10).op(opSelectDB).length(1<<40).bytes(), "database index 1099511627776 out of range")
	f("listpack in blob", newRawFile(10).key(TypeHashListpack, "h").str("garbage!").bytes(), `key "h": hash-listpack: listpack`)

	stream := func(node string, tail func(f *rawFile)) []byte {
		f := newRawFile(10).key(TypeStreamListpacks2, "s").length(1).str(string(appendID(nil, StreamID{1, 0}))).str(node)
		tail(f)
		return f.bytes()
	}
	okNode := lpOf("1", "0", "1", "f", "0", "2", "0", "0", "v", "4")
	meta := func(length, lastMs uint64) func(*rawFile) {
		return func(f *rawFile) {
			// length, last ID, first ID, max deleted ID, entries added
			f.length(length).length(lastMs).length(0).length(1).length(0).length(0).length(0).length(1)
		}
	}
	f("stream node key", newRawFile(10).key(TypeStreamListpacks2, "s").length(1).str("short").bytes(), "stream node key of 5 bytes")
	f("empty stream node", stream(lpOf(), meta(0, 1)), "empty listpack in stream node 1-0")
	f("stream length", stream(okNode, meta(2, 1)), "stream length 2, but 1 entries")
	f("stream last ID", stream(okNode, meta(1, 0)), "stream last ID 0-0 is below entry 1-0")
	f("master counts", stream(lpOf("2", "0", "1", "f", "0", "2", "0", "0", "v", "4"), meta(1, 1)), "master entry counts 2 live")
	f("lp-count", stream(lpOf("1", "0", "1", "f", "0", "2", "0", "0", "v", "5"), meta(1, 1)), "element count 5, want 4")
	f("master terminator", stream(lpOf("1", "0", "1", "f", "7"), meta(1, 1)), "bad master entry terminator")
	f("field count", stream(lpOf("1", "0", "0", "0", "0", "0", "0", "9", "a", "b", "6"), meta(1, 1)), "field count 9")
	f("stream order", stream(lpOf("2", "0", "1", "f", "0", "2", "1", "0", "v", "4", "2", "0", "0", "v", "4"), meta(2, 1)), "is not above")
	group := func(pel, consumers func(f *rawFile)) func(*rawFile) {
		return func(f *rawFile) {
			meta(1, 1)(f)
			f.length(1).str("g").length(1).length(0).length(1) // one group: name, last ID, entries read
			pel(f)
			consumers(f)
		}
	}
	pending := func(ids ...StreamID) func(*rawFile) {
		return func(f *rawFile) {
			f.length(uint64(len(ids)))
			for _, id := range ids {
				f.raw(appendID(nil, id)).raw(make([]byte, 8)).length(1)
			}
		}
	}
	consumer := func(name string, ids ...StreamID) func(*rawFile) {
		return func(f *rawFile) {
			f.length(1).str(name).raw(make([]byte, 8)).length(uint64(len(ids)))
			for _, id := range ids {
				f.raw(appendID(nil, id))
			}
		}
	}
	f("orphan pending", stream(okNode, group(pending(StreamID{1, 0}), consumer("c"))), `pending entry 1-0 has no consumer`)
	f("unknown pending", stream(okNode, group(pending(), consumer("c", StreamID{1, 0}))), `pending entry 1-0 is not in the group's PEL`)
	f("pending order", stream(okNode, group(pending(StreamID{2, 0}, StreamID{1, 0}), consumer("c"))), `pending entry 1-0 out of order`)
	f("two owners", stream(okNode, group(pending(StreamID{1, 0}), func(f *rawFile) {
		f.length(2).str("a").raw(make([]byte, 8)).length(1).raw(appendID(nil, StreamID{1, 0}))
		f.str("b").raw(make([]byte, 8)).length(1).raw(appendID(nil, StreamID{1, 0}))
	})), "has two consumers")
	f("duplicate consumer", stream(okNode, group(pending(), func(f *rawFile) {
		f.length(2).str("a").raw(make([]byte, 8)).length(0).str("a").raw(make([]byte, 8)).length(0)
	})), `duplicate consumer "a"`)
	f("duplicate group", stream(okNode, func(f *rawFile) {
		meta(1, 1)(f)
		f.length(2).str("g").length(0).length(0).length(0).length(0).length(0)
		f.str("g").length(0).length(0).length(0).length(0).length(0)
	}), `duplicate consumer group "g"`)
}

func TestReadChecksum(t *testing.T) {
	data := writeFile(t, DefaultWriterOptions(), []Entry{entry(0, "k", String{B: []byte("v")})})
	bad := append([]byte(nil), data...)
	bad[len(bad)-1] ^= 1
	err := readErr(bad)
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d: checksum is", len(data)-8)) {
		t.Fatalf("wrong checksum: %v", err)
	}
	r := NewReader(bytes.NewReader(bad))
	r.IgnoreChecksum = true
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("IgnoreChecksum: %v", err)
		}
	}
	// A flipped byte in the middle that still parses is caught by the CRC.
	i := bytes.Index(data, []byte("\x01k\x01v"))
	bad = append([]byte(nil), data...)
	bad[i+3] = 'w'
	if err := readErr(bad); !errors.Is(err, ErrChecksum) {
		t.Fatalf("flipped value byte: %v", err)
	}
	// Zero means the writer had rdbchecksum off.
	zero := append([]byte(nil), data...)
	copy(zero[len(zero)-8:], make([]byte, 8))
	if err := readErr(zero); err != nil {
		t.Fatalf("zero checksum: %v", err)
	}
}

// TestReadLargeStrings crosses the Reader's 64 KiB buffer and its chunked
// path for strings longer than what is buffered.
func TestReadLargeStrings(t *testing.T) {
	opts := DefaultWriterOptions()
	opts.Compression = false
	var entries []Entry
	for _, n := range []int{65535, 65536, 65537, 3 << 20} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 31 / 7)
		}
		entries = append(entries, entry(0, fmt.Sprint(n), String{B: b}))
	}
	data := writeFile(t, opts, entries)
	// One byte per Read: every refill and chunk boundary is exercised.
	r := NewReader(io.LimitReader(&oneByteReader{data}, int64(len(data))))
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			if i != len(entries) {
				t.Fatalf("read %d entries", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.Value.(String).B, entries[i].Value.(String).B) {
			t.Fatalf("entry %d differs", i)
		}
	}
}

type oneByteReader struct{ b []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}
