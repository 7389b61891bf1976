package dict

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

const benchKeys = 1 << 20

// benchData holds benchKeys distinct keys to store, copies of them to look up
// (a server's lookup keys come from request buffers, so they never share
// memory with the stored keys and every comparison reads both), and a
// shuffled order to visit them in, so accesses miss the CPU cache as they
// would on a real keyspace.
type benchData struct {
	keys, lookups []string
	byteLookups   [][]byte
	order         []int
}

func newBenchData() *benchData {
	bd := &benchData{
		keys:        make([]string, benchKeys),
		lookups:     make([]string, benchKeys),
		byteLookups: make([][]byte, benchKeys),
		order:       rand.New(rand.NewPCG(3, 4)).Perm(benchKeys),
	}
	for i := range bd.keys {
		bd.keys[i] = fmt.Sprintf("key:%d", i)
		bd.lookups[i] = strings.Clone(bd.keys[i])
		bd.byteLookups[i] = []byte(bd.keys[i])
	}
	return bd
}

func (bd *benchData) filled() (*Dict[int], map[string]int) {
	d, m := New[int](0), map[string]int{}
	for i, k := range bd.keys {
		d.Set(k, i)
		m[k] = i
	}
	return d, m
}

func BenchmarkGet(b *testing.B) {
	bd := newBenchData()
	d, m := bd.filled()
	b.Run("dict", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := d.Get(bd.lookups[bd.order[i%benchKeys]]); !ok {
				b.Fatal("missing key")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := m[bd.lookups[bd.order[i%benchKeys]]]; !ok {
				b.Fatal("missing key")
			}
		}
	})
}

func BenchmarkGetBytes(b *testing.B) {
	bd := newBenchData()
	d, m := bd.filled()
	b.Run("dict", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := d.GetBytes(bd.byteLookups[bd.order[i%benchKeys]]); !ok {
				b.Fatal("missing key")
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := m[string(bd.byteLookups[bd.order[i%benchKeys]])]; !ok {
				b.Fatal("missing key")
			}
		}
	})
}

// BenchmarkSet/insert fills a fresh table with 1M keys over and over, so its
// cost includes every resize on the way; BenchmarkSet/replace overwrites keys
// of a full table.
func BenchmarkSet(b *testing.B) {
	bd := newBenchData()
	b.Run("insert/dict", func(b *testing.B) {
		b.ReportAllocs()
		var d *Dict[int]
		for i := 0; b.Loop(); i++ {
			if i%benchKeys == 0 {
				d = New[int](0)
			}
			d.Set(bd.keys[bd.order[i%benchKeys]], i)
		}
	})
	b.Run("insert/map", func(b *testing.B) {
		b.ReportAllocs()
		var m map[string]int
		for i := 0; b.Loop(); i++ {
			if i%benchKeys == 0 {
				m = map[string]int{}
			}
			m[bd.keys[bd.order[i%benchKeys]]] = i
		}
	})
	d, m := bd.filled()
	b.Run("replace/dict", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			d.Set(bd.lookups[bd.order[i%benchKeys]], i)
		}
	})
	b.Run("replace/map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m[bd.lookups[bd.order[i%benchKeys]]] = i
		}
	})
}
