package zset

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSet returns a big set of n members "member:<i>" with random scores,
// and the members.
func benchSet(n int) (*Set, [][]byte) {
	r := rand.New(rand.NewPCG(1, 2))
	s := New(0)
	members := make([][]byte, n)
	for i := range members {
		members[i] = fmt.Appendf(nil, "member:%d", i)
		s.Add(members[i], r.Float64()*1e6)
	}
	return s, members
}

func BenchmarkAdd(b *testing.B) {
	for _, order := range []string{"random", "ascending"} {
		b.Run(order, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			s := New(0)
			buf := make([]byte, 0, 32)
			for i := 0; b.Loop(); i++ {
				buf = fmt.Appendf(buf[:0], "member:%d", i)
				score := float64(i)
				if order == "random" {
					score = r.Float64()
				}
				s.Add(buf, score)
			}
		})
	}
}

func BenchmarkSmallAdd(b *testing.B) {
	members := make([][]byte, MaxListpackEntries)
	for i := range members {
		members[i] = fmt.Appendf(nil, "member:%d", i)
	}
	for b.Loop() {
		s := New(0)
		for i, m := range members {
			s.Add(m, float64(i%7))
		}
	}
}

func BenchmarkScore(b *testing.B) {
	s, members := benchSet(1_000_000)
	for i := 0; b.Loop(); i++ {
		s.Score(members[i%len(members)])
	}
}

func BenchmarkRank(b *testing.B) {
	s, members := benchSet(1_000_000)
	for i := 0; b.Loop(); i++ {
		s.Rank(members[i%len(members)])
	}
}

func BenchmarkUpdate(b *testing.B) {
	s, members := benchSet(1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; b.Loop(); i++ {
		m := members[i%len(members)]
		old, _ := s.Score(m)
		s.Update(m, old, r.Float64()*1e6)
	}
}

// BenchmarkRangeByScore is ZRANGEBYSCORE with LIMIT 0 10 on 1M elements.
func BenchmarkRangeByScore(b *testing.B) {
	s, _ := benchSet(1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	for b.Loop() {
		low := r.Float64() * 1e6
		lo, hi := s.ScoreRanks(ScoreRange{Min: low, Max: low + 1000})
		s.Range(lo, min(hi, lo+10), false, func([]byte, float64) {})
	}
}

// BenchmarkDeleteAdd removes and re-adds members of a 1M set.
func BenchmarkDeleteAdd(b *testing.B) {
	s, members := benchSet(1_000_000)
	for i := 0; b.Loop(); i++ {
		m := members[i%len(members)]
		s.Delete(m)
		s.Add(m, float64(i))
	}
}

// BenchmarkMemory reports the heap held per element by a set of 1M members
// "member:<i>" (HeapAlloc delta). Redis 7.0 holds 110 bytes per element
// (used_memory delta) for the same members, with ascending or random scores.
func BenchmarkMemory(b *testing.B) {
	for _, order := range []string{"random", "ascending"} {
		b.Run(order, func(b *testing.B) {
			var per float64
			for b.Loop() {
				per = heapPerElement(1_000_000, func(i int) float64 {
					if order == "random" {
						return rand.Float64() * 1e6
					}
					return float64(i)
				})
			}
			b.ReportMetric(per, "B/element")
		})
	}
}
