package zset

import (
	"math"
	"strconv"
	"testing"
)

func TestElements(t *testing.T) {
	for _, n := range []int{1, MaxListpackEntries, MaxListpackEntries + 1, 5000} {
		s := New(0)
		for i := range n {
			score := float64(i%17) / 3
			if i == 1 {
				score = math.Inf(-1)
			}
			s.Add([]byte("m"+strconv.Itoa(i)), score)
		}
		type el struct {
			m string
			s float64
		}
		var want []el
		s.Range(0, s.Len(), false, func(m []byte, sc float64) { want = append(want, el{string(m), sc}) })
		var got [][]byte
		var scores []float64
		s.Elements(func(m []byte, sc float64) { got, scores = append(got, m), append(scores, sc) })
		if len(got) != n || len(want) != n {
			t.Fatalf("n=%d: Elements gave %d elements, Range %d", n, len(got), len(want))
		}
		// Checked after the walk: the members were not scratch.
		for i := range got {
			if string(got[i]) != want[i].m || scores[i] != want[i].s {
				t.Fatalf("n=%d: element %d is %q=%v, want %q=%v", n, i, got[i], scores[i], want[i].m, want[i].s)
			}
			_ = append(got[i], 'X')
		}
		for _, w := range want {
			if sc, ok := s.Score([]byte(w.m)); !ok || sc != w.s {
				t.Fatalf("n=%d: after appending to the members, %q scores %v, %v", n, w.m, sc, ok)
			}
		}
	}
}
