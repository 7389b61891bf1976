package rdb

import (
	"bytes"
	"io"
	"testing"
)

func benchEntries() []Entry {
	var entries []Entry
	for _, c := range writerCases() {
		entries = append(entries, c.e)
	}
	return entries
}

func BenchmarkWriter(b *testing.B) {
	entries := benchEntries()
	size := len(writeFile(b, DefaultWriterOptions(), entries))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(io.Discard, DefaultWriterOptions())
		w.WriteHeader()
		db := -1
		for _, e := range entries {
			if e.DB != db {
				db = e.DB
				w.SelectDB(db, 0, 0)
			}
			if err := w.WriteEntry(e); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	data := writeFile(b, DefaultWriterOptions(), benchEntries())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
