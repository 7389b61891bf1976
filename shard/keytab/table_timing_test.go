package keytab

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/shoal-db/shoal/shard/dict"
)

const benchKeys = 1 << 20

// benchData holds benchKeys distinct keys to store, copies of them to look up
// (a server's lookup keys come from request buffers, so they never share
// memory with the stored keys), and a shuffled order to visit them in, so
// that accesses miss the CPU cache as they would on a real keyspace.
type benchData struct {
	keys, lookups [][]byte
	strKeys       []string
	order         []int
	value         []byte
}

func newBenchData() *benchData {
	bd := &benchData{
		keys:    make([][]byte, benchKeys),
		lookups: make([][]byte, benchKeys),
		strKeys: make([]string, benchKeys),
		order:   rand.New(rand.NewPCG(3, 4)).Perm(benchKeys),
		value:   []byte("0123456789abcdef"),
	}
	for i := range bd.keys {
		bd.keys[i] = fmt.Appendf(nil, "key:%d", i)
		bd.lookups[i] = bytes.Clone(bd.keys[i])
		bd.strKeys[i] = string(bd.keys[i])
	}
	return bd
}

// dictObj is what a Dict-based keyspace keeps per string key: a heap object
// with the value's own copy and the header fields keytab packs into a record.
type dictObj struct {
	str []byte
	_   [8]byte // the clock and flags
}

func (bd *benchData) table() *Table[int] {
	tab := New[int]()
	v := &Value[int]{Kind: Str, Str: bd.value}
	for _, k := range bd.keys {
		tab.Put(k, v)
	}
	return tab
}

func (bd *benchData) dict() *dict.Dict[*dictObj] {
	d := dict.New[*dictObj](0)
	for _, k := range bd.strKeys {
		d.Set(k, &dictObj{str: bytes.Clone(bd.value)})
	}
	return d
}

// heapPerKey returns what build makes and the live heap it adds per key, to
// report after the timed loop (b.Loop drops metrics reported before it).
func heapPerKey(build func() any) (any, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return x, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / benchKeys
}

func BenchmarkFind(b *testing.B) {
	bd := newBenchData()
	var sink int
	b.Run("keytab", func(b *testing.B) {
		x, perKey := heapPerKey(func() any { return bd.table() })
		tab := x.(*Table[int])
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r := tab.Find(bd.lookups[bd.order[i%benchKeys]])
			if r == 0 {
				b.Fatal("missing key")
			}
			sink += len(tab.Str(r))
		}
		b.ReportMetric(perKey, "heapB/key")
	})
	b.Run("dict", func(b *testing.B) {
		x, perKey := heapPerKey(func() any { return bd.dict() })
		d := x.(*dict.Dict[*dictObj])
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			o, ok := d.GetBytes(bd.lookups[bd.order[i%benchKeys]])
			if !ok {
				b.Fatal("missing key")
			}
			sink += len(o.str)
		}
		b.ReportMetric(perKey, "heapB/key")
	})
	_ = sink
}

// BenchmarkPut/insert fills a fresh table with 1M keys over and over, so its
// cost includes every resize on the way; BenchmarkPut/replace overwrites
// keys of a full table with values of the same size.
func BenchmarkPut(b *testing.B) {
	bd := newBenchData()
	v := &Value[int]{Kind: Str, Str: bd.value}
	b.Run("insert/keytab", func(b *testing.B) {
		b.ReportAllocs()
		var tab *Table[int]
		for i := 0; b.Loop(); i++ {
			if i%benchKeys == 0 {
				tab = New[int]()
			}
			tab.Put(bd.keys[bd.order[i%benchKeys]], v)
		}
	})
	b.Run("insert/dict", func(b *testing.B) {
		b.ReportAllocs()
		var d *dict.Dict[*dictObj]
		for i := 0; b.Loop(); i++ {
			if i%benchKeys == 0 {
				d = dict.New[*dictObj](0)
			}
			d.Set(bd.strKeys[bd.order[i%benchKeys]], &dictObj{str: bytes.Clone(bd.value)})
		}
	})
	b.Run("replace/keytab", func(b *testing.B) {
		tab := bd.table()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tab.Put(bd.lookups[bd.order[i%benchKeys]], v)
		}
	})
	b.Run("replace/dict", func(b *testing.B) {
		d := bd.dict()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			// A SET replaces the object: the old one becomes garbage.
			if o := d.Ref(bd.lookups[bd.order[i%benchKeys]]); o != nil {
				*o = &dictObj{str: bytes.Clone(bd.value)}
			}
		}
	})
}

// BenchmarkGC times a full collection with 1M keys live: what the pointer-
// free layout is for. The bench data is dropped first so that only the
// keyspace is marked.
func BenchmarkGC(b *testing.B) {
	for _, tc := range []struct {
		name  string
		build func(bd *benchData) any
	}{
		{"keytab", func(bd *benchData) any { return bd.table() }},
		{"dict", func(bd *benchData) any { return bd.dict() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			x := tc.build(newBenchData())
			runtime.GC()
			for b.Loop() {
				runtime.GC()
			}
			runtime.KeepAlive(x)
		})
	}
}
