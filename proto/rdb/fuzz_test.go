package rdb

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the Reader: it must never panic or
// allocate out of proportion, and whatever it accepts must survive a trip
// through the Writer unchanged.
func FuzzReader(f *testing.F) {
	redis, err := os.ReadFile(fixtureRDB)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(redis)
	for _, c := range writerCases() {
		for _, opts := range []WriterOptions{DefaultWriterOptions(), {Checksum: true}} {
			// Big seeds slow down every execution and minimization.
			if data := writeFile(f, opts, []Entry{c.e}); len(data) < 2048 {
				f.Add(data)
			}
		}
	}
	f.Add(newRawFile(9).key(TypeZSet, "z").length(1).str("m").raw([]byte{3}).raw([]byte("1.5")).bytes())
	f.Add(newRawFile(9).key(TypeHashZipmap, "h").str(string(zipmapBytes([][2]string{{"f", "v"}}, 1))).bytes())
	f.Add(newRawFile(9).key(TypeListQuicklist, "l").length(1).str(zlOf("a", "1", "-70000")).bytes())
	f.Add(newRawFile(11).key(TypeSetListpack, "s").str(lpOf("a", "1")).bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		r.IgnoreChecksum = true // let mutations reach the values
		var entries []Entry
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var re *Error
				if !errors.As(err, &re) {
					t.Fatalf("error %v is not an *Error", err)
				}
				if re.Offset < 0 || re.Offset > int64(len(data)) {
					t.Fatalf("error offset %d outside the input of %d bytes", re.Offset, len(data))
				}
				break
			}
			entries = append(entries, e)
		}
		if len(entries) == 0 {
			return
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, DefaultWriterOptions())
		w.WriteHeader()
		for i, e := range entries {
			if i == 0 || e.DB != entries[i-1].DB {
				w.SelectDB(e.DB, 0, 0)
			}
			if err := w.WriteEntry(e); err != nil {
				t.Fatalf("the Writer refused what the Reader accepted: %v", err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		again, _ := readAll(t, buf.Bytes())
		if len(again) != len(entries) {
			t.Fatalf("rewritten file has %d entries, want %d", len(again), len(entries))
		}
		for i := range entries {
			a, b := entries[i], again[i]
			if !bytes.Equal(a.Key, b.Key) || a.DB != b.DB || a.ExpireMs != b.ExpireMs || a.LRUIdle != b.LRUIdle || a.LFUFreq != b.LFUFreq {
				t.Fatalf("entry %d metadata changed: %+v vs %+v", i, a, b)
			}
			if describe(a.Value) != describe(b.Value) {
				t.Fatalf("entry %q changed: %s", a.Key, diff(describe(b.Value), describe(a.Value)))
			}
		}
	})
}
