package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

// corpusFiles are well-formed files to damage: the Redis fixture, and the
// small writerCases written once in compact encodings and once in the
// hashtable and skiplist ones, so that every encoding is damaged in turn.
func corpusFiles(t testing.TB) map[string][]byte {
	t.Helper()
	redis, err := os.ReadFile(fixtureRDB)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	for _, c := range writerCases() {
		if len(writeFile(t, DefaultWriterOptions(), []Entry{c.e})) < 1000 {
			entries = append(entries, c.e)
		}
	}
	return map[string][]byte{
		"redis":   redis,
		"compact": writeFile(t, DefaultWriterOptions(), entries),
		"plain":   writeFile(t, WriterOptions{Compression: true, Checksum: true}, entries),
	}
}

// TestTruncation cuts files at every offset: each cut is an unexpected
// end of input reported at or before the cut, never a clean EOF.
func TestTruncation(t *testing.T) {
	for name, data := range corpusFiles(t) {
		step := max(1, len(data)/1000)
		cuts := 0
		for n := 0; n < len(data); n += step {
			err := readErr(data[:n])
			var re *Error
			if !errors.As(err, &re) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("%s cut at %d: %v", name, n, err)
			}
			if re.Offset > int64(n) {
				t.Fatalf("%s cut at %d: error at offset %d: %v", name, n, re.Offset, err)
			}
			cuts++
		}
		if cuts < 600 {
			t.Errorf("%s: only %d cuts", name, cuts)
		}
	}
}

// TestFlippedBytes damages one byte at a time: every damage is an error
// (the checksum catches what still parses), and none panics.
func TestFlippedBytes(t *testing.T) {
	for name, data := range corpusFiles(t) {
		step := max(1, len(data)/1000)
		flips := 0
		for i := 0; i < len(data); i += step {
			for _, x := range []byte{0x01, 0x80, 0xFF} {
				bad := bytes.Clone(data)
				bad[i] ^= x
				err := readErr(bad)
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("%s: byte %d ^ %02x: %v", name, i, x, err)
				}
				flips++
			}
		}
		if flips < 1800 {
			t.Errorf("%s: only %d flips", name, flips)
		}
	}
}

func noTrailer(b []byte) []byte { return b[:len(b)-9] }

// TestAbsurdLengths: claimed sizes far beyond the input fail at the end of
// the input without allocating what they claim.
func TestAbsurdLengths(t *testing.T) {
	huge := uint64(1) << 62
	f := func(name string, data []byte, want string) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := readErr(data)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("%s: allocated %d bytes", name, grew)
		}
	}
	pad := bytes.Repeat([]byte{'x'}, 100)
	f("string", newRawFile(10).key(TypeString, "k").length(huge).raw(pad).bytes(), "reading string of 4611686018427387904 bytes: unexpected EOF")
	f("key", newRawFile(10).op(byte(TypeString)).length(1<<31).raw(pad).bytes(), "unexpected EOF")
	// Without their trailer, the files below end where the claimed
	// elements should go on.
	f("list", noTrailer(newRawFile(10).key(TypeList, "k").length(huge).str("a").bytes()), "unexpected EOF")
	f("set", noTrailer(newRawFile(10).key(TypeSet, "k").length(huge).str("a").bytes()), "unexpected EOF")
	f("zset", noTrailer(newRawFile(10).key(TypeZSet2, "k").length(huge).str("a").raw(make([]byte, 8)).bytes()), "unexpected EOF")
	f("hash", noTrailer(newRawFile(10).key(TypeHash, "k").length(huge).str("a").bytes()), "unexpected EOF")
	f("quicklist", noTrailer(newRawFile(10).key(TypeListQuicklist2, "k").length(huge).bytes()), "unexpected EOF")
	f("lzf", newRawFile(10).key(TypeString, "k").op(0xC3).length(huge).length(huge).raw(pad).bytes(), "unexpected EOF")
	f("lzf ratio", newRawFile(10).key(TypeString, "k").op(0xC3).length(10).length(1<<40).raw(pad).bytes(), "cannot expand")
	f("stream nodes", noTrailer(newRawFile(10).key(TypeStreamListpacks2, "k").length(huge).bytes()), "unexpected EOF")
	groups := newRawFile(10).key(TypeStreamListpacks2, "k").length(0)
	for range 8 {
		groups.length(0)
	}
	f("stream groups", noTrailer(groups.length(huge).bytes()), "unexpected EOF")
	pel := newRawFile(10).key(TypeStreamListpacks2, "k").length(0)
	for range 8 {
		pel.length(0)
	}
	f("stream PEL", noTrailer(pel.length(1).str("g").length(0).length(0).length(0).length(huge).bytes()), "unexpected EOF")
	lp := []byte(lpOf("a"))
	binary.LittleEndian.PutUint16(lp[4:], 65534)
	f("listpack count", newRawFile(10).key(TypeListQuicklist2, "k").length(1).length(2).str(string(lp)).bytes(), "listpack header says 65534 elements")
	is := binary.LittleEndian.AppendUint32(nil, 8)
	is = binary.LittleEndian.AppendUint32(is, 1<<31)
	f("intset", newRawFile(10).key(TypeSetIntset, "k").str(string(is)).bytes(), "intset of 2147483648 8-byte integers")
	strLen := []byte(lpOf("a"))
	strLen = append(strLen[:lpHeaderSize], 0xF0, 0xFF, 0xFF, 0xFF, 0x7F, lpEOF)
	binary.LittleEndian.PutUint32(strLen, uint32(len(strLen)))
	f("listpack string", newRawFile(10).key(TypeHashListpack, "k").str(string(strLen)).bytes(), "element runs past the end")
}
